"""The built-in program families, one module per topic (importing this package registers them)."""

from mathgym.variants.programs import (  # noqa: F401
    algebra,
    arithmetic,
    calculus,
    counting,
    geometry,
    number_theory,
    sequences,
    word_problems,
)
