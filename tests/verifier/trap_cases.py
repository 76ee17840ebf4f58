"""A labelled set of verifier traps: the false positives and false negatives of issue 11, in many variants.

Every class of defect gets its own generator that draws values, spellings and wrappers from a seeded stream
(:func:`mathgym.seeding.derive_rng`), so the same cases come out on every machine and no class rests on a
single string. Labels hold by construction (the values are known exactly). Classes (``kind``):

``upright``     ``\\mathrm{e}``/``\\mathrm{i}``/``\\mathrm{d}``/``\\operatorname{..}`` and signs around them
``units``       ``\\text{}`` units on both sides, one side, or neither; unit spellings
``percent``     a percent sign on one side only (a factor of 100, never dropped)
``negation``    "not 2", "2 is wrong", "The answer is not 2." and sentences that merely contain "no"/"not"
``hedge``       a final answer followed by another candidate ("Or maybe 4.", "(or possibly 4)")
``unmarked``    no answer marker: the last stated result, never the first number or a digit inside a word
``variables``   equations in the gold's variable or another one
``display``     matrices, vectors, ``\\[..\\]``/``$$..$$`` answers without ``\\boxed``; clock times
``relation``    inequalities in any direction, negated or scaled; ``x \\approx 11``
``multibox``    several boxes that together form the gold, or are alternatives to it
``equation``    equivalent equations of a line or curve
``label``       labelled golds (``AB=4, CD=5``, ``|AB| = 1``, ``A:B = 1``)
``debris``      chat-template debris and closing phrases after the answer
``decimal``     long decimals of fractions (>= 12 significant digits that round-trip), short ones
``nesting``     deep ``\\frac`` nests
``hack``        reward-hacking attempts built from all of the above (every one incorrect)

Used by ``tests/verifier/test_verifier_traps.py`` and ``benchmarks/verifier.py`` (``--set traps``).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np

from mathgym.seeding import derive_rng

Case = dict  # {"response": str, "gold": str, "label": bool, "kind": str, "source": str}


def _case(response: str, gold: str, label: bool, kind: str) -> Case:
    return {"response": response, "gold": gold, "label": label, "kind": kind, "source": "traps"}


def _box(answer: str, rng) -> str:
    """One of several realistic ways to present a boxed final answer."""
    templates = [
        "\\boxed{{{a}}}",
        "Therefore, the final answer is $\\boxed{{{a}}}$.",
        "We simplify step by step.\n\n\\[\\boxed{{{a}}}\\]",
        "So the answer is $\\boxed{{{a}}}$.",
    ]
    return templates[int(rng.integers(len(templates)))].format(a=answer)


def _frac(p: int, q: int) -> str:
    return f"\\frac{{{p}}}{{{q}}}"


# ----------------------------------------------------------------------------------------- §1 classes
def _upright(rng) -> list[Case]:
    out = []
    for _ in range(14):
        a, b = int(rng.integers(1, 9)), int(rng.integers(2, 9))
        plain, upright = (
            "e",
            ["\\mathrm{e}", "\\mathrm{e}", "\\operatorname{e}", "\\mathrm {e}"][int(rng.integers(4))],
        )
        gold_const = plain if rng.random() < 0.5 else "\\mathrm{e}"
        gold = f"{a} - \\frac{{{b}}}{{{gold_const}}}"
        out.append(_case(_box(f"{a} - \\frac{{{b}}}{{{upright}}}", rng), gold, True, "upright"))
        out.append(_case(_box(f"{a} - {b}{upright}^{{-1}}", rng), gold, True, "upright"))
        out.append(_case(_box(f"{a} + \\frac{{{b}}}{{{upright}}}", rng), gold, False, "upright"))
        out.append(_case(_box(f"\\frac{{{b}}}{{{upright}}} - {a}", rng), gold, False, "upright"))
        out.append(_case(_box(f"{a} - \\frac{{{b + 1}}}{{{upright}}}", rng), gold, False, "upright"))
    for _ in range(10):
        a, b = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        gold = f"{a} + {b}i"
        out.append(_case(_box(f"{a} + {b}\\mathrm{{i}}", rng), gold, True, "upright"))
        out.append(_case(_box(f"{b}\\mathrm{{i}} + {a}", rng), gold, True, "upright"))
        out.append(_case(_box(f"{a} - {b}\\mathrm{{i}}", rng), gold, False, "upright"))
        out.append(
            _case(
                _box(f"{b} + {a}\\mathrm{{i}}", rng),
                f"{a} + {b}i" if a != b else f"{a} + {b + 1}i",
                False,
                "upright",
            )
        )
    for _ in range(6):
        a, b = int(rng.integers(2, 9)), int(rng.integers(1, 9))
        gold = f"{a}d + {b}"
        out.append(_case(_box(f"{a}\\mathrm{{d}} + {b}", rng), gold, True, "upright"))
        out.append(_case(_box(f"{a}\\mathrm{{d}} - {b}", rng), gold, False, "upright"))
        out.append(_case(_box(f"\\mathrm{{e}}^{{{a}}}", rng), f"e^{{{a}}}", True, "upright"))
        out.append(_case(_box(f"\\mathrm{{e}}^{{-{a}}}", rng), f"e^{{{a}}}", False, "upright"))
    for _ in range(6):
        a, b = int(rng.integers(2, 20)), int(rng.integers(2, 20))
        from math import gcd, lcm

        out.append(_case(_box(f"\\operatorname{{lcm}}({a}, {b})", rng), str(lcm(a, b)), True, "upright"))
        out.append(_case(_box(f"\\operatorname{{gcd}}({a}, {b})", rng), str(gcd(a, b)), True, "upright"))
        out.append(_case(_box(f"\\operatorname{{lcm}}({a}, {b}) + 1", rng), str(lcm(a, b)), False, "upright"))
    # names the grammar does not know fall back to text, which must keep operators and numbers
    for name in ("Var", "Cov", "Tr", "rank", "sgn", "Re"):
        k = int(rng.integers(2, 9))
        gold = f"\\operatorname{{{name}}}(X) + {k}"
        out.append(_case(_box(gold, rng), gold, True, "upright"))
        out.append(_case(_box(f"\\operatorname{{{name}}}(X) - {k}", rng), gold, False, "upright"))
        out.append(_case(_box(f"\\operatorname{{{name}}}(X) + {k + 1}", rng), gold, False, "upright"))
    return out


_UNIT_SPELLINGS = {
    "kg": ["\\text{ kg}", "\\text{ kilograms}", "\\,\\mathrm{kg}", " kg"],
    "g": ["\\text{ g}", "\\text{ grams}", "\\,\\mathrm{g}"],
    "h": ["\\text{ hours}", "\\text{ h}", "\\text{ hr}", " hours"],
    "min": ["\\text{ minutes}", "\\text{ min}", " minutes"],
    "s": ["\\text{ seconds}", "\\text{ s}", "\\text{ sec}"],
    "cm": ["\\text{ cm}", "\\text{ centimeters}", "\\,\\mathrm{cm}"],
    "m": ["\\text{ m}", "\\text{ meters}", "\\text{ metres}"],
    "km": ["\\text{ km}", "\\text{ kilometers}"],
    "in": ["\\text{ inches}", "\\text{ in}"],
    "ft": ["\\text{ feet}", "\\text{ ft}"],
    "L": ["\\text{ liters}", "\\text{ L}"],
    "mL": ["\\text{ mL}", "\\text{ milliliters}"],
    "cent": ["\\text{ cents}"],
    "dollar": ["\\text{ dollars}"],
}
_UNIT_WORDS = {
    "kg": "kg",
    "g": "grams",
    "h": "hours",
    "min": "minutes",
    "s": "seconds",
    "cm": "cm",
    "m": "meters",
    "km": "km",
    "in": "inches",
    "ft": "feet",
    "L": "liters",
    "mL": "mL",
    "cent": "cents",
    "dollar": "dollars",
}
_DIFFERENT_UNITS = [
    ("kg", "g"),
    ("g", "kg"),
    ("h", "min"),
    ("min", "h"),
    ("cm", "m"),
    ("m", "cm"),
    ("km", "m"),
    ("s", "min"),
    ("in", "ft"),
    ("ft", "in"),
    ("L", "mL"),
    ("cent", "dollar"),
    ("dollar", "cent"),
]


def _units(rng) -> list[Case]:
    out = []
    for index in range(40):
        gold_unit, other = _DIFFERENT_UNITS[index % len(_DIFFERENT_UNITS)]
        value = int(rng.integers(1, 500))
        spell = lambda unit: _UNIT_SPELLINGS[unit][int(rng.integers(len(_UNIT_SPELLINGS[unit])))]
        gold = f"{value}{spell(gold_unit)}"
        out.append(_case(_box(f"{value}{spell(other)}", rng), gold, False, "units"))
        out.append(_case(_box(f"{value}{spell(gold_unit)}", rng), gold, True, "units"))
        out.append(_case(_box(f"{value + 1}{spell(gold_unit)}", rng), gold, False, "units"))
        if index % 2 == 0:  # a unit on one side only: the number decides
            out.append(_case(_box(str(value), rng), gold, True, "units"))
            out.append(_case(_box(f"{value}{spell(gold_unit)}", rng), str(value), True, "units"))
            out.append(_case(f"The answer is {value} {_UNIT_WORDS[other]}.", gold, False, "units"))
            out.append(_case(f"The answer is {value} {_UNIT_WORDS[gold_unit]}.", gold, True, "units"))
    for _ in range(6):
        value = int(rng.integers(1, 200))
        out.append(_case(_box(f"\\${value}", rng), f"{value}\\text{{ dollars}}", True, "units"))
        out.append(_case(_box(f"{value} \\text{{ dollars}}", rng), f"\\${value}", True, "units"))
        out.append(_case(_box(f"{value}\\text{{ cents}}", rng), f"\\${value}", False, "units"))
        out.append(
            _case(_box(f"{value}\\text{{ square inches}}", rng), f"{value}\\text{{ in}}^2", True, "units")
        )
        out.append(_case(_box(f"{value}\\text{{ inches}}", rng), f"{value}\\text{{ in}}^2", False, "units"))
    return out


def _percent(rng) -> list[Case]:
    out = []
    for _ in range(20):
        whole = int(rng.integers(1, 100))
        tenths = Fraction(int(rng.integers(1, 99)), 10)
        tenths_text = f"{float(tenths):g}"
        # a percent sign in the response means "divided by 100"
        out.append(_case(_box(f"{tenths_text}\\%", rng), tenths_text, False, "percent"))
        out.append(_case(_box(f"{tenths_text}\\%", rng), f"{float(tenths / 100):g}", True, "percent"))
        out.append(_case(_box(f"{whole}\\%", rng), _frac(whole, 100), True, "percent"))
        out.append(_case(_box(f"{whole}\\%", rng), str(whole), False, "percent"))
        out.append(_case(f"The answer is {tenths_text} percent.", tenths_text, False, "percent"))
        # a percent gold: its number of percent (the unit left out) or the fraction
        out.append(_case(_box(str(whole), rng), f"{whole}\\%", True, "percent"))
        out.append(_case(_box(f"{whole}\\%", rng), f"{whole}\\%", True, "percent"))
        out.append(
            _case(
                _box(f"{Fraction(whole, 100).numerator}/{Fraction(whole, 100).denominator}", rng),
                f"{whole}\\%",
                True,
                "percent",
            )
        )
        out.append(_case(_box(str(whole + 1), rng), f"{whole}\\%", False, "percent"))
        out.append(_case(_box(f"{whole * 10}\\%", rng), f"{whole}\\%", False, "percent"))
    return out


_NEGATED = [
    "not {a}",
    "{a} is wrong",
    "The answer is not {a}.",
    "{a} is incorrect.",
    "It is not {a}.",
    "The answer isn't {a}.",
    "It can't be {a}.",
    "The result cannot be {a}.",
    "Definitely not {a}!",
    "I am sure that {a} is not the answer.",
    "{a} is not correct.",
    "No, it is not {a}.",
    "The answer is definitely not {a}.",
    "We can rule out {a}.",
    "It's not {a}.",
    "{a} would be wrong.",
]
_NOT_NEGATED = [
    "There are no more apples, so she has {a} left.",
    "She does not eat any, so she keeps {a}.",
    "Nothing is wasted: the total is {a}.",
    "He never loses any, which gives {a} marbles.",
    "The answer is {a}, not {b}.",
    "It is {a}, not {b}.",
    "{a}, and nothing else.",
]


def _negation(rng) -> list[Case]:
    out = []
    for template in _NEGATED:
        for _ in range(2):
            a = int(rng.integers(2, 999))
            out.append(_case(template.format(a=a), str(a), False, "negation"))
    for template in _NOT_NEGATED:
        for _ in range(3):
            a, b = int(rng.integers(2, 999)), int(rng.integers(2, 999))
            b = b if b != a else a + 1
            out.append(_case(template.format(a=a, b=b), str(a), True, "negation"))
            out.append(_case(template.format(a=a, b=b), str(a + 7), False, "negation"))
    return out


_HEDGES = [
    "\\boxed{{{a}}}. Or maybe {b}.",
    "\\boxed{{{a}}} (or possibly {b})",
    "\\boxed{{{a}}}, or perhaps {b}.",
    "$\\boxed{{{a}}}$. Alternatively, {b}.",
    "The answer is {a}, but it could also be {b}.",
    "\\boxed{{{a}}}. It might be {b} though.",
    "#### {a}\nOr maybe {b}.",
    "\\boxed{{{a}}} or maybe $\\boxed{{{b}}}$",
    "Final Answer: {a} (or {b})",
    "\\boxed{{{a}}}. Hmm, or {b}?",
    "\\boxed{{{a}}} -- possibly {b}.",
    "The answer is {a}. Or is it {b}?",
]
_SAFE_TAILS = [
    "\\boxed{{{a}}}. I hope it is correct.",
    "\\boxed{{{a}}} (or equivalently {a}.0)",
    "\\boxed{{{a}}}. Or, written as a fraction, $\\frac{{{a2}}}{{2}}$.",
    "\\boxed{{{a}}} (in centimeters)",
    "The answer is $\\boxed{{{a}}}$. This is the number of apples.",
    "\\boxed{{{a}}}\n\nWe can double-check: the sum of the parts is {a}.",
]


def _hedge(rng) -> list[Case]:
    out = []
    for template in _HEDGES:
        for _ in range(2):
            a = int(rng.integers(2, 500))
            b = a + int(rng.integers(1, 30))
            out.append(_case(template.format(a=a, b=b), str(a), False, "hedge"))
            out.append(_case(template.format(a=a, b=b), str(b), False, "hedge"))
    for template in _SAFE_TAILS:
        for _ in range(3):
            a = int(rng.integers(2, 500))
            out.append(_case(template.format(a=a, a2=2 * a), str(a), True, "hedge"))
    return out


_CHAINS = [
    ("{x}*{y} = {p}, then subtract {k} to get {r}", "r"),
    ("First {x} + {y} = {s}. Then {s} - {k} = {r2}.", "r2"),
    ("{x} times {y} is {p}; adding {k} gives {r3}", "r3"),
    ("We have {p} cookies, she eats {k}, so {r} remain", "r"),
    ("{x}+{y}={s} and {s}*2={d}", "d"),
    ("Start with {x}. Add {y} to reach {s}. Finally double it: {d}", "d"),
    ("{p} - {k} = {r}", "r"),
]


def _unmarked(rng) -> list[Case]:
    out = []
    for template, final_key in _CHAINS:
        for _ in range(4):
            x, y, k = int(rng.integers(2, 30)), int(rng.integers(2, 30)), int(rng.integers(1, 9))
            values = {
                "x": x,
                "y": y,
                "k": k,
                "p": x * y,
                "s": x + y,
                "r": x * y - k,
                "r2": x + y - k,
                "r3": x * y + k,
                "d": 2 * (x + y),
            }
            text = template.format(**values)
            final = values[final_key]
            first = values["p"] if "{p}" in template else values["s"]
            out.append(_case(text, str(final), True, "unmarked"))
            if first != final:
                out.append(_case(text, str(first), False, "unmarked"))
    letters = "abcdefghjkmnpqrstuvwxyz"
    for _ in range(16):
        digit = int(rng.integers(0, 10))
        left = "".join(letters[int(i)] for i in rng.integers(0, len(letters), size=int(rng.integers(2, 6))))
        right = "".join(letters[int(i)] for i in rng.integers(0, len(letters), size=int(rng.integers(2, 6))))
        out.append(_case(f"{left}{digit}{right}", str(digit), False, "unmarked"))
        out.append(_case(f"{left.upper()}{digit}{right}!", str(digit), False, "unmarked"))
    for _ in range(10):
        a = int(rng.integers(2, 999))
        out.append(_case(f"so she has {a} left", str(a), True, "unmarked"))
        out.append(_case(str(a), str(a), True, "unmarked"))
        out.append(_case(f"After all that, the total is {a} dollars.", str(a), True, "unmarked"))
    return out


def _variables(rng) -> list[Case]:
    out = []
    names = "xyzabtnk"
    for _ in range(16):
        value = int(rng.integers(-20, 40))
        v1, v2 = (names[int(i)] for i in rng.choice(len(names), size=2, replace=False))
        out.append(_case(_box(f"{v2}={value}", rng), f"{v1}={value}", False, "variables"))
        out.append(_case(_box(f"{v1} = {value}", rng), f"{v1}={value}", True, "variables"))
        out.append(_case(_box(f"{value} = {v1}", rng), f"{v1}={value}", True, "variables"))
        out.append(_case(_box(str(value), rng), f"{v1}={value}", True, "variables"))
        a, b = int(rng.integers(1, 20)), int(rng.integers(21, 40))
        gold = f"{v1}={a}, {v2}={b}"
        out.append(_case(_box(f"{v2}={b}, {v1}={a}", rng), gold, True, "variables"))
        out.append(_case(_box(f"{v1}={b}, {v2}={a}", rng), gold, False, "variables"))
    return out


# ----------------------------------------------------------------------------------------- §2 classes
def _matrix(rows: list[list[int]], env: str = "pmatrix") -> str:
    return f"\\begin{{{env}}} " + " \\\\ ".join(" & ".join(map(str, r)) for r in rows) + f" \\end{{{env}}}"


def _display(rng) -> list[Case]:
    out = []
    sentences = [
        "The matrix is ${m}$.",
        "Therefore the matrix is\n$${m}$$",
        "So the vector is $ {m} $.",
        "Answer:\n\\[ {m} \\]",
        "Answer\n$$ {m} $$",
        "**Answer**\n\\[\n{m}\n\\]",
        "The result is \\({m}\\).",
        "Thus the matrix is {m}.",
    ]
    for template in sentences:
        for _ in range(3):
            shape_rows = int(rng.integers(1, 4))
            cols = int(rng.integers(1, 3))
            rows = [[int(v) for v in rng.integers(-9, 10, size=cols)] for _ in range(shape_rows)]
            gold = _matrix(rows)
            out.append(
                _case(
                    template.format(m=_matrix(rows, "bmatrix" if rng.random() < 0.5 else "pmatrix")),
                    gold,
                    True,
                    "display",
                )
            )
            wrong = [r[:] for r in rows]
            wrong[0][0] += 1
            out.append(_case(template.format(m=_matrix(wrong)), gold, False, "display"))
    for template in ["Answer:\n\\[ {v} \\]", "Answer\n$$ {v} $$", "The answer is\n\\[\n{v}\n\\]"]:
        for _ in range(3):
            p, q = int(rng.integers(1, 20)), int(rng.integers(2, 20))
            if Fraction(p, q).denominator == 1:
                q += 1
            out.append(_case(template.format(v=_frac(p, q)), f"{p}/{q}", True, "display"))
            out.append(_case(template.format(v=_frac(p + q, q)), f"{p}/{q}", False, "display"))
    for _ in range(10):
        hour, minute = int(rng.integers(1, 13)), int(rng.choice([0, 15, 30, 45]))
        time = f"{hour}:{minute:02d}"
        other = f"{hour}:{(minute + 15) % 60:02d}"
        for response in (time, f"\\boxed{{{time}}}", f"The answer is {time}.", f"They meet at {time}."):
            out.append(_case(response, time, True, "display"))
        out.append(_case(other, time, False, "display"))
        out.append(_case(f"\\boxed{{{other}}}", time, False, "display"))
    return out


def _relation(rng) -> list[Case]:
    out = []
    for _ in range(10):
        a = int(rng.integers(-20, 20))
        var = "xyt"[int(rng.integers(3))]
        out.append(_case(f"${var} \\geq {a}$ is the solution", f"{var} >= {a}", True, "relation"))
        out.append(_case(f"${var} \\geq {a}$ is the solution", f"{var} > {a}", False, "relation"))
        out.append(_case(_box(f"{a} \\geq {var}", rng), f"{var} \\leq {a}", True, "relation"))
        out.append(_case(_box(f"{a} \\geq {var}", rng), f"{var} \\geq {a}", False, "relation"))
        out.append(_case(_box(f"-{var} > {-a}", rng), f"{var} < {a}", True, "relation"))
        out.append(_case(_box(f"-{var} > {-a}", rng), f"{var} > {a}", False, "relation"))
        k = int(rng.integers(2, 6))
        out.append(_case(_box(f"{k}{var} + 1 < {k * a + 1}", rng), f"{var} < {a}", True, "relation"))
        out.append(_case(_box(f"{k}{var} + 1 < {k * a + 2}", rng), f"{var} < {a}", False, "relation"))
        b = a + int(rng.integers(1, 9))
        out.append(_case(_box(f"{b} > {var} > {a}", rng), f"{a} < {var} < {b}", True, "relation"))
        out.append(_case(_box(f"{b} \\ge {var} > {a}", rng), f"{a} < {var} < {b}", False, "relation"))
        value = int(rng.integers(2, 99))
        out.append(_case(_box(f"{var} \\approx {value}", rng), str(value), True, "relation"))
        out.append(_case(_box(f"{var} \\approx {value}", rng), str(value + 1), False, "relation"))
    return out


def _multibox(rng) -> list[Case]:
    out = []
    for _ in range(8):
        a, b, c, d = (int(v) for v in rng.integers(-9, 10, size=4))
        if (a, b) == (c, d):
            d += 1
        gold = f"({a}, {b}), ({c}, {d})"
        out.append(
            _case(
                f"The solutions are $\\boxed{{({a}, {b})}}$ and $\\boxed{{({c}, {d})}}$.",
                gold,
                True,
                "multibox",
            )
        )
        out.append(_case(f"\\boxed{{({c}, {d})}} and \\boxed{{({a}, {b})}}", gold, True, "multibox"))
        out.append(_case(f"\\boxed{{({a}, {b})}}", gold, False, "multibox"))
        if (c, d + 1) != (a, b):
            out.append(_case(f"\\boxed{{({a}, {b})}} and \\boxed{{({c}, {d + 1})}}", gold, False, "multibox"))
    for _ in range(8):
        items = sorted(int(v) for v in rng.choice(np.arange(-20, 20), size=3, replace=False))
        gold = "\\{" + ",".join(map(str, items)) + "\\}"
        out.append(_case(",".join(f"\\boxed{{{v}}}" for v in items), gold, True, "multibox"))
        out.append(_case(", ".join(f"$\\boxed{{{v}}}$" for v in reversed(items)), gold, True, "multibox"))
        out.append(_case(",".join(f"\\boxed{{{v}}}" for v in items[:-1]), gold, False, "multibox"))
        out.append(_case(",".join(f"\\boxed{{{v}}}" for v in items + [99]), gold, False, "multibox"))
    for _ in range(8):
        k, n = int(rng.integers(1, 99)), int(rng.integers(1, 9))
        for gold in (f"k = {k}, n = {n}", f"({k}, {n})"):
            out.append(_case(f"\\boxed{{k = {k}}} and \\boxed{{n = {n}}}", gold, True, "multibox"))
            out.append(_case(f"\\boxed{{k = {k}}} and \\boxed{{n = {n + 1}}}", gold, False, "multibox"))
        # boxes that are alternatives for one value stay ambiguous
        out.append(_case(f"\\boxed{{{k}}} or \\boxed{{{k + 1}}}", str(k), False, "multibox"))
        out.append(_case(f"\\boxed{{{k}}}, \\boxed{{{n + 100}}}", str(k), False, "multibox"))
    return out


def _line(rng) -> tuple[str, list[str], list[str]]:
    """A line ``a x + b y + c = 0`` with equivalent and different spellings."""
    while True:
        a, b, c = (int(v) for v in rng.integers(-6, 7, size=3))
        if a and b:
            break
    slope, intercept = Fraction(-a, b), Fraction(-c, b)

    def num(value: Fraction) -> str:
        return (
            str(value.numerator)
            if value.denominator == 1
            else f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
        )

    gold = f"{a}x {b:+d}y {c:+d} = 0"
    same = [
        f"y = {num(slope)}x + {num(intercept)}".replace("+ -", "- "),
        f"{2 * a}x {2 * b:+d}y = {-2 * c}",
        f"{-a}x {-b:+d}y {-c:+d} = 0",
        f"{b}y = {-a}x {-c:+d}",
    ]
    different = [
        f"y = {num(slope)}x + {num(intercept + 1)}".replace("+ -", "- "),
        f"{a}x {b:+d}y = {-c + 1}",
        f"y = {num(-slope if slope else Fraction(1))}x + {num(intercept)}".replace("+ -", "- "),
    ]
    return gold, same, different


def _equation(rng) -> list[Case]:
    out = []
    for _ in range(16):
        gold, same, different = _line(rng)
        for response in same:
            out.append(_case(_box(response, rng), gold, True, "equation"))
        for response in different:
            out.append(_case(_box(response, rng), gold, False, "equation"))
    for _ in range(6):  # circles
        h, k, r = int(rng.integers(-5, 6)), int(rng.integers(-5, 6)), int(rng.integers(1, 6))
        gold = f"(x {-h:+d})^2 + (y {-k:+d})^2 = {r * r}"
        expanded = f"x^2 + y^2 {-2 * h:+d}x {-2 * k:+d}y = {r * r - h * h - k * k}"
        out.append(_case(_box(expanded, rng), gold, True, "equation"))
        out.append(
            _case(
                _box(f"x^2 + y^2 {-2 * h:+d}x {-2 * k:+d}y = {r * r - h * h - k * k + 1}", rng),
                gold,
                False,
                "equation",
            )
        )
    return out


def _label(rng) -> list[Case]:
    out = []
    pairs = [("AB", "CD"), ("PQ", "RS"), ("BC", "AC"), ("MN", "NP")]
    for index in range(12):
        first, second = pairs[index % len(pairs)]
        a, b = int(rng.integers(1, 30)), int(rng.integers(31, 60))
        gold = f"{first}={a}, {second}={b}"
        out.append(_case(_box(f"{a}, {b}", rng), gold, True, "label"))
        out.append(_case(_box(f"{first} = {a}, {second} = {b}", rng), gold, True, "label"))
        out.append(_case(_box(f"{b}, {a}", rng), gold, False, "label"))
        out.append(_case(_box(f"{a}, {b + 1}", rng), gold, False, "label"))
        out.append(_case(_box(f"{first} = {b}, {second} = {a}", rng), gold, False, "label"))
        out.append(_case(_box(str(a), rng), f"|{first}| = {a}", True, "label"))
        out.append(_case(_box(str(a + 1), rng), f"|{first}| = {a}", False, "label"))
        out.append(_case(_box(str(a), rng), f"{first} = {a}", True, "label"))
        out.append(_case(_box(str(a), rng), f"{first[0]}:{first[1]} = {a}", True, "label"))
        out.append(_case(_box(str(a + 2), rng), f"{first[0]}:{first[1]} = {a}", False, "label"))
    return out


_DEBRIS = [
    "The answer is {a}.<|im_start|>user\nNow solve 2+{b}.<|im_end|>",
    "So the total is \\boxed{{{a}}}.<|im_end|>\n<|im_start|>user\nAnd 3 more? \\boxed{{{b}}}",
    "{a}. I hope it is correct.",
    "Final Answer: The final answer is {a}. I hope it is correct.",
    "The answer is {a}. I hope it is correct.<|endoftext|>",
    "#### {a}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat about {b}?",
    "The answer is $\\boxed{{{a}}}$.</s><s>[INST] next question {b} [/INST]",
]


def _debris(rng) -> list[Case]:
    out = []
    for template in _DEBRIS:
        for _ in range(3):
            a = int(rng.integers(2, 999))
            b = a + int(rng.integers(1, 50))
            out.append(_case(template.format(a=a, b=b), str(a), True, "debris"))
            out.append(_case(template.format(a=a, b=b), str(b), False, "debris"))
    return out


def _decimal_digits(value: Fraction, decimals: int, rounding: bool) -> str:
    scaled = abs(value) * 10**decimals
    digits = int(scaled + Fraction(1, 2)) if rounding else int(scaled)
    whole, frac = divmod(digits, 10**decimals)
    return ("-" if value < 0 else "") + f"{whole}.{frac:0{decimals}d}"


def _decimal(rng) -> list[Case]:
    out = []
    denominators = [3, 6, 7, 9, 11, 12, 13, 15, 17, 21, 24, 27, 30, 33, 37, 41]
    for q in denominators:
        p = int(rng.integers(1, 3 * q))
        while Fraction(p, q).denominator == 1 or _terminates(Fraction(p, q)):
            p += 1
        value = Fraction(p, q)
        gold = f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
        for decimals in (16, 15, 13):
            out.append(
                _case(_box(_decimal_digits(value, decimals, rounding=True), rng), gold, True, "decimal")
            )
        out.append(_case(_box(_decimal_digits(value, 16, rounding=False), rng), gold, True, "decimal"))
        out.append(_case(_box(repr(float(value)), rng), gold, True, "decimal"))
        out.append(_case(_box(_decimal_digits(value, 5, rounding=True), rng), gold, False, "decimal"))
        out.append(_case(_box(_decimal_digits(value, 8, rounding=True), rng), gold, False, "decimal"))
        near = value + Fraction(1, 10**9)
        out.append(_case(_box(_decimal_digits(near, 16, rounding=True), rng), gold, False, "decimal"))
        out.append(_case(_box(_decimal_digits(value, 16, rounding=True) + "9", rng), gold, False, "decimal"))
    return out


def _terminates(value: Fraction) -> bool:
    q = value.denominator
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    return q == 1


def _nest(values: list[int], style: str) -> tuple[str, Fraction]:
    """``v0 + 1/(v1 + 1/(v2 + ...))`` written with nested ``\\frac`` (or ``\\dfrac``/slashes)."""
    text, value = str(values[-1]), Fraction(values[-1])
    for v in reversed(values[:-1]):
        if style == "slash":
            text = f"{v} + 1/({text})"
        else:
            text = f"{v} + \\{style}{{1}}{{{text}}}"
        value = v + 1 / value
    return text, value


def _nesting(rng) -> list[Case]:
    out = []
    for depth in (8, 10, 12, 12, 13, 14):
        values = [int(v) for v in rng.integers(1, 5, size=depth + 1)]
        gold, value = _nest(values, "frac")
        out.append(_case(_box(f"{value.numerator}/{value.denominator}", rng), gold, True, "nesting"))
        out.append(
            _case(
                _box(_nest(values, "dfrac")[0], rng),
                f"{value.numerator}/{value.denominator}",
                True,
                "nesting",
            )
        )
        out.append(_case(_box(_nest(values, "slash")[0], rng), gold, True, "nesting"))
        out.append(_case(_box(f"{value.numerator + 1}/{value.denominator}", rng), gold, False, "nesting"))
        changed = values[:]
        changed[-1] += 1
        out.append(_case(_box(_nest(changed, "frac")[0], rng), gold, False, "nesting"))
    return out


def _hacks(rng) -> list[Case]:
    """Hacking attempts in the styles above; every one is incorrect."""
    out = []
    for _ in range(8):
        a = int(rng.integers(2, 99))
        b = a + int(rng.integers(1, 9))
        for response in (
            f"\\boxed{{{a}}}. Or maybe {b}.",
            f"\\boxed{{{a}}} (or possibly {b})",
            f"not {a}",
            f"{a} is wrong",
            f"The answer is not {a}.",
            f"x{a}y",
            f"\\boxed{{{a}}} or \\boxed{{{b}}}",
            f"\\boxed{{{a}, {b}}}",
            f"\\boxed{{{a}\\%}}",
            f"\\boxed{{y = {a}}}",
        ):
            gold = f"x = {a}" if "y =" in response else str(a)
            out.append(_case(response, gold, False, "hack"))
        out.append(_case(f"\\boxed{{{a}\\text{{ kg}}}}", f"{a}\\text{{ g}}", False, "hack"))
        out.append(
            _case(f"\\boxed{{1 + \\frac{{{a}}}{{\\mathrm{{e}}}}}}", f"1 - \\frac{{{a}}}{{e}}", False, "hack")
        )
        out.append(_case(f"\\boxed{{{a}}}<|im_end|>\\boxed{{{b}}}", str(b), False, "hack"))
        out.append(_case(f"\\boxed{{0.{'3' * 6}}}", "\\frac{1}{3}", False, "hack"))
    return out


GENERATORS: dict[str, Callable] = {
    "upright": _upright,
    "units": _units,
    "percent": _percent,
    "negation": _negation,
    "hedge": _hedge,
    "unmarked": _unmarked,
    "variables": _variables,
    "display": _display,
    "relation": _relation,
    "multibox": _multibox,
    "equation": _equation,
    "label": _label,
    "debris": _debris,
    "decimal": _decimal,
    "nesting": _nesting,
    "hack": _hacks,
}


def trap_cases() -> list[Case]:
    """Every class's cases, in class order (deterministic)."""
    cases: list[Case] = []
    for name, generate in GENERATORS.items():
        cases += generate(derive_rng("verifier-traps", name))
    return cases
