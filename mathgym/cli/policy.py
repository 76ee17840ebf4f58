"""``mathgym eval ENV_ID --policy vllm:PATH|hf:PATH|openai:URL#MODEL``: LLM policies through the rollout driver.

The lead's ``eval`` command calls :func:`evaluate_policy`; ``make_policy_agent`` gives an
:class:`~mathgym.agents.base.Agent` for code that steps envs one observation at a time.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mathgym.agents.llm.agent import PolicyAgent
from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.rollout import RolloutDriver, Trajectory
from mathgym.agents.llm.types import Sampling


def make_policy_agent(spec: str | Policy, env: Any = None, seed: int | None = None, **kwargs: Any) -> PolicyAgent:
    """An agent acting with the policy a spec names (``vllm:PATH``, ``hf:PATH``, ``openai:URL#MODEL``)."""
    return PolicyAgent(env=env, seed=seed, policy=spec, **kwargs)


def episode_problem_ids(env: Any, n: int, seed: int) -> list[str]:
    """The problem ids ``n`` episodes of ``env`` would see when the first reset is seeded with ``seed``
    and later resets continue its stream, as ``mathgym eval --agent`` plays them; so a policy and a
    baseline agent are evaluated on the same problems."""
    ids = []
    for episode in range(n):
        _, info = env.reset(seed=seed if episode == 0 else None)
        ids.append(info["problem_id"])
    return ids


def trajectory_records(trajectories: list[Trajectory], *, env_id: str, agent: str, seed: int,
                       seconds: float) -> list[Any]:
    """The eval command's episode records (``mathgym.evaluation.EpisodeRecord``) for trajectories."""
    from mathgym.evaluation import EpisodeRecord

    per_episode = seconds / max(1, len(trajectories))
    return [EpisodeRecord(env_id=env_id, agent=agent, episode=t.slot, seed=seed, problem_id=t.problem_id or "",
                          family=t.reset_info.get("family"), actions=t.actions, reward=t.total_reward,
                          correct=t.correct, verdict=t.verdict, components=t.components, steps=len(t.turns),
                          truncated=t.truncated, seconds=per_episode,
                          extra={"tokens": t.num_tokens,
                                 "finish_reasons": [turn.completion.finish_reason for turn in t.turns]})
            for t in trajectories]


def evaluate_policy(env_id: str, spec: str | Policy, n: int = 20, seed: int = 0, out: Path | str = "results/eval",
                    env_kwargs: Mapping[str, Any] | None = None, *, sampling: Sampling | None = None,
                    batch_size: int = 64, max_turns: int = 32, print_table: bool = True) -> list[Any]:
    """Play ``n`` episodes of ``env_id`` with a policy, batched, and write ``episodes.jsonl`` + ``summary.md``.

    :param env_id: env id (``Arithmetic-v0`` is accepted for ``mathgym/Arithmetic-v0``).
    :param spec: policy spec or an already-built :class:`Policy`.
    :param n: episodes.
    :param seed: seed of the first reset (the same problems as ``--agent`` runs with that seed).
    :param out: output folder.
    :param env_kwargs: ``gym.make`` arguments.
    :param sampling: sampling (default greedy, 512 new tokens).
    :param batch_size: episodes played at once (envs created).
    :param max_turns: turn limit per episode.
    :returns: the episode records.
    """
    import gymnasium as gym

    from mathgym.evaluation import resolve_env_id, summarize, write_jsonl, write_markdown_table

    env_id = resolve_env_id(env_id)
    kwargs = dict(env_kwargs or {})
    if isinstance(spec, str):
        from mathgym.agents.llm.spec import make_policy

        policy, owned, name = make_policy(spec), True, spec
    else:
        policy, owned, name = spec, False, f"{spec.backend}-policy"
    try:
        probe = gym.make(env_id, **kwargs)
        problem_ids = episode_problem_ids(probe, n, seed)
        probe.close()
        envs = [gym.make(env_id, **kwargs) for _ in range(min(batch_size, n))]
        driver = RolloutDriver(policy, sampling=sampling or Sampling(temperature=0.0, max_tokens=512),
                               max_turns=max_turns)
        records: list[Any] = []
        for start in range(0, n, len(envs)):
            chunk = problem_ids[start:start + len(envs)]
            started = time.perf_counter()
            trajectories = driver.run(envs[:len(chunk)], seeds=[seed] * len(chunk),
                                      options=[{"problem_id": pid} for pid in chunk])
            for t in trajectories:
                t.slot += start
            records += trajectory_records(trajectories, env_id=env_id, agent=name, seed=seed,
                                          seconds=time.perf_counter() - started)
        for env in envs:
            env.close()
    finally:
        if owned:
            policy.close()
    out = Path(out)
    rows = summarize(records)
    write_jsonl(records, out / "episodes.jsonl")
    table = write_markdown_table(rows, out / "summary.md")
    if print_table:
        print(table, end="")
        print(f"generation {driver.stats.generate_s:.1f} s, env + reward {driver.stats.env_s:.2f} s "
              f"({driver.stats.env_share:.1%}), {driver.stats.tokens} tokens; written to {out}")
    return records
