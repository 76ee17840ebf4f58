"""Canonical answer strings and human-readable math text for generators.

Gold answers are computed exactly (``int``, :class:`fractions.Fraction`, sympy) and printed here in one
canonical, plain-text form that the verifier parses:

* integers ``-12``; fractions ``a/b`` in lowest terms with the sign on the numerator (``-3/4``);
* terminating decimals ``12.5`` (no trailing zeros, no exponent);
* sets ``{-2, 3}`` (sorted ascending), tuples ``(2, -1/3)``;
* expressions in sympy's order with ``^`` for powers and ``*`` for products: ``x^2 + 2*x + 1``,
  ``ln(x)`` for the natural logarithm, ``exp(2*x)``, ``sqrt(3)``, ``pi``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from fractions import Fraction
from types import ModuleType
from typing import Any


class _LazyModule:
    """Imports a module on first attribute access: sympy costs ~0.7 s to import, and only the symbolic
    generators need it, so ``import gymnasium`` and arithmetic envs stay fast."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


sympy: Any = _LazyModule("sympy")


def x_symbol() -> Any:
    """The sympy symbol ``x`` (sympy interns symbols by name, so this is cheap after the first call)."""
    return sympy.Symbol("x")


def fmt_number(value: int | Fraction) -> str:
    """``7``, ``-3/4``: an exact rational in lowest terms."""
    if type(value) is int:  # fast path: Fraction() construction dominates integer-only generators
        return str(value)
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def is_terminating(value: Fraction) -> bool:
    """True when ``value`` has a finite decimal expansion (denominator of the form 2^a 5^b)."""
    d = Fraction(value).denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def fmt_decimal(value: int | Fraction) -> str:
    """The exact finite decimal of ``value`` (``12.5``, ``-0.125``, ``6``); raises if it does not terminate."""
    value = Fraction(value)
    if not is_terminating(value):
        raise ValueError(f"{value} has no finite decimal expansion")
    sign = "-" if value < 0 else ""
    value = abs(value)
    digits = 0
    while (value * 10**digits).denominator != 1:
        digits += 1
    scaled = (value * 10**digits).numerator
    if digits == 0:
        return f"{sign}{scaled}"
    whole, frac = divmod(scaled, 10**digits)
    return f"{sign}{whole}.{str(frac).rjust(digits, '0')}"


def fmt_money(value: int | Fraction) -> str:
    """``$12``, ``$3.50`` (prompts only: two decimals when there are cents)."""
    value = Fraction(value)
    if value.denominator == 1:
        return f"${value.numerator:,}"
    cents = value * 100
    if cents.denominator != 1:
        raise ValueError(f"{value} is not a whole number of cents")
    return f"${int(cents) // 100:,}.{int(cents) % 100:02d}"


def fmt_expr(expr: Any) -> str:
    """A sympy expression in the canonical plain-text form (``^`` powers, ``ln``)."""
    text = sympy.sstr(expr)
    return text.replace("**", "^").replace("log(", "ln(")


def fmt_set(values: Iterable[str]) -> str:
    return "{" + ", ".join(values) + "}"


def fmt_tuple(values: Iterable[str]) -> str:
    return "(" + ", ".join(values) + ")"


def fmt_signed_terms(terms: list[tuple[int | Fraction, str]]) -> str:
    """Join ``(coefficient, monomial)`` pairs as ``3*x^2 - x + 5`` (zero terms dropped, ``0`` if none).

    ``monomial`` is ``""`` for the constant term; a unit coefficient is not printed before a monomial.
    """
    out: list[str] = []
    for coef, mono in terms:
        coef = Fraction(coef)
        if coef == 0:
            continue
        size = abs(coef)
        if mono:
            body = mono if size == 1 else f"{fmt_number(size)}*{mono}"
        else:
            body = fmt_number(size)
        if not out:
            out.append(f"-{body}" if coef < 0 else body)
        else:
            out.append(f"- {body}" if coef < 0 else f"+ {body}")
    return " ".join(out) if out else "0"


def monomial(power: int, var: str = "x") -> str:
    if power == 0:
        return ""
    return var if power == 1 else f"{var}^{power}"


def fmt_poly(coeffs: Mapping[int, int | Fraction] | list[int], var: str = "x") -> str:
    """A polynomial from ``{power: coefficient}`` (or a list, index = power), highest power first."""
    if isinstance(coeffs, list):
        coeffs = dict(enumerate(coeffs))
    return fmt_signed_terms([(coeffs[p], monomial(p, var)) for p in sorted(coeffs, reverse=True)])


def fmt_linear_side(coef: int | Fraction, const: int | Fraction, var: str = "x") -> str:
    """``3x - 5`` style, as written in a textbook equation (implicit multiplication)."""
    text = fmt_signed_terms([(coef, var), (const, "")])
    return text.replace(f"*{var}", var)


def poly_mul(a: list[int], b: list[int]) -> list[int]:
    """Coefficient lists (index = power) multiplied by convolution."""
    out = [0] * (len(a) + len(b) - 1)
    for i, ca in enumerate(a):
        for j, cb in enumerate(b):
            out[i + j] += ca * cb
    return out
