"""The reward-design loop: propose reward code, review it, train on it, keep what makes agents succeed.

:func:`design_reward` (``mathgym design-reward ENV_ID ...``) runs, for each iteration:

1. **propose** ``samples`` responses (:mod:`~mathgym.reward_design.proposers`), given the previous
   iteration's feedback; they are saved before anything else happens;
2. **extract and review** each candidate's code: the critic (:mod:`~mathgym.reward_design.critic`) runs
   it in the sandbox on recorded transitions; the CARD-style pre-filter
   (:mod:`~mathgym.reward_design.prefilter`) asks it to rank recorded successes above failures. A bad
   sample becomes a rejected candidate with a reason, never a crash;
3. **train** an agent on each surviving candidate (in parallel: process pool or Ray), its rewards computed
   in the sandbox one rollout at a time (:mod:`~mathgym.reward_design.training`); **fitness** is the
   env's own ground-truth success on held-out episodes;
4. **reflect**: the best candidate's training statistics and the other candidates' rejection reasons
   become the next iteration's feedback (:mod:`~mathgym.reward_design.reflection`), with a person's
   feedback appended when a callable or a feedback file gives some. A candidate whose return rose while
   true success fell is flagged as reward hacking and never selected.

Finally the best reward is retrained on ``seeds`` seeds next to the sparse reward (success only) and the
env's hand-written reward at the same budget: success IQM with stratified-bootstrap intervals and the
human-normalised score ``HNS = (R - R_sparse) / (R_hand - R_sparse)``.

Everything lands in the run directory (layout in :func:`design_reward`), each file written atomically
once its step is done, so a killed run rerun with the same arguments continues where it stopped
without retraining finished candidates.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mathgym.reward_design.code import extract_code
from mathgym.reward_design.context import EnvContext, describe_env
from mathgym.reward_design.critic import critique
from mathgym.reward_design.executor import make_executor
from mathgym.reward_design.prefilter import prefilter
from mathgym.reward_design.proposers.base import CandidateRecord, Feedback, Proposer, make_proposer
from mathgym.reward_design.reflection import epoch_series, error_feedback, hacking_check, reflection_text
from mathgym.reward_design.training import (
    TrainerConfig,
    TrainingOutcome,
    train_candidate,
    train_candidate_grpo,
    write_json_atomic,
)
from mathgym.reward_design.transitions import (
    critic_transitions,
    field_statistics,
    load_pool,
    record_pool,
    save_pool,
)
from mathgym.rewards.view import reward_source
from mathgym.seeding import derive_seed

SPARSE_REWARD = reward_source([("success", '1.0 if info["is_success"] else 0.0')])
TRAINERS = ("sb3", "grpo", "prefilter")
#: settings that may change between a run and its resumption (they do not change results)
RESUMABLE_CHANGES = ("out", "workers", "backend", "progress", "feedback_file", "cache_dir")


@dataclass
class RewardDesignConfig:
    """Everything that defines a reward-design run (written to ``OUT/config.json``).

    :param env_id: a Gymnasium id whose env has a reward view.
    :param out: the run directory.
    :param proposer: ``evolve``, ``recorded:PATH``, ``vllm:PATH``, ``hf:PATH`` or ``openai:URL#MODEL``.
    :param iterations: proposal rounds (Eureka: 5).
    :param samples: candidates per round (Eureka: 16).
    :param budget: environment steps per training run.
    :param seeds: seeds of the final comparison (best vs sparse vs hand-written).
    :param workers: training processes at once.
    :param backend: ``local`` (process pool) or ``ray``.
    :param sandbox: where candidate code runs: ``local`` or ``docker``.
    :param trainer: ``sb3`` (PPO / MaskablePPO; numeric envs), ``grpo`` (mathgym's GRPO on ``model_path``; text
        envs; ``budget`` counts episodes) or ``prefilter`` (no RL: fitness is the preference accuracy on a
        held-out trajectory pool, for envs where training is too dear).
    :param model_path: the language model the ``grpo`` trainer trains.
    :param algo: SB3 algorithm (``None``: MaskablePPO when the env has action masks, else PPO).
    :param n_envs: environments per training run.
    :param eval_episodes: held-out episodes per fitness measurement.
    :param hyperparams: SB3 keyword arguments.
    :param use_prefilter: run the CARD-style pre-filter before training.
    :param prefilter_threshold: preference accuracy a candidate needs.
    :param include_example: show the env's own reward in the prompt.
    :param pool_episodes: recorded episodes per behaviour policy (critic and pre-filter pool).
    :param seed: seeds the proposer, the pool and every training run.
    :param temperature: LLM sampling temperature.
    :param max_tokens: most tokens per LLM response.
    :param feedback_file: a text file read before each iteration; its content is added as human feedback.
    :param env_kwargs: keyword arguments of ``gymnasium.make``.
    :param progress: show progress bars.
    :param cache_dir: a folder of finished training runs shared between run directories: a run with the same
        code, seed, env and trainer settings is copied from it instead of trained again (``None``: no cache).
    """

    env_id: str
    out: str = "results/reward_design"
    proposer: str = "evolve"
    iterations: int = 5
    samples: int = 16
    budget: int = 20_000
    seeds: int = 5
    workers: int = 1
    backend: str = "local"
    sandbox: str = "local"
    trainer: str = "sb3"
    model_path: str = ""
    algo: str | None = None
    n_envs: int = 4
    eval_episodes: int = 100
    hyperparams: dict[str, Any] = field(default_factory=dict)
    use_prefilter: bool = True
    prefilter_threshold: float = 0.75
    include_example: bool = True
    pool_episodes: int = 24
    seed: int = 0
    temperature: float = 1.0
    max_tokens: int = 1024
    feedback_file: str | None = None
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    progress: bool = True
    cache_dir: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "iterations",
            "samples",
            "budget",
            "seeds",
            "workers",
            "n_envs",
            "eval_episodes",
            "pool_episodes",
        ):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.backend not in ("local", "ray"):
            raise ValueError(f"backend must be local or ray, got {self.backend!r}")
        if self.sandbox not in ("local", "docker"):
            raise ValueError(f"sandbox must be local or docker, got {self.sandbox!r}")
        if self.trainer not in TRAINERS:
            raise ValueError(f"trainer must be one of {', '.join(TRAINERS)}, got {self.trainer!r}")
        if self.trainer == "grpo" and not self.model_path:
            raise ValueError("trainer='grpo' needs model_path (a checkpoint directory or hub id)")
        if not 0 <= self.prefilter_threshold <= 1:
            raise ValueError(f"prefilter_threshold must be in [0, 1], got {self.prefilter_threshold}")

    @property
    def trainer_config(self) -> TrainerConfig:
        return TrainerConfig(
            budget=self.budget,
            algo=self.algo,
            n_envs=self.n_envs,
            eval_episodes=self.eval_episodes,
            hyperparams=dict(self.hyperparams),
            model_path=self.model_path,
        )


@dataclass
class RewardDesignResult:
    """What :func:`design_reward` returns (``summary.json`` holds the same)."""

    out: Path
    summary: dict[str, Any]

    @property
    def best_code(self) -> str | None:
        best = self.summary.get("best") or {}
        return (self.out / best["code_path"]).read_text(encoding="utf-8") if best.get("code_path") else None


class RunDirectory:
    """The files of one run (paths relative to ``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def iteration(self, i: int) -> Path:
        return self.root / f"iter_{i:02d}"

    def candidate(self, i: int, k: int) -> Path:
        return self.iteration(i) / f"cand_{k:02d}"

    def final(self, variant: str, seed_index: int) -> Path:
        return self.root / "final" / f"{variant}_seed{seed_index}.json"

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# ------------------------------------------------------------------------------------------------ the loop
def design_reward(
    config: RewardDesignConfig | None = None,
    *,
    custom_proposer: Proposer | None = None,
    human_feedback: Callable[[int, str], str] | None = None,
    **kwargs: Any,
) -> RewardDesignResult:
    """Run (or resume) a reward-design loop; see the module docstring.

    The run directory ``config.out`` holds ``config.json``, ``context.md``/``context.json`` (what the
    proposer sees), ``pool.jsonl`` (recorded episodes), per iteration ``iter_NN/feedback.txt`` and
    ``iter_NN/responses.json``, per candidate ``iter_NN/cand_KK/`` with ``response.txt``, ``reward.py``,
    ``critic.json``, ``prefilter.json``, ``training.json``, ``reflection.txt`` and ``result.json``, then
    ``final/*.json``, ``summary.json`` and ``report.md`` with its plots.

    :param config: the run's settings (or pass its fields as keywords).
    :param custom_proposer: a proposer object to use instead of ``config.proposer`` (e.g. one of your own).
    :param human_feedback: called as ``human_feedback(iteration, reflection_text)`` before each later
        iteration; its text is added to the feedback (Text2Reward's human in the loop).
    """
    config = config or RewardDesignConfig(**kwargs)
    from mathgym.envs.registration import resolve_env_id

    config = dataclasses.replace(config, env_id=resolve_env_id(config.env_id))
    context = describe_env(config.env_id, include_example=config.include_example, **config.env_kwargs)
    if config.trainer == "sb3":
        _check_sb3_spaces(config)
    run = RunDirectory(Path(config.out))
    _check_or_write_config(run, config)  # after the checks: a rejected env leaves no run directory behind
    pool = _pool(run, config)
    context = dataclasses.replace(context, statistics=field_statistics(pool))
    _write_text(run.root / "context.md", context.to_prompt() + "\n")
    write_json_atomic(run.root / "context.json", context.to_dict())
    heldout_pool = _pool(run, config, heldout=True) if config.trainer == "prefilter" else None
    critic_set = critic_transitions(pool)
    executor = make_executor(config.sandbox)
    own_proposer = custom_proposer is None
    proposer = custom_proposer or make_proposer(
        config.proposer, seed=config.seed, temperature=config.temperature, max_tokens=config.max_tokens
    )
    history: list[CandidateRecord] = []
    iterations: list[dict[str, Any]] = []
    feedback: Feedback | None = None
    try:
        for i in range(config.iterations):
            responses = _responses(run, i, config, context, feedback, proposer, human_feedback)
            judged = pool + _policy_episodes(run, i)
            records = [
                _review(run, i, k, response, context, critic_set, judged, executor, config)
                for k, response in enumerate(responses)
            ]
            _train_all(run, i, records, config, heldout_pool, executor)
            records = [_conclude(run, i, k, record, config) for k, record in enumerate(records)]
            history += records
            selectable = [r for r in records if r.selectable]
            iterations.append(
                {
                    "iteration": i,
                    "candidates": [
                        {
                            "id": r.id,
                            "status": r.status,
                            "reason": r.reason,
                            "fitness": r.fitness,
                            "flagged": r.flagged,
                        }
                        for r in records
                    ],
                    "best_fitness": max((r.fitness for r in selectable), default=None),
                    "execute_rate": _execute_rate(records),
                }
            )
            feedback = _next_feedback(run, i, records, history, feedback)
        best = select_best(history)
        final = _final_comparison(run, config, context, best, executor)
    finally:
        executor.close()
        if own_proposer:
            proposer.close()
    summary = _summary(run, config, iterations, history, best, final)
    write_json_atomic(run.root / "summary.json", summary)
    from mathgym.reward_design.report import write_report

    write_report(run.root)
    return RewardDesignResult(run.root, summary)


def _check_sb3_spaces(config: RewardDesignConfig) -> None:
    import gymnasium as gym
    from gymnasium import spaces

    env = gym.make(config.env_id, **config.env_kwargs)
    try:
        numeric = isinstance(env.action_space, (spaces.Discrete, spaces.Box, spaces.MultiDiscrete))
    finally:
        env.close()
    if not numeric:
        raise ValueError(
            f"{config.env_id} is a text env: stable-baselines3 cannot train it; use trainer='grpo' with "
            "a model (--trainer grpo --model PATH) or trainer='prefilter' (ranks recorded episodes)"
        )


def _check_or_write_config(run: RunDirectory, config: RewardDesignConfig) -> None:
    current = asdict(config)
    saved = _read_json(run.root / "config.json")
    if saved is not None:
        differ = sorted(
            k
            for k in set(saved) | set(current)
            if k not in RESUMABLE_CHANGES and saved.get(k) != current.get(k)
        )
        if differ:
            raise ValueError(
                f"{run.root} holds a run with other settings ({', '.join(differ)} differ); rerun "
                "with the same arguments to resume it, or choose another --out"
            )
    write_json_atomic(run.root / "config.json", current)


def _pool(run: RunDirectory, config: RewardDesignConfig, heldout: bool = False) -> list[Any]:
    path = run.root / ("heldout_pool.jsonl" if heldout else "pool.jsonl")
    if path.exists():
        return load_pool(path)
    pool = record_pool(
        config.env_id,
        config.env_kwargs,
        episodes_per_policy=config.pool_episodes,
        seed=derive_seed(config.seed, "heldout" if heldout else "pool"),
    )
    save_pool(pool, path)
    return pool


def _policy_episodes(run: RunDirectory, iteration: int) -> list[Any]:
    """Held-out episodes of the policies trained in earlier iterations (the pre-filter judges a reward on them
    too: a reward that its predecessors' failures would game ranks those failures high)."""
    from mathgym.reward_design.transitions import Episode

    out = []
    for i in range(iteration):
        for path in sorted(run.iteration(i).glob("cand_*/training.json")):
            out += [Episode.from_dict(e) for e in (_read_json(path) or {}).get("episodes", [])]
    return out


def _responses(
    run: RunDirectory,
    i: int,
    config: RewardDesignConfig,
    context: EnvContext,
    feedback: Feedback | None,
    proposer: Proposer,
    human_feedback: Callable[[int, str], str] | None,
) -> list[str]:
    path = run.iteration(i) / "responses.json"
    saved = _read_json(path)
    if saved is not None:
        proposer.skip(len(saved))
        return list(saved)
    if feedback is not None:
        feedback.human = _human_text(config, i, feedback.text, human_feedback)
    _write_text(
        run.iteration(i) / "feedback.txt",
        ""
        if feedback is None
        else feedback.text + (f"\n\nHuman feedback:\n{feedback.human}" if feedback.human else ""),
    )
    responses = [str(r) for r in proposer.propose(context, feedback, config.samples)]
    write_json_atomic(path, responses)
    return responses


def _human_text(
    config: RewardDesignConfig, i: int, reflection: str, human_feedback: Callable[[int, str], str] | None
) -> str:
    parts = []
    if human_feedback is not None:
        parts.append(str(human_feedback(i, reflection) or "").strip())
    if config.feedback_file:
        path = Path(config.feedback_file)
        if path.is_file():
            parts.append(path.read_text(encoding="utf-8").strip())
    return "\n\n".join(p for p in parts if p)


def _review(
    run: RunDirectory,
    i: int,
    k: int,
    response: str,
    context: EnvContext,
    critic_set: list[Any],
    pool: list[Any],
    executor: Any,
    config: RewardDesignConfig,
) -> CandidateRecord:
    """Extract, criticise and pre-filter one candidate (cached in its directory)."""
    folder = run.candidate(i, k)
    record = CandidateRecord(
        id=f"i{i}-c{k}", iteration=i, response=response, code=extract_code(response), status="pending"
    )
    if not (folder / "response.txt").exists():
        _write_text(folder / "response.txt", response)
    if record.code is not None and not (folder / "reward.py").exists():
        _write_text(folder / "reward.py", record.code)
    verdict = _read_json(folder / "critic.json")
    if verdict is None:
        verdict = critique(record.code, context.spec, critic_set, executor).to_dict()
        write_json_atomic(folder / "critic.json", verdict)
    record.executed = verdict["ok"] or verdict["check"] not in ("code", "runs")
    if not verdict["ok"]:
        record.status, record.reason = "rejected", verdict["reason"]
        return record
    if config.use_prefilter:
        screened = _read_json(folder / "prefilter.json")
        if screened is None:
            screened = prefilter(record.code, pool, executor, config.prefilter_threshold).to_dict()
            write_json_atomic(folder / "prefilter.json", screened)
        if not screened["ok"]:
            record.status, record.reason = "filtered", screened["reason"]
            return record
    record.status = "accepted"
    return record


def _train_all(
    run: RunDirectory,
    i: int,
    records: list[CandidateRecord],
    config: RewardDesignConfig,
    heldout_pool: list[Any] | None,
    executor: Any,
) -> None:
    todo = [
        (k, r)
        for k, r in enumerate(records)
        if r.status == "accepted" and not (run.candidate(i, k) / "training.json").exists()
    ]
    if not todo:
        return
    if config.trainer == "prefilter":
        for k, record in todo:
            screened = prefilter(record.code, heldout_pool, executor, config.prefilter_threshold)
            outcome = TrainingOutcome(
                "ok" if screened.accuracy is not None or screened.ok else "failed",
                reason=screened.reason,
                fitness=screened.accuracy,
            )
            write_json_atomic(run.candidate(i, k) / "training.json", outcome.to_dict())
        return
    seed = derive_seed(config.seed, "candidates", i) % 2**31
    tasks = [
        (
            config.trainer,
            config.env_id,
            config.env_kwargs,
            record.code,
            seed,
            config.trainer_config,
            config.sandbox,
            str(run.candidate(i, k) / "training.json"),
        )
        for k, record in todo
    ]
    _run_trainings(tasks, config, f"iteration {i}: training {len(tasks)} candidate(s)")


def _train_task(
    kind: str,
    env_id: str,
    env_kwargs: dict[str, Any],
    code: str,
    seed: int,
    trainer: TrainerConfig,
    sandbox: str,
    out_path: str,
) -> str:
    fn = train_candidate_grpo if kind == "grpo" else train_candidate
    fn(env_id, env_kwargs, code, seed=seed, config=trainer, executor=sandbox, out_path=out_path)
    return out_path


def _run_trainings(tasks: Sequence[tuple[Any, ...]], config: RewardDesignConfig, label: str) -> None:
    """Train every task (``_train_task``'s arguments); with ``config.cache_dir``, runs already made with the same
    code, seed, env and trainer settings are copied from the cache instead (training is deterministic)."""
    import shutil

    from mathgym.parallel import run_parallel

    cache = Path(config.cache_dir) if config.cache_dir else None
    keys = {task[-1]: _cache_key(task) for task in tasks}
    if cache is not None:
        for task in tasks:
            hit = cache / f"{keys[task[-1]]}.json"
            if hit.exists():
                Path(task[-1]).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(hit, task[-1])
        tasks = [task for task in tasks if not Path(task[-1]).exists()]

    def done(out_path: str) -> None:
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            write_json_atomic(cache / f"{keys[out_path]}.json", _read_json(Path(out_path)))
        bar.update(1)

    bar = _progress(len(tasks), label, config.progress)
    try:
        run_parallel(_train_task, tasks, workers=config.workers, backend=config.backend, on_result=done)
    finally:
        bar.close()


def _cache_key(task: tuple[Any, ...]) -> str:
    """What determines a training run's result: trainer kind, env, code, seed and trainer settings (not the
    sandbox backend, which computes the same rewards)."""
    import hashlib

    kind, env_id, env_kwargs, code, seed, trainer, _sandbox, _out = task
    text = json.dumps([kind, env_id, env_kwargs, code, seed, asdict(trainer)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _progress(total: int, label: str, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit="run", disable=not enabled, leave=True)


def _conclude(
    run: RunDirectory, i: int, k: int, record: CandidateRecord, config: RewardDesignConfig
) -> CandidateRecord:
    """Fold a candidate's training outcome into its record; write ``reflection.txt`` and ``result.json``."""
    folder = run.candidate(i, k)
    critic = _read_json(folder / "critic.json") or {}
    screened = _read_json(folder / "prefilter.json") or {}
    hacking: dict[str, Any] = {}
    if record.status == "accepted":
        outcome = TrainingOutcome.from_dict(_read_json(folder / "training.json"))
        if outcome.status != "ok":
            record.status, record.reason = "failed", outcome.reason
        else:
            record.status, record.fitness = "trained", outcome.fitness
            record.series = epoch_series(outcome.epochs)
            hacking = hacking_check(outcome.epochs)
            record.flagged = bool(hacking.get("flagged"))
    if record.status == "trained":
        text = reflection_text(
            _read_json(folder / "training.json")["epochs"],
            record.fitness,
            prefilter_accuracy=screened.get("accuracy"),
        )
        if record.flagged:
            text += (
                "\nWarning: the reward's return rose while true success fell during training (rank "
                f"correlation {hacking['rho']:.2f}): the policy games this reward."
            )
    else:
        text = error_feedback(record.reason)
    _write_text(folder / "reflection.txt", text + "\n")
    write_json_atomic(
        folder / "result.json",
        {
            "id": record.id,
            "status": record.status,
            "reason": record.reason,
            "fitness": record.fitness,
            "flagged": record.flagged,
            "hacking": hacking,
            "critic": critic,
            "prefilter": screened or None,
            "code_path": run.rel(folder / "reward.py") if record.code is not None else None,
        },
    )
    return record


def select_best(history: Sequence[CandidateRecord]) -> CandidateRecord | None:
    """The trained, unflagged candidate of highest fitness (the earliest among equals), or ``None``."""
    return max((r for r in history if r.selectable), key=lambda r: (r.fitness, -r.iteration), default=None)


def _execute_rate(records: Sequence[CandidateRecord]) -> float:
    """Share of candidates whose code ran on the recorded transitions without an error (Eureka's execute
    rate): trained, filtered and failed ones, and those the critic rejected only for their values."""
    return sum(r.executed for r in records) / len(records) if records else 0.0


def _next_feedback(
    run: RunDirectory,
    i: int,
    records: list[CandidateRecord],
    history: list[CandidateRecord],
    previous: Feedback | None,
) -> Feedback | None:
    """Feedback for iteration ``i + 1``: the iteration's best trained candidate's reflection (else the error
    of the candidate that got furthest), plus every other candidate's rejection reason."""
    trained = [(k, r) for k, r in enumerate(records) if r.status == "trained" and r.fitness is not None]
    order = {"trained": 0, "failed": 1, "filtered": 2, "rejected": 3}
    if trained:
        k, focus = max(trained, key=lambda kr: (not kr[1].flagged, kr[1].fitness))
    elif records:
        k, focus = min(enumerate(records), key=lambda kr: order.get(kr[1].status, 4))
    else:
        return (
            previous if previous is None else dataclasses.replace(previous, iteration=i + 1, history=history)
        )
    text = (run.candidate(i, k) / "reflection.txt").read_text(encoding="utf-8").strip()
    others = [
        f"- candidate {r.id}: {r.status}: {r.reason.splitlines()[0] if r.reason else ''}"
        for j, r in enumerate(records)
        if j != k and r.status != "trained"
    ]
    if others:
        text += "\n\nOther candidates of this round did not train:\n" + "\n".join(others[:20])
    return Feedback(iteration=i + 1, text=text, best_response=focus.response, history=list(history))


# ------------------------------------------------------------------------------------ final comparison
def _final_comparison(
    run: RunDirectory,
    config: RewardDesignConfig,
    context: EnvContext,
    best: CandidateRecord | None,
    executor: Any,
) -> dict[str, Any]:
    """Retrain sparse, hand-written and best rewards on ``config.seeds`` seeds; IQM, CIs and HNS."""
    variants = {"sparse": SPARSE_REWARD}
    if context.spec.hand_reward:
        variants["hand"] = context.spec.hand_reward
    if best is not None and best.code is not None:
        variants["best"] = best.code
    if config.trainer == "prefilter":
        return {
            "variants": list(variants),
            "note": "no RL trainer: the final comparison needs trainer='sb3' or 'grpo'",
        }
    tasks = []
    for name, code in variants.items():
        for s in range(config.seeds):
            path = run.final(name, s)
            if not path.exists():
                seed = derive_seed(config.seed, "final", s) % 2**31
                tasks.append(
                    (
                        config.trainer,
                        config.env_id,
                        config.env_kwargs,
                        code,
                        seed,
                        config.trainer_config,
                        config.sandbox,
                        str(path),
                    )
                )
    if tasks:
        _run_trainings(tasks, config, f"final comparison: {len(tasks)} run(s)")
    scores = {}
    for name in variants:
        outcomes = [TrainingOutcome.from_dict(_read_json(run.final(name, s))) for s in range(config.seeds)]
        scores[name] = [o.fitness if o.fitness is not None else 0.0 for o in outcomes]
    return summarise_scores(scores)


def summarise_scores(scores: dict[str, list[float]], reps: int = 2_000) -> dict[str, Any]:
    """IQM with 95 % stratified-bootstrap CIs per variant, and the best reward's HNS."""
    from mathgym.metrics.rl_stats import stratified_bootstrap_ci

    out: dict[str, Any] = {"scores": scores}
    for name, values in scores.items():
        matrix = np.asarray(values, dtype=float).reshape(-1, 1)
        point, low, high = stratified_bootstrap_ci(matrix, "iqm", reps=reps, seed=0)
        out[name] = {"iqm": point, "ci": [low, high], "mean": float(matrix.mean()), "seeds": len(values)}
    out["hns"] = human_normalised_score(
        out.get("best", {}).get("iqm"), out.get("sparse", {}).get("iqm"), out.get("hand", {}).get("iqm")
    )
    return out


def human_normalised_score(r: float | None, r_sparse: float | None, r_hand: float | None) -> float | None:
    """``(R - R_sparse) / (R_hand - R_sparse)``: 0 at the sparse reward, 1 at the hand-written one.

    ``None`` when a score is missing or when the hand-written reward does not beat the sparse one: the scale
    then has no unit (a tiny gap blows it up) or points the wrong way (a worse hand-written reward would
    make a better designed one score negative).
    """
    if r is None or r_sparse is None or r_hand is None or r_hand - r_sparse < 1e-12:
        return None
    return float((r - r_sparse) / (r_hand - r_sparse))


def _summary(
    run: RunDirectory,
    config: RewardDesignConfig,
    iterations: list[dict[str, Any]],
    history: list[CandidateRecord],
    best: CandidateRecord | None,
    final: dict[str, Any],
) -> dict[str, Any]:
    best_entry = None
    if best is not None:
        k = int(best.id.split("-c")[1])
        best_entry = {
            "id": best.id,
            "code_path": run.rel(run.candidate(best.iteration, k) / "reward.py"),
            "fitness": best.fitness,
            "hns": final.get("hns"),
            "final": final.get("best"),
        }
    trained = sum(1 for r in history if r.status in ("trained", "failed"))
    return {
        "env_id": config.env_id,
        "proposer": config.proposer,
        "iterations": iterations,
        "best": best_entry,
        "baselines": {"sparse": final.get("sparse"), "hand": final.get("hand")},
        "final": final,
        "execute_rate": _execute_rate(history),
        "candidates": len(history),
        "rl_runs": trained,
        "filtered": sum(1 for r in history if r.status == "filtered"),
        "flagged": [r.id for r in history if r.flagged],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
