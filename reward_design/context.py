"""What a reward proposer sees: the env as a compact Pythonic class (Text2Reward's abstraction).

:func:`describe_env` turns any registered env id whose env has a reward view
(:mod:`mathgym.rewards.view`) into an :class:`EnvContext`: the state, action and ``info`` fields with
type, meaning and range, what an action does, the success criterion, the signature to implement and,
optionally, the env's own hand-written reward as an example (Eureka's ablation turns it off). It renders
as prompt text (:meth:`EnvContext.to_prompt`) and as JSON (:meth:`EnvContext.to_dict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mathgym.rewards.view import RewardViewSpec, ViewField, supports_reward_view

SIGNATURE = (
    "def compute_reward(prev: {state}, action: {action}, state: {state}, info: StepInfo) "
    "-> tuple[float, dict[str, float]]:"
)


@dataclass(frozen=True)
class EnvContext:
    """An env described for reward design.

    :param env_id: the Gymnasium id.
    :param env_kwargs: keyword arguments the env was made with.
    :param spec: the env's :class:`~mathgym.rewards.view.RewardViewSpec`.
    :param include_example: show the env's hand-written reward in the prompt.
    :param max_episode_steps: the episode's step limit, when the env has one.
    :param action_masks: the env offers action masks (MaskablePPO trains it).
    :param statistics: per numeric state field, its mean at the end of recorded successful and failed
        episodes (:func:`~mathgym.reward_design.transitions.field_statistics`); shown to the proposer.
    """

    env_id: str
    env_kwargs: dict[str, Any]
    spec: RewardViewSpec
    include_example: bool = True
    max_episode_steps: int | None = None
    action_masks: bool = False
    statistics: dict[str, dict[str, float]] | None = None

    @property
    def state_class(self) -> str:
        return self.spec.name

    @property
    def action_class(self) -> str:
        return self.spec.name.removesuffix("State") + "Action"

    @property
    def signature(self) -> str:
        return SIGNATURE.format(state=self.state_class, action=self.action_class)

    def class_text(self) -> str:
        """The state, action and info as Python classes with one commented line per field."""
        return "\n\n".join(
            [
                _class(
                    self.state_class, f"State of the environment. {self.spec.task}", self.spec.state_fields
                ),
                _class(self.action_class, f"One action: {self.spec.action}.", self.spec.action_fields),
                _class("StepInfo", "Facts about the step just taken.", self.spec.info_fields),
            ]
        )

    def to_prompt(self) -> str:
        """The environment part of a proposer's prompt."""
        parts = [
            f"Environment: {self.env_id}",
            f"Task: {self.spec.task}",
            f"Success (what the trained agent is judged on): {self.spec.success}.",
            "The reward function is called after every step with the state before the step (`prev`), the "
            "action taken, the state after it (`state`) and `info`. Each is a plain dict whose keys are the "
            'fields below (read `state["size"]` or `state.size`); nothing else about the environment is '
            "available, and the function runs in a sandbox with only the Python standard library.",
            "```python\n" + self.class_text() + "\n```",
            "Implement:\n```python\n" + self.signature + "\n    ...\n```\n"
            "It returns the total reward and a dict of its named components (each a float).",
        ]
        if self.statistics:
            rows = [
                f"    {name}: {row['success_mean']:.3g} when solved, {row['failure_mean']:.3g} when not"
                for name, row in sorted(self.statistics.items(), key=lambda kv: -abs(kv[1]["effect"]))
            ]
            parts.append(
                "In recorded episodes (scripted and random play), the mean value of each field at the end "
                "of the episode:\n" + "\n".join(rows)
            )
        if self.include_example and self.spec.hand_reward:
            parts.append(
                "The environment's own reward, as an example of the format:\n```python\n"
                + self.spec.hand_reward.rstrip()
                + "\n```"
            )
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "env_id": self.env_id,
            "env_kwargs": self.env_kwargs,
            "task": self.spec.task,
            "success": self.spec.success,
            "action": self.spec.action,
            "signature": self.signature,
            "state_class": self.state_class,
            "action_class": self.action_class,
            "state_fields": [_field_dict(f) for f in self.spec.state_fields],
            "action_fields": [_field_dict(f) for f in self.spec.action_fields],
            "info_fields": [_field_dict(f) for f in self.spec.info_fields],
            "hand_reward": self.spec.hand_reward if self.include_example else None,
            "max_episode_steps": self.max_episode_steps,
            "action_masks": self.action_masks,
            "statistics": self.statistics,
        }


def _field_dict(f: ViewField) -> dict[str, str]:
    return {"name": f.name, "type": f.type, "meaning": f.meaning, "range": f.range}


def _class(name: str, doc: str, fields: Sequence[ViewField]) -> str:
    width = max((len(f"{f.name}: {f.type}") for f in fields), default=0)
    lines = [f"class {name}:", f'    """{doc}"""']
    for f in fields:
        note = f.meaning + (f"; range {f.range}" if f.range else "")
        lines.append(f"    {f'{f.name}: {f.type}':<{width}}  # {note}")
    return "\n".join(lines)


def describe_env(env_id: str, *, include_example: bool = True, **env_kwargs: Any) -> EnvContext:
    """Describe a registered env for reward design.

    :param env_id: a Gymnasium id (``mathgym/Countdown-v0``; ``Countdown-v0`` also works).
    :param include_example: put the env's hand-written reward into the prompt.
    :param env_kwargs: keyword arguments of ``gymnasium.make`` (they can change the view's ranges and the
        hand-written reward's constants).
    :raises ValueError: the env has no reward view (the message lists the ids that do).
    """
    import gymnasium as gym

    from mathgym.envs.registration import resolve_env_id

    env_id = resolve_env_id(env_id)
    env = gym.make(env_id, **env_kwargs)
    try:
        if not supports_reward_view(env):
            raise ValueError(
                f"{env_id} has no reward view, so reward code cannot read its state; ids that "
                f"have one: {', '.join(reward_design_ids()[:12])}, ..."
            )
        spec = env.unwrapped.reward_view_spec  # type: ignore[attr-defined]
        limit = getattr(env.spec, "max_episode_steps", None) if env.spec is not None else None
        return EnvContext(
            env_id=env_id,
            env_kwargs=dict(env_kwargs),
            spec=spec,
            include_example=include_example,
            max_episode_steps=limit,
            action_masks=hasattr(env.unwrapped, "action_masks"),
        )
    finally:
        env.close()


def reward_design_ids() -> list[str]:
    """Registered mathgym ids whose env class has a reward view (checked on the class, nothing is built)."""
    import gymnasium as gym
    from gymnasium.envs.registration import load_env_creator

    from mathgym.envs.registration import mathgym_ids

    out: list[str] = []
    for env_id in mathgym_ids():
        entry = gym.spec(env_id).entry_point
        try:
            creator = load_env_creator(entry) if isinstance(entry, str) else entry
        except (ImportError, AttributeError):
            continue
        if isinstance(creator, type) and callable(getattr(creator, "reward_view", None)):
            out.append(env_id)
    return out
