"""The verifier against the trap set (issue 11's false positives and negatives), class by class, and the
mechanisms behind each class on their own."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest
import trap_cases

from mathgym.verifier import extract_answer, parse, verify
from mathgym.verifier.compare import long_decimal_matches, shape, solution_set
from mathgym.verifier.extract import final_answers, strip_chat_debris, unmarked_answers
from mathgym.verifier.lexer import tokenize
from mathgym.verifier.limits import MAX_DEPTH
from mathgym.verifier.parser import parse_with_units

_CASES = trap_cases.trap_cases()


def test_the_trap_set_covers_every_class_with_both_labels() -> None:
    kinds = Counter(case["kind"] for case in _CASES)
    assert set(kinds) == set(trap_cases.GENERATORS)
    assert len(_CASES) >= 500
    for kind in kinds:
        labels = {case["label"] for case in _CASES if case["kind"] == kind}
        assert labels == ({False} if kind == "hack" else {True, False}), kind
    assert trap_cases.trap_cases() == _CASES  # deterministic


@pytest.mark.parametrize("kind", sorted(trap_cases.GENERATORS))
def test_every_trap_of_a_class_is_judged_right(kind: str) -> None:
    wrong = []
    for case in (c for c in _CASES if c["kind"] == kind):
        verdict = verify(case["response"], case["gold"])
        if verdict.correct != case["label"]:
            wrong.append(
                f"label={case['label']} gold={case['gold']!r} response={case['response']!r} -> "
                f"{verdict.reason} ({verdict.extracted!r})"
            )
    assert wrong == [], "\n".join(wrong[:20])


# --- upright constants and the text fallback --------------------------------------------------------------
@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("\\mathrm{e}", "const", "e"),
        ("\\mathrm{i}", "const", "i"),
        ("\\mathrm{d}", "id", "d"),
        ("\\operatorname{e}", "const", "e"),
        ("\\mathrm {e}", "const", "e"),
        ("\\operatorname{lcm}", "func", "lcm"),
        ("\\mathrm{kg}", "unit", "kg"),
        ("\\mathrm{m}", "unit", "m"),
        ("\\operatorname{Var}", "word", "Var"),
    ],
)
def test_upright_names_are_mathematics(text: str, kind: str, value: str) -> None:
    assert [token[:2] for token in tokenize(text)] == [(kind, value)]


def test_text_fallback_keeps_operators_and_numbers() -> None:
    plus, minus = parse("\\operatorname{Var}(X) + 2"), parse("\\operatorname{Var}(X) - 2")
    assert plus[0] == minus[0] == "text" and plus != minus
    assert parse("\\operatorname{Var}(X) + 3") != plus
    assert parse("\\text{Evelyn}") == parse("\\text{ evelyn.}")  # sentence punctuation is not an operator


# --- units and percent ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, unit",
    [
        ("5\\text{ kg}", "kg"),
        ("5 \\text{ kilograms}", "kg"),
        ("5\\,\\mathrm{kg}", "kg"),
        ("5 kg", "kg"),
        ("15\\mbox{ cm}^2", "cm^2"),
        ("15 \\text{ square centimeters}", "cm^2"),
        ("60 \\text{ km/h}", "km/h"),
        ("60 \\text{ kph}", "km/h"),
        ("\\$36", "$"),
        ("36 dollars", "$"),
        ("2 \\text{ hours}", "h"),
        ("2 hr", "h"),
        ("7", ""),
        ("7 apples", ""),
        ("3 \\text{ square units}", ""),
    ],
)
def test_unit_spellings_share_one_canonical_unit(text: str, unit: str) -> None:
    assert parse_with_units(text)[1] == unit


def test_percent_is_a_factor_of_one_hundred_never_dropped() -> None:
    assert parse_with_units("25 percent")[0] == parse("25\\%")
    for value in ("0.5", "3", "12.5"):
        assert not verify(f"\\boxed{{{value}\\%}}", value).correct  # percent on the response side only
        assert verify(f"\\boxed{{{value}\\%}}", str(Fraction(value) / 100)).correct
        assert verify(f"\\boxed{{{value}}}", f"{value}\\%").correct  # the gold's unit left out
    assert verify("\\boxed{0.25}", "25\\%").correct and not verify("\\boxed{2.5}", "25\\%").correct


# --- extraction: debris, hedges, retractions, unmarked results ---------------------------------------------
@pytest.mark.parametrize(
    "text, kept",
    [
        ("The answer is 5.<|im_start|>user\nAnd 6?", "The answer is 5."),
        ("<|im_start|>assistant\nIt is 5<|im_end|>", "It is 5"),
        ("<|start_header_id|>assistant<|end_header_id|>\n\n#### 5<|eot_id|>", "#### 5"),
        ("\\boxed{5}</s><s>[INST] more [/INST]", "\\boxed{5}"),
        ("no debris at all", "no debris at all"),
    ],
)
def test_chat_debris_is_cut_off(text: str, kept: str) -> None:
    assert strip_chat_debris(text) == kept
    if kept != text:  # whatever follows the debris is not the model's answer
        assert extract_answer(text + " \\boxed{9}") != "9"


@pytest.mark.parametrize(
    "text, hedged",
    [
        ("\\boxed{3}. Or maybe 4.", ["4"]),
        ("\\boxed{3} (or possibly 4)", ["4"]),
        ("\\boxed{3}, perhaps $4$", ["4"]),
        ("\\boxed{3}. It could also be 4.", ["4"]),
        ("\\boxed{3}. I hope it is correct.", []),
        ("\\boxed{3}. Or, written differently, $\\frac{6}{2}$.", []),
        ("\\boxed{3} (in centimeters)", []),
    ],
)
def test_candidates_offered_after_the_final_answer_are_strict_answers(text: str, hedged: list[str]) -> None:
    answers, marker = final_answers(text)
    assert [a.text for a in answers if a.kind == "hedge"] == hedged
    assert answers[-1].text == "3" and marker == "boxed"


@pytest.mark.parametrize(
    "text", ["\\boxed{2} is wrong.", "\\boxed{2} is not correct", "#### 2\nwhich is incorrect"]
)
def test_a_final_answer_taken_back_is_not_an_answer(text: str) -> None:
    assert final_answers(text)[1] == "retracted"
    assert verify(text, "2").reason == "negated"


@pytest.mark.parametrize(
    "text, result, negated",
    [
        ("6*7 = 42, then subtract 1 to get 41", "41", False),
        ("First 3 + 4 = 7. Then 7 - 2 = 5.", "5", False),
        ("so she has 18 left", "18", False),
        ("abc5def", None, False),
        ("not 2", None, True),
        ("2 is wrong", None, True),
        ("It can't be 7.", None, True),
        ("It is 8, not 7.", "8", False),
        ("It's 3, or maybe 4.", "3 or 4", False),
        ("The roots are 2 and 3.", "2, 3", False),
        ("Possible values: 3, 4.", "3, 4", False),
        ("She has 3 apples and 4 pears, so 7 fruits.", "7", False),
        (
            "The matrix is $\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}$.",
            "\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}",
            False,
        ),
        ("She pays $18 and gets $2 back.", "2", False),
        ("They meet at 12:30.", "12:30", False),
        ("5. I hope it is correct.", "5", False),
        ("There are no more apples, so she has 9 left.", "9", False),
    ],
)
def test_without_a_marker_the_last_stated_result_counts(text: str, result: str | None, negated: bool) -> None:
    found = unmarked_answers(text)
    assert (found.result, found.negated) == (result, negated)


def test_several_results_listed_without_a_marker_are_ambiguous_for_one_value() -> None:
    for text in ("Possible values: 3, 4.", "It is 3 or 4.", "It's 3, or maybe 4.", "Either 3 or 4 works."):
        assert not verify(text, "3").correct and not verify(text, "4").correct
    assert verify("The roots are 2 and 3.", "\\{2, 3\\}").correct


# --- relations, equations, labels --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "relation, interval, wrong",
    [
        ("x \\geq 5", "[5, \\infty)", "(5, \\infty)"),
        ("5 \\geq x", "(-\\infty, 5]", "(-\\infty, 5)"),
        ("-x > -1", "(-\\infty, 1)", "(1, \\infty)"),
        ("3x + 1 < 7", "(-\\infty, 2)", "(-\\infty, 2]"),
        ("2 < 2t + 4 \\le 8", "(-1, 2]", "[-1, 2]"),
        ("8 > -2x \\geq 4", "(-4, -2]", "(-4, -2)"),
    ],
)
def test_inequalities_in_one_variable_become_intervals(relation: str, interval: str, wrong: str) -> None:
    assert solution_set(shape(parse(relation))) is not None
    assert verify(f"\\boxed{{{interval}}}", relation).correct
    assert not verify(f"\\boxed{{{wrong}}}", relation).correct


def test_nonlinear_or_two_variable_relations_are_not_solved() -> None:
    assert solution_set(shape(parse("x^2 < 4"))) is None
    assert solution_set(shape(parse("x < y"))) is None
    assert not verify("\\boxed{y < 1}", "x < 1").correct


@pytest.mark.parametrize(
    "gold, same, different",
    [
        ("2x+4y-3=0", "y=-\\frac12x+\\frac34", "y=-\\frac12x+\\frac14"),
        ("y = 3x - 2", "6x - 2y = 4", "6x - 2y = 2"),
        ("x^2 + y^2 = 4", "4 - x^2 = y^2", "x^2 + y^2 = 2"),
    ],
)
def test_equivalent_equations_of_a_curve(gold: str, same: str, different: str) -> None:
    assert verify(f"\\boxed{{{same}}}", gold).correct
    assert not verify(f"\\boxed{{{different}}}", gold).correct


def test_named_values_keep_their_names() -> None:
    assert not verify("\\boxed{y=3}", "x=3").correct and verify("\\boxed{3}", "x=3").correct
    assert verify("\\boxed{4, 5}", "AB=4, CD=5").correct and not verify("\\boxed{5, 4}", "AB=4, CD=5").correct
    assert verify("\\boxed{CD = 5, AB = 4}", "AB=4, CD=5").correct
    assert verify("\\boxed{1}", "|AB| = 1").correct and verify("\\boxed{1}", "A:B=1").correct
    assert not verify("\\boxed{ab=2}", "2").correct  # small letters: a product, not a name


# --- long decimals, deep nests -----------------------------------------------------------------------------
def test_long_decimal_rule() -> None:
    third = Fraction(1, 3)
    assert long_decimal_matches("0.333333333333", third)  # 12 significant digits
    assert not long_decimal_matches("0.33333333333", third)  # 11
    assert long_decimal_matches("0.6666666666666667", Fraction(2, 3))  # rounded
    assert long_decimal_matches("0.6666666666666666", Fraction(2, 3))  # truncated
    assert long_decimal_matches(repr(19 / 7), Fraction(19, 7))  # a double's printout
    assert not long_decimal_matches("0.6666666666666668", Fraction(2, 3))
    assert not long_decimal_matches("-0.0833333333333333", Fraction(1, 12))
    assert not verify("\\boxed{3.14159265358979}", "\\pi").correct  # irrational golds need exact answers


def test_a_deep_fraction_nest_parses_within_the_depth_limit() -> None:
    nest = "x"
    for _ in range(16):
        nest = f"\\frac{{1}}{{1 + \\left({nest}\\right)}}"
    flipped = nest.replace("1 + \\left(", "\\left(").replace("\\right)}", "\\right) + 1}")
    assert verify(f"\\boxed{{{flipped}}}", nest).correct
    too_deep = "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    assert verify(f"\\boxed{{{too_deep}}}", "1").reason == "unparseable:limit"
