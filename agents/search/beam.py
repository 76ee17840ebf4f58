"""PRM-guided step-level beam search over step-mode env snapshots (rStar-Math; search-and-learn).

Keep ``beam_width`` partial solutions; expand each by sampling ``expansions`` candidate next steps
(one batched generation for all beams); advance every candidate through the env snapshot (the env
decides when a step ends the solution and verifies it); score each new prefix with the PRM, aggregated
over its steps; keep the best ``beam_width``. Finished solutions leave the beam; the search stops when
``beam_width`` solutions are finished, no beam is left, or ``max_depth`` steps were taken. The answer is
picked among the finished solutions by score or by PRM-weighted vote. With ``beam_width = expansions = 1``
it is greedy step sampling.
"""

from __future__ import annotations

from collections.abc import Sequence
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

    def __init__(
        self,
        prm: Any,
        *,
        beam_width: int = 4,
        expansions: int = 4,
        max_depth: int = 10,
        aggregate: str = "last",
        select: str = "best_of_n",
    ) -> None:
        if beam_width < 1 or expansions < 1:
            raise ValueError("beam_width and expansions must be at least 1")
        self.prm, self.beam_width, self.expansions = prm, beam_width, expansions
        self.max_depth, self.aggregate, self.select = max_depth, aggregate, select

    def run(self, policy: Any, problem: Problem, *, seed: int = 0) -> StepSearchResult:
        """Search one problem with ``policy`` (a Policy or a :class:`~mathgym.process.rollouts.SnapshotRoller`)."""
        return self.run_batch(policy, [problem], seed=seed)[0]

    def run_batch(self, policy: Any, problems: Sequence[Problem], *, seed: int = 0) -> list[StepSearchResult]:
        """Search several problems in lockstep: one generation call and one PRM call per depth for all of them."""
        roller = as_roller(policy)
        beams: list[list[Candidate]] = [[Candidate([])] for _ in problems]
        finished: list[list[Candidate]] = [[] for _ in problems]
        tokens = [0] * len(problems)
        for depth in range(self.max_depth):
            active = [(i, b) for i, bs in enumerate(beams) for b in bs]
            if not active:
                break
            proposals = roller.propose(
                [(problems[i], b.steps) for i, b in active],
                self.expansions,
                seed=derive_seed("mathgym.search.beam", seed, depth),
            )
            seen: list[dict[tuple[str, ...], Candidate]] = [{} for _ in problems]
            for (i, beam), row in zip(active, proposals):
                for completion in row:
                    tokens[i] += completion.num_tokens
                    outcome = roller.advance(problems[i], beam.steps, completion.text)
                    seen[i].setdefault(
                        outcome.steps, Candidate(list(outcome.steps), outcome.done, outcome.correct)
                    )
            pool = [(i, c) for i in range(len(problems)) for c in seen[i].values()]
            for (_, c), scores in zip(pool, self.prm.score_batch([(problems[i], c.steps) for i, c in pool])):
                c.score = aggregate_step_scores(scores, self.aggregate)
            for i in range(len(problems)):
                if not seen[i]:
                    continue
                candidates = sorted(
                    seen[i].values(), key=lambda c: -c.score
                )  # stable: ties keep generation order
                kept = (
                    candidates[: self.beam_width - len(finished[i])]
                    if finished[i]
                    else candidates[: self.beam_width]
                )
                finished[i] += [c for c in kept if c.done]
                beams[i] = [c for c in kept if not c.done] if len(finished[i]) < self.beam_width else []
        results = []
        for i in range(len(problems)):
            if finished[i]:
                chosen = choose(finished[i], self.select)
            else:
                chosen = max(beams[i], key=lambda c: c.score) if beams[i] else Candidate([])
            results.append(
                StepSearchResult(
                    chosen.steps,
                    answer_of(chosen.steps),
                    chosen.correct,
                    chosen.score,
                    finished[i],
                    tokens[i],
                )
            )
        return results
