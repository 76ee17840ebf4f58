"""Bounded evaluation of the parser's AST: exact rationals first, then multiprecision floating point.

* :func:`exact` computes with :class:`fractions.Fraction` (and Gaussian rationals for ``i``). It raises
  :class:`NotExact` as soon as a value is irrational (``\\pi``, ``\\sqrt 2``) or grows past
  ``MAX_EXACT_BITS``.
* :func:`approx` computes with an mpmath context private to the thread (mpmath's global context is not
  thread-safe) at a given precision, and records the smallest and largest magnitudes it met, so that a
  comparison can raise the precision when tiny terms could hide below it (``\\pi + 10^{-100}``).

Every operation is bounded: integer exponents, factorials, binomials, bit sizes and magnitudes are capped
(``10^{10^{10}}`` is refused, never computed) and each node visit checks the deadline.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import mpmath

from mathgym.verifier.limits import (
    MAX_EXACT_BITS,
    MAX_EXPONENT,
    MAX_FACTORIAL,
    MAX_MAGNITUDE_BITS,
    LimitExceeded,
    check_deadline,
)


class NotExact(Exception):
    """The value is not a (Gaussian) rational of bounded size."""


class Undefined(Exception):
    """The expression has no value here (division by zero, free symbol, factorial of a non-integer...)."""


class QC:
    """An exact complex number with rational parts (only built when ``i`` appears)."""

    __slots__ = ("im", "re")

    def __init__(self, re: Fraction, im: Fraction) -> None:
        self.re = re
        self.im = im

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QC):
            return self.re == other.re and self.im == other.im
        if isinstance(other, Fraction):
            return self.im == 0 and self.re == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.re, self.im))

    def __repr__(self) -> str:
        return f"QC({self.re}, {self.im})"


def _norm(value: Any) -> Any:
    """Collapse a QC with zero imaginary part to a Fraction and enforce the size cap."""
    if isinstance(value, QC):
        _check_bits(value.re)
        _check_bits(value.im)
        return value.re if value.im == 0 else value
    _check_bits(value)
    return value


def _check_bits(value: Fraction) -> None:
    if value.numerator.bit_length() + value.denominator.bit_length() > MAX_EXACT_BITS:
        raise NotExact("too large for exact arithmetic")


def _parts(value: Any) -> tuple[Fraction, Fraction]:
    return (value.re, value.im) if isinstance(value, QC) else (value, Fraction(0))


def _add(a: Any, b: Any) -> Any:
    if type(a) is Fraction and type(b) is Fraction:
        return _norm(a + b)
    (ar, ai), (br, bi) = _parts(a), _parts(b)
    return _norm(QC(ar + br, ai + bi))


def _mul(a: Any, b: Any) -> Any:
    if type(a) is Fraction and type(b) is Fraction:
        return _norm(a * b)
    (ar, ai), (br, bi) = _parts(a), _parts(b)
    return _norm(QC(ar * br - ai * bi, ar * bi + ai * br))


def _inv(a: Any) -> Any:
    if type(a) is Fraction:
        if a == 0:
            raise Undefined("division by zero")
        return 1 / a
    ar, ai = _parts(a)
    denominator = ar * ar + ai * ai
    if denominator == 0:
        raise Undefined("division by zero")
    return _norm(QC(ar / denominator, -ai / denominator))


def _int_root(value: int, n: int) -> int | None:
    """Exact n-th root of a non-negative integer, or None."""
    if value < 0:
        return None
    if value < 2:
        return value
    root = math.isqrt(value) if n == 2 else round(value ** (1.0 / n)) if value.bit_length() < 1000 else None
    if root is None:
        # Newton iteration for big integers
        root = 1 << ((value.bit_length() + n - 1) // n)
        while True:
            check_deadline()
            nxt = ((n - 1) * root + value // root ** (n - 1)) // n
            if nxt >= root:
                break
            root = nxt
    for candidate in (root - 1, root, root + 1):
        if candidate >= 0 and candidate**n == value:
            return candidate
    return None


def _rational_root(value: Fraction, n: int) -> Fraction | None:
    top = _int_root(value.numerator, n)
    bottom = _int_root(value.denominator, n)
    if top is None or bottom is None:
        return None
    return Fraction(top, bottom)


def _pow_int(base: Any, exponent: int) -> Any:
    if abs(exponent) > MAX_EXPONENT:
        raise NotExact("exponent too large")
    if type(base) is Fraction:
        bits = max(base.numerator.bit_length(), base.denominator.bit_length())
        if bits * abs(exponent) > MAX_EXACT_BITS:
            raise NotExact("power too large")
        if base == 0 and exponent < 0:
            raise Undefined("division by zero")
        if base == 0 and exponent == 0:
            raise Undefined("0^0")
        return base**exponent
    ar, ai = _parts(base)
    bits = max(
        ar.numerator.bit_length(),
        ar.denominator.bit_length(),
        ai.numerator.bit_length(),
        ai.denominator.bit_length(),
        1,
    )
    if (bits + 1) * abs(exponent) > MAX_EXACT_BITS:
        raise NotExact("power too large")
    result: Any = Fraction(1)
    factor = base if exponent >= 0 else _inv(base)
    for _ in range(abs(exponent)):
        result = _mul(result, factor)
    return result


def _as_int(value: Any) -> int:
    if type(value) is not Fraction or value.denominator != 1:
        raise Undefined("not an integer")
    return value.numerator


def _real(value: Any) -> Fraction:
    if type(value) is not Fraction:
        raise Undefined("not real")
    return value


def exact(node: tuple, env: Mapping[str, Any]) -> Any:  # noqa: C901  (one branch per node kind)
    """Evaluate ``node`` exactly.

    :param node: an expression node of :mod:`mathgym.verifier.parser`.
    :param env: values (Fractions) of the free variables.
    :returns: a :class:`~fractions.Fraction` or a :class:`QC`.
    :raises NotExact: when the value is irrational or too large; :class:`Undefined` when it has no value.
    """
    check_deadline()
    kind = node[0]
    if kind == "n":
        return node[1]
    if kind == "add":
        total: Any = Fraction(0)
        for term in node[1]:
            total = _add(total, exact(term, env))
        return total
    if kind == "mul":
        product: Any = Fraction(1)
        for factor in node[1]:
            product = _mul(product, exact(factor, env))
        return product
    if kind == "neg":
        value = exact(node[1], env)
        return -value if type(value) is Fraction else QC(-value.re, -value.im)
    if kind == "div":
        top = exact(node[1], env)
        return _mul(top, _inv(exact(node[2], env)))
    if kind == "v":
        if node[1] not in env:
            raise Undefined(f"free symbol {node[1]}")
        return env[node[1]]
    if kind == "pow":
        if node[1] == ("c", "e"):
            exponent = exact(node[2], env)
            if exponent == 0:
                return Fraction(1)
            raise NotExact("e^x")
        base = exact(node[1], env)
        exponent = exact(node[2], env)
        if type(exponent) is not Fraction:
            raise NotExact("complex exponent")
        if exponent.denominator == 1:
            return _pow_int(base, exponent.numerator)
        if type(base) is Fraction and base > 0 and exponent.denominator <= 64:
            root = _rational_root(base, exponent.denominator)
            if root is not None:
                return _pow_int(root, exponent.numerator)
        raise NotExact("irrational power")
    if kind == "root":
        radicand = exact(node[1], env)
        index = 2 if node[2] is None else _as_int(exact(node[2], env))
        if index < 1 or index > 64:
            raise Undefined("bad root index")
        if type(radicand) is not Fraction:
            raise NotExact("complex root")
        if radicand < 0:
            if index % 2 == 1:
                root = _rational_root(-radicand, index)
                if root is not None:
                    return -root
            elif index == 2:
                root = _rational_root(-radicand, 2)
                if root is not None:
                    return QC(Fraction(0), root)
            raise NotExact("irrational root")
        root = _rational_root(radicand, index)
        if root is None:
            raise NotExact("irrational root")
        return root
    if kind == "c":
        if node[1] == "i":
            return QC(Fraction(0), Fraction(1))
        raise NotExact(node[1])
    if kind == "pct":
        return _mul(exact(node[1], env), Fraction(1, 100))
    if kind == "fact":
        n = _as_int(exact(node[1], env))
        if n < 0:
            raise Undefined("factorial of a negative number")
        if n > MAX_FACTORIAL:
            raise LimitExceeded("factorial too large")
        return _norm(Fraction(math.factorial(n)))
    if kind == "binom":
        n = _as_int(exact(node[1], env))
        k = _as_int(exact(node[2], env))
        if k < 0 or n < 0 or k > MAX_FACTORIAL or n > 10**9:
            raise Undefined("binomial out of range")
        return _norm(Fraction(math.comb(n, k)))
    if kind == "abs":
        value = exact(node[1], env)
        if type(value) is Fraction:
            return abs(value)
        root = _rational_root(value.re * value.re + value.im * value.im, 2)
        if root is None:
            raise NotExact("irrational modulus")
        return root
    if kind == "floor":
        return Fraction(math.floor(_real(exact(node[1], env))))
    if kind == "ceil":
        return Fraction(math.ceil(_real(exact(node[1], env))))
    if kind == "fn":
        return _exact_function(node, env)
    if kind == "based":
        return Fraction(_based_value(node[1], node[2]))
    if kind == "deg":
        raise NotExact("degrees inside an expression")
    raise Undefined(f"not a number: {kind}")


def _based_value(digits: str, base: str) -> int:
    radix = int(base)
    if not 2 <= radix <= 36 or len(digits) > 64:
        raise Undefined("bad base")
    try:
        return int(digits, radix)
    except ValueError as error:
        raise Undefined("digit out of range for base") from error


def _exact_function(node: tuple, env: Mapping[str, Any]) -> Any:
    name, args = node[1], node[2]
    if name in ("gcd", "lcm", "max", "min"):
        values = [exact(arg, env) for arg in args]
        if name in ("max", "min"):
            reals = [_real(v) for v in values]
            return max(reals) if name == "max" else min(reals)
        ints = [_as_int(v) for v in values]
        return Fraction(math.gcd(*ints) if name == "gcd" else math.lcm(*ints))
    if name == "abs" and len(args) == 1:
        return exact(("abs", args[0]), env)
    if name == "sqrt" and len(args) == 1:
        return exact(("root", args[0], None), env)
    if name in ("floor", "ceil") and len(args) == 1:
        return exact((name, args[0]), env)
    if len(args) != 1:
        raise Undefined(f"{name} takes one argument")
    value = exact(args[0], env)
    if value == 0 and name in ("sin", "tan", "arcsin", "arctan", "sinh", "tanh"):
        return Fraction(0)
    if value == 0 and name in ("cos", "cosh", "exp"):
        return Fraction(1)
    if value == 1 and name in ("ln", "log") and node[3] is None:
        return Fraction(0)
    raise NotExact(name)


# --- multiprecision ----------------------------------------------------------------------------------------
_local = threading.local()


def mp_context(digits: int) -> Any:
    """The calling thread's private mpmath context, set to ``digits`` decimal digits."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = mpmath.MPContext()
        _local.ctx = ctx
    ctx.dps = digits
    return ctx


class Magnitudes:
    """Smallest and largest binary magnitudes of the non-zero values met during an evaluation."""

    __slots__ = ("high", "low")

    def __init__(self) -> None:
        self.low = 0
        self.high = 0

    def see(self, ctx: Any, value: Any) -> Any:
        if value:
            try:
                magnitude = ctx.mag(value)
            except (ValueError, TypeError, OverflowError):
                return value
            if magnitude > MAX_MAGNITUDE_BITS or magnitude < -MAX_MAGNITUDE_BITS:
                raise LimitExceeded("magnitude overflow")
            if magnitude < self.low:
                self.low = magnitude
            if magnitude > self.high:
                self.high = magnitude
        return value


def _mp_number(ctx: Any, value: Any) -> Any:
    if isinstance(value, QC):
        return ctx.mpc(
            ctx.mpf(value.re.numerator) / value.re.denominator,
            ctx.mpf(value.im.numerator) / value.im.denominator,
        )
    if value.denominator == 1:
        return ctx.mpf(value.numerator)
    return ctx.mpf(value.numerator) / value.denominator


_ARG_LIMIT = 2**64


def approx(node: tuple, env: Mapping[str, Any], ctx: Any, mags: Magnitudes) -> Any:  # noqa: C901  (one branch per node kind)
    """Evaluate ``node`` with the mpmath context ``ctx`` (principal branches for complex values).

    :param node: an expression node.
    :param env: values of the free variables (Fractions or mpmath numbers).
    :param ctx: an mpmath context from :func:`mp_context`.
    :param mags: collects the magnitudes met, for the precision check of the caller.
    :raises Undefined: when the value does not exist; :class:`LimitExceeded` on overflow.
    """
    check_deadline()
    kind = node[0]
    if kind == "n":
        return mags.see(ctx, _mp_number(ctx, node[1]))
    if kind == "add":
        total = ctx.zero
        for term in node[1]:
            total = total + approx(term, env, ctx, mags)
        return mags.see(ctx, total)
    if kind == "mul":
        product = ctx.one
        for factor in node[1]:
            product = product * approx(factor, env, ctx, mags)
        return mags.see(ctx, product)
    if kind == "neg":
        return -approx(node[1], env, ctx, mags)
    if kind == "div":
        top = approx(node[1], env, ctx, mags)
        bottom = approx(node[2], env, ctx, mags)
        if not bottom:
            raise Undefined("division by zero")
        return mags.see(ctx, top / bottom)
    if kind == "v":
        if node[1] not in env:
            raise Undefined(f"free symbol {node[1]}")
        value = env[node[1]]
        return _mp_number(ctx, value) if isinstance(value, (Fraction, QC)) else value
    if kind == "c":
        name = node[1]
        if name == "pi":
            return ctx.pi
        if name == "e":
            return ctx.e
        if name == "i":
            return ctx.mpc(0, 1)
        return ctx.inf
    if kind == "pow":
        if node[1] == ("c", "e"):
            exponent = approx(node[2], env, ctx, mags)
            _check_exp_argument(ctx, exponent)
            return mags.see(ctx, ctx.exp(exponent))
        base = approx(node[1], env, ctx, mags)
        exponent = approx(node[2], env, ctx, mags)
        return mags.see(ctx, _mp_power(ctx, base, exponent))
    if kind == "root":
        radicand = approx(node[1], env, ctx, mags)
        if node[2] is None:
            return mags.see(ctx, ctx.sqrt(radicand))
        index = _as_int(exact(node[2], env))
        if index < 1 or index > 64:
            raise Undefined("bad root index")
        if index % 2 == 1 and ctx.im(radicand) == 0 and ctx.re(radicand) < 0:
            return mags.see(ctx, -ctx.root(-ctx.re(radicand), index))
        return mags.see(ctx, ctx.root(radicand, index))
    if kind == "pct":
        return approx(node[1], env, ctx, mags) / 100
    if kind == "deg":
        return approx(node[1], env, ctx, mags) * ctx.pi / 180
    if kind == "abs":
        return ctx.fabs(approx(node[1], env, ctx, mags))
    if kind in ("floor", "ceil"):
        value = approx(node[1], env, ctx, mags)
        if ctx.im(value) != 0:
            raise Undefined("floor of a complex number")
        return ctx.floor(value) if kind == "floor" else ctx.ceil(value)
    if kind in ("fact", "binom", "based"):
        return mags.see(ctx, _mp_number(ctx, exact(node, env)))
    if kind == "fn":
        return mags.see(ctx, _mp_function(node, env, ctx, mags))
    raise Undefined(f"not a number: {kind}")


def _check_exp_argument(ctx: Any, exponent: Any) -> None:
    if abs(ctx.re(exponent)) > MAX_MAGNITUDE_BITS // 2 or abs(ctx.im(exponent)) > _ARG_LIMIT:
        raise LimitExceeded("exponential overflow")


def _mp_power(ctx: Any, base: Any, exponent: Any) -> Any:
    if not base:
        if ctx.re(exponent) > 0:
            return ctx.zero
        raise Undefined("0 to a non-positive power")
    if ctx.isinf(base) or ctx.isinf(exponent):
        return ctx.power(base, exponent)
    # |base^exponent| = exp(re(exponent) * log|base| - im(exponent) * arg(base)): bound it before computing
    log_size = abs(ctx.re(exponent)) * abs(ctx.log(ctx.fabs(base), 2)) + abs(ctx.im(exponent)) * 4
    if log_size > MAX_MAGNITUDE_BITS:
        raise LimitExceeded("power overflow")
    if ctx.im(exponent) == 0 and ctx.isint(ctx.re(exponent)):
        return ctx.power(base, int(ctx.re(exponent)))
    return ctx.power(base, exponent)


_MP_FUNCTIONS = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "cot": "cot",
    "sec": "sec",
    "csc": "csc",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arccot": "acot",
    "arcsec": "asec",
    "arccsc": "acsc",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "exp": "exp",
    "ln": "ln",
    "sqrt": "sqrt",
    "abs": "fabs",
}


def _mp_function(node: tuple, env: Mapping[str, Any], ctx: Any, mags: Magnitudes) -> Any:  # noqa: C901  (one branch per function name)
    name, args, base = node[1], node[2], node[3]
    if name in ("gcd", "lcm", "max", "min"):
        try:
            return _mp_number(ctx, _exact_function(node, env))
        except NotExact:
            pass
        values = [approx(arg, env, ctx, mags) for arg in args]
        if name in ("gcd", "lcm") or any(ctx.im(v) != 0 for v in values):
            raise Undefined(f"{name} of non-integers")
        return max(values) if name == "max" else min(values)
    if len(args) != 1:
        raise Undefined(f"{name} takes one argument")
    value = approx(args[0], env, ctx, mags)
    if name in ("floor", "ceil"):
        return approx((name, args[0]), env, ctx, mags)
    if name in ("log", "lg"):
        if not value:
            raise Undefined("log 0")
        if name == "lg":
            return ctx.log(value, 10)
        if base is None:
            return ctx.ln(value)
        base_value = approx(base, env, ctx, mags)
        if not base_value or base_value == 1:
            raise Undefined("bad log base")
        return ctx.ln(value) / ctx.ln(base_value)
    if name == "ln" and not value:
        raise Undefined("log 0")
    if name == "exp":
        _check_exp_argument(ctx, value)
    elif abs(value) > _ARG_LIMIT:
        raise LimitExceeded("function argument too large")
    function = _MP_FUNCTIONS.get(name)
    if function is None:
        raise Undefined(f"unknown function {name}")
    try:
        result = getattr(ctx, function)(value)
    except (ZeroDivisionError, ValueError) as error:
        raise Undefined(str(error)) from error
    return result


def free_symbols(node: Any, out: set | None = None) -> set:
    """Names of the variables in ``node``."""
    if out is None:
        out = set()
    if isinstance(node, tuple) and node:
        head = node[0]
        if head == "v":
            out.add(node[1])
            return out
        if head in ("n", "c", "based", "text"):
            return out
        for part in node[1:] if isinstance(head, str) else node:
            if isinstance(part, tuple):
                free_symbols(part, out)
    return out
