"""Cheap equality tests of sympy expressions: ``expand`` first, then numbers at a few points, and
``simplify`` (slow) only when the numbers cannot tell."""

from __future__ import annotations

from typing import Any

#: points where expressions in x are compared numerically (positive, away from the poles the generators use)
_POINTS = (0.3719, 1.1307, 2.7133)


def _numeric(value: Any, point: float | None) -> complex | None:
    import sympy

    try:
        if point is not None:
            value = value.subs(sympy.Symbol("x"), point)
        return complex(sympy.N(value, 30))
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None


def is_zero(value: Any) -> bool:
    """Whether a sympy expression is identically 0 (in x, or a constant)."""
    import sympy

    if value == 0:
        return True
    try:
        if sympy.expand(value) == 0:
            return True
    except Exception:  # noqa: BLE001
        return False
    points = _POINTS if value.free_symbols else (None,)
    for point in points:
        number = _numeric(value, point)
        if number is not None and abs(number) > 1e-12:
            return False
    try:
        return bool(sympy.simplify(value) == 0)
    except Exception:  # noqa: BLE001
        return False


def same(a: Any, b: Any) -> bool:
    """``a == b`` as expressions."""
    return is_zero(a - b)
