"""Text helpers shared by the program families."""

from __future__ import annotations

from collections.abc import Sequence


def signed(v: int) -> str:
    """``+ 3`` / ``- 3`` for writing ``x + 3`` and ``x - 3``."""
    return f"+ {v}" if v >= 0 else f"- {-v}"


def polynomial(coeffs: Sequence[int], var: str = "x") -> str:
    """``[2, -3, 0, 1]`` (highest power first) as ``2x^3 - 3x^2 + 1``."""
    parts: list[str] = []
    n = len(coeffs) - 1
    for i, c in enumerate(coeffs):
        power = n - i
        if c == 0:
            continue
        mono = "" if power == 0 else var if power == 1 else f"{var}^{power}"
        body = mono if abs(c) == 1 and mono else f"{abs(c)}{mono}"
        if not parts:
            parts.append(("-" if c < 0 else "") + body)
        else:
            parts.append((" - " if c < 0 else " + ") + body)
    return "".join(parts) or "0"
