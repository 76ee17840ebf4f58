"""Percentages (``Percentages``): percent of, what percent, percent change, reverse and successive changes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

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

_KINDS = ("of", "what", "change", "reverse", "successive")
_ITEMS = ("jacket", "bicycle", "laptop", "lamp", "backpack", "guitar", "camera", "sofa", "watch", "printer")


@dataclass(frozen=True)
class PercentagesConfig(GeneratorConfig):
    """:param kinds: question kinds, ``+``-joined from ``of``, ``what``, ``change``, ``reverse``, ``successive``.
    :param max_value: largest base number or price (roughly).
    :param percent_step: percentages are multiples of this (10, 5, 1, ...).
    :param half_percents: also allow percentages like 12.5%.
    """

    kinds: str = "of+what"
    max_value: int = 200
    percent_step: int = 5
    half_percents: bool = False

    def validate(self) -> None:
        check_choices("kinds", self.kinds, _KINDS)
        check_range("max_value", self.max_value, 10, 10**7)
        check_range("percent_step", self.percent_step, 1, 50)


def _pct(p: Fraction) -> str:
    return f"{fmt_decimal(p)}%"


class Percentages(ProblemGenerator[PercentagesConfig]):
    name = "Percentages"
    description = "Percent of a number, what percent, percent change, discounts and successive changes."
    topic = "percentages"
    config_class = PercentagesConfig
    levels = (
        {"kinds": "of", "max_value": 100, "percent_step": 10, "half_percents": False},
        {"kinds": "of+what", "max_value": 200, "percent_step": 5, "half_percents": False},
        {"kinds": "of+what+change+reverse", "max_value": 500, "percent_step": 5, "half_percents": False},
        {
            "kinds": "of+what+change+reverse+successive",
            "max_value": 1000,
            "percent_step": 1,
            "half_percents": False,
        },
        {
            "kinds": "of+what+change+reverse+successive",
            "max_value": 5000,
            "percent_step": 1,
            "half_percents": True,
        },
    )
    default_level = 1

    def _percent(
        self, rng: np.random.Generator, config: PercentagesConfig, low: int = 1, high: int = 99
    ) -> Fraction:
        step = Fraction(config.percent_step)
        if config.half_percents and rng.random() < 0.3:
            step = Fraction(1, 2)
        choices = max(1, int(high / step))
        first = max(1, math.ceil(low / step))
        return step * int(rng.integers(first, max(first, choices) + 1))

    @staticmethod
    def _multiple_of_needed(p: Fraction) -> int:
        """The least base n for which p% of n is a whole number."""
        return (p / 100).denominator

    def generate(self, rng: np.random.Generator, config: PercentagesConfig) -> Generated:
        kinds = check_choices("kinds", config.kinds, _KINDS)
        kind = kinds[int(rng.integers(len(kinds)))]
        return getattr(self, f"_{kind}")(rng, config)

    def _base(self, rng: np.random.Generator, config: PercentagesConfig, p: Fraction) -> int:
        unit = self._multiple_of_needed(p)
        top = max(1, config.max_value // unit)
        return unit * int(rng.integers(1, top + 1))

    def _of(self, rng: np.random.Generator, config: PercentagesConfig) -> Generated:
        p = self._percent(rng, config, high=100 if rng.random() < 0.9 else 300)
        n = int(rng.integers(1, config.max_value + 1))
        result = p * n / 100
        answer = fmt_decimal(result)
        steps = [
            f"{_pct(p)} of {n} means {fmt_decimal(p)}/100 × {n}.",
            f"{fmt_decimal(p)} × {n} = {fmt_decimal(p * n)}, and {fmt_decimal(p * n)} ÷ 100 = {answer}.",
            boxed(answer),
        ]
        return Generated(
            f"What is {_pct(p)} of {n}?",
            answer,
            steps,
            "decimal",
            {"kind": "of", "percent": fmt_decimal(p), "base": n},
        )

    def _what(self, rng: np.random.Generator, config: PercentagesConfig) -> Generated:
        p = self._percent(rng, config)
        whole = self._base(rng, config, p)
        part = p * whole / 100
        answer = fmt_decimal(p)
        steps = [
            f"The fraction is {fmt_decimal(part)} ÷ {whole}.",
            f"{fmt_decimal(part)} ÷ {whole} × 100 = {answer}, so {fmt_decimal(part)} is {answer}% of {whole}.",
            boxed(answer),
        ]
        return Generated(
            f"{fmt_decimal(part)} is what percent of {whole}?",
            answer,
            steps,
            "decimal",
            {"kind": "what", "part": fmt_decimal(part), "whole": whole},
        )

    def _change(self, rng: np.random.Generator, config: PercentagesConfig) -> Generated:
        up = bool(rng.random() < 0.5)
        p = self._percent(rng, config, high=100 if up else 90)
        old = self._base(rng, config, p)
        new = old * (100 + p) / 100 if up else old * (100 - p) / 100
        item = _ITEMS[int(rng.integers(len(_ITEMS)))]
        word, verb = ("increase", "rose") if up else ("decrease", "fell")
        answer = fmt_decimal(p)
        diff = abs(new - old)
        steps = [
            f"The change is {fmt_money(new)} - {fmt_money(old)}, an {word} of {fmt_money(diff)}."
            if up
            else f"The change is {fmt_money(old)} - {fmt_money(new)}, a {word} of {fmt_money(diff)}.",
            f"As a percent of the original price: {fmt_decimal(diff)} ÷ {old} × 100 = {answer}.",
            boxed(answer),
        ]
        prompt = (
            f"The price of a {item} {verb} from {fmt_money(old)} to {fmt_money(new)}. "
            f"By what percent did the price {word}?"
        )
        return Generated(
            prompt,
            answer,
            steps,
            "decimal",
            {"kind": "change", "old": old, "new": fmt_decimal(new), "direction": word},
        )

    def _reverse(self, rng: np.random.Generator, config: PercentagesConfig) -> Generated:
        p = self._percent(rng, config, high=80)
        original = self._base(rng, config, p)
        sale = original * (100 - p) / 100
        item = _ITEMS[int(rng.integers(len(_ITEMS)))]
        answer = fmt_decimal(original)
        rest = 100 - p
        steps = [
            f"After a {_pct(p)} discount the price is {_pct(rest)} of the original.",
            f"So the original price is {fmt_decimal(sale)} ÷ ({fmt_decimal(rest)}/100) = {answer} dollars.",
            boxed(answer),
        ]
        prompt = (
            f"After a {_pct(p)} discount, a {item} costs {fmt_money(sale)}. "
            f"What was its original price, in dollars?"
        )
        return Generated(
            prompt,
            answer,
            steps,
            "decimal",
            {"kind": "reverse", "percent": fmt_decimal(p), "sale": fmt_decimal(sale)},
        )

    def _successive(self, rng: np.random.Generator, config: PercentagesConfig) -> Generated:
        up = self._percent(rng, config, high=60)
        down = self._percent(rng, config, high=60)
        original = 100 * int(rng.integers(1, max(2, config.max_value // 100 + 1)))
        raised = original * (100 + up) / 100
        final = raised * (100 - down) / 100
        item = _ITEMS[int(rng.integers(len(_ITEMS)))]
        answer = fmt_decimal(final)
        steps = [
            f"After the {_pct(up)} increase: {original} × {fmt_decimal(100 + up)}/100 = {fmt_decimal(raised)}.",
            f"After the {_pct(down)} decrease: {fmt_decimal(raised)} × {fmt_decimal(100 - down)}/100 = {answer}.",
            boxed(answer),
        ]
        prompt = (
            f"A {item} costs {fmt_money(original)}. Its price is raised by {_pct(up)}, and then the new "
            f"price is lowered by {_pct(down)}. What is the final price, in dollars?"
        )
        return Generated(
            prompt,
            answer,
            steps,
            "decimal",
            {"kind": "successive", "original": original, "up": fmt_decimal(up), "down": fmt_decimal(down)},
        )
