"""Classic-RL throughput: mathgym's array-coded envs against CartPole-v1, in the same run.

    python benchmarks/classic_rl.py [--seconds 3] [--n-envs 1024] [--ppo-steps 16384] [--rounds 2]

Measures, in one process and side by side:

1. raw steps/s of a single env (``gym.make``, with Gymnasium's default wrappers) and of the native N-env
vector
   env (``gym.make_vec(..., vectorization_mode="vector_entry_point")``; CartPole's is Gymnasium's
   ``CartPoleVectorEnv``), for ``mathgym/EquationSolve-v0``, ``mathgym/SymbolicRegression-Nguyen1-v0``,
   ``mathgym/Countdown-v0`` and ``CartPole-v1``. Every env takes uniformly random *valid* actions drawn the
   same cheap way (one random key per action, the largest valid key wins; CartPole has no mask): invalid
   actions are cheap no-ops and would flatter the masked envs, and Gymnasium's ``sample(mask=...)`` costs more
   than a step;
2. stable-baselines3 training steps/s of PPO (and MaskablePPO) on EquationSolve next to PPO on CartPole with
   identical hyper-parameters (8 envs, n_steps 128, batch 256, 4 epochs, MLP 128x128, one torch thread), each
   through ``mathgym.agents.sb3_train``; and PPO on a free env with EquationSolve's spaces (960 observation
   floats, 256 actions), the ceiling the policy network sets.

Rates are given per CPU second of this process (``time.process_time``, the figure that does not depend on what
else the machine runs) and per wall second; measurements alternate between the envs for ``--rounds`` rounds so
that a change of load hits all of them. Ratios use CPU rates. Targets (issue 15): single env >= 0.5x CartPole;
vector env >= 20x its own single env per core; PPO >= 0.8x CartPole's training rate.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import gymnasium as gym
import numpy as np

ENVS = (
    "mathgym/EquationSolve-v0",
    "mathgym/SymbolicRegression-Nguyen1-v0",
    "mathgym/Countdown-v0",
    "CartPole-v1",
)
CARTPOLE = "CartPole-v1"


def _pick(mask: np.ndarray | None, rng: np.random.Generator, n_actions: int) -> int:
    if mask is None:
        return int(rng.integers(n_actions))
    keys = rng.random(mask.shape[-1]) * mask
    return int(keys.argmax())


def raw_single(env_id: str, seconds: float) -> tuple[float, float]:
    """``(steps per CPU second, steps per wall second)`` of one env with random valid actions.

    :param env_id: the env.
    :param seconds: wall time to measure.
    """
    env = gym.make(env_id)
    rng = np.random.default_rng(0)
    n_actions = env.action_space.n
    _, info = env.reset(seed=0)
    steps, wall, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        for _ in range(100):
            _, _, terminated, truncated, info = env.step(_pick(info.get("action_mask"), rng, n_actions))
            if terminated or truncated:
                _, info = env.reset()
        steps += 100
    return steps / (time.process_time() - cpu), steps / (time.perf_counter() - wall)


def raw_vector(env_id: str, seconds: float, n_envs: int) -> tuple[float, float]:
    """``(steps per CPU second, steps per wall second)`` of the native ``n_envs`` vector env (sub-env steps).

    :param env_id: the env.
    :param seconds: wall time to measure.
    :param n_envs: sub-envs.
    """
    envs = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point")
    rng = np.random.default_rng(0)
    n_actions = envs.single_action_space.n
    _, info = envs.reset(seed=0)
    steps, wall, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        mask = info.get("action_mask")
        if mask is None:
            actions = rng.integers(n_actions, size=n_envs)
        else:  # a uniformly random valid action per sub-env (autoreset steps ignore theirs)
            actions = (rng.random(mask.shape) * mask).argmax(1)
        _, _, _, _, info = envs.step(actions)
        steps += n_envs
    envs.close()
    return steps / (time.process_time() - cpu), steps / (time.perf_counter() - wall)


def ppo_steps_per_s(env_id: str, steps: int, algo: str = "ppo") -> tuple[float, float]:
    """``(training steps per CPU second, per wall second)`` of ``mathgym.agents.sb3_train.train``.

    :param env_id: the env.
    :param steps: training steps.
    :param algo: ``ppo`` or ``maskable_ppo``.
    """
    from mathgym.agents.sb3_train import train

    with tempfile.TemporaryDirectory() as out:
        cpu = time.process_time()
        result = train(
            env_id=env_id,
            algo=algo,
            steps=steps,
            seed=0,
            n_envs=8,
            out_dir=out,
            eval_freq=0,
            checkpoint_freq=0,
            progress_bar=False,
            tensorboard=False,
        )
        cpu = time.process_time() - cpu
    # train() also builds the model and saves it: charge that CPU to the run, as the wall time of learn() is
    return result.timesteps / cpu, result.timesteps / result.seconds


class NullEquationSpaces(gym.Env):
    """EquationSolve's spaces (a 960-float observation, 256 actions) at no cost: 20-step episodes of zeros.

    PPO's rate on it is the ceiling that the policy network alone sets for EquationSolve, whatever the env
    costs.
    """

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (960,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(256)
        self._obs = np.zeros(960, dtype=np.float32)
        self._t = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self._t = 0
        return self._obs.copy(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        self._t += 1
        return self._obs.copy(), 0.0, False, self._t >= 20, {}


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _median(values: list[tuple[float, float]]) -> tuple[float, float]:
    return float(np.median([v[0] for v in values])), float(np.median([v[1] for v in values]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="duration of each raw-throughput measurement"
    )
    parser.add_argument("--n-envs", type=int, default=1024, help="sub-envs of the native vector envs")
    parser.add_argument("--ppo-steps", type=int, default=16_384, help="PPO training steps per run")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating measurement rounds (medians are kept)"
    )
    parser.add_argument("--skip-ppo", action="store_true", help="measure raw throughput only")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"load average at start: {_load()}")
    single: dict[str, list] = {env_id: [] for env_id in ENVS}
    vector: dict[str, list] = {env_id: [] for env_id in ENVS}
    for _ in range(args.rounds):
        for env_id in ENVS:
            single[env_id].append(raw_single(env_id, args.seconds))
            vector[env_id].append(raw_vector(env_id, args.seconds, args.n_envs))
    single_rate = {k: _median(v) for k, v in single.items()}
    vector_rate = {k: _median(v) for k, v in vector.items()}
    cart, cart_vector = single_rate[CARTPOLE][0], vector_rate[CARTPOLE][0]
    print(
        f"\nraw env steps/s with random valid actions (CPU seconds of this process; wall in brackets); "
        f"load {_load()}"
    )
    print(
        f"{'env':40s} {'single':>16s} {f'{args.n_envs}-env vector':>20s} {'single/CartPole':>16s} "
        f"{'vector/single':>14s} {'vector/CartPole vec':>20s}"
    )
    for env_id in ENVS:
        (s_cpu, s_wall), (v_cpu, v_wall) = single_rate[env_id], vector_rate[env_id]
        print(
            f"{env_id:40s} {s_cpu:8.0f} [{s_wall:6.0f}] {v_cpu:11.0f} [{v_wall:7.0f}] {s_cpu / cart:16.3f} "
            f"{v_cpu / s_cpu:14.1f} {v_cpu / cart_vector:20.3f}"
        )

    if not args.skip_ppo:
        gym.register("bench/NullEquationSpaces-v0", entry_point=NullEquationSpaces)
        runs = {
            "PPO EquationSolve": [],
            "PPO CartPole": [],
            "MaskablePPO EquationSolve": [],
            "PPO null env, EquationSolve's spaces": [],
        }
        for _ in range(max(1, args.rounds - 1)):
            runs["PPO EquationSolve"].append(ppo_steps_per_s("mathgym/EquationSolve-v0", args.ppo_steps))
            runs["PPO CartPole"].append(ppo_steps_per_s(CARTPOLE, args.ppo_steps))
            runs["PPO null env, EquationSolve's spaces"].append(
                ppo_steps_per_s("bench/NullEquationSpaces-v0", args.ppo_steps)
            )
            runs["MaskablePPO EquationSolve"].append(
                ppo_steps_per_s("mathgym/EquationSolve-v0", args.ppo_steps, "maskable_ppo")
            )
        rates = {k: _median(v) for k, v in runs.items()}
        base = rates["PPO CartPole"][0]
        print(
            f"\nstable-baselines3 training steps/s (8 envs, 1 torch thread, identical hyper-parameters; "
            f"CPU [wall]); load {_load()}"
        )
        for name, (cpu, wall) in rates.items():
            print(f"{name:38s} {cpu:8.0f} [{wall:6.0f}]  ratio vs PPO CartPole {cpu / base:.3f}")
        eq_ppo = rates["PPO EquationSolve"][0] / base

    print("\nagainst the issue's targets (CPU-time ratios)")
    for env_id in ENVS[:-1]:
        s_cpu, v_cpu = single_rate[env_id][0], vector_rate[env_id][0]
        single_met = "met" if s_cpu / cart >= 0.5 else "NOT met"
        vector_met = "met" if v_cpu / s_cpu >= 20 else "NOT met"
        print(
            f"{env_id:40s} single {s_cpu / cart:6.3f}x CartPole (>= 0.5: {single_met})"
            f"   vector {v_cpu / s_cpu:5.1f}x single (>= 20: {vector_met})"
        )
    if not args.skip_ppo:
        ceiling = rates["PPO null env, EquationSolve's spaces"][0] / base
        ppo_met = "met" if eq_ppo >= 0.8 else "NOT met"
        print(
            f"EquationSolve PPO training: {eq_ppo:.3f}x CartPole (>= 0.8: {ppo_met}); "
            f"a free env with its spaces would reach {ceiling:.3f}x (the policy network's own cost)"
        )
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
