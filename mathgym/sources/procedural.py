"""A :class:`~mathgym.sources.base.Source` over a procedural problem generator.

Item ``i`` is a pure function of (generator name, config, seed, ``i``): its random stream is
``derive_rng("mathgym.procedural", name, <config as canonical JSON>, seed, i)``. Neighbouring seeds
and neighbouring indices therefore give unrelated problems, and the same arguments give the same
problem in every process and on every machine.

Problem ids carry everything needed to regenerate the problem without a scan::

    Arithmetic/L2/s0/i123                    # preset level 2, seed 0, index 123
    Arithmetic/digits=5;terms=3/s7/i4        # a custom config: the knobs that differ from the defaults

:func:`problem_from_id` rebuilds any procedural problem from its id alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mathgym.generators.base import GeneratorConfig, ProblemGenerator, get_generator
from mathgym.problem import Problem
from mathgym.seeding import RngFactory
from mathgym.sources.base import Source

#: number of items a procedural source pretends to hold (fits numpy's int64 ``rng.integers``)
PROCEDURAL_LENGTH = 2**62

_ID_RE = re.compile(r"^(?P<name>[A-Za-z0-9]+)/(?P<key>[^/]+)/s(?P<seed>\d+)/i(?P<index>\d+)$")


def _resolve(generator: str | ProblemGenerator | type[ProblemGenerator]) -> ProblemGenerator:
    if isinstance(generator, str):
        return get_generator(generator)()
    if isinstance(generator, type) and issubclass(generator, ProblemGenerator):
        return generator()
    if isinstance(generator, ProblemGenerator):
        return generator
    raise TypeError(f"expected a generator name, class or instance, got {generator!r}")


def config_key(generator: type[ProblemGenerator] | ProblemGenerator, config: GeneratorConfig) -> str:
    """The short form of ``config`` used in problem ids: ``L<n>`` for a preset, else the changed knobs."""
    level = generator.level_of(config)
    if level is not None:
        return f"L{level}"
    defaults = generator.config_class().to_dict()
    changed = [f"{k}={v}" for k, v in sorted(config.to_dict().items()) if defaults[k] != v]
    return ";".join(changed) if changed else "default"


def parse_config_key(generator: type[ProblemGenerator] | ProblemGenerator, key: str) -> GeneratorConfig:
    """Invert :func:`config_key`."""
    if re.fullmatch(r"L\d+", key):
        return generator.level_config(int(key[1:]))
    defaults = generator.config_class().to_dict()
    if key == "default":
        return generator.config_class()
    values: dict[str, Any] = {}
    for item in key.split(";"):
        name, sep, text = item.partition("=")
        if not sep or name not in defaults:
            raise KeyError(f"bad config key {key!r} for generator {generator.name}")
        default = defaults[name]
        if isinstance(default, bool):
            values[name] = text == "True"
        elif isinstance(default, int):
            values[name] = int(text)
        else:
            values[name] = text
    return generator.config_class.from_dict(values)


class ProceduralSource(Source):
    """An effectively unbounded, reproducible stream of problems from one generator.

    :param generator: a registered generator name (``"Arithmetic"``), class or instance.
    :param seed: selects the stream; ``seed`` and ``seed + 1`` give unrelated problems.
    :param level: a preset difficulty level (0 is easiest); default: the generator's ``default_level``.
    :param config: knob overrides applied on top of the level's preset (a dict), or a full config.
    """

    def __init__(
        self,
        generator: str | ProblemGenerator | type[ProblemGenerator],
        *,
        seed: int = 0,
        level: int | None = None,
        config: Mapping[str, Any] | GeneratorConfig | None = None,
    ) -> None:
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self.generator = _resolve(generator)
        self.name = self.generator.name
        self.seed = seed
        self.config = self.generator.make_config(level, config)
        self.level = self.generator.level_of(self.config)
        self._key = config_key(self.generator, self.config)
        # the stream depends on the knob values, not on how they were spelled (level vs dict)
        self._stream = json.dumps(self.config.to_dict(), sort_keys=True, separators=(",", ":"))
        self._difficulty = self.config.to_dict()
        self._rngs = RngFactory("mathgym.procedural", self.name, self._stream, self.seed)

    def __len__(self) -> int:
        return PROCEDURAL_LENGTH

    def __getitem__(self, index: int) -> Problem:
        if not isinstance(index, int):
            index = int(index)  # numpy integers from rng.integers
        if index < 0:
            index += PROCEDURAL_LENGTH
        if not 0 <= index < PROCEDURAL_LENGTH:
            raise IndexError(f"index {index} out of range for a procedural source")
        return self._make(index)

    def _make(self, index: int) -> Problem:
        rng = self._rngs.rng(index)  # == derive_rng("mathgym.procedural", name, stream, seed, index)
        item = self.generator.generate(rng, self.config)
        item.check(self.name)
        meta = {
            "source": "procedural",
            "generator": self.name,
            "topic": item.topic or self.generator.topic,
            "level": self.level,
            "difficulty": self._difficulty,
            "seed": self.seed,
            "index": index,
            "answer_type": item.answer_type,
            "answer_form": item.params.get("answer_form"),
            "params": item.params,
            "solution": list(item.solution),
        }
        return Problem(
            id=f"{self.name}/{self._key}/s{self.seed}/i{index}",
            prompt=item.prompt,
            answer=item.answer,
            family=None,
            meta=meta,
        )

    def find(self, problem_id: str) -> Problem:
        """Regenerate the problem with this id (any seed or config of this generator), without a scan."""
        match = _ID_RE.match(problem_id)
        if not match or match["name"] != self.name:
            raise KeyError(
                f"{problem_id!r} is not an id of procedural source {self.name!r} "
                f"(expected '{self.name}/L<level>/s<seed>/i<index>')"
            )
        try:
            config = parse_config_key(self.generator, match["key"])
        except (KeyError, ValueError, TypeError) as exc:
            raise KeyError(f"{problem_id!r}: {exc}") from None
        seed, index = int(match["seed"]), int(match["index"])
        if seed == self.seed and config == self.config:
            return self[index]
        return ProceduralSource(self.generator, seed=seed, config=config)[index]

    def describe(self) -> str:
        return self.generator.description

    def __repr__(self) -> str:
        return f"ProceduralSource({self.name!r}, seed={self.seed}, config={self._key})"


def problem_from_id(problem_id: str) -> Problem:
    """Rebuild any procedural problem from its id alone (``KeyError`` for ids that are not procedural)."""
    match = _ID_RE.match(problem_id)
    if not match:
        raise KeyError(
            f"{problem_id!r} is not a procedural problem id ('<Generator>/<config>/s<seed>/i<index>')"
        )
    return ProceduralSource(match["name"]).find(problem_id)
