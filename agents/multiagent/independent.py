"""Independent learners for the numeric games: one stable-baselines3 model per seat, trained in turns.

:class:`SingleAgentView` makes one seat of a PettingZoo AEC game a Gymnasium env: the other seats are
played by given seat policies between the learner's moves, the learner's reward is everything the game
credited to its seat meanwhile, and ``action_masks()`` exposes the game's mask for sb3-contrib's
``MaskablePPO``. :func:`train_independent` alternates: each round, every seat's learner trains for
``steps_per_round`` steps against the other seats' current models (frozen during that phase) — independent
PPO, the usual baseline of multi-agent RL, with each learner facing a moving opponent only between phases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from mathgym.seeding import derive_rng, derive_seed

#: ``(agent, observation, info) -> action``
SeatPolicy = Callable[[str, Any, dict], Any]


def random_policy(seed: int = 0) -> SeatPolicy:
    """A seat policy that picks uniformly among the legal actions of the observation's mask.

    :param seed: seed of its stream.
    """
    state = {"rng": derive_rng("mathgym.multiagent.random_policy", seed)}

    def act(agent: str, observation: Any, info: dict) -> int:
        legal = np.flatnonzero(observation["action_mask"])
        return int(state["rng"].choice(legal))

    def reseed(new_seed: int) -> None:
        state["rng"] = derive_rng("mathgym.multiagent.random_policy", new_seed)

    act.reseed = reseed  # type: ignore[attr-defined]  # SingleAgentView.reset(seed=...) calls it
    return act


def sb3_policy(model: Any, *, deterministic: bool = False) -> SeatPolicy:
    """A seat policy from an SB3 model trained on a :class:`SingleAgentView` (masked when the model takes masks).

    :param model: a ``MaskablePPO``/``PPO`` model.
    :param deterministic: take the most likely action rather than sampling.
    """
    masked = "action_masks" in model.predict.__code__.co_varnames

    def act(agent: str, observation: Any, info: dict) -> int:
        kwargs = {"action_masks": observation["action_mask"].astype(bool)} if masked else {}
        action, _ = model.predict(observation["observation"], deterministic=deterministic, **kwargs)
        return int(action)

    return act


class SingleAgentView(gym.Env):
    """One seat of a PettingZoo AEC game with numeric observations (``{"observation", "action_mask"}``),
    as a Gymnasium env for single-agent learners.

    :param env_fn: makes the AEC env (``nim_v0.env``).
    :param agent: the learner's seat.
    :param opponents: a seat policy per other seat, or one for all of them.
    """

    metadata = {"render_modes": []}

    def __init__(
        self, env_fn: Callable[[], Any], agent: str, opponents: SeatPolicy | Mapping[str, SeatPolicy]
    ) -> None:
        self.env = env_fn()
        if agent not in self.env.possible_agents:
            raise ValueError(f"{agent!r} is not a seat of {self.env}; seats: {self.env.possible_agents}")
        self.agent = agent
        self.opponents = opponents
        space = self.env.observation_space(agent)
        self.observation_space = space["observation"]
        self.action_space = self.env.action_space(agent)
        self._mask = np.ones(self.action_space.n, dtype=bool)  # type: ignore[attr-defined, type-var]
        self._seeded = False

    def _opponent(self, agent: str) -> SeatPolicy:
        return self.opponents[agent] if isinstance(self.opponents, Mapping) else self.opponents

    def _advance(self) -> tuple[Any, float, bool, bool, dict]:
        # Let the other seats move until the learner must act or the game is over; rewards credited to the
        # learner's seat accumulate in the AEC env until its next last().
        while True:
            agent = self.env.agent_selection
            observation, reward, terminated, truncated, info = self.env.last()
            if agent == self.agent:
                return observation, float(reward), bool(terminated), bool(truncated), info
            self.env.step(
                None if terminated or truncated else self._opponent(agent)(agent, observation, info)
            )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        if seed is None and not self._seeded:  # seed the game from Gymnasium's stream once
            seed = int(self.np_random.integers(2**31))
        self._seeded = True
        if seed is not None:  # a seed fixes the whole episode, the opponents' random moves included
            others = self.opponents.values() if isinstance(self.opponents, Mapping) else [self.opponents]
            for k, policy in enumerate(others):
                if hasattr(policy, "reseed"):
                    policy.reseed(derive_seed(seed, "opponent", k))
        self.env.reset(seed=seed, options=options)
        observation, _, terminated, truncated, info = self._advance()
        for _ in range(100):  # a game the other seats end before the learner moves is no episode for it
            if not (terminated or truncated):
                break
            self.env.reset(options=options)
            observation, _, terminated, truncated, info = self._advance()
        else:
            raise RuntimeError(
                f"{self.env} ended 100 times before {self.agent} could move; check the options"
            )
        self._mask = observation["action_mask"].astype(bool)
        return observation["observation"], dict(info)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.env.step(int(action))
        observation, reward, terminated, truncated, info = self._advance()
        self._mask = observation["action_mask"].astype(bool)
        info = dict(info)
        if terminated or truncated:
            info["is_success"] = reward > 0
        return observation["observation"], reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """Legal actions of the learner now (``MaskablePPO`` calls this)."""
        return self._mask.copy()


@dataclass
class IndependentResult:
    """What :func:`train_independent` returns: the model per seat and one evaluation row per round."""

    models: dict[str, Any]
    history: list[dict[str, float]] = field(default_factory=list)


def train_independent(
    env_fn: Callable[[], Any],
    *,
    rounds: int = 4,
    steps_per_round: int = 4096,
    seed: int = 0,
    hyperparams: Mapping[str, Any] | None = None,
    evaluate: Callable[[dict[str, SeatPolicy]], dict[str, float]] | None = None,
    log: Callable[[dict[str, float]], None] | None = print,
) -> IndependentResult:
    """Independent MaskablePPO learners, one per seat, trained in alternating phases.

    :param env_fn: makes the AEC env of a numeric game (``lambda: nim_v0.env()``).
    :param rounds: training rounds; each trains every seat once.
    :param steps_per_round: env steps per seat per round.
    :param seed: seeds models and envs.
    :param hyperparams: MaskablePPO keyword arguments (over small-MLP defaults).
    :param evaluate: called after each round with the seats' greedy policies; its dict joins the history.
    :param log: called with each history row.
    """
    import torch
    from sb3_contrib import MaskablePPO

    torch.set_num_threads(1)  # small MLPs: more threads only add overhead on this project's 2-core machines
    seats = list(env_fn().possible_agents)
    settings = {
        "n_steps": 256,
        "batch_size": 128,
        "n_epochs": 4,
        "learning_rate": 3e-4,
        "ent_coef": 0.01,
        "gamma": 1.0,
        "policy_kwargs": {"net_arch": [64, 64]},
        **(hyperparams or {}),
    }
    models: dict[str, Any] = {}
    policies: dict[str, SeatPolicy] = {s: random_policy(derive_seed(seed, s)) for s in seats}
    for s in seats:
        view = SingleAgentView(env_fn, s, {o: policies[o] for o in seats if o != s})
        view.reset(seed=derive_seed(seed, "view", s) % 2**31)
        models[s] = MaskablePPO(
            "MlpPolicy", view, seed=derive_seed(seed, "model", s) % 2**31, verbose=0, **settings
        )
    result = IndependentResult(models=models)
    for round_index in range(1, rounds + 1):
        for s in seats:
            frozen = {o: sb3_policy(models[o]) for o in seats if o != s}
            models[s].get_env().envs[0].unwrapped.opponents = frozen
            models[s].learn(steps_per_round, reset_num_timesteps=False)
        row: dict[str, float] = {
            "round": float(round_index),
            "steps_per_seat": float(round_index * steps_per_round),
        }
        if evaluate is not None:
            row.update(evaluate({s: sb3_policy(models[s], deterministic=True) for s in seats}))
        result.history.append(row)
        if log is not None:
            log(row)
    return result


def nim_optimal_policy(game_env: Any) -> SeatPolicy:
    """Nim's perfect player as a seat policy (the nim-sum rule) for a ``nim_v0`` discrete env.

    :param game_env: the env whose ``unwrapped.game`` encodes moves.
    """
    from mathgym.envs.multiagent.nim_v0 import optimal_move

    game = game_env.unwrapped.game

    def act(agent: str, observation: Any, info: dict) -> int:
        heap, count = optimal_move(info["heaps"])
        return game.encode(heap, count)

    return act
