"""Random arithmetic expression trees over exact rationals, shared by the Arithmetic and Fractions generators.

A tree is built either *flat* (a sequence like ``3 + 4 × 5 - 6`` read with the usual precedence) or
*nested* (a random binary shape, rendered with the parentheses it needs). The right operand of a
division is always a single number, so the division can be made exact (integer mode) by choosing it
among the divisors of the left operand's value. Evaluation is exact (:class:`fractions.Fraction`);
the reference solution reduces one operation at a time in the usual order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from mathgym.generators.formatting import fmt_number

#: knob spelling of each operator -> the symbol shown in prompts
OP_SYMBOLS = {"add": "+", "sub": "-", "mul": "×", "div": "÷"}
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2}


@dataclass
class Node:
    """A number (``op is None``) or a binary operation."""

    value: Fraction | int | None = None  # ints in integer mode (faster), Fractions otherwise
    op: str | None = None
    left: Node | None = None
    right: Node | None = None

    @property
    def is_leaf(self) -> bool:
        return self.op is None

    def evaluate(self) -> Fraction:
        if self.op is None:
            return self.value
        return apply(self.op, self.left.evaluate(), self.right.evaluate())


def apply(op: str, a: Fraction | int, b: Fraction | int) -> Fraction | int:
    """Exact ``a op b``; stays an ``int`` when both are ints and the result is whole (much faster)."""
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if type(a) is int and type(b) is int and a % b == 0:
        return a // b
    return Fraction(a) / b


LeafFn = Callable[[np.random.Generator], Fraction]


def _nested(rng: np.random.Generator, leaves: int, ops: tuple[str, ...], leaf: LeafFn) -> Node:
    if leaves == 1:
        return Node(value=leaf(rng))
    op = ops[int(rng.integers(len(ops)))]
    # a division's right operand is a single number so that it can be chosen to divide exactly
    n_left = leaves - 1 if op == "div" else int(rng.integers(1, leaves))
    left = _nested(rng, n_left, ops, leaf)
    right = _nested(rng, leaves - n_left, ops, leaf)
    return Node(op=op, left=left, right=right)


def _flat(rng: np.random.Generator, leaves: int, ops: tuple[str, ...], leaf: LeafFn) -> Node:
    """Parse a random flat sequence with the usual precedence (×, ÷ before +, -; left to right)."""
    numbers = [Node(value=leaf(rng)) for _ in range(leaves)]
    operators = [ops[int(rng.integers(len(ops)))] for _ in range(leaves - 1)]
    # first fold the multiplicative runs, then the additive chain, both left-associative
    terms: list[Node] = [numbers[0]]
    additive: list[str] = []
    for op, number in zip(operators, numbers[1:]):
        if _PRECEDENCE[op] == 2:
            terms[-1] = Node(op=op, left=terms[-1], right=number)
        else:
            additive.append(op)
            terms.append(number)
    tree = terms[0]
    for op, term in zip(additive, terms[1:]):
        tree = Node(op=op, left=tree, right=term)
    return tree


def random_tree(
    rng: np.random.Generator, leaves: int, ops: tuple[str, ...], leaf: LeafFn, *, nested: bool
) -> Node:
    return (_nested if nested else _flat)(rng, leaves, ops, leaf)


def _divisors_upto(n: int, limit: int) -> list[int]:
    """The divisors d of ``n`` with 2 <= d <= min(n, limit), ascending."""
    top = min(n, limit)
    if top < 2:
        return []
    if n < 2**62:  # vectorised trial division (the limit is at most 10^6 - 1: 6-digit numbers)
        candidates = np.arange(2, top + 1, dtype=np.int64)
        return [int(d) for d in candidates[n % candidates == 0]]
    return [d for d in range(2, top + 1) if n % d == 0]


def make_exact_integer(rng: np.random.Generator, node: Node, max_value: int, allow_negative: bool) -> None:
    """Fix a tree of integers bottom-up so that every division is exact and, unless ``allow_negative``,
    no subtraction goes below zero (by swapping its operands, which keeps the numbers shown)."""
    if node.is_leaf:
        return
    make_exact_integer(rng, node.left, max_value, allow_negative)
    make_exact_integer(rng, node.right, max_value, allow_negative)
    if node.op == "div":
        dividend = abs(node.left.evaluate())
        if dividend == 0:
            node.right.value = int(rng.integers(2, max(3, max_value + 1)))
        else:
            divisors = _divisors_upto(int(dividend), max_value)
            if len(divisors) > 1:  # prefer a proper divisor over dividing a number by itself
                divisors.pop()
            if divisors:
                node.right.value = divisors[int(rng.integers(len(divisors)))]
            else:  # a prime (or 1) larger than every allowed divisor: multiply instead
                node.op = "mul"
    if node.op == "sub" and not allow_negative and node.left.evaluate() < node.right.evaluate():
        node.left, node.right = node.right, node.left  # render() adds the parentheses the new shape needs


def _leaf_text(value: Fraction, parent_op: str | None, is_right: bool, fraction_style: bool) -> str:
    text = fmt_number(value)
    if value < 0 and parent_op is not None and (is_right or parent_op in ("mul", "div")):
        return f"({text})"
    if fraction_style and value.denominator != 1 and parent_op in ("mul", "div"):
        return f"({text})"  # a fraction bar next to × or ÷ reads ambiguously without them
    return text


def render(
    node: Node, *, fraction_style: bool = False, parent_op: str | None = None, is_right: bool = False
) -> str:
    """The expression as shown in prompts and solution steps (× and ÷, minimal parentheses)."""
    if node.is_leaf:
        return _leaf_text(node.value, parent_op, is_right, fraction_style)
    left = render(node.left, fraction_style=fraction_style, parent_op=node.op)
    right = render(node.right, fraction_style=fraction_style, parent_op=node.op, is_right=True)
    if not node.left.is_leaf and _PRECEDENCE[node.left.op] < _PRECEDENCE[node.op]:
        left = f"({left})"
    if not node.right.is_leaf and _PRECEDENCE[node.right.op] <= _PRECEDENCE[node.op]:
        right = f"({right})"
    return f"{left} {OP_SYMBOLS[node.op]} {right}"


def _first_reducible(node: Node) -> Node | None:
    """The operation evaluated first in the usual order: leftmost node whose operands are both numbers."""
    if node.is_leaf:
        return None
    if node.left.is_leaf and node.right.is_leaf:
        return node
    return _first_reducible(node.left) or _first_reducible(node.right)


Explain = Callable[[str, Fraction, Fraction, Fraction], str]


def solve_steps(tree: Node, explain: Explain, *, fraction_style: bool = False) -> list[str]:
    """Reduce ``tree`` (in place) one operation at a time; one step string per operation.

    :param explain: ``explain(op, a, b, result)`` -> the working of one operation, e.g. ``12 - 5 = 7``.
    """
    steps = []
    while not tree.is_leaf:
        node = _first_reducible(tree)
        op, a, b = node.op, node.left.value, node.right.value
        result = apply(op, a, b)
        node.op, node.left, node.right, node.value = None, None, None, result
        working = explain(op, a, b, result)
        if tree.is_leaf:
            steps.append(f"{working}.")
        else:
            steps.append(
                f"{working}, so the expression becomes {render(tree, fraction_style=fraction_style)}."
            )
    return steps
