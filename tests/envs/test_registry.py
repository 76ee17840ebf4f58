"""Every registered mathgym id: check_env, vector envs, and gym.make in a fresh process."""

from __future__ import annotations

import subprocess
import sys
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

from mathgym.envs.registration import mathgym_ids, requirements
from mathgym.testing import require

ALL_IDS = mathgym_ids()


def test_registry_is_populated() -> None:
    assert len(ALL_IDS) >= 16
    assert "mathgym/GSM8K-v0" in ALL_IDS and "mathgym/Arithmetic-v0" in ALL_IDS


def _make(env_id: str) -> gym.Env:
    for component in requirements(env_id):
        require(component)
    return gym.make(env_id)


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_check_env(env_id: str) -> None:
    env = _make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=UserWarning)  # any checker complaint fails the test
        check_env(env.unwrapped, skip_render_check=True)
    env.close()


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_sync_vector_env(env_id: str) -> None:
    for component in requirements(env_id):
        require(component)
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode="sync")
    obs, infos = envs.reset(seed=3)
    assert len(obs) == 2
    for _ in range(2):
        obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
        assert len(rewards) == 2
    envs.close()


def test_make_in_fresh_process_without_importing_mathgym(data_dir) -> None:
    code = (
        "import sys, gymnasium as gym\n"
        f"env = gym.make('mathgym/GSM8K-v0', data_dir={str(data_dir)!r})\n"
        "obs, info = env.reset(seed=0)\n"
        "assert info['problem_id'].startswith('gsm8k'), info\n"
        "print(info['problem_id'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_unknown_id_suggests_close_matches() -> None:
    from mathgym.envs.registration import resolve_env_id

    with pytest.raises(KeyError, match="Arithmetic-v0"):
        resolve_env_id("mathgym/Arithmetc-v0")
