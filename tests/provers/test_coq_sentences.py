"""Splitting agent text into Coq sentences and screening them (no Coq needed)."""

from __future__ import annotations

import pytest

from mathgym.provers.coq_sentences import SentenceError, screen, split_sentences, strip_comments


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_sentences_end_at_period_followed_by_space_or_end() -> None:
    assert texts("intros n m. rewrite Nat.add_comm.\nreflexivity.") == [
        "intros n m.",
        "rewrite Nat.add_comm.",
        "reflexivity.",
    ]


def test_qualified_names_and_strings_do_not_end_sentences() -> None:
    assert texts('idtac "a. b". apply Z.mul_eq_0.') == ['idtac "a. b".', "apply Z.mul_eq_0."]


def test_bullets_and_braces_are_sentences_of_their_own() -> None:
    assert texts("split. - lia. + ring. { auto. } ** simpl.") == [
        "split.",
        "-",
        "lia.",
        "+",
        "ring.",
        "{",
        "auto.",
        "}",
        "**",
        "simpl.",
    ]


def test_comments_are_dropped_even_nested_and_with_periods() -> None:
    assert texts("intros. (* a. (* b. *) c. *) lia.") == ["intros.", "lia."]
    assert strip_comments('x (* "*)" *) y') == "x   y"


def test_missing_final_period_is_added_or_refused() -> None:
    assert texts("intros; lia") == ["intros; lia."]
    with pytest.raises(SentenceError, match="unterminated"):
        split_sentences("intros; lia", terminate=False)


def test_unclosed_comment_or_string_is_an_error() -> None:
    with pytest.raises(SentenceError, match="comment"):
        split_sentences("intros. (* oops")
    with pytest.raises(SentenceError, match="string"):
        split_sentences('idtac "oops.')


@pytest.mark.parametrize(
    "action",
    [
        "Admitted.",
        "admit.",
        "intros. admit.",
        "try admit.",
        "solve [give_up].",
        "Abort.",
        "Axiom cheat : False.",
        'Redirect "/tmp/x" Print nat.',
        'Load "/etc/passwd".',
        'Cd "/tmp".',
        "Require Import Classical.",
        "Set Printing All.",
        "Timeout 100 lia.",
        "Qed.",
        "Print Assumptions foo.",
        "native_compute.",
        'Declare ML Module "evil".',
        "intros. Undo.",
        "(* hi *) Load x.",
    ],
)
def test_screen_refuses_vernacular_and_giving_up(action: str) -> None:
    sentences, reason = screen(action)
    assert sentences == [] and reason


@pytest.mark.parametrize(
    "action",
    [
        "intros n. induction n as [| n IH].",
        "- simpl. rewrite IH. reflexivity.",
        "all: lia.",
        "2: { lia. }",
        "(split; lia).",
        'idtac "Admitted is just a word in a string".',
        "[goal]: lia.",
        "assert (H : 0 <= x) by lia.",
    ],
)
def test_screen_accepts_tactics(action: str) -> None:
    sentences, reason = screen(action)
    assert reason is None and sentences


def test_screen_refuses_empty_and_oversized_actions() -> None:
    assert screen("   ")[1]
    assert "too many" in screen("idtac. " * 100)[1]


def test_goal_selector_with_brace_is_one_focusing_sentence() -> None:
    assert texts("split. 2: { lia. } [h]: {auto. }") == [
        "split.",
        "2: {",
        "lia.",
        "}",
        "[h]: {",
        "auto.",
        "}",
    ]
