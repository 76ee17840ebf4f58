"""The verifier against the labeled set (hand-labeled cases, hacks, and dataset rewrites/near-misses)."""

from __future__ import annotations

from collections import Counter

import pytest
import verifier_cases

from mathgym.verifier import verify


def _failures(cases: list[dict]) -> list[str]:
    out = []
    for case in cases:
        verdict = verify(case["response"], case["gold"])
        if verdict.correct != case["label"]:
            out.append(
                f"label={case['label']} gold={case['gold']!r} response={case['response'][-120:]!r} "
                f"-> {verdict.reason} ({verdict.extracted!r})"
            )
    return out


@pytest.mark.parametrize(
    "case", verifier_cases.hand_cases(), ids=lambda c: f"{c['kind']}:{c['response'][:40]}"
)
def test_hand_labeled_case(case: dict) -> None:
    verdict = verify(case["response"], case["gold"])
    assert verdict.correct == case["label"], (verdict, case)
    assert verdict.score == (1.0 if verdict.correct else 0.0)


def test_every_hack_is_rejected() -> None:
    hacks = [c for c in verifier_cases.hand_cases() if c["kind"] == "hack"]
    assert len(hacks) >= 50
    accepted = [c for c in hacks if verify(c["response"], c["gold"])]
    assert accepted == []


def test_dataset_cases_are_all_right(labeled_cases: list[dict]) -> None:
    kinds = Counter(case["kind"] for case in labeled_cases)
    assert len(labeled_cases) > 3000
    assert {
        "integer",
        "number",
        "expression",
        "set",
        "tuple",
        "matrix",
        "equation",
        "text",
        "base",
        "hack",
        "solution",
    } <= set(kinds)
    assert sum(case["label"] for case in labeled_cases) > 1000  # both classes well represented
    failures = _failures(labeled_cases)
    assert failures == [], "\n".join(failures[:30])


def test_labeled_set_is_deterministic(data_dir) -> None:
    first = verifier_cases.dataset_cases(data_dir, gsm8k_limit=40)
    second = verifier_cases.dataset_cases(data_dir, gsm8k_limit=40)
    assert first == second


def test_reason_codes() -> None:
    assert verify("\\boxed{3}", "3").reason == "match:numeric"
    assert verify("\\boxed{(x+1)^2}", "x^2+2x+1").reason == "match:symbolic"
    assert verify("\\boxed{\\{2, 1\\}}", "1, 2").reason == "match:set"
    assert verify("\\boxed{(1, 2]}", "(1, 2]").reason in ("match:interval", "match:exact")
    assert verify("\\boxed{4}", "3").reason == "mismatch"
    assert verify("no answer here at all, sorry.", "3").reason == "no_answer"
    assert verify("\\boxed{3} or \\boxed{4}", "3").reason == "ambiguous:multiple_answers"
    assert verify("\\boxed{3, 4}", "3").reason == "ambiguous:multiple_answers"
    assert verify("\\boxed{３}", "3").reason == "unparseable:lookalike"
    assert verify("\\boxed{\\frac{}{}}", "3").reason.startswith("unparseable")
