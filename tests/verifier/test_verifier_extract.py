"""extract_answer: the final answer of a whole response, None without an answer marker."""

from __future__ import annotations

import pytest

from mathgym.verifier import extract_answer


@pytest.mark.parametrize(
    "text, expected",
    [
        ("so \\boxed{42}.", "42"),
        ("first \\boxed{1}, then \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
        ("\\fbox{7}", "7"),
        ("\\boxed 5 is it", "5"),
        ("Natalia sold 72 clips.\n#### 72", "72"),
        ("The answer is 18.", "18"),
        ("The answer is $\\frac{3}{4}$.", "\\frac{3}{4}"),
        ("Final Answer: The final answer is $5$. I hope it is correct.", "5"),
        ("**Final Answer:** $x = 3$", "x = 3"),
        ("<think>...</think><answer>12</answer>", "12"),
        ("The answer is (B).", "(B)"),
    ],
)
def test_extracts_the_final_answer(text: str, expected: str) -> None:
    assert extract_answer(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Let x = 3.",
        "First we compute 2 + 2 = 4.",
        "",
        "The answer is probably larger than 10, let me check.",
        "We need to find the answer to this question.",
        "\\boxedtext",
        None,
        42,
    ],
)
def test_steps_without_a_marker_have_no_final_answer(text) -> None:
    assert extract_answer(text) is None


def test_long_response_is_fast_enough_and_finds_the_last_box() -> None:
    text = "reasoning " * 100_000 + "\\boxed{9}"
    assert extract_answer(text) == "9"


def test_numbers_in_code_blocks_are_not_stated_results():
    from mathgym import verify

    program = "```python\nx = 6 * 7\nprint(x)\n```\n```output\n42\n```\nI am done."
    assert not verify(program, "42").correct
    assert verify(program + " So the total is 42.", "42").correct
    assert not verify(
        "```python\nprint('\\\\' + 'box' + 'ed{' + '236' + '}')\n```\nI am done.", "236"
    ).correct
