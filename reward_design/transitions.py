"""Transitions in reward-view form: recorded while an env steps, and a fixed pool of labelled episodes.

:class:`ViewRecorder` wraps an env with a reward view and records every step as a
:class:`~mathgym.rewards.view.Transition`; in training it also zeroes the env's reward, because the
candidate's reward is added to the rollout afterwards, one batch per rollout
(:mod:`mathgym.reward_design.training`).

:func:`record_pool` plays a mix of behaviour policies (uniform random over legal actions, the env's
scripted demonstrator, and the demonstrator with random deviations) and keeps whole episodes with their
ground-truth success: the critic runs candidates on their transitions and the CARD-style pre-filter asks
a candidate to rank the successful episodes above the failed ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from mathgym.rewards.view import Transition, supports_reward_view, view_info
from mathgym.seeding import derive_seed


class ViewRecorder(gym.Wrapper):
    """Records each step of an env that has a reward view.

    :param env: the env (its unwrapped form must have ``reward_view`` and ``reward_view_action``).
    :param zero_reward: return reward 0 instead of the env's (training with a relabelled reward).
    """

    def __init__(self, env: gym.Env, *, zero_reward: bool = False) -> None:
        if not supports_reward_view(env):
            raise ValueError(f"{env.unwrapped.__class__.__name__} has no reward view")
        super().__init__(env)
        self.zero_reward = zero_reward
        self.transitions: list[Transition] = []
        self.episode = -1
        self._prev: dict[str, Any] = {}
        self._step = 0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self.episode += 1
        self._prev = self.env.unwrapped.reward_view()
        self._step = 0
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        unwrapped = self.env.unwrapped
        action_view = unwrapped.reward_view_action(action)
        obs, reward, terminated, truncated, info = self.env.step(action)
        state = unwrapped.reward_view()
        self.transitions.append(
            Transition(
                self._prev,
                action_view,
                state,
                view_info(info, terminated, truncated, self._step),
                float(reward),
                self.episode,
            )
        )
        self._prev = state
        self._step += 1
        return obs, 0.0 if self.zero_reward else reward, terminated, truncated, info

    def drain(self) -> list[Transition]:
        """The transitions recorded since the last call, oldest first."""
        out, self.transitions = self.transitions, []
        return out


@dataclass
class Episode:
    """One recorded episode.

    :param transitions: its steps.
    :param success: the env's ground truth on its last step.
    :param policy: which behaviour policy played it.
    """

    transitions: list[Transition]
    success: bool
    policy: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "policy": self.policy,
            "transitions": [t.to_dict() for t in self.transitions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Episode:
        return cls(
            [Transition.from_dict(t) for t in data["transitions"]], bool(data["success"]), str(data["policy"])
        )


def behaviour_agents(env: gym.Env, seed: int) -> dict[str, Any]:
    """The behaviour policies for ``env``: ``random`` and, when the env has one, ``demo`` (its scripted
    solver) and ``noisy-demo`` (the solver with a random legal action 30 % of the time)."""
    from mathgym.agents import make_agent

    unwrapped = env.unwrapped
    name = type(unwrapped).__name__
    text_env = not hasattr(unwrapped, "action_masks")
    random = make_agent("random" if text_env else "masked-random", env=env, seed=seed)
    demo_name = {
        "EquationSolveEnv": "equation-solver",
        "CountdownEnv": "countdown-solver",
        "SymbolicRegressionEnv": "target-expression",
    }.get(name, "reference" if text_env else None)
    agents: dict[str, Any] = {"random": random}
    if demo_name is None:
        return agents
    if name == "SymbolicRegressionEnv":
        from mathgym.envs.classic.symbolic_regression.tokens import expression_to_prefix

        if expression_to_prefix(unwrapped.benchmark.expression, unwrapped.library) is None:
            return agents  # the target needs tokens the library lacks: no demonstration of success
    demo = make_agent(demo_name, env=env, seed=seed)
    agents["demo"] = demo
    if text_env:
        agents["noisy-demo"] = make_agent("noisy", env=env, seed=seed, error_rate=0.5)
    else:
        agents["noisy-demo"] = _EpsilonMix(demo, random, 0.3, seed)
    return agents


class _EpsilonMix:
    """``expert`` with probability ``1 - epsilon``, else ``explorer`` (near-miss failures and slow successes)."""

    def __init__(self, expert: Any, explorer: Any, epsilon: float, seed: int) -> None:
        self.expert, self.explorer, self.epsilon = expert, explorer, epsilon
        self.rng = np.random.default_rng(seed)

    def reset(self, *, seed: int | None = None) -> None:
        self.expert.reset(seed=seed)
        self.explorer.reset(seed=seed)
        self.rng = np.random.default_rng(seed)

    def act(self, observation: Any, info: Any) -> Any:
        agent = self.explorer if self.rng.random() < self.epsilon else self.expert
        return agent.act(observation, info)


def play_episodes(
    env: ViewRecorder, agent: Any, n: int, seed: int, policy: str, max_steps: int = 10_000
) -> list[Episode]:
    """Play ``n`` episodes of ``agent`` in a recording env (episode ``i`` resets with a seed derived from
    ``(seed, i)``)."""
    episodes = []
    for i in range(n):
        obs, info = env.reset(seed=derive_seed(seed, "episode", i) % 2**31)
        agent.reset(seed=derive_seed(seed, "agent", i) % 2**31)
        env.drain()
        done, steps = False, 0
        while not done and steps < max_steps:
            obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
            done, steps = terminated or truncated, steps + 1
        transitions = env.drain()
        if transitions:
            episodes.append(Episode(transitions, bool(transitions[-1].info["is_success"]), policy))
    return episodes


def record_pool(
    env_id: str,
    env_kwargs: dict[str, Any] | None = None,
    *,
    episodes_per_policy: int = 24,
    seed: int = 0,
    min_transitions: int = 64,
) -> list[Episode]:
    """Episodes of every behaviour policy of the env (see :func:`behaviour_agents`), reproducible from ``seed``.

    :param env_id: a Gymnasium id with a reward view.
    :param env_kwargs: keyword arguments of ``gymnasium.make``.
    :param episodes_per_policy: episodes each behaviour policy plays per round.
    :param seed: seeds the problems and the policies (disjoint from training and evaluation streams).
    :param min_transitions: more rounds are played until the pool has this many steps (short episodes).
    """
    env = ViewRecorder(gym.make(env_id, **(env_kwargs or {})))
    try:
        pool: list[Episode] = []
        agents = behaviour_agents(env, derive_seed(seed, "agents") % 2**31)
        for round_ in range(1000):
            for name, agent in agents.items():
                pool += play_episodes(
                    env, agent, episodes_per_policy, derive_seed(seed, "pool", name, round_), name
                )
            if sum(len(e.transitions) for e in pool) >= min_transitions:
                break
        return pool
    finally:
        env.close()


def field_statistics(pool: Sequence[Episode]) -> dict[str, dict[str, float]]:
    """Per numeric state field, its mean value at the end of successful and of failed episodes.

    ``effect`` = 2 P(end value of a success > that of a failure) - 1 (ties count half), in [-1, 1]: how
    well the field's end value separates successes from failures, whatever its scale; the fields a shaping
    term can pull towards the successes' values. Fields that are ``None`` or not a number at the end of some
    episode are left out, and so is everything when the pool has no success or no failure.
    """
    from mathgym.reward_design.prefilter import preference_accuracy

    finals: dict[str, list[float]] = {}
    skipped: set[str] = set()
    for episode in pool:
        for name, value in episode.transitions[-1].state.items():
            if isinstance(value, (bool, int, float)) and np.isfinite(value):
                finals.setdefault(name, []).append(float(value))
            else:
                skipped.add(name)
    labels = np.array([e.success for e in pool], dtype=bool)
    out = {}
    for name, values in finals.items():
        if name in skipped or len(values) != len(pool):
            continue
        auc = preference_accuracy(values, labels)
        if auc is None:
            return {}
        column = np.array(values)
        out[name] = {
            "success_mean": float(column[labels].mean()),
            "failure_mean": float(column[~labels].mean()),
            "effect": 2.0 * auc - 1.0,
        }
    return out


def critic_transitions(pool: Sequence[Episode], minimum: int = 64, maximum: int = 512) -> list[Transition]:
    """Transitions for the critic: whole episodes taken round-robin over policies until ``minimum`` (at most
    ``maximum``) steps, so successes, failures and invalid moves are all represented."""
    by_policy: dict[str, list[Episode]] = {}
    for episode in pool:
        by_policy.setdefault(episode.policy, []).append(episode)
    out: list[Transition] = []
    index = 0
    while len(out) < minimum and any(index < len(v) for v in by_policy.values()):
        for episodes in by_policy.values():
            if index < len(episodes):
                out += episodes[index].transitions
        index += 1
    return out[:maximum]


def save_pool(pool: Sequence[Episode], path: str | Path) -> None:
    Path(path).write_text("".join(json.dumps(e.to_dict()) + "\n" for e in pool), encoding="utf-8")


def load_pool(path: str | Path) -> list[Episode]:
    return [
        Episode.from_dict(json.loads(line))
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
