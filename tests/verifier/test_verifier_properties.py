"""Property-based layer: equal values written in many ways match; perturbed values never do."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathgym.verifier import verify

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
rationals = st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=1000)


def _spellings(value: Fraction) -> list[str]:
    """Equivalent ways to write a rational."""
    p, q = value.numerator, value.denominator
    sign = "-" if value < 0 else ""
    a = abs(value)
    out = [
        f"{p}/{q}",
        f"{sign}\\frac{{{abs(p)}}}{{{q}}}",
        f"{sign}\\dfrac{{{abs(p)}}}{{{q}}}",
        f"\\frac{{{p * 3}}}{{{q * 3}}}",
        f"{sign}\\frac{{{abs(p)}}}{{{q}}}\\cdot 1",
        f"({p})/({q})",
    ]
    if q == 1:
        out += [f"{p}", f"{p}.0", f"{p:,}", f"{p}\\%\\cdot 100"]
    whole = a.numerator // a.denominator
    if q != 1 and whole > 0:
        rest = a - whole
        out.append(f"{sign}{whole}\\frac{{{rest.numerator}}}{{{rest.denominator}}}")
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    if q == 1:  # terminating decimal
        digits = 0
        while (a * 10**digits).denominator != 1:
            digits += 1
        whole_part, frac_part = divmod((a * 10**digits).numerator, 10**digits)
        out.append(f"{sign}{whole_part}.{frac_part:0{digits}d}" if digits else f"{sign}{whole_part}")
    return out


@_SETTINGS
@given(rationals, st.data())
def test_equal_rationals_match_in_any_spelling(value: Fraction, data) -> None:
    gold = data.draw(st.sampled_from(_spellings(value)))
    response = data.draw(st.sampled_from(_spellings(value)))
    template = data.draw(st.sampled_from(["\\boxed{{{}}}", "The answer is ${}$.", "Final Answer: {}", "{}"]))
    verdict = verify(template.format(response), gold)
    assert verdict.correct, (gold, response, verdict)


@_SETTINGS
@given(
    rationals,
    st.fractions(min_value=-1000, max_value=1000, max_denominator=50).filter(lambda d: d != 0),
    st.data(),
)
def test_perturbed_rationals_never_match(value: Fraction, delta: Fraction, data) -> None:
    gold = data.draw(st.sampled_from(_spellings(value)))
    response = data.draw(st.sampled_from(_spellings(value + delta)))
    verdict = verify(f"\\boxed{{{response}}}", gold)
    assert not verdict.correct, (gold, response, verdict)


@_SETTINGS
@given(st.integers(-20, 20), st.integers(-20, 20), st.integers(1, 5), st.sampled_from("xytn"))
def test_expanded_and_factored_polynomials_match(a: int, b: int, k: int, var: str) -> None:
    factored = f"{k}({var}{a:+d})({var}{b:+d})"
    expanded = f"{k}{var}^2 {k * (a + b):+d}{var} {k * a * b:+d}"
    assert verify(f"\\boxed{{{expanded}}}", factored).correct
    assert verify(f"\\boxed{{{factored}}}", expanded).correct
    wrong = f"{k}{var}^2 {k * (a + b):+d}{var} {k * a * b + 1:+d}"
    assert not verify(f"\\boxed{{{wrong}}}", factored).correct


@_SETTINGS
@given(st.lists(st.integers(-50, 50), min_size=2, max_size=6, unique=True), st.randoms(use_true_random=False))
def test_sets_are_order_free_and_tuples_ordered(items: list[int], rng) -> None:
    shuffled = items[:]
    rng.shuffle(shuffled)
    gold_set = ", ".join(map(str, items))
    assert verify(f"\\boxed{{\\{{{', '.join(map(str, shuffled))}\\}}}}", gold_set).correct
    assert not verify(f"\\boxed{{{', '.join(map(str, items[:-1]))}}}", gold_set).correct
    gold_tuple = f"({', '.join(map(str, items))})"
    reordered = f"({', '.join(map(str, shuffled))})"
    assert verify(f"\\boxed{{{reordered}}}", gold_tuple).correct == (shuffled == items)


@_SETTINGS
@given(
    st.integers(0, 10**6),
    st.sampled_from(
        [
            str.maketrans("0123456789", "０１２３４５６７８９"),
            str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
            str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"),
        ]
    ),
)
def test_lookalike_digits_are_never_accepted(n: int, table) -> None:
    assert not verify(f"\\boxed{{{str(n).translate(table)}}}", str(n)).correct
    assert not verify(f"\\boxed{{{str(n + 1).translate(table)}}}", str(n)).correct
