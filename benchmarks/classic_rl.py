"""Classic-RL throughput: mathgym's symbolic envs against CartPole-v1, in the same run.

    python benchmarks/classic_rl.py [--seconds 3] [--ppo-steps 8192]

Measures, on this machine and in one process:

1. raw env steps/s with random actions — a single env (``gym.make``) and an 8-env ``SyncVectorEnv`` — for
   ``mathgym/EquationSolve-v0``, ``mathgym/SymbolicRegression-Nguyen1-v0`` and ``CartPole-v1``. The masked
   envs take random *valid* actions (``action_space.sample(mask=...)``): invalid ones are cheap no-ops and
   would flatter the env;
2. stable-baselines3 PPO training steps/s (identical hyper-parameters: 8 envs, n_steps 128, batch 256,
   4 epochs, MLP 128x128, one torch thread) on EquationSolve and CartPole (plus MaskablePPO on
   EquationSolve for reference);

and prints the ratios against CartPole with the issue's targets (raw >= 0.5x, PPO >= 0.8x).
"""
from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

ENVS = ("mathgym/EquationSolve-v0", "mathgym/SymbolicRegression-Nguyen1-v0", "CartPole-v1")


def _masked_sample(space: gym.spaces.Discrete, info: dict, index: int | None = None) -> int:
    mask = info.get("action_mask")
    if mask is None:
        return int(space.sample())
    mask = mask[index] if index is not None else mask
    return int(space.sample(mask=np.asarray(mask, dtype=np.int8)))


def raw_single(env_id: str, seconds: float) -> float:
    env = gym.make(env_id)
    env.action_space.seed(0)
    obs, info = env.reset(seed=0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            obs, _, terminated, truncated, info = env.step(_masked_sample(env.action_space, info))
            if terminated or truncated:
                obs, info = env.reset()
        steps += 100
    return steps / (time.perf_counter() - start)


def raw_vector(env_id: str, seconds: float, n_envs: int = 8) -> float:
    envs = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="sync")
    space = envs.single_action_space
    space.seed(0)
    obs, info = envs.reset(seed=0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            actions = np.array([_masked_sample(space, info, i) for i in range(n_envs)])
            obs, _, _, _, info = envs.step(actions)  # autoreset: a finished env resets on its next step
        steps += 20 * n_envs
    envs.close()
    return steps / (time.perf_counter() - start)


def ppo_steps_per_s(env_id: str, steps: int, algo: str = "ppo") -> float:
    import tempfile

    from mathgym.agents.sb3_train import train

    with tempfile.TemporaryDirectory() as out:
        result = train(env_id=env_id, algo=algo, steps=steps, seed=0, n_envs=8, out_dir=out, eval_freq=0,
                       checkpoint_freq=0, progress_bar=False, tensorboard=False)
    return result.timesteps / result.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each raw-throughput measurement")
    parser.add_argument("--ppo-steps", type=int, default=8192, help="PPO training steps per env")
    args = parser.parse_args()

    raw = {env_id: (raw_single(env_id, args.seconds), raw_vector(env_id, args.seconds)) for env_id in ENVS}
    print("raw env steps/s with random (valid) actions")
    print(f"{'env':42s} {'single':>10s} {'8-env sync':>11s} {'ratio single':>13s} {'ratio 8-env':>12s}")
    cart = raw["CartPole-v1"]
    for env_id, (single, vector) in raw.items():
        print(f"{env_id:42s} {single:10.0f} {vector:11.0f} {single / cart[0]:13.3f} {vector / cart[1]:12.3f}")

    ppo = {env_id: ppo_steps_per_s(env_id, args.ppo_steps) for env_id in ("mathgym/EquationSolve-v0", "CartPole-v1")}
    masked = ppo_steps_per_s("mathgym/EquationSolve-v0", args.ppo_steps, algo="maskable_ppo")
    print("\nstable-baselines3 training steps/s (8 envs, 1 torch thread, identical PPO hyper-parameters)")
    for env_id, value in ppo.items():
        print(f"PPO         {env_id:36s} {value:8.0f}  ratio {value / ppo['CartPole-v1']:.3f}")
    print(f"MaskablePPO {'mathgym/EquationSolve-v0':36s} {masked:8.0f}  ratio {masked / ppo['CartPole-v1']:.3f}")

    eq_raw = raw["mathgym/EquationSolve-v0"][0] / cart[0]
    eq_ppo = ppo["mathgym/EquationSolve-v0"] / ppo["CartPole-v1"]
    print("\nratios against CartPole-v1 (issue targets in brackets)")
    print(f"EquationSolve raw single-env steps/s : {eq_raw:.3f}x  (>= 0.5x: {'met' if eq_raw >= 0.5 else 'NOT met'})")
    print(f"EquationSolve PPO training steps/s   : {eq_ppo:.3f}x  (>= 0.8x: {'met' if eq_ppo >= 0.8 else 'NOT met'})")


if __name__ == "__main__":
    main()
