"""``mathgym eval ENV_ID --policy vllm:PATH|hf:PATH|openai:URL#MODEL``: LLM policies through the rollout driver.

The ``eval`` command checks the spec with :func:`check_policy_spec` (before torch or vLLM load) and calls
:func:`evaluate_policy`; ``make_policy_agent`` gives an :class:`~mathgym.agents.base.Agent` for code that
steps envs one observation at a time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mathgym.agents.llm.agent import PolicyAgent
from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.rollout import RolloutDriver, Trajectory
from mathgym.agents.llm.types import Sampling

#: ``owner/name``: what a Hugging Face hub id looks like (a relative path of two parts looks the same, so a
#: folder that exists wins)
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_policy_spec(spec: str) -> str:
    """Check a policy spec without loading anything, so a typo fails at once instead of after a model load.

    A local path must be a checkpoint folder (with ``config.json``); a spec that is neither an existing
    folder nor shaped like a hub id (``owner/name``) is "no model at PATH".

    :param spec: ``vllm:PATH``, ``hf:PATH`` (PATH a folder or a hub id) or ``openai:URL#MODEL``.
    :returns: the spec.
    :raises ValueError: a malformed spec, a missing or non-checkpoint folder, or a URL without a scheme.
    """
    from mathgym.agents.llm.spec import parse_policy_spec

    backend, where, _ = parse_policy_spec(spec)
    if backend == "openai":
        if not where.startswith(("http://", "https://")):
            raise ValueError(f"the openai policy wants a server URL (http://HOST:PORT/v1), got {where!r}")
        return spec
    path = Path(where).expanduser()
    if path.exists():
        if not (path.is_dir() and (path / "config.json").is_file()):
            raise ValueError(
                f"{where} is not a model checkpoint folder (it has no config.json); give the "
                "folder "
                "that holds config.json, the weights and the tokenizer files"
            )
        return spec
    if where.startswith(("/", ".", "~")) or not _HUB_ID.match(where):
        raise ValueError(
            f"no model at {where} (give a checkpoint folder, or a hub id such as "
            "Qwen/Qwen2.5-Math-1.5B-Instruct where the network allows; "
            "mathgym.agents.llm.tiny.build_tiny_model(PATH) writes a tiny offline model to try "
            "the CLI with, see the README)"
        )
    return spec


def make_policy_agent(
    spec: str | Policy, env: Any = None, seed: int | None = None, **kwargs: Any
) -> PolicyAgent:
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


def trajectory_records(
    trajectories: list[Trajectory], *, env_id: str, agent: str, seed: int, seconds: float
) -> list[Any]:
    """The eval command's episode records (``mathgym.evaluation.EpisodeRecord``) for trajectories."""
    from mathgym.evaluation import EpisodeRecord

    per_episode = seconds / max(1, len(trajectories))
    return [
        EpisodeRecord(
            env_id=env_id,
            agent=agent,
            episode=t.slot,
            seed=seed,
            problem_id=t.problem_id or "",
            family=t.reset_info.get("family"),
            actions=t.actions,
            reward=t.total_reward,
            correct=t.correct,
            verdict=t.verdict,
            components=t.components,
            steps=len(t.turns),
            truncated=t.truncated,
            seconds=per_episode,
            extra={
                "tokens": t.num_tokens,
                "finish_reasons": [turn.completion.finish_reason for turn in t.turns],
            },
        )
        for t in trajectories
    ]


def evaluate_policy(
    env_id: str,
    spec: str | Policy,
    n: int = 20,
    seed: int = 0,
    out: Path | str = "results/eval",
    env_kwargs: Mapping[str, Any] | None = None,
    *,
    sampling: Sampling | None = None,
    samples: int = 1,
    batch_size: int = 64,
    max_turns: int = 32,
    print_table: bool = True,
    log: Callable[[str], None] | None = None,
    policy_kwargs: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Play ``n`` problems of ``env_id`` with a policy, batched; write ``episodes.jsonl`` and ``summary.md``.

    :param env_id: env id (``Arithmetic-v0`` is accepted for ``mathgym/Arithmetic-v0``).
    :param spec: policy spec or an already-built :class:`Policy`.
    :param n: problems.
    :param seed: seed of the first reset (the same problems as ``--agent`` runs with that seed); also the
        sampler's seed, so a sampled run repeats.
    :param out: output folder.
    :param env_kwargs: ``gym.make`` arguments.
    :param sampling: sampling (default greedy, 512 new tokens).
    :param samples: episodes per problem (sampled answers; record ``episode`` = problem index x samples +
        sample index, ``extra["sample"]`` = sample index).
    :param batch_size: episodes played at once (envs created).
    :param max_turns: turn limit per episode.
    :param print_table: print the Markdown table and the generation statistics.
    :param log: where the generation-statistics line goes when ``print_table`` is false (``None``: nowhere).
    :param policy_kwargs: backend arguments when ``spec`` is a string (``make_policy(spec, **kwargs)``).
    :returns: the episode records.
    """
    import gymnasium as gym

    from mathgym.envs.registration import resolve_env_id
    from mathgym.evaluation import problem_level, summarize, write_jsonl, write_markdown_table

    if n < 1 or samples < 1 or batch_size < 1:
        raise ValueError(f"n, samples and batch_size must be >= 1, got {n}, {samples}, {batch_size}")
    env_id = resolve_env_id(env_id)
    kwargs = dict(env_kwargs or {})
    if isinstance(spec, str):
        from mathgym.agents.llm.spec import make_policy

        policy, owned, name = make_policy(spec, **dict(policy_kwargs or {})), True, spec
    else:
        policy, owned, name = spec, False, f"{spec.backend}-policy"
    try:
        probe = gym.make(env_id, **kwargs)
        problem_ids = episode_problem_ids(probe, n, seed)
        probe.close()
        # one job per (problem, sample); a group of samples of one problem is played side by side
        jobs = [(i, k, pid) for i, pid in enumerate(problem_ids) for k in range(samples)]
        envs = [gym.make(env_id, **kwargs) for _ in range(min(batch_size, len(jobs)))]
        driver = RolloutDriver(
            policy, sampling=sampling or Sampling(temperature=0.0, max_tokens=512), max_turns=max_turns
        )
        records: list[Any] = []
        for start in range(0, len(jobs), len(envs)):
            chunk = jobs[start : start + len(envs)]
            started = time.perf_counter()
            trajectories = driver.run(
                envs[: len(chunk)],
                seeds=[seed] * len(chunk),
                options=[{"problem_id": pid} for _, _, pid in chunk],
            )
            for t in trajectories:
                t.slot += start
            chunk_records = trajectory_records(
                trajectories, env_id=env_id, agent=name, seed=seed, seconds=time.perf_counter() - started
            )
            for slot, (record, (i, k, _)) in enumerate(zip(chunk_records, chunk)):
                record.extra.update(problem_index=i, sample=k)
                record.episode = i * samples + k
                # env `slot` played this episode, so its problem is still the one the record is about
                problem = getattr(envs[slot].unwrapped, "problem", None)
                record.gold, record.level = getattr(problem, "answer", None), problem_level(problem)
            records += chunk_records
        for env in envs:
            env.close()
    finally:
        if owned:
            policy.close()
    out = Path(out)
    rows = summarize(records)
    write_jsonl(records, out / "episodes.jsonl")
    table = write_markdown_table(rows, out / "summary.md")
    stats = (
        f"generation {driver.stats.generate_s:.1f} s, env + reward {driver.stats.env_s:.2f} s "
        f"({driver.stats.env_share:.1%}), {driver.stats.tokens} tokens"
    )
    if print_table:
        print(table, end="")
        print(f"{stats}; written to {out}")
    elif log is not None:
        log(stats)
    return records
