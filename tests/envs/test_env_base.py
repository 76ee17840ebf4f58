"""mathgym.envs.base: one render-mode check and render dispatch, one snapshot contract, is_success at the end."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

from mathgym.envs.base import MathgymEnv
from mathgym.envs.registration import mathgym_ids, requirements

#: one id per env class that runs without system components
SINGLE_ENV_IDS = [
    "mathgym/Arithmetic-v0",
    "mathgym/EquationSolve-v0",
    "mathgym/Countdown-v0",
    "mathgym/CountdownText-v0",
    "mathgym/SymbolicRegression-Nguyen1-v0",
]


def test_every_mathgym_env_class_is_a_mathgym_env() -> None:
    from gymnasium.envs.registration import load_env_creator

    for env_id in mathgym_ids():
        creator = load_env_creator(gym.spec(env_id).entry_point)
        assert isinstance(creator, type) and issubclass(creator, MathgymEnv), env_id


@pytest.mark.parametrize("env_id", SINGLE_ENV_IDS)
def test_render_modes_are_checked_and_ansi_returns_text(env_id: str) -> None:
    with pytest.raises(ValueError, match="render_mode must be one of"):
        gym.make(env_id, render_mode="rgb_array")
    env = gym.make(env_id, render_mode="ansi")
    env.reset(seed=0)
    assert isinstance(env.render(), str)


@pytest.mark.parametrize("env_id", ["mathgym/Arithmetic-v0", "mathgym/EquationSolve-v0"])
def test_human_mode_prints_the_ansi_frame(env_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    ansi = gym.make(env_id, render_mode="ansi").unwrapped
    human = gym.make(env_id, render_mode="human").unwrapped
    ansi.reset(seed=3)
    human.reset(seed=3)
    capsys.readouterr()
    assert human.render() is None
    assert capsys.readouterr().out == ansi.render() + "\n"


@pytest.mark.parametrize(
    ("env_id", "actions"),
    [
        ("mathgym/Arithmetic-v0", ["Let me think.", "The answer is \\boxed{1}."]),
        ("mathgym/EquationSolve-v0", None),
    ],
)
def test_snapshots_are_json_and_set_state_returns_the_observation(env_id: str, actions: list | None) -> None:
    kwargs = {"mode": "step"} if env_id == "mathgym/Arithmetic-v0" else {}
    env = gym.make(env_id, **kwargs).unwrapped
    obs, info = env.reset(seed=5)
    first = actions[0] if actions else int(np.flatnonzero(info["action_mask"])[0])
    obs, *_ = env.step(first)
    snapshot = json.loads(json.dumps(env.get_state()))
    later = env.step(actions[1] if actions else int(np.flatnonzero(env.action_masks())[0]))
    restored = env.set_state(snapshot)
    assert (
        np.array_equal(np.asarray(restored), np.asarray(obs)) if not isinstance(obs, str) else restored == obs
    )
    again = env.step(actions[1] if actions else int(np.flatnonzero(env.action_masks())[0]))
    assert again[1] == later[1] and again[2:4] == later[2:4]


@pytest.mark.parametrize("env_id", SINGLE_ENV_IDS)
def test_the_last_step_reports_is_success(env_id: str) -> None:
    env = gym.make(env_id, max_episode_steps=64)
    obs, info = env.reset(seed=1)
    rng = np.random.default_rng(0)
    for _ in range(64):
        if isinstance(env.action_space, gym.spaces.Discrete):
            legal = np.flatnonzero(info["action_mask"])
            action = int(rng.choice(legal)) if legal.size else 0
        else:
            action = "The answer is \\boxed{0}."
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    if terminated:
        assert isinstance(info["is_success"], (bool, np.bool_))


def test_no_id_needs_a_component_for_these_checks() -> None:
    assert all(not requirements(env_id) for env_id in SINGLE_ENV_IDS)


def test_every_mathgym_env_class_declares_its_render_fps() -> None:
    from gymnasium.envs.registration import load_env_creator

    for env_id in mathgym_ids():
        metadata = load_env_creator(gym.spec(env_id).entry_point).metadata
        assert metadata.get("render_fps") == 4, env_id


@pytest.mark.parametrize("env_id", ["mathgym/EquationSolve-v0", "mathgym/Countdown-v0"])
def test_stable_baselines3_make_vec_env_builds_the_env_without_a_render_mode(env_id: str) -> None:
    from stable_baselines3.common.env_util import make_vec_env

    with pytest.raises(ValueError, match="render_mode must be one of"):
        gym.make(env_id, render_mode="rgb_array")
    venv = make_vec_env(env_id, n_envs=2, seed=0)  # asks for rgb_array first, then falls back
    assert venv.reset().shape[0] == 2
    assert venv.get_attr("render_mode") == [None, None]
    venv.close()
