"""Registers the theorem-proving environments (Coq problem sets, Lean miniF2F)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register_all(register: Callable[..., Any]) -> None:
    register(
        "Coq-Basic-v0",
        "mathgym.envs.coq_env:CoqEnv",
        "Coq tactic proving: arithmetic, algebra, number theory, induction, lists (mathgym set)",
        kwargs={"problem_set": "basic"},
        requires=("coq",),
    )
    register(
        "Coq-Reals-v0",
        "mathgym.envs.coq_env:CoqEnv",
        "Coq tactic proving: real-number inequalities and field identities (mathgym set)",
        kwargs={"problem_set": "reals"},
        requires=("coq",),
    )
    register(
        "Coq-Basic-WholeProof-v0",
        "mathgym.envs.coq_env:CoqEnv",
        "Coq whole-proof checking (DeepSeek-Prover style) on the Basic set",
        kwargs={"problem_set": "basic", "mode": "whole_proof"},
        requires=("coq",),
    )
    register(
        "Lean-MiniF2F-v0",
        "mathgym.envs.lean_env:LeanEnv",
        "Lean 4 tactic proving on miniF2F through the Lean REPL (needs a Lean toolchain)",
        requires=("lean",),
    )
