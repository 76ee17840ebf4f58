"""The critic's checks and the CARD-style pre-filter, on real recorded transitions in the real sandbox."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest
from design_helpers import SANDBOX_GROUP

from mathgym.reward_design.critic import MIN_CRITIC_TRANSITIONS, critique
from mathgym.reward_design.prefilter import episode_returns, preference_accuracy, prefilter
from mathgym.reward_design.transitions import critic_transitions

pytestmark = SANDBOX_GROUP
ENV = "mathgym/EquationSolve-v0"


@pytest.fixture(scope="module")
def spec():
    return gym.make(ENV).unwrapped.reward_view_spec


@pytest.fixture(scope="module")
def critic_set(pools):
    transitions = critic_transitions(pools[ENV])
    assert len(transitions) >= MIN_CRITIC_TRANSITIONS
    return transitions


def _fn(body: str) -> str:
    return f"import random\ndef compute_reward(prev, action, state, info):\n{body}\n"


def test_the_hand_written_reward_passes(spec, critic_set, executor):
    verdict = critique(spec.hand_reward, spec, critic_set, executor)
    assert verdict.ok, verdict.reason
    assert set(verdict.stats) == {"total", "solved", "step_penalty", "invalid_action"}
    assert verdict.stats["step_penalty"] == pytest.approx({"min": -0.01, "mean": -0.01, "max": -0.01})


@pytest.mark.parametrize(
    "code, check, words",
    [
        (None, "code", "no code"),
        (_fn("    return state['wrong_field'], {}"), "code", "unknown field"),
        (_fn("    return {}['x'], {}"), "runs", "KeyError"),
        (_fn("    return float('nan') if info['valid'] else 0.0, {}"), "finite", "nan"),
        (_fn("    return 1.0, {'c': float('inf') * state['size']}"), "finite", "component 'c'"),
        (_fn("    return 0.5, {'c': 0.5}"), "constant", "a constant reward"),
        (_fn("    return random.random(), {}"), "deterministic", "not deterministic"),
        (
            "calls = [0]\n" + _fn("    calls[0] += 1\n    return float(calls[0]), {}"),
            "deterministic",
            "not deterministic",
        ),
    ],
)
def test_each_failed_check_is_named_with_a_reason(spec, critic_set, executor, code, check, words):
    verdict = critique(code, spec, critic_set, executor)
    assert not verdict.ok
    assert verdict.check == check
    assert words.lower() in verdict.reason.lower()


def test_the_critic_needs_enough_transitions(spec, critic_set, executor):
    with pytest.raises(ValueError, match="at least 64"):
        critique(spec.hand_reward, spec, critic_set[:10], executor)


def test_preference_accuracy_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(50):
        returns = rng.integers(0, 5, size=12).astype(float)  # many ties
        labels = rng.random(12) < 0.5
        good, bad = returns[labels], returns[~labels]
        if not len(good) or not len(bad):
            assert preference_accuracy(returns, labels) is None
            continue
        pairs = [(1.0 if g > b else 0.5 if g == b else 0.0) for g, b in itertools.product(good, bad)]
        assert preference_accuracy(returns, labels) == pytest.approx(np.mean(pairs))


def test_preference_accuracy_examples():
    assert preference_accuracy([3, 2, 1, 0], [True, True, False, False]) == 1.0
    assert preference_accuracy([0, 1, 2, 3], [True, True, False, False]) == 0.0
    assert preference_accuracy([1, 1], [True, False]) == 0.5


def test_episode_returns_split_the_flat_totals(pools):
    pool = pools[ENV][:3]
    totals = np.arange(sum(len(e.transitions) for e in pool), dtype=float)
    returns = episode_returns(totals, pool)
    start = 0
    for episode, value in zip(pool, returns):
        assert value == totals[start : start + len(episode.transitions)].sum()
        start += len(episode.transitions)


def test_prefilter_keeps_rewards_that_follow_success_and_drops_inverted_ones(pools, executor, spec):
    pool = pools[ENV]
    assert any(e.success for e in pool) and not all(e.success for e in pool)
    good = prefilter(spec.hand_reward, pool, executor)
    assert good.ok and good.accuracy > 0.9
    inverted = prefilter(_fn("    return (-5.0 if info['is_success'] else 0.1), {}"), pool, executor)
    assert (
        not inverted.ok
        and inverted.accuracy < 0.5
        and "ranks successful episodes above failed" in inverted.reason
    )
    broken = prefilter(_fn("    return 1 / (state['size'] - state['size']), {}"), pool, executor)
    assert not broken.ok and "ZeroDivisionError" in broken.reason
