"""The default instance of a template: the values its question text shows, and values for the variables it
does not show, solved from the conditions (equalities with sympy) so the defaults are consistent."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mathgym.variants.base import format_number
from mathgym.variants.expr import CompiledExpression
from mathgym.variants.lists import parse_number
from mathgym.variants.template.domain import TemplateBase
from mathgym.variants.template.syntax import Assignment, Condition, TemplateError, _strip_dollars
from mathgym.variants.template.values import _Labelled, labelled


class TemplateDefaults(TemplateBase):
    """Builds the default assignment (the defaults part of :class:`~mathgym.variants.template.GSMTemplate`)."""

    default_note: str
    default_unresolved: list[str]

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
        import sympy

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
