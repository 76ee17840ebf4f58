"""Every game, in every form it offers, passes PettingZoo's own checks: api_test, parallel_api_test, seed_test."""

from __future__ import annotations

import warnings

import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from mathgym.envs.multiagent import GAMES, game_module

# (game, keyword arguments): each game's text and numeric forms and its reward/solver variants
CONFIGS = [
    ("kuhn_poker_v0", {}),
    ("kuhn_poker_v0", {"action_type": "text"}),
    ("nim_v0", {}),
    ("nim_v0", {"action_type": "text", "n_heaps": 2, "max_heap": 3}),
    ("solver_verifier_v0", {"level": 0}),
    ("solver_verifier_v0", {"solver": "reference", "level": 1}),
    ("solver_verifier_v0", {"zero_sum": True, "max_solver_turns": 2, "max_action_length": 512}),
    ("proposer_solver_v0", {}),
    ("proposer_solver_v0", {"proposer_action": "discrete"}),
    ("proposer_solver_v0", {"task": "countdown"}),
    ("proposer_solver_v0", {"task": "equation", "max_solver_steps": 6}),
    ("debate_v0", {"rounds": 1}),
    ("debate_v0", {"rounds": 2, "reward_mode": "zero_sum", "max_action_length": 512}),
]
IDS = [f"{g}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for g, kw in CONFIGS]


def test_every_listed_game_is_covered():
    assert {g for g, _ in CONFIGS} == set(GAMES)


@pytest.mark.parametrize(("game", "kwargs"), CONFIGS, ids=IDS)
def test_pettingzoo_api_and_seed_tests(game: str, kwargs: dict) -> None:
    module = game_module(game)
    with warnings.catch_warnings():
        # PettingZoo warns that Dict observations and text actions are not Box/Discrete; that is the design
        warnings.simplefilter("ignore", UserWarning)
        api_test(module.env(**kwargs), num_cycles=40)
        parallel_api_test(module.parallel_env(**kwargs), num_cycles=40)
        seed_test(lambda: module.env(**kwargs), num_cycles=40)
        parallel_seed_test(lambda: module.parallel_env(**kwargs), num_cycles=40)


@pytest.mark.parametrize("game", sorted(GAMES))
def test_module_follows_pettingzoo_convention(game: str) -> None:
    module = game_module(game)
    for name in ("env", "parallel_env", "raw_env"):
        assert callable(getattr(module, name)), name
    env = module.env()
    assert env.metadata["name"] == game
    assert str(env.unwrapped) == game
    doc = module.__doc__
    sections = [
        "## Description",
        "## Action Space",
        "## Observation Space",
        "## Rewards",
        "## Starting State",
        "## Episode End",
        "## Arguments",
        "## Version History",
    ]
    positions = [doc.find(s) for s in sections]
    assert -1 not in positions and positions == sorted(positions), f"{game}: docstring sections {positions}"


def test_same_seed_same_episode_other_seed_other_problem():
    from mathgym.envs.multiagent import solver_verifier_v0

    def first(seed: int) -> str:
        env = solver_verifier_v0.parallel_env(solver="reference")
        obs, _ = env.reset(seed=seed)
        return obs["verifier_0"]["text"]

    assert first(3) == first(3)
    assert first(3) != first(4)


def test_unknown_game_names_close_matches():
    with pytest.raises(KeyError, match="kuhn_poker_v0"):
        game_module("kuhn_pokr")
    assert game_module("nim").__name__.endswith("nim_v0")
