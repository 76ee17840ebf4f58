"""What a template's ``#init`` and expressions can call, and the values they produce.

``sample(...)`` returns a :class:`SampleSpec` (a domain, drawn from later by the search); ``(text, value)``
pairs become labelled numbers that compute as the value and index as the pair; :func:`encode_value` /
:func:`decode_value` carry sampled values through ``Problem.meta`` as JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from mathgym.variants.base import format_number, is_integral
from mathgym.variants.expr import SAFE_BUILTINS, bounded_range
from mathgym.variants.lists import numbers_within


@dataclass(frozen=True)
class SampleSpec:
    """What ``sample(...)`` / ``sample_sequential(...)`` return inside ``#init``: a domain to draw from."""

    population: tuple[Any, ...]
    k: int | None = None
    sequential: bool = False


def _sample(population: Any, k: int | None = None) -> SampleSpec:
    items = tuple(population)
    if not items:
        raise ValueError("sample() of an empty list")
    if k is not None and (not isinstance(k, int) or k < 1 or k > len(items)):
        raise ValueError(f"sample(k={k!r}) needs 1 <= k <= {len(items)}")
    return SampleSpec(items, k)


def _sample_sequential(population: Any, k: int) -> SampleSpec:
    items = tuple(population)
    if not isinstance(k, int) or not 1 <= k <= len(items):
        raise ValueError(f"sample_sequential(k={k!r}) needs 1 <= k <= {len(items)}")
    return SampleSpec(items, k, sequential=True)


def _clean_float(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 10)
    return x


def _arange(start: Any, stop: Any = None, step: Any = 1) -> list[Any]:
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange step must not be 0")
    n = math.ceil((stop - start) / step - 1e-12)
    if n > 1_000_000:
        raise ValueError("arange too long")
    if all(isinstance(v, int) for v in (start, stop, step)):
        return list(range(start, stop, step))
    return [_clean_float(float(start + i * step)) for i in range(max(n, 0))]


def _fix_floats(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_fix_floats(v) for v in x]
    return round(x, 8) if isinstance(x, float) else x


def is_int(x: Any) -> bool:
    """Template helper: is ``x`` integer-valued (exact for ints/Fractions, tolerant for floats)?"""
    return is_integral(x) if isinstance(x, (int, float, Fraction, np.number)) else False


def divides(a: Any, b: Any) -> bool:
    """Template helper: is ``a`` a multiple of ``b`` (``a % b == 0``; false when ``b == 0``)?"""
    if b == 0:
        return False
    if isinstance(a, int) and isinstance(b, int):
        return a % b == 0
    return is_int(a / b)


def _fraction(a: Any, b: Any = None) -> Fraction:
    if b is None:
        return Fraction(a) if not isinstance(a, float) else Fraction(a).limit_denominator(10**6)
    a = Fraction(a).limit_denominator(10**6) if isinstance(a, float) else a
    b = Fraction(b).limit_denominator(10**6) if isinstance(b, float) else b
    return Fraction(a, b) if isinstance(a, int) and isinstance(b, int) else Fraction(a) / Fraction(b)


def template_functions(lists: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Every name a template expression can use: safe builtins, the format's helpers and the lists."""

    def shuffle_list(items: Any) -> list[Any]:
        # A fixed shuffle: a domain is drawn from uniformly, so its order only has to be reproducible,
        # whatever was generated before in this process.
        out = list(items)
        return [out[i] for i in np.random.default_rng(len(out)).permutation(len(out))]

    functions: dict[str, Any] = dict(SAFE_BUILTINS)
    functions.update(
        {
            "sample": _sample,
            "sample_sequential": _sample_sequential,
            "numbers_within": numbers_within,
            "frange": _arange,
            "arange": _arange,
            "np.arange": _arange,
            "numpy.arange": _arange,
            "fix_floats": _fix_floats,
            "shuffle_list": shuffle_list,
            "divides": divides,
            "is_int": is_int,
            "Fraction": _fraction,
            "np.floor": math.floor,
            "np.ceil": math.ceil,
            "np.round": round,
            "np.random.randint": _random_integers,
            "numpy.random.randint": _random_integers,
            "np.random.choice": _random_choice,
            "numpy.random.choice": _random_choice,
            "random.randint": _random_integers_inclusive,
            "random.choice": _random_choice,
        }
    )
    for name, items in lists.items():
        functions[name] = list(items)
    return functions


class _Labelled:
    """A number drawn from a ``(text, value)`` pair: it computes as the value and indexes as the pair
    (``x[0]`` is the text, ``x[1]`` the value), because templates use both (``n * frac`` and ``frac[1]``)."""

    text: str

    def __getitem__(self, index: int) -> Any:
        return (self.text, self._plain())[index]

    def _plain(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"({self.text!r}, {self._plain()!r})"


class LabelledInt(_Labelled, int):
    def _plain(self) -> int:
        return int(self)


class LabelledFloat(_Labelled, float):
    def _plain(self) -> float:
        return float(self)


class LabelledFraction(_Labelled, Fraction):
    def _plain(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)


_LABELLED = {int: LabelledInt, float: LabelledFloat, Fraction: LabelledFraction}


def labelled(text: str, value: Any) -> Any:
    """``value`` carrying its display ``text`` (numbers only; other values are returned unchanged)."""
    kind = _LABELLED.get(type(value))
    if kind is None:
        return value
    out = kind(value)
    out.text = text
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Fraction, np.number)) and not isinstance(value, bool)


def split_element(element: Any) -> tuple[str, Any]:
    """``(display text, value)`` of a list element: ``("a third", 1/3)`` stays (the value remembers its text),
    a pair whose text part is a number shows that number (``(5, 5)`` → ``("5", 5)``), ``5`` becomes
    ``("5", 5)``."""
    if (
        isinstance(element, tuple)
        and len(element) == 2
        and (isinstance(element[0], str) or (_is_number(element[0]) and _is_number(element[1])))
    ):
        text = element[0] if isinstance(element[0], str) else format_number(element[0])
        return text, labelled(text, element[1])
    if isinstance(element, str):
        return element, element
    return format_number(element), element


def _random_integers(low: int, high: int | None = None, size: Any = None) -> range:
    """``np.random.randint(low, high, size)`` in ``#init``: the domain it draws from, ``[low, high)``."""
    return bounded_range(0, low) if high is None else bounded_range(low, high)


def _random_choice(items: Any, size: Any = None, replace: bool = True) -> list[Any]:
    """``np.random.choice(items, size)`` in ``#init``: the domain it draws from."""
    return list(bounded_range(items)) if isinstance(items, int) else list(items)


def _random_integers_inclusive(low: int, high: int) -> range:
    """``random.randint(low, high)`` in ``#init``: the domain it draws from, ``[low, high]``."""
    return bounded_range(low, high + 1)


def encode_value(value: Any) -> Any:
    """A sampled value as JSON (for ``Problem.meta["sampled"]``): Fractions as ``"p/q"``, pairs as
    ``{"text", "value"}``, lists element-wise; :func:`decode_value` inverts it."""
    if isinstance(value, _Labelled):
        return {"text": value.text, "value": encode_value(value._plain())}
    if isinstance(value, Fraction):
        return {"fraction": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return value


def decode_value(data: Any) -> Any:
    """The sampled value that :func:`encode_value` wrote."""
    if isinstance(data, dict) and "fraction" in data:
        return Fraction(data["fraction"])
    if isinstance(data, dict) and "text" in data:
        return labelled(data["text"], decode_value(data["value"]))
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    return data
