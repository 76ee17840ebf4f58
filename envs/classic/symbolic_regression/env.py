"""SymbolicRegression: build an expression token by token (prefix order) that fits a dataset."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from mathgym.envs.base import MathgymEnv
from mathgym.envs.classic.symbolic_regression.nguyen import Benchmark, get_benchmark
from mathgym.envs.classic.symbolic_regression.recovery import SCREEN_NMSE, RecoveryChecker
from mathgym.envs.classic.symbolic_regression.tokens import (
    Constraints,
    PrefixBuilder,
    TokenLibrary,
    evaluate_prefix,
    prefix_to_infix,
    prefix_to_text,
)
from mathgym.rewards.view import RewardViewSpec, ViewField, reward_source
from mathgym.seeding import derive_rng

SR_STATE_FIELDS = (
    ViewField(
        "tokens", "list[str]", "the expression so far, in prefix order", "e.g. ['add', 'mul', 'x1', 'x1']"
    ),
    ViewField("length", "int", "tokens placed so far", "[0, max_length]"),
    ViewField(
        "open_slots",
        "int",
        "arguments still missing before the expression is complete (arity deficit)",
        "[0, max_length]",
    ),
    ViewField("complete", "bool", "the expression is complete and was scored"),
    ViewField(
        "fit_error",
        "float | None",
        "NRMSE (RMSE / std(y)) on the training points once complete "
        "(inf for a non-finite expression); None before",
        ">= 0",
    ),
    ViewField("fit", "float | None", "1 / (1 + fit_error) once complete, None before", "[0, 1]"),
    ViewField("max_length", "int", "most tokens an expression may have", ">= 2"),
)
SR_ACTION_FIELDS = (
    ViewField("token", "str", "the token appended: an operator, an input variable (x1, x2) or const"),
    ViewField("arity", "int", "arguments the token takes (0 for a variable or constant)", "{0, 1, 2}"),
)

SR_VIEW_SPEC = RewardViewSpec(
    name="ExpressionState",
    task="Build a symbolic expression token by token, in prefix order, that reproduces an unknown function "
    "from its sampled (x, y) points.",
    success="the completed expression is symbolically equivalent to the benchmark's function (sympy "
    "simplifies their difference to 0), i.e. the exact formula is recovered",
    action="appends one token to the expression; an illegal token (masked by the constraints) ends the "
    "episode with info['valid'] false",
    state_fields=SR_STATE_FIELDS,
    action_fields=SR_ACTION_FIELDS,
    hand_reward=reward_source([("fit", 'state["fit"] if state["complete"] and info["valid"] else 0.0')]),
)


@dataclass(frozen=True)
class Score:
    """How well one finished expression fits.

    :param reward: ``1 / (1 + NRMSE)`` on the training points; 0 for an invalid expression.
    :param nrmse: RMSE / std(y) on the training points (inf when invalid).
    :param nmse_test: MSE / var(y) on the test points (inf when invalid).
    :param success: the expression recovers the target: ``nmse_test < 1e-12`` and symbolically equivalent
        (:mod:`mathgym.envs.classic.symbolic_regression.recovery`).
    :param expression: the expression in infix form (``((x1 * x1) + x1)``; see
        :func:`~mathgym.envs.classic.symbolic_regression.tokens.prefix_to_sympy` for a simplified one).
    :param constants: fitted values of the ``const`` tokens.
    """

    reward: float
    nrmse: float
    nmse_test: float
    success: bool
    expression: str
    constants: tuple[float, ...] = ()


def draw_data(benchmark: Benchmark, data_seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` of a benchmark drawn from ``data_seed``.

    :param benchmark: the benchmark.
    :param data_seed: the seed of both draws (the training and test points come from separate streams).
    """
    X_train = benchmark.train.draw(
        derive_rng("mathgym.symbolic_regression", benchmark.name, data_seed, "train"), benchmark.n_variables
    )
    X_test = benchmark.test.draw(
        derive_rng("mathgym.symbolic_regression", benchmark.name, data_seed, "test"), benchmark.n_variables
    )
    return X_train, benchmark.function(X_train), X_test, benchmark.function(X_test)


def fit_errors(
    y_hat: np.ndarray, y: np.ndarray, y_test_hat: np.ndarray, y_test: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(reward, nrmse, nmse_test)`` of predictions, row by row (1-d inputs are one row).

    A row with a non-finite training prediction, or a non-finite NRMSE, scores 0 with errors ``inf``.

    :param y_hat: predictions on the training points, shape ``(..., n_train)``.
    :param y: training targets, shape ``(n_train,)`` or like ``y_hat``.
    :param y_test_hat: predictions on the test points.
    :param y_test: test targets.
    """
    with np.errstate(all="ignore"):  # huge finite predictions overflow to inf: a score of 0, not a warning
        nrmse = np.sqrt(np.mean((y - y_hat) ** 2, axis=-1)) / np.std(y, axis=-1)
        nmse_test = np.mean((y_test - y_test_hat) ** 2, axis=-1) / np.var(y_test, axis=-1)
        bad = ~np.all(np.isfinite(y_hat), axis=-1) | ~np.isfinite(nrmse)
        nrmse = np.where(bad, np.inf, nrmse)
        nmse_test = np.where(bad | ~np.isfinite(nmse_test), np.inf, nmse_test)
        reward = np.where(bad, 0.0, 1.0 / (1.0 + nrmse))
    return reward, nrmse, nmse_test


class SymbolicRegressionEnv(MathgymEnv[np.ndarray, int]):
    """Symbolic regression by building an expression in prefix order (DSO's design).

    ## Description

    Each step appends one token (an operator of arity 1 or 2, an input variable or, optionally, a
    constant) to an expression written in prefix order, e.g. ``add mul x1 x1 x1`` = ``x1*x1 + x1``.
    The episode ends when the expression is complete; it is then scored on the benchmark's training
    points. Constraints are enforced as action masks: at most ``max_length`` tokens, no constant-only
    subtree, no trig function inside another, no ``exp(log(.))`` / ``log(exp(.))``. The datasets are
    drawn from the env's own seeded RNG, and the benchmark spec with the data seed is recorded with
    every score (``info["spec"]``).

    ## Action Space

    ``Discrete(len(library))``: the token to append (``info["token_names"]`` lists them). The valid
    tokens are given by :meth:`action_masks` and ``info["action_mask"]``. An invalid token ends the
    episode with reward 0 (``info["invalid_action"]``).

    ## Observation Space

    ``MultiDiscrete([n + 1, n + 1, max_length + 1, max_length + 1])`` with ``n`` tokens: the parent
    token of the next slot, its already-placed sibling (``n`` means none), the number of open slots,
    and the position (number of tokens so far).

    ## Rewards

    0 on every step but the last; the last gets ``1 / (1 + NRMSE)`` on the training points, where
    ``NRMSE = RMSE / std(y)``, or 0 when the expression gives a non-finite value.

    ## Starting State

    An empty expression. The training and test points are drawn on the first reset and on every
    reset with a ``seed`` (or fixed by ``data_seed``).

    ## Episode End

    Terminated when the expression is complete (or on an invalid token). ``info["is_success"]`` is true
    when the expression recovers the target: it is symbolically equivalent to it (sympy simplifies their
    difference to 0), which is checked for expressions whose NMSE on the noiseless test draw is below 1e-12
    (:mod:`mathgym.envs.classic.symbolic_regression.recovery`).

    ## Reward View

    :meth:`reward_view` and :meth:`reward_view_action` give the state and the action as plain data for
    generated reward code (:mod:`mathgym.rewards.view`; fields in :data:`SR_STATE_FIELDS`); the env's
    own reward, written against them, is ``reward_view_spec.hand_reward``.

    ## Arguments

    :param benchmark: a benchmark name (``"Nguyen-1"`` ... ``"Nguyen-12"``) or a :class:`Benchmark`.
    :param max_length: most tokens per expression.
    :param constants: add a ``const`` token whose values are fitted by BFGS before scoring.
    :param data_seed: fix the datasets (otherwise they come from the env's ``np_random``).
    :param constraints: override the constraint set (its ``max_length`` is replaced by ``max_length``).
    :param render_mode: ``"ansi"`` returns the tokens so far.

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/SymbolicRegression-Nguyen1-v0")
    >>> obs, info = env.reset(seed=0)
    >>> names = info["token_names"]
    >>> for token in ("add", "x1", "mul", "x1", "add", "x1", "mul", "x1", "x1"):  # x1 + x1*(x1 + x1*x1)
    ...     obs, reward, terminated, truncated, info = env.step(names.index(token))
    >>> reward, info["is_success"]
    (1.0, True)

    ## Version History

    * v0: the initial version; since issue 15 success means symbolic recovery (it was NMSE < 1e-12 alone),
      and :class:`~mathgym.envs.classic.symbolic_regression.vector.SymbolicRegressionVectorEnv` steps many.
    """

    action_space: spaces.Discrete  # type: ignore[assignment]  # Discrete is a Space[np.int64]; int actions
    observation_space: spaces.MultiDiscrete

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        benchmark: str | Benchmark = "Nguyen-1",
        *,
        max_length: int = 64,
        constants: bool = False,
        data_seed: int | None = None,
        constraints: Constraints | None = None,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode)
        self.benchmark = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
        self.library = TokenLibrary(self.benchmark.functions, self.benchmark.n_variables, constants)
        base = constraints or Constraints()
        self.constraints = dataclasses.replace(base, max_length=max_length)
        self.builder = PrefixBuilder(self.library, self.constraints)
        self.max_length = max_length
        n = len(self.library)
        self.action_space = spaces.Discrete(n)
        self.observation_space = spaces.MultiDiscrete([n + 1, n + 1, max_length + 1, max_length + 1])
        self.reward_view_spec = SR_VIEW_SPEC
        self._last_score: Score | None = None
        self.fixed_data_seed = data_seed
        self.data_seed: int | None = None
        self.X_train: np.ndarray | None = None
        self.y_train: np.ndarray | None = None
        self.X_test: np.ndarray | None = None
        self.y_test: np.ndarray | None = None
        self._mask = np.zeros(n, dtype=bool)
        self._recovers = RecoveryChecker(self.benchmark, self.library)

    # -- data -------------------------------------------------------------------------------------------

    def draw_data(self, data_seed: int) -> None:
        """Draw the training and test points of the benchmark from ``data_seed``.

        :param data_seed: the seed of the draw (recorded in :meth:`task_spec`).
        """
        self.data_seed = int(data_seed)
        self.X_train, self.y_train, self.X_test, self.y_test = draw_data(self.benchmark, self.data_seed)

    def task_spec(self) -> dict[str, Any]:
        """The benchmark spec and data seed, recorded with every score."""
        return {
            **self.benchmark.spec(),
            "data_seed": self.data_seed,
            "max_length": self.max_length,
            "constants": self.library.constants,
            "recovery": "symbolic",
            "screen_nmse": SCREEN_NMSE,
        }

    def score(self, tokens: Sequence[int]) -> Score:
        """Score a complete prefix expression on the current datasets (fits constants first).

        :param tokens: token ids in prefix order.
        """
        if self.X_train is None:
            raise RuntimeError("no data yet: call reset() (or draw_data(seed)) first")
        constants = self._fit_constants(tokens)
        y_hat = evaluate_prefix(tokens, self.library, self.X_train, constants)
        expression = prefix_to_infix(tokens, self.library, constants)
        if y_hat.shape != self.y_train.shape or not np.all(np.isfinite(y_hat)):
            return Score(0.0, float("inf"), float("inf"), False, expression, tuple(constants))
        y_test_hat = evaluate_prefix(tokens, self.library, self.X_test, constants)
        reward, nrmse, nmse_test = (
            float(v) for v in fit_errors(y_hat, self.y_train, y_test_hat, self.y_test)
        )
        success = nmse_test < SCREEN_NMSE and self._recovers(tokens, constants)
        return Score(reward, nrmse, nmse_test, success, expression, tuple(constants))

    def _fit_constants(self, tokens: Sequence[int]) -> list[float]:
        if not self.library.constants:
            return []
        n_const = sum(1 for t in tokens if self.library.names[t] == "const")
        if not n_const:
            return []
        from scipy.optimize import minimize

        def loss(c: np.ndarray) -> float:
            residual = evaluate_prefix(tokens, self.library, self.X_train, c) - self.y_train
            value = float(np.mean(residual**2))
            return value if np.isfinite(value) else 1e30

        result = minimize(loss, np.ones(n_const), method="BFGS")
        return [float(v) for v in result.x]

    # -- Gymnasium API ----------------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if self.fixed_data_seed is not None:
            if self.data_seed != self.fixed_data_seed:
                self.draw_data(self.fixed_data_seed)
        elif seed is not None or self.X_train is None:
            self.draw_data(int(self.np_random.integers(2**31)))
        self.builder.reset()
        self._mask = self.builder.mask()
        self._last_score = None
        return self._observation(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self.X_train is None or self.builder.done:
            raise RuntimeError("call reset() before step() (and after an episode ends)")
        action = int(action)
        if not 0 <= action < self.action_space.n:
            raise ValueError(f"action {action} is outside Discrete({self.action_space.n})")
        if not self._mask[action]:
            self._mask = np.zeros_like(self._mask)  # the episode is over: no token is valid any more
            self.builder.close()
            info = self._info()
            info.update(invalid_action=True, is_success=False, spec=self.task_spec())
            return self._observation(), 0.0, True, False, info
        self.builder.append(action)
        self._mask = self.builder.mask()
        info = self._info()
        if not self.builder.done:
            return self._observation(), 0.0, False, False, info
        result = self.score(self.builder.tokens)
        self._last_score = result
        info.update(
            is_success=result.success,
            expression=result.expression,
            nrmse=result.nrmse,
            nmse_test=result.nmse_test,
            constants=list(result.constants),
            tokens=prefix_to_text(self.builder.tokens, self.library),
            spec=self.task_spec(),
        )
        return self._observation(), result.reward, True, False, info

    def action_masks(self) -> np.ndarray:
        """Valid tokens as a boolean array (sb3-contrib ``MaskablePPO`` calls this)."""
        return self._mask.copy()

    def reward_view(self) -> dict[str, Any]:
        """The state as reward code sees it (fields: :data:`SR_STATE_FIELDS`)."""
        score = self._last_score
        fit_error = None if score is None else (score.nrmse if np.isfinite(score.nrmse) else float("inf"))
        return {
            "tokens": [self.library.names[t] for t in self.builder.tokens],
            "length": len(self.builder.tokens),
            "open_slots": self.builder.open_slots,
            "complete": score is not None,
            "fit_error": fit_error,
            "fit": None if score is None else score.reward,
            "max_length": self.max_length,
        }

    def reward_view_action(self, action: int) -> dict[str, Any]:
        """The action as reward code sees it (fields: :data:`SR_ACTION_FIELDS`)."""
        return {"token": self.library.names[int(action)], "arity": int(self.library.arities[int(action)])}

    def render_text(self) -> str | None:
        """The expression's tokens so far, as text."""
        return prefix_to_text(self.builder.tokens, self.library)

    def _observation(self) -> np.ndarray:
        parent, sibling, open_slots, position = self.builder.observation()
        return np.array(
            [parent, sibling, min(open_slots, self.max_length), min(position, self.max_length)],
            dtype=np.int64,
        )

    def _info(self) -> dict[str, Any]:
        return {"action_mask": self._mask.copy(), "token_names": self.library.names}
