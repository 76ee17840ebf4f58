"""Evaluation (matches, round robins, Elo, ProcessBench F1), independent learners, the CLI listing, packaging."""

from __future__ import annotations

import numpy as np
import pytest

from mathgym.agents.multiagent.evaluation import elo_ratings, play_match, round_robin
from mathgym.agents.multiagent.independent import (
    SingleAgentView,
    nim_optimal_policy,
    random_policy,
    sb3_policy,
)
from mathgym.envs.multiagent import nim_v0


def test_elo_orders_players_by_strength_and_is_symmetric():
    names = ["strong", "middle", "weak"]
    scores = np.array([[np.nan, 0.75, 0.9], [0.25, np.nan, 0.75], [0.1, 0.25, np.nan]])
    ratings = elo_ratings(names, scores)
    assert ratings["strong"] > ratings["middle"] > ratings["weak"]
    assert np.mean(list(ratings.values())) == pytest.approx(1000.0)
    even = elo_ratings(["a", "b"], np.array([[np.nan, 0.5], [0.5, np.nan]]))
    assert even["a"] == pytest.approx(even["b"])


def test_optimal_nim_player_beats_random_in_a_round_robin():
    env = nim_v0.env()
    players = {"optimal": nim_optimal_policy(env), "random": random_policy(0)}
    names, scores = round_robin(players, nim_v0.env, episodes=60, seed=0)
    assert scores[names.index("optimal"), names.index("random")] > 0.85
    ratings = elo_ratings(names, scores, games=120)
    assert ratings["optimal"] > ratings["random"] + 200


def test_play_match_counts_wins_of_zero_sum_games():
    env = nim_v0.env(heaps=[1, 0, 0])  # player_0 takes the last object at once
    out = play_match(env, {"player_0": random_policy(0), "player_1": random_policy(1)}, 5)
    assert out["player_0"] == {"mean_return": 1.0, "win_rate": 1.0}
    assert out["player_1"] == {"mean_return": -1.0, "win_rate": 0.0}


def test_single_agent_view_is_a_valid_gymnasium_env():
    from gymnasium.utils.env_checker import check_env

    view = SingleAgentView(nim_v0.env, "player_1", random_policy(0))
    check_env(view, skip_render_check=True)
    obs, _ = view.reset(seed=0)
    assert view.observation_space.contains(obs) and view.action_masks().any()


def test_single_agent_view_credits_the_learners_seat():
    # from [1, 1, 0] player_0 must take one object; the learner (player_1) then takes the last one and wins
    env_fn = lambda: nim_v0.env(heaps=[1, 1, 0])
    view = SingleAgentView(env_fn, "player_1", nim_optimal_policy(env_fn()))
    view.reset(seed=0)
    _, reward, terminated, _, info = view.step(int(np.flatnonzero(view.action_masks())[0]))
    assert terminated and reward == 1.0 and info["is_success"] is True
    # as player_0 against the perfect player from a lost position [1, 1, 0] the learner loses
    view = SingleAgentView(env_fn, "player_0", nim_optimal_policy(env_fn()))
    view.reset(seed=0)
    _, reward, terminated, _, info = view.step(int(np.flatnonzero(view.action_masks())[0]))
    assert terminated and reward == -1.0 and info["is_success"] is False


def test_single_agent_view_skips_games_that_end_before_the_learner_moves():
    view = SingleAgentView(lambda: nim_v0.env(heaps=[2, 0, 0]), "player_1", nim_optimal_policy(nim_v0.env()))
    with pytest.raises(RuntimeError, match="before player_1 could move"):
        view.reset(seed=0)


def test_independent_learners_train_and_play():
    pytest.importorskip("sb3_contrib")
    from mathgym.agents.multiagent.independent import train_independent

    calls = []

    def evaluate(policies):
        calls.append(sorted(policies))
        out = play_match(
            nim_v0.env(), {"player_0": policies["player_0"], "player_1": policies["player_1"]}, 10
        )
        return {"win_rate_player_0": out["player_0"]["win_rate"]}

    result = train_independent(
        nim_v0.env,
        rounds=1,
        steps_per_round=256,
        seed=0,
        evaluate=evaluate,
        log=None,
        hyperparams={"n_steps": 128, "batch_size": 64},
    )
    assert set(result.models) == {"player_0", "player_1"} and calls == [["player_0", "player_1"]]
    assert (
        result.models["player_0"].num_timesteps >= 256
        and 0.0 <= result.history[0]["win_rate_player_0"] <= 1.0
    )
    policy = sb3_policy(result.models["player_1"], deterministic=True)
    env = nim_v0.parallel_env()
    obs, _ = env.reset(seed=0)
    env.step({"player_0": int(np.flatnonzero(obs["player_0"]["action_mask"])[0])})
    obs = {a: env.game.observe(a) for a in env.possible_agents}
    assert obs["player_1"]["action_mask"][policy("player_1", obs["player_1"], {})] == 1  # a legal move


def test_cli_lists_the_multiagent_games():
    from typer.testing import CliRunner

    from mathgym.cli import app

    result = CliRunner().invoke(app, ["list", "--multiagent"])
    assert result.exit_code == 0, result.output
    for game in ("solver_verifier_v0", "proposer_solver_v0", "debate_v0", "kuhn_poker_v0", "nim_v0"):
        assert game in result.output


def test_setup_maps_the_multiagent_package_under_mathgym_envs():
    # setup.py builds its package list from find_packages under each mapped folder
    from pathlib import Path

    from setuptools import find_packages

    root = Path(__file__).resolve().parents[2]
    assert "multiagent" in find_packages(str(root / "envs"))
    assert "multiagent" in find_packages(str(root / "agents"))
