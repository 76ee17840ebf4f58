"""The GSM-Symbolic template format, including irregularities that the shared P2 files do not all show."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mathgym.variants.base import format_answer
from mathgym.variants.gsm_symbolic import TemplateFamily
from mathgym.variants.template import GSMTemplate, TemplateError


def make(question: str, answer: str = "", **kw) -> GSMTemplate:
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


# --- issue 11: every construct of the published format -----------------------------------------------------
def test_numeric_variables_without_the_dollar_mark() -> None:
    t = make(
        "{name,Ann} knits {a,2} hats and {b,4} scarves for each of {count,3} kids. Skeins?\n"
        "#init:\n- name = sample(names_female)\n- a, b = sample(list(range(3, 19)), 2)\n- count = range(2, 6)\n"
        "#answer: count * (a + b)"
    )
    assert t.default.values == {"name": "Ann", "a": 2, "b": 4, "count": 3} and t.default.answer == 18
    assert all(t.lines[t.line_of[v]].numeric for v in ("a", "b", "count"))
    assert not t.lines[t.line_of["name"]].numeric
    for a in samples(t):
        assert a.answer == a.values["count"] * (a.values["a"] + a.values["b"])
        assert all(isinstance(a.values[v], int) for v in ("a", "b", "count"))


def test_pairs_whose_text_part_is_a_number() -> None:
    t = make(
        "{name,Bo} has {n,2} {bill,twenty}-dollar bills and {d,1} dozen eggs ({eggs,12} eggs). Total?\n"
        "#init:\n- name = sample(names_male)\n- $n = range(1, 6)\n- $bill = sample([(5, 5), (10, 10), (20, 20)])\n"
        "- $d = sample([(1, 12), (2, 24), (3, 36)])\n- $eggs = d * 1\n"
        "#answer: n * int(bill) + eggs"
    )
    assert t.default.values["bill"] == 20 and t.default.answer == 2 * 20 + 12
    shown = set()
    for a in samples(t):
        assert a.displays["bill"] == str(int(a.values["bill"])) and int(a.values["bill"]) in (5, 10, 20)
        assert a.values["d"] == 12 * int(a.displays["d"])  # the question shows 2, the arithmetic uses 24
        assert a.answer == a.values["n"] * a.values["bill"] + a.values["d"]
        shown.add(a.displays["d"])
    assert shown == {"1", "2", "3"}


def test_answers_and_conditions_index_text_value_pairs() -> None:
    t = make(
        "{n1,4} blue tubes; {name,Jo} has {frac,half} as many, and {mult,twice} as many red ones as {n2,3}. "
        "How many?\n#init:\n- name = sample(names)\n- $n1 = range(2, 20)\n- $n2 = range(2, 20)\n"
        "- $frac = sample(fraction_alnum)\n- $mult = sample(multiple_ice+multi_times)\n"
        "#conditions:\n- is_int(n1 * frac)\n- mult[1] * n2 < 60\n"
        "#answer: int(n1 * frac[1] + n2 * mult[1])"
    )
    assert (
        t.default.answer == 2 + 6
    )  # "half" is not in the list: the default reads it as 1/2 and keeps the text
    assert t.default.values["frac"][0] == "half"
    for a in samples(t):
        frac, mult = a.values["frac"], a.values["mult"]
        assert frac[0] == a.displays["frac"] and frac[1] == frac and mult[0] == a.displays["mult"]
        assert a.answer == a.values["n1"] * frac + a.values["n2"] * mult


def test_random_draws_in_init_are_domains() -> None:
    t = make(
        "They made {total,7995} cookies: {n1,2595} and {n2,3075} and some more. More?\n#init:\n"
        "- $total = range(5000, 10000, 25)\n- $n1 = np.random.randint(1000, 3000, 50)\n"
        "- $n2 = random.randint(1000, 2999)\n- $k = np.random.choice([2, 4, 8], 10)\n"
        "#conditions:\n- n1 + n2 < total\n#answer: total - (n1 + n2) + 0 * k"
    )
    values = [a.values for a in samples(t, 40)]
    assert all(1000 <= v["n1"] < 3000 and 1000 <= v["n2"] <= 2999 and v["k"] in (2, 4, 8) for v in values)
    assert len({v["n1"] for v in values}) > 30  # drawn from the whole range, not a fixed array of 50


def test_a_variable_defined_twice_is_the_later_definition_everywhere() -> None:
    t = make(
        "Skip at {frac,half} of {speed,6}; the part skipping is {frac,two-thirds}. Distance?\n#init:\n"
        "- $frac = sample(fraction_nums)\n- $speed = range(2, 30)\n- $half_speed = speed * frac\n"
        "- $frac = sample([Fraction(1, 3), Fraction(2, 3)])\n"
        "#conditions:\n- is_int(speed * frac)\n- is_int(half_speed)\n#answer: speed * frac"
    )
    assert t.redefined == ["frac"]
    fam = TemplateFamily(t, "gsm-symbolic/test/twice")
    for k in range(1, 25):
        problem = fam.variant(k)
        a = fam.assignment(k)
        frac = a.values["frac"]
        assert frac in (Fraction(1, 3), Fraction(2, 3))  # the later definition
        assert f"the part skipping is {a.displays['frac']}" in problem.prompt
        assert f"Skip at {a.displays['frac']} of" in problem.prompt  # one value, shown and checked alike
        assert problem.answer == format_answer(a.values["speed"] * frac)
        assert (
            a.values["half_speed"] == a.values["speed"] * a.values["frac__1"]
        )  # the line between reads the first
        assert not t.failed_conditions(a.values, a.answer)
        assert list(problem.meta["redefined"]) == ["frac"]


def test_remainders_and_truncations_are_exact() -> None:
    t = make(
        "Buy {q,20} items at {price,0.35} each with {tax,10}% tax. Whole dollars?\n#init:\n"
        "- $q = range(10, 60)\n- $price = fix_floats(list(np.arange(0.21, 1, 0.01)))\n- $tax = range(5, 20)\n"
        "#conditions:\n- q * price * (100 + tax) / 100 % 1 == 0\n- int(q * price * 1000) % 10 == 0\n"
        "#answer: int(q * price * (100 + tax) / 100)"
    )
    for a in samples(t, 30):
        total = a.values["q"] * Fraction(repr(a.values["price"])) * (100 + a.values["tax"]) / 100
        assert total.denominator == 1 and a.answer == total
    # every x passes "(x * 1.1) % 1.1 == 0" exactly; in floats 5, 7 and 9 do not (5 * 1.1 % 1.1 is 1.0999999999999996)
    multiples = make("{x,1}?\n#init:\n- $x = range(1, 10)\n#conditions:\n- (x * 1.1) % 1.1 == 0\n#answer: x")
    assert {a.values["x"] for a in samples(multiples, 80)} == set(range(1, 10))
    assert any((x * 1.1) % 1.1 != 0 for x in range(1, 10))
    # an answer that truncates: int(10 * (1 - 0.9)) is 0 in floats, 1 exactly
    assert make("{x,10}?\n#init:\n- $x = range(10, 11)\n#answer: int(x * (1 - 0.9))").default.answer == 1


def test_meta_records_every_sampled_value_and_recomputes_the_gold() -> None:
    import json

    t = make(
        "{name,Ann} has {n,10} and gives {frac,half}. Left?\n#init:\n- name = sample(names_female)\n"
        "- $n = range(2, 40, 2)\n- $frac = sample(fraction_alnum)\n- $hidden = range(1, 3)\n"
        "#conditions:\n- is_int(n * frac)\n#answer: n - n * frac[1] + 0 * hidden"
    )
    fam = TemplateFamily(t, "gsm-symbolic/test/meta")
    for k in range(15):
        problem = fam.variant(k)
        sampled = json.loads(problem.to_json())["meta"]["sampled"]  # as stored
        assert set(sampled) == {"name", "n", "frac", "hidden"}  # shown or not
        assert format_answer(t.answer_from_meta(sampled)) == problem.answer


def test_a_bad_template_never_stops_the_others(tmp_path) -> None:
    import json
    import warnings

    from mathgym.variants.gsm_symbolic import load_templates

    good = {"question_annotated": "{x,1} plus one?\n#init:\n- $x = range(1, 9)\n#answer: x + 1"}
    (tmp_path / "0000.json").write_text(json.dumps(good))
    (tmp_path / "0001.json").write_text("{not json")
    (tmp_path / "0002.json").write_text(
        json.dumps({"question_annotated": "{y,1}?\n#init:\n- $x = range(3)\n#answer: x"})
    )
    (tmp_path / "0003.json").write_text(json.dumps(good))
    (tmp_path / "0004.json").write_text(json.dumps(["a list"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        families = load_templates("test", tmp_path)
    assert [f.id for f in families] == ["gsm-symbolic/test/0000", "gsm-symbolic/test/0003"]
    assert sorted(families.failures) == ["0001.json", "0002.json", "0004.json"]
    assert all(name in str(caught[0].message) for name in families.failures)
    with pytest.raises(TemplateError, match="0001.json.*0002.json.*0004.json"):
        load_templates("test", tmp_path, strict=True)
