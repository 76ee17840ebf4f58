"""A trajectory-preference pre-filter (CARD's Trajectory Preference Evaluation) that replaces RL runs.

On a pool of recorded episodes with ground-truth outcomes, a reward should give every successful episode
a higher return than every failed one. The preference accuracy is the share of (success, failure) pairs
it orders that way (ties count half); a candidate below the threshold is rejected before any training.
The pool starts with the behaviour policies' episodes and, as in CARD, grows with held-out episodes of
the policies trained in earlier iterations (their failures are what a gameable reward ranks high). The
check costs one sandbox round trip instead of an RL run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mathgym.reward_design.executor import RewardExecutor
from mathgym.reward_design.transitions import Episode


@dataclass
class PrefilterResult:
    """The pre-filter's verdict.

    :param ok: the accuracy reached the threshold (or the pool cannot judge: no success or no failure).
    :param accuracy: preference accuracy in [0, 1], ``None`` when not computable.
    :param threshold: the accuracy required.
    :param reason: why it failed (for the proposer), ``""`` otherwise.
    :param successes: successful episodes in the pool.
    :param failures: failed episodes in the pool.
    """

    ok: bool
    accuracy: float | None
    threshold: float
    reason: str = ""
    successes: int = 0
    failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def preference_accuracy(returns: npt.ArrayLike, successes: npt.ArrayLike) -> float | None:
    """Share of (success, failure) pairs whose success has the higher return (ties count 0.5).

    ``None`` when the pool has no success or no failure. Exact and O(n log n): each success is compared
    with all failures through the sorted failure returns.
    """
    values = np.asarray(returns, dtype=np.float64)
    labels = np.asarray(successes, dtype=bool)
    good, bad = values[labels], np.sort(values[~labels])
    if good.size == 0 or bad.size == 0:
        return None
    below = np.searchsorted(bad, good, side="left")
    ties = np.searchsorted(bad, good, side="right") - below
    return float((below.sum() + 0.5 * ties.sum()) / (good.size * bad.size))


def episode_returns(totals: np.ndarray, pool: Sequence[Episode]) -> np.ndarray:
    """Undiscounted return of each episode from the per-transition totals (pool order, flattened)."""
    lengths = [len(e.transitions) for e in pool]
    edges = np.cumsum([0, *lengths])
    return np.array([totals[edges[i] : edges[i + 1]].sum() for i in range(len(pool))])


def prefilter(
    code: str, pool: Sequence[Episode], executor: RewardExecutor, threshold: float = 0.75
) -> PrefilterResult:
    """Run ``code`` over the pool in one batch and compare its episode returns with the outcomes.

    :param code: candidate source (already through the critic).
    :param pool: recorded episodes with their ground-truth success.
    :param executor: runs the code (the sandbox).
    :param threshold: preference accuracy required to pass.
    """
    successes = [e.success for e in pool]
    n_good = sum(successes)
    counts: dict[str, Any] = {"successes": n_good, "failures": len(pool) - n_good}
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    result = executor.evaluate(code, [t for e in pool for t in e.transitions])
    if not result.ok:
        return PrefilterResult(
            False, None, threshold, f"failed on the trajectory pool: {result.reason}", **counts
        )
    if not np.all(np.isfinite(result.totals)):
        return PrefilterResult(
            False, None, threshold, "returned non-finite rewards on the trajectory pool", **counts
        )
    accuracy = preference_accuracy(episode_returns(result.totals, pool), successes)
    if accuracy is None:
        return PrefilterResult(True, None, threshold, **counts)
    if accuracy < threshold:
        return PrefilterResult(
            False,
            accuracy,
            threshold,
            f"ranks successful episodes above failed ones in only {accuracy:.0%} of pairs "
            f"(needs {threshold:.0%}): its return does not follow task success",
            **counts,
        )
    return PrefilterResult(True, accuracy, threshold, **counts)
