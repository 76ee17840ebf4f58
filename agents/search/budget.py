"""Comparing inference-time methods at equal cost: generated tokens per problem.

Every step-level method reports the tokens its policy generated (:attr:`StepSearchResult.tokens`).
:func:`evaluate_method` runs one method setting over problems and records accuracy and mean tokens;
:func:`matched_table` then reads, for each token budget, the accuracy of each method at its most expensive
setting that fits in the budget, so methods are compared at the same cost rather than the same ``N``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mathgym.problem import Problem


@dataclass(frozen=True)
class MethodPoint:
    """One method at one setting: accuracy over the problems and its mean cost."""

    method: str
    setting: int
    accuracy: float
    tokens: float
    problems: int


def evaluate_method(
    method: str, setting: int, run: Callable[[Problem, int], Any], problems: Sequence[Problem]
) -> MethodPoint:
    """Run ``run(problem, seed)`` (returning a result with ``correct`` and ``tokens``) on every problem."""
    results = [run(problem, i) for i, problem in enumerate(problems)]
    return MethodPoint(
        method,
        setting,
        sum(bool(r.correct) for r in results) / len(results),
        sum(r.tokens for r in results) / len(results),
        len(results),
    )


def at_budget(points: Sequence[MethodPoint], method: str, budget: float) -> MethodPoint | None:
    """The method's most expensive setting whose mean tokens fit in ``budget`` (None when none does)."""
    fitting = [p for p in points if p.method == method and p.tokens <= budget]
    return max(fitting, key=lambda p: p.tokens) if fitting else None


def matched_table(points: Sequence[MethodPoint], budgets: Sequence[float]) -> list[dict[str, Any]]:
    """One row per budget: each method's accuracy (and setting) at that budget."""
    methods = list(dict.fromkeys(p.method for p in points))
    rows = []
    for budget in budgets:
        row: dict[str, Any] = {"budget": budget}
        for method in methods:
            point = at_budget(points, method, budget)
            row[method] = None if point is None else (point.accuracy, point.setting, point.tokens)
        rows.append(row)
    return rows
