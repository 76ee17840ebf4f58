"""Exact step labels: tracers reproduce every generator's reference solution, injected errors sit exactly at
the stated step and propagate, and the oracle checker finds them (issue 13, acceptance 1)."""

from __future__ import annotations

import warnings
from collections import Counter

import pytest

from mathgym.generators import generator_names, get_generator
from mathgym.process import (
    ERROR_KINDS,
    Injection,
    OracleChecker,
    Tape,
    UnsupportedProblem,
    clean_trace,
    inject_error,
    supported_generators,
)
from mathgym.process.tracers import run_tracer
from mathgym.sources.procedural import ProceduralSource
from mathgym.verifier import verify

warnings.filterwarnings("ignore", category=DeprecationWarning)


def _problems(name: str, per_level: int, seed: int = 11):
    generator = get_generator(name)
    for level in range(generator.num_levels()):
        source = ProceduralSource(name, seed=seed, level=level)
        for i in range(per_level):
            yield source[i]


def test_every_generator_with_step_solutions_has_a_tracer():
    assert supported_generators() == generator_names()


@pytest.mark.parametrize("name", generator_names())
def test_clean_traces_reproduce_the_reference_solution_at_every_level(name):
    for problem in _problems(name, per_level=3):
        assert clean_trace(problem).steps == list(problem.solution)


@pytest.mark.slow
@pytest.mark.parametrize("name", generator_names())
def test_injected_errors_have_the_stated_first_error_and_the_oracle_finds_it(name):
    kinds, compensated = Counter(), 0
    for i, problem in enumerate(_problems(name, per_level=3)):
        checker = OracleChecker(problem)
        assert checker.first_error(problem.solution) == -1  # the reference is judged right
        for compensate in (False, True):
            solution = inject_error(problem, seed=i, compensate=compensate)
            if solution is None:
                continue
            k = solution.first_error_index
            assert list(solution.steps[:k]) == list(
                problem.solution[:k]
            )  # every earlier step is the reference's
            assert solution.steps[k] != problem.solution[k]
            assert checker.first_error(solution.steps) == k
            assert solution.final_answer_correct == bool(verify("\n".join(solution.steps), problem).correct)
            if compensate:
                assert solution.final_answer_correct and solution.meta["compensated_at"] > k
                compensated += 1
            kinds[solution.meta["kind"]] += 1
    assert sum(kinds.values()) >= 10, f"{name}: too few injectable items ({kinds})"
    assert len(kinds) >= 2, f"{name}: one error kind only ({kinds})"


def test_an_error_propagates_consistently_to_the_final_answer():
    problem = ProceduralSource("Arithmetic", seed=0, level=1)[3]  # 31 × 6 - 14
    tape = run_tracer(problem, Tape(Injection(step=0, site=0, kind="arithmetic_slip", variant=0)))
    assert tape.steps[0] == "31 × 6 = 187, so the expression becomes 187 - 14."
    assert tape.steps[1] == "187 - 14 = 173."
    assert tape.steps[2] == "The answer is \\boxed{173}."
    wrong_op = run_tracer(problem, Tape(Injection(step=0, site=0, kind="wrong_operation", variant=0)))
    assert wrong_op.steps[0] == "31 + 6 = 37, so the expression becomes 37 - 14."
    assert wrong_op.steps[-1] == "The answer is \\boxed{23}."


def test_every_error_kind_is_produced_somewhere():
    seen = set()
    for name in generator_names():
        for i, problem in enumerate(_problems(name, per_level=1, seed=5)):
            for kind in ERROR_KINDS:
                if kind not in seen and inject_error(problem, seed=i, kind=kind) is not None:
                    seen.add(kind)
        if seen == set(ERROR_KINDS):
            break
    assert seen == set(ERROR_KINDS)


def test_injection_is_deterministic_and_unpacks_as_a_triple():
    problem = ProceduralSource("MultiStepWord", seed=4, level=3)[7]
    first, again = inject_error(problem, seed=9), inject_error(problem, seed=9)
    assert first == again
    other = [inject_error(problem, seed=s) for s in range(6)]
    assert len({s.steps for s in other}) > 1  # seeds choose different errors
    same_problem, steps, k = first
    assert same_problem is problem and steps == list(first.steps) and k == first.first_error_index
    labels = first.step_labels()
    assert labels[:k] == [1] * k and labels[k:] == [0] * (len(steps) - k)


def test_a_requested_step_and_kind_are_honoured():
    problem = ProceduralSource("LinearEquation", seed=0, level=2)[3]  # 10x - 3 = 3x + 74
    solution = inject_error(problem, seed=1, step=1, kind="sign_error")
    assert solution is not None and solution.first_error_index == 1 and solution.meta["kind"] == "sign_error"
    # 74 + 3 = 77 written as 71 (the -3 moved without flipping its sign) or as -77 (the result's sign lost)
    assert solution.steps[1] in ("Add 3 to both sides: 7x = 71.", "Add 3 to both sides: 7x = -77.")
    assert inject_error(problem, seed=1, step=0, kind="wrong_formula") is None


def test_problems_without_a_generator_are_reported_unsupported():
    from mathgym.problem import Problem

    with pytest.raises(UnsupportedProblem, match="not a procedural problem"):
        clean_trace(Problem(id="q1", prompt="What is 2 + 2?", answer="4"))
