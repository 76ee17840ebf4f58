"""The minimal agent interface shared by baseline, LLM and classic-RL agents."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Mapping

import numpy as np

AGENTS: dict[str, type["Agent"]] = {}


class Agent(ABC):
    """Maps an observation (and the env's ``info``) to an action.

    Register a new agent by subclassing with a ``name``: it becomes available to ``mathgym eval
    --agent NAME``. Agents that keep per-episode state override :meth:`reset`.
    """

    name: ClassVar[str] = ""

    def __init__(self, env: Any = None, seed: int | None = None) -> None:
        """:param env: the env the agent will act in (agents that need privileged access use it).
        :param seed: seed of the agent's own randomness."""
        self.env = env
        self.rng = np.random.default_rng(seed)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            AGENTS[cls.name] = cls

    def reset(self, *, seed: int | None = None) -> None:
        """Start a new episode; seeding makes a stochastic agent reproducible."""
        self.rng = np.random.default_rng(seed)

    @abstractmethod
    def act(self, observation: Any, info: Mapping[str, Any]) -> Any: ...


def make_agent(name: str, **kwargs: Any) -> Agent:
    """Build a registered agent by name; unknown names list the known ones."""
    import mathgym.agents  # noqa: F401  (registers the built-in agents)

    if name not in AGENTS:
        import difflib

        close = difflib.get_close_matches(name, AGENTS, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown agent {name!r}.{hint} Known agents: {', '.join(sorted(AGENTS))}")
    return AGENTS[name](**kwargs)
