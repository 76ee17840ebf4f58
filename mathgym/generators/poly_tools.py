"""Integer polynomials as coefficient lists (index = power): products, linear factors, rational roots.

Used by the Quadratic and Polynomial generators to build problems from chosen factors and to write
the factoring steps a student would take (common factor, then the rational root theorem).
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

from mathgym.generators.formatting import fmt_number, fmt_poly, poly_mul

#: ``(q, p)`` stands for the primitive linear factor ``q*x + p`` with ``q > 0`` and gcd(q, p) = 1
LinearFactor = tuple[int, int]


def content_of(coeffs: list[int]) -> int:
    """The gcd of the coefficients, signed like the leading coefficient."""
    g = 0
    for c in coeffs:
        g = math.gcd(g, c)
    return -g if coeffs[-1] < 0 else g


def fmt_factor(factor: LinearFactor, power: int = 1) -> str:
    q, p = factor
    inner = fmt_poly([p, q])
    text = inner if p == 0 and q == 1 else f"({inner})"
    return text if power == 1 else f"{text}^{power}"


def fmt_factored(content: int, factors: list[LinearFactor], extra: list[str] | None = None) -> str:
    """``2*(x - 3)*(x + 2)^2``: the content, then each distinct factor (sorted) with its power."""
    counts = Counter(factors)
    parts = [fmt_factor(f, counts[f]) for f in sorted(counts, key=lambda f: (f[0], abs(f[1]), f[1]))]
    parts += extra or []
    if content == -1:
        return "-" + "*".join(parts)
    if content != 1:
        parts.insert(0, str(content))
    return "*".join(parts)


def implicit(text: str) -> str:
    """Textbook spelling for prompts: ``2*x^2`` -> ``2x^2``, ``(x + 1)*(x - 2)`` -> ``(x + 1)(x - 2)``."""
    return text.replace("*", "")


def expand_factors(content: int, factors: list[LinearFactor]) -> list[int]:
    coeffs = [content]
    for q, p in factors:
        coeffs = poly_mul(coeffs, [p, q])
    return coeffs


def evaluate(coeffs: list[int], x: Fraction) -> Fraction:
    value = Fraction(0)
    for c in reversed(coeffs):
        value = value * x + c
    return value


def divide_linear(coeffs: list[int], factor: LinearFactor) -> list[int]:
    """Exact quotient of ``coeffs`` by ``q*x + p`` (raises if the division leaves a remainder)."""
    q, p = factor
    rest = [Fraction(c) for c in coeffs]
    out = [Fraction(0)] * (len(coeffs) - 1)
    for power in range(len(coeffs) - 1, 0, -1):  # long division from the top
        lead = rest[power] / q
        out[power - 1] = lead
        rest[power] -= lead * q
        rest[power - 1] -= lead * p
    if rest[0] != 0 or any(c.denominator != 1 for c in out):
        raise ValueError(f"{fmt_poly(coeffs)} is not divisible by {fmt_factor(factor)} over the integers")
    return [int(c) for c in out]


def _divisors(n: int) -> list[int]:
    """Positive divisors of ``n`` by trial division up to its square root."""
    n = abs(n)
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def rational_root_factorization(coeffs: list[int]) -> tuple[int, list[LinearFactor], list[int], list[str]]:
    """Factor out the content and every rational root, explaining each step.

    :returns: ``(content, linear factors, remaining primitive cofactor, step strings)``.
    """
    steps: list[str] = []
    content = content_of(coeffs)
    poly = [c // content for c in coeffs]
    if content != 1:
        steps.append(f"Take out the common factor {content}: {content}({implicit(fmt_poly(poly))}).")
    factors: list[LinearFactor] = []
    while len(poly) > 1 and poly[0] == 0:
        factors.append((1, 0))
        poly = poly[1:]
        steps.append(f"x is a factor of every term: take it out, leaving {implicit(fmt_poly(poly))}.")
    while len(poly) > 2:
        lead, const = poly[-1], poly[0]
        candidates = sorted(
            {Fraction(sign * p, q) for p in _divisors(const) for q in _divisors(lead) for sign in (1, -1)},
            key=lambda r: (abs(r), r < 0),
        )
        root = next((r for r in candidates if evaluate(poly, r) == 0), None)
        if root is None:
            break
        factor = (root.denominator, -root.numerator)
        before = fmt_poly(poly)
        poly = divide_linear(poly, factor)
        factors.append(factor)
        steps.append(
            f"x = {fmt_number(root)} is a root of {implicit(before)} (rational root theorem), so "
            f"{implicit(fmt_factor(factor))} is a factor: {implicit(before)} = "
            f"{implicit(fmt_factor(factor))}({implicit(fmt_poly(poly))})."
        )
    if len(poly) == 2:
        if poly[1] < 0:  # keep factors with a positive x coefficient
            poly = [-poly[0], -poly[1]]
            content = -content
        factors.append((poly[1], poly[0]))
        poly = [1]
    return content, factors, poly, steps
