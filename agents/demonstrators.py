"""Scripted agents that solve Countdown and symbolic regression: demonstrations of success.

Like :class:`~mathgym.agents.equation_agents.EquationSolverAgent` they read privileged state (the env's
numbers, the benchmark's target), so they are upper bounds and sources of successful trajectories (the
reward-design pre-filter ranks rewards on them), not policies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.agents.base import Agent


class CountdownSolverAgent(Agent):
    """Plays a shortest sequence of combinations that reaches the target (depth-first search over the
    env's available numbers), recomputed whenever the state is not where the plan expects it."""

    name = "countdown-solver"

    def __init__(self, env: Any = None, seed: int | None = None) -> None:
        super().__init__(env, seed)
        self._plan: list[int] = []

    def reset(self, *, seed: int | None = None) -> None:
        super().reset(seed=seed)
        self._plan = []

    def act(self, observation: Any, info: Mapping[str, Any]) -> int:
        from mathgym.envs.classic.countdown.game import OPERATORS, apply

        if self.env is None:
            raise ValueError("CountdownSolverAgent needs the env: make_agent('countdown-solver', env=env)")
        env = self.env.unwrapped
        if self._plan and env.action_masks()[self._plan[0]]:
            return self._plan.pop(0)
        n, target = env.n, env.target
        values = [env.values[k] if env.available[k] else None for k in range(n)]

        def search(values: list[int | None], depth: int) -> list[int] | None:
            if target in values:
                return []
            if depth == 0:
                return None
            live = [k for k, v in enumerate(values) if v is not None]
            for i in live:
                for j in live:
                    if i == j:
                        continue
                    for op_index, op in enumerate(OPERATORS):
                        if op in "+*" and i > j:
                            continue
                        result = apply(op, values[i], values[j])  # type: ignore[arg-type]
                        if result is None:
                            continue
                        after = list(values)
                        after[i], after[j] = result, None
                        rest = search(after, depth - 1)
                        if rest is not None:
                            return [(i * n + j) * len(OPERATORS) + op_index, *rest]
            return None

        for depth in range(1, n):
            plan = search(values, depth)
            if plan:
                self._plan = plan[1:]
                return plan[0]
        mask = env.action_masks()  # unsolvable from here: any legal move
        return int(mask.nonzero()[0][0])


class TargetExpressionAgent(Agent):
    """Plays the symbolic-regression benchmark's target expression token by token (prefix order); once
    the expression has left the target (another agent took over for a while) it closes it with the
    legal token of the lowest arity."""

    name = "target-expression"

    def act(self, observation: Any, info: Mapping[str, Any]) -> int:
        from mathgym.envs.classic.symbolic_regression.tokens import expression_to_prefix

        if self.env is None:
            raise ValueError("TargetExpressionAgent needs the env: make_agent('target-expression', env=env)")
        env = self.env.unwrapped
        tokens = expression_to_prefix(env.benchmark.expression, env.library)
        if tokens is None:
            raise ValueError(
                f"{env.benchmark.name}'s target {env.benchmark.expression!r} cannot be written "
                f"with the tokens {env.library.names}"
            )
        so_far = env.builder.tokens
        if so_far == tokens[: len(so_far)] and len(so_far) < len(tokens):
            return tokens[len(so_far)]
        legal = env.action_masks().nonzero()[0]
        return int(min(legal, key=lambda t: (env.library.arities[t], t)))
