"""stable-baselines3's ``VecEnv`` over a native Gymnasium vector env (mathgym's array-coded classic envs).

SB3 resets a finished sub-env inside the step that finished it (the step returns the new episode's first
observation and keeps the last one in ``info["terminal_observation"]``), while Gymnasium 1.x vector envs reset
on the *next* step. :class:`GymnasiumVecEnv` drives a vector env created with ``autoreset_mode=DISABLED`` and
resets finished sub-envs itself with ``reset(options={"reset_mask": done})``, which gives SB3's semantics
without a second pass over the sub-envs. ``env_method("action_masks")`` serves sb3-contrib's ``MaskablePPO``.

Example::

    from sb3_contrib import MaskablePPO
    from mathgym.agents.sb3_vector import make_sb3_vector_env

    venv = make_sb3_vector_env("mathgym/EquationSolve-v0", n_envs=64, seed=0)
    MaskablePPO("MlpPolicy", venv).learn(100_000)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn


def has_vector_entry_point(env_id: str) -> bool:
    """Whether a registered id has a native vector env (``gym.make_vec(..., "vector_entry_point")``).

    :param env_id: a registered Gymnasium id.
    """
    spec = gym.spec(env_id)
    return spec.vector_entry_point is not None


def make_sb3_vector_env(
    env_id: str, n_envs: int, seed: int | None = None, **env_kwargs: Any
) -> GymnasiumVecEnv:
    """SB3 ``VecEnv`` of ``n_envs`` sub-envs of an id's native vector env.

    :param env_id: a registered id with a vector entry point (see :func:`has_vector_entry_point`).
    :param n_envs: number of sub-envs.
    :param seed: seeds sub-env ``i`` with ``seed + i`` at the first reset (SB3's convention).
    :param env_kwargs: keyword arguments of the env.
    """
    venv = gym.make_vec(
        env_id,
        num_envs=n_envs,
        vectorization_mode="vector_entry_point",
        autoreset_mode=AutoresetMode.DISABLED,
        **env_kwargs,
    )
    out = GymnasiumVecEnv(venv)
    if seed is not None:
        out.seed(seed)
    return out


class GymnasiumVecEnv(VecEnv):
    """An SB3 ``VecEnv`` that steps a Gymnasium vector env created with ``autoreset_mode=DISABLED``.

    :param venv: the vector env.
    """

    def __init__(self, venv: gym.vector.VectorEnv) -> None:
        mode = venv.metadata.get("autoreset_mode")
        if mode != AutoresetMode.DISABLED:
            raise ValueError(f"GymnasiumVecEnv needs a vector env with autoreset_mode=DISABLED, got {mode}")
        self.venv = venv
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        self._actions: np.ndarray | None = None

    def reset(self) -> np.ndarray:
        seeds = self._seeds
        seed = seeds if any(s is not None for s in seeds) else None
        obs, _ = self.venv.reset(seed=seed)  # type: ignore[arg-type]
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        done = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if done.any():
            success = info.get("is_success")
            has_success = info.get("_is_success")
            for i in np.flatnonzero(done):
                infos[i]["terminal_observation"] = obs[i].copy()
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                if success is not None and has_success[i]:  # type: ignore[index]
                    infos[i]["is_success"] = bool(success[i])
            fresh, _ = self.venv.reset(options={"reset_mask": done})
            obs = np.where(done.reshape((-1,) + (1,) * (obs.ndim - 1)), fresh, obs)
        return obs, rewards.astype(np.float32), done, infos

    def close(self) -> None:
        self.venv.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.venv, attr_name)  # AttributeError when missing, as SB3 expects
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.venv, attr_name, value)

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **method_kwargs: Any
    ) -> list[Any]:
        selected = list(self._get_indices(indices))
        if method_name == "action_masks":  # one batched call serves every sub-env
            masks = self.venv.action_masks()  # type: ignore[attr-defined]
            return [masks[i] for i in selected]
        result = getattr(self.venv, method_name)(*method_args, **method_kwargs)
        return [result for _ in selected]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None for _ in range(self.num_envs)]

    def _get_indices(self, indices: VecEnvIndices) -> Iterable[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int):
            return [indices]
        return indices
