"""Outcome reward: the verifier's judgement of the final answer."""

from __future__ import annotations

from mathgym.rewards.base import Reward, RewardOutput, StepContext
from mathgym.verifier.verdict import Verdict


def verdict_for(ctx: StepContext) -> Verdict:
    """The verdict the env already computed for this step, or a fresh check of the whole response."""
    if ctx.verdict is not None:
        return ctx.verdict
    from mathgym import verify

    return verify(ctx.response, ctx.problem)


class OutcomeReward(Reward):
    """``correct`` when the final answer is verified equal to the gold answer, else ``incorrect``.

    Only final steps are scored; earlier steps get 0 (the component is still reported, as 0, so that
    every step of an episode has the same component names).

    :param correct: value for a verified-correct final answer.
    :param incorrect: value for a wrong, missing or unparsable final answer.
    :param partial_credit: use the verdict's ``score`` in [0, 1] to interpolate between the two values
        (for verifiers that give partial credit); by default the verdict is all-or-nothing.
    :param name: component name.
    """

    final_only = True

    def __init__(
        self,
        correct: float = 1.0,
        incorrect: float = 0.0,
        *,
        partial_credit: bool = False,
        name: str = "outcome",
    ) -> None:
        self.correct = float(correct)
        self.incorrect = float(incorrect)
        self.partial_credit = partial_credit
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        if not ctx.final:
            return RewardOutput(0.0, {self.name: 0.0})
        verdict = verdict_for(ctx)
        if self.partial_credit:
            value = self.incorrect + (self.correct - self.incorrect) * float(verdict.score)
        else:
            value = self.correct if verdict.correct else self.incorrect
        return RewardOutput(value, {self.name: value})

    def __repr__(self) -> str:
        return f"OutcomeReward(correct={self.correct}, incorrect={self.incorrect}, name={self.name!r})"
