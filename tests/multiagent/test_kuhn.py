"""Kuhn Poker: exact values against closed forms, best responses against brute force, CFR and self-play."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from mathgym.agents.multiagent.kuhn import (
    INFOSETS,
    best_response_value,
    cfr,
    equilibrium_policy,
    exploitability,
    game_value,
    uniform_policy,
)
from mathgym.agents.multiagent.selfplay import RegretMatchingSelfPlay, RoleBaseline, kuhn_exploitability
from mathgym.envs.multiagent import kuhn_poker_v0


def test_uniform_policy_exploitability_is_11_over_24():
    # closed form: BR_0 = 1/2 (bet J: -1/2, bet Q: +1/2, K: +3/2, averaged); BR_1 = 5/12; (1/2 + 5/12) / 2
    policy = uniform_policy()
    assert best_response_value(policy, 0) == Fraction(1, 2)
    assert best_response_value(policy, 1) == Fraction(5, 12)
    assert exploitability(policy) == Fraction(11, 24)


@pytest.mark.parametrize("alpha", [Fraction(0), Fraction(1, 10), Fraction(1, 6), Fraction(1, 3)])
def test_equilibrium_family_is_unexploitable_with_value_minus_one_eighteenth(alpha):
    policy = equilibrium_policy(alpha)
    assert game_value(policy) == Fraction(-1, 18)
    assert exploitability(policy) == 0
    assert best_response_value(policy, 0) == Fraction(-1, 18)


def test_leaving_the_equilibrium_family_is_exploitable():
    policy = dict(equilibrium_policy(Fraction(1, 6)))
    policy["Qb"] = Fraction(2, 3)  # player_1 calls too often with the queen
    assert exploitability(policy) > 0
    with pytest.raises(ValueError):
        equilibrium_policy(Fraction(1, 2))


def _pure_strategies(player):
    keys = [k for k in INFOSETS if (len(k) - 1) % 2 == player]  # player_0 moves at even history lengths
    for bits in itertools.product((0, 1), repeat=len(keys)):
        yield dict(zip(keys, (Fraction(b) for b in bits)))


@pytest.mark.parametrize("player", [0, 1])
def test_best_response_equals_brute_force_over_all_pure_strategies(player):
    opponent = dict(equilibrium_policy(Fraction(1, 5)))
    opponent.update(
        {"Jp": Fraction(1, 2), "Qb": Fraction(3, 4), "J": Fraction(1, 7)}
    )  # some exploitable play
    sign = 1 if player == 0 else -1
    best = max(sign * game_value({**opponent, **pure}) for pure in _pure_strategies(player))
    assert best_response_value(opponent, player) == best


def test_cfr_plus_average_policy_converges():
    policy, curve = cfr(400, record_every=100)
    values = [e for _, e in curve]
    assert values == sorted(values, reverse=True)
    assert values[-1] < 0.01
    assert abs(game_value(policy) - (-1 / 18)) < 0.01


def test_exploitability_of_a_policy_played_through_the_env_matches_the_exact_value():
    # the env's payoffs and the exact evaluator agree deal by deal: play both seats' pure strategies
    policy = {k: Fraction(int(k[0] == "K")) for k in INFOSETS}  # bet/call with K only
    total = Fraction(0)
    for cards in itertools.permutations(range(3), 2):
        env = kuhn_poker_v0.env()
        env.reset(options={"cards": cards})
        for agent in env.agent_iter():
            _, reward, terminated, truncated, info = env.last()
            if agent == "player_0" and (terminated or truncated):
                total += Fraction(reward)
            env.step(None if terminated or truncated else int(policy[info["infoset"]]))
    assert total / 6 == game_value(policy)


def test_role_baseline_is_a_moving_average_per_game_and_role():
    baseline = RoleBaseline(decay=0.5)
    assert baseline.advantage("kuhn", "player_0", 1.0) == 1.0  # baseline starts at 0
    assert baseline.get("kuhn", "player_0") == 0.5
    assert baseline.advantage("kuhn", "player_0", 1.0) == 0.5
    assert baseline.get("kuhn", "player_1") == 0.0 and baseline.get("nim", "player_0") == 0.0
    with pytest.raises(ValueError):
        RoleBaseline(decay=1.0)


@pytest.mark.parametrize("with_baseline", [False, True])
def test_self_play_through_the_env_approaches_equilibrium(with_baseline):
    baseline = RoleBaseline() if with_baseline else None
    learner = RegretMatchingSelfPlay(baseline=baseline, game="kuhn_poker_v0", seed=0)
    history = learner.train(kuhn_poker_v0.env(), 6000, every=3000, evaluate=kuhn_exploitability)
    assert history[-1]["exploitability"] < 0.1 < float(exploitability(uniform_policy()))
    assert history[-1]["var"] > 0
    if with_baseline:
        # zero-sum returns: the two roles' moving averages are exact negatives of each other, and not zero
        b0, b1 = baseline.get("kuhn_poker_v0", "player_0"), baseline.get("kuhn_poker_v0", "player_1")
        assert b0 == pytest.approx(-b1) and b0 != 0


def test_self_play_is_reproducible_with_a_seed():
    runs = [
        RegretMatchingSelfPlay(seed=3).train(kuhn_poker_v0.env(), 500, seed=1, evaluate=kuhn_exploitability)
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
