"""EquationTree parsing, the rewrite rules and the action mask."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

from mathgym.envs.equation_parser import parse_linear_side
from mathgym.envs.equation_problems import MixedLevelSource, equation_from_problem
from mathgym.envs.equation_rules import RULE_NAMES, RULES, action_mask, decode_action, encode_action
from mathgym.envs.equation_tree import EquationTree, X, evaluate, parse_equation

MAX_NODES = 32


def _solution(tree: EquationTree) -> list:
    return sympy.solve(sympy.Eq(evaluate(tree.lhs), evaluate(tree.rhs)), X)


@pytest.mark.parametrize("text", ["3x + 5", "-(x + 8) - 5", "-3(x - 23) + 17", "x/3 + 2", "2x/3", "-x", "0.5x",
                                  "(x + 1)(x - 1)", "x^2 - 4", "2*-3 + x", "7 - -x"])
def test_fast_parser_means_what_sympy_means(text: str) -> None:
    expected = sympy.sympify(text.replace("^", "**").replace("3(", "3*(").replace("2x", "2*x").replace("3x", "3*x")
                             .replace("0.5x", "x/2").replace(")(", ")*("), locals={"x": X})
    assert sympy.simplify(evaluate(parse_linear_side(text)) - expected) == 0


def test_parser_keeps_the_students_reading() -> None:
    tree = parse_equation("-(x + 8) - 5 = 8x + 74")
    assert tree.text() == "-(x + 8) - 5 = 8*x + 74"
    assert tree.lhs.args[1] == -5 and tree.lhs.args[0].args[0] == -1  # -5 is a number, -(..) a product
    assert tree.depth == 4
    assert parse_equation("3x + 5 = 14").depth == 3 and parse_equation("x + 5 = 7").depth == 2


def test_parser_rejects_non_equations() -> None:
    with pytest.raises(ValueError, match="one equation"):
        parse_equation("3x + 5")
    with pytest.raises(ValueError):
        parse_linear_side("3x + $")


def test_problems_of_the_linear_equation_generator_parse_to_their_answer() -> None:
    source = MixedLevelSource((0, 1, 2, 3, 4), seed=5)
    for index in range(60):
        problem = source[index]
        tree = equation_from_problem(problem)
        assert _solution(tree) == [sympy.Rational(problem.answer)], problem.prompt
        assert tree.size <= MAX_NODES


def _random_walk(tree: EquationTree, rng: np.random.Generator, steps: int):
    for _ in range(steps):
        mask = action_mask(tree, MAX_NODES)
        assert mask.any(), f"no valid action in {tree}"
        rule_index, node = decode_action(int(rng.choice(np.flatnonzero(mask))), MAX_NODES)
        new = RULES[rule_index].apply(tree, node)
        yield tree, RULE_NAMES[rule_index], node, new
        tree = new


def test_every_valid_action_preserves_the_solution_and_fits() -> None:
    rng = np.random.default_rng(0)
    source = MixedLevelSource((0, 1, 2, 3, 4), seed=1)
    for index in range(25):
        problem = source[index]
        start = equation_from_problem(problem)
        answer = [sympy.Rational(problem.answer)]
        for before, rule, node, after in _random_walk(start, rng, 15):
            assert after.size <= MAX_NODES, (rule, str(before))
            assert after != before or rule == "swap_sides" and before.lhs == before.rhs, (rule, str(before))
            assert _solution(after) == answer, (rule, node, str(before), str(after))


def test_simplify_is_offered_exactly_where_it_changes_the_tree() -> None:
    rng = np.random.default_rng(3)
    source = MixedLevelSource((2, 3, 4), seed=2)
    checked = 0
    for index in range(20):
        for tree, _, _, _ in _random_walk(equation_from_problem(source[index]), rng, 10):
            mask = action_mask(tree, MAX_NODES)
            for node_index in range(1, len(tree.nodes)):
                offered = bool(mask[encode_action("simplify", node_index, MAX_NODES)])
                node = tree.nodes[node_index]
                changes = evaluate(node.expr) != node.expr
                # offered => it changes the tree; not offered => at most a reordering of arguments
                assert not offered or changes, str(node.expr)
                if not offered and changes:
                    assert sympy.srepr(sorted(evaluate(node.expr).args, key=str)) == \
                        sympy.srepr(sorted(node.expr.args, key=str)), str(node.expr)
                checked += 1
    assert checked > 500


def test_rules_do_what_they_say() -> None:
    tree = parse_equation("3x + 5 = 14")
    five = next(i for i, n in enumerate(tree.nodes) if n.expr == 5)
    moved = RULES[RULE_NAMES.index("move_term")].apply(tree, five)
    assert moved.text() == "3*x = 14 - 5"
    simplified = RULES[RULE_NAMES.index("simplify")].apply(moved, next(i for i, n in enumerate(moved.nodes)
                                                                       if n.path == (1,)))
    assert simplified.text() == "3*x = 9"
    three = next(i for i, n in enumerate(simplified.nodes) if n.expr == 3)
    divided = RULES[RULE_NAMES.index("divide_both")].apply(simplified, three)
    assert divided.lhs == X and evaluate(divided.rhs) == 3
    swapped = RULES[RULE_NAMES.index("swap_sides")].apply(tree, 0)
    assert swapped.text() == "14 = 3*x + 5"
    expanded = RULES[RULE_NAMES.index("expand")].apply(parse_equation("2(x + 3) = 10"), 1)
    assert expanded.lhs == 2 * X + 6 and expanded.rhs == 10  # evaluated: sympy's argument order
    collected = RULES[RULE_NAMES.index("collect")].apply(parse_equation("3x + 5 - 2x = 9"), 1)
    assert evaluate(collected.lhs) == X + 5 and len(collected.lhs.args) == 2


def test_swap_is_not_offered_twice_in_a_row_unless_it_is_the_only_move() -> None:
    tree = parse_equation("3x + 5 = 14")
    assert action_mask(tree, MAX_NODES)[encode_action("swap_sides", 0, MAX_NODES)]
    assert not action_mask(tree, MAX_NODES, allow_swap=False)[encode_action("swap_sides", 0, MAX_NODES)]
