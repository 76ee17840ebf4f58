"""Tokenizer for final answers written in LaTeX or plain text math.

It never evaluates anything: it only turns a string into a list of tokens ``(kind, value, spaced)``,
where ``spaced`` says whether whitespace preceded the token (mixed numbers need it).

Unicode policy (documented in :mod:`mathgym.verifier`): a small whitelist of mathematical symbols (−, ×, ÷,
π, √, ∞, ≤, ≥, ≠, ±, °, ∪, superscript digits, vulgar fractions, Greek letters, typographic spaces) is
mapped to its LaTeX meaning. Digits from any other script (Arabic-Indic, fullwidth, mathematical
bold/monospace digits, ...) and invisible format characters (zero-width spaces, bidi overrides) make the
answer unparseable, so a lookalike answer is never accepted, even when it would stand for the gold.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from mathgym.number_words import WORD_VALUES
from mathgym.verifier.limits import MAX_TOKENS, LimitExceeded, check_deadline


class ParseError(ValueError):
    """The answer is not something the verifier's grammar accepts."""


class LookalikeCharacter(ParseError):
    """The answer contains a digit from another script or an invisible format character."""


Token = tuple  # (kind: str, value: object, spaced: bool)

_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
]
FUNCTIONS = frozenset(
    [
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "arcsin",
        "arccos",
        "arctan",
        "arccot",
        "arcsec",
        "arccsc",
        "sinh",
        "cosh",
        "tanh",
        "log",
        "ln",
        "lg",
        "exp",
        "sqrt",
        "abs",
        "floor",
        "ceil",
        "gcd",
        "lcm",
        "max",
        "min",
        "det",
    ]
)
CONNECTIVES = frozenset(("or", "and"))
UNITS = frozenset(
    [
        "cm",
        "mm",
        "km",
        "m",
        "meter",
        "meters",
        "metre",
        "metres",
        "centimeter",
        "centimeters",
        "millimeter",
        "millimeters",
        "kilometer",
        "kilometers",
        "centimetre",
        "centimetres",
        "millimetre",
        "millimetres",
        "kilometre",
        "kilometres",
        "milligram",
        "milligrams",
        "in",
        "inch",
        "inches",
        "ft",
        "foot",
        "feet",
        "yd",
        "yard",
        "yards",
        "mi",
        "mile",
        "miles",
        "mph",
        "kph",
        "kmh",
        "sq",
        "square",
        "squared",
        "cubic",
        "cu",
        "units",
        "unit",
        "g",
        "kg",
        "gram",
        "grams",
        "kilogram",
        "kilograms",
        "mg",
        "lb",
        "lbs",
        "pound",
        "pounds",
        "oz",
        "ounce",
        "ounces",
        "ton",
        "tons",
        "l",
        "liter",
        "liters",
        "litre",
        "litres",
        "ml",
        "milliliter",
        "milliliters",
        "gallon",
        "gallons",
        "gal",
        "quart",
        "quarts",
        "pint",
        "pints",
        "cup",
        "cups",
        "s",
        "sec",
        "secs",
        "second",
        "seconds",
        "min",
        "mins",
        "minute",
        "minutes",
        "h",
        "hr",
        "hrs",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "yr",
        "yrs",
        "dollar",
        "dollars",
        "cent",
        "cents",
        "usd",
        "euro",
        "euros",
        "degree",
        "degrees",
        "deg",
        "rad",
        "radian",
        "radians",
        "percent",
        "percentage",
        "point",
        "points",
    ]
)
NUMBER_WORDS = {**WORD_VALUES, "hundred": 100, "thousand": 1000}

# Unicode characters with a fixed mathematical meaning (everything else non-ASCII is a word letter,
# whitespace, or rejected).
_UNICODE_MAP = {
    "\u2212": "-",
    "\u2013": "-",
    "\u2012": "-",
    "\u00d7": r"\times ",
    "\u22c5": r"\cdot ",
    "\u00b7": r"\cdot ",
    "\u2219": r"\cdot ",
    "\u00f7": r"\div ",
    "\u2044": "/",
    "\u2215": "/",
    "\u03c0": r"\pi ",
    "\u221a": r"\sqrt",
    "\u221e": r"\infty ",
    "\u2264": r"\le ",
    "\u2265": r"\ge ",
    "\u2260": r"\ne ",
    "\u00b1": r"\pm ",
    "\u2213": r"\mp ",
    "\u00b0": r"^\circ ",
    "\u222a": r"\cup ",
    "\u2229": r"\cap ",
    "\u2208": r"\in ",
    "\u2248": r"\approx ",
    "\u2205": r"\emptyset ",
    "\u2019": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00bd": "(1/2)",
    "\u2153": "(1/3)",
    "\u2154": "(2/3)",
    "\u00bc": "(1/4)",
    "\u00be": "(3/4)",
    "\u2155": "(1/5)",
    "\u215b": "(1/8)",
    "\u2070": "^0",
    "\u00b9": "^1",
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u2074": "^4",
    "\u2075": "^5",
    "\u2076": "^6",
    "\u2077": "^7",
    "\u2078": "^8",
    "\u2079": "^9",
    "\u207b": "^-",
    "\u2009": " ",
    "\u202f": " ",
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u3000": " ",
    "\u2026": r"\ldots ",
    "\u27e8": r"\langle ",
    "\u27e9": r"\rangle ",
    "\u211d": r"\mathbb{R} ",
}
_GREEK_UNICODE = {
    chr(0x3B1 + i): name
    for i, name in enumerate(
        [
            "alpha",
            "beta",
            "gamma",
            "delta",
            "epsilon",
            "zeta",
            "eta",
            "theta",
            "iota",
            "kappa",
            "lambda",
            "mu",
            "nu",
            "xi",
            "omicron",
            "pi",
            "rho",
            "varsigma",
            "sigma",
            "tau",
            "upsilon",
            "phi",
            "chi",
            "psi",
            "omega",
        ]
    )
}


def screen_unicode(text: str) -> str:
    """Map whitelisted math symbols to LaTeX and reject lookalike digits and invisible characters.

    :param text: an answer string.
    :returns: the string with every whitelisted non-ASCII character replaced.
    :raises LookalikeCharacter: for a non-ASCII decimal digit or a format (``Cf``) character.
    """
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        mapped = _UNICODE_MAP.get(ch)
        if mapped is not None:
            out.append(mapped)
            continue
        greek = _GREEK_UNICODE.get(ch)
        if greek is not None:
            out.append("\\" + greek + " ")
            continue
        category = unicodedata.category(ch)
        if category == "Nd" or category == "No":
            raise LookalikeCharacter(f"non-ASCII digit {ch!r}")
        if category in ("Cf", "Co", "Cs", "Cn", "Cc"):
            raise LookalikeCharacter(f"invisible or invalid character U+{ord(ch):04X}")
        if category.startswith("Z"):
            out.append(" ")
            continue
        out.append(ch)  # letters of other scripts stay: they only ever form words
    return "".join(out)


# --- pre-normalisation of number formats (before tokenizing) ---------------------------------------------
_THOUSANDS_LATEX = re.compile(r"(?<=\d)(?:\{,\}|,\\!\s*+|\\,|\\;|\\ )(?=\d{3}(?!\d))")
_DEGREE = re.compile(r"\^\s*+\{?\s*+\\circ\s*+\}?|\\circ|\\degree")
# \text{} holds words; \mathrm{} and \operatorname{} hold upright *mathematics* (\mathrm{e} is Euler's number,
# \operatorname{lcm} a function, \mathrm{kg} a unit), so their content is tokenized as math, word by word.
_TEXT_CMD = re.compile(
    r"\\(?:(?P<text>text|textbf|textrm|textit|textsf|texttt|textnormal|mbox|hbox)"
    r"|mathrm|operatorname\*?)\s*\{"
)

_MASTER = re.compile(
    r"""
 (?P<ws>\s+)
|(?P<skip>\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg|middle)\s*\.
   |\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg|middle|displaystyle
      |textstyle|limits|nolimits|quad|qquad|boxed|fbox|mathbf|mathit|boldsymbol|bm|mathsf|mathcal|mathnormal
      |phantom|hphantom|vphantom)(?![a-zA-Z])
   |\\[,;:!>\ ]|~|\\\$|\$|\\\(|\\\)|\\\[|\\\])
|(?P<num>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d*)?(?:\\overline\s*\{\d+\}|\\bar\s*\{\d+\})?
   (?:[eE][+-]?\d+(?![\d.a-zA-Z]))?
  |\.\d+(?:\\overline\s*\{\d+\}|\\bar\s*\{\d+\})?)
|(?P<cmd>\\[a-zA-Z]+)
|(?P<esc>\\[{}|%_&#])
|(?P<rowsep>\\\\)
|(?P<word>[A-Za-z]+)
|(?P<op><=|>=|!=|=<|=>|==|\*\*|[-+*/^_!()\[\]{}|,;&=<>:'"%.?])
""",
    re.VERBOSE,
)

_COMMANDS: dict[str, tuple[str, object]] = {
    "frac": ("cmd", "frac"),
    "dfrac": ("cmd", "frac"),
    "tfrac": ("cmd", "frac"),
    "cfrac": ("cmd", "frac"),
    "binom": ("cmd", "binom"),
    "dbinom": ("cmd", "binom"),
    "tbinom": ("cmd", "binom"),
    "sqrt": ("cmd", "sqrt"),
    "mathbb": ("cmd", "mathbb"),
    "pi": ("const", "pi"),
    "infty": ("const", "inf"),
    "infin": ("const", "inf"),
    "emptyset": ("const", "empty"),
    "varnothing": ("const", "empty"),
    "cdot": ("op", "*"),
    "times": ("op", "*"),
    "ast": ("op", "*"),
    "div": ("op", "/"),
    "pm": ("op", "pm"),
    "mp": ("op", "mp"),
    "le": ("op", "<="),
    "leq": ("op", "<="),
    "leqslant": ("op", "<="),
    "ge": ("op", ">="),
    "geq": ("op", ">="),
    "geqslant": ("op", ">="),
    "lt": ("op", "<"),
    "gt": ("op", ">"),
    "ne": ("op", "!="),
    "neq": ("op", "!="),
    "approx": ("op", "~="),
    "simeq": ("op", "~="),
    "in": ("op", "in"),
    "cup": ("op", "cup"),
    "cap": ("op", "cap"),
    "lor": ("op", "or"),
    "vee": ("op", "or"),
    "land": ("op", "and"),
    "wedge": ("op", "and"),
    "lfloor": ("open", "lfloor"),
    "rfloor": ("close", "rfloor"),
    "lceil": ("open", "lceil"),
    "rceil": ("close", "rceil"),
    "langle": ("open", "("),
    "rangle": ("close", ")"),
    "lvert": ("op", "|"),
    "rvert": ("op", "|"),
    "vert": ("op", "|"),
    "mid": ("op", "|"),
    "degree": ("op", "deg"),
    "circ": ("op", "deg"),
    "percent": ("op", "%"),
}
for _name in _GREEK:
    _COMMANDS[_name] = ("id", _name)
for _name in FUNCTIONS:
    _COMMANDS[_name] = ("func", _name)
_COMMANDS["pi"] = ("const", "pi")
_COMMANDS["Pi"] = ("id", "Pi")
_COMMANDS["sqrt"] = ("cmd", "sqrt")  # \sqrt[n]{x} takes an optional index, unlike plain-text sqrt(x)


def _repeating(raw: str) -> Fraction:
    """Value of a decimal with a repeating block, e.g. ``0.1\\overline{6}`` = 1/6."""
    head, _, rest = raw.partition("\\")
    block = re.search(r"\{(\d+)\}", rest).group(1)  # type: ignore[union-attr]
    whole, _, frac_digits = head.partition(".")
    whole = whole or "0"
    base = Fraction(int(whole + frac_digits), 10 ** len(frac_digits))
    repeat = Fraction(int(block), (10 ** len(block) - 1) * 10 ** len(frac_digits))
    return base + repeat


def number_value(raw: str) -> Fraction:
    """Exact value of a number literal (thousands commas, decimals, repeating decimals, ``1.5e3``).

    :param raw: the literal as matched by the tokenizer.
    """
    text = raw.replace(",", "")
    if "\\" in text:
        return _repeating(text)
    if "e" in text or "E" in text:
        mantissa, _, exponent = text.lower().partition("e")
        power = int(exponent)
        if abs(power) > 400:
            raise LimitExceeded("scientific exponent too large")
        return Fraction(mantissa) * Fraction(10) ** power
    if text.endswith("."):
        text = text[:-1]
    return Fraction(text)


#: upright single letters with a fixed meaning (ISO 80000-2): Euler's number, the imaginary unit, and the
#: differential d, which is an ordinary symbol to the verifier
_UPRIGHT_LETTERS = {"e": ("const", "e"), "i": ("const", "i"), "d": ("id", "d")}


def _classify_upright(word: str, spaced: bool, out: list) -> None:
    """A run of letters inside ``\\mathrm{}``/``\\operatorname{}``: one name, never a product of letters."""
    low = word.lower()
    if word in _UPRIGHT_LETTERS:
        kind, value = _UPRIGHT_LETTERS[word]
        out.append((kind, value, spaced))
    elif low in UNITS and (len(word) > 1 or low in _SINGLE_LETTER_UNITS):
        out.append(("unit", low, spaced))
    elif low in FUNCTIONS:
        out.append(("func", low, spaced))
    elif low == "pi":
        out.append(("const", "pi", spaced))
    elif len(word) == 1:
        out.append(("id", word, spaced))
    else:  # an operator name the grammar does not know (Var, Tr, sgn): a word, compared as text
        out.append(("word", word, spaced))


#: one-letter units, recognised only where a unit is expected (text and upright mode)
_SINGLE_LETTER_UNITS = frozenset("mgslh")


def _classify_word(word: str, text_mode: bool, spaced: bool, out: list) -> None:  # noqa: C901  (one branch per word class)
    """Turn a run of letters into tokens: connectives, units, number words, functions or letters."""
    low = word.lower()
    if low in CONNECTIVES:
        out.append(("op", low, spaced))
    elif text_mode or (len(word) > 1 and low in UNITS):
        if low in NUMBER_WORDS:
            out.append(("num", (Fraction(NUMBER_WORDS[low]), low), spaced))
        elif low in UNITS:
            out.append(("unit", low, spaced))
        elif low in ("infinity", "infty", "inf"):
            out.append(("const", "inf", spaced))
        else:
            out.append(("word", word, spaced))
    elif low in FUNCTIONS and len(word) > 1:
        out.append(("func", low, spaced))
    elif low in ("pi",):
        out.append(("const", "pi", spaced))
    elif low in ("infinity", "infty", "inf", "oo"):
        out.append(("const", "inf", spaced))
    elif low in NUMBER_WORDS and len(word) > 2:
        out.append(("num", (Fraction(NUMBER_WORDS[low]), low), spaced))
    elif len(word) == 1:
        if word == "e":
            out.append(("const", "e", spaced))
        elif word == "i":
            out.append(("const", "i", spaced))
        else:
            out.append(("id", word, spaced))
    else:
        for fname in (
            "sqrt",
            "arcsin",
            "arccos",
            "arctan",
            "sin",
            "cos",
            "tan",
            "cot",
            "sec",
            "csc",
            "log",
            "ln",
        ):
            if low.startswith(fname) and len(low) > len(fname):
                out.append(("func", fname, spaced))
                _classify_word(word[len(fname) :], False, False, out)
                return
        if len(word) <= 3:
            for index, letter in enumerate(word):
                _classify_word(letter, False, spaced and index == 0, out)
        else:
            out.append(("word", word, spaced))


def matching_brace(text: str, open_index: int, limit: int | None = None) -> int:
    """Index of the ``}`` matching the ``{`` at ``open_index`` (escaped braces do not count).

    :param limit: look at most this many characters ahead (all of ``text`` when ``None``).
    :returns: the index, or -1 when the braces are unbalanced within the limit.
    """
    depth = 0
    index = open_index
    end = len(text) if limit is None else min(len(text), open_index + limit)
    while index < end:
        ch = text[index]
        if ch == "\\":
            index += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def tokenize(text: str) -> list[Token]:
    """Tokenize an answer string.

    :param text: the answer (already screened by :func:`screen_unicode`).
    :returns: tokens ``(kind, value, spaced)``; kinds are ``num`` (value ``(Fraction, raw)``), ``id``,
        ``const``, ``func``, ``cmd``, ``op``, ``open``, ``close``, ``unit``, ``word``, ``begin``, ``end``.
    :raises ParseError: on a character or command outside the grammar.
    """
    text = _THOUSANDS_LATEX.sub("", text)
    text = _DEGREE.sub(r" \\degree ", text)
    out: list[Token] = []
    _tokenize_into(text, out, text_mode=False)
    return out


def _tokenize_into(text: str, out: list, text_mode: bool, upright: bool = False) -> None:  # noqa: C901  (one branch per character class)
    """Tokenize ``text`` onto ``out``.

    :param text_mode: inside ``\\text{}``: letters form words (units, number words, names).
    :param upright: inside ``\\mathrm{}``/``\\operatorname{}``: mathematics whose letter runs are names.
    """
    pos = 0
    length = len(text)
    spaced = False
    match_at = _MASTER.match
    while pos < length:
        if len(out) > MAX_TOKENS:
            raise LimitExceeded("too many tokens")
        if not len(out) & 63:
            check_deadline()
        text_cmd = _TEXT_CMD.match(text, pos)
        if text_cmd is not None:
            close = matching_brace(text, text_cmd.end() - 1)
            if close < 0:
                raise ParseError("unbalanced braces")
            inner = text[text_cmd.end() : close]
            if inner.strip():
                first = len(out)
                is_text = text_cmd.group("text") is not None
                _tokenize_into(inner, out, text_mode=is_text, upright=not is_text)
                if len(out) > first:
                    kind, value, _ = out[first]
                    out[first] = (kind, value, spaced or inner[:1].isspace())
            spaced = True
            pos = close + 1
            continue
        match = match_at(text, pos)
        if match is None:
            ch = text[pos]
            if ch.isalpha():  # a letter of another script: part of a word, never a digit
                end = pos
                while end < length and text[end].isalpha() and not text[end].isascii():
                    end += 1
                out.append(("word", text[pos:end], spaced))
                spaced = False
                pos = end
                continue
            raise ParseError(f"unexpected character {ch!r}")
        kind = match.lastgroup
        raw = match.group()
        pos = match.end()
        if kind == "ws":
            spaced = True
            continue
        if kind == "skip":
            if raw in ("\\ ", "~", "\\,", "\\;", "\\:", "\\>", "\\quad", "\\qquad"):
                spaced = True
            continue
        if kind == "num":
            out.append(("num", (number_value(raw), raw), spaced))
        elif kind == "word":
            if upright:
                _classify_upright(raw, spaced, out)
            else:
                _classify_word(raw, text_mode, spaced, out)
        elif kind == "cmd":
            name = raw[1:]
            if name == "begin" or name == "end":
                env = re.match(r"\s*\{([a-zA-Z*]+)\}", text[pos:])
                if env is None:
                    raise ParseError("\\begin without environment")
                pos += env.end()
                env_name = env.group(1)
                if not (env_name.endswith("matrix") or env_name == "array"):
                    raise ParseError(f"unsupported environment {env_name}")
                if name == "begin" and env_name == "array":
                    spec = re.match(r"\s*\{[^{}]*\}", text[pos:])
                    if spec is not None:
                        pos += spec.end()
                out.append((name, env_name, spaced))
            else:
                token = _COMMANDS.get(name)
                if token is None:
                    raise ParseError(f"unsupported command \\{name}")
                out.append((token[0], token[1], spaced))
        elif kind == "esc":
            ch = raw[1]
            if ch == "{":
                out.append(("open", "\\{", spaced))
            elif ch == "}":
                out.append(("close", "\\}", spaced))
            elif ch == "%":
                out.append(("op", "%", spaced))
            elif ch == "|":
                out.append(("op", "||", spaced))
            else:
                out.append(("op", ch, spaced))
        elif kind == "rowsep":
            out.append(("op", "row", spaced))
        else:  # op
            if raw in "([{":
                out.append(("open", raw, spaced))
            elif raw in ")]}":
                out.append(("close", raw, spaced))
            elif raw == "**":
                out.append(("op", "^", spaced))
            elif raw == "=<":
                out.append(("op", "<=", spaced))
            elif raw == "==":
                out.append(("op", "=", spaced))
            elif raw == "=>":
                raise ParseError("implication is not an answer")
            else:
                out.append(("op", raw, spaced))
        spaced = False
