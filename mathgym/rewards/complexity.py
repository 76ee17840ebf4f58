"""Shaping by a decrease in expression complexity, for environments that rewrite expressions."""

from __future__ import annotations

from mathgym.rewards.base import Reward, RewardOutput, StepContext


class ComplexityDecrease(Reward):
    """``weight · (complexity_before − complexity_after)`` of the step's expression.

    The env reports the two complexities in ``ctx.extra`` (EquationSolve uses the number of tree nodes).
    Summed over an episode the shaping telescopes to ``weight · (start − end)``, so it rewards simpler
    end states without creating loops that pay for themselves: making an expression bigger and then
    smaller again nets zero.

    :param weight: reward per unit of complexity removed (a decrease is positive, an increase negative).
    :param before_key: the ``ctx.extra`` key of the complexity before the step.
    :param after_key: the ``ctx.extra`` key of the complexity after the step.
    :param name: component name.
    """

    def __init__(
        self,
        weight: float = 0.02,
        *,
        before_key: str = "complexity_before",
        after_key: str = "complexity_after",
        name: str = "complexity_decrease",
    ) -> None:
        self.weight = float(weight)
        self.before_key = before_key
        self.after_key = after_key
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        try:
            delta = float(ctx.extra[self.before_key]) - float(ctx.extra[self.after_key])
        except KeyError as error:
            raise KeyError(
                f"{type(self).__name__} needs ctx.extra[{error.args[0]!r}]: use it with an env that "
                "reports expression complexity (e.g. mathgym/EquationSolve-v0)"
            ) from None
        value = self.weight * delta
        value = value if value else 0.0  # no "-0.0" in logs
        return RewardOutput(value, {self.name: value})

    def __repr__(self) -> str:
        return f"ComplexityDecrease(weight={self.weight}, name={self.name!r})"
