"""From the text of an equation to the engine's prefix tokens, reading it the way a student does.

Equation generators write numbers, ``x``, ``+ - * /``, ``^``/``**``, parentheses and implicit products such as
``3x`` or ``2(x + 1)``. :func:`parse_side` reads that directly into tokens of the unevaluated tree a student
reads: ``x - 5`` is ``x + (-5)``, ``-3x`` is ``(-3)*x``, ``x/3`` is ``(1/3)*x``, ``-(x + 8)`` is ``(-1)*(x +
8)``. Anything else goes through sympy's parser (construction is an edge of the env, where sympy is allowed),
after which purely numeric sub-expressions are folded, and the result is converted to tokens.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

from mathgym.envs.classic.equation_solve.engine import (
    ADD,
    EQ,
    MUL,
    OTHER,
    POW,
    RAT,
    Equation,
    Tokens,
    X,
    equation_of,
    number,
)

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|(\*\*|[-+*/^()x]))")
_MINUS_ONE = number(-1)


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


def _is_number(tokens: Tokens) -> bool:
    return len(tokens) == 1 and tokens[0][0] in (6, RAT)


def _make(kind: int, parts: list[Tokens]) -> Tokens:
    """An unevaluated sum or product of ``parts`` in the given order (one part is returned as is)."""
    if len(parts) == 1:
        return parts[0]
    return ((kind, len(parts), 0, 1),) + tuple(t for part in parts for t in part)


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

    def parse(self) -> Tokens:
        tree = self.sum()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r} in {self.text!r}")
        return tree

    def sum(self) -> Tokens:
        sign = 1
        while self.peek() in ("+", "-"):
            sign *= -1 if self.take() == "-" else 1
        terms = [self.product(sign)]
        while self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
            while self.peek() in ("+", "-"):  # "x + -3"
                sign *= -1 if self.take() == "-" else 1
            terms.append(self.product(sign))
        return _make(ADD, terms)

    def product(self, sign: int) -> Tokens:
        coefficient = Fraction(sign)
        factors: list[Tokens] = []
        divide = False
        while True:
            factor = self.power()
            if _is_number(factor):
                value = Fraction(factor[0][2], factor[0][3])
                if divide and value == 0:
                    raise ValueError(f"division by zero in {self.text!r}")
                coefficient = coefficient / value if divide else coefficient * value
            else:
                factors.append(((POW, 2, 0, 1),) + factor + (_MINUS_ONE,) if divide else factor)
            token = self.peek()
            if token in ("*", "/"):
                divide = self.take() == "/"
            elif token in ("(", "x") or (token is not None and token[0].isdigit()):
                divide = False  # implicit product: 3x, 2(x + 1), (x + 1)(x - 1)
            else:
                break
        if not factors:
            return (number(coefficient),)
        if coefficient == 1:
            return _make(MUL, factors)
        return _make(MUL, [(number(coefficient),), *factors])

    def power(self) -> Tokens:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.atom()
            if _is_number(base) and _is_number(exponent) and exponent[0][3] == 1:
                value, power = Fraction(base[0][2], base[0][3]), exponent[0][2]
                if value == 0 and power < 0:
                    raise ValueError(f"division by zero in {self.text!r}")
                return (number(value**power),)
            return ((POW, 2, 0, 1),) + base + exponent
        return base

    def atom(self) -> Tokens:
        token = self.take()
        if token == "x":
            return ((X, 0, 0, 1),)
        if token == "(":
            inner = self.sum()
            self.take(")")
            return inner
        if token == "-":  # a sign inside a product: 2*-3
            inner = self.power()
            if _is_number(inner):
                return (number(-Fraction(inner[0][2], inner[0][3])),)
            return ((MUL, 2, 0, 1), _MINUS_ONE) + inner
        if token[0].isdigit():
            return (number(Fraction(token)),)
        raise ValueError(f"unexpected {token!r} in {self.text!r}")


def parse_linear_side(text: str) -> Tokens:
    """Tokens of one side written in plain arithmetic in x; ``ValueError`` for anything else."""
    return _Parser(text).parse()


def parse_side(text: str) -> Tokens:
    """Tokens of one side: the fast reader above, else sympy's parser with numeric subtrees folded."""
    try:
        return parse_linear_side(text)
    except ValueError:
        pass  # not plain arithmetic in x: let sympy's general parser try
    import sympy
    from sympy.parsing.sympy_parser import (
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    symbol = sympy.Symbol("x")
    try:
        expr = parse_expr(
            text,
            local_dict={"x": symbol},
            evaluate=False,
            transformations=standard_transformations + (implicit_multiplication_application,),
        )
    except (sympy.SympifyError, SyntaxError, TypeError) as error:
        raise ValueError(f"cannot parse {text!r}: {error}") from error
    return from_sympy(_fold_constants(expr, symbol), symbol)


def _fold_constants(expr: Any, x: Any) -> Any:
    """Fold numeric subtrees: sympy's parser writes ``x - 5`` as ``x + (-1)*5`` and ``x/3`` as ``x*3**-1``."""
    import sympy

    if not expr.args:
        return expr
    if not expr.has(x):
        value = _evaluate(expr)
        if value.is_Number:
            return value
    args = [_fold_constants(arg, x) for arg in expr.args]
    if expr.is_Mul:  # c1*(c2*x) -> (c1*c2)*x and the numeric factor first, as sympy prints it
        numbers = [a for a in args if a.is_Number]
        others = [a for a in args if not a.is_Number]
        flat_others = []
        for other in others:
            if other.is_Mul and other.args[0].is_Number:
                numbers.append(other.args[0])
                flat_others.extend(other.args[1:])
            else:
                flat_others.append(other)
        if numbers:
            coefficient = sympy.Mul(*numbers)
            if coefficient is sympy.S.One and flat_others:
                return flat_others[0] if len(flat_others) == 1 else sympy.Mul._from_args(tuple(flat_others))
            args = [coefficient, *flat_others]
        else:
            args = flat_others
    if expr.is_Add or expr.is_Mul:
        return args[0] if len(args) == 1 else expr.func._from_args(tuple(args))
    return expr.func(*args, evaluate=False)


def _evaluate(expr: Any) -> Any:
    return expr if not expr.args else expr.func(*[_evaluate(arg) for arg in expr.args])


def from_sympy(expr: Any, x: Any) -> Tokens:
    """Tokens of an unevaluated sympy expression (kinds outside the engine's fragment are kept as such, and
    rejected when the equation is validated)."""
    if expr == x:
        return ((X, 0, 0, 1),)
    if expr.is_Rational:
        return (number(Fraction(int(expr.p), int(expr.q))),)
    if expr.is_Add or expr.is_Mul or expr.is_Pow:
        kind = ADD if expr.is_Add else MUL if expr.is_Mul else POW
        return ((kind, len(expr.args), 0, 1),) + tuple(t for arg in expr.args for t in from_sympy(arg, x))
    return ((OTHER, 0, 0, 1),)


@lru_cache(maxsize=4096)
def parse_equation(text: str) -> Equation:
    """The :class:`~mathgym.envs.classic.equation_solve.engine.Equation` of ``"lhs = rhs"`` (or ``==``).

    :raises ValueError: when the text is not one equation, or (:class:`NotLinear`) not linear in x.
    """
    left, sep, right = text.replace("==", "=").partition("=")
    if not sep or "=" in right:
        raise ValueError(f"expected one equation 'lhs = rhs', got {text!r}")
    return equation_of(((EQ, 2, 0, 1),) + parse_side(left) + parse_side(right), check=True)
