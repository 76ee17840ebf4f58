"""The process reward model interface: ``score_steps(problem, steps) -> list[float]``, batched.

A PRM scores every prefix of a solution: ``scores[k]`` judges step ``k`` given the problem and steps
``0..k`` (for the classifier PRMs, the probability that the solution is still right after step k).
Backends implement :meth:`ProcessRewardModel.score_batch` (many solutions in one call) or
:meth:`ProcessRewardModel.score_steps` (one solution); each has a default in terms of the other.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from typing import Any

from mathgym.problem import Problem

#: a problem, or only its statement (backends that need the gold answer want a Problem)
ProblemLike = Problem | str
#: one solution to score: the problem and its steps
ScoreItem = tuple[ProblemLike, Sequence[str]]


def problem_text(problem: ProblemLike) -> str:
    """The problem statement a PRM reads."""
    return problem.prompt if isinstance(problem, Problem) else str(problem)


def predict_first_error(scores: Sequence[float], threshold: float = 0.5) -> int:
    """ProcessBench's PRM rule: the first step whose score is below ``threshold``, or -1."""
    for i, score in enumerate(scores):
        if score < threshold:
            return i
    return -1


class ProcessRewardModel(ABC):  # noqa: B024  (abstract: subclasses override one of two methods)
    """Scores each step of solutions; subclasses override :meth:`score_batch` or :meth:`score_steps`."""

    #: short name for tables and reward components
    name: str = "prm"

    def score_batch(self, items: Sequence[ScoreItem]) -> list[list[float]]:
        """One list of step scores per ``(problem, steps)`` item, in order."""
        return [self.score_steps(problem, steps) for problem, steps in items]

    def score_steps(self, problem: ProblemLike, steps: Sequence[str]) -> list[float]:
        """The score of each step of one solution (``len(steps)`` floats)."""
        return self.score_batch([(problem, list(steps))])[0]

    def first_error(self, problem: ProblemLike, steps: Sequence[str], threshold: float = 0.5) -> int:
        """The predicted index of the first wrong step (-1: none), by :func:`predict_first_error`."""
        return predict_first_error(self.score_steps(problem, steps), threshold)

    def as_outcome(self, how: str = "min", separator: str = "\n") -> Any:
        """An outcome reward model (``score(prompts, responses)``) that splits responses into steps and
        aggregates their scores by ``min``, ``last`` or ``prod`` (for best-of-N and weighted voting)."""
        from mathgym.agents.search.reward_model import AggregatedPRM

        return AggregatedPRM(self, how=how, separator=separator)

    def close(self) -> None:
        """Free models and engines."""
