"""An equation in one unknown as a sympy expression tree, indexed node by node for RL actions.

:class:`EquationTree` holds the two sides of ``lhs = rhs`` as *unevaluated* sympy expressions
(built with ``evaluate=False``), so that steps a student would write stay visible: ``3*x = 14 - 5``
keeps its ``14 - 5`` until a "simplify" action evaluates it. The nodes are listed in pre-order
(index 0 is the equation itself, then the left side's subtree, then the right side's) with the
facts that rules and the observation encoder need: parent, depth, subtree size, whether the
subtree contains the unknown, and whether sympy's evaluation would change it.
"""
from __future__ import annotations

from functools import cached_property, lru_cache

import sympy
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

#: the unknown every equation is solved for
X = sympy.Symbol("x")
ZERO, ONE = sympy.S.Zero, sympy.S.One  # sympy numbers 0 and 1 are singletons: compare with `is`


def is_zero(expr: sympy.Basic) -> bool:
    """Structural test for the number 0 (sympy's ``is_zero`` runs the assumptions system, which is slow
    on unevaluated trees)."""
    return expr is ZERO

#: node kinds, in the order of the observation's one-hot type columns (0 is padding)
NODE_KINDS = ("pad", "equation", "add", "mul", "pow", "variable", "integer", "rational", "other")
KIND_INDEX = {name: i for i, name in enumerate(NODE_KINDS)}

_PARSE_TRANSFORMS = standard_transformations + (implicit_multiplication_application,)


def node_kind(expr: sympy.Basic | None) -> int:
    """The :data:`NODE_KINDS` index of one sympy node (``None`` is the equation root)."""
    if expr is None:
        return 1
    if expr.is_Add:
        return 2
    if expr.is_Mul:
        return 3
    if expr.is_Pow:
        return 4
    if expr.is_Symbol:
        return 5
    if expr.is_Integer:
        return 6
    if expr.is_Rational:
        return 7
    return 8


def monomial_degree(expr: sympy.Basic) -> int | None:
    """The degree ``k`` when ``expr`` is ``c*x**k`` with a numeric ``c`` (constants have degree 0), else None."""
    if expr.is_Number:
        return 0
    if expr == X:
        return 1
    if expr.is_Pow and expr.args[0] == X and expr.args[1].is_Integer and expr.args[1] > 0:
        return int(expr.args[1])
    if expr.is_Mul and len(expr.args) == 2 and expr.args[0].is_Number:
        inner = monomial_degree(expr.args[1])
        return inner if inner else None  # c*5 is not a monomial in canonical form
    return None


def _locally_reducible(expr: sympy.Basic) -> bool:
    """Whether sympy's evaluation changes this node itself (children aside).

    The cases are exactly those in which sympy's automatic evaluation rewrites an Add, Mul or Pow:
    nested operations flatten, numbers combine, neutral elements vanish, like terms/factors merge and a
    number distributes over a sum. Reordering alone does not count (it changes no mathematics).
    """
    args = expr.args
    if expr.is_Add:
        numbers = 0
        degrees: set[int] = set()
        for arg in args:
            if arg.is_Add or arg is ZERO:
                return True
            if arg.is_Number:
                numbers += 1
                if numbers > 1:
                    return True
            degree = monomial_degree(arg)
            if degree:
                if degree in degrees:
                    return True
                degrees.add(degree)
        return False
    if expr.is_Mul:
        numbers = 0
        bases: set[sympy.Basic] = set()
        for arg in args:
            if arg.is_Mul or arg is ZERO or arg is ONE:
                return True
            if arg.is_Number:
                numbers += 1
                if numbers > 1:
                    return True
                continue
            base = arg.args[0] if arg.is_Pow else arg
            if base in bases:
                return True
            bases.add(base)
        return len(args) == 2 and args[0].is_Number and args[1].is_Add
    if expr.is_Pow:
        base, exponent = args
        return (base.is_Number and exponent.is_Number) or exponent is ONE or exponent is ZERO or base is ONE
    return False


def rebuild(expr: sympy.Basic, args: list[sympy.Basic] | tuple[sympy.Basic, ...]) -> sympy.Basic:
    """A node of ``expr``'s type with new ``args``, unevaluated and in the given order.

    ``Add``/``Mul`` are built with ``_from_args``: even with ``evaluate=False`` sympy's constructors
    still distribute ``-1`` over a sum and split ``-2`` into ``-1*2``, which would change the tree.
    """
    if expr.is_Add or expr.is_Mul:
        if len(args) == 1:
            return args[0]
        return expr.func._from_args(tuple(args))
    return expr.func(*args, evaluate=False)


def make_add(*args: sympy.Basic) -> sympy.Basic:
    """An unevaluated sum of ``args`` in the given order (a single argument is returned as is)."""
    return args[0] if len(args) == 1 else sympy.Add._from_args(args)


def make_mul(*args: sympy.Basic) -> sympy.Basic:
    """An unevaluated product of ``args`` in the given order (a single argument is returned as is)."""
    return args[0] if len(args) == 1 else sympy.Mul._from_args(args)


def evaluate(expr: sympy.Basic) -> sympy.Basic:
    """``expr`` rebuilt bottom-up with sympy's automatic evaluation switched on."""
    if not expr.args:
        return expr
    return expr.func(*[evaluate(arg) for arg in expr.args])


def negate(expr: sympy.Basic) -> sympy.Basic:
    """``-expr`` written the way a student would: ``-5``, ``-3*x``, ``x`` for ``-x``, else ``-1*(...)``."""
    if expr.is_Number:
        return -expr
    if expr.is_Mul and expr.args[0].is_Number:
        coefficient = -expr.args[0]
        rest = expr.args[1:]
        if coefficient is ONE:
            return make_mul(*rest)
        return make_mul(coefficient, *rest)
    return make_mul(sympy.Integer(-1), expr)


def append_term(side: sympy.Basic, term: sympy.Basic) -> sympy.Basic:
    """``side + term`` without evaluation (a zero side is replaced by the term)."""
    if side is ZERO:
        return term
    if side.is_Add:
        return make_add(*side.args, term)
    return make_add(side, term)


def without_arg(expr: sympy.Basic, position: int, empty: sympy.Basic) -> sympy.Basic:
    """``expr`` (an Add or Mul) with its ``position``-th argument removed; ``empty`` when none is left."""
    rest = expr.args[:position] + expr.args[position + 1:]
    return rebuild(expr, rest) if rest else empty


def replace_at(expr: sympy.Basic, path: tuple[int, ...], new: sympy.Basic) -> sympy.Basic:
    """``expr`` with the subtree at ``path`` (child positions from ``expr``) replaced by ``new``."""
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = replace_at(args[path[0]], path[1:], new)
    return rebuild(expr, args)


def parse_side(text: str) -> sympy.Basic:
    """Parse one side of an equation without evaluating it.

    Plain arithmetic in x goes through the fast :mod:`envs.equation_parser`; anything else through
    sympy's parser, after which purely numeric sub-expressions are folded: sympy's parser writes
    ``x - 5`` as ``x + (-1)*5`` and ``x/3`` as ``x*3**-1``; folding constant subtrees gives the
    student's reading (``x - 5`` with the number -5, ``x*(1/3)``) without solving anything that
    involves the unknown.
    """
    from mathgym.envs.equation_parser import parse_linear_side

    try:
        return parse_linear_side(text)
    except ValueError:
        pass  # not plain arithmetic in x: let sympy's general parser try
    expr = parse_expr(text, local_dict={"x": X}, transformations=_PARSE_TRANSFORMS, evaluate=False)
    return _fold_constants(expr)


def _fold_constants(expr: sympy.Basic) -> sympy.Basic:
    if not expr.args:
        return expr
    if not expr.has(X):
        value = evaluate(expr)
        if value.is_Number:
            return value
    args = [_fold_constants(arg) for arg in expr.args]
    if expr.is_Mul:  # c1*(c2*x) -> (c1*c2)*x and move the numeric factor first, as sympy prints it
        numbers = [a for a in args if a.is_Number]
        others = [a for a in args if not a.is_Number]
        flat_others: list[sympy.Basic] = []
        for other in others:
            if other.is_Mul and other.args[0].is_Number:
                numbers.append(other.args[0])
                flat_others.extend(other.args[1:])
            else:
                flat_others.append(other)
        if numbers:
            coefficient = sympy.Mul(*numbers)
            if coefficient is ONE and flat_others:
                return make_mul(*flat_others)
            args = [coefficient, *flat_others]
        else:
            args = flat_others
    return rebuild(expr, args)


@lru_cache(maxsize=4096)
def parse_equation(text: str) -> EquationTree:
    """An :class:`EquationTree` from ``"lhs = rhs"`` (``==`` also accepted).

    Cached: trees are immutable, and sympy's parser takes milliseconds per equation.
    """
    left, sep, right = text.replace("==", "=").partition("=")
    if not sep or "=" in right:
        raise ValueError(f"expected one equation 'lhs = rhs', got {text!r}")
    try:
        return EquationTree(parse_side(left), parse_side(right))
    except (sympy.SympifyError, SyntaxError, TypeError) as error:
        raise ValueError(f"cannot parse the equation {text!r}: {error}") from error


class Node:
    """One node of an :class:`EquationTree` in pre-order (read-only by convention; a slotted class
    rather than a frozen dataclass because trees are rebuilt on every step).

    :param expr: the sympy subtree (``None`` for the equation root).
    :param parent: index of the parent node (-1 for the root).
    :param path: child positions from the root: ``(0,)`` is the left side, ``(1, 2)`` the right side's
        third argument.
    :param depth: edges from the root (the sides have depth 1).
    :param size: number of nodes in the subtree.
    :param has_x: the subtree contains the unknown.
    :param reducible: sympy's evaluation of the subtree would change it (the "simplify" rule applies).
    """

    __slots__ = ("depth", "expr", "has_x", "kind", "parent", "path", "reducible", "size")

    def __init__(self, expr: sympy.Basic | None, parent: int, path: tuple[int, ...], depth: int, size: int,
                 has_x: bool, reducible: bool) -> None:
        self.expr = expr
        self.parent = parent
        self.path = path
        self.depth = depth
        self.size = size
        self.has_x = has_x
        self.reducible = reducible
        self.kind = node_kind(expr)  #: index into NODE_KINDS

    @property
    def side(self) -> int:
        """0 for the left side, 1 for the right side, -1 for the root."""
        return self.path[0] if self.path else -1

    def __repr__(self) -> str:
        return f"Node({self.expr!s}, parent={self.parent}, path={self.path})"


class EquationTree:
    """An immutable equation ``lhs = rhs`` with its nodes listed in pre-order.

    :param lhs: left side (a sympy expression, usually unevaluated).
    :param rhs: right side.
    """

    def __init__(self, lhs: sympy.Basic, rhs: sympy.Basic) -> None:
        self.lhs = sympy.sympify(lhs)
        self.rhs = sympy.sympify(rhs)

    @property
    def sides(self) -> tuple[sympy.Basic, sympy.Basic]:
        return self.lhs, self.rhs

    def with_sides(self, lhs: sympy.Basic, rhs: sympy.Basic) -> EquationTree:
        return EquationTree(lhs, rhs)

    def replace(self, path: tuple[int, ...], new: sympy.Basic) -> EquationTree:
        """The tree with the node at ``path`` replaced by ``new``."""
        side = replace_at(self.sides[path[0]], path[1:], new)
        return EquationTree(side, self.rhs) if path[0] == 0 else EquationTree(self.lhs, side)

    @cached_property
    def nodes(self) -> list[Node]:
        out: list[Node] = []
        root_slot = len(out)
        out.append(None)  # type: ignore[arg-type]  # filled once the sides are known
        size, has_x, reducible = 1, False, False
        for position, side in enumerate(self.sides):
            s, hx, red = self._visit(side, 0, (position,), 1, out)
            size += s
            has_x |= hx
            reducible |= red
        out[root_slot] = Node(None, -1, (), 0, size, has_x, reducible)
        return out

    def _visit(self, expr: sympy.Basic, parent: int, path: tuple[int, ...], depth: int,
               out: list[Node]) -> tuple[int, bool, bool]:
        slot = len(out)
        out.append(None)  # type: ignore[arg-type]
        size, has_x, reducible = 1, expr.is_Symbol and expr == X, False
        for position, arg in enumerate(expr.args):
            s, hx, red = self._visit(arg, slot, path + (position,), depth + 1, out)
            size += s
            has_x |= hx
            reducible |= red
        reducible = reducible or (bool(expr.args) and _locally_reducible(expr))
        out[slot] = Node(expr, parent, path, depth, size, has_x, reducible)
        return size, has_x, reducible

    @property
    def size(self) -> int:
        """Number of nodes, the equation root included."""
        return self.nodes[0].size

    @property
    def depth(self) -> int:
        """Edges on the longest path from the equation root to a leaf (``x + 5 = 7`` has depth 2)."""
        return max(node.depth for node in self.nodes)

    def solved_value(self) -> sympy.Rational | None:
        """The value when the equation reads ``x = <number>``, else ``None``."""
        if self.lhs == X and self.rhs.is_Rational:
            return self.rhs
        return None

    def text(self) -> str:
        """``lhs = rhs`` with the arguments in tree order (cached: sympy's printer is slow)."""
        if "_text" not in self.__dict__:
            self.__dict__["_text"] = f"{sympy.sstr(self.lhs, order='none')} = {sympy.sstr(self.rhs, order='none')}"
        return self.__dict__["_text"]

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"EquationTree({self.text()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EquationTree) and self.lhs == other.lhs and self.rhs == other.rhs

    def __hash__(self) -> int:
        return hash((self.lhs, self.rhs))

    def __copy__(self) -> "EquationTree":
        return self

    def __deepcopy__(self, memo: dict) -> "EquationTree":
        # immutable: sharing is a correct copy, and SB3's DummyVecEnv deep-copies every step's info
        return self

    def __getstate__(self) -> dict:
        return {"lhs": self.lhs, "rhs": self.rhs}

    def __setstate__(self, state: dict) -> None:
        self.lhs = state["lhs"]
        self.rhs = state["rhs"]
