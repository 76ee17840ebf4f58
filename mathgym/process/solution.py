"""A step-by-step solution with the index of its first wrong step (ProcessBench's record)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mathgym.problem import Problem


@dataclass(frozen=True)
class LabeledSolution:
    """``(problem, steps, first_error_index)``, plus what is known about the error.

    Unpacks as a triple: ``problem, steps, first_error = solution``.

    :param problem: the problem the steps solve.
    :param steps: the solution's steps, in order.
    :param first_error_index: 0-based index of the earliest wrong step, or ``-1`` when every step is right.
    :param final_answer_correct: whether the final answer verifies against the gold answer (a solution
        can reach the right answer through a wrong step).
    :param meta: provenance: ``source`` (``"reference"``, ``"injected"``, ``"processbench"``, ...), the
        error ``kind``, the ``site``, ``compensated_at`` (the step of a compensating error), ...
    """

    problem: Problem
    steps: tuple[str, ...]
    first_error_index: int
    final_answer_correct: bool = True
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if not -1 <= self.first_error_index < max(len(self.steps), 1):
            raise ValueError(f"first_error_index {self.first_error_index} outside -1..{len(self.steps) - 1}")

    def __iter__(self) -> Iterator[Any]:
        return iter((self.problem, list(self.steps), self.first_error_index))

    @property
    def has_error(self) -> bool:
        return self.first_error_index >= 0

    def step_labels(self) -> list[int]:
        """1 for each step before the first error, 0 from it on (the PRM training target)."""
        k = self.first_error_index
        return [1 if k < 0 or i < k else 0 for i in range(len(self.steps))]

    def to_processbench(self) -> dict[str, Any]:
        """The record in ProcessBench's JSONL format (plus mathgym's problem id and error metadata)."""
        return {
            "id": self.problem.id,
            "generator": self.problem.meta.get("generator", self.meta.get("generator", "")),
            "problem": self.problem.prompt,
            "steps": list(self.steps),
            "final_answer_correct": bool(self.final_answer_correct),
            "label": int(self.first_error_index),
            "answer": self.problem.answer,
            "meta": dict(self.meta),
        }
