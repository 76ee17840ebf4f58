"""A declarative difficulty schedule over a procedural generator that a training loop can step.

A :class:`Curriculum` is a ladder of difficulty levels. Each level is a full generator config. The
ladder comes either from the generator's own preset levels, or from *attribute levels* (in the spirit
of reasoning-gym's curricula): every knob named in ``attributes`` lists its values from easy to hard,
and the ladder advances them

* ``"joint"`` (default): all attributes together; level ``L`` takes value ``min(L, len - 1)`` of each
  list, so the ladder has as many rungs as the longest list;
* ``"sequential"``: one attribute at a time, round-robin in the order given, skipping attributes that
  are already at their last value (``1 + sum(len - 1)`` rungs).

The training loop reports outcomes with :meth:`Curriculum.record`; over a sliding ``window`` of the
latest outcomes, accuracy ``>= promote_at`` moves one level up and ``<= demote_at`` one level down
(the window is cleared after each move, and nothing moves before ``min_samples`` outcomes). With
``auto=False``, :meth:`Curriculum.step` applies the rule when the loop chooses.

Specs are plain dicts (or JSON text / a ``.json`` path)::

    Curriculum.from_spec({"generator": "Arithmetic",
                          "attributes": {"digits": [1, 2, 3, 4], "terms": [2, 3, 4]},
                          "base": {"ops": "add+sub+mul"},       # fixed knobs (optional)
                          "promote_at": 0.8, "demote_at": 0.3, "window": 64})
    Curriculum.from_spec({"generator": "Quadratic"})            # the generator's preset levels

Using it from an environment (the surface the env relies on):

* ``curriculum.config`` -- the current :class:`~mathgym.generators.base.GeneratorConfig`;
* ``curriculum.source(seed)`` -- a :class:`~mathgym.sources.procedural.ProceduralSource` for the
  current level (cached per level and seed; problem ids encode the level's config, so
  ``find(id)`` keeps working after the curriculum moves on);
* ``curriculum.sample(rng)`` -- one problem of the current level drawn with the env's ``np_random``;
* ``curriculum.record(correct)`` after each episode, and ``curriculum.version``, which changes
  whenever the level does;
* ``state_dict()`` / ``load_state_dict()`` for checkpoints (JSON-serialisable);
* ``curriculum.as_source()`` -- a :class:`CurriculumSource`, a plain ``Source`` that always serves the
  current level, so any env that takes a source can follow a curriculum unchanged; such an env reports
  finished episodes through the source's ``record_outcome(verdict)`` hook.

One curriculum object shared by the envs of a ``SyncVectorEnv`` sees all their outcomes; envs in
other processes (``AsyncVectorEnv``) each hold their own copy.
"""

from __future__ import annotations

import difflib
import json
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mathgym.generators.base import GeneratorConfig, ProblemGenerator, get_generator
from mathgym.problem import Problem
from mathgym.sources.base import Source
from mathgym.sources.procedural import PROCEDURAL_LENGTH, ProceduralSource

_SCHEDULES = ("joint", "sequential")
_SPEC_KEYS = (
    "generator",
    "attributes",
    "base",
    "base_level",
    "schedule",
    "start_level",
    "promote_at",
    "demote_at",
    "window",
    "min_samples",
    "auto",
    "seed",
)


def _ladder(attributes: Mapping[str, list], schedule: str) -> list[dict[str, Any]]:
    """The knob values at every rung of an attribute ladder."""
    names = list(attributes)
    if schedule == "joint":
        rungs = max(len(v) for v in attributes.values())
        return [{n: attributes[n][min(i, len(attributes[n]) - 1)] for n in names} for i in range(rungs)]
    positions = dict.fromkeys(names, 0)
    ladder = [{n: attributes[n][0] for n in names}]
    while any(positions[n] < len(attributes[n]) - 1 for n in names):
        for n in names:  # one pass of the round-robin: each attribute that can move moves once
            if positions[n] < len(attributes[n]) - 1:
                positions[n] += 1
                ladder.append({m: attributes[m][positions[m]] for m in names})
    return ladder


class Curriculum:
    """A difficulty ladder over one generator, promoted and demoted by recent accuracy.

    :param generator: a generator name, class or instance.
    :param attributes: ``{knob: [easy, ..., hard]}``; ``None`` uses the generator's preset levels.
    :param base: knob values fixed at every level.
    :param base_level: the preset level the attribute ladder starts from (knobs not in ``attributes``
        or ``base`` take its values).
    :param schedule: ``"joint"`` or ``"sequential"`` (see the module docstring).
    :param start_level: the level to start at.
    :param promote_at: window accuracy at or above which the level goes up.
    :param demote_at: window accuracy at or below which the level goes down (``None``: never).
    :param window: how many latest outcomes the accuracy is taken over.
    :param min_samples: outcomes needed before a move (default: ``window``).
    :param auto: apply the promotion rule on every :meth:`record`.
    :param seed: default seed of :meth:`source` and :meth:`sample`.
    """

    def __init__(
        self,
        generator: str | ProblemGenerator | type[ProblemGenerator],
        *,
        attributes: Mapping[str, list] | None = None,
        base: Mapping[str, Any] | None = None,
        base_level: int = 0,
        schedule: str = "joint",
        start_level: int = 0,
        promote_at: float = 0.8,
        demote_at: float | None = 0.3,
        window: int = 64,
        min_samples: int | None = None,
        auto: bool = True,
        seed: int = 0,
    ) -> None:
        gen_cls = (
            get_generator(generator)
            if isinstance(generator, str)
            else (generator if isinstance(generator, type) else type(generator))
        )
        if not (isinstance(gen_cls, type) and issubclass(gen_cls, ProblemGenerator)):
            raise TypeError(f"expected a generator name, class or instance, got {generator!r}")
        self.generator = gen_cls()
        if schedule not in _SCHEDULES:
            raise ValueError(f"schedule must be one of {_SCHEDULES}, got {schedule!r}")
        if not 0 <= promote_at <= 1 or (demote_at is not None and not 0 <= demote_at < promote_at):
            raise ValueError(f"need 0 <= demote_at < promote_at <= 1, got {demote_at}, {promote_at}")
        if window < 1 or (min_samples is not None and not 1 <= min_samples <= window):
            raise ValueError(f"need window >= 1 and 1 <= min_samples <= window, got {window}, {min_samples}")
        self.attributes = {k: list(v) for k, v in (attributes or {}).items()}
        for knob, values in self.attributes.items():
            if not isinstance(values, (list, tuple)) or not values:
                raise ValueError(f"attribute {knob!r} needs a non-empty list of values, got {values!r}")
        self.base = dict(base or {})
        self.base_level = base_level
        self.schedule = schedule
        self.promote_at = float(promote_at)
        self.demote_at = None if demote_at is None else float(demote_at)
        self.window = int(window)
        self.min_samples = int(min_samples) if min_samples is not None else self.window
        self.auto = bool(auto)
        self.seed = int(seed)
        self._configs = self._build_configs()  # validates every rung now, not mid-training
        self._level = 0
        self.set_level(start_level)
        self.start_level = self._level
        self._outcomes: deque[float] = deque(maxlen=self.window)
        self.records = 0
        self.version = 0
        self.history: list[dict[str, int]] = []
        self._sources: dict[tuple[int, int], ProceduralSource] = {}

    # -- construction ---------------------------------------------------------------------------------

    def _build_configs(self) -> list[GeneratorConfig]:
        gen = type(self.generator)
        try:
            if not self.attributes:
                return [gen.make_config(level=i, overrides=self.base) for i in range(gen.num_levels())]
            return [
                gen.make_config(level=self.base_level, overrides={**self.base, **rung})
                for rung in _ladder(self.attributes, self.schedule)
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad curriculum for generator {gen.name}: {exc}") from exc

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | str | Path, *, generator: str | None = None) -> Curriculum:
        """Build from a dict, JSON text or a path to a JSON file.

        :param generator: used when the spec names no generator (e.g. an env that knows its own).
        """
        if isinstance(spec, Path) or (isinstance(spec, str) and not spec.lstrip().startswith("{")):
            spec = json.loads(Path(spec).read_text())
        elif isinstance(spec, str):
            spec = json.loads(spec)
        spec = dict(spec)  # type: ignore[arg-type]
        for key in spec:
            if key not in _SPEC_KEYS:
                close = difflib.get_close_matches(key, _SPEC_KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise KeyError(f"unknown curriculum spec key {key!r}{hint}; keys: {', '.join(_SPEC_KEYS)}")
        name = spec.pop("generator", None) or generator
        if name is None:
            raise KeyError("a curriculum spec needs a 'generator' (e.g. \"Arithmetic\")")
        if generator is not None and name != generator:
            raise ValueError(f"curriculum spec is for {name!r} but the environment serves {generator!r}")
        return cls(name, **spec)

    def to_spec(self) -> dict[str, Any]:
        """The JSON-serialisable spec this curriculum was built from (``from_spec(to_spec())`` rebuilds it)."""
        return {
            "generator": self.generator.name,
            "attributes": self.attributes or None,
            "base": self.base,
            "base_level": self.base_level,
            "schedule": self.schedule,
            "start_level": self.start_level,
            "promote_at": self.promote_at,
            "demote_at": self.demote_at,
            "window": self.window,
            "min_samples": self.min_samples,
            "auto": self.auto,
            "seed": self.seed,
        }

    # -- where we are ---------------------------------------------------------------------------------

    @property
    def num_levels(self) -> int:
        return len(self._configs)

    @property
    def level(self) -> int:
        return self._level

    @property
    def config(self) -> GeneratorConfig:
        """The generator config of the current level."""
        return self._configs[self._level]

    def level_config(self, level: int) -> GeneratorConfig:
        return self._configs[level]

    @property
    def accuracy(self) -> float | None:
        """Mean outcome over the current window (``None`` when empty)."""
        return sum(self._outcomes) / len(self._outcomes) if self._outcomes else None

    def set_level(self, level: int) -> None:
        """Jump to ``level`` (clears the window when the level changes)."""
        if not 0 <= level < self.num_levels:
            raise ValueError(f"curriculum levels are 0..{self.num_levels - 1}, got {level}")
        if level != self._level and hasattr(self, "_outcomes"):
            self.history.append({"records": self.records, "from": self._level, "to": level})
            self._outcomes.clear()
            self.version += 1
        self._level = level

    # -- stepping -------------------------------------------------------------------------------------

    def record(self, correct: bool | float | Any) -> int:
        """Report one outcome (a bool, a score in [0, 1], or anything truthy such as a ``Verdict``).

        :returns: the level change this caused (+1, -1 or 0; always 0 with ``auto=False``).
        """
        if isinstance(correct, (bool, int, float, np.integer, np.floating)):
            value = float(correct)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"an outcome must be in [0, 1], got {correct!r}")
        else:
            value = float(bool(correct))
        self._outcomes.append(value)
        self.records += 1
        return self.step() if self.auto else 0

    def step(self) -> int:
        """Apply the promotion rule to the current window: +1 promoted, -1 demoted, 0 stayed."""
        if len(self._outcomes) < self.min_samples:
            return 0
        accuracy = self.accuracy
        if accuracy >= self.promote_at and self._level < self.num_levels - 1:  # type: ignore[operator]
            self.set_level(self._level + 1)
            return 1
        if self.demote_at is not None and accuracy <= self.demote_at and self._level > 0:  # type: ignore[operator]
            self.set_level(self._level - 1)
            return -1
        return 0

    # -- problems -------------------------------------------------------------------------------------

    def source(self, seed: int | None = None) -> ProceduralSource:
        """A source of the current level's problems (cached per level and seed)."""
        seed = self.seed if seed is None else seed
        key = (self._level, seed)
        if key not in self._sources:
            self._sources[key] = ProceduralSource(self.generator, seed=seed, config=self.config)
        return self._sources[key]

    def sample(self, rng: np.random.Generator, seed: int | None = None) -> Problem:
        """One problem of the current level, chosen with ``rng`` (pass the env's ``np_random``)."""
        return self.source(seed).sample(rng)

    def as_source(self, seed: int | None = None) -> CurriculumSource:
        """A :class:`~mathgym.sources.base.Source` that always serves the current level (for any env)."""
        return CurriculumSource(self, seed=seed)

    # -- checkpoints ----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot: the spec, the level, the window and the counters."""
        return {
            "spec": self.to_spec(),
            "level": self._level,
            "outcomes": list(self._outcomes),
            "records": self.records,
            "version": self.version,
            "history": [dict(h) for h in self.history],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a snapshot taken from a curriculum with the same generator and ladder."""
        spec = state.get("spec", {})
        if spec.get("generator") != self.generator.name:
            raise ValueError(f"state is for generator {spec.get('generator')!r}, not {self.generator.name!r}")
        if Curriculum.from_spec(spec)._configs != self._configs:
            raise ValueError("state was saved from a curriculum with a different ladder of levels")
        level = int(state["level"])
        if not 0 <= level < self.num_levels:
            raise ValueError(f"saved level {level} is outside 0..{self.num_levels - 1}")
        self._level = level
        self._outcomes = deque((float(v) for v in state.get("outcomes", [])), maxlen=self.window)
        self.records = int(state.get("records", 0))
        self.version = int(state.get("version", 0))
        self.history = [dict(h) for h in state.get("history", [])]

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> Curriculum:
        curriculum = cls.from_spec(state["spec"])
        curriculum.load_state_dict(state)
        return curriculum

    def __repr__(self) -> str:
        return (
            f"Curriculum({self.generator.name!r}, level={self._level}/{self.num_levels - 1}, "
            f"accuracy={self.accuracy})"
        )


class CurriculumSource(Source):
    """A source that follows a curriculum: every draw comes from the curriculum's current level.

    Any env that takes a :class:`~mathgym.sources.base.Source` can serve a curriculum through it, e.g.
    ``gymnasium.make("mathgym/Math-v0", source=curriculum.as_source())``. Envs that know about
    curricula report each finished episode with :meth:`record_outcome` (the
    :class:`~mathgym.sources.base.RecordsOutcomes` protocol: envs call it when the source has it).

    :param curriculum: the curriculum to follow.
    :param seed: the procedural seed of the level sources (default: the curriculum's ``seed``).
    """

    def __init__(self, curriculum: Curriculum, seed: int | None = None) -> None:
        self.curriculum = curriculum
        self.seed = seed
        self.name = curriculum.generator.name

    def __len__(self) -> int:
        return PROCEDURAL_LENGTH

    def __getitem__(self, index: int) -> Problem:
        return self.curriculum.source(self.seed)[index]

    def sample(self, rng: np.random.Generator) -> Problem:
        return self.curriculum.sample(rng, self.seed)

    def find(self, problem_id: str) -> Problem:
        """Regenerate a problem of any level from its id."""
        return self.curriculum.source(self.seed).find(problem_id)

    def record_outcome(self, correct: bool | float | Any) -> int:
        """Report a finished episode to the curriculum (see :meth:`Curriculum.record`)."""
        return self.curriculum.record(correct)

    def describe(self) -> str:
        return f"{self.curriculum.generator.description} (curriculum, level {self.curriculum.level})"


def as_curriculum(
    value: Curriculum | Mapping[str, Any] | str | Path, generator: str | None = None
) -> Curriculum:
    """Accept a :class:`Curriculum`, a spec dict, JSON text or a JSON path (for env keyword arguments)."""
    if isinstance(value, Curriculum):
        if generator is not None and value.generator.name != generator:
            raise ValueError(
                f"curriculum is for {value.generator.name!r} but the environment serves {generator!r}"
            )
        return value
    return Curriculum.from_spec(value, generator=generator)
