"""Monte-Carlo tree search with PUCT over step-mode env snapshots, valued by a PRM (rStar-Math style at
inference, rStar-Math; "Bag of Tricks" for inference-time computation).

Nodes are partial solutions (env snapshots); an edge is one step. Each simulation

1. **selects** from the root down to a leaf by PUCT, ``Q(s,a) + c·P(s,a)·sqrt(N(s))/(1 + N(s,a))``;
2. **expands** the leaf: ``expansions`` next steps are sampled (one generation call), each played through
   the env snapshot; duplicates merge; priors are uniform over the distinct steps, or the policy's
   sequence probabilities when it returns logprobs;
3. **evaluates** every new child with the PRM (aggregated step scores; a finished child is valued the
   same way, the verifier is never consulted);
4. **backs up** the best new child's value along the path.

Trees of several problems grow in lockstep (:meth:`MCTS.run_batch`), so a simulation round is one generation
call and one PRM call whatever the number of problems.

The answer is the finished solution with the highest mean value (Q); ties go to the more visited one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mathgym.agents.search.selection import aggregate_step_scores
from mathgym.agents.search.stepwise import Candidate, StepSearchResult, answer_of, as_roller
from mathgym.problem import Problem
from mathgym.seeding import derive_seed


@dataclass
class Node:
    """One partial solution in the tree."""

    steps: list[str]
    prior: float = 1.0
    done: bool = False
    correct: bool = False
    visits: int = 0
    total: float = 0.0
    children: list[Node] = field(default_factory=list)
    expanded: bool = False

    @property
    def q(self) -> float:
        return self.total / self.visits if self.visits else 0.0


class MCTS:
    """PUCT tree search.

    :param prm: a :class:`~mathgym.process.prm.base.ProcessRewardModel`.
    :param simulations: select-expand-evaluate-backup rounds.
    :param expansions: next steps sampled per expansion.
    :param c_puct: exploration constant.
    :param max_depth: most steps of a solution.
    :param aggregate: how a node's step scores make its value (``min``, ``last``, ``prod``).
    """

    def __init__(
        self,
        prm: Any,
        *,
        simulations: int = 8,
        expansions: int = 4,
        c_puct: float = 1.0,
        max_depth: int = 10,
        aggregate: str = "min",
    ) -> None:
        self.prm, self.simulations, self.expansions = prm, simulations, expansions
        self.c_puct, self.max_depth, self.aggregate = c_puct, max_depth, aggregate

    def puct(self, parent: Node, child: Node) -> float:
        return child.q + self.c_puct * child.prior * math.sqrt(max(parent.visits, 1)) / (1 + child.visits)

    def run(self, policy: Any, problem: Problem, *, seed: int = 0) -> StepSearchResult:
        """Search one problem with ``policy`` (a Policy or a :class:`~mathgym.process.rollouts.SnapshotRoller`)."""
        return self.run_batch(policy, [problem], seed=seed)[0]

    def run_batch(self, policy: Any, problems: Sequence[Problem], *, seed: int = 0) -> list[StepSearchResult]:
        """One tree per problem, simulations in lockstep: each round expands every tree's selected leaf with
        one generation call and one PRM call for all of them."""
        roller = as_roller(policy)
        roots = [Node([]) for _ in problems]
        finished: list[list[Node]] = [[] for _ in problems]
        tokens = [0] * len(problems)
        for sim in range(self.simulations):
            leaves = [self._select(root) for root in roots]
            expand = [
                i
                for i, path in enumerate(leaves)
                if not path[-1].done and len(path[-1].steps) < self.max_depth and not path[-1].expanded
            ]
            values = {i: (path[-1].q if path[-1].visits else 0.0) for i, path in enumerate(leaves)}
            if expand:
                proposals = roller.propose(
                    [(problems[i], leaves[i][-1].steps) for i in expand],
                    self.expansions,
                    seed=derive_seed("mathgym.search.mcts", seed, sim),
                )
                new_children = []
                for i, row in zip(expand, proposals):
                    tokens[i] += sum(c.num_tokens for c in row)
                    new_children.append(self._children(roller, problems[i], leaves[i][-1], row))
                flat = [(i, child) for i, children in zip(expand, new_children) for child in children]
                scores = self.prm.score_batch([(problems[i], child.steps) for i, child in flat])
                for (_, child), row in zip(flat, scores):
                    child.visits, child.total = 1, aggregate_step_scores(row, self.aggregate)
                for i, children in zip(expand, new_children):
                    values[i] = max(c.q for c in children)
                    finished[i] += [c for c in children if c.done]
            for i, path in enumerate(leaves):
                for visited in path:
                    visited.visits += 1
                    visited.total += values[i]
        results = []
        for i, root in enumerate(roots):
            pool = finished[i] or self._greedy_leaf(root)
            best = max(pool, key=lambda n: (n.q, n.visits))
            candidates = [Candidate(n.steps, n.done, n.correct, n.q) for n in finished[i]]
            results.append(
                StepSearchResult(
                    best.steps, answer_of(best.steps), best.correct, best.q, candidates, tokens[i]
                )
            )
        return results

    def _select(self, root: Node) -> list[Node]:
        """The path from the root to a leaf, each step to the child with the highest PUCT score."""
        path = [root]
        node = root
        while node.expanded and node.children and not node.done:
            node = max(node.children, key=lambda c: self.puct(path[-1], c))
            path.append(node)
        return path

    @staticmethod
    def _children(roller: Any, problem: Problem, node: Node, row: Sequence[Any]) -> list[Node]:
        """The distinct next steps among the sampled completions, each played through the env snapshot, with
        priors from the policy's sequence probabilities when it gave logprobs (uniform otherwise)."""
        merged: dict[tuple[str, ...], tuple[Node, float]] = {}
        for completion in row:
            outcome = roller.advance(problem, node.steps, completion.text)
            weight = math.exp(sum(completion.logprobs)) if completion.logprobs else 1.0
            child, total = merged.get(
                outcome.steps, (Node(list(outcome.steps), done=outcome.done, correct=outcome.correct), 0.0)
            )
            merged[outcome.steps] = (child, total + weight)
        norm = sum(w for _, w in merged.values()) or 1.0
        children = []
        for child, w in merged.values():
            child.prior = w / norm
            children.append(child)
        node.expanded, node.children = True, children
        return children

    @staticmethod
    def _greedy_leaf(root: Node) -> list[Node]:
        node = root
        while node.children:
            node = max(node.children, key=lambda c: (c.visits, c.q))
        return [node]
