"""Units written after (or before) an answer: their canonical spelling, so that ``5 kg`` and ``5 g`` differ.

The verifier does not convert between units. When both the gold and the response carry a unit and the units
differ (``5 kg`` against ``5 g``, ``2 hours`` against ``2 minutes``, even ``5000 g`` against ``5 kg``), the
response is wrong: the question asked for one unit and the answer gave another. A unit on one side only
does not matter (``15`` answers ``15 cm^2``). Spellings of one unit are the same unit (``kg``, ``kilograms``,
``\\mathrm{kg}``; ``in^2``, ``square inches``, ``sq in``). Words that are not units (``apples``) are ignored, and so
are generic words (``units``, ``points``). ``percent`` is not a unit: it makes the value a percentage.
"""

from __future__ import annotations

_SPELLINGS = {
    "mm": "millimeter millimeters millimetre millimetres",
    "cm": "centimeter centimeters centimetre centimetres",
    "m": "meter meters metre metres",
    "km": "kilometer kilometers kilometre kilometres",
    "in": "inch inches",
    "ft": "foot feet",
    "yd": "yard yards",
    "mi": "mile miles",
    "mi/h": "mph",
    "km/h": "kph kmh",
    "mg": "milligram milligrams",
    "g": "gram grams",
    "kg": "kilogram kilograms",
    "lb": "lbs pound pounds",
    "oz": "ounce ounces",
    "ton": "tons",
    "L": "l liter liters litre litres",
    "mL": "ml milliliter milliliters",
    "gal": "gallon gallons",
    "qt": "quart quarts",
    "pt": "pint pints",
    "cup": "cups",
    "s": "sec secs second seconds",
    "min": "mins minute minutes",
    "h": "hr hrs hour hours",
    "day": "days",
    "week": "weeks",
    "month": "months",
    "yr": "year years yrs",
    "$": "dollar dollars usd",
    "cent": "cents",
    "EUR": "euro euros",
    "deg": "degree degrees",
    "rad": "radian radians",
}
#: lower-case spelling -> canonical unit
CANONICAL: dict[str, str] = {}
for _unit, _words in _SPELLINGS.items():
    CANONICAL[_unit.lower()] = _unit
    for _word in _words.split():
        CANONICAL[_word] = _unit
_SQUARE = frozenset(("sq", "square"))
_CUBIC = frozenset(("cu", "cubic"))
#: words in the unit vocabulary that name no particular unit
GENERIC = (
    frozenset(("unit", "units", "point", "points", "squared", "percent", "percentage")) | _SQUARE | _CUBIC
)
PERCENT_WORDS = frozenset(("percent", "percentage"))


def unit_key(tokens: list[tuple]) -> str:
    """The canonical unit of the unit-bearing tokens stripped from around an answer (``""`` when none).

    :param tokens: lexer tokens ``(kind, value, spaced)``: ``unit`` words, ``word``\\ s, ``/``, ``per``,
        ``^ n`` powers, and ``$`` for an escaped dollar sign.
    :returns: e.g. ``"kg"``, ``"cm^2"``, ``"km/h"``, ``"$"``.
    """
    numerator: list[str] = []
    denominator: list[str] = []
    target = numerator
    power = 1
    for index, (kind, value, _) in enumerate(tokens):
        low = str(value).lower()
        if kind == "unit" and low in _SQUARE:
            power = 2
        elif kind == "unit" and low in _CUBIC:
            power = 3
        elif kind == "unit" and low == "squared" and target:
            target[-1] = _with_power(target[-1], 2)
        elif kind == "unit" and low in CANONICAL:
            unit = CANONICAL[low]
            exponent = _exponent_after(tokens, index)
            target.append(_with_power(unit, exponent if exponent is not None else power))
            power = 1
        elif (kind == "op" and value == "/") or (kind == "word" and low == "per"):
            target = denominator
    if not numerator and not denominator:
        return ""
    key = "*".join(sorted(numerator)) or "1"
    return key + ("/" + "*".join(sorted(denominator)) if denominator else "")


def _exponent_after(tokens: list[tuple], index: int) -> int | None:
    """``cm ^ 2``: the integer power written after the unit at ``index``."""
    if index + 2 < len(tokens) and tokens[index + 1][:2] == ("op", "^") and tokens[index + 2][0] == "num":
        value = tokens[index + 2][1][0]
        if value.denominator == 1:
            return int(value)
    return None


def _with_power(unit: str, power: int) -> str:
    return unit if power == 1 else f"{unit}^{power}"
