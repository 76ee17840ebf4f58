"""Reward design with the offline ``evolve`` proposer against the sparse and the hand-written rewards.

    python benchmarks/reward_design.py [--envs equation-hard,countdown-ppo,...] [--iterations 4] [--samples 8]
                                       [--seeds 5] [--workers 2] [--out benchmarks/results/reward_design]

For each env (chosen, with its budget, so that sparse-reward PPO does not already solve it at the budget),
the loop runs twice with the same seed: with the CARD-style pre-filter and without it. Each run retrains
its best reward on ``--seeds`` seeds next to the sparse (success only) and the env's hand-written reward.
Both runs share a training cache (training is deterministic): a run with the same code and seed is trained
once, so the run without the filter trains only the candidates the filter stopped and what followed from
them; its RL-run count is what it would have trained, cache or not.
Printed side by side: success IQM with 95 % stratified-bootstrap CIs, the human-normalised score
``HNS = (R - R_sparse) / (R_hand - R_sparse)``, the execute rate, the RL runs the pre-filter saved and
whether the final HNS changed without it; then the sandbox's overhead: the hand-written reward trained
with its rewards computed in the sandbox vs in-process (same seed, same steps), as a ratio of wall time.

Targets (the issue's, after Eureka): mean HNS >= 1.5; the hand-written reward beaten on >= 4 of 5 envs;
sandbox overhead <= 10 % of training time; the pre-filter saves >= 50 % of RL runs with no loss in HNS.
Runs are resumable (the loop's own run directories): rerun the same command after an interruption.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: label -> (env id, env kwargs, SB3 algorithm, training budget in env steps)
ENVS: dict[str, tuple[str, dict[str, Any], str | None, int]] = {
    "equation-mixed": ("mathgym/EquationSolve-v0", {}, "maskable_ppo", 6_000),
    "equation-medium": ("mathgym/EquationSolve-Medium-v0", {}, "maskable_ppo", 10_000),
    "equation-hard": ("mathgym/EquationSolve-Hard-v0", {}, "maskable_ppo", 10_000),
    "countdown-ppo": ("mathgym/Countdown-v0", {}, "ppo", 20_000),
    "countdown500-ppo": ("mathgym/Countdown-v0", {"max_target": 500}, "ppo", 20_000),
}


@dataclass
class EnvResult:
    label: str
    env_id: str
    budget: int
    with_filter: dict[str, Any] = field(default_factory=dict)
    without_filter: dict[str, Any] = field(default_factory=dict)


def run_env(label: str, args: argparse.Namespace) -> EnvResult:
    from mathgym.reward_design import RewardDesignConfig, design_reward

    env_id, env_kwargs, algo, budget = ENVS[label]
    result = EnvResult(label, env_id, budget)
    base = RewardDesignConfig(
        env_id=env_id,
        env_kwargs=env_kwargs,
        algo=algo,
        budget=budget,
        proposer="evolve",
        iterations=args.iterations,
        samples=args.samples,
        seeds=args.seeds,
        workers=args.workers,
        eval_episodes=args.eval_episodes,
        seed=args.seed,
        progress=not args.quiet,
        cache_dir=str(Path(args.out) / label / "cache"),
    )
    root = Path(args.out) / label
    for name, use_filter in (("with_filter", True), ("without_filter", False)):
        out = root / name
        started = time.perf_counter()
        summary = design_reward(
            RewardDesignConfig(**{**base.__dict__, "out": str(out), "use_prefilter": use_filter})
        ).summary
        summary["wall_s"] = time.perf_counter() - started
        setattr(result, name, summary)
    return result


def sandbox_overhead(args: argparse.Namespace) -> dict[str, float]:
    """Train the hand-written reward with its rewards computed in the sandbox and in-process, same seed."""
    import gymnasium as gym

    from mathgym.reward_design.training import TrainerConfig, train_candidate

    env_id, kwargs, algo, _ = ENVS["equation-medium"]
    code = gym.make(env_id, **kwargs).unwrapped.reward_view_spec.hand_reward
    config = TrainerConfig(budget=args.overhead_budget, algo=algo, eval_episodes=20)
    out: dict[str, float] = {}
    for executor in ("trusted", "local", "trusted", "local"):  # interleaved: load drifts hit both alike
        outcome = train_candidate(env_id, kwargs, code, seed=0, config=config, executor=executor)
        out[f"{executor}_s"] = out.get(f"{executor}_s", 0.0) + outcome.seconds / 2
        out[f"{executor}_reward_s"] = out.get(f"{executor}_reward_s", 0.0) + outcome.reward_seconds / 2
    out["overhead"] = out["local_s"] / out["trusted_s"] - 1.0
    # the sandbox's own cost, less noisy than the wall-time ratio: reward time sandboxed minus in-process
    out["round_trip_share"] = (out["local_reward_s"] - out["trusted_reward_s"]) / out["local_s"]
    return out


def _fmt(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    return f"{entry['iqm']:.3f} [{entry['ci'][0]:.2f}, {entry['ci'][1]:.2f}]"


def report(
    results: list[EnvResult], overhead: dict[str, float] | None, load: tuple[float, float, float]
) -> str:
    lines = [
        f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores)",
        "",
        "| env | budget | sparse IQM [CI] | hand IQM [CI] | evolve-best IQM [CI] | HNS | beats hand | "
        "execute rate | RL runs (filter / none) | HNS without filter |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    hns_values, beaten, saved, runs_without, same_or_better = [], 0, 0, 0, 0
    for r in results:
        final = r.with_filter["final"]
        hns = final.get("hns")
        best, hand = final.get("best"), final.get("hand")
        beats = best is not None and hand is not None and best["iqm"] > hand["iqm"]
        beaten += beats
        if hns is not None:
            hns_values.append(hns)
        hns_without = r.without_filter["final"].get("hns")
        saved += r.without_filter["rl_runs"] - r.with_filter["rl_runs"]
        runs_without += r.without_filter["rl_runs"]
        same_or_better += hns == hns_without or (
            hns is not None and hns_without is not None and hns >= hns_without - 1e-9
        )
        lines.append(
            f"| {r.label} ({r.env_id}) | {r.budget} | {_fmt(final.get('sparse'))} | {_fmt(hand)} | "
            f"{_fmt(best)} | {'–' if hns is None else f'{hns:.2f}'} | {'yes' if beats else 'no'} | "
            f"{r.with_filter['execute_rate']:.0%} | {r.with_filter['rl_runs']} / "
            f"{r.without_filter['rl_runs']} | {'–' if hns_without is None else f'{hns_without:.2f}'} |"
        )
    mean_hns = sum(hns_values) / len(hns_values) if hns_values else float("nan")
    lines += [
        "",
        f"mean HNS {mean_hns:.2f} over {len(hns_values)} envs with a defined HNS (target >= 1.5); "
        f"hand-written reward beaten on {beaten} of {len(results)} envs (target >= 4 of 5)",
        f"pre-filter: {saved} of {runs_without} RL runs saved ({saved / max(runs_without, 1):.0%}; "
        "target >= 50 %); "
        f"final HNS with the filter equal to or above the one without it on {same_or_better} of {len(results)} "
        "envs",
    ]
    if overhead:
        lines.append(
            f"sandbox overhead (hand-written reward on equation-medium, same seed and steps, mean of 2 "
            f"interleaved runs each): training wall time in-process {overhead['trusted_s']:.1f} s, sandboxed "
            f"{overhead['local_s']:.1f} s ({overhead['overhead']:+.1%}); reward time {overhead['trusted_reward_s']:.2f} s "
            f"in-process vs {overhead['local_reward_s']:.2f} s sandboxed: the sandbox's round trips cost "
            f"{overhead['round_trip_share']:.1%} of training time (target <= 10 %)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", default=",".join(ENVS), help=f"comma-separated labels of {', '.join(ENVS)}")
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--eval-episodes", type=int, default=100)
    parser.add_argument("--overhead-budget", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results/reward_design")
    parser.add_argument("--no-overhead", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    labels = [label.strip() for label in args.envs.split(",") if label.strip()]
    unknown = [label for label in labels if label not in ENVS]
    if unknown:
        parser.error(f"unknown env labels {unknown}; known: {', '.join(ENVS)}")
    results = []
    for label in labels:
        results.append(run_env(label, args))
        print(f"{label}: done", flush=True)
    overhead = None if args.no_overhead else sandbox_overhead(args)
    text = report(results, overhead, os.getloadavg())
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(text + "\n", encoding="utf-8")
    (out / "summary.json").write_text(
        json.dumps(
            {
                "envs": {
                    r.label: {
                        "env_id": r.env_id,
                        "budget": r.budget,
                        "with_filter": r.with_filter["final"],
                        "without_filter": r.without_filter["final"],
                        "rl_runs": [r.with_filter["rl_runs"], r.without_filter["rl_runs"]],
                        "execute_rate": r.with_filter["execute_rate"],
                    }
                    for r in results
                },
                "overhead": overhead,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
