"""Splitting agent text into Coq sentences, and screening them before they reach the prover.

Coq keeps executing the rest of a line after a failed sentence, so the backend sends one sentence at a
time and must split actions itself. A sentence ends at a ``.`` followed by whitespace or the end of the
text, outside (nested) comments and strings; bullets (``-``, ``+``, ``*``, repeated) and braces at the
start of a sentence are sentences of their own. Comments are dropped.

Screening admits tactics only: a sentence must start like a tactic (a lowercase letter, a goal selector
such as ``2:``/``all:``/``[x]:``, or a parenthesis), never like a vernacular command (they all start with
an uppercase letter: ``Admitted``, ``Axiom``, ``Load``, ``Redirect``, ``Require``, ``Set``, ``Timeout``...).
Words that give up on a goal (``admit``, ``give_up``) are refused anywhere in a sentence, and so is
``native_compute``, which would run an external compiler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: words refused anywhere in a tactic (outside strings)
FORBIDDEN_WORDS: frozenset[str] = frozenset(
    {
        "admit",
        "give_up",
        "Admitted",
        "Abort",
        "Axiom",
        "Axioms",
        "Parameter",
        "Hypothesis",
        "Conjecture",
        "Variable",
        "Qed",
        "Defined",
        "Save",
        "native_compute",
        "native_cast_no_check",
    }
)
_BULLET = re.compile(r"(-+|\++|\*+)(?=\s|$|\{)")
_SELECTOR_BRACE = re.compile(r"(?:\d+|\[[A-Za-z_][A-Za-z0-9_']*\])\s*:\s*\{")
_TACTIC_START = re.compile(r"(?:[a-z_]|\d|\(|\[|all\s*:|par\s*:|!\s*:)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")
MAX_SENTENCES = 64


class SentenceError(ValueError):
    """The text cannot be split into complete sentences (unclosed comment or string)."""


@dataclass(frozen=True)
class Sentence:
    """One Coq sentence, comment-free.

    :param text: the sentence as it will be sent (bullets/braces without a period).
    :param kind: ``"bullet"``, ``"brace"`` or ``"tactic"``.
    """

    text: str
    kind: str


def strip_comments(text: str) -> str:
    """``text`` without ``(* ... *)`` comments (nested; strings inside comments respected)."""
    out: list[str] = []
    i, n, depth = 0, len(text), 0
    while i < n:
        if text.startswith("(*", i):
            depth += 1
            i += 2
            continue
        if depth and text.startswith("*)", i):
            depth -= 1
            i += 2
            if depth == 0:
                out.append(" ")
            continue
        ch = text[i]
        if ch == '"':
            j = _string_end(text, i)
            if not depth:
                out.append(text[i:j])
            i = j
            continue
        if not depth:
            out.append(ch)
        i += 1
    if depth:
        raise SentenceError("unclosed comment '(*'")
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the string literal opening at ``start`` (Coq doubles ``"`` to escape it)."""
    i = start + 1
    while True:
        j = text.find('"', i)
        if j < 0:
            raise SentenceError("unclosed string literal")
        if text.startswith('""', j):
            i = j + 2
            continue
        return j + 1


def split_sentences(text: str, *, terminate: bool = True) -> list[Sentence]:
    """Split ``text`` into sentences.

    :param terminate: add the final period when the last sentence lacks one (agents often omit it);
        otherwise an unterminated sentence raises :class:`SentenceError`.
    """
    text = strip_comments(text)
    sentences: list[Sentence] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        if text[i] in "{}":
            sentences.append(Sentence(text[i], "brace"))
            i += 1
            continue
        focus = _SELECTOR_BRACE.match(text, i)  # "2: {" focuses goal 2
        if focus:
            sentences.append(Sentence(" ".join(focus.group(0).split()), "brace"))
            i = focus.end()
            continue
        bullet = _BULLET.match(text, i)
        if bullet:
            sentences.append(Sentence(bullet.group(1), "bullet"))
            i = bullet.end()
            continue
        j = i
        while j < n:
            ch = text[j]
            if ch == '"':
                j = _string_end(text, j)
                continue
            if ch == "." and (j + 1 == n or text[j + 1].isspace()):
                break
            j += 1
        body = text[i:j].strip()
        if j >= n:  # no terminating period
            if not terminate:
                raise SentenceError(f"unterminated sentence {body[:60]!r}: end it with '.'")
            sentences.append(Sentence(" ".join(body.split()) + ".", "tactic"))
            break
        sentences.append(Sentence(" ".join(body.split()) + ".", "tactic"))
        i = j + 1
    return sentences


def _without_strings(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == '"':
            i = _string_end(text, i)
            out.append('""')
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def screen_sentence(sentence: Sentence) -> str | None:
    """Why ``sentence`` may not be sent to Coq, or ``None`` when it is an admissible tactic."""
    if sentence.kind != "tactic":
        return None
    body = sentence.text
    if body == ".":
        return "empty sentence"
    if not _TACTIC_START.match(body):
        first = body.split()[0] if body.split() else body
        return (
            f"'{first.rstrip('.')}' is not a tactic: only tactics are accepted (vernacular commands such "
            "as Admitted, Axiom, Load, Redirect, Require or Set are refused)"
        )
    for word in _WORD.findall(_without_strings(body)):
        if word in FORBIDDEN_WORDS:
            return f"'{word}' is not allowed in a proof"
    return None


def screen(text: str, *, max_sentences: int = MAX_SENTENCES) -> tuple[list[Sentence], str | None]:
    """Split and screen an agent action: ``(sentences, None)`` or ``([], reason)`` when refused."""
    try:
        sentences = split_sentences(text)
    except SentenceError as exc:
        return [], str(exc)
    if not sentences:
        return [], "empty action: send at least one tactic"
    if len(sentences) > max_sentences:
        return [], f"too many sentences in one action ({len(sentences)} > {max_sentences})"
    for sentence in sentences:
        reason = screen_sentence(sentence)
        if reason is not None:
            return [], reason
    return sentences, None
