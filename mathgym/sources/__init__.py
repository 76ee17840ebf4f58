"""Problem sources: procedural generators, static datasets and variant families."""

from mathgym.sources.base import ListSource, Source
from mathgym.sources.datasets import DatasetNotFoundError, GSM8KSource, HubSource, JsonlSource, MATH500Source
from mathgym.sources.procedural import ProceduralSource, problem_from_id

__all__ = [
    "DatasetNotFoundError",
    "GSM8KSource",
    "HubSource",
    "JsonlSource",
    "ListSource",
    "MATH500Source",
    "ProceduralSource",
    "Source",
    "problem_from_id",
]
