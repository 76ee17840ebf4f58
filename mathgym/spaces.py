"""Gymnasium spaces for text environments."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

# Printable ASCII plus a spread of other scripts and mathematical symbols, used only by sample().
_SAMPLE_ALPHABET = tuple(
    [chr(c) for c in range(32, 127)]
    + list("\n\tαβγδεθλμπσφωΔΣΩ∑∫√∞≤≥≠±×÷→∀∃∈∉⊂∪∩°½¼é中文数学")
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

    def __init__(self, max_length: int, *, min_length: int = 0, seed: int | np.random.Generator | None = None):
        super().__init__(max_length=max_length, min_length=min_length, charset=_SAMPLE_ALPHABET, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, UnicodeText) and self.min_length == other.min_length
                and self.max_length == other.max_length)

    @property
    def is_np_flattenable(self) -> bool:
        return False
