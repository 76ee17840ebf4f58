"""A penalty for actions the environment rejects (masked-out moves in classic-RL environments)."""

from __future__ import annotations

from mathgym.rewards.base import Reward, RewardOutput, StepContext


class InvalidActionPenalty(Reward):
    """``-penalty`` when the env reports the step's action as invalid (``ctx.extra["valid"]`` is false).

    Agents that do not use the action mask (PPO, DQN) learn from this penalty to avoid such actions;
    the state is left unchanged by an invalid action.

    :param penalty: cost of an invalid action (a positive number; the reward is its negative).
    :param name: component name.
    """

    def __init__(self, penalty: float = 0.1, *, name: str = "invalid_action") -> None:
        if penalty < 0:
            raise ValueError(f"penalty must be >= 0, got {penalty}")
        self.penalty = float(penalty)
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        value = 0.0 if ctx.extra.get("valid", True) or not self.penalty else -self.penalty
        return RewardOutput(value, {self.name: value})

    def __repr__(self) -> str:
        return f"InvalidActionPenalty(penalty={self.penalty}, name={self.name!r})"
