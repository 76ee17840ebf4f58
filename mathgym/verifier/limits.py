"""Bounds on the verifier's work: a cooperative deadline and the size caps.

The time limit must hold in any thread and any worker process, so it cannot rely on ``SIGALRM`` (main
thread only). Instead every loop of the verifier (tokenizer, parser, evaluator, comparison) calls
:func:`check_deadline`, and every operation between two checks is bounded by design: input lengths,
token and node counts, nesting depth, exponent and integer sizes and working precision are capped
below, so no single step can run long.
"""

from __future__ import annotations

import threading
import time

#: longest final-answer string that is parsed (longer ones are "unparseable:too_long").
MAX_ANSWER_CHARS = 2000
#: longest gold answer string.
MAX_GOLD_CHARS = 4000
#: most tokens and AST nodes in one parsed answer.
MAX_TOKENS = 1200
MAX_NODES = 1500
#: deepest nesting of constructs (brackets, braced arguments such as \frac's, exponents, signs, |..|,
#: function applications) the recursive parser follows. Each construct costs at most about ten Python frames
#: in the parser and a few in the evaluator, so 48 stays well inside the interpreter's recursion limit even
#: when verify is called from deep inside a trainer (a 24-level \frac nest with parentheses parses).
MAX_DEPTH = 48
#: most distinct final answers compared in one response before it is called ambiguous.
MAX_CANDIDATES = 8
#: most elements in a list, set, tuple, or cells in a matrix.
MAX_ITEMS = 64
#: exact rational arithmetic gives up (falls back to floating point) above this many bits.
MAX_EXACT_BITS = 4096
#: largest integer exponent / factorial argument evaluated.
MAX_EXPONENT = 4096
MAX_FACTORIAL = 1000
#: a floating value whose binary exponent leaves +-MAX_MAGNITUDE_BITS is treated as an overflow.
MAX_MAGNITUDE_BITS = 200_000
#: highest working precision (decimal digits) of the multiprecision evaluator.
MAX_DIGITS = 1200


class VerifierTimeout(Exception):
    """Raised inside the verifier when the current call's deadline has passed."""


class LimitExceeded(Exception):
    """Raised when an input exceeds a size cap (answer length, nesting, nodes, magnitudes)."""


_state = threading.local()


class deadline_scope:  # noqa: N801  (used like a function: `with deadline_scope(t):`)
    """Context manager that sets the current thread's deadline ``timeout_s`` seconds from now.

    :param timeout_s: seconds the enclosed work may take.
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._previous: float | None = None

    def __enter__(self) -> deadline_scope:
        self._previous = getattr(_state, "deadline", None)
        end = time.perf_counter() + max(0.0, float(self.timeout_s))
        # a nested scope can only shorten the outer one
        _state.deadline = end if self._previous is None else min(end, self._previous)
        return self

    def __exit__(self, *exc: object) -> None:
        _state.deadline = self._previous


def check_deadline() -> None:
    """Raise :class:`VerifierTimeout` when the current thread's deadline has passed."""
    end = getattr(_state, "deadline", None)
    if end is not None and time.perf_counter() > end:
        raise VerifierTimeout()
