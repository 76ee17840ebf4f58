"""Score (problem, response) pairs with a mathgym env's own reward, for external RL frameworks.

The env is put at the start of the problem with ``set_state`` and stepped once with the response,
so the reward (value and components) is exactly what the env would give in a single-turn episode:
same verifier, same reward parts. One env per thread, so frameworks may call from worker threads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mathgym.problem import Problem
from mathgym.seeding import derive_seed, stable_hash

#: env used when a framework gives no mathgym env id (any text env scores any problem once set_state puts it in)
DEFAULT_ENV_ID = "mathgym/Math-v0"


@dataclass(frozen=True)
class Score:
    """The env's answer to one response."""

    reward: float
    components: Mapping[str, float]
    correct: bool
    extracted: str | None


def problem_from_label(label: Any, prompt: str = "") -> Problem:
    """A Problem from what a dataset row carries: a Problem, its dict or JSON, or a bare gold answer."""
    if isinstance(label, Problem):
        return label
    if isinstance(label, Mapping) and "id" in label and "answer" in label:
        return Problem.from_dict(label)
    if isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            data = json.loads(label)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "id" in data and "answer" in data:
            return Problem.from_dict(data)
    answer = None if label is None else str(label)
    return Problem(id=f"adhoc/{stable_hash(f'{prompt}|{answer}'):016x}", prompt=prompt, answer=answer)


class EnvScorer:
    """Reward of a response under a mathgym env.

    :param env_id: a mathgym text env id (single-turn mode is forced: one response, one step).
    :param env_kwargs: more ``gym.make`` arguments (``reward=...`` to score with another reward).
    """

    def __init__(self, env_id: str = DEFAULT_ENV_ID, **env_kwargs: Any) -> None:
        self.env_id = env_id
        self.env_kwargs = {**env_kwargs, "mode": "single"}
        self._local = threading.local()

    def _env(self) -> Any:
        env = getattr(self._local, "env", None)
        if env is None:
            import gymnasium as gym

            env = gym.make(self.env_id, **self.env_kwargs).unwrapped
            env.reset(seed=derive_seed("mathgym.adapters.scorer") % 2**31)
            if not hasattr(env, "set_state"):
                raise TypeError(f"{self.env_id} has no set_state(); adapters need a MathEnv-like text env")
            self._local.env = env
        return env

    def score(self, problem: Problem, response: str) -> Score:
        env = self._env()
        env.set_state({"problem": problem.to_dict(), "steps": [], "done": False, "reward_state": None})
        _, reward, _, _, info = env.step(str(response))
        verdict = info.get("verdict") or {}
        return Score(
            reward=float(reward),
            components=dict(info.get("reward_components", {})),
            correct=bool(verdict.get("correct")),
            extracted=verdict.get("extracted"),
        )


def dataset_rows(env_id: str, n: int, seed: int = 0, **env_kwargs: Any) -> list[dict[str, Any]]:
    """``n`` problems of an env as plain rows: prompt (the env's observation), problem (JSON), answer, id.

    Problem ``i`` comes from a reset with seed ``derive_seed("mathgym.adapters.dataset", seed, i)``.
    """
    import gymnasium as gym

    env = gym.make(env_id, **env_kwargs)
    rows = []
    for i in range(n):
        obs, _info = env.reset(seed=derive_seed("mathgym.adapters.dataset", seed, i) % 2**31)
        problem = env.unwrapped.problem  # type: ignore[attr-defined]
        rows.append(
            {
                "prompt": str(obs),
                "problem": problem.to_json(),
                "answer": problem.answer,
                "problem_id": problem.id,
            }
        )
    env.close()
    return rows
