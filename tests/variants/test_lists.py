"""Replacement lists and number words."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mathgym.variants.lists import LISTS, number_to_words, numbers_within, parse_number, words_to_number


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"),
        (7, "seven"),
        (15, "fifteen"),
        (42, "forty-two"),
        (100, "one hundred"),
        (1305, "one thousand three hundred five"),
        (-3, "minus three"),
    ],
)
def test_number_to_words(n: int, words: str) -> None:
    assert number_to_words(n) == words
    if n >= 0:
        assert words_to_number(words) == n


@pytest.mark.parametrize(
    "text, value",
    [
        ("half", Fraction(1, 2)),
        ("a third", Fraction(1, 3)),
        ("third", Fraction(1, 3)),
        ("three-fifths", Fraction(3, 5)),
        ("twice", 2),
        ("thrice", 3),
        ("four times", 4),
        ("triple", 3),
        ("1,200", 1200),
        ("$1.50", 1.5),
        ("25%", 25),
        ("2/4", Fraction(1, 2)),
        ("forty-two", 42),
        ("Sunday", None),
    ],
)
def test_parse_number(text: str, value: object) -> None:
    assert parse_number(text) == value


def test_lists_pair_text_with_values() -> None:
    assert ("twice", 2) in LISTS["multiple_ice"]
    assert all(isinstance(v, Fraction) and 0 < v < 1 for _, v in LISTS["fractions"])
    assert {t for t, _ in LISTS["fraction_alph"]} >= {"one-half", "two-thirds", "three-fourths"}
    assert numbers_within(2, 4) == [("two", 2), ("three", 3), ("four", 4)]
    assert len(set(LISTS["names"])) == len(LISTS["names"]) >= 100
