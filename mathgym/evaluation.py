"""Run an agent for N episodes of an env and summarise the results (used by ``mathgym eval``).

Results go to ``episodes.jsonl`` (:func:`write_jsonl`), a Markdown table (:func:`write_markdown_table`)
and the SQLite store shared with sweeps (:func:`write_store`; one row per episode, schema in
``docs/results.md``), which ``mathgym report STORE`` renders.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
from tqdm.auto import tqdm


@dataclass
class EpisodeRecord:
    """One finished episode.

    :param env_id: the env's id.
    :param agent: the agent's name (or the policy spec).
    :param episode: index of the episode in its run (the store's ``episode`` column).
    :param seed: seed of the run's first reset.
    :param problem_id: id of the problem played.
    :param family: the problem's variant family, if any.
    :param actions: the actions taken, in order.
    :param reward: the episode's return.
    :param correct: the final verdict said correct.
    :param verdict: the final verdict as a dict (``correct``, ``score``, ``extracted``, ``reason``).
    :param components: the reward's named parts, summed over the episode.
    :param steps: actions taken.
    :param truncated: the episode was cut off, not ended by the env.
    :param seconds: wall time of the episode.
    :param extra: anything else (tokens, finish reasons, sample index).
    :param gold: the problem's gold answer, when the env exposes its problem.
    :param level: the problem's difficulty level (procedural ``level``, variant ``difficulty``), if known.
    """

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
    gold: str | None = None
    level: int | None = None


def problem_level(problem: Any, info: dict[str, Any] | None = None) -> int | None:
    """The difficulty level of a problem: its ``meta["level"]`` (procedural generators), else an integer
    ``meta["difficulty"]`` (variant families), else ``info["level"]`` (EquationSolve); ``None`` if none.

    :param problem: a :class:`~mathgym.problem.Problem` or ``None``.
    :param info: the env's last ``info``.
    """
    meta = getattr(problem, "meta", None) or {}
    for value in (meta.get("level"), meta.get("difficulty"), (info or {}).get("level")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def run_episodes(
    env: gym.Env,
    agent: Any,
    *,
    n: int,
    seed: int,
    env_id: str = "",
    progress: bool = True,
    agent_name: str = "",
) -> list[EpisodeRecord]:
    """Play ``n`` episodes; the first reset is seeded with ``seed``, later ones continue its stream.

    :param env: the environment (a single, non-vector env).
    :param agent: anything with ``act(observation, info)`` and ``reset(seed=...)``.
    :param n: episodes.
    :param seed: seed of the first reset (and of the agent).
    :param env_id: the id written into the records.
    :param progress: show a progress bar.
    :param agent_name: the agent name written into the records.
    """
    records = []
    agent.reset(seed=seed)
    for episode in tqdm(
        range(n), desc=f"{agent_name or 'agent'} on {env_id or 'env'}", disable=not progress, leave=False
    ):
        started = time.perf_counter()
        obs, info = env.reset(seed=seed if episode == 0 else None)
        actions, total = [], 0.0
        components: dict[str, float] = {}
        terminated = truncated = False
        while not (terminated or truncated):
            action = agent.act(obs, info)
            actions.append(action)
            obs, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            for name, value in info.get("reward_components", {}).items():
                components[name] = components.get(name, 0.0) + float(value)
        verdict = info.get("verdict")
        problem = getattr(env.unwrapped, "problem", None)
        records.append(
            EpisodeRecord(
                env_id=env_id,
                agent=agent_name,
                episode=episode,
                seed=seed,
                problem_id=info["problem_id"],
                family=info.get("family"),
                actions=[_jsonable(a) for a in actions],
                reward=total,
                correct=bool(verdict and verdict.get("correct")),
                verdict=verdict,
                components=components,
                steps=len(actions),
                truncated=bool(truncated),
                seconds=time.perf_counter() - started,
                gold=getattr(problem, "answer", None),
                level=problem_level(problem, info),
            )
        )
    return records


def _jsonable(action: Any) -> Any:
    """Numpy actions (classic envs) as plain numbers or lists, so records serialise to JSON and SQLite."""
    if hasattr(action, "tolist"):
        return action.tolist()
    return action


def summarize(records: Iterable[EpisodeRecord]) -> list[dict[str, Any]]:
    """One row per (env, agent): episodes, accuracy, mean reward, mean steps, ms per episode.

    :param records: episode records of one or more (env, agent) pairs.
    :returns: rows in first-seen order, with the keys of :data:`SUMMARY_COLUMNS`.
    """
    groups: dict[tuple[str, str], list[EpisodeRecord]] = {}
    for r in records:
        groups.setdefault((r.env_id, r.agent), []).append(r)
    rows = []
    for (env_id, agent), rs in groups.items():
        n = len(rs)
        rows.append(
            {
                "env": env_id,
                "agent": agent,
                "episodes": n,
                "accuracy": sum(r.correct for r in rs) / n,
                "mean_reward": sum(r.reward for r in rs) / n,
                "mean_steps": sum(r.steps for r in rs) / n,
                "ms_per_episode": 1000 * sum(r.seconds for r in rs) / n,
            }
        )
    return rows


#: the columns of :func:`summarize`, in the order the CLI table and ``summary.md`` show them
SUMMARY_COLUMNS = ("env", "agent", "episodes", "accuracy", "mean_reward", "mean_steps", "ms_per_episode")


def write_jsonl(records: Iterable[EpisodeRecord], path: Path) -> None:
    """One JSON object per episode record (:class:`EpisodeRecord`'s fields)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


def write_markdown_table(rows: list[dict[str, Any]], path: Path) -> str:
    """Write the summary as a Markdown table and return its text."""
    header = list(SUMMARY_COLUMNS)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{row[h]:.3f}" if isinstance(row[h], float) else str(row[h]) for h in header]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def store_row(record: EpisodeRecord) -> dict[str, Any]:
    """The store row of an episode (columns: :mod:`mathgym.store`; meaning: ``docs/results.md``)."""
    verdict = record.verdict or {}
    # the whole transcript, as sweeps store it: text steps one per line, numeric actions as a JSON list
    texts = all(isinstance(a, str) for a in record.actions)
    response = "\n".join(record.actions) if texts else json.dumps(record.actions)
    return {
        "agent": record.agent,
        "env": record.env_id,
        "family": record.family or "",
        "variant": -1,
        "seed": record.seed,
        "episode": record.episode,
        "problem_id": record.problem_id,
        "response": response,
        "gold": record.gold,
        "extracted": verdict.get("extracted"),
        "correct": record.correct,
        "score": verdict.get("score"),
        "verdict": record.verdict,
        "reward": record.reward,
        "components": record.components,
        "steps": record.steps,
        "seconds": record.seconds,
        "extra": {"level": record.level, "truncated": record.truncated, **record.extra},
    }


def write_store(
    records: list[EpisodeRecord], path: str | Path, *, run_id: str, config: dict[str, Any] | None = None
) -> int:
    """Add the records to run ``run_id`` of the SQLite store at ``path`` (created if missing).

    Eval runs share one config (``{"kind": "eval"}``), so several ``mathgym eval`` calls with the same
    ``--run-id`` collect their agents and envs in one run, which ``mathgym report`` compares.

    :param records: the episodes.
    :param path: the store file.
    :param run_id: the run to add to.
    :param config: ignored keys of the call, kept in each row's ``extra["call"]`` for provenance.
    :returns: rows written.
    :raises ValueError: some episodes (same agent, env, seed and episode index) are already in that run:
        nothing is written, because an eval never replaces stored results.
    """
    from mathgym.store import Store, key_of

    rows = [store_row(r) for r in records]
    if config:
        for row in rows:
            row["extra"]["call"] = config
    with Store(path) as store:
        run = store.open_run({"kind": "eval"}, run_id=run_id, kind="eval")
        done = run.done_keys()
        clash = [key_of(row) for row in rows if key_of(row) in done]
        if clash:
            agent, env, _, _, seed, _ = clash[0]
            raise ValueError(
                f"run {run_id!r} in {path} already holds {len(clash)} of these episodes "
                f"({agent} on "
                f"{env}, seed {seed}); choose another --run-id or --seed"
            )
        return run.add_many(rows)
