"""The base of mathgym's single (non-vector) Gymnasium envs.

:class:`MathgymEnv` holds what every mathgym env does the same way, so each env writes only its own parts:

* the ``render_mode`` check against ``metadata["render_modes"]`` and the ``render()`` dispatch (``"ansi"``
  and ``None`` return the frame as text, ``"human"`` prints it); an env writes :meth:`MathgymEnv.render_text`;
* the snapshot contract for search (beam search, MCTS, replays): :meth:`MathgymEnv.get_state` returns a
  JSON-serialisable dict, :meth:`MathgymEnv.set_state` restores it and returns the observation at that
  point, like ``reset`` does;
* the documented ``info`` keys below.

``info`` keys of every mathgym env:

* ``problem_id``: the id of the episode's :class:`~mathgym.problem.Problem` (numeric SymbolicRegression:
  its benchmark's spec instead);
* ``is_success`` (in the ``info`` of the step that ends the episode): ``True`` when the episode reached its
  goal (a verified answer, a solved equation, the Countdown target, a recovered formula, an accepted proof).
  stable-baselines3's ``Monitor`` reads it (``info_keywords=("is_success",)``), so does
  :mod:`mathgym.agents.sb3_train`;
* ``reward_components``: the reward's named parts for this step;
* ``verdict``: the verifier's verdict as a dict, where the env verifies answers (``None`` before one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import gymnasium as gym

ObsType = TypeVar("ObsType")
ActType = TypeVar("ActType")


class UnsupportedRenderMode(ValueError, TypeError):
    """A ``render_mode`` the env does not support.

    It is also a ``TypeError``, as from an env that takes no ``render_mode`` at all, because callers fall
    back on that: stable-baselines3's ``make_vec_env`` asks for ``"rgb_array"`` first and, on a
    ``TypeError``, makes the env without a render mode.
    """


class MathgymEnv(gym.Env[ObsType, ActType]):
    """A Gymnasium env with mathgym's render dispatch, snapshot contract and ``info`` keys.

    :param render_mode: one of ``metadata["render_modes"]`` or ``None``.
    :raises UnsupportedRenderMode: ``render_mode`` is not one the env supports (a ``ValueError``).
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi", "human"], "render_fps": 4}

    def __init__(self, render_mode: str | None = None) -> None:
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise UnsupportedRenderMode(
                f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode

    def render_text(self) -> str | None:
        """The current frame as text (``None`` before the first reset)."""
        raise NotImplementedError(f"{type(self).__name__} does not render")

    def render(self) -> str | None:
        """The frame as text for ``"ansi"`` (and no render mode); ``"human"`` prints it and returns ``None``."""
        text = self.render_text()
        if text is not None and self.render_mode == "human":
            print(text)
            return None
        return text

    def get_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the episode, for :meth:`set_state`.

        :raises RuntimeError: before the first reset.
        :raises NotImplementedError: the env takes no snapshots.
        """
        raise NotImplementedError(f"{type(self).__name__} takes no snapshots")

    def set_state(self, state: Mapping[str, Any]) -> ObsType:
        """Restore a :meth:`get_state` snapshot (also one that went through JSON).

        :param state: what :meth:`get_state` returned.
        :returns: the observation at that point.
        """
        raise NotImplementedError(f"{type(self).__name__} takes no snapshots")
