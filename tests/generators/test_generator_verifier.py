"""Gold answers are in a form the project's verifier reads: reference solutions verify as correct,
and another item's answer does not."""

from __future__ import annotations

import itertools

import pytest

from mathgym.generators import GENERATORS
from mathgym.sources import ProceduralSource


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_reference_solutions_verify(name: str) -> None:
    from mathgym.verifier import verify

    for level in range(GENERATORS[name].num_levels()):
        source = ProceduralSource(name, level=level, seed=77)
        problems = [source[i] for i in range(6)]
        for problem in problems:
            verdict = verify(problem.solution[-1], problem)
            assert verdict.correct, (problem.id, problem.answer, verdict)
            # the whole worked solution, as an agent would write it, verifies too
            assert verify("\n".join(problem.solution), problem).correct, problem.id
        # a different item's (different) answer is rejected
        for a, b in itertools.pairwise(problems):
            if a.answer != b.answer:
                assert not verify(b.solution[-1], a).correct, (a.id, a.answer, b.answer)
