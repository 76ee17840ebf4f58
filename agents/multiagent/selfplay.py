"""Self-play through PettingZoo envs: SPIRAL's role baseline, and sampled regret-matching self-play.

* :class:`RoleBaseline` — SPIRAL's role-conditioned advantage estimation (RAE): one exponential moving
  average of the return per (game, role), ``b <- decay * b + (1 - decay) * R``, and advantage ``R - b``.
  Self-play games are often unfair (Kuhn Poker's first seat loses 1/18 per hand at equilibrium), so one
  shared baseline would push the weaker role's policy down for the seat it sits in, not for its moves.
  :mod:`mathgym.agents.multiagent.llm_selfplay` puts it on top of GRPO for LLM self-play.
* :class:`RegretMatchingSelfPlay` — one learner plays every seat of a two-player zero-sum game through
  the env (episodes from ``agent_iter``/``last``/``step``, the only interface it uses) and learns by
  outcome-sampling regret matching (outcome-sampling MCCFR, Lanctot et al. 2009): each sampled episode gives
  importance-weighted counterfactual regrets for the information sets it visited, and the average policy
  converges to a Nash equilibrium. The role baseline enters as a control variate: subtracting a constant
  from a seat's return leaves the regret estimates unbiased (the sampled counterfactual reach of an
  information set's continuations sums to one), so its effect on the estimates' variance is measurable
  on its own, which :meth:`RegretMatchingSelfPlay.train` records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mathgym.seeding import derive_rng


@dataclass
class RoleBaseline:
    """Moving-average return per (game, role) — SPIRAL's RAE.

    :param decay: weight of the old value in each update (SPIRAL uses 0.95).
    :param values: current baselines by ``(game, role)``; missing ones start at 0.
    """

    decay: float = 0.95
    values: dict[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {self.decay}")

    def get(self, game: str, role: str) -> float:
        """The current baseline of ``role`` in ``game``.

        :param game: game name.
        :param role: agent name.
        """
        return self.values.get((game, role), 0.0)

    def advantage(self, game: str, role: str, reward: float) -> float:
        """``reward`` minus the baseline as it stood before this reward, then fold the reward in.

        Using the old value keeps the advantage independent of its own reward, so the estimate stays
        unbiased.

        :param game: game name.
        :param role: agent name.
        :param reward: the role's episode return.
        """
        old = self.get(game, role)
        self.values[(game, role)] = self.decay * old + (1.0 - self.decay) * float(reward)
        return float(reward) - old

    def advantages(self, game: str, rewards: Mapping[str, float]) -> dict[str, float]:
        """:meth:`advantage` for every role of one episode.

        :param game: game name.
        :param rewards: episode return per role.
        """
        return {role: self.advantage(game, role, r) for role, r in rewards.items()}


def _regret_matching(regrets: np.ndarray, mask: np.ndarray) -> np.ndarray:
    positive = np.maximum(regrets, 0.0) * mask
    total = positive.sum()
    return positive / total if total > 0 else mask / mask.sum()


class RegretMatchingSelfPlay:
    """Outcome-sampling regret-matching self-play over any two-player zero-sum PettingZoo game whose infos
    carry an ``"infoset"`` key and whose observations carry an ``"action_mask"`` (the numeric form of
    :mod:`~mathgym.envs.multiagent.kuhn_poker_v0`, :mod:`~mathgym.envs.multiagent.nim_v0`).

    :param exploration: share of uniform exploration in the sampling policy (ε of outcome sampling).
    :param baseline: a :class:`RoleBaseline` used as a control variate, or ``None`` for raw returns.
    :param game: the game name under which the baseline is kept.
    :param seed: seed of the sampling stream.
    """

    def __init__(
        self,
        *,
        exploration: float = 0.6,
        baseline: RoleBaseline | None = None,
        game: str = "game",
        seed: int = 0,
    ) -> None:
        if not 0.0 < exploration <= 1.0:
            raise ValueError(f"exploration must be in (0, 1], got {exploration}")
        self.exploration = exploration
        self.baseline = baseline
        self.game = game
        self.rng = derive_rng("mathgym.multiagent.regret_self_play", seed)
        self.regrets: dict[str, np.ndarray] = {}
        self.strategy_sum: dict[str, np.ndarray] = {}
        self.episodes = 0
        #: sampled counterfactual values (the importance-weighted, baseline-centred return) of recent updates
        self.samples: dict[str, list[float]] = defaultdict(list)
        #: the same without the baseline, on the same episodes (a paired measure of the baseline's effect)
        self.raw_samples: dict[str, list[float]] = defaultdict(list)

    def policy(self, key: str, mask: np.ndarray) -> np.ndarray:
        """The current (regret-matching) policy at information set ``key``.

        :param key: information-set key.
        :param mask: legal actions (0/1).
        """
        mask = np.asarray(mask, dtype=np.float64)
        regrets = self.regrets.setdefault(key, np.zeros(len(mask)))
        return _regret_matching(regrets, mask)

    def average_policy(self) -> dict[str, np.ndarray]:
        """The average policy per visited information set — the one that converges to equilibrium."""
        return {k: s / s.sum() for k, s in self.strategy_sum.items() if s.sum() > 0}

    def play_episode(self, env: Any) -> dict[str, float]:
        """Play one episode of the AEC ``env`` (already reset once) and update regrets; returns the returns.

        :param env: an AEC env of a two-player zero-sum game.
        """
        env.reset()
        path: list[tuple[str, str, int, np.ndarray, float, float]] = []
        reach: dict[str, float] = defaultdict(lambda: 1.0)
        sample_prob = 1.0
        returns: dict[str, float] = defaultdict(float)
        for agent in env.agent_iter():
            observation, reward, terminated, truncated, info = env.last()
            returns[agent] += float(reward)
            if terminated or truncated:
                env.step(None)
                continue
            mask = np.asarray(observation["action_mask"], dtype=np.float64)
            sigma = self.policy(info["infoset"], mask)
            explore = self.exploration * mask / mask.sum() + (1.0 - self.exploration) * sigma
            action = int(self.rng.choice(len(mask), p=explore))
            # (agent, infoset, action, sigma, own reach before the move, sampling probability before it)
            path.append((agent, info["infoset"], action, sigma, reach[agent], sample_prob))
            reach[agent] *= sigma[action]
            sample_prob *= explore[action]
            env.step(action)
        self._update(path, dict(returns), dict(reach), sample_prob)
        self.episodes += 1
        return dict(returns)

    def _update(
        self,
        path: list[tuple[str, str, int, np.ndarray, float, float]],
        returns: dict[str, float],
        reach: dict[str, float],
        sample_prob: float,
    ) -> None:
        for role, ret in returns.items():
            centred = ret - self.baseline.get(self.game, role) if self.baseline is not None else ret
            others = np.prod([r for a, r in reach.items() if a != role]) if len(reach) > 1 else 1.0
            weight = centred * others / sample_prob  # the sampled counterfactual value of the terminal
            self.samples[role].append(weight)
            self.raw_samples[role].append(ret * others / sample_prob)
            tail = 1.0  # the role's own probability of playing from after the move to the terminal
            for agent, key, action, sigma, own_reach, prob_before in reversed(path):
                if agent != role:
                    continue
                # sampled values: v(I, a) = weight * tail for the sampled a, 0 for the others; v(I) = sigma(a) v(I, a)
                regret = np.full(len(sigma), -weight * tail * sigma[action])
                regret[action] += weight * tail
                self.regrets[key] += regret
                self.strategy_sum.setdefault(key, np.zeros(len(sigma)))
                self.strategy_sum[key] += own_reach / prob_before * sigma
                tail *= sigma[action]
        if self.baseline is not None:
            for role, ret in returns.items():
                self.baseline.advantage(self.game, role, ret)

    def train(
        self,
        env: Any,
        episodes: int,
        *,
        seed: int = 0,
        every: int = 0,
        evaluate: Callable[[RegretMatchingSelfPlay], float] | None = None,
    ) -> list[dict[str, float]]:
        """Play ``episodes`` self-play episodes; every ``every`` episodes record the evaluation and the variance
        of the sampled counterfactual values since the last record: ``var`` as used (centred by the baseline
        when there is one) and ``var_raw`` without the baseline, on the same episodes.

        :param env: an AEC env (``kuhn_poker_v0.env()``).
        :param episodes: episodes to play.
        :param seed: seed of the env's first reset (later resets continue its stream).
        :param every: episodes between records (0: one record at the end).
        :param evaluate: e.g. exact exploitability of the average policy.
        """
        env.reset(seed=seed)
        every = every or episodes
        history = []
        for t in range(1, episodes + 1):
            self.play_episode(env)
            if t % every == 0:
                row = {"episodes": float(self.episodes)}
                for role, values in sorted(self.samples.items()):
                    row[f"var_{role}"] = float(np.var(values)) if values else float("nan")
                row["var"] = float(np.mean([np.var(v) for v in self.samples.values() if v]))
                row["var_raw"] = float(np.mean([np.var(v) for v in self.raw_samples.values() if v]))
                self.samples.clear()
                self.raw_samples.clear()
                if evaluate is not None:
                    row["exploitability"] = float(evaluate(self))
                history.append(row)
        return history


def kuhn_exploitability(learner: RegretMatchingSelfPlay) -> float:
    """Exact exploitability of a learner's average policy on Kuhn Poker (unvisited infosets play 1/2).

    :param learner: a learner trained on ``kuhn_poker_v0``.
    """
    from mathgym.agents.multiagent.kuhn import INFOSETS, exploitability

    average = learner.average_policy()
    return float(exploitability({k: float(average[k][1]) if k in average else 0.5 for k in INFOSETS}))
