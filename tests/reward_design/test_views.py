"""Reward views: JSON-able, exactly the documented fields, and the hand-written reward equals the env's own."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from design_helpers import SANDBOX_GROUP, VIEW_ENVS

from mathgym.reward_design.context import describe_env, reward_design_ids
from mathgym.reward_design.executor import TrustedInProcessExecutor
from mathgym.rewards.view import ViewField, supports_reward_view, view_info


@pytest.mark.parametrize("env_id", list(VIEW_ENVS))
def test_views_have_exactly_the_documented_fields_and_are_json(env_id, pools):
    spec = gym.make(env_id, **VIEW_ENVS[env_id]).unwrapped.reward_view_spec
    state_names = {f.name for f in spec.state_fields}
    action_names = {f.name for f in spec.action_fields}
    info_names = {f.name for f in spec.info_fields}
    transitions = [t for e in pools[env_id] for t in e.transitions]
    assert len(transitions) >= 64
    for t in transitions:
        assert set(t.prev) == state_names and set(t.state) == state_names
        assert set(t.action) == action_names
        assert set(t.info) == info_names
        json.loads(json.dumps(t.to_dict()))  # round-trips


@pytest.mark.parametrize("env_id", list(VIEW_ENVS))
def test_field_types_match_the_spec(env_id, pools):
    spec = gym.make(env_id, **VIEW_ENVS[env_id]).unwrapped.reward_view_spec
    python = {"bool": bool, "int": int, "float": (float, int), "str": str}
    for t in (t for e in pools[env_id] for t in e.transitions):
        for f in spec.state_fields:
            value = t.state[f.name]
            base, optional = f.type.removesuffix(" | None"), f.type.endswith("| None")
            if value is None:
                assert optional, f"{f.name} is None but typed {f.type}"
            elif base.startswith("list["):
                item = python[base[5:-1]]
                assert isinstance(value, list) and all(isinstance(v, item) for v in value)
            else:
                assert isinstance(value, python[base]), f"{f.name}={value!r} is not {f.type}"


@pytest.mark.parametrize("env_id", list(VIEW_ENVS))
def test_hand_written_reward_reproduces_the_env_reward(env_id, pools):
    spec = gym.make(env_id, **VIEW_ENVS[env_id]).unwrapped.reward_view_spec
    transitions = [t for e in pools[env_id] for t in e.transitions]
    result = TrustedInProcessExecutor().evaluate(spec.hand_reward, transitions)
    assert result.ok, result.reason
    np.testing.assert_allclose(result.totals, [t.env_reward for t in transitions], atol=1e-9)


@SANDBOX_GROUP
def test_hand_written_reward_sandboxed_equals_in_process(pools, executor):
    transitions = [t for e in pools["mathgym/EquationSolve-v0"] for t in e.transitions]
    code = gym.make("mathgym/EquationSolve-v0").unwrapped.reward_view_spec.hand_reward
    boxed, local = (
        executor.evaluate(code, transitions),
        TrustedInProcessExecutor().evaluate(code, transitions),
    )
    assert boxed.ok and local.ok
    np.testing.assert_array_equal(boxed.totals, local.totals)
    assert set(boxed.components) == {"solved", "step_penalty", "invalid_action"}


def test_custom_reward_means_no_hand_written_example():
    from mathgym.rewards.outcome import OutcomeReward

    env = gym.make("mathgym/EquationSolve-v0", reward=OutcomeReward()).unwrapped
    assert env.reward_view_spec.hand_reward == ""
    assert (
        "complexity_decrease"
        in gym.make("mathgym/EquationSolve-v0", complexity_weight=0.5).unwrapped.reward_view_spec.hand_reward
    )


def test_equation_view_features():
    env = gym.make("mathgym/EquationSolve-v0").unwrapped
    env.reset(options={"equation": "2*(x + 3) = x + 10"})
    view = env.reward_view()
    assert view["x_count"] == 2 and view["x_sides"] == 2 and view["brackets"] == 1
    assert not view["x_isolated"] and not view["solved"]
    env.reset(options={"equation": "x = 7/2"})
    view = env.reward_view()
    assert view["x_isolated"] and view["solved"] and view["fractions"] == 1 and view["size"] == 3


def test_countdown_view_tracks_distance_and_actions():
    env = gym.make("mathgym/Countdown-v0").unwrapped
    env.reset(
        options={
            "problem": {
                "id": "p",
                "prompt": "",
                "answer": "3 + 4",
                "meta": {"numbers": [3, 4, 9, 1], "target": 7},
            }
        }
    )
    assert env.reward_view()["distance"] == 2 and env.reward_view()["closest"] == 9
    action = (0 * 4 + 1) * 4 + 0  # slot 0 + slot 1
    assert env.reward_view_action(action) == {"a": 3, "b": 4, "op": "+", "result": 7}
    env.step(action)
    view = env.reward_view()
    assert view["reached"] and view["distance"] == 0 and view["count"] == 3 and view["numbers"] == [7, 9, 1]


def test_symbolic_regression_view_reports_fit_once_complete():
    env = gym.make("mathgym/SymbolicRegression-Nguyen1-v0").unwrapped
    env.reset(seed=0)
    names = env.library.names
    assert env.reward_view()["open_slots"] == 1 and env.reward_view()["fit"] is None
    env.step(names.index("mul"))
    assert env.reward_view()["open_slots"] == 2 and env.reward_view_action(names.index("x1"))["arity"] == 0
    env.step(names.index("x1"))
    _, reward, terminated, _, _ = env.step(names.index("x1"))
    view = env.reward_view()
    assert terminated and view["complete"] and view["fit"] == pytest.approx(reward) and view["fit_error"] > 0


def test_view_info_is_success_only_on_the_last_step():
    assert view_info({"is_success": True}, False, False, 3)["is_success"] is False
    assert view_info({"is_success": True, "valid": False}, True, False, 3) == {
        "valid": False,
        "terminated": True,
        "truncated": False,
        "is_success": True,
        "step": 3,
    }
    assert view_info({"invalid_action": True}, True, False, 0)["valid"] is False


def test_supported_ids_and_a_clear_error_for_the_others():
    ids = reward_design_ids()
    for env_id in VIEW_ENVS:
        assert env_id in ids
    assert "mathgym/Coq-Basic-v0" not in ids
    assert supports_reward_view(gym.make("mathgym/Countdown-v0"))
    with pytest.raises(ValueError, match="no reward view"):
        describe_env("mathgym/Coq-Basic-v0")


def test_view_field_validation():
    with pytest.raises(ValueError, match="identifier"):
        ViewField("not a name", "int", "x")
    with pytest.raises(ValueError, match="type must be"):
        ViewField("x", "dict", "x")


def test_context_renders_prompt_and_json():
    context = describe_env("Countdown-v0")
    prompt = context.to_prompt()
    assert (
        "class CountdownState:" in prompt
        and "distance: int" in prompt
        and "def compute_reward(prev" in prompt
    )
    assert "The environment's own reward" in prompt and context.spec.hand_reward.strip() in prompt
    data = json.loads(json.dumps(context.to_dict()))
    assert [f["name"] for f in data["state_fields"]] == list(context.spec.state_names)
    assert data["action_masks"] is True
    bare = describe_env("Countdown-v0", include_example=False)
    assert "own reward" not in bare.to_prompt() and bare.to_dict()["hand_reward"] is None
