"""Reward parts for tool use: a bonus for a successful call, a penalty for a call that failed.

Environments that execute code report the step's call in ``StepContext.extra["tool"]``: a mapping with
at least ``"ok"`` (the program ran to the end without an error) and ``"timed_out"``; steps without a
call have no ``"tool"`` entry (or ``None``). These parts compose with the outcome and format parts::

    WeightedSum([(OutcomeReward(), 1.0), (FormatReward(), 0.1),
                 (ToolSuccessReward(), 1.0), (ToolErrorPenalty(), 1.0)])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.problem import Problem
from mathgym.rewards.base import Reward, RewardOutput, StepContext


def tool_call(ctx: StepContext) -> Mapping[str, Any] | None:
    """The tool call this step made (``extra["tool"]``), or ``None``."""
    call = ctx.extra.get("tool") if ctx.extra else None
    return call if isinstance(call, Mapping) else None


class ToolSuccessReward(Reward):
    """``value`` for each step whose program ran without an error, for at most ``max_rewarded`` calls.

    The cap keeps a policy from farming the bonus with many trivial calls.

    :param value: reward for one successful call.
    :param max_rewarded: calls per episode that earn the bonus (``None``: all).
    :param name: component name.
    """

    def __init__(
        self, value: float = 0.05, *, max_rewarded: int | None = 4, name: str = "tool_success"
    ) -> None:
        self.value = float(value)
        self.max_rewarded = max_rewarded
        self.name = name
        self._rewarded = 0

    def reset(self, problem: Problem) -> None:
        self._rewarded = 0

    def __call__(self, ctx: StepContext) -> RewardOutput:
        call = tool_call(ctx)
        earned = 0.0
        if (
            call is not None
            and call.get("ok")
            and (self.max_rewarded is None or self._rewarded < self.max_rewarded)
        ):
            self._rewarded += 1
            earned = self.value
        return RewardOutput(earned, {self.name: earned})

    def get_state(self) -> Any:
        return self._rewarded

    def set_state(self, state: Any) -> None:
        self._rewarded = int(state or 0)

    def __repr__(self) -> str:
        return f"ToolSuccessReward(value={self.value}, max_rewarded={self.max_rewarded}, name={self.name!r})"


class ToolErrorPenalty(Reward):
    """``-penalty`` for each step whose program raised, crashed or timed out (``timeout_penalty`` for a
    timeout when given).

    :param penalty: cost of a failed call (positive number; the reward is its negative).
    :param timeout_penalty: cost of a timed-out call (default: ``penalty``).
    :param name: component name.
    """

    def __init__(
        self, penalty: float = 0.1, *, timeout_penalty: float | None = None, name: str = "tool_error"
    ) -> None:
        self.penalty = float(penalty)
        self.timeout_penalty = float(penalty if timeout_penalty is None else timeout_penalty)
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        call = tool_call(ctx)
        cost = 0.0
        if call is not None and not call.get("ok"):
            cost = self.timeout_penalty if call.get("timed_out") else self.penalty
        return RewardOutput(-cost, {self.name: -cost})

    def __repr__(self) -> str:
        return f"ToolErrorPenalty(penalty={self.penalty}, timeout_penalty={self.timeout_penalty}, name={self.name!r})"


def default_tool_reward() -> Reward:
    """ToolMath default: ``outcome + 0.1·format + 0.05 per successful call (4 at most) − 0.1 per failed call``.

    A correct answer (1.1 with the format bonus) always outweighs what tool use can add (at most 0.2),
    so calls are encouraged only as far as they help.
    """
    from mathgym.rewards.combinators import WeightedSum
    from mathgym.rewards.format import FormatReward
    from mathgym.rewards.outcome import OutcomeReward
    from mathgym.rewards.registry import DEFAULT_FORMAT_BONUS

    return WeightedSum(
        [
            (OutcomeReward(), 1.0),
            (FormatReward(), DEFAULT_FORMAT_BONUS),
            (ToolSuccessReward(), 1.0),
            (ToolErrorPenalty(), 1.0),
        ],
        name="total",
    )
