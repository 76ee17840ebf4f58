"""Word problems in the GSM8K style: unit rates (``UnitRate``) and multi-step stories (``MultiStepWord``).

A multi-step story is a short narrative built from a random sequence of actions (buy boxes of
something, give some away, use a fraction, earn wages, spend, ...). Each action is one sentence of
the prompt and one step of the reference solution, and is also recorded as a small program
(``params["program"]``) so that tests can replay the story with an independent interpreter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeVar

import numpy as np

from mathgym.generators.base import (
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    boxed,
    check_choices,
    check_range,
)
from mathgym.generators.formatting import fmt_decimal, fmt_money

T = TypeVar("T")

_NAMES = (
    ("Maria", "she", "her"),
    ("James", "he", "his"),
    ("Aisha", "she", "her"),
    ("Kenji", "he", "his"),
    ("Sofia", "she", "her"),
    ("Liam", "he", "his"),
    ("Priya", "she", "her"),
    ("Mateo", "he", "his"),
    ("Chloe", "she", "her"),
    ("Omar", "he", "his"),
    ("Hannah", "she", "her"),
    ("Diego", "he", "his"),
    ("Zoe", "she", "her"),
    ("Noah", "he", "his"),
    ("Amara", "she", "her"),
    ("Lucas", "he", "his"),
    ("Mei", "she", "her"),
    ("Ethan", "he", "his"),
    ("Fatima", "she", "her"),
    ("Jonas", "he", "his"),
)
_FRIENDS = ("Ben", "Lily", "Sam", "Nora", "Ravi", "Elena", "Tom", "Yuki", "Ada", "Leo")


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


def _person(rng: np.random.Generator) -> tuple[str, str, str]:
    return _pick(rng, _NAMES)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- unit rates -------------------------------------------------------------------------------------

_UNIT_KINDS = ("price", "speed", "work", "recipe")
_GOODS = (
    "notebooks",
    "pens",
    "apples",
    "muffins",
    "candles",
    "batteries",
    "stickers",
    "oranges",
    "mugs",
    "light bulbs",
)
_VEHICLES = (
    ("car", "kilometers"),
    ("train", "kilometers"),
    ("cyclist", "miles"),
    ("truck", "miles"),
    ("bus", "kilometers"),
)
_TASKS = (
    ("type", "pages", "minutes"),
    ("pack", "boxes", "minutes"),
    ("paint", "fence posts", "hours"),
    ("fold", "paper cranes", "minutes"),
    ("bake", "cookies", "hours"),
)
_INGREDIENTS = (
    ("flour", "cups"),
    ("sugar", "cups"),
    ("milk", "cups"),
    ("butter", "sticks"),
    ("rice", "cups"),
)


@dataclass(frozen=True)
class UnitRateConfig(GeneratorConfig):
    """:param kinds: question kinds, ``+``-joined from ``price``, ``speed``, ``work``, ``recipe``.
    :param max_quantity: largest count, duration or number of servings.
    :param cents: whether prices and amounts may have decimals (otherwise whole numbers).
    """

    kinds: str = "price+speed+work"
    max_quantity: int = 12
    cents: bool = False

    def validate(self) -> None:
        check_choices("kinds", self.kinds, _UNIT_KINDS)
        check_range("max_quantity", self.max_quantity, 3, 10**6)


class UnitRate(ProblemGenerator[UnitRateConfig]):
    name = "UnitRate"
    description = "Unit-rate and proportion word problems (prices, speeds, work rates, recipes)."
    topic = "word_problem"
    config_class = UnitRateConfig
    levels = (
        {"kinds": "price+speed", "max_quantity": 10, "cents": False},
        {"kinds": "price+speed+work", "max_quantity": 12, "cents": False},
        {"kinds": "price+speed+work+recipe", "max_quantity": 20, "cents": True},
        {"kinds": "price+speed+work+recipe", "max_quantity": 50, "cents": True},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: UnitRateConfig) -> Generated:
        kinds = check_choices("kinds", config.kinds, _UNIT_KINDS)
        kind = kinds[int(rng.integers(len(kinds)))]
        q = config.max_quantity
        n1 = int(rng.integers(2, q + 1))
        n2 = int(rng.integers(2, q + 1))
        if n2 == n1:
            n2 = n1 + 1
        if kind == "price":
            unit = (
                Fraction(int(rng.integers(5, 400)), 100)
                if config.cents
                else Fraction(int(rng.integers(1, 20)))
            )
            goods = _pick(rng, _GOODS)
            total1, answer_value = unit * n1, unit * n2
            prompt = f"If {n1} {goods} cost {fmt_money(total1)}, how much do {n2} {goods} cost, in dollars?"
            steps = [
                f"One of the {goods} costs {fmt_money(total1)} ÷ {n1} = {fmt_money(unit)}.",
                f"So {n2} {goods} cost {n2} × {fmt_money(unit)} = {fmt_money(answer_value)}.",
            ]
            params = {"kind": kind, "n1": n1, "total1": fmt_decimal(total1), "n2": n2}
        elif kind == "speed":
            vehicle, unit_name = _pick(rng, _VEHICLES)
            speed = Fraction(int(rng.integers(4, 25)) * 5)
            d1 = speed * n1
            if rng.random() < 0.5:  # how far in n2 hours
                answer_value = speed * n2
                prompt = (
                    f"A {vehicle} travels {fmt_decimal(d1)} {unit_name} in {n1} hours. At the same speed, "
                    f"how many {unit_name} does it travel in {n2} hours?"
                )
                steps = [
                    f"Its speed is {fmt_decimal(d1)} ÷ {n1} = {fmt_decimal(speed)} {unit_name} per hour.",
                    (
                        f"In {n2} hours it travels {n2} × {fmt_decimal(speed)} = {fmt_decimal(answer_value)} "
                        f"{unit_name}."
                    ),
                ]
                params = {"kind": kind, "ask": "distance", "d1": fmt_decimal(d1), "t1": n1, "t2": n2}
            else:  # how long for a distance (possibly a half hour more with cents)
                t2 = Fraction(n2) + (Fraction(1, 2) if config.cents and rng.random() < 0.5 else 0)
                d2 = speed * t2
                answer_value = t2
                prompt = (
                    f"A {vehicle} travels {fmt_decimal(d1)} {unit_name} in {n1} hours. At the same speed, "
                    f"how many hours does it take to travel {fmt_decimal(d2)} {unit_name}?"
                )
                steps = [
                    f"Its speed is {fmt_decimal(d1)} ÷ {n1} = {fmt_decimal(speed)} {unit_name} per hour.",
                    (
                        f"{fmt_decimal(d2)} {unit_name} take {fmt_decimal(d2)} ÷ {fmt_decimal(speed)} = "
                        f"{fmt_decimal(t2)} hours."
                    ),
                ]
                params = {"kind": kind, "ask": "time", "d1": fmt_decimal(d1), "t1": n1, "d2": fmt_decimal(d2)}
        elif kind == "work":
            name, pronoun, _ = _person(rng)
            verb, things, period = _pick(rng, _TASKS)
            # rate = per_block things every `block` periods, so every count shown is whole
            block = int(rng.integers(1, 4))
            per_block = int(rng.integers(2, 13))
            t1, t2 = block * n1, block * n2  # type: ignore[assignment]
            done1, answer_value = Fraction(per_block * n1), Fraction(per_block * n2)
            prompt = (
                f"{name} can {verb} {fmt_decimal(done1)} {things} in {t1} {period}. At this rate, how many "
                f"{things} can {pronoun} {verb} in {t2} {period}?"
            )
            rate = Fraction(per_block, block)
            steps = [
                (
                    f"{name}'s rate is {fmt_decimal(done1)} ÷ {t1} = "
                    f"{fmt_decimal(rate) if rate.denominator in (1, 2, 4, 5) else f'{per_block}/{block}'} "
                    f"{things} per {period[:-1]}."
                ),
                f"In {t2} {period}: {t2} × {per_block}/{block} = {fmt_decimal(answer_value)} {things}.",
            ]
            params = {"kind": kind, "done1": fmt_decimal(done1), "t1": t1, "t2": t2}
        else:  # recipe
            ingredient, unit_name = _pick(rng, _INGREDIENTS)
            per_serving = Fraction(int(rng.integers(1, 7)), 4 if config.cents else 2)
            amount1 = per_serving * n1
            if not config.cents and amount1.denominator != 1:
                n1 += 1
                amount1 = per_serving * n1
            answer_value = per_serving * n2
            prompt = (
                f"A recipe uses {fmt_decimal(amount1)} {unit_name} of {ingredient} to make {n1} servings. "
                f"How many {unit_name} of {ingredient} are needed for {n2} servings?"
            )
            steps = [
                (
                    f"Each serving needs {fmt_decimal(amount1)} ÷ {n1} = {fmt_decimal(per_serving)} "
                    f"{unit_name}."
                ),
                (
                    f"For {n2} servings: {n2} × {fmt_decimal(per_serving)} = {fmt_decimal(answer_value)} "
                    f"{unit_name}."
                ),
            ]
            params = {"kind": kind, "amount1": fmt_decimal(amount1), "n1": n1, "n2": n2}
        answer = fmt_decimal(answer_value)
        steps.append(boxed(answer))
        return Generated(prompt, answer, steps, "decimal" if "." in answer else "integer", params)


# -- multi-step stories -----------------------------------------------------------------------------

_STORIES = ("collection", "shopping", "earnings")
_COLLECTIONS = (
    ("marbles", "bags", "bag"),
    ("stickers", "packs", "pack"),
    ("cards", "boxes", "box"),
    ("shells", "buckets", "bucket"),
    ("stamps", "albums", "album"),
    ("beads", "jars", "jar"),
    ("books", "crates", "crate"),
    ("crayons", "boxes", "box"),
)
_FRACTIONS = (
    (1, 2, "half"),
    (1, 3, "a third"),
    (1, 4, "a quarter"),
    (2, 3, "two thirds"),
    (3, 4, "three quarters"),
    (1, 5, "a fifth"),
    (2, 5, "two fifths"),
)
_SHOP_GOODS = (
    ("notebooks", "a notebook"),
    ("shirts", "a shirt"),
    ("pencils", "a pencil"),
    ("water bottles", "a water bottle"),
    ("books", "a book"),
    ("plants", "a plant"),
    ("toy cars", "a toy car"),
    ("scarves", "a scarf"),
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EXPENSES = ("lunch", "a movie ticket", "bus fare", "a gift", "groceries", "a new game", "a haircut")


@dataclass(frozen=True)
class MultiStepWordConfig(GeneratorConfig):
    """:param steps: how many actions the story has before the question (each is a solution step).
    :param max_number: rough upper bound of the numbers in the story.
    :param stories: story kinds, ``+``-joined from ``collection``, ``shopping``, ``earnings``.
    """

    steps: int = 3
    max_number: int = 50
    stories: str = "collection+shopping+earnings"

    def validate(self) -> None:
        check_range("steps", self.steps, 1, 12)
        check_range("max_number", self.max_number, 10, 10**6)
        check_choices("stories", self.stories, _STORIES)


@dataclass
class _Story:
    value: int
    sentences: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    program: list[list] = field(default_factory=list)


class MultiStepWord(ProblemGenerator[MultiStepWordConfig]):
    name = "MultiStepWord"
    description = "Multi-step arithmetic word problems in the style of GSM8K (collections, shopping, wages)."
    topic = "word_problem"
    config_class = MultiStepWordConfig
    levels = (
        {"steps": 2, "max_number": 20, "stories": "collection"},
        {"steps": 3, "max_number": 50, "stories": "collection+shopping"},
        {"steps": 4, "max_number": 50, "stories": "collection+shopping+earnings"},
        {"steps": 5, "max_number": 100, "stories": "collection+shopping+earnings"},
        {"steps": 7, "max_number": 200, "stories": "collection+shopping+earnings"},
    )
    default_level = 2

    def generate(self, rng: np.random.Generator, config: MultiStepWordConfig) -> Generated:
        stories = check_choices("stories", config.stories, _STORIES)
        kind = stories[int(rng.integers(len(stories)))]
        name, pronoun, possessive = _person(rng)
        story, question = getattr(self, f"_{kind}")(rng, config, name, pronoun, possessive)
        answer = str(story.value)
        prompt = " ".join(story.sentences + [question])
        return Generated(
            prompt,
            answer,
            story.steps + [boxed(answer)],
            "integer",
            {"story": kind, "program": story.program},
        )

    # Each story keeps `value` a non-negative integer: every action checks that it is possible first.

    def _collection(
        self, rng: np.random.Generator, config: MultiStepWordConfig, name: str, pronoun: str, possessive: str
    ) -> tuple[_Story, str]:
        items, containers, container = _pick(rng, _COLLECTIONS)
        top = config.max_number
        start = int(rng.integers(max(2, top // 4), top + 1))
        story = _Story(start, [f"{name} has {start} {items}."], [], [["start", start]])
        friend = _pick(rng, _FRIENDS)
        for _ in range(config.steps):
            value = story.value
            options = ["add", "groups", "mul"] + (["sub"] if value >= 2 else [])
            options += ["fraction"] * any(value % d == 0 and value > 0 for _, d, _ in _FRACTIONS)
            op = _pick(rng, tuple(options))
            if op == "add":
                k = int(rng.integers(1, max(2, top // 2) + 1))
                story.sentences.append(f"{friend} gives {name} {k} more {items}.")
                story.steps.append(f"After {friend}'s gift: {value} + {k} = {value + k} {items}.")
                story.program.append(["add", k])
                story.value = value + k
            elif op == "groups":
                g, k = int(rng.integers(2, 7)), int(rng.integers(2, max(3, min(12, top // 3)) + 1))
                story.sentences.append(
                    f"{_cap(pronoun)} buys {g} {containers} of {items} with {k} {items} in each {container}."
                )
                story.steps.append(
                    f"The {containers} hold {g} × {k} = {g * k} {items}, so {name} has "
                    f"{value} + {g * k} = {value + g * k}."
                )
                story.program.append(["add_groups", g, k])
                story.value = value + g * k
            elif op == "mul":
                m = 2 if value > top * 3 or rng.random() < 0.7 else 3
                word = {2: "doubles", 3: "triples"}[m]
                story.sentences.append(f"Over the summer, the number of {items} {name} has {word}.")
                story.steps.append(f"It {word}: {value} × {m} = {value * m} {items}.")
                story.program.append(["mul", m])
                story.value = value * m
            elif op == "sub":
                k = int(rng.integers(1, value))
                story.sentences.append(f"{_cap(pronoun)} gives {k} {items} to {friend}.")
                story.steps.append(f"After giving {k} away: {value} - {k} = {value - k} {items}.")
                story.program.append(["sub", k])
                story.value = value - k
            else:
                p, d, word = _pick(rng, tuple(f for f in _FRACTIONS if value % f[1] == 0))
                used = value * p // d
                story.sentences.append(
                    f"{_cap(pronoun)} uses {word} of {possessive} {items} in an art project."
                )
                story.steps.append(
                    f"{_cap(word)} of {value} is {value} × {p}/{d} = {used}, so {value} - {used} = "
                    f"{value - used} {items} are left."
                )
                story.program.append(["use_fraction", p, d])
                story.value = value - used
        value = story.value
        divisors = [d for d in range(2, 9) if value % d == 0 and value > 0]
        ending = _pick(rng, ("count", "share", "sell") if divisors else ("count", "sell"))
        if ending == "share":
            d = _pick(rng, tuple(divisors))
            question = (
                f"{_cap(pronoun)} then shares all of {possessive} {items} equally among {d} friends. "
                f"How many {items} does each friend get?"
            )
            story.steps.append(f"Each friend gets {value} ÷ {d} = {value // d} {items}.")
            story.program.append(["share", d])
            story.value = value // d
        elif ending == "sell":
            price = int(rng.integers(2, 10))
            question = (
                f"{_cap(pronoun)} then sells all of {possessive} {items} for ${price} each. How many dollars "
                f"does {pronoun} earn?"
            )
            story.steps.append(
                f"Selling {value} {items} at ${price} each earns {value} × {price} = {value * price} dollars."
            )
            story.program.append(["sell", price])
            story.value = value * price
        else:
            question = f"How many {items} does {name} have now?"
            story.steps.append(f"{name} now has {value} {items}.")
        return story, question

    def _shopping(
        self, rng: np.random.Generator, config: MultiStepWordConfig, name: str, pronoun: str, possessive: str
    ) -> tuple[_Story, str]:
        top = config.max_number
        story = _Story(0, [], [], [])
        bought: set[int] = set()
        for i in range(config.steps):
            spent = story.value
            options = ["buy", "single"] + (["coupon"] if spent > 2 else [])
            options += ["percent"] * any(spent * p % 100 == 0 for p in (10, 20, 25, 50) if spent > 0)
            op = "buy" if i == 0 else _pick(rng, tuple(options))
            if op in ("buy", "single"):
                g = int(rng.integers(len(_SHOP_GOODS)))
                while g in bought and len(bought) < len(_SHOP_GOODS):
                    g = (g + 1) % len(_SHOP_GOODS)
                bought.add(g)
                plural, single = _SHOP_GOODS[g]
                price = int(rng.integers(1, max(2, top // 4) + 1))
                if op == "buy":
                    q = int(rng.integers(2, 9))
                    story.sentences.append(
                        f"{_cap(pronoun)} buys {q} {plural} for ${price} each."
                        if i
                        else f"{name} buys {q} {plural} for ${price} each."
                    )
                    story.steps.append(
                        f"The {plural} cost {q} × ${price} = ${q * price}; the total so far is "
                        f"${spent} + ${q * price} = ${spent + q * price}."
                        if spent
                        else f"The {plural} cost {q} × ${price} = ${q * price}."
                    )
                    story.program.append(["buy", q, price])
                    story.value = spent + q * price
                else:
                    story.sentences.append(f"{_cap(pronoun)} also buys {single} for ${price}.")
                    story.steps.append(f"Adding {single}: ${spent} + ${price} = ${spent + price}.")
                    story.program.append(["buy", 1, price])
                    story.value = spent + price
            elif op == "coupon":
                off = int(rng.integers(1, min(spent, max(2, top // 5)) + 1))
                off = min(off, spent - 1)
                story.sentences.append(f"{_cap(pronoun)} uses a coupon for ${off} off.")
                story.steps.append(f"The coupon takes off ${off}: ${spent} - ${off} = ${spent - off}.")
                story.program.append(["coupon", off])
                story.value = spent - off
            else:
                p = _pick(rng, tuple(p for p in (10, 20, 25, 50) if spent * p % 100 == 0))
                off = spent * p // 100
                story.sentences.append(f"At the register, {pronoun} gets {p}% off everything so far.")
                story.steps.append(
                    f"{p}% of ${spent} is ${off}, so the total becomes ${spent} - ${off} = ${spent - off}."
                )
                story.program.append(["percent_off", p])
                story.value = spent - off
        spent = story.value
        if rng.random() < 0.5:
            budget = spent + int(rng.integers(0, max(2, top) + 1))
            story.sentences.insert(0, f"{name} goes shopping with ${budget}.")
            story.steps.append(f"{name} has ${budget} - ${spent} = ${budget - spent} left.")
            story.program.insert(0, ["budget", budget])
            story.program.append(["left"])
            story.value = budget - spent
            return story, f"How many dollars does {name} have left?"
        story.steps.append(f"{name} spends ${spent} in total.")
        return story, f"How many dollars does {name} spend in total?"

    def _earnings(
        self, rng: np.random.Generator, config: MultiStepWordConfig, name: str, pronoun: str, possessive: str
    ) -> tuple[_Story, str]:
        top = config.max_number
        wage = int(rng.integers(5, max(6, top // 2) + 1))
        story = _Story(
            0, [f"{name} earns ${wage} per hour at {possessive} part-time job."], [], [["wage", wage]]
        )
        days = list(_DAYS)
        for i in range(config.steps):
            earned = story.value
            options = ["work", "bonus"] + (["spend"] if earned > 1 else [])
            op = "work" if i == 0 else _pick(rng, tuple(options))
            if op == "work" and days:
                day = days.pop(int(rng.integers(len(days))))
                hours = int(rng.integers(1, 9))
                story.sentences.append(f"On {day}, {pronoun} works {hours} hours.")
                story.steps.append(
                    f"On {day} {pronoun} earns {hours} × ${wage} = ${hours * wage}, so {pronoun} has "
                    f"${earned} + ${hours * wage} = ${earned + hours * wage}."
                    if earned
                    else f"On {day} {pronoun} earns {hours} × ${wage} = ${hours * wage}."
                )
                story.program.append(["work", hours])
                story.value = earned + hours * wage
            elif op == "spend":
                cost = int(rng.integers(1, earned))
                thing = _pick(rng, _EXPENSES)
                story.sentences.append(f"{_cap(pronoun)} spends ${cost} on {thing}.")
                story.steps.append(f"After paying for {thing}: ${earned} - ${cost} = ${earned - cost}.")
                story.program.append(["spend", cost])
                story.value = earned - cost
            else:
                bonus = int(rng.integers(1, max(2, top // 2) + 1))
                story.sentences.append(f"{_cap(pronoun)} also gets a ${bonus} tip.")
                story.steps.append(f"With the tip: ${earned} + ${bonus} = ${earned + bonus}.")
                story.program.append(["bonus", bonus])
                story.value = earned + bonus
        value = story.value
        fractions = tuple(f for f in _FRACTIONS if value % f[1] == 0 and value > 0)
        if fractions and rng.random() < 0.5:
            p, d, word = _pick(rng, fractions)
            saved = value * p // d
            story.steps.append(f"{_cap(word)} of ${value} is {value} × {p}/{d} = ${saved}.")
            story.program.append(["save_fraction", p, d])
            story.value = saved
            return story, (
                f"{_cap(pronoun)} saves {word} of the money {pronoun} has. How many dollars does "
                f"{pronoun} save?"
            )
        story.steps.append(f"{name} has ${value}.")
        return story, f"How many dollars does {name} have now?"
