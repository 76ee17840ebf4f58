"""Problem sources: procedural generators, static datasets and variant families."""
from mathgym.sources.base import ListSource, Source

__all__ = ["ListSource", "Source"]
