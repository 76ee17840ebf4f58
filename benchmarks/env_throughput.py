"""Items per second: mathgym's arithmetic env (reset + step with the correct answer) against
reasoning-gym's ``basic_arithmetic`` (generate + score), in the same run.

    python benchmarks/env_throughput.py [--n 5000] [--rounds 3]

Rates are items per CPU second of this process (``time.process_time``: on a shared machine the wall clock
measures the neighbours too), measured in alternating rounds (medians kept), with the load average printed.

reasoning-gym is an anchor, not a mathgym dependency: when it is missing the script installs it into
``benchmarks/.anchors-venv`` and re-runs itself there (see ``benchmarks/_anchors.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _anchors import ensure_anchors


def mathgym_items_per_s(n: int, mode: str) -> float:
    import gymnasium as gym

    env = gym.make("mathgym/Arithmetic-v0", mode=mode)
    env.reset(seed=0)
    answer_of = lambda: f"The answer is \\boxed{{{env.unwrapped.problem.answer}}}."  # noqa: E731
    start = time.process_time()
    correct = 0
    for i in range(n):
        env.reset(seed=i if i == 0 else None)
        *_, info = env.step(answer_of())
        correct += info["verdict"]["correct"]
    elapsed = time.process_time() - start
    assert correct == n, f"reference answers judged wrong: {n - correct}"
    return n / elapsed


def reasoning_gym_items_per_s(n: int) -> float:
    import reasoning_gym

    start = time.process_time()
    dataset = reasoning_gym.create_dataset("basic_arithmetic", size=n, seed=0)
    total = 0.0
    for entry in dataset:
        total += dataset.score_answer(answer=entry["answer"], entry=entry)
    elapsed = time.process_time() - start
    assert total == n
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="items per system and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians are kept)")
    args = parser.parse_args()
    ensure_anchors(["reasoning_gym"])
    import os
    import statistics

    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    anchor, ours = [], {"single": [], "step": []}
    for _ in range(args.rounds):
        anchor.append(reasoning_gym_items_per_s(args.n))
        for mode in ours:
            ours[mode].append(mathgym_items_per_s(args.n, mode))
    base = statistics.median(anchor)
    print(f"reasoning-gym basic_arithmetic generate+score : {base:10.0f} items per CPU second")
    for mode, rates in ours.items():
        rate = statistics.median(rates)
        print(
            f"mathgym Arithmetic-v0 [{mode:6s}] reset+step   : {rate:10.0f} items per CPU second   "
            f"ratio vs reasoning-gym: {rate / base:5.2f}x (target >= 10x: {'met' if rate >= 10 * base else 'NOT met'})"
        )
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
