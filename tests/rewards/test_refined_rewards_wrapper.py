"""RecordRefinedRewards: Delta applied to finished episodes of a Gymnasium env."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import pytest

from mathgym.rewards import RecordRefinedRewards, step_rewards
from mathgym.spaces import UnicodeText


class ScoredStepsEnv(gym.Env):
    """Replays fixed per-step process scores (as a PRM would give) and a success flag at the end."""

    def __init__(self, scores: list[float], success: float, max_steps: int | None = None) -> None:
        self.scores, self.success = scores, success
        self.max_steps = max_steps or len(scores)
        self.observation_space = self.action_space = UnicodeText(100)
        self.k = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        self.k = 0
        return "", {}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        score = self.scores[self.k]
        self.k += 1
        terminated = self.k == len(self.scores)
        truncated = not terminated and self.k >= self.max_steps
        outcome = self.success if terminated else 0.0
        return (
            action,
            score + outcome,
            terminated,
            truncated,
            {"reward_components": {"prm": score, "outcome": outcome}},
        )

    def get_state(self) -> int:
        return self.k

    def set_state(self, state: int) -> None:
        self.k = state


def run_episode(env: gym.Env) -> tuple[list[float], dict[str, Any]]:
    env.reset(seed=0)
    rewards, done, info = [], False, {}
    while not done:
        _, reward, terminated, truncated, info = env.step("step")
        rewards.append(reward)
        done = terminated or truncated
    return rewards, info


def test_delta_rewards_arrive_in_the_final_info_and_step_rewards_are_untouched() -> None:
    scores = [0.9, 0.8, 0.95, 0.6]
    env = RecordRefinedRewards(
        ScoredStepsEnv(scores, success=1.0), "prm", "delta", alpha=0.5, success_key="outcome"
    )
    returned, info = run_episode(env)
    assert returned == pytest.approx([0.9, 0.8, 0.95, 1.6])  # what the env gives
    refined = info["refined_rewards"]
    assert refined["scores"] == scores
    assert refined["rewards"] == pytest.approx([0.05, -0.075, 0.175, 1.3])
    assert refined["return"] == pytest.approx(0.5 * 0.9 + 1.0)
    _, info2 = run_episode(env)  # the next episode starts afresh
    assert info2["refined_rewards"] == refined


def test_truncated_episodes_are_refined_too() -> None:
    env = RecordRefinedRewards(
        ScoredStepsEnv([0.9, 0.8, 0.95, 0.6], 1.0, max_steps=2), "prm", "clip_delta", eta=0.85
    )
    _, info = run_episode(env)
    assert info["refined_rewards"]["rewards"] == pytest.approx(
        step_rewards([0.9, 0.8], refinement="clip_delta", eta=0.85)
    )


def test_snapshots_carry_the_recorded_scores() -> None:
    env = RecordRefinedRewards(ScoredStepsEnv([0.2, 0.4, 0.6], 0.0), "prm")
    env.reset(seed=0)
    env.step("a")
    snapshot = env.get_state()
    env.step("b")
    env.set_state(snapshot)
    env.step("b")
    *_, info = env.step("c")
    assert info["refined_rewards"]["scores"] == [0.2, 0.4, 0.6]


def test_missing_component_names_what_exists() -> None:
    env = RecordRefinedRewards(ScoredStepsEnv([0.5], 1.0), "process")
    env.reset()
    with pytest.raises(KeyError, match="'outcome', 'prm'"):
        env.step("a")


def test_works_inside_a_vector_env() -> None:
    def make(scores: list[float], success: float):
        return lambda: RecordRefinedRewards(
            ScoredStepsEnv(scores, success), "prm", "delta", success_key="outcome"
        )

    envs = gym.vector.SyncVectorEnv([make([0.5, 0.7], 1.0), make([0.2], 0.0)])
    envs.reset(seed=0)
    _, _, _, _, info = envs.step(["a", "b"])
    assert list(info["_refined_rewards"]) == [False, True]
    assert info["refined_rewards"]["rewards"][1] == pytest.approx([0.2])
    _, _, terminated, _, info = envs.step(["a", "b"])
    assert terminated[0] and info["refined_rewards"]["rewards"][0] == pytest.approx([-0.2, 1.7])
    envs.close()
