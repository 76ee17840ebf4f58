"""Algebra program families."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.variants.program import Draw, ProgramFamily, Statement
from mathgym.variants.programs._text import polynomial
from mathgym.variants.programs._text import signed as _signed


class LinearEquation(ProgramFamily):
    key = "alg.linear-equation"
    topic = "algebra"
    title = "solve a x + b = c x + d for x"
    seed_params = {"a": 3, "b": 5, "c": 1, "x": 4}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        a = draw.nonzero(-4 * difficulty, 4 * difficulty + 2)
        c = draw.int(-3 * difficulty, 3 * difficulty) if difficulty > 1 else 0
        while c == a:
            c = draw.int(-3 * difficulty, 3 * difficulty)
        return {
            "a": a,
            "b": draw.int(-10 * difficulty, 10 * difficulty),
            "c": c,
            "x": draw.int(-6 * difficulty, 6 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b, c, x = p["a"], p["b"], p["c"], p["x"]
        d = a * x + b - c * x
        right = polynomial([c, d]) if c else f"{d}"
        steps = [
            f"Move the x terms to the left: {a - c}x = {d} {_signed(-b)} = {d - b}.",
            f"Divide by {a - c}: x = {d - b}/{a - c} = {x}.",
        ]
        return Statement([], f"Solve for x: {polynomial([a, b])} = {right}.", x, steps)


class NumberPuzzle(ProgramFamily):
    key = "alg.think-of-a-number"
    topic = "algebra"
    title = "undo a chain of operations on an unknown number"
    seed_params = {"name": "Ines", "m": 3, "add": 7, "x": 9}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "name": draw.name(),
            "m": draw.int(2, 4 + 3 * difficulty),
            "add": draw.int(1, 20 * difficulty),
            "x": draw.int(2, 15 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        result = p["m"] * p["x"] + p["add"]
        facts = [
            f"{p['name']} thinks of a number, multiplies it by {p['m']} and then adds {p['add']}.",
            f"The result is {result}.",
        ]
        steps = [
            f"Undo the addition: {result} - {p['add']} = {result - p['add']}.",
            f"Undo the multiplication: {result - p['add']} ÷ {p['m']} = {p['x']}.",
        ]
        return Statement(facts, f"What number did {p['name']} think of?", p["x"], steps, people=[p["name"]])


class SumDifference(ProgramFamily):
    key = "alg.sum-and-difference"
    topic = "algebra"
    title = "two numbers from their sum and difference (a 2x2 system)"
    seed_params = {"x": 23, "y": 9}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        y = draw.int(1, 20 * difficulty)
        return {"x": y + draw.int(1, 25 * difficulty), "y": y}

    def build(self, p: Mapping[str, Any]) -> Statement:
        x, y = p["x"], p["y"]
        facts = [f"The sum of two numbers is {x + y}.", f"Their difference is {x - y}."]
        steps = [
            f"Adding the equations: 2 × larger = {x + y} + {x - y} = {2 * x}.",
            f"The larger number is {x}.",
        ]
        return Statement(facts, "What is the larger number?", x, steps, movable=[0, 1])

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        x, y = p["x"], p["y"]
        return Statement(
            [f"The sum of two numbers is {x + y}.", f"Their difference is {x - y}."],
            "What is the smaller number?",
            y,
            [
                f"Subtracting the equations: 2 × smaller = {x + y} - {x - y} = {2 * y}.",
                f"The smaller number is {y}.",
            ],
            movable=[0, 1],
        )


class QuadraticRoot(ProgramFamily):
    key = "alg.quadratic-root"
    topic = "algebra"
    title = "the larger root of a factorable quadratic"
    seed_params = {"r1": 2, "r2": 5, "a": 1}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        r1 = draw.int(-5 * difficulty, 5 * difficulty)
        r2 = draw.int(-5 * difficulty, 5 * difficulty)
        while r2 == r1:
            r2 = draw.int(-5 * difficulty, 5 * difficulty)
        return {"r1": r1, "r2": r2, "a": 1 if difficulty == 1 else draw.int(1, difficulty + 1)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        r1, r2, a = p["r1"], p["r2"], p["a"]
        b, c = -a * (r1 + r2), a * r1 * r2
        lead = "" if a == 1 else str(a)
        eq = f"{lead}x^2 {_signed(b)}x {_signed(c)} = 0"
        big = max(r1, r2)
        steps = [
            f"Factor: {lead}(x {_signed(-r1)})(x {_signed(-r2)}) = 0.",
            f"The roots are {r1} and {r2}.",
            f"The larger root is {big}.",
        ]
        return Statement([], f"What is the larger solution of {eq}?", big, steps)

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        s = self.build(p)
        r1, r2 = p["r1"], p["r2"]
        return Statement(
            [],
            s.question.replace("larger", "smaller"),
            min(r1, r2),
            [s.solution[0], s.solution[1], f"The smaller root is {min(r1, r2)}."],
        )


class EvaluatePolynomial(ProgramFamily):
    key = "alg.evaluate-polynomial"
    topic = "algebra"
    title = "evaluate a polynomial at a point"
    seed_params = {"coeffs": [2, -3, 1], "x": 4}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        coeffs = [draw.int(-6, 6) for _ in range(difficulty + 2)]
        coeffs[0] = draw.nonzero(-6, 6)
        return {"coeffs": coeffs, "x": draw.int(-4 - difficulty, 4 + difficulty)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        coeffs, x = list(p["coeffs"]), p["x"]
        n = len(coeffs) - 1
        values = [c * x ** (n - i) for i, c in enumerate(coeffs) if c]
        poly = polynomial(coeffs)
        total = sum(values)
        steps = [f"Substitute x = {x}: " + " + ".join(f"({v})" for v in values) + f" = {total}."]
        return Statement([], f"Let p(x) = {poly}. What is p({x})?", total, steps)


class AgesProblem(ProgramFamily):
    key = "alg.ages"
    topic = "algebra"
    title = "current ages from a ratio and a future sum"
    seed_params = {"parent": "Amara", "child": "Finn", "ratio": 4, "child_age": 8, "years": 5}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        parent, child = draw.names(2)
        return {
            "parent": parent,
            "child": child,
            "ratio": draw.int(2, 3 + difficulty),
            "child_age": draw.int(3, 6 + 4 * difficulty),
            "years": draw.int(1, 5 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        c, r, y = p["child_age"], p["ratio"], p["years"]
        total = c * r + c + 2 * y
        facts = [
            f"{p['parent']} is {r} times as old as {p['child']}.",
            f"In {y} years, the sum of their ages will be {total}.",
        ]
        steps = [
            f"Let {p['child']}'s age be a. Then {r}a + a + 2 × {y} = {total}.",
            f"{r + 1}a = {total - 2 * y}, so a = {c}.",
            f"{p['parent']} is {r} × {c} = {r * c} years old.",
        ]
        return Statement(
            facts, f"How old is {p['parent']} now?", r * c, steps, people=[p["parent"], p["child"]]
        )

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        s = self.build(p)
        return Statement(
            s.facts, f"How old is {p['child']} now?", p["child_age"], s.solution[:2], people=s.people
        )


class ConsecutiveIntegers(ProgramFamily):
    key = "alg.consecutive-integers"
    topic = "algebra"
    title = "the smallest of n consecutive integers with a given sum"
    seed_params = {"n": 3, "first": 17}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "n": draw.int(2, 2 + 2 * difficulty),
            "first": draw.int(-5 * (difficulty - 1), 30 * difficulty),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        n, a = p["n"], p["first"]
        total = n * a + n * (n - 1) // 2
        steps = [
            f"Let the smallest be m: the sum is {n}m + {n * (n - 1) // 2} = {total}.",
            f"{n}m = {total - n * (n - 1) // 2}, so m = {a}.",
        ]
        return Statement(
            [f"The sum of {n} consecutive integers is {total}."], "What is the smallest of them?", a, steps
        )

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        n, a = p["n"], p["first"]
        s = self.build(p)
        return Statement(
            s.facts,
            "What is the largest of them?",
            a + n - 1,
            [*s.solution, f"The largest is {a} + {n - 1} = {a + n - 1}."],
        )
