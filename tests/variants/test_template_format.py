"""The GSM-Symbolic template format, including irregularities that the shared P2 files do not all show."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mathgym.variants.base import format_answer
from mathgym.variants.gsm_symbolic import TemplateFamily
from mathgym.variants.template import GSMTemplate, TemplateError


def make(question: str, answer: str = "", **kw) -> GSMTemplate:  # noqa: ANN003
    return GSMTemplate({"question_annotated": question, "answer_annotated": answer}, "test", **kw)


def samples(t: GSMTemplate, n: int = 30) -> list:
    return [t.sample(np.random.default_rng(i)) for i in range(n)]


def test_tuples_multi_target_sample_and_ans_in_conditions() -> None:
    t = make(
        "{name,Ava} and {friend,Ben} share {n,12} {fruit,apple}s; {name,Ava} keeps {frac,half} of them. "
        "How many does {friend,Ben} get?\n\n"
        "#init:\n- name, friend = sample(names, 2)\n- fruit = sample(fruits)\n- $n = range(6, 60, 2)\n"
        "- $frac = sample(fractions)\n\n#conditions:\n- is_int(n * frac)\n- ans > 3\n\n"
        "#answer: n - n * frac",
        "{friend} gets {n} - {n*frac} = {n - n*frac}.\n#### {n - n*frac}",
    )
    assert t.default.values["frac"] == Fraction(1, 2) and t.default.answer == 6
    for a in samples(t):
        assert a.values["name"] != a.values["friend"]
        assert (a.values["n"] * a.values["frac"]).denominator == 1 and a.answer > 3
        assert a.displays["frac"] in {d for d, _ in t.domain_elements("frac")}
    fam = TemplateFamily(t, "gsm-symbolic/test/0")
    p = fam.variant(3)
    assert p.meta["solution"][-1] == f"#### {p.answer}" and p.meta["entities"]["people"]


def test_no_answer_section_uses_final_hash_line_and_no_conditions_section() -> None:
    t = make(
        "Sam has {x,4} pens and buys {y,3} more. How many now?\n#init:\n-$x = range(1, 9)\n- $y=range(1,9)",
        "Sam has {x} + {y} = {x+y}.\n#### {x + y}",
    )
    assert t.answer_source == "x + y" and t.conditions == []
    assert all(a.answer == a.values["x"] + a.values["y"] for a in samples(t))


@pytest.mark.parametrize(
    "answer_line", ["#answer = $total - $spent", "#answer: {total - spent}", "#answer:\n- total -\n  spent"]
)
def test_answer_section_spellings(answer_line: str) -> None:
    t = make(
        "Had {total,10}, spent {spent,4}. Left?\n#init:\n- $total = range(10, 20)\n- $spent = range(1, 10)\n"
        f"#conditions:\n- spent < total\n{answer_line}"
    )
    assert t.default.answer == 6
    assert all(a.answer == a.values["total"] - a.values["spent"] for a in samples(t, 10))


def test_helpers_sample_sequential_frange_numbers_within_fix_floats_and_derived_lines() -> None:
    t = make(
        "On {d1,Monday} and {d2,Tuesday} {who,Mia} ran {k,two} laps of {lap,0.25} km "
        "and paid {price,1.10}. Total?\n"
        "#init:\n- d1, d2 = sample_sequential(weekdays, 2)\n- who = sample(names_female)\n"
        "- $k = numbers_within(2, 6)\n- $lap = frange(0.25, 2.0, 0.25)\n"
        "- $price = fix_floats(shuffle_list(list(np.arange(1.05, 1.5, 0.05))))\n- $double = k * 2\n"
        "#conditions:\n- is_int(double * lap)\n#answer: double * lap + price"
    )
    assert t.default.values["k"] == 2 and t.default.values["double"] == 4  # derived, though not shown
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    for a in samples(t):
        i = days.index(a.values["d1"])
        assert a.values["d2"] == days[(i + 1) % 7]  # consecutive, wrapping around the week
        assert a.values["double"] == 2 * a.values["k"] and a.displays["k"].isalpha()
        assert float(a.values["double"] * a.values["lap"]).is_integer()
        assert round(a.values["price"], 2) == a.values["price"]


def test_ans_as_an_init_variable_solved_by_an_equality_for_the_default() -> None:
    t = make(
        "A box has {a,5} red and some blue balls, {total,12} in all. Blue?\n#init:\n- $a = range(1, 20)\n"
        "- $ans = range(1, 40)\n- $total = range(5, 50)\n#conditions:\n- a + ans == total\n#answer: $ans"
    )
    assert t.default.values["ans"] == 7 and t.default.answer == 7 and t.default_unresolved == []
    assert all(a.values["a"] + a.answer == a.values["total"] for a in samples(t))


def test_sentence_start_values_are_capitalised() -> None:
    t = make(
        "{frac,half} of the {n,10} eggs broke. How many broke?\n#init:\n- $frac = sample(fractions)\n"
        "- $n = range(2, 40, 2)\n#conditions:\n- is_int(frac * n)\n#answer: frac * n"
    )
    fam = TemplateFamily(t, "gsm-symbolic/test/1")
    assert fam.variant(0).prompt.startswith("Half of the 10 eggs")
    assert all(fam.variant(k).prompt[0].isupper() or fam.variant(k).prompt[0].isdigit() for k in range(1, 10))
    assert any(fam.variant(k).prompt[0].isupper() for k in range(1, 30))


def test_integer_answers_follow_the_default_unless_forced() -> None:
    q = "Split {n,10} by {d,4}.\n#init:\n- $n = range(1, 30)\n- $d = range(2, 7)\n#answer: n / d"
    assert make(q).integer_answers is False  # 10 / 4 = 2.5
    forced = make(q, integer_answers=True)
    assert all(float(a.answer).is_integer() for a in samples(forced))
    assert format_answer(make(q).default.answer) == "2.5"


def test_errors_name_the_problem() -> None:
    with pytest.raises(TemplateError, match="sample_list_x"):
        make("{x,1}?\n#init:\n- x = sample(sample_list_x)\n#answer: 1")
    with pytest.raises(TemplateError, match="which #init does not define"):
        make("{y,1}?\n#init:\n- $x = range(3)\n#answer: x")
    with pytest.raises(TemplateError, match="no '#answer:' section"):
        make("{x,1}?\n#init:\n- $x = range(3)")
    with pytest.raises(TemplateError, match="not allowed|unknown name"):
        make("{x,1}?\n#init:\n- $x = range(3)\n#answer: __import__('os')")
    impossible = make("{x,1}?\n#init:\n- $x = range(1, 10)\n#conditions:\n- x > 100\n#answer: x")
    with pytest.raises(TemplateError, match="no values satisfy"):
        impossible.sample(np.random.default_rng(0))


def test_extra_lists_extend_the_builtin_ones() -> None:
    t = make(
        "{planet,Mars} has {m,2} moons.\n#init:\n- planet = sample(planets)\n- $m = range(1, 5)\n#answer: m",
        lists={"planets": ["Mars", "Jupiter"], "names": ["X"]},
    )
    assert {t.sample(np.random.default_rng(i)).values["planet"] for i in range(20)} == {"Mars", "Jupiter"}
