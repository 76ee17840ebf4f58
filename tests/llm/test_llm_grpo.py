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
    from transformers import AutoModelForCausalLM

    from mathgym.agents.grpo import GRPOConfig, group_advantages, train
    from mathgym.agents.llm.hf import load_tokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    tokenizer = load_tokenizer(str(tiny_model_dir))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    config = GRPOConfig(
        model_path=str(tiny_model_dir),
        env_kwargs={"level": 0, "mode": "step", "max_steps": 2},
        total_updates=2,
        prompts_per_step=2,
        group_size=3,
        max_new_tokens=6,
        eval_every=0,
        eval_episodes=3,
        kl_coef=0.05,
        learning_rate=1e-3,
        seed=0,
        scale_rewards=True,
    )
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
        group_advantages([t.total_reward for t in trajectories], 3, scale=config.scale_rewards)
    )
    assert rows[-1]["reward"] == pytest.approx(sum(t.total_reward for t in trajectories) / 6)


def test_token_logprobs_are_those_of_the_temperature_the_rollouts_sampled_at(tiny_model_dir):
    """The log-probabilities the loss uses are the sampler's: ``log_softmax(logits / T)``, as transformers'
    temperature warper computes them while sampling (read back from ``generate``'s processed scores)."""
    require("transformers")
    import torch
    from transformers import AutoModelForCausalLM

    from mathgym.agents.grpo import token_logprobs
    from mathgym.agents.llm.hf import load_tokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    tokenizer = load_tokenizer(str(tiny_model_dir))
    prompt = tokenizer.encode("Calculate 3 + 4.", add_special_tokens=False)
    for temperature in (0.5, 0.7, 1.3):
        torch.manual_seed(0)
        out = model.generate(
            torch.tensor([prompt]),
            do_sample=True,
            temperature=temperature,
            top_k=0,
            top_p=1.0,
            max_new_tokens=8,
            output_scores=True,
            return_dict_in_generate=True,
            pad_token_id=tokenizer.pad_token_id,
            use_cache=False,
        )
        completion = out.sequences[0, len(prompt) :].tolist()
        sampler = torch.log_softmax(torch.stack(out.scores, dim=1).float(), dim=-1)[0]
        sampler = sampler.gather(-1, torch.tensor(completion).unsqueeze(-1)).squeeze(-1)
        with torch.no_grad():
            ours, mask = token_logprobs(model, [(prompt, completion)], tokenizer.pad_token_id, temperature)
            raw, _ = token_logprobs(model, [(prompt, completion)], tokenizer.pad_token_id)
        assert mask.sum() == len(completion)
        assert torch.allclose(ours[0], sampler, atol=1e-4)
        assert (
            float((raw[0] - sampler).abs().max()) > 0.05
        )  # the raw logits' log-probabilities are not the sampler's


def _constant_reward(value: float):  # mathgym.rewards is imported inside the tests, as elsewhere in this file
    """A reward that gives every step the same value: no group has a learning signal."""
    from mathgym.rewards.base import Reward, RewardOutput

    class Constant(Reward):
        name = "constant"

        def __call__(self, ctx):
            return RewardOutput(value, {"constant": value})

    return Constant()


def _length_parity_reward():
    """A reward that differs within groups (the response length's parity), so every update has signal."""
    from mathgym.rewards.base import Reward, RewardOutput

    class Parity(Reward):
        name = "parity"

        def __call__(self, ctx):
            value = float(len(ctx.action) % 2)
            return RewardOutput(value, {"parity": value})

    return Parity()


def _train_tiny(tiny_model_dir, **overrides):
    import torch
    from transformers import AutoModelForCausalLM

    from mathgym.agents.grpo import GRPOConfig, train
    from mathgym.agents.llm.hf import load_tokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    tokenizer = load_tokenizer(str(tiny_model_dir))
    settings = {
        "model_path": str(tiny_model_dir),
        "total_updates": 2,
        "prompts_per_step": 2,
        "group_size": 4,
        "max_new_tokens": 6,
        "eval_every": 0,
        "eval_episodes": 2,
        "eval_at_start": False,
        "learning_rate": 5e-3,
        "seed": 0,
    }
    settings.update(overrides)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = train(GRPOConfig(**settings), model=model, tokenizer=tokenizer, log=None)
    changed = any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    return [r for r in result.history if r["update"] > 0], changed


def test_batches_without_signal_take_no_optimizer_step(tiny_model_dir):
    require("transformers")
    rows, changed = _train_tiny(tiny_model_dir, env_kwargs={"level": 0, "reward": _constant_reward(0.5)})
    assert [r["skipped"] for r in rows] == [1.0, 1.0] and [r["signal_groups"] for r in rows] == [0.0, 0.0]
    assert not changed  # not even AdamW's weight decay moved a weight
    rows, changed = _train_tiny(tiny_model_dir, env_kwargs={"level": 0, "reward": _length_parity_reward()})
    assert all(r["skipped"] == 0.0 and r["signal_groups"] > 0 for r in rows) and changed


def test_zero_advantage_sequences_change_neither_loss_nor_gradient():
    """Leaving zero-advantage sequences out of the passes (no KL term) keeps the loss and gradient exact."""
    require("torch")
    import torch

    from mathgym.agents.grpo import grpo_loss

    torch.manual_seed(0)
    old = -torch.rand(4, 5)
    mask = torch.tensor([[1.0] * 5, [1.0] * 3 + [0.0] * 2, [1.0] * 4 + [0.0], [1.0] * 2 + [0.0] * 3])
    adv = torch.tensor([[1.5], [0.0], [-0.5], [0.0]])
    kwargs = {"clip_eps": 0.2, "kl_coef": 0.0, "total_tokens": int(mask.sum()), "total_sequences": 4}
    for token_level in (True, False):
        full = (old + 0.1 * torch.randn(4, 5)).requires_grad_(True)
        loss, _, _ = grpo_loss(full, old, None, adv, mask, token_level=token_level, **kwargs)
        loss.backward()
        kept = [0, 2]
        part = full.detach()[kept].clone().requires_grad_(True)
        partial, _, _ = grpo_loss(
            part, old[kept], None, adv[kept], mask[kept], token_level=token_level, **kwargs
        )
        partial.backward()
        assert partial.item() == pytest.approx(loss.item(), abs=1e-7)
        assert torch.allclose(part.grad, full.grad[kept]) and float(full.grad[[1, 3]].abs().max()) == 0


def test_the_first_pass_has_ratio_one_and_the_second_is_clipped(tiny_model_dir):
    """With one pass the ratio is 1 and nothing is clipped; the default passes (>= 2) let the clip act."""
    require("transformers")
    from mathgym.agents.grpo import GRPOConfig

    assert GRPOConfig().epochs >= 2
    reward = {"level": 0, "reward": _length_parity_reward()}
    one, _ = _train_tiny(tiny_model_dir, env_kwargs=reward, epochs=1, learning_rate=5e-2)
    assert all(r["clip_frac"] == 0.0 for r in one)
    two, _ = _train_tiny(tiny_model_dir, env_kwargs=reward, epochs=2, learning_rate=5e-2)
    assert any(r["clip_frac"] > 0.0 for r in two)


def test_grpo_generating_with_vllm_syncs_the_engine(tiny_model_dir, vllm_policy):
    """One update generating with the session's vLLM engine, starting from other weights than the
    engine's; afterwards the engine generates what the trained weights generate. The engine's original weights are restored at the end."""
    require("vllm")
    import torch
    from transformers import AutoModelForCausalLM

    from mathgym.agents.grpo import GRPOConfig, train
    from mathgym.agents.llm import GREEDY
    from mathgym.agents.llm.hf import HFPolicy, load_tokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    original = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():  # the trainer's weights differ from the engine's: train() must sync them in
        for p in model.parameters():
            p.mul_(1.5)
    tokenizer = load_tokenizer(str(tiny_model_dir))
    config = GRPOConfig(
        model_path=str(tiny_model_dir),
        total_updates=1,
        prompts_per_step=2,
        group_size=4,
        max_new_tokens=8,
        eval_every=0,
        eval_episodes=2,
        learning_rate=5e-2,
        generator="vllm",
    )
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
    test_grpo_generating_with_vllm_syncs_the_engine
)


def test_sampled_held_out_evaluation_is_repeatable(tiny_model_dir):
    """Sampled evaluations draw from one fixed stream: the same weights score the same, per episode, so a
    before/after difference is the weights' doing (common random numbers)."""
    require("transformers")
    import gymnasium as gym
    import torch
    from transformers import AutoModelForCausalLM

    from mathgym.agents.grpo import evaluate
    from mathgym.agents.llm.hf import HFPolicy, load_tokenizer
    from mathgym.agents.llm.rollout import RolloutDriver
    from mathgym.agents.llm.types import Sampling

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    driver = RolloutDriver(
        HFPolicy(model, load_tokenizer(str(tiny_model_dir))), sampling=Sampling(max_tokens=6)
    )
    envs = [gym.make("mathgym/Arithmetic-v0", level=0) for _ in range(4)]
    first = evaluate(driver, envs, episodes=3, temperature=1.0, samples=3)
    assert first == evaluate(driver, envs, episodes=3, temperature=1.0, samples=3)
    assert len(first["eval_correct"]) == 3 and all(c in (0, 1 / 3, 2 / 3, 1) for c in first["eval_correct"])
    greedy = evaluate(driver, envs, episodes=3)
    assert all(c in (0, 1) for c in greedy["eval_correct"])


def _benchmark_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "grpo_learning.py"
    spec = importlib.util.spec_from_file_location("grpo_learning_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_intervals():
    bench = _benchmark_module()
    mean, low, high = bench.mean_interval([0.1, 0.2, 0.3])
    assert mean == pytest.approx(0.2) and high - mean == pytest.approx(4.303 * 0.1 / math.sqrt(3))
    assert mean - low == pytest.approx(high - mean)
    same = [1, 0, 1, 1, 0] * 20
    assert bench.paired_bootstrap(same, same, seed=0) == (0.0, 0.0)
    better = [0] * 50 + [1] * 50
    low, high = bench.paired_bootstrap(better, [1] * 100, seed=0)
    assert 0.35 < low < 0.5 < high < 0.65  # half the episodes improved


def test_benchmark_runs_end_to_end_with_a_cached_checkpoint(tmp_path, monkeypatch):
    """The benchmark's whole path at toy sizes: SFT and its evaluation are cached, seeds run, summary written."""
    require("transformers")
    import json
    import sys

    bench = _benchmark_module()
    argv = [
        "grpo_learning.py",
        "--seeds",
        "0",
        "1",
        "--updates",
        "1",
        "--sft-steps",
        "2",
        "--prompts",
        "2",
        "--group",
        "2",
        "--eval-episodes",
        "4",
        "--eval-samples",
        "2",
        "--eval-batch",
        "4",
        "--max-new-tokens",
        "4",
        "--hidden",
        "32",
        "--layers",
        "1",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--out",
        str(tmp_path / "out"),
    ]
    monkeypatch.setattr(sys, "argv", argv)
    bench.main()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [s["seed"] for s in summary["seeds"]] == [0, 1]
    for measure in ("sampled", "greedy"):
        for seed in summary["seeds"]:
            low, high = seed[measure]["gain_ci95"]
            assert -1 <= low <= seed[measure]["gain"] <= high <= 1
        assert len(summary[measure]["gain_ci95"]) == 2
    cached = list((tmp_path / "cache").glob("sft-*/held-out-*.json"))
    assert len(cached) == 1
    before = json.loads(cached[0].read_text())
    assert len(before["sampled"]["eval_correct"]) == len(before["greedy"]["eval_correct"]) == 4
    assert summary["before"]["greedy"]["eval_accuracy"] == before["greedy"]["eval_accuracy"]
    bench.main()  # the second run reuses the checkpoint and its evaluation
    assert list((tmp_path / "cache").glob("sft-*/held-out-*.json")) == cached
