"""The base of mathgym's native (array-coded) vector envs.

:class:`ArrayVectorEnv` holds what EquationSolve's, Countdown's and SymbolicRegression's vector envs do the
same way, so each writes only its state, rules and observations:

* the autoreset modes: ``NEXT_STEP`` (Gymnasium's default: a finished sub-env restarts on the next
  ``step`` and that step's action is ignored) and ``DISABLED`` (a finished sub-env ignores its actions until
  ``reset(options={"reset_mask": mask})`` restarts it); ``SAME_STEP`` is refused;
* ``reset``'s arguments: ``seed`` as one int (sub-env ``i`` gets ``seed + i``, as
  :class:`gymnasium.vector.SyncVectorEnv` does) or one seed per sub-env, ``options["reset_mask"]``, and a
  clear error for any other option;
* one random stream per sub-env, seeded by ``reset(seed=...)`` or split off the vector env's ``np_random``
  the first time a sub-env needs one, so sub-env ``i`` draws what a single env reset with ``seed + i`` draws;
* the action check of ``step``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv


class ArrayVectorEnv(VectorEnv):
    """A Gymnasium vector env whose sub-envs live in arrays, with mathgym's autoreset, seeding and checks.

    :param num_envs: number of sub-envs.
    :param autoreset_mode: ``AutoresetMode.NEXT_STEP`` or ``AutoresetMode.DISABLED`` (or their names).
    :param extra: keyword arguments the subclass did not take: a ``reward`` is refused with the way to a
        custom reward (the native env computes its default reward in array code), anything else is a
        ``TypeError``.
    :raises ValueError: ``num_envs < 1``, ``SAME_STEP`` autoreset, or a ``reward`` argument.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        name = type(self).__name__
        if extra and "reward" in extra:
            raise ValueError(
                f"{name} computes the default reward in array code; for a custom reward "
                "use gym.make_vec(..., vectorization_mode='sync')"
            )
        if extra:
            raise TypeError(f"unexpected arguments {sorted(extra)}")
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            raise ValueError(f"{name} supports the NEXT_STEP and DISABLED autoreset modes")
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self.num_envs = num_envs
        self.render_mode = None
        self._done = np.zeros(num_envs, dtype=bool)
        self._autoreset = np.zeros(num_envs, dtype=bool)
        self._rngs: list[np.random.Generator | None] = [None] * num_envs

    def _reset_rows(
        self, seed: int | Sequence[int | None] | None, options: Mapping[str, Any] | None
    ) -> tuple[np.ndarray, list[int | None]]:
        """Check ``reset``'s arguments and seed the sub-envs it restarts.

        :param seed: ``reset``'s ``seed``.
        :param options: ``reset``'s ``options`` (only ``reset_mask`` is understood).
        :return: the indices of the sub-envs to restart, and each sub-env's seed (``None`` where not seeded).
        """
        options = dict(options or {})
        which = options.pop("reset_mask", None)
        which = np.ones(self.num_envs, dtype=bool) if which is None else np.asarray(which, dtype=bool)
        if which.shape != (self.num_envs,) or not which.any():
            raise ValueError(
                f"options['reset_mask'] must be a bool array of shape ({self.num_envs},) with a True"
            )
        if options:
            raise ValueError(
                f"unsupported reset options {sorted(options)}: pin problems with a source instead"
            )
        rows = np.flatnonzero(which)
        seeds: list[int | None] = [None] * self.num_envs
        if seed is not None:
            seeds = [seed + i for i in range(self.num_envs)] if isinstance(seed, int) else list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"expected {self.num_envs} seeds, got {len(seeds)}")
            for i in rows:
                if seeds[i] is not None:
                    self._rngs[i] = seeding.np_random(seeds[i])[0]
            self._np_random, self._np_random_seed = seeding.np_random(seeds[0])
        return rows, seeds

    def _rng(self, i: int) -> np.random.Generator:
        """Sub-env ``i``'s random stream (split off ``np_random`` on first use when it was never seeded)."""
        rng = self._rngs[i]
        if rng is None:
            rng = self._rngs[i] = np.random.default_rng(self.np_random.integers(2**63))
        return rng

    def _check_actions(self, actions: Any) -> np.ndarray:
        """``actions`` as an int array of shape ``(num_envs,)``, each inside the single action space."""
        actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)
        n = int(self.single_action_space.n)  # type: ignore[attr-defined]
        if actions.min(initial=0) < 0 or actions.max(initial=0) >= n:
            raise ValueError(f"actions must lie in [0, {n}), got {actions}")
        return actions

    def _restarting(self) -> np.ndarray:
        """The sub-envs that ``NEXT_STEP`` autoreset restarts at this step (their actions are ignored)."""
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            return np.flatnonzero(self._autoreset)
        return np.zeros(0, dtype=np.int64)
