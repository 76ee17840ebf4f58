"""Tracers of ``NumberTheory`` and ``Sequences``: a wrong remainder keeps the Euclidean algorithm going on
the wrong numbers, a wrong square keeps the repeated squaring going, a wrong difference carries into
every later term."""

from __future__ import annotations

import re
from fractions import Fraction
from math import gcd

from mathgym.generators.base import boxed
from mathgym.generators.formatting import fmt_number
from mathgym.generators.number_theory import NumberTheory
from mathgym.generators.sequences import _ordinal
from mathgym.problem import Problem
from mathgym.process.tape import SIGN, SLIP, InjectionSkipped, Tape
from mathgym.process.tracers import UnsupportedProblem, tracer


def _whole(value: object, positive: bool = False) -> int:
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    if not isinstance(value, int) or value < (1 if positive else 0):
        raise InjectionSkipped(f"{value!r} cannot continue a number-theory solution")
    return value


def _join(numbers: list[int]) -> str:
    text = [str(n) for n in numbers]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def _euclid_lines(tape: Tape, a: int, b: int) -> tuple[int, list[str]]:
    """The Euclidean algorithm with each remainder on the tape (a wrong one is carried on)."""
    lines = []
    first = True
    while b:
        if not first:  # the divisor carried down from the line above can be miscopied
            a = _whole(tape.given(a), positive=True)
        first = False
        q, r = divmod(a, b)
        r = _whole(tape.value(r, kinds=(SLIP,)) if r else r)
        lines.append(f"{a} = {q} × {b} + {r}")
        a, b = b, r
    return a, lines


@tracer("NumberTheory")
def trace_number_theory(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    kind = params["kind"]
    if kind == "gcd":
        numbers = params["numbers"]
        g = numbers[0]
        for k, n in enumerate(numbers[1:]):
            g = _whole(tape.given(g), positive=True) if k else g  # the running gcd carried to the next pair
            new, lines = _euclid_lines(tape, max(g, n), min(g, n))
            tape.emit(f"gcd({g}, {n}) by the Euclidean algorithm: {'; '.join(lines)}; so it is {new}.")
            g = new
        answer = str(g)
        tape.emit(boxed(answer))
    elif kind == "lcm":
        numbers = params["numbers"]
        m = numbers[0]
        for k, n in enumerate(numbers[1:]):
            m = _whole(tape.given(m), positive=True) if k else m  # the running lcm carried to the next pair
            product = _whole(tape.calc("mul", m, n, kinds=(SLIP,)).value, positive=True)
            g = _whole(tape.value(gcd(m, n), kinds=(SLIP,)), positive=True)
            new = _whole(tape.calc("div", product, g, kinds=(SLIP,)).value, positive=True)
            tape.emit(f"lcm({m}, {n}) = {m} × {n} ÷ gcd({m}, {n}) = {product} ÷ {g} = {new}.")
            m = new
        answer = str(m)
        tape.emit(boxed(answer))
    elif kind == "modpow":
        answer = _modpow(tape, params["base"], params["exponent"], params["modulus"])
    elif kind == "modinv":
        a, m = params["a"], params["modulus"]
        inv, lines = NumberTheory._inverse(a, m)
        tape.emit(f"Run the extended Euclidean algorithm on {a} and {m}: {'; '.join(lines)}.")
        unreduced = _unreduced_inverse(a, m)
        inv = _whole(tape.value(inv, alternatives=[unreduced] if unreduced != inv else [], kinds=None))
        product = a * inv
        tape.emit(
            f"Back-substituting gives {a} × {inv} ≡ 1 (mod {m}): {a} × {inv} = {product} = "
            f"{product // m} × {m} + {product % m}."
        )
        answer = str(inv)
        tape.emit(boxed(answer))
    elif kind == "congruence":
        answer = _congruence(tape, params["a"], params["b"], params["modulus"])
    else:
        raise UnsupportedProblem(f"unknown number-theory kind {kind!r}")


def _unreduced_inverse(a: int, m: int) -> int:
    """The Bézout coefficient before it is reduced modulo m (forgetting the reduction is a classic)."""
    old_r, r, old_s, s = a % m, m, 1, 0
    while r:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_s, s = s, old_s - q * s
    return old_s


def _modpow(tape: Tape, a: int, e: int, m: int) -> str:
    bits = [i for i in range(e.bit_length()) if e >> i & 1]
    bits = tape.terms(bits)  # a binary digit of the exponent left out
    tape.emit(f"Write the exponent in binary: {e} = {' + '.join(str(2**i) for i in bits)}.")
    squares, power = [], a % m
    for _ in range(e.bit_length()):
        power = _whole(tape.value(power, kinds=(SLIP,)) if power > 1 else power)
        squares.append(power)
        power = power * power % m
    table = ", ".join(f"{a}^{2**i} ≡ {squares[i]}" for i in range(len(squares)))
    tape.emit(f"Repeated squaring modulo {m}: {table}.")
    result = 1
    for i in bits:
        result = result * squares[i] % m
    result = _whole(tape.value(result, kinds=(SLIP,)))
    answer = str(result)
    tape.emit(
        f"Multiply the powers for the bits of {e} modulo {m}: "
        f"{' × '.join(str(squares[i]) for i in bits)} ≡ {answer} (mod {m})."
    )
    tape.emit(boxed(answer))
    return answer


def _congruence(tape: Tape, a: int, b: int, m: int) -> str:
    g = gcd(m, a)
    a2, b2, m2 = a // g, b // g, m // g
    if g > 1:
        b2 = _whole(tape.calc("div", b, g, kinds=(SLIP,)).value)
        m2 = _whole(tape.calc("div", m, g, kinds=(SLIP,)).value, positive=True)
        tape.emit(f"gcd({a}, {m}) = {g}, which divides {b}: divide through to get {a2}x ≡ {b2} (mod {m2}).")
    if m2 == 1:
        answer = "0"
        tape.emit("Every integer solves it, so the smallest non-negative one is 0.")
    else:
        if gcd(a2 % m2, m2) != 1:
            raise InjectionSkipped("a wrong modulus has no inverse")
        inv, _ = NumberTheory._inverse(a2, m2)
        inv = _whole(tape.value(inv, kinds=(SLIP,)))
        answer = str(_whole(tape.value(b2 * inv % m2, kinds=(SLIP,))))
        tape.emit(
            f"The inverse of {a2 % m2} modulo {m2} is {inv}, so x ≡ {b2} × {inv} ≡ {answer} (mod {m2})."
        )
    tape.emit(f"The smallest non-negative solution is {answer}. {boxed(answer)}")
    return answer


# ------------------------------------------------------------------------------------------ Sequences
_TWO_TERMS = re.compile(
    r"the (?P<i>\d+)(?:st|nd|rd|th) term is (?P<ti>-?[\d/]+) and the (?P<j>\d+)(?:st|nd|rd|th) "
    r"term is (?P<tj>-?[\d/]+)\."
)


@tracer("Sequences")
def trace_sequences(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    kind, geometric, start, ratio, n = (params[k] for k in ("kind", "geometric", "start", "step", "n"))
    name = "ratio r" if geometric else "difference d"
    if kind == "two_terms":
        value = _two_terms(problem, tape, start, ratio, n)
    elif kind == "next":
        r = tape.value(ratio)
        rule = f"each term is the previous one {'times' if geometric else 'plus'} {r}"
        tape.emit(f"The common {name} = {r}: {rule}.")
        last = tape.given(start * ratio**3 if geometric else start + 3 * ratio)
        calc = tape.calc("mul" if geometric else "add", last, r, kinds=(SLIP, SIGN))
        value = calc.value
        shown = r if r >= 0 or geometric else f"({r})"
        tape.emit(
            f"The next term is {fmt_number(calc.a)} {'×' if geometric else '+'} {shown} = {fmt_number(value)}."
        )
    elif kind == "nth":
        r = tape.value(ratio)
        formula = f"a_n = {start} × ({r})^(n - 1)" if geometric else f"a_n = {start} + (n - 1) × ({r})"
        tape.emit(f"The first term is {start} and the common {name} = {r}, so {formula}.")
        right = start * r ** (n - 1) if geometric else start + (n - 1) * r
        shifted = start * r**n if geometric else start + n * r  # the index off by one
        value = tape.value(right, alternatives=[shifted])
        tape.emit(f"For n = {n}: a_{n} = {fmt_number(value)}.")
    elif kind == "sum":
        if geometric:
            r = tape.value(ratio)
            tape.emit(f"The first term is a = {start} and the common {name} = {r}.")
            if r == 1:
                raise InjectionSkipped("a ratio of 1 changes the formula")
            right = Fraction(start * (r**n - 1), r - 1)
            value = tape.value(right, alternatives=[Fraction(start * (r ** (n - 1) - 1), r - 1)])
            tape.emit(f"S_n = a(r^n - 1)/(r - 1) = {start}(({r})^{n} - 1)/({r} - 1) = {fmt_number(value)}.")
        else:
            an = tape.value(start + (n - 1) * ratio, alternatives=[start + n * ratio])
            tape.emit(f"The first term is {start} and the {_ordinal(n)} term is {fmt_number(an)}.")
            last = fmt_number(an) if an >= 0 else f"({fmt_number(an)})"
            value = tape.value(Fraction(n * (start + an), 2), alternatives=[n * (start + an)])
            tape.emit(f"S_n = n(a_1 + a_n)/2 = {n} × ({start} + {last})/2 = {fmt_number(value)}.")
    else:
        raise UnsupportedProblem(f"unknown sequence kind {kind!r}")
    tape.emit(boxed(fmt_number(value)))  # type: ignore[arg-type]


def _two_terms(problem: Problem, tape: Tape, start: int, ratio: int, n: int) -> object:
    match = _TWO_TERMS.search(problem.prompt)
    if not match:
        raise UnsupportedProblem(f"cannot find the two given terms in {problem.prompt!r}")
    i, j = int(match["i"]), int(match["j"])
    ti, tj = Fraction(match["ti"]), Fraction(match["tj"])
    d = tape.value(Fraction(tj - ti, j - i), alternatives=[Fraction(tj - ti, j - i + 1)])
    tape.emit(
        f"From the {_ordinal(i)} to the {_ordinal(j)} term the difference is added {j - i} times: "
        f"d = ({fmt_number(tj)} - {fmt_number(ti)})/{j - i} = {fmt_number(d)}."
    )
    first = ti
    if i > 1:
        first = tape.value(ti - (i - 1) * d, alternatives=[ti - i * d])
        tape.emit(f"The first term is {fmt_number(ti)} - {i - 1} × ({fmt_number(d)}) = {fmt_number(first)}.")
    value = tape.value(first + (n - 1) * d, alternatives=[first + n * d])
    tape.emit(
        f"The {_ordinal(n)} term is {fmt_number(first)} + {n - 1} × ({fmt_number(d)}) = {fmt_number(value)}."
    )
    return value
