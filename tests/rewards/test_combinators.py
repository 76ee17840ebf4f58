"""Weighted sums, the log-sigmoid transform and conjunctions (methods.md §5.4)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reward_helpers import PROBLEM, Constant, ExtraScore, StepCounter, make_ctx, verdict

from mathgym.rewards import (
    Conjunction,
    FormatReward,
    LogSigmoid,
    OutcomeReward,
    StepPenalty,
    Transform,
    WeightedSum,
    log_sigmoid,
)


def test_log_sigmoid_worked_example() -> None:
    out = LogSigmoid(Constant(2.0, "rm"), reference=0.0)(make_ctx())
    assert out.value == pytest.approx(-0.1269, abs=1e-4)
    assert out.value == pytest.approx(math.log(1 / (1 + math.exp(-2))))
    assert out.components == {"rm": 2.0, "log_sigmoid_rm": out.value}


@pytest.mark.parametrize(("margin", "slope"), [(5.0, 0.0067), (-5.0, 0.9933)])
def test_log_sigmoid_slope(margin: float, slope: float) -> None:
    h = 1e-6
    numeric = (log_sigmoid(margin + h) - log_sigmoid(margin - h)) / (2 * h)
    assert numeric == pytest.approx(slope, abs=1e-4)
    assert numeric == pytest.approx(1 - 1 / (1 + math.exp(-margin)), rel=1e-6)


def test_log_sigmoid_is_stable_far_from_zero() -> None:
    assert log_sigmoid(-1000.0) == pytest.approx(-1000.0)
    assert log_sigmoid(1000.0) == 0.0
    assert log_sigmoid(0.0) == pytest.approx(math.log(0.5))


@settings(deadline=None)  # timing on a shared 2-core CI machine is not the property
@given(st.floats(-50, 50), st.floats(-50, 50))
def test_log_sigmoid_is_nonpositive_and_concave(a: float, b: float) -> None:
    assert log_sigmoid(a) <= 0.0
    assert log_sigmoid((a + b) / 2) >= (log_sigmoid(a) + log_sigmoid(b)) / 2 - 1e-12


def test_reference_can_depend_on_the_context() -> None:
    reward = LogSigmoid(ExtraScore("rm"), reference=lambda ctx: ctx.extra["ref"], name="u")
    assert reward(make_ctx(rm=3.0, ref=1.0)).value == pytest.approx(log_sigmoid(2.0))
    assert reward(make_ctx(rm=3.0, ref=3.0)).value == pytest.approx(math.log(0.5))


def test_conjunction_of_two_properties_at_reference_is_log_quarter() -> None:
    reward = Conjunction([(Constant(0.7, "helpful"), 0.7), (Constant(-1.0, "harmless"), -1.0)])
    out = reward(make_ctx())
    assert out.value == pytest.approx(math.log(0.25))
    assert out.components == pytest.approx(
        {
            "helpful": 0.7,
            "log_sigmoid_helpful": math.log(0.5),
            "harmless": -1.0,
            "log_sigmoid_harmless": math.log(0.5),
            "conjunction": math.log(0.25),
        }
    )


def test_conjunction_does_not_let_one_property_compensate_another() -> None:
    balanced = Conjunction([Constant(0.0, "a"), Constant(0.0, "b")])(make_ctx()).value
    lopsided = Conjunction([Constant(10.0, "a"), Constant(-10.0, "b")])(make_ctx()).value
    assert 10.0 + -10.0 == 0.0 + 0.0  # a plain sum cannot tell the two apart
    assert lopsided < balanced - 8.0


def test_weighted_sum_keeps_each_part_under_its_name() -> None:
    reward = WeightedSum([(OutcomeReward(), 1.0), (FormatReward(), 0.1), (StepPenalty(0.05), 2.0)])
    out = reward(make_ctx("so \\boxed{42}", verdict=verdict(True)))
    assert out.value == pytest.approx(1.0 + 0.1 - 0.1)
    assert out.components == pytest.approx(
        {"outcome": 1.0, "format": 1.0, "step_penalty": -0.05, "total": 1.0}
    )
    early = reward(make_ctx("thinking", final=False))
    assert early.value == pytest.approx(-0.1)
    assert set(early.components) == set(out.components)  # same names on every step


def test_weighted_sum_rejects_ambiguous_names() -> None:
    with pytest.raises(ValueError, match="distinct"):
        WeightedSum([OutcomeReward(), OutcomeReward()])
    nested = WeightedSum([WeightedSum([Constant(1.0, "x")], name="inner"), Constant(2.0, "x")])
    with pytest.raises(ValueError, match="reported twice"):
        nested(make_ctx())
    with pytest.raises(TypeError):
        WeightedSum([("outcome", 1.0)])  # type: ignore[list-item]


def test_transform_applies_fn_and_keeps_sparse_parts_sparse() -> None:
    doubled = Transform(Constant(1.5, "c"), lambda v: 2 * v, name="doubled")
    assert doubled(make_ctx()).components == {"c": 1.5, "doubled": 3.0}
    shifted = Transform(OutcomeReward(), lambda v: v - 1.0, name="shifted")
    assert shifted(make_ctx("thinking", final=False)).value == 0.0
    assert shifted(make_ctx("\\boxed{1}", verdict=verdict(False))).value == -1.0
    assert LogSigmoid(OutcomeReward())(make_ctx("thinking", final=False)).value == 0.0


def test_combinators_forward_episode_state() -> None:
    counter = StepCounter()
    reward = WeightedSum([Conjunction([counter]), Constant(0.0, "zero")])
    reward(make_ctx(final=False))
    snapshot = reward.get_state()
    reward(make_ctx(final=False))
    assert counter.count == 2
    reward.set_state(snapshot)
    assert counter.count == 1
    reward.reset(PROBLEM)
    assert counter.count == 0
    assert WeightedSum([Constant(1.0)]).get_state() is None
