"""GSM8K-style word problems. These carry the most structure for perturbations: independent facts that
can be reordered, people and objects to rename, units to relabel, an optional relevant clause
(GSM-P1 style: one more step that changes the answer) and a second question about the same scenario."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mathgym.variants.base import format_number
from mathgym.variants.program import Draw, ProgramFamily, Statement

_SNACKS = [
    ("notebook", "notebooks"),
    ("pen", "pens"),
    ("muffin", "muffins"),
    ("juice box", "juice boxes"),
    ("sandwich", "sandwiches"),
    ("candle", "candles"),
]


def _money(v: Any) -> str:
    v = Fraction(v)
    return f"${format_number(v)}" if v.denominator == 1 else f"${float(v):.2f}"


class Shopping(ProgramFamily):
    key = "word.shopping-change"
    topic = "word problems"
    title = "change after buying two kinds of items"
    seed_params = {
        "name": "Bianca",
        "n1": 3,
        "i1": 0,
        "p1": 4,
        "n2": 2,
        "i2": 2,
        "p2": 3,
        "bill": 50,
        "extra": None,
    }

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        i1, i2 = draw.sample(range(len(_SNACKS)), 2)
        n1, n2 = draw.int(2, 4 * difficulty + 2), draw.int(2, 4 * difficulty + 2)
        p1, p2 = draw.int(1, 5 * difficulty + 3), draw.int(1, 5 * difficulty + 3)
        cost = n1 * p1 + n2 * p2
        bill = next(b for b in (20, 50, 100, 200, 500, 1000) if b > cost + 10)
        return {
            "name": draw.name(),
            "n1": n1,
            "i1": i1,
            "p1": p1,
            "n2": n2,
            "i2": i2,
            "p2": p2,
            "bill": bill,
            "extra": None,
        }

    def _parts(self, p: Mapping[str, Any]) -> tuple[list[str], list[str], int]:
        s1, s2 = _SNACKS[p["i1"]][1], _SNACKS[p["i2"]][1]
        facts = [
            f"{p['name']} buys {p['n1']} {s1} at {_money(p['p1'])} each.",
            f"{p['name']} also buys {p['n2']} {s2} at {_money(p['p2'])} each.",
        ]
        cost = p["n1"] * p["p1"] + p["n2"] * p["p2"]
        steps = [
            f"{s1.capitalize()}: {p['n1']} × {p['p1']} = {p['n1'] * p['p1']} dollars.",
            f"{s2.capitalize()}: {p['n2']} × {p['p2']} = {p['n2'] * p['p2']} dollars.",
        ]
        if p.get("extra"):
            e = p["extra"]
            facts.append(f"At the counter {p['name']} adds a gift card worth {_money(e)}.")
            steps.append(f"Gift card: {e} dollars.")
            cost += e
        steps.append(f"Total cost: {cost} dollars.")
        return facts, steps, cost

    def build(self, p: Mapping[str, Any]) -> Statement:
        facts, steps, cost = self._parts(p)
        facts.append(f"{p['name']} pays with a {_money(p['bill'])} bill.")
        steps.append(f"Change: {p['bill']} - {cost} = {p['bill'] - cost} dollars.")
        return Statement(
            facts,
            f"How much change, in dollars, does {p['name']} get?",
            p["bill"] - cost,
            steps,
            movable=list(range(len(facts) - 1)),
            people=[p["name"]],
            objects=[_SNACKS[p["i1"]][1], _SNACKS[p["i2"]][1]],
        )

    def relevant_clause(self, p: Mapping[str, Any], draw: Draw) -> dict[str, Any] | None:
        cost = p["n1"] * p["p1"] + p["n2"] * p["p2"]
        if p["bill"] - cost < 2:
            return None
        return {**p, "extra": draw.int(1, p["bill"] - cost - 1)}

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        facts, steps, cost = self._parts(p)
        facts.append(f"{p['name']} pays with a {_money(p['bill'])} bill.")
        return Statement(
            facts,
            "How much, in dollars, do the items cost altogether?",
            cost,
            steps,
            movable=list(range(len(facts) - 1)),
            people=[p["name"]],
        )


class Savings(ProgramFamily):
    key = "word.savings"
    topic = "word problems"
    title = "money saved over weeks, minus a purchase"
    seed_params = {"name": "Tunde", "start": 40, "weekly": 15, "weeks": 6, "spend": 35, "gift": None}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        weekly, weeks = draw.int(3, 10 * difficulty + 5), draw.int(2, 5 * difficulty + 3)
        start = draw.int(0, 50 * difficulty)
        return {
            "name": draw.name(),
            "start": start,
            "weekly": weekly,
            "weeks": weeks,
            "spend": draw.int(1, start + weekly * weeks - 1),
            "gift": None,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        n = p["name"]
        saved = p["weekly"] * p["weeks"]
        facts = [
            f"{n} has {_money(p['start'])} in a piggy bank.",
            f"{n} saves {_money(p['weekly'])} every week for {p['weeks']} weeks.",
        ]
        total = p["start"] + saved
        steps = [
            f"Saved: {p['weekly']} × {p['weeks']} = {saved} dollars.",
            f"With the start: {p['start']} + {saved} = {total}.",
        ]
        if p.get("gift"):
            facts.append(f"{n}'s aunt adds {_money(p['gift'])} as a birthday present.")
            total += p["gift"]
            steps.append(f"With the present: {total} dollars.")
        facts.append(f"Then {n} spends {_money(p['spend'])} on a pair of headphones.")
        steps.append(f"Left: {total} - {p['spend']} = {total - p['spend']} dollars.")
        return Statement(
            facts,
            f"How many dollars does {n} have left?",
            total - p["spend"],
            steps,
            movable=[0, 1] + ([2] if p.get("gift") else []),
            people=[n],
        )

    def relevant_clause(self, p: Mapping[str, Any], draw: Draw) -> dict[str, Any] | None:
        return {**p, "gift": draw.int(5, 40)}

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        s = self.build(p)
        saved = p["weekly"] * p["weeks"]
        return Statement(
            s.facts,
            f"How many dollars does {p['name']} save over the {p['weeks']} weeks?",
            saved,
            s.solution[:1],
            movable=s.movable,
            people=s.people,
        )


class Journey(ProgramFamily):
    key = "word.journey-distance"
    topic = "word problems"
    title = "distance travelled at two speeds"
    seed_params = {"name": "Lucia", "v1": 60, "t1": 2, "v2": 45, "t2": 3, "unit": "kilometers", "extra": None}
    _units = ["kilometers", "miles"]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "name": draw.name(),
            "v1": 5 * draw.int(6, 10 + 4 * difficulty),
            "t1": draw.int(1, 2 + difficulty),
            "v2": 5 * draw.int(4, 10 + 4 * difficulty),
            "t2": draw.int(1, 2 + difficulty),
            "unit": draw.choice(self._units),
            "extra": None,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        u, n = p["unit"], p["name"]
        short = u
        d1, d2 = p["v1"] * p["t1"], p["v2"] * p["t2"]
        facts = [
            f"{n} drives for {p['t1']} hours at {p['v1']} {u} per hour.",
            f"After lunch, {n} drives {p['t2']} more hours at {p['v2']} {u} per hour.",
        ]
        steps = [
            f"First part: {p['v1']} × {p['t1']} = {d1} {short}.",
            f"Second part: {p['v2']} × {p['t2']} = {d2} {short}.",
        ]
        total = d1 + d2
        if p.get("extra"):
            facts.append(f"Finally {n} takes a detour of {p['extra']} {u} to visit a friend.")
            steps.append(f"Detour: {p['extra']} {short}.")
            total += p["extra"]
        steps.append(f"Total: {total} {short}.")
        return Statement(facts, f"How many {u} does {n} travel in all?", total, steps, people=[n], units=[u])

    def relevant_clause(self, p: Mapping[str, Any], draw: Draw) -> dict[str, Any] | None:
        return {**p, "extra": draw.int(3, 40)}

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        if p.get("extra"):
            return None
        s = self.build(p)
        total, hours = p["v1"] * p["t1"] + p["v2"] * p["t2"], p["t1"] + p["t2"]
        avg = Fraction(total, hours)
        return Statement(
            s.facts,
            f"What is {p['name']}'s average speed over the whole drive, in {p['unit']} per hour?",
            avg,
            [*s.solution, f"Average: {total} / {hours} = {format_number(avg)}."],
            people=s.people,
            units=s.units,
        )


class Recipe(ProgramFamily):
    key = "word.recipe-scaling"
    topic = "word problems"
    title = "scale a recipe (proportional reasoning)"
    seed_params = {"name": "Henrik", "batch": 12, "flour": 3, "want": 36, "unit": "cups", "food": "cookies"}
    _foods = ["cookies", "pancakes", "muffins", "scones", "biscuits"]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        batch = draw.choice([6, 8, 10, 12, 16, 20, 24])
        return {
            "name": draw.name(),
            "batch": batch,
            "flour": draw.int(1, 2 + 2 * difficulty),
            "want": batch * draw.int(2, 2 + 3 * difficulty),
            "unit": draw.choice(["cups", "pounds", "kilograms"]),
            "food": draw.choice(self._foods),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        times = p["want"] // p["batch"]
        need = times * p["flour"]
        facts = [
            f"A recipe makes {p['batch']} {p['food']} with {p['flour']} {p['unit']} of flour.",
            f"{p['name']} wants to make {p['want']} {p['food']} for a school fair.",
        ]
        steps = [
            f"{p['want']} ÷ {p['batch']} = {times} batches.",
            f"{times} × {p['flour']} = {need} {p['unit']} of flour.",
        ]
        return Statement(
            facts,
            f"How many {p['unit']} of flour does {p['name']} need?",
            need,
            steps,
            movable=[0, 1],
            people=[p["name"]],
            objects=[p["food"]],
            units=[p["unit"]],
        )


class FruitCrates(ProgramFamily):
    key = "word.fruit-crates"
    topic = "word problems"
    title = "items left after selling and eating some"
    seed_params = {
        "name": "Kalani",
        "crates": 5,
        "per": 24,
        "sold": 70,
        "eaten": 6,
        "fruit": "apples",
        "gift": None,
    }
    _fruit = ["apples", "oranges", "pears", "peaches", "plums", "lemons"]

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        crates, per = draw.int(2, 4 + 3 * difficulty), draw.int(6, 12 + 12 * difficulty)
        total = crates * per
        sold = draw.int(1, total // 2)
        return {
            "name": draw.name(),
            "crates": crates,
            "per": per,
            "sold": sold,
            "eaten": draw.int(1, total - sold - 1),
            "fruit": draw.choice(self._fruit),
            "gift": None,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        n, f = p["name"], p["fruit"]
        total = p["crates"] * p["per"]
        facts = [
            f"{n} picks {p['crates']} crates of {f}, with {p['per']} {f} in each crate.",
            f"{n} sells {p['sold']} {f} at the market.",
            f"{n}'s family eats {p['eaten']} {f}.",
        ]
        steps = [
            f"Picked: {p['crates']} × {p['per']} = {total}.",
            f"Left: {total} - {p['sold']} - {p['eaten']} = {total - p['sold'] - p['eaten']}.",
        ]
        left = total - p["sold"] - p["eaten"]
        if p.get("gift"):
            facts.append(f"A neighbour then gives {n} {p['gift']} more {f}.")
            left += p["gift"]
            steps.append(f"With the neighbour's {f}: {left}.")
        return Statement(
            facts, f"How many {f} does {n} have now?", left, steps, movable=[1, 2], people=[n], objects=[f]
        )

    def relevant_clause(self, p: Mapping[str, Any], draw: Draw) -> dict[str, Any] | None:
        return {**p, "gift": draw.int(2, 30)}

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        s = self.build(p)
        return Statement(
            s.facts,
            f"How many {p['fruit']} does {p['name']} pick?",
            p["crates"] * p["per"],
            s.solution[:1],
            movable=s.movable,
            people=s.people,
            objects=s.objects,
        )


class Wages(ProgramFamily):
    key = "word.weekly-pay"
    topic = "word problems"
    title = "weekly pay with overtime"
    seed_params = {"name": "Adaeze", "rate": 18, "hours": 8, "days": 5, "overtime": 4, "bonus": None}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "name": draw.name(),
            "rate": draw.int(10, 20 + 10 * difficulty),
            "hours": draw.int(4, 9),
            "days": draw.int(3, 6),
            "overtime": draw.int(0, 3 * difficulty + 2),
            "bonus": None,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        n, r = p["name"], p["rate"]
        regular = p["hours"] * p["days"]
        ot_rate = Fraction(3, 2) * r
        pay = regular * r + p["overtime"] * ot_rate
        facts = [
            f"{n} earns {_money(r)} per hour.",
            f"{n} works {p['hours']} hours a day for {p['days']} days this week.",
            f"{n} also works {p['overtime']} hours of overtime, paid at one and a half times the usual rate.",
        ]
        steps = [
            f"Regular pay: {p['hours']} × {p['days']} × {r} = {regular * r}.",
            f"Overtime pay: {p['overtime']} × {format_number(ot_rate)} = "
            f"{format_number(p['overtime'] * ot_rate)}.",
        ]
        if p.get("bonus"):
            facts.append(f"On Friday {n} receives a bonus of {_money(p['bonus'])}.")
            pay += p["bonus"]
            steps.append(f"Bonus: {p['bonus']}.")
        steps.append(f"Total: {format_number(pay)} dollars.")
        return Statement(facts, f"How many dollars does {n} earn this week?", pay, steps, people=[n])

    def relevant_clause(self, p: Mapping[str, Any], draw: Draw) -> dict[str, Any] | None:
        return {**p, "bonus": 5 * draw.int(2, 20)}


class ReadingDays(ProgramFamily):
    key = "word.reading-days"
    topic = "word problems"
    title = "days needed to finish a book at two reading speeds"
    seed_params = {"name": "Emil", "pages": 240, "a": 20, "da": 5, "b": 35}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        a, da, b = (
            draw.int(5, 20 + 10 * difficulty),
            draw.int(1, 3 + 2 * difficulty),
            draw.int(10, 40 + 10 * difficulty),
        )
        return {
            "name": draw.name(),
            "pages": a * da + b * draw.int(1, 4 + 3 * difficulty),
            "a": a,
            "da": da,
            "b": b,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        n = p["name"]
        first = p["a"] * p["da"]
        rest = p["pages"] - first
        days = p["da"] + rest // p["b"]
        facts = [
            f"{n}'s book has {p['pages']} pages.",
            f"{n} reads {p['a']} pages a day for the first {p['da']} days.",
            f"After that, {n} reads {p['b']} pages a day.",
        ]
        steps = [
            f"First {p['da']} days: {p['a']} × {p['da']} = {first} pages.",
            f"Remaining: {p['pages']} - {first} = {rest} pages, which take "
            f"{rest} ÷ {p['b']} = {rest // p['b']} days.",
            f"In all: {p['da']} + {rest // p['b']} = {days} days.",
        ]
        return Statement(facts, f"How many days does {n} take to finish the book?", days, steps, people=[n])
