"""Monte-Carlo labels through step-mode env snapshots: Math-Shepherd estimates and OmegaPRM's search."""

from __future__ import annotations

import pytest

from mathgym.agents.search import ScriptedStepPolicy
from mathgym.process import inject_error
from mathgym.process.montecarlo import (
    binary_search_first_error,
    hard_labels,
    mc_values,
    omega_first_error,
    soft_labels,
)
from mathgym.process.rollouts import SnapshotRoller
from mathgym.sources.procedural import ProceduralSource


def test_binary_search_probes_the_methods_example():
    # 8 steps, MC > 0 for prefixes 1-5 and 0 for 6-8: probes 4, 6, 5; the first error is step 6 (index 5)
    result = binary_search_first_error(lambda k: 0.5 if k <= 5 else 0.0, 8)
    assert result.probes == (4, 6, 5) and result.first_error == 5


def test_hard_and_soft_estimates():
    assert hard_labels([0.25, 0.0, 1.0]) == [1, 0, 1]
    assert soft_labels([0.25]) == [0.25]


@pytest.fixture(scope="module")
def setup():
    problem = ProceduralSource("MultiStepWord", seed=1, level=3)[2]
    wrong = inject_error(problem, seed=0, step=2, kind="arithmetic_slip")
    # the completer can finish right only from prefixes of the reference; from the wrong step on, its
    # only script is the wrong solution, which carries the error to a wrong answer
    policy = ScriptedStepPolicy({problem.prompt: [list(problem.solution), list(wrong.steps)]})
    return problem, wrong, SnapshotRoller(policy, max_steps=16)


def test_mc_values_come_from_completions_played_through_the_env(setup):
    problem, wrong, roller = setup
    values = mc_values(roller, problem, wrong.steps, n=8, seed=1)
    k = wrong.first_error_index
    assert all(
        0 < v < 1 for v in values[:k]
    )  # both scripts agree on these prefixes: some completions succeed
    assert values[k:] == [0.0] * (len(wrong.steps) - k)
    assert hard_labels(values) == wrong.step_labels()
    assert roller.tokens > 0


def test_omega_prm_finds_the_injected_first_error_with_few_probes(setup):
    problem, wrong, roller = setup
    result = omega_first_error(roller, problem, wrong.steps, n=8, seed=2)
    assert result.first_error == wrong.first_error_index
    assert len(result.probes) <= len(wrong.steps).bit_length()
    assert omega_first_error(roller, problem, problem.solution, n=4).first_error == -1
