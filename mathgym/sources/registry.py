"""Build a :class:`Source` from a short spec string, so env ids and the CLI can name sources.

Specs: ``"gsm8k"``, ``"math500"``, ``"generator:Arithmetic"``, ``"jsonl:/path/file.jsonl"``,
``"hub:owner/name"``. New kinds are added with :func:`register_source`.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from mathgym.sources.base import Source

SourceFactory = Callable[..., Source]

# kind -> "module:attribute" of a factory, imported on first use so that naming a source stays cheap
_FACTORIES: dict[str, str | SourceFactory] = {
    "gsm8k": "mathgym.sources.datasets:GSM8KSource",
    "math500": "mathgym.sources.datasets:MATH500Source",
    "generator": "mathgym.sources.procedural:ProceduralSource",
    "jsonl": "mathgym.sources.datasets:JsonlSource",
    "hub": "mathgym.sources.datasets:HubSource",
    "variants": "mathgym.sources.variants:VariantSource",
}


def register_source(kind: str, factory: str | SourceFactory) -> None:
    """Make ``make_source("<kind>[:arg]")`` call ``factory([arg,] **kwargs)``."""
    _FACTORIES[kind] = factory


def make_source(spec: str | Source, **kwargs: Any) -> Source:
    """Resolve ``spec`` (a Source is returned unchanged; kwargs must then be empty)."""
    if isinstance(spec, Source):
        if kwargs:
            raise TypeError(f"source arguments {sorted(kwargs)} given with an already-built source")
        return spec
    kind, _, arg = spec.partition(":")
    if kind not in _FACTORIES:
        import difflib

        close = difflib.get_close_matches(kind, _FACTORIES, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown source kind {kind!r} in {spec!r}.{hint} Known: {', '.join(sorted(_FACTORIES))}")
    factory = _FACTORIES[kind]
    if isinstance(factory, str):
        module, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module), attr)
    return factory(arg, **kwargs) if arg else factory(**kwargs)
