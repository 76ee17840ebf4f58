"""Countdown as a native vector env: N puzzles stepped at once, legal moves and observations in numpy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from mathgym.envs.classic.countdown.env import (
    _LOG_SCALE,
    SLOT_FEATURES,
    action_tables,
    countdown_view_spec,
    legal_moves,
)
from mathgym.envs.classic.countdown.game import OPERATORS, CountdownSource, verify_countdown_problem
from mathgym.envs.vector_base import ArrayVectorEnv
from mathgym.problem import Problem
from mathgym.sources.base import Source


class CountdownVectorEnv(ArrayVectorEnv):
    """``num_envs`` copies of :class:`~mathgym.envs.classic.countdown.env.CountdownEnv` stepped together.

    ## Description

    Sub-env ``i`` plays what a single Countdown env seeded with ``seed + i`` plays (same problems, moves,
    observations and default rewards). Slot values and availability are ``(num_envs, n)`` arrays; a step
    combines the chosen slots of every sub-env and computes all legal moves and observations with array
    operations. The expressions behind the numbers are kept per sub-env for the verifier, which checks every
    reached target as in the single env.

    ## Action Space

    ``MultiDiscrete([n * n * 4] * num_envs)``; masks in :meth:`action_masks` and ``info["action_mask"]``.

    ## Observation Space

    ``(num_envs, n * 4 + 1 + n * n * 4)`` float32: the single env's observation per sub-env.

    ## Rewards

    ``solve_reward`` when the target is reached and verified, ``-invalid_penalty`` for an invalid action
    (parts in ``info["reward_components"]``).

    ## Starting State

    ``reset(seed=s)`` seeds sub-env ``i`` with ``s + i``; ``options={"reset_mask": mask}`` resets only some.

    ## Episode End

    As the single env; ``info["is_success"]`` and ``info["verdict"]`` (masked) for sub-envs whose episode
    ended. ``autoreset_mode``: ``NEXT_STEP`` (default) or ``DISABLED``.

    ## Arguments

    :param num_envs: number of sub-envs.
    :param n_numbers: numbers per problem (default source).
    :param max_number: largest given number (default source).
    :param max_target: largest target (default source).
    :param source: a :class:`~mathgym.sources.base.Source` of Countdown problems shared by all sub-envs.
    :param seed: seed of the default source's problem stream.
    :param max_steps: actions before truncation (default ``4 * n_numbers``).
    :param solve_reward: reward for reaching the target.
    :param invalid_penalty: cost of an invalid action.
    :param autoreset_mode: ``AutoresetMode.NEXT_STEP`` or ``AutoresetMode.DISABLED``.

    ## Example

    >>> import gymnasium as gym
    >>> envs = gym.make_vec("mathgym/Countdown-v0", num_envs=64, vectorization_mode="vector_entry_point")
    >>> obs, info = envs.reset(seed=0)
    >>> obs.shape, info["action_mask"].shape
    ((64, 81), (64, 64))
    """

    def __init__(
        self,
        num_envs: int = 64,
        n_numbers: int = 4,
        *,
        max_number: int = 50,
        max_target: int = 200,
        source: Source | None = None,
        seed: int = 0,
        max_steps: int | None = None,
        solve_reward: float = 1.0,
        invalid_penalty: float = 0.1,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_envs, autoreset_mode, kwargs)
        self.n = n_numbers
        self.source = (
            source
            if source is not None
            else CountdownSource(n_numbers, max_number=max_number, max_target=max_target, seed=seed)
        )
        self.max_steps = max_steps or 4 * n_numbers
        self.solve_reward, self.invalid_penalty = float(solve_reward), float(invalid_penalty)
        self.reward_view_spec = countdown_view_spec(solve_reward, invalid_penalty)
        n_actions = self.n * self.n * len(OPERATORS)
        self.single_action_space = spaces.Discrete(n_actions)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.single_observation_space = spaces.Box(
            0.0, 1.0, (self.n * SLOT_FEATURES + 1 + n_actions,), dtype=np.float32
        )
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._tables = action_tables(self.n)
        self.values = np.zeros((num_envs, self.n), dtype=np.int64)
        self.available = np.zeros((num_envs, self.n), dtype=bool)
        self.target = np.ones(num_envs, dtype=np.int64)
        self.expressions: list[list[str]] = [[""] * self.n for _ in range(num_envs)]
        self.problems: list[Problem | None] = [None] * num_envs
        self._problem_ids = np.full(num_envs, None, dtype=object)
        self._steps = np.zeros(num_envs, dtype=np.int64)
        self._mask = np.zeros((num_envs, n_actions), dtype=bool)

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        rows, _ = self._reset_rows(seed, options)
        self._start(rows)
        self._mask = legal_moves(self.values, self.available, self._tables)
        return self._observation(), self._info()

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = self._check_actions(actions)
        B = self.num_envs
        restart = self._restarting()
        self._start(restart)
        stepping = ~self._done
        stepping[restart] = False
        rows = np.flatnonzero(stepping)
        i, j, op = (table[actions] for table in self._tables)
        valid = np.zeros(B, dtype=bool)
        valid[rows] = self._mask[rows, actions[rows]]
        moved = np.flatnonzero(valid)
        if moved.size:
            a, b = self.values[moved, i[moved]], self.values[moved, j[moved]]
            o = op[moved]
            result = np.select([o == 0, o == 1, o == 2], [a + b, a - b, a * b], a // np.maximum(b, 1))
            self.values[moved, i[moved]] = result
            self.values[moved, j[moved]] = 0
            self.available[moved, j[moved]] = False
            for k in moved:
                expressions = self.expressions[k]
                expressions[i[k]] = f"({expressions[i[k]]} {OPERATORS[op[k]]} {expressions[j[k]]})"
                expressions[j[k]] = ""
            self._mask[moved] = legal_moves(self.values[moved], self.available[moved], self._tables)
        self._steps[rows] += 1
        hit = self.available & (self.values == self.target[:, None])
        reached = stepping & hit.any(1)
        terminated = reached | (stepping & ~self._mask.any(1))
        truncated = stepping & ~terminated & (self._steps >= self.max_steps)
        ended = terminated | truncated
        correct = np.zeros(B, dtype=bool)
        verdicts: dict[int, dict[str, Any]] = {}
        for k in np.flatnonzero(reached):
            slot = int(np.argmax(hit[k]))
            verdict = verify_countdown_problem(self.expressions[k][slot], self.problems[k], extract=False)
            verdicts[int(k)] = verdict.to_dict()
            correct[k] = bool(verdict)
        # the default reward, summed in the order of its WeightedSum so that the floats are the single env's
        solved_part = np.where(ended & correct, self.solve_reward, 0.0)
        invalid_part = np.where(valid, 0.0, -self.invalid_penalty if self.invalid_penalty else 0.0)
        total = 0.0 + 1.0 * solved_part
        total = total + 1.0 * invalid_part
        rewards = np.where(stepping, total, 0.0)
        self._done |= ended
        self._autoreset = ended.copy()
        info = self._info()
        info.update(valid=valid, _valid=stepping.copy())
        info["reward_components"] = {
            "solved": solved_part,
            "_solved": stepping.copy(),
            "invalid_action": invalid_part,
            "_invalid_action": stepping.copy(),
            "total": total,
            "_total": stepping.copy(),
        }
        info["_reward_components"] = stepping.copy()
        if ended.any():
            columns = {
                "correct": np.zeros(B, dtype=bool),
                "score": np.zeros(B),
                "extracted": np.full(B, None, dtype=object),
                "reason": np.full(B, None, dtype=object),
            }
            for k in np.flatnonzero(ended):
                verdict = verdicts.get(  # type: ignore[assignment]
                    int(k),
                    {"correct": False, "score": 0.0, "extracted": None, "reason": "target_not_reached"},
                )
                for key, column in columns.items():
                    column[k] = verdict[key]  # type: ignore[index]
            info.update(is_success=correct & ended, _is_success=ended.copy())
            info["verdict"] = {**columns, **{f"_{key}": ended.copy() for key in columns}}
            info["_verdict"] = ended.copy()
        return self._observation(), rewards, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """Valid actions per sub-env, ``(num_envs, n * n * 4)`` (sb3-contrib's ``MaskablePPO`` convention)."""
        return self._mask.copy()

    def _start(self, rows: Sequence[int] | np.ndarray) -> None:
        for k in rows:
            k = int(k)
            problem = self.source.sample(self._rng(k))
            numbers = [int(v) for v in problem.meta["numbers"]]
            if len(numbers) > self.n:
                raise ValueError(
                    f"problem {problem.id} has {len(numbers)} numbers; this env has {self.n} slots"
                )
            self.problems[k] = problem
            self._problem_ids[k] = problem.id
            self.target[k] = int(problem.meta["target"])
            self.values[k] = 0
            self.values[k, : len(numbers)] = numbers
            self.available[k] = False
            self.available[k, : len(numbers)] = True
            self.expressions[k] = [str(v) for v in numbers] + [""] * (self.n - len(numbers))
            self._steps[k] = 0
            self._done[k] = False
            self._autoreset[k] = False
        if len(rows):
            rows = np.asarray(rows, dtype=np.int64)
            self._mask[rows] = legal_moves(self.values[rows], self.available[rows], self._tables)

    def _observation(self) -> np.ndarray:
        B, n = self.num_envs, self.n
        obs = np.zeros((B, self.single_observation_space.shape[0]), dtype=np.float32)  # type: ignore[index]
        values = self.values.astype(np.float64)
        target = self.target[:, None]
        slots = obs[:, : n * SLOT_FEATURES].reshape(B, n, SLOT_FEATURES)
        slots[..., 0] = 1.0
        slots[..., 1] = np.minimum(values / target, 4.0) / 4.0
        slots[..., 2] = np.minimum(np.log1p(values) / _LOG_SCALE, 1.0)
        slots[..., 3] = self.values == target
        slots[~self.available] = 0.0
        obs[:, n * SLOT_FEATURES] = np.minimum(np.log1p(self.target) / _LOG_SCALE, 1.0)
        obs[:, n * SLOT_FEATURES + 1 :] = self._mask
        return obs

    def _info(self) -> dict[str, Any]:
        every = np.ones(self.num_envs, dtype=bool)
        numbers = np.empty(self.num_envs, dtype=object)
        for k, (row, keep) in enumerate(zip(self.values, self.available)):
            numbers[k] = row[keep].tolist()
        return {
            "problem_id": self._problem_ids.copy(),
            "_problem_id": every,
            "action_mask": self._mask.copy(),
            "_action_mask": every.copy(),
            "target": self.target.copy(),
            "_target": every.copy(),
            "numbers": numbers,
            "_numbers": every.copy(),
        }
