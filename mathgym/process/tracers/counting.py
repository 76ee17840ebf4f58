"""Tracers of ``Combinatorics`` and ``Probability``: counts, with the classic wrong formulas (order counted
when it does not matter, the overlap not subtracted, ``n(n + 1)/2`` for pairs) as wrong-formula errors."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from math import comb, factorial, perm

from mathgym.generators.base import boxed
from mathgym.generators.formatting import fmt_number
from mathgym.generators.probability import _COLORS, _dice_sum_counts
from mathgym.problem import Problem
from mathgym.process.tape import SIGN, SLIP, InjectionSkipped, Tape
from mathgym.process.tracers import UnsupportedProblem, tracer

_SYMBOL = {"add": "+", "sub": "-", "mul": "×", "div": "÷"}


def _natural(value: object) -> int:
    """Counts stay natural numbers; a wrong value that is not one cannot continue the solution."""
    if not isinstance(value, int) or value < 0:
        raise InjectionSkipped(f"{value!r} is not a count")
    return value


@tracer("Combinatorics")
def trace_combinatorics(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    kind = params["kind"]
    if kind == "line":
        n = _natural(tape.given(params["n"]))
        tape.emit(f"There are {n} choices for the first place, {n - 1} for the second, and so on.")
        value = _natural(tape.value(factorial(n), alternatives=[n * (n - 1), factorial(n - 1)]))
        tape.emit(f"So the count is {n}! = {value}.")
    elif kind == "adjacent":
        people = params["people"]
        n, a, b = len(people), people[0], people[1]
        units = _natural(tape.value(n - 1, alternatives=[n]))
        ways = _natural(tape.value(factorial(units)))
        tape.emit(f"Glue {a} and {b} into one block: {units} units can be ordered in {units}! = {ways} ways.")
        calc = tape.calc("mul", 2, ways)
        value = _natural(calc.value)
        tape.emit(f"Inside the block they can stand in 2 orders, so 2 {_SYMBOL[calc.op]} {calc.b} = {value}.")
    elif kind == "committee":
        n, k = params["n"], params["k"]
        tape.emit(f"The order of the chosen members does not matter, so count combinations: C({n}, {k}).")
        value = _natural(tape.value(comb(n, k), alternatives=[perm(n, k)]))
        tape.emit(f"C({n}, {k}) = {n}! / ({k}! × {n - k}!) = {value}.")
    elif kind == "mixed_committee":
        women, men, k, j = params["women"], params["men"], params["k"], params["j"]
        cw = _natural(tape.value(comb(women, j), alternatives=[perm(women, j)]))
        cm = _natural(tape.value(comb(men, k - j), alternatives=[perm(men, k - j)]))
        tape.emit(f"Choose the women: C({women}, {j}) = {cw}; choose the men: C({men}, {k - j}) = {cm}.")
        calc = tape.calc("mul", cw, cm, kinds=(SLIP, "wrong_operation"))
        value = _natural(calc.value)
        tape.emit(f"Multiply: {calc.a} {_SYMBOL[calc.op]} {calc.b} = {value}.")
    elif kind == "word":
        word = params["word"]
        counts = Counter(word)
        repeats = ", ".join(f"{letter} {c} times" for letter, c in sorted(counts.items()) if c > 1)
        tape.emit(f"{word} has {len(word)} letters, with {repeats}.")
        top = _natural(tape.value(factorial(len(word))))
        denominator = 1
        plain = 1
        for c in counts.values():
            denominator *= factorial(c)
            plain *= c
        denominator = _natural(tape.value(denominator, alternatives=[plain] if plain != denominator else []))
        calc = tape.calc("div", top, denominator, kinds=(SLIP,))
        value = _natural(calc.value)
        tape.emit(f"Divide {len(word)}! by the factorials of the repeats: {top} / {denominator} = {value}.")
    elif kind == "code":
        factors = tape.terms([10 - i for i in range(params["length"])])
        shown = " × ".join(str(f) for f in factors)
        tape.emit(f"Each position has one choice fewer than the one before: {shown}.")
        product = 1
        for f in factors:
            product *= f
        value = _natural(tape.value(product))
        tape.emit(f"{shown} = {value}.")
    elif kind == "handshake":
        n = params["n"]
        formula = tape.value("n(n - 1)/2", alternatives=["n(n + 1)/2", "n(n - 1)"], kinds=("wrong_formula",))
        tape.emit(f"Each handshake is a pair of people, so count the pairs: C(n, 2) = {formula}.")
        second, halve = {
            "n(n - 1)/2": (n - 1, True),
            "n(n + 1)/2": (n + 1, True),
            "n(n - 1)": (n - 1, False),
        }[formula]
        value = _natural(tape.value(n * second // 2 if halve else n * second))
        tape.emit(f"C({n}, 2) = {n} × {second}{' / 2' if halve else ''} = {value}.")
    else:
        raise UnsupportedProblem(f"unknown combinatorics kind {kind!r}")
    tape.emit(boxed(str(value)))


# ---------------------------------------------------------------------------------------- Probability
@tracer("Probability")
def trace_probability(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    kind = params["kind"]
    favourable, total = {"dice": _dice, "coins": _coins, "urn": _urn, "cards": _cards}[kind](params, tape)
    if total <= 0 or favourable < 0:
        raise InjectionSkipped("a probability needs a positive count of outcomes")
    value = Fraction(favourable, total)
    if f"{favourable}/{total}" == fmt_number(value):
        shown = f"{favourable}/{total}"
    else:
        value = Fraction(tape.value(value, kinds=(SLIP,)))
        shown = f"{favourable}/{total} = {fmt_number(value)}"
    tape.emit(f"The probability is {shown}. {boxed(fmt_number(value))}")


def _dice(params: dict, tape: Tape) -> tuple[int, int]:
    n, event = params["dice"], params["event"]
    if event == "at_least_one_six":
        total = _natural(tape.value(6**n, alternatives=[6 * n]))
        tape.emit(f"There are 6^{n} = {total} equally likely outcomes.")
        none = _natural(tape.value(5**n, alternatives=[5 * n]))
        calc = tape.calc("sub", total, none, kinds=(SLIP, SIGN))
        tape.emit(
            f"Outcomes with no 6: 5^{n} = {none}, so {total} - {none} = {calc.value} have at least one 6."
        )
        return _natural(calc.value), total
    s, counts = params["sum"], _dice_sum_counts(n)
    if event == "equal":
        if n > 1:
            total = _natural(tape.value(6**n, alternatives=[6 * n]))
            tape.emit(f"There are 6^{n} = {total} equally likely outcomes.")
        else:
            total = _natural(tape.given(6))
            tape.emit(f"There are {total} equally likely outcomes.")
        favourable = _natural(tape.value(counts[s]))
        tape.emit(f"{favourable} of them give {'a sum of ' if n > 1 else ''}{s}.")
        return favourable, total
    total = _natural(tape.given(6**n))
    tape.emit(f"There are {total} equally likely outcomes.")
    strict = sum(w for t, w in counts.items() if t > s)  # "at least" read as "more than"
    favourable = _natural(tape.value(sum(w for t, w in counts.items() if t >= s), alternatives=[strict]))
    tape.emit(
        f"Counting the outcomes with {'a sum of ' if n > 1 else 'a value of '}at least {s} gives {favourable}."
    )
    return favourable, total


def _coins(params: dict, tape: Tape) -> tuple[int, int]:
    n, k = params["tosses"], params["heads"]
    total = _natural(tape.value(2**n, alternatives=[2 * n]))
    tape.emit(f"There are 2^{n} = {total} equally likely sequences.")
    if params["event"] == "exactly":
        favourable = _natural(tape.value(comb(n, k), alternatives=[perm(n, k)]))
        tape.emit(f"Choosing which {k} tosses are heads: C({n}, {k}) = {favourable}.")
        return favourable, total
    heads = tape.terms(list(range(k, n + 1)))
    favourable = _natural(tape.value(sum(comb(n, j) for j in heads)))
    tape.emit(
        "Sequences with at least "
        + f"{k} heads: "
        + " + ".join(f"C({n}, {j})" for j in heads)
        + f" = {favourable}."
    )
    return favourable, total


def _urn(params: dict, tape: Tape) -> tuple[int, int]:
    counts, m, target, j = params["counts"], params["draws"], params["target"], params["exactly"]
    colors = _COLORS[: len(counts)]
    c = counts[target]
    size = _natural(tape.value(sum(counts)))
    total = _natural(tape.value(comb(size, m), alternatives=[perm(size, m)] if m > 1 else []))
    tape.emit(f"There are {size} balls, so C({size}, {m}) = {total} equally likely draws.")
    other = _natural(tape.calc("sub", size, c, kinds=(SLIP,)).value)
    right = comb(c, j) * comb(other, m - j)
    favourable = _natural(tape.value(right, alternatives=[comb(c, j) + comb(other, m - j)]))
    tape.emit(
        f"Choose {j} of the {c} {colors[target]} balls and {m - j} of the other {other}: "
        f"C({c}, {j}) × C({other}, {m - j}) = {favourable}."
    )
    return favourable, total


def _cards(params: dict, tape: Tape) -> tuple[int, int]:
    event = params["event"]
    if event in ("two_same_rank", "two_same_suit"):
        total = _natural(tape.value(1326, alternatives=[2652]))  # ordered pairs counted
        tape.emit(f"There are C(52, 2) = {total} equally likely pairs.")
        if event == "two_same_rank":
            favourable = _natural(tape.value(78, alternatives=[156]))
            tape.emit(f"Pairs of equal rank: 13 ranks × C(4, 2) = {favourable}.")
        else:
            favourable = _natural(tape.value(312, alternatives=[624]))
            tape.emit(f"Pairs of one suit: 4 suits × C(13, 2) = {favourable}.")
        return favourable, total
    total = _natural(tape.given(52))
    tape.emit(f"There are {total} equally likely cards.")
    if event == "suit":
        favourable = _natural(tape.given(13))
        tape.emit(f"{favourable} of them are {params['suit']}.")
    elif event == "face":
        calc = tape.calc("mul", 3, 4, kinds=(SLIP, "wrong_operation"))
        favourable = _natural(calc.value)
        tape.emit(f"There are 3 face cards in each of 4 suits: {favourable}.")
    elif event == "rank_or_suit":
        favourable = _natural(tape.value(16, alternatives=[17]))  # the overlap not subtracted
        tape.emit(
            f"By inclusion-exclusion: 4 cards of rank {params['rank']} + 13 {params['suit']} - 1 card that is "
            f"both = {favourable}."
        )
    elif event == "red_not_face":
        favourable = _natural(tape.calc("sub", 26, 6, kinds=(SLIP,)).value)
        tape.emit(f"26 cards are red; 6 of them are face cards, leaving {favourable}.")
    else:
        raise UnsupportedProblem(f"unknown card event {event!r}")
    return favourable, total
