"""Fixtures of the process-reward tests: tiny models with random weights, built locally (no hub)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mathgym.testing import require


@pytest.fixture(scope="session")
def tiny_policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny Qwen2 causal LM with a locally trained tokenizer."""
    require("transformers")
    from mathgym.agents.llm.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("process") / "policy")


@pytest.fixture(scope="session")
def qwen_prm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint shaped like Qwen2.5-Math-PRM: a 2-label token classifier whose tokenizer has the
    ``<extra_0>`` step separator and a chat template, saved without mathgym's layout file (as published)."""
    require("transformers")
    import torch
    from transformers import Qwen2Config, Qwen2ForTokenClassification

    from mathgym.process.training import build_prm_tokenizer
    from mathgym.sources.procedural import ProceduralSource

    source = ProceduralSource("Arithmetic", seed=0, level=1)
    texts = [t for i in range(60) for t in (source[i].prompt, *source[i].solution)]
    tokenizer = build_prm_tokenizer(texts, vocab_size=300)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        num_labels=2,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("process") / "qwen-prm"
    Qwen2ForTokenClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def shepherd_prm_dir(tiny_policy_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint shaped like Math-Shepherd's PRM: a causal LM whose tokenizer knows the step tag ``ки``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_policy_dir)
    tokenizer.add_tokens(["ки"])
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir, dtype=torch.float32)
    model.resize_token_embeddings(len(tokenizer))
    path = tmp_path_factory.mktemp("process") / "shepherd-prm"
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
