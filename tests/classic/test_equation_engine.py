"""EquationSolve's array engine: parsing, evaluation, rules, mask and printing, held to sympy's semantics.

The engine implements sympy's automatic evaluation and ``sstr(..., order="none")`` for linear expressions in
x without calling sympy; these tests build random trees of that fragment and compare with sympy itself.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from mathgym.envs.classic.equation_solve.engine import (
    ADD,
    EQ,
    MUL,
    NUM_RULES,
    RULE_NAMES,
    NotLinear,
    X,
    action_mask,
    apply_rule,
    canonical,
    decode_action,
    encode_action,
    equation_of,
    number,
)
from mathgym.envs.classic.equation_solve.parser import from_sympy, parse_equation, parse_linear_side
from mathgym.envs.classic.equation_solve.printing import equation_text, to_sympy
from mathgym.envs.classic.equation_solve.problems import MixedLevelSource, equation_from_problem

MAX_NODES = 32
SYMBOL = sympy.Symbol("x")


def _evaluate(expr):
    return expr if not expr.args else expr.func(*[_evaluate(arg) for arg in expr.args])


def _solution(eq) -> list:
    lhs, rhs = eq.to_sympy()
    return sympy.solve(sympy.Eq(_evaluate(lhs), _evaluate(rhs)), SYMBOL)


def _random_tree(rng: np.random.Generator, depth: int, allow_x: bool = True) -> tuple:
    """A random tree of the fragment: sums and products with at most one factor containing x."""
    if depth == 0 or rng.random() < 0.3:
        r = rng.random()
        if allow_x and r < 0.3:
            return ((X, 0, 0, 1),)
        if r < 0.75:
            return (number(int(rng.integers(-12, 13))),)
        return (number(Fraction(int(rng.integers(-12, 13)), int(rng.integers(1, 7)))),)
    kind = ADD if rng.random() < 0.5 else MUL
    parts, x_used = [], False
    for _ in range(int(rng.integers(2, 4))):
        part = _random_tree(rng, depth - 1, allow_x and (kind == ADD or not x_used))
        x_used |= any(t[0] == X for t in part)
        parts.append(part)
    return ((kind, len(parts), 0, 1),) + tuple(t for part in parts for t in part)


def _random_equations(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield equation_of(((EQ, 2, 0, 1),) + _random_tree(rng, 3) + _random_tree(rng, 2), check=True)


def test_printing_equals_sympys_sstr_in_tree_order() -> None:
    for eq in _random_equations(3000, 0):
        lhs, rhs = eq.to_sympy()
        assert equation_text(eq) == f"{sympy.sstr(lhs, order='none')} = {sympy.sstr(rhs, order='none')}"


def _unordered(eq, i: int) -> tuple:
    """Subtree ``i`` with the arguments of every node sorted: the tree up to argument order."""
    return (eq.tokens[i], tuple(sorted(_unordered(eq, a) for a in eq.children[i])))


def _numbers_first(eq, i: int) -> bool:
    """Every product in subtree ``i`` has its numbers first, as the parser and the rules write them.

    sympy also distributes ``(x + 1)*2``, which the original env did not count as reducible; it never builds
    that form.
    """
    for j in range(i, i + eq.sizes[i]):
        if eq.kind[j] == MUL:
            numbers = [eq.tokens[a][0] in (6, 7) for a in eq.children[j]]
            if numbers != sorted(numbers, reverse=True):
                return False
    return True


def test_evaluation_and_reducibility_equal_sympys_automatic_evaluation() -> None:
    checked = 0
    for eq in _random_equations(1500, 1):
        for i in range(1, eq.n):
            expr = to_sympy(eq.tokens, i)
            evaluated = from_sympy(_evaluate(expr), SYMBOL)
            assert canonical(*eq.lin(i)) == evaluated, str(expr)
            # reducible <=> evaluating changes the tree, up to sympy's argument order
            changes = evaluated != eq.subtree(i)
            assert not eq.reducible[i] or changes, str(expr)
            if not eq.reducible[i] and changes and _numbers_first(eq, i):
                after = equation_of(((EQ, 2, 0, 1),) + evaluated + (number(0),))
                assert _unordered(after, 1) == _unordered(eq, i), str(expr)
            checked += 1
    assert checked > 5000


@pytest.mark.parametrize(
    "text",
    [
        "3x + 5",
        "-(x + 8) - 5",
        "-3(x - 23) + 17",
        "x/3 + 2",
        "2x/3",
        "-x",
        "0.5x",
        "2*-3 + x",
        "7 - -x",
        "2^3x - 1",
    ],
)
def test_fast_parser_means_what_sympy_means(text: str) -> None:
    expected = sympy.sympify(
        text.replace("^", "**")
        .replace("3(", "3*(")
        .replace("2x", "2*x")
        .replace("3x", "3*x")
        .replace("0.5x", "x/2")
        .replace(")x", ")*x"),
        locals={"x": SYMBOL},
    )
    tokens = ((EQ, 2, 0, 1),) + parse_linear_side(text) + (number(0),)
    lhs, _ = equation_of(tokens, check=True).to_sympy()
    assert sympy.simplify(_evaluate(lhs) - expected) == 0


def test_parser_keeps_the_students_reading() -> None:
    eq = parse_equation("-(x + 8) - 5 = 8x + 74")
    assert eq.text() == "-(x + 8) - 5 = 8*x + 74"
    nodes = eq.nodes
    assert nodes[1].kind == ADD and nodes[2].kind == MUL and nodes[3].value == -1 and nodes[7].value == -5
    assert eq.depth == 4
    assert parse_equation("3x + 5 = 14").depth == 3 and parse_equation("x + 5 = 7").depth == 2


def test_parser_rejects_non_equations_and_nonlinear_ones() -> None:
    with pytest.raises(ValueError, match="one equation"):
        parse_equation("3x + 5")
    with pytest.raises(ValueError):
        parse_linear_side("3x + $")
    for text in ("x^2 = 4", "(x + 1)(x - 1) = 3", "1/x = 2", "sin(x) = 0"):
        with pytest.raises(NotLinear):
            parse_equation(text)


def test_problems_of_the_linear_equation_generator_parse_to_their_answer() -> None:
    source = MixedLevelSource((0, 1, 2, 3, 4), seed=5)
    for index in range(60):
        problem = source[index]
        eq = equation_from_problem(problem)
        assert _solution(eq) == [sympy.Rational(problem.answer)], problem.prompt
        assert eq.n <= MAX_NODES


def _random_walk(eq, rng: np.random.Generator, steps: int):
    for _ in range(steps):
        mask = action_mask(eq, MAX_NODES)
        assert mask.any(), f"no valid action in {eq}"
        rule, node = decode_action(int(rng.choice(np.flatnonzero(mask))), MAX_NODES)
        new = equation_of(apply_rule(eq, rule, node))
        yield eq, RULE_NAMES[rule], node, new
        eq = new


def test_every_valid_action_preserves_the_solution_and_fits() -> None:
    rng = np.random.default_rng(0)
    source = MixedLevelSource((0, 1, 2, 3, 4), seed=1)
    for index in range(25):
        problem = source[index]
        answer = [sympy.Rational(problem.answer)]
        for before, rule, node, after in _random_walk(equation_from_problem(problem), rng, 15):
            assert after.n <= MAX_NODES, (rule, str(before))
            assert after != before or rule == "swap_sides", (rule, str(before))
            assert _solution(after) == answer, (rule, node, str(before), str(after))


def test_rules_do_what_they_say() -> None:
    eq = parse_equation("3x + 5 = 14")
    five = next(n.index for n in eq.nodes if n.value == 5)
    moved = equation_of(apply_rule(eq, RULE_NAMES.index("move_term"), five))
    assert moved.text() == "3*x = 14 - 5"
    simplified = equation_of(apply_rule(moved, RULE_NAMES.index("simplify"), moved.rhs_index))
    assert simplified.text() == "3*x = 9"
    three = next(n.index for n in simplified.nodes if n.value == 3)
    divided = equation_of(apply_rule(simplified, RULE_NAMES.index("divide_both"), three))
    assert divided.text() == "x = (1/3)*9" and _solution(divided) == [3]  # sympy prints (1/3)*9 unevaluated
    assert equation_of(apply_rule(eq, RULE_NAMES.index("swap_sides"), 0)).text() == "14 = 3*x + 5"
    expanded = equation_of(apply_rule(parse_equation("2(x + 3) = 10"), RULE_NAMES.index("expand"), 1))
    assert expanded.text() == "6 + 2*x = 10"  # evaluated: sympy's argument order, the number first
    assert expanded.tokens[1:3] == ((ADD, 2, 0, 1), number(6))
    collected = equation_of(apply_rule(parse_equation("3x + 5 - 2x = 9"), RULE_NAMES.index("collect"), 1))
    assert collected.text() == "x + 5 = 9"


def test_swap_is_not_offered_twice_in_a_row_unless_it_is_the_only_move() -> None:
    eq = parse_equation("3x + 5 = 14")
    assert action_mask(eq, MAX_NODES)[encode_action("swap_sides", 0, MAX_NODES)]
    assert not action_mask(eq, MAX_NODES, allow_swap=False)[encode_action("swap_sides", 0, MAX_NODES)]
    assert action_mask(eq, MAX_NODES).shape == (NUM_RULES * MAX_NODES,)
