"""Tracers: each generator's reference solution, recomputed through a :class:`~mathgym.process.tape.Tape`.

A tracer is a function ``trace(problem, tape)`` registered for one or more generator names with
:func:`tracer`. It reads the problem's parameters (``problem.meta["params"]``, and the prompt where the
parameters leave something out), recomputes every quantity of the reference solution through the tape
and writes each step with :meth:`Tape.emit`. On a clean tape its output must equal
``problem.solution`` exactly; :func:`clean_trace` checks that, so a generator whose wording drifts is
reported as unsupported instead of producing mislabeled solutions.
"""

from __future__ import annotations

from collections.abc import Callable

from mathgym.problem import Problem
from mathgym.process.tape import Tape

Tracer = Callable[[Problem, Tape], None]

#: tracer of each generator name
TRACERS: dict[str, Tracer] = {}


class UnsupportedProblem(ValueError):
    """No tracer reproduces this problem's reference solution (no generator, no tracer, or a mismatch)."""


def tracer(*names: str) -> Callable[[Tracer], Tracer]:
    """Register the decorated function as the tracer of the generators ``names``."""

    def add(fn: Tracer) -> Tracer:
        for name in names:
            if name in TRACERS:
                raise ValueError(f"two tracers for generator {name!r}")
            TRACERS[name] = fn
        return fn

    return add


def generator_of(problem: Problem) -> str:
    name = problem.meta.get("generator")
    if not name:
        raise UnsupportedProblem(f"{problem.id}: not a procedural problem (no generator in its meta)")
    return str(name)


def run_tracer(problem: Problem, tape: Tape) -> Tape:
    """Run the problem's tracer on ``tape`` and return the tape."""
    name = generator_of(problem)
    fn = TRACERS.get(name)
    if fn is None:
        raise UnsupportedProblem(
            f"no tracer for generator {name!r}; tracers exist for {', '.join(sorted(TRACERS))}"
        )
    fn(problem, tape)
    return tape


def clean_trace(problem: Problem) -> Tape:
    """The clean replay of the reference solution, checked against it step by step."""
    tape = run_tracer(problem, Tape())
    reference = list(problem.solution)
    if tape.steps != reference:
        diff = next(
            (i for i, (a, b) in enumerate(zip(tape.steps, reference)) if a != b),
            min(len(tape.steps), len(reference)),
        )
        got = tape.steps[diff] if diff < len(tape.steps) else "<none>"
        want = reference[diff] if diff < len(reference) else "<none>"
        raise UnsupportedProblem(
            f"{problem.id}: the tracer does not reproduce step {diff}:\n  traced:    {got}\n  reference: {want}"
        )
    return tape


def supported_generators() -> list[str]:
    return sorted(TRACERS)


# importing the modules registers their tracers
from mathgym.process.tracers import algebra, arithmetic, calculus, counting, numbers, words  # noqa: E402,F401

__all__ = [
    "TRACERS",
    "Tracer",
    "UnsupportedProblem",
    "clean_trace",
    "generator_of",
    "run_tracer",
    "supported_generators",
    "tracer",
]
