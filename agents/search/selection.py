"""Selection rules of inference-time search over N sampled solutions (rStar-Math, Bag of Tricks).

* **best-of-N**: the highest-scoring solution (score from a verifier, an outcome reward model, or
  aggregated PRM step scores); ties are broken by majority vote, then by order;
* **majority vote** (self-consistency): the most frequent final answer, answers compared for
  mathematical equivalence with mathgym's verifier;
* **weighted majority vote**: ``score(a) = Σ_{i: ans_i = a} w_i``, the answer with the largest total.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Equivalence = Callable[[str, str], bool]


def math_equivalent(a: str, b: str) -> bool:
    """True when answer ``b`` verifies against ``a`` as gold (mathgym's verifier, both ways symmetric
    for numbers and expressions)."""
    if a == b:
        return True
    from mathgym.verifier import verify

    return bool(verify(f"\\boxed{{{b}}}", a).correct)


@dataclass(frozen=True)
class Choice:
    """What a selection rule picked.

    :param index: index of the chosen solution.
    :param answer: its final answer (``None`` when it has none).
    :param votes: per answer cluster (its representative answer), the count or summed weight.
    """

    index: int
    answer: str | None
    votes: dict[str, float]


def cluster_answers(answers: Sequence[str | None], equivalent: Equivalence = math_equivalent) -> list[int]:
    """Cluster id of each answer (``-1`` for a missing answer); equivalent answers share an id.

    Each answer is compared with the first member of every existing cluster, so the cost is
    ``N × clusters`` verifier calls.
    """
    representatives: list[str] = []
    ids = []
    for answer in answers:
        if answer is None:
            ids.append(-1)
            continue
        for k, rep in enumerate(representatives):
            if equivalent(rep, answer):
                ids.append(k)
                break
        else:
            representatives.append(answer)
            ids.append(len(representatives) - 1)
    return ids


def _votes(
    answers: Sequence[str | None], weights: Sequence[float], equivalent: Equivalence
) -> tuple[list[int], dict[int, float]]:
    ids = cluster_answers(answers, equivalent)
    totals: dict[int, float] = {}
    for cid, w in zip(ids, weights):
        if cid >= 0:
            totals[cid] = totals.get(cid, 0.0) + float(w)
    return ids, totals


def _choice(answers: Sequence[str | None], ids: list[int], totals: dict[int, float], index: int) -> Choice:
    first_of = {cid: answers[ids.index(cid)] for cid in totals}
    return Choice(
        index=index, answer=answers[index], votes={str(first_of[cid]): total for cid, total in totals.items()}
    )


def weighted_majority_vote(
    answers: Sequence[str | None], weights: Sequence[float], equivalent: Equivalence = math_equivalent
) -> Choice:
    """The answer with the largest summed weight; returns the highest-weight solution giving it."""
    if len(answers) != len(weights) or not answers:
        raise ValueError(
            f"need one weight per answer and at least one answer, got {len(answers)} and {len(weights)}"
        )
    ids, totals = _votes(answers, weights, equivalent)
    if not totals:  # no solution has an answer: fall back to the best weight
        index = max(range(len(weights)), key=lambda i: (weights[i], -i))
        return Choice(index=index, answer=None, votes={})
    # ties between clusters go to the cluster seen first
    best = max(totals, key=lambda cid: (totals[cid], -ids.index(cid)))
    members = [i for i, cid in enumerate(ids) if cid == best]
    index = max(members, key=lambda i: (weights[i], -i))
    return _choice(answers, ids, totals, index)


def majority_vote(answers: Sequence[str | None], equivalent: Equivalence = math_equivalent) -> Choice:
    """Self-consistency: the most frequent answer (its first solution)."""
    return weighted_majority_vote(answers, [1.0] * len(answers), equivalent)


def best_of_n(
    answers: Sequence[str | None], scores: Sequence[float], equivalent: Equivalence = math_equivalent
) -> Choice:
    """The solution with the highest score; among equal best scores, the one whose answer has most votes."""
    if len(answers) != len(scores) or not answers:
        raise ValueError(
            f"need one score per answer and at least one answer, got {len(answers)} and {len(scores)}"
        )
    ids, totals = _votes(answers, [1.0] * len(answers), equivalent)
    top = max(scores)
    tied = [i for i, s in enumerate(scores) if s == top]
    index = max(tied, key=lambda i: (totals.get(ids[i], 0.0), -i))
    return _choice(answers, ids, totals, index)


def aggregate_step_scores(step_scores: Sequence[float], how: str = "min") -> float:
    """One score from a PRM's per-step scores: ``min``, ``last`` or ``prod`` (rStar-Math, Bag of Tricks)."""
    if not step_scores:
        raise ValueError("no step scores to aggregate")
    if how == "min":
        return float(min(step_scores))
    if how == "last":
        return float(step_scores[-1])
    if how == "prod":
        out = 1.0
        for s in step_scores:
            out *= float(s)
        return out
    raise ValueError(f"how must be 'min', 'last' or 'prod', got {how!r}")
