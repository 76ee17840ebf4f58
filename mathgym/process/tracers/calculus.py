"""Tracers of ``Derivative`` and ``DefiniteIntegral``.

Their parameters do not keep the individual terms, so these tracers read each term's rule application
from the reference step itself (``d/dx[f] = ... = f'`` / ``∫f dx = F``), put the result on the tape, and
recompute everything after it with sympy: the sum of the derivatives, the antiderivative, ``F(b) - F(a)``.
"""

from __future__ import annotations

import re
from typing import Any

from mathgym.generators.base import boxed
from mathgym.generators.formatting import fmt_expr, sympy
from mathgym.problem import Problem
from mathgym.process.tape import DROPPED, FORMULA, SIGN, SLIP, Tape
from mathgym.process.tracers import UnsupportedProblem, tracer

_FIXED_RULES = (
    "power rule",
    "(sin(kx))' = k*cos(kx)",
    "(cos(kx))' = -k*sin(kx)",
    "(e^(kx))' = k*e^(kx)",
    "(ln(x))' = 1/x",
    "product rule",
    "quotient rule",
)
_CHAIN = " (chain rule with inner function u = "


def read_expr(text: str) -> Any:
    """A generator-printed expression (``^`` powers, ``ln``) back as the sympy expression it printed."""
    from mathgym.verifier import to_sympy

    try:
        return sympy.sympify(to_sympy(text))
    except Exception as exc:  # the verifier's parser refuses what it cannot read
        raise UnsupportedProblem(f"cannot read the expression {text!r}: {exc}") from exc


def _x() -> Any:
    return sympy.Symbol("x")


def _split_rule(step: str) -> tuple[str, str]:
    """``("d/dx[f] = ... = f'", "rule")`` from a term step ``d/dx[f] = ... = f' (rule).``"""
    body = step[:-1] if step.endswith(".") else step
    for rule in _FIXED_RULES:
        if body.endswith(f" ({rule})"):
            return body[: -len(rule) - 3], rule
    cut = body.rfind(_CHAIN)
    if cut < 0 or not body.endswith(")"):
        raise UnsupportedProblem(f"cannot find the rule in {step!r}")
    return body[:cut], body[cut + 2 : -1]


def _formula_mistakes(term: Any, derivative: Any, rule: str) -> list[Any]:
    """What the classic misapplications of ``rule`` give for ``term`` (a wrong-formula error)."""
    x = _x()
    out: list[Any] = []
    if rule == "power rule" and term.has(x):
        n = sympy.degree(term, x)
        out += [derivative / n if n else None, term * n]  # factor n forgotten / power not lowered
    elif rule.startswith("(sin") or rule.startswith("(cos") or rule.startswith("(e^"):
        inner = next(iter(term.atoms(sympy.sin, sympy.cos, sympy.exp))).args[0]
        k = inner.coeff(x)
        out.append(sympy.expand(derivative / k))  # the inner factor k forgotten
    elif rule == "product rule":
        factors = [f for f in term.as_ordered_factors() if f.has(x)]
        if len(factors) == 2:
            coeff = term / (factors[0] * factors[1])
            out.append(coeff * sympy.diff(factors[0], x) * sympy.diff(factors[1], x))  # (uv)' = u'v'
    elif rule.startswith("chain rule"):
        inner = read_expr(rule.split(" u = ", 1)[1])
        out.append(sympy.simplify(derivative / sympy.diff(inner, x)))  # the inner derivative forgotten
    elif rule == "quotient rule":
        num, den = sympy.fraction(sympy.together(term))
        top = sympy.expand(sympy.diff(num, x) * den + num * sympy.diff(den, x))
        out.append(top / den**2)  # a plus sign in the numerator
    return [o for o in out if o is not None]


@tracer("Derivative")
def trace_derivative(problem: Problem, tape: Tape) -> None:
    reference = list(problem.solution)
    start = 1 if reference and reference[0] == "Differentiate term by term." else 0
    if start:
        tape.emit(reference[0])
    derivatives = []
    for step in reference[start:-1]:
        head, rule = _split_rule(step)
        match = re.match(r"^d/dx\[(?P<f>.*?)\] = ", head)
        if not match:
            raise UnsupportedProblem(f"not a term step: {step!r}")
        working, _, result = head.rpartition(" = ")
        term, parsed = read_expr(match["f"]), read_expr(result)
        derivative = tape.expr(
            parsed,
            alternatives=_formula_mistakes(term, parsed, rule),
            kinds=(SLIP, SIGN, FORMULA) if not parsed.is_Add else (SLIP, SIGN, DROPPED, FORMULA),
        )
        # sympy distributes a coefficient over a sum when it reads 4*(2*x - 1); an unchanged result keeps
        # the generator's own spelling
        tape.emit(f"{working} = {result if derivative is parsed else fmt_expr(derivative)} ({rule}).")
        derivatives.append(derivative)
    kept = tape.terms(derivatives)  # a term left out of the sum
    total = sympy.Add(*kept)
    final = reference[-1]
    if not tape.fired and final.startswith("So f'(x) = "):
        if sympy.simplify(total - read_expr(problem.answer or "")) != 0:
            raise UnsupportedProblem(f"{problem.id}: the traced terms do not add up to the answer")
        tape.emit(final)
        return
    answer = fmt_expr(total)
    tape.emit(f"So f'(x) = {answer}. {boxed(answer)}")


@tracer("DefiniteIntegral")
def trace_definite_integral(problem: Problem, tape: Tape) -> None:
    params = problem.meta["params"]
    low, high = read_expr(params["lower"]), read_expr(params["upper"])
    first = problem.solution[0]
    if not first.startswith("Integrate term by term: ") or not first.endswith("."):
        raise UnsupportedProblem(f"not an integration step: {first!r}")
    x = _x()
    parts, antis = [], []
    for rule in first[len("Integrate term by term: ") : -1].split("; "):
        match = re.match(r"^∫(?P<f>.*) dx = (?P<F>.*?)(?P<tail> \((?:power rule|for x > 0)\))?$", rule)
        if not match:
            raise UnsupportedProblem(f"cannot read the rule {rule!r}")
        term, anti = read_expr(match["f"]), read_expr(match["F"])
        mistakes = [term * x]  # the integrand times x, the power not raised
        if term.has(sympy.exp) or term.has(sympy.sin) or term.has(sympy.cos):
            mistakes.append(sympy.diff(term, x))  # differentiated instead of integrated
        anti = tape.expr(anti, alternatives=mistakes, kinds=(SLIP, SIGN, FORMULA))
        antis.append(anti)
        parts.append(f"∫{match['f']} dx = {fmt_expr(anti)}{match['tail'] or ''}")
    tape.emit(f"Integrate term by term: {'; '.join(parts)}.")
    kept = tape.terms(antis)
    tape.emit(f"An antiderivative is F(x) = {fmt_expr(sympy.Add(*kept))}.")
    contributions = []
    for anti in kept:
        logs = [a for a in anti.atoms(sympy.log) if a.args[0] == x]
        if logs:  # c*ln(x) between positive bounds is written c*ln(b/a), as the generator writes it
            c = anti.coeff(logs[0])
            rest = anti - c * logs[0]
            contributions.append(c * sympy.log(high / low) + rest.subs(x, high) - rest.subs(x, low))
        else:
            contributions.append(anti.subs(x, high) - anti.subs(x, low))
    value = sympy.expand(sympy.Add(*contributions), log=False)
    value = tape.expr(value, alternatives=[-value], kinds=(SLIP, SIGN, FORMULA))
    answer = fmt_expr(value)
    tape.emit(f"F({params['upper']}) - F({params['lower']}) = {answer}.")
    tape.emit(boxed(answer))
