"""Outcome and format parts, with the env's verdict and with the real verifier."""

from __future__ import annotations

import pytest
from reward_helpers import PROBLEM, make_ctx, verdict

from mathgym.rewards import FormatReward, OutcomeReward
from mathgym.rewards.base import StepContext


def test_outcome_uses_the_envs_verdict() -> None:
    reward = OutcomeReward()
    assert reward(make_ctx("\\boxed{42}", verdict=verdict(True))).value == 1.0
    assert reward(make_ctx("\\boxed{41}", verdict=verdict(False))).value == 0.0
    signed = OutcomeReward(correct=1.0, incorrect=-1.0, name="signed")
    out = signed(make_ctx("\\boxed{41}", verdict=verdict(False)))
    assert (out.value, dict(out.components)) == (-1.0, {"signed": -1.0})


def test_outcome_scores_final_steps_only() -> None:
    out = OutcomeReward()(make_ctx("6*7 = 42 so", final=False))
    assert (out.value, dict(out.components)) == (0.0, {"outcome": 0.0})


def test_outcome_partial_credit_interpolates() -> None:
    reward = OutcomeReward(correct=2.0, incorrect=-1.0, partial_credit=True)
    assert reward(make_ctx("x", verdict=verdict(False, score=0.5))).value == pytest.approx(0.5)


def test_outcome_calls_the_verifier_without_a_verdict() -> None:
    reward = OutcomeReward()
    assert reward(make_ctx("6*7 is \\boxed{42}")).value == 1.0
    assert reward(make_ctx("\\boxed{41}")).value == 0.0
    assert reward(make_ctx("I am not sure.")).value == 0.0
    # the whole response counts: the answer arrives in the last step
    steps = make_ctx("So the answer is \\boxed{42}.", history=("6*7 = 42",))
    assert reward(steps).value == 1.0
    hedged = make_ctx("\\boxed{41} or \\boxed{42}")
    assert reward(hedged).value == 0.0


def test_format_checks_for_an_extractable_answer() -> None:
    reward = FormatReward()
    assert reward(make_ctx("the result is \\boxed{17}")).value == 1.0  # wrong but well formed
    assert reward(make_ctx("the result is seventeen-ish")).value == 0.0
    assert reward(make_ctx("anything", verdict=verdict(False, extracted=None))).value == 0.0
    assert reward(make_ctx("anything", verdict=verdict(False, extracted="17"))).value == 1.0
    assert reward(make_ctx("\\boxed{17}", final=False)).value == 0.0


THINK = FormatReward(present=0.5, absent=-0.5, tags=("think",), name="think_format")


@pytest.mark.parametrize(
    ("response", "ok"),
    [
        ("<think>6*7 = 42</think>\nThe answer is \\boxed{42}.", True),
        ("  <think>6*7 = 42</think> \\boxed{41}", True),  # format only, not correctness
        ("<think>so \\boxed{42}</think> done", False),  # answer only inside the thinking
        ("Sure! <think>6*7</think> \\boxed{42}", False),  # text before the template
        ("<think>a</think><think>b</think> \\boxed{42}", False),  # repeated tag
        ("<think>never closed \\boxed{42}", False),
        ("\\boxed{42}", False),
    ],
)
def test_format_with_a_think_template(response: str, ok: bool) -> None:
    out = THINK(make_ctx(response))
    assert out.value == (0.5 if ok else -0.5)
    assert set(out.components) == {"think_format"}


@pytest.mark.parametrize(
    ("response", "ok"),
    [
        ("<think>6*7</think>\n<answer>42</answer>", True),
        ("<think>6*7</think><answer>  </answer>", False),
        ("<answer>42</answer><think>6*7</think>", False),
        ("<think>6*7</think> so <answer>42</answer>", False),
    ],
)
def test_format_with_an_answer_tag(response: str, ok: bool) -> None:
    reward = FormatReward(tags=("think",), answer_tag="answer")
    assert reward.tags == ("think", "answer")
    assert reward(make_ctx(response)).value == float(ok)


def test_format_template_spans_steps() -> None:
    ctx = StepContext(
        problem=PROBLEM, action="</think> \\boxed{42}", history=("<think>6*7", "= 42"), step_index=2
    )
    assert THINK(ctx).value == 0.5


def test_format_rejects_bad_tag_names() -> None:
    with pytest.raises(ValueError, match="tag names"):
        FormatReward(tags=("<think>",))
    with pytest.raises(ValueError, match="distinct"):
        FormatReward(tags=("think", "think"))
