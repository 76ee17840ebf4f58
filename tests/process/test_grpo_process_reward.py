"""GRPO with a process reward: no trainer change, the step-mode env's reward spec carries the clipped PRM."""

from __future__ import annotations

import pytest

from mathgym.rewards.process import process_reward_spec


def test_grpo_trains_on_outcome_plus_clipped_process_reward(tiny_policy_dir):
    from mathgym.agents.grpo import GRPOConfig, group_advantages, train

    spec = process_reward_spec("oracle", alpha=0.5, eta=0.9)
    config = GRPOConfig(
        model_path=str(tiny_policy_dir),
        env_kwargs={"level": 0, "mode": "step", "max_steps": 2, "reward": spec},
        total_updates=1,
        prompts_per_step=2,
        group_size=2,
        max_new_tokens=8,
        eval_every=0,
        eval_episodes=2,
        max_turns=2,
    )
    result = train(config, log=None)
    trajectories = result.last_trajectories
    assert len(trajectories) == 4
    for t in trajectories:
        for turn in t.turns:
            assert {"outcome", "prm", "clip_prm", "total"} <= set(turn.components)
            assert turn.components["clip_prm"] == pytest.approx(min(turn.components["prm"] - 0.9, 0.0))
        # the episode's return (what the advantage is computed from) includes the process part
        expected = sum(turn.components["outcome"] + 0.5 * turn.components["clip_prm"] for turn in t.turns)
        assert t.total_reward == pytest.approx(expected)
    assert result.last_advantages == pytest.approx(
        group_advantages([t.total_reward for t in trajectories], 2, False)
    )
