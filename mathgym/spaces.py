"""Gymnasium spaces for text environments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

# Printable ASCII plus a spread of other scripts and mathematical symbols, used only by sample().
_SAMPLE_ALPHABET = tuple(
    [chr(c) for c in range(32, 127)] + list("\n\tαβγδεθλμπσφωΔΣΩ∑∫√∞≤≥≠±×÷→∀∃∈∉⊂∪∩°½¼é中文数学")
)


class UnicodeText(spaces.Text):
    """Any unicode string of at most ``max_length`` characters.

    Gymnasium's :class:`~gymnasium.spaces.Text` admits only characters of a fixed charset
    (alphanumerics by default). Reasoning text needs every character a model can produce, so
    :meth:`contains` checks only the type and length. Subclassing ``Text`` keeps Gymnasium's vector
    utilities (``batch_space``, ``concatenate``, ``iterate``) working unchanged.

    :param max_length: longest admitted string, in characters.
    :param min_length: shortest admitted string.
    """

    def __init__(
        self, max_length: int, *, min_length: int = 0, seed: int | np.random.Generator | None = None
    ) -> None:
        super().__init__(max_length=max_length, min_length=min_length, charset=_SAMPLE_ALPHABET, seed=seed)  # type: ignore[arg-type]

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: Any) -> bool:
        return (
            isinstance(other, UnicodeText)
            and self.min_length == other.min_length
            and self.max_length == other.max_length
        )

    @property
    def is_np_flattenable(self) -> bool:
        return False


# --- AsyncVectorEnv shared memory and flattening ------------------------------------------------------
# Gymnasium stores Text in shared memory as indices into the space's charset, which would garble any
# character outside it. UnicodeText stores code points instead (-1 pads), and flattens the same way.
from gymnasium.spaces.utils import flatten, unflatten  # noqa: E402
from gymnasium.vector.utils.shared_memory import read_from_shared_memory, write_to_shared_memory  # noqa: E402

_PAD = -1


def _code_points(space: UnicodeText, value: str) -> np.ndarray:
    points = np.full(space.max_length, _PAD, dtype=np.int32)
    encoded = np.frombuffer(value[: space.max_length].encode("utf-32-le"), dtype="<i4")
    points[: len(encoded)] = encoded
    return points


def _text_of(points: np.ndarray) -> str:
    return points[points != _PAD].astype("<i4").tobytes().decode("utf-32-le")


@flatten.register(UnicodeText)
def _flatten_unicode_text(space: UnicodeText, x: str) -> np.ndarray:  # type: ignore[misc]
    return _code_points(space, x)


@unflatten.register(UnicodeText)
def _unflatten_unicode_text(space: UnicodeText, x: np.ndarray) -> str:  # type: ignore[misc]
    return _text_of(np.asarray(x, dtype=np.int32))


@write_to_shared_memory.register(UnicodeText)
def _write_unicode_text(space: UnicodeText, index: int, values: str, shared_memory: Any) -> None:
    destination = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)
    destination[index * space.max_length : (index + 1) * space.max_length] = _code_points(space, values)


class _LiveTexts(Sequence):
    """The batch of strings in a shared buffer, decoded on access.

    AsyncVectorEnv reads its shared memory once, at construction, and expects a live view (numpy
    arrays are); a tuple of strings would be a stale snapshot. Copies (AsyncVectorEnv copies by default)
    are plain tuples.
    """

    def __init__(self, data: np.ndarray) -> None:
        self._data = data

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(_text_of(row) for row in self._data[index])
        return _text_of(self._data[index])

    def __eq__(self, other: Any) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Sequence) else NotImplemented

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:
        return tuple(self)


@read_from_shared_memory.register(UnicodeText)
def _read_unicode_text(space: UnicodeText, shared_memory: Any, n: int = 1) -> _LiveTexts:
    return _LiveTexts(np.frombuffer(shared_memory.get_obj(), dtype=np.int32).reshape((n, space.max_length)))
