"""Process reward parts in step-mode envs: PRM scores, progress rewards, and the padding exploit that Clip
and Delta remove (issue 13, acceptance 4; Gao et al. 2024)."""

from __future__ import annotations

import gymnasium as gym
import pytest

from mathgym.problem import Problem
from mathgym.process.values import ValueFunction
from mathgym.rewards import RecordRefinedRewards, make_reward
from mathgym.rewards.process import MRTProgressBonus, PAVProgress, ProcessReward, process_reward_spec

PRM = {"prm": {"model": "oracle"}}


def _play(env, steps: list[str], seed: int = 3):
    """A scripted policy: writes the given steps in order; returns the rewards and the last info."""
    env.reset(seed=seed)
    rewards, info = [], {}
    for step in steps:
        _, reward, terminated, truncated, info = env.step(step)
        rewards.append(reward)
        if terminated or truncated:
            break
    return rewards, info


def _reference_with_padding(env, repeats: int, seed: int = 3) -> list[str]:
    env.reset(seed=seed)
    steps = list(env.unwrapped.problem.solution)
    return [steps[0]] * (1 + repeats) + steps[1:]  # the first (correct) step repeated


def test_padding_raises_the_raw_prm_return_and_clip_and_delta_remove_it():
    raw_returns, clip_returns, delta_returns = [], [], []
    for repeats in (0, 2, 5):
        raw = gym.make("mathgym/Arithmetic-v0", mode="step", level=2, max_steps=16, reward=PRM)
        steps = _reference_with_padding(raw, repeats)
        rewards, info = _play(raw, steps)
        assert info["verdict"]["correct"]
        raw_returns.append(sum(rewards))
        clipped = gym.make(
            "mathgym/Arithmetic-v0",
            mode="step",
            level=2,
            max_steps=16,
            reward={"clip": {"part": PRM, "eta": 0.9}},
        )
        clip_returns.append(sum(_play(clipped, steps)[0]))
        delta = RecordRefinedRewards(
            gym.make("mathgym/Arithmetic-v0", mode="step", level=2, max_steps=16, reward=PRM),
            score_key="prm",
            refinement="delta",
        )
        _, last = _play(delta, steps)
        delta_returns.append(last["refined_rewards"]["return"])
    assert raw_returns[0] < raw_returns[1] < raw_returns[2]  # the exploit: more steps, more reward
    assert clip_returns == [0.0, 0.0, 0.0]  # Clip: never above 0, padding earns nothing
    assert delta_returns == [1.0, 1.0, 1.0]  # Delta: the return is the first step's score


def test_a_wrong_step_costs_under_clip_and_shows_in_the_components():
    env = gym.make(
        "mathgym/Arithmetic-v0",
        mode="step",
        level=2,
        reward=process_reward_spec("oracle", alpha=1.0, eta=0.9),
    )
    env.reset(seed=3)
    problem = env.unwrapped.problem
    from mathgym.process import inject_error

    wrong = inject_error(problem, seed=0, step=1)
    rewards, info = _play(env, list(wrong.steps))
    assert rewards[0] == 0.0 and rewards[1] == pytest.approx(-0.9)
    assert set(info["reward_components"]) == {"outcome", "prm", "clip_prm", "total"}
    assert info["reward_components"]["prm"] == 0.0 and not info["verdict"]["correct"]


class _Fixed(ValueFunction):
    """A value function with given values per prefix length (a stand-in for an MC estimate)."""

    def __init__(self, by_length: dict[int, float]) -> None:
        self.by_length, self.calls = by_length, 0

    def values(self, problem: Problem, prefixes):
        self.calls += 1
        return [self.by_length[len(p)] for p in prefixes]


def test_progress_is_the_change_in_value_and_telescopes():
    # success probabilities 0.1, 0.4, 0.35 before/after two steps -> progress 0.3, -0.05
    value = _Fixed({0: 0.1, 1: 0.4, 2: 0.35})
    env = gym.make("mathgym/Arithmetic-v0", mode="step", level=2, reward=PAVProgress(value))
    env.reset(seed=3)
    steps = list(env.unwrapped.problem.solution)
    _, r1, *_ = env.step(steps[0])
    snapshot = env.unwrapped.get_state()
    _, r2, _, _, info = env.step(steps[1])
    assert [r1, r2] == pytest.approx([0.3, -0.05]) and r1 + r2 == pytest.approx(0.35 - 0.1)
    assert info["reward_components"] == {"pav_progress": pytest.approx(-0.05)}
    calls = value.calls
    env.unwrapped.set_state(snapshot)  # the value before the step travels with the snapshot
    _, again, *_ = env.step(steps[1])
    assert again == pytest.approx(-0.05) and value.calls == calls + 1


def test_pav_with_the_oracle_as_value_penalises_exactly_the_first_wrong_step():
    env = gym.make(
        "mathgym/Arithmetic-v0", mode="step", level=2, reward={"pav_progress": {"prover": "prm:oracle"}}
    )
    env.reset(seed=3)
    from mathgym.process import inject_error

    wrong = inject_error(env.unwrapped.problem, seed=0, step=1)
    rewards, _ = _play(env, list(wrong.steps))
    assert rewards == [0.0, -1.0] + [0.0] * (len(rewards) - 2)


def test_mrt_bonus_uses_a_meta_prover_that_answers_at_once():
    from mathgym.agents.search import ScriptedStepPolicy

    env = gym.make("mathgym/Arithmetic-v0", mode="step", level=2)
    env.reset(seed=3)
    problem = env.unwrapped.problem
    policy = ScriptedStepPolicy({problem.prompt: [list(problem.solution)]})
    bonus = MRTProgressBonus(policy, n=2)
    env = gym.make("mathgym/Arithmetic-v0", mode="step", level=2, reward=bonus)
    rewards, _ = _play(env, list(problem.solution))
    # the scripted meta-prover answers right from every prefix of the reference: no progress to make
    assert rewards == [0.0] * len(rewards)
    assert bonus.value_fn.value(problem, []) == 1.0


def test_process_parts_build_from_specs():
    part = make_reward(PRM)
    assert isinstance(part, ProcessReward) and part.name == "prm"
    assert isinstance(make_reward({"pav_progress": {"prover": "prm:oracle"}}), PAVProgress)
