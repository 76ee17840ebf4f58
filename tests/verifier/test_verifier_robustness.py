"""Robustness: never raises, never hangs, never executes its input; the time limit works off the main thread."""

from __future__ import annotations

import builtins
import concurrent.futures
import random
import threading
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathgym.problem import Problem
from mathgym.verifier import Verdict, extract_answer, verify

_GENEROUS_S = 30.0  # a bound that only a hang would exceed (the implementation enforces 1 s itself); wide for a loaded CI machine


def _pathological() -> list[str]:
    rng = random.Random(1234)  # a local, seeded generator: the same garbage on every machine
    garbage = bytes(rng.randrange(256) for _ in range(5000)).decode("latin-1")
    return [
        "\\boxed{10^{10^{10}}}",
        "\\boxed{9^{9^{9^{9^{9}}}}}",
        "\\boxed{2^{2^{2^{2^{2^{2^{2}}}}}}}",
        "\\boxed{" + "(" * 300 + "1" + ")" * 300 + "}",
        "\\boxed{" + "(" * 300 + "}",
        "\\boxed{" + "-" * 5000 + "1}",
        "\\boxed{" + "x^" * 2000 + "2}",
        "\\boxed{" + "\\sqrt{" * 400 + "2" + "}" * 400 + "}",
        "\\boxed{" + "+".join(["x"] * 3000) + "}",
        "\\boxed{" + "1" * 100_000 + "}",
        "\\boxed{" + "\\frac{1}{" * 200 + "2" + "}" * 200 + "}",
        "\\boxed{1000000!}",
        "\\boxed{(10^{400})!}",
        "\\boxed{\\binom{10^{9}}{10^{8}}}",
        "\\boxed{\\sin(10^{100})}",
        "\\boxed{e^{10^{10}}}",
        "\\boxed{0^{-1}}",
        "\\boxed{\\log 0}",
        "\\boxed{\\frac{1}{0}}",
        "\\boxed{\\sqrt[0]{2}}",
        "\\boxed{1.5e99999999}",
        "\\boxed{0.\\overline{" + "9" * 5000 + "}}",
        "\\boxed{" + ",".join(map(str, range(5000))) + "}",
        "\\boxed{\\begin{pmatrix}"
        + " \\\\ ".join(" & ".join(["1"] * 50) for _ in range(50))
        + "\\end{pmatrix}}",
        "\\boxed{\\frac{" + "x" * 1000 + "}{y}}",
        "\\boxed{" + "\\pm 1" * 40 + "}",
        "\\boxed{" * 500 + "1" + "}" * 500,
        "\\boxed{" * 500,
        "}" * 500 + "\\boxed{",
        "\\boxed{\\left(\\right.}",
        "\\frac{",
        "\\begin{pmatrix",
        "$$$$$$",
        "\\\\\\\\\\",
        "{{{{{{{{",
        "\\boxed{\\text{" + "a" * 10_000 + "}}",
        "#### " + "9" * 10_000,
        "The answer is " + "1+" * 20_000 + "1",
        "\\boxed{" + "x" * 3000 + "}",
        "x" * (1 << 20),
        "\\boxed{7}" + " filler" * 170_000,
        "the answer is: " * 30_000,
        garbage,
        "\x00\x01\x02\\boxed{\x00}",
        "\ud800\\boxed{1}",
        "\\boxed{\u202e\u200b\ufeff}",
        "\\boxed{" + "a^{b^{c^{d^{e}}}}" * 100 + "}",
        "\\boxed{" + "|" * 301 + "}",
        "\\boxed{\\lfloor" * 100 + "}",
        "answer" + " " * 200_000 + "x",
        "Final Answer" + "\t" * 200_000,
        "#### 1" + " " * 200_000 + "x",
        "<answer>" * 100_000,
        "\\boxedx" * 100_000,
        "\\boxed{" + " " * 100_000,
        "the answer is " * 50_000,
        "\\boxed{5^" + " " * 1900 + "\\circ}",
        "$" * 200_000,
        "\\fbox" * 100_000,
        "\\boxed{1" + "^1" * 3000 + "}",
        "\\boxed{(-1)^{1/3}^{10^{9}}}",
    ]


def _check(response, gold) -> Verdict:
    start = time.perf_counter()
    verdict = verify(response, gold)
    elapsed = time.perf_counter() - start
    assert isinstance(verdict, Verdict)
    assert elapsed < _GENEROUS_S, (str(response)[:80], elapsed)
    return verdict


@pytest.mark.parametrize("index", range(len(_pathological())))
def test_pathological_inputs_never_raise_or_hang(index: int) -> None:
    text = _pathological()[index]
    for gold in ("3", "x^2+1", "(1, 2]"):
        verdict = _check(text, gold)
        assert not verdict.correct
    extract_answer(text)


def test_a_one_megabyte_response() -> None:
    text = ("Some reasoning with numbers 1, 2, 3 and \\frac{1}{2}. " * 20_000)[: 1 << 20] + "\\boxed{42}"
    assert len(text) > 1_000_000
    assert _check(text, "42").correct
    assert not _check(text, "41").correct


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300),
        st.text(alphabet="\\{}()[]^_$0123456789+-*/=,.xyabfrcsqtpimn !%&|<>:;'\"", max_size=200),
    )
)
def test_random_strings_never_raise(text) -> None:
    _check(text, "3")
    _check(f"\\boxed{{{text}}}" if isinstance(text, str) else text, "\\frac{1}{2}")
    if isinstance(text, str):
        extract_answer(text)


@pytest.mark.parametrize(
    "response",
    [None, 3, 3.0, float("nan"), [1], {"a": 1}, object(), b"\\boxed{3}", bytearray(b"\xff\xfe"), True],
)
def test_any_response_type(response) -> None:
    verdict = _check(response, "3")
    assert verdict.correct == (response in (3, 3.0, b"\\boxed{3}") and response is not True)


@pytest.mark.parametrize("gold", [None, "", 3, object(), b"3", "\\frac{", "x" * 10_000])
def test_any_gold(gold) -> None:
    _check("\\boxed{3}", gold)


def test_problem_gold_and_choice_hint() -> None:
    problem = Problem(id="p1", prompt="Which?", answer="B", meta={"answer_type": "choice"})
    assert verify("The answer is (B).", problem).correct
    assert not verify("\\boxed{A}", problem).correct
    assert verify("\\boxed{\\frac{6}{4}}", Problem(id="p2", prompt="?", answer="3/2")).correct
    assert verify("\\boxed{2}", Problem(id="p3", prompt="?", answer=None)).reason == "no_gold"


def test_timeout_verdict_from_threads() -> None:
    response, gold = "\\boxed{(t+1)(t-1)}", "t^2 - 1"
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(verify, response, gold, timeout_s=0.0) for _ in range(8)]
        verdicts = [f.result(timeout=30) for f in futures]
    assert all(v.reason == "timeout" and not v.correct for v in verdicts)
    assert threading.current_thread() is threading.main_thread()
    assert verify(response, gold).correct  # a normal call afterwards is unaffected


def test_timeout_verdict_in_a_worker_process() -> None:
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        timed_out = pool.submit(verify, "\\boxed{\\sqrt{8} + u}", "2\\sqrt{2} + u", timeout_s=0.0).result(
            timeout=60
        )
        normal = pool.submit(verify, "\\boxed{\\sqrt{8} + u}", "2\\sqrt{2} + u").result(timeout=60)
        heavy = [pool.submit(verify, text, "3").result(timeout=60) for text in _pathological()[:12]]
    assert timed_out.reason == "timeout" and not timed_out.correct
    assert normal.correct
    assert all(isinstance(v, Verdict) and not v.correct for v in heavy)


def test_many_heavy_candidates_stay_bounded() -> None:
    heavy = " ".join(f"\\boxed{{(x+{k})^{{4000}} - (x-{k})^{{3999}}}}" for k in range(8))
    start = time.perf_counter()
    verdict = verify(heavy, "(x+1)^{4000}", timeout_s=1.0)
    assert time.perf_counter() - start < _GENEROUS_S
    assert not verdict.correct


_INJECTIONS = [
    "\\boxed{__import__('os').system('touch {marker}')}",
    "\\boxed{exec(\"open('{marker}', 'w').write('x')\")}",
    "\\boxed{eval(\"__import__('os').system('touch {marker}')\")}",
    "The answer is __import__('subprocess').call(['touch', '{marker}']).",
    "\\boxed{Symbol('x').__class__.__init__.__globals__['os'].system('touch {marker}')}",
    "\\boxed{lambda: open('{marker}', 'w')}",
    "\\boxed{[c for c in ().__class__.__base__.__subclasses__()]}",
    "#### {{}}.__class__; import os; os.system('touch {marker}')",
    "\\boxed{\\text{$(touch {marker})}}",
]


def test_code_injection_is_just_a_wrong_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "pwned"
    calls: list[str] = []

    def forbid(name):
        def record(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} must never run on model text")

        return record

    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, forbid(name))
    monkeypatch.setattr(sympy, "sympify", forbid("sympify"))
    monkeypatch.setattr(sympy, "parse_expr", forbid("parse_expr"), raising=False)
    import sympy.parsing.sympy_parser as sympy_parser

    monkeypatch.setattr(sympy_parser, "parse_expr", forbid("parse_expr"))
    for template in _INJECTIONS:
        response = template.replace("{marker}", str(marker))
        for gold in ("3", "x + 1", str(marker)):
            verdict = verify(response, gold)
            assert not verdict.correct
    assert calls == []
    assert not marker.exists()
