"""Arithmetic and geometric sequences (``Sequences``): next terms, n-th terms, sums, terms from two terms."""

from __future__ import annotations

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
from mathgym.generators.formatting import fmt_number

_KINDS = ("next", "nth", "sum", "two_terms")
_ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else _ORDINAL_SUFFIX.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class SequencesConfig(GeneratorConfig):
    """:param kinds: question kinds, ``+``-joined from ``next``, ``nth``, ``sum``, ``two_terms``.
    :param geometric: whether geometric sequences appear (else arithmetic only).
    :param max_start: largest absolute first term.
    :param max_step: largest absolute common difference (arithmetic) or ratio (geometric).
    :param max_n: largest term index asked for.
    """

    kinds: str = "next+nth+sum"
    geometric: bool = False
    max_start: int = 20
    max_step: int = 9
    max_n: int = 30

    def validate(self) -> None:
        check_choices("kinds", self.kinds, _KINDS)
        check_range("max_start", self.max_start, 1, 10**6)
        check_range("max_step", self.max_step, 2, 1000)
        check_range("max_n", self.max_n, 5, 1000)


class Sequences(ProblemGenerator[SequencesConfig]):
    name = "Sequences"
    description = "Arithmetic and geometric sequences: next term, n-th term, sums, a term from two others."
    topic = "sequences"
    config_class = SequencesConfig
    levels = (
        {"kinds": "next", "geometric": False, "max_start": 20, "max_step": 9, "max_n": 10},
        {"kinds": "next+nth+sum", "geometric": False, "max_start": 20, "max_step": 9, "max_n": 30},
        {"kinds": "next+nth+sum+two_terms", "geometric": True, "max_start": 30, "max_step": 5, "max_n": 12},
        {"kinds": "nth+sum+two_terms", "geometric": True, "max_start": 100, "max_step": 12, "max_n": 60},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: SequencesConfig) -> Generated:
        kinds = check_choices("kinds", config.kinds, _KINDS)
        kind = kinds[int(rng.integers(len(kinds)))]
        geometric = config.geometric and kind != "two_terms" and rng.random() < 0.5
        start = int(rng.integers(1, config.max_start + 1)) * (1 if rng.random() < 0.8 else -1)
        if geometric:  # small ratios keep the numbers readable; negative ratios alternate the sign
            ratio = int(rng.integers(2, min(config.max_step, 5) + 1)) * (1 if rng.random() < 0.75 else -1)
            n = int(rng.integers(4, min(config.max_n, 12) + 1))
            term = [Fraction(start * ratio**i) for i in range(n + 1)]
            rule, step_text = f"each term is the previous one times {ratio}", f"common ratio r = {ratio}"
        else:
            ratio = int(rng.integers(1, config.max_step + 1)) * (1 if rng.random() < 0.7 else -1)
            n = int(rng.integers(4, config.max_n + 1))
            term = [Fraction(start + ratio * i) for i in range(n + 1)]
            rule, step_text = f"each term is the previous one plus {ratio}", f"common difference d = {ratio}"
        shown = ", ".join(fmt_number(t) for t in term[:4])
        name = "geometric" if geometric else "arithmetic"
        if kind == "next":
            value = term[4]
            prompt = f"What is the next term of the sequence {shown}, ...?"
            steps = [
                f"The {step_text}: {rule}.",
                (
                    f"The next term is {fmt_number(term[3])} "
                    f"{'×' if geometric else '+'} {ratio if ratio >= 0 or geometric else f'({ratio})'} = "
                    f"{fmt_number(value)}."
                ),
            ]
        elif kind == "nth":
            value = term[n - 1]
            prompt = f"What is the {_ordinal(n)} term of the {name} sequence {shown}, ...?"
            formula = (
                f"a_n = {start} × ({ratio})^(n - 1)" if geometric else f"a_n = {start} + (n - 1) × ({ratio})"
            )
            steps = [
                f"The first term is {start} and the {step_text}, so {formula}.",
                f"For n = {n}: a_{n} = {fmt_number(value)}.",
            ]
        elif kind == "sum":
            value = sum(term[:n])  # type: ignore[assignment]
            prompt = f"What is the sum of the first {n} terms of the {name} sequence {shown}, ...?"
            if geometric:
                steps = [
                    f"The first term is a = {start} and the {step_text}.",
                    f"S_n = a(r^n - 1)/(r - 1) = {start}(({ratio})^{n} - 1)/({ratio} - 1) = {fmt_number(value)}.",
                ]
            else:
                last = fmt_number(term[n - 1]) if term[n - 1] >= 0 else f"({fmt_number(term[n - 1])})"
                steps = [
                    f"The first term is {start} and the {_ordinal(n)} term is {fmt_number(term[n - 1])}.",
                    f"S_n = n(a_1 + a_n)/2 = {n} × ({start} + {last})/2 = {fmt_number(value)}.",
                ]
        else:  # two terms of an arithmetic sequence given; find a third
            i, j = sorted(int(v) for v in rng.choice(np.arange(1, min(n - 1, 15) + 1), size=2, replace=False))
            value = term[n - 1]
            prompt = (
                f"In an arithmetic sequence, the {_ordinal(i)} term is {fmt_number(term[i - 1])} and the "
                f"{_ordinal(j)} term is {fmt_number(term[j - 1])}. What is the {_ordinal(n)} term?"
            )
            steps = [
                (
                    f"From the {_ordinal(i)} to the {_ordinal(j)} term the difference is added {j - i} times: "
                    f"d = ({fmt_number(term[j - 1])} - {fmt_number(term[i - 1])})/{j - i} = {ratio}."
                ),
                *(
                    [f"The first term is {fmt_number(term[i - 1])} - {i - 1} × ({ratio}) = {start}."]
                    if i > 1
                    else []
                ),
                f"The {_ordinal(n)} term is {start} + {n - 1} × ({ratio}) = {fmt_number(value)}.",
            ]
        answer = fmt_number(value)
        steps.append(boxed(answer))
        return Generated(
            prompt,
            answer,
            steps,
            "integer",
            {"kind": kind, "geometric": geometric, "start": start, "step": ratio, "n": n},
        )
