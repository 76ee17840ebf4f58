"""The critic: checks a candidate before any training (Auto MC-Reward's Reward Critic, run as tests).

A candidate passes when its code parses, defines ``compute_reward(prev, action, state, info)``, reads only
documented view fields, runs on the recorded transitions (at least 64) without error, returns finite
totals and components, is not constant, and returns the same values when called again on the same
transitions in reverse order in a fresh box (no hidden state, no randomness). The first failed check is
the verdict's ``reason``, short enough to go back to the proposer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mathgym.reward_design.code import check_code
from mathgym.reward_design.executor import BatchResult, RewardExecutor
from mathgym.rewards.view import RewardViewSpec, Transition

#: fewest transitions a candidate is run on before training
MIN_CRITIC_TRANSITIONS = 64


@dataclass
class CriticVerdict:
    """What the critic found.

    :param ok: every check passed.
    :param reason: the first failed check, in one or a few lines (traceback trimmed); ``""`` when ok.
    :param check: name of the failed check (``code``, ``runs``, ``finite``, ``constant``, ``deterministic``).
    :param stats: per component (and ``total``) ``min``/``mean``/``max`` over the transitions.
    """

    ok: bool
    reason: str = ""
    check: str = ""
    stats: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.reason, "check": self.check, "stats": self.stats}


def critique(
    code: str | None, spec: RewardViewSpec, transitions: Sequence[Transition], executor: RewardExecutor
) -> CriticVerdict:
    """Run every check on ``code`` (see the module docstring).

    :param code: the candidate's source (``None`` when the reply had none).
    :param spec: the env's reward view.
    :param transitions: recorded transitions (at least :data:`MIN_CRITIC_TRANSITIONS`).
    :param executor: runs the code (the sandbox).
    """
    if len(transitions) < MIN_CRITIC_TRANSITIONS:
        raise ValueError(
            f"the critic needs at least {MIN_CRITIC_TRANSITIONS} transitions, got {len(transitions)}"
        )
    static = check_code(code, spec)
    if not static.ok:
        return CriticVerdict(False, static.reason, "code")
    assert code is not None
    first = executor.evaluate(code, transitions)
    if not first.ok:
        return CriticVerdict(False, first.reason, "runs")
    stats = component_stats(first)
    bad = _first_non_finite(first)
    if bad is not None:
        return CriticVerdict(False, bad, "finite", stats)
    if float(np.ptp(first.totals)) <= 1e-12:
        return CriticVerdict(
            False,
            f"the total is {first.totals[0]:g} on all {len(transitions)} transitions: "
            "a constant reward gives the agent nothing to learn from",
            "constant",
            stats,
        )
    again = executor.evaluate(code, list(reversed(transitions)))
    if not again.ok:
        return CriticVerdict(
            False, f"a second call on the same transitions failed: {again.reason}", "deterministic", stats
        )
    mismatch = _first_mismatch(first, again)
    if mismatch is not None:
        return CriticVerdict(False, mismatch, "deterministic", stats)
    return CriticVerdict(True, stats=stats)


def component_stats(result: BatchResult) -> dict[str, dict[str, float]]:
    """``min``/``mean``/``max`` of the total and of each component over a batch."""
    out = {}
    for name, values in {"total": result.totals, **result.components}.items():
        with np.errstate(all="ignore"):
            out[name] = {
                "min": float(np.min(values)),
                "mean": float(np.mean(values)),
                "max": float(np.max(values)),
            }
    return out


def _first_non_finite(result: BatchResult) -> str | None:
    for name, values in {"total": result.totals, **result.components}.items():
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            return (
                f"{'the total' if name == 'total' else f'component {name!r}'} is {values[bad[0]]} on "
                f"{bad.size} of {values.size} transitions (first: transition {bad[0]}); rewards must be "
                "finite numbers"
            )
    return None


def _first_mismatch(first: BatchResult, again: BatchResult) -> str | None:
    pairs = {"total": (first.totals, again.totals[::-1])}
    for name in set(first.components) | set(again.components):
        pairs[name] = (
            first.components.get(name, np.zeros_like(first.totals)),
            again.components.get(name, np.zeros_like(first.totals))[::-1],
        )
    for name, (a, b) in pairs.items():
        differ = np.flatnonzero(~np.isclose(a, b, rtol=1e-9, atol=1e-12))
        if differ.size:
            i = int(differ[0])
            return (
                f"not deterministic: {name} on transition {i} was {a[i]:g}, then {b[i]:g} when called again "
                "(in another order, in a fresh process); a reward must depend only on its arguments"
            )
    return None
