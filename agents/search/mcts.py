"""Monte-Carlo tree search with PUCT over step-mode env snapshots, valued by a PRM (rStar-Math style at
inference, methods.md §7.2).

Nodes are partial solutions (env snapshots); an edge is one step. Each simulation

1. **selects** from the root down to a leaf by PUCT, ``Q(s,a) + c·P(s,a)·sqrt(N(s))/(1 + N(s,a))``;
2. **expands** the leaf: ``expansions`` next steps are sampled (one generation call), each played through
   the env snapshot; duplicates merge; priors are uniform over the distinct steps, or the policy's
   sequence probabilities when it returns logprobs;
3. **evaluates** every new child with the PRM (aggregated step scores; a finished child is valued the
   same way, the verifier is never consulted);
4. **backs up** the best new child's value along the path.

The answer is the finished solution with the highest mean value (Q); ties go to the more visited one.
"""
from __future__ import annotations

import math
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
    children: list["Node"] = field(default_factory=list)
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

    def __init__(self, prm: Any, *, simulations: int = 8, expansions: int = 4, c_puct: float = 1.0,
                 max_depth: int = 10, aggregate: str = "min") -> None:
        self.prm, self.simulations, self.expansions = prm, simulations, expansions
        self.c_puct, self.max_depth, self.aggregate = c_puct, max_depth, aggregate

    def puct(self, parent: Node, child: Node) -> float:
        return child.q + self.c_puct * child.prior * math.sqrt(max(parent.visits, 1)) / (1 + child.visits)

    def run(self, policy: Any, problem: Problem, *, seed: int = 0) -> StepSearchResult:
        roller = as_roller(policy)
        before = roller.tokens
        root = Node([])
        finished: list[Node] = []
        for sim in range(self.simulations):
            path = [root]
            node = root
            while node.expanded and node.children and not node.done:
                node = max(node.children, key=lambda c: self.puct(path[-1], c))
                path.append(node)
            if node.done or len(node.steps) >= self.max_depth:
                value = node.q if node.visits else 0.0
            else:
                value = self._expand(roller, problem, node, derive_seed("mathgym.search.mcts", seed, sim))
                finished += [c for c in node.children if c.done]
            for visited in path:
                visited.visits += 1
                visited.total += value
        pool = finished or self._greedy_leaf(root)
        best = max(pool, key=lambda n: (n.q, n.visits))
        candidates = [Candidate(n.steps, n.done, n.correct, n.q) for n in finished]
        return StepSearchResult(best.steps, answer_of(best.steps), best.correct, best.q, candidates,
                                roller.tokens - before)

    def _expand(self, roller: Any, problem: Problem, node: Node, seed: int) -> float:
        (row,) = roller.propose([(problem, node.steps)], self.expansions, seed=seed)
        merged: dict[tuple[str, ...], tuple[Node, float]] = {}
        for completion in row:
            outcome = roller.advance(problem, node.steps, completion.text)
            weight = math.exp(sum(completion.logprobs)) if completion.logprobs else 1.0
            if outcome.steps in merged:
                child, w = merged[outcome.steps]
                merged[outcome.steps] = (child, w + weight)
            else:
                merged[outcome.steps] = (Node(list(outcome.steps), done=outcome.done, correct=outcome.correct), weight)
        node.expanded = True
        if not merged:
            return 0.0
        total = sum(w for _, w in merged.values())
        children = [child for child, _ in merged.values()]
        for (child, w), scores in zip(merged.values(), self.prm.score_batch([(problem, c.steps) for c in children])):
            child.prior = w / total
            child.visits, child.total = 1, aggregate_step_scores(scores, self.aggregate)
        node.children = children
        return max(c.q for c in children)

    @staticmethod
    def _greedy_leaf(root: Node) -> list[Node]:
        node = root
        while node.children:
            node = max(node.children, key=lambda c: (c.visits, c.q))
        return [node]
