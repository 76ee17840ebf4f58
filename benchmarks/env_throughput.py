"""Items per second: mathgym's arithmetic env (reset + step with the correct answer) against
reasoning-gym's ``basic_arithmetic`` (generate + score), in the same run.

    python benchmarks/env_throughput.py [--n 5000] [--rounds 3]

``single`` and ``step`` are ``gym.make`` envs in each mode; ``vector`` is the batched path, ``gym.make_vec``
(:class:`~mathgym.envs.math.vector.MathVectorEnv`, 64 sub-envs), one call per 64 items.

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


def mathgym_vector_items_per_s(n: int, num_envs: int = 64) -> float:
    """The batched path: ``gym.make_vec`` (MathVectorEnv), one reset and one step call per ``num_envs`` items."""
    import gymnasium as gym
    from gymnasium.vector import AutoresetMode

    envs = gym.make_vec("mathgym/Arithmetic-v0", num_envs=num_envs, autoreset_mode=AutoresetMode.DISABLED)
    envs.reset(seed=0)
    start = time.process_time()
    correct = 0
    for _ in range(n // num_envs):
        answers = [f"The answer is \\boxed{{{env.problem.answer}}}." for env in envs.envs]
        *_, infos = envs.step(answers)
        correct += int(infos["is_success"].sum())
        envs.reset()
    elapsed = time.process_time() - start
    items = (n // num_envs) * num_envs
    assert correct == items, f"reference answers judged wrong: {items - correct}"
    return items / elapsed


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
    anchor, ours = [], {"single": [], "step": [], "vector": []}
    for _ in range(args.rounds):
        anchor.append(reasoning_gym_items_per_s(args.n))
        for mode in ours:
            ours[mode].append(
                mathgym_vector_items_per_s(args.n) if mode == "vector" else mathgym_items_per_s(args.n, mode)
            )
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
