"""EquationSolve: solve a linear equation in x by choosing algebraic rewrite rules and where to apply them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from gymnasium import spaces

from mathgym.envs.base import MathgymEnv
from mathgym.envs.classic.equation_solve.engine import (
    ADD,
    INT,
    MUL,
    NUM_FEATURES,
    NUM_RULES,
    RAT,
    RULE_NAMES,
    SWAP,
    Equation,
    X,
    action_mask,
    apply_rule,
    encode_nodes,
    equation_of,
)
from mathgym.envs.classic.equation_solve.parser import parse_equation
from mathgym.envs.classic.equation_solve.problems import (
    MixedLevelSource,
    equation_from_problem,
    format_answer,
)
from mathgym.problem import Problem
from mathgym.rewards.base import Reward, StepContext
from mathgym.rewards.view import RewardViewSpec, ViewField, reward_source
from mathgym.sources.base import Source, choose_problem
from mathgym.verifier.verdict import Verdict


def default_equation_reward(
    solve_reward: float = 1.0,
    step_cost: float = 0.01,
    invalid_penalty: float = 0.1,
    complexity_weight: float = 0.0,
) -> Reward:
    """The env's default reward: verified outcome + per-step cost + invalid-action penalty
    (+ complexity shaping when ``complexity_weight`` > 0), as a :class:`~mathgym.rewards.WeightedSum`.

    :param solve_reward: reward for a verified solution.
    :param step_cost: cost of every action.
    :param invalid_penalty: extra cost of an invalid action.
    :param complexity_weight: weight of the complexity-decrease shaping (0 leaves it out).
    """
    from mathgym.rewards.combinators import WeightedSum
    from mathgym.rewards.complexity import ComplexityDecrease
    from mathgym.rewards.invalid_action import InvalidActionPenalty
    from mathgym.rewards.outcome import OutcomeReward
    from mathgym.rewards.penalties import StepPenalty

    parts: list[Reward] = [
        OutcomeReward(correct=solve_reward, incorrect=0.0, name="solved"),
        StepPenalty(step_cost),
        InvalidActionPenalty(invalid_penalty),
    ]
    if complexity_weight:
        parts.append(ComplexityDecrease(complexity_weight))
    return WeightedSum(parts, name="total")


EQUATION_STATE_FIELDS = (
    ViewField("equation", "str", "the equation as text, `lhs = rhs` in sympy syntax", "e.g. '3*x + 5 = 14'"),
    ViewField("size", "int", "nodes in the equation tree, the root `=` included", "[3, max_nodes]"),
    ViewField("depth", "int", "edges on the longest root-to-leaf path", ">= 1"),
    ViewField("lhs_size", "int", "nodes of the left side", ">= 1"),
    ViewField("rhs_size", "int", "nodes of the right side", ">= 1"),
    ViewField("x_count", "int", "occurrences of the unknown x", ">= 1"),
    ViewField("x_sides", "int", "sides that contain x", "{1, 2}"),
    ViewField("x_isolated", "bool", "one side is exactly x"),
    ViewField("x_left", "bool", "the left side contains x"),
    ViewField("numbers", "int", "numeric leaves (integers and fractions)", ">= 0"),
    ViewField("fractions", "int", "non-integer rational leaves", ">= 0"),
    ViewField("brackets", "int", "products or powers that contain a sum (need expanding)", ">= 0"),
    ViewField("reducible", "bool", "some arithmetic in the tree can still be evaluated (`simplify` applies)"),
    ViewField("solved", "bool", "the equation reads x = <number>"),
    ViewField("moves", "int", "actions taken so far in the episode", "[0, max_moves]"),
    ViewField("max_moves", "int", "actions before the episode is truncated", ">= 1"),
)
EQUATION_ACTION_FIELDS = (
    ViewField("rule", "str", "the rewrite rule: " + ", ".join(RULE_NAMES)),
    ViewField(
        "node",
        "int",
        "pre-order index of the node the rule is applied to (0 is the `=` root)",
        "[0, max_nodes)",
    ),
)


def equation_view_spec(
    solve_reward: float = 1.0,
    step_cost: float = 0.01,
    invalid_penalty: float = 0.1,
    complexity_weight: float = 0.0,
) -> RewardViewSpec:
    """The reward view of :class:`EquationSolveEnv`; its hand-written reward is the env's default one.

    :param solve_reward: as in :func:`default_equation_reward`.
    :param step_cost: as in :func:`default_equation_reward`.
    :param invalid_penalty: as in :func:`default_equation_reward`.
    :param complexity_weight: as in :func:`default_equation_reward`.
    """
    parts = [
        ("solved", f'{solve_reward!r} if info["is_success"] else 0.0'),
        ("step_penalty", f"-{step_cost!r}"),
        ("invalid_action", f'0.0 if info["valid"] else -{invalid_penalty!r}'),
    ]
    if complexity_weight:
        parts.append(("complexity_decrease", f'{complexity_weight!r} * (prev["size"] - state["size"])'))
    hand = reward_source(parts)
    return RewardViewSpec(
        name="EquationState",
        task="Solve a linear equation in x by applying algebraic rewrite rules to nodes of its expression "
        "tree, until it reads x = <number>.",
        success="the episode ends with the equation in the form x = <number> and that number is the solution "
        "(checked by the verifier against the gold answer) within max_moves actions",
        action="applies one equivalence-preserving rewrite rule to one node of the tree; an illegal "
        "(rule, node) pair leaves the equation unchanged and info['valid'] is false",
        state_fields=EQUATION_STATE_FIELDS,
        action_fields=EQUATION_ACTION_FIELDS,
        hand_reward=hand,
    )


def equation_reward_view(eq: Equation, moves: int, max_moves: int) -> dict[str, Any]:
    """The reward view of one equation state (fields: :data:`EQUATION_STATE_FIELDS`).

    :param eq: the equation.
    :param moves: actions taken so far.
    :param max_moves: the episode's move limit.
    """
    kinds, tokens, size = eq.kind, eq.tokens, eq.sizes
    lhs, rhs = 1, eq.rhs_index
    return {
        "equation": eq.text(),
        "size": eq.n,
        "depth": eq.depth,
        "lhs_size": size[lhs],
        "rhs_size": size[rhs],
        "x_count": kinds.count(X),
        "x_sides": int(eq.has_x[lhs]) + int(eq.has_x[rhs]),
        "x_isolated": (tokens[lhs][0] == X and size[lhs] == 1) or (tokens[rhs][0] == X and size[rhs] == 1),
        "x_left": eq.has_x[lhs],
        "numbers": kinds.count(INT) + kinds.count(RAT),
        "fractions": kinds.count(RAT),
        "brackets": sum(
            1 for i in range(eq.n) if kinds[i] == MUL and any(kinds[a] == ADD for a in eq.children[i])
        ),
        "reducible": eq.reducible[0],
        "solved": eq.solved_value() is not None,
        "moves": moves,
        "max_moves": max_moves,
    }


def solve_exactly(eq: Equation) -> str:
    """The unique solution of a linear equation, as an answer string.

    :param eq: the equation.
    :raises ValueError: when x cancels out (no solution, or every number is one).
    """
    c1, b1 = eq.lin(1)
    c2, b2 = eq.lin(eq.rhs_index)
    if c1 == c2:
        raise ValueError(f"{eq.text()} has no unique solution (x cancels out)")
    return format_answer((b2 - b1) / (c1 - c2))


class EquationSolveEnv(MathgymEnv[np.ndarray, int]):
    """Solve a linear equation in ``x`` with algebraic rewrite rules.

    ## Description

    The state is an equation ``lhs = rhs`` held as an unevaluated expression tree (the problem's equation,
    e.g. ``3*x + 5 = 2*x - 7``), stored as a prefix token array with exact rational leaves
    (:mod:`mathgym.envs.classic.equation_solve.engine`). Each action applies one rule to one node of the tree:
    swap sides, move a term to the other side, add/subtract a term on both sides, multiply/divide both
    sides, expand, collect like terms, or simplify a subtree. Every rule is an equivalence transformation;
    the episode is won on reaching ``x = <number>``, which the project's verifier checks against the
    problem's gold answer. The action design (one masked ``Discrete`` over rule × node) follows mathy-envs;
    the code is independent. :class:`~mathgym.envs.classic.equation_solve.vector.EquationSolveVectorEnv` steps
    many of these at once.

    ## Action Space

    ``Discrete(8 * max_nodes)``: action ``a`` applies rule ``a // max_nodes`` (:data:`RULE_NAMES`) to node
    ``a % max_nodes`` (pre-order index, 0 is the equation). Valid actions are given by :meth:`action_masks`
    (the sb3-contrib ``MaskablePPO`` convention), by ``info["action_mask"]`` and by the last
    ``8 * max_nodes`` entries of the observation. An invalid action leaves the state unchanged and costs
    ``invalid_penalty``. ``swap_sides`` is masked right after a swap (it would only undo it).

    ## Observation Space

    ``Box(-1, 1, (max_nodes * 22 + 8 * max_nodes,), float32)``: for each of ``max_nodes`` node slots
    (pre-order, zero-padded) 22 features (node type one-hot, parent type, side, depth, parent index,
    argument position, sign and magnitude of numbers, subtree size, contains-x; see
    :data:`~mathgym.envs.classic.equation_solve.engine.FEATURES`), then the action mask as 0/1.

    ## Rewards

    The default reward is a :class:`~mathgym.rewards.WeightedSum` of parts, reported per step in
    ``info["reward_components"]``: ``solved`` (+``solve_reward`` when the final ``x = value`` is verified
    correct), ``step_penalty`` (-``step_cost`` per step), ``invalid_action`` (-``invalid_penalty``) and,
    when ``complexity_weight`` > 0, ``complexity_decrease`` (``complexity_weight`` × nodes removed).
    Pass ``reward=`` to use any other :class:`~mathgym.rewards.Reward`.

    ## Starting State

    A problem drawn from ``source`` with the env's ``np_random`` (by default the project's procedural
    ``LinearEquation`` generator mixed over ``levels``, see
    :class:`~mathgym.envs.classic.equation_solve.problems.MixedLevelSource`). ``reset(options=...)`` may pin
    one: ``{"problem_id": ...}``, ``{"index": i}``, ``{"problem": Problem}`` or ``{"equation": "3*x + 5 =
    14"}``. Equations must be linear in x (rational numbers, ``+ - * /``, brackets).

    ## Episode End

    Terminated when the equation reads ``x = <number>`` (``info["is_success"]`` is the verdict);
    truncated after ``max_moves`` actions.

    ## Reward View

    :meth:`reward_view` and :meth:`reward_view_action` give the state and the action as plain data for
    generated reward code (:mod:`mathgym.rewards.view`; fields in :data:`EQUATION_STATE_FIELDS`); the env's
    own reward, written against them, is ``reward_view_spec.hand_reward``.

    ## Arguments

    :param levels: levels of the ``LinearEquation`` generator to draw from (0 easiest: ``ax + b = c``;
        1 adds x on both sides; 2 brackets; 3-4 fractional solutions); ignored when ``source`` is given.
    :param source: any :class:`~mathgym.sources.base.Source` of equation problems (meta ``equation`` or a
        prompt ending in ``: lhs = rhs``).
    :param seed: seed of the default source's problem stream.
    :param max_moves: actions before truncation.
    :param max_nodes: node slots of the observation; rules that could grow the tree beyond it are masked.
    :param solve_reward: reward for a verified solution.
    :param step_cost: cost of every action.
    :param invalid_penalty: extra cost of an invalid action.
    :param complexity_weight: weight of the complexity-decrease shaping (0 disables it).
    :param reward: a custom reward replacing the default one.
    :param render_mode: ``"ansi"`` (``render()`` returns the equation) or ``"human"`` (prints it).

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/EquationSolve-v0")
    >>> obs, info = env.reset(options={"equation": "x + 5 = 7"})
    >>> obs.shape, info["equation_tree"].text()
    ((960,), 'x + 5 = 7')

    ## Version History

    * v0: the initial version; since issue 15 the state is a token array (same problems, rules, rewards).
    """

    action_space: spaces.Discrete  # type: ignore[assignment]  # Discrete is a Space[np.int64]; int actions
    observation_space: spaces.Box

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 4}

    def __init__(
        self,
        levels: Sequence[int] = (0, 1, 2),
        source: Source | None = None,
        *,
        seed: int = 0,
        max_moves: int = 20,
        max_nodes: int = 32,
        solve_reward: float = 1.0,
        step_cost: float = 0.01,
        invalid_penalty: float = 0.1,
        complexity_weight: float = 0.0,
        reward: Reward | None = None,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode)
        if max_moves < 1 or max_nodes < 8:
            raise ValueError(f"need max_moves >= 1 and max_nodes >= 8, got {max_moves}, {max_nodes}")
        self.source = source if source is not None else MixedLevelSource(levels, seed=seed)
        self.max_moves = max_moves
        self.max_nodes = max_nodes
        self.reward = (
            reward
            if reward is not None
            else default_equation_reward(solve_reward, step_cost, invalid_penalty, complexity_weight)
        )
        self.reward_view_spec = (
            equation_view_spec(solve_reward, step_cost, invalid_penalty, complexity_weight)
            if reward is None
            else dataclasses.replace(equation_view_spec(), hand_reward="")
        )
        self.num_rules = NUM_RULES
        self.action_space = spaces.Discrete(NUM_RULES * max_nodes)
        self.observation_space = spaces.Box(
            -1.0, 1.0, (max_nodes * NUM_FEATURES + NUM_RULES * max_nodes,), dtype=np.float32
        )
        self.problem: Problem | None = None
        self.tree: Equation | None = None
        self._obs = np.zeros(self.observation_space.shape, dtype=np.float32)
        self._nodes = self._obs[: max_nodes * NUM_FEATURES].reshape(
            max_nodes, NUM_FEATURES
        )  # a view into _obs
        self._mask = np.zeros(self.action_space.n, dtype=bool)
        self._history: tuple[str, ...] = ()
        self._moves = 0
        self._last_rule = -1  # swapping twice in a row is masked: it only undoes the first swap

    # -- Gymnasium API ------------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        self.problem = self._select_problem(options)
        tree = (
            parse_equation(options["equation"])
            if "equation" in options
            else equation_from_problem(self.problem)
        )
        if not tree.has_x[0]:
            raise ValueError(f"the equation {tree.text()} does not contain the unknown x")
        if tree.n > self.max_nodes:
            raise ValueError(
                f"the equation {tree.text()} has {tree.n} nodes but max_nodes is {self.max_nodes}: "
                "raise max_nodes"
            )
        self.tree = tree
        self.reward.reset(self.problem)
        self._history = ()
        self._moves = 0
        self._last_rule = -1
        self._observe()
        return self._obs.copy(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self.tree is None:
            raise RuntimeError("call reset() before step()")
        action = int(action)
        if not 0 <= action < self.action_space.n:
            raise ValueError(f"action {action} is outside Discrete({self.action_space.n})")
        rule, node = divmod(action, self.max_nodes)
        valid = bool(self._mask[action])
        before = self.tree.n
        if valid:
            tokens = apply_rule(self.tree, rule, node)
            if len(tokens) <= self.max_nodes:
                self.tree = equation_of(tokens)
                self._last_rule = rule
            else:  # the mask's growth bounds exclude this; stay safe if a bound is ever too tight
                valid = False
        self._moves += 1
        solved_value = self.tree.solved_value()
        terminated = solved_value is not None
        truncated = not terminated and self._moves >= self.max_moves
        verdict = None
        if terminated:
            verdict = self._verify(solved_value)
        elif truncated:
            verdict = Verdict(False, 0.0, None, "unsolved")
        name = RULE_NAMES[rule]
        action_text = f"{name}@{node}" if valid else f"invalid:{name}@{node}"
        ctx = StepContext(
            problem=self.problem,
            action=action_text,
            history=self._history,
            step_index=self._moves - 1,
            final=terminated or truncated,
            verdict=verdict,
            extra={
                "valid": valid,
                "complexity_before": before,
                "complexity_after": self.tree.n,
                "rule": name,
            },
        )
        out = self.reward(ctx)
        self._history = self._history + (action_text,)
        if valid:
            self._observe()
        info = self._info()
        info.update(rule=name, node=node, valid=valid, reward_components=dict(out.components))
        if terminated or truncated:
            info["equation"] = self.tree.text()
            info["is_success"] = bool(verdict)
            info["verdict"] = verdict.to_dict()
            info["moves"] = self._moves
        if self.render_mode == "human":
            self.render()
        return self._obs.copy(), float(out.value), terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """Valid actions as a boolean array (sb3-contrib ``MaskablePPO`` calls this)."""
        return self._mask.copy()

    def render_text(self) -> str | None:
        """The current equation."""
        return None if self.tree is None else self.tree.text()

    # -- reward view (mathgym.rewards.view) ----------------------------------------------------------------

    def reward_view(self) -> dict[str, Any]:
        """The state as reward code sees it (fields: :data:`EQUATION_STATE_FIELDS`)."""
        return equation_reward_view(self.tree, self._moves, self.max_moves)

    def reward_view_action(self, action: int) -> dict[str, Any]:
        """The action as reward code sees it (fields: :data:`EQUATION_ACTION_FIELDS`).

        :param action: a flat action of the action space.
        """
        rule, node = divmod(int(action), self.max_nodes)
        return {"rule": RULE_NAMES[rule], "node": node}

    # -- snapshots for search -------------------------------------------------------------------------

    def get_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot (problem, current equation's tokens, moves, reward state)."""
        if self.problem is None or self.tree is None:
            raise RuntimeError("call reset() before get_state()")
        return {
            "problem": self.problem.to_dict(),
            "tokens": [list(token) for token in self.tree.tokens],
            "moves": self._moves,
            "history": list(self._history),
            "last_rule": self._last_rule,
            "reward": self.reward.get_state(),
        }

    def set_state(self, state: Mapping[str, Any]) -> np.ndarray:
        """Restore a snapshot of :meth:`get_state` (also one that went through JSON).

        :param state: what :meth:`get_state` returned.
        :returns: the observation at that point.
        """
        self.problem = Problem.from_dict(state["problem"])
        self.tree = equation_of(tuple(tuple(token) for token in state["tokens"]))
        self._moves = int(state["moves"])
        self._history = tuple(state["history"])
        self._last_rule = int(state["last_rule"])
        self.reward.set_state(state["reward"])
        self._observe()
        return self._obs.copy()

    # -- internals ------------------------------------------------------------------------------------

    def _select_problem(self, options: dict[str, Any]) -> Problem:
        # ``equation`` is this env's own key (a whole ``problem`` still wins); every other key means what it
        # means for every source
        if "equation" in options and "problem" not in options:
            text = str(options["equation"])
            return Problem(
                id=f"equation:{text}",
                prompt=f"Solve for x: {text}",
                answer=options.get("answer") or solve_exactly(parse_equation(text)),
                meta={"equation": text},
            )
        return choose_problem(self.source, options, self.np_random)

    def _observe(self) -> None:
        action_mask(self.tree, self.max_nodes, allow_swap=self._last_rule != SWAP, out=self._mask)
        encode_nodes(self.tree, self.max_nodes, out=self._nodes)
        self._obs[self._nodes.size :] = self._mask

    def _info(self) -> dict[str, Any]:
        return {
            "problem_id": self.problem.id,
            "equation_tree": self.tree,
            "action_mask": self._mask.copy(),
            "level": self.problem.meta.get("level"),
        }

    def _verify(self, value: Fraction) -> Verdict:
        from mathgym import verify  # the verifier loads sympy parsers: import it on first use

        return verify(format_answer(value), self.problem)
