"""The transformers backend on the tiny model: shapes, sampling, logprobs, stop strings, chat input."""

from __future__ import annotations

import math

import pytest

from mathgym.agents.llm import GREEDY, Sampling

CHAT = [{"role": "user", "content": "Calculate 12 + 7."}]


def test_batch_of_prompts_and_chats_gives_n_completions_each(hf_policy):
    rows = hf_policy.generate([CHAT, "Calculate 3 - 1."], n=3, sampling=Sampling(max_tokens=8, seed=0))
    assert [len(r) for r in rows] == [3, 3]
    for row in rows:
        for c in row:
            assert 1 <= c.num_tokens <= 8
            assert c.finish_reason in ("stop", "length")
            assert c.prompt_token_ids
    # the chat was rendered with the tokenizer's template and then encoded as it is
    chat_prompt = hf_policy.tokenizer.decode(rows[0][0].prompt_token_ids)
    assert chat_prompt == "<|im_start|>user\nCalculate 12 + 7.<|im_end|>\n<|im_start|>assistant\n"


def test_same_seed_same_samples_other_seed_other_samples(hf_policy):
    s = Sampling(max_tokens=10, seed=7)
    a = hf_policy.generate(CHAT, n=4, sampling=s)
    assert a == hf_policy.generate(CHAT, n=4, sampling=s)
    assert a != hf_policy.generate(CHAT, n=4, sampling=s.replace(seed=8))
    assert len({c.token_ids for c in a[0]}) > 1  # n samples differ from each other


def test_greedy_is_deterministic_and_repeated_n_times(hf_policy):
    rows = hf_policy.generate(CHAT, n=3, sampling=GREEDY.replace(max_tokens=12))
    assert len({c.token_ids for c in rows[0]}) == 1
    assert rows == hf_policy.generate(CHAT, n=3, sampling=GREEDY.replace(max_tokens=12))


def test_logprobs_are_the_models_token_logprobs(hf_policy):
    import torch

    from mathgym.agents.grpo import token_logprobs

    c = hf_policy.generate(CHAT, sampling=Sampling(max_tokens=10, seed=1, logprobs=True))[0][0]
    assert len(c.logprobs) == c.num_tokens and all(lp <= 0 for lp in c.logprobs)
    with torch.no_grad():
        recomputed, mask = token_logprobs(
            hf_policy.model, [(list(c.prompt_token_ids), list(c.token_ids))], hf_policy.tokenizer.pad_token_id
        )
    assert recomputed[0, : c.num_tokens].tolist() == pytest.approx(list(c.logprobs), abs=1e-4)


def test_stop_strings_cut_the_text_and_end_the_completion(hf_policy):
    rows = hf_policy.generate(CHAT, n=8, sampling=Sampling(max_tokens=40, seed=3), stop=["e"])
    stopped = [c for c in rows[0] if c.stop_reason == "e"]
    assert stopped, "with 40 tokens some sample should produce an 'e'"
    tokenizer = hf_policy.tokenizer
    for c in stopped:
        assert c.finish_reason == "stop" and "e" not in c.text
        # the ids run exactly through the token that completed the stop string
        assert "e" in tokenizer.decode(list(c.token_ids)) and "e" not in tokenizer.decode(
            list(c.token_ids[:-1])
        )
    kept = hf_policy.generate(
        CHAT, n=8, sampling=Sampling(max_tokens=40, seed=3, include_stop_str=True), stop=["e"]
    )
    assert all(c.text.endswith("e") for c in kept[0] if c.stop_reason == "e")


def test_eos_token_ends_a_completion_with_finish_reason_stop(hf_policy):
    from mathgym.agents.llm.policy import make_completion

    tok = hf_policy.tokenizer
    ids = tok.encode("7", add_special_tokens=False) + [tok.eos_token_id, tok.pad_token_id, tok.pad_token_id]
    c = make_completion(tok, ids, [-0.5] * len(ids), Sampling(), {tok.eos_token_id})
    assert c.text == "7" and c.finish_reason == "stop" and c.token_ids[-1] == tok.eos_token_id
    assert len(c.logprobs) == c.num_tokens and not math.isnan(sum(c.logprobs))


def test_unknown_model_path_names_the_fix(tmp_path):
    from mathgym.agents.llm import PolicyError, make_policy

    with pytest.raises(PolicyError, match="checkpoint directory"):
        make_policy(f"hf:{tmp_path / 'missing'}")


def test_tiny_model_files_are_reproducible(tiny_model_dir, tmp_path):
    import hashlib

    from mathgym.agents.llm.tiny import build_tiny_model

    again = build_tiny_model(tmp_path / "again", max_position_embeddings=8192)  # as the fixture builds it
    for name in ("tokenizer.json", "model.safetensors", "config.json"):
        digest = [hashlib.sha256((d / name).read_bytes()).hexdigest() for d in (tiny_model_dir, again)]
        assert digest[0] == digest[1], name
