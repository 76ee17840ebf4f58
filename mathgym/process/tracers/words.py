"""Tracers of ``Percentages``, ``UnitRate`` and ``MultiStepWord``.

The word-problem steps name people, goods and containers that the parameters do not keep, so the
``UnitRate`` and ``MultiStepWord`` tracers compute only the *numbers* of each step, in the order they
appear, and :func:`substitute_numbers` writes them into the reference step's own wording. On a clean
tape the numbers must equal the reference's, which the tracers' self-check confirms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from mathgym.generators.base import boxed
from mathgym.generators.formatting import fmt_decimal, fmt_money
from mathgym.problem import Problem
from mathgym.process.tape import COPIED, SIGN, SLIP, InjectionSkipped, Tape
from mathgym.process.tracers import UnsupportedProblem, tracer

_NUMBER = re.compile(r"(?<![\w.])(?P<dollar>\$?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?")


def number_tokens(text: str) -> list[re.Match]:
    """The numbers written in a step (``$1,200``, ``3.5``, ``42``), in order; ``3/4`` is two numbers."""
    return list(_NUMBER.finditer(text))


def token_value(match: re.Match) -> Fraction:
    return Fraction(match["int"].replace(",", "") + (match["frac"] or ""))


def substitute_numbers(text: str, values: Sequence[Any], *, money: str = "plain") -> str:
    """``text`` with its i-th number replaced by ``values[i]``, written in the same style.

    :param money: ``"plain"`` writes dollar amounts as ``$1200`` (MultiStepWord), ``"fmt"`` as
        :func:`~mathgym.generators.formatting.fmt_money` does (``$1,200``, ``$3.50``).
    :raises UnsupportedProblem: when the step has a different number of numbers (the tracer is out of date).
    :raises InjectionSkipped: when a value cannot be written there (negative, or not a whole number of cents).
    """
    tokens = number_tokens(text)
    if len(tokens) != len(values):
        raise UnsupportedProblem(f"{len(values)} numbers traced for the {len(tokens)} numbers of {text!r}")
    out, last = [], 0
    for match, value in zip(tokens, values):
        value = Fraction(value)
        if value < 0:
            raise InjectionSkipped("a word problem cannot continue with a negative quantity")
        if value == token_value(match):
            written = match.group(0)
        elif match["dollar"]:
            written = fmt_money(value) if money == "fmt" else "$" + fmt_decimal(value)
        else:
            written = fmt_decimal(value)  # raises ValueError for a non-terminating decimal
        out.append(text[last : match.start()] + written)
        last = match.end()
    return "".join(out) + text[last:]


def _emit_numbers(tape: Tape, reference: Sequence[str], values: Sequence[Any], money: str = "plain") -> None:
    index = tape.step
    if index >= len(reference):
        raise InjectionSkipped("the traced solution is longer than the reference")
    tape.emit(substitute_numbers(reference[index], values, money=money))


def _reference_numbers(text: str) -> list[Fraction]:
    return [token_value(m) for m in number_tokens(text)]


# ---------------------------------------------------------------------------------------- Percentages
def _pct(p: Any) -> str:
    return f"{fmt_decimal(p)}%"


@tracer("Percentages")
def trace_percentages(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    kind = params["kind"]
    if kind == "of":
        p, n = Fraction(params["percent"]), params["base"]
        copied = tape.given(n)
        tape.emit(f"{_pct(p)} of {n} means {fmt_decimal(p)}/100 × {copied}.")
        product = tape.calc("mul", p, copied, kinds=(SLIP, "wrong_operation"))
        result = tape.calc("div", product.value, 100, kinds=(SLIP, "wrong_operation"))
        symbol = "×" if product.op == "mul" else {"add": "+", "div": "÷"}[product.op]
        tape.emit(
            f"{fmt_decimal(p)} {symbol} {copied} = {fmt_decimal(product.value)}, and {fmt_decimal(product.value)} "
            f"{'÷' if result.op == 'div' else '×'} 100 = {fmt_decimal(result.value)}."
        )
        answer = fmt_decimal(result.value)
    elif kind == "what":
        part, whole = Fraction(params["part"]), params["whole"]
        tape.emit(f"The fraction is {fmt_decimal(part)} ÷ {whole}.")
        value = tape.value(part / whole * 100, alternatives=[part / whole, Fraction(whole) / part * 100])
        answer = fmt_decimal(value)
        tape.emit(
            f"{fmt_decimal(part)} ÷ {whole} × 100 = {answer}, so {fmt_decimal(part)} is {answer}% of {whole}."
        )
    elif kind == "change":
        old, new, word = params["old"], Fraction(params["new"]), params["direction"]
        up = word == "increase"
        calc = (
            tape.calc("sub", new, old, kinds=(SLIP, SIGN))
            if up
            else tape.calc("sub", old, new, kinds=(SLIP, SIGN))
        )
        diff = calc.value
        if diff <= 0:
            raise InjectionSkipped("the change must stay positive")
        tape.emit(
            f"The change is {fmt_money(new)} - {fmt_money(old)}, an {word} of {fmt_money(diff)}."
            if up
            else f"The change is {fmt_money(old)} - {fmt_money(new)}, a {word} of {fmt_money(diff)}."
        )
        value = tape.value(Fraction(diff) / old * 100, alternatives=[Fraction(diff) / new * 100])
        answer = fmt_decimal(value)
        tape.emit(f"As a percent of the original price: {fmt_decimal(diff)} ÷ {old} × 100 = {answer}.")
    elif kind == "reverse":
        p, sale = Fraction(params["percent"]), Fraction(params["sale"])
        rest = tape.calc("sub", 100, p, kinds=(SLIP, SIGN)).value
        tape.emit(f"After a {_pct(p)} discount the price is {_pct(rest)} of the original.")
        value = tape.value(sale / (Fraction(rest) / 100), alternatives=[sale * (100 + p) / 100])
        answer = fmt_decimal(value)
        tape.emit(
            f"So the original price is {fmt_decimal(sale)} ÷ ({fmt_decimal(rest)}/100) = {answer} dollars."
        )
    elif kind == "successive":
        original, up, down = params["original"], Fraction(params["up"]), Fraction(params["down"])
        raise_factor = tape.calc("add", 100, up, kinds=(SLIP, SIGN)).value
        raised = tape.value(Fraction(original * raise_factor, 100), kinds=(SLIP,))
        tape.emit(
            f"After the {_pct(up)} increase: {original} × {fmt_decimal(raise_factor)}/100 = {fmt_decimal(raised)}."
        )
        lower_factor = tape.calc("sub", 100, down, kinds=(SLIP, SIGN)).value
        value = tape.value(raised * lower_factor / 100, kinds=(SLIP,))
        answer = fmt_decimal(value)
        tape.emit(
            f"After the {_pct(down)} decrease: {fmt_decimal(raised)} × {fmt_decimal(lower_factor)}/100 = {answer}."
        )
    else:
        raise UnsupportedProblem(f"unknown percentage kind {kind!r}")
    tape.emit(boxed(answer))


# ------------------------------------------------------------------------------------------- UnitRate
@tracer("UnitRate")
def trace_unit_rate(problem: Problem, tape: Tape) -> None:
    params, reference = problem.meta["params"], list(problem.solution)
    kind = params["kind"]
    if kind == "price":
        n1, total1, n2 = params["n1"], Fraction(params["total1"]), params["n2"]
        unit = tape.calc("div", total1, n1)
        _emit_numbers(tape, reference, [unit.a, unit.b, unit.value], money="fmt")
        cost = tape.calc("mul", n2, unit.value)
        _emit_numbers(tape, reference, [n2, cost.a, cost.b, cost.value], money="fmt")
        answer = cost.value
    elif kind == "speed":
        d1, t1 = Fraction(params["d1"]), params["t1"]
        speed = tape.calc("div", d1, t1)
        _emit_numbers(tape, reference, [speed.a, speed.b, speed.value])
        if params["ask"] == "distance":
            t2 = params["t2"]
            far = tape.calc("mul", t2, speed.value)
            _emit_numbers(tape, reference, [t2, far.a, far.b, far.value])
            answer = far.value
        else:
            d2 = Fraction(params["d2"])
            took = tape.calc("div", d2, speed.value, kinds=(SLIP, "wrong_operation", COPIED))
            _emit_numbers(tape, reference, [d2, took.a, took.b, took.value])
            answer = took.value
    elif kind == "work":
        done1, t1, t2 = Fraction(params["done1"]), params["t1"], params["t2"]
        numbers = _reference_numbers(reference[1])  # t2, t2, per_block, block, answer
        per_block, block = int(numbers[2]), int(numbers[3])
        rate = Fraction(tape.calc("div", done1, t1, kinds=(SLIP, COPIED)).value)
        per_block = rate * block  # type: ignore[assignment]
        if per_block.denominator != 1:
            raise InjectionSkipped("the wrong rate is not a whole number per block")
        shown_as_decimal = Fraction(int(numbers[2]), block).denominator in (1, 2, 4, 5)
        _emit_numbers(
            tape, reference, [done1, t1, rate] if shown_as_decimal else [done1, t1, per_block, block]
        )
        answer = tape.value(t2 * rate, kinds=(SLIP,))
        _emit_numbers(tape, reference, [t2, t2, per_block, block, answer])
    elif kind == "recipe":
        amount1, n1, n2 = Fraction(params["amount1"]), params["n1"], params["n2"]
        per = tape.calc("div", amount1, n1)
        _emit_numbers(tape, reference, [per.a, per.b, per.value])
        need = tape.calc("mul", n2, per.value)
        _emit_numbers(tape, reference, [n2, need.a, need.b, need.value])
        answer = need.value
    else:
        raise UnsupportedProblem(f"unknown unit-rate kind {kind!r}")
    tape.emit(boxed(fmt_decimal(answer)))


# -------------------------------------------------------------------------------------- MultiStepWord
@tracer("MultiStepWord")
def trace_multi_step_word(problem: Problem, tape: Tape) -> None:
    params, reference = problem.meta["params"], list(problem.solution)
    value, facts = 0, {}
    for entry in params["program"]:
        op, args = entry[0], list(entry[1:])
        if op in ("start", "wage", "budget"):  # the story's opening facts, not steps
            facts[op] = args[0]
            value = args[0] if op == "start" else value
            continue
        value = _word_step(tape, reference, op, args, value, facts)
    if tape.step < len(reference) - 1:  # a closing sentence that restates the total
        _emit_numbers(tape, reference, [value])
    tape.emit(boxed(str(_count(value))))


def _count(value: Any) -> int:
    value = Fraction(value)
    if value.denominator != 1 or value < 0:
        raise InjectionSkipped(f"{value} is not a count")
    return int(value)


def _word_step(  # noqa: C901  (one branch per word operation)
    tape: Tape, reference: list[str], op: str, args: list[int], value: int, facts: dict[str, int]
) -> int:
    """One story action: its numbers written into the reference step; returns the new running value."""
    emit = lambda numbers: _emit_numbers(tape, reference, numbers)  # noqa: E731
    if op in ("add", "bonus"):
        calc = tape.calc("add", value, args[0])
        emit([calc.a, calc.b, calc.value])
    elif op == "add_groups":
        g, k = args
        groups = tape.calc("mul", g, k)
        calc = tape.calc("add", value, groups.value)
        emit([groups.a, groups.b, groups.value, calc.a, calc.b, calc.value])
    elif op == "mul":
        calc = tape.calc("mul", value, args[0], kinds=(SLIP, "wrong_operation", COPIED))
        emit([calc.a, calc.b, calc.value])
    elif op == "sub":
        calc = tape.calc("sub", value, args[0])
        emit([args[0], calc.a, calc.b, calc.value])
    elif op in ("spend", "coupon"):
        calc = tape.calc("sub", value, args[0])
        emit(([args[0]] if op == "coupon" else []) + [calc.a, calc.b, calc.value])
    elif op in ("use_fraction", "save_fraction"):
        p, d = args
        used = _count(tape.value(Fraction(value * p, d), alternatives=[Fraction(value, d)] if p != 1 else []))
        if op == "save_fraction":
            emit([value, value, p, d, used])
            return used
        calc = tape.calc("sub", value, used)
        emit([value, value, p, d, used, calc.a, calc.b, calc.value])
    elif op == "share":
        calc = tape.calc("div", value, args[0], kinds=(SLIP, COPIED))
        emit([calc.a, calc.b, calc.value])
    elif op == "sell":
        calc = tape.calc("mul", value, args[0])
        emit([value, args[0], calc.a, calc.b, calc.value])
    elif op == "buy":
        q, price = args
        if q == 1:
            calc = tape.calc("add", value, price)
            emit([calc.a, calc.b, calc.value])
        else:
            cost = tape.calc("mul", q, price)
            if value == 0:
                emit([cost.a, cost.b, cost.value])
                return _count(cost.value)
            calc = tape.calc("add", value, cost.value)
            emit([cost.a, cost.b, cost.value, calc.a, calc.b, calc.value])
    elif op == "percent_off":
        p = args[0]
        off = _count(tape.value(Fraction(value * p, 100), alternatives=[Fraction(value, p)]))
        calc = tape.calc("sub", value, off)
        emit([p, value, off, calc.a, calc.b, calc.value])
    elif op == "work":
        earned = tape.calc("mul", args[0], facts["wage"])
        if value == 0:
            emit([earned.a, earned.b, earned.value])
            return _count(earned.value)
        calc = tape.calc("add", value, earned.value)
        emit([earned.a, earned.b, earned.value, calc.a, calc.b, calc.value])
    elif op == "left":
        calc = tape.calc("sub", facts["budget"], value)
        emit([calc.a, calc.b, calc.value])
    else:
        raise UnsupportedProblem(f"unknown story action {op!r}")
    return _count(calc.value)
