"""``mathgym eval --policy``: the CLI entry points play the same problems as ``--agent`` and write results."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

from mathgym.agents.llm import Sampling
from mathgym.cli.policy import episode_problem_ids, evaluate_policy, make_policy_agent

VLLM_GROUP = pytest.mark.xdist_group("vllm")  # one worker starts the vLLM engine and server


def _check_outputs(out, n, env_id="mathgym/Arithmetic-v0"):
    lines = (out / "episodes.jsonl").read_text().splitlines()
    assert len(lines) == n
    rows = [json.loads(line) for line in lines]
    assert [r["episode"] for r in rows] == list(range(n))
    assert all(r["env_id"] == env_id and r["steps"] >= 1 and r["extra"]["tokens"] >= 1 for r in rows)
    assert "| mathgym/Arithmetic-v0 |" in (out / "summary.md").read_text()
    return rows


def test_evaluate_policy_with_a_spec_writes_results_on_the_agents_problems(tiny_model_dir, tmp_path, capsys):
    records = evaluate_policy(
        "Arithmetic-v0",
        f"hf:{tiny_model_dir}",
        n=5,
        seed=3,
        out=tmp_path,
        env_kwargs={"level": 0},
        sampling=Sampling(temperature=0, max_tokens=8),
        batch_size=2,
    )
    rows = _check_outputs(tmp_path, 5)
    expected = episode_problem_ids(gym.make("mathgym/Arithmetic-v0", level=0), 5, 3)
    assert [r["problem_id"] for r in rows] == [r.problem_id for r in records] == expected
    assert "env + reward" in capsys.readouterr().out


def test_make_policy_agent_acts_in_an_env(hf_policy):
    env = gym.make("mathgym/Arithmetic-v0", level=0)
    agent = make_policy_agent(hf_policy, env=env, sampling=Sampling(temperature=0, max_tokens=5))
    obs, info = env.reset(seed=0)
    action = agent.act(obs, info)
    assert isinstance(action, str) and env.action_space.contains(action)
    with pytest.raises(ValueError, match="--policy"):
        make_policy_agent(None)


@VLLM_GROUP
def test_evaluate_policy_with_the_vllm_engine(vllm_policy, tmp_path):
    evaluate_policy(
        "mathgym/Arithmetic-v0",
        vllm_policy,
        n=32,
        seed=0,
        out=tmp_path,
        sampling=Sampling(temperature=0, max_tokens=16),
        print_table=False,
    )
    rows = _check_outputs(tmp_path, 32)
    assert all(r["agent"] == "vllm-policy" for r in rows)
