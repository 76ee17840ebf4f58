"""The :class:`Source` protocol: a reproducible supply of :class:`~mathgym.problem.Problem` records."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mathgym.problem import Problem


@runtime_checkable
class RecordsOutcomes(Protocol):
    """A source whose schedule moves with episode outcomes (a curriculum's source): envs report each
    episode's verdict to it when the episode ends. :class:`~mathgym.curriculum.CurriculumSource` is one."""

    def record_outcome(self, correct: bool | float | Any) -> int:
        """Record one episode's outcome (a bool, a score or a :class:`~mathgym.verifier.Verdict`); returns the
        level the next episode is drawn from."""
        ...


class Source(ABC):
    """A reproducible, indexable supply of problems.

    ``source[i]`` is a pure function of the source's construction arguments and ``i``: the same
    arguments give the same problem on every machine. Procedural sources are effectively unbounded
    (``len`` is huge); dataset sources have their record count.

    Subclasses implement :meth:`__len__` and :meth:`__getitem__`; :meth:`find` should be overridden
    when a problem id can be resolved faster than by a scan.
    """

    #: short name used in problem ids and env ids
    name: str = "source"

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __getitem__(self, index: int) -> Problem: ...

    def __iter__(self) -> Iterator[Problem]:
        for i in range(len(self)):
            yield self[i]

    def sample(self, rng: np.random.Generator) -> Problem:
        """Draw one problem using only ``rng`` (envs pass their ``np_random``)."""
        return self[self.sample_index(rng)]

    def sample_index(self, rng: np.random.Generator) -> int:
        return int(rng.integers(len(self)))

    def find(self, problem_id: str) -> Problem:
        """Return the problem with this id, or raise ``KeyError``."""
        for problem in self:
            if problem.id == problem_id:
                return problem
        raise KeyError(f"no problem with id {problem_id!r} in source {self.name!r}")

    def select(self, options: Mapping[str, Any]) -> Problem | None:
        """Resolve source-specific ``reset(options=...)`` keys to a problem (``None``: not handled).

        :func:`choose_problem` handles ``problem_id`` and ``index`` before asking; variant sources use
        this hook for ``{"family": ..., "variant": k}``.
        """
        return None

    def describe(self) -> str:
        """One line for ``mathgym list``."""
        return (self.__doc__ or self.name).strip().splitlines()[0]


def choose_problem(source: Source, options: Mapping[str, Any], rng: np.random.Generator) -> Problem:
    """The problem an env's ``reset(options=...)`` asks for, or one drawn with ``rng``.

    One rule for every env over a :class:`Source`, so ``{"problem": ...}``, ``{"problem_id": ...}``,
    ``{"index": i}`` and the source's own keys (:meth:`Source.select`) mean the same in all of them.

    :param source: where the problem comes from.
    :param options: the reset options: ``problem`` (a whole :class:`~mathgym.problem.Problem` or its dict, for
        hand-made problems) wins over ``problem_id``, which wins over ``index``, which wins over ``select``.
    :param rng: the env's ``np_random``, used only when the options pin nothing.
    :raises IndexError: ``index`` outside ``0 <= index < len(source)``.
    """
    if "problem" in options:
        problem = options["problem"]
        return problem if isinstance(problem, Problem) else Problem.from_dict(problem)
    if "problem_id" in options:
        return source.find(str(options["problem_id"]))
    if "index" in options:
        index = int(options["index"])
        if not 0 <= index < len(source):
            raise IndexError(f"index {index} out of range for a source of {len(source)} problems")
        return source[index]
    chosen = source.select(options)
    return chosen if chosen is not None else source.sample(rng)


class ListSource(Source):
    """Problems held in memory (tests, small hand-written sets, filtered views of other sources)."""

    def __init__(self, problems: list[Problem], name: str = "list") -> None:
        if not problems:
            raise ValueError("ListSource needs at least one problem")
        self.problems = list(problems)
        self.name = name
        self._by_id = {p.id: p for p in self.problems}
        if len(self._by_id) != len(self.problems):
            raise ValueError("problem ids must be unique within a source")

    def __len__(self) -> int:
        return len(self.problems)

    def __getitem__(self, index: int) -> Problem:
        return self.problems[index]

    def find(self, problem_id: str) -> Problem:
        try:
            return self._by_id[problem_id]
        except KeyError:
            raise KeyError(f"no problem with id {problem_id!r} in source {self.name!r}") from None
