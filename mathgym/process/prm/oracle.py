"""The oracle PRM: the oracle step checker as a process reward model (exact on injected-error solutions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mathgym.problem import Problem
from mathgym.process.checker import OracleChecker
from mathgym.process.prm.base import ProblemLike, ProcessRewardModel


class OraclePRM(ProcessRewardModel):
    """1.0 for every step before the first wrong one, 0.0 from it on (the checker's judgement).

    :param problems: problems it may be asked about by statement only (``score_steps("Calculate ...", steps)``
        from searchers that pass prompt strings); Problems passed directly need no registration.
    """

    name = "oracle"

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self._by_prompt = {p.prompt: p for p in problems}
        self._checkers: dict[str, OracleChecker] = {}

    def register(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self._by_prompt[problem.prompt] = problem

    def _problem(self, problem: ProblemLike) -> Problem:
        if isinstance(problem, Problem):
            return problem
        text = str(problem)
        found = self._by_prompt.get(text) or next(
            (p for prompt, p in self._by_prompt.items() if prompt in text), None
        )
        if found is None:
            raise KeyError(
                "the oracle PRM needs the Problem (with its gold answer), not only its statement: "
                "pass the Problem or register it with OraclePRM(problems=[...])"
            )
        return found

    def checker(self, problem: ProblemLike) -> OracleChecker:
        problem = self._problem(problem)
        checker = self._checkers.get(problem.id)
        if checker is None:
            checker = self._checkers[problem.id] = OracleChecker(problem)
        return checker

    def score_steps(self, problem: ProblemLike, steps: Sequence[str]) -> list[float]:
        first = self.checker(problem).first_error(steps)
        return [1.0 if first < 0 or i < first else 0.0 for i in range(len(steps))]
