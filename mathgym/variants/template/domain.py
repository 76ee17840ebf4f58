"""The domain of one ``#init`` line, and the state and primitives the parts of a template share.

:class:`TemplateBase` holds what parsing produces (init lines, placeholders, conditions, the answer
expression) and the two primitives every other part uses: compiling an expression against the template's
functions and variables, and evaluating an init line's domain.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from mathgym.variants.expr import CompiledExpression, compile_expression
from mathgym.variants.template.syntax import (
    Condition,
    InitLine,
    Placeholder,
    TemplateError,
    _strip_dollars,
)
from mathgym.variants.template.values import SampleSpec, split_element


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
        if self.sequential or self.k is None:
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


class TemplateBase:
    """State shared by the parsing, search, default-solving and rendering parts of
    :class:`~mathgym.variants.template.GSMTemplate`, and the primitives they all use."""

    #: candidate values tried per search level before backtracking
    level_cap = 256

    id: str
    lists: dict[str, Any]
    functions: dict[str, Any]
    body: str
    answer_annotated: str
    variables: set[str]
    redefined: list[str]
    lines: list[InitLine]
    line_of: dict[str, int]
    placeholders: list[Placeholder]
    question_vars: set[str]
    conditions: list[Condition]
    answer_source: str
    answer_expr: CompiledExpression
    answer_deps: frozenset[str]
    integer_answers: bool
    _static_domains: dict[int, _Domain]

    def _compile(self, source: str, exact: bool = False) -> CompiledExpression:
        return compile_expression(
            _strip_dollars(source), self.functions, variables=self.variables | {"ans"}, exact=exact
        )

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
