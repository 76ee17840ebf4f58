"""mathgym: reasoning tasks as Gymnasium environments.

The top level stays light (``import gymnasium`` imports it to register ids): heavy parts load on first use.
"""

from __future__ import annotations

from typing import Any

from mathgym.problem import Problem

__version__ = "0.1.0"
__all__ = ["Problem", "Verdict", "__version__", "verify"]


def __getattr__(name: str) -> Any:
    if name in ("verify", "Verdict"):
        from mathgym import verifier

        return getattr(verifier, name)
    raise AttributeError(f"module 'mathgym' has no attribute {name!r}")
