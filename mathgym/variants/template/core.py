"""The template class: :class:`GSMTemplate` parses on construction and combines the parts
(:mod:`~mathgym.variants.template.parse`, :mod:`~mathgym.variants.template.search`,
:mod:`~mathgym.variants.template.solve`, :mod:`~mathgym.variants.template.render`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mathgym.variants.base import is_integral
from mathgym.variants.expr import ExpressionError
from mathgym.variants.lists import LISTS
from mathgym.variants.template.domain import _Domain
from mathgym.variants.template.parse import TemplateParsing
from mathgym.variants.template.render import TemplateRendering
from mathgym.variants.template.search import TemplateSearch
from mathgym.variants.template.solve import TemplateDefaults
from mathgym.variants.template.syntax import TemplateError, _sections
from mathgym.variants.template.values import decode_value, template_functions


class GSMTemplate(TemplateParsing, TemplateSearch, TemplateDefaults, TemplateRendering):
    """A parsed GSM-Symbolic template.

    :param record: the JSON object of a template file (needs ``question_annotated``; ``answer_annotated``
        is needed for solutions and when there is no ``#answer:`` section).
    :param template_id: a name used in errors and ids (e.g. ``"p2/0000"``).
    :param lists: the replacement lists (defaults to :data:`mathgym.variants.lists.LISTS`).
    :param integer_answers: ``"auto"`` (default): require an integer answer when the default instance's
        answer is an integer, as GSM8K answers are; ``True``/``False`` to force either way.
    """

    def __init__(
        self,
        record: Mapping[str, Any],
        template_id: str = "template",
        *,
        lists: Mapping[str, Sequence[Any]] | None = None,
        integer_answers: bool | str = "auto",
    ) -> None:
        self.record = dict(record)
        self.id = template_id
        self.lists = dict(LISTS if lists is None else lists)
        annotated = record.get("question_annotated")
        if not isinstance(annotated, str) or not annotated.strip():
            raise TemplateError(f"{template_id}: record has no 'question_annotated' text")
        body, sections = _sections(annotated)
        self.body = body.strip()
        self.answer_annotated: str = record.get("answer_annotated") or ""
        self.functions = template_functions(self.lists)
        try:
            self._parse_init(sections.get("init", ""))
            self._parse_placeholders()
            self._parse_answer(sections.get("answer"))
            self._parse_conditions(sections.get("condition", ""))
        except ExpressionError as exc:
            raise TemplateError(f"{template_id}: {exc}") from None
        self._static_domains: dict[int, _Domain] = {}
        self._mark_numeric_lines()
        self.default = self._default_assignment()
        if integer_answers == "auto":
            self.integer_answers = is_integral(self.default.answer)
        else:
            self.integer_answers = bool(integer_answers)
        self._prepared = False  # the search order is chosen on the first sample() (loading stays cheap)

    def domain_elements(self, var: str) -> list[tuple[str, Any]]:
        """``(display, value)`` pairs a variable can take (for lines that do not depend on others)."""
        i = self.line_of[var]
        if self.lines[i].deps:
            raise TemplateError(f"{self.id}: domain of {var!r} depends on {sorted(self.lines[i].deps)}")
        return self._domain(i, {}).elements()

    def evaluate_answer(self, values: Mapping[str, Any]) -> Any:
        """The answer for these variable values."""
        return self.answer_expr(values)

    def answer_from_meta(self, sampled: Mapping[str, Any]) -> Any:
        """Recompute the gold answer from ``Problem.meta["sampled"]`` (every sampled value, JSON-encoded)."""
        return self.answer_expr({name: decode_value(value) for name, value in sampled.items()})

    def failed_conditions(self, values: Mapping[str, Any], answer: Any = None) -> list[str]:
        """Sources of the conditions ``values`` violate (errors count as violations)."""
        env = dict(values)
        if "ans" not in self.variables:
            env["ans"] = self.answer_expr(env) if answer is None else answer
        failed = []
        for cond in self.conditions:
            try:
                ok = bool(cond.check(env))
            except Exception:  # noqa: BLE001
                ok = False
            if not ok:
                failed.append(cond.source)
        return failed
