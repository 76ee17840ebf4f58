"""Program families: a seed question written as a small Python generator (DynaMath's idea).

A :class:`ProgramFamily` draws parameters (``make_params(rng, difficulty)``) and turns them into a
:class:`Statement` (``build(params)``): the facts, the question, the answer computed by the program and a
step-by-step solution. Variant 0 uses the hand-written ``seed`` parameters (the original question); other
variants draw parameters from a stream derived from the family id, the difficulty and ``k``.

Families register themselves by subclassing with a ``key`` (``"alg.linear-equation"``); their id is
``dyn/<key>`` (``dyn/<key>@d<level>`` away from the default difficulty). The statement marks what the
perturbation operators may touch: facts that can be reordered, people, objects and units named in the
text, and (optionally) a relevant clause or a different question about the same scenario.
"""

from __future__ import annotations

import builtins
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from mathgym.problem import Problem
from mathgym.registry import Registry
from mathgym.seeding import derive_rng
from mathgym.variants.base import NotApplicable, VariantFamily, format_answer, format_number
from mathgym.variants.lists import NAMES_FEMALE, NAMES_MALE

#: key -> family class, filled by subclassing
PROGRAM_FAMILIES: Registry[type[ProgramFamily]] = Registry(
    "program family", populate="mathgym.variants.programs"
)

TOPICS = {
    "arithmetic": "Arithmetic",
    "algebra": "Algebra",
    "geometry": "Geometry",
    "probability": "Probability",
    "number theory": "NumberTheory",
    "sequences": "Sequences",
    "calculus": "Calculus",
    "word problems": "WordProblems",
}


@dataclass
class Statement:
    """What a program produces for one set of parameters.

    :param facts: the sentences before the question, in order.
    :param question: the question sentence.
    :param answer: the answer (int, Fraction, float or text); turned into the gold string by
        :func:`~mathgym.variants.base.format_answer`.
    :param solution: reference solution steps (the last may state the answer).
    :param movable: indices of facts that are independent of each other and may be reordered.
    :param flavour: indices of facts the answer does not need (everything else is needed).
    :param people / objects / units: words of the text that rename / change-unit operators may replace
        (units must be used consistently, so relabelling them leaves the answer unchanged).
    """

    facts: list[str]
    question: str
    answer: Any
    solution: list[str]
    movable: Sequence[int] = ()
    flavour: Sequence[int] = ()
    people: Sequence[str] = ()
    objects: Sequence[str] = ()
    units: Sequence[str] = ()
    answer_kind: str = "number"

    @property
    def prompt(self) -> str:
        return " ".join([*self.facts, self.question])


class Draw:
    """Small helpers over a numpy Generator for writing programs compactly."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def int(self, low: int, high: int) -> int:
        """Uniform integer in ``[low, high]`` (inclusive)."""
        return int(self.rng.integers(low, high + 1))

    def choice(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def sample(self, items: Sequence[Any], k: builtins.int) -> list[Any]:
        return [items[int(i)] for i in self.rng.choice(len(items), size=k, replace=False)]

    def name(self, female: bool | None = None) -> str:
        pool = NAMES_FEMALE if female else NAMES_MALE if female is False else NAMES_FEMALE + NAMES_MALE
        return self.choice(pool)

    def names(self, k: builtins.int) -> list[str]:
        return self.sample(NAMES_FEMALE + NAMES_MALE, k)

    def nonzero(self, low: builtins.int, high: builtins.int) -> builtins.int:
        while True:
            value = self.int(low, high)
            if value:
                return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Fraction):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class ProgramFamily(VariantFamily):
    """A seed question written as a program, with a difficulty knob.

    Subclasses set ``key``, ``topic``, ``title`` and ``seed`` and implement :meth:`make_params` and
    :meth:`build`; they may implement :meth:`relevant_clause` and :meth:`alternative_question`.

    :param difficulty: ``1`` (easy) to ``max_difficulty``; the default is ``default_difficulty``.
    """

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    seed_params: ClassVar[Mapping[str, Any]] = {}
    default_difficulty: ClassVar[int] = 1
    max_difficulty: ClassVar[int] = 3

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.key:
            if cls.topic not in TOPICS:
                raise ValueError(f"{cls.__name__}: unknown topic {cls.topic!r}; use one of {sorted(TOPICS)}")
            PROGRAM_FAMILIES.register(cls.key, cls)

    def __init__(self, difficulty: int | None = None) -> None:
        super().__init__()
        level = self.default_difficulty if difficulty is None else int(difficulty)
        if not 1 <= level <= self.max_difficulty:
            raise ValueError(f"{self.key}: difficulty must be 1..{self.max_difficulty}, got {difficulty}")
        self.difficulty = level
        suffix = "" if level == self.default_difficulty else f"@d{level}"
        self.id = f"dyn/{self.key}{suffix}"

    # -------------------------------------------------------------------------- to implement
    @abstractmethod
    def make_params(self, draw: Draw, difficulty: int) -> dict[str, Any]:
        """Draw the parameters of a new variant (the answer is computed in :meth:`build`)."""

    @abstractmethod
    def build(self, p: Mapping[str, Any]) -> Statement:
        """The statement (facts, question, answer, solution) for parameters ``p``."""

    def relevant_clause(self, p: Mapping[str, Any], draw: Draw) -> dict[str, Any] | None:
        """Parameters with one more clause that changes the answer (P1-style), or ``None``."""
        return None

    def alternative_question(self, p: Mapping[str, Any]) -> Statement | None:
        """The same facts with a question about another quantity (MathCheck's scenario understanding)."""
        return None

    # ------------------------------------------------------------------------------ variants
    def params(self, k: int) -> dict[str, Any]:
        """Parameters of variant ``k``: the seed for ``k == 0`` at the default difficulty."""
        if k == 0 and self.difficulty == self.default_difficulty and self.seed_params:
            return dict(self.seed_params)
        return self.make_params(
            Draw(derive_rng("mathgym.program", self.key, self.difficulty, k)), self.difficulty
        )

    def make(self, rng: np.random.Generator) -> Problem:
        """A variant drawn with ``rng`` (the generator interface: ``make(rng) -> Problem``)."""
        p = self.make_params(Draw(rng), self.difficulty)
        return self.to_problem(
            self.build(p), p, variant=-1, problem_id=f"{self.id}/r{int(rng.integers(2**62))}"
        )

    def _make_variant(self, k: int) -> Problem:
        p = self.params(k)
        problem = self.to_problem(self.build(p), p, variant=k)
        if k > 0 and self.seed_params and self.difficulty == self.default_difficulty:
            seed = self.seed_params
            changed = {
                name: [_jsonable(seed.get(name)), _jsonable(value)]
                for name, value in p.items()
                if seed.get(name) != value
            }
            problem = problem.replace(
                meta={
                    **problem.to_dict()["meta"],
                    "perturbations": [{"kind": "resample", "changed": changed}],
                }
            )
        elif k > 0:
            problem = problem.replace(
                meta={**problem.to_dict()["meta"], "perturbations": [{"kind": "resample", "changed": {}}]}
            )
        return problem

    def to_problem(
        self,
        s: Statement,
        p: Mapping[str, Any],
        *,
        variant: int,
        problem_id: str | None = None,
        extra_meta: Mapping[str, Any] | None = None,
    ) -> Problem:
        sentences = [
            {"text": f, "needed": i not in s.flavour, "movable": i in s.movable}
            for i, f in enumerate(s.facts)
        ]
        sentences.append({"text": s.question, "needed": True, "movable": False, "question": True})
        solution = list(s.solution)
        if isinstance(s.answer, str):
            answer = s.answer
        else:  # a question that asks for a fraction gets "1/2", others "0.5"
            answer = format_number(s.answer) if s.answer_kind == "fraction" else format_answer(s.answer)
        if not solution or answer not in solution[-1]:
            solution.append(f"The answer is {answer}.")
        meta = {
            "source": "program",
            "program": self.key,
            "variant": variant,
            "topic": self.topic,
            "difficulty": self.difficulty,
            "title": self.title,
            "params": _jsonable(dict(p)),
            "solution": solution,
            "sentences": sentences,
            "entities": {"people": list(s.people), "objects": list(s.objects), "units": list(s.units)},
            "perturbations": [],
            "answer_kind": s.answer_kind,
        }
        meta.update(extra_meta or {})
        return Problem(
            id=problem_id or f"{self.id}/v{variant}",
            prompt=s.prompt,
            answer=answer,
            family=self.id,
            meta=meta,
        )

    # ------------------------------------------------------------------------ hooks
    def _variant_of(self, problem: Problem) -> int:
        k = problem.meta.get("variant")
        kinds = {p.get("kind") for p in problem.meta.get("perturbations", ())}
        if problem.family != self.id or not isinstance(k, int) or k < 0 or kinds - {"resample"}:
            raise NotApplicable(
                f"{problem.id} is not an unmodified variant of {self.id} "
                "(apply structural perturbations before text perturbations)"
            )
        return k

    def add_relevant_clause(self, problem: Problem, rng: np.random.Generator) -> Problem:
        k = self._variant_of(problem)
        p = self.relevant_clause(self.params(k), Draw(rng))
        if p is None:
            raise NotApplicable(f"{self.id} has no relevant clause to add")
        new = self.to_problem(self.build(p), p, variant=k, problem_id=problem.id)
        return new.replace(
            meta={
                **new.to_dict()["meta"],
                "perturbations": [
                    *problem.to_dict()["meta"].get("perturbations", []),
                    {
                        "kind": "relevant_clause",
                        "added": _added_sentences(problem.prompt, new.prompt),
                        "answer_before": problem.answer,
                        "answer_after": new.answer,
                    },
                ],
            }
        )

    def scenario(self, problem: Problem, rng: np.random.Generator) -> Problem:
        k = self._variant_of(problem)
        s = self.alternative_question(self.params(k))
        if s is None:
            raise NotApplicable(f"{self.id} has no other question about the same scenario")
        p = self.params(k)
        new = self.to_problem(s, p, variant=k, problem_id=problem.id)
        return new.replace(
            meta={
                **new.to_dict()["meta"],
                "perturbations": [
                    *problem.to_dict()["meta"].get("perturbations", []),
                    {
                        "kind": "scenario",
                        "question_before": problem.meta["sentences"][-1]["text"],
                        "question_after": s.question,
                    },
                ],
            }
        )


def _added_sentences(before: str, after: str) -> list[str]:
    import re

    split = lambda t: re.split(r"(?<=[.!?])\s+", t)  # noqa: E731
    old = set(split(before))
    return [s for s in split(after) if s not in old]


def program_family(key: str, difficulty: int | None = None) -> ProgramFamily:
    """A registered program family by key (``"alg.linear-equation"`` or ``"dyn/alg.linear-equation@d2"``).

    :raises mathgym.registry.UnknownName: (a ``KeyError``) naming close keys.
    """
    key = key.removeprefix("dyn/")
    if "@d" in key:
        key, _, level = key.partition("@d")
        difficulty = int(level)
    return PROGRAM_FAMILIES[key](difficulty)


def program_families(topic: str | None = None, difficulty: int | None = None) -> list[ProgramFamily]:
    """All registered program families (of one topic), sorted by key."""
    wanted = None if topic is None else _topic_name(topic)
    return [
        cls(difficulty)
        for key, cls in sorted(PROGRAM_FAMILIES.items())
        if wanted is None or cls.topic == wanted
    ]


def _topic_name(topic: str) -> str:
    lowered = topic.lower().replace("_", " ").replace("-", " ")
    for name, camel in TOPICS.items():
        if lowered in (name, camel.lower()):
            return name
    raise KeyError(f"unknown topic {topic!r}; topics: {', '.join(TOPICS.values())}")
