"""Replacement lists for problem templates, and number words.

GSM-Symbolic templates sample from named lists (``sample(names_female)``, ``sample(fractions)``,
``sample(multi_times)``, ...) that Apple did not publish. These are mathgym's own lists. Entries that a
question shows differently from the value the arithmetic uses are ``(text, value)`` pairs, e.g.
``("a third", Fraction(1, 3))`` or ``("twice", 2)``; plain strings and numbers stand for themselves.
Fractions are :class:`fractions.Fraction` so that ``is_int(frac * k)`` is exact and a solution shows
``1/3`` rather than ``0.333...``.

A template that names a list missing here fails to load with an error naming the list; pass your own
with ``extra_lists={"name": [...]}`` (see :func:`mathgym.variants.gsm_symbolic.load_templates`).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from mathgym.number_words import ONES, WORD_VALUES, number_to_words

_ORDINAL_DENOMINATORS = {
    2: ("half", "halves"),
    3: ("third", "thirds"),
    4: ("fourth", "fourths"),
    5: ("fifth", "fifths"),
    6: ("sixth", "sixths"),
    7: ("seventh", "sevenths"),
    8: ("eighth", "eighths"),
    9: ("ninth", "ninths"),
    10: ("tenth", "tenths"),
    12: ("twelfth", "twelfths"),
    100: ("hundredth", "hundredths"),
}
_MULTIPLIER_WORDS: dict[str, int] = {
    "once": 1,
    "twice": 2,
    "thrice": 3,
    "double": 2,
    "triple": 3,
    "quadruple": 4,
    "quintuple": 5,
    "dozen": 12,
    "a dozen": 12,
}
_FRACTION_WORDS: dict[str, Fraction] = {
    "half": Fraction(1, 2),
    "a half": Fraction(1, 2),
    "quarter": Fraction(1, 4),
    "a quarter": Fraction(1, 4),
    "three quarters": Fraction(3, 4),
    "three-quarters": Fraction(3, 4),
}
for _d, (_sing, _plur) in _ORDINAL_DENOMINATORS.items():
    _FRACTION_WORDS.setdefault(_sing, Fraction(1, _d))  # "gives {frac,third} of the popcorn"
    _FRACTION_WORDS[f"a {_sing}"] = Fraction(1, _d)
    _FRACTION_WORDS[f"an {_sing}"] = Fraction(1, _d)
    _FRACTION_WORDS[f"one {_sing}"] = _FRACTION_WORDS[f"one-{_sing}"] = Fraction(1, _d)
    for _num in range(2, min(_d, 20)):
        for _sep in (" ", "-"):
            _FRACTION_WORDS[f"{ONES[_num]}{_sep}{_plur}"] = Fraction(_num, _d)


def words_to_number(text: str) -> int | Fraction | None:
    """Parse number words (``"forty-two"``, ``"a third"``, ``"twice"``, ``"three times"``), else ``None``."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    if t in _FRACTION_WORDS:
        return _FRACTION_WORDS[t]
    if t in _MULTIPLIER_WORDS:
        return _MULTIPLIER_WORDS[t]
    m = re.fullmatch(r"(.+?) times", t)
    if m:
        inner = words_to_number(m.group(1))
        return inner if isinstance(inner, int) else None
    total, current = 0, 0
    seen = False
    for word in re.split(r"[ -]", t.replace(" and ", " ")):
        if word in WORD_VALUES:
            current += WORD_VALUES[word]
        elif word == "hundred" and seen:
            current *= 100
        elif word in ("thousand", "million", "billion") and seen:
            total += current * {"thousand": 1000, "million": 10**6, "billion": 10**9}[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def parse_number(text: str) -> int | float | Fraction | None:
    """Parse a number as a question writes it: ``"1,200"``, ``"$1.50"``, ``"1/2"``, ``"25%"``, ``"forty"``."""
    t = text.strip()
    core = re.sub(r"^[^\d\-.]+|[%\s]+$", "", t).replace(",", "")
    if re.fullmatch(r"-?\d+", core):
        return int(core)
    if re.fullmatch(r"-?\d*\.\d+|-?\d+\.\d*", core):
        return float(core)
    m = re.fullmatch(r"(-?\d+)\s*/\s*(\d+)", core)
    if m and int(m.group(2)):
        return Fraction(int(m.group(1)), int(m.group(2)))
    return words_to_number(t)


def _fraction_pairs(pairs: list[tuple[int, int]], words: bool, digits: bool) -> list[tuple[str, Fraction]]:
    out = []
    for num, den in pairs:
        if digits:
            out.append((f"{num}/{den}", Fraction(num, den)))
        if words:
            sing, plur = _ORDINAL_DENOMINATORS[den]
            out.append((f"{ONES[num]}-{sing if num == 1 else plur}", Fraction(num, den)))
    return out


_UNIT_FRACTIONS = [(1, d) for d in range(2, 11)]
_PROPER_FRACTIONS = [
    (1, 2),
    (1, 3),
    (1, 4),
    (2, 3),
    (3, 4),
    (1, 5),
    (2, 5),
    (3, 5),
    (4, 5),
    (1, 6),
    (5, 6),
    (1, 8),
    (3, 8),
    (1, 10),
    (2, 4),
    (2, 6),
    (3, 6),
    (4, 6),
]


def _casual_fraction_words() -> list[tuple[str, Fraction]]:
    out: list[tuple[str, Fraction]] = [("half", Fraction(1, 2)), ("a quarter", Fraction(1, 4))]
    for den in (3, 5, 6, 7, 8, 9, 10):
        sing = _ORDINAL_DENOMINATORS[den][0]
        article = "an" if sing[0] in "aeiou" else "a"
        out.append((f"{article} {sing}", Fraction(1, den)))
    return out


NAMES_FEMALE = [
    "Abena",
    "Adaeze",
    "Aiko",
    "Alejandra",
    "Amara",
    "Anika",
    "Astrid",
    "Bianca",
    "Carmen",
    "Chiara",
    "Dalia",
    "Dana",
    "Elif",
    "Esme",
    "Farah",
    "Freya",
    "Greta",
    "Hana",
    "Ines",
    "Ingrid",
    "Isla",
    "Jia",
    "Kalani",
    "Kiara",
    "Lakshmi",
    "Layla",
    "Leona",
    "Lucia",
    "Maite",
    "Malia",
    "Marisol",
    "Maya",
    "Mina",
    "Naledi",
    "Nora",
    "Noor",
    "Paloma",
    "Rosa",
    "Ruth",
    "Saanvi",
    "Salma",
    "Selin",
    "Sienna",
    "Soo-ah",
    "Tamsin",
    "Thandi",
    "Usha",
    "Vera",
    "Wren",
    "Ximena",
    "Yasmin",
    "Yetunde",
    "Zara",
    "Zoe",
]
NAMES_MALE = [
    "Aarav",
    "Abdul",
    "Adebayo",
    "Aleksander",
    "Amir",
    "Anton",
    "Bao",
    "Bruno",
    "Caleb",
    "Cyrus",
    "Dmitri",
    "Duc",
    "Emeka",
    "Emil",
    "Enzo",
    "Felipe",
    "Finn",
    "Goran",
    "Hamza",
    "Henrik",
    "Hugo",
    "Idris",
    "Ivan",
    "Jonas",
    "Jorge",
    "Kenji",
    "Kofi",
    "Lars",
    "Lorenzo",
    "Malik",
    "Marco",
    "Mateus",
    "Musa",
    "Nikhil",
    "Omar",
    "Pablo",
    "Rafael",
    "Rohan",
    "Sami",
    "Sebastian",
    "Seun",
    "Stefan",
    "Taro",
    "Tomas",
    "Tunde",
    "Vikram",
    "Wale",
    "Yannick",
    "Yosef",
    "Zane",
]

#: every list a template can name, by name
LISTS: dict[str, list[Any]] = {
    "names_female": NAMES_FEMALE,
    "names_male": NAMES_MALE,
    "names": NAMES_FEMALE + NAMES_MALE,
    "fractions": [(f"1/{d}", Fraction(1, d)) for d in range(2, 11)] + _casual_fraction_words(),
    "fraction_nums": _fraction_pairs(_PROPER_FRACTIONS, words=False, digits=True),
    "fraction_alph": _fraction_pairs(list(_PROPER_FRACTIONS), words=True, digits=False),
    "fraction_alnum": _fraction_pairs(_PROPER_FRACTIONS, words=True, digits=True),
    "fraction_decimals": [round(0.1 * i, 1) for i in range(1, 10)],
    "multi_times": [(f"{number_to_words(i)} times", i) for i in range(2, 11)],
    "multiple_ice": [("twice", 2), ("thrice", 3)],
    "multiple": [("double", 2), ("triple", 3), ("quadruple", 4), ("quintuple", 5)],
    "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "months": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "seasons": ["spring", "summer", "autumn", "winter"],
    "sports": [
        "basketball",
        "football",
        "tennis",
        "volleyball",
        "cricket",
        "baseball",
        "badminton",
        "hockey",
        "table tennis",
        "rugby",
        "handball",
        "softball",
    ],
    "colors": [
        "red",
        "blue",
        "green",
        "yellow",
        "orange",
        "purple",
        "pink",
        "brown",
        "black",
        "white",
        "gray",
        "teal",
        "violet",
        "crimson",
        "turquoise",
        "silver",
    ],
    "fruits": [
        "apple",
        "banana",
        "orange",
        "pear",
        "peach",
        "plum",
        "mango",
        "kiwi",
        "apricot",
        "lemon",
        "grapefruit",
        "papaya",
        "nectarine",
        "fig",
    ],
    "vegetables": [
        "carrot",
        "potato",
        "onion",
        "tomato",
        "cucumber",
        "pepper",
        "zucchini",
        "eggplant",
        "cabbage",
        "turnip",
    ],
    "animals": ["dog", "cat", "rabbit", "horse", "goat", "sheep", "cow", "pig", "duck", "chicken", "hamster"],
    "cities": [
        "Accra",
        "Athens",
        "Bogota",
        "Chicago",
        "Dakar",
        "Dublin",
        "Hanoi",
        "Jakarta",
        "Kyoto",
        "Lagos",
        "Lima",
        "Madrid",
        "Manila",
        "Montreal",
        "Nairobi",
        "Oslo",
        "Prague",
        "Quito",
        "Rome",
        "Santiago",
        "Seoul",
        "Tunis",
        "Vancouver",
        "Warsaw",
        "Zurich",
    ],
    "countries": [
        "Brazil",
        "Canada",
        "Chile",
        "Egypt",
        "France",
        "Ghana",
        "India",
        "Japan",
        "Kenya",
        "Mexico",
        "Norway",
        "Peru",
        "Poland",
        "Spain",
        "Vietnam",
    ],
    "currencies_sym": ["$", "€", "£", "¥", "₹", "₩"],
    "currencies": ["dollar", "euro", "pound", "yen", "rupee", "franc"],
    "weights_sm": ["gram", "ounce"],
    "weights_med": ["pound", "kilogram"],
    "weights_lg": ["ton", "tonne"],
    "length_sm": ["inch", "centimeter", "millimeter"],
    "length_med": ["foot", "meter", "yard"],
    "length_lg": ["mile", "kilometer"],
    "volumes_sm": ["cup", "milliliter", "fluid ounce"],
    "volumes": ["liter", "gallon", "quart"],
}


def numbers_within(low: int, high: int) -> list[tuple[str, int]]:
    """``[(words, value)]`` for ``low..high`` inclusive (the question shows the words)."""
    if not (isinstance(low, int) and isinstance(high, int)) or high - low > 100_000:
        raise ValueError("numbers_within wants two integers less than 100000 apart")
    return [(number_to_words(i), i) for i in range(low, high + 1)]
