"""Finding values that satisfy a template's conditions: a randomised depth-first search with restarts,
drawing init lines in an order chosen by a cost model so selective checks run early."""

from __future__ import annotations

from typing import Any

import numpy as np

from mathgym.variants.base import is_integral
from mathgym.variants.template.domain import TemplateBase
from mathgym.variants.template.syntax import Assignment, Condition, TemplateError


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


class TemplateSearch(TemplateBase):
    """Samples satisfying values (the search part of :class:`~mathgym.variants.template.GSMTemplate`)."""

    order: list[int]
    checks_at: list[list[Condition]]
    answer_depth: int
    _prepared: bool

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
        from mathgym.seeding import derive_rng

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

        def step(
            state: tuple[frozenset[str], frozenset[int], bool, float, float], i: int
        ) -> tuple[frozenset[str], frozenset[int], bool, float, float]:
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

    def _search(self, rng: np.random.Generator, budget: int, errors: list[str]) -> Assignment | None:  # noqa: C901  (one search loop)
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
