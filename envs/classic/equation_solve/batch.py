"""The EquationSolve engine for many equations at once: per-node columns, masks and observations in numpy.

:class:`TokenBatch` holds ``B`` equations as ``(B, M)`` token columns (kind, number of arguments, zero/one
flags and the number features of the observation). :meth:`TokenBatch.analyze` derives every per-node column
the rules, the mask and the observation read — subtree sizes, parents, depths, argument positions, sides,
contains-x, monomial degree, reducibility — for all equations with a fixed number of array operations: in
prefix order the subtree of node ``j`` ends at the first position ``e > j`` where the running sum of
``nargs - 1`` drops below its value at ``j``, which gives the ``(B, M, M)`` ancestor relation, and from it
everything else. :func:`batch_action_mask` and :func:`batch_encode` then compute the masks and observations
of all equations at once. Rules are still applied per equation (splicing token tuples, see
:func:`~mathgym.envs.classic.equation_solve.engine.apply_rule`), reading the columns through a
:class:`~mathgym.envs.classic.equation_solve.engine.RowView`.

The columns equal those of :class:`~mathgym.envs.classic.equation_solve.engine.Equation` node for node
(``tests/classic/test_vector_envs.py`` holds the vector env to the single env step for step).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mathgym.envs.classic.equation_solve.engine import (
    ADD,
    ADD_SUB,
    COLLECT,
    DIVIDE,
    EXPAND,
    INT,
    MOVE,
    MUL,
    MULTIPLY,
    NUM_FEATURES,
    NUM_RULES,
    RAT,
    SIMPLIFY,
    SWAP,
    RowView,
    Tokens,
    X,
    canonical_size,
    linear_form,
    number_features,
)


@dataclass
class Columns:
    """Per-node columns of a batch, each ``(B, M)`` (as those of
    :class:`~mathgym.envs.classic.equation_solve.engine.Equation`).

    :param size: subtree sizes (1 for padding).
    :param depth: depths.
    :param parent: parent indices (-1 for the root and padding).
    :param position: argument positions.
    :param side: 0 left, 1 right, -1 root and padding.
    :param has_x: subtree contains x.
    :param reducible: evaluating the subtree changes it.
    :param mono: 1 for ``x`` or ``c*x`` (a monomial of degree 1), else 0.
    :param parent_kind: the parent's kind (0 for the root and padding).
    :param add_children: how many arguments are sums.
    :param mono_children: how many arguments are degree-1 monomials.
    """

    size: np.ndarray
    depth: np.ndarray
    parent: np.ndarray
    position: np.ndarray
    side: np.ndarray
    has_x: np.ndarray
    reducible: np.ndarray
    mono: np.ndarray
    parent_kind: np.ndarray
    add_children: np.ndarray
    mono_children: np.ndarray

    def row_view(self, b: int, tokens: Tokens) -> RowView:
        """What the rules read of equation ``b`` (whose tokens are ``tokens``).

        :param b: row index.
        :param tokens: that row's tokens.
        """
        n = len(tokens)
        return RowView(
            tokens,
            self.size[b, :n].tolist(),
            self.depth[b, :n].tolist(),
            self.parent[b, :n].tolist(),
            self.position[b, :n].tolist(),
            self.mono[b, :n].tolist(),
        )


class TokenBatch:
    """``B`` equations of at most ``M`` nodes as token columns.

    :param batch: number of equations.
    :param max_nodes: node slots per equation.
    """

    def __init__(self, batch: int, max_nodes: int) -> None:
        B, M = batch, max_nodes
        self.B, self.M = B, M
        self.n = np.zeros(B, dtype=np.int64)
        self.kind = np.zeros((B, M), dtype=np.int64)
        self.nargs = np.zeros((B, M), dtype=np.int64)
        self.zero = np.zeros((B, M), dtype=bool)
        self.one = np.zeros((B, M), dtype=bool)
        self.numbers = np.zeros((B, M, 3), dtype=np.float32)  # sign, magnitude, is-unit of number nodes
        self._index = np.arange(M)

    def write(self, rows: Sequence[int] | np.ndarray, equations: Sequence[Tokens]) -> None:
        """Store ``equations[k]`` as equation ``rows[k]``.

        All rows are written with a few array operations: every distinct token is turned into its column
        values once (:data:`_TOKEN_ROWS`), the rows' tokens are concatenated, and the values scattered into
        place.

        :param rows: row indices.
        :param equations: their prefix tokens (at most ``M`` each).
        """
        if not len(rows):
            return
        rows = np.asarray(rows, dtype=np.int64)
        lengths = np.fromiter((len(t) for t in equations), dtype=np.int64, count=len(equations))
        values = np.array([_token_row(t) for tokens in equations for t in tokens], dtype=np.float64)
        starts = np.repeat(rows * self.M - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        flat = starts + np.arange(values.shape[0])
        self.n[rows] = lengths
        padding = self._index[None, :] >= lengths[:, None]
        for column, k in ((self.kind, 0), (self.nargs, 1)):
            column[rows] = np.where(padding, 0, column[rows])
            column.reshape(-1)[flat] = values[:, k]
        for column, k in ((self.zero, 2), (self.one, 3)):
            column[rows] = False
            column.reshape(-1)[flat] = values[:, k] > 0
        self.numbers[rows] = 0.0
        self.numbers.reshape(-1, 3)[flat] = values[:, 4:]

    def analyze(self) -> Columns:
        """The per-node columns of every equation.

        Two passes over the ``M`` positions, each a handful of array operations on all ``B`` equations:
        forward, a stack of open nodes gives every node its parent, depth and argument position; backward,
        every node is finished (its subtree size, monomial degree and reducibility need only its arguments,
        which come after it) and passes its facts up to its parent. The passes work on position-major ``(M,
        B)`` arrays with flat indices (``position * B + row``): a position's column is then contiguous, and
        flat gathers are about twice as fast as two-dimensional ones.
        """
        B, M = self.B, self.M
        rows = np.arange(B)
        n = self.n
        kind = np.ascontiguousarray(self.kind.T)
        nargs = np.ascontiguousarray(self.nargs.T)
        zero, one = self.zero.T, self.one.T
        parent = np.full((M, B), -1, dtype=np.int64)
        depth = np.zeros((M, B), dtype=np.int64)
        position = np.zeros((M, B), dtype=np.int64)
        depth_flat = depth.reshape(-1)
        stack = np.zeros((M + 1) * B, dtype=np.int64)  # open nodes, innermost last
        remaining = np.zeros((M + 1) * B, dtype=np.int64)  # arguments each open node still waits for
        filled = np.zeros((M + 1) * B, dtype=np.int64)  # arguments each open node has got
        sp = np.zeros(B, dtype=np.int64)
        longest = int(n.max()) if B else 0  # positions past every equation's end are padding: skip them
        for i in range(longest):
            live = i < n
            open_ = live & (sp > 0)
            top = np.maximum(sp - 1, 0) * B + rows
            p = np.where(open_, stack[top], -1)
            parent[i] = p
            position[i] = np.where(open_, filled[top], 0)
            depth[i] = np.where(open_, depth_flat[np.maximum(p, 0) * B + rows] + 1, 0)
            filled[top] += open_
            left = remaining[top] - open_
            remaining[top] = left
            sp -= open_ & (left == 0)  # its last argument starts here: it needs nothing more
            at = sp * B + rows
            stack[at] = i  # the slot above the top is free: writing it for every row is harmless
            remaining[at] = nargs[i]
            filled[at] = 0
            sp += live & (nargs[i] > 0)
        is_number = (kind == INT) | (kind == RAT)
        is_x = kind == X
        size = np.ones((M, B), dtype=np.int64)
        has_x = is_x.copy()
        mono = np.zeros((M, B), dtype=bool)
        reducible = np.zeros((M, B), dtype=bool)
        size_flat, has_x_flat, mono_flat, reducible_flat = (
            a.reshape(-1) for a in (size, has_x, mono, reducible)
        )
        kind_flat = kind.reshape(-1)
        # per node, counts over its arguments: sums, products, zeros, ones, numbers, degree-1 monomials
        counts = np.zeros((M * B, 6), dtype=np.int64)
        props = np.stack([kind == ADD, kind == MUL, zero, one, is_number], axis=2).astype(np.int64)
        for i in range(longest - 1, -1, -1):
            k = kind[i]
            c = counts[i * B : (i + 1) * B]
            # node i is finished: its arguments, which come after it, are
            if i + 1 < M:
                two = nargs[i] == 2
                first_number = is_number[i + 1] & (nargs[i] > 0)
                second = np.minimum(i + 1 + size[i + 1], M - 1) * B + rows
                mono[i] = is_x[i] | ((k == MUL) & two & first_number & mono_flat[second])
                second_add = two & (kind_flat[second] == ADD)
                local = ((k == ADD) & ((c[:, 0] + c[:, 2] > 0) | (c[:, 4] > 1) | (c[:, 5] > 1))) | (
                    (k == MUL)
                    & ((c[:, 1] + c[:, 2] + c[:, 3] > 0) | (c[:, 4] > 1) | (first_number & second_add))
                )
                reducible[i] |= local
            else:
                mono[i] = is_x[i]
            p = parent[i]
            up = (p >= 0) & (i < n)
            if i == 0 or not up.any():
                continue
            q = np.maximum(p, 0) * B + rows
            size_flat[q] += np.where(up, size[i], 0)
            has_x_flat[q] |= up & has_x[i]
            reducible_flat[q] |= up & reducible[i]
            row_props = np.empty((B, 6), dtype=np.int64)
            row_props[:, :5] = props[i]
            row_props[:, 5] = mono[i]
            counts[q] += up[:, None] * row_props
        index = self._index[None, :]
        valid = index < n[:, None]
        size, has_x, reducible, mono = size.T, has_x.T, reducible.T, mono.T
        parent, depth, position = parent.T, depth.T, position.T
        rhs = 1 + size[:, 1:2]
        side = np.where(valid & (index > 0), (index >= rhs).astype(np.int64), -1)
        parent_kind = np.where(parent >= 0, self.kind[rows[:, None], np.maximum(parent, 0)], 0)
        counts = counts.reshape(M, B, 6)  # type: ignore[assignment]
        return Columns(
            np.where(valid, size, 1),
            depth,
            parent,
            position,
            side,
            has_x & valid,
            reducible & valid,
            mono.astype(np.int64),
            parent_kind,
            counts[..., 0].T,
            counts[..., 5].T,
        )


_TOKEN_ROWS: dict[tuple[int, int, int, int], tuple[float, ...]] = {}


def _token_row(token: tuple[int, int, int, int]) -> tuple[float, ...]:
    """``(kind, nargs, is_zero, is_one, sign, magnitude, is_unit)`` of a token (cached)."""
    row = _TOKEN_ROWS.get(token)
    if row is None:
        kind, nargs, p, q = token
        if kind == INT or kind == RAT:
            row = (kind, nargs, kind == INT and p == 0, kind == INT and p == 1, *number_features(p, q))
        else:
            row = (kind, nargs, False, False, 0.0, 0.0, 0.0)
        if len(_TOKEN_ROWS) >= 1 << 16:
            _TOKEN_ROWS.clear()
        _TOKEN_ROWS[token] = row
    return row


def batch_action_mask(
    batch: TokenBatch, columns: Columns, allow_swap: np.ndarray, tokens: list[Tokens]
) -> np.ndarray:
    """Masks ``(B, NUM_RULES * M)`` of every equation, as
    :func:`~mathgym.envs.classic.equation_solve.engine.action_mask` computes them one by one.

    :param batch: the token batch.
    :param columns: its :meth:`TokenBatch.analyze`.
    :param allow_swap: ``(B,)`` whether ``swap_sides`` may be offered (False right after a swap).
    :param tokens: every row's tokens (read only near the node budget, to count evaluated forms exactly).
    """
    B, M = batch.B, batch.M
    kind, valid = batch.kind, batch._index[None, :] < batch.n[:, None]
    c = columns
    budget = (M - batch.n)[:, None]
    size, depth = c.size, c.depth
    mask = np.zeros((B, NUM_RULES, M), dtype=bool)
    inner = valid & (batch._index[None, :] > 0)
    term = inner & (((depth == 1) & (kind != ADD) & ~batch.zero) | ((depth == 2) & (c.parent_kind == ADD)))
    mask[:, MOVE] = term & (size + 3 <= budget)
    mask[:, ADD_SUB] = term & (2 * (size + 3) <= budget)
    mask[:, MULTIPLY] = inner & (kind == RAT) & (budget >= 4)
    parent = np.maximum(c.parent, 0)
    rows = np.arange(B)[:, None]
    mask[:, DIVIDE] = (
        inner
        & (kind == INT)
        & (depth >= 2)
        & (budget >= 4)
        & ~batch.zero
        & ~batch.one
        & (c.parent_kind == MUL)
        & c.has_x[rows, parent]
    )
    # expand and simplify write the evaluated form (at most 5 nodes) over the subtree: see engine._fits
    fits = (size <= budget) | (size >= 5 - budget) | (size == 3)
    expand = inner & (kind == MUL) & (c.add_children > 0)
    simplify = inner & ((kind == ADD) | (kind == MUL)) & c.reducible
    mask[:, EXPAND] = expand & fits
    mask[:, COLLECT] = inner & (kind == ADD) & (c.mono_children > 1)
    mask[:, SIMPLIFY] = simplify & fits
    # a 4-node subtree in a full tree: count its evaluated form (rare)
    for b, i in zip(*np.nonzero((expand | simplify) & ~fits)):
        view = c.row_view(b, tokens[b])
        if canonical_size(*linear_form(view, int(i))) - size[b, i] <= budget[b, 0]:
            mask[b, EXPAND, i] = expand[b, i]
            mask[b, SIMPLIFY, i] = simplify[b, i]
    mask[:, SWAP, 0] = True
    flat = mask.reshape(B, NUM_RULES * M)
    alone = flat.sum(1) == 1
    flat[~allow_swap & ~alone, SWAP * M] = False
    return flat


_KIND_ONE_HOT = np.vstack([np.zeros(8), np.eye(8)]).astype(np.float32)  # row k: the one-hot of kind k
_PARENT_ONE_HOT = np.zeros((9, 4), dtype=np.float32)
_PARENT_ONE_HOT[1:5] = np.eye(4)  # parents are the equation, sums, products or powers


def batch_encode(batch: TokenBatch, columns: Columns, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` ``(B, M, NUM_FEATURES)`` float32 with the node rows of every equation
    (:func:`~mathgym.envs.classic.equation_solve.engine.encode_nodes`).

    :param batch: the token batch.
    :param columns: its :meth:`TokenBatch.analyze`.
    :param out: the array to fill.
    """
    M = batch.M
    c = columns
    valid = batch._index[None, :] < batch.n[:, None]
    inner = valid & (batch._index[None, :] > 0)
    out[..., 0:8] = _KIND_ONE_HOT[batch.kind]
    out[..., 8:12] = _PARENT_ONE_HOT[c.parent_kind]
    out[..., 12] = inner & (c.side == 0)
    out[..., 13] = inner & (c.side == 1)
    out[..., 14] = np.where(valid, np.minimum(c.depth / 8.0, 1.0), 0.0)
    out[..., 15] = np.where(inner, c.parent / M, 0.0)
    out[..., 16] = np.where(inner, np.minimum(c.position / 4.0, 1.0), 0.0)
    out[..., 17:20] = batch.numbers
    out[..., 20] = np.where(valid, np.minimum(c.size / M, 1.0), 0.0)
    out[..., 21] = valid & c.has_x
    return out


__all__ = ["NUM_FEATURES", "Columns", "TokenBatch", "batch_action_mask", "batch_encode"]
