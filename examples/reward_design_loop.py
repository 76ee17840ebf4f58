"""Example: the reward-design loop (Eureka's) on Countdown, from Python.

    python examples/reward_design_loop.py [--iterations 3] [--samples 8] [--budget 20000] [--fast]

A proposer writes ``compute_reward(prev, action, state, info)`` functions against the env's documented
reward view; a critic and a pre-filter run them in the sandbox before any training; PPO trains on the
survivors; fitness is the env's own success rate, never the candidate's reward. ``evolve`` is the offline
proposer (no model needed); ``vllm:PATH``, ``hf:PATH`` or ``openai:URL#MODEL`` make an LLM write the code.
``mathgym design-reward`` is the same loop on the command line, ``mathgym report OUT`` its report.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposer", default="evolve")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--budget", type=int, default=20_000, help="environment steps per training run")
    parser.add_argument("--out", type=Path, default=Path("results/examples/reward_design"))
    parser.add_argument("--fast", action="store_true", help="one small round (what the test runs)")
    args = parser.parse_args()

    from mathgym.reward_design import design_reward

    small = (
        {"iterations": 1, "samples": 2, "seeds": 1, "budget": 1024, "eval_episodes": 10, "pool_episodes": 8}
        if args.fast
        else {"iterations": args.iterations, "samples": args.samples, "seeds": 3, "budget": args.budget}
    )
    result = design_reward(
        env_id="mathgym/Countdown-v0", proposer=args.proposer, out=str(args.out), progress=False, **small
    )
    summary = result.summary
    print(
        f"{summary['candidates']} candidates, {summary['rl_runs']} trained, "
        f"{summary['filtered']} stopped by the "
        "pre-filter"
    )
    best = summary.get("best")
    if best:
        print(f"best reward (fitness {best['fitness']:.3f}):\n{(result.out / best['code_path']).read_text()}")
    for name, entry in (summary.get("final") or {}).items():
        if isinstance(entry, dict) and "iqm" in entry:
            print(f"{name:>7}: success IQM {entry['iqm']:.3f} over {entry['seeds']} seeds")
    print(f"report: {result.out / 'report.md'} (rerun with the same --out to resume)")


if __name__ == "__main__":
    main()
