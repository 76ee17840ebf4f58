"""Tracers of ``LinearEquation``, ``LinearSystem2x2``, ``Quadratic`` and ``Polynomial``.

After an injected error the equation being solved is a different one, and the tracer goes on solving
*that* equation correctly: a wrong quadratic that no longer factors is solved with the quadratic formula,
a wrong quotient in a factorisation is factored as far as it goes.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from mathgym.generators.base import boxed
from mathgym.generators.formatting import (
    fmt_expr,
    fmt_linear_side,
    fmt_number,
    fmt_poly,
    fmt_set,
    fmt_tuple,
    poly_mul,
    sympy,
)
from mathgym.generators.poly_tools import (
    LinearFactor,
    _divisors,
    content_of,
    divide_linear,
    evaluate,
    fmt_factor,
    fmt_factored,
    implicit,
)
from mathgym.problem import Problem
from mathgym.process.tape import COPIED, DROPPED, FORMULA, SIGN, SLIP, InjectionSkipped, Tape
from mathgym.process.tracers import UnsupportedProblem, tracer

# ------------------------------------------------------------------------------------- LinearEquation
_BRACKETS = re.compile(r"^(?P<outer>-?\d*)\(x (?P<sign>[+-]) (?P<p>\d+)\)(?: (?P<rsign>[+-]) (?P<r>\d+))? = ")


@tracer("LinearEquation")
def trace_linear_equation(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    a, b, c, d = (int(params[k]) for k in "abcd")
    if params["form"] == "brackets":
        match = _BRACKETS.match(params["equation"])
        if not match:
            raise UnsupportedProblem(f"cannot read the brackets of {params['equation']!r}")
        outer = {"": 1, "-": -1}.get(match["outer"]) or int(match["outer"])
        p = int(match["p"]) * (1 if match["sign"] == "+" else -1)
        r = int(match["r"] or 0) * (1 if match["rsign"] in ("+", None) else -1)
        expanded = tape.calc("mul", outer, p)
        b = tape.calc("add", expanded.value, r, kinds=(SLIP, SIGN, COPIED)).value if r else expanded.value
        tape.emit(
            f"Expand the brackets: {fmt_linear_side(outer, expanded.value)}"
            f"{'' if r == 0 else (' + ' if r > 0 else ' - ') + str(abs(r))} = "
            f"{fmt_linear_side(c, d)}, which simplifies to {fmt_linear_side(a, b)} = {fmt_linear_side(c, d)}."
        )
    moved = False
    k = a - c
    if c != 0:
        verb = f"Subtract {fmt_linear_side(c, 0)} from" if c > 0 else f"Add {fmt_linear_side(-c, 0)} to"
        k = tape.calc("sub", a, c, kinds=(SLIP, SIGN)).value
        _nonzero(k)
        tape.emit(f"{verb} both sides: {fmt_linear_side(k, b)} = {fmt_number(d)}.")
        moved = True
    rhs = d - b
    if b != 0:
        verb = f"Subtract {b} from" if b > 0 else f"Add {-b} to"
        rhs = tape.calc("sub", d, b, kinds=(SLIP, SIGN, COPIED)).value
        tape.emit(f"{verb} both sides: {fmt_linear_side(k, 0)} = {fmt_number(rhs)}.")
        moved = True
    x0: Any = rhs
    if k != 1:
        division = tape.calc("div", rhs, k, kinds=(SLIP, SIGN, "wrong_operation"))
        x0 = division.value
        if division.op == "mul":  # multiplied instead of dividing
            tape.emit(f"Divide both sides by {k}: x = {fmt_number(rhs)} × {k} = {fmt_number(x0)}.")
        elif k > 0:
            tape.emit(f"Divide both sides by {k}: x = {fmt_number(rhs)}/{k} = {fmt_number(x0)}.")
        else:
            tape.emit(f"Divide both sides by {k}: x = {fmt_number(x0)}.")
        moved = True
    if not moved:
        tape.emit(f"x is already alone on the left side: x = {fmt_number(x0)}.")
    answer = fmt_number(x0)
    tape.emit(f"The solution is x = {answer}. {boxed(answer)}")


def _nonzero(value: Any) -> None:
    if value == 0:
        raise InjectionSkipped("a wrong value removed the unknown")


# ------------------------------------------------------------------------------------ LinearSystem2x2
def _p(value: int | Fraction) -> str:
    return f"({fmt_number(value)})" if value < 0 else fmt_number(value)


@tracer("LinearSystem2x2")
def trace_linear_system(problem: Problem, tape: Tape) -> None:
    (a1, b1, e), (a2, b2, f) = problem.meta["params"]["coefficients"]
    det = tape.value(a1 * b2 - a2 * b1, alternatives=[a1 * b2 + a2 * b1])
    num = tape.value(e * b2 - f * b1, alternatives=[e * b2 + f * b1])
    _nonzero(det)
    tape.emit(
        f"Eliminate y: multiply the first equation by {b2} and the second by {b1}, then subtract: "
        f"({_p(a1)}·{_p(b2)} - {_p(a2)}·{_p(b1)})x = {_p(e)}·{_p(b2)} - {_p(f)}·{_p(b1)}, "
        f"that is {det}x = {num}."
    )
    x = Fraction(tape.calc("div", num, det, kinds=(SLIP, SIGN)).value)
    tape.emit(f"So x = {num}/{_p(det)} = {fmt_number(x)}.")
    rest = Fraction(tape.value(e - a1 * x, alternatives=[e + a1 * x]))
    y = Fraction(tape.calc("div", rest, b1, kinds=(SLIP, SIGN)).value)
    tape.emit(
        f"Substitute into the first equation: {fmt_linear_side(b1, 0).replace('x', 'y')} = "
        f"{e} - {_p(a1)}·{_p(x)} = {fmt_number(rest)}, so y = {fmt_number(y)}."
    )
    answer = fmt_tuple([fmt_number(x), fmt_number(y)])
    tape.emit(f"The solution is x = {fmt_number(x)}, y = {fmt_number(y)}. {boxed(answer)}")


# ------------------------------------------------------------------------------------------ Quadratic
def _side_coefficients(text: str) -> list[int]:
    """Integer coefficients (index = power) of one side of a prompt's equation."""
    from mathgym.verifier import to_sympy

    poly = sympy.Poly(to_sympy(text), sympy.Symbol("x"))
    return [int(c) for c in reversed(poly.all_coeffs())]


def _rational_roots(coeffs: list[int]) -> list[Fraction]:
    """The rational roots of an integer quadratic (with multiplicity), or [] when it has fewer than two."""
    c0, c1, c2 = coeffs
    disc = c1 * c1 - 4 * c2 * c0
    if disc < 0 or math.isqrt(disc) ** 2 != disc:
        return []
    s = math.isqrt(disc)
    return [Fraction(-c1 - s, 2 * c2), Fraction(-c1 + s, 2 * c2)]


@tracer("Quadratic")
def trace_quadratic(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    coeffs = [int(v) for v in params["coefficients"]]
    left_text, _, right_text = params["equation"].partition(" = ")
    if right_text != "0":  # "Bring every term to the left side"
        left, right = _side_coefficients(left_text), _side_coefficients(right_text)
        right += [0] * (3 - len(right))
        c1 = tape.calc("sub", left[1], right[1], kinds=(SLIP, SIGN)).value
        c0 = tape.calc("sub", left[0], right[0], kinds=(SLIP, SIGN)).value
        coeffs = [c0, c1, left[2]]
        tape.emit(f"Bring every term to the left side: {implicit(fmt_poly(coeffs))} = 0.")
    roots = _rational_roots(coeffs)
    if roots:
        answers = _factor_path(tape, coeffs, roots)
    else:
        answers = _formula_path(tape, coeffs)
    answer = fmt_set(answers)
    tape.emit(f"The solution set is {answer}. {boxed(answer)}")


def _factor_path(tape: Tape, coeffs: list[int], roots: list[Fraction]) -> list[str]:
    k = content_of(coeffs)
    factors: list[LinearFactor] = []
    for root in roots:
        q, p = root.denominator, -root.numerator
        p = tape.value(p, kinds=(SLIP, SIGN)) if p != 0 else p  # a wrong constant in one factor
        factors.append((q, p))
    tape.emit(f"Factor the left side: {implicit(fmt_poly(coeffs))} = {implicit(fmt_factored(k, factors))}.")
    if k != 1:
        tape.emit(f"Divide both sides by {k}: {implicit(fmt_factored(1, factors))} = 0.")
    values = []
    for q, p in factors:
        root = Fraction(-p, q)
        values.append(Fraction(tape.value(root, kinds=(SIGN,))) if root != 0 else root)  # x = p instead of -p
    found = sorted(set(values))
    tape.emit(
        f"A product is zero when a factor is zero, so {' or '.join(f'x = {fmt_number(r)}' for r in found)}."
    )
    return [fmt_number(r) for r in found]


def _formula_path(tape: Tape, coeffs: list[int]) -> list[str]:
    c, b, a = coeffs
    disc = tape.value(b * b - 4 * a * c, alternatives=[b * b + 4 * a * c])
    if disc <= 0 or math.isqrt(disc) ** 2 == disc:
        raise InjectionSkipped("the wrong discriminant changes the kind of the roots")
    tape.emit(
        f"It does not factor over the rationals: the discriminant is b^2 - 4ac = "
        f"({b})^2 - 4·{a}·({c}) = {disc}, which is not a perfect square."
    )
    minus_b = tape.value(-b, kinds=(SIGN,)) if b != 0 else 0
    denominator = tape.value(2 * a, alternatives=[a], kinds=(FORMULA,))
    root_d = sympy.sqrt(sympy.Integer(disc))
    tape.emit(
        f"By the quadratic formula, x = ({minus_b} ± sqrt({disc}))/{denominator}, and sqrt({disc}) = "
        f"{fmt_expr(root_d)}."
    )
    low = sympy.Rational(minus_b, denominator) - root_d / denominator
    high = sympy.Rational(minus_b, denominator) + root_d / denominator
    roots = [fmt_expr(low), fmt_expr(high)]
    tape.emit(f"So x = {roots[0]} or x = {roots[1]}.")
    return roots


# ----------------------------------------------------------------------------------------- Polynomial
def _poly_expr(coeffs: list[int]) -> Any:
    x = sympy.Symbol("x")
    return sum((int(c) * x**i for i, c in enumerate(coeffs)), sympy.Integer(0))


def _perturbed_coeffs(
    tape: Tape, coeffs: list[int], kinds: tuple[str, ...] = (SLIP, SIGN, DROPPED)
) -> list[int]:
    """A coefficient list through :meth:`Tape.expr` (as the polynomial it stands for)."""
    out = tape.expr(_poly_expr(coeffs), kinds=kinds)
    poly = sympy.Poly(out, sympy.Symbol("x"))
    values = [int(v) for v in reversed(poly.all_coeffs())]
    return values + [0] * (len(coeffs) - len(values)) if len(values) < len(coeffs) else values


@tracer("Polynomial")
def trace_polynomial(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    factors = [tuple(f) for f in params["factors"]]
    if params["mode"] == "expand":
        quadratic = params.get("quadratic")
        _expand(
            tape,
            params["product"],
            int(params["content"]),
            factors,
            [int(c) for c in quadratic] if quadratic else None,
        )
    else:
        _factor(tape, [int(c) for c in _side_coefficients(params["polynomial"])])


def _expand(tape: Tape, product: str, content: int, factors: list, quadratic: list[int] | None) -> None:
    coeffs = [content]
    pieces = [[p, q] for q, p in sorted(factors)] + ([quadratic] if quadratic else [])
    for piece in pieces:
        before = coeffs
        coeffs = poly_mul(coeffs, piece)
        if before == [1]:
            continue
        coeffs = _perturbed_coeffs(tape, coeffs)
        tape.emit(
            f"Multiply {implicit(fmt_poly(before))} by ({implicit(fmt_poly(piece))}): {implicit(fmt_poly(coeffs))}."
        )
    answer = fmt_poly(coeffs)
    tape.emit(f"So {implicit(product)} = {answer}. {boxed(answer)}")


def _factor(tape: Tape, coeffs: list[int]) -> None:
    """:func:`~mathgym.generators.poly_tools.rational_root_factorization` with each quotient on the tape."""
    content = content_of(coeffs)
    poly = [c // content for c in coeffs]
    if content != 1:
        poly = _perturbed_coeffs(tape, poly, kinds=(SLIP, SIGN))
        tape.emit(f"Take out the common factor {content}: {content}({implicit(fmt_poly(poly))}).")
    factors: list[LinearFactor] = []
    while len(poly) > 1 and poly[0] == 0:
        factors.append((1, 0))
        poly = poly[1:]
        tape.emit(f"x is a factor of every term: take it out, leaving {implicit(fmt_poly(poly))}.")
    while len(poly) > 2:
        lead, const = poly[-1], poly[0]
        if lead == 0 or const == 0:
            raise InjectionSkipped("a wrong quotient lost its leading or constant term")
        candidates = sorted(
            {Fraction(sign * p, q) for p in _divisors(const) for q in _divisors(lead) for sign in (1, -1)},
            key=lambda r: (abs(r), r < 0),
        )
        root = next((r for r in candidates if evaluate(poly, r) == 0), None)
        if root is None:
            break
        factor = (root.denominator, -root.numerator)
        before = fmt_poly(poly)
        poly = _perturbed_coeffs(tape, divide_linear(poly, factor))
        factors.append(factor)
        tape.emit(
            f"x = {fmt_number(root)} is a root of {implicit(before)} (rational root theorem), so "
            f"{implicit(fmt_factor(factor))} is a factor: {implicit(before)} = "
            f"{implicit(fmt_factor(factor))}({implicit(fmt_poly(poly))})."
        )
    extra: list[str] = []
    if len(poly) == 2:
        if poly[1] < 0:
            poly = [-poly[0], -poly[1]]
            content = -content
        factors.append((poly[1], poly[0]))
    elif len(poly) > 2:  # an irreducible (wrong) cofactor stays as it is
        extra = [f"({fmt_poly(poly)})"]
    answer = fmt_factored(content, factors, extra)
    tape.emit(f"The complete factorization is {answer}. {boxed(answer)}")
