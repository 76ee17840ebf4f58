"""Tracers of ``Arithmetic`` and ``Fractions``: the expression is parsed back into the generator's tree and
reduced one operation at a time, each operation through :meth:`Tape.calc`."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from mathgym.generators.arithmetic import _explain as explain_integer
from mathgym.generators.base import boxed
from mathgym.generators.expression_tree import Node, _first_reducible, render
from mathgym.generators.formatting import fmt_number
from mathgym.generators.fraction_arithmetic import _explain as explain_fraction
from mathgym.problem import Problem
from mathgym.process.tape import Tape
from mathgym.process.tracers import UnsupportedProblem, tracer

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:/\d+)?)|(?P<op>[+\-×÷])|(?P<paren>[()]))")
_SYMBOL_OPS = {"+": "add", "-": "sub", "×": "mul", "÷": "div"}
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2}


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise UnsupportedProblem(f"cannot read the expression {text!r} at {pos}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def parse_expression(text: str, fraction_leaves: bool) -> Node:
    """The tree :func:`~mathgym.generators.expression_tree.render` printed as ``text`` (minimal parentheses,
    left-associative operators, ``(-3)`` for a negative number)."""
    tokens = _tokens(text)
    pos = 0

    def leaf(literal: str, negative: bool = False) -> Node:
        value: Any = Fraction(literal) if "/" in literal or fraction_leaves else int(literal)
        return Node(value=-value if negative else value)

    def atom() -> Node:
        nonlocal pos
        kind, tok = tokens[pos]
        if kind == "num":
            pos += 1
            return leaf(tok)
        if tok == "(":
            if (
                tokens[pos + 1] == ("op", "-")
                and tokens[pos + 2][0] == "num"
                and tokens[pos + 3] == ("paren", ")")
            ):
                pos += 4
                return leaf(tokens[pos - 2][1], negative=True)
            pos += 1
            node = expression(1)
            if tokens[pos] != ("paren", ")"):
                raise UnsupportedProblem(f"unbalanced parentheses in {text!r}")
            pos += 1
            return node
        raise UnsupportedProblem(f"unexpected {tok!r} in {text!r}")

    def expression(level: int) -> Node:
        nonlocal pos
        node = atom() if level == 2 else expression(level + 1)
        while (
            pos < len(tokens) and tokens[pos][0] == "op" and _PRECEDENCE[_SYMBOL_OPS[tokens[pos][1]]] == level
        ):
            op = _SYMBOL_OPS[tokens[pos][1]]
            pos += 1
            right = atom() if level == 2 else expression(level + 1)
            node = Node(op=op, left=node, right=right)
        return node

    tree = expression(1)
    if pos != len(tokens):
        raise UnsupportedProblem(f"trailing tokens in {text!r}")
    return tree


def _reduce(
    tape: Tape,
    tree: Node,
    explain: Callable[[str, Any, Any, Any], str],
    *,
    fraction_style: bool,
    number: Callable[[Any], Any],
) -> None:
    """:func:`~mathgym.generators.expression_tree.solve_steps`, one :meth:`Tape.calc` per operation."""
    while not tree.is_leaf:
        node = _first_reducible(tree)
        calc = tape.calc(node.op, node.left.value, node.right.value)
        a, b, result = number(calc.a), number(calc.b), number(calc.value)
        node.op, node.left, node.right, node.value = None, None, None, result
        working = explain(calc.op, a, b, result)
        if tree.is_leaf:
            tape.emit(f"{working}.")
        else:
            tape.emit(f"{working}, so the expression becomes {render(tree, fraction_style=fraction_style)}.")
    tape.emit(boxed(fmt_number(tree.value)))


@tracer("Arithmetic")
def trace_arithmetic(problem: Problem, tape: Tape) -> None:
    tree = parse_expression(problem.meta["params"]["expression"], fraction_leaves=False)
    _reduce(tape, tree, explain_integer, fraction_style=False, number=lambda v: v)


@tracer("Fractions")
def trace_fractions(problem: Problem, tape: Tape) -> None:
    tree = parse_expression(problem.meta["params"]["expression"], fraction_leaves=True)
    # the generator's explanation does Fraction arithmetic (``1 / b``), so values stay Fractions here
    _reduce(tape, tree, explain_fraction, fraction_style=True, number=Fraction)
