"""Reward views: the documented, JSON-able state that generated reward code may read.

A reward-design loop (:mod:`mathgym.reward_design`) never hands the env object to candidate code: code
written by a language model runs in the sandbox and sees only plain data. An env that supports reward
design says what that data is:

* ``reward_view_spec`` (class attribute): a :class:`RewardViewSpec` naming every field of the state,
  of the action and of ``info`` that ``compute_reward(prev, action, state, info)`` receives, with its
  type, meaning and range, the task and its success criterion in words, and the env's own reward
  written as a ``compute_reward`` function (the hand-written example);
* ``reward_view()``: the current state as a JSON-able ``dict`` with exactly the spec's state fields;
* ``reward_view_action(action)``: the action about to be taken, as a JSON-able ``dict``, computed
  *before* the step (it may name things the step changes, such as the numbers an operator combines).

``info`` is the same for every env (:data:`COMMON_INFO_FIELDS`), built by :func:`view_info` from the
step's flags and the env's own ``info``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

#: field types a view may use, as written in Python annotations
FIELD_TYPES = (
    "bool",
    "int",
    "float",
    "str",
    "float | None",
    "int | None",
    "bool | None",
    "str | None",
    "list[int]",
    "list[str]",
)
NUMERIC_TYPES = ("bool", "int", "float")


@dataclass(frozen=True)
class ViewField:
    """One field of a reward view.

    :param name: the key in the view's ``dict`` (a Python identifier).
    :param type: its Python type, one of :data:`FIELD_TYPES`.
    :param meaning: one line saying what it is.
    :param range: the values it takes, in words or interval notation (``"[0, 32]"``, ``">= 0"``).
    """

    name: str
    type: str
    meaning: str
    range: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"view field name must be an identifier, got {self.name!r}")
        if self.type not in FIELD_TYPES:
            raise ValueError(
                f"view field {self.name!r}: type must be one of {FIELD_TYPES}, got {self.type!r}"
            )

    @property
    def numeric(self) -> bool:
        """Always a number (``bool``, ``int`` or ``float``): usable directly in arithmetic."""
        return self.type in NUMERIC_TYPES


#: ``info`` passed to ``compute_reward`` by every env
COMMON_INFO_FIELDS: tuple[ViewField, ...] = (
    ViewField("valid", "bool", "the action was legal; an illegal one left the state unchanged"),
    ViewField("terminated", "bool", "the episode ended on this step (solved, or no move left)"),
    ViewField("truncated", "bool", "the episode was cut at its step limit on this step"),
    ViewField(
        "is_success",
        "bool",
        "the task is solved, as checked by the env's ground truth; "
        "only ever true on the last step of an episode",
    ),
    ViewField("step", "int", "0-based index of this step in the episode", ">= 0"),
)


@dataclass(frozen=True)
class RewardViewSpec:
    """What reward code may read in one env, and what the task is.

    :param name: class name of the state in the prompt (``EquationState``).
    :param task: the task in one or two sentences.
    :param success: the success criterion in words (what the fitness measures).
    :param action: what one action does.
    :param state_fields: fields of ``prev`` and ``state`` (the view before and after the step).
    :param action_fields: fields of ``action``.
    :param hand_reward: the env's own default reward written as ``compute_reward`` (Python source);
        on the same transitions it returns the env's own rewards (a test holds it to that).
    :param info_fields: fields of ``info`` (the common ones unless an env needs more).
    """

    name: str
    task: str
    success: str
    action: str
    state_fields: tuple[ViewField, ...]
    action_fields: tuple[ViewField, ...]
    hand_reward: str
    info_fields: tuple[ViewField, ...] = COMMON_INFO_FIELDS

    def __post_init__(self) -> None:
        for group in (self.state_fields, self.action_fields, self.info_fields):
            names = [f.name for f in group]
            if len(set(names)) != len(names):
                raise ValueError(f"duplicate view field names in {names}")

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.state_fields)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reward_source(parts: Sequence[tuple[str, str]]) -> str:
    """``compute_reward`` source that returns the sum of named parts and the parts.

    The hand-written rewards of the reward views are written with it, so they all read alike and sum their
    parts in the order the env's own :class:`~mathgym.rewards.combinators.WeightedSum` does.

    :param parts: ``(name, expression)`` pairs; an expression may read ``prev``, ``action``, ``state``,
        ``info`` and the parts before it (``parts["solved"]``).
    """
    lines = ["def compute_reward(prev, action, state, info):", "    parts = {}"]
    lines += [f"    parts[{name!r}] = {expression}" for name, expression in parts]
    lines.append("    return sum(parts.values()), parts")
    return "\n".join(lines) + "\n"


@runtime_checkable
class RewardViewEnv(Protocol):
    """An env that supports reward design (see the module docstring)."""

    reward_view_spec: RewardViewSpec

    def reward_view(self) -> dict[str, Any]: ...

    def reward_view_action(self, action: Any) -> dict[str, Any]: ...


def supports_reward_view(env: Any) -> bool:
    """Whether ``env`` (unwrapped or not) exposes a reward view."""
    return isinstance(getattr(env, "unwrapped", env), RewardViewEnv)


def view_info(info: Mapping[str, Any], terminated: bool, truncated: bool, step: int) -> dict[str, Any]:
    """The ``info`` dict reward code receives, from a step's flags and the env's own ``info``.

    ``valid`` comes from ``info["valid"]`` (or ``not info["invalid_action"]``); ``is_success`` from
    ``info["is_success"]`` and is forced false before the episode ends.
    """
    valid = info.get("valid", not info.get("invalid_action", False))
    done = bool(terminated or truncated)
    return {
        "valid": bool(valid),
        "terminated": bool(terminated),
        "truncated": bool(truncated),
        "is_success": bool(done and info.get("is_success", False)),
        "step": int(step),
    }


@dataclass
class Transition:
    """One recorded step in reward-view form: what ``compute_reward`` is called with.

    :param prev: the view before the step.
    :param action: the action's view.
    :param state: the view after the step.
    :param info: see :data:`COMMON_INFO_FIELDS`.
    :param env_reward: the env's own reward for the step (for the hand-written reward's check).
    :param episode: index of the episode the step belongs to, within its recording.
    """

    prev: dict[str, Any]
    action: dict[str, Any]
    state: dict[str, Any]
    info: dict[str, Any]
    env_reward: float = 0.0
    episode: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "prev": self.prev,
            "action": self.action,
            "state": self.state,
            "info": self.info,
            "env_reward": self.env_reward,
            "episode": self.episode,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transition:
        return cls(
            dict(data["prev"]),
            dict(data["action"]),
            dict(data["state"]),
            dict(data["info"]),
            float(data.get("env_reward", 0.0)),
            int(data.get("episode", 0)),
        )
