"""Parsing a template's ``#init``, placeholders, ``#answer`` and ``#conditions`` into compiled records."""

from __future__ import annotations

import ast
import re
from collections import Counter

from mathgym.variants.template.domain import TemplateBase
from mathgym.variants.template.syntax import (
    _ASSIGN,
    _PLACEHOLDER,
    Condition,
    InitLine,
    Placeholder,
    TemplateError,
    _balanced,
    _items,
    _strip_dollars,
    _truncates,
)
from mathgym.variants.template.values import _is_number


class TemplateParsing(TemplateBase):
    """Reads the sections of a template (the first part of :class:`~mathgym.variants.template.GSMTemplate`)."""

    def _parse_init(self, section: str) -> None:
        """Read the ``#init`` lines.

        A variable defined twice is the *later* definition everywhere after it (question, conditions,
        answer), as in Python; the earlier one becomes a hidden variable ``name__1`` that only the lines
        between the two definitions read. (Drawing both under one name checked the conditions with one
        value and showed the other.)
        """
        self.lines: list[InitLine] = []
        raw: list[tuple[tuple[str, ...], bool, str]] = []
        for item in _items(section):
            m = _ASSIGN.match(item)
            if not m:
                raise TemplateError(
                    f"{self.id}: cannot read init line {item!r} (expected 'name = expression')"
                )
            targets = tuple(t.strip().lstrip("$").strip() for t in m.group("targets").split(","))
            raw.append((targets, "$" in m.group("targets"), m.group("expr").strip()))
        names = [t for targets, _, _ in raw for t in targets]
        self.variables: set[str] = set(names)
        definitions = Counter(names)
        self.redefined = sorted(name for name, count in definitions.items() if count > 1)
        defined: Counter[str] = Counter()
        current: dict[str, str] = {}  # variable -> internal name of its latest definition so far
        for targets, numeric, source in raw:
            expr = self._compile(source)
            reads = expr.names & self.variables
            unknown = reads - set(current)
            if unknown:
                raise TemplateError(
                    f"{self.id}: init line {source!r} uses {sorted(unknown)} before they are defined"
                )
            renames = {name: current[name] for name in reads if current[name] != name}
            internal = []
            for target in targets:
                defined[target] += 1
                last = defined[target] == definitions[target]
                internal.append(target if last else f"{target}__{defined[target]}")
            list_names = [n for n in re.findall(r"\b([A-Za-z_]\w*)\b", source) if n in self.lists]
            self.lines.append(
                InitLine(
                    tuple(internal),
                    numeric,
                    expr,
                    frozenset(current[n] for n in reads),
                    source,
                    list_names[0] if list_names else None,
                    renames,
                )
            )
            current.update(zip(targets, internal))
        self.variables |= {t for line in self.lines for t in line.targets}
        self.line_of = {t: i for i, line in enumerate(self.lines) for t in line.targets}

    def _mark_numeric_lines(self) -> None:
        """A variable is numeric when its domain holds numbers, with or without the ``$`` mark
        (``x = range(1, 9)`` is as numeric as ``$x = range(1, 9)``)."""
        for i, line in enumerate(self.lines):
            if line.numeric or line.deps:
                continue
            try:
                elements = self._domain(i, {}).elements()
            except TemplateError:
                continue
            if all(_is_number(value) for _, value in elements):
                line.numeric = True

    def _parse_placeholders(self) -> None:
        self.placeholders: list[Placeholder] = []
        for m in _PLACEHOLDER.finditer(self.body):
            inner = m.group(1)
            name, comma, default = inner.partition(",")
            name = name.strip().lstrip("$").strip()
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                continue  # literal braces in the text
            if name not in self.variables:
                raise TemplateError(
                    f"{self.id}: placeholder {{{inner}}} names {name!r}, which #init does not define"
                )
            before = self.body[: m.start()].rstrip(" \t")
            at_start = before == "" or bool(re.search(r"([.!?][\"')\]]*|\n)$", before))
            self.placeholders.append(
                Placeholder(name, default.strip() if comma else None, m.start(), m.end(), at_start)
            )
        self.question_vars = {p.var for p in self.placeholders}

    def _parse_answer(self, section: str | None) -> None:
        source = None
        if section is not None and section.strip():
            source = (
                " ".join(_items(section)) if section.lstrip().startswith("-") else " ".join(section.split())
            )
        if not source:
            finals = re.findall(r"^\s*####\s*(.+?)\s*$", self.answer_annotated, re.MULTILINE)
            if not finals:
                raise TemplateError(
                    f"{self.id}: no '#answer:' section and no final '#### {{expr}}' in answer_annotated"
                )
            source = finals[-1]
        source = source.strip()
        if source.startswith("{") and source.endswith("}") and _balanced(source[1:-1]):
            source = source[1:-1].strip()
        self.answer_source = source
        # the gold is computed exactly: in floats, int(86 - 0.1 * 10) is 85 (85.99999999999999 truncated)
        self.answer_expr = self._compile(source, exact=True)
        self.answer_deps = frozenset(self.answer_expr.names & self.variables)

    def _parse_conditions(self, section: str) -> None:
        self.conditions: list[Condition] = []
        for item in _items(section):
            source = _strip_dollars(item)
            tree = ast.parse(source.strip(), mode="eval").body
            exact = _truncates(tree)
            check = self._compile(source, exact=exact)
            equality = None
            if isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], ast.Eq):
                equality = (
                    self._compile(ast.unparse(tree.left), exact=exact),
                    self._compile(ast.unparse(tree.comparators[0]), exact=exact),
                )
            self.conditions.append(
                Condition(item, check, frozenset(check.names & (self.variables | {"ans"})), equality)
            )
