"""Probability and counting program families (exact fractional answers)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mathgym.variants.base import format_number
from mathgym.variants.program import Draw, ProgramFamily, Statement

_COLORS = ["red", "blue", "green", "yellow", "white", "black", "purple"]


class MarbleProbability(ProgramFamily):
    key = "prob.marble-colour"
    topic = "probability"
    title = "probability of drawing a marble of one colour"
    seed_params = {"counts": [5, 3, 2], "colors": ["red", "blue", "green"], "target": 0, "name": "Dalia"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        k = 2 + difficulty
        return {
            "counts": [draw.int(1, 6 * difficulty) for _ in range(k)],
            "colors": draw.sample(_COLORS, k),
            "target": draw.int(0, k - 1),
            "name": draw.name(),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        counts, colors, t = p["counts"], p["colors"], p["target"]
        total = sum(counts)
        listing = (
            ", ".join(f"{n} {c}" for n, c in zip(counts[:-1], colors[:-1]))
            + f" and {counts[-1]} {colors[-1]}"
        )
        prob = Fraction(counts[t], total)
        facts = [f"{p['name']}'s bag holds {listing} marbles."]
        steps = [
            f"There are {total} marbles, {counts[t]} of them {colors[t]}.",
            f"P({colors[t]}) = {counts[t]}/{total} = {format_number(prob)}.",
        ]
        return Statement(
            facts,
            f"{p['name']} draws one marble at random. What is the probability that it is "
            f"{colors[t]}? Give a fraction in lowest terms.",
            prob,
            steps,
            answer_kind="fraction",
            people=[p["name"]],
        )

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        counts, colors, t = p["counts"], p["colors"], p["target"]
        s = self.build(p)
        prob = 1 - Fraction(counts[t], sum(counts))
        return Statement(
            s.facts,
            f"{p['name']} draws one marble at random. What is the probability that it is not "
            f"{colors[t]}? Give a fraction in lowest terms.",
            prob,
            [f"P(not {colors[t]}) = 1 - {counts[t]}/{sum(counts)} = {format_number(prob)}."],
            people=s.people,
            answer_kind="fraction",
        )


class DiceSum(ProgramFamily):
    key = "prob.dice-sum"
    topic = "probability"
    title = "probability that two dice show a given sum"
    seed_params = {"faces": 6, "target": 7}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        faces = draw.choice([6] if difficulty == 1 else [4, 6, 8] if difficulty == 2 else [6, 8, 10, 12])
        return {"faces": faces, "target": draw.int(2, 2 * faces)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        f, s = p["faces"], p["target"]
        ways = sum(1 for a in range(1, f + 1) for b in range(1, f + 1) if a + b == s)
        prob = Fraction(ways, f * f)
        steps = [
            f"There are {f} × {f} = {f * f} equally likely outcomes.",
            f"{ways} of them have sum {s}, so the probability is {ways}/{f * f} = {format_number(prob)}.",
        ]
        return Statement(
            [f"Two fair {f}-sided dice numbered 1 to {f} are rolled."],
            f"What is the probability that the sum is {s}? Give a fraction in lowest terms.",
            prob,
            steps,
            answer_kind="fraction",
        )


class Handshakes(ProgramFamily):
    key = "count.handshakes"
    topic = "probability"
    title = "handshakes when everyone greets everyone once"
    seed_params = {"n": 10}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {"n": draw.int(3, 15 * difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        n = p["n"]
        return Statement(
            [f"At a meeting, each of {n} people shakes hands with every other person exactly once."],
            "How many handshakes take place?",
            n * (n - 1) // 2,
            [f"Choose 2 of {n}: {n} × {n - 1} / 2 = {n * (n - 1) // 2}."],
        )


class ShelfArrangements(ProgramFamily):
    key = "count.arrangements"
    topic = "probability"
    title = "ordered arrangements of k of n distinct books"
    seed_params = {"n": 5, "k": 3, "name": "Yosef"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        n = draw.int(3, 4 + 2 * difficulty)
        return {"n": n, "k": draw.int(2, min(n, 2 + difficulty)), "name": draw.name()}

    def build(self, p: Mapping[str, Any]) -> Statement:
        n, k = p["n"], p["k"]
        factors = " × ".join(str(n - i) for i in range(k))
        return Statement(
            [f"{p['name']} owns {n} different books.", f"The shelf has room for exactly {k} of them."],
            f"In how many different orders can {p['name']} fill the shelf?",
            math.perm(n, k),
            [f"{factors} = {math.perm(n, k)}."],
            movable=[0, 1],
            people=[p["name"]],
        )


class Committees(ProgramFamily):
    key = "count.committees"
    topic = "probability"
    title = "choose a committee (combinations)"
    seed_params = {"n": 8, "k": 3}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        n = draw.int(4, 6 + 4 * difficulty)
        return {"n": n, "k": draw.int(2, min(n - 1, 1 + 2 * difficulty))}

    def build(self, p: Mapping[str, Any]) -> Statement:
        n, k = p["n"], p["k"]
        return Statement(
            [f"A club has {n} members."],
            f"In how many ways can a committee of {k} members be chosen?",
            math.comb(n, k),
            [f"C({n}, {k}) = {n}! / ({k}! × {n - k}!) = {math.comb(n, k)}."],
        )


class TwoRedsWithoutReplacement(ProgramFamily):
    key = "prob.without-replacement"
    topic = "probability"
    title = "probability that two draws without replacement are both one colour"
    seed_params = {"red": 4, "blue": 6, "color": "red", "other": "blue"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        color, other = draw.sample(_COLORS, 2)
        return {
            "red": draw.int(2, 5 * difficulty + 2),
            "blue": draw.int(1, 5 * difficulty + 2),
            "color": color,
            "other": other,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        r, b = p["red"], p["blue"]
        n = r + b
        prob = Fraction(r, n) * Fraction(r - 1, n - 1)
        facts = [f"A box holds {r} {p['color']} balls and {b} {p['other']} balls."]
        steps = [
            f"First draw: {r}/{n}. Second draw: {r - 1}/{n - 1}.",
            f"{r}/{n} × {r - 1}/{n - 1} = {format_number(prob)}.",
        ]
        return Statement(
            facts,
            f"Two balls are drawn without replacement. What is the probability that both are "
            f"{p['color']}? Give a fraction in lowest terms.",
            prob,
            steps,
            answer_kind="fraction",
        )


class Outfits(ProgramFamily):
    key = "count.outfits"
    topic = "probability"
    title = "multiplication principle: outfits"
    seed_params = {"shirts": 4, "pants": 3, "shoes": 2, "name": "Carmen"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "shirts": draw.int(2, 4 * difficulty + 2),
            "pants": draw.int(2, 3 * difficulty + 2),
            "shoes": draw.int(1, 2 * difficulty + 1),
            "name": draw.name(),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        s, t, o = p["shirts"], p["pants"], p["shoes"]
        facts = [
            f"{p['name']} has {s} shirts.",
            f"{p['name']} has {t} pairs of trousers.",
            f"{p['name']} has {o} pairs of shoes.",
        ]
        return Statement(
            facts,
            f"How many different outfits of one shirt, one pair of trousers and one pair of "
            f"shoes can {p['name']} wear?",
            s * t * o,
            [f"{s} × {t} × {o} = {s * t * o}."],
            movable=[0, 1, 2],
            people=[p["name"]],
        )
