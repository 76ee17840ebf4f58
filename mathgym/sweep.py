"""Robustness sweeps: agents x variant families x variants x seeds, resumable, in parallel.

::

    from mathgym.sweep import SweepSpec, run_sweep
    spec = SweepSpec(agents=["reference", "noisy", "random"], families=["gsm-symbolic/p2", "topic:algebra"],
                     n_variants=10, perturbations=["noop"])
    result = run_sweep(spec, "results/sweep.sqlite")            # local process pool
    result = run_sweep(spec, "results/sweep.sqlite", backend="ray")

Every episode is one row of a :class:`~mathgym.store.Store`, keyed by (agent, env, family, variant, seed).
The run id is a hash of the spec, so running the same spec again resumes: stored keys are skipped, work is
handed out one family at a time, and each family's rows are committed in one transaction as soon as they
arrive. A sweep killed at any point (``kill -9`` included) therefore loses at most the families in flight
and never stores a row twice. Episodes are deterministic: the env and agent seeds derive from
(agent, family, variant, seed), so a resumed sweep produces exactly the rows an uninterrupted one would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mathgym.parallel import run_parallel
from mathgym.seeding import derive_seed

BACKENDS = ("process", "ray", "serial")


@dataclass
class SweepSpec:
    """What a sweep computes (its identity: the same spec resumes the same run).

    :param agents: agent names (``mathgym.agents.AGENTS``: reference, noisy, random, ...).
    :param families: family specs (``gsm-symbolic/p2``, ``dyn``, ``topic:algebra``, family ids).
    :param n_variants: variants ``0..n-1`` of every family.
    :param seeds: episode seeds per variant (stochastic agents differ across seeds).
    :param perturbations: perturbation chains (``"noop"``, ``"rename+outcome"``); each adds a perturbed
        copy of every family it applies to (its variant 0 must accept the chain).
    :param mode: ``"single"`` or ``"step"`` (the env's mode).
    :param difficulty: difficulty of program families (``None``: their default).
    :param agent_kwargs: extra constructor arguments per agent name.
    :param max_families: keep only the first N families of each spec item (quick sweeps).
    """

    agents: Sequence[str] = ("reference", "noisy", "random")
    families: Sequence[str] = ("gsm-symbolic/p2",)
    n_variants: int = 10
    seeds: Sequence[int] = (0,)
    perturbations: Sequence[str] = ()
    mode: str = "single"
    difficulty: int | None = None
    agent_kwargs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    max_families: int | None = None

    def identity(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("agents", "families", "seeds", "perturbations"):
            d[k] = list(d[k])
        d["agent_kwargs"] = {k: dict(v) for k, v in dict(self.agent_kwargs).items()}
        return d


@dataclass(frozen=True)
class WorkItem:
    agent: str
    env: str
    family: str
    variant: int
    seed: int

    @property
    def key(self) -> tuple[str, str, str, int, int, int]:
        return (self.agent, self.env, self.family, self.variant, self.seed, 0)


@dataclass
class SweepResult:
    run_id: str
    store: str
    total: int
    done_before: int
    added: int
    errors: int
    seconds: float

    @property
    def complete(self) -> bool:
        return self.done_before + self.added >= self.total


def env_id_for(family_id: str) -> str:
    """The registered env that serves a family (perturbation suffixes ignored)."""
    base = family_id.split("+")[0]
    if base.startswith("gsm-symbolic/"):
        config = base.split("/")[1]
        return f"mathgym/GSMSymbolic-{config.upper()}-v0"
    if base.startswith("dyn/"):
        from mathgym.variants.program import TOPICS, program_family

        return f"mathgym/Dynamic-{TOPICS[program_family(base).topic]}-v0"
    raise KeyError(f"no env serves family {family_id!r}")


def expand_families(spec: SweepSpec, data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Family ids of the sweep: the base families, then each perturbation chain's applicable copies."""
    from mathgym.sources.variants import families_from_spec
    from mathgym.variants.perturb import PerturbedFamily, check_chain

    bases = []
    for item in spec.families:
        found = families_from_spec(item, data_dir=data_dir, difficulty=spec.difficulty)
        bases.extend(found[: spec.max_families] if spec.max_families else found)
    ids = [f.id for f in bases]
    for chain in spec.perturbations:
        names = [n for n in chain.split("+") if n]
        check_chain(names)
        for base in bases:
            perturbed = PerturbedFamily(base, names)
            if perturbed.applicable(0):
                ids.append(perturbed.id)
    if len(set(ids)) != len(ids):
        raise ValueError("the sweep lists a family twice")
    return ids


def plan(spec: SweepSpec, family_ids: Sequence[str]) -> list[WorkItem]:
    """Every (agent, env, family, variant, seed) of the sweep, in a stable order."""
    if spec.mode not in ("single", "step"):
        raise ValueError(f"mode must be 'single' or 'step', got {spec.mode!r}")
    if spec.n_variants < 1 or not spec.seeds or not spec.agents:
        raise ValueError("a sweep needs at least one agent, one seed and one variant")
    envs = {f: env_id_for(f) for f in family_ids}
    return [
        WorkItem(agent, envs[f], f, k, int(seed))
        for f in family_ids
        for k in range(spec.n_variants)
        for seed in spec.seeds
        for agent in spec.agents
    ]


# ------------------------------------------------------------------------------------------ worker
_ENVS: dict[tuple[str, str], Any] = {}
_AGENTS: dict[tuple[str, str, str], Any] = {}


def _env(env_id: str, mode: str, data_dir: str | None, family: str) -> Any:
    """The worker's env for ``env_id`` (built once per process).

    Template sets without a registered id (``gsm-symbolic/p1`` from a user's data folder) get a
    :class:`~mathgym.envs.math.env.MathEnv` over their family; rows still name ``env_id``.
    """
    key = (env_id, mode)
    if key not in _ENVS:
        import gymnasium as gym

        from mathgym.envs.registration import register_envs

        register_envs()
        kwargs: dict[str, Any] = {"mode": mode}
        if data_dir and "GSMSymbolic" in env_id:
            kwargs["data_dir"] = data_dir
        if env_id in gym.registry:
            _ENVS[key] = gym.make(env_id, **kwargs)
        else:
            from mathgym.envs.math.env import MathEnv
            from mathgym.sources.variants import VariantSource

            source = VariantSource([family.split("+")[0]], n_variants=1, data_dir=data_dir)
            _ENVS[key] = MathEnv(source=source, mode=mode)
    return _ENVS[key]


def _agent(name: str, env: Any, env_key: str, kwargs: Mapping[str, Any]) -> Any:
    key = (name, env_key, json.dumps(dict(kwargs), sort_keys=True))
    if key not in _AGENTS:
        from mathgym.agents import make_agent

        _AGENTS[key] = make_agent(name, env=env, seed=0, **dict(kwargs))
    return _AGENTS[key]


def _mathcheck_cell(chain: Sequence[str], task: str | None) -> tuple[str, str]:
    robustness = "original"
    if "noop" in chain:
        robustness = "disturbance"
    elif "scenario" in chain:
        robustness = "scenario"
    elif "reword" in chain or "reorder" in chain or "rename" in chain:
        robustness = "understanding"
    return task or "solve", robustness


def run_episode(
    item: WorkItem,
    *,
    mode: str = "single",
    data_dir: str | None = None,
    agent_kwargs: Mapping[str, Any] | None = None,
    throttle: float = 0.0,
) -> dict[str, Any]:
    """Play one episode and return its store row (errors become rows with ``error`` set, never exceptions)."""
    from mathgym.variants.base import NotApplicable
    from mathgym.variants.template import TemplateError

    row: dict[str, Any] = {
        "agent": item.agent,
        "env": item.env,
        "family": item.family,
        "variant": item.variant,
        "seed": item.seed,
        "episode": 0,
    }
    env = _env(item.env, mode, data_dir, item.family)
    agent = _agent(item.agent, env, item.env + "|" + mode, agent_kwargs or {})
    episode_seed = derive_seed("mathgym.sweep.env", item.family, item.variant, item.seed)
    started, t0 = time.time(), time.perf_counter()
    try:
        obs, info = env.reset(seed=episode_seed, options={"family": item.family, "variant": item.variant})
    except (NotApplicable, TemplateError, KeyError) as exc:
        row.update(error=f"{type(exc).__name__}: {exc}", started=started, seconds=time.perf_counter() - t0)
        return row
    agent.reset(seed=derive_seed("mathgym.sweep.agent", item.agent, item.family, item.variant, item.seed))
    actions: list[str] = []
    total = 0.0
    components: dict[str, float] = {}
    terminated = truncated = False
    while not (terminated or truncated):
        action = agent.act(obs, info)
        actions.append(str(action))
        obs, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        for name, value in (info.get("reward_components") or {}).items():
            components[name] = components.get(name, 0.0) + float(value)
    problem = env.unwrapped.problem
    verdict = info.get("verdict") or {}
    meta = problem.meta
    chain = list(meta.get("chain", []))
    task, robustness = _mathcheck_cell(chain, meta.get("task"))
    if throttle:
        time.sleep(throttle)
    row.update(
        problem_id=problem.id,
        response="\n".join(actions),
        gold=problem.answer,
        extracted=verdict.get("extracted"),
        correct=bool(verdict.get("correct")),
        score=verdict.get("score"),
        verdict=verdict,
        reward=total,
        components=components,
        steps=len(actions),
        seconds=time.perf_counter() - t0,
        started=started,
        extra={
            "topic": meta.get("topic"),
            "base_family": meta.get("base_family", item.family),
            "chain": chain,
            "perturbations": [p.get("kind") for p in meta.get("perturbations", ())],
            "task": task,
            "robustness": robustness,
            "answer_kind": meta.get("answer_kind"),
            "skipped": verdict.get("extracted") is None,
            "truncated": bool(truncated),
        },
    )
    return row


def run_chunk(
    items: Sequence[WorkItem],
    mode: str = "single",
    data_dir: str | None = None,
    agent_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    throttle: float = 0.0,
) -> list[dict[str, Any]]:
    """Episodes of one family (the unit of work handed to a process or a Ray task)."""
    kwargs = agent_kwargs or {}
    return [
        run_episode(
            item, mode=mode, data_dir=data_dir, agent_kwargs=kwargs.get(item.agent), throttle=throttle
        )
        for item in items
    ]


def _chunks(items: Iterable[WorkItem]) -> list[list[WorkItem]]:
    by_family: dict[tuple[str, str], list[WorkItem]] = {}
    for item in items:
        by_family.setdefault((item.env, item.family), []).append(item)
    return list(by_family.values())


# ------------------------------------------------------------------------------------------ driver
def run_sweep(
    spec: SweepSpec,
    store: str | os.PathLike[str] = "results/sweep.sqlite",
    *,
    backend: str = "process",
    workers: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    run_id: str | None = None,
    throttle: float = 0.0,
) -> SweepResult:
    """Run (or resume) a sweep and store one row per episode.

    :param spec: what to compute.
    :param store: SQLite file (created if missing).
    :param backend: ``"process"`` (local process pool, default), ``"ray"`` (tasks on a Ray cluster; a local
        one is started when none is running) or ``"serial"`` (in this process, for debugging).
    :param workers: processes / Ray CPUs (default: the CPU count).
    :param data_dir: data folder for GSM-Symbolic templates (default: ``$MATHGYM_DATA_DIR``).
    :param progress: show a tqdm bar with done/total and ETA.
    :param run_id: explicit run id (default: a hash of ``spec``).
    :param throttle: seconds to sleep after each episode (to pace a sweep; the crash test uses it).
    """
    from tqdm.auto import tqdm

    from mathgym.store import Store

    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    workers = max(1, workers or os.cpu_count() or 1)
    data = str(data_dir) if data_dir is not None else None
    if data is None and os.environ.get("MATHGYM_DATA_DIR"):
        data = os.environ["MATHGYM_DATA_DIR"]
    t0 = time.perf_counter()
    family_ids = expand_families(spec, data)
    items = plan(spec, family_ids)
    config = {**spec.identity(), "family_ids": family_ids}
    db = Store(store)
    try:
        run = db.open_run(config, run_id=run_id, kind="sweep")
        done = run.done_keys()
        todo = [item for item in items if item.key not in done]
        done_before = len(items) - len(todo)
        added = errors = 0
        bars: list[Any] = []

        def start_bar() -> None:
            # created once the pool's workers are forked: no tqdm monitor thread exists at fork time
            if not bars:
                bars.append(
                    tqdm(
                        total=len(items),
                        initial=done_before,
                        desc=f"sweep {run.id}",
                        unit="ep",
                        disable=not progress,
                        dynamic_ncols=True,
                        smoothing=0.1,
                    )
                )

        def store_rows(rows: list[dict[str, Any]]) -> None:
            nonlocal added, errors
            start_bar()
            added += run.add_many(rows)
            errors += sum(1 for r in rows if r.get("error"))
            bars[0].update(len(rows))

        chunks = _chunks(todo)
        kwargs = {k: dict(v) for k, v in dict(spec.agent_kwargs).items()}
        # fork is fast (workers inherit the imports); workers never touch the store, and they are all forked
        # at the first submit, before the progress bar starts its monitor thread. One worker runs in here.
        run_parallel(
            run_chunk,
            [(chunk, spec.mode, data, kwargs, throttle) for chunk in chunks],
            workers=1 if backend == "serial" else workers,
            backend="ray" if backend == "ray" else "local",
            on_result=store_rows,
            start_method="fork",
            started=start_bar,
        )
        start_bar()
        bars[0].close()
        if run.count() >= len(items):
            run.finish()
        return SweepResult(
            run.id, str(store), len(items), done_before, added, errors, time.perf_counter() - t0
        )
    finally:
        db.close()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mathgym.sweep SPEC.json STORE [--backend ...]`` (the CLI is ``mathgym sweep``)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", help="JSON file with SweepSpec fields")
    parser.add_argument("store")
    parser.add_argument("--backend", default="process", choices=BACKENDS)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--throttle", type=float, default=0.0)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    spec = SweepSpec(**json.loads(Path(args.spec).read_text()))
    result = run_sweep(
        spec,
        args.store,
        backend=args.backend,
        workers=args.workers,
        data_dir=args.data_dir,
        progress=not args.no_progress,
        throttle=args.throttle,
    )
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
