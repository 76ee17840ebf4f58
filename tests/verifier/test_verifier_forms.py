"""Answer forms: a factoring task is not answered by the expanded polynomial."""

from __future__ import annotations

import pytest

from mathgym import Problem, verify


def _factor_problem(answer: str) -> Problem:
    return Problem(
        id="t/factor",
        prompt="Factor 2x^2 + 6x + 4 completely.",
        answer=answer,
        meta={"answer_type": "expression", "answer_form": "factored"},
    )


@pytest.mark.parametrize(
    "response", ["\\boxed{2(x + 1)(x + 2)}", "\\boxed{2 (x+2) (x+1)}", "\\boxed{(2x+2)(x+2)}"]
)
def test_factored_answers_pass(response: str) -> None:
    assert verify(response, _factor_problem("2*(x + 1)*(x + 2)")).correct


@pytest.mark.parametrize(
    "response", ["\\boxed{2x^2 + 6x + 4}", "\\boxed{2(x^2 + 3x + 2)}", "\\boxed{(2x^2+6x+4)}", "2x^2+6x+4"]
)
def test_unfactored_answers_fail(response: str) -> None:
    verdict = verify(response, _factor_problem("2*(x + 1)*(x + 2)"))
    assert not verdict.correct


def test_form_is_not_enforced_without_the_hint() -> None:
    assert verify("\\boxed{2x^2 + 6x + 4}", "2*(x + 1)*(x + 2)").correct


@pytest.mark.parametrize(
    "response,gold,expected",
    [
        ("\\boxed{No}", "no", True),
        ("\\boxed{YES}", "yes", True),
        ("\\boxed{\\text{True}}", "true", True),
        ("\\boxed{yes}", "no", False),
    ],
)
def test_word_answers_ignore_case(response: str, gold: str, expected: bool) -> None:
    assert verify(response, gold).correct is expected
