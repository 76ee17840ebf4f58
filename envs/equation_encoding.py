"""Fixed-size numeric encoding of an :class:`~envs.equation_tree.EquationTree` for MLP policies.

Each of the first ``max_nodes`` nodes (pre-order; padding rows are all zero) becomes one row of
:data:`FEATURES`; all values lie in [-1, 1]. The rows are flattened and the action mask is appended,
so one ``Box`` carries the tree and the valid moves (SB3's ``MlpPolicy`` takes it unchanged).
"""
from __future__ import annotations

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
# column of the parent-type one-hot for each node kind (-1: no column)
_PARENT_COLUMNS = np.array([-1, 8, 9, 10, 11, -1, -1, -1, -1])


def encode_nodes(tree: EquationTree, max_nodes: int) -> np.ndarray:
    """The ``(max_nodes, NUM_FEATURES)`` float32 matrix of the tree's first ``max_nodes`` nodes."""
    rows = np.zeros((max_nodes, NUM_FEATURES), dtype=np.float32)
    nodes = tree.nodes[:max_nodes]
    n = len(nodes)
    index = np.arange(n)
    kinds = np.fromiter((node.kind for node in nodes), dtype=np.int64, count=n)
    parents = np.fromiter((node.parent for node in nodes), dtype=np.int64, count=n)
    rows[index, kinds - 1] = 1.0
    child = index[1:]  # every node but the root has a parent
    parent_column = _PARENT_COLUMNS[kinds[parents[child]]]
    has_column = parent_column >= 0
    rows[child[has_column], parent_column[has_column]] = 1.0
    rows[child, 12 + np.fromiter((node.path[0] for node in nodes[1:]), dtype=np.int64, count=n - 1)] = 1.0
    rows[child, 15] = parents[child] / max_nodes
    rows[child, 16] = np.minimum(np.fromiter((node.path[-1] for node in nodes[1:]), dtype=np.float32,
                                             count=n - 1) / 4.0, 1.0)
    rows[:n, 14] = np.minimum(np.fromiter((node.depth for node in nodes), dtype=np.float32, count=n) / 8.0, 1.0)
    rows[:n, 20] = np.minimum(np.fromiter((node.size for node in nodes), dtype=np.float32, count=n) / max_nodes, 1.0)
    rows[:n, 21] = np.fromiter((node.has_x for node in nodes), dtype=np.float32, count=n)
    numbers = index[(kinds == 6) | (kinds == 7)]  # integer and rational nodes
    if numbers.size:
        values = np.array([float(nodes[i].expr) for i in numbers])  # exact rationals to float
        magnitude = np.abs(values)
        rows[numbers, 17] = np.sign(values)
        rows[numbers, 18] = np.tanh(magnitude / 10.0)
        rows[numbers, 19] = magnitude == 1.0
    return rows
