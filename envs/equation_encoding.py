"""Fixed-size numeric encoding of an :class:`~envs.equation_tree.EquationTree` for MLP policies.

Each of the first ``max_nodes`` nodes (pre-order; padding rows are all zero) becomes one row of
:data:`FEATURES`; all values lie in [-1, 1]. The rows are flattened and the action mask is appended,
so one ``Box`` carries the tree and the valid moves (SB3's ``MlpPolicy`` takes it unchanged).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy

from mathgym.envs.equation_tree import EquationTree

#: one name per column of a node row
FEATURES = (
    # node type, one-hot (padding rows have none)
    "is_equation", "is_add", "is_mul", "is_pow", "is_variable", "is_integer", "is_rational", "is_other",
    # parent type, one-hot (the root has none)
    "parent_equation", "parent_add", "parent_mul", "parent_pow",
    # which side of the equation the node is on
    "on_left", "on_right",
    "depth",           # edges from the root / 8, capped at 1
    "parent_index",    # parent's node index / max_nodes (0 for the root)
    "position",        # position among the parent's arguments / 4, capped at 1
    "sign",            # sign of a number node (-1, 0, 1)
    "magnitude",       # tanh(|value| / 10) of a number node
    "is_unit",         # a number node is ±1
    "size",            # subtree size / max_nodes
    "has_x",           # the subtree contains the unknown
)
NUM_FEATURES = len(FEATURES)
# column of the parent-type one-hot for each node kind (None: no column)
_PARENT_COLUMN = (None, 8, 9, 10, 11, None, None, None, None)
_ZERO_ROW = [0.0] * NUM_FEATURES


@lru_cache(maxsize=65_536)
def _number_features(value: sympy.Rational) -> tuple[float, float, float]:
    number = float(value)  # exact rationals to float
    magnitude = abs(number)
    return float((number > 0) - (number < 0)), math.tanh(magnitude / 10.0), float(magnitude == 1.0)


def encode_nodes(tree: EquationTree, max_nodes: int) -> np.ndarray:
    """The ``(max_nodes, NUM_FEATURES)`` float32 matrix of the tree's first ``max_nodes`` nodes."""
    nodes = tree.nodes[:max_nodes]
    rows = []
    # one plain-Python pass: for a few dozen nodes this beats assembling columns with numpy
    for node in nodes:
        row = _ZERO_ROW.copy()
        kind = node.kind
        row[kind - 1] = 1.0
        if node.parent >= 0:
            column = _PARENT_COLUMN[nodes[node.parent].kind]
            if column is not None:
                row[column] = 1.0
            row[12 + node.path[0]] = 1.0
            row[15] = node.parent / max_nodes
            row[16] = min(node.path[-1] / 4.0, 1.0)
        row[14] = min(node.depth / 8.0, 1.0)
        if kind == 6 or kind == 7:  # integer, rational
            row[17], row[18], row[19] = _number_features(node.expr)
        row[20] = min(node.size / max_nodes, 1.0)
        row[21] = 1.0 if node.has_x else 0.0
        rows.append(row)
    out = np.zeros((max_nodes, NUM_FEATURES), dtype=np.float32)
    out[:len(rows)] = rows
    return out
