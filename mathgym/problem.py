"""The :class:`Problem` record that flows from sources to environments, agents and the store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_SCALARS = (str, int, float, bool, type(None))


def _freeze(value: Any) -> Any:
    if isinstance(value, _SCALARS):  # the common case first: this runs on every generated problem
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, (dict, MappingProxyType, Mapping)):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Problem:
    """One task instance.

    :param id: stable, unique identifier (the same problem gets the same id on every machine).
    :param prompt: the question as shown to an agent.
    :param answer: the gold answer as a canonical string, or ``None`` for proofs.
    :param family: id shared by all variants of one seed question, ``None`` otherwise.
    :param meta: source, split, topic, difficulty, generator params, reference ``solution`` steps,
        formal statement, tests, ... Must be JSON-serialisable; stored read-only.
    """

    id: str
    prompt: str
    answer: str | None
    family: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("Problem.id must be a non-empty string")
        object.__setattr__(self, "meta", _freeze(dict(self.meta)))

    @property
    def solution(self) -> list[str]:
        """The reference solution as a list of steps (empty when the source has none)."""
        return list(self.meta.get("solution", ()))

    @property
    def topic(self) -> str | None:
        return self.meta.get("topic")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prompt": self.prompt,
            "answer": self.answer,
            "family": self.family,
            "meta": _thaw(self.meta),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Problem:
        return cls(
            id=data["id"],
            prompt=data["prompt"],
            answer=data.get("answer"),
            family=data.get("family"),
            meta=data.get("meta") or {},
        )

    @classmethod
    def from_json(cls, text: str) -> Problem:
        return cls.from_dict(json.loads(text))

    def replace(self, **changes: Any) -> Problem:
        data = self.to_dict()
        data.update(changes)
        return Problem.from_dict(data)
