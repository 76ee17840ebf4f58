"""mathgym.sources.base.choose_problem: the one reader of ``reset(options=...)`` for envs over a source."""

from __future__ import annotations

import numpy as np
import pytest

from mathgym.problem import Problem
from mathgym.sources.base import ListSource, choose_problem

PROBLEMS = [Problem(id=f"p{i}", prompt=f"What is {i} + 1?", answer=str(i + 1)) for i in range(3)]


def test_options_pin_a_problem_in_order_of_precedence() -> None:
    source, rng = ListSource(PROBLEMS), np.random.default_rng(0)
    hand_made = Problem(id="mine", prompt="What is 2 + 2?", answer="4")
    assert choose_problem(source, {"problem": hand_made, "problem_id": "p1"}, rng) is hand_made
    assert choose_problem(source, {"problem": hand_made.to_dict()}, rng) == hand_made
    assert choose_problem(source, {"problem_id": "p1", "index": 2}, rng).id == "p1"
    assert choose_problem(source, {"index": 2}, rng).id == "p2"
    assert choose_problem(source, {}, rng) in PROBLEMS


def test_an_index_outside_the_source_is_an_error() -> None:
    with pytest.raises(IndexError, match="out of range"):
        choose_problem(ListSource(PROBLEMS), {"index": 3}, np.random.default_rng(0))
