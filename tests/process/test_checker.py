"""The oracle step checker judges each kind of claim against the truth."""

from __future__ import annotations

import pytest

from mathgym.process import OracleChecker
from mathgym.sources.procedural import ProceduralSource


def _problem(name: str, level: int, index: int, seed: int = 0):
    return ProceduralSource(name, seed=seed, level=level)[index]


def test_a_wrong_product_is_the_first_error_and_later_consistent_steps_do_not_hide_it():
    problem = _problem("Arithmetic", 1, 3)  # 31 × 6 - 14
    checker = OracleChecker(problem)
    assert checker.first_error(problem.solution) == -1
    steps = [
        "31 × 6 = 187, so the expression becomes 187 - 14.",
        "187 - 14 = 173.",
        "The answer is \\boxed{173}.",
    ]
    assert checker.first_error(steps) == 0
    verdict = checker.check_step(steps[0])
    assert not verdict.ok and "187" in verdict.reason


def test_arithmetic_chains_are_checked_even_with_known_numbers():
    problem = _problem("Arithmetic", 1, 3)
    # every number here is a quantity of the solution, but the equation is false
    assert not OracleChecker(problem).check_step("186 - 14 = 186.").ok


def test_equations_in_x_must_hold_at_the_gold_solution():
    problem = _problem("LinearEquation", 2, 3)  # 10x - 3 = 3x + 74, x = 11
    checker = OracleChecker(problem)
    assert checker.check_step("Subtract 3x from both sides: 7x - 3 = 74.").ok
    assert not checker.check_step("Subtract 3x from both sides: 7x + 3 = 74.").ok
    assert not checker.check_step("The solution is x = 12. The answer is \\boxed{12}.").ok


def test_a_factorisation_must_vanish_at_every_root():
    problem = _problem("Quadratic", 0, 3)  # x^2 + 3x - 4 = 0
    checker = OracleChecker(problem)
    assert checker.check_step("Factor the left side: x^2 + 3x - 4 = (x - 1)(x + 4).").ok
    # holds at x = 1 but not at x = -4
    assert not checker.check_step("Factor the left side: x^2 + 3x - 4 = (x - 1)(x + 5).").ok


@pytest.mark.parametrize(
    "step, ok",
    [
        ("d/dx[3*x^2] = 6*x (power rule).", True),
        ("d/dx[3*x^2] = 3*x (power rule).", False),
    ],
)
def test_derivative_claims_are_differentiated(step, ok):
    problem = _problem("Derivative", 0, 3)  # 4*x^3 + 3*x^2
    assert OracleChecker(problem).check_step(step).ok is ok


def test_the_pair_formula_is_checked_as_an_identity():
    problem = _problem("Combinatorics", 1, 3)  # handshakes among 10 people
    checker = OracleChecker(problem)
    assert checker.check_step(problem.solution[0]).ok
    assert not checker.check_step(problem.solution[0].replace("n(n - 1)/2", "n(n + 1)/2")).ok
