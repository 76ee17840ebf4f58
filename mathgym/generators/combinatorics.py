"""Counting (``Combinatorics``): arrangements, committees, words with repeated letters, codes, handshakes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import comb, factorial, perm

import numpy as np

from mathgym.generators.base import (
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    boxed,
    check_choices,
    check_range,
)

_KINDS = ("line", "adjacent", "committee", "mixed_committee", "word", "code", "handshake")
_WORDS = (
    "LEVEL",
    "BANANA",
    "APPLE",
    "PEPPER",
    "COFFEE",
    "BALLOON",
    "LETTER",
    "MISSISSIPPI",
    "PUZZLE",
    "ACCESS",
    "TOMATO",
    "SUCCESS",
    "BOOKKEEPER",
    "ERROR",
    "TATTOO",
    "GAMMA",
    "COOKIE",
    "ASSESS",
)
_NAMES = ("Ana", "Ben", "Carla", "Dev", "Eli", "Farah", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena")


@dataclass(frozen=True)
class CombinatoricsConfig(GeneratorConfig):
    """:param kinds: question kinds, ``+``-joined from ``line``, ``adjacent``, ``committee``,
        ``mixed_committee``, ``word``, ``code``, ``handshake``.
    :param n_max: largest group size (people, digits, letters).
    """

    kinds: str = "line+committee+handshake"
    n_max: int = 8

    def validate(self) -> None:
        check_choices("kinds", self.kinds, _KINDS)
        check_range("n_max", self.n_max, 4, 30)


class Combinatorics(ProblemGenerator[CombinatoricsConfig]):
    name = "Combinatorics"
    description = "Counting: arrangements, committees, words with repeated letters, codes and handshakes."
    topic = "combinatorics"
    config_class = CombinatoricsConfig
    levels = (
        {"kinds": "line+handshake", "n_max": 6},
        {"kinds": "line+committee+handshake", "n_max": 8},
        {"kinds": "line+adjacent+committee+word+code", "n_max": 9},
        {"kinds": "adjacent+committee+mixed_committee+word+code", "n_max": 12},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: CombinatoricsConfig) -> Generated:
        kinds = check_choices("kinds", config.kinds, _KINDS)
        kind = kinds[int(rng.integers(len(kinds)))]
        prompt, value, steps, params = getattr(self, f"_{kind}")(rng, config)
        answer = str(value)
        steps.append(boxed(answer))
        return Generated(prompt, answer, steps, "integer", {"kind": kind, **params})

    def _line(self, rng: np.random.Generator, config: CombinatoricsConfig) -> tuple:
        n = int(rng.integers(3, config.n_max + 1))
        value = factorial(n)
        prompt = f"In how many different orders can {n} people stand in a line?"
        steps = [
            f"There are {n} choices for the first place, {n - 1} for the second, and so on.",
            f"So the count is {n}! = {value}.",
        ]
        return prompt, value, steps, {"n": n}

    def _adjacent(self, rng: np.random.Generator, config: CombinatoricsConfig) -> tuple:
        n = int(rng.integers(3, min(config.n_max, len(_NAMES)) + 1))
        people = [str(p) for p in rng.choice(np.array(_NAMES), size=n, replace=False)]
        a, b = people[0], people[1]
        value = 2 * factorial(n - 1)
        prompt = (
            f"{', '.join(people[:-1])} and {people[-1]} stand in a line. In how many orders can they "
            f"stand if {a} and {b} must stand next to each other?"
        )
        steps = [
            (
                f"Glue {a} and {b} into one block: {n - 1} units can be ordered in {n - 1}! = "
                f"{factorial(n - 1)} ways."
            ),
            f"Inside the block they can stand in 2 orders, so 2 × {factorial(n - 1)} = {value}.",
        ]
        return prompt, value, steps, {"people": people}

    def _committee(self, rng: np.random.Generator, config: CombinatoricsConfig) -> tuple:
        n = int(rng.integers(4, config.n_max + 1))
        k = int(rng.integers(2, n))
        value = comb(n, k)
        prompt = f"A club has {n} members. In how many ways can a committee of {k} members be chosen?"
        steps = [
            f"The order of the chosen members does not matter, so count combinations: C({n}, {k}).",
            f"C({n}, {k}) = {n}! / ({k}! × {n - k}!) = {value}.",
        ]
        return prompt, value, steps, {"n": n, "k": k}

    def _mixed_committee(self, rng: np.random.Generator, config: CombinatoricsConfig) -> tuple:
        women = int(rng.integers(2, config.n_max + 1))
        men = int(rng.integers(2, config.n_max + 1))
        k = int(rng.integers(2, min(6, women + men - 1) + 1))
        j = int(rng.integers(max(0, k - men), min(k, women) + 1))
        value = comb(women, j) * comb(men, k - j)
        prompt = (
            f"A team of {k} is chosen from {women} women and {men} men. In how many ways can the team be "
            f"chosen if it must contain exactly {j} women?"
        )
        steps = [
            (
                f"Choose the women: C({women}, {j}) = {comb(women, j)}; choose the men: "
                f"C({men}, {k - j}) = {comb(men, k - j)}."
            ),
            f"Multiply: {comb(women, j)} × {comb(men, k - j)} = {value}.",
        ]
        return prompt, value, steps, {"women": women, "men": men, "k": k, "j": j}

    def _word(self, rng: np.random.Generator, config: CombinatoricsConfig) -> tuple:
        words = [w for w in _WORDS if len(w) <= max(config.n_max, 5)]
        word = words[int(rng.integers(len(words)))]
        counts = Counter(word)
        denominator = 1
        for c in counts.values():
            denominator *= factorial(c)
        value = factorial(len(word)) // denominator
        repeats = ", ".join(f"{letter} {c} times" for letter, c in sorted(counts.items()) if c > 1)
        prompt = f"How many distinct arrangements of the letters of the word {word} are there?"
        steps = [
            f"{word} has {len(word)} letters, with {repeats}.",
            (
                f"Divide {len(word)}! by the factorials of the repeats: {factorial(len(word))} / {denominator} = "
                f"{value}."
            ),
        ]
        return prompt, value, steps, {"word": word}

    def _code(self, rng: np.random.Generator, config: CombinatoricsConfig) -> tuple:
        length = int(rng.integers(2, min(6, config.n_max) + 1))
        value = perm(10, length)
        prompt = f"How many {length}-digit codes can be made from the digits 0-9 if no digit may be repeated?"
        factors = " × ".join(str(10 - i) for i in range(length))
        steps = [
            f"Each position has one choice fewer than the one before: {factors}.",
            f"{factors} = {value}.",
        ]
        return prompt, value, steps, {"length": length}

    def _handshake(self, rng: np.random.Generator, config: CombinatoricsConfig) -> tuple:
        n = int(rng.integers(3, 4 * config.n_max + 1))
        value = comb(n, 2)
        prompt = (
            f"At a meeting, each of {n} people shakes hands exactly once with each of the others. How many "
            f"handshakes take place?"
        )
        steps = [
            "Each handshake is a pair of people, so count the pairs: C(n, 2) = n(n - 1)/2.",
            f"C({n}, 2) = {n} × {n - 1} / 2 = {value}.",
        ]
        return prompt, value, steps, {"n": n}
