"""The text level of a template: its sections, ``- item`` lists, ``$`` marks and placeholders, and the
records the parser makes of them (:class:`Placeholder`, :class:`InitLine`, :class:`Condition`) and the
sampler returns (:class:`Assignment`)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from mathgym.variants.expr import CompiledExpression


class TemplateError(ValueError):
    """A template cannot be parsed, or no values satisfy its conditions."""


def _strip_dollars(text: str) -> str:
    """Remove ``$`` variable marks outside string literals (``$ans`` -> ``ans``; ``"$"`` stays)."""
    out, quote, i = [], None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            out.append(ch)
        elif ch == "$" and i + 1 < len(text) and (text[i + 1].isalpha() or text[i + 1] == "_"):
            pass
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _balanced(text: str) -> bool:
    depth, quote = 0, None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth <= 0 and quote is None


def _items(section: str) -> list[str]:
    """The ``- item`` entries of a section; an item whose brackets stay open continues on the next line."""
    items: list[str] = []
    pending = ""
    for raw in section.splitlines():
        line = raw.strip()
        if not line:
            continue
        if pending:
            pending += " " + line
        else:
            pending = re.sub(r"^-\s*", "", line, count=1)
        if _balanced(pending):
            if pending.strip():
                items.append(pending.strip())
            pending = ""
    if pending.strip():
        items.append(pending.strip())
    return items


_TRUNCATING_CALLS = frozenset(
    ("int", "round", "floor", "ceil", "math.floor", "math.ceil", "np.floor", "np.ceil", "np.round")
)


def _truncates(tree: ast.AST) -> bool:
    """Whether an expression jumps at integers (``%``, ``//``, ``int()``, ``round()``...): such a condition is
    exact or meaningless (``375750.00000000006 % 100`` is neither 0 nor close to it), so it is evaluated
    with exact rationals."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.FloorDiv)):
            return True
        if isinstance(node, ast.Call) and ast.unparse(node.func) in _TRUNCATING_CALLS:
            return True
    return False


_SECTION = re.compile(
    r"^[ \t]*#[ \t]*(init|conditions?|answer)\b[ \t]*[:=]?[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ASSIGN = re.compile(
    r"^(?P<targets>\$?\s*[A-Za-z_]\w*(?:\s*,\s*\$?\s*[A-Za-z_]\w*)*)\s*=(?!=)\s*(?P<expr>.+)$", re.S
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9$\x00])|\n+")
_CALC = re.compile(r"<<[^<>]*>>")


def _sections(text: str) -> tuple[str, dict[str, str]]:
    matches = list(_SECTION.finditer(text))
    if not matches:
        return text, {}
    body = text[: matches[0].start()]
    sections: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        name = (
            m.group(1).lower().rstrip("s")
            if m.group(1).lower().startswith("condition")
            else m.group(1).lower()
        )
        content = (m.group(2) + "\n" + text[m.end() : end]).strip("\n")
        sections[name] = (sections.get(name, "") + "\n" + content).strip("\n")
    return body, sections


@dataclass(frozen=True)
class Placeholder:
    """A ``{var,default}`` span of the question."""

    var: str
    default: str | None
    start: int
    end: int
    sentence_start: bool


@dataclass
class InitLine:
    """One ``#init`` entry: ``targets = expr``."""

    targets: tuple[str, ...]
    numeric: bool
    expr: CompiledExpression
    deps: frozenset[str]
    source: str
    list_name: str | None = None
    #: names the expression reads that refer to an earlier definition of a redefined variable
    renames: dict[str, str] = field(default_factory=dict)


@dataclass
class Condition:
    source: str
    check: CompiledExpression
    names: frozenset[str]
    equality: tuple[CompiledExpression, CompiledExpression] | None = None


@dataclass
class Assignment:
    """Sampled (or default) values of a template's variables."""

    values: dict[str, Any]
    displays: dict[str, str]
    answer: Any
    defaults: bool = False
    occurrence_text: dict[int, str] = field(default_factory=dict)  # per-placeholder text (defaults only)
