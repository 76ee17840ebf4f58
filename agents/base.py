"""The minimal agent interface shared by baseline, LLM and classic-RL agents."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from mathgym.registry import Registry

#: agent name -> class, filled by subclassing :class:`Agent` with a ``name``
AGENTS: Registry[type[Agent]] = Registry("agent", populate="mathgym.agents")


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
        # only a class that names itself registers: a subclass of a named agent is not that agent
        if cls.__dict__.get("name"):
            AGENTS.register(cls.name, cls)

    def reset(self, *, seed: int | None = None) -> None:
        """Start a new episode; seeding makes a stochastic agent reproducible."""
        self.rng = np.random.default_rng(seed)

    @abstractmethod
    def act(self, observation: Any, info: Mapping[str, Any]) -> Any: ...


def make_agent(name: str, **kwargs: Any) -> Agent:
    """Build a registered agent by name.

    :param name: the agent's registered name.
    :param kwargs: arguments of the agent's constructor (``env=``, ``seed=``, ...).
    :raises mathgym.registry.UnknownName: (a ``KeyError``) naming close names and the known ones.
    """
    return AGENTS[name](**kwargs)
