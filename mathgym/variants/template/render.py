"""Rendering an assignment: the question text, its sentences (marked when they show a needed value) and
the worked solution."""

from __future__ import annotations

import re
from typing import Any

from mathgym.variants.base import format_answer, format_number
from mathgym.variants.expr import compile_expression
from mathgym.variants.template.domain import TemplateBase
from mathgym.variants.template.syntax import (
    _CALC,
    _PLACEHOLDER,
    _SENTENCE_BREAK,
    Assignment,
    Placeholder,
    _strip_dollars,
)


class TemplateRendering(TemplateBase):
    """Writes text for an assignment (the rendering part of :class:`~mathgym.variants.template.GSMTemplate`)."""

    def _text_of(self, index: int, ph: Placeholder, assignment: Assignment) -> str:
        if assignment.defaults and index in assignment.occurrence_text:
            text = assignment.occurrence_text[index]
        else:
            text = assignment.displays.get(ph.var, "")
        if ph.sentence_start and text[:1].islower():
            text = text[0].upper() + text[1:]
        return text

    def render_question(self, assignment: Assignment) -> str:
        """The question text for these values (sentence-initial values are capitalised)."""
        out, pos = [], 0
        for i, ph in enumerate(self.placeholders):
            out.append(self.body[pos : ph.start])
            out.append(self._text_of(i, ph, assignment))
            pos = ph.end
        out.append(self.body[pos:])
        return "".join(out).strip()

    def sentences(self, assignment: Assignment) -> list[dict[str, Any]]:
        """The question split into sentences, each marked ``needed`` when it shows a value the answer uses."""
        needed_vars = set(self.answer_deps)
        for cond in self.conditions:  # values fixed by equalities with answer variables matter too
            if cond.equality is not None and cond.names & needed_vars:
                needed_vars |= cond.names - {"ans"}
        # protect placeholders (their defaults may contain '. ') while splitting
        masked = _PLACEHOLDER.sub(lambda m: "\x00" * len(m.group(0)), self.body)
        spans, pos = [], 0
        for m in _SENTENCE_BREAK.finditer(masked):
            spans.append((pos, m.start()))
            pos = m.end()
        spans.append((pos, len(self.body)))
        sentences = []
        for start, end in spans:
            out, cursor, vars_here = [], start, set()
            for i, ph in enumerate(self.placeholders):
                if start <= ph.start < end:
                    out.append(self.body[cursor : ph.start])
                    out.append(self._text_of(i, ph, assignment))
                    cursor = ph.end
                    vars_here.add(ph.var)
            out.append(self.body[cursor:end])
            text = " ".join("".join(out).split())
            if text:
                sentences.append({"text": text, "needed": bool(vars_here & needed_vars), "movable": False})
        return sentences

    def render_solution(self, assignment: Assignment) -> tuple[list[str], str | None]:
        """Solution steps (``{expr}`` spans evaluated, ``<<calc>>`` removed); the error of a failing span."""
        if not self.answer_annotated.strip():
            return [], "no answer_annotated"
        env = dict(assignment.values)
        env.setdefault("ans", assignment.answer)
        error: list[str] = []

        def span(m: re.Match[str]) -> str:
            source = m.group(1)
            try:
                value = compile_expression(_strip_dollars(source), self.functions, exact=True)(env)
            except Exception as exc:  # noqa: BLE001
                error.append(f"{{{source}}}: {exc}")
                return m.group(0)
            return value if isinstance(value, str) else format_number(value)

        lines = []
        for raw in self.answer_annotated.splitlines():
            if raw.strip().startswith("####"):
                continue
            text = _CALC.sub("", _PLACEHOLDER.sub(span, raw)).strip()
            text = re.sub(r"[ \t]{2,}", " ", text)
            if text:
                lines.append(text)
        lines.append(f"#### {format_answer(assignment.answer)}")
        return lines, ("; ".join(error) if error else None)
