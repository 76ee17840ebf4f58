"""The :class:`VariantFamily` protocol: one seed question, many deterministic variants."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from mathgym.problem import Problem


class NotApplicable(ValueError):
    """A perturbation cannot be applied to this problem (e.g. no movable sentences to reorder)."""


class VariantFamily(ABC):
    """A seed question and a deterministic sequence of variants ``k = 0, 1, 2, ...``.

    Variant 0 is the original question wherever one exists (a template's default instance, a
    program's seed parameters); ``variant(k)`` is a pure function of the family's construction
    arguments and ``k``, identical on every machine. Every variant is a
    :class:`~mathgym.problem.Problem` with ``family == self.id`` and ``meta["variant"] == k``.

    Subclasses implement :meth:`_make_variant`; they may override the perturbation hooks
    (:meth:`rename`, :meth:`change_units`, :meth:`add_relevant_clause`, :meth:`scenario`) that the
    operators of :mod:`mathgym.variants.perturb` call, raising :class:`NotApplicable` when they cannot.
    """

    #: stable id, shared by all variants (``Problem.family``)
    id: str = ""
    #: topic name (arithmetic, algebra, ..., word problems)
    topic: str = ""
    cache_size: int = 256

    def __init__(self) -> None:
        self._cache: OrderedDict[int, Problem] = OrderedDict()

    @abstractmethod
    def _make_variant(self, k: int) -> Problem:
        """Build variant ``k`` (uncached)."""

    def variant(self, k: int) -> Problem:
        """Variant ``k`` (``0`` is the original); cached, deterministic."""
        if not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"variant index must be a non-negative integer, got {k!r}")
        k = int(k)
        cache = self.__dict__.setdefault("_cache", OrderedDict())
        if k in cache:
            cache.move_to_end(k)
            return cache[k]
        problem = self._make_variant(k)
        cache[k] = problem
        if len(cache) > self.cache_size:
            cache.popitem(last=False)
        return problem

    @property
    def seed(self) -> Problem:
        """The seed question (variant 0)."""
        return self.variant(0)

    def variants(self, n: int, start: int = 0) -> list[Problem]:
        return [self.variant(k) for k in range(start, start + n)]

    def __iter__(self) -> Iterator[Problem]:
        k = 0
        while True:
            yield self.variant(k)
            k += 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"

    # ------------------------------------------------------------------ perturbation hooks
    def resample(self, problem: Problem, rng: np.random.Generator) -> Problem:
        """New numbers, answer recomputed: a fresh variant drawn with ``rng``."""
        k = int(rng.integers(1, 2**31 - 1))
        new = self.variant(k)
        return new

    def rename(self, problem: Problem, rng: np.random.Generator) -> Problem:
        raise NotApplicable(f"{self.id} cannot rename people or objects")

    def change_units(self, problem: Problem, rng: np.random.Generator) -> Problem:
        raise NotApplicable(f"{self.id} has no unit to change")

    def add_relevant_clause(self, problem: Problem, rng: np.random.Generator) -> Problem:
        raise NotApplicable(f"{self.id} has no relevant clause to add")

    def scenario(self, problem: Problem, rng: np.random.Generator) -> Problem:
        raise NotApplicable(f"{self.id} has no other question about the same scenario")


def is_integral(value: Any) -> bool:
    """True for ints, whole Fractions and floats within rounding error of an integer."""
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, np.integer)):
        return True
    if isinstance(value, Fraction):
        return value.denominator == 1
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return math.isfinite(v) and abs(v - round(v)) <= max(1e-9, 1e-11 * abs(v))
    return False


def format_number(value: Any) -> str:
    """Canonical text of a number: ``3``, ``2.25``, ``1/3``; integer-valued floats lose their ``.0``."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return str(v)
        if is_integral(v):
            return str(round(v))
        text = f"{v:.10f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    return str(value)


def format_answer(value: Any) -> str:
    """Gold-answer text: :func:`format_number`, terminating fractions as decimals (``161/2 -> 80.5``)."""
    if isinstance(value, Fraction) and value.denominator != 1:
        den = value.denominator
        for p in (2, 5):
            while den % p == 0:
                den //= p
        if den == 1:
            text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
            return text.rstrip("0").rstrip(".") if "." in text else text
    return format_number(value)
