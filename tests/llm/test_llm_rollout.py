"""The rollout driver and the policy agent on real text envs with the tiny transformers policy."""

from __future__ import annotations

import gymnasium as gym
import pytest

from mathgym.agents.llm import GREEDY, PolicyAgent, RolloutDriver, Sampling
from mathgym.spaces import UnicodeText


class _SpyPolicy:
    """Wraps a real policy and records the batch sizes and n of each generate call."""

    def __init__(self, policy):
        self.policy, self.calls = policy, []
        self.backend = policy.backend

    def generate(self, items, n=1, sampling=None, *, stop=None):
        self.calls.append((len(items), n, tuple(stop or ())))
        return self.policy.generate(items, n=n, sampling=sampling, stop=stop)


def _replay(env_kwargs, seed, actions):
    """Rewards, components and verdict the env gives for ``actions`` played by hand."""
    env = gym.make("mathgym/Arithmetic-v0", **env_kwargs)
    env.reset(seed=seed)
    out = []
    for a in actions:
        _, r, term, trunc, info = env.step(a)
        out.append((r, info["reward_components"], info["verdict"]))
    return out


def test_single_turn_groups_share_a_prompt_and_rewards_are_the_envs(hf_policy):
    kwargs = {"level": 0}
    envs = [gym.make("mathgym/Arithmetic-v0", **kwargs) for _ in range(6)]
    spy = _SpyPolicy(hf_policy)
    driver = RolloutDriver(spy, sampling=Sampling(max_tokens=12, seed=0, logprobs=True))
    seeds = [0, 0, 0, 1, 1, 2]
    trajectories = driver.run(envs, seeds=seeds)
    assert [t.slot for t in trajectories] == list(range(6))
    assert len({t.problem_id for t in trajectories[:3]}) == 1 != len({t.problem_id for t in trajectories})
    # identical prompts were merged: one call per group size (3, 2, 1)
    assert sorted((b, n) for b, n, _ in spy.calls) == [(1, 1), (1, 2), (1, 3)]
    for t, seed in zip(trajectories, seeds):
        assert len(t.turns) == 1 and t.terminated and not t.truncated
        c = t.turns[0].completion
        assert t.actions == [c.text] and len(c.logprobs) == c.num_tokens > 0
        ((reward, components, verdict),) = _replay(kwargs, seed, t.actions)
        assert t.total_reward == reward and t.components == components and t.verdict == verdict
    assert driver.stats.tokens == sum(t.num_tokens for t in trajectories)
    assert 0 < driver.stats.env_share < 1


def test_step_episodes_continue_the_assistant_message_until_truncation(hf_policy):
    kwargs = {"level": 0, "mode": "step", "max_steps": 3}
    envs = [gym.make("mathgym/Arithmetic-v0", **kwargs) for _ in range(2)]
    spy = _SpyPolicy(hf_policy)
    driver = RolloutDriver(spy, sampling=Sampling(max_tokens=10, seed=1))
    trajectories = driver.run(envs, seeds=[3, 4])
    assert all(stop == ("\n",) for *_, stop in spy.calls)
    for t, seed in zip(trajectories, [3, 4]):
        assert t.done and 1 <= len(t.turns) <= 3
        assert all("\n" not in a for a in t.actions)
        for k, turn in enumerate(t.turns):
            chat = turn.model_input
            assert chat[0] == {"role": "user", "content": t.first_observation}
            if k == 0:
                assert len(chat) == 1
            else:  # the earlier steps, one per line, continued by the model
                assert chat[1] == {"role": "assistant", "content": "\n".join(t.actions[:k]) + "\n"}
        replay = _replay(kwargs, seed, t.actions)
        assert t.rewards == [r for r, _, _ in replay]
        assert t.truncated == (len(t.turns) == 3 and not t.terminated)


class _ToolEnv(gym.Env):
    """A minimal tool-integrated env for the driver test: it answers every action with an output block
    (the length of the action) and ends after two actions. Real ToolMath envs run code in the sandbox."""

    stop_strings = ("```output",)

    def __init__(self):
        self.observation_space = UnicodeText(100_000)
        self.action_space = UnicodeText(100_000)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.text, self.n = "Compute with python.", 0
        return self.text, {"problem_id": "tool/0", "step_index": -1}

    def step(self, action):
        self.n += 1
        self.text += action + f"```output\n{len(action)}\n```\n"
        return (
            self.text,
            0.5,
            self.n == 2,
            False,
            {"problem_id": "tool/0", "reward_components": {"call": 0.5}},
        )


def test_tool_episodes_stop_at_the_output_fence_and_see_the_output(hf_policy):
    spy = _SpyPolicy(hf_policy)
    driver = RolloutDriver(spy, sampling=Sampling(max_tokens=8, seed=2))
    (t,) = driver.run([_ToolEnv()])
    assert [stop for *_, stop in spy.calls] == [("```output",), ("```output",)]
    first = t.actions[0]
    assert t.turns[1].model_input[1]["content"] == f"{first}```output\n{len(first)}\n```\n"
    assert t.total_reward == 1.0 and t.components == {"call": 1.0} and t.terminated


def test_policy_agent_plays_the_same_greedy_episode_as_the_driver(hf_policy):
    from mathgym.evaluation import run_episodes

    kwargs = {"level": 0, "mode": "step", "max_steps": 2}
    sampling = GREEDY.replace(max_tokens=6)
    env = gym.make("mathgym/Arithmetic-v0", **kwargs)
    agent = PolicyAgent(env=env, policy=hf_policy, sampling=sampling)
    records = run_episodes(env, agent, n=2, seed=5, progress=False)
    env2 = gym.make("mathgym/Arithmetic-v0", **kwargs)
    driver = RolloutDriver(hf_policy, sampling=sampling)
    for record in records:
        (t,) = driver.run([env2], options=[{"problem_id": record.problem_id}])
        assert t.actions == record.actions and t.total_reward == pytest.approx(record.reward)


def test_driver_rejects_mismatched_seeds(hf_policy):
    with pytest.raises(ValueError, match="one of each per env"):
        RolloutDriver(hf_policy).run([gym.make("mathgym/Arithmetic-v0")], seeds=[1, 2])


def test_sync_vector_env_sub_envs_are_driven_directly(hf_policy):
    from gymnasium.vector import SyncVectorEnv

    vec = SyncVectorEnv([lambda: gym.make("mathgym/Arithmetic-v0", level=0)] * 2)
    trajectories = RolloutDriver(hf_policy, sampling=Sampling(max_tokens=4, seed=0)).run(vec, seeds=[1, 2])
    assert len(trajectories) == 2 and all(t.terminated for t in trajectories)


class _ScriptedPolicy:
    """Test double for a trained model (the tiny random model never writes code): returns canned texts in
    order, cut at the call's stop strings like a real backend."""

    backend = "scripted"

    def __init__(self, texts):
        self.texts, self.inputs = list(texts), []

    def generate(self, items, n=1, sampling=None, *, stop=None):
        from mathgym.agents.llm.types import Completion, cut_at_stop

        self.inputs += list(items)
        out = []
        for _ in items:
            text, found = cut_at_stop(self.texts.pop(0), list(stop or ()))
            out.append([Completion(text, finish_reason="stop", stop_reason=found)] * n)
        return out


def test_tool_math_env_runs_the_program_and_the_model_continues_after_its_output():
    env = gym.make("mathgym/ToolMath-Arithmetic-v0", level=0)
    env.reset(seed=0)
    gold = env.unwrapped.problem.answer
    expression = env.unwrapped.problem.meta["params"]["expression"]
    code = f"Let me compute.\n```python\nprint({expression})\n```\n"
    policy = _ScriptedPolicy([code + "```output\nmade-up output", f"So the answer is \\boxed{{{gold}}}."])
    (t,) = RolloutDriver(policy).run([env], seeds=[0])
    assert t.actions[0] == code  # generation stopped at the output fence
    continued = policy.inputs[1][-1]
    # ToRA's convention: the env appends "\n```output\n" + result + "\n```\n" and the model continues after it
    assert continued["role"] == "assistant" and continued["content"] == f"{code}\n```output\n{gold}\n```\n"
    assert t.terminated and t.correct and len(t.turns) == 2
    env.close()
