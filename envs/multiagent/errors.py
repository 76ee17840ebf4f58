"""Solutions with one injected error and its exact position — the labels SolverVerifier scores with.

Two injectors share one signature, ``(problem, rng) -> LabelledSolution``, and SolverVerifier takes either
(``error_injector=``):

* :func:`process_error_injector` (the default) — the process-rewards labels of :mod:`mathgym.process.inject`:
  six error kinds replayed through each generator's tracer and propagated to the end, exact and checked by
  the oracle step checker; for a problem it cannot serve it falls back to the injector below.
* :func:`inject_first_error` — the simplest exact labels: one number of one reference step changed and
  carried into the later steps that repeat it; the earlier steps are untouched and the changed one states
  something false, so its index is the first error.

:func:`oracle_step_labeler` gives exact first-error labels of agent-written solutions (``step_labeler=``)
from the same process-rewards oracle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mathgym.problem import Problem

#: a standalone number: not part of a word (x1), an exponent (x^2) or a longer number
_NUMBER = re.compile(r"(?<![\w^.])\d+(?:\.\d+)?(?![\w.]*\d)")


@dataclass(frozen=True)
class LabelledSolution:
    """A solution with its ProcessBench label.

    :param steps: the solution steps, 0-indexed.
    :param first_error: index of the earliest wrong step, or -1 when every step is correct.
    :param kind: how it was made (``"reference"``, ``"number_slip"``, ...).
    """

    steps: tuple[str, ...]
    first_error: int
    kind: str


#: what SolverVerifier calls to draw a flawed solution: ``(problem, rng) -> LabelledSolution``
ErrorInjector = Callable[[Problem, np.random.Generator], LabelledSolution]


def reference_steps(problem: Problem) -> tuple[str, ...]:
    """The problem's reference solution steps (``meta["solution"]``).

    :param problem: a problem from a procedural generator (or any source that stores solution steps).
    """
    steps = tuple(str(s) for s in problem.meta.get("solution", ()))
    if not steps:
        raise ValueError(
            f"problem {problem.id} has no reference solution steps (meta['solution']); "
            "use a procedural source (generator:<Name>)"
        )
    return steps


def _slip(number: str, rng: np.random.Generator) -> str:
    whole, dot, frac = number.partition(".")
    delta = int(rng.integers(1, 10)) * (1 if rng.random() < 0.5 or int(whole) < 10 else -1)
    return f"{int(whole) + delta}{dot}{frac}"


def inject_first_error(problem: Problem, rng: np.random.Generator) -> LabelledSolution:
    """Change the last number of one randomly chosen step by a small amount and carry it forward.

    :param problem: a problem with reference solution steps.
    :param rng: the random stream (the game's).
    """
    steps = list(reference_steps(problem))
    candidates = [i for i, s in enumerate(steps) if _NUMBER.search(s)]
    if not candidates:
        return LabelledSolution(tuple(steps), -1, "reference")
    k = candidates[int(rng.integers(len(candidates)))]
    match = list(_NUMBER.finditer(steps[k]))[-1]
    old, new = match.group(0), _slip(match.group(0), rng)
    steps[k] = steps[k][: match.start()] + new + steps[k][match.end() :]
    carried = re.compile(rf"(?<![\w^.]){re.escape(old)}(?![\w.]*\d)")
    for j in range(k + 1, len(steps)):
        steps[j] = carried.sub(new, steps[j])
    return LabelledSolution(tuple(steps), k, "number_slip")


def process_error_injector(problem: Problem, rng: np.random.Generator) -> LabelledSolution:
    """An error from :func:`mathgym.process.inject.inject_error` (any kind, drawn with ``rng``), or
    :func:`inject_first_error` when it has none for this problem (a generator without a tracer).

    :param problem: a procedural problem.
    :param rng: the random stream (the game's).
    """
    from mathgym.process.inject import inject_error

    labeled = inject_error(problem, seed=rng)
    if labeled is None:
        return inject_first_error(problem, rng)
    return LabelledSolution(
        tuple(labeled.steps), int(labeled.first_error_index), str(labeled.meta.get("kind", "injected"))
    )


def oracle_step_labeler(problem: Problem, steps: Sequence[str]) -> int | None:
    """The process-rewards oracle's first wrong step of ``steps`` (-1 when it finds none), for
    ``solver_verifier_v0.env(step_labeler=oracle_step_labeler)``.

    :param problem: the problem the steps solve.
    :param steps: an agent-written solution.
    """
    from mathgym.process.checker import first_error

    return int(first_error(problem, list(steps)))


def first_error_prediction(text: str, n_steps: int | None = None) -> int | None:
    """A verifier's answer read the ProcessBench way: the last ``\\boxed{}`` holding an integer (-1 for
    "all correct") or the word ``correct``; a bare integer or ``correct`` as the whole text also counts.
    Anything else, or an index outside ``-1..n_steps-1``, is ``None`` (no prediction).

    :param text: the verifier's action.
    :param n_steps: number of steps in the judged solution, to reject out-of-range indices.
    """
    boxed = re.findall(r"\\boxed\s*\{\s*([^{}]*?)\s*\}", text)
    candidate = boxed[-1] if boxed else text.strip()
    candidate = candidate.strip().strip(".").lower()
    if candidate in ("correct", "all correct", "none"):
        return -1
    if not re.fullmatch(r"-?\d{1,6}", candidate):
        return None
    value = int(candidate)
    if value < -1 or (n_steps is not None and value >= n_steps):
        return None
    return value


def number_steps(steps: Sequence[str]) -> str:
    """Steps as the verifier sees them: ``Step 0: ...`` one per line.

    :param steps: solution steps.
    """
    return "\n".join(f"Step {i}: {s}" for i, s in enumerate(steps))
