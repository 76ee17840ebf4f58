"""The oracle step checker: which step of a solution is the first wrong one, judged against the truth.

A step is wrong when any of these checks fails (each is skipped where it cannot read the step):

1. **quantities** — every number it writes is a quantity of the correct solution (a number of the
   prompt, of the reference solution or of the gold answer); a miscopied operand, a wrong intermediate
   or a result reached by a wrong operation or formula is a number the correct solution never has;
2. **arithmetic** — every numeric equation chain ``a op b = c = ...`` holds exactly (sympy);
3. **equations** — an equation in the unknowns holds at the gold solution (every root for derived
   equations, some root for ``x = v``); for expression problems an ``A = B`` claim must be an identity;
4. **calculus and polynomial claims** — ``d/dx[f] = g`` (``g`` is f's derivative), ``∫f dx = F``
   (``F' = f``), ``F(x) = ...`` (an antiderivative of the integrand), ``F(b) - F(a) = v`` (the
   integral's value), ``Multiply A by (B): C`` (``C = AB``), ``x = r is a root of P`` (``P(r) = 0``);
5. **final answer** — a step that states a final answer states the gold one.

On the injected-error solutions of :mod:`mathgym.process.inject` the first failing step is the
injected one (tests check this over many seeds). On free-form solutions from a policy it is a strict
judge: a correct step that writes a number the reference solution never computes is judged wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from mathgym.problem import Problem
from mathgym.process.quantities import problem_numbers, signed_numbers


@dataclass(frozen=True)
class StepVerdict:
    """Whether one step is right, and why not."""

    ok: bool
    reason: str = ""


_PROSE = re.compile(r"^[A-Za-z][a-z']+$")
_FUNCTIONS = {"sqrt", "ln", "log", "exp", "sin", "cos", "tan", "pi"}
_COMB = re.compile(r"\bC\((\d+), (\d+)\)")
_FACTORIAL = re.compile(r"(?<![\w.])(\d+)!")
_GCD = re.compile(r"\b(gcd|lcm)\((\d+), (\d+)\)")
_DERIV = re.compile(
    r"^d/dx\[(?P<f>.*?)\] = (?P<rest>.*?)(?: \((?:power rule|product rule|quotient rule|chain rule with "
    r"inner function u = .*|\((?:sin|cos|e\^|ln).*)\))?\.?$"
)
_INTEGRAL = re.compile(r"∫(?P<f>.*?) dx = (?P<F>.*?)(?: \((?:power rule|for x > 0)\))?$")
_MULTIPLY = re.compile(r"^Multiply (?P<a>.+) by \((?P<b>.+)\): (?P<c>.+)\.$")
_ROOT = re.compile(r"^x = (?P<r>\S+) is a root of (?P<p>[^(]+) \(rational root theorem\)")
_BECOMES = re.compile(r"so the expression becomes (?P<e>.+?)\.?$")
_FORMULA_COMB = re.compile(r"\bC\(([a-z]), 2\)")
_BOUNDS = re.compile(r"^F\((?P<b>[^)]*)\) - F\((?P<a>[^)]*)\) = (?P<v>.+?)\.?$")


@lru_cache(maxsize=4096)
def _sympy(text: str) -> Any:
    """The verifier's parser (no ``eval``), as a sympy expression; None when it cannot read ``text``."""
    import sympy

    from mathgym.verifier import to_sympy

    try:
        value = to_sympy(text)
    except Exception:  # noqa: BLE001 - unreadable text is simply not checked
        return None
    return value if isinstance(value, sympy.Expr) else None  # not sets, tuples or relations


def _is_zero(value: Any) -> bool:
    from mathgym.process.symbolic import is_zero

    return is_zero(value)


def _preprocess(text: str) -> str:
    """Named counts written as numbers, so the arithmetic around them can be checked."""
    text = _COMB.sub(lambda m: str(math.comb(int(m[1]), int(m[2]))), text)
    text = _FORMULA_COMB.sub(lambda m: f"({m[1]}({m[1]} - 1)/2)", text)  # the pair-count formula
    text = _FACTORIAL.sub(lambda m: str(math.factorial(int(m[1]))) if int(m[1]) <= 30 else m[0], text)
    text = _GCD.sub(
        lambda m: str(math.gcd(int(m[2]), int(m[3])) if m[1] == "gcd" else math.lcm(int(m[2]), int(m[3]))),
        text,
    )
    return text.replace("$", "")


def _strip_prose(text: str) -> str:
    """The math of a clause: leading and trailing prose words removed."""
    words = text.strip().split(" ")
    while words and _PROSE.match(words[0]) and words[0].lower() not in _FUNCTIONS:
        words.pop(0)
    while words and _PROSE.match(words[-1].rstrip(".,")) and words[-1].lower() not in _FUNCTIONS:
        words.pop()
    return " ".join(words).strip().rstrip(".")


def _clauses(text: str) -> list[str]:
    """Clauses of a step: split at sentence and clause punctuation and at " or "."""
    parts = re.split(r"(?<![\d])[.;:](?=\s|$)|,\s|\s+or\s+|\s+that is\s+|\s+so\s+", text)
    return [p for p in parts if p and "=" in p]


class OracleChecker:
    """Judges the steps of solutions to one problem (see the module docstring).

    :param problem: a problem with a gold answer (and, for the quantity check, a reference solution).
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.truth = problem_numbers(problem)
        self.has_reference = bool(problem.solution)
        self._assignments: list[dict[Any, Any]] | None = None
        self._params = problem.meta.get("params", {}) or {}

    # ------------------------------------------------------------------------------------------ public
    def check(self, steps: Sequence[str]) -> list[StepVerdict]:
        """A verdict for each step (each step is judged on its own against the truth)."""
        return [self.check_step(step) for step in steps]

    def first_error(self, steps: Sequence[str]) -> int:
        """Index of the first wrong step, or -1."""
        for i, step in enumerate(steps):
            if not self.check_step(step).ok:
                return i
        return -1

    def check_step(self, step: str) -> StepVerdict:
        for check in (
            self._quantities,
            self._final_answer,
            self._calculus,
            self._polynomial,
            self._becomes,
            self._equations,
        ):
            verdict = check(step)
            if verdict is not None and not verdict.ok:
                return verdict
        return StepVerdict(True)

    # ------------------------------------------------------------------------------------------ checks
    def _quantities(self, step: str) -> StepVerdict | None:
        if not self.has_reference:
            return None
        for value in signed_numbers(step):
            if value not in self.truth:
                return StepVerdict(False, f"{_show(value)} is not a quantity of the correct solution")
        return None

    def _final_answer(self, step: str) -> StepVerdict | None:
        if "\\boxed" not in step or self.problem.answer is None:
            return None
        from mathgym.verifier import verify

        verdict = verify(step, self.problem)
        return None if verdict.correct else StepVerdict(False, f"wrong final answer {verdict.extracted!r}")

    def _calculus(self, step: str) -> StepVerdict | None:
        import sympy

        x = sympy.Symbol("x")
        match = _DERIV.match(step)
        if match:
            f = _sympy(match["f"])
            claims = [_sympy(part) for part in match["rest"].split(" = ")]
            if f is not None and claims and claims[-1] is not None:
                if not _is_zero(sympy.diff(f, x) - claims[-1]):
                    return StepVerdict(False, f"d/dx[{match['f']}] is not {match['rest'].split(' = ')[-1]}")
            return StepVerdict(True)
        if step.startswith("Integrate term by term: "):
            for rule in step[len("Integrate term by term: ") :].rstrip(".").split("; "):
                m = _INTEGRAL.match(rule)
                f, big_f = (_sympy(m["f"]), _sympy(m["F"])) if m else (None, None)
                if m and f is not None and big_f is not None and not _is_zero(sympy.diff(big_f, x) - f):
                    return StepVerdict(False, f"{m['F']} is not an antiderivative of {m['f']}")
            return StepVerdict(True)
        if step.startswith("An antiderivative is F(x) = ") and "integrand" in self._params:
            big_f, f = (
                _sympy(step[len("An antiderivative is F(x) = ") :].rstrip(".")),
                _sympy(self._params["integrand"]),
            )
            if big_f is not None and f is not None and not _is_zero(sympy.diff(big_f, x) - f):
                return StepVerdict(False, "F is not an antiderivative of the integrand")
            return StepVerdict(True)
        match = _BOUNDS.match(step)
        if match and self.problem.answer is not None:
            value, gold = _sympy(match["v"]), _sympy(self.problem.answer)
            if value is not None and gold is not None and not _is_zero(value - gold):
                return StepVerdict(False, "F(b) - F(a) is not the value of the integral")
            return StepVerdict(True)
        if step.startswith("So f'(x) = ") and "function" in self._params:
            claim = _sympy(step[len("So f'(x) = ") :].split(". The answer is")[0])
            f = _sympy(self._params["function"])
            if claim is not None and f is not None and not _is_zero(sympy.diff(f, x) - claim):
                return StepVerdict(False, "f'(x) is not the derivative of f")
            return StepVerdict(True)
        return None

    def _polynomial(self, step: str) -> StepVerdict | None:
        import sympy

        match = _MULTIPLY.match(step)
        if match:
            a, b, c = (_sympy(match[k]) for k in "abc")
            if None not in (a, b, c) and not _is_zero(sympy.expand(a * b - c)):
                return StepVerdict(False, f"{match['a']} times ({match['b']}) is not {match['c']}")
            return StepVerdict(True)
        match = _ROOT.match(step)
        if match:
            r, p = _sympy(match["r"]), _sympy(match["p"].strip())
            if r is not None and p is not None and not _is_zero(p.subs(sympy.Symbol("x"), r)):
                return StepVerdict(False, f"{match['r']} is not a root of {match['p'].strip()}")
        return None

    def _becomes(self, step: str) -> StepVerdict | None:
        """``so the expression becomes E``: reducing an expression never changes its value."""
        match = _BECOMES.search(step)
        if not match or self.problem.answer is None:
            return None
        value, gold = _sympy(match["e"]), _sympy(self.problem.answer)
        if value is not None and gold is not None and not _is_zero(value - gold):
            return StepVerdict(False, f"the expression {match['e']} no longer has the problem's value")
        return None

    def _equations(self, step: str) -> StepVerdict | None:
        """Numeric chains must hold; equations in the unknowns must hold at the gold solution."""
        text = _preprocess(step)
        if "±" in text or "≡" in text:
            text = re.sub(r"[^,.;:]*[±≡][^,.;:]*", " ", text)
        for clause in _clauses(text):
            sides = [_strip_prose(part) for part in clause.split("=")]
            values = [_sympy(side) if side else None for side in sides]
            for (left, a), (right, b) in zip(zip(sides, values), zip(sides[1:], values[1:])):
                if a is None or b is None:
                    continue
                verdict = self._claim(a, b, f"{left} = {right}")
                if verdict is not None:
                    return verdict
        return None

    def _claim(self, a: Any, b: Any, shown: str) -> StepVerdict | None:
        symbols = a.free_symbols | b.free_symbols
        if not symbols:
            return None if _is_zero(a - b) else StepVerdict(False, f"{shown} is false")
        assignments = self.assignments()
        names = {s.name for s in symbols}
        if assignments and names <= {"x", "y"}:
            diff = a - b
            holds = [_is_zero(diff.subs(env)) for env in assignments]
            lone = a.is_Symbol or b.is_Symbol  # "x = v" names one root
            if any(holds) if lone else all(holds):
                return None
            return StepVerdict(False, f"{shown} does not hold at the solution")
        if names <= {"x"} and not assignments and not _is_zero(a - b):
            return StepVerdict(False, f"{shown} is not an identity")
        if not names & {"x", "y"} and a.free_symbols == b.free_symbols and not _is_zero(a - b):
            # a formula in other letters (n, k) claims an identity; a definition (a_n = ...) or an
            # instance (S_n = 30 × ...) has letters on one side only and is not checked
            return StepVerdict(False, f"{shown} is not an identity")
        return None

    def assignments(self) -> list[dict[Any, Any]]:
        """The gold values of the unknowns (one dict per root), for equation-solving problems."""
        if self._assignments is not None:
            return self._assignments
        import sympy

        self._assignments = []
        answer, generator = self.problem.answer, self.problem.meta.get("generator")
        x, y = sympy.Symbol("x"), sympy.Symbol("y")
        if answer is None:
            return self._assignments
        if generator == "LinearEquation":
            value = _sympy(answer)
            self._assignments = [{x: value}] if value is not None else []
        elif generator == "LinearSystem2x2":
            parts = [_sympy(p) for p in answer.strip("()").split(", ")]
            if len(parts) == 2 and None not in parts:
                self._assignments = [{x: parts[0], y: parts[1]}]
        elif generator == "Quadratic":
            roots = [_sympy(p) for p in answer.strip("{}").split(", ") if p]
            self._assignments = [{x: r} for r in roots if r is not None]
        return self._assignments


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def first_error(problem: Problem, steps: Sequence[str]) -> int:
    """Shorthand: the oracle's index of the first wrong step of ``steps`` (-1 when all are right)."""
    return OracleChecker(problem).first_error(steps)
