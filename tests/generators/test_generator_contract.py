"""The contract every procedural generator keeps, checked at every preset level."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest

from mathgym.generators import ANSWER_TYPES, GENERATORS, Generated, ProblemGenerator, get_generator
from mathgym.generators.base import GeneratorConfig, boxed_answer
from mathgym.problem import Problem
from mathgym.sources import ProceduralSource

REQUIRED = {
    "Arithmetic",
    "Fractions",
    "Percentages",
    "LinearEquation",
    "LinearSystem2x2",
    "Quadratic",
    "Polynomial",
    "Derivative",
    "DefiniteIntegral",
    "NumberTheory",
    "UnitRate",
    "MultiStepWord",
    "Probability",
}
CASES = [(name, level) for name in sorted(GENERATORS) for level in range(GENERATORS[name].num_levels())]
_NUMBER = {"integer": r"-?\d+", "fraction": r"-?\d+(/\d+)?", "decimal": r"-?\d+(\.\d+)?"}


def test_required_generators_are_registered() -> None:
    assert set(GENERATORS) >= REQUIRED
    assert len(GENERATORS) >= 12
    for name, cls in GENERATORS.items():
        assert cls.name == name and re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)
        assert cls.description and "\n" not in cls.description
        assert cls.num_levels() >= 3, f"{name} needs a few levels for the curriculum"


@pytest.mark.parametrize("name,level", CASES)
def test_items_keep_the_contract(name: str, level: int) -> None:
    source = ProceduralSource(name, level=level, seed=11)
    for index in range(12):
        problem = source[index]
        assert problem.id == f"{name}/L{level}/s11/i{index}"
        assert problem.prompt.strip() and problem.answer
        meta = problem.meta
        assert meta["generator"] == name and meta["level"] == level and meta["index"] == index
        assert meta["answer_type"] in ANSWER_TYPES
        assert meta["difficulty"] == source.config.to_dict()
        assert meta["topic"]
        # the last step states the gold answer, boxed (a set's braces escaped, as LaTeX needs)
        assert boxed_answer(problem.answer) in problem.solution[-1]
        assert "\\boxed{{" not in problem.solution[-1]
        assert len(problem.solution) >= 2, "a reference solution shows at least one working step"
        # exact gold: no float spellings (exponents, long binary-float tails) anywhere in the answer
        assert not re.search(r"\d[eE][-+]?\d", problem.answer)
        assert not re.search(r"\.\d{9,}", problem.answer), problem.answer
        kind = meta["answer_type"]
        if kind in _NUMBER:
            assert re.fullmatch(_NUMBER[kind], problem.answer), (kind, problem.answer)
            Fraction(problem.answer)  # parses exactly
        # JSON round trip
        assert Problem.from_json(problem.to_json()) == problem
        json.dumps(problem.to_dict())


def test_registration_by_subclassing_and_errors() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class ToyConfig(GeneratorConfig):
        top: int = 5

    class ToyCount(ProblemGenerator):
        name = "ToyCountForTest"
        description = "Count to a number."
        topic = "test"
        config_class = ToyConfig
        levels = ({"top": 3}, {"top": 9})

        def generate(self, rng: np.random.Generator, config: ToyConfig) -> Generated:
            n = int(rng.integers(1, config.top + 1))
            return Generated(
                f"What is {n}?", str(n), [f"It is {n}.", f"The answer is \\boxed{{{n}}}."], "integer"
            )

    try:
        assert get_generator("ToyCountForTest") is ToyCount
        problem = ProceduralSource("ToyCountForTest", level=0)[0]
        assert problem.answer in {"1", "2", "3"}
        with pytest.raises(ValueError, match="CamelCase"):
            type("BadName", (ToyCount,), {"name": "bad name"})
    finally:
        GENERATORS.unregister("ToyCountForTest")


def test_unknown_generator_and_knob_errors_name_the_fix() -> None:
    with pytest.raises(KeyError, match="Arithmetic"):
        get_generator("Arithmetc")
    with pytest.raises(KeyError, match="Quadratic"):
        get_generator("quadratic")
    with pytest.raises(KeyError, match="did you mean 'digits'"):
        ProceduralSource("Arithmetic", config={"digit": 3})
    with pytest.raises(ValueError, match="between 1 and 6"):
        ProceduralSource("Arithmetic", config={"digits": 40})
    with pytest.raises(TypeError, match="must be int"):
        ProceduralSource("Arithmetic", config={"digits": "3"})
    with pytest.raises(ValueError, match="choices"):
        ProceduralSource("Arithmetic", config={"ops": "add+pow"})
    with pytest.raises(ValueError, match="levels 0..4"):
        ProceduralSource("Arithmetic", level=9)


def test_generated_items_that_break_the_contract_are_rejected() -> None:
    good = Generated("Q?", "3", ["s", "The answer is \\boxed{3}."], "integer")
    good.check("X")
    with pytest.raises(ValueError, match="boxed"):
        Generated("Q?", "3", ["The answer is \\boxed{4}."], "integer").check("X")
    with pytest.raises(ValueError, match="answer_type"):
        Generated("Q?", "3", ["\\boxed{3}"], "number").check("X")
    with pytest.raises(ValueError, match="empty prompt"):
        Generated(" ", "3", ["\\boxed{3}"], "integer").check("X")
