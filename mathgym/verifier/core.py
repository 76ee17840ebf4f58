"""``verify(response, gold)``: extraction, anti-hacking rules, fast paths and the cached gold parses."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from mathgym.verifier.compare import (
    ValueCache,
    is_multiple,
    long_decimal_matches,
    named_value,
    shape,
    shapes_equal,
)
from mathgym.verifier.evaluate import free_symbols
from mathgym.verifier.extract import (
    FinalAnswer,
    extract_answer,
    final_answers,
    strip_chat_debris,
    unmarked_answers,
)
from mathgym.verifier.forms import check_form
from mathgym.verifier.lexer import (
    CONNECTIVES,
    FUNCTIONS,
    NUMBER_WORDS,
    UNITS,
    LookalikeCharacter,
    ParseError,
    screen_unicode,
)
from mathgym.verifier.limits import (
    MAX_ANSWER_CHARS,
    MAX_CANDIDATES,
    MAX_GOLD_CHARS,
    LimitExceeded,
    VerifierTimeout,
    deadline_scope,
)
from mathgym.verifier.parser import parse_with_units
from mathgym.verifier.verdict import Verdict

# --- fast paths ------------------------------------------------------------------------------------------
_FAST_NUMBER = re.compile(r"(-)?(?:\\\$|\$)?(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?(\\?%)?")
_FAST_FRACTION = re.compile(r"(-)?(?:\\[dt]?frac\{(\d+)\}\{(\d+)\}|(\d+)/(\d+))")
_DIGIT_SPACE_DIGIT = re.compile(r"\d\s+\d")


def _compact(text: str) -> str:
    """A number answer without spaces, thin spaces and a final full stop (the spelling fast paths read)."""
    return text.replace(" ", "").replace("\\!", "").replace("\\,", "").removesuffix(".")


def fast_number(text: str) -> tuple[Fraction, bool] | None:
    """Exact value of a plain number answer (``-1,234.5``, ``\\$18``, ``25\\%``, ``\\frac{3}{4}``, ``3/4``).

    :param text: an answer string.
    :returns: ``(value, has_percent)``, or None when the answer is anything else (then the parser runs).
    """
    if len(text) > 64:
        return None
    if text.isdigit():
        return Fraction(int(text)), False
    if _DIGIT_SPACE_DIGIT.search(text):  # "2 1/2" is a mixed number, "1 000" is ambiguous: parser decides
        return None
    compact = _compact(text)
    match = _FAST_NUMBER.fullmatch(compact)
    if match is not None:
        sign, whole, decimals, percent = match.groups()
        if whole is None and decimals is None:
            return None
        value = Fraction((whole or "0").replace(",", "") + (decimals or ""))
        return (-value if sign else value), percent is not None
    match = _FAST_FRACTION.fullmatch(compact)
    if match is not None:
        sign, top, bottom, top2, bottom2 = match.groups()
        top, bottom = (top, bottom) if top is not None else (top2, bottom2)
        if int(bottom) == 0:
            return None
        value = Fraction(int(top), int(bottom))
        return (-value if sign else value), False
    return None


def _numbers_equal(gold: tuple[Fraction, bool], resp: tuple[Fraction, bool]) -> bool:
    """Exact equality with the percent convention of :func:`mathgym.verifier.compare.scalar_equal`: a percent
    sign in the response divides by 100; a percent gold takes its number of percent or the fraction."""
    (g, g_pct), (r, r_pct) = gold, resp
    if g_pct == r_pct:
        return g == r
    if r_pct:
        return r / 100 == g
    return r == g or r == g / 100


_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|textrm|textit|mbox|mathrm|mathbf|operatorname)\s*\{")
_TEXT_NOISE = re.compile(r"\\left|\\right|\\[,;:! ]|\\displaystyle|[\s${}]|\\\$")


def text_key(text: str) -> str:
    """A canonical spelling for exact-match checks (text wrappers, spaces, delimiters removed)."""
    key = _TEXT_WRAPPER.sub("", text)
    key = _TEXT_NOISE.sub("", key)
    key = key.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return key.rstrip(".")


_CHOICE_GOLD = re.compile(r"\(?([A-E])\)?")
_CHOICE_RESPONSE = re.compile(
    r"(?:option|choice|answer)?\s*[(\[]?([A-Ea-e])[)\]]?(?:[\s:.)].*)?", re.IGNORECASE | re.DOTALL
)
_CHOICE_LETTERS = re.compile(r"(?<![A-Za-z\\])[A-E](?![A-Za-z])")


# answers that are words, not products of variables: compared without case ("No" is "no", not N*o)
_WORD_ANSWERS = frozenset(
    {
        "yes",
        "no",
        "true",
        "false",
        "none",
        "neither",
        "both",
        "always",
        "never",
        "undefined",
        "impossible",
        "odd",
        "even",
    }
)


def _strip_text_commands(text: str) -> str:
    return _TEXT_NOISE.sub("", _TEXT_WRAPPER.sub("", text))


def _choice_letter(text: str) -> str | None:
    """The single option letter a response picks, or None (also when it names several options)."""
    plain = _TEXT_WRAPPER.sub("", text).replace("}", " ").replace("$", " ").strip()
    match = _CHOICE_RESPONSE.fullmatch(plain)
    if match is None:
        return None
    letters = set(_CHOICE_LETTERS.findall(plain.upper() if len(plain) <= 3 else plain))
    if len(letters) > 1:
        return None
    return match.group(1).upper()


# --- gold answers ----------------------------------------------------------------------------------------
class GoldAnswer(NamedTuple):
    """A parsed gold answer with its memo; built once per distinct gold (LRU)."""

    raw: str
    fast: tuple[Fraction, bool] | None
    choice: str | None
    key: str
    shape: tuple | None
    units: str
    match_reason: str
    cache: ValueCache


def _match_reason(gold_shape: tuple | None) -> str:
    if gold_shape is None:
        return "match:exact"
    kind = gold_shape[0]
    if kind == "S":
        return "match:symbolic" if free_symbols(gold_shape[1]) else "match:numeric"
    if kind == "T":
        interval = gold_shape[1] == "[" or gold_shape[2] == "]" or "inf" in repr(gold_shape[3])
        return "match:interval" if interval else "match:tuple"
    return {
        "L": "match:set",
        "M": "match:matrix",
        "E": "match:equation",
        "X": "match:text",
        "B": "match:numeric",
        "R": "match:inequality",
    }.get(kind, "match:symbolic")


@lru_cache(maxsize=8192)
def gold_answer(gold: str, hint: str | None = None) -> GoldAnswer:
    """Parse a gold answer once (cached).

    :param gold: the gold answer string.
    :param hint: optional ``answer_type`` ("choice", "integer", "set", ...).
    """
    raw = gold.strip()
    if "\\boxed" in raw or "####" in raw:  # a whole reference solution was given as the gold
        raw = extract_answer(raw) or raw
    if raw.startswith("$") and raw.endswith("$"):
        raw = raw.strip("$").strip()
    screened = screen_unicode(raw)
    choice = None
    choice_match = _CHOICE_GOLD.fullmatch(_strip_text_commands(screened))
    if choice_match is not None or hint == "choice":
        letter = choice_match.group(1) if choice_match else _choice_letter(screened)
        if letter is not None:
            choice = letter.upper()
    fast = fast_number(screened)
    gold_shape, units = None, ""
    try:
        node, units = parse_with_units(screened)
        gold_shape = shape(node)
    except (ParseError, LimitExceeded):
        gold_shape = None
    key = text_key(screened)
    if gold_shape is not None and gold_shape[0] == "X":
        key = key.lower()
    return GoldAnswer(raw, fast, choice, key, gold_shape, units, _match_reason(gold_shape), ValueCache())


_PARSE_FAILED = ("parse-failed",)


@lru_cache(maxsize=8192)
def _response_shape(answer: str) -> tuple[tuple, str]:
    """The shape of a response answer and its unit (``(_PARSE_FAILED, "")`` outside the grammar)."""
    try:
        node, units = parse_with_units(answer)
    except ParseError:
        return _PARSE_FAILED, ""
    return shape(node), units


def compare_answer(answer: str, gold: GoldAnswer) -> tuple[bool, str]:  # noqa: C901  (the answer-form decision list, in order)
    """Compare one extracted answer with a parsed gold answer.

    :returns: ``(correct, reason)``.
    """
    if len(answer) > MAX_ANSWER_CHARS:
        return False, "unparseable:too_long"
    try:
        screened = screen_unicode(answer)
    except LookalikeCharacter:
        return False, "unparseable:lookalike"
    if gold.choice is not None:
        # an option letter as gold: the response must pick exactly one letter, the right one
        letter = _choice_letter(screened)
        if letter is not None:
            return (True, "match:choice") if letter == gold.choice else (False, "mismatch")
        several = len(set(_CHOICE_LETTERS.findall(screened))) > 1
        return False, "ambiguous:multiple_answers" if several else "mismatch"
    if gold.fast is not None:
        resp_fast = fast_number(screened)
        if resp_fast is not None:
            equal = _numbers_equal(gold.fast, resp_fast) or (
                not gold.fast[1]
                and not resp_fast[1]
                and "." in screened
                and long_decimal_matches(_compact(screened), gold.fast[0])
            )
            return (True, "match:numeric") if equal else (False, "mismatch")
    resp_key = text_key(screened)
    if gold.key.lower() in _WORD_ANSWERS and resp_key.lower() == gold.key.lower():
        return True, "match:exact"
    if resp_key == gold.key or (
        gold.shape is not None and gold.shape[0] == "X" and resp_key.lower() == gold.key
    ):
        return True, "match:exact"
    if gold.shape is None:
        return False, "unparseable:gold"
    try:
        resp_shape, resp_units = _response_shape(screened)
    except LimitExceeded:
        return False, "unparseable:limit"
    if resp_shape is _PARSE_FAILED:
        return False, "unparseable"
    if gold.units and resp_units and gold.units != resp_units:
        return False, "mismatch:units"  # 5 kg is not 5 g (no conversions: see mathgym.verifier.units)
    try:
        if shapes_equal(gold.shape, resp_shape, gold.cache):
            return True, gold.match_reason
    except LimitExceeded:
        return False, "unparseable:limit"
    if is_multiple(resp_shape) and not is_multiple(gold.shape):
        return False, "ambiguous:multiple_answers"
    return False, "mismatch"


# --- verify ----------------------------------------------------------------------------------------------
def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Fraction)):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else None
    return None


def _gold_text(gold: Any) -> tuple[str | None, str | None, str | None]:
    """Gold answer text, ``answer_type`` hint and required ``answer_form`` (the last two from a Problem)."""
    hint = form = None
    if hasattr(gold, "answer") and hasattr(gold, "meta"):
        meta = getattr(gold, "meta", None) or {}
        try:
            hint, form = meta.get("answer_type"), meta.get("answer_form")
        except AttributeError:
            hint = form = None
        gold = gold.answer
    text = _as_text(gold)
    if text is not None and not text.strip():
        text = None
    return (text, hint if isinstance(hint, str) else None, form if isinstance(form, str) else None)


def verify(response: Any, gold: Any, *, timeout_s: float = 1.0) -> Verdict:
    """Check a model response (or a bare answer) against a gold answer.

    Never raises and never runs longer than about ``timeout_s``: all work is bounded and checks a
    cooperative deadline, which works in any thread or process; on expiry the verdict is ``"timeout"``.

    :param response: the whole response (any type; non-text responses are ``"invalid_input"``).
    :param gold: the gold answer string, or a :class:`~mathgym.problem.Problem` (its ``answer`` and
        ``meta["answer_type"]`` hint are used).
    :param timeout_s: hard time limit in seconds.
    :returns: a :class:`Verdict`; ``reason`` is one of ``match:<kind>``, ``mismatch``, ``mismatch:units``,
        ``no_answer``, ``negated`` (the only answer stated is denied: "not 2", "\\boxed{2} is wrong"),
        ``ambiguous:multiple_answers``, ``ambiguous:too_many_answers``, ``unparseable[:detail]``,
        ``invalid_input``, ``no_gold``, ``timeout``, ``error:<type>``.
    """
    extracted = None
    try:
        with deadline_scope(timeout_s):
            text = _as_text(response)
            if text is None:
                return Verdict(False, 0.0, None, "invalid_input")
            text = strip_chat_debris(text)
            gold_text, hint, form = _gold_text(gold)
            found = final_answers(text)
            if found is None:
                return Verdict(False, 0.0, None, "ambiguous:too_many_answers")
            answers, marker = found
            if answers:
                extracted = answers[-1].text
            if gold_text is None:
                return Verdict(False, 0.0, extracted, "no_gold")
            if len(gold_text) > MAX_GOLD_CHARS:
                return Verdict(False, 0.0, extracted, "unparseable:gold")
            gold_parsed = gold_answer(gold_text, hint)
            if marker == "retracted":
                return Verdict(False, 0.0, extracted, "negated")
            if marker == "none":
                verdict = _verify_unmarked(text, gold_parsed)
                if verdict.correct and not check_form(verdict.extracted or "", form):
                    return Verdict(False, 0.0, verdict.extracted, f"wrong_form:{form}")
                return verdict
            if len(answers) > MAX_CANDIDATES:
                return Verdict(False, 0.0, extracted, "ambiguous:too_many_answers")
            ok, reason = _verify_marked(answers, gold_parsed)
            if ok and not check_form(answers[-1].text, form):
                return Verdict(False, 0.0, extracted, f"wrong_form:{form}")
            return Verdict(ok, 1.0 if ok else 0.0, extracted, reason)
    except VerifierTimeout:
        return Verdict(False, 0.0, extracted, "timeout")
    except LimitExceeded:
        return Verdict(False, 0.0, extracted, "unparseable:limit")
    except RecursionError:
        return Verdict(False, 0.0, extracted, "unparseable:limit")
    except Exception as error:  # noqa: BLE001  the verifier never raises: any other failure is a wrong answer
        return Verdict(False, 0.0, extracted, f"error:{type(error).__name__}")


def _verify_marked(answers: list[FinalAnswer], gold: GoldAnswer) -> tuple[bool, str]:
    """Every strict answer must match the gold; loose ones may also be prose. Several boxes may together form
    a multi-valued gold (``\\boxed{1}, \\boxed{2}`` for ``\\{1, 2\\}``; ``\\boxed{x = 2} or \\boxed{x = 3}`` for
    the solutions ``2, 3``), but boxes offered as alternatives ("or") never make up a point ``(2, 3)``."""
    final_ok, final_reason = compare_answer(answers[-1].text, gold)
    if len(answers) == 1:
        return final_ok, final_reason
    several = final_reason == "mismatch" and any(a.strict for a in answers[:-1])
    multi = _multi_valued(gold)
    if not final_ok and not multi:  # boxes can only add up to a gold with several parts
        return False, "ambiguous:multiple_answers" if several else final_reason
    matched = [final_ok]
    offending = []  # answers that contradict the gold on their own
    for answer in answers[:-1]:
        ok, reason = compare_answer(answer.text, gold)
        matched.append(ok)
        if not ok and (
            answer.strict or not (reason.startswith("unparseable") or _is_text_answer(answer.text))
        ):
            if not multi:
                return False, "ambiguous:multiple_answers"
            offending.append(answer)
    if final_ok and not offending:
        return True, final_reason
    parts = [a for a, ok in zip([answers[-1]] + answers[:-1], matched) if not ok and a.strict]
    ordered = gold.shape is not None and gold.shape[0] == "T"
    if (
        len(parts) >= 2
        and all(a.kind == "box" and not (ordered and a.after_or) for a in parts)
        and all(a.strict for a in offending)
    ):
        parts.sort(key=answers.index)
        combined_ok, combined_reason = compare_answer(", ".join(a.text for a in parts), gold)
        if combined_ok:
            return True, combined_reason
    if not final_ok:
        return False, "ambiguous:multiple_answers" if several else final_reason
    return False, "ambiguous:multiple_answers"


def _multi_valued(gold: GoldAnswer) -> bool:
    """Whether the gold has several parts that separate boxes could give (a set or list, a point)."""
    if gold.shape is None:
        return False
    kind = gold.shape[0]
    return (kind == "L" and len(gold.shape[1]) > 1) or (
        kind == "T" and gold.shape[1] == "(" and gold.shape[2] == ")" and len(gold.shape[3]) > 1
    )


def _is_text_answer(answer: str) -> bool:
    try:
        parsed = _response_shape(screen_unicode(answer))[0]
    except (ParseError, LimitExceeded):
        return True
    return parsed is _PARSE_FAILED or parsed[0] == "X"


def _states_work(answer: str) -> bool:
    """Whether a short response is a computation (``6*7 = 42``) rather than a stated answer (``x = 3``)."""
    try:
        parsed = _response_shape(screen_unicode(answer))[0]
    except (ParseError, LimitExceeded):
        return False
    items = parsed[1] if parsed[0] == "L" else (parsed,)
    return any(item[0] == "E" and named_value(item) is None for item in items)


_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{2,}")
_MATH_WORDS = (
    FUNCTIONS
    | UNITS
    | CONNECTIVES
    | frozenset(NUMBER_WORDS)
    | frozenset(("pi", "infty", "infinity", "inf", "frac", "sqrt", "text"))
)


def _looks_like_prose(answer: str) -> bool:
    """Whether a bare answer has English words (``so she has 18 left``) rather than variables."""
    return any(word.lower() not in _MATH_WORDS for word in _WORD.findall(answer))


def _verify_unmarked(text: str, gold: GoldAnswer) -> Verdict:
    """A response without answer markers: a short bare answer, or the last stated result (nothing when it
    is negated; ambiguous when it is offered together with another candidate)."""
    found = unmarked_answers(text)
    gold_is_text = gold.shape is not None and gold.shape[0] == "X"
    whole = found.whole
    if whole is not None and (
        gold_is_text or not (_looks_like_prose(whole) or _is_text_answer(whole) or _states_work(whole))
    ):
        ok, reason = compare_answer(whole, gold)
        return Verdict(ok, 1.0 if ok else 0.0, whole, reason)
    if found.result is None:
        return Verdict(False, 0.0, None, "negated" if found.negated else "no_answer")
    ok, reason = compare_answer(found.result, gold)
    return Verdict(ok, 1.0 if ok else 0.0, found.result, reason)


def clear_caches() -> None:
    """Forget the cached gold and response parses (for benchmarks that time cold starts)."""
    gold_answer.cache_clear()
    _response_shape.cache_clear()
