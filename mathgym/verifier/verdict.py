"""The verifier's result record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """Outcome of checking one response against a gold answer.

    :param correct: the extracted final answer is equivalent to the gold answer.
    :param score: reward-ready score in [0, 1] (1.0 when correct).
    :param extracted: the final answer found in the response, or ``None`` when there is none.
    :param reason: short machine-readable reason (``"match:numeric"``, ``"no_answer"``, ``"timeout"``, ...).
    """

    correct: bool
    score: float
    extracted: str | None
    reason: str

    def __bool__(self) -> bool:
        return self.correct

    def to_dict(self) -> dict[str, Any]:
        # the fields are flat scalars: a shallow copy is what asdict gives, at a tenth of its cost (it runs
        # on every final step of every env)
        return dict(vars(self))
