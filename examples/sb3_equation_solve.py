"""Example: stable-baselines3 (sb3-contrib's MaskablePPO) on EquationSolve, with the plain SB3 API.

    python examples/sb3_equation_solve.py [--steps 20000] [--fast]

EquationSolve has numeric spaces (``Box`` observations, a masked ``Discrete`` action over rule x node) and an
``action_masks()`` method, so SB3 trains it unchanged. Text envs (``UnicodeText`` spaces) do not fit SB3's
policies; train them with GRPO (``mathgym.agents.grpo``, TRL) instead. ``mathgym train`` wraps the same calls
with checkpoints, held-out evaluations and logs; ``mathgym demo`` adds several seeds and the statistics.
"""

from __future__ import annotations

import argparse

import gymnasium as gym


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--fast", action="store_true", help="a short run (what the test runs)")
    args = parser.parse_args()
    steps = 1024 if args.fast else args.steps

    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)  # small MLPs: more threads only add overhead on a CPU
    venv = make_vec_env("mathgym/EquationSolve-Easy-v0", n_envs=4, seed=0)
    model = MaskablePPO(
        "MlpPolicy", venv, n_steps=128, batch_size=256, learning_rate=3e-4, ent_coef=0.01, seed=0
    )
    model.learn(total_timesteps=steps)

    env = gym.make("mathgym/EquationSolve-Easy-v0")
    solved = 0
    obs, info = env.reset(seed=12345)
    episodes = 5 if args.fast else 50
    for _ in range(episodes):
        done = False
        while not done:
            action, _ = model.predict(obs, deterministic=True, action_masks=env.unwrapped.action_masks())
            obs, reward, terminated, truncated, info = env.step(int(action))
            done = terminated or truncated
        solved += bool(info["is_success"])
        obs, info = env.reset()
    print(f"MaskablePPO after {model.num_timesteps:,} steps: solved {solved}/{episodes} new equations")


if __name__ == "__main__":
    main()
