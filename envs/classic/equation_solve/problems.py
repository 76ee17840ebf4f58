"""Equation problems for EquationSolve.

Problems come from the project's procedural ``LinearEquation`` generator (:mod:`mathgym.generators.linear`),
so its difficulty levels and any curriculum over them apply. :class:`MixedLevelSource` draws from several of
its levels at once, and :func:`equation_from_problem` turns any problem that states an equation in x into an
:class:`~mathgym.envs.classic.equation_solve.engine.Equation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from mathgym.envs.classic.equation_solve.engine import Equation
from mathgym.envs.classic.equation_solve.parser import parse_equation
from mathgym.problem import Problem
from mathgym.seeding import RngFactory
from mathgym.sources.base import Source

#: the generator EquationSolve draws from by default
DEFAULT_GENERATOR = "LinearEquation"


def equation_text_of(problem: Problem) -> str:
    """The ``lhs = rhs`` text a problem states.

    Reads ``meta["equation"]`` or ``meta["params"]["equation"]``, else the prompt's text after its last ``:``
    (``"Solve for x: 3x + 5 = 14."``), so problems of any generator or dataset work when they state one
    equation in x.
    """
    meta = problem.meta
    params = meta.get("params") or {}
    candidates = (
        meta.get("equation"),
        params.get("equation") if hasattr(params, "get") else None,
        problem.prompt.rsplit(":", 1)[-1],
    )
    for text in candidates:
        if text and text.count("=") == 1:
            return text.strip().rstrip(".").replace("$", "")
    raise ValueError(
        f"problem {problem.id!r} states no equation: give meta['equation'] ('lhs = rhs') or a "
        "prompt ending in ': lhs = rhs'"
    )


def equation_from_problem(problem: Problem) -> Equation:
    """The :class:`Equation` of an equation problem (see :func:`equation_text_of`)."""
    return parse_equation(equation_text_of(problem))


def format_answer(value: Fraction) -> str:
    """The canonical answer string: ``3``, ``-7/2``."""
    return str(Fraction(value))


class MixedLevelSource(Source):
    """Problems of one procedural generator drawn from several difficulty levels.

    Item ``i`` picks its level with ``derive_rng("mathgym.mixed_levels", name, levels, seed, i)`` and is item
    ``i`` of that level's :class:`~mathgym.sources.procedural.ProceduralSource`, so its id
    (``LinearEquation/L2/s0/i17``) regenerates it anywhere.

    :param levels: the generator's preset levels to mix (0 is easiest), each drawn equally often.
    :param generator: a registered generator name.
    :param seed: selects the problem stream.
    """

    def __init__(
        self, levels: Sequence[int] = (0, 1, 2), *, generator: str = DEFAULT_GENERATOR, seed: int = 0
    ) -> None:
        from mathgym.sources.procedural import ProceduralSource

        self.levels = tuple(int(level) for level in levels)
        if not self.levels:
            raise ValueError("levels must name at least one level")
        self.sources = [ProceduralSource(generator, seed=seed, level=level) for level in self.levels]
        self.name = self.sources[0].name
        self.seed = seed
        self._stream = ",".join(map(str, self.levels))
        # the key's strings are hashed once here rather than for every item (same streams as derive_rng)
        self._pick = RngFactory("mathgym.mixed_levels", self.name, self._stream, self.seed)

    def __len__(self) -> int:
        return len(self.sources[0])

    def __getitem__(self, index: int) -> Problem:
        index = int(index)
        pick = 0
        if len(self.sources) > 1:
            pick = int(self._pick.rng(index).integers(len(self.sources)))
        return self.sources[pick][index]

    def find(self, problem_id: str) -> Problem:
        return self.sources[0].find(problem_id)

    def describe(self) -> str:
        return f"{self.sources[0].describe()} (levels {', '.join(map(str, self.levels))})"
