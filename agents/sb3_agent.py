"""A trained stable-baselines3 model behind the :class:`~mathgym.agents.base.Agent` interface."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mathgym.agents.base import Agent


class SB3Agent(Agent):
    """Acts with a trained SB3 model (greedy by default), passing the env's action mask when the model
    is a ``MaskablePPO``.

    :param model: a loaded SB3 model, or the path of a saved one (``model.zip`` of a :func:`train` run).
    :param algo: algorithm of a saved model (default: read from the run's ``config.json``).
    :param deterministic: take the most likely action instead of sampling.
    :param env: unused (accepted for ``make_agent``).
    :param seed: unused: SB3 sampling uses torch's generator.
    """

    name = "sb3"

    def __init__(
        self,
        model: Any = None,
        algo: str | None = None,
        deterministic: bool = True,
        env: Any = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(env, seed)
        if model is None:
            raise ValueError(
                "SB3Agent needs a model or the path of a saved model: make_agent('sb3', model=...)"
            )
        if isinstance(model, (str, Path)):
            from mathgym.agents.sb3_train import load_model

            model = load_model(model, algo)
        self.model = model
        self.deterministic = deterministic
        self.masked = _is_maskable(model)

    def act(self, observation: Any, info: Mapping[str, Any]) -> int:
        kwargs = {}
        if self.masked and "action_mask" in info:
            kwargs["action_masks"] = np.asarray(info["action_mask"], dtype=bool)
        action, _ = self.model.predict(observation, deterministic=self.deterministic, **kwargs)
        return int(action)


def _is_maskable(model: Any) -> bool:
    """Whether ``model`` is an sb3-contrib ``MaskablePPO`` (which takes ``action_masks``); False without it."""
    try:
        from sb3_contrib import MaskablePPO
    except ImportError:
        return False
    return isinstance(model, MaskablePPO)
