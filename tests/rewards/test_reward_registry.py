"""Building rewards from specs, and the defaults."""

from __future__ import annotations

import math

import pytest
from reward_helpers import Constant, make_ctx, verdict

from mathgym.rewards import (
    REWARDS,
    Clip,
    Conjunction,
    LogSigmoid,
    OutcomeReward,
    StepPenalty,
    WeightedSum,
    default_reward,
    default_step_reward,
    make_reward,
    register_reward,
)


def test_names_and_kwargs() -> None:
    assert isinstance(make_reward("outcome"), OutcomeReward)
    signed = make_reward({"outcome": {"correct": 1, "incorrect": -1}})
    assert signed(make_ctx("x", verdict=verdict(False))).value == -1.0
    reward = OutcomeReward()
    assert make_reward(reward) is reward


def test_weighted_sum_spec_from_the_docs() -> None:
    reward = make_reward({"weighted_sum": [["outcome", 1.0], ["format", 0.1], ["step_penalty", 1.0]]})
    assert isinstance(reward, WeightedSum) and reward.weights == (1.0, 0.1, 1.0)
    out = reward(make_ctx("\\boxed{42}", verdict=verdict(True)))
    assert out.value == pytest.approx(1.09)
    assert set(out.components) == {"outcome", "format", "step_penalty", "total"}


def test_transform_specs_and_json() -> None:
    ls = make_reward({"log_sigmoid": {"part": {"outcome": {"correct": 2.0}}, "reference": 0.0}})
    assert isinstance(ls, LogSigmoid)
    assert ls(make_ctx("x", verdict=verdict(True))).value == pytest.approx(math.log(1 / (1 + math.exp(-2))))
    conj = make_reward('{"conjunction": [["outcome", 1.0], [{"format": {"present": 1.0}}, 1.0]]}')
    assert isinstance(conj, Conjunction)
    assert conj(make_ctx("\\boxed{42}", verdict=verdict(True))).value == pytest.approx(math.log(0.25))
    clip = make_reward({"clip": {"part": "step_penalty", "eta": 0.5}})
    assert isinstance(clip, Clip) and clip(make_ctx("a", final=False)).value == pytest.approx(-0.51)
    assert isinstance(make_reward("mathgym.rewards.penalties:StepPenalty"), StepPenalty)


def test_errors_suggest_the_fix() -> None:
    with pytest.raises(ValueError, match="Did you mean 'outcome'"):
        make_reward("outcom")
    with pytest.raises(ValueError, match="exactly one key"):
        make_reward({"outcome": {}, "format": {}})
    with pytest.raises(ValueError, match="cannot import"):
        make_reward("mathgym.rewards:NoSuchReward")
    with pytest.raises(ValueError, match="JSON"):
        make_reward("{not json")
    with pytest.raises(TypeError):
        make_reward(3.0)  # type: ignore[arg-type]


def test_register_reward() -> None:
    register_reward("test_constant", Constant)
    try:
        assert make_reward({"test_constant": {"value": 0.25}})(make_ctx()).value == 0.25
        with pytest.raises(ValueError, match="already registered"):
            register_reward("test_constant", OutcomeReward)
    finally:
        REWARDS.unregister("test_constant")


@pytest.mark.parametrize(
    ("response", "correct", "extracted", "expected"),
    [
        ("\\boxed{42}", True, "42", 1.1),
        ("\\boxed{41}", False, "41", 0.1),
        ("no idea", False, None, 0.0),
    ],
)
def test_default_reward_values(response: str, correct: bool, extracted: str | None, expected: float) -> None:
    out = default_reward()(make_ctx(response, verdict=verdict(correct, extracted)))
    assert out.value == pytest.approx(expected)
    assert set(out.components) == {"outcome", "format", "total"}


def test_default_step_reward_costs_each_step() -> None:
    reward = default_step_reward()
    assert reward(make_ctx("6*7 = 42", final=False)).value == pytest.approx(-0.01)
    assert reward(make_ctx("\\boxed{42}", verdict=verdict(True))).value == pytest.approx(1.09)
