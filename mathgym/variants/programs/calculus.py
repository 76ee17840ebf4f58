"""Calculus program families (answers are exact numbers, computed with sympy)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import sympy

from mathgym.variants.base import format_number
from mathgym.variants.program import Draw, ProgramFamily, Statement
from mathgym.variants.programs._text import polynomial

_X = sympy.Symbol("x")


def _poly(coeffs: list[int]) -> sympy.Expr:
    n = len(coeffs) - 1
    return sum(c * _X ** (n - i) for i, c in enumerate(coeffs))


def _number(value: sympy.Expr) -> Fraction:
    value = sympy.nsimplify(value)
    return Fraction(int(value.p), int(value.q))


class DerivativeAtPoint(ProgramFamily):
    key = "calc.derivative-at-point"
    topic = "calculus"
    title = "derivative of a polynomial at a point"
    seed_params = {"coeffs": [1, -2, 3], "a": 2}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        coeffs = [draw.int(-5, 5) for _ in range(difficulty + 2)]
        coeffs[0] = draw.nonzero(-5, 5)
        return {"coeffs": coeffs, "a": draw.int(-3, 3 + difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        f = _poly(p["coeffs"])
        d = sympy.expand(sympy.diff(f, _X))
        value = _number(d.subs(_X, p["a"]))
        steps = [f"f'(x) = {sympy.sstr(d).replace('**', '^')}.", f"f'({p['a']}) = {format_number(value)}."]
        return Statement([f"Let f(x) = {polynomial(p['coeffs'])}."], f"What is f'({p['a']})?", value, steps)


class DefiniteIntegral(ProgramFamily):
    key = "calc.definite-integral"
    topic = "calculus"
    title = "definite integral of a polynomial"
    seed_params = {"coeffs": [3, 0, 1], "lo": 0, "hi": 2}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        coeffs = [draw.int(-4, 6) for _ in range(difficulty + 1)]
        coeffs[0] = draw.nonzero(-4, 6)
        lo = draw.int(-2, 2)
        return {"coeffs": coeffs, "lo": lo, "hi": lo + draw.int(1, 2 + difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        f = _poly(p["coeffs"])
        antiderivative = sympy.integrate(f, _X)
        value = _number(sympy.integrate(f, (_X, p["lo"], p["hi"])))
        steps = [
            f"An antiderivative is F(x) = {sympy.sstr(antiderivative).replace('**', '^')}.",
            f"F({p['hi']}) - F({p['lo']}) = {format_number(value)}.",
        ]
        return Statement(
            [],
            f"Evaluate the integral of {polynomial(p['coeffs'])} dx from x = {p['lo']} to x = {p['hi']}.",
            value,
            steps,
        )


class RemovableLimit(ProgramFamily):
    key = "calc.removable-limit"
    topic = "calculus"
    title = "limit of a rational function at a removable singularity"
    seed_params = {"r": 3, "s": 2}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        r = draw.nonzero(-4 * difficulty, 4 * difficulty)
        return {"r": r, "s": draw.int(-5 * difficulty, 5 * difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        r, s = p["r"], p["s"]
        numerator = sympy.expand((_X - r) * (_X - s))
        coeffs = [int(c) for c in sympy.Poly(numerator, _X).all_coeffs()]
        value = r - s
        sign = f"- {r}" if r >= 0 else f"+ {-r}"
        steps = [
            f"Factor: {polynomial(coeffs)} = (x {sign})(x {'- ' + str(s) if s >= 0 else '+ ' + str(-s)}).",
            f"Cancel (x {sign}); the limit is {r} {'- ' + str(s) if s >= 0 else '+ ' + str(-s)} = {value}.",
        ]
        return Statement(
            [], f"Find the limit of ({polynomial(coeffs)}) / (x {sign}) as x approaches {r}.", value, steps
        )


class FenceOptimisation(ProgramFamily):
    key = "calc.max-area"
    topic = "calculus"
    title = "maximise a rectangular area fenced on three sides"
    seed_params = {"L": 100, "unit": "meters", "name": "Farah"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "L": 4 * draw.int(5, 25 * difficulty),
            "unit": draw.choice(["meters", "feet", "yards"]),
            "name": draw.name(),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        L, u = p["L"], p["unit"]
        area = Fraction(L * L, 8)
        facts = [
            f"{p['name']} has {L} {u} of fencing to enclose a rectangular field along a straight river.",
            "No fence is needed along the river.",
        ]
        steps = [
            f"With sides x, x and {L} - 2x, the area is A(x) = x({L} - 2x).",
            f"A'(x) = {L} - 4x = 0 gives x = {format_number(Fraction(L, 4))}.",
            f"The largest area is {format_number(Fraction(L, 4))} × {format_number(Fraction(L, 2))} = "
            f"{format_number(area)} square {u}.",
        ]
        return Statement(
            facts,
            f"What is the largest area, in square {u}, that can be enclosed?",
            area,
            steps,
            people=[p["name"]],
            units=[u],
        )


class Velocity(ProgramFamily):
    key = "calc.velocity"
    topic = "calculus"
    title = "instantaneous velocity from a position function"
    seed_params = {"a": 2, "b": 3, "c": 5, "t": 4}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "a": draw.int(1, 3 * difficulty),
            "b": draw.int(-5, 10),
            "c": draw.int(0, 20),
            "t": draw.int(1, 5 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b, c, t = p["a"], p["b"], p["c"], p["t"]
        v = 2 * a * t + b
        pos = polynomial([a, b, c], "t")
        steps = [
            f"v(t) = s'(t) = {polynomial([2 * a, b], 't')}.",
            f"v({t}) = {2 * a} × {t} {'+' if b >= 0 else '-'} {abs(b)} = {v}.",
        ]
        return Statement(
            [f"A particle moves along a line so that its position at time t seconds is s(t) = {pos} meters."],
            f"What is its velocity, in meters per second, at t = {t}?",
            v,
            steps,
            units=[],
        )
