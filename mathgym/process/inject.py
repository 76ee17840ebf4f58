"""Solutions with one injected error at a chosen step, and exact first-error labels.

``inject_error(problem, seed=3)`` replays the problem's reference solution through its tracer with one
error (an arithmetic slip, a sign error, a wrong operation, a dropped term, a wrong formula or a
miscopied number) at one computation, and lets it propagate to the end. The result is a
:class:`~mathgym.process.solution.LabeledSolution` whose ``first_error_index`` is the step of that
computation: exact by construction, since every earlier step is the reference's own.

With ``compensate=True`` a second, later slip brings the solution back to the correct answer
(ProcessBench's "right answer, wrong step" cases); an error can also cancel on its own (a dropped
binary digit that was not needed, a wrong intermediate that a later gcd absorbs), which the record
reports the same way, through ``final_answer_correct``.

Wrong values never equal a number of the correct solution, so an injected error is always visible as
a wrong quantity (the oracle checker relies on it, :mod:`mathgym.process.checker`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from mathgym.problem import Problem
from mathgym.process.quantities import problem_numbers
from mathgym.process.solution import LabeledSolution
from mathgym.process.tape import ERROR_KINDS, Injection, Site, Tape
from mathgym.process.tracers import clean_trace, run_tracer
from mathgym.seeding import derive_rng

#: candidate variants tried per (site, kind) before moving on
_VARIANTS = 4


def _rng(seed: int | np.random.Generator | None, problem: Problem) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return derive_rng("mathgym.process.inject", problem.id, int(seed or 0))


def error_sites(problem: Problem, kind: str | None = None) -> list[tuple[Site, str]]:
    """Every ``(site, kind)`` where an error can be injected into the problem's reference solution."""
    clean = clean_trace(problem)
    return [(site, k) for site in clean.sites for k in site.kinds if kind is None or k == kind]


def available_kinds(problem: Problem) -> list[str]:
    """The error kinds some site of this problem can carry, in :data:`ERROR_KINDS` order."""
    kinds = {k for _, k in error_sites(problem)}
    return [k for k in ERROR_KINDS if k in kinds]


def _answer_correct(steps: list[str], problem: Problem) -> bool:
    from mathgym.verifier import verify

    return bool(verify("\n".join(steps), problem).correct)


def _run(problem: Problem, injection: Injection, avoid: frozenset, clean: Tape) -> Tape | None:
    """The traced solution with ``injection``, or None when that perturbation cannot continue."""
    try:
        return run_tracer(problem, Tape(injection, avoid, clean.sites))
    except Exception:  # noqa: BLE001 - any perturbation the tracer cannot carry on from is skipped
        return None


def inject_error(
    problem: Problem,
    *,
    seed: int | np.random.Generator | None = 0,
    kind: str | None = None,
    step: int | None = None,
    compensate: bool = False,
    detectable: bool = True,
) -> LabeledSolution | None:
    """One solution of ``problem`` with an injected error, or ``None`` when none fits the request.

    Deterministic in ``(problem.id, seed)``.

    :param problem: a procedural problem whose generator has a tracer.
    :param seed: an int (with the problem id, it fixes every choice) or a numpy Generator.
    :param kind: the error kind (one of :data:`~mathgym.process.tape.ERROR_KINDS`), or any.
    :param step: the step that must be the first wrong one, or any.
    :param compensate: add a later compensating error so that the final answer is right again.
    :param detectable: keep only errors that the oracle checker sees in the wrong step itself. A few
        perturbations are invisible there (a dropped term whose partial sum is itself a true quantity);
        their labels would still be exact, but no step-local judge could find them.
    """
    from mathgym.process.checker import OracleChecker

    checker = OracleChecker(problem) if detectable else None
    rng = _rng(seed, problem)
    clean = clean_trace(problem)
    avoid = problem_numbers(problem)
    candidates = [
        (site, k)
        for site in clean.sites
        for k in site.kinds
        if (kind is None or k == kind) and (step is None or site.step == step)
    ]
    if kind is None and candidates:  # every kind equally likely, whatever the number of sites carrying it
        kinds = sorted({k for _, k in candidates}, key=ERROR_KINDS.index)
        order = list(rng.permutation(len(kinds)))
        candidates.sort(key=lambda c: order[kinds.index(c[1])] + rng.random() * 0.5)
    else:
        candidates = [candidates[i] for i in rng.permutation(len(candidates))]
    for site, error_kind in candidates:
        for variant in rng.permutation(_VARIANTS):
            injection = Injection(site.step, site.index, error_kind, int(variant))
            tape = _run(problem, injection, avoid, clean)
            if tape is None or not tape.fired or not _visible_at(tape, clean, site.step):
                continue
            if checker is not None and checker.check_step(tape.steps[site.step]).ok:
                continue
            solution = _labeled(problem, tape, injection)
            if not compensate:
                return solution
            compensated = _compensate(problem, injection, tape, avoid, clean, rng)
            if compensated is not None:
                return compensated
    return None


def _visible_at(tape: Tape, clean: Tape, step: int) -> bool:
    """The steps before ``step`` are the reference's and step ``step`` itself differs from it."""
    return (
        len(tape.steps) > step
        and tape.steps[:step] == clean.steps[:step]
        and tape.steps[step] != clean.steps[step]
    )


def _labeled(problem: Problem, tape: Tape, injection: Injection, **meta: Any) -> LabeledSolution:
    return LabeledSolution(
        problem,
        tuple(tape.steps),
        injection.step,
        _answer_correct(tape.steps, problem),
        {
            "source": "injected",
            "kind": injection.kind,
            "site": injection.site,
            "variant": injection.variant,
            "generator": problem.meta.get("generator"),
            **meta,
        },
    )


def _compensate(
    problem: Problem,
    injection: Injection,
    wrong: Tape,
    avoid: frozenset,
    clean: Tape,
    rng: np.random.Generator,
) -> LabeledSolution | None:
    """A later slip that lands on the correct value again, so that the final answer is right."""
    later = list(range(injection.step + 1, len(wrong.steps)))
    for m in (later[i] for i in rng.permutation(len(later))):
        tape = _run(problem, replace(injection, restore_step=m), avoid, clean)
        if (
            tape is None
            or not tape.restored
            or tape.steps[:m] != wrong.steps[:m]
            or tape.steps[m] == wrong.steps[m]
            or not _answer_correct(tape.steps, problem)
        ):
            continue
        return _labeled(problem, tape, injection, compensated_at=m)
    return None


def reference_solution(problem: Problem) -> LabeledSolution:
    """The reference solution itself, every step right (label -1)."""
    return LabeledSolution(
        problem,
        tuple(problem.solution),
        -1,
        True,
        {"source": "reference", "generator": problem.meta.get("generator")},
    )
