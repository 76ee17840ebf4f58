"""Procedural problem generators.

Every generator is one class in one of these modules; subclassing
:class:`~mathgym.generators.base.ProblemGenerator` with a ``name`` registers it in :data:`GENERATORS`.
Use them through :class:`mathgym.sources.ProceduralSource` (``ProceduralSource("Arithmetic", level=2)``)
or a :class:`mathgym.curriculum.Curriculum`.
"""
from mathgym.generators.base import (ANSWER_TYPES, GENERATORS, Generated, GeneratorConfig, ProblemGenerator,
                                     get_generator)

# importing the modules registers their generators
from mathgym.generators import (arithmetic, calculus, fraction_arithmetic, linear, number_theory,  # noqa: F401
                                percentages, polynomial, probability, quadratic, word_problems)

__all__ = ["ANSWER_TYPES", "GENERATORS", "Generated", "GeneratorConfig", "ProblemGenerator", "get_generator",
           "generator_names"]


def generator_names() -> list[str]:
    """The registered generator names, sorted."""
    return sorted(GENERATORS)
