"""Sampling settings, completions, chat rendering and policy specs (no model needed)."""

from __future__ import annotations

import pytest

from mathgym.agents.llm.chat import ObservationFormat, render_chat, transcript_from_observation
from mathgym.agents.llm.policy import as_batch
from mathgym.agents.llm.spec import parse_policy_spec
from mathgym.agents.llm.types import Completion, Sampling, cut_at_stop


def test_sampling_validates_and_normalises_stop():
    assert Sampling(stop="\n").stop == ("\n",)
    assert Sampling(temperature=0).greedy
    for bad in (dict(temperature=-1), dict(top_p=0), dict(top_k=-1), dict(max_tokens=0), dict(stop=("",))):
        with pytest.raises(ValueError):
            Sampling(**bad)


def test_completion_checks_logprob_count_and_finish_reason():
    with pytest.raises(ValueError):
        Completion("x", token_ids=(1, 2), logprobs=(-0.1,))
    with pytest.raises(ValueError):
        Completion("x", finish_reason="abort")


def test_cut_at_stop_picks_the_earliest_stop_string():
    assert cut_at_stop("a\nb```output\nc", ["```output", "\n"]) == ("a", "\n")
    assert cut_at_stop("x = 1```output", ["```output"], include=True) == ("x = 1```output", "```output")
    assert cut_at_stop("no stop", ["\n"]) == ("no stop", None)


def test_as_batch_wraps_single_prompts_and_chats():
    chat = [{"role": "user", "content": "hi"}]
    assert as_batch("hi") == ["hi"]
    assert as_batch(chat) == [chat]
    assert as_batch([chat, "x"]) == [chat, "x"]
    with pytest.raises(TypeError):
        as_batch([3])


class _Template:
    """A tokenizer stand-in that only renders ChatML (the real tokenizers are tested with the model)."""

    chat_template = "chatml"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return text + ("<|im_start|>assistant\n" if add_generation_prompt else "")


def test_render_chat_continues_a_final_assistant_message():
    chat = ObservationFormat(system="S").build("Q", "step 1\n")
    text = render_chat(_Template(), chat)
    assert (
        text
        == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nstep 1\n"
    )
    assert render_chat(_Template(), ObservationFormat().build("Q")).endswith("<|im_start|>assistant\n")
    assert ObservationFormat(chat=False).build("Q", "s1") == "Q\n\ns1"
    assert render_chat(None, chat) == "S\n\nQ\n\nstep 1\n"


def test_transcript_is_read_from_growing_observations_else_from_the_record():
    assert transcript_from_observation("Q", "Q\n\nstep 1", "ignored") == "step 1"
    assert transcript_from_observation("Q", "something else", "record") == "record"


def test_policy_spec_parsing_and_errors():
    assert parse_policy_spec("vllm:/models/qwen") == ("vllm", "/models/qwen", None)
    assert parse_policy_spec("hf:Qwen/Qwen2.5-Math-1.5B-Instruct") == (
        "hf",
        "Qwen/Qwen2.5-Math-1.5B-Instruct",
        None,
    )
    assert parse_policy_spec("openai:http://127.0.0.1:8000/v1#tiny") == (
        "openai",
        "http://127.0.0.1:8000/v1",
        "tiny",
    )
    for bad in ("gpt4", "tgi:/x", "openai:http://h/v1", "hf:"):
        with pytest.raises(ValueError):
            parse_policy_spec(bad)
