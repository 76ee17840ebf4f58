"""Monte-Carlo step labels: Math-Shepherd's hard and soft estimates, OmegaPRM's binary search.

The value of a prefix ``s_1..s_k`` is the fraction of ``n`` completions, sampled from a *completer* policy
and played to the end through step-mode env snapshots, whose final answer verifies:

* soft estimate ``SE_k = c/n`` (the MC value), hard estimate ``HE_k = 1 if c > 0 else 0``;
* OmegaPRM: assuming a prefix that cannot be completed any more stays so, the first error is the first
  ``k`` with ``MC(s_1..s_k) = 0``, found by binary search with O(log K) MC evaluations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mathgym.problem import Problem
from mathgym.process.rollouts import SnapshotRoller


def mc_values(
    roller: SnapshotRoller,
    problem: Problem,
    steps: Sequence[str],
    n: int,
    *,
    prefixes: Sequence[int] | None = None,
    seed: int = 0,
) -> list[float]:
    """Soft estimates ``c/n`` for the prefixes ending at the given step counts (default: 1..K), batched.

    :param roller: continues solutions with the completer policy.
    :param n: completions per prefix.
    :param prefixes: prefix lengths (1-based step counts) to estimate.
    """
    lengths = list(prefixes) if prefixes is not None else list(range(1, len(steps) + 1))
    rows = roller.complete([(problem, list(steps[:k])) for k in lengths], n, seed=seed)
    return [sum(c.correct for c in row) / n for row in rows]


def hard_labels(values: Sequence[float]) -> list[int]:
    """Math-Shepherd's hard estimate: a step is good when some completion from it succeeds."""
    return [1 if v > 0 else 0 for v in values]


def soft_labels(values: Sequence[float]) -> list[float]:
    """Math-Shepherd's soft estimate: the MC value itself."""
    return [float(v) for v in values]


@dataclass(frozen=True)
class SearchResult:
    """OmegaPRM's answer: the first wrong step (0-based, -1 for none) and the prefixes it probed."""

    first_error: int
    probes: tuple[int, ...]


def binary_search_first_error(mc: Callable[[int], float], num_steps: int) -> SearchResult:
    """OmegaPRM's binary search over prefix lengths ``1..K`` for the first one with ``MC = 0``.

    :param mc: the MC value of the prefix with the given number of steps.
    :param num_steps: K.
    :returns: the 0-based index of the first error (the search assumes there is one).
    """
    lo, hi, probes = 1, num_steps, []
    while lo < hi:
        mid = (lo + hi) // 2
        probes.append(mid)
        if mc(mid) > 0:
            lo = mid + 1  # still recoverable: the error comes later
        else:
            hi = mid  # already broken: the error is at or before mid
    return SearchResult(lo - 1, tuple(probes))


def omega_first_error(
    roller: SnapshotRoller, problem: Problem, steps: Sequence[str], n: int, *, seed: int = 0
) -> SearchResult:
    """First error of a solution by OmegaPRM's search; -1 when its final answer verifies (no search)."""
    from mathgym.verifier import verify

    if verify("\n".join(steps), problem).correct:
        return SearchResult(-1, ())
    cache: dict[int, float] = {}

    def mc(k: int) -> float:
        if k not in cache:
            cache[k] = mc_values(roller, problem, steps, n, prefixes=[k], seed=seed + k)[0]
        return cache[k]

    return binary_search_first_error(mc, len(steps))
