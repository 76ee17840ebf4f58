"""Text of an equation: sympy's ``sstr(expr, order="none")`` of the unevaluated tree, written without sympy.

Rendering is an edge of the env, but ``info["equation"]`` ends every episode and the reward view reads the
text on every step, so :func:`equation_text` prints the engine's tokens directly, following sympy's
``StrPrinter`` rules for the node kinds the engine has (sums keep their argument order, a leading ``-1`` or
negative coefficient becomes a minus sign, rational factors become divisions, arguments are parenthesised by
precedence). :func:`to_sympy` builds the sympy tree (for interoperation, and for the tests that hold this
printer to sympy's).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from mathgym.envs.classic.equation_solve.engine import ADD, INT, MUL, POW, RAT, Tokens, X

if TYPE_CHECKING:
    from mathgym.envs.classic.equation_solve.engine import Equation

# sympy's precedence values (sympy.printing.precedence)
_PREC_ADD, _PREC_MUL, _PREC_ATOM = 40, 50, 1000


def to_sympy(tokens: Tokens, start: int = 0) -> Any:
    """The unevaluated sympy expression of the subtree that starts at token ``start``."""
    import sympy

    position = start

    def visit() -> Any:
        nonlocal position
        kind, nargs, p, q = tokens[position]
        position += 1
        if kind == X:
            return sympy.Symbol("x")
        if kind == INT or kind == RAT:
            return sympy.Rational(p, q)
        args = tuple(visit() for _ in range(nargs))
        if kind == ADD:
            return sympy.Add._from_args(args)
        if kind == MUL:
            return sympy.Mul._from_args(args)
        if kind == POW:
            return sympy.Pow(*args, evaluate=False)
        raise ValueError(f"no sympy form for token {tokens[position - 1]}")

    return visit()


def equation_text(eq: Equation) -> str:
    """``lhs = rhs`` as ``sstr(lhs, order="none") + " = " + sstr(rhs, order="none")``."""
    tree = _tree(eq.tokens)
    return f"{_print(tree[1][0])} = {_print(tree[1][1])}"


# A small tree of (kind, args, value) triples: the printer needs random access to arguments.
def _tree(tokens: Tokens) -> tuple:
    position = 0

    def visit() -> tuple:
        nonlocal position
        kind, nargs, p, q = tokens[position]
        position += 1
        if nargs:
            return (kind, [visit() for _ in range(nargs)], None)
        return (kind, (), Fraction(p, q) if kind in (INT, RAT) else None)

    return visit()


def _is_number(node: tuple) -> bool:
    return node[0] == INT or node[0] == RAT


def _minus(node: tuple) -> bool:
    """sympy's ``could_extract_minus_sign`` for the node kinds that reach it (sums never do)."""
    if _is_number(node):
        return node[2] < 0
    if node[0] == MUL:
        first = node[1][0]
        return _is_number(first) and first[2] < 0
    return False


def _precedence(node: tuple) -> int:
    kind, _, value = node
    if kind == ADD:
        return _PREC_ADD
    if kind == MUL:
        return _PREC_ADD if _minus(node) else _PREC_MUL
    if kind == INT:
        return _PREC_ADD if value < 0 else _PREC_ATOM
    if kind == RAT:
        return _PREC_ADD if value < 0 else _PREC_MUL
    return _PREC_ATOM


def _parenthesize(node: tuple, level: int) -> str:
    # StrPrinter.parenthesize(item, level, strict=False)
    return f"({_print(node)})" if _precedence(node) <= level else _print(node)


def _number_node(value: Fraction) -> tuple:
    return (INT if value.denominator == 1 else RAT, (), value)


def _print(node: tuple) -> str:
    kind, args, value = node
    if kind == X:
        return "x"
    if kind == INT or kind == RAT:
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if kind == ADD:
        return _print_add(args)
    if kind == MUL:
        return _print_mul(node)
    raise ValueError(f"no printer for node kind {kind}")


def _print_add(args: list) -> str:
    # StrPrinter._print_Add with order="none": the terms in tree order; a leading "-" of a term that is not a
    # sum becomes the joining sign; sums and terms that bind looser than a sum are bracketed
    out: list[str] = []
    for term in args:
        text = _print(term)
        if text.startswith("-") and term[0] != ADD:
            sign, text = "-", text[1:]
        else:
            sign = "+"
        if _precedence(term) < _PREC_ADD or term[0] == ADD:
            text = f"({text})"
        out.extend((sign, text))
    sign = out.pop(0)
    return ("" if sign == "+" else sign) + " ".join(out)


def _keep_coeff(coeff: Fraction, factors: tuple) -> tuple:
    # sympy.core.mul._keep_coeff(coeff, factors) for a positive rational coeff
    if _is_number(factors) and factors[2] == 1:
        return _number_node(coeff)
    if coeff == 1:
        return factors
    if factors[0] == ADD:
        return (MUL, [_number_node(coeff), factors], None)
    if factors[0] == MUL:
        margs = list(factors[1])
        if _is_number(margs[0]):
            margs[0] = _number_node(margs[0][2] * coeff)
            if margs[0][2] == 1:
                margs.pop(0)
        else:
            margs.insert(0, _number_node(coeff))
        return margs[0] if len(margs) == 1 else (MUL, margs, None)
    if _is_number(factors):
        return _number_node(coeff * factors[2])
    return (MUL, [_number_node(coeff), factors], None)  # coeff*x, evaluated


def _print_mul(node: tuple) -> str:
    # StrPrinter._print_Mul with order="none"
    precedence = _precedence(node)
    args = node[1]
    first = args[0]
    if (first[0] == INT and first[2] == 1) or any(_is_number(a) for a in args[1:]):
        # sympy's branch for unevaluated products: every argument shown, in order
        factors = list(args)
        head = []
        if factors[0][0] != ADD and _minus(factors[0]):
            head = [_print(factors.pop(0))]
        return "*".join(head + [_parenthesize(a, precedence) for a in factors]) or "1"
    sign = ""
    expr = node
    if _is_number(first) and first[2] < 0:  # expr.as_coeff_Mul() gives a negative coefficient
        rest = args[1] if len(args) == 2 else (MUL, list(args[1:]), None)
        expr = _keep_coeff(-first[2], rest)
        sign = "-"
    items = expr[1] if expr[0] == MUL else [expr]
    numerator: list[tuple] = []
    denominator: list[tuple] = []
    for item in items:
        if _is_number(item):  # Integer and Rational both: p to the numerator, q to the denominator
            if item[2].numerator != 1:
                numerator.append(_number_node(Fraction(item[2].numerator)))
            if item[2].denominator != 1:
                denominator.append(_number_node(Fraction(item[2].denominator)))
        else:
            numerator.append(item)
    numerator = numerator or [_number_node(Fraction(1))]
    a = "*".join(_parenthesize(item, precedence) for item in numerator)
    if not denominator:
        return sign + a
    b = [_parenthesize(item, precedence) for item in denominator]
    return sign + a + "/" + (b[0] if len(b) == 1 else "(" + "*".join(b) + ")")
