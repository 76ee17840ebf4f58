"""What step-level searches share: a candidate solution, the result record, and sample-then-select over
whole step-mode solutions (the baselines beam search and MCTS are compared with at equal cost)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mathgym.agents.search.selection import (
    aggregate_step_scores,
    best_of_n,
    majority_vote,
    weighted_majority_vote,
)
from mathgym.problem import Problem
from mathgym.process.rollouts import SnapshotRoller


@dataclass
class Candidate:
    """A (partial or finished) solution found by a search."""

    steps: list[str]
    done: bool = False
    correct: bool = False  # the env's verdict; searches never look at it, it is reported for evaluation
    score: float = 0.0


@dataclass
class StepSearchResult:
    """The chosen solution, the finished candidates it was chosen from, and the cost.

    :param tokens: tokens the policy generated for this problem (the compute the methods are matched on).
    """

    steps: list[str]
    answer: str | None
    correct: bool
    score: float
    candidates: list[Candidate] = field(default_factory=list)
    tokens: int = 0


def answer_of(steps: Sequence[str]) -> str | None:
    from mathgym.verifier import extract_answer

    return extract_answer(steps[-1]) if steps else None


def as_roller(policy: Any, **kwargs: Any) -> SnapshotRoller:
    return policy if isinstance(policy, SnapshotRoller) else SnapshotRoller(policy, **kwargs)


def choose(candidates: Sequence[Candidate], how: str) -> Candidate:
    """Pick among finished candidates: ``"majority"``, ``"best_of_n"`` (score, ties by votes) or
    ``"weighted_majority"`` (answers weighted by score)."""
    answers = [answer_of(c.steps) for c in candidates]
    scores = [c.score for c in candidates]
    if how == "majority":
        choice = majority_vote(answers)
    elif how == "best_of_n":
        choice = best_of_n(answers, scores)
    elif how == "weighted_majority":
        choice = weighted_majority_vote(answers, scores)
    else:
        raise ValueError(f"unknown selection {how!r}; use majority, best_of_n or weighted_majority")
    return candidates[choice.index]


class SampleSolutions:
    """N whole solutions sampled in step mode, one chosen by a selection rule (majority needs no PRM).

    :param prm: a process reward model (for best-of-N and weighted majority), or None.
    :param n: solutions per problem.
    :param select: ``"majority"``, ``"best_of_n"`` or ``"weighted_majority"``.
    :param aggregate: how step scores make a solution's score: ``min``, ``last`` or ``prod``.
    """

    def __init__(
        self, prm: Any = None, *, n: int = 8, select: str = "majority", aggregate: str = "min"
    ) -> None:
        if select != "majority" and prm is None:
            raise ValueError(f"{select} needs a process reward model")
        self.prm, self.n, self.select, self.aggregate = prm, n, select, aggregate

    def run(self, policy: Any, problem: Problem, *, seed: int = 0) -> StepSearchResult:
        roller = as_roller(policy)
        before = roller.tokens
        (row,) = roller.complete([(problem, [])], self.n, seed=seed)
        candidates = [Candidate(list(c.steps), True, c.correct) for c in row]
        if self.prm is not None:
            scored = [c for c in candidates if c.steps]
            for c, s in zip(scored, self.prm.score_batch([(problem, c.steps) for c in scored])):
                c.score = aggregate_step_scores(s, self.aggregate) if s else 0.0
        tokens = roller.tokens - before
        chosen = choose(candidates, self.select)
        return StepSearchResult(
            chosen.steps, answer_of(chosen.steps), chosen.correct, chosen.score, candidates, tokens
        )
