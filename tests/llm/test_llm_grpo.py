"""GRPO: advantages, the clipped loss, and a few real updates whose rewards are the env's."""
from __future__ import annotations

import math

import gymnasium as gym
import pytest

from mathgym.testing import require


def test_group_advantages_are_relative_to_the_group():
    from mathgym.agents.grpo import group_advantages

    adv = group_advantages([1, 0, 0, 1, 2, 2, 2, 2], group_size=4, scale=False)
    assert adv == [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0]
    scaled = group_advantages([1, 0, 0, 1], group_size=4, scale=True)
    assert scaled == pytest.approx([1, -1, -1, 1], abs=1e-3)


def test_loss_gradient_clipping_and_averaging():
    require("torch")
    import torch
    from mathgym.agents.grpo import grpo_loss

    old = torch.tensor([[-1.0, -2.0, 0.0], [-1.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    adv = torch.tensor([[2.0], [-1.0]])
    logp = old.clone().requires_grad_(True)
    kwargs = dict(clip_eps=0.2, kl_coef=0.0, total_tokens=3, total_sequences=2)
    loss, _, ratio = grpo_loss(logp, old, None, adv, mask, token_level=True, **kwargs)
    loss.backward()
    # at ratio 1 the gradient is -A / (number of tokens) on every completion token, 0 on padding
    assert torch.allclose(logp.grad, torch.tensor([[-2 / 3, -2 / 3, 0], [1 / 3, 0, 0]]))
    assert loss.item() == pytest.approx(-(2 + 2 - 1) / 3)
    seq_loss, _, _ = grpo_loss(old, old, None, adv, mask, token_level=False, **kwargs)
    assert seq_loss.item() == pytest.approx(-(2 - 1) / 2)  # mean per sequence, then over sequences
    # a ratio beyond 1 + eps with a positive advantage gets no gradient (clipped)
    far = (old + 0.5).requires_grad_(True)
    loss, _, _ = grpo_loss(far, old, None, adv, mask, token_level=True, **kwargs)
    loss.backward()
    assert far.grad[0, 0] == 0 and far.grad[1, 0] != 0
    # the k3 KL term is zero at the reference and positive elsewhere
    _, kl0, _ = grpo_loss(old, old, old, adv, mask, token_level=True, **{**kwargs, "kl_coef": 0.1})
    _, kl1, _ = grpo_loss(old, old, old + 0.3, adv, mask, token_level=True, **{**kwargs, "kl_coef": 0.1})
    assert float(kl0.abs().max()) == 0 and float(kl1.min()) > 0


def test_a_few_updates_plumb_rewards_advantages_and_gradients(tiny_model_dir):
    require("transformers")
    import torch
    from mathgym.agents.grpo import GRPOConfig, group_advantages, train
    from mathgym.agents.llm.hf import load_tokenizer
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    tokenizer = load_tokenizer(str(tiny_model_dir))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    config = GRPOConfig(model_path=str(tiny_model_dir), env_kwargs={"level": 0, "mode": "step", "max_steps": 2},
                        total_updates=2, prompts_per_step=2, group_size=3, max_new_tokens=6, eval_every=0,
                        eval_episodes=3, kl_coef=0.05, learning_rate=1e-3, seed=0, scale_rewards=True)
    result = train(config, model=model, tokenizer=tokenizer, log=None)
    rows = [r for r in result.history if r["update"] > 0]
    assert [r["update"] for r in rows] == [1, 2]
    assert all(math.isfinite(r["loss"]) and r["kl"] >= 0 for r in rows)
    assert "eval_reward" in result.history[0] and "eval_reward" in rows[-1]
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    # the last batch: groups share a problem, rewards are what the env gives for the actions
    trajectories = result.last_trajectories
    assert len(trajectories) == 6 and trajectories[0].problem_id == trajectories[2].problem_id
    env = gym.make(config.env_id, **config.env_kwargs)
    for t in trajectories:
        env.reset(seed=t.seed)
        replay = [env.step(a)[1] for a in t.actions]
        assert t.rewards == replay
    assert result.last_advantages == pytest.approx(
        group_advantages([t.total_reward for t in trajectories], 3, scale=config.scale_rewards))
    assert rows[-1]["reward"] == pytest.approx(sum(t.total_reward for t in trajectories) / 6)


def test_grpo_generating_with_vllm_syncs_the_engine(tiny_model_dir, vllm_policy):
    """One update generating with the session's vLLM engine, starting from other weights than the
    engine's; afterwards the engine generates what the trained weights generate. The engine's original weights are restored at the end."""
    require("vllm")
    import torch
    from mathgym.agents.grpo import GRPOConfig, train
    from mathgym.agents.llm import GREEDY
    from mathgym.agents.llm.hf import HFPolicy, load_tokenizer
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    original = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():  # the trainer's weights differ from the engine's: train() must sync them in
        for p in model.parameters():
            p.mul_(1.5)
    tokenizer = load_tokenizer(str(tiny_model_dir))
    config = GRPOConfig(model_path=str(tiny_model_dir), total_updates=1, prompts_per_step=2, group_size=4,
                        max_new_tokens=8, eval_every=0, eval_episodes=2, learning_rate=5e-2, generator="vllm")
    chat = [{"role": "user", "content": "Calculate 1 + 2."}]
    s = GREEDY.replace(max_tokens=12)
    before = vllm_policy.generate(chat, sampling=s)[0][0].token_ids
    try:
        result = train(config, model=model, tokenizer=tokenizer, policy=vllm_policy, log=None)
        assert len(result.last_trajectories) == 8
        after = vllm_policy.generate(chat, sampling=s)[0][0].token_ids
        assert after == HFPolicy(model, tokenizer).generate(chat, sampling=s)[0][0].token_ids != before
    finally:
        vllm_policy.load_weights(original.items())


test_grpo_generating_with_vllm_syncs_the_engine = pytest.mark.xdist_group("vllm")(
    test_grpo_generating_with_vllm_syncs_the_engine)
