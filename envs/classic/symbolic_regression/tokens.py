"""Prefix-order expression building for symbolic regression (the design of DSO/DSR, written anew).

A :class:`TokenLibrary` lists operators (arity 1 or 2), input variables and an optional ``const``.
:class:`PrefixBuilder` appends tokens one at a time, tracks the open child slots, reports the
(parent, sibling, open slots, position) observation and the mask of tokens that keep the expression
legal under :class:`Constraints`. :func:`evaluate_prefix` computes a finished expression on data with
numpy; :func:`prefix_to_sympy` gives its readable form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "cos": np.cos,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "neg": np.negative,
}
_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
}
TRIG = frozenset({"sin", "cos"})
#: pairs (outer, inner) that undo each other: ``exp(log(.))`` and ``log(exp(.))`` are not built
INVERSE_PAIRS = frozenset({("exp", "log"), ("log", "exp")})
#: the function set of the Nguyen benchmarks (DSR's "Koza" set)
KOZA = ("add", "sub", "mul", "div", "sin", "cos", "exp", "log")


@dataclass(frozen=True)
class TokenLibrary:
    """The tokens an expression is built from.

    :param functions: operator names from ``add sub mul div sin cos exp log sqrt neg``.
    :param n_variables: number of inputs, named ``x1 .. xn``.
    :param constants: include a ``const`` token whose value is fitted to the data.
    """

    functions: tuple[str, ...] = KOZA
    n_variables: int = 1
    constants: bool = False
    names: tuple[str, ...] = field(init=False)
    arities: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        unknown = [f for f in self.functions if f not in _UNARY and f not in _BINARY]
        if unknown:
            raise ValueError(f"unknown functions {unknown}; known: {sorted(_UNARY) + sorted(_BINARY)}")
        if self.n_variables < 1:
            raise ValueError("need at least one input variable")
        names = list(self.functions) + [f"x{i + 1}" for i in range(self.n_variables)]
        if self.constants:
            names.append("const")
        object.__setattr__(self, "names", tuple(names))
        object.__setattr__(
            self, "arities", tuple(2 if n in _BINARY else 1 if n in _UNARY else 0 for n in names)
        )

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self.names.index(name)

    @property
    def none(self) -> int:
        """The id used for "no parent" / "no sibling" in observations (one past the last token)."""
        return len(self.names)

    def is_variable(self, token: int) -> bool:
        return self.names[token].startswith("x")


@dataclass(frozen=True)
class Constraints:
    """Limits on the expressions a builder allows (each is an action mask, as in DSO).

    :param max_length: most tokens in an expression.
    :param no_nested_trig: no sin/cos anywhere below another sin/cos.
    :param no_inverse: no ``exp(log(.))`` or ``log(exp(.))``.
    :param no_constant_subtrees: no subtree made of constants only (e.g. ``add(const, const)``).
    :param min_length: fewest tokens in an expression (DSO's agents use 4 to keep the policy from
        collapsing onto a lone variable; the env default 1 imposes nothing).
    """

    max_length: int = 64
    no_nested_trig: bool = True
    no_inverse: bool = True
    no_constant_subtrees: bool = True
    min_length: int = 1


class _Frame:
    __slots__ = ("arity", "filled", "first_child", "first_has_var", "has_var", "token")

    def __init__(self, token: int, arity: int) -> None:
        self.token = token
        self.arity = arity
        self.filled = 0
        self.first_child = -1
        self.first_has_var = False
        self.has_var = False


class PrefixBuilder:
    """Builds one expression token by token in prefix (pre-order) order.

    :param library: the token library.
    :param constraints: the legality rules applied through :meth:`mask`.
    """

    def __init__(self, library: TokenLibrary, constraints: Constraints = Constraints()) -> None:
        self.library = library
        self.constraints = constraints
        self._trig = np.array([n in TRIG for n in library.names])
        self._arity = np.array(library.arities)
        self._is_var = np.array([library.is_variable(i) for i in range(len(library))])
        self._const = library.index("const") if library.constants else -1
        self._exp = library.names.index("exp") if "exp" in library.names else -1
        self._log = library.names.index("log") if "log" in library.names else -1
        self.reset()

    def reset(self) -> None:
        self.tokens: list[int] = []
        self._stack: list[_Frame] = []
        self._open = 1
        self._trig_depth = 0

    def close(self) -> None:
        """End the expression early (an env that rejects a token); :attr:`done` becomes true."""
        self._open = 0
        self._stack.clear()

    @property
    def done(self) -> bool:
        """The expression is complete (no open slot left)."""
        return self._open == 0

    @property
    def open_slots(self) -> int:
        return self._open

    def observation(self) -> tuple[int, int, int, int]:
        """``(parent, sibling, open slots, position)`` of the next token (``library.none`` when absent)."""
        none = self.library.none
        if not self._stack:
            return none, none, self._open, len(self.tokens)
        frame = self._stack[-1]
        sibling = frame.first_child if frame.filled == 1 else none
        return frame.token, sibling, self._open, len(self.tokens)

    def mask(self) -> np.ndarray:
        """Tokens that may come next without breaking a constraint or the length limit."""
        if self.done:
            return np.zeros(len(self.library), dtype=bool)
        c = self.constraints
        budget = c.max_length - len(self.tokens)
        # each open slot needs at least one more token, so a token of arity a fits when a <= budget - open
        mask = self._arity <= budget - self._open
        if self._open == 1 and len(self.tokens) + 1 < c.min_length:
            mask &= self._arity > 0  # a terminal here would finish the expression too short
        if c.no_nested_trig and self._trig_depth:
            mask &= ~self._trig
        if self._stack:
            frame = self._stack[-1]
            if c.no_inverse:
                if frame.token == self._exp and self._log >= 0:
                    mask[self._log] = False
                elif frame.token == self._log and self._exp >= 0:
                    mask[self._exp] = False
            if c.no_constant_subtrees and self._const >= 0:
                if frame.arity == 1 or (frame.filled == 1 and not frame.first_has_var):
                    mask[self._const] = False
        elif c.no_constant_subtrees and self._const >= 0:
            mask[self._const] = False  # a lone constant
        return mask

    def append(self, token: int) -> None:
        """Add ``token`` (the caller checks :meth:`mask` first; this only keeps the bookkeeping)."""
        if self.done:
            raise ValueError("the expression is already complete")
        self.tokens.append(token)
        arity = int(self._arity[token])
        self._open += arity - 1
        if arity:
            self._stack.append(_Frame(token, arity))
            if self._trig[token]:
                self._trig_depth += 1
            return
        root, has_var = token, bool(self._is_var[token])
        while self._stack:  # a subtree is complete: fill its parent's slot, closing finished parents
            frame = self._stack[-1]
            if frame.filled == 0:
                frame.first_child, frame.first_has_var = root, has_var
            frame.has_var |= has_var
            frame.filled += 1
            if frame.filled < frame.arity:
                break
            self._stack.pop()
            if self._trig[frame.token]:
                self._trig_depth -= 1
            root, has_var = frame.token, frame.has_var


def evaluate_prefix(
    tokens: Sequence[int], library: TokenLibrary, X: np.ndarray, constants: Sequence[float] | np.ndarray = ()
) -> np.ndarray:
    """The values of a complete prefix expression on inputs ``X`` (shape ``(n_points, n_variables)``).

    Operators are the plain numpy ones (no protection): ``log`` of a negative number gives nan, which
    callers treat as an invalid expression. ``constants`` fill the ``const`` tokens in order.
    """
    names = library.names
    consts = iter(constants)
    position = 0

    def visit() -> np.ndarray:
        nonlocal position
        name = names[tokens[position]]
        position += 1
        if name in _BINARY:
            left = visit()
            return _BINARY[name](left, visit())
        if name in _UNARY:
            return _UNARY[name](visit())
        if name == "const":
            return np.full(X.shape[0], next(consts, 1.0))
        return X[:, int(name[1:]) - 1]

    with np.errstate(all="ignore"):
        return np.asarray(visit(), dtype=float)


def prefix_to_sympy(tokens: Sequence[int], library: TokenLibrary, constants: Sequence[float] = ()) -> Any:
    """The expression as a sympy object (variables ``x1..xn``, constants rounded to 6 digits)."""
    import sympy

    symbols = sympy.symbols(f"x1:{library.n_variables + 1}")
    consts = iter(constants)
    position = 0
    ops = {
        "add": sympy.Add,
        "sub": lambda a, b: a - b,
        "mul": sympy.Mul,
        "div": lambda a, b: a / b,
        "sin": sympy.sin,
        "cos": sympy.cos,
        "exp": sympy.exp,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        "neg": lambda a: -a,
    }

    def visit() -> Any:
        nonlocal position
        name = library.names[tokens[position]]
        position += 1
        if name in _BINARY:
            left = visit()
            return ops[name](left, visit())
        if name in _UNARY:
            return ops[name](visit())
        if name == "const":
            return sympy.Float(round(float(next(consts, 1.0)), 6))
        return symbols[int(name[1:]) - 1]

    return visit()


def prefix_to_infix(tokens: Sequence[int], library: TokenLibrary, constants: Sequence[float] = ()) -> str:
    """A fully parenthesised infix string (``((x1 * x1) + x1)``), cheap enough for every episode
    (use :func:`prefix_to_sympy` for a simplified form)."""
    symbols = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
    consts = iter(constants)
    position = 0

    def visit() -> str:
        nonlocal position
        name = library.names[tokens[position]]
        position += 1
        if name in _BINARY:
            left = visit()
            return f"({left} {symbols[name]} {visit()})"
        if name in _UNARY:
            return f"{name}({visit()})"
        if name == "const":
            return f"{float(next(consts, 1.0)):.6g}"
        return name

    return visit()


def prefix_to_text(tokens: Sequence[int], library: TokenLibrary) -> str:
    """The token names joined by spaces (``add x1 mul x1 x1``)."""
    return " ".join(library.names[t] for t in tokens)


def expression_to_prefix(expression: str, library: TokenLibrary) -> list[int] | None:  # noqa: C901  (one branch per sympy node kind)
    """Token ids of a prefix expression for a sympy-syntax ``expression`` over ``x1..xn``, or ``None`` when
    the library cannot write it without constants (e.g. ``x2**2/2`` with no ``const`` token).

    Integer powers become repeated products, integer coefficients repeated sums, ``1`` is ``x1 / x1`` and
    ``a - b`` the ``sub`` token, so a benchmark's target can be replayed as actions (a demonstration of success).
    """
    import sympy

    names = library.names
    symbols = sympy.symbols(f"x1:{library.n_variables + 1}")
    local = {f"x{i + 1}": s for i, s in enumerate(symbols)}

    def token(name: str) -> list[str]:
        if name not in names:
            raise _NotWritable(name)
        return [name]

    def chain(op: str, parts: list[list[str]]) -> list[str]:
        out = parts[-1]
        for part in reversed(parts[:-1]):
            out = token(op) + part + out
        return out

    def visit(expr: sympy.Basic) -> list[str]:  # noqa: C901  (one branch per sympy node kind)
        if expr.is_Symbol:
            return token(str(expr))
        if expr == 1:  # x1 / x1: a constant-free one (the Nguyen sets' "+ 1" and "- 1")
            return token("div") + token("x1") + token("x1")
        if expr.is_Add:
            positive = [a for a in expr.args if not a.could_extract_minus_sign()]
            negative = [-a for a in expr.args if a.could_extract_minus_sign()]
            out = chain("add", [visit(a) for a in positive]) if positive else None
            for term in negative:
                out = token("sub") + out + visit(term) if out is not None else token("neg") + visit(term)
            return out  # type: ignore[return-value]
        if expr.is_Mul:
            coeff, rest = expr.as_coeff_Mul()
            if coeff == -1:
                return token("neg") + visit(rest)
            if coeff.is_Integer and coeff > 1:
                return chain("add", [visit(rest)] * int(coeff))
            if coeff != 1:
                raise _NotWritable(str(coeff))
            numerator, denominator = expr.as_numer_denom()
            if denominator != 1:
                return token("div") + visit(numerator) + visit(denominator)
            return chain("mul", [visit(a) for a in expr.args])
        if expr.is_Pow:
            base, exponent = expr.args
            if exponent == sympy.Rational(1, 2):
                return token("sqrt") + visit(base)
            if exponent.is_Integer and exponent > 1:
                return chain("mul", [visit(base)] * int(exponent))
            if exponent.is_Integer and exponent < 0:
                raise _NotWritable(str(expr))
            return token("exp") + token("mul") + visit(exponent) + token("log") + visit(base)
        for fn in ("sin", "cos", "exp", "log"):
            if isinstance(expr, getattr(sympy, fn)):
                return token(fn) + visit(expr.args[0])
        raise _NotWritable(str(expr))

    try:
        tree = sympy.sympify(expression, locals=local)
        return [library.index(name) for name in visit(tree)]
    except _NotWritable:
        return None


class _NotWritable(Exception):
    """The expression needs a token the library does not have."""
