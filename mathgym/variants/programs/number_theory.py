"""Number-theory program families."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sympy

from mathgym.variants.program import Draw, ProgramFamily, Statement


class GcdGroups(ProgramFamily):
    key = "nt.gcd-groups"
    topic = "number theory"
    title = "largest equal groups (greatest common divisor)"
    seed_params = {"g": 6, "a": 4, "b": 7, "x": "pencils", "y": "erasers", "name": "Zara"}
    _pairs = [
        ("pencils", "erasers"),
        ("apples", "oranges"),
        ("red beads", "blue beads"),
        ("stickers", "stamps"),
    ]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        a = draw.int(2, 6 * difficulty)
        b = draw.int(2, 6 * difficulty)
        while math.gcd(a, b) != 1 or a == b:
            b = draw.int(2, 6 * difficulty + 1)
        x, y = draw.choice(self._pairs)
        return {"g": draw.int(2, 8 * difficulty), "a": a, "b": b, "x": x, "y": y, "name": draw.name()}

    def build(self, p: Mapping[str, Any]) -> Statement:
        g, a, b = p["g"], p["a"], p["b"]
        m, n = g * a, g * b
        facts = [
            f"{p['name']} has {m} {p['x']} and {n} {p['y']}.",
            f"{p['name']} wants to pack them into identical gift bags, with nothing left over.",
        ]
        steps = [f"The number of bags must divide both {m} and {n}.", f"gcd({m}, {n}) = {g}."]
        return Statement(
            facts,
            "What is the greatest number of gift bags that can be made?",
            g,
            steps,
            people=[p["name"]],
            objects=[p["x"], p["y"]],
        )


class BusesLcm(ProgramFamily):
    key = "nt.lcm-buses"
    topic = "number theory"
    title = "when two periodic events coincide again (least common multiple)"
    seed_params = {"a": 12, "b": 18}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {"a": draw.int(4, 10 * difficulty + 5), "b": draw.int(4, 10 * difficulty + 5)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b = p["a"], p["b"]
        facts = [
            f"Bus A leaves the station every {a} minutes.",
            f"Bus B leaves the station every {b} minutes.",
            "Both buses leave together at 8:00.",
        ]
        return Statement(
            facts,
            "After how many minutes do they next leave together?",
            math.lcm(a, b),
            [f"lcm({a}, {b}) = {math.lcm(a, b)}."],
            movable=[0, 1],
        )


class PowerRemainder(ProgramFamily):
    key = "nt.power-remainder"
    topic = "number theory"
    title = "remainder of a power"
    seed_params = {"a": 3, "n": 10, "m": 7}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "a": draw.int(2, 9),
            "n": draw.int(5, 20 * difficulty**2),
            "m": draw.int(3, 6 + 5 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, n, m = p["a"], p["n"], p["m"]
        r = pow(a, n, m)
        cycle = []
        value = 1
        for _ in range(min(n, 12)):
            value = value * a % m
            cycle.append(value)
        steps = [
            f"Powers of {a} modulo {m}: " + ", ".join(map(str, cycle)) + ", ...",
            f"So {a}^{n} leaves remainder {r} when divided by {m}.",
        ]
        return Statement([], f"What is the remainder when {a}^{n} is divided by {m}?", r, steps)


class DivisorCount(ProgramFamily):
    key = "nt.divisor-count"
    topic = "number theory"
    title = "number of positive divisors"
    seed_params = {"n": 36}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {"n": draw.int(6, 10 ** (difficulty + 1))}

    def build(self, p: Mapping[str, Any]) -> Statement:
        n = p["n"]
        factors = sympy.factorint(n)
        text = " × ".join(f"{q}^{e}" if e > 1 else str(q) for q, e in sorted(factors.items()))
        count = math.prod(e + 1 for e in factors.values())
        steps = [
            f"{n} = {text}.",
            "Divisor count = "
            + " × ".join(f"({e} + 1)" for _, e in sorted(factors.items()))
            + f" = {count}.",
        ]
        return Statement([], f"How many positive divisors does {n} have?", count, steps)


class PrimeSum(ProgramFamily):
    key = "nt.prime-sum"
    topic = "number theory"
    title = "sum of the primes in an interval"
    seed_params = {"lo": 10, "hi": 30}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        lo = draw.int(1, 40 * difficulty)
        return {"lo": lo, "hi": lo + draw.int(8, 20 * difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        primes = list(sympy.primerange(p["lo"], p["hi"] + 1))
        total = sum(primes)
        listing = " + ".join(map(str, primes)) if primes else "nothing"
        return Statement(
            [],
            f"What is the sum of all prime numbers between {p['lo']} and {p['hi']}, inclusive?",
            total,
            [f"The primes are {', '.join(map(str, primes)) or 'none'}.", f"{listing} = {total}."],
        )


class LastDigit(ProgramFamily):
    key = "nt.last-digit"
    topic = "number theory"
    title = "last digit of a large power"
    seed_params = {"a": 7, "n": 23}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {"a": draw.int(2, 9 + 10 * (difficulty - 1)), "n": draw.int(5, 50 * difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, n = p["a"], p["n"]
        cycle, value = [], a % 10
        while value not in cycle:
            cycle.append(value)
            value = value * a % 10
        digit = pow(a, n, 10)
        steps = [
            f"Last digits of powers of {a} repeat: {', '.join(map(str, cycle))}.",
            f"The last digit of {a}^{n} is {digit}.",
        ]
        return Statement([], f"What is the last digit of {a}^{n}?", digit, steps)
