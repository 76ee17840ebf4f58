"""Build a :class:`Source` from a short spec string, so env ids and the CLI can name sources.

Specs: ``"gsm8k"``, ``"math500"``, ``"generator:Arithmetic"``, ``"jsonl:/path/file.jsonl"``,
``"hub:owner/name"``. New kinds are added with :func:`register_source`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mathgym.registry import Registry
from mathgym.sources.base import Source

SourceFactory = Callable[..., Source]

#: kind -> factory, or its "module:attribute" imported on first use so that naming a source stays cheap
SOURCES: Registry[SourceFactory] = Registry(
    "source kind",
    entries={
        "gsm8k": "mathgym.sources.datasets:GSM8KSource",
        "math500": "mathgym.sources.datasets:MATH500Source",
        "generator": "mathgym.sources.procedural:ProceduralSource",
        "jsonl": "mathgym.sources.datasets:JsonlSource",
        "hub": "mathgym.sources.datasets:HubSource",
        "variants": "mathgym.sources.variants:VariantSource",
    },
)


def register_source(kind: str, factory: str | SourceFactory, *, replace: bool = False) -> None:
    """Make ``make_source("<kind>[:arg]")`` call ``factory([arg,] **kwargs)``.

    :param kind: the spec's prefix.
    :param factory: a Source subclass or function, or its ``"module:attribute"`` path.
    :param replace: replace a kind registered with another factory.
    :raises mathgym.registry.DuplicateName: (a ``ValueError``) ``kind`` is taken and ``replace`` is false.
    """
    SOURCES.register(kind, factory, replace=replace)


def make_source(spec: str | Source, **kwargs: Any) -> Source:
    """Resolve ``spec`` (a Source is returned unchanged; kwargs must then be empty).

    :raises mathgym.registry.UnknownName: (a ``ValueError``) an unknown kind.
    """
    if isinstance(spec, Source):
        if kwargs:
            raise TypeError(f"source arguments {sorted(kwargs)} given with an already-built source")
        return spec
    kind, _, arg = spec.partition(":")
    factory = SOURCES[kind]
    return factory(arg, **kwargs) if arg else factory(**kwargs)
