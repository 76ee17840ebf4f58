"""Reward parts, combinators and refinements (Gao et al. 2024; Wang et al. 2024).

Parts score one step: :class:`OutcomeReward` (verifier), :class:`FormatReward`, :class:`LengthPenalty`,
:class:`StepPenalty`. Combinators build on parts: :class:`WeightedSum`, :class:`LogSigmoid`,
:class:`Conjunction`, :class:`Transform`. Refinements bound step-level rewards: :class:`Clip` online,
:class:`Delta` / :class:`ClipDelta` on finished episodes (:func:`step_rewards`,
:class:`RecordRefinedRewards`). :func:`make_reward` builds any of them from a small spec.
"""

from mathgym.rewards.base import Reward, RewardOutput, StepContext
from mathgym.rewards.combinators import Conjunction, LogSigmoid, Transform, WeightedSum, log_sigmoid
from mathgym.rewards.format import FormatReward
from mathgym.rewards.outcome import OutcomeReward
from mathgym.rewards.penalties import LengthPenalty, StepPenalty
from mathgym.rewards.refinements import (
    Clip,
    ClipDelta,
    ClipRefinement,
    Delta,
    EpisodeRefinement,
    clip_delta_rewards,
    clip_rewards,
    delta_rewards,
    make_refinement,
    step_rewards,
)
from mathgym.rewards.registry import (
    REWARDS,
    default_reward,
    default_step_reward,
    make_reward,
    register_reward,
)
from mathgym.rewards.wrappers import RecordRefinedRewards

__all__ = [
    "REWARDS",
    "Clip",
    "ClipDelta",
    "ClipRefinement",
    "Conjunction",
    "Delta",
    "EpisodeRefinement",
    "FormatReward",
    "LengthPenalty",
    "LogSigmoid",
    "OutcomeReward",
    "RecordRefinedRewards",
    "Reward",
    "RewardOutput",
    "StepContext",
    "StepPenalty",
    "Transform",
    "WeightedSum",
    "clip_delta_rewards",
    "clip_rewards",
    "default_reward",
    "default_step_reward",
    "delta_rewards",
    "log_sigmoid",
    "make_refinement",
    "make_reward",
    "register_reward",
    "step_rewards",
]
