"""Quadratic equations (``Quadratic``): the answer is the set of real roots."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from mathgym.generators.base import (
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    boxed,
    check_choices,
    check_range,
)
from mathgym.generators.formatting import fmt_expr, fmt_number, fmt_poly, fmt_set, sympy
from mathgym.generators.poly_tools import fmt_factored, implicit

_ROOTS = ("integer", "rational", "irrational")


@dataclass(frozen=True)
class QuadraticConfig(GeneratorConfig):
    """:param roots: root kinds, ``+``-joined from ``integer``, ``rational``, ``irrational`` (surds).
    :param leading_max: largest leading coefficient (1: monic).
    :param root_max: largest absolute value of an integer root or of a rational root's numerator.
    :param rearranged: whether terms appear on both sides of the equation.
    """

    roots: str = "integer"
    leading_max: int = 3
    root_max: int = 12
    rearranged: bool = False

    def validate(self) -> None:
        check_choices("roots", self.roots, _ROOTS)
        check_range("leading_max", self.leading_max, 1, 50)
        check_range("root_max", self.root_max, 2, 1000)


def _signed(rng: np.random.Generator, bound: int, zero: bool = True) -> int:
    value = int(rng.integers(0 if zero else 1, bound + 1))
    return value if rng.random() < 0.5 else -value


class Quadratic(ProblemGenerator[QuadraticConfig]):
    name = "Quadratic"
    description = "Solve a quadratic equation; answer the set of real roots, e.g. {-2, 3}."
    topic = "algebra"
    config_class = QuadraticConfig
    levels = (
        {"roots": "integer", "leading_max": 1, "root_max": 9, "rearranged": False},
        {"roots": "integer", "leading_max": 3, "root_max": 12, "rearranged": False},
        {"roots": "integer+rational", "leading_max": 4, "root_max": 9, "rearranged": False},
        {"roots": "integer+rational+irrational", "leading_max": 5, "root_max": 12, "rearranged": True},
        {"roots": "rational+irrational", "leading_max": 8, "root_max": 20, "rearranged": True},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: QuadraticConfig) -> Generated:
        kinds = check_choices("roots", config.roots, _ROOTS)
        kind = kinds[int(rng.integers(len(kinds)))]
        steps: list[str] = []
        if kind == "irrational":
            coeffs, roots, steps = self._irrational(rng, config)
        else:
            k = int(rng.integers(1, config.leading_max + 1))
            if kind == "integer":
                factors = [(1, -_signed(rng, config.root_max)) for _ in range(2)]
            else:  # at least one root with denominator > 1 (needs leading_max >= 2)
                factors = []
                for i in range(2):
                    q = int(rng.integers(2 if i == 0 else 1, max(2, config.leading_max) + 1))
                    p = _signed(rng, config.root_max, zero=False)
                    g = math.gcd(p, q)
                    factors.append((q // g, -p // g))
                k = 1
            coeffs = [
                k * factors[0][1] * factors[1][1],
                k * (factors[0][0] * factors[1][1] + factors[0][1] * factors[1][0]),
                k * factors[0][0] * factors[1][0],
            ]
            roots_q = sorted({Fraction(-p, q) for q, p in factors})
            roots = [fmt_number(r) for r in roots_q]
            steps.append(
                f"Factor the left side: {implicit(fmt_poly(coeffs))} = {implicit(fmt_factored(k, factors))}."
            )
            if k != 1:
                steps.append(f"Divide both sides by {k}: {implicit(fmt_factored(1, factors))} = 0.")
            solved = " or ".join(f"x = {r}" for r in roots)
            steps.append(f"A product is zero when a factor is zero, so {solved}.")
        equation = f"{implicit(fmt_poly(coeffs))} = 0"
        if config.rearranged:
            m, n = _signed(rng, config.root_max, zero=False), _signed(rng, config.root_max)
            left = [coeffs[0] + n, coeffs[1] + m, coeffs[2]]
            equation = f"{implicit(fmt_poly(left))} = {implicit(fmt_poly([n, m]))}"
            steps.insert(0, f"Bring every term to the left side: {implicit(fmt_poly(coeffs))} = 0.")
        answer = fmt_set(roots)
        steps.append(f"The solution set is {answer}. {boxed(answer)}")
        return Generated(
            f"Solve {equation} for x. Give all real solutions as a set.",
            answer,
            steps,
            "set",
            {"kind": kind, "equation": equation, "coefficients": coeffs},
        )

    def _irrational(
        self, rng: np.random.Generator, config: QuadraticConfig
    ) -> tuple[list[int], list[str], list[str]]:
        while True:  # draw until the discriminant is positive and not a perfect square
            a = int(rng.integers(1, config.leading_max + 1))
            b = _signed(rng, config.root_max)
            c = _signed(rng, config.root_max, zero=False)
            disc = b * b - 4 * a * c
            if disc > 0 and math.isqrt(disc) ** 2 != disc and math.gcd(math.gcd(a, b), c) == 1:
                break
        root_d = sympy.sqrt(sympy.Integer(disc))
        low = sympy.Rational(-b, 2 * a) - root_d / (2 * a)
        high = sympy.Rational(-b, 2 * a) + root_d / (2 * a)
        roots = [fmt_expr(low), fmt_expr(high)]  # a > 0, so the minus sign gives the smaller root
        steps = [
            (
                f"It does not factor over the rationals: the discriminant is b^2 - 4ac = "
                f"({b})^2 - 4·{a}·({c}) = {disc}, which is not a perfect square."
            ),
            (
                f"By the quadratic formula, x = ({-b} ± sqrt({disc}))/{2 * a}, and sqrt({disc}) = "
                f"{fmt_expr(root_d)}."
            ),
            f"So x = {roots[0]} or x = {roots[1]}.",
        ]
        return [c, b, a], roots, steps
