"""Exact analysis of Kuhn Poker: game value, best responses, exploitability, the equilibrium family, CFR.

A *policy* is a mapping from each of the 12 information sets (:func:`mathgym.envs.multiagent.kuhn_poker_v0.infoset`,
e.g. ``"K"``, ``"Qpb"``, ``"Jb"``) to the probability of the bet move (bet or call). One mapping covers
both seats, as in self-play: ``player_0``'s infosets have histories ``""`` and ``"pb"``, ``player_1``'s
``"p"`` and ``"b"``. Give probabilities as :class:`fractions.Fraction` and every number below is exact.

* :func:`game_value` — ``player_0``'s expected winnings when both seats follow the policy.
* :func:`best_response_value` — what a seat earns by best-responding to the other seat's part.
* :func:`exploitability` — ``(BR_0 + BR_1) / 2``, i.e. NashConv / 2 (OpenSpiel's convention); 0 exactly at
  a Nash equilibrium, 11/24 for the uniform policy.
* :func:`equilibrium_policy` — Kuhn's equilibrium family, one parameter ``alpha`` in [0, 1/3]; value -1/18.
* :func:`cfr` — CFR / CFR+ by full traversal, the reference solver that self-play is compared against.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction

import numpy as np

from mathgym.envs.multiagent.kuhn_poker_v0 import (
    CARDS,
    DECISION_HISTORIES,
    TERMINAL_HISTORIES,
    infoset,
    payoff,
)

Number = float | Fraction
#: probability of the bet move at each information set
Policy = Mapping[str, Number]

#: every information set, player_0's first
INFOSETS: tuple[str, ...] = tuple(CARDS[c] + h for h in ("", "pb", "p", "b") for c in range(3))


def uniform_policy() -> dict[str, Fraction]:
    """Both moves with probability 1/2 everywhere."""
    return dict.fromkeys(INFOSETS, Fraction(1, 2))


def equilibrium_policy(alpha: Number = Fraction(0)) -> dict[str, Number]:
    """Kuhn's equilibrium family (player_1's part is the same for every ``alpha``).

    ``player_0`` bets J with probability ``alpha``, K with ``3 * alpha``, always checks Q and calls a bet
    with Q with probability ``alpha + 1/3``; ``player_1`` bets K and calls with K always, calls with Q with
    probability 1/3, bluffs J after a check with probability 1/3, and never calls with J or bets Q.

    :param alpha: in [0, 1/3].
    """
    if not 0 <= alpha <= Fraction(1, 3):
        raise ValueError(f"alpha must be in [0, 1/3], got {alpha}")
    third = Fraction(1, 3)
    return {
        "J": alpha,
        "Q": 0 * alpha,
        "K": 3 * alpha,
        "Jpb": 0 * alpha,
        "Qpb": alpha + third,
        "Kpb": 1 + 0 * alpha,
        "Jp": third,
        "Qp": Fraction(0),
        "Kp": Fraction(1),
        "Jb": Fraction(0),
        "Qb": third,
        "Kb": Fraction(1),
    }


def _check(policy: Policy) -> None:
    missing = [k for k in INFOSETS if k not in policy]
    if missing:
        raise KeyError(f"the policy has no probability for information sets {missing}")


def _deals() -> list[tuple[int, int]]:
    return [(a, b) for a in range(3) for b in range(3) if a != b]


def game_value(policy: Policy) -> Number:
    """``player_0``'s expected winnings when both seats follow ``policy`` (exact for Fractions).

    :param policy: bet probability per information set.
    """
    _check(policy)

    def walk(cards: tuple[int, int], history: str) -> Number:
        if history in TERMINAL_HISTORIES:
            return payoff(cards, history)
        bet = policy[infoset(cards[DECISION_HISTORIES[history]], history)]
        return (1 - bet) * walk(cards, history + "p") + bet * walk(cards, history + "b")

    deals = _deals()
    return sum((walk(d, "") for d in deals), 0 * policy["J"]) / len(deals)


def best_response(policy: Policy, player: int) -> tuple[Number, dict[str, int]]:
    """The best pure response of seat ``player`` to the other seat's part of ``policy``.

    :param policy: bet probability per information set (only the other seat's entries are read).
    :param player: 0 or 1.
    :returns: (the responder's expected winnings, its move per own information set: 0 pass, 1 bet).
    """
    _check(policy)
    sign = 1 if player == 0 else -1
    choice: dict[str, int] = {}

    def walk(card: int, history: str, weights: dict[int, Number]) -> Number:
        # weights[d]: chance × the other seat's reach probability when it holds card d
        if history in TERMINAL_HISTORIES:
            return sum(
                w * sign * payoff((card, d) if player == 0 else (d, card), history)
                for d, w in weights.items()
            )
        if DECISION_HISTORIES[history] == player:
            values = [walk(card, history + m, weights) for m in "pb"]
            best = int(values[1] > values[0])
            choice[infoset(card, history)] = best
            return values[best]
        total = 0 * sum(weights.values())
        for m in "pb":
            nxt = {
                d: w * (policy[infoset(d, history)] if m == "b" else 1 - policy[infoset(d, history)])
                for d, w in weights.items()
            }
            total += walk(card, history + m, nxt)
        return total

    exact = all(isinstance(v, (Fraction, int)) for v in policy.values())
    half: Number = Fraction(1, 2) if exact else 0.5  # chance: each of the two other cards
    value = sum(walk(c, "", {d: half for d in range(3) if d != c}) for c in range(3)) / 3
    return value, choice


def best_response_value(policy: Policy, player: int) -> Number:
    """What seat ``player`` earns by best-responding to the other seat's part of ``policy``.

    :param policy: bet probability per information set.
    :param player: 0 or 1.
    """
    return best_response(policy, player)[0]


def exploitability(policy: Policy) -> Number:
    """``(BR_0 + BR_1) / 2`` — NashConv / 2, as OpenSpiel reports it; 0 exactly at a Nash equilibrium.

    In a two-player zero-sum game the seats' values under the policy cancel, so this is the mean of what
    each best responder gains over the game value.

    :param policy: bet probability per information set.
    """
    return (best_response_value(policy, 0) + best_response_value(policy, 1)) / 2


def policy_from_table(bet_probability: Callable[[str], Number]) -> dict[str, Number]:
    """A policy built by asking ``bet_probability(infoset)`` for each information set.

    :param bet_probability: e.g. a trained agent's probability of betting.
    """
    return {k: bet_probability(k) for k in INFOSETS}


def _regret_matching(regrets: np.ndarray) -> np.ndarray:
    positive = np.maximum(regrets, 0.0)
    total = positive.sum()
    return positive / total if total > 0 else np.full(2, 0.5)


def cfr(
    iterations: int, *, plus: bool = True, record_every: int = 0
) -> tuple[dict[str, float], list[tuple[int, float]]]:
    """Counterfactual regret minimisation by full traversal (Zinkevich et al. 2007), or CFR+ (Tammelin 2014:
    regrets floored at zero, alternating updates, linearly weighted average).

    :param iterations: traversals per seat.
    :param plus: CFR+ (default) rather than vanilla CFR.
    :param record_every: also return ``(iteration, exploitability)`` every this many iterations (0: never).
    :returns: (the average policy, the recorded exploitability curve).
    """
    regrets = {k: np.zeros(2) for k in INFOSETS}
    strategy_sum = {k: np.zeros(2) for k in INFOSETS}
    curve: list[tuple[int, float]] = []

    def traverse(
        cards: tuple[int, int], history: str, reach: list[float], updating: int, weight: float
    ) -> float:
        if history in TERMINAL_HISTORIES:
            return float(payoff(cards, history)) * (1 if updating == 0 else -1)
        player = DECISION_HISTORIES[history]
        key = infoset(cards[player], history)
        sigma = _regret_matching(regrets[key])
        values = np.zeros(2)
        for a, m in enumerate("pb"):
            nxt = list(reach)
            nxt[player] *= sigma[a]
            values[a] = traverse(cards, history + m, nxt, updating, weight)
        node = float(sigma @ values)
        if player == updating:
            regrets[key] += reach[1 - player] * (values - node)
            if plus:
                np.maximum(regrets[key], 0.0, out=regrets[key])
            strategy_sum[key] += weight * reach[player] * sigma
        return node

    for t in range(1, iterations + 1):
        for updating in (0, 1):
            for cards in _deals():
                traverse(cards, "", [1.0, 1.0], updating, float(t) if plus else 1.0)
        if record_every and t % record_every == 0:
            curve.append((t, float(exploitability(_average(strategy_sum)))))
    return _average(strategy_sum), curve


def _average(strategy_sum: Mapping[str, np.ndarray]) -> dict[str, float]:
    return {k: float(s[1] / s.sum()) if s.sum() > 0 else 0.5 for k, s in strategy_sum.items()}
