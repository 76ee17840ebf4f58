"""The base of procedural problem generators: difficulty configs, generated items, and the registry.

A generator is one class. Subclassing :class:`ProblemGenerator` with a ``name`` registers it in
:data:`GENERATORS`; nothing else needs editing. A generator declares

* ``name`` (CamelCase, used in env ids such as ``mathgym/Arithmetic-v0``) and a one-line ``description``;
* ``config_class``: a frozen :class:`GeneratorConfig` dataclass whose fields are the difficulty knobs
  (scalars only: ``int``, ``bool``, ``str``; a ``str`` knob that lists several choices joins them with
  ``+``, e.g. ``"power+trig"``), each with a default;
* ``levels``: preset knob settings, level 0 easiest, that the curriculum steps through;
* ``generate(rng, config) -> Generated``: the prompt, the exact gold answer as a canonical string, a
  step-by-step reference solution whose last step reads ``The answer is \\boxed{<answer>}``, the answer
  type and the random choices made (``params``). All randomness comes from ``rng``.

:class:`~mathgym.sources.procedural.ProceduralSource` turns a generator into a reproducible
:class:`~mathgym.sources.base.Source` of :class:`~mathgym.problem.Problem` records.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from mathgym.registry import Registry

#: the kinds of gold answer a generator may declare (the verifier picks its comparison from them)
ANSWER_TYPES = frozenset({"integer", "fraction", "decimal", "set", "tuple", "expression", "equation"})

#: every registered generator class by name, filled by :meth:`ProblemGenerator.__init_subclass__`
GENERATORS: Registry[type[ProblemGenerator]] = Registry("generator", populate="mathgym.generators")

_NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
# characters a string knob may not contain, because problem ids embed knob values
_FORBIDDEN_IN_KNOBS = set("/;=")


@dataclass(frozen=True)
class GeneratorConfig:
    """Difficulty knobs of one generator: a frozen dataclass of scalars, every field with a default.

    Subclasses add fields and override :meth:`validate` to reject bad values with a message that
    names the knob and its allowed range.
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            default = f.default
            if default is dataclasses.MISSING:
                raise TypeError(f"{type(self).__name__}.{f.name} needs a default value")
            # bool is a subclass of int: compare exact types so that True is not accepted as 3
            if type(value) is not type(default):
                if type(default) is int and isinstance(value, (np.integer,)):
                    object.__setattr__(self, f.name, int(value))
                    continue
                raise TypeError(
                    f"knob {f.name!r} of {type(self).__name__} must be "
                    f"{type(default).__name__}, got {value!r}"
                )
            if isinstance(value, str) and (_FORBIDDEN_IN_KNOBS & set(value) or not value):
                raise ValueError(
                    f"knob {f.name!r} must be a non-empty string without '/', ';' or '=', got {value!r}"
                )
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` for knob values the generator cannot serve (override in subclasses)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def knob_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base: GeneratorConfig | None = None) -> GeneratorConfig:
        """Build a config from ``data`` (unknown keys are an error), on top of ``base`` or the defaults."""
        known = cls.knob_names()
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise KeyError(f"{cls.__name__} has no knob {key!r}{hint}; knobs: {', '.join(known)}")
        values = base.to_dict() if base is not None else {}
        values.update(data)
        return cls(**values)


def check_range(name: str, value: int, low: int, high: int) -> None:
    """Raise ``ValueError`` unless ``low <= value <= high``."""
    if not low <= value <= high:
        raise ValueError(f"knob {name!r} must be between {low} and {high}, got {value}")


def check_choices(name: str, value: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Split a ``+``-joined choice knob, check each part is allowed, and return the parts."""
    parts = tuple(value.split("+"))
    bad = [p for p in parts if p not in allowed]
    if bad or len(set(parts)) != len(parts):
        raise ValueError(
            f"knob {name!r} must join distinct choices from {', '.join(allowed)} with '+', got {value!r}"
        )
    return parts


@dataclass
class Generated:
    """What a generator returns for one item; the source wraps it into a :class:`~mathgym.problem.Problem`.

    :param prompt: the natural-language question (without answer-format instructions: the env adds them).
    :param answer: the exact gold answer as a canonical string (see :mod:`mathgym.generators.formatting`).
    :param solution: reference solution steps; the last one is ``The answer is \\boxed{<answer>}``.
    :param answer_type: one of :data:`ANSWER_TYPES`.
    :param params: the random choices that define the item (JSON-serialisable), for analysis and tests.
    :param topic: overrides the generator's ``topic`` for this item (e.g. ``gcd`` vs ``modular``).
    """

    prompt: str
    answer: str
    solution: list[str]
    answer_type: str
    params: dict[str, Any] = field(default_factory=dict)
    topic: str | None = None

    def check(self, generator: str) -> None:
        """Raise ``ValueError`` when the item breaks the generator contract (a bug in the generator)."""
        if not self.prompt.strip():
            raise ValueError(f"{generator}: empty prompt")
        if self.answer_type not in ANSWER_TYPES:
            raise ValueError(f"{generator}: answer_type {self.answer_type!r} not in {sorted(ANSWER_TYPES)}")
        if not self.solution or boxed_answer(self.answer) not in self.solution[-1]:
            raise ValueError(f"{generator}: the last solution step must contain {boxed_answer(self.answer)}")


def boxed_answer(answer: str) -> str:
    """``\\boxed{answer}`` as LaTeX reads it: a set's braces are escaped (``\\boxed{\\{-11, -7\\}}``), because
    ``\\boxed{{-11, -7}}`` would typeset as ``-11, -7``, a tuple, not a set."""
    if answer.startswith("{") and answer.endswith("}"):
        answer = "\\{" + answer[1:-1] + "\\}"
    return f"\\boxed{{{answer}}}"


def boxed(answer: str) -> str:
    """The closing step every reference solution ends with."""
    return f"The answer is {boxed_answer(answer)}."


ConfigT = TypeVar("ConfigT", bound="GeneratorConfig")


class ProblemGenerator(ABC, Generic[ConfigT]):
    """A family of procedurally generated problems with difficulty knobs.

    Subclass it with the class attributes below and :meth:`generate`; the subclass registers itself
    under ``name``. Generators are stateless: one instance can serve any number of sources.
    """

    #: CamelCase name used in problem ids and env ids (``mathgym/<name>-v0``)
    name: ClassVar[str]
    #: one line for ``mathgym list``
    description: ClassVar[str]
    #: coarse subject for analysis (``arithmetic``, ``algebra``, ``calculus``, ...)
    topic: ClassVar[str]
    #: the difficulty-knob dataclass
    config_class: ClassVar[type[GeneratorConfig]]
    #: preset difficulty levels, level 0 easiest: a tuple of mappings from knob names to values, each applied
    #: over the config defaults (``levels[k]`` is what ``level=k`` selects)
    levels: ClassVar[tuple[Mapping[str, Any], ...]]
    #: index into ``levels`` of the level a source uses when given neither a level nor a config
    default_level: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:  # intermediate bases do not register
            return
        if not _NAME_RE.match(cls.name):
            raise ValueError(f"generator name {cls.name!r} must be CamelCase letters and digits")
        for attr in ("description", "topic", "config_class", "levels"):
            if not hasattr(cls, attr):
                raise TypeError(f"generator {cls.name} must define {attr!r}")
        if not cls.levels:
            raise ValueError(f"generator {cls.name} needs at least one preset level")
        if not 0 <= cls.default_level < len(cls.levels):
            raise ValueError(f"generator {cls.name}: default_level {cls.default_level} is not a level")
        # a class of the same qualified name is the same generator defined again (a reloaded module)
        previous = GENERATORS.get(cls.name)
        GENERATORS.register(
            cls.name, cls, replace=previous is not None and previous.__qualname__ == cls.__qualname__
        )

    # -- difficulty ---------------------------------------------------------------------------------

    @classmethod
    def num_levels(cls) -> int:
        return len(cls.levels)

    @classmethod
    def level_config(cls, level: int) -> GeneratorConfig:
        """The preset config of ``level`` (0 is easiest)."""
        if not isinstance(level, (int, np.integer)) or not 0 <= level < len(cls.levels):
            raise ValueError(f"{cls.name} has levels 0..{len(cls.levels) - 1}, got {level!r}")
        return cls.config_class.from_dict(cls.levels[int(level)])

    @classmethod
    def make_config(
        cls, level: int | None = None, overrides: Mapping[str, Any] | GeneratorConfig | None = None
    ) -> GeneratorConfig:
        """The preset of ``level`` (default: ``default_level``) with ``overrides`` applied.

        A full :class:`GeneratorConfig` instance as ``overrides`` is used as it is.
        """
        if isinstance(overrides, GeneratorConfig):
            if not isinstance(overrides, cls.config_class):
                raise TypeError(
                    f"{cls.name} expects a {cls.config_class.__name__}, got {type(overrides).__name__}"
                )
            return overrides
        base = cls.level_config(cls.default_level if level is None else level)
        return cls.config_class.from_dict(overrides or {}, base=base)

    @classmethod
    def level_of(cls, config: GeneratorConfig) -> int | None:
        """The preset level whose config equals ``config`` exactly, else ``None``."""
        for level in range(len(cls.levels)):
            if cls.level_config(level) == config:
                return level
        return None

    # -- generation ---------------------------------------------------------------------------------

    @abstractmethod
    def generate(self, rng: np.random.Generator, config: ConfigT) -> Generated:
        """Create one item using only ``rng`` for random choices.

        :param rng: the item's own random stream.
        :param config: an instance of ``config_class``.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def get_generator(name: str) -> type[ProblemGenerator]:
    """The registered generator class called ``name``.

    :raises mathgym.registry.UnknownName: (a ``KeyError``) naming close names.
    """
    return GENERATORS[name]
