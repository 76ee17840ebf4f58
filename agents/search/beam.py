"""PRM-guided step-level beam search over step-mode env snapshots (methods.md §7.2; search-and-learn).

Keep ``beam_width`` partial solutions; expand each by sampling ``expansions`` candidate next steps
(one batched generation for all beams); advance every candidate through the env snapshot (the env
decides when a step ends the solution and verifies it); score each new prefix with the PRM, aggregated
over its steps; keep the best ``beam_width``. Finished solutions leave the beam; the search stops when
``beam_width`` solutions are finished, no beam is left, or ``max_depth`` steps were taken. The answer is
picked among the finished solutions by score or by PRM-weighted vote. With ``beam_width = expansions = 1``
it is greedy step sampling.
"""
from __future__ import annotations

from typing import Any

from mathgym.agents.search.selection import aggregate_step_scores
from mathgym.agents.search.stepwise import Candidate, StepSearchResult, answer_of, as_roller, choose
from mathgym.problem import Problem
from mathgym.seeding import derive_seed


class BeamSearch:
    """PRM-guided beam search.

    :param prm: a :class:`~mathgym.process.prm.base.ProcessRewardModel`.
    :param beam_width: partial solutions kept per depth (B).
    :param expansions: next steps sampled per partial solution (E).
    :param max_depth: most steps.
    :param aggregate: how a prefix's step scores make its score: ``last`` (the usual choice for beams),
        ``min`` or ``prod``.
    :param select: how the answer is chosen among finished solutions: ``best_of_n`` or ``weighted_majority``.
    """

    def __init__(self, prm: Any, *, beam_width: int = 4, expansions: int = 4, max_depth: int = 10,
                 aggregate: str = "last", select: str = "best_of_n") -> None:
        if beam_width < 1 or expansions < 1:
            raise ValueError("beam_width and expansions must be at least 1")
        self.prm, self.beam_width, self.expansions = prm, beam_width, expansions
        self.max_depth, self.aggregate, self.select = max_depth, aggregate, select

    def run(self, policy: Any, problem: Problem, *, seed: int = 0) -> StepSearchResult:
        """Search one problem with ``policy`` (a Policy or a :class:`~mathgym.process.rollouts.SnapshotRoller`)."""
        roller = as_roller(policy)
        before = roller.tokens
        beams: list[Candidate] = [Candidate([])]
        finished: list[Candidate] = []
        for depth in range(self.max_depth):
            proposals = roller.propose([(problem, b.steps) for b in beams], self.expansions,
                                       seed=derive_seed("mathgym.search.beam", seed, depth))
            seen: dict[tuple[str, ...], Candidate] = {}
            for beam, row in zip(beams, proposals):
                for completion in row:
                    outcome = roller.advance(problem, beam.steps, completion.text)
                    seen.setdefault(outcome.steps, Candidate(list(outcome.steps), outcome.done, outcome.correct))
            candidates = list(seen.values())
            for c, scores in zip(candidates, self.prm.score_batch([(problem, c.steps) for c in candidates])):
                c.score = aggregate_step_scores(scores, self.aggregate)
            candidates.sort(key=lambda c: -c.score)  # stable: ties keep generation order
            kept = candidates[:self.beam_width - len(finished)] if finished else candidates[:self.beam_width]
            finished += [c for c in kept if c.done]
            beams = [c for c in kept if not c.done]
            if not beams or len(finished) >= self.beam_width:
                break
        pool = finished or sorted(beams, key=lambda c: -c.score)
        chosen = choose(pool, self.select) if finished else pool[0]
        return StepSearchResult(chosen.steps, answer_of(chosen.steps), chosen.correct, chosen.score,
                                finished, roller.tokens - before)
