"""LLM policies in multi-agent games: one policy in several roles, real episodes with the tiny transformers model."""

from __future__ import annotations

from pathlib import Path

import pytest

from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.types import Completion, Sampling
from mathgym.agents.multiagent.rollout import MultiAgentRollout
from mathgym.envs.multiagent import kuhn_poker_v0, solver_verifier_v0
from mathgym.testing import require


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny Qwen2 checkpoint with a locally trained tokenizer (no download)."""
    require("transformers")
    from mathgym.agents.llm.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "qwen2-tiny")


@pytest.fixture(scope="module")
def hf_policy(tiny_model_dir: Path):
    from mathgym.agents.llm import make_policy

    return make_policy(f"hf:{tiny_model_dir}")


class RolePolicy(Policy):
    """Test double: answers by the role named in the system message, and logs every generate call."""

    backend = "scripted"

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.calls: list[tuple[int, int]] = []

    def _generate(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Completion]]:
        self.calls.append((len(prompts), n))
        rows = []
        for prompt in prompts:
            role = next(r for r in self.answers if f"You are {r}" in prompt)
            rows.append([Completion(text=self.answers[role])] * n)
        return rows


def test_one_policy_plays_both_roles_with_the_role_in_the_prompt():
    policy = RolePolicy({"solver_0": "2 + 2 = 4\nThe answer is \\boxed{4}.", "verifier_0": "\\boxed{-1}"})
    rollout = MultiAgentRollout(policy, system="You are {agent} playing {game}.")
    envs = [solver_verifier_v0.parallel_env(level=0) for _ in range(3)]
    trajectories = rollout.run(envs, seeds=[0, 0, 1])
    # turn 1: the two solvers of seed 0 share one prompt (n=2), seed 1 is another; turn 2: the verifiers
    assert policy.calls == [(1, 1), (1, 2), (1, 1), (1, 2)]
    for trajectory, _env in zip(trajectories, envs):
        assert [t.agent for t in trajectory.turns] == ["solver_0", "verifier_0"]
        assert "You are verifier_0 playing solver_verifier_v0." in str(trajectory.turns[1].model_input)
        info = trajectory.final_infos["verifier_0"]
        expected_solver = float(info["answer_correct"])  # accepted by the verifier: survives iff correct
        assert trajectory.returns == {
            "solver_0": expected_solver,
            "verifier_0": float(info["judgement_right"]),
        }
        assert trajectory.terminated and not trajectory.truncated


def test_separate_policies_per_role_and_turn_limit():
    solver = RolePolicy({"solver_0": "thinking..."})
    verifier = RolePolicy({"verifier_0": "\\boxed{0}"})
    rollout = MultiAgentRollout({"solver_0": solver, "*": verifier}, max_turns=2)
    (trajectory,) = rollout.run([solver_verifier_v0.parallel_env(max_solver_turns=5)], seeds=[0])
    assert [t.agent for t in trajectory.turns] == ["solver_0", "solver_0"] and trajectory.truncated
    assert verifier.calls == []


def test_tiny_llm_plays_a_solver_verifier_episode_end_to_end(hf_policy):
    rollout = MultiAgentRollout(
        hf_policy, sampling=Sampling(temperature=1.0, max_tokens=12, seed=0), max_turns=8
    )
    envs = [solver_verifier_v0.parallel_env(level=0, max_solver_turns=2) for _ in range(2)]
    trajectories = rollout.run(envs, seeds=[0, 1])
    again = MultiAgentRollout(
        hf_policy, sampling=Sampling(temperature=1.0, max_tokens=12, seed=0), max_turns=8
    ).run([solver_verifier_v0.parallel_env(level=0, max_solver_turns=2) for _ in range(2)], seeds=[0, 1])
    assert [t.to_dict() for t in trajectories] == [t.to_dict() for t in again]  # same seeds, same episodes
    for trajectory in trajectories:
        agents = [t.agent for t in trajectory.turns]
        assert agents[-1] == "verifier_0" and set(agents) == {"solver_0", "verifier_0"}
        assert trajectory.terminated
        for turn in trajectory.turns:
            assert turn.completion.token_ids and turn.completion.prompt_token_ids
            assert turn.action == turn.completion.text
        info = trajectory.final_infos["verifier_0"]
        # the rewards are the game's ground truth, whatever the untrained model wrote
        assert trajectory.returns["verifier_0"] == float(info["judgement_right"])
        assert trajectory.returns["solver_0"] == float(
            bool(info["answer_correct"]) and info["prediction"] == -1
        )


def test_self_play_update_with_role_baseline_runs_on_the_tiny_model(hf_policy, tiny_model_dir):
    import copy

    from mathgym.agents.multiagent.llm_selfplay import SelfPlayConfig, selfplay_advantages, train_selfplay
    from mathgym.agents.multiagent.selfplay import RoleBaseline

    model = copy.deepcopy(hf_policy.model)
    before = [p.detach().clone() for p in model.parameters()]
    config = SelfPlayConfig(episodes_per_update=4, total_updates=2, max_new_tokens=6, learning_rate=1e-3)
    result = train_selfplay(config, model=model, tokenizer=hf_policy.tokenizer, log=None)
    assert len(result.history) == 2 and all(row["moves"] >= 4 for row in result.history)
    assert any((p - q).abs().sum() > 0 for p, q in zip(model.parameters(), before))
    # the advantages are each role's return minus that role's running baseline
    baseline = RoleBaseline(decay=0.5)
    trajectories = result.last_trajectories
    pairs = selfplay_advantages(trajectories[:1], baseline)
    returns = trajectories[0].returns
    assert all(a == returns[t.agent] for t, a in pairs)  # baseline 0 before the first episode
    assert baseline.get("kuhn_poker_v0", "player_0") == pytest.approx(0.5 * returns["player_0"])


def test_kuhn_text_form_is_playable_by_the_rollout():
    policy = RolePolicy({"player_0": "I [bet]", "player_1": "I [call]"})
    (trajectory,) = MultiAgentRollout(policy).run(
        [kuhn_poker_v0.parallel_env(action_type="text")], seeds=[0], options=[{"cards": (2, 0)}]
    )
    assert trajectory.returns == {"player_0": 2.0, "player_1": -2.0}
