"""Run an agent for N episodes of an env and summarise the results (used by ``mathgym eval``)."""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import gymnasium as gym
from tqdm.auto import tqdm


@dataclass
class EpisodeRecord:
    """One finished episode."""

    env_id: str
    agent: str
    episode: int
    seed: int
    problem_id: str
    family: str | None
    actions: list[str]
    reward: float
    correct: bool
    verdict: dict[str, Any] | None
    components: dict[str, float]
    steps: int
    truncated: bool
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_env_id(env_id: str) -> str:
    """Accept ``Arithmetic-v0`` for ``mathgym/Arithmetic-v0``; unknown ids suggest close matches."""
    from mathgym.envs.registration import mathgym_ids  # noqa: PLC0415

    known = mathgym_ids()
    if env_id in gym.registry:
        return env_id
    if f"mathgym/{env_id}" in gym.registry:
        return f"mathgym/{env_id}"
    import difflib

    close = difflib.get_close_matches(env_id, known + [k.split("/", 1)[1] for k in known], n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise KeyError(f"unknown environment id {env_id!r}.{hint} Run `mathgym list` to see all ids.")


def run_episodes(env: gym.Env, agent: Any, *, n: int, seed: int, env_id: str = "", progress: bool = True,
                 agent_name: str = "") -> list[EpisodeRecord]:
    """Play ``n`` episodes; the first reset is seeded with ``seed``, later ones continue its stream.

    :param env: the environment (a single, non-vector env).
    :param agent: anything with ``act(observation, info)`` and ``reset(seed=...)``.
    """
    records = []
    agent.reset(seed=seed)
    for episode in tqdm(range(n), desc=f"{agent_name or 'agent'} on {env_id or 'env'}", disable=not progress,
                        leave=False):
        started = time.perf_counter()
        obs, info = env.reset(seed=seed if episode == 0 else None)
        actions, total, components = [], 0.0, {}
        terminated = truncated = False
        while not (terminated or truncated):
            action = agent.act(obs, info)
            actions.append(action)
            obs, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            for name, value in info.get("reward_components", {}).items():
                components[name] = components.get(name, 0.0) + float(value)
        verdict = info.get("verdict")
        records.append(EpisodeRecord(
            env_id=env_id, agent=agent_name, episode=episode, seed=seed, problem_id=info["problem_id"],
            family=info.get("family"), actions=actions, reward=total,
            correct=bool(verdict and verdict.get("correct")), verdict=verdict, components=components,
            steps=len(actions), truncated=bool(truncated), seconds=time.perf_counter() - started))
    return records


def summarize(records: Iterable[EpisodeRecord]) -> list[dict[str, Any]]:
    """One row per (env, agent): episodes, accuracy, mean reward, mean steps, ms per episode."""
    groups: dict[tuple[str, str], list[EpisodeRecord]] = {}
    for r in records:
        groups.setdefault((r.env_id, r.agent), []).append(r)
    rows = []
    for (env_id, agent), rs in groups.items():
        n = len(rs)
        rows.append({"env": env_id, "agent": agent, "episodes": n,
                     "accuracy": sum(r.correct for r in rs) / n,
                     "mean_reward": sum(r.reward for r in rs) / n,
                     "mean_steps": sum(r.steps for r in rs) / n,
                     "ms_per_episode": 1000 * sum(r.seconds for r in rs) / n})
    return rows


def write_jsonl(records: Iterable[EpisodeRecord], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


def write_markdown_table(rows: list[dict[str, Any]], path: Path) -> str:
    """Write the summary as a Markdown table and return its text."""
    header = ["env", "agent", "episodes", "accuracy", "mean_reward", "mean_steps", "ms_per_episode"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{row[h]:.3f}" if isinstance(row[h], float) else str(row[h]) for h in header]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text
