"""Monte-Carlo values as a PRM: each step scored by the share of completions from it that succeed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mathgym.problem import Problem
from mathgym.process.montecarlo import mc_values
from mathgym.process.prm.base import ProblemLike, ProcessRewardModel
from mathgym.process.rollouts import SnapshotRoller


class MCValuePRM(ProcessRewardModel):
    """Math-Shepherd's soft estimate as a step score (``hard=True``: the hard estimate).

    Needs the Problem (its gold answer verifies the completions).

    :param policy: the completer policy (or a ready :class:`SnapshotRoller`).
    :param n: completions per prefix.
    :param hard: score 1 when any completion succeeds, else 0.
    :param seed: seed of the completions.
    """

    name = "mc_value"

    def __init__(
        self, policy: Any, *, n: int = 8, hard: bool = False, seed: int = 0, **roller_kwargs: Any
    ) -> None:
        self.roller = (
            policy if isinstance(policy, SnapshotRoller) else SnapshotRoller(policy, **roller_kwargs)
        )
        self.n = n
        self.hard = hard
        self.seed = seed

    def score_steps(self, problem: ProblemLike, steps: Sequence[str]) -> list[float]:
        if not isinstance(problem, Problem):
            raise TypeError("MC values verify completions against the gold answer: pass the Problem")
        values = mc_values(self.roller, problem, steps, self.n, seed=self.seed)
        return [1.0 if v > 0 else 0.0 for v in values] if self.hard else values
