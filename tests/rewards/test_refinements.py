"""Clip and Delta (methods.md §3): the worked example, the anti-padding property, the online Clip."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reward_helpers import ExtraScore, make_ctx, verdict

from mathgym.rewards import (
    Clip,
    ClipDelta,
    ClipRefinement,
    Delta,
    OutcomeReward,
    clip_delta_rewards,
    clip_rewards,
    delta_rewards,
    make_refinement,
    step_rewards,
)

SCORES = [0.9, 0.8, 0.95, 0.6]
ETA = 0.85
scores_strategy = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=30)


def test_clip_worked_example() -> None:
    clipped = clip_rewards(SCORES, ETA)
    assert clipped == pytest.approx([0.0, -0.05, 0.0, -0.25])
    assert sum(clipped) == pytest.approx(-0.30)
    assert all(value <= 0 for value in clipped)


def test_delta_worked_example() -> None:
    deltas = delta_rewards(SCORES)
    assert deltas == pytest.approx([0.10, -0.15, 0.35, 0.60])
    assert sum(deltas) == pytest.approx(0.90) == SCORES[0]
    assert sum(deltas[2:]) == pytest.approx(0.95) == SCORES[2]  # return-to-go from step 3 is r_3


def test_clip_delta_worked_example() -> None:
    combined = clip_delta_rewards(SCORES, ETA)
    assert combined == pytest.approx([0.05, -0.05, 0.25, -0.25])
    assert sum(combined) == pytest.approx(0.0)
    assert ClipDelta(ETA)(SCORES) == combined


@pytest.mark.parametrize("n", [1, 2, 5, 50])
def test_padding_with_good_steps_pays_nothing(n: int) -> None:
    padded = [0.9] * n
    assert sum(padded) == pytest.approx(0.9 * n)  # raw scores grow with length
    assert sum(clip_rewards(padded, ETA)) == 0.0
    assert sum(delta_rewards(padded)) == pytest.approx(0.9)


@settings(deadline=None)  # timing on a shared 2-core CI machine is not the property
@given(scores_strategy, st.floats(0.0, 1.0))
def test_clip_sum_is_never_positive(scores: list[float], eta: float) -> None:
    clipped = clip_rewards(scores, eta)
    assert len(clipped) == len(scores)
    assert all(value <= 0 for value in clipped)
    assert sum(clipped) <= 0


@settings(deadline=None)  # timing on a shared 2-core CI machine is not the property
@given(scores_strategy)
def test_delta_telescopes_to_each_steps_score(scores: list[float]) -> None:
    deltas = delta_rewards(scores)
    assert math.isclose(sum(deltas), scores[0], abs_tol=1e-9)
    for k in range(len(scores)):
        assert math.isclose(sum(deltas[k:]), scores[k], abs_tol=1e-9)


@settings(deadline=None)  # timing on a shared 2-core CI machine is not the property
@given(scores_strategy, st.floats(0.0, 1.0))
def test_clip_delta_sum_is_first_clipped_score(scores: list[float], eta: float) -> None:
    assert math.isclose(sum(clip_delta_rewards(scores, eta)), min(scores[0] - eta, 0.0), abs_tol=1e-9)


def test_full_step_rewards_add_alpha_and_success_at_the_end() -> None:
    rewards = step_rewards(SCORES, success=1.0, alpha=0.5, refinement="delta")
    assert rewards == pytest.approx([0.05, -0.075, 0.175, 0.30 + 1.0])
    assert sum(rewards) == pytest.approx(0.5 * SCORES[0] + 1.0)
    assert step_rewards(SCORES, 1.0, refinement="clip", eta=ETA) == pytest.approx([0, -0.05, 0, 0.75])
    assert step_rewards(SCORES) == pytest.approx(SCORES)  # no refinement, no success
    assert Delta().step_rewards([0.4], success=1.0, alpha=2.0) == pytest.approx([1.8])


def test_refinement_errors_name_the_fix() -> None:
    with pytest.raises(ValueError, match="eta"):
        make_refinement("clip_delta")
    with pytest.raises(ValueError, match="unknown refinement"):
        make_refinement("delta2")
    with pytest.raises(ValueError, match="at least one step"):
        step_rewards([], 1.0)
    assert delta_rewards([]) == []
    assert isinstance(make_refinement("clip", eta=0.5), ClipRefinement)


def test_online_clip_matches_the_trajectory_function() -> None:
    reward = Clip(ExtraScore("prm"), eta=ETA)
    history: tuple[str, ...] = ()
    values = []
    for k, score in enumerate(SCORES):
        out = reward(make_ctx(f"step {k}", history=history, final=k == len(SCORES) - 1, prm=score))
        assert out.components == {"prm": score, "clip_prm": out.value}
        values.append(out.value)
        history = (*history, f"step {k}")
    assert values == pytest.approx(clip_rewards(SCORES, ETA))


def test_online_clip_keeps_a_final_only_part_sparse() -> None:
    reward = Clip(OutcomeReward(), eta=0.5)
    assert reward(make_ctx("thinking", final=False)).value == 0.0  # not min(0 - 0.5, 0)
    assert reward(make_ctx("\\boxed{41}", verdict=verdict(False))).value == -0.5
    assert reward(make_ctx("\\boxed{42}", verdict=verdict(True))).value == 0.0
