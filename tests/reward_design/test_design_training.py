"""Training on a candidate reward: per-rollout relabelling equals the env's own reward, and failures are reasons."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from design_helpers import SANDBOX_GROUP

from mathgym.reward_design.executor import TrustedInProcessExecutor
from mathgym.reward_design.training import (
    RolloutRelabeler,
    TrainerConfig,
    _recorder,
    relabeling_buffer,
    train_candidate,
)
from mathgym.reward_design.transitions import ViewRecorder

pytestmark = SANDBOX_GROUP
ENV = "mathgym/EquationSolve-v0"


def _one_rollout_rewards(relabel_with: str | None) -> np.ndarray:
    """Buffer rewards after PPO's first rollout, with the env's reward or relabelled by ``relabel_with``."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.buffers import RolloutBuffer

    from mathgym.agents.sb3_train import make_vec_env

    wrappers = [lambda env: ViewRecorder(env, zero_reward=True)] if relabel_with else []
    venv = make_vec_env(ENV, 2, seed=7, wrappers=wrappers)
    kwargs = {}
    if relabel_with:
        relabel = RolloutRelabeler(
            relabel_with, TrustedInProcessExecutor(), [_recorder(e) for e in venv.envs]
        )
        kwargs = {
            "rollout_buffer_class": relabeling_buffer(RolloutBuffer),
            "rollout_buffer_kwargs": {"relabel": relabel},
        }
    model = PPO("MlpPolicy", venv, n_steps=64, batch_size=64, n_epochs=1, seed=3, **kwargs)
    model.learn(total_timesteps=128)
    return model.rollout_buffer.rewards.copy()


def test_relabelling_with_the_hand_written_reward_reproduces_the_env_reward():
    hand = gym.make(ENV).unwrapped.reward_view_spec.hand_reward
    own, relabelled = _one_rollout_rewards(None), _one_rollout_rewards(hand)
    assert own.shape == relabelled.shape == (64, 2)
    np.testing.assert_allclose(relabelled, own, atol=1e-6)
    assert np.any(own != own[0, 0])  # a real rollout, not all step costs


def test_training_reports_fitness_epochs_and_reward_cost():
    code = gym.make("mathgym/Countdown-v0").unwrapped.reward_view_spec.hand_reward
    outcome = train_candidate(
        "mathgym/Countdown-v0",
        {},
        code,
        seed=0,
        config=TrainerConfig(budget=1024, eval_episodes=10),
        executor="local",
    )
    assert outcome.status == "ok" and 0.0 <= outcome.fitness <= 1.0
    assert outcome.timesteps == 1024 and outcome.reward_calls == 2  # one sandbox call per 512-step rollout
    assert len(outcome.epochs) == 2 and outcome.epochs[0]["episodes"] > 0
    assert set(outcome.epochs[0]["components"]) == {"solved", "invalid_action"}
    assert 0 < outcome.reward_seconds < outcome.seconds


def test_a_reward_that_breaks_during_training_fails_with_a_reason(tmp_path):
    code = (
        "def compute_reward(prev, action, state, info):\n"
        "    if state['count'] == 1:\n"
        "        raise RuntimeError('late failure')\n"
        "    return 0.0, {}\n"
    )
    out = tmp_path / "training.json"
    outcome = train_candidate(
        "mathgym/Countdown-v0",
        {},
        code,
        seed=0,
        config=TrainerConfig(budget=2048, eval_episodes=5),
        executor="local",
        out_path=str(out),
    )
    assert outcome.status == "failed" and outcome.fitness is None
    assert "during training" in outcome.reason and "late failure" in outcome.reason
    assert out.exists()


def test_trainer_config_validation():
    with pytest.raises(ValueError):
        TrainerConfig(budget=0)
