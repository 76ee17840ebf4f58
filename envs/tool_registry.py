"""Ids of the tool-using math environments: ToolMath (ToRA-style code + reasoning) and PoT (program of thought).

One id per dataset and per procedural generator of :mod:`mathgym.envs.math_registry`, for each family:
``mathgym/ToolMath-GSM8K-v0``, ``mathgym/ToolMath-Arithmetic-v0``, ``mathgym/PoT-MATH500-v0``, ... Programs
run in the local sandbox by default; pass ``sandbox="docker"`` to ``gym.make`` for the Docker backend.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mathgym.envs.math_registry import DATASET_IDS, GENERATOR_IDS

TOOL_ENTRY_POINT = "mathgym.envs.tool_math_env:ToolMathEnv"
POT_ENTRY_POINT = "mathgym.envs.program_of_thought_env:ProgramOfThoughtEnv"


def _sources() -> list[tuple[str, str, str]]:
    rows = [(name, source, description) for name, (source, description) in DATASET_IDS.items()]
    rows += [(name, f"generator:{name}", description) for name, description in GENERATOR_IDS.items()]
    return rows


def register_all(register: Callable[..., Any]) -> None:
    for name, source, description in _sources():
        register(f"ToolMath-{name}-v0", TOOL_ENTRY_POINT,
                 f"{description}; reasoning with Python tool calls run in a sandbox (ToRA format)",
                 kwargs={"source": source})
        register(f"PoT-{name}-v0", POT_ENTRY_POINT,
                 f"{description}; program of thought: the program's printed output is the answer",
                 kwargs={"source": source})
