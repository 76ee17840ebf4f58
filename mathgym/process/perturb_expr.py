"""Wrong versions of a symbolic result: a slipped coefficient, a flipped sign, a dropped term."""

from __future__ import annotations

from typing import Any

from mathgym.process.tape import DROPPED, SIGN, SLIP


def expression_candidates(expression: Any, kind: str) -> list[Any]:
    """Candidate wrong expressions of one error kind, in a fixed order (the injection's variant picks one).

    :param expression: a sympy expression.
    :param kind: ``arithmetic_slip`` (one term's numeric coefficient off by one), ``sign_error`` (one term,
        or the whole expression, negated) or ``dropped_term`` (one term of a sum left out).
    """
    import sympy

    terms = list(sympy.Add.make_args(expression))
    out: list[Any] = []
    if kind == SLIP:
        for i, term in enumerate(terms):
            coeff, rest = term.as_coeff_Mul()
            for delta in (1, -1):
                new = coeff + delta
                if new in (0, 1, -1):  # a vanished or unit coefficient changes the expression's shape
                    continue
                out.append(sympy.Add(*terms[:i], new * rest, *terms[i + 1 :]))
    elif kind == SIGN:
        if len(terms) > 1:
            out += [sympy.Add(*terms[:i], -term, *terms[i + 1 :]) for i, term in enumerate(terms)]
        out.append(-expression)
    elif kind == DROPPED and len(terms) > 1:
        out += [sympy.Add(*terms[:i], *terms[i + 1 :]) for i in range(len(terms))]
    return out
