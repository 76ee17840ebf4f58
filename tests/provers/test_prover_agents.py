"""Proof-search agents on the real Coq env: the scripted prover and best-first search (and its LLM seam)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import gymnasium as gym
import pytest

from mathgym.agents import make_agent
from mathgym.agents.provers import ScriptedProver, SearchNode, best_first_search, solve_rate
from mathgym.testing import require


@pytest.fixture(scope="module")
def env() -> Iterator[gym.Env]:
    require("coq")
    environment = gym.make("mathgym/Coq-Basic-v0", tactic_timeout=2, max_steps=40)
    yield environment
    environment.close()


def test_scripted_prover_solves_easy_goals_and_gives_up_on_others(env: gym.Env) -> None:
    ids = ["coq/basic/arith_add_comm", "coq/basic/list_sum_app", "coq/basic/nt_three_divides_twelve"]
    result = solve_rate(env, ScriptedProver(env=env), ids)
    assert result["per_problem"] == {ids[0]: True, ids[1]: True, ids[2]: False}
    assert result["rate"] == pytest.approx(2 / 3)


def test_scripted_prover_never_repeats_a_tactic_on_the_same_goals() -> None:
    agent = ScriptedProver(tactics=["a.", "b."])
    info = {"problem_id": "p", "goals": [{"hypotheses": [], "target": "x", "case": None}]}
    assert [agent.act("", info) for _ in range(3)] == ["a.", "b.", "a."]  # then falls back to the first


def test_best_first_search_chains_tactics_into_a_verified_proof(env: gym.Env) -> None:
    obs, info = env.reset(options={"problem_id": "coq/basic/ind_geometric_sum"})
    result = best_first_search(env, obs, info, budget=128)
    assert result.proved and result.verdict["correct"]
    assert len(result.proof) >= 2 and result.attempts <= 128 and result.expanded >= 2
    assert env.unwrapped.backend.verify(env.unwrapped.problem, result.proof).correct


def test_any_proposer_and_score_plug_in(env: gym.Env) -> None:
    """The seam for an LLM tactic generator: propose(obs, info) -> [(tactic, log_prob)], score(node)."""
    script = {  # a stand-in for a model: goal target -> candidates with log-probabilities
        "forall n : nat, 2 * sum_to n = n * (n + 1)": [("intros n.", -0.1), ("lia.", -0.2)],
        "2 * sum_to n = n * (n + 1)": [("lia.", -0.1), ("induction n as [| n IH].", -0.5)],
        "2 * sum_to 0 = 0 * (0 + 1)": [("all: cbn [sum_to]; lia.", -0.1)],
    }
    seen_targets = []

    def propose(observation: str, info: Mapping[str, Any]) -> list[tuple[str, float]]:
        target = info["goals"][0]["target"]
        seen_targets.append(target)
        return script.get(target, [])

    def fewest_goals(node: SearchNode) -> float:
        return -node.info.get("num_goals", 1) + node.log_prob

    obs, info = env.reset(options={"problem_id": "coq/basic/ind_gauss_sum"})
    result = best_first_search(env, obs, info, propose, fewest_goals, budget=20)
    assert result.proved
    assert result.proof == ["intros n.", "induction n as [| n IH].", "all: cbn [sum_to]; lia."]
    assert seen_targets[0] == "forall n : nat, 2 * sum_to n = n * (n + 1)"

    obs, info = env.reset(options={"problem_id": "coq/basic/ind_gauss_sum"})
    starved = best_first_search(env, obs, info, lambda o, i: [("lia.", 0.0)] * 5, budget=3)
    assert not starved.proved and starved.attempts == 3


def test_best_first_agent_plays_its_plan(env: gym.Env) -> None:
    agent = make_agent("best-first-prover", env=env, budget=64)
    result = solve_rate(env, agent, ["coq/basic/list_app_length"])
    assert result["solved"] == 1 and agent.last_search is not None and agent.last_search.proved
