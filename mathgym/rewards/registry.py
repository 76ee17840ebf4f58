"""Build rewards from small specs, so envs, config files and the CLI can name them.

A spec is one of:

* a reward name: ``"outcome"``, ``"format"``, ``"step_penalty"``, ``"default"``, ...;
* ``{name: kwargs}``: ``{"outcome": {"correct": 1, "incorrect": -1}}``;
* ``{combinator: parts}``, whose parts are specs again:
  ``{"weighted_sum": [["outcome", 1.0], ["format", 0.1], ["step_penalty", 1.0]]}``,
  ``{"conjunction": [["rm_helpful", 0.2], ["rm_harmless", 0.5]]}`` (``[spec, reference]`` pairs),
  ``{"log_sigmoid": {"part": "outcome", "reference": 0.5}}``, ``{"clip": {"part": "prm", "eta": 0.85}}``;
* ``"package.module:ClassOrFactory"`` (optionally as a key with kwargs) for rewards defined elsewhere;
* a JSON string of any of the above (for the command line), or a :class:`Reward`, returned as is.

New parts register with :func:`register_reward` (``register_reward("prm", PRMReward)``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mathgym.registry import Registry, import_object
from mathgym.rewards.base import Reward
from mathgym.rewards.combinators import Conjunction, LogSigmoid, WeightedSum
from mathgym.rewards.format import FormatReward
from mathgym.rewards.outcome import OutcomeReward
from mathgym.rewards.penalties import LengthPenalty, StepPenalty
from mathgym.rewards.refinements import Clip

RewardSpec = Reward | str | Mapping[str, Any]
RewardFactory = Callable[..., Reward]

#: bonus for a well-formed final answer in the default rewards
DEFAULT_FORMAT_BONUS = 0.1
#: cost of each step in the default step-level reward
DEFAULT_STEP_COST = 0.01


def default_reward() -> Reward:
    """Single-turn default: ``outcome + 0.1·format``.

    A verified-correct answer scores 1.1, a wrong but extractable answer 0.1, no answer 0: the small
    bonus teaches the answer format early in training without ever outweighing correctness.
    """
    return WeightedSum([(OutcomeReward(), 1.0), (FormatReward(), DEFAULT_FORMAT_BONUS)], name="total")


def default_step_reward() -> Reward:
    """Step-level default: :func:`default_reward` minus 0.01 per step (shorter solutions are preferred;
    at the default 16-step limit the cost stays below the format bonus plus the outcome)."""
    return WeightedSum(
        [
            (OutcomeReward(), 1.0),
            (FormatReward(), DEFAULT_FORMAT_BONUS),
            (StepPenalty(DEFAULT_STEP_COST), 1.0),
        ],
        name="total",
    )


def _weighted_sum(parts: Sequence[Any], name: str = "total") -> Reward:
    pairs = []
    for item in parts:
        if isinstance(item, (list, tuple)):
            if len(item) != 2:
                raise ValueError(f"weighted_sum entries are [spec, weight], got {item!r}")
            pairs.append((make_reward(item[0]), float(item[1])))
        else:
            pairs.append((make_reward(item), 1.0))
    return WeightedSum(pairs, name=name)


def _conjunction(parts: Sequence[Any], name: str = "conjunction") -> Reward:
    terms = []
    for item in parts:
        if isinstance(item, (list, tuple)):
            if len(item) != 2:
                raise ValueError(f"conjunction entries are [spec, reference], got {item!r}")
            terms.append((make_reward(item[0]), item[1]))
        else:
            terms.append((make_reward(item), 0.0))
    return Conjunction(terms, name=name)


def _log_sigmoid(part: RewardSpec, reference: Any = 0.0, name: str | None = None) -> Reward:
    return LogSigmoid(make_reward(part), reference, name=name)


def _clip(part: RewardSpec, eta: float, name: str | None = None) -> Reward:
    return Clip(make_reward(part), eta, name=name)


#: reward name -> factory (a Reward subclass or a function returning a Reward); ``make_reward`` calls it
REWARDS: Registry[RewardFactory] = Registry(
    "reward",
    hint="or give 'package.module:Class'",
    entries={
        "outcome": OutcomeReward,
        "format": FormatReward,
        "length_penalty": LengthPenalty,
        "step_penalty": StepPenalty,
        "weighted_sum": _weighted_sum,
        "conjunction": _conjunction,
        "log_sigmoid": _log_sigmoid,
        "clip": _clip,
        "default": default_reward,
        "default_step": default_step_reward,
        # parts whose modules pull in more (the sandbox): imported on first use
        "code_tests": "mathgym.rewards.code_tests:CodeTests",
        "tool_success": "mathgym.rewards.tool_use:ToolSuccessReward",
        "tool_error": "mathgym.rewards.tool_use:ToolErrorPenalty",
        "default_tool": "mathgym.rewards.tool_use:default_tool_reward",
        "complexity_decrease": "mathgym.rewards.complexity:ComplexityDecrease",
        "invalid_action": "mathgym.rewards.invalid_action:InvalidActionPenalty",
        # process rewards (step mode): PRM scores, MC values, implicit PRM, PAV and MRT progress
        "prm": "mathgym.rewards.process:ProcessReward",
        "mc_value": "mathgym.rewards.process:MCValueReward",
        "implicit_process": "mathgym.rewards.process:ImplicitProcessReward",
        "pav_progress": "mathgym.rewards.process:PAVProgress",
        "mrt_progress": "mathgym.rewards.process:MRTProgressBonus",
    },
)


def register_reward(name: str, factory: RewardFactory | None = None) -> Any:
    """Make ``make_reward(name)`` / ``make_reward({name: kwargs})`` call ``factory(**kwargs)``.

    Usable as a decorator: ``@register_reward("prm")`` above a Reward subclass.

    :param name: the reward's name in specs.
    :param factory: a Reward subclass, a function returning a Reward, or its ``"module:attribute"`` path.
    :raises mathgym.registry.DuplicateName: (a ``ValueError``) ``name`` is taken by another factory.
    """
    return REWARDS.register(name, factory)


def _resolve(name: str) -> RewardFactory:
    """The factory registered as ``name``, or the object a ``"module:attribute"`` name points to."""
    if name not in REWARDS and ":" not in name:
        raise REWARDS.unknown(name)
    try:
        return REWARDS[name] if name in REWARDS else import_object(name)
    except ImportError as error:
        raise ValueError(f"cannot import reward {name!r}: {error}") from error


def make_reward(spec: RewardSpec) -> Reward:
    """Build a reward from a spec.

    Specs (full grammar in :mod:`mathgym.rewards.registry`'s docstring): a name (``"outcome"``), ``{name:
    kwargs}``, ``{"weighted_sum": [[spec, weight], ...]}``, ``"package.module:Class"``, a JSON string of
    these, or a :class:`Reward` (returned as is). Names: :data:`REWARDS` and :func:`register_reward`.

    :param spec: the spec.
    :raises ValueError: an unknown name or a malformed spec.
    """
    if isinstance(spec, Reward):
        return spec
    if isinstance(spec, str):
        text = spec.strip()
        if text.startswith("{"):
            try:
                return make_reward(json.loads(text))
            except json.JSONDecodeError as error:
                raise ValueError(
                    f"reward spec {spec!r} looks like JSON but does not parse: {error}"
                ) from error
        reward = _resolve(text)()
    elif isinstance(spec, Mapping):
        if len(spec) != 1:
            raise ValueError(
                f"a reward spec mapping has exactly one key (the reward's name), got {sorted(spec)}"
            )
        [(name, args)] = spec.items()
        factory = _resolve(name)
        if args is None:
            reward = factory()
        elif isinstance(args, Mapping):
            reward = factory(**args)
        elif isinstance(args, (list, tuple)):
            reward = factory(list(args))
        else:
            reward = factory(args)
    else:
        raise TypeError(
            f"a reward spec is a name, a one-key mapping, a JSON string or a Reward; got {spec!r}"
        )
    if not isinstance(reward, Reward):
        raise TypeError(f"reward factory for {spec!r} returned {type(reward).__name__}, not a Reward")
    return reward
