"""English number words, for everything that writes or reads them: generators and variant templates write
them (``number_to_words``), the verifier and the template lists read them (``WORD_VALUES``)."""

from __future__ import annotations

#: "zero" .. "nineteen", by value
ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
#: the tens words by tens digit ("" for 0 and 1)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"), (100, "hundred"))

#: the value of each single number word below a hundred: "zero" .. "nineteen", "twenty" .. "ninety"
WORD_VALUES: dict[str, int] = {w: i for i, w in enumerate(ONES)} | {
    w: 10 * i for i, w in enumerate(TENS) if w
}


def number_to_words(n: int) -> str:
    """English words for an integer: ``42 -> "forty-two"``, ``1305 -> "one thousand three hundred five"``."""
    if not isinstance(n, int):
        raise TypeError(f"number_to_words wants an int, got {n!r}")
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return TENS[tens] + (f"-{ONES[ones]}" if ones else "")
    for scale, word in _SCALES:
        if n >= scale:
            head, rest = divmod(n, scale)
            return f"{number_to_words(head)} {word}" + (f" {number_to_words(rest)}" if rest else "")
    raise AssertionError("unreachable")
