"""Fixed-size numeric encoding of an :class:`~envs.equation_tree.EquationTree` for MLP policies.

Each of the first ``max_nodes`` nodes (pre-order; padding rows are all zero) becomes one row of
:data:`FEATURES`; all values lie in [-1, 1]. The rows are flattened and the action mask is appended,
so one ``Box`` carries the tree and the valid moves (SB3's ``MlpPolicy`` takes it unchanged).
"""
from __future__ import annotations

import math

import numpy as np

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
_PARENT_COLUMN = {1: 8, 2: 9, 3: 10, 4: 11}


def encode_nodes(tree: EquationTree, max_nodes: int) -> np.ndarray:
    """The ``(max_nodes, NUM_FEATURES)`` float32 matrix of the tree's first ``max_nodes`` nodes."""
    rows = np.zeros((max_nodes, NUM_FEATURES), dtype=np.float32)
    nodes = tree.nodes[:max_nodes]
    kinds = [node.kind for node in nodes]
    for index, node in enumerate(nodes):
        row = rows[index]
        kind = kinds[index]
        row[kind - 1] = 1.0
        if node.parent >= 0:
            column = _PARENT_COLUMN.get(kinds[node.parent])
            if column is not None:
                row[column] = 1.0
            row[12 + node.path[0]] = 1.0
            row[15] = node.parent / max_nodes
            row[16] = min(node.path[-1] / 4.0, 1.0)
        row[14] = min(node.depth / 8.0, 1.0)
        if kind in (6, 7):  # integer, rational
            value = node.expr
            number = float(value)  # a sympy Rational: exact to float
            row[17] = (number > 0) - (number < 0)
            magnitude = abs(number)
            row[18] = math.tanh(magnitude / 10.0)
            row[19] = 1.0 if magnitude == 1.0 else 0.0
        row[20] = min(node.size / max_nodes, 1.0)
        row[21] = 1.0 if node.has_x else 0.0
    return rows
