"""Geometry-in-words program families (lengths share one unit, so relabelling the unit keeps the answer)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mathgym.variants.base import format_number
from mathgym.variants.program import Draw, ProgramFamily, Statement

_LENGTHS = ["meters", "feet", "yards", "centimeters", "inches"]
_TRIPLES = [(3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25), (20, 21, 29), (9, 40, 41)]


class RectangleArea(ProgramFamily):
    key = "geo.rectangle-from-perimeter"
    topic = "geometry"
    title = "area of a rectangle from its perimeter and width"
    seed_params = {"w": 6, "l": 10, "unit": "meters", "name": "Naledi"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        w = draw.int(2, 10 * difficulty)
        return {
            "w": w,
            "l": w + draw.int(1, 10 * difficulty),
            "unit": draw.choice(_LENGTHS),
            "name": draw.name(),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        w, ln, u = p["w"], p["l"], p["unit"]
        per = 2 * (w + ln)
        facts = [
            f"{p['name']} fences a rectangular garden with {per} {u} of fence.",
            f"The garden is {w} {u} wide.",
        ]
        steps = [f"Length = {per}/2 - {w} = {ln} {u}.", f"Area = {ln} × {w} = {ln * w} square {u}."]
        return Statement(
            facts,
            f"What is the area of the garden in square {u}?",
            ln * w,
            steps,
            movable=[0, 1],
            people=[p["name"]],
            units=[u],
        )

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        s = self.build(p)
        return Statement(
            s.facts,
            f"How long is the garden in {p['unit']}?",
            p["l"],
            s.solution[:1],
            movable=[0, 1],
            people=s.people,
            units=s.units,
        )


class Hypotenuse(ProgramFamily):
    key = "geo.ladder-hypotenuse"
    topic = "geometry"
    title = "Pythagoras: a ladder against a wall"
    seed_params = {"triple": [3, 4, 5], "scale": 2, "unit": "meters"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "triple": list(draw.choice(_TRIPLES[: 2 + 2 * difficulty])),
            "scale": draw.int(1, 2 + difficulty),
            "unit": draw.choice(_LENGTHS[:3]),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b, c = (v * p["scale"] for v in p["triple"])
        u = p["unit"]
        facts = [
            "A ladder leans against a vertical wall.",
            f"Its foot is {a} {u} from the wall.",
            f"Its top touches the wall {b} {u} above the ground.",
        ]
        steps = [f"Ladder² = {a}² + {b}² = {a * a} + {b * b} = {c * c}.", f"Ladder = √{c * c} = {c} {u}."]
        return Statement(facts, f"How long is the ladder in {u}?", c, steps, movable=[1, 2], units=[u])


class TriangleAngle(ProgramFamily):
    key = "geo.triangle-angle"
    topic = "geometry"
    title = "the third angle of a triangle"
    seed_params = {"a": 50, "b": 65}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        a = draw.int(10, 120)
        return {"a": a, "b": draw.int(5, 170 - a)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        a, b = p["a"], p["b"]
        facts = [f"One angle of a triangle measures {a} degrees.", f"Another angle measures {b} degrees."]
        return Statement(
            facts,
            "How many degrees does the third angle measure?",
            180 - a - b,
            [f"The angles add up to 180: 180 - {a} - {b} = {180 - a - b}."],
            movable=[0, 1],
        )


class BoxVolume(ProgramFamily):
    key = "geo.cubes-in-box"
    topic = "geometry"
    title = "how many unit cubes fill a box"
    seed_params = {"l": 4, "w": 3, "h": 2, "side": 1, "unit": "centimeters"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        side = 1 if difficulty == 1 else draw.int(2, difficulty + 1)
        return {
            "l": side * draw.int(2, 4 * difficulty),
            "w": side * draw.int(2, 4 * difficulty),
            "h": side * draw.int(1, 3 * difficulty),
            "side": side,
            "unit": draw.choice(_LENGTHS),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        ln, w, h, s, u = p["l"], p["w"], p["h"], p["side"], p["unit"]
        n = (ln // s) * (w // s) * (h // s)
        facts = [
            f"A box is {ln} {u} long, {w} {u} wide and {h} {u} tall.",
            f"It is packed with cubes whose edges are {s} {u} long.",
        ]
        steps = [
            f"Along each edge: {ln // s}, {w // s} and {h // s} cubes.",
            f"{ln // s} × {w // s} × {h // s} = {n} cubes.",
        ]
        return Statement(facts, "How many cubes fit in the box?", n, steps, movable=[0, 1], units=[u])


class PathAroundGarden(ProgramFamily):
    key = "geo.path-area"
    topic = "geometry"
    title = "area of a path of constant width around a rectangle"
    seed_params = {"l": 12, "w": 8, "d": 2, "unit": "meters", "name": "Hugo"}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "l": draw.int(5, 15 * difficulty),
            "w": draw.int(3, 10 * difficulty),
            "d": draw.int(1, 2 * difficulty),
            "unit": draw.choice(_LENGTHS[:3]),
            "name": draw.name(),
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        ln, w, d, u = p["l"], p["w"], p["d"], p["unit"]
        outer = (ln + 2 * d) * (w + 2 * d)
        facts = [
            f"{p['name']}'s lawn is a rectangle {ln} {u} long and {w} {u} wide.",
            f"A path {d} {u} wide runs all the way around the outside of the lawn.",
        ]
        steps = [
            f"Lawn with path: ({ln} + 2×{d}) × ({w} + 2×{d}) = {ln + 2 * d} × {w + 2 * d} = {outer}.",
            f"Path = {outer} - {ln} × {w} = {outer - ln * w} square {u}.",
        ]
        return Statement(
            facts,
            f"What is the area of the path in square {u}?",
            outer - ln * w,
            steps,
            people=[p["name"]],
            units=[u],
        )


class CircleArea(ProgramFamily):
    key = "geo.circle-area"
    topic = "geometry"
    title = "area of a circle with pi taken as 3.14"
    seed_params = {"r": 5, "unit": "meters", "diameter": False}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        return {
            "r": draw.int(1, 6 * difficulty),
            "unit": draw.choice(_LENGTHS),
            "diameter": difficulty >= 2 and draw.int(0, 1) == 1,
        }

    def build(self, p: Mapping[str, Any]) -> Statement:
        r, u = p["r"], p["unit"]
        area = Fraction(314, 100) * r * r
        given = f"a diameter of {2 * r} {u}" if p["diameter"] else f"a radius of {r} {u}"
        steps = ([f"The radius is {2 * r}/2 = {r} {u}."] if p["diameter"] else []) + [
            f"Area = 3.14 × {r}² = 3.14 × {r * r} = {format_number(area)} square {u}."
        ]
        return Statement(
            [f"A circular pond has {given}."],
            f"Using 3.14 for pi, what is the area of the pond in square {u}?",
            area,
            steps,
            units=[u],
        )


class RegularPolygon(ProgramFamily):
    key = "geo.polygon-angle"
    topic = "geometry"
    title = "interior angle of a regular polygon"
    seed_params = {"n": 6}

    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        choices = [n for n in range(3, 13 + 12 * difficulty) if 360 % n == 0]
        return {"n": draw.choice(choices)}

    def build(self, p: Mapping[str, Any]) -> Statement:
        n = p["n"]
        total = (n - 2) * 180
        steps = [
            f"Sum of interior angles: ({n} - 2) × 180 = {total}.",
            f"Each angle: {total} ÷ {n} = {total // n}.",
        ]
        return Statement(
            [f"A regular polygon has {n} sides."],
            "How many degrees is each interior angle?",
            total // n,
            steps,
        )

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        n = p["n"]
        return Statement(
            [f"A regular polygon has {n} sides."],
            "How many degrees is each exterior angle?",
            360 // n,
            [f"The exterior angles add up to 360: 360 ÷ {n} = {360 // n}."],
        )
