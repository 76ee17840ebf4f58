"""Registers the math text environments (filled in by the foundation work)."""
from __future__ import annotations


def register_all(register) -> None:  # noqa: ANN001
    pass
