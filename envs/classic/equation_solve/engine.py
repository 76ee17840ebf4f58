"""EquationSolve's state as a prefix token array, its rewrite rules and the action mask, without sympy.

An equation ``lhs = rhs`` is a tuple of tokens in prefix (pre-order) order, one token per tree node:
``(kind, nargs, p, q)`` with the node kind (:data:`NODE_KINDS`), its number of arguments and, for a number
leaf, the exact rational ``p/q`` (``q > 0``, lowest terms). ``3*x + 5 = 14`` is::

    (EQ,2) (ADD,2) (MUL,2) (INT 3) (X) (INT 5) (INT 14)

The trees are *unevaluated*, as a student writes them: ``3*x = 14 - 5`` keeps its ``14 - 5`` until a
``simplify`` action evaluates it. :class:`Equation` adds the per-node columns that the rules, the mask and
the observation read (parent, depth, side, argument position, subtree size, contains-x, reducible, monomial
degree), computed in one pass and cached per token tuple. A rule builds the next token tuple by splicing
slices of the current one (the untouched subtrees are copied as slices, never rebuilt).

Semantics are those of a sympy tree with ``evaluate=False`` and of sympy's automatic evaluation, restricted
to the fragment every EquationSolve problem lives in: *linear* expressions in ``x`` with rational numbers,
``+`` and ``*``. In that fragment sympy's evaluation of any subtree is the canonical linear form
``b + c*x`` (written ``b``, ``x``, ``c*x``, ``b + x`` or ``b + c*x``, the number first, as sympy orders
arguments), so evaluation is exact rational arithmetic on ``(c, b)``. Powers, functions, other symbols and
products of two factors that contain ``x`` are rejected when an equation is built (:class:`NotLinear`).
``tests/classic/test_equation_engine.py`` holds this module to sympy's behaviour and to recorded
trajectories of the original sympy implementation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

#: node kinds, in the order of the observation's one-hot type columns (0 is padding); ``pow`` and ``other``
#: keep their columns so that observations keep their layout, but never occur in the linear fragment
NODE_KINDS = ("pad", "equation", "add", "mul", "pow", "variable", "integer", "rational", "other")
EQ, ADD, MUL, POW, X, INT, RAT, OTHER = range(1, 9)
KIND_INDEX = {name: i for i, name in enumerate(NODE_KINDS)}

Token = tuple[int, int, int, int]
Tokens = tuple[Token, ...]

RULE_NAMES = (
    "swap_sides",
    "move_term",
    "add_subtract_term",
    "multiply_both",
    "divide_both",
    "expand",
    "collect",
    "simplify",
)
RULE_DESCRIPTIONS = (
    "swap the two sides of the equation",
    "move a term to the other side, changing its sign",
    "add the opposite of a term to both sides",
    "multiply both sides by the denominator of a fraction",
    "divide both sides by a coefficient of the unknown",
    "distribute a product over a sum",
    "combine like terms of a sum",
    "evaluate the arithmetic of a subtree",
)
SWAP, MOVE, ADD_SUB, MULTIPLY, DIVIDE, EXPAND, COLLECT, SIMPLIFY = range(len(RULE_NAMES))
NUM_RULES = len(RULE_NAMES)

#: features per node row of the observation (see :func:`encode_nodes`)
FEATURES = (
    # node type, one-hot (padding rows have none)
    "is_equation",
    "is_add",
    "is_mul",
    "is_pow",
    "is_variable",
    "is_integer",
    "is_rational",
    "is_other",
    # parent type, one-hot (the root has none)
    "parent_equation",
    "parent_add",
    "parent_mul",
    "parent_pow",
    # which side of the equation the node is on
    "on_left",
    "on_right",
    "depth",  # edges from the root / 8, capped at 1
    "parent_index",  # parent's node index / max_nodes (0 for the root)
    "position",  # position among the parent's arguments / 4, capped at 1
    "sign",  # sign of a number node (-1, 0, 1)
    "magnitude",  # tanh(|value| / 10) of a number node
    "is_unit",  # a number node is ±1
    "size",  # subtree size / max_nodes
    "has_x",  # the subtree contains the unknown
)
NUM_FEATURES = len(FEATURES)


class NotLinear(ValueError):
    """The equation leaves the fragment the engine implements (linear in x, rational numbers, + and *)."""


def number(value: Fraction | int, denominator: int = 1) -> Token:
    """The token of the rational ``value / denominator`` (kind ``INT`` when it is an integer).

    :param value: an int or a Fraction.
    :param denominator: a nonzero int the value is divided by.
    """
    if isinstance(value, int):
        p, q = value, denominator
        if q < 0:
            p, q = -p, -q
        g = math.gcd(p, q)
        if g != 1:
            p, q = p // g, q // g
    else:
        value = Fraction(value) / denominator
        p, q = value.numerator, value.denominator
    return (INT if q == 1 else RAT, 0, p, q)


_X: Token = (X, 0, 0, 1)
_ZERO: Token = (INT, 0, 0, 1)
_ONE: Token = (INT, 0, 1, 1)
_MINUS_ONE: Token = (INT, 0, -1, 1)


def _is_number(token: Token) -> bool:
    return token[0] == INT or token[0] == RAT


def _value(token: Token) -> Fraction:
    return Fraction(token[2], token[3])


def canonical(c: Fraction | int, b: Fraction | int, denominator: int = 1) -> Tokens:
    """Tokens of ``(b + c*x) / denominator`` as sympy's evaluation writes it: ``b``, ``x``, ``c*x``,
    ``b + x``, ``b + c*x`` (the number first, as sympy orders arguments).

    :param c: the coefficient of x (an int or a Fraction).
    :param b: the constant term.
    :param denominator: a positive int both are divided by.
    """
    if not c:
        return (number(b, denominator),)
    term: Tokens = (_X,) if c == denominator else ((MUL, 2, 0, 1), number(c, denominator), _X)
    if not b:
        return term
    return ((ADD, 2, 0, 1), number(b, denominator)) + term


def canonical_size(c: Fraction | int, b: Fraction | int, denominator: int = 1) -> int:
    """Number of nodes of :func:`canonical` without building it (same arguments)."""
    if not c:
        return 1
    size = 1 if c == denominator else 3
    return size if not b else size + 2


class NodeView:
    """One node of an :class:`Equation` as agents read it (``equation.nodes[i]``).

    :param index: pre-order index (0 is the equation).
    :param kind: index into :data:`NODE_KINDS`.
    :param parent: parent's index (-1 for the root).
    :param depth: edges from the root.
    :param side: 0 for the left side, 1 for the right side, -1 for the root.
    :param position: position among the parent's arguments.
    :param size: nodes in the subtree.
    :param has_x: the subtree contains the unknown.
    :param reducible: evaluating the subtree changes it (``simplify`` applies).
    :param value: the number of a number node, else ``None``.
    """

    __slots__ = (
        "depth",
        "has_x",
        "index",
        "kind",
        "parent",
        "position",
        "reducible",
        "side",
        "size",
        "value",
    )

    def __init__(
        self,
        index: int,
        kind: int,
        parent: int,
        depth: int,
        side: int,
        position: int,
        size: int,
        has_x: bool,
        reducible: bool,
        value: Fraction | None,
    ) -> None:
        self.index, self.kind, self.parent, self.depth, self.side = index, kind, parent, depth, side
        self.position, self.size, self.has_x, self.reducible, self.value = (
            position,
            size,
            has_x,
            reducible,
            value,
        )

    @property
    def kind_name(self) -> str:
        return NODE_KINDS[self.kind]

    @property
    def is_add(self) -> bool:
        return self.kind == ADD

    def __repr__(self) -> str:
        value = "" if self.value is None else f" {self.value}"
        return f"Node({self.index}: {self.kind_name}{value}, parent={self.parent}, depth={self.depth})"


class Equation:
    """An immutable equation (a token tuple) with its per-node columns; build it with :func:`equation_of`.

    Columns (lists indexed by pre-order node index): ``kind``, ``parent``, ``depths``, ``side``, ``position``,
    ``sizes``, ``has_x``, ``reducible``, ``mono`` (monomial degree: 0 for a number, 1 for ``x`` or ``c*x``, -1
    otherwise), ``sum_args`` and ``degree_one`` (how many arguments are sums, degree-1 monomials), ``children``
    (argument indices).

    :param tokens: the prefix tokens (validated by :func:`equation_of`).
    """

    __slots__ = (
        "__weakref__",
        "_lin",
        "_text",
        "children",
        "degree_one",
        "depths",
        "has_x",
        "kind",
        "mono",
        "n",
        "parent",
        "position",
        "reducible",
        "side",
        "sizes",
        "sum_args",
        "tokens",
    )

    def __init__(self, tokens: Tokens) -> None:  # noqa: C901  (one backward pass over the tokens, flat for speed)
        self.tokens = tokens
        n = self.n = len(tokens)
        kind = self.kind = [t[0] for t in tokens]
        parent = self.parent = [-1] * n
        depth = self.depths = [0] * n
        side = self.side = [-1] * n
        position = self.position = [0] * n
        children: list[list[int]] = [[] for _ in range(n)]
        self.children = children
        # forward pass: parents from a stack of (node, arguments still to come)
        stack: list[list[int]] = []
        for i, token in enumerate(tokens):
            if stack:
                top = stack[-1]
                p = top[0]
                parent[i] = p
                siblings = children[p]
                position[i] = len(siblings)
                siblings.append(i)
                depth[i] = depth[p] + 1
                side[i] = position[i] if p == 0 else side[p]
                top[1] -= 1
                if not top[1]:  # its last argument starts here: the parent needs nothing more
                    stack.pop()
            if token[1]:
                stack.append([i, token[1]])
        if stack:
            raise ValueError(f"truncated token sequence: {tokens}")
        # backward pass: subtree facts from the children's, in one loop over each node's arguments
        size = self.sizes = [1] * n
        has_x = self.has_x = [False] * n
        reducible = self.reducible = [False] * n
        mono = self.mono = [-1] * n
        sum_args = self.sum_args = [0] * n  # arguments that are sums (expand applies to a product with one)
        degree_one = self.degree_one = [0] * n  # arguments that are degree-1 monomials (collect needs two)
        for i in range(n - 1, -1, -1):
            k = kind[i]
            if k == X:
                has_x[i] = True
                mono[i] = 1
                continue
            if k == INT or k == RAT:
                mono[i] = 0
                continue
            if k == EQ:  # the root: its sides' facts only (a side equal to 0 is no arithmetic to do)
                lhs, rhs = children[i]
                size[i] = 1 + size[lhs] + size[rhs]
                has_x[i] = has_x[lhs] or has_x[rhs]
                reducible[i] = reducible[lhs] or reducible[rhs]
                continue
            s, hx, red, numbers, sums, ones = 1, False, False, 0, 0, 0
            is_mul = k == MUL
            for a in children[i]:
                s += size[a]
                if has_x[a]:
                    hx = True
                if reducible[a]:
                    red = True
                ka = kind[a]
                if ka == ADD:
                    sums += 1
                elif ka == INT:
                    p = tokens[a][2]
                    if p == 0 or (is_mul and p == 1):
                        red = True  # a zero term or factor, or a factor 1
                    else:
                        numbers += 1
                elif ka == RAT:
                    numbers += 1
                elif ka == MUL and is_mul:
                    red = True  # a product inside a product flattens
                if mono[a] == 1:
                    ones += 1
            size[i], has_x[i], sum_args[i], degree_one[i] = s, hx, sums, ones
            if k == ADD:
                reducible[i] = red or sums > 0 or numbers > 1 or ones > 1
            else:  # a product
                args = children[i]
                two = len(args) == 2
                first_is_number = kind[args[0]] == INT or kind[args[0]] == RAT
                reducible[i] = red or numbers > 1 or (two and first_is_number and kind[args[1]] == ADD)
                if two and first_is_number and mono[args[1]] == 1:
                    mono[i] = 1
        self._lin: dict[int, tuple[int, int, int]] = {}
        self._text: str | None = None

    # -- facts --------------------------------------------------------------------------------------------

    def lin(self, i: int) -> tuple[Fraction, Fraction]:
        """``(c, b)`` with subtree ``i`` equal to ``b + c*x`` (exact; cached)."""
        return linear_form(self, i)

    def solved_value(self) -> Fraction | None:
        """The value when the equation reads ``x = <number>``, else ``None``."""
        tokens = self.tokens
        if self.n == 3 and tokens[1][0] == X and (tokens[2][0] == INT or tokens[2][0] == RAT):
            return Fraction(tokens[2][2], tokens[2][3])
        return None

    @property
    def lhs_index(self) -> int:
        return 1

    @property
    def rhs_index(self) -> int:
        return 1 + self.sizes[1]

    @property
    def size(self) -> int:
        """Number of nodes, the equation root included."""
        return self.n

    @property
    def depth(self) -> int:
        """Edges on the longest root-to-leaf path (``x + 5 = 7`` has depth 2)."""
        return max(self.depths)

    @property
    def nodes(self) -> list[NodeView]:
        """The nodes as :class:`NodeView` objects (for agents and tests; the engine reads the columns)."""
        return [
            NodeView(
                i,
                self.kind[i],
                self.parent[i],
                self.depths[i],
                self.side[i],
                self.position[i],
                self.sizes[i],
                self.has_x[i],
                self.reducible[i],
                _value(t) if _is_number(t) else None,
            )
            for i, t in enumerate(self.tokens)
        ]

    def subtree(self, i: int) -> Tokens:
        return self.tokens[i : i + self.sizes[i]]

    def text(self) -> str:
        """``lhs = rhs`` with the arguments in tree order, as sympy's ``sstr(order="none")`` prints it."""
        if self._text is None:
            from mathgym.envs.classic.equation_solve.printing import equation_text

            self._text = equation_text(self)
        return self._text

    def to_sympy(self) -> tuple:
        """``(lhs, rhs)`` as unevaluated sympy expressions (for rendering and interoperation)."""
        from mathgym.envs.classic.equation_solve.printing import to_sympy

        return to_sympy(self.tokens, 1), to_sympy(self.tokens, self.rhs_index)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Equation({self.text()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Equation) and self.tokens == other.tokens

    def __hash__(self) -> int:
        return hash(self.tokens)

    def __copy__(self) -> Equation:
        return self

    def __deepcopy__(self, memo: dict) -> Equation:
        return self  # immutable: sharing is a correct copy (SB3's DummyVecEnv deep-copies every info)

    def __reduce__(self) -> tuple:
        return equation_of, (self.tokens,)


def linear_form(eq: Equation | RowView, i: int) -> tuple[Fraction, Fraction]:
    """``(c, b)`` with subtree ``i`` of ``eq`` equal to ``b + c*x``, exactly.

    :param eq: an :class:`Equation` or a :class:`RowView`.
    :param i: node index.
    :raises NotLinear: for a product of two factors that contain x, or a node kind outside the fragment.
    """
    cn, bn, d = _linear(eq, i)
    return Fraction(cn, d), Fraction(bn, d)


def _linear(eq: Equation | RowView, i: int) -> tuple[int, int, int]:
    # (c, b) over a common denominator as plain ints, cached in eq._lin: Fraction arithmetic is ~10x slower
    got = eq._lin.get(i)
    if got is not None:
        return got
    token = eq.tokens[i]
    k = token[0]
    if k == X:
        out = (1, 0, 1)
    elif k == INT or k == RAT:
        out = (0, token[2], token[3])
    elif k == ADD:
        cn, bn, d = 0, 0, 1
        for a in eq.children[i]:
            ca, ba, da = _linear(eq, a)
            if da == d:
                cn, bn = cn + ca, bn + ba
            else:
                cn, bn, d = cn * da + ca * d, bn * da + ba * d, d * da
        g = math.gcd(math.gcd(cn, bn), d)
        out = (cn // g, bn // g, d // g)
    elif k == MUL:
        cn, bn, d = 0, 1, 1  # the product so far: (bn + cn*x) / d
        for a in eq.children[i]:
            ca, ba, da = _linear(eq, a)
            if cn and ca:
                raise NotLinear("a product of two factors that contain x")
            cn, bn, d = cn * ba + ca * bn, bn * ba, d * da
        g = math.gcd(math.gcd(cn, bn), d)
        out = (cn // g, bn // g, d // g)
    else:
        raise NotLinear(f"node kind {NODE_KINDS[k]!r}")
    eq._lin[i] = out
    return out


class _Children:
    """``children[i]``: the argument indices of node ``i``, read off the subtree sizes (prefix order)."""

    __slots__ = ("nargs", "sizes")

    def __init__(self, nargs: Sequence[int], sizes: Sequence[int]) -> None:
        self.nargs, self.sizes = nargs, sizes

    def __getitem__(self, i: int) -> list[int]:
        out = []
        a = i + 1
        for _ in range(self.nargs[i]):
            out.append(a)
            a += self.sizes[a]
        return out


class RowView:
    """What the rules read of one equation, from per-node columns computed elsewhere (the batch engine).

    :param tokens: the prefix tokens.
    :param size: subtree sizes.
    :param depth: node depths.
    :param parent: parent indices.
    :param position: argument positions.
    :param mono: monomial degrees (1 for ``x`` or ``c*x``).
    """

    __slots__ = ("_lin", "children", "depths", "mono", "parent", "position", "rhs_index", "sizes", "tokens")

    def __init__(
        self,
        tokens: Tokens,
        size: Sequence[int],
        depth: Sequence[int],
        parent: Sequence[int],
        position: Sequence[int],
        mono: Sequence[int],
    ) -> None:
        self.tokens, self.sizes, self.depths, self.parent, self.position, self.mono = (
            tokens,
            size,
            depth,
            parent,
            position,
            mono,
        )
        self.rhs_index = 1 + size[1]
        self.children = _Children([t[1] for t in tokens], size)
        self._lin: dict[int, tuple[int, int, int]] = {}

    @property
    def side(self) -> _Side:
        return _Side(self.rhs_index)

    def subtree(self, i: int) -> Tokens:
        return self.tokens[i : i + self.sizes[i]]

    def lin(self, i: int) -> tuple[Fraction, Fraction]:
        return linear_form(self, i)


class _Side:
    __slots__ = ("rhs",)

    def __init__(self, rhs: int) -> None:
        self.rhs = rhs

    def __getitem__(self, i: int) -> int:
        return -1 if i == 0 else 0 if i < self.rhs else 1


_CACHE: dict[Tokens, Equation] = {}
_CACHE_LIMIT = 1 << 16


def equation_of(tokens: Sequence[Token], *, check: bool = False) -> Equation:
    """The :class:`Equation` of a token sequence (cached: states recur within and across episodes).

    :param check: validate that the tokens form ``lhs = rhs`` in the linear fragment (done for equations
        that come from outside; the rules never leave the fragment).
    :raises NotLinear: when ``check`` and the equation is outside the fragment.
    """
    tokens = tuple(tokens)
    equation = _CACHE.get(tokens)
    if equation is None:
        if check:
            _validate(tokens)
        equation = Equation(tokens)
        if check:
            equation.lin(equation.lhs_index)
            equation.lin(equation.rhs_index)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[tokens] = equation
    return equation


def _validate(tokens: Tokens) -> None:
    if not tokens or tokens[0][:2] != (EQ, 2) or any(t[0] == EQ for t in tokens[1:]):
        raise ValueError(f"not an equation 'lhs = rhs': {tokens}")
    for t in tokens:
        kind, nargs, p, q = t
        if kind in (POW, OTHER):
            raise NotLinear(f"node kind {NODE_KINDS[kind]!r}")
        if kind in (ADD, MUL) and nargs < 2:
            raise ValueError(f"{NODE_KINDS[kind]} needs two or more arguments: {tokens}")
        if kind in (X, INT, RAT) and nargs:
            raise ValueError(f"a leaf with arguments: {tokens}")
        if kind in (INT, RAT) and (q <= 0 or math.gcd(p, q) != 1 or (kind == INT) != (q == 1)):
            raise ValueError(f"number token not in lowest terms or of the wrong kind: {t}")


# -- rules ------------------------------------------------------------------------------------------------


def negate(eq: Equation, i: int) -> Tokens:
    """``-term`` for subtree ``i`` as a student writes it: ``-5``, ``-3*x``, ``x`` for ``-1*x``, else
    ``-1*(...)``."""
    tokens = eq.tokens
    token = tokens[i]
    if token[0] == INT or token[0] == RAT:
        return ((token[0], 0, -token[2], token[3]),)  # -(p/q) keeps its kind and lowest terms
    if token[0] == MUL:
        args = eq.children[i]
        first = tokens[args[0]]
        if first[0] == INT or first[0] == RAT:
            rest = tokens[args[1] : i + eq.sizes[i]]  # the arguments after the coefficient, as one slice
            if first[2] == -1 and first[3] == 1:  # the coefficient becomes 1: drop it
                return rest if len(args) == 2 else ((MUL, len(args) - 1, 0, 1),) + rest
            return ((MUL, len(args), 0, 1), (first[0], 0, -first[2], first[3])) + rest
    return ((MUL, 2, 0, 1), _MINUS_ONE) + eq.subtree(i)


def append_term(eq: Equation, side: int, term: Tokens) -> Tokens:
    """``side + term`` unevaluated (a zero side is replaced by the term; a sum gets one more argument)."""
    token = eq.tokens[side]
    if token == _ZERO:
        return term
    if token[0] == ADD:
        return ((ADD, token[1] + 1, 0, 1),) + eq.tokens[side + 1 : side + eq.sizes[side]] + term
    return ((ADD, 2, 0, 1),) + eq.subtree(side) + term


def without_arg(eq: Equation, i: int, position: int, empty: Token) -> Tokens:
    """Subtree ``i`` (a sum or product) without its ``position``-th argument; ``empty`` when none is left."""
    args = eq.children[i]
    if len(args) == 1:
        return (empty,)
    kept = [a for k, a in enumerate(args) if k != position]
    tokens = eq.tokens
    if len(kept) == 1:
        return eq.subtree(kept[0])
    drop = args[position]
    end = i + eq.sizes[i]
    return ((tokens[i][0], len(kept), 0, 1),) + tokens[i + 1 : drop] + tokens[drop + eq.sizes[drop] : end]


def _replace(eq: Equation, i: int, new: Tokens) -> Tokens:
    return eq.tokens[:i] + new + eq.tokens[i + eq.sizes[i] :]


def _with_sides(lhs: Tokens, rhs: Tokens) -> Tokens:
    return ((EQ, 2, 0, 1),) + lhs + rhs


def _sides(eq: Equation) -> tuple[Tokens, Tokens]:
    r = eq.rhs_index
    return eq.tokens[1:r], eq.tokens[r:]


def apply_rule(eq: Equation, rule: int, i: int) -> Tokens:  # noqa: C901  (one branch per rule)
    """The tokens after applying ``rule`` to node ``i`` (call only where :func:`action_mask` allows it)."""
    lhs_index, rhs_index = 1, eq.rhs_index
    if rule == SWAP:
        lhs, rhs = _sides(eq)
        return _with_sides(rhs, lhs)
    if rule == MOVE:
        side = eq.side[i]
        root = lhs_index if side == 0 else rhs_index
        remaining = (_ZERO,) if eq.depths[i] == 1 else without_arg(eq, root, eq.position[i], _ZERO)
        other = append_term(eq, rhs_index if side == 0 else lhs_index, negate(eq, i))
        return _with_sides(remaining, other) if side == 0 else _with_sides(other, remaining)
    if rule == ADD_SUB:
        opposite = negate(eq, i)
        return _with_sides(append_term(eq, lhs_index, opposite), append_term(eq, rhs_index, opposite))
    if rule == MULTIPLY:
        factor = (MUL, 2, 0, 1), (INT, 0, eq.tokens[i][3], 1)
        lhs, rhs = _sides(eq)
        return _with_sides(factor + lhs, factor + rhs)
    if rule == DIVIDE:
        divisor = eq.tokens[i][2]
        p = eq.parent[i]
        factor = (MUL, 2, 0, 1), number(1, divisor)
        sides = []
        for position, root in enumerate((lhs_index, rhs_index)):
            if eq.depths[p] == 1 and eq.side[p] == position:  # the side is c*(...): cancel c
                sides.append(without_arg(eq, root, eq.position[i], _ONE))
            else:
                sides.append(factor + eq.subtree(root))
        return _with_sides(*sides)
    if rule == EXPAND or rule == SIMPLIFY:  # in the linear fragment both give sympy's evaluated form
        return _replace(eq, i, canonical(*_linear(eq, i)))
    if rule == COLLECT:
        args = eq.children[i]
        group = [a for a in args if eq.mono[a] == 1]
        c = sum((Fraction(_linear(eq, a)[0], _linear(eq, a)[2]) for a in group), Fraction(0))
        merged = canonical(c, 0)
        kept: list[Tokens] = []
        for a in args:
            if a == group[0]:
                term = merged
            elif a in group:
                continue
            else:
                term = eq.subtree(a)
            if term != (_ZERO,):
                kept.append(term)
        if not kept:
            new: Tokens = (_ZERO,)
        elif len(kept) == 1:
            new = kept[0]
        else:
            new = ((ADD, len(kept), 0, 1),) + tuple(t for term in kept for t in term)
        return _replace(eq, i, new)
    raise ValueError(f"unknown rule {rule}")


def action_mask(
    eq: Equation, max_nodes: int, *, allow_swap: bool = True, out: np.ndarray | None = None
) -> np.ndarray:
    """Boolean mask of shape ``(NUM_RULES * max_nodes,)``: action ``rule * max_nodes + node`` is valid when
    the rule applies to the node and its result is sure to fit in ``max_nodes`` nodes.

    :param allow_swap: offer ``swap_sides``; envs pass ``False`` right after a swap (swapping back only undoes
        it), unless it is the only applicable move, so that the mask is never empty.
    :param out: an array to fill (zeroed first) instead of a new one.
    """
    if out is None:
        mask = np.zeros(NUM_RULES * max_nodes, dtype=bool)
    else:
        mask = out
        mask[:] = False
    valid = _valid_actions(eq, max_nodes)
    if not allow_swap and len(valid) > 1:
        valid.remove(SWAP * max_nodes)
    mask[valid] = True
    return mask


def _valid_actions(eq: Equation, max_nodes: int) -> list[int]:  # noqa: C901  (one branch per rule, flat for speed)
    """Flat indices of the valid actions (the mask's true entries; swapping is always among them)."""
    tokens, kind, depth, size, parent = eq.tokens, eq.kind, eq.depths, eq.sizes, eq.parent
    budget = max_nodes - eq.n
    out = [SWAP * max_nodes]  # swap_sides applies to the root, and never grows the tree
    move, add_sub, multiply, divide = (
        MOVE * max_nodes,
        ADD_SUB * max_nodes,
        MULTIPLY * max_nodes,
        DIVIDE * max_nodes,
    )
    expand, collect, simplify = EXPAND * max_nodes, COLLECT * max_nodes, SIMPLIFY * max_nodes
    for i in range(1, min(eq.n, max_nodes)):
        k = kind[i]
        d = depth[i]
        s = size[i]
        # move_term / add_subtract_term: a term is a side that is not a sum (nor 0), or an argument of a sum
        # side
        if (d == 1 and k != ADD and tokens[i] != _ZERO) or (d == 2 and kind[parent[i]] == ADD):
            if s + 3 <= budget:
                out.append(move + i)
            if 2 * (s + 3) <= budget:
                out.append(add_sub + i)
        if k == RAT:
            if budget >= 4:
                out.append(multiply + i)
        elif k == INT:
            if d >= 2 and budget >= 4:
                p = tokens[i][2]
                if p != 0 and p != 1 and kind[parent[i]] == MUL and eq.has_x[parent[i]]:
                    out.append(divide + i)
        elif k == MUL:
            if eq.sum_args[i] and _fits(eq, i, budget):
                out.append(expand + i)
            if eq.reducible[i] and _fits(eq, i, budget):
                out.append(simplify + i)
        elif k == ADD:
            if eq.degree_one[i] > 1:
                out.append(collect + i)
            if eq.reducible[i] and _fits(eq, i, budget):
                out.append(simplify + i)
    out.sort()
    return out


def _fits(eq: Equation, i: int, budget: int) -> bool:
    # growth bound of expand/simplify: the subtree's size; near the budget count the real result instead. The
    # evaluated form has at most 5 nodes, so a subtree of 5 - budget nodes or more always fits, and so does a
    # 3-node one (two leaves evaluate to at most 3 nodes); only 4-node subtrees of a full tree need counting.
    size = eq.sizes[i]
    return (
        size <= budget or size >= 5 - budget or size == 3 or canonical_size(*_linear(eq, i)) - size <= budget
    )


# -- observation ------------------------------------------------------------------------------------------

_PARENT_COLUMN = (-1, 8, 9, 10, 11, -1, -1, -1, -1)  # column of the parent-type one-hot per node kind
_NUMBER_FEATURES: dict[tuple[int, int], tuple[float, float, float]] = {}


def number_features(p: int, q: int) -> tuple[float, float, float]:
    """``(sign, tanh(|v| / 10), |v| == 1)`` of the number ``p/q`` (cached)."""
    got = _NUMBER_FEATURES.get((p, q))
    if got is None:
        magnitude = abs(p / q)  # int / int is correctly rounded, as sympy's float(Rational) is
        got = (float((p > 0) - (p < 0)), math.tanh(magnitude / 10.0), float(magnitude == 1.0))
        if len(_NUMBER_FEATURES) < 1 << 16:
            _NUMBER_FEATURES[(p, q)] = got
    return got


class _RowTable:
    """Observation rows of nodes, keyed by what a row depends on, stored once in a numpy table.

    A node's row depends on its kind, its parent's kind, side, depth, parent index, position, subtree size,
    contains-x and (for numbers) value; rows recur across steps and episodes, so an equation's rows are a
    single gather from this table. The table is cleared when it is full; equations notice by its generation.

    :param max_nodes: the node slots the rows are scaled by.
    :param capacity: rows kept before the table is cleared.
    """

    def __init__(self, max_nodes: int, capacity: int = 1 << 17) -> None:
        self.max_nodes, self.capacity = max_nodes, capacity
        self.generation = 0
        self.ids: dict[tuple, int] = {}
        self.rows = np.zeros((1024, NUM_FEATURES), dtype=np.float32)

    def lookup(self, eq: Equation) -> list[int]:
        """Row ids of the first ``max_nodes`` nodes of ``eq``."""
        if len(self.ids) + eq.n > self.capacity:
            self.ids.clear()
            self.generation += 1
        ids = self.ids
        kind, parent, depth, side, position, size, has_x, tokens = (
            eq.kind,
            eq.parent,
            eq.depths,
            eq.side,
            eq.position,
            eq.sizes,
            eq.has_x,
            eq.tokens,
        )
        out = []
        for i in range(min(eq.n, self.max_nodes)):
            p = parent[i]
            token = tokens[i]
            key = (
                token[0],
                kind[p] if p >= 0 else 0,
                side[i],
                depth[i],
                p,
                position[i],
                size[i],
                has_x[i],
                token[2],
                token[3],
            )
            row = ids.get(key)
            if row is None:
                row = self._add(key)
            out.append(row)
        return out

    def _add(self, key: tuple) -> int:
        k, parent_kind, side, depth, p, position, size, has_x, num, den = key
        M = self.max_nodes
        row = [0.0] * NUM_FEATURES
        row[k - 1] = 1.0
        if p >= 0:
            column = _PARENT_COLUMN[parent_kind]
            if column >= 0:
                row[column] = 1.0
            row[12 + side] = 1.0
            row[15] = p / M
            row[16] = min(position / 4.0, 1.0)
        row[14] = min(depth / 8.0, 1.0)
        if k == INT or k == RAT:
            row[17], row[18], row[19] = number_features(num, den)
        row[20] = min(size / M, 1.0)
        row[21] = 1.0 if has_x else 0.0
        index = len(self.ids)
        if index >= self.rows.shape[0]:
            self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
        self.rows[index] = row
        self.ids[key] = index
        return index


_ROW_TABLES: dict[int, _RowTable] = {}


def encode_nodes(eq: Equation, max_nodes: int, out: np.ndarray | None = None) -> np.ndarray:
    """The ``(max_nodes, NUM_FEATURES)`` float32 matrix of the first ``max_nodes`` nodes (:data:`FEATURES`).

    :param eq: the equation.
    :param max_nodes: node slots.
    :param out: a float32 array of that shape to fill (every row is written) instead of a new one.
    """
    if out is None:
        out = np.zeros((max_nodes, NUM_FEATURES), dtype=np.float32)
    table = _ROW_TABLES.get(max_nodes)
    if table is None:
        table = _ROW_TABLES[max_nodes] = _RowTable(max_nodes)
    ids = table.lookup(eq)
    n = len(ids)
    out[:n] = table.rows[ids]
    out[n:] = 0.0
    return out


def encode_action(rule: int | str, node: int, max_nodes: int) -> int:
    """The flat action of a (rule, node) pair; ``rule`` may be a name from :data:`RULE_NAMES`."""
    rule_index = RULE_NAMES.index(rule) if isinstance(rule, str) else int(rule)
    return rule_index * max_nodes + int(node)


def decode_action(action: int, max_nodes: int) -> tuple[int, int]:
    """``(rule_index, node_index)`` of a flat action."""
    return divmod(int(action), max_nodes)
