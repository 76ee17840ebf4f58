"""EquationSolve as a native vector env: N equations stepped at once, masks and observations in numpy."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from mathgym.envs.classic.equation_solve.batch import TokenBatch, batch_action_mask, batch_encode
from mathgym.envs.classic.equation_solve.engine import (
    EQ,
    INT,
    NUM_FEATURES,
    NUM_RULES,
    RAT,
    RULE_NAMES,
    SWAP,
    Equation,
    Tokens,
    X,
    apply_rule,
    equation_of,
)
from mathgym.envs.classic.equation_solve.env import equation_view_spec
from mathgym.envs.classic.equation_solve.problems import (
    MixedLevelSource,
    equation_from_problem,
    format_answer,
)
from mathgym.envs.vector_base import ArrayVectorEnv
from mathgym.problem import Problem
from mathgym.sources.base import Source

_RULE_NAMES = np.array(RULE_NAMES, dtype=object)


class EquationSolveVectorEnv(ArrayVectorEnv):
    """``num_envs`` copies of :class:`~mathgym.envs.classic.equation_solve.env.EquationSolveEnv` at once.

    ## Description

    Sub-env ``i`` plays exactly what a single EquationSolve env seeded with ``seed + i`` plays: the same
    problems, rules, masks, observations and rewards (the default reward; pass the reward parameters, not a
    ``reward`` object). The equations are held as ``(num_envs, max_nodes)`` token columns
    (:class:`~mathgym.envs.classic.equation_solve.batch.TokenBatch`); every step derives the per-node columns,
    the action masks and the observations of all sub-envs with array operations, and applies each sub-env's
    rule by splicing its token tuple. Problems are generated per sub-env when it resets.

    ## Action Space

    ``MultiDiscrete([8 * max_nodes] * num_envs)``; masks in :meth:`action_masks` and ``info["action_mask"]``.

    ## Observation Space

    ``(num_envs, max_nodes * 22 + 8 * max_nodes)`` float32: the single env's observation per sub-env.

    ## Rewards

    As the single env's default: ``solve_reward`` for a verified solution, ``-step_cost`` per step,
    ``-invalid_penalty`` for an invalid action, and ``complexity_weight`` × nodes removed when that is set;
    the parts are in ``info["reward_components"]``.

    ## Starting State

    ``reset(seed=s)`` seeds sub-env ``i`` with ``s + i``; ``options={"reset_mask": mask}`` resets only some.

    ## Episode End

    As the single env: terminated on ``x = <number>``, truncated after ``max_moves``. ``info["is_success"]``,
    ``info["equation"]`` and ``info["moves"]`` are set (with their ``_`` masks) for sub-envs whose episode
    ended. With ``autoreset_mode=NEXT_STEP`` (default) a finished sub-env resets on its next step; with
    ``DISABLED`` it ignores its actions until ``reset(options={"reset_mask": mask})``.

    ## Arguments

    :param num_envs: number of sub-envs.
    :param levels: ``LinearEquation`` levels (ignored when ``source`` is given).
    :param source: a :class:`~mathgym.sources.base.Source` of equation problems shared by all sub-envs.
    :param seed: seed of the default source's problem stream.
    :param max_moves: actions before truncation.
    :param max_nodes: node slots of the observation.
    :param solve_reward: reward for a verified solution.
    :param step_cost: cost of every action.
    :param invalid_penalty: extra cost of an invalid action.
    :param complexity_weight: weight of the complexity-decrease shaping.
    :param autoreset_mode: ``AutoresetMode.NEXT_STEP`` or ``AutoresetMode.DISABLED``.

    ## Example

    >>> import gymnasium as gym
    >>> envs = gym.make_vec("mathgym/EquationSolve-v0", num_envs=64, vectorization_mode="vector_entry_point")
    >>> obs, info = envs.reset(seed=0)
    >>> obs.shape, info["action_mask"].shape
    ((64, 960), (64, 256))
    """

    def __init__(
        self,
        num_envs: int = 64,
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
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_envs, autoreset_mode, kwargs)
        if max_moves < 1 or max_nodes < 8:
            raise ValueError(f"need max_moves >= 1 and max_nodes >= 8, got {max_moves}, {max_nodes}")
        self.source = source if source is not None else MixedLevelSource(levels, seed=seed)
        self.max_moves, self.max_nodes = max_moves, max_nodes
        self.solve_reward, self.step_cost, self.invalid_penalty = (
            float(solve_reward),
            float(step_cost),
            float(invalid_penalty),
        )
        self.complexity_weight = float(complexity_weight)
        self.reward_view_spec = equation_view_spec(
            solve_reward, step_cost, invalid_penalty, complexity_weight
        )
        self.single_action_space = spaces.Discrete(NUM_RULES * max_nodes)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.single_observation_space = spaces.Box(
            -1.0, 1.0, (max_nodes * NUM_FEATURES + NUM_RULES * max_nodes,), dtype=np.float32
        )
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._batch = TokenBatch(num_envs, max_nodes)
        self._tokens: list[Tokens] = [((EQ, 2, 0, 1), (X, 0, 0, 1), (INT, 0, 0, 1))] * num_envs
        self._batch.write(range(num_envs), self._tokens)
        self.problems: list[Problem | None] = [None] * num_envs
        self._problem_ids = np.full(num_envs, None, dtype=object)
        self._levels = np.full(num_envs, None, dtype=object)
        self._moves = np.zeros(num_envs, dtype=np.int64)
        self._last_rule = np.full(num_envs, -1, dtype=np.int64)
        self._obs = np.zeros((num_envs, self.single_observation_space.shape[0]), dtype=np.float32)
        self._nodes = self._obs[:, : max_nodes * NUM_FEATURES].reshape(num_envs, max_nodes, NUM_FEATURES)
        self._mask = np.zeros((num_envs, NUM_RULES * max_nodes), dtype=bool)
        self._columns = self._batch.analyze()

    # -- Gymnasium vector API ------------------------------------------------------------------------------

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        rows, _ = self._reset_rows(seed, options)
        self._start(rows)
        self._refresh()
        return self._obs.copy(), self._reset_info()

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = self._check_actions(actions)
        B, M = self.num_envs, self.max_nodes
        rewards = np.zeros(B)
        terminated = np.zeros(B, dtype=bool)
        truncated = np.zeros(B, dtype=bool)
        restart = self._restarting()
        self._start(restart)
        stepping = ~self._done
        stepping[restart] = False
        rows = np.flatnonzero(stepping)
        rule, node = np.divmod(actions, M)
        valid = np.zeros(B, dtype=bool)
        valid[rows] = self._mask[rows, actions[rows]]
        before = self._batch.n.copy()
        columns = self._columns
        changed: list[int] = []
        for b in np.flatnonzero(valid):
            tokens = apply_rule(columns.row_view(b, self._tokens[b]), int(rule[b]), int(node[b]))  # type: ignore[arg-type]
            if len(tokens) <= M:
                self._tokens[b] = tokens
                changed.append(b)
                self._last_rule[b] = rule[b]
            else:  # the mask's growth bounds exclude this; stay safe if a bound is ever too tight
                valid[b] = False
        self._batch.write(changed, [self._tokens[b] for b in changed])
        self._moves[rows] += 1
        kind, n = self._batch.kind, self._batch.n
        solved = stepping & (n == 3) & (kind[:, 1] == X) & ((kind[:, 2] == INT) | (kind[:, 2] == RAT))
        terminated[:] = solved
        truncated[:] = stepping & ~solved & (self._moves >= self.max_moves)
        ended = terminated | truncated
        correct = np.zeros(B, dtype=bool)
        verdicts: dict[int, dict[str, Any]] = {}
        for b in np.flatnonzero(solved):
            value = self._tokens[b][2]
            verdict = self._verify(b, format_answer(Fraction(value[2], value[3])))
            correct[b] = verdict["correct"]
            verdicts[int(b)] = verdict
        # the default reward, summed in the order of its WeightedSum so that the floats are the single env's
        solved_part = np.where(ended & correct, self.solve_reward, 0.0)
        step_part = np.full(B, -self.step_cost if self.step_cost else 0.0)
        invalid_part = np.where(valid, 0.0, -self.invalid_penalty if self.invalid_penalty else 0.0)
        total = 0.0 + 1.0 * solved_part
        total = total + 1.0 * step_part
        total = total + 1.0 * invalid_part
        components = {"solved": solved_part, "step_penalty": step_part, "invalid_action": invalid_part}
        if self.complexity_weight:
            decrease = self.complexity_weight * (before - self._batch.n).astype(np.float64)
            components["complexity_decrease"] = decrease
            total = total + 1.0 * decrease
        components["total"] = total
        rewards[rows] = total[rows]
        self._done |= ended
        self._autoreset = ended.copy()
        self._refresh()
        info = self._step_info(rows, valid, rule, node, components, ended, correct, verdicts)
        return self._obs.copy(), rewards, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """Valid actions per sub-env, ``(num_envs, 8 * max_nodes)`` (read by sb3-contrib's MaskablePPO)."""
        return self._mask.copy()

    def equation(self, i: int) -> Equation:
        """Sub-env ``i``'s current equation (the single env's ``info["equation_tree"]``).

        :param i: sub-env index.
        """
        return equation_of(self._tokens[i])

    # -- internals -----------------------------------------------------------------------------------------

    def _start(self, rows: Sequence[int] | np.ndarray) -> None:
        """Draw a new problem for each sub-env in ``rows``."""
        for b in rows:
            b = int(b)
            problem = self.source.sample(self._rng(b))
            tree = equation_from_problem(problem)
            if not tree.has_x[0]:
                raise ValueError(f"the equation {tree.text()} does not contain the unknown x")
            if tree.n > self.max_nodes:
                raise ValueError(
                    f"the equation {tree.text()} has {tree.n} nodes but max_nodes is {self.max_nodes}: "
                    "raise max_nodes"
                )
            self.problems[b] = problem
            self._problem_ids[b] = problem.id
            self._levels[b] = problem.meta.get("level")
            self._tokens[b] = tree.tokens
            self._moves[b] = 0
            self._last_rule[b] = -1
            self._done[b] = False
            self._autoreset[b] = False
        self._batch.write(rows, [self._tokens[int(b)] for b in rows])

    def _refresh(self) -> None:
        self._columns = self._batch.analyze()
        self._mask = batch_action_mask(self._batch, self._columns, self._last_rule != SWAP, self._tokens)
        batch_encode(self._batch, self._columns, self._nodes)
        self._obs[:, self._nodes.shape[1] * NUM_FEATURES :] = self._mask

    def _verify(self, b: int, answer: str) -> dict[str, Any]:
        from mathgym import verify  # the verifier loads sympy parsers: import it on first use

        return verify(answer, self.problems[b]).to_dict()

    def _reset_info(self) -> dict[str, Any]:
        every = np.ones(self.num_envs, dtype=bool)
        return {
            "problem_id": self._problem_ids.copy(),
            "_problem_id": every,
            "action_mask": self._mask.copy(),
            "_action_mask": every,
            "level": self._levels.copy(),
            "_level": every.copy(),
        }

    def _step_info(
        self,
        rows: np.ndarray,
        valid: np.ndarray,
        rule: np.ndarray,
        node: np.ndarray,
        components: dict[str, np.ndarray],
        ended: np.ndarray,
        correct: np.ndarray,
        verdicts: dict[int, dict[str, Any]],
    ) -> dict[str, Any]:
        info = self._reset_info()
        stepped = np.zeros(self.num_envs, dtype=bool)
        stepped[rows] = True
        info.update(
            rule=_RULE_NAMES[rule],
            _rule=stepped,
            node=node,
            _node=stepped.copy(),
            valid=valid,
            _valid=stepped.copy(),
        )
        info["reward_components"] = {**components, **{f"_{k}": stepped.copy() for k in components}}
        info["_reward_components"] = stepped.copy()
        if ended.any():
            equations = np.full(self.num_envs, None, dtype=object)
            verdict_cols = {
                "correct": np.zeros(self.num_envs, dtype=bool),
                "score": np.zeros(self.num_envs),
                "extracted": np.full(self.num_envs, None, dtype=object),
                "reason": np.full(self.num_envs, None, dtype=object),
            }
            for b in np.flatnonzero(ended):
                equations[b] = equation_of(self._tokens[b]).text()
                verdict = verdicts.get(
                    int(b), {"correct": False, "score": 0.0, "extracted": None, "reason": "unsolved"}
                )
                for key, column in verdict_cols.items():
                    column[b] = verdict[key]
            info.update(
                equation=equations,
                _equation=ended.copy(),
                is_success=correct & ended,
                _is_success=ended.copy(),
                moves=np.where(ended, self._moves, 0),
                _moves=ended.copy(),
            )
            info["verdict"] = {**verdict_cols, **{f"_{k}": ended.copy() for k in verdict_cols}}
            info["_verdict"] = ended.copy()
        return info
