"""Finding the final answer(s) in a whole response.

Markers, strongest first: ``\\boxed{...}`` / ``\\fbox{...}``, a GSM8K line ``#### N`` (or an
``<answer>...</answer>`` tag), and answer phrases
("Final Answer: ...", "the final answer is ...", "the answer is ...", "Answer: ..."). :func:`extract_answer`
returns only what a marker introduces, so an environment can use it to tell whether a reasoning step gives
a final answer. :func:`final_answers` returns every final answer a response commits to, so that the
verifier can refuse responses that give several different ones: the boxes, and any other candidate offered
after the final answer ("\\boxed{3}. Or maybe 4.", "\\boxed{3} (or possibly 4)").

Without any marker, :func:`unmarked_answers` takes the last stated result (the last number or math span of
the last sentence that has one), never the first number of a chain of work nor a digit inside a word, and
nothing when that result is negated ("not 2", "2 is wrong").

Chat-template debris is not part of the answer: the text from the first special token on
(``<|im_start|>user ...``, ``<|eot_id|>``, ``</s>``) is dropped (:func:`strip_chat_debris`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import NamedTuple

from mathgym.verifier.lexer import matching_brace
from mathgym.verifier.limits import MAX_ANSWER_CHARS, check_deadline

# Possessive quantifiers (*+) everywhere a run of spaces could otherwise be re-split: no regex here may
# backtrack quadratically on a long response.
_PHRASE = re.compile(
    r"(?:final[ \t]++answer|(?<![a-z])answer)[ \t]*+\**+[ \t]*+(?:is\b[ \t]*+:?|:|=|\n)\s*+\**+[ \t]*+",
    re.IGNORECASE,
)
_HASHES = re.compile(r"^[ \t]*+####[ \t]*+(.+)$", re.MULTILINE)
_SENTENCE_END = re.compile(r"\n|\.(?=\s|$)|;\s|!\s|\?\s")
_STOP_WORDS = frozenset(
    [
        "not",
        "that",
        "this",
        "to",
        "will",
        "should",
        "would",
        "can",
        "could",
        "may",
        "might",
        "must",
        "probably",
        "likely",
        "correct",
        "wrong",
        "incorrect",
        "in",
        "at",
        "because",
        "of",
        "for",
        "on",
        "the",
        "a",
        "an",
        "we",
        "i",
        "it",
        "its",
        "which",
        "what",
        "how",
        "when",
        "where",
        "if",
        "whether",
        "below",
        "above",
        "given",
        "as",
        "clearly",
        "obviously",
        "simply",
        "just",
    ]
)
_PHRASE_WINDOW = 100_000
_MAX_BOXES = 64
#: how far after the final answer a hedged second candidate is looked for
_HEDGE_WINDOW = 300
#: how far before a box the connective to the previous box ("or", "and") is looked for
_CONNECTIVE_WINDOW = 40


class FinalAnswer(NamedTuple):
    """One answer a response commits to.

    :param text: the answer text (delimiters removed).
    :param strict: it must be right for the response to be right (boxes, ``####`` lines, the last phrase,
        hedged alternatives); loose answers count only when they parse as mathematics.
    :param kind: ``"box"``, ``"hash"``, ``"phrase"`` or ``"hedge"`` (a candidate offered after the final answer).
    :param after_or: a box that follows the previous one after an "or" (an alternative, not another part).
    """

    text: str
    strict: bool
    kind: str
    after_or: bool = False


# --- chat-template debris -----------------------------------------------------------------------------------
_CHAT_TOKEN = re.compile(
    r"<\|[A-Za-z_][A-Za-z0-9_]{0,40}\|>|</s>|<start_of_turn>|<end_of_turn>|\[INST\]"
    r"|\n[ \t]*+(?:Human|User|USER)[ \t]*+:"
)  # a plain-text transcript's next user turn
_LEADING_HEADER = re.compile(
    r"(?:\s*+(?:<\|[A-Za-z_][A-Za-z0-9_]{0,40}\|>|<s>|<start_of_turn>)[ \t]*+(?:assistant|model)?)+\s*+"
)


def strip_chat_debris(text: str) -> str:
    """The response without chat-template debris: a leading assistant header is skipped, and everything from
    the next special token on (an end-of-turn marker, a new user turn the model went on to write) is dropped.

    :param text: a whole response.
    """
    if (
        "<" not in text
        and "[INST]" not in text
        and "\nHuman" not in text
        and "\nUser" not in text
        and "\nUSER" not in text
    ):  # substring tests are far cheaper than the regex on long responses
        return text
    header = _LEADING_HEADER.match(text) if text.lstrip()[:1] == "<" else None
    start = header.end() if header else 0
    debris = _CHAT_TOKEN.search(text, start)
    return text[start : debris.start()] if debris else text[start:]


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
                content = text[
                    cursor + 1 : cursor + 1 + MAX_ANSWER_CHARS + 1
                ]  # unbalanced: unparseable later
                found.append((len(text), content))
                return found if len(found) <= _MAX_BOXES else None
            found.append((close + 1, text[cursor + 1 : close]))
            position = close + 1
        else:  # "\boxed 5": the next token
            token = re.match(r"[^\s$]+", text[cursor : cursor + MAX_ANSWER_CHARS])
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
    if (
        answer
        and answer[-1] not in _DIRTY_END
        and answer[0] not in _DIRTY_START
        and not (answer[0] == "\\" and answer[1:2] in ("b", "f", "[", "("))
    ):
        return answer
    for _ in range(3):
        before = answer
        if answer.startswith("\\boxed") or answer.startswith("\\fbox"):
            inner = boxed_answers(answer)
            if inner and len(inner) == 1 and inner[0][0] >= len(answer.rstrip(". $")):
                answer = inner[0][1].strip()
        for left, right in (
            ("$$", "$$"),
            ("$", "$"),
            ("\\[", "\\]"),
            ("\\(", "\\)"),
            ("**", "**"),
            ("*", "*"),
            ("`", "`"),
        ):
            if answer.startswith(left) and answer.endswith(right) and len(answer) >= len(left) + len(right):
                answer = answer[len(left) : len(answer) - len(right)].strip()
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
    rest = text[start : start + MAX_ANSWER_CHARS + 8]
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if rest.startswith(left):
            close = rest.find(right, len(left))
            if close > 0:
                return rest[: close + len(right)]
    if rest.startswith("\\boxed") or rest.startswith("\\fbox"):
        boxes = boxed_answers(rest)
        if boxes:
            return rest[: boxes[0][0]]
    end = _SENTENCE_END.search(rest)
    return rest[: end.start()] if end else rest


_NEGATED_ALTERNATIVE = re.compile(r"\s*+,?\s++(?:and\s++)?not\s.*", re.IGNORECASE | re.DOTALL)


def _drop_negated_alternative(capture: str) -> str:
    """``5, not 6`` → ``5``: the answer stated, without the value it is contrasted with."""
    match = _NEGATED_ALTERNATIVE.search(capture)
    return capture[: match.start()] if match and capture[: match.start()].strip() else capture


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
        raw = _phrase_capture(window, match.end())
        capture = _clean(_drop_negated_alternative(raw))
        if _answer_like(capture):
            found.append((lowered_start + match.end() + len(raw), capture))
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
    spans: list[tuple[int, int]] = []
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


# A second candidate offered after the final answer: "or (maybe) 4", "perhaps 4", "it could also be 4".
_HEDGE = re.compile(
    r"(?:\b(?:or|maybe|perhaps|possibly|alternatively|otherwise)\b|\b(?:could|might|may|would)\s++(?:also\s++|even\s++)?be\b)"
    r"(?:[\s,:;(\-]++|\b(?:maybe|perhaps|possibly|probably|even|is|it|be|also|equivalently|rather|else|just|"
    r"simply|instead|the|answer|it's)\b)*?"
    r"(?P<candidate>\$[^$\n]{1,200}+\$|\\\(.{1,200}?\\\)|\\boxed\{[^{}]{1,200}+\}|"
    r"-?(?:\\?\$)?\d[\d,]*+(?:\.\d++)?(?:/\d++)?(?:\\?%)?)",
    re.IGNORECASE,
)
_OR = re.compile(r"\bor\b", re.IGNORECASE)
# A final answer taken back right after it is given: "\boxed{2} is wrong".
_RETRACTION = re.compile(
    r"[\s.,:;)*$]{0,4}(?:(?:but\s++)?(?:that|it|this|which)(?:['\u2019]s|\s+is|\s+was)\s++"
    r"|(?:is|was|would\s+be|seems)\s++)?(?:not\s+(?:correct|right|the\s+answer)|wrong|incorrect)\b",
    re.IGNORECASE,
)


_HEDGE_WORD = re.compile(
    r"or|maybe|perhaps|possibly|alternatively|otherwise|could|might|may|would", re.IGNORECASE
)


def hedged_answers(tail: str) -> list[str]:
    """Candidates offered right after a final answer (in ``tail``, the text that follows it)."""
    window = tail[:_HEDGE_WINDOW]
    if _HEDGE_WORD.search(window) is None:  # most answers end the response: skip the full pattern
        return []
    return [_clean(match.group("candidate")) for match in _HEDGE.finditer(window)]


def final_answers(text: str) -> tuple[list[FinalAnswer], str] | None:
    """Every final answer a response commits to, the final one last.

    Every boxed answer is strict (all of them must be right); so is every ``####`` line and, without
    those, the last answer phrase; so is every candidate offered after the final answer ("\\boxed{3}. Or
    maybe 4."; listed before the final answer). Answer phrases after the last box or ``####`` line, and
    earlier phrases, are not strict: they count only when they parse as mathematics.

    :param text: a whole response (chat debris already stripped).
    :returns: ``(answers, marker)`` with marker ``"boxed"``, ``"hashes"``, ``"phrase"``, ``"retracted"`` (the
        final answer is called wrong right after it) or ``"none"``; None when the response has more boxed
        answers than the verifier compares.
    """
    boxes = boxed_answers(text)
    if boxes is None:
        return None
    if boxes:
        marked = [FinalAnswer(_clean(boxes[0][1]), True, "box")]
        for (previous_end, _), (end, content) in itertools.pairwise(boxes):
            # the words just before this box: "\\boxed{2} or \\boxed{3}" offers alternatives
            between = text[previous_end : max(previous_end, end - len(content) - 1)][-_CONNECTIVE_WINDOW:]
            marked.append(FinalAnswer(_clean(content), True, "box", _OR.search(between) is not None))
        marker, last_end = "boxed", boxes[-1][0]
        marked += [FinalAnswer(capture, False, "phrase") for _, capture in phrase_answers(text[last_end:])]
    else:
        hashes = hash_answers(text) or tag_answers(text)
        if hashes:
            marker, last_end = "hashes", hashes[-1][0]
            marked = [FinalAnswer(a, True, "hash") for _, a in hashes]
            marked += [
                FinalAnswer(capture, False, "phrase") for _, capture in phrase_answers(text[last_end:])
            ]
        else:
            phrases = phrase_answers(text)
            if not phrases:
                return [], "none"
            marker, last_end = "phrase", phrases[-1][0]
            marked = [FinalAnswer(a, False, "phrase") for _, a in phrases[:-1]]
            marked.append(FinalAnswer(phrases[-1][1], True, "phrase"))
    tail = text[last_end:]
    if not tail.strip(" \t\n.$*"):  # nothing after the final answer
        return _distinct(marked), marker
    if _RETRACTION.match(tail):
        return _distinct(marked), "retracted"
    hedges = [FinalAnswer(candidate, True, "hedge") for candidate in hedged_answers(tail) if candidate]
    return _distinct(marked[:-1] + hedges + marked[-1:]), marker


def _distinct(answers: list[FinalAnswer]) -> list[FinalAnswer]:
    """Distinct answers (by whitespace-insensitive text) in the order of their last appearance; an answer
    given both strictly and loosely is strict."""
    if len(answers) == 1:
        return answers if answers[0].text else []
    seen: dict[str, FinalAnswer] = {}
    for answer in answers:
        if not answer.text:
            continue
        key = "".join(answer.text.split())
        previous = seen.pop(key, None)
        if previous is not None and previous.strict and not answer.strict:
            answer = answer._replace(strict=True)
        seen[key] = answer
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
    text = strip_chat_debris(text)
    boxes = boxed_answers(text)
    if boxes is None:
        return _clean(text[text.rfind("\\boxed") :][:MAX_ANSWER_CHARS]) or None
    if boxes:
        return _clean(boxes[-1][1]) or None
    hashes = hash_answers(text) or tag_answers(text)
    if hashes:
        return hashes[-1][1]
    phrases = phrase_answers(text)
    if phrases:
        return phrases[-1][1]
    return None


# --- responses without any marker --------------------------------------------------------------------------
_UNMARKED_WINDOW = 2000
_WHOLE_ANSWER_CHARS = 120
# math spans: $$..$$, \[..\], \(..\), $..$, and a matrix environment written without delimiters
_MATH_SPAN = re.compile(
    r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$([^$]+?)\$"
    r"|(\\begin\{([pbvVB]?matrix)\}.*?\\end\{\6\})",
    re.DOTALL,
)
# a stated number: not part of a word or of another number ("abc5def", "x2"), with its currency, percent,
# fraction or clock-time parts
_RESULT_NUMBER = re.compile(
    r"(?<![\w.,/\\^_])(?:\\?\$)?-?(?:\d{1,3}(?:,\d{3})++|\d++)(?!,\d)(?:\.\d++)?"
    r"(?:/\d++|:\d\d)?(?:\\?%)?(?![\w])"
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s++|\n++")
_PROSE_WORDS = re.compile(r"(?:^|[\s,])[A-Za-z]{3,}[\s,]++[A-Za-z]{2,}")
_COMMAND = re.compile(r"\\[A-Za-z]++(?:\{[A-Za-z*]*+\})?")
# a negation that governs the result next to it: "not 2", "isn't 2", "can't be 2", "rule out 2" ...
_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:not|never|no|cannot|rule\s+out|ruled\s+out|exclude|excluding|except)|n't)\s++"
    r"(?:(?:be|equal|equals|to|exactly|the|answer|is|possibly|definitely|just|simply|quite|even|that|it|this)"
    r"\s++){0,3}[$(\\\[]*+$",
    re.IGNORECASE,
)
# ... or that follows it: "2 is wrong", "2 is not the answer", "2 - but that's wrong" (", not 3" after a
# number negates the 3, not the number before it)
_NEGATION_AFTER = re.compile(
    r"[\s$)\]]*+(?:(?:is|was|are|were|would\s+be|seems|must\s+be|will\s+be)\s++)?"
    r"(?:not\b|wrong\b|incorrect\b|false\b|impossible\b|invalid\b|ruled\s+out)"
    r"|[\s$)\],;:(\-\u2013\u2014]*+(?:but\s++)?(?:(?:that|it|this|which)(?:['\u2019]s|\s+is|\s+was|\s+would\s+be)"
    r"\s++)?(?:wrong|incorrect|false|invalid)\b",
    re.IGNORECASE,
)
# what joins the results of one list: "2 and 3", "3, 4", "3, or maybe 4"
_LIST_SEPARATOR = re.compile(
    r"[\s,;$]*+(?:(?P<connective>and/or|or|and)\b"
    r"(?:\s++(?:maybe|perhaps|possibly|probably|even|else|also))?)?[\s,;$]*+",
    re.IGNORECASE,
)


class UnmarkedAnswers(NamedTuple):
    """What a response without answer markers states.

    :param whole: the whole response, when it is short enough to be a bare answer (``18``, ``x = 3``).
    :param result: the last stated result, with the results listed together with it ("the roots are 2 and
        3" → ``2, 3``; "3, or maybe 4" → ``3 or 4``, which a single-valued gold then finds ambiguous); None
        when there is none.
    :param negated: the last stated results were all negated ("not 2", "2 is wrong").
    """

    whole: str | None
    result: str | None
    negated: bool


def _is_math_span(content: str, after: str) -> bool:
    """Whether a ``$...$`` pair delimits mathematics rather than two dollar amounts with prose between."""
    if after[:1].isdigit():  # "$18 and $20": the closing $ starts the next amount
        return False
    return _PROSE_WORDS.search(_COMMAND.sub(" ", content)) is None


#: a fenced code block (closed, or left open at the end): program text and its output state no result
_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


def unmarked_answers(text: str) -> UnmarkedAnswers:
    """The answer of a response without any answer marker: the whole response when it is short, else the last
    stated result (see :class:`UnmarkedAnswers`). Numbers inside fenced code blocks (a program, its output) are
    not stated results: only the prose around them is read.

    :param text: a response without answer markers (chat debris already stripped).
    """
    stripped = _CODE_BLOCK.sub("\n", text).strip()
    whole = None
    if stripped and len(stripped) <= _WHOLE_ANSWER_CHARS and "\n" not in stripped:
        whole = _clean(stripped) or None
    tail = stripped[-_UNMARKED_WINDOW:]
    spans: list[tuple[int, int, str]] = []
    for match in _MATH_SPAN.finditer(tail):
        check_deadline()
        content = next(group for group in match.groups()[:5] if group is not None)
        if match.group(4) is None or _is_math_span(content, tail[match.end() : match.end() + 1]):
            spans.append((match.start(), match.end(), content.strip()))
    inside = _covered(spans)
    candidates = spans + [
        (m.start(), m.end(), m.group()) for m in _RESULT_NUMBER.finditer(tail) if not inside(m.start())
    ]
    candidates.sort()
    if not candidates:
        return UnmarkedAnswers(whole, None, False)
    breaks = (
        [0] + [m.end() for m in _SENTENCE_BREAK.finditer(tail) if not inside(m.start())] + [len(tail) + 1]
    )
    # the last sentence that states anything
    for left, right in zip(reversed(breaks[:-1]), reversed(breaks[1:])):
        here = [c for c in candidates if left <= c[0] < right]
        if here:
            break
    sentence_end = min(right, len(tail))
    kept = [c for c in here if not _negated(tail, left, sentence_end, c)]
    if not kept:
        return UnmarkedAnswers(whole, None, True)
    first = kept[-1]
    result = _result_text(first[2])
    for previous in reversed(kept[:-1]):  # a list: "2 and 3", "3, or maybe 4"
        separator = _LIST_SEPARATOR.fullmatch(tail[previous[1] : first[0]])
        if separator is None:
            break
        joiner = " or " if (separator.group("connective") or "").lower() == "or" else ", "
        result = _result_text(previous[2]) + joiner + result
        first = previous
    return UnmarkedAnswers(whole, result, False)


def _covered(spans: list[tuple[int, int, str]]) -> Callable[[int], bool]:
    """A test whether a position lies inside one of the (sorted, disjoint) spans."""

    def inside(position: int) -> bool:
        return any(start <= position < end for start, end, _ in spans)

    return inside


def _negated(tail: str, left: int, right: int, candidate: tuple[int, int, str]) -> bool:
    start, end, _ = candidate
    return bool(
        _NEGATION_BEFORE.search(tail[max(left, start - 60) : start])
        or _NEGATION_AFTER.match(tail[end : min(right, end + 60)])
    )


def _result_text(raw: str) -> str:
    """A candidate as an answer string (``$18`` → ``18``)."""
    return _clean(raw.replace("\\$", "").lstrip("$"))
