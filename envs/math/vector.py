"""Math text envs as one vector env: many problems per call over one shared problem source."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from mathgym.envs.math.env import MathEnv
from mathgym.rewards.base import Reward
from mathgym.sources.base import Source
from mathgym.sources.registry import make_source

if TYPE_CHECKING:
    from mathgym.curriculum import Curriculum

#: the keyword arguments of :class:`MathEnv` that configure the env itself; the others go to its source
_ENV_KEYWORDS = frozenset(
    name
    for name, p in inspect.signature(MathEnv.__init__).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("reward", "curriculum")
)


class MathVectorEnv(SyncVectorEnv):
    """
    ## Description

    ``num_envs`` :class:`~mathgym.envs.math.env.MathEnv` episodes reset and stepped with one call, for
    rollout drivers and batch evaluation that hand over many answers at once. ``gym.make_vec(id, n)``
    returns it for every text math id (generators, datasets, dynamic variants, ``Math-v0``);
    ``vectorization_mode="sync"`` still gives a plain ``SyncVectorEnv`` of ``gym.make(id)`` envs.

    Its sub-envs play the episodes ``gym.make(id)`` envs play (tested step for step). What differs:

    * the sub-envs share one :class:`~mathgym.sources.base.Source`; with ``curriculum=`` that is one curriculum
      that sees every sub-env's outcomes (``gym.make(id, curriculum=spec)`` per env builds one each);
    * each sub-env has its own reward object, because rewards keep per-episode state;
    * the sub-envs are bare ``MathEnv`` objects, without the checker wrappers ``gym.make`` puts around each;
    * the ``info`` dicts are merged into the vector layout key by key (:meth:`_batch_infos`), which also
      handles step mode, where Gymnasium's merge fails.

    The problems themselves are drawn one per sub-env, each from the sub-env's own random stream, so sub-env
    ``i`` of ``reset(seed=s)`` plays what ``gym.make(id).reset(seed=s + i)`` plays.

    Speed: the cost per item is the problem's construction and the verifier, the same as a single env's, so
    the gain over ``gym.make`` envs is small (``benchmarks/env_throughput.py`` prints it).

    ## Action Space

    ``Tuple`` of ``num_envs`` ``UnicodeText`` spaces: one response (single mode) or step (step mode) per
    sub-env; the single space is :class:`MathEnv`'s.

    ## Observation Space

    ``Tuple`` of ``num_envs`` ``UnicodeText`` spaces: each sub-env's :class:`MathEnv` observation.

    ## Rewards

    Each sub-env's :class:`MathEnv` reward, as a ``float64`` array.

    ## Starting State

    ``reset(seed=s)`` seeds sub-env ``i`` with ``s + i`` (or give one seed per sub-env);
    ``options`` go to every sub-env's reset (``options["reset_mask"]`` restarts only the masked ones).

    ## Episode End

    As :class:`MathEnv`. With ``autoreset_mode=NEXT_STEP`` (the default) a finished sub-env restarts on the
    next ``step``, whose action for it is ignored; with ``DISABLED`` restart it with ``reset_mask``.

    ## Info

    :class:`MathEnv`'s keys in Gymnasium's vector layout: ``infos[key][i]`` with the mask ``infos["_" + key]``;
    ``verdict`` is a dict of arrays masked where a sub-env has a verdict (in step mode, where one step mixes
    final and non-final sub-envs, a ``SyncVectorEnv`` of ``MathEnv`` fails on it: see :meth:`_batch_infos`).

    ## Arguments

    :param num_envs: number of sub-envs (>= 1).
    :param source: as :class:`MathEnv`: a Source or a spec; built once for all sub-envs.
    :param reward: as :class:`MathEnv`; a :class:`~mathgym.rewards.base.Reward` object is copied per sub-env.
    :param curriculum: as :class:`MathEnv`; one curriculum drives all sub-envs.
    :param autoreset_mode: ``AutoresetMode.NEXT_STEP`` (default) or ``DISABLED``.
    :param kwargs: :class:`MathEnv`'s other arguments (``mode``, ``max_steps``, ...) for every sub-env; the
        rest go to the source (``level``, ``data_dir``, ``split``, ...).
    :raises ValueError: ``num_envs < 1``, or ``SAME_STEP`` autoreset.

    ## Example

    >>> import gymnasium as gym
    >>> envs = gym.make_vec("mathgym/Arithmetic-v0", num_envs=4)
    >>> observations, infos = envs.reset(seed=0)
    >>> observations[0].splitlines()[-1]
    'Calculate 68 ÷ 17 + 60 × 40.'
    >>> _, rewards, terminated, _, infos = envs.step(["#### 2404", "#### 1", "#### 2", "#### 3"])
    >>> rewards[0], bool(terminated.all()), bool(infos["is_success"][0])
    (np.float64(1.1), True, True)
    """

    def __init__(
        self,
        num_envs: int,
        source: Source | str = "generator:Arithmetic",
        *,
        reward: Reward | str | Mapping[str, Any] | None = None,
        curriculum: Curriculum | Mapping[str, Any] | str | Path | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        **kwargs: Any,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        autoreset_mode = AutoresetMode(autoreset_mode)
        if autoreset_mode == AutoresetMode.SAME_STEP:
            raise ValueError("MathVectorEnv supports the NEXT_STEP and DISABLED autoreset modes")
        env_kwargs = {k: v for k, v in kwargs.items() if k in _ENV_KEYWORDS}
        source_kwargs = {k: v for k, v in kwargs.items() if k not in _ENV_KEYWORDS}
        shared: Source
        if curriculum is not None:
            from mathgym.curriculum import as_curriculum

            shared = as_curriculum(curriculum).as_source(**source_kwargs)
        else:
            shared = make_source(source, **source_kwargs)

        def sub_env() -> Callable[[], MathEnv]:
            own = copy.deepcopy(reward) if isinstance(reward, Reward) else reward
            return lambda: MathEnv(shared, reward=own, **env_kwargs)

        # copy=False: observations are tuples of immutable strings, built anew at every call
        super().__init__([sub_env() for _ in range(num_envs)], copy=False, autoreset_mode=autoreset_mode)
        self._env_obs: list[Any]
        self.source = shared

    # ------------------------------------------------------------------------------------- episode
    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[tuple[str, ...], dict[str, Any]]:
        """Reset every sub-env (or those in ``options["reset_mask"]``); sub-env ``i`` gets ``seed + i``."""
        seeds = (
            [None] * self.num_envs
            if seed is None
            else [seed + i for i in range(self.num_envs)]
            if isinstance(seed, int)
            else list(seed)
        )
        if len(seeds) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} seeds, got {len(seeds)}")
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        if mask is None:
            mask = np.ones(self.num_envs, dtype=np.bool_)
        elif not (isinstance(mask, np.ndarray) and mask.dtype == np.bool_ and mask.shape == (self.num_envs,)):
            raise ValueError(f"options['reset_mask'] must be a bool numpy array of shape ({self.num_envs},)")
        elif not mask.any():
            raise ValueError("options['reset_mask'] restarts no sub-env: give at least one True")
        rows = []
        for i in np.flatnonzero(mask):
            self._env_obs[i], info = self.envs[i].reset(seed=seeds[i], options=options or None)
            rows.append((int(i), info))
        self._terminations[mask] = self._truncations[mask] = self._autoreset_envs[mask] = False
        self._observations = tuple(self._env_obs)
        return self._observations, self._batch_infos(rows)

    def step(
        self, actions: Sequence[str]
    ) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One action per sub-env; with ``NEXT_STEP`` autoreset a sub-env that ended restarts instead."""
        if len(actions) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} actions, got {len(actions)}")
        rows = []
        for i, env in enumerate(self.envs):
            if self._autoreset_envs[i]:
                if self.autoreset_mode != AutoresetMode.NEXT_STEP:
                    raise RuntimeError(
                        f"sub-env {i} has ended: restart it with reset(options={{'reset_mask': mask}})"
                    )
                self._env_obs[i], info = env.reset()
                self._rewards[i], self._terminations[i], self._truncations[i] = 0.0, False, False
            else:
                obs, reward, terminated, truncated, info = env.step(actions[i])
                self._env_obs[i], self._rewards[i] = obs, reward
                self._terminations[i], self._truncations[i] = terminated, truncated
            rows.append((i, info))
        self._autoreset_envs = self._terminations | self._truncations
        self._observations = tuple(self._env_obs)
        return (
            self._observations,
            self._rewards.copy(),
            self._terminations.copy(),
            self._truncations.copy(),
            self._batch_infos(rows),
        )

    def _batch_infos(self, rows: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
        """The sub-envs' ``info`` dicts in Gymnasium's vector layout, built key by key.

        The arrays are those Gymnasium's ``VectorEnv._add_info`` builds one sub-env at a time (a bool, int or
        float key gives an array of the first value's type, anything else an object array; a dict recurses; a
        ``_key`` mask marks the sub-envs that set the key), at a fraction of its cost. One difference: ``None``
        for a key that other sub-envs fill with a dict means "not set here" (step mode's ``verdict`` before the
        final answer), where Gymnasium's merge fails.
        """
        out: dict[str, Any] = {}
        for key in dict.fromkeys(k for _, info in rows for k in info):
            present = [(i, info[key]) for i, info in rows if key in info]
            nested = [(i, v) for i, v in present if isinstance(v, dict)]
            if nested:
                present = nested
                out[key] = self._batch_infos(nested)
            else:
                first = present[0][1]
                array: np.ndarray
                if type(first) in (int, float, bool) or isinstance(first, np.number):
                    array = np.zeros(self.num_envs, dtype=type(first))
                elif isinstance(first, np.ndarray):
                    array = np.zeros((self.num_envs, *first.shape), dtype=first.dtype)
                else:
                    array = np.full(self.num_envs, None, dtype=object)
                for i, value in present:
                    array[i] = value
                out[key] = array
            mask = np.zeros(self.num_envs, dtype=np.bool_)
            mask[[i for i, _ in present]] = True
            out[f"_{key}"] = mask
        return out
