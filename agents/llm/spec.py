"""Build a policy from a short spec string: ``vllm:PATH``, ``hf:PATH`` or ``openai:URL#MODEL``."""

from __future__ import annotations

from typing import Any

from mathgym.agents.llm.policy import Policy

SPEC_HELP = (
    "vllm:PATH | hf:PATH | openai:URL#MODEL (e.g. openai:http://127.0.0.1:8000/v1#Qwen2.5-Math-1.5B-Instruct)"
)


def parse_policy_spec(spec: str) -> tuple[str, str, str | None]:
    """Split a spec into (backend, path or URL, model name for openai)."""
    backend, sep, rest = spec.partition(":")
    if not sep or not rest or backend not in ("vllm", "hf", "openai"):
        raise ValueError(f"bad policy spec {spec!r}; expected {SPEC_HELP}")
    if backend != "openai":
        return backend, rest, None
    url, hash_sep, model = rest.partition("#")
    if not hash_sep or not model:
        raise ValueError(f"an openai policy spec names the model after '#': openai:URL#MODEL, got {spec!r}")
    return backend, url, model


def make_policy(spec: str, **kwargs: Any) -> Policy:
    """The policy a spec names; ``kwargs`` go to the backend's constructor.

    :param spec: ``vllm:PATH`` (offline vLLM engine), ``hf:PATH`` (transformers), or
        ``openai:URL#MODEL`` (an OpenAI-compatible server).
    """
    backend, where, model = parse_policy_spec(spec)
    if backend == "hf":
        from mathgym.agents.llm.hf import HFPolicy

        return HFPolicy(where, **kwargs)
    if backend == "vllm":
        from mathgym.agents.llm.vllm_backend import VLLMPolicy

        return VLLMPolicy(where, **kwargs)
    from mathgym.agents.llm.openai_http import OpenAIPolicy

    assert model is not None
    return OpenAIPolicy(where, model, **kwargs)
