"""The Nguyen symbolic-regression benchmarks 1-12, as DSO/DSR define them.

Each benchmark is a target expression, the number of inputs, and the sampling of its training and test
points: ``U[a, b, n]`` draws ``n`` points uniformly from ``[a, b]`` for every input variable. The test
set is drawn from the same specification (noiselessly). Function set: add, sub, mul, div, sin, cos,
exp, log (no constants).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mathgym.envs.classic.symbolic_regression.tokens import KOZA


@dataclass(frozen=True)
class Sampling:
    """``U[low, high, n]``: ``n`` points, each input uniform in ``[low, high]``."""

    low: float
    high: float
    n: int

    def draw(self, rng: np.random.Generator, n_variables: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size=(self.n, n_variables))

    def __str__(self) -> str:
        return f"U[{self.low:g},{self.high:g},{self.n}]"


@dataclass(frozen=True)
class Benchmark:
    """One symbolic-regression task.

    :param name: ``Nguyen-1`` ... ``Nguyen-12``.
    :param expression: the target in sympy syntax over ``x1, x2``.
    :param n_variables: number of inputs.
    :param train: training-point sampling.
    :param test: test-point sampling (the same specification for the Nguyen set).
    :param function: the target as a numpy function of ``X`` (shape ``(n, n_variables)``).
    :param functions: the operator set agents may use.
    """

    name: str
    expression: str
    n_variables: int
    train: Sampling
    test: Sampling
    function: Callable[[np.ndarray], np.ndarray]
    functions: tuple[str, ...] = KOZA

    def spec(self) -> dict[str, object]:
        """The benchmark's definition as recorded next to every score."""
        return {
            "benchmark": self.name,
            "expression": self.expression,
            "n_variables": self.n_variables,
            "train": str(self.train),
            "test": str(self.test),
            "functions": list(self.functions),
        }


def _u(low: float, high: float, n: int = 20) -> Sampling:
    return Sampling(low, high, n)


def _x(X: np.ndarray, i: int) -> np.ndarray:
    return X[:, i]


NGUYEN: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark(
            "Nguyen-1",
            "x1**3 + x1**2 + x1",
            1,
            _u(-1, 1),
            _u(-1, 1),
            lambda X: _x(X, 0) ** 3 + _x(X, 0) ** 2 + _x(X, 0),
        ),
        Benchmark(
            "Nguyen-2",
            "x1**4 + x1**3 + x1**2 + x1",
            1,
            _u(-1, 1),
            _u(-1, 1),
            lambda X: _x(X, 0) ** 4 + _x(X, 0) ** 3 + _x(X, 0) ** 2 + _x(X, 0),
        ),
        Benchmark(
            "Nguyen-3",
            "x1**5 + x1**4 + x1**3 + x1**2 + x1",
            1,
            _u(-1, 1),
            _u(-1, 1),
            lambda X: sum(_x(X, 0) ** k for k in range(1, 6)),
        ),
        Benchmark(
            "Nguyen-4",
            "x1**6 + x1**5 + x1**4 + x1**3 + x1**2 + x1",
            1,
            _u(-1, 1),
            _u(-1, 1),
            lambda X: sum(_x(X, 0) ** k for k in range(1, 7)),
        ),
        Benchmark(
            "Nguyen-5",
            "sin(x1**2)*cos(x1) - 1",
            1,
            _u(-1, 1),
            _u(-1, 1),
            lambda X: np.sin(_x(X, 0) ** 2) * np.cos(_x(X, 0)) - 1,
        ),
        Benchmark(
            "Nguyen-6",
            "sin(x1) + sin(x1 + x1**2)",
            1,
            _u(-1, 1),
            _u(-1, 1),
            lambda X: np.sin(_x(X, 0)) + np.sin(_x(X, 0) + _x(X, 0) ** 2),
        ),
        Benchmark(
            "Nguyen-7",
            "log(x1 + 1) + log(x1**2 + 1)",
            1,
            _u(0, 2),
            _u(0, 2),
            lambda X: np.log(_x(X, 0) + 1) + np.log(_x(X, 0) ** 2 + 1),
        ),
        Benchmark("Nguyen-8", "sqrt(x1)", 1, _u(0, 4), _u(0, 4), lambda X: np.sqrt(_x(X, 0))),
        Benchmark(
            "Nguyen-9",
            "sin(x1) + sin(x2**2)",
            2,
            _u(0, 1),
            _u(0, 1),
            lambda X: np.sin(_x(X, 0)) + np.sin(_x(X, 1) ** 2),
        ),
        Benchmark(
            "Nguyen-10",
            "2*sin(x1)*cos(x2)",
            2,
            _u(0, 1),
            _u(0, 1),
            lambda X: 2 * np.sin(_x(X, 0)) * np.cos(_x(X, 1)),
        ),
        Benchmark("Nguyen-11", "x1**x2", 2, _u(0, 1), _u(0, 1), lambda X: _x(X, 0) ** _x(X, 1)),
        Benchmark(
            "Nguyen-12",
            "x1**4 - x1**3 + x2**2/2 - x2",
            2,
            _u(0, 1),
            _u(0, 1),
            lambda X: _x(X, 0) ** 4 - _x(X, 0) ** 3 + 0.5 * _x(X, 1) ** 2 - _x(X, 1),
        ),
    )
}


def get_benchmark(name: str) -> Benchmark:
    """A benchmark by name (``"Nguyen-3"``; ``"Nguyen3"`` also works)."""
    key = name if name in NGUYEN else name.replace("Nguyen", "Nguyen-", 1)
    if key not in NGUYEN:
        raise KeyError(f"unknown benchmark {name!r}; known: {', '.join(NGUYEN)}")
    return NGUYEN[key]


#: DSR's recovery rates (%) with 2 million expressions per run (Petersen et al., "Deep symbolic regression:
#: recovering mathematical expressions from data via risk-seeking policy gradients", ICLR 2021, Table 1;
#: 100 runs per benchmark, Koza function set without constants). Average 83.6 %.
DSR_RECOVERY: dict[str, float] = {
    "Nguyen-1": 100.0,
    "Nguyen-2": 100.0,
    "Nguyen-3": 100.0,
    "Nguyen-4": 100.0,
    "Nguyen-5": 72.0,
    "Nguyen-6": 100.0,
    "Nguyen-7": 35.0,
    "Nguyen-8": 96.0,
    "Nguyen-9": 100.0,
    "Nguyen-10": 100.0,
    "Nguyen-11": 100.0,
    "Nguyen-12": 0.0,
}
#: the expression budget of :data:`DSR_RECOVERY`
DSR_BUDGET = 2_000_000
