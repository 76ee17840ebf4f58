"""Prover backends for step-level theorem proving (Coq, Lean 4 REPL, LeanDojo) behind one protocol.

``from mathgym.provers import CoqBackend`` and friends load their module on first use, so importing this
package stays light.
"""

from __future__ import annotations

from typing import Any

from mathgym.provers.base import (
    Goal,
    ProofState,
    ProverBackend,
    ProverError,
    ProverUnavailableError,
    StepResult,
    render_goals,
)

_LAZY = {
    "CoqBackend": "mathgym.provers.coq",
    "LeanREPLBackend": "mathgym.provers.lean_repl",
    "LeanDojoBackend": "mathgym.provers.leandojo",
    "CoqSource": "mathgym.provers.problems",
    "load_problem_set": "mathgym.provers.problems",
    "available_sets": "mathgym.provers.problems",
    "check_known_proofs": "mathgym.provers.problems",
    "ProcessLimits": "mathgym.provers.containment",
    "ContainedProcess": "mathgym.provers.containment",
    "detect_isolation": "mathgym.provers.containment",
}

__all__ = [
    "Goal",
    "ProofState",
    "ProverBackend",
    "ProverError",
    "ProverUnavailableError",
    "StepResult",
    "render_goals",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mathgym.provers' has no attribute {name!r}")
