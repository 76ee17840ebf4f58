"""Reward contract: small callables that score one environment step and report named components."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mathgym.problem import Problem
from mathgym.verifier.verdict import Verdict


@dataclass(frozen=True)
class StepContext:
    """Everything a reward part may look at for one step.

    :param problem: the episode's problem.
    :param action: the text of this step (the whole response in single-turn mode).
    :param history: the episode's earlier actions, oldest first.
    :param step_index: 0-based index of this step in the episode.
    :param final: this step ends the episode (a final answer was given, or the episode is truncated).
    :param verdict: the verifier's verdict on the final answer when ``final`` and an answer exists.
    :param extra: env-specific facts for specialised parts (tool results, PRM scores, proof status...).
    """

    problem: Problem
    action: str
    history: tuple[str, ...] = ()
    step_index: int = 0
    final: bool = True
    verdict: Verdict | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def response(self) -> str:
        """The whole response so far (earlier steps and this one, newline-joined)."""
        return "\n".join((*self.history, self.action))


@dataclass(frozen=True)
class RewardOutput:
    """A step's reward and its named parts (they go into ``info["reward_components"]``)."""

    value: float
    components: Mapping[str, float] = field(default_factory=dict)


class Reward(ABC):
    """Base class of every reward part, combinator and refinement.

    Subclasses implement :meth:`__call__`. Stateful rewards (those that depend on earlier steps of
    the same episode) override :meth:`reset`, which the env calls at the start of every episode.
    """

    #: name of the component this reward reports
    name: str = "reward"

    def reset(self, problem: Problem) -> None:
        """Forget per-episode state; called by the env on every ``reset``."""

    @abstractmethod
    def __call__(self, ctx: StepContext) -> RewardOutput: ...

    def get_state(self) -> Any:
        """Per-episode state for env snapshots (``None`` for stateless rewards)."""
        return None

    def set_state(self, state: Any) -> None:
        """Restore what :meth:`get_state` returned."""
