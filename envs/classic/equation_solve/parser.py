"""A small, fast parser from the text of one side of a linear equation to an unevaluated sympy tree.

sympy's ``parse_expr(..., evaluate=False)`` takes milliseconds per call (it compiles Python code) and
still rewrites the input (``-(x + 8)`` becomes ``-x - 8``). Environments parse a new equation on every
reset, so this module reads the arithmetic that equation generators write — numbers, ``x``, ``+ - * /``,
``^``/``**``, parentheses and implicit products such as ``3x`` or ``2(x + 1)`` — directly into the tree a
student would read: ``x - 5`` is ``x + (-5)``, ``-3x`` is ``(-3)*x``, ``x/3`` is ``(1/3)*x``. Anything else
raises :class:`ValueError` (callers fall back to sympy's parser).
"""
from __future__ import annotations

import re
from fractions import Fraction

import sympy

from mathgym.envs.equation_tree import X, make_add, make_mul

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|(\*\*|[-+*/^()x]))")


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"unexpected character {text[position:].strip()[:1]!r} in {text!r}")
        tokens.append(match.group(1) or ("^" if match.group(2) == "**" else match.group(2)))
        position = match.end()
    return tokens


def _number(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.position = 0
        self.text = text

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"expected {expected or 'more input'} in {self.text!r}")
        self.position += 1
        return token

    def parse(self) -> sympy.Basic:
        tree = self.sum()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r} in {self.text!r}")
        return tree

    def sum(self) -> sympy.Basic:
        sign = 1
        while self.peek() in ("+", "-"):
            sign *= -1 if self.take() == "-" else 1
        terms = [self.product(sign)]
        while self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
            while self.peek() in ("+", "-"):  # "x + -3"
                sign *= -1 if self.take() == "-" else 1
            terms.append(self.product(sign))
        return make_add(*terms)

    def product(self, sign: int) -> sympy.Basic:
        coefficient = Fraction(sign)
        factors: list[sympy.Basic] = []
        divide = False
        while True:
            factor = self.power()
            if factor.is_Number:
                value = Fraction(int(factor.p), int(factor.q))
                if divide and value == 0:
                    raise ValueError(f"division by zero in {self.text!r}")
                coefficient = coefficient / value if divide else coefficient * value
            else:
                factors.append(sympy.Pow(factor, -1, evaluate=False) if divide else factor)
            token = self.peek()
            if token in ("*", "/"):
                divide = self.take() == "/"
            elif token in ("(", "x") or (token is not None and token[0].isdigit()):
                divide = False  # implicit product: 3x, 2(x + 1), (x + 1)(x - 1)
            else:
                break
        if not factors:
            return _number(coefficient)
        if coefficient == 1:
            return make_mul(*factors)
        return make_mul(_number(coefficient), *factors)

    def power(self) -> sympy.Basic:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.atom()
            if base.is_Number and exponent.is_Integer:
                return base ** exponent
            return sympy.Pow(base, exponent, evaluate=False)
        return base

    def atom(self) -> sympy.Basic:
        token = self.take()
        if token == "x":
            return X
        if token == "(":
            inner = self.sum()
            self.take(")")
            return inner
        if token == "-":  # a sign inside a product: 2*-3
            inner = self.power()
            return -inner if inner.is_Number else make_mul(sympy.Integer(-1), inner)
        if token[0].isdigit():
            return _number(Fraction(token))
        raise ValueError(f"unexpected {token!r} in {self.text!r}")


def parse_linear_side(text: str) -> sympy.Basic:
    """The unevaluated tree of one side (see the module docstring); ``ValueError`` if it is not plain
    arithmetic in x."""
    return _Parser(text).parse()
