"""Combinators: weighted sums, the log-sigmoid transform, and conjunctions of properties (Wang et al. 2024).

A combinator is itself a :class:`~mathgym.rewards.base.Reward`. Its components are those of its parts,
under the parts' own names and unweighted, plus its own output under its ``name``; names must therefore
be distinct within one reward tree (pass ``name=`` to tell two parts of the same kind apart).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from mathgym.problem import Problem
from mathgym.rewards.base import Reward, RewardOutput, StepContext

Reference = float | Callable[[StepContext], float]


def is_final_only(reward: Reward) -> bool:
    """Whether ``reward`` scores final steps only (it reports 0 on earlier steps)."""
    return bool(getattr(reward, "final_only", False))


def log_sigmoid(x: float) -> float:
    """``log σ(x)`` without overflow or loss of precision for large ``|x|``."""
    if x >= 0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


def merge_components(into: dict[str, float], components: Mapping[str, float], owner: str) -> None:
    """Add ``components`` to ``into``; a name reported twice is a configuration error."""
    for key, value in components.items():
        if key in into:
            raise ValueError(
                f"reward component {key!r} is reported twice inside {owner!r}; give the parts distinct "
                "names, e.g. FormatReward(name='format_tags') or make_reward({'format': {'name': ...}})"
            )
        into[key] = float(value)


class Composite(Reward):
    """A reward made of other rewards: forwards episode resets and snapshots to its parts."""

    parts: tuple[Reward, ...] = ()

    def reset(self, problem: Problem) -> None:
        for part in self.parts:
            part.reset(problem)

    def get_state(self) -> Any:
        states = [part.get_state() for part in self.parts]
        return None if all(state is None for state in states) else states

    def set_state(self, state: Any) -> None:
        states = state if state is not None else [None] * len(self.parts)
        if len(states) != len(self.parts):
            raise ValueError(f"{self.name!r} has {len(self.parts)} parts but the state has {len(states)}")
        for part, part_state in zip(self.parts, states):
            part.set_state(part_state)


class WeightedSum(Composite):
    """``Σ_i w_i · r_i`` over ``(part, weight)`` pairs.

    :param parts: ``(reward, weight)`` pairs; a bare reward has weight 1.
    :param name: component name of the weighted total.
    """

    def __init__(self, parts: Iterable[tuple[Reward, float] | Reward], *, name: str = "total") -> None:
        pairs: list[tuple[Reward, float]] = []
        for item in parts:
            reward, weight = (item, 1.0) if isinstance(item, Reward) else item
            if not isinstance(reward, Reward):
                raise TypeError(
                    f"WeightedSum parts are Reward objects or (Reward, weight) pairs, got {item!r}"
                )
            pairs.append((reward, float(weight)))
        if not pairs:
            raise ValueError("WeightedSum needs at least one part")
        names = [reward.name for reward, _ in pairs]
        if len(set(names)) != len(names) or name in names:
            raise ValueError(
                f"part names must be distinct and differ from the sum's name {name!r}, got {names}"
            )
        self.pairs = tuple(pairs)
        self.parts = tuple(reward for reward, _ in pairs)
        self.weights = tuple(weight for _, weight in pairs)
        self.name = name
        self.final_only = all(is_final_only(reward) for reward in self.parts)

    def __call__(self, ctx: StepContext) -> RewardOutput:
        components: dict[str, float] = {}
        total = 0.0
        for reward, weight in self.pairs:
            out = reward(ctx)
            total += weight * float(out.value)
            merge_components(components, out.components, self.name)
        merge_components(components, {self.name: total}, self.name)
        return RewardOutput(total, components)

    def __repr__(self) -> str:
        inner = ", ".join(f"({reward!r}, {weight})" for reward, weight in self.pairs)
        return f"WeightedSum([{inner}], name={self.name!r})"


class Transform(Composite):
    """``fn(r)`` applied to one part's value; the part's components are kept.

    When the part scores final steps only, earlier steps pass through as 0 rather than ``fn(0)``, so a
    transform never turns a sparse reward into a per-step one.

    :param part: the reward to transform.
    :param fn: map from the part's value to the new value.
    :param name: component name of the transformed value.
    """

    def __init__(self, part: Reward, fn: Callable[..., float], name: str) -> None:
        if part.name == name:
            raise ValueError(f"the transform's name must differ from its part's name {name!r}")
        self.part = part
        self.parts = (part,)
        self.fn = fn
        self.name = name
        self.final_only = is_final_only(part)

    def apply(self, value: float, ctx: StepContext) -> float:
        return float(self.fn(value))

    def __call__(self, ctx: StepContext) -> RewardOutput:
        out = self.part(ctx)
        value = 0.0 if (self.final_only and not ctx.final) else self.apply(float(out.value), ctx)
        components: dict[str, float] = {}
        merge_components(components, out.components, self.name)
        merge_components(components, {self.name: value}, self.name)
        return RewardOutput(value, components)


class LogSigmoid(Transform):
    """``u = log σ(r − r_ref)``: the log-probability that the output beats the reference (Wang et al.).

    ``u ≤ 0``, concave in ``r`` with slope ``1 − σ(r − r_ref)``: raising a poor output (below the
    reference) is worth much more than pushing a good one higher, which limits reward hacking.

    :param part: the reward ``r`` (e.g. a Bradley–Terry reward model's score).
    :param reference: ``r_ref``, a number or a callable of the step context (per-prompt references such
        as the score of an SFT response or a quantile of base-policy scores for that problem).
    :param name: component name (default ``log_sigmoid_<part name>``).
    """

    def __init__(self, part: Reward, reference: Reference = 0.0, *, name: str | None = None) -> None:
        super().__init__(part, log_sigmoid, name or f"log_sigmoid_{part.name}")
        if not (callable(reference) or isinstance(reference, (int, float))):
            raise TypeError(f"reference must be a number or a callable of the StepContext, got {reference!r}")
        self.reference = reference

    def reference_value(self, ctx: StepContext) -> float:
        return float(self.reference(ctx)) if callable(self.reference) else float(self.reference)

    def apply(self, value: float, ctx: StepContext) -> float:
        return log_sigmoid(value - self.reference_value(ctx))

    def __repr__(self) -> str:
        return f"LogSigmoid({self.part!r}, reference={self.reference!r}, name={self.name!r})"


class Conjunction(Composite):
    """``Σ_i log σ(r_i − r_i,ref)``: the log-probability that the output is good in *every* property.

    Unlike a plain sum, one property cannot make up for another: each term is at most 0, and a property
    far below its reference drags the total down whatever the others score (Wang et al. 2024).

    :param parts: ``(reward, reference)`` pairs; a bare reward has reference 0. References are numbers
        or callables of the step context, as in :class:`LogSigmoid`.
    :param name: component name of the sum.
    """

    def __init__(
        self, parts: Sequence[tuple[Reward, Reference] | Reward], *, name: str = "conjunction"
    ) -> None:
        terms = []
        for item in parts:
            reward, reference = (item, 0.0) if isinstance(item, Reward) else item
            terms.append(LogSigmoid(reward, reference))
        if not terms:
            raise ValueError("Conjunction needs at least one part")
        self.terms = tuple(terms)
        self.parts = tuple(terms)
        self.name = name
        self.final_only = all(term.final_only for term in terms)

    def __call__(self, ctx: StepContext) -> RewardOutput:
        components: dict[str, float] = {}
        total = 0.0
        for term in self.terms:
            out = term(ctx)
            total += float(out.value)
            merge_components(components, out.components, self.name)
        merge_components(components, {self.name: total}, self.name)
        return RewardOutput(total, components)

    def __repr__(self) -> str:
        inner = ", ".join(f"({term.part!r}, {term.reference!r})" for term in self.terms)
        return f"Conjunction([{inner}], name={self.name!r})"
