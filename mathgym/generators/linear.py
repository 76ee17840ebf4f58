"""Linear equations in one unknown (``LinearEquation``) and 2×2 linear systems (``LinearSystem2x2``)."""

from __future__ import annotations

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
from mathgym.generators.formatting import fmt_linear_side, fmt_number, fmt_signed_terms, fmt_tuple

_FORMS = ("simple", "both", "brackets")


def _nonzero(rng: np.random.Generator, bound: int) -> int:
    value = int(rng.integers(1, bound + 1))
    return value if rng.random() < 0.5 else -value


def _solution(rng: np.random.Generator, bound: int, fractional: bool) -> Fraction:
    if fractional and rng.random() < 0.6:
        den = int(rng.integers(2, 7))
        num = _nonzero(rng, bound * den)
        if num % den == 0:
            num += 1
        return Fraction(num, den)
    return Fraction(int(rng.integers(-bound, bound + 1)))


@dataclass(frozen=True)
class LinearEquationConfig(GeneratorConfig):
    """:param forms: equation shapes, ``+``-joined from ``simple`` (ax + b = c), ``both`` (x on both sides)
        and ``brackets`` (a(x + b) + c = dx + e).
    :param coef_max: largest absolute coefficient.
    :param solution_max: largest absolute value of the solution.
    :param fractional: whether the solution may be a fraction.
    """

    forms: str = "simple+both"
    coef_max: int = 9
    solution_max: int = 10
    fractional: bool = False

    def validate(self) -> None:
        check_choices("forms", self.forms, _FORMS)
        check_range("coef_max", self.coef_max, 2, 1000)
        check_range("solution_max", self.solution_max, 1, 1000)


def _with_var(coef: Fraction | int, const: Fraction | int) -> str:
    return fmt_linear_side(coef, const)


def _move_steps(a: int, b: int, c: int, d: int, x0: Fraction) -> list[str]:
    """Steps from ``a x + b = c x + d`` (a != c) to ``x = x0``."""
    steps = []
    if c != 0:
        verb = f"Subtract {fmt_linear_side(c, 0)} from" if c > 0 else f"Add {fmt_linear_side(-c, 0)} to"
        steps.append(f"{verb} both sides: {_with_var(a - c, b)} = {fmt_number(d)}.")
    k, rhs = a - c, d - b
    if b != 0:
        verb = f"Subtract {b} from" if b > 0 else f"Add {-b} to"
        steps.append(f"{verb} both sides: {_with_var(k, 0)} = {fmt_number(rhs)}.")
    if k != 1:
        steps.append(
            f"Divide both sides by {k}: x = {fmt_number(rhs)}/{k} = {fmt_number(x0)}."
            if k > 0
            else f"Divide both sides by {k}: x = {fmt_number(Fraction(rhs, k))}."
        )
    return steps


class LinearEquation(ProblemGenerator[LinearEquationConfig]):
    name = "LinearEquation"
    description = "Solve a linear equation in x (one or both sides, with brackets)."
    topic = "algebra"
    config_class = LinearEquationConfig
    levels = (
        {"forms": "simple", "coef_max": 9, "solution_max": 10, "fractional": False},
        {"forms": "simple+both", "coef_max": 9, "solution_max": 10, "fractional": False},
        {"forms": "both+brackets", "coef_max": 12, "solution_max": 15, "fractional": False},
        {"forms": "both+brackets", "coef_max": 15, "solution_max": 15, "fractional": True},
        {"forms": "brackets", "coef_max": 25, "solution_max": 30, "fractional": True},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: LinearEquationConfig) -> Generated:
        forms = check_choices("forms", config.forms, _FORMS)
        form = forms[int(rng.integers(len(forms)))]
        x0 = _solution(rng, config.solution_max, config.fractional)
        q = x0.denominator
        m = config.coef_max
        # the net x coefficient is a multiple of the solution's denominator so every constant is an integer
        k = q * _nonzero(rng, max(1, m // q))
        steps: list[str] = []
        if form == "simple":
            a, c = k, 0
            b = int(rng.integers(-m, m + 1))
            d = int(k * x0 + b)
            equation = f"{_with_var(a, b)} = {d}"
        elif form == "both":
            c = _nonzero(rng, m)
            a = c + k  # may be 0: then x appears on the right only, still a fine equation
            b = int(rng.integers(-m, m + 1))
            d = int(k * x0 + b)
            equation = f"{_with_var(a, b)} = {_with_var(c, d)}"
        else:  # a(x + p) + r = c x + d, expanded to a x + (a p + r) = c x + d
            outer = _nonzero(rng, max(2, m // 2))
            p = _nonzero(rng, m)
            r = int(rng.integers(-m, m + 1))
            c = outer - k
            a, b = outer, outer * p + r
            d = int(k * x0 + b)
            inner = _with_var(1, p)
            head = f"{outer}({inner})" if outer != -1 else f"-({inner})"
            lhs = head if r == 0 else f"{head} {'+' if r > 0 else '-'} {abs(r)}"
            equation = f"{lhs} = {_with_var(c, d)}"
            steps.append(
                f"Expand the brackets: {fmt_linear_side(outer, outer * p)}"
                f"{'' if r == 0 else (' + ' if r > 0 else ' - ') + str(abs(r))} = "
                f"{_with_var(c, d)}, which simplifies to {_with_var(a, b)} = "
                f"{_with_var(c, d)}."
            )
        assert a - c == k and Fraction(d - b, k) == x0
        moves = _move_steps(a, b, c, d, x0)
        steps += moves or [f"x is already alone on the left side: x = {fmt_number(x0)}."]
        answer = fmt_number(x0)
        steps.append(f"The solution is x = {answer}. {boxed(answer)}")
        return Generated(
            f"Solve for x: {equation}.",
            answer,
            steps,
            "integer" if q == 1 else "fraction",
            {"form": form, "equation": equation, "a": a, "b": b, "c": c, "d": d},
        )


@dataclass(frozen=True)
class LinearSystemConfig(GeneratorConfig):
    """:param coef_max: largest absolute coefficient.
    :param solution_max: largest absolute value of x and y (integer solutions).
    :param fractional: solve for integer right-hand sides instead, so x and y may be fractions.
    :param negative: whether coefficients may be negative.
    """

    coef_max: int = 6
    solution_max: int = 10
    fractional: bool = False
    negative: bool = True

    def validate(self) -> None:
        check_range("coef_max", self.coef_max, 2, 1000)
        check_range("solution_max", self.solution_max, 1, 1000)


def _p(value: int | Fraction) -> str:
    """A number as a factor in a product: negatives in parentheses."""
    return f"({fmt_number(value)})" if value < 0 else fmt_number(value)


def _equation(a: int, b: int, e: int) -> str:
    return f"{fmt_signed_terms([(a, 'x'), (b, 'y')]).replace('*', '')} = {e}"


class LinearSystem2x2(ProblemGenerator[LinearSystemConfig]):
    name = "LinearSystem2x2"
    description = "Solve a system of two linear equations in x and y; answer (x, y)."
    topic = "algebra"
    config_class = LinearSystemConfig
    levels = (
        {"coef_max": 4, "solution_max": 6, "fractional": False, "negative": False},
        {"coef_max": 6, "solution_max": 10, "fractional": False, "negative": True},
        {"coef_max": 12, "solution_max": 20, "fractional": False, "negative": True},
        {"coef_max": 9, "solution_max": 20, "fractional": True, "negative": True},
        {"coef_max": 20, "solution_max": 50, "fractional": True, "negative": True},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: LinearSystemConfig) -> Generated:
        def coef() -> int:
            return (
                _nonzero(rng, config.coef_max)
                if config.negative
                else int(rng.integers(1, config.coef_max + 1))
            )

        while True:  # nonzero coefficients and a nonzero determinant (a few draws at most)
            a1, b1, a2, b2 = coef(), coef(), coef(), coef()
            det = a1 * b2 - a2 * b1
            if det != 0:
                break
        if config.fractional:
            s = config.solution_max
            e, f = int(rng.integers(-s, s + 1)), int(rng.integers(-s, s + 1))
        else:
            s = config.solution_max
            xs, ys = int(rng.integers(-s, s + 1)), int(rng.integers(-s, s + 1))
            e, f = a1 * xs + b1 * ys, a2 * xs + b2 * ys
        x = Fraction(e * b2 - f * b1, det)
        y = Fraction(a1 * f - a2 * e, det)
        eq1, eq2 = _equation(a1, b1, e), _equation(a2, b2, f)
        steps = [
            (
                f"Eliminate y: multiply the first equation by {b2} and the second by {b1}, then subtract: "
                f"({_p(a1)}·{_p(b2)} - {_p(a2)}·{_p(b1)})x = {_p(e)}·{_p(b2)} - {_p(f)}·{_p(b1)}, "
                f"that is {det}x = {e * b2 - f * b1}."
            ),
            f"So x = {e * b2 - f * b1}/{_p(det)} = {fmt_number(x)}.",
            (
                f"Substitute into the first equation: {fmt_linear_side(b1, 0).replace('x', 'y')} = "
                f"{e} - {_p(a1)}·{_p(x)} = {fmt_number(e - a1 * x)}, so y = {fmt_number(y)}."
            ),
        ]
        answer = fmt_tuple([fmt_number(x), fmt_number(y)])
        steps.append(f"The solution is x = {fmt_number(x)}, y = {fmt_number(y)}. {boxed(answer)}")
        prompt = (
            f"Solve the system of equations {eq1} and {eq2}. Give the solution as an ordered pair (x, y)."
        )
        return Generated(
            prompt,
            answer,
            steps,
            "tuple",
            {"equations": [eq1, eq2], "coefficients": [[a1, b1, e], [a2, b2, f]]},
        )
