"""Process reward models behind one batched interface, ``score_steps(problem, steps) -> list[float]``.

* :class:`OraclePRM` — the oracle step checker (exact on mathgym's injected-error solutions);
* :class:`TokenClassificationPRM` — Qwen2.5-Math-PRM's layout (also what ``mathgym train-prm`` writes);
* :class:`StepTagPRM` — Math-Shepherd's step-tag layout on a causal LM;
* :class:`GenerativeCritic` — ProcessBench's critique prompt through any policy backend;
* :class:`ImplicitPRM` — PRIME / Free Process Rewards log-ratio step rewards;
* :class:`MCValuePRM` — Monte-Carlo completion values.

:func:`make_prm` builds one from a short spec, so configs and the command line can name them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mathgym.process.prm.base import (
    ProblemLike,
    ProcessRewardModel,
    ScoreItem,
    predict_first_error,
    problem_text,
)
from mathgym.process.prm.critic import GenerativeCritic, critique_prompt, parse_critique
from mathgym.process.prm.hf import LAYOUT_FILE, StepTagPRM, TokenClassificationPRM, read_layout
from mathgym.process.prm.implicit import ImplicitPRM
from mathgym.process.prm.mc import MCValuePRM
from mathgym.process.prm.oracle import OraclePRM

PRM_SPEC_HELP = (
    "oracle | PATH (a trained PRM checkpoint; its mathgym_prm.json tells the layout) | "
    "token:PATH_OR_HUB_ID | steptag:PATH_OR_HUB_ID | implicit:MODEL,REFERENCE | critic:POLICY_SPEC | "
    "mc:POLICY_SPEC"
)

_CACHE: dict[str, ProcessRewardModel] = {}


def make_prm(spec: str | ProcessRewardModel, *, cache: bool = True, **kwargs: Any) -> ProcessRewardModel:
    """The PRM a spec names (see :data:`PRM_SPEC_HELP`); ``kwargs`` go to its constructor.

    Loaded models are cached per spec (``cache=False`` to load a fresh one), so that many envs of one
    vector env share one PRM.
    """
    if isinstance(spec, ProcessRewardModel):
        return spec
    key = json.dumps([spec, sorted(kwargs.items())], default=str)
    if cache and key in _CACHE:
        return _CACHE[key]
    kind, sep, where = spec.partition(":")
    if spec == "oracle":
        prm: ProcessRewardModel = OraclePRM(**kwargs)
    elif sep and kind == "token":
        prm = TokenClassificationPRM(where, **kwargs)
    elif sep and kind == "steptag":
        prm = StepTagPRM(where, **kwargs)
    elif sep and kind == "implicit":
        model, comma, reference = where.partition(",")
        if not comma:
            raise ValueError(
                f"an implicit PRM spec names the model and its reference: implicit:MODEL,REFERENCE; got {spec!r}"
            )
        prm = ImplicitPRM(model, reference, **kwargs)
    elif sep and kind == "critic":
        prm = GenerativeCritic(where, **kwargs)
    elif sep and kind == "mc":
        from mathgym.agents.llm.spec import make_policy

        prm = MCValuePRM(make_policy(where), **kwargs)
    elif Path(spec).is_dir():
        layout = read_layout(spec)
        if layout.get("format") == "implicit":
            reference_path = Path(layout["reference"])
            if not reference_path.is_absolute():
                reference_path = Path(spec) / reference_path
            prm = ImplicitPRM(spec, str(reference_path), beta=layout.get("beta", 0.05), **kwargs)
        elif layout.get("format") == "step_tag":
            prm = StepTagPRM(spec, **kwargs)
        else:
            prm = TokenClassificationPRM(spec, **kwargs)
    else:
        raise ValueError(f"unknown PRM spec {spec!r}; expected {PRM_SPEC_HELP}")
    if cache:
        _CACHE[key] = prm
    return prm


__all__ = [
    "LAYOUT_FILE",
    "PRM_SPEC_HELP",
    "GenerativeCritic",
    "ImplicitPRM",
    "MCValuePRM",
    "OraclePRM",
    "ProblemLike",
    "ProcessRewardModel",
    "ScoreItem",
    "StepTagPRM",
    "TokenClassificationPRM",
    "critique_prompt",
    "make_prm",
    "parse_critique",
    "predict_first_error",
    "problem_text",
    "read_layout",
]
