"""The main job: train MaskablePPO on EquationSolve from several seeds, compare it with baselines on held-out
equations, write a report with plots.

:func:`run_demo` (what ``mathgym demo`` runs):

1. splits the space of linear equations by problem key (the equation's text): one key in
   :data:`HELD_OUT_SHARE` is reserved for evaluation and never served in training, so "held-out" is true
   of every evaluation problem, not just of its random seed;
2. trains sb3-contrib's MaskablePPO on ``mathgym/EquationSolve-v0`` restricted to LinearEquation levels
   :data:`TRAIN_LEVELS` from ``seeds`` training seeds, saving checkpoints along the way;
3. evaluates every checkpoint on held-out equations of the training levels (the learning curve, a mean
   over seeds with the seeds' range as a band), then the final models, the masked-random agent and the
   scripted solver (the reference) on held-out equations of levels :data:`EVAL_LEVELS` (levels above the
   training levels are never trained on, and that is where the trained agent degrades);
4. computes IQM / mean / median / optimality gap with stratified-bootstrap intervals over the runs
   (training seeds), performance profiles and probabilities of improvement
   (:mod:`mathgym.metrics.rl_stats`), and writes ``report.md``, ``summary.json`` and PNG figures.

Everything is seeded: the same arguments give the same report (unless the wall-time cap cut training
short, which the report states).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mathgym.problem import Problem
from mathgym.seeding import derive_seed
from mathgym.sources.base import Source

ENV_ID = "mathgym/EquationSolve-v0"
#: levels the agent trains on (0: ax + b = c; 1: x on both sides)
TRAIN_LEVELS = (0, 1)
#: levels it is evaluated on; 2-4 add brackets, fractions and larger numbers, never seen in training
EVAL_LEVELS = (0, 1, 2, 3, 4)
#: one problem key in this many is held out for evaluation
HELD_OUT_SHARE = 5
#: actions before an episode is truncated (the env's default)
MAX_MOVES = 20
#: MaskablePPO's rollout length per env (sb3_train's default); a run's steps are a multiple of n_envs x this
N_STEPS = 128
#: training-style draws the report checks the evaluation problems against
OVERLAP_DRAWS = 6_000
#: checkpoints per training run (points of the learning curve)
CURVE_POINTS = 8


def problem_key(problem: Problem) -> str:
    """What makes two equation problems the same task: the equation's text, whitespace normalised."""
    params = problem.meta.get("params") or {}
    text = params.get("equation") or problem.meta.get("equation") or problem.prompt
    return " ".join(str(text).split())


def is_held_out(key: str) -> bool:
    """Whether a problem key is reserved for evaluation (a fixed hash, the same on every machine)."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % HELD_OUT_SHARE == 0


class TrainingSource(Source):
    """LinearEquation problems of some levels, never one whose key is held out for evaluation.

    :param levels: LinearEquation levels to mix.
    :param seed: the problem stream.
    """

    def __init__(self, levels: Sequence[int], seed: int = 0) -> None:
        from mathgym.envs.classic.equation_solve.problems import MixedLevelSource

        self.inner = MixedLevelSource(levels, seed=seed)
        self.name = self.inner.name
        self.levels = tuple(levels)
        self.seed = seed

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index: int) -> Problem:
        return self.inner[index]

    def sample(self, rng: np.random.Generator) -> Problem:
        # rejection keeps the training distribution the generator's own, minus the held-out keys
        while True:
            problem = self.inner.sample(rng)
            if not is_held_out(problem_key(problem)):
                return problem

    def __repr__(self) -> str:  # written into the training run's config.json
        return f"TrainingSource(levels={self.levels}, seed={self.seed}, held_out_share={HELD_OUT_SHARE})"


def held_out_problems(level: int, n: int) -> list[Problem]:
    """The first ``n`` distinct held-out problems of a level's evaluation stream.

    :param level: LinearEquation level.
    :param n: how many.
    """
    from mathgym.sources.procedural import ProceduralSource

    source = ProceduralSource("LinearEquation", seed=derive_seed("mathgym.demo.eval") % 2**31, level=level)
    problems: list[Problem] = []
    seen: set[str] = set()
    index = 0
    while len(problems) < n:
        problem = source[index]
        index += 1
        key = problem_key(problem)
        if is_held_out(key) and key not in seen:
            seen.add(key)
            problems.append(problem)
    return problems


def training_overlap(problems: Sequence[Problem], draws: int = OVERLAP_DRAWS) -> int:
    """How many of ``problems`` appear (by key) among ``draws`` training-style draws (0 by construction).

    :param problems: evaluation problems.
    :param draws: training draws to compare with.
    """
    source = TrainingSource(TRAIN_LEVELS, seed=0)
    rng = np.random.default_rng(0)
    seen = {problem_key(source.sample(rng)) for _ in range(draws)}
    return sum(problem_key(p) in seen for p in problems)


@dataclass
class EpisodeResult:
    """One evaluation episode.

    :param agent: agent name.
    :param run: the run index (training seed for the trained agent, agent seed for the random one).
    :param level: LinearEquation level of the problem.
    :param problem_id: the problem's id.
    :param depth: depth of the equation tree at the start.
    :param solved: the episode ended with the verified solution.
    :param moves: actions taken.
    :param reward: the episode's return.
    """

    agent: str
    run: int
    level: int
    problem_id: str
    depth: int
    solved: bool
    moves: int
    reward: float


def play(agent: Any, name: str, run: int, problems: Sequence[Problem]) -> list[EpisodeResult]:
    """Play each problem once with ``agent`` (seeded per problem, so runs differ only by ``run``).

    :param agent: an :class:`~mathgym.agents.base.Agent` for EquationSolve.
    :param name: the agent's name in the results.
    :param run: the run index.
    :param problems: the problems, each played in a fresh episode.
    """
    from mathgym.envs.classic.equation_solve.env import EquationSolveEnv

    env = EquationSolveEnv(max_moves=MAX_MOVES)
    results = []
    for j, problem in enumerate(problems):
        obs, info = env.reset(seed=j, options={"problem": problem})
        agent.reset(seed=derive_seed("mathgym.demo.agent", name, run, problem.id))
        depth, total, done = info["equation_tree"].depth, 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
            total += float(reward)
            done = terminated or truncated
        results.append(
            EpisodeResult(
                name,
                run,
                int(problem.meta["level"]),
                problem.id,
                depth,
                bool(info["is_success"]),
                int(info["moves"]),
                total,
            )
        )
    env.close()
    return results


def score_matrix(
    results: Sequence[EpisodeResult], agent: str, runs: int, levels: Sequence[int]
) -> np.ndarray:
    """Solve rates as a ``(runs, levels)`` matrix (runs x tasks, as :mod:`~mathgym.metrics.rl_stats` wants).

    :param results: episodes of any agents.
    :param agent: whose episodes.
    :param runs: number of runs.
    :param levels: the levels, one column each.
    """
    matrix = np.zeros((runs, len(levels)))
    for i in range(runs):
        for j, level in enumerate(levels):
            cell = [r.solved for r in results if r.agent == agent and r.run == i and r.level == level]
            matrix[i, j] = float(np.mean(cell))
    return matrix


@dataclass
class TrainingRun:
    """One training seed: where its model is, its held-out learning curve, how long it took."""

    seed: int
    model_path: Path
    timesteps: int
    seconds: float
    stopped_early: bool
    curve: list[dict[str, float]]


def _checkpoints(run_dir: Path, final: Path, timesteps: int) -> list[tuple[int, Path]]:
    """``(steps, path)`` of every checkpoint and of the final model, by steps."""
    points = {}
    for path in (run_dir / "checkpoints").glob("*_steps.zip"):
        points[int(path.stem.split("_")[-2])] = path
    points[timesteps] = final
    return sorted(points.items())


def _curve(run_dir: Path, final: Path, timesteps: int, problems: Sequence[Problem]) -> list[dict[str, float]]:
    """Held-out solve rate and mean return of every checkpoint on ``problems``."""
    from mathgym.agents.sb3_agent import SB3Agent
    from mathgym.agents.sb3_train import load_model

    curve = []
    for steps, path in _checkpoints(run_dir, final, timesteps):
        results = play(SB3Agent(load_model(path, "maskable_ppo")), "MaskablePPO", 0, problems)
        curve.append(
            {
                "timesteps": steps,
                "success_rate": float(np.mean([r.solved for r in results])),
                "mean_reward": float(np.mean([r.reward for r in results])),
            }
        )
    return curve


def run_demo(
    out_dir: str | Path = "results/demo",
    *,
    steps: int = 16_384,
    seeds: int = 3,
    episodes: int = 50,
    minutes: float = 15.0,
    n_envs: int = 8,
    progress_bar: bool = True,
    verbose: bool = True,
) -> Path:
    """Train, evaluate and report; returns (and prints) the path of ``report.md``.

    :param out_dir: output folder (``train/seed<k>/`` holds each SB3 run; ``report.md``, ``summary.json``
        and the PNGs the results).
    :param steps: training environment steps per seed, rounded up to whole rollouts (``n_envs`` x 128), so
        that the progress bar ends where it says.
    :param seeds: training seeds; they are the runs of every interval in the report.
    :param episodes: held-out problems per evaluation level (half of them per training level for the
        learning curve).
    :param minutes: wall-time budget of the whole demo: each seed's training is capped at its share of
        what is left after a reserve for evaluation, so the demo ends within it on a slow or busy machine.
    :param n_envs: parallel training envs.
    :param progress_bar: show training progress.
    :param verbose: print progress lines and the report path.
    """
    from mathgym.agents.equation_agents import EquationSolverAgent, MaskedRandomAgent
    from mathgym.agents.sb3_agent import SB3Agent
    from mathgym.agents.sb3_train import TrainConfig, train

    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say: Callable[..., None] = print if verbose else (lambda *a, **k: None)
    rollout = n_envs * N_STEPS
    steps = -(-steps // rollout) * rollout
    checkpoint_every = max(1, steps // rollout // CURVE_POINTS) * rollout

    problems = {level: held_out_problems(level, episodes) for level in EVAL_LEVELS}
    curve_problems = [p for level in TRAIN_LEVELS for p in problems[level][: max(5, episodes // 2)]]
    overlap = training_overlap([p for level in TRAIN_LEVELS for p in problems[level]])

    # 1. training, each seed capped at its share of the budget left after an evaluation reserve
    reserve = 90.0
    runs: list[TrainingRun] = []
    for seed in range(seeds):
        left = minutes * 60.0 - reserve - (time.perf_counter() - start)
        config = TrainConfig(
            env_id=ENV_ID,
            algo="maskable_ppo",
            steps=steps,
            seed=seed,
            n_envs=n_envs,
            out_dir=str(out / "train" / f"seed{seed}"),
            env_kwargs={"source": TrainingSource(TRAIN_LEVELS, seed=seed), "max_moves": MAX_MOVES},
            hyperparams={"n_steps": N_STEPS},
            eval_freq=0,
            checkpoint_freq=checkpoint_every,
            progress_bar=progress_bar,
            max_seconds=max(20.0, left / (seeds - seed)),
        )
        say(f"[demo] seed {seed}: training MaskablePPO on {ENV_ID} levels {TRAIN_LEVELS} for {steps:,} steps")
        result = train(config)
        say(
            f"[demo] seed {seed}: {result.timesteps:,} steps in {result.seconds:.0f} s"
            + (" (stopped by the wall-time cap)" if result.stopped_early else "")
        )
        curve = _curve(Path(config.out_dir), result.model_path, result.timesteps, curve_problems)
        runs.append(
            TrainingRun(
                seed, result.model_path, result.timesteps, result.seconds, result.stopped_early, curve
            )
        )

    # 2. final evaluation on the held-out problems of every level
    all_problems = [p for level in EVAL_LEVELS for p in problems[level]]
    say(f"[demo] evaluating on {len(all_problems)} held-out equations (levels {EVAL_LEVELS}) per run")
    results: list[EpisodeResult] = []
    for run in runs:
        results += play(SB3Agent(run.model_path, algo="maskable_ppo"), "MaskablePPO", run.seed, all_problems)
    for k in range(seeds):
        results += play(MaskedRandomAgent(), "masked-random", k, all_problems)
    # the solver is deterministic: one run, repeated so every agent has the same number of runs
    reference = play(EquationSolverAgent(), "equation-solver (reference)", 0, all_problems)
    results += [EpisodeResult(**{**asdict(r), "run": k}) for k in range(seeds) for r in reference]
    agents = ["MaskablePPO", "masked-random", "equation-solver (reference)"]
    report = write_report(
        out,
        runs,
        results,
        agents,
        seeds=seeds,
        episodes=episodes,
        steps=steps,
        n_envs=n_envs,
        overlap=overlap,
        curve_problems=len(curve_problems),
        elapsed=time.perf_counter() - start,
    )
    say(f"[demo] report: {report}")
    return report


def write_report(
    out: Path,
    runs: Sequence[TrainingRun],
    results: Sequence[EpisodeResult],
    agents: Sequence[str],
    *,
    seeds: int,
    episodes: int,
    steps: int,
    n_envs: int,
    overlap: int,
    curve_problems: int,
    elapsed: float,
) -> Path:
    """Statistics, PNG figures, ``summary.json`` and ``report.md`` for a finished demo.

    :param out: the output folder.
    :param runs: the training runs.
    :param results: every evaluation episode.
    :param agents: agent names, the trained agent first, then random, then the reference.
    :param seeds: runs per agent.
    :param episodes: problems per level.
    :param steps: training steps asked per seed.
    :param n_envs: parallel training envs.
    :param overlap: evaluation problems of the training levels found among training draws.
    :param curve_problems: problems of the learning curve's evaluations.
    :param elapsed: wall time of the whole demo so far.
    """
    from mathgym.metrics import rl_plots, rl_stats

    levels = list(EVAL_LEVELS)
    tasks = [f"L{level}" for level in levels]
    matrices = {name: score_matrix(results, name, seeds, levels) for name in agents}
    trained, random_name, reference = agents[0], agents[1], agents[2]
    estimates = rl_stats.interval_estimates(matrices, reps=5_000, seed=0)
    per_level = {
        name: [
            rl_stats.stratified_bootstrap_ci(m[:, [j]], "mean", reps=2_000, seed=0)
            for j in range(len(levels))
        ]
        for name, m in matrices.items()
    }
    taus = np.linspace(0.0, 1.0, 81)
    profiles = {
        name: rl_stats.performance_profile(m, taus, reps=2_000, seed=0) for name, m in matrices.items()
    }
    poi = {
        f"{trained} > {random_name}": rl_stats.probability_of_improvement_ci(
            matrices[trained], matrices[random_name], reps=2_000, seed=0
        ),
        f"{trained} > {reference}": rl_stats.probability_of_improvement_ci(
            matrices[trained], matrices[reference], reps=2_000, seed=0
        ),
    }
    train_columns = [levels.index(level) for level in TRAIN_LEVELS]
    baseline_on_train = {
        name: float(matrices[name][:, train_columns].mean()) for name in (random_name, reference)
    }

    def depth_rate(name: str, shallow: bool) -> tuple[float, int]:
        cell = [r.solved for r in results if r.agent == name and r.run == 0 and (r.depth <= 3) == shallow]
        return (float(np.mean(cell)) if cell else float("nan")), len(cell)

    figures = {
        "learning_curve": rl_plots.plot_learning_curve(
            [run.curve for run in runs],
            out / "learning_curve.png",
            title=f"MaskablePPO on held-out levels {', '.join(map(str, TRAIN_LEVELS))}",
            reference={f"{name} (same problems)": value for name, value in baseline_on_train.items()},
        ),
        "per_level": rl_plots.plot_per_task(
            per_level,
            tasks,
            out / "per_level.png",
            title=f"Solve rate by level (95% CI over {seeds} runs); "
            f"trained on {', '.join(f'L{lv}' for lv in TRAIN_LEVELS)}",
        ),
        "aggregates": rl_plots.plot_interval_estimates(
            estimates, out / "aggregates.png", xlabel=rl_plots.METRIC_LABELS, limits=(0.0, 1.0)
        ),
        "performance_profiles": rl_plots.plot_performance_profiles(
            profiles, taus, out / "performance_profiles.png", xlabel="solve rate τ"
        ),
        "probability_of_improvement": rl_plots.plot_probability_of_improvement(
            poi, out / "probability_of_improvement.png"
        ),
    }
    summary = {
        "env_id": ENV_ID,
        "train_levels": list(TRAIN_LEVELS),
        "eval_levels": levels,
        "seeds": seeds,
        "steps_per_seed": steps,
        "episodes_per_level": episodes,
        "held_out_share": HELD_OUT_SHARE,
        "train_eval_overlap": {
            "evaluation_problems": episodes * len(TRAIN_LEVELS),
            "training_draws": OVERLAP_DRAWS,
            "shared": overlap,
        },
        "training": [
            {
                "seed": r.seed,
                "timesteps": r.timesteps,
                "seconds": r.seconds,
                "stopped_by_time_cap": r.stopped_early,
                "curve": r.curve,
            }
            for r in runs
        ],
        "elapsed_seconds": elapsed,
        "solve_rate": {
            name: {task: float(matrices[name][:, j].mean()) for j, task in enumerate(tasks)}
            for name in agents
        },
        "solve_rate_per_run": {name: matrices[name].tolist() for name in agents},
        "depth_le_3": {name: depth_rate(name, True)[0] for name in agents},
        "aggregates": {name: {k: list(v) for k, v in est.items()} for name, est in estimates.items()},
        "probability_of_improvement": {k: list(v) for k, v in poi.items()},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))

    capped = [r.seed for r in runs if r.stopped_early]
    train_seconds = sum(r.seconds for r in runs)
    lines = [
        "# mathgym demo: MaskablePPO on EquationSolve",
        "",
        f"Trained sb3-contrib **MaskablePPO** on `{ENV_ID}` restricted to LinearEquation levels "
        f"{', '.join(map(str, TRAIN_LEVELS))}, from **{seeds} seeds** × {steps:,} steps ({n_envs} envs, "
        "1 torch "
        f"thread): {train_seconds:.0f} s of training in all"
        + (
            f"; **seeds {capped} were stopped by the wall-time cap**, so their step counts depend on machine "
            "speed."
            if capped
            else "."
        ),
        f"Evaluated on **held-out** equations: one problem key (the equation's text) in {HELD_OUT_SHARE} is "
        f"reserved for evaluation and never served in training; {episodes} distinct held-out equations per "
        f"level {', '.join(map(str, levels))} (levels above {max(TRAIN_LEVELS)} never trained on). Check: "
        f"{overlap} of the {episodes * len(TRAIN_LEVELS)} evaluation equations of the training levels appear "
        f"among {OVERLAP_DRAWS:,} training draws. Whole demo: {elapsed:.0f} s.",
        f"Runs: the trained agent's runs are its training seeds; the random agent's are its own seeds; the "
        f"reference solver is deterministic (one run, repeated {seeds}×). Every run plays the same problems.",
        "",
        "## Solve rate by level (mean over runs)",
        "",
        "| agent | " + " | ".join(tasks) + " | depth ≤ 3 | depth > 3 | moves per solved episode |",
        "|---|" + "---|" * (len(tasks) + 3),
    ]
    for name in agents:
        shallow, n_shallow = depth_rate(name, True)
        deep, n_deep = depth_rate(name, False)
        cells = [f"{matrices[name][:, j].mean():.2f}" for j in range(len(levels))]
        moves = [r.moves for r in results if r.agent == name and r.solved]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {shallow:.2f} (n={n_shallow}) | {deep:.2f} "
            f"(n={n_deep}) | {np.mean(moves) if moves else float('nan'):.2f} |"
        )
    lines += [
        "",
        "Levels 0-1 are the training levels (held-out equations); 2-4 add brackets, fractional solutions "
        "and larger numbers. Depth = edges on the longest root-to-leaf path of the equation tree "
        "(`3x + 5 = 14` has depth 3); depth columns count run 0's episodes.",
        "",
        "Per seed (trained agent): "
        + "; ".join(
            f"seed {r.seed}: "
            + ", ".join(f"L{lv} {matrices[trained][i, j]:.2f}" for j, lv in enumerate(levels))
            for i, r in enumerate(runs)
        ),
        "",
        f"## Aggregates over levels (95% stratified-bootstrap CIs over {seeds} runs)",
        "",
        "| agent | IQM | mean | median | optimality gap |",
        "|---|---|---|---|---|",
    ]
    for name in agents:
        cells = [
            f"{p:.3f} [{lo:.3f}, {hi:.3f}]" for p, lo, hi in (estimates[name][m] for m in rl_stats.AGGREGATES)
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"With {seeds} runs the intervals are wide: they say how much the seeds disagree, which is the "
        "point of training several.",
        "",
        "## Probability of improvement",
        "",
        "P(X > Y): the chance that a run of X beats a run of Y on a level, averaged over levels "
        "(ties count ½, "
        "so equal agents give 0.5).",
        "",
    ]
    for label, (p, lo, hi) in poi.items():
        lines.append(f"- P({label}) = {p:.3f} [{lo:.3f}, {hi:.3f}]")
    lines += [
        "",
        f"## Learning curve (held-out equations of levels {', '.join(map(str, TRAIN_LEVELS))}, "
        f"{curve_problems} problems; mean [lowest, highest] over seeds)",
        "",
        "| steps | solve rate | mean return |",
        "|---|---|---|",
    ]
    points = sorted(set.intersection(*({row["timesteps"] for row in r.curve} for r in runs)))
    for step in points:
        rows = [next(row for row in r.curve if row["timesteps"] == step) for r in runs]
        rates = [row["success_rate"] for row in rows]
        returns = [row["mean_reward"] for row in rows]
        lines.append(
            f"| {step:,} | {np.mean(rates):.3f} [{min(rates):.3f}, {max(rates):.3f}] | "
            f"{np.mean(returns):.3f} |"
        )
    lines += ["", "## Figures", ""]
    for name, path in figures.items():
        lines.append(f"![{name}]({Path(path).name})")
    lines += [
        "",
        f"Models: `{out / 'train'}/seed*/model.zip`; logs: `train/seed*/logs` (CSV + TensorBoard); "
        "numbers: `summary.json`.",
        "",
    ]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report
