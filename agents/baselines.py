"""Baseline agents: random text (a lower bound) and the gold-reading reference (an upper bound)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.agents.base import Agent
from mathgym.problem import Problem

_WORDS = (
    "so",
    "then",
    "we",
    "get",
    "the",
    "value",
    "is",
    "add",
    "subtract",
    "both",
    "sides",
    "thus",
    "x",
    "=",
)


class RandomTextAgent(Agent):
    """Writes random words; in a final step it boxes a random small integer.

    In step-level envs it gives an answer with probability ``answer_prob`` per step, so episodes
    also exercise truncation.

    :param answer_prob: chance that a step contains a final answer.
    """

    name = "random"

    def __init__(self, env: Any = None, seed: int | None = None, answer_prob: float = 0.3) -> None:
        super().__init__(env, seed)
        self.answer_prob = answer_prob

    def act(self, observation: Any, info: Mapping[str, Any]) -> str:
        words = " ".join(self.rng.choice(_WORDS, size=int(self.rng.integers(3, 12))))
        single_turn = getattr(getattr(self.env, "unwrapped", None), "mode", "single") == "single"
        if single_turn or self.rng.random() < self.answer_prob:
            return f"{words}. The answer is \\boxed{{{int(self.rng.integers(-20, 101))}}}."
        return words + "."


class ReferenceAgent(Agent):
    """Answers from the gold: the reference solution (step by step in step mode), then the gold answer.

    It reads the current problem from the env it was built with, so it is an upper bound and a
    test fixture, not a policy. Works with any env whose unwrapped form has ``problem`` and ``mode``.
    """

    name = "reference"

    def act(self, observation: Any, info: Mapping[str, Any]) -> str:
        problem = self._problem(info)
        steps = reference_steps(problem)
        if getattr(self.env.unwrapped, "mode", "single") == "single":
            return "\n".join(steps)
        step_index = int(info.get("step_index", -1)) + 1
        return steps[min(step_index, len(steps) - 1)]

    def _problem(self, info: Mapping[str, Any]) -> Problem:
        if self.env is None:
            raise ValueError("ReferenceAgent needs the env: make_agent('reference', env=env)")
        problem = getattr(self.env.unwrapped, "problem", None)
        if problem is None or problem.id != info.get("problem_id", problem.id):
            problem = self.env.unwrapped.source.find(info["problem_id"])
        return problem


def reference_steps(problem: Problem) -> list[str]:
    """The reference solution's steps, ending with a boxed gold answer (added when missing)."""
    from mathgym.generators.base import boxed
    from mathgym.verifier import extract_answer

    steps = [s for s in problem.solution if s.strip()]
    if not steps or extract_answer(steps[-1]) is None:
        steps.append(boxed(problem.answer))  # type: ignore[arg-type]
    # a step before the last that already states an answer would end a step-level episode early
    return [s for s in steps[:-1] if extract_answer(s) is None] + steps[-1:]
