"""Countdown with numeric spaces: combine two of the available numbers per step until the target appears."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from gymnasium import spaces

from mathgym.envs.base import MathgymEnv
from mathgym.envs.classic.countdown.game import OPERATORS, CountdownSource, apply, verify_countdown_problem
from mathgym.problem import Problem
from mathgym.rewards.base import Reward, StepContext
from mathgym.rewards.view import RewardViewSpec, ViewField, reward_source
from mathgym.sources.base import Source, choose_problem
from mathgym.verifier.verdict import Verdict

#: features per number slot in the observation
SLOT_FEATURES = 4
#: log1p of the largest value the observation's log-magnitude feature resolves
_LOG_SCALE = float(np.log1p(10_000.0))


def default_countdown_reward(solve_reward: float = 1.0, invalid_penalty: float = 0.1) -> Reward:
    """The env's default reward: ``solved`` (verified target) + ``invalid_action`` penalty.

    :param solve_reward: reward for reaching the target.
    :param invalid_penalty: cost of an invalid action.
    """
    from mathgym.rewards.combinators import WeightedSum
    from mathgym.rewards.invalid_action import InvalidActionPenalty
    from mathgym.rewards.outcome import OutcomeReward

    return WeightedSum(
        [
            OutcomeReward(correct=solve_reward, incorrect=0.0, name="solved"),
            InvalidActionPenalty(invalid_penalty),
        ],
        name="total",
    )


COUNTDOWN_STATE_FIELDS = (
    ViewField("numbers", "list[int]", "the numbers still available, in slot order", "positive integers"),
    ViewField("count", "int", "how many numbers are still available", "[1, n_numbers]"),
    ViewField("target", "int", "the number to reach", ">= 1"),
    ViewField("distance", "int", "smallest |number - target| over the available numbers", ">= 0"),
    ViewField("closest", "int", "the available number closest to the target", ">= 1"),
    ViewField("reached", "bool", "an available number equals the target"),
    ViewField("moves_left", "bool", "at least one legal combination remains"),
    ViewField("steps", "int", "actions taken so far in the episode", "[0, max_steps]"),
    ViewField("max_steps", "int", "actions before the episode is truncated", ">= 1"),
)
COUNTDOWN_ACTION_FIELDS = (
    ViewField("a", "int", "the first number combined (0 for an empty slot)", ">= 0"),
    ViewField("b", "int", "the second number combined (0 for an empty slot)", ">= 0"),
    ViewField("op", "str", "the operator", "'+', '-', '*' or '/'"),
    ViewField("result", "int | None", "a op b when that is a legal move (a positive integer), else None"),
)


def countdown_view_spec(solve_reward: float = 1.0, invalid_penalty: float = 0.1) -> RewardViewSpec:
    """The reward view of :class:`CountdownEnv`; its hand-written reward is the env's default one.

    :param solve_reward: as in :func:`default_countdown_reward`.
    :param invalid_penalty: as in :func:`default_countdown_reward`.
    """
    hand = reward_source(
        [
            ("solved", f'{solve_reward!r} if info["is_success"] else 0.0'),
            ("invalid_action", f'0.0 if info["valid"] else -{invalid_penalty!r}'),
        ]
    )
    return RewardViewSpec(
        name="CountdownState",
        task="Reach the target number by combining the given numbers with + - * /, two at a time; each "
        "number is used at most once and every intermediate result must be a positive integer.",
        success="an available number equals the target and its expression, checked by the verifier, uses "
        "only the given numbers, within max_steps actions",
        action="combines two available numbers a and b with an operator; the result replaces a and b is used "
        "up. An illegal combination leaves the numbers unchanged and info['valid'] is false",
        state_fields=COUNTDOWN_STATE_FIELDS,
        action_fields=COUNTDOWN_ACTION_FIELDS,
        hand_reward=hand,
    )


def action_tables(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, op)`` of every flat action ``(i * n + j) * 4 + op`` of an ``n``-slot Countdown.

    :param n: number slots.
    """
    actions = np.arange(n * n * len(OPERATORS))
    pair, op = np.divmod(actions, len(OPERATORS))
    i, j = np.divmod(pair, n)
    return i, j, op


def legal_moves(
    values: np.ndarray, available: np.ndarray, tables: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> np.ndarray:
    """The action mask of one or many Countdown states (the last axis holds the slots).

    ``(i, j, op)`` is legal when both slots hold numbers, ``i != j``, the result is a positive integer
    (``a - b`` needs ``a > b``, ``a / b`` needs ``b | a``), and commutative operators come with ``i < j``.

    :param values: slot values, shape ``(..., n)``.
    :param available: which slots hold a number, same shape.
    :param tables: :func:`action_tables` of ``n``.
    """
    i, j, op = tables
    a, b = values[..., i], values[..., j]
    legal = available[..., i] & available[..., j] & (i != j)
    commutative = (op == 0) | (op == 2)
    legal &= ~commutative | (i < j)
    legal &= (op != 1) | (a > b)
    divides = (b != 0) & (a % np.maximum(b, 1) == 0)
    legal &= (op != 3) | divides
    return legal


class CountdownEnv(MathgymEnv[np.ndarray, int]):
    """Countdown for classic RL agents.

    ## Description

    A problem gives ``n`` numbers and a target (from
    :class:`~mathgym.envs.classic.countdown.game.CountdownSource`). Each step picks two available numbers and
    an operator; the result replaces the first number and the second is used up. Results must be positive
    integers (the Countdown rules). The state is two arrays (slot values and which slots hold a number) and
    the legal moves are computed from them for all actions at once; the expression built for each number is
    tracked, and when one equals the target it is checked by the same verifier as the text form
    (:func:`~mathgym.envs.classic.countdown.game.verify_countdown`).
    :class:`~mathgym.envs.classic.countdown.vector.CountdownVectorEnv` steps many of these at once.

    ## Action Space

    ``Discrete(n * n * 4)``: action ``(i * n + j) * 4 + op`` combines slot ``i`` with slot ``j``
    (``i != j``) by ``+ - * /``. Commutative operators are only offered with ``i < j``. Valid actions
    come from :meth:`action_masks` and ``info["action_mask"]``; an invalid one leaves the state
    unchanged and costs ``invalid_penalty``.

    ## Observation Space

    ``Box(0, 1, (n * 4 + 1 + n * n * 4,), float32)``: per slot (available, value / target capped at 4
    and scaled to [0, 1], log-magnitude, equals-target), then ``log1p(target) / log1p(10_000)``, then
    the action mask.

    ## Rewards

    ``solved`` (+``solve_reward`` when the target is reached and verified) and ``invalid_action``
    (-``invalid_penalty``), reported in ``info["reward_components"]``.

    ## Starting State

    A problem drawn from ``source`` with the env's ``np_random``; ``options`` may pin one with
    ``{"problem_id": ...}``, ``{"index": i}`` or ``{"problem": Problem}``.

    ## Episode End

    Terminated when a number equals the target (success) or no valid move is left; truncated after
    ``max_steps`` actions.

    ## Reward View

    :meth:`reward_view` and :meth:`reward_view_action` give the state and the action as plain data for
    generated reward code (:mod:`mathgym.rewards.view`; fields in :data:`COUNTDOWN_STATE_FIELDS`); the env's
    own reward, written against them, is ``reward_view_spec.hand_reward``.

    ## Arguments

    :param n_numbers: numbers per problem (default source).
    :param max_number: largest given number (default source).
    :param max_target: largest target (default source).
    :param source: any :class:`~mathgym.sources.base.Source` of Countdown problems
        (``meta["numbers"]``, ``meta["target"]``) with at most ``n_numbers`` numbers.
    :param seed: seed of the default source's problem stream.
    :param max_steps: actions before truncation (default ``4 * n_numbers``).
    :param solve_reward: reward for reaching the target.
    :param invalid_penalty: cost of an invalid action.
    :param reward: a custom :class:`~mathgym.rewards.Reward` replacing the default.
    :param render_mode: ``"ansi"`` returns the available numbers and their expressions.

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/Countdown-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["action_mask"].shape
    ((81,), (64,))

    ## Version History

    * v0: the initial version; since issue 15 the state is held in arrays (same problems, rules, rewards).
    """

    action_space: spaces.Discrete  # type: ignore[assignment]  # Discrete is a Space[np.int64]; int actions
    observation_space: spaces.Box

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        n_numbers: int = 4,
        *,
        max_number: int = 50,
        max_target: int = 200,
        source: Source | None = None,
        seed: int = 0,
        max_steps: int | None = None,
        solve_reward: float = 1.0,
        invalid_penalty: float = 0.1,
        reward: Reward | None = None,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode)
        self.n = n_numbers
        self.source = (
            source
            if source is not None
            else CountdownSource(n_numbers, max_number=max_number, max_target=max_target, seed=seed)
        )
        self.max_steps = max_steps or 4 * n_numbers
        self.reward = (
            reward if reward is not None else default_countdown_reward(solve_reward, invalid_penalty)
        )
        self.reward_view_spec = (
            countdown_view_spec(solve_reward, invalid_penalty)
            if reward is None
            else dataclasses.replace(countdown_view_spec(), hand_reward="")
        )
        self.action_space = spaces.Discrete(self.n * self.n * len(OPERATORS))
        self.observation_space = spaces.Box(
            0.0, 1.0, (self.n * SLOT_FEATURES + 1 + self.action_space.n,), dtype=np.float32
        )
        self.problem: Problem | None = None
        # the state is two small flat arrays; with a handful of slots, Python lists step faster than numpy
        # arrays (the vector env keeps (num_envs, n) numpy arrays and computes legal_moves for all at once)
        self.values: list[int] = [0] * self.n  #: slot values (0 in empty slots)
        self.available: list[bool] = [False] * self.n  #: which slots hold a number
        self._moves = [
            (i, j, k, op)
            for i in range(self.n)
            for j in range(self.n)
            if i != j
            for k, op in enumerate(OPERATORS)
            if not (op in "+*" and i > j)
        ]
        self.expressions: list[str] = [""] * self.n  #: the expression of each slot's number
        self.target = 0
        self._steps = 0
        self._mask = np.zeros(self.action_space.n, dtype=bool)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.problem = choose_problem(self.source, options or {}, self.np_random)
        numbers = [int(v) for v in self.problem.meta["numbers"]]
        if len(numbers) > self.n:
            raise ValueError(
                f"problem {self.problem.id} has {len(numbers)} numbers; this env has {self.n} slots"
            )
        self.target = int(self.problem.meta["target"])
        padding = self.n - len(numbers)
        self.values = numbers + [0] * padding
        self.available = [True] * len(numbers) + [False] * padding
        self.expressions = [str(v) for v in numbers] + [""] * (self.n - len(numbers))
        self._steps = 0
        self.reward.reset(self.problem)
        self._mask = self._legal_moves()
        return self._observation(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self.problem is None:
            raise RuntimeError("call reset() before step()")
        action = int(action)
        if not 0 <= action < self.action_space.n:
            raise ValueError(f"action {action} is outside Discrete({self.action_space.n})")
        pair, op_index = divmod(action, len(OPERATORS))
        i, j = divmod(pair, self.n)
        op = OPERATORS[op_index]
        valid = bool(self._mask[action])
        expressions = self.expressions
        text = f"{expressions[i] or '?'} {op} {expressions[j] or '?'}"
        if valid:
            self.values[i] = apply(op, self.values[i], self.values[j])  # type: ignore[assignment]
            expressions[i] = f"({expressions[i]} {op} {expressions[j]})"
            self.available[j] = False
            self.values[j], expressions[j] = 0, ""
            self._mask = self._legal_moves()
        self._steps += 1
        reached = [k for k in range(self.n) if self.available[k] and self.values[k] == self.target]
        verdict = None
        if reached:
            verdict = verify_countdown_problem(expressions[reached[0]], self.problem, extract=False)
        terminated = bool(reached) or not self._mask.any()
        truncated = not terminated and self._steps >= self.max_steps
        if verdict is None and (terminated or truncated):
            verdict = Verdict(False, 0.0, None, "target_not_reached")
        ctx = StepContext(
            problem=self.problem,
            action=text,
            step_index=self._steps - 1,
            final=terminated or truncated,
            verdict=verdict,
            extra={"valid": valid},
        )
        out = self.reward(ctx)
        info = self._info()
        info.update(valid=valid, reward_components=dict(out.components))
        if terminated or truncated:
            info.update(is_success=bool(verdict), verdict=verdict.to_dict())  # type: ignore[union-attr]
        return self._observation(), float(out.value), terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """Valid actions as a boolean array (sb3-contrib ``MaskablePPO`` calls this)."""
        return self._mask.copy()

    def reward_view(self) -> dict[str, Any]:
        """The state as reward code sees it (fields: :data:`COUNTDOWN_STATE_FIELDS`)."""
        numbers = [v for v, live in zip(self.values, self.available) if live]
        closest = min(numbers, key=lambda v: (abs(v - self.target), v))
        return {
            "numbers": numbers,
            "count": len(numbers),
            "target": self.target,
            "distance": abs(closest - self.target),
            "closest": closest,
            "reached": closest == self.target,
            "moves_left": bool(self._mask.any()),
            "steps": self._steps,
            "max_steps": self.max_steps,
        }

    def reward_view_action(self, action: int) -> dict[str, Any]:
        """The action as reward code sees it (fields: :data:`COUNTDOWN_ACTION_FIELDS`), before the step.

        :param action: a flat action of the action space.
        """
        pair, op_index = divmod(int(action), len(OPERATORS))
        i, j = divmod(pair, self.n)
        a = self.values[i] if self.available[i] else 0
        b = self.values[j] if self.available[j] else 0
        op = OPERATORS[op_index]
        return {"a": a, "b": b, "op": op, "result": apply(op, a, b) if self._mask[int(action)] else None}

    def render_text(self) -> str | None:
        """The target and the numbers still available, with their expressions."""
        if self.problem is None:
            return None
        live = [f"{self.values[k]} = {self.expressions[k]}" for k in range(self.n) if self.available[k]]
        return f"target {self.target}: " + "; ".join(live)

    def _legal_moves(self) -> np.ndarray:
        """The action mask (what :func:`legal_moves` computes, with plain loops: faster for a few slots)."""
        mask = np.zeros(self.action_space.n, dtype=bool)
        values, available, n = self.values, self.available, self.n
        for i, j, k, op in self._moves:
            if available[i] and available[j]:
                a, b = values[i], values[j]
                if op == "+" or op == "*" or (op == "-" and a > b) or (op == "/" and a % b == 0):
                    mask[(i * n + j) * 4 + k] = True
        return mask

    def _observation(self) -> np.ndarray:
        obs = np.zeros(self.observation_space.shape, dtype=np.float32)
        target = self.target
        for k in range(self.n):
            if self.available[k]:
                value = self.values[k]
                obs[k * SLOT_FEATURES : (k + 1) * SLOT_FEATURES] = (
                    1.0,
                    min(value / target, 4.0) / 4.0,
                    min(np.log1p(value) / _LOG_SCALE, 1.0),
                    float(value == target),
                )
        obs[self.n * SLOT_FEATURES] = min(np.log1p(target) / _LOG_SCALE, 1.0)
        obs[self.n * SLOT_FEATURES + 1 :] = self._mask
        return obs

    def _info(self) -> dict[str, Any]:
        return {
            "problem_id": self.problem.id,  # type: ignore[union-attr]
            "action_mask": self._mask.copy(),
            "target": self.target,
            "numbers": [v for v, live in zip(self.values, self.available) if live],
        }
