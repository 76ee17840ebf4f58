"""Every gold answer, recomputed from the PROMPT TEXT by an independent route.

The generators compute answers with their own code (expression trees, Euclid, rule tables for
derivatives and antiderivatives, convolution counts ...). Here each prompt is parsed back and solved
with sympy (``parse_expr``/``solve``/``diff``/``integrate``/``expand``/``factor_list``) or by brute-force
enumeration, so a mismatch between what a prompt says and its gold answer fails the test.
"""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction

import pytest
import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from mathgym.generators import GENERATORS
from mathgym.sources import ProceduralSource

X, Y = sympy.symbols("x y")
_TRANSFORMS = standard_transformations + (convert_xor, implicit_multiplication_application)
_LOCALS = {
    "x": X,
    "y": Y,
    "ln": sympy.log,
    "exp": sympy.exp,
    "sqrt": sympy.sqrt,
    "pi": sympy.pi,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "E": sympy.E,
}
_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "once": 1,
}


def sym(text: str) -> sympy.Expr:
    """Parse trusted test text (our own prompts and gold answers) into sympy."""
    return parse_expr(
        text.replace("×", "*").replace("÷", "/"), local_dict=_LOCALS, transformations=_TRANSFORMS
    )


def num(text: str) -> Fraction:
    return Fraction(text.replace(",", "").replace("$", ""))


def same(a: sympy.Expr, b: sympy.Expr) -> bool:
    diff = sympy.expand(a - b)
    return diff == 0 or sympy.simplify(diff) == 0


def items(name: str, per_level: int) -> list:
    out = []
    for level in range(GENERATORS[name].num_levels()):
        source = ProceduralSource(name, level=level, seed=31)
        out += [source[i] for i in range(per_level)]
    return out


# -- arithmetic -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Arithmetic", "Fractions"])
def test_expressions(name: str) -> None:
    for p in items(name, 25):
        expression = re.match(r"Calculate (.*?)\.( Give|$)", p.prompt).group(1)
        value = sym(expression)
        assert value.is_Rational and Fraction(int(value.p), int(value.q)) == num(p.answer), p.prompt


def test_percentages() -> None:
    for p in items("Percentages", 25):
        t, kind = p.prompt, p.meta["params"]["kind"]
        if kind == "of":
            pct, base = re.match(r"What is ([\d.]+)% of (\d+)\?", t).groups()
            expected = num(pct) * num(base) / 100
        elif kind == "what":
            part, whole = re.match(r"([\d.]+) is what percent of (\d+)\?", t).groups()
            expected = num(part) / num(whole) * 100
        elif kind == "change":
            old, new = re.search(r"from \$([\d,.]+) to \$([\d,.]+)", t).groups()
            expected = abs(num(new) - num(old)) / num(old) * 100
        elif kind == "reverse":
            pct, sale = re.search(r"After a ([\d.]+)% discount, an? [\w ]+ costs \$([\d,.]+)", t).groups()
            expected = num(sale) / (1 - num(pct) / 100)
        else:
            price, up, down = re.search(
                r"costs \$([\d,.]+)\. .*raised by ([\d.]+)%.*lowered by ([\d.]+)%", t
            ).groups()
            expected = num(price) * (1 + num(up) / 100) * (1 - num(down) / 100)
        assert num(p.answer) == expected, t


# -- algebra ----------------------------------------------------------------------------------------


def test_linear_equations() -> None:
    for p in items("LinearEquation", 12):
        lhs, rhs = re.match(r"Solve for x: (.*) = (.*)\.$", p.prompt).groups()
        solutions = sympy.solve(sym(lhs) - sym(rhs), X)
        assert solutions == [sym(p.answer)], p.prompt


def test_linear_systems() -> None:
    for p in items("LinearSystem2x2", 6):
        e1, e2 = re.match(r"Solve the system of equations (.*) and (.*)\. Give", p.prompt).groups()
        eqs = [sym(e.split(" = ")[0]) - sym(e.split(" = ")[1]) for e in (e1, e2)]
        solution = sympy.solve(eqs, [X, Y], dict=True)
        assert len(solution) == 1
        gold = sympy.Tuple(*[sym(v) for v in p.answer.strip("()").split(", ")])
        assert (solution[0][X], solution[0][Y]) == tuple(gold), p.prompt


def _gold_set(answer: str) -> list[sympy.Expr]:
    assert answer.startswith("{") and answer.endswith("}")
    return [sym(v) for v in answer[1:-1].split(", ")]


def test_quadratics() -> None:
    for p in items("Quadratic", 8):
        lhs, rhs = re.match(r"Solve (.*) = (.*) for x\.", p.prompt).groups()
        poly = sympy.Poly(sym(lhs) - sym(rhs), X)
        assert poly.degree() == 2
        roots = [r for r in sympy.roots(poly, X) if r.is_real]
        gold = _gold_set(p.answer)
        assert len(gold) == len(roots), p.prompt
        assert all(any(same(g, r) for r in roots) for g in gold), p.prompt
        # listed ascending
        assert [float(g) for g in gold] == sorted(float(g) for g in gold)


def test_polynomials() -> None:
    for p in items("Polynomial", 10):
        gold = sym(p.answer)
        if p.prompt.startswith("Expand"):
            product = re.match(r"Expand and simplify (.*)\.$", p.prompt).group(1)
            expanded = sympy.expand(sym(product))
            assert sympy.expand(gold) == expanded and gold == expanded, p.prompt  # gold is already expanded
        else:
            poly = sym(re.match(r"Factor (.*) completely over the integers\.$", p.prompt).group(1))
            assert sympy.expand(gold - poly) == 0, p.prompt
            assert sympy.factor_list(gold) == sympy.factor_list(poly), p.prompt
            # the gold is written factored: every factor it shows is irreducible (degree 1 here)
            factors = sympy.factor_list(gold)[1]
            assert all(sympy.degree(f, X) == 1 for f, _ in factors)


# -- calculus ---------------------------------------------------------------------------------------


def test_derivatives() -> None:
    for p in items("Derivative", 5):
        f = sym(re.match(r"Find the derivative of f\(x\) = (.*) with respect to x\.$", p.prompt).group(1))
        assert same(sympy.diff(f, X), sym(p.answer)), p.prompt


def test_definite_integrals() -> None:
    for p in items("DefiniteIntegral", 4):
        f, a, b = re.match(
            r"Evaluate the definite integral of f\(x\) = (.*) with respect to x from x = (.*) "
            r"to x = (.*)\.$",
            p.prompt,
        ).groups()
        value = sympy.integrate(sym(f), (X, sym(a), sym(b)))
        gold = sym(p.answer)
        assert same(sympy.expand_log(value, force=True), sympy.expand_log(gold, force=True)), p.prompt
        if p.meta["answer_type"] == "fraction":
            assert gold.is_Rational


# -- number theory ----------------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(v) for v in re.findall(r"\d+", text)]


def test_number_theory_by_brute_force() -> None:
    for p in items("NumberTheory", 25):
        t, answer = p.prompt, int(p.answer)
        if t.startswith("What is the greatest common divisor"):
            numbers = _ints(t)
            assert answer == max(d for d in range(1, min(numbers) + 1) if all(n % d == 0 for n in numbers))
        elif t.startswith("What is the least common multiple"):
            numbers = _ints(t)
            assert answer == math.lcm(*numbers) and all(answer % n == 0 for n in numbers)
        elif t.startswith("What is the remainder"):
            a, e, m = _ints(t)
            assert answer == pow(a, e, m)
        elif t.startswith("Find the multiplicative inverse"):
            a, m, _, _ = _ints(t)
            assert answer == next(v for v in range(m) if a * v % m == 1)
        else:
            a, b, m = map(int, re.search(r"such that (\d+)x ≡ (\d+) \(mod (\d+)\)", t).groups())
            assert answer == next(v for v in range(m) if (a * v - b) % m == 0)


# -- word problems ----------------------------------------------------------------------------------


def test_unit_rates_by_proportion() -> None:
    for p in items("UnitRate", 40):
        t, kind = p.prompt, p.meta["params"]["kind"]
        values = [num(v) for v in re.findall(r"\$?\d[\d,]*(?:\.\d+)?", t)]
        if kind == "price":  # If n1 goods cost $c1, how much do n2 goods cost
            n1, c1, n2 = values
            expected = c1 / n1 * n2
        elif kind == "speed" and "how many hours" in t:  # d1 in t1 hours; time for d2
            d1, t1, d2 = values
            expected = d2 * t1 / d1
        elif kind == "recipe":  # a units for n1 servings; n2 servings
            a, n1, n2 = values
            expected = a * n2 / n1
        else:  # speed distance, work: q1 in t1; t2
            q1, t1, t2 = values
            expected = q1 * t2 / t1
        assert num(p.answer) == expected, t


_FRACTION_WORDS = {
    "half": Fraction(1, 2),
    "a third": Fraction(1, 3),
    "a quarter": Fraction(1, 4),
    "two thirds": Fraction(2, 3),
    "three quarters": Fraction(3, 4),
    "a fifth": Fraction(1, 5),
    "two fifths": Fraction(2, 5),
}


def replay_story(prompt: str) -> Fraction:
    """Read a MultiStepWord story sentence by sentence and compute its answer (independent of the generator)."""
    value = Fraction(0)
    budget = wage = None
    for sentence in re.split(r"(?<=[.?])\s+", prompt):
        if m := re.fullmatch(r"\w+ goes shopping with \$(\d+)\.", sentence):
            budget = int(m[1])
        elif m := re.fullmatch(r"\w+ has (\d+) [\w ]+\.", sentence):
            value = Fraction(int(m[1]))
        elif m := re.fullmatch(r"\w+ gives \w+ (\d+) more [\w ]+\.", sentence):
            value += int(m[1])
        elif m := re.fullmatch(r"\w+ buys (\d+) \w+ of [\w ]+ with (\d+) [\w ]+ in each \w+\.", sentence):
            value += int(m[1]) * int(m[2])
        elif m := re.fullmatch(r"Over the summer, the number of [\w ]+ has (doubles|triples)\.", sentence):
            value *= 2 if m[1] == "doubles" else 3
        elif m := re.fullmatch(r"\w+ gives (\d+) [\w ]+ to \w+\.", sentence):
            value -= int(m[1])
        elif m := re.fullmatch(r"\w+ uses ([\w ]+?) of \w+ [\w ]+ in an art project\.", sentence):
            value -= value * _FRACTION_WORDS[m[1]]
        elif m := re.fullmatch(r"\w+ then shares all of \w+ [\w ]+ equally among (\d+) friends\.", sentence):
            value /= int(m[1])
        elif m := re.fullmatch(r"\w+ then sells all of \w+ [\w ]+ for \$(\d+) each\.", sentence):
            value *= int(m[1])
        elif m := re.fullmatch(r"\w+ buys (\d+) [\w ]+ for \$(\d+) each\.", sentence):
            value += int(m[1]) * int(m[2])
        elif m := re.fullmatch(r"\w+ also buys an? [\w ]+ for \$(\d+)\.", sentence):
            value += int(m[1])
        elif m := re.fullmatch(r"\w+ uses a coupon for \$(\d+) off\.", sentence):
            value -= int(m[1])
        elif m := re.fullmatch(r"At the register, \w+ gets (\d+)% off everything so far\.", sentence):
            value -= value * int(m[1]) / 100
        elif m := re.fullmatch(r"\w+ earns \$(\d+) per hour at \w+ part-time job\.", sentence):
            wage = int(m[1])
        elif m := re.fullmatch(r"On \w+, \w+ works (\d+) hours\.", sentence):
            value += int(m[1]) * wage
        elif m := re.fullmatch(r"\w+ spends \$(\d+) on [\w ]+\.", sentence):
            value -= int(m[1])
        elif m := re.fullmatch(r"\w+ also gets a \$(\d+) tip\.", sentence):
            value += int(m[1])
        elif m := re.fullmatch(r"\w+ saves ([\w ]+?) of the money \w+ has\.", sentence):
            value *= _FRACTION_WORDS[m[1]]
        elif sentence.startswith("How many"):
            if "have left" in sentence:
                value = budget - value
        else:
            raise AssertionError(f"unparsed sentence {sentence!r} in {prompt!r}")
    return value


def test_multi_step_stories_replayed_from_the_text() -> None:
    for p in items("MultiStepWord", 40):
        value = replay_story(p.prompt)
        assert value == int(p.answer) and value >= 0, p.prompt


# -- probability ------------------------------------------------------------------------------------


def _deck() -> list[tuple[str, str]]:
    ranks = ["ace", "2", "3", "4", "5", "6", "7", "8", "9", "10", "jack", "queen", "king"]
    return [(r, s) for r in ranks for s in ("hearts", "diamonds", "clubs", "spades")]


def brute_probability(prompt: str) -> Fraction:
    if m := re.match(
        r"(A fair six-sided die is|(\w+) fair six-sided dice are) rolled\. What is the probability "
        r"that (.*)\?",
        prompt,
    ):
        n = 1 if m[2] is None else _WORDS[m[2].lower()]
        event = m[3]
        outcomes = list(itertools.product(range(1, 7), repeat=n))
        if event == "at least one of them shows a 6":
            hits = [o for o in outcomes if 6 in o]
        elif e := re.fullmatch(r"(?:the sum is|it shows) at least (\d+)", event):
            hits = [o for o in outcomes if sum(o) >= int(e[1])]
        else:
            e = re.fullmatch(r"(?:the sum is|it shows) (\d+)", event)
            hits = [o for o in outcomes if sum(o) == int(e[1])]
        return Fraction(len(hits), len(outcomes))
    if m := re.match(
        r"A fair coin is tossed (\w+)(?: times)?\. What is the probability that (exactly|at least) "
        r"(\d+) of the tosses",
        prompt,
    ):
        n, k = _WORDS.get(m[1]) or int(m[1]), int(m[3])
        outcomes = list(itertools.product("HT", repeat=n))
        heads = [o.count("H") for o in outcomes]
        hits = [h for h in heads if (h == k if m[2] == "exactly" else h >= k)]
        return Fraction(len(hits), len(outcomes))
    if m := re.match(
        r"An urn contains (.*) balls\. (.*) drawn at random.*? What is the probability that (.*)\?", prompt
    ):
        balls = [color for count, color in re.findall(r"(\d+) (\w+)", m[1]) for _ in range(int(count))]
        draws = 1 if m[2].startswith("One") else _WORDS[m[2].split()[0].lower()]
        if e := re.fullmatch(r"it is (\w+)", m[3]):
            want, exactly = e[1], 1
        else:
            e = re.fullmatch(r"exactly (\d+) of them (?:is|are) (\w+)", m[3])
            want, exactly = e[2], int(e[1])
        combos = list(itertools.combinations(range(len(balls)), draws))
        hits = [c for c in combos if sum(balls[i] == want for i in c) == exactly]
        return Fraction(len(hits), len(combos))
    deck = _deck()
    faces = {"jack", "queen", "king"}
    if prompt.startswith("Two cards"):
        pairs = list(itertools.combinations(deck, 2))
        index = 0 if "same rank" in prompt else 1
        return Fraction(sum(a[index] == b[index] for a, b in pairs), len(pairs))
    question = re.search(r"probability that it is (.*)\?", prompt)[1]
    if e := re.fullmatch(r"one of the (\w+)", question):
        test = lambda c: c[1] == e[1]
    elif question.startswith("a face card"):
        test = lambda c: c[0] in faces
    elif e := re.fullmatch(r"an? (\w+) or one of the (\w+)", question):
        test = lambda c: c[0] == e[1] or c[1] == e[2]
    else:
        assert question == "a red card that is not a face card"
        test = lambda c: c[1] in ("hearts", "diamonds") and c[0] not in faces
    return Fraction(sum(map(test, deck)), len(deck))


def test_probabilities_by_enumeration() -> None:
    for p in items("Probability", 25):
        assert brute_probability(p.prompt) == num(p.answer), p.prompt


# -- counting and sequences -------------------------------------------------------------------------


def _multinomial_by_placement(word: str) -> int:
    """Place each letter's copies into the remaining slots, one letter at a time."""
    total, free = 1, len(word)
    for letter in sorted(set(word)):
        k = word.count(letter)
        total *= math.comb(free, k)
        free -= k
    return total


def test_combinatorics_by_enumeration() -> None:
    for p in items("Combinatorics", 20):
        t, answer = p.prompt, int(p.answer)
        if m := re.match(r"In how many different orders can (\d+) people", t):
            n = int(m[1])
            expected = sum(1 for _ in itertools.permutations(range(n))) if n <= 8 else math.factorial(n)
        elif m := re.match(r"(.*) stand in a line\. .* if (\w+) and (\w+) must stand next to each other", t):
            people = re.split(r", | and ", m[1])
            a, b = people.index(m[2]), people.index(m[3])
            if len(people) <= 8:
                expected = sum(
                    abs(o.index(a) - o.index(b)) == 1 for o in itertools.permutations(range(len(people)))
                )
            else:
                expected = 2 * math.factorial(len(people) - 1)
        elif m := re.match(r"A club has (\d+) members\. .* committee of (\d+) members", t):
            expected = sum(1 for _ in itertools.combinations(range(int(m[1])), int(m[2])))
        elif m := re.match(
            r"A team of (\d+) is chosen from (\d+) women and (\d+) men\. .* exactly (\d+) women", t
        ):
            k, w, n_men, j = map(int, m.groups())
            people = ["w"] * w + ["m"] * n_men
            expected = sum(
                1
                for c in itertools.combinations(range(len(people)), k)
                if sum(people[i] == "w" for i in c) == j
            )
        elif m := re.match(r"How many distinct arrangements of the letters of the word (\w+)", t):
            word = m[1]
            expected = (
                len(set(itertools.permutations(word))) if len(word) <= 7 else _multinomial_by_placement(word)
            )
        elif m := re.match(r"How many (\d+)-digit codes", t):
            expected = sum(1 for _ in itertools.permutations(range(10), int(m[1])))
        else:
            n = int(re.search(r"each of (\d+) people", t)[1])
            expected = sum(1 for _ in itertools.combinations(range(n), 2))
        assert answer == expected, t


def _extend(first: list[Fraction], count: int) -> list[Fraction]:
    """Continue a sequence from its first terms: constant difference, else constant ratio."""
    diffs = {b - a for a, b in itertools.pairwise(first)}
    if len(diffs) == 1:
        d = diffs.pop()
        return [first[0] + d * i for i in range(count)]
    ratios = {b / a for a, b in itertools.pairwise(first)}
    assert len(ratios) == 1, first
    r = ratios.pop()
    out = [first[0]]
    while len(out) < count:
        out.append(out[-1] * r)
    return out


def test_sequences_by_iteration() -> None:
    for p in items("Sequences", 25):
        t, answer = p.prompt, num(p.answer)
        if m := re.search(r"sequence (-?\d+(?:, -?\d+)*), \.\.\.\?", t):
            first = [num(v) for v in m[1].split(", ")]
            if t.startswith("What is the next term"):
                expected = _extend(first, 5)[4]
            elif m2 := re.match(r"What is the (\d+)\w\w term", t):
                expected = _extend(first, int(m2[1]))[-1]
            else:
                n = int(re.match(r"What is the sum of the first (\d+) terms", t)[1])
                expected = sum(_extend(first, n))
        else:
            i, ti, j, tj, n = re.match(
                r"In an arithmetic sequence, the (\d+)\w\w term is (-?\d+) and the (\d+)\w\w term "
                r"is (-?\d+)\. What is the (\d+)\w\w term\?",
                t,
            ).groups()
            d = (num(tj) - num(ti)) / (int(j) - int(i))
            expected = num(ti) + d * (int(n) - int(i))
        assert answer == expected, t
