"""Costs that discourage long responses and many steps."""

from __future__ import annotations

from collections.abc import Callable

from mathgym.rewards.base import Reward, RewardOutput, StepContext

_UNITS: dict[str, Callable[[str], int]] = {
    "chars": len,
    "words": lambda text: len(text.split()),
}


class LengthPenalty(Reward):
    """``-per_unit`` for every unit of response length beyond ``budget``.

    The penalty is charged when the length is incurred: each step pays for the part of the budget
    overrun that it adds, so an episode's summed penalty is ``per_unit * max(0, length - budget)`` of
    its whole response, the same in single-turn and step-level mode, however the text is split.

    :param budget: free length (in ``unit``s).
    :param per_unit: cost of each unit over the budget (a positive number; the reward is its negative).
    :param unit: ``"chars"``, ``"words"`` (whitespace-separated) or a callable counting the units of a
        text, e.g. ``lambda s: len(tokenizer.encode(s))`` for tokens.
    :param name: component name.
    """

    def __init__(
        self,
        budget: int,
        per_unit: float = 0.001,
        *,
        unit: str | Callable[[str], int] = "chars",
        name: str = "length_penalty",
    ) -> None:
        if budget < 0:
            raise ValueError(f"budget must be >= 0, got {budget}")
        if per_unit < 0:
            raise ValueError(f"per_unit is a cost and must be >= 0, got {per_unit}")
        if isinstance(unit, str):
            if unit not in _UNITS:
                raise ValueError(f"unit must be one of {sorted(_UNITS)} or a callable, got {unit!r}")
            self._count = _UNITS[unit]
        elif callable(unit):
            self._count = unit
        else:
            raise TypeError(f"unit must be a string or a callable, got {type(unit).__name__}")
        self.budget = budget
        self.per_unit = float(per_unit)
        self.unit = unit
        self.name = name

    def overrun(self, text: str) -> int:
        """Units of ``text`` beyond the budget."""
        return max(0, self._count(text) - self.budget)

    def __call__(self, ctx: StepContext) -> RewardOutput:
        before = self.overrun("\n".join(ctx.history)) if ctx.history else 0
        value = -self.per_unit * (self.overrun(ctx.response) - before)
        value = value if value else 0.0  # no "-0.0" in logs
        return RewardOutput(value, {self.name: value})

    def __repr__(self) -> str:
        return (
            f"LengthPenalty(budget={self.budget}, per_unit={self.per_unit}, unit={self.unit!r}, "
            f"name={self.name!r})"
        )


class StepPenalty(Reward):
    """A constant ``-cost`` on every step (final ones included), to prefer short solutions.

    :param cost: cost per step (a positive number; the reward is its negative).
    :param name: component name.
    """

    def __init__(self, cost: float = 0.01, *, name: str = "step_penalty") -> None:
        if cost < 0:
            raise ValueError(f"cost must be >= 0, got {cost}")
        self.cost = float(cost)
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        value = -self.cost if self.cost else 0.0
        return RewardOutput(value, {self.name: value})

    def __repr__(self) -> str:
        return f"StepPenalty(cost={self.cost}, name={self.name!r})"
