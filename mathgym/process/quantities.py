"""The numbers a text states, read the way mathgym's generators write them.

A minus sign belongs to a number only when it is attached to it (``-12``, ``(-7)``); a binary minus is
written with spaces (``x - 3``), so ``3`` there is the number 3. Thousands separators and decimals are
read (``$1,200.50``); ``3/4`` is the two numbers 3 and 4 (and the fraction literal 3/4 for the checker).
"""

from __future__ import annotations

import re
from fractions import Fraction

from mathgym.problem import Problem

_SIGNED = re.compile(
    r"(?P<sign>(?<![\w)\]}.])-)?(?<![\w.])(?P<int>\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?P<frac>\.\d+)?"
)
_FRACTION = re.compile(r"(?<![\w./])(?P<sign>-?)(?P<num>\d+)/(?P<den>\d+)(?![\d.])")


def signed_numbers(text: str) -> list[Fraction]:
    """Every number written in ``text``, with its sign when the sign is attached."""
    out = []
    for match in _SIGNED.finditer(text):
        value = Fraction(match["int"].replace(",", "") + (match["frac"] or ""))
        out.append(-value if match["sign"] else value)
    return out


def fraction_literals(text: str) -> list[Fraction]:
    """The values of ``a/b`` literals written without spaces (``3/4``, ``-19/5``)."""
    out = []
    for match in _FRACTION.finditer(text):
        if int(match["den"]) == 0:
            continue
        value = Fraction(int(match["num"]), int(match["den"]))
        out.append(-value if match["sign"] else value)
    return out


def problem_numbers(problem: Problem, steps: list[str] | None = None) -> frozenset[Fraction]:
    """The quantities of the correct solution: the numbers of the prompt, of the reference solution
    (or ``steps``) and of the gold answer, with fraction literals' values."""
    texts = [problem.prompt, problem.answer or "", *(problem.solution if steps is None else steps)]
    values: set[Fraction] = set()
    for text in texts:
        values.update(signed_numbers(text))
        values.update(fraction_literals(text))
    return frozenset(values)
