"""Clip and Delta refinements of step-level rewards (Gao et al. 2024).

Raw per-step process scores ``r_k ∈ [0, 1]`` let a policy raise its return by padding a solution with
correct but useless steps. Both refinements bound the summed dense reward independently of length:

* **Clip** ``r̃_k = min(r_k − η, 0)``: every dense reward is ≤ 0, so extra steps never pay.
* **Delta** ``r̃_k = r_k − r_{k+1}`` (``r̃_K = r_K``): the sum telescopes to ``r_1``, and the return
  from step ``k`` is ``r_k``.
* **Clip + Delta**: Delta applied to the clipped scores.

The full per-step reward is ``R_k = α·r̃_k`` plus ``r_succ`` at the last step (:func:`step_rewards`).

How they are applied:

* Clip needs only the current score, so it also exists as an online reward, :class:`Clip`, that an
  env can emit step by step.
* Delta needs the *next* step's score, which does not exist when step ``k`` is taken, so no env can emit
  it online. It is applied to a finished episode's list of scores, before returns or advantages are
  computed: rollout drivers and trainers call :func:`delta_rewards` / :func:`step_rewards` (or an
  :class:`EpisodeRefinement` object) on the recorded per-step scores. Gymnasium users wrap the env in
  :class:`mathgym.rewards.wrappers.RecordRefinedRewards`, which leaves the rewards ``step`` returns
  untouched (like ``RecordEpisodeStatistics``) and adds the refined list to the final step's ``info``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mathgym.registry import Registry
from mathgym.rewards.base import Reward
from mathgym.rewards.combinators import Transform


# ---------------------------------------------------------------------------------- trajectory level
def clip_rewards(scores: Sequence[float], eta: float) -> list[float]:
    """``[min(r_k − η, 0) for each k]``."""
    return [min(float(r) - eta, 0.0) for r in scores]


def delta_rewards(scores: Sequence[float]) -> list[float]:
    """``[r_1 − r_2, r_2 − r_3, …, r_{K−1} − r_K, r_K]``; empty for an empty episode."""
    values = [float(r) for r in scores]
    return [values[k] - values[k + 1] for k in range(len(values) - 1)] + values[-1:]


def clip_delta_rewards(scores: Sequence[float], eta: float) -> list[float]:
    """Delta of the clipped scores (the combination the paper found best)."""
    return delta_rewards(clip_rewards(scores, eta))


class EpisodeRefinement:
    """A map from an episode's per-step scores to its refined dense rewards (identity here).

    Subclasses override :meth:`refine`; :meth:`step_rewards` adds the weight ``α`` and the success reward.
    """

    name = "none"

    def refine(self, scores: Sequence[float]) -> list[float]:
        return [float(r) for r in scores]

    def __call__(self, scores: Sequence[float]) -> list[float]:
        return self.refine(scores)

    def step_rewards(self, scores: Sequence[float], success: float = 0.0, alpha: float = 1.0) -> list[float]:
        """``R_k = α·r̃_k`` for every step, plus ``success`` at the last one."""
        rewards = [alpha * r for r in self.refine(scores)]
        if not rewards:
            raise ValueError("an episode has at least one step; got no scores")
        rewards[-1] += float(success)
        return rewards

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ClipRefinement(EpisodeRefinement):
    """Clip over a whole episode (the same numbers as the online :class:`Clip`)."""

    name = "clip"

    def __init__(self, eta: float) -> None:
        self.eta = float(eta)

    def refine(self, scores: Sequence[float]) -> list[float]:
        return clip_rewards(scores, self.eta)

    def __repr__(self) -> str:
        return f"ClipRefinement(eta={self.eta})"


class Delta(EpisodeRefinement):
    """``r̃_k = r_k − r_{k+1}``, the last step keeps ``r_K``; applied to finished episodes only."""

    name = "delta"

    def refine(self, scores: Sequence[float]) -> list[float]:
        return delta_rewards(scores)


class ClipDelta(EpisodeRefinement):
    """Clip with threshold ``eta``, then Delta; applied to finished episodes only."""

    name = "clip_delta"

    def __init__(self, eta: float) -> None:
        self.eta = float(eta)

    def refine(self, scores: Sequence[float]) -> list[float]:
        return clip_delta_rewards(scores, self.eta)

    def __repr__(self) -> str:
        return f"ClipDelta(eta={self.eta})"


#: refinement name -> class (the clip kinds take the threshold ``eta``)
REFINEMENTS: Registry[Callable[..., EpisodeRefinement]] = Registry(
    "refinement",
    entries={"none": EpisodeRefinement, "clip": ClipRefinement, "delta": Delta, "clip_delta": ClipDelta},
)


def make_refinement(kind: str | EpisodeRefinement | None, eta: float | None = None) -> EpisodeRefinement:
    """``"none"`` / ``"clip"`` / ``"delta"`` / ``"clip_delta"`` (the clip kinds need ``eta``)."""
    if isinstance(kind, EpisodeRefinement):
        return kind
    kind = kind or "none"
    refinement = REFINEMENTS[kind]
    if kind in ("clip", "clip_delta"):
        if eta is None:
            raise ValueError(f"the {kind!r} refinement needs a threshold eta (Gao et al.), e.g. eta=0.85")
        return refinement(eta)
    return refinement()


def step_rewards(
    scores: Sequence[float],
    success: float = 0.0,
    *,
    alpha: float = 1.0,
    refinement: str | EpisodeRefinement | None = "none",
    eta: float | None = None,
) -> list[float]:
    """Full per-step rewards of one episode: ``R_k = α·r̃_k``, and ``R_K = α·r̃_K + r_succ``.

    :param scores: the episode's per-step process scores ``r_1..r_K``.
    :param success: the sparse success reward ``r_succ`` given at the last step.
    :param alpha: weight of the dense reward.
    :param refinement: ``"none"``, ``"clip"``, ``"delta"``, ``"clip_delta"`` or an :class:`EpisodeRefinement`.
    :param eta: the Clip threshold, for the clip kinds.
    """
    return make_refinement(refinement, eta).step_rewards(scores, success, alpha)


# ---------------------------------------------------------------------------------------- online
class Clip(Transform):
    """Online Clip of one part's per-step score: ``min(r − η, 0)`` (Gao et al. 2024).

    Summed over any episode it is ≤ 0, so padding a solution with steps the part scores highly earns
    nothing. A part that scores final steps only is passed through as 0 on earlier steps.

    :param part: the per-step score ``r_k`` (typically a process reward model's).
    :param eta: the threshold ``η``.
    :param name: component name (default ``clip_<part name>``).
    """

    def __init__(self, part: Reward, eta: float, *, name: str | None = None) -> None:
        self.eta = float(eta)
        super().__init__(part, self._clip, name or f"clip_{part.name}")

    def _clip(self, value: float) -> float:
        return min(value - self.eta, 0.0)

    def __repr__(self) -> str:
        return f"Clip({self.part!r}, eta={self.eta}, name={self.name!r})"


__all__ = [
    "Clip",
    "ClipDelta",
    "ClipRefinement",
    "Delta",
    "EpisodeRefinement",
    "clip_delta_rewards",
    "clip_rewards",
    "delta_rewards",
    "make_refinement",
    "step_rewards",
]
