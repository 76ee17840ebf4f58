"""SymbolicRegression as a native vector env: N expressions built and scored at once in numpy."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from mathgym.envs.classic.symbolic_regression.env import draw_data, fit_errors
from mathgym.envs.classic.symbolic_regression.nguyen import Benchmark, get_benchmark
from mathgym.envs.classic.symbolic_regression.recovery import SCREEN_NMSE, RecoveryChecker
from mathgym.envs.classic.symbolic_regression.tokens import (
    _BINARY,
    _UNARY,
    TRIG,
    Constraints,
    TokenLibrary,
    evaluate_prefix,
    prefix_to_infix,
)
from mathgym.envs.vector_base import ArrayVectorEnv


class SymbolicRegressionVectorEnv(ArrayVectorEnv):
    """``num_envs`` copies of :class:`~mathgym.envs.classic.symbolic_regression.env.SymbolicRegressionEnv`
    stepped together in array code.

    ## Description

    Every sub-env builds one expression in prefix order, as the single env does, with the same tokens,
    constraints (masks), observation and rewards. The state of all sub-envs is held in arrays: the tokens
    so far ``(num_envs, max_length)``, the open-slot count, and a stack of open operators per sub-env. A
    step appends N tokens at once; when a subtree is completed its value on the data points is computed
    right away, for all sub-envs that completed a subtree with the same operator in one numpy call, so a
    finished expression is already evaluated (libraries with a ``const`` token fit constants with BFGS per
    finished expression instead).

    ## Action Space

    ``MultiDiscrete([n] * num_envs)`` with ``n`` tokens (``single_action_space`` is ``Discrete(n)``).
    Valid tokens: :meth:`action_masks` (``(num_envs, n)``) and ``info["action_mask"]``.

    ## Observation Space

    ``(num_envs, 4)`` int64: per sub-env the single env's (parent, sibling, open slots, position).

    ## Rewards

    As the single env: 0 until the expression is complete, then ``1 / (1 + NRMSE)`` on the training
    points (0 for a non-finite expression or an invalid token).

    ## Starting State

    Empty expressions. Sub-env ``i`` draws its data points like a single env reset with seed ``seed + i``
    (``reset(seed=seed)``), or all share ``data_seed``.

    ## Episode End

    A sub-env terminates when its expression is complete or on an invalid token; ``info["is_success"]``
    (masked by ``info["_is_success"]``) is the symbolic recovery of the target. With the default
    ``autoreset_mode=NEXT_STEP`` a finished sub-env starts a new expression on the next step (its action
    is ignored), as Gymnasium's vector envs do. With ``DISABLED`` a finished sub-env ignores its actions
    until ``reset(options={"reset_mask": mask})`` restarts it (DSO samples one batch of expressions so).

    ## Arguments

    :param num_envs: number of sub-envs.
    :param benchmark: a benchmark name (``"Nguyen-1"`` ...) or a :class:`Benchmark`.
    :param max_length: most tokens per expression.
    :param constants: add a ``const`` token (fitted by BFGS per finished expression).
    :param data_seed: one fixed dataset for every sub-env (otherwise drawn per sub-env from its seed).
    :param constraints: override the constraint set (its ``max_length`` is replaced by ``max_length``).
    :param autoreset_mode: ``AutoresetMode.NEXT_STEP`` (default) or ``AutoresetMode.DISABLED``.
    :param check_recovery: decide ``is_success`` by symbolic equivalence (False: by the NMSE screen alone).

    ## Example

    >>> import gymnasium as gym
    >>> envs = gym.make_vec("mathgym/SymbolicRegression-Nguyen1-v0", num_envs=256,
    ...                     vectorization_mode="vector_entry_point")
    >>> obs, info = envs.reset(seed=0)
    >>> obs.shape, info["action_mask"].shape
    ((256, 4), (256, 9))
    """

    def __init__(
        self,
        num_envs: int = 64,
        benchmark: str | Benchmark = "Nguyen-1",
        *,
        max_length: int = 64,
        constants: bool = False,
        data_seed: int | None = None,
        constraints: Constraints | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        check_recovery: bool = True,
    ) -> None:
        super().__init__(num_envs, autoreset_mode)
        self.benchmark = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
        self.library = TokenLibrary(self.benchmark.functions, self.benchmark.n_variables, constants)
        self.constraints = dataclasses.replace(constraints or Constraints(), max_length=max_length)
        self.max_length = max_length
        self.fixed_data_seed = data_seed
        self.check_recovery = check_recovery
        library = self.library
        n = len(library)
        self.token_names = library.names
        self.single_action_space = spaces.Discrete(n)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.single_observation_space = spaces.MultiDiscrete([n + 1, n + 1, max_length + 1, max_length + 1])
        self.observation_space = batch_space(self.single_observation_space, num_envs)

        # token tables
        self._arity = np.array(library.arities, dtype=np.int64)
        self._trig = np.array([name in TRIG for name in library.names])
        self._is_var = np.array([library.is_variable(t) for t in range(n)])
        self._var = np.array(
            [int(name[1:]) - 1 if library.is_variable(t) else 0 for t, name in enumerate(library.names)]
        )
        self._const = library.index("const") if constants else -1
        self._exp = library.names.index("exp") if "exp" in library.names else -1
        self._log = library.names.index("log") if "log" in library.names else -1
        self._none = library.none
        self._functions = [(_BINARY.get(name) or _UNARY.get(name)) for name in library.names]
        self._evaluate = not constants  # constants are fitted per expression, after it is complete

        # state: tokens, open slots, and a stack of open operators per sub-env
        L = max_length
        self._tokens = np.zeros((num_envs, L), dtype=np.int64)
        self._length = np.zeros(num_envs, dtype=np.int64)
        self._open = np.ones(num_envs, dtype=np.int64)
        self._trig_depth = np.zeros(num_envs, dtype=np.int64)
        self._sp = np.zeros(num_envs, dtype=np.int64)
        # open operators, innermost last: (token, filled slots, first child's token, second child's token)
        self._frames = np.zeros((num_envs, L, 4), dtype=np.int64)
        # whether a frame's subtree / first child contains a variable (only the const constraint reads them)
        self._track_vars = constants
        self._f_first_var = np.zeros((num_envs, L), dtype=bool)
        self._f_has_var = np.zeros((num_envs, L), dtype=bool)
        self._rows = np.arange(num_envs)
        self._mask = np.zeros((num_envs, n), dtype=bool)
        # data: training then test points in one row per sub-env
        b = self.benchmark
        self._n_train, self._n_test = b.train.n, b.test.n
        points = self._n_train + self._n_test
        self._X = np.zeros((num_envs, points, b.n_variables))
        self._y = np.zeros((num_envs, points))
        self._data_seed = np.full(num_envs, -1, dtype=np.int64)
        # values of the filled slots, one row per (sub-env, frame, slot): flat rows make the gathers cheap
        self._f_value = np.zeros((num_envs * L * 2, points)) if self._evaluate else None
        self._XT = np.zeros((num_envs * b.n_variables, points))  # the inputs, one row per (sub-env, variable)
        # the last finished expression of every sub-env (for expression())
        self._final_tokens = np.zeros((num_envs, L), dtype=np.int64)
        self._final_length = np.zeros(num_envs, dtype=np.int64)
        self._final_constants: dict[int, tuple[float, ...]] = {}
        self._recovers = RecoveryChecker(self.benchmark, library)

    # -- data --------------------------------------------------------------------------------------------

    def _draw(self, i: int, data_seed: int) -> None:
        X_train, y_train, X_test, y_test = draw_data(self.benchmark, data_seed)
        self._X[i, : self._n_train], self._X[i, self._n_train :] = X_train, X_test
        self._y[i, : self._n_train], self._y[i, self._n_train :] = y_train, y_test
        V = self.benchmark.n_variables
        self._XT[i * V : (i + 1) * V] = self._X[i].T
        self._data_seed[i] = data_seed

    def task_spec(self, i: int = 0) -> dict[str, Any]:
        """The benchmark spec and sub-env ``i``'s data seed (as the single env's ``info["spec"]``).

        :param i: sub-env index.
        """
        return {
            **self.benchmark.spec(),
            "data_seed": int(self._data_seed[i]),
            "max_length": self.max_length,
            "constants": self.library.constants,
            "recovery": "symbolic",
            "screen_nmse": SCREEN_NMSE,
        }

    def data(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(X_train, y_train, X_test, y_test)`` of sub-env ``i``.

        :param i: sub-env index.
        """
        t = self._n_train
        return self._X[i, :t], self._y[i, :t], self._X[i, t:], self._y[i, t:]

    # -- Gymnasium vector API ------------------------------------------------------------------------------

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        rows, seeds = self._reset_rows(seed, options)
        for i in rows:
            # sub-env i draws its data as a single env reset with seed seeds[i] would
            if self.fixed_data_seed is not None:
                if self._data_seed[i] != self.fixed_data_seed:
                    self._draw(i, self.fixed_data_seed)
            elif seeds[i] is not None or self._data_seed[i] < 0:
                self._draw(i, int(self._rng(i).integers(2**31)))
        which = np.zeros(self.num_envs, dtype=bool)
        which[rows] = True
        self._clear(which)
        self._autoreset[which] = False
        self._update_mask()
        return self._observation(), {
            "action_mask": self._mask.copy(),
            "_action_mask": np.ones(self.num_envs, bool),
        }

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = self._check_actions(actions)
        rewards = np.zeros(self.num_envs)
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = np.zeros(self.num_envs, dtype=bool)
        restart = np.zeros_like(self._done)
        restart[self._restarting()] = True
        if restart.any():
            self._clear(restart)
        active = ~self._done & ~restart
        rows = np.flatnonzero(active)
        chosen = actions[rows]
        valid = self._mask[rows, chosen]
        info: dict[str, Any] = {}
        bad = rows[~valid]
        if bad.size:  # an invalid token ends the episode with reward 0
            self._done[bad] = True
            self._open[bad] = 0
            self._sp[bad] = 0
            terminated[bad] = True
            self._put(info, "invalid_action", bad, True)
            self._put(info, "is_success", bad, False)
        finished, values = self._append(rows[valid], chosen[valid])
        if finished.size:
            self._score(finished, values, rewards, info)
            terminated[finished] = True
        self._autoreset = terminated | truncated
        self._update_mask()
        info["action_mask"] = self._mask.copy()
        info["_action_mask"] = np.ones(self.num_envs, dtype=bool)
        return self._observation(), rewards, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """Valid tokens per sub-env, ``(num_envs, n)`` (sb3-contrib's ``MaskablePPO`` convention)."""
        return self._mask.copy()

    def expression(self, i: int) -> str:
        """The last finished expression of sub-env ``i`` in infix form (``""`` before the first one).

        :param i: sub-env index.
        """
        tokens = [int(t) for t in self._final_tokens[i, : self._final_length[i]]]
        return prefix_to_infix(tokens, self.library, self._final_constants.get(i, ())) if tokens else ""

    def tokens(self, i: int) -> list[int]:
        """The tokens of sub-env ``i`` so far (its current expression).

        :param i: sub-env index.
        """
        return [int(t) for t in self._tokens[i, : self._length[i]]]

    # -- internals -----------------------------------------------------------------------------------------

    def _clear(self, which: np.ndarray) -> None:
        self._length[which] = 0
        self._open[which] = 1
        self._done[which] = False
        self._trig_depth[which] = 0
        self._sp[which] = 0

    def _append(self, rows: np.ndarray, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:  # noqa: C901  (vectorised over rows, one branch per token kind)
        """Append ``tokens[k]`` to sub-env ``rows[k]``; returns the sub-envs whose expression is now complete,
        with their values on the data points (``None`` when constants are fitted later)."""
        empty = np.zeros(0, dtype=np.int64)
        if not rows.size:
            return empty, None
        self._tokens[rows, self._length[rows]] = tokens
        self._length[rows] += 1
        arity = self._arity[tokens]
        self._open[rows] += arity - 1
        op = arity > 0
        frames = self._frames
        if op.any():  # an operator opens a frame with `arity` empty slots
            r, t = rows[op], tokens[op]
            top = self._sp[r]
            frames[r, top, 0] = t
            frames[r, top, 1] = 0
            if self._track_vars:
                self._f_has_var[r, top] = False
            self._sp[r] += 1
            self._trig_depth[r] += self._trig[t]
        cur, root = rows[~op], tokens[~op]
        if not cur.size:
            return empty, None
        has_var = self._is_var[root] if self._track_vars else None
        value = self._XT[cur * self.benchmark.n_variables + self._var[root]] if self._evaluate else None
        slots = self.max_length * 2
        finished: list[np.ndarray] = []
        values: list[np.ndarray] = []
        # a completed subtree fills its parent's next slot; a parent whose slots are all filled completes too
        with np.errstate(all="ignore"):
            while cur.size:
                top = self._sp[cur] - 1
                at_root = top < 0
                if at_root.any():
                    finished.append(cur[at_root])
                    keep = ~at_root
                    if value is not None:
                        values.append(value[at_root])
                        value = value[keep]
                    cur, root, top = cur[keep], root[keep], top[keep]
                    if has_var is not None:
                        has_var = has_var[keep]
                    if not cur.size:
                        break
                frame = frames[cur, top]
                filled = frame[:, 1]
                frames[cur, top, 2 + filled] = root  # the child's token: slot 0 is the next token's sibling
                if has_var is not None:
                    first = filled == 0
                    self._f_first_var[cur[first], top[first]] = has_var[first]
                if has_var is not None:
                    self._f_has_var[cur, top] |= has_var
                if value is not None:
                    self._f_value[cur * slots + top * 2 + filled] = value  # type: ignore[index]
                filled += 1
                frames[cur, top, 1] = filled
                complete = filled == self._arity[frame[:, 0]]
                cur, top, root = cur[complete], top[complete], frame[complete, 0]
                if not cur.size:
                    break
                self._sp[cur] -= 1
                self._trig_depth[cur] -= self._trig[root]
                if has_var is not None:
                    has_var = self._f_has_var[cur, top]
                if value is not None:  # one numpy call per operator, on the sub-envs sorted by operator
                    order = np.argsort(root, kind="stable")
                    cur, top, root = cur[order], top[order], root[order]
                    if has_var is not None:
                        has_var = has_var[order]
                    base = cur * slots + top * 2
                    left, right = self._f_value[base], self._f_value[base + 1]  # type: ignore[index]
                    value = np.empty_like(left)
                    starts = np.flatnonzero(np.r_[True, root[1:] != root[:-1]])
                    for a, b in zip(starts, [*starts[1:], root.size]):
                        token = root[a]
                        fn = self._functions[token]
                        value[a:b] = fn(left[a:b], right[a:b]) if self._arity[token] == 2 else fn(left[a:b])
        done = np.concatenate(finished) if len(finished) > 1 else finished[0] if finished else empty
        self._done[done] = True
        return done, (np.concatenate(values) if len(values) > 1 else values[0] if values else None)

    def _score(
        self, rows: np.ndarray, values: np.ndarray | None, rewards: np.ndarray, info: dict[str, Any]
    ) -> None:
        t = self._n_train
        constants: list[tuple[float, ...]] = [()] * rows.size
        if values is None:  # fit constants and evaluate expression by expression
            values = np.empty((rows.size, self._y.shape[1]))
            for k, i in enumerate(rows):
                tokens = self.tokens(i)
                constants[k] = tuple(self._fit_constants(i, tokens))
                with np.errstate(all="ignore"):
                    values[k] = evaluate_prefix(tokens, self.library, self._X[i], constants[k])
        reward, nrmse, nmse_test = fit_errors(
            values[:, :t], self._y[rows, :t], values[:, t:], self._y[rows, t:]
        )
        rewards[rows] = reward
        success = nmse_test < SCREEN_NMSE
        for k in np.flatnonzero(success):  # rare: decide symbolically
            if self.check_recovery:
                success[k] = self._recovers(self.tokens(rows[k]), constants[k])
        self._final_tokens[rows] = self._tokens[rows]
        self._final_length[rows] = self._length[rows]
        if self._const >= 0:
            self._final_constants.update(zip(rows.tolist(), constants))
        self._put(info, "is_success", rows, success)
        self._put(info, "nrmse", rows, nrmse)
        self._put(info, "nmse_test", rows, nmse_test)

    def _fit_constants(self, i: int, tokens: list[int]) -> list[float]:
        n_const = tokens.count(self._const)
        if not n_const:
            return []
        from scipy.optimize import minimize

        X_train, y_train, _, _ = self.data(i)

        def loss(c: np.ndarray) -> float:
            value = float(np.mean((evaluate_prefix(tokens, self.library, X_train, c) - y_train) ** 2))
            return value if np.isfinite(value) else 1e30

        return [float(v) for v in minimize(loss, np.ones(n_const), method="BFGS").x]

    def _put(self, info: dict[str, Any], key: str, rows: np.ndarray, values: Any) -> None:
        if key not in info:
            dtype = np.float64 if key in ("nrmse", "nmse_test") else bool
            info[key] = np.zeros(self.num_envs, dtype=dtype)
            info[f"_{key}"] = np.zeros(self.num_envs, dtype=bool)
        info[key][rows] = values
        info[f"_{key}"][rows] = True

    def _update_mask(self) -> None:
        c = self.constraints
        length, open_, sp = self._length, self._open, self._sp
        mask = self._arity[None, :] <= (c.max_length - length - open_)[:, None]
        if c.min_length > 1:
            short = (open_ == 1) & (length + 1 < c.min_length)
            mask[short] &= self._arity > 0  # a terminal here would finish the expression too short
        if c.no_nested_trig:
            mask[self._trig_depth > 0] &= ~self._trig
        has_frame = sp > 0
        top = np.maximum(sp - 1, 0)
        frame = np.where(has_frame, self._frames[self._rows, top, 0], -1)
        if c.no_inverse and self._exp >= 0 and self._log >= 0:
            mask[frame == self._exp, self._log] = False
            mask[frame == self._log, self._exp] = False
        if c.no_constant_subtrees and self._const >= 0:
            filled = self._frames[self._rows, top, 1]
            first_var = self._f_first_var[self._rows, top]
            unary = has_frame & (self._arity[np.maximum(frame, 0)] == 1)
            mask[~has_frame | unary | ((filled == 1) & ~first_var), self._const] = False
        mask[self._done] = False
        self._mask = mask
        self._frame, self._top, self._has_frame = frame, top, has_frame

    def _observation(self) -> np.ndarray:
        has_frame, top = self._has_frame, self._top
        parent = np.where(has_frame, self._frame, self._none)
        state = self._frames[self._rows, top]
        sibling = np.where(has_frame & (state[:, 1] == 1), state[:, 2], self._none)
        L = self.max_length
        return np.stack([parent, sibling, np.minimum(self._open, L), np.minimum(self._length, L)], axis=1)
