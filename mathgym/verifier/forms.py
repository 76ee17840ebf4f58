"""Answer-form checks: some tasks ask for a specific form of a value, not just the value.

"Factor x^2 + 3x + 2" is answered by ``(x + 1)(x + 2)``; the expanded polynomial is the same value but
not an answer. A problem names its required form in ``meta["answer_form"]``; :func:`check_form` runs
after the value matched. Unknown forms are not enforced.
"""

from __future__ import annotations

from collections.abc import Callable

_MAX_DEGREE = 12  # answers of generated factoring tasks are small; larger ones are not judged factored


def _fully_factored(answer: str) -> bool:
    """A product of a constant and powers of polynomials that are irreducible over the rationals."""
    import sympy

    from mathgym.verifier.sympy_bridge import to_sympy

    expr = to_sympy(answer)
    symbols = expr.free_symbols
    if len(symbols) != 1:
        return False
    (x,) = symbols
    for factor in sympy.Mul.make_args(expr):
        base = factor.base if factor.is_Pow and factor.exp.is_Integer and factor.exp > 0 else factor
        if not base.free_symbols:
            continue
        if not base.is_polynomial(x):
            return False
        poly = sympy.Poly(base, x)
        if poly.degree() > _MAX_DEGREE or not poly.is_irreducible:
            return False
    return True


FORM_CHECKS: dict[str, Callable[[str], bool]] = {"factored": _fully_factored}


def check_form(answer: str, form: str | None) -> bool:
    """True when ``answer`` has the required ``form`` (or no known form is required)."""
    check = FORM_CHECKS.get(form or "")
    if check is None:
        return True
    try:
        return check(answer)
    except Exception:  # noqa: BLE001  anything outside the grammar or sympy's polynomial domain is not in the form
        return False
