"""Record reference trajectories of the classic envs for the equivalence tests (run once, by hand).

    python tests/classic/record_trajectories.py

Issue 15 replaced the sympy-tree EquationSolve and the list-based Countdown and SymbolicRegression envs by
array implementations. Before the originals were deleted, this script played them with seeded random actions
(valid ones, and now and then an invalid one) and stored, per step, the action, hashes of the observation,
mask and reward view, the reward, the flags and the info that matters. ``test_classic_equivalence.py`` replays
the actions in today's envs and requires the same values, so the old implementations stay the reference
without being kept. The recorder reads the envs through ``ENVS`` below (entry points as they were then).
"""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"


def digest(value) -> str:
    """A short stable hash of an array (its bytes) or of JSON-able data."""
    if isinstance(value, np.ndarray):
        raw = value.tobytes() + str(value.dtype).encode() + str(value.shape).encode()
    else:
        raw = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha1(raw).hexdigest()[:16]


def play(make, configs, episodes: int, seed: int, keys: tuple[str, ...]) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for config in configs:
        env = make(**config)
        for episode in range(episodes):
            obs, info = env.reset(seed=seed + episode if episode == 0 else None)
            record = {"config": config, "reset_seed": seed if episode == 0 else None, "reset": {
                "obs": digest(obs), "mask": digest(np.asarray(info["action_mask"])),
                "view": digest(env.reward_view()), "problem_id": info.get("problem_id")}, "steps": []}
            done = False
            while not done:
                mask = np.asarray(info["action_mask"])
                if mask.any() and rng.random() > 0.1:
                    action = int(rng.choice(np.flatnonzero(mask)))
                else:
                    action = int(rng.integers(mask.size))
                action_view = env.reward_view_action(action)
                obs, reward, terminated, truncated, info = env.step(action)
                step = {"action": action, "obs": digest(obs), "mask": digest(np.asarray(info["action_mask"])),
                        "reward": float(reward), "terminated": bool(terminated), "truncated": bool(truncated),
                        "view": digest(env.reward_view()), "action_view": digest(action_view),
                        "info": {k: info[k] for k in keys if k in info}}
                record["steps"].append(step)
                done = terminated or truncated
            out.append(record)
    return out


def main() -> None:
    from mathgym.envs.countdown_env import CountdownEnv
    from mathgym.envs.equation_solve_env import EquationSolveEnv
    from mathgym.envs.symbolic_regression_env import SymbolicRegressionEnv

    def equation(**config):
        return EquationSolveEnv(**config)

    tables = {
        "equation_solve": play(equation, [{"levels": [0, 1, 2]}, {"levels": [3, 4], "complexity_weight": 0.05},
                                          {"levels": [0], "max_moves": 8}], 60, 11,
                               ("rule", "node", "valid", "reward_components", "equation", "is_success", "verdict",
                                "moves", "level")),
        "countdown": play(lambda **c: CountdownEnv(**c), [{"n_numbers": 4}, {"n_numbers": 6, "seed": 3}], 150, 5,
                          ("valid", "reward_components", "is_success", "verdict", "target", "numbers")),
        "symbolic_regression": play(lambda **c: SymbolicRegressionEnv(**c),
                                    [{"benchmark": "Nguyen-1"}, {"benchmark": "Nguyen-7", "max_length": 24},
                                     {"benchmark": "Nguyen-10", "max_length": 16, "constants": True}], 40, 7,
                                    ("invalid_action", "nrmse", "nmse_test", "success", "expression", "tokens")),
    }
    for name, table in tables.items():
        with gzip.open(DATA / f"{name}_trajectories.json.gz", "wt") as handle:
            json.dump(table, handle, separators=(",", ":"), default=str)
        print(name, len(table), "episodes", sum(len(r["steps"]) for r in table), "steps")


if __name__ == "__main__":
    main()
