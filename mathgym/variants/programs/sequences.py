"""Sequence program families."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.variants.program import Draw, ProgramFamily, Statement


class ArithmeticNth(ProgramFamily):
    key = "seq.arithmetic-term"
    topic = "sequences"
    title = "n-th term of an arithmetic sequence"
    seed_params = {"a": 5, "d": 3, "n": 20}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "a": draw.int(-10 * (difficulty - 1), 20),
            "d": draw.nonzero(-5 * (difficulty - 1), 4 + 3 * difficulty),
            "n": draw.int(5, 30 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, d, n = p["a"], p["d"], p["n"]
        first = ", ".join(str(a + i * d) for i in range(4))
        value = a + (n - 1) * d
        return Statement(
            [f"The sequence {first}, ... goes up by the same amount each time."],
            f"What is its term number {n}?",
            value,
            [f"The common difference is {d}.", f"Term {n} = {a} + ({n} - 1) × {d} = {value}."],
        )


class ArithmeticSeries(ProgramFamily):
    key = "seq.arithmetic-sum"
    topic = "sequences"
    title = "reading a growing number of pages: sum of an arithmetic sequence"
    seed_params = {"name": "Maya", "first": 10, "more": 5, "days": 7}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "name": draw.name(),
            "first": draw.int(2, 20 * difficulty),
            "more": draw.int(1, 3 * difficulty + 2),
            "days": draw.int(3, 6 + 5 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, d, n = p["first"], p["more"], p["days"]
        last = a + (n - 1) * d
        total = n * (a + last) // 2
        facts = [
            f"{p['name']} reads {a} pages on the first day.",
            f"Each day after that, {p['name']} reads {d} more pages than the day before.",
        ]
        steps = [
            f"Day {n}: {a} + ({n} - 1) × {d} = {last} pages.",
            f"Total: {n} × ({a} + {last}) / 2 = {total}.",
        ]
        return Statement(
            facts, f"How many pages has {p['name']} read after {n} days?", total, steps, people=[p["name"]]
        )

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        s = self.build(p)
        last = p["first"] + (p["days"] - 1) * p["more"]
        return Statement(
            s.facts,
            f"How many pages does {p['name']} read on day {p['days']}?",
            last,
            s.solution[:1],
            people=s.people,
        )


class GeometricNth(ProgramFamily):
    key = "seq.geometric-term"
    topic = "sequences"
    title = "doubling/tripling growth (geometric sequence)"
    seed_params = {"a": 3, "r": 2, "n": 6, "thing": "bacteria"}
    _things = ["bacteria", "followers", "algae cells", "rumour listeners"]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "a": draw.int(1, 10 * difficulty),
            "r": draw.int(2, 1 + 2 * difficulty),
            "n": draw.int(3, 4 + 3 * difficulty),
            "thing": draw.choice(self._things),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, r, n = p["a"], p["r"], p["n"]
        value = a * r ** (n - 1)
        facts = [f"On day 1 there are {a} {p['thing']}.", f"Every day the number is multiplied by {r}."]
        return Statement(
            facts,
            f"How many {p['thing']} are there on day {n}?",
            value,
            [f"Day {n}: {a} × {r}^{n - 1} = {value}."],
            objects=[p["thing"]],
        )


class Tiles(ProgramFamily):
    key = "seq.figure-pattern"
    topic = "sequences"
    title = "tiles in the n-th figure of a growing pattern"
    seed_params = {"c": 1, "k": 4, "n": 10}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "c": draw.int(0, 5 * difficulty),
            "k": draw.int(2, 3 + 2 * difficulty),
            "n": draw.int(6, 20 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        c, k, n = p["c"], p["k"], p["n"]
        firsts = ", ".join(str(c + k * i) for i in range(1, 4))
        value = c + k * n
        return Statement(
            [f"Figures 1, 2 and 3 of a pattern use {firsts} tiles."],
            f"If the pattern continues, how many tiles does figure {n} use?",
            value,
            [
                f"Each figure adds {k} tiles, and figure 1 has {c + k}.",
                f"Figure {n}: {c} + {k} × {n} = {value}.",
            ],
        )


class FibonacciLike(ProgramFamily):
    key = "seq.fibonacci-like"
    topic = "sequences"
    title = "a sequence where each term is the sum of the two before"
    seed_params = {"a": 2, "b": 5, "n": 8}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "a": draw.int(1, 5 * difficulty),
            "b": draw.int(1, 5 * difficulty),
            "n": draw.int(5, 5 + 3 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        terms = [p["a"], p["b"]]
        while len(terms) < p["n"]:
            terms.append(terms[-1] + terms[-2])
        return Statement(
            [
                f"A sequence starts {p['a']}, {p['b']}, and each later term is the sum of the two terms "
                "before it."
            ],
            f"What is term number {p['n']}?",
            terms[p["n"] - 1],
            [f"The terms are {', '.join(map(str, terms))}.", f"Term {p['n']} is {terms[-1]}."],
        )


class SquareNumbers(ProgramFamily):
    key = "seq.sum-of-odds"
    topic = "sequences"
    title = "sum of the first n odd numbers"
    seed_params = {"n": 12}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {"n": draw.int(3, 25 * difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        n = p["n"]
        return Statement(
            [],
            f"What is the sum of the first {n} odd numbers, 1 + 3 + 5 + ... + {2 * n - 1}?",
            n * n,
            [f"The sum of the first n odd numbers is n², so {n}² = {n * n}."],
        )
