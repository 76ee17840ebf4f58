"""Procedural problem generators.

Every generator is one class in one of these modules; subclassing
:class:`~mathgym.generators.base.ProblemGenerator` with a ``name`` registers it in :data:`GENERATORS`.
Use them through :class:`mathgym.sources.ProceduralSource` (``ProceduralSource("Arithmetic", level=2)``)
or a :class:`mathgym.curriculum.Curriculum`.
"""

# importing the modules registers their generators
from mathgym.generators import (  # noqa: F401
    arithmetic,
    calculus,
    combinatorics,
    fraction_arithmetic,
    linear,
    number_theory,
    percentages,
    polynomial,
    probability,
    quadratic,
    sequences,
    word_problems,
)
from mathgym.generators.base import (
    ANSWER_TYPES,
    GENERATORS,
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    get_generator,
)

__all__ = [
    "ANSWER_TYPES",
    "GENERATORS",
    "Generated",
    "GeneratorConfig",
    "ProblemGenerator",
    "generator_names",
    "get_generator",
]


def generator_names() -> list[str]:
    """The registered generator names, sorted."""
    return GENERATORS.names()
