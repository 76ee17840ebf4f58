"""Helpers for reward tests: small real reward parts and step contexts (imported by the test modules)."""

from __future__ import annotations

from typing import Any

from mathgym.problem import Problem
from mathgym.rewards.base import Reward, RewardOutput, StepContext
from mathgym.verifier.verdict import Verdict


class Constant(Reward):
    """A reward part that always reports ``value`` (a stand-in for any scalar score, e.g. an RM's)."""

    def __init__(self, value: float, name: str = "constant") -> None:
        self.value, self.name = float(value), name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        return RewardOutput(self.value, {self.name: self.value})


class ExtraScore(Reward):
    """Reads a per-step score from ``ctx.extra[key]``: how env-computed process scores reach rewards."""

    def __init__(self, key: str = "prm") -> None:
        self.key = self.name = key

    def __call__(self, ctx: StepContext) -> RewardOutput:
        value = float(ctx.extra[self.key])
        return RewardOutput(value, {self.name: value})


class StepCounter(Reward):
    """A stateful part: the number of steps scored since the last reset."""

    name = "counter"

    def __init__(self) -> None:
        self.count = 0

    def reset(self, problem: Problem) -> None:
        self.count = 0

    def __call__(self, ctx: StepContext) -> RewardOutput:
        self.count += 1
        return RewardOutput(float(self.count), {self.name: float(self.count)})

    def get_state(self) -> Any:
        return self.count

    def set_state(self, state: Any) -> None:
        self.count = state


PROBLEM = Problem(id="t/0", prompt="What is 6*7?", answer="42")


def make_ctx(
    action: str = "",
    *,
    history: tuple[str, ...] = (),
    final: bool = True,
    verdict: Verdict | None = None,
    **extra: Any,
) -> StepContext:
    return StepContext(
        problem=PROBLEM,
        action=action,
        history=history,
        step_index=len(history),
        final=final,
        verdict=verdict,
        extra=extra,
    )


def verdict(correct: bool, extracted: str | None = "42", score: float | None = None) -> Verdict:
    """A verdict as the env passes it in ``StepContext.verdict``."""
    return Verdict(
        correct=correct,
        score=float(correct) if score is None else score,
        extracted=extracted,
        reason="match" if correct else "mismatch",
    )
