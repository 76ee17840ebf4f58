"""Proposer policies for :mod:`~mathgym.envs.multiagent.proposer_solver_v0` (discrete form), and choice entropy.

* :func:`uniform_proposer` — every menu entry equally often: the curriculum-free baseline.
* :func:`learnability_proposer` — samples a menu entry with probability proportional to
  ``exp(learnability / temperature)``, reading the solver's success estimates from the observation
  (the game's own view of the solver), with untried entries scored as maximally learnable. The
  temperature keeps its choices spread (an entropy floor) so that a stale estimate still gets re-tested.
* :func:`choice_entropy` — the entropy of a list of choices in bits, to check that floor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mathgym.envs.multiagent.proposer_solver_v0 import learnability
from mathgym.seeding import derive_rng

#: ``(agent, observation, info) -> action``
SeatPolicy = Callable[[str, Any, dict], Any]


def uniform_proposer(seed: int = 0) -> SeatPolicy:
    """Each menu entry with equal probability.

    :param seed: seed of its stream.
    """
    rng = derive_rng("mathgym.multiagent.uniform_proposer", seed)

    def act(agent: str, observation: Any, info: dict) -> int:
        return int(rng.choice(np.flatnonzero(observation["action_mask"])))

    return act


def learnability_proposer(
    *, temperature: float = 0.15, min_success: float = 0.1, seed: int = 0, choices: list[int] | None = None
) -> SeatPolicy:
    """A softmax over the menu's learnability, computed from the proposer's observation.

    :param temperature: softmax temperature (higher: closer to uniform, higher entropy).
    :param min_success: the anti-drift guard of :func:`~mathgym.envs.multiagent.proposer_solver_v0.learnability`.
    :param seed: seed of its stream.
    :param choices: a list that each choice is appended to (for :func:`choice_entropy`).
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    rng = derive_rng("mathgym.multiagent.learnability_proposer", seed)

    def act(agent: str, observation: Any, info: dict) -> int:
        features = np.asarray(observation["observation"], dtype=np.float64)
        n = len(features) // 2
        estimates, filled = features[:n], features[n:]
        # untried entries score 1 (worth a try); the others their learnability
        scores = np.array(
            [1.0 if filled[i] == 0 else learnability(float(estimates[i]), min_success) for i in range(n)]
        )
        logits = scores / temperature
        probabilities = np.exp(logits - logits.max())
        probabilities *= np.asarray(observation["action_mask"], dtype=np.float64)
        probabilities /= probabilities.sum()
        choice = int(rng.choice(n, p=probabilities))
        if choices is not None:
            choices.append(choice)
        return choice

    return act


def choice_entropy(choices: Sequence[int]) -> float:
    """Entropy of the empirical distribution of ``choices`` in bits (0 for one repeated choice).

    :param choices: menu indices.
    """
    counts = np.array(list(Counter(choices).values()), dtype=np.float64)
    if counts.sum() == 0:
        return 0.0
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())
