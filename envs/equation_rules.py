"""Algebraic rewrite rules for :class:`~envs.equation_tree.EquationTree`, and the action mask they define.

An action is a (rule, node) pair. Every rule keeps the solution set unchanged (it is an equivalence
transformation), so any state of the form ``x = <number>`` is the solution. Each rule has a cheap,
structural applicability test (the action mask is built from it on every step) and a bound on how
many nodes it can add, so that the mask also keeps the tree inside the fixed-size observation.

Rules (``term`` is a summand of a side, or a whole side that is not a sum):

=================== ===================== ============================================================
rule                target                effect
=================== ===================== ============================================================
swap_sides          the equation          ``a = b`` → ``b = a``
move_term           a term                remove it from its side, add its opposite to the other side
add_subtract_term   a term                add the term's opposite to both sides (subtract a term)
multiply_both       a fraction ``p/q``    multiply both sides by ``q``
divide_both         a coefficient ``c``   divide both sides by ``c``; it cancels where it is a factor
expand              a product of a sum    distribute (sympy ``expand``)
collect             a sum                 combine like terms ``a*x**k + b*x**k``
simplify            any subtree           sympy's evaluation of the subtree (arithmetic, flattening)
=================== ===================== ============================================================
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from mathgym.envs.equation_tree import (
    KIND_INDEX,
    NODE_KINDS,
    ONE,
    ZERO,
    EquationTree,
    Node,
    append_term,
    evaluate,
    make_add,
    make_mul,
    monomial_degree,
    negate,
    without_arg,
)


@dataclass(frozen=True)
class Rule:
    """One rewrite rule.

    :param name: short identifier used in ``info["rule"]`` and logs.
    :param description: one line for humans.
    :param applies: ``(tree, node_index) -> bool``, cheap and structural (it runs for every node every step).
    :param apply: ``(tree, node_index) -> EquationTree``; called only where ``applies`` is true.
    :param growth: ``(tree, node_index) -> int``, an upper bound on the nodes the rule adds.
    :param kinds: the node kinds (indices of :data:`~envs.equation_tree.NODE_KINDS`) the rule can target;
        the mask only asks ``applies`` about those.
    :param rewrite: for rules that rewrite the target subtree in place, ``expr -> new expr`` (cached);
        when the growth bound would overflow the node budget, the mask then counts the real result.
    """

    name: str
    description: str
    applies: Callable[[EquationTree, int], bool]
    apply: Callable[[EquationTree, int], EquationTree]
    growth: Callable[[EquationTree, int], int]
    kinds: frozenset[int]
    rewrite: Callable[[sympy.Basic], sympy.Basic] | None = None


def _no_growth(tree: EquationTree, index: int) -> int:
    return 0


def _is_term(tree: EquationTree, index: int) -> bool:
    node = tree.nodes[index]
    if node.depth == 1:
        return not node.expr.is_Add and node.expr is not ZERO
    return node.depth == 2 and tree.nodes[node.parent].expr.is_Add


def _term_growth(tree: EquationTree, index: int) -> int:
    return tree.nodes[index].size + 3  # the opposite has at most two more nodes, plus a new sum node


# -- swap ------------------------------------------------------------------------------------------

def _swap_applies(tree: EquationTree, index: int) -> bool:
    return index == 0


def _swap(tree: EquationTree, index: int) -> EquationTree:
    return tree.with_sides(tree.rhs, tree.lhs)


# -- terms -----------------------------------------------------------------------------------------

def _move_term(tree: EquationTree, index: int) -> EquationTree:
    node = tree.nodes[index]
    side_index = node.path[0]
    side = tree.sides[side_index]
    term = node.expr
    remaining = sympy.Integer(0) if node.depth == 1 else without_arg(side, node.path[1], sympy.Integer(0))
    other = append_term(tree.sides[1 - side_index], negate(term))
    return tree.with_sides(remaining, other) if side_index == 0 else tree.with_sides(other, remaining)


def _add_subtract_term(tree: EquationTree, index: int) -> EquationTree:
    opposite = negate(tree.nodes[index].expr)
    return tree.with_sides(append_term(tree.lhs, opposite), append_term(tree.rhs, opposite))


def _add_subtract_growth(tree: EquationTree, index: int) -> int:
    return 2 * _term_growth(tree, index)


# -- multiply / divide -----------------------------------------------------------------------------

def _multiply_applies(tree: EquationTree, index: int) -> bool:
    expr = tree.nodes[index].expr
    return expr is not None and expr.is_Rational and not expr.is_Integer


def _multiply_both(tree: EquationTree, index: int) -> EquationTree:
    factor = sympy.Integer(tree.nodes[index].expr.q)
    return tree.with_sides(*(make_mul(factor, side) for side in tree.sides))


def _scale_growth(tree: EquationTree, index: int) -> int:
    return 4  # a product node and the factor, on each side


def _divide_applies(tree: EquationTree, index: int) -> bool:
    node = tree.nodes[index]
    if node.depth < 2 or not node.expr.is_Integer or node.expr is ZERO or node.expr is ONE:
        return False
    parent = tree.nodes[node.parent]
    return parent.expr.is_Mul and parent.has_x


def _divide_both(tree: EquationTree, index: int) -> EquationTree:
    node = tree.nodes[index]
    divisor = node.expr
    parent = tree.nodes[node.parent]
    sides = []
    for position, side in enumerate(tree.sides):
        if parent.depth == 1 and parent.path[0] == position:  # the side is c*(...): cancel c
            sides.append(without_arg(side, node.path[-1], sympy.Integer(1)))
        else:
            sides.append(make_mul(sympy.Rational(1, divisor), side))
    return tree.with_sides(*sides)


# -- expand / collect / simplify -------------------------------------------------------------------

def _expand_applies(tree: EquationTree, index: int) -> bool:
    expr = tree.nodes[index].expr
    if expr is None:
        return False
    if expr.is_Mul:
        return any(arg.is_Add for arg in expr.args)
    if expr.is_Pow:
        base, exponent = expr.args
        return base.is_Add and exponent.is_Integer and exponent > 1
    return False


@lru_cache(maxsize=65_536)
def _expanded(expr: sympy.Basic) -> sympy.Basic:
    if expr.is_Mul:
        # distribute by hand: sympy.expand runs its whole hint machinery and is ~50x slower here
        factors = [arg.args if arg.is_Add else (arg,) for arg in expr.args]
        return sympy.Add(*(sympy.Mul(*(evaluate(f) for f in combo)) for combo in itertools.product(*factors)))
    return sympy.expand(evaluate(expr))


def _expand(tree: EquationTree, index: int) -> EquationTree:
    node = tree.nodes[index]
    return tree.replace(node.path, _expanded(node.expr))


def _subtree_growth(tree: EquationTree, index: int) -> int:
    return tree.nodes[index].size


def _like_groups(expr: sympy.Basic) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for position, arg in enumerate(expr.args):
        degree = monomial_degree(arg)
        if degree:
            groups.setdefault(degree, []).append(position)
    return {degree: positions for degree, positions in groups.items() if len(positions) > 1}


def _collect_applies(tree: EquationTree, index: int) -> bool:
    expr = tree.nodes[index].expr
    return expr is not None and expr.is_Add and bool(_like_groups(expr))


def _collect(tree: EquationTree, index: int) -> EquationTree:
    node = tree.nodes[index]
    args = list(node.expr.args)
    merged: dict[int, sympy.Basic] = {}
    dropped: set[int] = set()
    for positions in _like_groups(node.expr).values():
        merged[positions[0]] = evaluate(make_add(*(args[p] for p in positions)))
        dropped.update(positions[1:])
    new_args = []
    for position, arg in enumerate(args):
        if position in dropped:
            continue
        term = merged.get(position, arg)
        if term is not ZERO:
            new_args.append(term)
    new = make_add(*new_args) if new_args else sympy.Integer(0)
    return tree.replace(node.path, new)


def _simplify_applies(tree: EquationTree, index: int) -> bool:
    return index > 0 and tree.nodes[index].reducible


_evaluated = lru_cache(maxsize=65_536)(evaluate)  # subtrees recur from step to step


def _simplify(tree: EquationTree, index: int) -> EquationTree:
    node = tree.nodes[index]
    return tree.replace(node.path, _evaluated(node.expr))


@lru_cache(maxsize=65_536)
def count_nodes(expr: sympy.Basic) -> int:
    """Number of nodes of a sympy tree."""
    return 1 + sum(count_nodes(arg) for arg in expr.args)


_ANY = frozenset(range(2, len(NODE_KINDS)))  # every node but padding and the equation root
RULES: tuple[Rule, ...] = (
    Rule("swap_sides", "swap the two sides of the equation", _swap_applies, _swap, _no_growth,
         frozenset({KIND_INDEX["equation"]})),
    Rule("move_term", "move a term to the other side, changing its sign", _is_term, _move_term, _term_growth, _ANY),
    Rule("add_subtract_term", "add the opposite of a term to both sides", _is_term, _add_subtract_term,
         _add_subtract_growth, _ANY),
    Rule("multiply_both", "multiply both sides by the denominator of a fraction", _multiply_applies,
         _multiply_both, _scale_growth, frozenset({KIND_INDEX["rational"]})),
    Rule("divide_both", "divide both sides by a coefficient of the unknown", _divide_applies, _divide_both,
         _scale_growth, frozenset({KIND_INDEX["integer"]})),
    Rule("expand", "distribute a product over a sum", _expand_applies, _expand, _subtree_growth,
         frozenset({KIND_INDEX["mul"], KIND_INDEX["pow"]}), _expanded),
    Rule("collect", "combine like terms of a sum", _collect_applies, _collect, _no_growth,
         frozenset({KIND_INDEX["add"]})),
    Rule("simplify", "evaluate the arithmetic of a subtree", _simplify_applies, _simplify, _subtree_growth,
         frozenset({KIND_INDEX["add"], KIND_INDEX["mul"], KIND_INDEX["pow"]}), _evaluated),
)
#: for each node kind, the (rule index, rule) pairs that can target it
_RULES_BY_KIND = {kind: [(r, rule) for r, rule in enumerate(RULES) if kind in rule.kinds]
                  for kind in range(len(NODE_KINDS))}
RULE_NAMES = tuple(rule.name for rule in RULES)
SWAP = RULE_NAMES.index("swap_sides")


def action_mask(tree: EquationTree, max_nodes: int, *, allow_swap: bool = True) -> np.ndarray:
    """Boolean mask of shape ``(len(RULES) * max_nodes,)``; action ``rule * max_nodes + node`` is valid
    when the rule applies to that node and its result is sure to fit in ``max_nodes`` nodes.

    :param allow_swap: offer ``swap_sides``; envs pass ``False`` right after a swap, since swapping
        back only undoes it (a greedy policy could otherwise loop on two swaps forever). It is offered
        anyway when it is the only applicable move, so the mask is never empty.
    """
    mask = np.zeros(len(RULES) * max_nodes, dtype=bool)
    nodes = tree.nodes
    budget = max_nodes - tree.size
    for index in range(min(len(nodes), max_nodes)):
        node = nodes[index]
        for rule_index, rule in _RULES_BY_KIND[node.kind]:
            if not rule.applies(tree, index):
                continue
            fits = rule.growth(tree, index) <= budget
            if not fits and rule.rewrite is not None:  # near the budget only: count the real result
                fits = count_nodes(rule.rewrite(node.expr)) - node.size <= budget
            if fits:
                mask[rule_index * max_nodes + index] = True
    if not allow_swap and mask.sum() > 1:  # swapping back stays allowed when it is the only move left
        mask[SWAP * max_nodes] = False
    return mask


def decode_action(action: int, max_nodes: int) -> tuple[int, int]:
    """``(rule_index, node_index)`` of a flat action."""
    return divmod(int(action), max_nodes)


def encode_action(rule: int | str, node: int, max_nodes: int) -> int:
    """The flat action of a (rule, node) pair; ``rule`` may be a name from :data:`RULE_NAMES`."""
    rule_index = RULE_NAMES.index(rule) if isinstance(rule, str) else int(rule)
    return rule_index * max_nodes + int(node)


__all__ = ["RULES", "RULE_NAMES", "Node", "Rule", "action_mask", "decode_action", "encode_action"]
