"""Simple probability (``Probability``): dice, coins, drawing from an urn, playing cards.

Probabilities are counted exactly (dice sums by convolution, binomial and hypergeometric counts by
``math.comb``, card events by inclusion-exclusion); the tests recount every case by brute-force
enumeration of the sample space.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb

import numpy as np

from mathgym.generators.base import (
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    boxed,
    check_choices,
    check_range,
)
from mathgym.generators.formatting import fmt_number
from mathgym.number_words import number_to_words

_KINDS = ("dice", "coins", "urn", "cards")
_COLORS = ("red", "blue", "green", "yellow")


def _words(n: int) -> str:
    return number_to_words(n) if 1 <= n <= 12 else str(n)


@dataclass(frozen=True)
class ProbabilityConfig(GeneratorConfig):
    """:param kinds: experiments, ``+``-joined from ``dice``, ``coins``, ``urn``, ``cards``.
    :param max_dice: most dice rolled at once.
    :param max_coins: most coin tosses.
    :param urn_max: most balls of one colour in the urn.
    :param draws: most balls (or cards) drawn without replacement.
    """

    kinds: str = "dice+coins+cards"
    max_dice: int = 2
    max_coins: int = 4
    urn_max: int = 6
    draws: int = 2

    def validate(self) -> None:
        check_choices("kinds", self.kinds, _KINDS)
        check_range("max_dice", self.max_dice, 1, 5)
        check_range("max_coins", self.max_coins, 1, 14)
        check_range("urn_max", self.urn_max, 1, 20)
        check_range("draws", self.draws, 1, 4)


def _dice_sum_counts(n: int) -> dict[int, int]:
    """How many of the 6^n outcomes give each sum (repeated convolution with one die)."""
    counts = {0: 1}
    for _ in range(n):
        nxt: dict[int, int] = {}
        for total, ways in counts.items():
            for face in range(1, 7):
                nxt[total + face] = nxt.get(total + face, 0) + ways
        counts = nxt
    return counts


class Probability(ProblemGenerator[ProbabilityConfig]):
    name = "Probability"
    description = "Probabilities of dice, coin, urn and card events, as fractions in lowest terms."
    topic = "probability"
    config_class = ProbabilityConfig
    levels = (
        {"kinds": "dice+coins", "max_dice": 2, "max_coins": 3, "urn_max": 4, "draws": 1},
        {"kinds": "dice+coins+cards", "max_dice": 2, "max_coins": 4, "urn_max": 6, "draws": 2},
        {"kinds": "dice+coins+urn+cards", "max_dice": 2, "max_coins": 5, "urn_max": 6, "draws": 2},
        {"kinds": "dice+coins+urn+cards", "max_dice": 3, "max_coins": 6, "urn_max": 8, "draws": 3},
        {"kinds": "dice+coins+urn+cards", "max_dice": 4, "max_coins": 10, "urn_max": 10, "draws": 3},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: ProbabilityConfig) -> Generated:
        kinds = check_choices("kinds", config.kinds, _KINDS)
        kind = kinds[int(rng.integers(len(kinds)))]
        prompt, favourable, total, steps, params = getattr(self, f"_{kind}")(rng, config)
        value = Fraction(favourable, total)
        answer = fmt_number(value)
        shown = (
            f"{favourable}/{total}"
            if f"{favourable}/{total}" == answer
            else f"{favourable}/{total} = {answer}"
        )
        steps.append(f"The probability is {shown}. {boxed(answer)}")
        params.update(kind=kind)
        return Generated(
            prompt + " Give the answer as a fraction in lowest terms.", answer, steps, "fraction", params
        )

    def _dice(self, rng: np.random.Generator, config: ProbabilityConfig) -> tuple:
        n = int(rng.integers(1, config.max_dice + 1))
        counts = _dice_sum_counts(n)
        total = 6**n
        dice = "a fair six-sided die" if n == 1 else f"{_words(n)} fair six-sided dice"
        event = ("equal", "at_least", "at_least_one_six")[int(rng.integers(3))]
        if event == "at_least_one_six" and n >= 2:
            favourable = total - 5**n
            prompt = f"{_cap(dice)} are rolled. What is the probability that at least one of them shows a 6?"
            steps = [
                f"There are 6^{n} = {total} equally likely outcomes.",
                f"Outcomes with no 6: 5^{n} = {5**n}, so {total} - {5**n} = {favourable} have at least one 6.",
            ]
            return prompt, favourable, total, steps, {"dice": n, "event": event}
        s = int(rng.integers(n, 6 * n + 1))
        if event == "equal":
            favourable = counts[s]
            what = f"the sum is {s}" if n > 1 else f"it shows {s}"
            steps = [
                f"There are 6^{n} = {total} equally likely outcomes."
                if n > 1
                else "There are 6 equally likely outcomes.",
                f"{favourable} of them give {'a sum of ' if n > 1 else ''}{s}.",
            ]
            event_params = {"sum": s}
        else:
            favourable = sum(w for t, w in counts.items() if t >= s)
            what = f"the sum is at least {s}" if n > 1 else f"it shows at least {s}"
            steps = [
                f"There are {total} equally likely outcomes.",
                (
                    f"Counting the outcomes with {'a sum of ' if n > 1 else 'a value of '}at least {s} gives "
                    f"{favourable}."
                ),
            ]
            event = "at_least"
            event_params = {"sum": s}
        verb = "are" if n > 1 else "is"
        prompt = f"{_cap(dice)} {verb} rolled. What is the probability that {what}?"
        return prompt, favourable, total, steps, {"dice": n, "event": event, **event_params}

    def _coins(self, rng: np.random.Generator, config: ProbabilityConfig) -> tuple:
        n = int(rng.integers(min(2, config.max_coins), config.max_coins + 1))
        k = int(rng.integers(0, n + 1))
        total = 2**n
        if rng.random() < 0.5:
            favourable = comb(n, k)
            event, what = "exactly", f"exactly {k} of the tosses {'is' if k == 1 else 'are'} heads"
            steps = [
                f"There are 2^{n} = {total} equally likely sequences.",
                f"Choosing which {k} tosses are heads: C({n}, {k}) = {favourable}.",
            ]
        else:
            favourable = sum(comb(n, j) for j in range(k, n + 1))
            event, what = "at_least", f"at least {k} of the tosses are heads"
            steps = [
                f"There are 2^{n} = {total} equally likely sequences.",
                "Sequences with at least "
                + f"{k} heads: "
                + " + ".join(f"C({n}, {j})" for j in range(k, n + 1))
                + f" = {favourable}.",
            ]
        times = "once" if n == 1 else f"{_words(n)} times"
        prompt = f"A fair coin is tossed {times}. What is the probability that {what}?"
        return prompt, favourable, total, steps, {"tosses": n, "heads": k, "event": event}

    def _urn(self, rng: np.random.Generator, config: ProbabilityConfig) -> tuple:
        n_colors = int(rng.integers(2, 4))
        colors = list(_COLORS[:n_colors])
        counts = [int(rng.integers(1, config.urn_max + 1)) for _ in colors]
        size = sum(counts)
        m = int(rng.integers(1, min(config.draws, size) + 1))
        target = int(rng.integers(n_colors))
        c = counts[target]
        j = int(rng.integers(0, min(m, c) + 1)) if m > 1 else 1
        total = comb(size, m)
        favourable = comb(c, j) * comb(size - c, m - j)
        parts = [f"{k} {col}" for k, col in zip(counts, colors)]
        contents = ", ".join(parts[:-1]) + " and " + parts[-1]
        if m == 1:
            what = f"it is {colors[target]}"
            draw = "One ball is drawn at random."
        else:
            what = f"exactly {j} of them {'is' if j == 1 else 'are'} {colors[target]}"
            draw = f"{_cap(_words(m))} balls are drawn at random without replacement."
        prompt = f"An urn contains {contents} balls. {draw} What is the probability that {what}?"
        steps = [
            f"There are {size} balls, so C({size}, {m}) = {total} equally likely draws.",
            (
                f"Choose {j} of the {c} {colors[target]} balls and {m - j} of the other {size - c}: "
                f"C({c}, {j}) × C({size - c}, {m - j}) = {favourable}."
            ),
        ]
        return (
            prompt,
            favourable,
            total,
            steps,
            {"counts": counts, "draws": m, "target": target, "exactly": j},
        )

    def _cards(self, rng: np.random.Generator, config: ProbabilityConfig) -> tuple:
        event = ("suit", "face", "rank_or_suit", "red_not_face", "two_same_rank", "two_same_suit")
        pick = event[int(rng.integers(len(event) if config.draws >= 2 else 4))]
        suits = ("hearts", "diamonds", "clubs", "spades")
        ranks = ("ace", "2", "3", "4", "5", "6", "7", "8", "9", "10", "jack", "queen", "king")
        deck = "A card is drawn at random from a standard 52-card deck."
        if pick == "suit":
            suit = suits[int(rng.integers(4))]
            prompt = f"{deck} What is the probability that it is one of the {suit}?"
            steps = ["There are 52 equally likely cards.", f"13 of them are {suit}."]
            return prompt, 13, 52, steps, {"event": pick, "suit": suit}
        if pick == "face":
            prompt = f"{deck} What is the probability that it is a face card (jack, queen or king)?"
            steps = ["There are 52 equally likely cards.", "There are 3 face cards in each of 4 suits: 12."]
            return prompt, 12, 52, steps, {"event": pick}
        if pick == "rank_or_suit":
            rank = ranks[int(rng.integers(13))]
            suit = suits[int(rng.integers(4))]
            article = "an" if rank in ("ace", "8") else "a"
            prompt = f"{deck} What is the probability that it is {article} {rank} or one of the {suit}?"
            steps = [
                "There are 52 equally likely cards.",
                f"By inclusion-exclusion: 4 cards of rank {rank} + 13 {suit} - 1 card that is both = 16.",
            ]
            return prompt, 16, 52, steps, {"event": pick, "rank": rank, "suit": suit}
        if pick == "red_not_face":
            prompt = f"{deck} What is the probability that it is a red card that is not a face card?"
            steps = [
                "There are 52 equally likely cards.",
                "26 cards are red; 6 of them are face cards, leaving 20.",
            ]
            return prompt, 20, 52, steps, {"event": pick}
        two = "Two cards are drawn at random without replacement from a standard 52-card deck."
        if pick == "two_same_rank":
            prompt = f"{two} What is the probability that they have the same rank?"
            steps = [
                "There are C(52, 2) = 1326 equally likely pairs.",
                "Pairs of equal rank: 13 ranks × C(4, 2) = 78.",
            ]
            return prompt, 78, 1326, steps, {"event": pick}
        prompt = f"{two} What is the probability that they are of the same suit?"
        steps = [
            "There are C(52, 2) = 1326 equally likely pairs.",
            "Pairs of one suit: 4 suits × C(13, 2) = 312.",
        ]
        return prompt, 312, 1326, steps, {"event": pick}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
