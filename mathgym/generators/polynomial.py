"""Polynomial expansion and factoring (``Polynomial``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mathgym.generators.base import (
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    boxed,
    check_choices,
    check_range,
)
from mathgym.generators.formatting import fmt_poly, poly_mul
from mathgym.generators.poly_tools import (
    LinearFactor,
    expand_factors,
    fmt_factored,
    implicit,
    rational_root_factorization,
)

_MODES = ("expand", "factor")


@dataclass(frozen=True)
class PolynomialConfig(GeneratorConfig):
    """:param mode: task kinds, ``+``-joined from ``expand`` and ``factor``.
    :param factors: how many linear factors the polynomial has (its degree, without quadratic factors).
    :param coef_max: largest absolute constant term of a factor.
    :param leading_max: largest x coefficient of a factor (1: monic factors).
    :param repeated: whether a factor may repeat (shown as a power).
    :param content: whether the polynomial has a numeric common factor.
    :param quadratic: whether an expansion may include an irreducible quadratic factor.
    """

    mode: str = "expand+factor"
    factors: int = 2
    coef_max: int = 9
    leading_max: int = 1
    repeated: bool = False
    content: bool = False
    quadratic: bool = False

    def validate(self) -> None:
        check_choices("mode", self.mode, _MODES)
        check_range("factors", self.factors, 1, 5)
        check_range("coef_max", self.coef_max, 1, 30)
        check_range("leading_max", self.leading_max, 1, 10)


class Polynomial(ProblemGenerator[PolynomialConfig]):
    name = "Polynomial"
    description = "Expand a product of polynomials, or factor a polynomial completely over the integers."
    topic = "algebra"
    config_class = PolynomialConfig
    levels = (
        {"mode": "expand", "factors": 2, "coef_max": 5, "leading_max": 1},
        {"mode": "expand+factor", "factors": 2, "coef_max": 9, "leading_max": 1},
        {"mode": "expand+factor", "factors": 2, "coef_max": 9, "leading_max": 3, "content": True},
        {
            "mode": "expand+factor",
            "factors": 3,
            "coef_max": 6,
            "leading_max": 3,
            "repeated": True,
            "content": True,
        },
        {
            "mode": "expand+factor",
            "factors": 4,
            "coef_max": 6,
            "leading_max": 3,
            "repeated": True,
            "content": True,
            "quadratic": True,
        },
    )
    default_level = 1

    def _factor(self, rng: np.random.Generator, config: PolynomialConfig) -> LinearFactor:
        while True:
            q = int(rng.integers(1, config.leading_max + 1))
            p = int(rng.integers(-config.coef_max, config.coef_max + 1))
            if math.gcd(q, p) == 1:  # primitive, so the factorization is unique
                return q, p

    def generate(self, rng: np.random.Generator, config: PolynomialConfig) -> Generated:
        modes = check_choices("mode", config.mode, _MODES)
        mode = modes[int(rng.integers(len(modes)))]
        factors: list[LinearFactor] = []
        for _ in range(config.factors):
            if factors and config.repeated and rng.random() < 0.3:
                factors.append(factors[int(rng.integers(len(factors)))])
            else:
                factors.append(self._factor(rng, config))
        content = int(rng.integers(2, 6)) if config.content and rng.random() < 0.6 else 1
        if mode == "factor":
            return self._factor_task(content, factors)
        quadratic: list[int] | None = None
        if config.quadratic and rng.random() < 0.5:
            # x^2 + b x + c with a negative discriminant never factors further
            b = int(rng.integers(-config.coef_max, config.coef_max + 1))
            c = b * b // 4 + int(rng.integers(1, config.coef_max + 1))
            quadratic = [c, b, 1]
            factors = factors[:-1]
        return self._expand_task(content, factors, quadratic)

    def _factor_task(self, content: int, factors: list[LinearFactor]) -> Generated:
        coeffs = expand_factors(content, factors)
        found_content, found, rest, steps = rational_root_factorization(coeffs)
        # the construction and the student-style search must agree (a self-check of the generator)
        if found_content != content or sorted(found) != sorted(factors) or rest != [1]:
            raise AssertionError(f"factoring {fmt_poly(coeffs)} found {found_content}, {found}")
        answer = fmt_factored(content, factors)
        steps.append(f"The complete factorization is {answer}. {boxed(answer)}")
        prompt = f"Factor {implicit(fmt_poly(coeffs))} completely over the integers."
        return Generated(
            prompt,
            answer,
            steps,
            "expression",
            {
                "mode": "factor",
                "answer_form": "factored",
                "polynomial": fmt_poly(coeffs),
                "content": content,
                "factors": [list(f) for f in factors],
            },
        )

    def _expand_task(
        self, content: int, factors: list[LinearFactor], quadratic: list[int] | None
    ) -> Generated:
        extra = [f"({fmt_poly(quadratic)})"] if quadratic else []
        product = fmt_factored(content, factors, extra)
        steps = []
        coeffs = [content]
        pieces = [[p, q] for q, p in sorted(factors)] + ([quadratic] if quadratic else [])
        for piece in pieces:
            before = coeffs
            coeffs = poly_mul(coeffs, piece)
            if before == [1]:
                continue
            steps.append(
                f"Multiply {implicit(fmt_poly(before))} by ({implicit(fmt_poly(piece))}): "
                f"{implicit(fmt_poly(coeffs))}."
            )
        answer = fmt_poly(coeffs)
        steps.append(f"So {implicit(product)} = {answer}. {boxed(answer)}")
        return Generated(
            f"Expand and simplify {implicit(product)}.",
            answer,
            steps,
            "expression",
            {
                "mode": "expand",
                "product": product,
                "content": content,
                "factors": [list(f) for f in factors],
                "quadratic": quadratic,
            },
        )
