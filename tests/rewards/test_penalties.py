"""Length and step penalties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reward_helpers import PROBLEM

from mathgym.rewards import LengthPenalty, StepPenalty
from mathgym.rewards.base import StepContext


def run_steps(reward, steps: list[str]) -> list[float]:
    return [
        reward(StepContext(PROBLEM, action, tuple(steps[:k]), k, final=k == len(steps) - 1)).value
        for k, action in enumerate(steps)
    ]


def test_length_penalty_charges_the_overrun() -> None:
    reward = LengthPenalty(budget=10, per_unit=0.5)
    out = reward(StepContext(PROBLEM, "x" * 14))
    assert out.value == pytest.approx(-2.0)
    assert dict(out.components) == {"length_penalty": -2.0}
    assert reward(StepContext(PROBLEM, "x" * 10)).value == 0.0


@settings(deadline=None)  # timing on a shared 2-core CI machine is not the property
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8), st.integers(0, 40))
def test_length_penalty_is_the_same_however_the_response_is_split(steps: list[str], budget: int) -> None:
    reward = LengthPenalty(budget=budget, per_unit=0.25)
    per_step = run_steps(reward, steps)
    assert all(value <= 0 for value in per_step)
    assert sum(per_step) == pytest.approx(-0.25 * max(0, len("\n".join(steps)) - budget))


def test_length_penalty_units() -> None:
    words = LengthPenalty(budget=3, per_unit=1.0, unit="words")
    assert words(StepContext(PROBLEM, "one two three four five")).value == -2.0
    tokens = LengthPenalty(budget=0, per_unit=0.1, unit=lambda text: len(text.encode("utf-8")))
    assert tokens(StepContext(PROBLEM, "é")).value == pytest.approx(-0.2)
    with pytest.raises(ValueError, match="unit"):
        LengthPenalty(budget=3, unit="tokens")
    with pytest.raises(ValueError, match="per_unit"):
        LengthPenalty(budget=3, per_unit=-1)


def test_step_penalty_costs_each_step() -> None:
    values = run_steps(StepPenalty(0.05), ["a", "b", "\\boxed{1}"])
    assert values == [-0.05, -0.05, -0.05]
    assert run_steps(StepPenalty(0.0), ["a"]) == [0.0]
    with pytest.raises(ValueError):
        StepPenalty(-0.1)
