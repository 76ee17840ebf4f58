"""Arithmetic program families."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mathgym.variants.base import format_number
from mathgym.variants.program import Draw, ProgramFamily, Statement


class OrderOfOperations(ProgramFamily):
    key = "arith.order-of-operations"
    topic = "arithmetic"
    title = "evaluate a + b * c - d (more terms when harder)"
    seed_params = {"a": 7, "b": 3, "c": 4, "d": 5, "e": 0}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        top = 10**difficulty
        return {
            "a": draw.int(2, top),
            "b": draw.int(2, 9 * difficulty),
            "c": draw.int(2, 12),
            "d": draw.int(1, top),
            "e": draw.int(2, 9) if difficulty >= 2 else 0,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b, c, d, e = p["a"], p["b"], p["c"], p["d"], p["e"]
        if e:
            expr, value = f"{a} + {b} × {c} - {d} × {e}", a + b * c - d * e
            steps = [
                f"Multiplications first: {b} × {c} = {b * c} and {d} × {e} = {d * e}.",
                f"Then {a} + {b * c} - {d * e} = {value}.",
            ]
        else:
            expr, value = f"{a} + {b} × {c} - {d}", a + b * c - d
            steps = [f"Multiplication first: {b} × {c} = {b * c}.", f"Then {a} + {b * c} - {d} = {value}."]
        return Statement([], f"What is the value of {expr}?", value, steps)


class LongMultiplication(ProgramFamily):
    key = "arith.multiplication"
    topic = "arithmetic"
    title = "multiply two whole numbers (more digits when harder)"
    seed_params = {"a": 24, "b": 13}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "a": draw.int(10**difficulty, 10 ** (difficulty + 1) - 1),
            "b": draw.int(11, 10 ** (difficulty + 1) - 1),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b = p["a"], p["b"]
        tens, ones = divmod(b, 10)
        steps = [
            f"{a} × {ones} = {a * ones}.",
            f"{a} × {tens * 10} = {a * tens * 10}.",
            f"{a * ones} + {a * tens * 10} = {a * b}.",
        ]
        return Statement([], f"Compute {a} × {b}.", a * b, steps)


class FractionSum(ProgramFamily):
    key = "arith.fraction-sum"
    topic = "arithmetic"
    title = "add two fractions and simplify"
    seed_params = {"p": 1, "q": 2, "r": 1, "s": 3}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        hi = 4 + 4 * difficulty
        q, s = draw.int(2, hi), draw.int(2, hi)
        return {"p": draw.int(1, q - 1), "q": q, "r": draw.int(1, s - 1), "s": s}

    def build(self, p: Mapping[str, Any]) -> Statement:
        x, y = Fraction(p["p"], p["q"]), Fraction(p["r"], p["s"])
        common = p["q"] * p["s"]
        steps = [
            f"Use the common denominator {common}: {p['p']}/{p['q']} = {p['p'] * p['s']}/{common} and "
            f"{p['r']}/{p['s']} = {p['r'] * p['q']}/{common}.",
            f"The sum is {p['p'] * p['s'] + p['r'] * p['q']}/{common} = {format_number(x + y)}.",
        ]
        return Statement(
            [],
            f"What is {p['p']}/{p['q']} + {p['r']}/{p['s']}? Give the answer as a fraction in lowest terms.",
            x + y,
            steps,
            answer_kind="fraction",
        )


class PercentOf(ProgramFamily):
    key = "arith.percent-of"
    topic = "arithmetic"
    title = "p percent of a quantity"
    seed_params = {"pct": 15, "n": 80, "name": "Leona", "item": "marbles"}
    _items = ["marbles", "stickers", "stamps", "beads", "coins", "shells", "cards"]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        pct = draw.choice([5, 10, 20, 25, 50] if difficulty == 1 else [5, 12, 15, 35, 45, 65, 75, 85])
        unit = 20 if pct % 5 == 0 else 100
        return {
            "pct": pct,
            "n": unit * draw.int(1, 5 * difficulty * (100 // unit)),
            "name": draw.name(),
            "item": draw.choice(self._items),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        value = Fraction(p["pct"] * p["n"], 100)
        facts = [f"{p['name']} has {p['n']} {p['item']}."]
        q = f"{p['name']} gives away {p['pct']}% of them. How many {p['item']} does {p['name']} give away?"
        steps = [f"{p['pct']}% of {p['n']} is {p['pct']}/100 × {p['n']} = {format_number(value)}."]
        return Statement(facts, q, value, steps, people=[p["name"]], objects=[p["item"]])

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        kept = p["n"] - Fraction(p["pct"] * p["n"], 100)
        return Statement(
            [f"{p['name']} has {p['n']} {p['item']}."],
            f"{p['name']} gives away {p['pct']}% of them. How many {p['item']} does {p['name']} keep?",
            kept,
            [
                f"{p['name']} gives away {format_number(Fraction(p['pct'] * p['n'], 100))}, so "
                f"{p['n']} - {format_number(Fraction(p['pct'] * p['n'], 100))} = "
                f"{format_number(kept)} are kept."
            ],
            people=[p["name"]],
            objects=[p["item"]],
        )


class DecimalMoney(ProgramFamily):
    key = "arith.decimal-money"
    topic = "arithmetic"
    title = "add and subtract amounts of money with cents"
    seed_params = {"a": 1250, "b": 375, "c": 499, "name": "Rosa"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        top = 2000 * difficulty
        a = draw.int(1000, top)
        return {"a": a, "b": draw.int(100, a // 2), "c": draw.int(100, a // 2), "name": draw.name()}

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b, c = (Fraction(p[k], 100) for k in "abc")
        money = lambda v: f"${float(v):.2f}"  # noqa: E731
        left = a - b - c
        facts = [
            f"{p['name']} has {money(a)}.",
            f"{p['name']} spends {money(b)} on a notebook and {money(c)} on lunch.",
        ]
        steps = [
            f"Spent: {money(b)} + {money(c)} = {money(b + c)}.",
            f"Left: {money(a)} - {money(b + c)} = {money(left)}.",
        ]
        return Statement(
            facts, f"How many dollars does {p['name']} have left?", left, steps, people=[p["name"]]
        )


class Temperature(ProgramFamily):
    key = "arith.negative-numbers"
    topic = "arithmetic"
    title = "temperature changes through zero"
    seed_params = {"start": 4, "drop": 11, "rise": 3, "unit": "degrees Celsius", "city": "Oslo"}
    _cities = ["Oslo", "Helsinki", "Montreal", "Ulaanbaatar", "Reykjavik", "Anchorage", "Winnipeg"]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        start = draw.int(-5 * difficulty, 10 * difficulty)
        return {
            "start": start,
            "drop": draw.int(abs(start) + 1, abs(start) + 10 * difficulty),
            "rise": draw.int(1, 8 * difficulty),
            "unit": "degrees Celsius",
            "city": draw.choice(self._cities),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        mid = p["start"] - p["drop"]
        end = mid + p["rise"]
        facts = [
            f"At noon the temperature in {p['city']} was {p['start']} {p['unit']}.",
            f"By midnight it had fallen by {p['drop']} {p['unit']}.",
            f"By morning it had risen by {p['rise']} {p['unit']}.",
        ]
        steps = [f"{p['start']} - {p['drop']} = {mid}.", f"{mid} + {p['rise']} = {end}."]
        return Statement(
            facts, f"What was the temperature in the morning, in {p['unit']}?", end, steps, units=[p["unit"]]
        )


class ExactDivision(ProgramFamily):
    key = "arith.sharing"
    topic = "arithmetic"
    title = "share items equally among groups (exact division)"
    seed_params = {"groups": 6, "each": 14, "item": "pencils", "name": "Kofi"}
    _items = ["pencils", "apples", "crayons", "balloons", "cookies", "tickets"]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "groups": draw.int(2, 6 * difficulty + 3),
            "each": draw.int(3, 15 * difficulty),
            "item": draw.choice(self._items),
            "name": draw.name(),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        total = p["groups"] * p["each"]
        facts = [f"{p['name']} has {total} {p['item']}."]
        q = (
            f"{p['name']} shares them equally among {p['groups']} friends. "
            f"How many {p['item']} does each friend get?"
        )
        return Statement(
            facts,
            q,
            p["each"],
            [f"{total} ÷ {p['groups']} = {p['each']}."],
            people=[p["name"]],
            objects=[p["item"]],
        )
