"""GSM-Symbolic annotated templates: parsing, safe evaluation and constrained sampling.

A template record (``question_annotated`` + ``answer_annotated``, see ``shared/data/gsm_symbolic/README.md``)
is a question whose variable parts are written ``{var,default}``, followed by three sections::

    #init:
    - name = sample(names_female)
    - $x = range(10, 500, 10)
    - h_1, h_3 = sample(['read', 'paint', 'hike'], 2)
    #conditions:
    - divides(x, 10)
    #answer: x // 10

and a solution whose ``{expr}`` spans are evaluated with the sampled values, ending in ``#### {expr}``.

The parser accepts every construct of Apple's published files (the ``symbolic``, ``p1`` and ``p2`` sets):
``$`` marks on targets and inside expressions, and numeric variables without the mark (a variable is numeric
when its domain holds numbers: ``x = range(1, 9)``); ``-item`` without a space; several targets assigned
from one ``sample(list, k)``; ``(text, value)`` pairs (the question shows the text, the arithmetic uses the
value, and ``x[0]``/``x[1]`` index the pair), also when the text part is a number (``(5, 5)``); conditions
that mention ``ans`` (the answer); a missing ``#conditions:`` section; a missing ``#answer:`` section (the
final ``#### {expr}`` is used); ``#answer = expr`` and ``#answer: {expr}``; expressions split over lines;
bare list literals; ``np.arange``/``frange``/``fix_floats``/``shuffle_list``/``numbers_within``/
``sample_sequential`` domains; random draws (``np.random.randint(low, high, size)``, ``np.random.choice``,
``random.randint``), whose domain is every value they can draw; a variable defined twice in ``#init`` (the
later definition is the variable, as in Python; lines in between read the earlier one); chained comparisons
and ``Fraction``.

Conditions that use ``%`` are evaluated with exact rationals (:mod:`mathgym.variants.expr`, ``exact=True``):
``price * 1.13 % 100 == 0`` must not depend on binary rounding.

Expressions are evaluated by :mod:`mathgym.variants.expr` (a whitelist compiler, never ``eval``).
Values satisfying every condition are found by a randomised depth-first search with restarts that
checks each condition as soon as its variables are bound, which finds rare equality constraints
(``total == x + y + ...``) that plain rejection sampling would need millions of draws for.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from mathgym.variants.base import format_answer, format_number, is_integral
from mathgym.variants.expr import (
    SAFE_BUILTINS,
    CompiledExpression,
    ExpressionError,
    bounded_range,
    compile_expression,
)
from mathgym.variants.lists import LISTS, numbers_within, parse_number


class TemplateError(ValueError):
    """A template cannot be parsed, or no values satisfy its conditions."""


# ------------------------------------------------------------------------------------------ helpers
@dataclass(frozen=True)
class SampleSpec:
    """What ``sample(...)`` / ``sample_sequential(...)`` return inside ``#init``: a domain to draw from."""

    population: tuple[Any, ...]
    k: int | None = None
    sequential: bool = False


def _sample(population: Any, k: int | None = None) -> SampleSpec:
    items = tuple(population)
    if not items:
        raise ValueError("sample() of an empty list")
    if k is not None and (not isinstance(k, int) or k < 1 or k > len(items)):
        raise ValueError(f"sample(k={k!r}) needs 1 <= k <= {len(items)}")
    return SampleSpec(items, k)


def _sample_sequential(population: Any, k: int) -> SampleSpec:
    items = tuple(population)
    if not isinstance(k, int) or not 1 <= k <= len(items):
        raise ValueError(f"sample_sequential(k={k!r}) needs 1 <= k <= {len(items)}")
    return SampleSpec(items, k, sequential=True)


def _clean_float(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 10)
    return x


def _arange(start: Any, stop: Any = None, step: Any = 1) -> list[Any]:
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange step must not be 0")
    n = math.ceil((stop - start) / step - 1e-12)
    if n > 1_000_000:
        raise ValueError("arange too long")
    if all(isinstance(v, int) for v in (start, stop, step)):
        return list(range(start, stop, step))
    return [_clean_float(float(start + i * step)) for i in range(max(n, 0))]


def _fix_floats(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_fix_floats(v) for v in x]
    return round(x, 8) if isinstance(x, float) else x


def is_int(x: Any) -> bool:
    """Template helper: is ``x`` integer-valued (exact for ints/Fractions, tolerant for floats)?"""
    return is_integral(x) if isinstance(x, (int, float, Fraction, np.number)) else False


def divides(a: Any, b: Any) -> bool:
    """Template helper: is ``a`` a multiple of ``b`` (``a % b == 0``; false when ``b == 0``)?"""
    if b == 0:
        return False
    if isinstance(a, int) and isinstance(b, int):
        return a % b == 0
    return is_int(a / b)


def _fraction(a: Any, b: Any = None) -> Fraction:
    if b is None:
        return Fraction(a) if not isinstance(a, float) else Fraction(a).limit_denominator(10**6)
    a = Fraction(a).limit_denominator(10**6) if isinstance(a, float) else a
    b = Fraction(b).limit_denominator(10**6) if isinstance(b, float) else b
    return Fraction(a, b) if isinstance(a, int) and isinstance(b, int) else Fraction(a) / Fraction(b)


def template_functions(lists: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Every name a template expression can use: safe builtins, the format's helpers and the lists."""

    def shuffle_list(items: Any) -> list[Any]:
        # A fixed shuffle: a domain is drawn from uniformly, so its order only has to be reproducible,
        # whatever was generated before in this process.
        out = list(items)
        return [out[i] for i in np.random.default_rng(len(out)).permutation(len(out))]

    functions: dict[str, Any] = dict(SAFE_BUILTINS)
    functions.update(
        {
            "sample": _sample,
            "sample_sequential": _sample_sequential,
            "numbers_within": numbers_within,
            "frange": _arange,
            "arange": _arange,
            "np.arange": _arange,
            "numpy.arange": _arange,
            "fix_floats": _fix_floats,
            "shuffle_list": shuffle_list,
            "divides": divides,
            "is_int": is_int,
            "Fraction": _fraction,
            "np.floor": math.floor,
            "np.ceil": math.ceil,
            "np.round": round,
            "np.random.randint": _random_integers,
            "numpy.random.randint": _random_integers,
            "np.random.choice": _random_choice,
            "numpy.random.choice": _random_choice,
            "random.randint": _random_integers_inclusive,
            "random.choice": _random_choice,
        }
    )
    for name, items in lists.items():
        functions[name] = list(items)
    return functions


class _Labelled:
    """A number drawn from a ``(text, value)`` pair: it computes as the value and indexes as the pair
    (``x[0]`` is the text, ``x[1]`` the value), because templates use both (``n * frac`` and ``frac[1]``)."""

    text: str

    def __getitem__(self, index: int) -> Any:
        return (self.text, self._plain())[index]

    def _plain(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"({self.text!r}, {self._plain()!r})"


class LabelledInt(_Labelled, int):
    def _plain(self) -> int:
        return int(self)


class LabelledFloat(_Labelled, float):
    def _plain(self) -> float:
        return float(self)


class LabelledFraction(_Labelled, Fraction):
    def _plain(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)


_LABELLED = {int: LabelledInt, float: LabelledFloat, Fraction: LabelledFraction}


def labelled(text: str, value: Any) -> Any:
    """``value`` carrying its display ``text`` (numbers only; other values are returned unchanged)."""
    kind = _LABELLED.get(type(value))
    if kind is None:
        return value
    out = kind(value)
    out.text = text
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Fraction, np.number)) and not isinstance(value, bool)


def split_element(element: Any) -> tuple[str, Any]:
    """``(display text, value)`` of a list element: ``("a third", 1/3)`` stays (the value remembers its text),
    a pair whose text part is a number shows that number (``(5, 5)`` → ``("5", 5)``), ``5`` becomes
    ``("5", 5)``."""
    if isinstance(element, tuple) and len(element) == 2 and (
            isinstance(element[0], str) or (_is_number(element[0]) and _is_number(element[1]))):
        text = element[0] if isinstance(element[0], str) else format_number(element[0])
        return text, labelled(text, element[1])
    if isinstance(element, str):
        return element, element
    return format_number(element), element


def _random_integers(low: int, high: int | None = None, size: Any = None) -> range:
    """``np.random.randint(low, high, size)`` in ``#init``: the domain it draws from, ``[low, high)``."""
    return bounded_range(0, low) if high is None else bounded_range(low, high)


def _random_choice(items: Any, size: Any = None, replace: bool = True) -> list[Any]:
    """``np.random.choice(items, size)`` in ``#init``: the domain it draws from."""
    return list(bounded_range(items)) if isinstance(items, int) else list(items)


def _random_integers_inclusive(low: int, high: int) -> range:
    """``random.randint(low, high)`` in ``#init``: the domain it draws from, ``[low, high]``."""
    return bounded_range(low, high + 1)


def encode_value(value: Any) -> Any:
    """A sampled value as JSON (for ``Problem.meta["sampled"]``): Fractions as ``"p/q"``, pairs as
    ``{"text", "value"}``, lists element-wise; :func:`decode_value` inverts it."""
    if isinstance(value, _Labelled):
        return {"text": value.text, "value": encode_value(value._plain())}
    if isinstance(value, Fraction):
        return {"fraction": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return value


def decode_value(data: Any) -> Any:
    """The sampled value that :func:`encode_value` wrote."""
    if isinstance(data, dict) and "fraction" in data:
        return Fraction(data["fraction"])
    if isinstance(data, dict) and "text" in data:
        return labelled(data["text"], decode_value(data["value"]))
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    return data


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


_TRUNCATING_CALLS = frozenset(("int", "round", "floor", "ceil", "math.floor", "math.ceil", "np.floor", "np.ceil",
                               "np.round"))


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


class _Domain:
    """Candidate assignments of one init line, iterated in a random order without repeats (or capped)."""

    def __init__(self, line: InitLine, result: Any) -> None:
        self.line = line
        ntargets = len(line.targets)
        if isinstance(result, SampleSpec):
            self.population = result.population
            self.k = result.k
            self.sequential = result.sequential
        elif isinstance(result, (list, tuple, range)):
            self.population, self.k, self.sequential = tuple(result), None, False
        else:
            self.population, self.k, self.sequential = (result,), None, False
        if not self.population:
            raise TemplateError(f"empty domain in init line {line.source!r}")
        n = len(self.population)
        if self.k is None and ntargets > 1:
            self.k = ntargets
        if self.sequential:
            self.size = n
        elif self.k is None:
            self.size = n
        else:
            self.size = math.perm(n, self.k)
        self._perms: list[tuple[int, ...]] | None = None
        if self.k is not None and ntargets > 1 and self.k != ntargets:
            raise TemplateError(f"{line.source!r}: {ntargets} targets but sample of {self.k}")

    def _pick(self, index_tuple: tuple[int, ...]) -> list[tuple[str, Any]]:
        elems = [split_element(self.population[i]) for i in index_tuple]
        if len(self.line.targets) == 1 and self.k is not None:
            return [(", ".join(d for d, _ in elems), [v for _, v in elems])]
        return elems

    def _indices(self, r: int) -> tuple[int, ...]:
        n = len(self.population)
        if self.sequential:
            return tuple((r + j) % n for j in range(self.k or 1))
        if self.k is None:
            return (r,)
        if self._perms is None:  # only reached when the permutation space is small (<= the level cap)
            self._perms = list(itertools.permutations(range(n), self.k))
        return self._perms[r]

    def candidates(self, rng: np.random.Generator, cap: int) -> Iterator[list[tuple[str, Any]]]:
        n = len(self.population)
        if self.k is not None and not self.sequential and self.size > cap:
            for _ in range(cap):  # draw k distinct indices directly: the permutation space is huge
                yield self._pick(tuple(int(i) for i in rng.choice(n, size=self.k, replace=False)))
            return
        if self.size <= cap:
            for r in rng.permutation(self.size):
                yield self._pick(self._indices(int(r)))
        else:
            for r in rng.integers(0, self.size, size=cap):
                yield self._pick(self._indices(int(r)))

    def draw_one(self, rng: np.random.Generator) -> list[tuple[str, Any]]:
        """One uniformly drawn candidate (cheaper than :meth:`candidates` for a single draw)."""
        n = len(self.population)
        if self.k is None or self.sequential:
            return self._pick(self._indices(int(rng.integers(n))))
        return self._pick(tuple(int(i) for i in rng.choice(n, size=self.k, replace=False)))

    def elements(self) -> list[tuple[str, Any]]:
        return [split_element(e) for e in self.population]


class _Budget(Exception):
    pass


def _luby(i: int) -> int:
    """The i-th term (1-based) of the Luby restart sequence 1, 1, 2, 1, 1, 2, 4, 1, ..."""
    k = 1
    while (1 << k) - 1 < i:
        k += 1
    while True:
        if i == (1 << k) - 1:
            return 1 << (k - 1)
        i -= (1 << (k - 1)) - 1
        k = 1
        while (1 << k) - 1 < i:
            k += 1


class GSMTemplate:
    """A parsed GSM-Symbolic template.

    :param record: the JSON object of a template file (needs ``question_annotated``; ``answer_annotated``
        is needed for solutions and when there is no ``#answer:`` section).
    :param template_id: a name used in errors and ids (e.g. ``"p2/0000"``).
    :param lists: the replacement lists (defaults to :data:`mathgym.variants.lists.LISTS`).
    :param integer_answers: ``"auto"`` (default): require an integer answer when the default instance's
        answer is an integer, as GSM8K answers are; ``True``/``False`` to force either way.
    """

    #: candidate values tried per search level before backtracking
    level_cap = 256

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

    # ---------------------------------------------------------------------------- parsing
    def _compile(self, source: str, exact: bool = False) -> CompiledExpression:
        return compile_expression(_strip_dollars(source), self.functions, variables=self.variables | {"ans"},
                                  exact=exact)

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
            self.lines.append(InitLine(tuple(internal), numeric, expr, frozenset(current[n] for n in reads), source,
                                       list_names[0] if list_names else None, renames))
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

    # ------------------------------------------------------------------------------ search
    def _cond_vars(self, cond: Condition) -> frozenset[str]:
        names = set(cond.names)
        if "ans" in names and "ans" not in self.variables:
            names.discard("ans")
            names |= self.answer_deps
        return frozenset(names)

    def _line_sizes(self) -> list[int]:
        sizes = []
        for i, line in enumerate(self.lines):
            if line.deps:
                sizes.append(16)  # unknown until its inputs are drawn; a guess for the ordering model
                continue
            try:
                sizes.append(self._domain(i, {}).size)
            except TemplateError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise TemplateError(f"{self.id}: cannot evaluate init line {line.source!r}: {exc}") from None
        return sizes

    def _pass_rates(self, samples: int = 200) -> tuple[list[float], float]:
        """How often each condition (and integrality of the answer) holds for independently drawn values."""
        from mathgym.seeding import derive_rng  # noqa: PLC0415

        rng = derive_rng("mathgym.gsm-template.order", self.id)
        passes = [0] * len(self.conditions)
        integral = 0
        answer_key = "ans" if "ans" not in self.variables else "\x00answer"
        for _ in range(samples):
            env: dict[str, Any] = {}
            try:
                for i, line in enumerate(self.lines):
                    candidate = self._domain(i, env).draw_one(rng)
                    for target, (_, value) in zip(line.targets, candidate):
                        env[target] = value
                answer = self.answer_expr(env)
                env[answer_key] = answer
                integral += is_integral(answer)
            except Exception:  # noqa: BLE001
                continue
            for j, cond in enumerate(self.conditions):
                try:
                    passes[j] += bool(cond.check(env))
                except Exception:  # noqa: BLE001
                    pass
        rates = [(p + 0.5) / (samples + 1) for p in passes]
        return rates, (integral + 0.5) / (samples + 1)

    def _prepare_search(self) -> None:
        """Choose the order in which init lines are drawn, and which checks run at each depth.

        Cost model: the search tree's size, ``sum_d prod_{j<=d} size_j * prod(pass rate of the checks
        completed by depth d)``, with pass rates estimated by drawing values independently. A small beam
        search over orders minimises it, so selective checks (equalities, divisibility) run early.
        """
        cond_vars = [self._cond_vars(c) for c in self.conditions]
        sizes = self._line_sizes()
        rates, integral_rate = self._pass_rates()
        if not self.integer_answers:
            integral_rate = 1.0
        relevant_vars = set(self.answer_deps).union(*cond_vars) if cond_vars else set(self.answer_deps)
        # lines that matter: those whose variables are checked, plus what they depend on
        needed: set[int] = set()
        frontier = [i for i, line in enumerate(self.lines) if set(line.targets) & relevant_vars]
        while frontier:
            i = frontier.pop()
            if i in needed:
                continue
            needed.add(i)
            frontier.extend(self.line_of[d] for d in self.lines[i].deps)
        cap = self.level_cap

        def step(state: tuple[frozenset[str], frozenset[int], bool, float, float], i: int):
            bound, done, answered, cost, mult = state
            bound = bound | set(self.lines[i].targets)
            mult = mult * min(sizes[i], cap)
            cost = cost + mult
            newly = [j for j in range(len(cond_vars)) if j not in done and cond_vars[j] <= bound]
            for j in newly:
                mult *= rates[j]
            if not answered and self.answer_deps <= bound:
                mult *= integral_rate
                answered = True
            return (bound, done | frozenset(newly), answered, cost, mult)

        beam = [((frozenset(), frozenset(), not self.answer_deps, 0.0, 1.0), ())]
        todo = sorted(needed)
        for _ in todo:
            expanded = {}
            for state, order in beam:
                for i in todo:
                    if i in order or not self.lines[i].deps <= state[0]:
                        continue
                    new_state = step(state, i)
                    key = frozenset(order + (i,))
                    score = new_state[3] + new_state[4]
                    if key not in expanded or score < expanded[key][0]:
                        expanded[key] = (score, new_state, order + (i,))
            if not expanded:
                raise TemplateError(f"{self.id}: circular init definitions")
            best = sorted(expanded.values(), key=lambda t: (t[0], t[2]))[:48]
            beam = [(state, order) for _, state, order in best]
        order = list(min(beam, key=lambda b: (b[0][3], b[1]))[1]) if todo else []
        rest = [i for i in range(len(self.lines)) if i not in needed]
        # lines nobody checks are drawn last, after their own inputs (init order respects dependencies)
        self.order = order + rest
        bound: set[str] = set()
        self.checks_at: list[list[Condition]] = []
        self.answer_depth = -1
        placed: set[int] = set()
        for depth, i in enumerate(self.order):
            bound |= set(self.lines[i].targets)
            if self.answer_depth < 0 and self.answer_deps <= bound:
                self.answer_depth = depth
            here = [j for j in range(len(self.conditions)) if j not in placed and cond_vars[j] <= bound]
            placed.update(here)
            self.checks_at.append([self.conditions[j] for j in here])

    def _domain(self, line_index: int, env: Mapping[str, Any]) -> _Domain:
        line = self.lines[line_index]
        if not line.deps and line_index in self._static_domains:
            return self._static_domains[line_index]
        if line.renames:  # the line reads earlier definitions of redefined variables
            env = {**env, **{name: env[hidden] for name, hidden in line.renames.items()}}
        try:
            result = line.expr(env)
        except TemplateError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise TemplateError(f"{self.id}: init line {line.source!r} failed: {exc}") from None
        domain = _Domain(line, result)
        if not line.deps:
            self._static_domains[line_index] = domain
        return domain

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

    def sample(self, rng: np.random.Generator, *, max_nodes: int = 3_000_000) -> Assignment:
        """Values drawn from the ``#init`` domains that satisfy every condition (and integrality, if on).

        Randomised depth-first searches are restarted with node budgets following the Luby sequence
        (32, 32, 64, 32, 32, 64, 128, ...), which escapes early choices that doom a whole subtree.
        """
        if not self._prepared:
            self._prepare_search()
            self._prepared = True
        last_error: list[str] = []
        spent, attempt = 0, 0
        while spent < max_nodes:
            attempt += 1
            budget = 32 * _luby(attempt)
            try:
                found = self._search(rng, budget, last_error)
            except _Budget:
                spent += budget
                continue
            if found is not None:
                return found
            break  # the search space was exhausted: no solution exists
        hint = f" (last error: {last_error[-1]})" if last_error else ""
        raise TemplateError(
            f"{self.id}: no values satisfy the conditions (searched {spent} candidates){hint}"
        )

    def _search(self, rng: np.random.Generator, budget: int, errors: list[str]) -> Assignment | None:
        """One randomised depth-first search; ``None`` when the whole space was searched without success."""
        env: dict[str, Any] = {}
        displays: dict[str, str] = {}
        nodes = 0
        exhaustive = True
        # a derived answer is visible to conditions as ``ans``; if ``ans`` is an init variable keep it apart
        answer_key = "ans" if "ans" not in self.variables else "\x00answer"
        order, lines = self.order, self.lines

        def check(depth: int) -> bool:
            if depth == self.answer_depth:
                try:
                    answer = self.answer_expr(env)
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"answer: {exc}")
                    return False
                if self.integer_answers and not is_integral(answer):
                    return False
                env[answer_key] = answer
            for cond in self.checks_at[depth]:
                try:
                    if not cond.check(env):
                        return False
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"{cond.source}: {exc}")
                    return False
            return True

        def rec(depth: int) -> bool:
            nonlocal nodes, exhaustive
            if depth == len(order):
                return True
            line = lines[order[depth]]
            domain = self._domain(order[depth], env)
            if domain.size > self.level_cap:
                exhaustive = False
            for candidate in domain.candidates(rng, self.level_cap):
                nodes += 1
                if nodes > budget:
                    raise _Budget
                for target, (display, value) in zip(line.targets, candidate):
                    env[target] = value
                    displays[target] = display
                if check(depth) and rec(depth + 1):
                    return True
            for target in line.targets:
                env.pop(target, None)
            return False

        if not order:  # a template without variables
            answer = self.answer_expr({})
            return Assignment({}, {}, answer)
        if rec(0):
            values = {k: v for k, v in env.items() if k in self.variables}
            return Assignment(values, dict(displays), env[answer_key])
        if not exhaustive:
            raise _Budget
        return None

    # ----------------------------------------------------------------------------- defaults
    def _default_value(self, var: str, text: str) -> Any:
        """The value of ``var`` that the question's default ``text`` shows (a domain element, else the number
        the text spells, which carries the text when the domain's values are ``(text, value)`` pairs)."""
        line = self.lines[self.line_of[var]]
        pairs = False
        if not line.deps:
            try:
                for display, value in self._domain(self.line_of[var], {}).elements():
                    pairs = pairs or isinstance(value, _Labelled)
                    if (
                        isinstance(display, str)
                        and display.casefold() == text.casefold()
                        and display != value
                    ):
                        return value
            except TemplateError:
                pass
        if line.numeric:
            number = parse_number(text)
            if number is not None:
                return labelled(text, number) if pairs else number
            raise TemplateError(f"{self.id}: cannot read the default {text!r} of numeric variable {var!r}")
        return text

    def _default_assignment(self) -> Assignment:
        values: dict[str, Any] = {}
        displays: dict[str, str] = {}
        occurrence: dict[int, str] = {}
        for i, ph in enumerate(self.placeholders):
            if ph.default is None:
                raise TemplateError(f"{self.id}: placeholder {{{ph.var}}} has no default value")
            occurrence[i] = ph.default
            if ph.var not in values:
                values[ph.var] = self._default_value(ph.var, ph.default)
                displays[ph.var] = ph.default
        unresolved = self._solve_missing(values)
        for var in self.variables - set(displays):
            if var in values:
                displays[var] = (
                    format_number(values[var]) if not isinstance(values[var], str) else values[var]
                )
        self.default_note = ""
        try:
            answer = self.answer_expr(values)
        except Exception as exc:  # noqa: BLE001
            # Defaults can break the template's integer arithmetic (a count of 6 where the template
            # counts dozens: 6 // 12 == 0 and a division by zero). The text's own answer is then the
            # expression with exact division, which is what ``//`` stands for when conditions hold.
            try:
                answer = self._exact_answer_expr()(values)
            except Exception:  # noqa: BLE001
                raise TemplateError(
                    f"{self.id}: the answer expression fails on the default values: {exc}"
                ) from None
            self.default_note = (
                f"answer expression failed on the defaults ({exc}); evaluated with exact division"
            )
        assignment = Assignment(values, displays, answer, defaults=True, occurrence_text=occurrence)
        self.default_unresolved = unresolved
        return assignment

    def _exact_answer_expr(self) -> CompiledExpression:
        class _Exact(ast.NodeTransformer):
            def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
                self.generic_visit(node)
                if isinstance(node.op, ast.FloorDiv):
                    return ast.copy_location(
                        ast.Call(ast.Name("Fraction", ast.Load()), [node.left, node.right], []), node
                    )
                return node

        tree = _Exact().visit(ast.parse(_strip_dollars(self.answer_source), mode="eval"))
        return self._compile(ast.unparse(ast.fix_missing_locations(tree)), exact=True)

    def _solve_missing(self, values: dict[str, Any]) -> list[str]:
        """Give variables that the question does not show a value consistent with the defaults.

        Equalities are solved (``total == x + y + ans`` gives ``ans``) with sympy; otherwise the first
        domain value meeting the conditions is taken; failing that the first domain value.
        """
        unresolved = []
        for line in self.lines:
            for var in line.targets:
                if var in values:
                    continue
                value = self._solve_one(var, values)
                if value is None:
                    unresolved.append(var)
                    try:
                        value = self._domain(self.line_of[var], values).elements()[0][1]
                    except Exception:  # noqa: BLE001
                        value = 0
                values[var] = value
        return unresolved

    def _solve_one(self, var: str, values: dict[str, Any]) -> Any:
        known = set(values) | {var}
        derived = {"ans"} - self.variables  # ``ans`` meaning the answer, not an init variable
        relevant = [c for c in self.conditions if var in c.names and c.names - derived <= known]
        for cond in relevant:
            if cond.equality is None or cond.names & derived:
                continue
            solved = self._solve_equality(var, cond, values)
            if solved is not None:
                return solved
        try:
            candidates = self._domain(self.line_of[var], values).elements()
        except Exception:  # noqa: BLE001
            return None
        for _, value in candidates:
            env = dict(values)
            env[var] = value
            try:
                if relevant and all(c.check(env) for c in relevant if not c.names & derived):
                    return value
            except Exception:  # noqa: BLE001
                continue
        return None

    @staticmethod
    def _solve_equality(var: str, cond: Condition, values: Mapping[str, Any]) -> Any:
        import sympy  # noqa: PLC0415

        symbol = sympy.Symbol(var)
        env = dict(values)
        env[var] = symbol
        try:
            left, right = cond.equality[0](env), cond.equality[1](env)  # type: ignore[index]
            solutions = sympy.solve(sympy.Eq(sympy.sympify(left), sympy.sympify(right)), symbol)
        except Exception:  # noqa: BLE001
            return None
        for sol in solutions:
            if sol.is_real:
                if sol.is_Integer:
                    return int(sol)
                if sol.is_Rational:
                    return Fraction(int(sol.p), int(sol.q))
                return float(sol)
        return None

    # ---------------------------------------------------------------------------- rendering
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
