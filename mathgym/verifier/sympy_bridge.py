"""Build sympy objects from the verifier's own AST, with sympy's constructors only (never ``sympify``).

For callers that want a sympy object from untrusted text (e.g. to display or post-process an answer).
Size caps still apply: the AST comes from the bounded parser, and integer powers are left unevaluated
when large, so building never computes a huge number.
"""

from __future__ import annotations

from typing import Any

import sympy

from mathgym.verifier.lexer import screen_unicode
from mathgym.verifier.parser import parse

_FUNCTIONS = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "cot": sympy.cot,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "arccot": sympy.acot,
    "arcsec": sympy.asec,
    "arccsc": sympy.acsc,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "exp": sympy.exp,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
    "gcd": sympy.gcd,
    "lcm": sympy.lcm,
    "max": sympy.Max,
    "min": sympy.Min,
}
_RELATIONS = {"=": sympy.Eq, "<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge, "!=": sympy.Ne}
_SMALL_POWER = 10_000  # exponents above this stay unevaluated


def _build(node: Any) -> Any:  # noqa: C901  (one branch per node kind)
    kind = node[0]
    if kind == "n":
        return sympy.Rational(node[1].numerator, node[1].denominator)
    if kind == "v":
        return sympy.Symbol(node[1])
    if kind == "c":
        return {"pi": sympy.pi, "e": sympy.E, "i": sympy.I, "inf": sympy.oo}[node[1]]
    if kind == "add":
        return sympy.Add(*[_build(t) for t in node[1]])
    if kind == "mul":
        return sympy.Mul(*[_build(f) for f in node[1]])
    if kind == "neg":
        return -_build(node[1])
    if kind == "div":
        return sympy.Mul(_build(node[1]), sympy.Pow(_build(node[2]), -1))
    if kind == "pow":
        base, exponent = _build(node[1]), _build(node[2])
        large = exponent.is_Number and abs(exponent) > _SMALL_POWER
        return sympy.Pow(base, exponent, evaluate=not large)
    if kind == "root":
        radicand = _build(node[1])
        return sympy.sqrt(radicand) if node[2] is None else sympy.root(radicand, _build(node[2]))
    if kind == "pct":
        return _build(node[1]) / 100
    if kind == "deg":
        return _build(node[1]) * sympy.pi / 180
    if kind == "fact":
        return sympy.factorial(_build(node[1]), evaluate=False)
    if kind == "binom":
        return sympy.binomial(_build(node[1]), _build(node[2]), evaluate=False)
    if kind == "abs":
        return sympy.Abs(_build(node[1]))
    if kind in ("floor", "ceil"):
        return (sympy.floor if kind == "floor" else sympy.ceiling)(_build(node[1]))
    if kind == "based":
        return sympy.Integer(int(node[1], int(node[2])))
    if kind == "fn":
        args = [_build(a) for a in node[2]]
        if node[1] in ("log", "lg"):
            base = sympy.Integer(10) if node[1] == "lg" else (None if node[3] is None else _build(node[3]))
            return sympy.log(args[0]) if base is None else sympy.log(args[0], base)
        return _FUNCTIONS[node[1]](*args)
    if kind == "pm":
        raise ValueError("\\pm has two values: expand it first")
    if kind == "rel":
        pieces = [_RELATIONS[op](_build(a), _build(b)) for op, a, b in zip(node[1], node[2], node[2][1:])]
        return pieces[0] if len(pieces) == 1 else sympy.And(*pieces)
    if kind == "in":
        return sympy.Contains(_build(node[1]), _build(node[2]))
    if kind in ("list", "set"):
        return sympy.FiniteSet(*[_build(i) for i in node[1]])
    if kind == "union":
        return sympy.Union(*[_build(i) for i in node[1]])
    if kind == "tuple":
        items = [_build(i) for i in node[3]]
        if len(items) == 2 and (
            node[1] == "[" or node[2] == "]" or any(i in (sympy.oo, -sympy.oo) for i in items)
        ):
            return sympy.Interval(items[0], items[1], left_open=node[1] == "(", right_open=node[2] == ")")
        return sympy.Tuple(*items)
    if kind == "ratio":
        return sympy.Tuple(*[_build(i) for i in node[1]])
    if kind == "mat":
        return sympy.Matrix([[_build(c) for c in row] for row in node[1]])
    if kind == "text":
        return sympy.Symbol(str(node[1]))
    raise ValueError(f"cannot convert {kind}")


def to_sympy(text: str) -> Any:
    """Parse ``text`` with the verifier's parser and build the sympy object it denotes.

    :param text: an answer string (LaTeX or plain).
    :raises ValueError: when the text is outside the grammar.
    """
    return _build(parse(screen_unicode(text)))
