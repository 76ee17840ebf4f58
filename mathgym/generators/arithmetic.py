"""Integer arithmetic expressions (``Arithmetic``)."""

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
from mathgym.generators.expression_tree import (
    OP_SYMBOLS,
    make_exact_integer,
    random_tree,
    render,
    solve_steps,
)
from mathgym.generators.formatting import fmt_number

_OPS = ("add", "sub", "mul", "div")


@dataclass(frozen=True)
class ArithmeticConfig(GeneratorConfig):
    """:param digits: most digits of each number shown.
    :param terms: how many numbers the expression has.
    :param ops: allowed operations, ``+``-joined from ``add``, ``sub``, ``mul``, ``div`` (divisions are exact).
    :param nested: random bracketed shape (True) or a flat sequence read with precedence (False).
    :param allow_negative: whether subtractions may go below zero.
    """

    digits: int = 2
    terms: int = 3
    ops: str = "add+sub+mul"
    nested: bool = False
    allow_negative: bool = False

    def validate(self) -> None:
        check_range("digits", self.digits, 1, 6)
        check_range("terms", self.terms, 2, 12)
        check_choices("ops", self.ops, _OPS)


def _explain(op: str, a: Fraction, b: Fraction, result: Fraction) -> str:
    shown_b = f"({fmt_number(b)})" if b < 0 else fmt_number(b)
    return f"{fmt_number(a)} {OP_SYMBOLS[op]} {shown_b} = {fmt_number(result)}"


class Arithmetic(ProblemGenerator[ArithmeticConfig]):
    name = "Arithmetic"
    description = "Evaluate an integer arithmetic expression (+, -, ×, exact ÷, parentheses)."
    topic = "arithmetic"
    config_class = ArithmeticConfig
    levels = (
        {"digits": 1, "terms": 2, "ops": "add+sub", "nested": False, "allow_negative": False},
        {"digits": 2, "terms": 3, "ops": "add+sub+mul", "nested": False, "allow_negative": False},
        {"digits": 2, "terms": 4, "ops": "add+sub+mul+div", "nested": True, "allow_negative": True},
        {"digits": 3, "terms": 5, "ops": "add+sub+mul+div", "nested": True, "allow_negative": True},
        {"digits": 4, "terms": 6, "ops": "add+sub+mul+div", "nested": True, "allow_negative": True},
    )
    default_level = 2

    def generate(self, rng: np.random.Generator, config: ArithmeticConfig) -> Generated:
        ops = check_choices("ops", config.ops, _OPS)
        high = 10**config.digits  # numbers 1 .. 10^digits - 1
        tree = random_tree(rng, config.terms, ops, lambda r: int(r.integers(1, high)), nested=config.nested)  # type: ignore[arg-type, return-value]
        make_exact_integer(rng, tree, high - 1, config.allow_negative)
        expression = render(tree)
        answer = fmt_number(tree.evaluate())
        steps = solve_steps(tree, _explain)
        steps.append(boxed(answer))
        return Generated(
            prompt=f"Calculate {expression}.",
            answer=answer,
            solution=steps,
            answer_type="integer",
            params={"expression": expression},
        )
