"""Finding the final answer(s) in a whole response.

Markers, strongest first: ``\\boxed{...}`` / ``\\fbox{...}``, a GSM8K line ``#### N`` (or an
``<answer>...</answer>`` tag), and answer phrases
("Final Answer: ...", "the final answer is ...", "the answer is ...", "Answer: ..."). :func:`extract_answer`
returns only what a marker introduces, so an environment can use it to tell whether a reasoning step gives
a final answer. :func:`final_answers` returns every final answer a response commits to, so that the
verifier can refuse responses that give several different ones.
"""
from __future__ import annotations

import re

from mathgym.verifier.lexer import matching_brace
from mathgym.verifier.limits import MAX_ANSWER_CHARS, check_deadline

# Possessive quantifiers (*+) everywhere a run of spaces could otherwise be re-split: no regex here may
# backtrack quadratically on a long response.
_PHRASE = re.compile(
    r"(?:final[ \t]++answer|(?<![a-z])answer)[ \t]*+\**+[ \t]*+(?:is\b[ \t]*+:?|:|=|\n)\s*+\**+[ \t]*+",
    re.IGNORECASE)
_HASHES = re.compile(r"^[ \t]*+####[ \t]*+(.+)$", re.MULTILINE)
_SENTENCE_END = re.compile(r"\n|\.(?=\s|$)|;\s|!\s|\?\s")
_STOP_WORDS = frozenset("""not that this to will should would can could may might must probably likely
correct wrong incorrect in at because of for on the a an we i it its which what how when where if whether
below above given as clearly obviously simply just""".split())
_PHRASE_WINDOW = 100_000
_MAX_BOXES = 64


_BOX = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])")


def boxed_answers(text: str) -> list[tuple[int, str]] | None:
    """Contents of every outermost ``\\boxed{}``/``\\fbox{}`` in order, with their end positions.

    :param text: a response.
    :returns: ``[(end_index, content), ...]``, or None when there are more boxes than the verifier compares.
    """
    if "\\boxed" not in text and "\\fbox" not in text:
        return []
    found: list[tuple[int, str]] = []
    position = 0
    for match in _BOX.finditer(text):
        if match.start() < position:  # inside the previous box
            continue
        check_deadline()
        cursor = match.end()
        while cursor < len(text) and text[cursor] in " \t":
            cursor += 1
        if cursor < len(text) and text[cursor] == "{":
            close = matching_brace(text, cursor, MAX_ANSWER_CHARS * 4)
            if close < 0:
                content = text[cursor + 1:cursor + 1 + MAX_ANSWER_CHARS + 1]  # unbalanced: unparseable later
                found.append((len(text), content))
                return found if len(found) <= _MAX_BOXES else None
            found.append((close + 1, text[cursor + 1:close]))
            position = close + 1
        else:  # "\boxed 5": the next token
            token = re.match(r"[^\s$]+", text[cursor:cursor + MAX_ANSWER_CHARS])
            if token:
                found.append((cursor + token.end(), token.group()))
            position = cursor + 1
        if len(found) > _MAX_BOXES:
            return None
    return found


_DIRTY_START = frozenset("$*`")
_DIRTY_END = frozenset("$])*`.,;: ")


def _clean(answer: str) -> str:
    """Strip math delimiters, an inner ``\\boxed``, markdown emphasis and trailing punctuation."""
    answer = answer.strip()
    if answer and answer[-1] not in _DIRTY_END and answer[0] not in _DIRTY_START and not (
            answer[0] == "\\" and answer[1:2] in ("b", "f", "[", "(")):
        return answer
    for _ in range(3):
        before = answer
        if answer.startswith("\\boxed") or answer.startswith("\\fbox"):
            inner = boxed_answers(answer)
            if inner and len(inner) == 1 and inner[0][0] >= len(answer.rstrip(". $")):
                answer = inner[0][1].strip()
        for left, right in (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)"), ("**", "**"), ("*", "*"),
                            ("`", "`")):
            if answer.startswith(left) and answer.endswith(right) and len(answer) >= len(left) + len(right):
                answer = answer[len(left):len(answer) - len(right)].strip()
        answer = answer.rstrip(" .,;:").strip()
        if answer.startswith("**"):
            answer = answer.lstrip("*").strip()
        if answer.endswith("**"):
            answer = answer.rstrip("*").strip()
        if answer == before:
            break
    return answer


def _phrase_capture(text: str, start: int) -> str:
    """The answer text after a phrase such as "the answer is": a math span or the rest of the sentence."""
    rest = text[start:start + MAX_ANSWER_CHARS + 8]
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if rest.startswith(left):
            close = rest.find(right, len(left))
            if close > 0:
                return rest[:close + len(right)]
    if rest.startswith("\\boxed") or rest.startswith("\\fbox"):
        boxes = boxed_answers(rest)
        if boxes:
            return rest[:boxes[0][0]]
    end = _SENTENCE_END.search(rest)
    return rest[:end.start()] if end else rest


def _answer_like(capture: str) -> bool:
    """Conservative filter: the capture of an answer phrase looks like an answer, not prose."""
    if not capture or len(capture) > MAX_ANSWER_CHARS:
        return False
    words = capture.split()
    if not words:
        return False
    first = words[0].lower().strip("*:,")
    if first in _STOP_WORDS:
        return False
    if any(ch.isdigit() for ch in capture) or "\\" in capture or "$" in capture:
        return len(words) <= 12 or "$" in capture or "\\" in capture
    return len(words) <= 4


def phrase_answers(text: str) -> list[tuple[int, str]]:
    """Answers introduced by answer phrases, with their end positions, in order."""
    lowered_start = max(0, len(text) - _PHRASE_WINDOW)
    window = text[lowered_start:]
    if "answer" not in window.lower():
        return []
    found = []
    matches = list(_PHRASE.finditer(window))[-_MAX_BOXES:]  # only the last phrases can be final answers
    for match in matches:
        check_deadline()
        capture = _clean(_phrase_capture(window, match.end()))
        if _answer_like(capture):
            found.append((lowered_start + match.end(), capture))
    return found


def hash_answers(text: str) -> list[tuple[int, str]]:
    """Answers on GSM8K-style ``#### N`` lines."""
    if "####" not in text:
        return []
    found = []
    for match in list(_HASHES.finditer(text))[-_MAX_BOXES:]:
        cleaned = _clean(match.group(1).rstrip())
        if cleaned:
            found.append((match.end(), cleaned))
    return found


def tag_answers(text: str) -> list[tuple[int, str]]:
    """Answers inside ``<answer>...</answer>`` tags (their inner answer phrase, or the short content)."""
    lowered = text.lower() if "<answer>" not in text else text
    if "<answer>" not in lowered:
        return []
    spans = []
    position = 0
    while len(spans) <= _MAX_BOXES:
        start = lowered.find("<answer>", position)
        if start < 0:
            break
        end = lowered.find("</answer>", start)
        if end < 0:
            break
        spans.append((start + len("<answer>"), end))
        position = end + len("</answer>")
    found = []
    for start, end in spans[-_MAX_BOXES:]:
        check_deadline()
        inner = text[start:end]
        phrases = phrase_answers(inner)
        if phrases:
            found.append((end + len("</answer>"), phrases[-1][1]))
        elif len(inner.strip()) <= MAX_ANSWER_CHARS:
            cleaned = _clean(inner)
            if cleaned:
                found.append((end + len("</answer>"), cleaned))
    return found


def final_answers(text: str) -> tuple[list[tuple[str, bool]], str] | None:
    """Every final answer a response commits to, the last one last, each with a ``strict`` flag.

    Every boxed answer is strict (all of them must be right); so is every ``####`` line and, without
    those, the last answer phrase. Answer phrases after the last box or ``####`` line, and earlier
    phrases, are not strict: they count only when they parse as mathematics.

    :param text: a whole response.
    :returns: ``(answers, marker)`` with marker ``"boxed"``, ``"hashes"``, ``"phrase"`` or ``"none"``;
        None when the response has more boxed answers than the verifier compares.
    """
    boxes = boxed_answers(text)
    if boxes is None:
        return None
    if boxes:
        last_end = boxes[-1][0]
        later = [(capture, False) for _, capture in phrase_answers(text[last_end:])]
        return _distinct([(_clean(content), True) for _, content in boxes] + later), "boxed"
    hashes = hash_answers(text) or tag_answers(text)
    if hashes:
        last_end = hashes[-1][0]
        later = [(capture, False) for _, capture in phrase_answers(text[last_end:])]
        return _distinct([(a, True) for _, a in hashes] + later), "hashes"
    phrases = phrase_answers(text)
    if phrases:
        marked = [(a, False) for _, a in phrases[:-1]] + [(phrases[-1][1], True)]
        return _distinct(marked), "phrase"
    return [], "none"


def _distinct(answers: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Distinct answers (by whitespace-insensitive text) in the order of their last appearance; an answer
    given both strictly and loosely is strict."""
    seen: dict[str, tuple[str, bool]] = {}
    for answer, strict in answers:
        if not answer:
            continue
        key = "".join(answer.split())
        previous = seen.pop(key, None)
        seen[key] = (answer, strict or (previous is not None and previous[1]))
    return list(seen.values())


def extract_answer(text: str) -> str | None:
    """The final answer of a whole response, or None when no answer marker introduces one.

    Markers, strongest first: the last ``\\boxed{}``/``\\fbox{}``, the last ``#### N`` line, the last answer
    phrase ("Final Answer: ...", "the answer is ..."). Conservative by design: a reasoning step without
    such a marker has no final answer, even if it ends with a number.

    :param text: a response or one reasoning step.
    """
    if not isinstance(text, str) or not text:
        return None
    boxes = boxed_answers(text)
    if boxes is None:
        return _clean(text[text.rfind("\\boxed"):][:MAX_ANSWER_CHARS]) or None
    if boxes:
        return _clean(boxes[-1][1]) or None
    hashes = hash_answers(text) or tag_answers(text)
    if hashes:
        return hashes[-1][1]
    phrases = phrase_answers(text)
    if phrases:
        return phrases[-1][1]
    return None


_LAST_NUMBER = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?%?")


def fallback_answers(text: str) -> list[tuple[str, bool]]:
    """Guesses, best first, for a response without any answer marker: the whole response when it is
    short, then the value after the last ``=`` of the last sentence, or that sentence's only number.

    :param text: a response without answer markers.
    :returns: ``[(guess, is_whole_response), ...]``.
    """
    stripped = text.strip()
    guesses: list[tuple[str, bool]] = []
    if not stripped:
        return guesses
    if len(stripped) <= 120 and "\n" not in stripped:
        guesses.append((_clean(stripped), True))
    tail = stripped[-2000:]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", tail) if s.strip()]
    if sentences:
        last = sentences[-1].strip()
        if "=" in last:
            value = _clean(last.rsplit("=", 1)[1])
            if value and len(value) <= 60:
                guesses.append((value, False))
        numbers = _LAST_NUMBER.findall(last)
        if len(numbers) == 1:
            guesses.append((numbers[0].replace("$", "").rstrip(","), False))
    return [(g, whole) for g, whole in guesses if g]
