"""Recovery of a symbolic-regression target: symbolic equivalence, not a small error on one draw.

An expression *recovers* a benchmark when it equals the target as a function on the benchmark's domain,
which sympy decides: the difference of the two expressions, simplified, is zero. Inputs are declared real,
and positive where the benchmark samples them from a non-negative interval (``log(x1)``, ``x1**x2`` and
``sqrt(x1)`` then have their usual identities). Simplification is slow (milliseconds to a second), so it
runs only on expressions that already pass the numeric screen (NMSE < 1e-12 on the noiseless test points),
and answers are cached per token sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from types import FrameType
from typing import Any

from mathgym.envs.classic.symbolic_regression.nguyen import Benchmark
from mathgym.envs.classic.symbolic_regression.tokens import TokenLibrary, prefix_to_sympy

#: NMSE on the noiseless test points below which an expression is checked symbolically
SCREEN_NMSE = 1e-12


def benchmark_symbols(benchmark: Benchmark) -> list:
    """``x1 .. xn`` as sympy symbols, real, and positive where the benchmark samples them from ``[0, b]``."""
    import sympy

    positive = min(benchmark.train.low, benchmark.test.low) >= 0
    return [
        sympy.Symbol(f"x{i + 1}", real=True, positive=positive or None) for i in range(benchmark.n_variables)
    ]


@lru_cache(maxsize=64)
def _target(benchmark: Benchmark) -> Any:
    import sympy

    symbols = benchmark_symbols(benchmark)
    return sympy.sympify(benchmark.expression, locals={f"x{i + 1}": s for i, s in enumerate(symbols)})


def is_equivalent(expression: Any, benchmark: Benchmark, timeout_s: float = 10.0) -> bool:
    """Whether a sympy ``expression`` over ``x1..xn`` equals the benchmark's target symbolically.

    The expression's free symbols are replaced by the benchmark's (real, positive on non-negative domains).
    Easy cases are settled by expanding the difference; the rest by ``sympy.simplify``, given
    ``timeout_s`` seconds (an expression it cannot settle in time counts as not recovered).

    :param expression: a sympy expression in ``x1 .. xn``.
    :param benchmark: the target.
    :param timeout_s: wall-clock limit of the simplification.
    """
    import sympy

    symbols = benchmark_symbols(benchmark)
    by_name = {s.name: s for s in symbols}
    expression = expression.xreplace(
        {s: by_name[s.name] for s in expression.free_symbols if s.name in by_name}
    )
    difference = expression - _target(benchmark)
    if difference == 0 or sympy.expand(difference) == 0:
        return True
    try:
        return _with_timeout(lambda: sympy.simplify(difference) == 0, timeout_s)
    except TimeoutError:
        return False


def _with_timeout(fn: Callable[[], Any], seconds: float) -> bool:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return bool(fn())  # signals only reach the main thread; run unbounded elsewhere

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return bool(fn())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class RecoveryChecker:
    """Symbolic recovery of one benchmark, cached per token sequence (expressions recur in RL rollouts).

    :param benchmark: the target.
    :param library: the token library expressions are written in.
    """

    def __init__(self, benchmark: Benchmark, library: TokenLibrary) -> None:
        self.benchmark = benchmark
        self.library = library
        self._cache: dict[tuple[float, ...], bool] = {}

    def __call__(self, tokens: Sequence[int], constants: Sequence[float] = ()) -> bool:
        """Whether the expression (with fitted ``constants``, if any) recovers the target.

        :param tokens: the expression's token ids in prefix order.
        :param constants: values of its ``const`` tokens (rounded to 6 digits in the sympy form).
        """
        key = (*map(int, tokens), *constants)
        got = self._cache.get(key)
        if got is None:
            expression = prefix_to_sympy(tokens, self.library, constants)
            if constants:  # fitted constants are floats: read them as the nearest simple rationals
                import sympy

                expression = sympy.nsimplify(expression, tolerance=1e-6, rational=True)
            got = is_equivalent(expression, self.benchmark)
            self._cache[key] = got
        return got
