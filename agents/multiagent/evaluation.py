"""Evaluating multi-agent policies: matches, round robins and Elo ratings.

A *seat policy* here is any callable ``(agent, observation, info) -> action`` — a scripted player, a trained
SB3 model (:func:`mathgym.agents.multiagent.independent.sb3_policy`), an exact player such as Nim's
:func:`~mathgym.envs.multiagent.nim_v0.optimal_move` or a tabular Kuhn policy.

* :func:`play_match` — episodes of an AEC game with one policy per seat; mean return and win rate per seat.
* :func:`round_robin` — every pair of saved policies, each in both seats; a score matrix.
* :func:`elo_ratings` — Bradley–Terry strengths fitted to the score matrix (minorise–maximise iterations),
  shown on the Elo scale (400 · log10, mean 1000), so ratings do not depend on match order.

SolverVerifier's verifiers are scored with the process-rewards module's ProcessBench F1
(:func:`mathgym.process.processbench.processbench_f1`, Zheng et al. 2024).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

#: ``(agent, observation, info) -> action``
SeatPolicy = Callable[[str, Any, dict], Any]


def play_match(
    env: Any,
    policies: Mapping[str, SeatPolicy],
    episodes: int,
    *,
    seed: int = 0,
    options: Sequence[Mapping[str, Any] | None] | None = None,
) -> dict[str, dict[str, float]]:
    """Play ``episodes`` episodes of an AEC env, seat by seat.

    :param env: an AEC env (``<game>_v0.env()``).
    :param policies: one seat policy per agent.
    :param episodes: episodes to play; the first reset uses ``seed``, later ones continue its stream.
    :param seed: seed of the first reset.
    :param options: reset options per episode (e.g. fixed deals), or ``None``.
    :returns: per agent ``{"mean_return", "win_rate"}`` (a win: a return above every other agent's).
    """
    totals: dict[str, list[float]] = {a: [] for a in policies}
    wins = dict.fromkeys(policies, 0)
    for episode in range(episodes):
        option = options[episode] if options is not None else None
        env.reset(seed=seed if episode == 0 else None, options=dict(option) if option else None)
        returns = dict.fromkeys(env.agents, 0.0)
        for agent in env.agent_iter():
            observation, reward, terminated, truncated, info = env.last()
            returns[agent] += float(reward)
            env.step(None if terminated or truncated else policies[agent](agent, observation, info))
        for agent, value in returns.items():
            totals[agent].append(value)
            if all(value > other for a, other in returns.items() if a != agent):
                wins[agent] += 1
    return {a: {"mean_return": float(np.mean(v)), "win_rate": wins[a] / episodes} for a, v in totals.items()}


def round_robin(
    players: Mapping[str, SeatPolicy], env_fn: Callable[[], Any], episodes: int, *, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """Every ordered pair of players in a two-seat game; ``scores[i, j]`` is player ``i``'s score against
    ``j`` over both seatings (win 1, draw 1/2, loss 0), averaged.

    :param players: name -> seat policy (each must play either seat).
    :param env_fn: makes a fresh AEC env of the game.
    :param episodes: episodes per seating.
    :param seed: seed of each match's first reset (the same deals for every pair).
    """
    names = list(players)
    scores = np.full((len(names), len(names)), np.nan)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i >= j:
                continue
            env = env_fn()
            seats = env.possible_agents
            if len(seats) != 2:
                raise ValueError(f"round_robin needs a two-seat game, got seats {seats}")
            first = play_match(env, {seats[0]: players[a], seats[1]: players[b]}, episodes, seed=seed)
            second = play_match(env, {seats[0]: players[b], seats[1]: players[a]}, episodes, seed=seed)
            win_a = first[seats[0]]["win_rate"] + second[seats[1]]["win_rate"]
            win_b = first[seats[1]]["win_rate"] + second[seats[0]]["win_rate"]
            score = (win_a + (2 - win_a - win_b) / 2) / 2  # draws count half
            scores[i, j], scores[j, i] = score, 1 - score
    return names, scores


def elo_ratings(
    names: Sequence[str], scores: np.ndarray, *, iterations: int = 1000, games: float = 1.0
) -> dict[str, float]:
    """Bradley–Terry strengths of a score matrix on the Elo scale (mean 1000).

    :param names: player names, in matrix order.
    :param scores: ``scores[i, j]`` = i's average score against j (NaN on the diagonal or for unplayed pairs).
    :param iterations: minorise–maximise iterations (Hunter 2004).
    :param games: weight of each pair's score (more games, firmer ratings); a pinch of a draw against every
        opponent is added so that unbeaten or winless players keep finite ratings.
    """
    n = len(names)
    played = ~np.isnan(scores)
    wins = np.where(played, scores, 0.0) * games + 0.5 * played * 0.01  # the pinch of a draw
    counts = played * (games + 0.01)
    strength = np.ones(n)
    for _ in range(iterations):
        denominator = np.array(
            [
                sum(counts[i, j] / (strength[i] + strength[j]) for j in range(n) if played[i, j])
                for i in range(n)
            ]
        )
        strength = np.where(denominator > 0, wins.sum(1) / np.maximum(denominator, 1e-300), strength)
        strength /= np.exp(np.mean(np.log(strength)))
    elo = 400.0 * np.log10(strength)
    return {name: float(1000.0 + e - elo.mean()) for name, e in zip(names, elo)}
