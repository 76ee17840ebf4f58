"""Baseline agents for ``mathgym/EquationSolve``: uniform over valid moves, and a scripted solver.

Both read the env's ``info`` (``action_mask`` and, for the solver, ``equation_tree``), so they work with
any :class:`~mathgym.envs.classic.equation_solve.env.EquationSolveEnv` configuration without touching the env.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mathgym.agents.base import Agent
from mathgym.envs.classic.equation_solve.engine import ADD, RULE_NAMES, Equation, NodeView, encode_action


class MaskedRandomAgent(Agent):
    """Picks uniformly among the valid actions of ``info["action_mask"]`` (the random baseline of
    masked discrete envs; an unmasked random agent mostly wastes moves on invalid actions)."""

    name = "masked-random"

    def act(self, observation: Any, info: Mapping[str, Any]) -> int:
        mask = np.asarray(info["action_mask"], dtype=bool)
        valid = np.flatnonzero(mask)
        if valid.size == 0:
            raise ValueError("the env reports no valid action (info['action_mask'] is all false)")
        return int(valid[self.rng.integers(valid.size)])


class EquationSolverAgent(Agent):
    """A scripted textbook strategy using only the env's rules (the reference agent, an upper bound).

    In order: expand brackets; simplify a side; put the unknown on the left; move x-terms left and
    constants right; clear a fractional coefficient; divide by the coefficient of x.
    """

    name = "equation-solver"

    def act(self, observation: Any, info: Mapping[str, Any]) -> int:
        tree: Equation = info["equation_tree"]
        mask = np.asarray(info["action_mask"], dtype=bool)
        max_nodes = mask.size // len(RULE_NAMES)
        nodes = tree.nodes[:max_nodes]

        def valid(rule: str, index: int) -> bool:
            return bool(mask[encode_action(rule, index, max_nodes)])

        def first(rule: str, where: Any = lambda node: True) -> int | None:
            candidates = [i for i, node in enumerate(nodes) if valid(rule, i) and where(node)]
            if not candidates:
                return None
            best = min(candidates, key=lambda i: nodes[i].depth)
            return encode_action(rule, best, max_nodes)

        lhs, rhs = nodes[1], nodes[tree.rhs_index]
        is_term = _term_checker(tree)
        plan = (
            lambda: first("expand"),
            lambda: first("simplify", lambda n: n.depth == 1),
            lambda: first("simplify"),
            lambda: first("swap_sides") if not lhs.has_x and rhs.has_x else None,
            lambda: first("move_term", lambda n: n.side == 1 and n.has_x and is_term(n)),
            lambda: first(
                "move_term", lambda n: n.side == 0 and not n.has_x and is_term(n) and lhs.kind == ADD
            ),
            lambda: first("multiply_both", lambda n: n.side == 0),
            lambda: first("divide_both", lambda n: n.side == 0),
        )
        for step in plan:
            action = step()
            if action is not None:
                return action
        valid_actions = np.flatnonzero(mask)
        return int(valid_actions[0])


def _term_checker(tree: Equation):  # noqa: ANN202
    nodes = tree.nodes

    def is_term(node: NodeView) -> bool:
        if node.depth == 1:
            return node.kind != ADD
        return node.depth == 2 and nodes[node.parent].kind == ADD

    return is_term
