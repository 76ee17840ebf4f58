"""Arithmetic with fractions (``Fractions``): the answer is a fraction in lowest terms."""

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
from mathgym.generators.expression_tree import OP_SYMBOLS, random_tree, render, solve_steps
from mathgym.generators.formatting import fmt_number

_OPS = ("add", "sub", "mul", "div")


@dataclass(frozen=True)
class FractionsConfig(GeneratorConfig):
    """:param terms: how many fractions the expression has.
    :param max_den: largest denominator of a fraction shown.
    :param ops: allowed operations, ``+``-joined from ``add``, ``sub``, ``mul``, ``div``.
    :param nested: random bracketed shape (True) or a flat sequence read with precedence (False).
    :param improper: whether fractions shown may be larger than 1.
    """

    terms: int = 2
    max_den: int = 12
    ops: str = "add+sub+mul+div"
    nested: bool = False
    improper: bool = False

    def validate(self) -> None:
        check_range("terms", self.terms, 2, 8)
        check_range("max_den", self.max_den, 2, 100)
        check_choices("ops", self.ops, _OPS)


def _frac(value: Fraction, bracket_fractions: bool = False) -> str:
    text = fmt_number(value)
    if value < 0 or (bracket_fractions and value.denominator != 1):
        return f"({text})"
    return text


def _explain(op: str, a: Fraction, b: Fraction, result: Fraction) -> str:
    product = op in ("mul", "div")
    head = f"{_frac(a, product)} {OP_SYMBOLS[op]} {_frac(b, product)}"
    if op in ("add", "sub"):
        if a.denominator == 1 and b.denominator == 1:
            return f"{head} = {fmt_number(result)}"
        lcd = math.lcm(a.denominator, b.denominator)
        na, nb = a.numerator * (lcd // a.denominator), b.numerator * (lcd // b.denominator)
        raw = na + nb if op == "add" else na - nb
        working = (
            f"{head}: over the common denominator {lcd} this is {_frac(Fraction(na))}/{lcd} "
            f"{OP_SYMBOLS[op]} {_frac(Fraction(nb))}/{lcd} = {raw}/{lcd}"
        )
        return (
            working
            if Fraction(raw, lcd) == result and lcd == result.denominator
            else f"{working} = {fmt_number(result)}"
        )
    if op == "div":
        b = 1 / b
        head = f"{head} = {_frac(a, True)} × {_frac(b, True)} (multiply by the reciprocal)"
    num, den = a.numerator * b.numerator, a.denominator * b.denominator
    if den == result.denominator:  # already in lowest terms
        return f"{head} = {fmt_number(result)}"
    return f"{head} = {num}/{den} = {fmt_number(result)}"


class Fractions(ProblemGenerator[FractionsConfig]):
    name = "Fractions"
    description = "Add, subtract, multiply and divide fractions; answer in lowest terms."
    topic = "fractions"
    config_class = FractionsConfig
    levels = (
        {"terms": 2, "max_den": 6, "ops": "add+sub", "nested": False, "improper": False},
        {"terms": 2, "max_den": 12, "ops": "add+sub+mul+div", "nested": False, "improper": False},
        {"terms": 3, "max_den": 12, "ops": "add+sub+mul+div", "nested": False, "improper": True},
        {"terms": 3, "max_den": 20, "ops": "add+sub+mul+div", "nested": True, "improper": True},
        {"terms": 4, "max_den": 24, "ops": "add+sub+mul+div", "nested": True, "improper": True},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: FractionsConfig) -> Generated:
        ops = check_choices("ops", config.ops, _OPS)

        def leaf(r: np.random.Generator) -> Fraction:
            den = int(r.integers(2, config.max_den + 1))
            top = 2 * den if config.improper else den
            num = int(r.integers(1, top))
            if num % den == 0:  # keep every number shown a real fraction
                num += 1
            return Fraction(num, den)

        tree = random_tree(rng, config.terms, ops, leaf, nested=config.nested)
        expression = render(tree, fraction_style=True)
        answer = fmt_number(tree.evaluate())
        steps = solve_steps(tree, _explain, fraction_style=True)
        steps.append(boxed(answer))
        return Generated(
            prompt=f"Calculate {expression}. Give the result as a fraction in lowest terms.",
            answer=answer,
            solution=steps,
            answer_type="fraction",
            params={"expression": expression},
        )
