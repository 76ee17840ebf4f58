"""The error tape: how a reference solution is replayed with one injected error, propagated to the end.

A *tracer* (one per generator, :mod:`mathgym.process.tracers`) recomputes a problem's reference solution
from the problem's parameters and writes it step by step. Every quantity it computes goes through a
:class:`Tape` call (:meth:`Tape.calc`, :meth:`Tape.value`, :meth:`Tape.expr`, ...), and the tracer uses
the *returned* value in everything it computes and writes afterwards. On a clean tape the calls return
the true values and the tracer reproduces the reference solution character for character (the tracers'
self-check). On a tape carrying an :class:`Injection`, one call site returns a wrong value (or a wrong
operation, a wrong operand, a dropped term, a wrong formula), and because the tracer goes on computing
from what the tape returned, the error propagates consistently to the final answer.

A second, optional perturbation (``restore_step``) makes the first call site of a later step return
its clean value again: a compensating slip, which gives the "right answer, wrong step" solutions of
ProcessBench (the first error is still the injected one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

#: the error kinds an injection may use (issue 13, item 1)
ERROR_KINDS = (
    "arithmetic_slip",
    "sign_error",
    "wrong_operation",
    "dropped_term",
    "wrong_formula",
    "copied_wrong_number",
)
SLIP, SIGN, WRONG_OP, DROPPED, FORMULA, COPIED = ERROR_KINDS

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: _div(a, b),
}
#: the operation a "wrong operation" error uses instead of each operation (the common confusions)
WRONG_OPS = {"add": ("sub", "mul"), "sub": ("add",), "mul": ("add", "div"), "div": ("mul", "sub")}


def _div(a: Any, b: Any) -> Any:
    if b == 0:
        raise ZeroDivisionError("division by zero in a traced step")
    if isinstance(a, int) and isinstance(b, int):
        return a // b if a % b == 0 else Fraction(a, b)
    result = (
        Fraction(a) / Fraction(b)
        if isinstance(a, (int, Fraction)) and isinstance(b, (int, Fraction))
        else a / b
    )
    return _normal(result)


def _normal(value: Any) -> Any:
    """Whole Fractions become ints, so ``6/2`` prints as ``3`` the way the generators print it."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value.numerator)
    return value


def apply_op(op: str, a: Any, b: Any) -> Any:
    """Exact ``a op b`` for ``op`` in add/sub/mul/div."""
    return _normal(_OPS[op](a, b))


class InjectionSkipped(ValueError):
    """The requested perturbation cannot be applied here (no valid candidate value at this site)."""


@dataclass(frozen=True)
class Calc:
    """One binary computation as the step shows it: ``a op b = value`` (possibly wrong)."""

    op: str
    a: Any
    b: Any
    value: Any


@dataclass(frozen=True)
class Site:
    """A place in a solution where a tracer computed something.

    :param step: index of the solution step the site belongs to.
    :param index: order of the site within its step.
    :param kinds: the error kinds this site can carry.
    :param value: the value it returned (clean value on a clean tape).
    """

    step: int
    index: int
    kinds: tuple[str, ...]
    value: Any = None


@dataclass(frozen=True)
class Injection:
    """Which site gets which error.

    :param step: the step of the error (the first wrong step, by construction).
    :param site: the site's order within that step.
    :param kind: one of :data:`ERROR_KINDS`.
    :param variant: picks one of the candidate wrong values (different variants, different errors).
    :param restore_step: a later step whose first site returns its clean value again (a compensating
        error that brings the solution back to the right answer), or ``None``.
    """

    step: int
    site: int
    kind: str
    variant: int = 0
    restore_step: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ERROR_KINDS:
            raise ValueError(f"unknown error kind {self.kind!r}; choose one of {', '.join(ERROR_KINDS)}")
        if self.restore_step is not None and self.restore_step <= self.step:
            raise ValueError("the compensating error comes after the first error")


def slip_candidates(value: Any) -> list[Any]:
    """Plausible slips of a number: off by one, two or ten, two digits swapped, a wrong last decimal."""
    value = _normal(value)
    if isinstance(value, int):
        out = [value + 1, value - 1, value + 10, value - 10, value + 2, value - 2]
        digits = str(abs(value))
        if len(digits) >= 2 and digits[-1] != digits[-2]:
            swapped = int(digits[:-2] + digits[-1] + digits[-2]) * (1 if value >= 0 else -1)
            out.insert(2, swapped)
        return out
    if isinstance(value, Fraction):
        n, d = value.numerator, value.denominator
        # a terminating decimal slips in its last digit, other fractions in the numerator or denominator
        decimals = _decimal_places(value)
        if decimals is not None:
            unit = Fraction(1, 10**decimals)
            return [value + unit, value - unit, value + 1, value - 1]
        return [Fraction(n + 1, d), Fraction(n - 1, d), Fraction(n, d + 1)] + (
            [Fraction(n, d - 1)] if d > 2 else []
        )
    raise InjectionSkipped(f"no slip for a value of type {type(value).__name__}")


def _decimal_places(value: Fraction) -> int | None:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return None
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    return places


def _as_fraction(value: Any) -> Fraction | None:
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    return None


@dataclass
class Tape:
    """Records a traced solution and applies at most one injection (see the module docstring).

    :param injection: the error to inject, or ``None`` for the clean solution.
    :param avoid: numbers a wrong value must not take (the problem's own numbers), so that an injected
        value is never a quantity that also appears in the correct solution.
    :param clean_sites: the sites of the clean run, whose values a compensating error restores.
    """

    injection: Injection | None = None
    avoid: frozenset = frozenset()
    clean_sites: Sequence[Site] = ()
    steps: list[str] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    fired: bool = False
    restored: bool = False
    _in_step: int = 0

    # --------------------------------------------------------------------------------------- steps
    def emit(self, text: str) -> None:
        """End the current step with its text."""
        self.steps.append(text)
        self._in_step = 0

    @property
    def step(self) -> int:
        """Index of the step being written."""
        return len(self.steps)

    # --------------------------------------------------------------------------------------- sites
    def _register(self, kinds: tuple[str, ...]) -> tuple[Site, bool, Any]:
        """Record a site; return it, whether the injection targets it, and a restore value (or None)."""
        site = Site(self.step, self._in_step, kinds)
        self._in_step += 1
        inj = self.injection
        target = inj is not None and not self.fired and inj.step == site.step and inj.site == site.index
        if target and inj is not None and inj.kind not in kinds:
            raise InjectionSkipped(f"site {site.step}.{site.index} cannot carry a {inj.kind}")
        restore = None
        if (
            inj is not None
            and self.fired
            and not self.restored
            and inj.restore_step == site.step
            and site.index == 0
        ):
            clean = {(s.step, s.index): s for s in self.clean_sites}.get((site.step, site.index))
            if clean is None:
                raise InjectionSkipped("the compensating step has no clean counterpart")
            restore = clean
        return site, target, restore

    def _record(self, site: Site, value: Any) -> None:
        self.sites.append(Site(site.step, site.index, site.kinds, value))

    def _wrong(self, value: Any, candidates: Sequence[Any]) -> Any:
        """Pick the injection's variant among candidates that differ from the truth and avoid the problem's
        numbers (and 0 and ±1, whose printed forms change the shape of an expression)."""
        assert self.injection is not None
        ok: list[Any] = []
        for c in candidates:
            c = _normal(c)
            f = _as_fraction(c)
            if c == value or (f is not None and (f in self.avoid or f in (0, 1, -1))) or c in ok:
                continue
            ok.append(c)
        if not ok:
            raise InjectionSkipped(f"no admissible wrong value for {value!r}")
        self.fired = True
        return ok[self.injection.variant % len(ok)]

    def calc(self, op: str, a: Any, b: Any, *, kinds: tuple[str, ...] | None = None) -> Calc:
        """A binary computation ``a op b`` the step shows; returns what the step writes.

        :param kinds: the error kinds allowed here (default: slip, sign, wrong operation, copied
            operand, and a dropped term for sums and differences).
        """
        if kinds is None:
            kinds = (SLIP, SIGN, WRONG_OP, COPIED) + ((DROPPED,) if op in ("add", "sub") else ())
        site, target, restore = self._register(kinds)
        value = apply_op(op, a, b)
        out = Calc(op, a, b, value)
        if target:
            out = self._perturb_calc(out)
        elif restore is not None:
            self.restored = True
            out = Calc(op, a, b, restore.value)
        self._record(site, out.value)
        return out

    def _perturb_calc(self, calc: Calc) -> Calc:
        assert self.injection is not None
        kind, op, a, b = self.injection.kind, calc.op, calc.a, calc.b
        if kind == SLIP:
            return Calc(op, a, b, self._wrong(calc.value, slip_candidates(calc.value)))
        if kind == SIGN:  # a term moved without flipping its sign, or the result's sign lost
            flipped = {"sub": [apply_op("add", a, b)], "add": [apply_op("sub", a, b)]}.get(op, [])
            return Calc(op, a, b, self._wrong(calc.value, flipped + [-calc.value]))
        if kind == WRONG_OP:
            results = []
            for other in WRONG_OPS[op]:
                try:
                    results.append((other, apply_op(other, a, b)))
                except ZeroDivisionError:
                    continue
            value = self._wrong(calc.value, [v for _, v in results])
            other = next(o for o, v in results if _normal(v) == value)
            return Calc(other, a, b, value)
        if kind == DROPPED:  # the second term of a sum or difference is left out
            return Calc(op, a, b, self._wrong(calc.value, [a]))
        if kind == COPIED:  # one operand copied wrongly, the operation done right on the wrong number
            pairs = [(x, b) for x in _copy_candidates(a)] + [(a, y) for y in _copy_candidates(b)]
            options = []
            for x, y in pairs:
                fx, fy = _as_fraction(x), _as_fraction(y)
                if (fx is not None and fx in self.avoid and x != a) or (
                    fy is not None and fy in self.avoid and y != b
                ):
                    continue
                try:
                    options.append((x, y, apply_op(op, x, y)))
                except ZeroDivisionError:
                    continue
            value = self._wrong(calc.value, [v for _, _, v in options])
            x, y, _ = next(o for o in options if _normal(o[2]) == value)
            return Calc(op, x, y, value)
        raise InjectionSkipped(f"a calculation cannot carry a {kind}")

    def value(
        self, value: Any, *, alternatives: Sequence[Any] = (), kinds: tuple[str, ...] | None = None
    ) -> Any:
        """A computed number the step states (a factorial, a count, a remainder...).

        :param alternatives: what a wrong formula would give here (enables ``wrong_formula``).
        :param kinds: allowed error kinds (default: slip and sign, plus wrong formula with alternatives).
        """
        if kinds is None:
            kinds = (SLIP, SIGN) + ((FORMULA,) if alternatives else ())
        site, target, restore = self._register(kinds)
        out = value
        if target:
            kind = self.injection.kind  # type: ignore[union-attr]
            if kind == SLIP:
                out = self._wrong(value, slip_candidates(value))
            elif kind == SIGN:
                out = self._wrong(value, [-value])
            elif kind == FORMULA:
                out = self._wrong(value, list(alternatives))
            else:
                raise InjectionSkipped(f"a stated value cannot carry a {kind}")
        elif restore is not None:
            self.restored = True
            out = restore.value
        self._record(site, out)
        return out

    def given(self, value: Any) -> Any:
        """A number copied from the problem or an earlier step (only a copying error can change it)."""
        site, target, restore = self._register((COPIED,))
        out = value
        if target:
            out = self._wrong(value, _copy_candidates(value))
        elif restore is not None:
            self.restored = True
            out = restore.value
        self._record(site, out)
        return out

    def terms(self, items: Sequence[Any]) -> list[Any]:
        """A list of terms that are added up; a ``dropped_term`` error leaves one out."""
        site, target, restore = self._register((DROPPED,) if len(items) >= 2 else ())
        out = list(items)
        if target:
            self.fired = True
            drop = self.injection.variant % len(items)  # type: ignore[union-attr]
            out = out[:drop] + out[drop + 1 :]
        elif restore is not None:
            self.restored = True
            out = list(restore.value)
        self._record(site, tuple(out))
        return out

    def expr(
        self, expression: Any, *, alternatives: Sequence[Any] = (), kinds: tuple[str, ...] | None = None
    ) -> Any:
        """A symbolic result (a sympy expression): slips change one coefficient, a sign error negates one
        term, a dropped term leaves one term out, a wrong formula uses an alternative."""
        from mathgym.process.perturb_expr import expression_candidates

        if kinds is None:
            kinds = (SLIP, SIGN, DROPPED) + ((FORMULA,) if alternatives else ())
        site, target, restore = self._register(kinds)
        out = expression
        if target:
            kind = self.injection.kind  # type: ignore[union-attr]
            candidates = list(alternatives) if kind == FORMULA else expression_candidates(expression, kind)
            out = self._wrong_expr(expression, candidates)
        elif restore is not None:
            self.restored = True
            out = restore.value
        self._record(site, out)
        return out

    def _wrong_expr(self, expression: Any, candidates: Sequence[Any]) -> Any:
        from mathgym.process.symbolic import same

        assert self.injection is not None
        ok: list[Any] = []
        for c in candidates:
            if c is None or same(c, expression) or any(same(c, o) for o in ok):
                continue
            ok.append(c)
        if not ok:
            raise InjectionSkipped(f"no admissible wrong expression for {expression}")
        self.fired = True
        return ok[self.injection.variant % len(ok)]


def _copy_candidates(value: Any) -> list[Any]:
    """How a number is miscopied: a neighbouring digit, two digits swapped, a digit dropped or doubled."""
    value = _normal(value)
    if not isinstance(value, int):
        return slip_candidates(value)
    sign = -1 if value < 0 else 1
    digits = str(abs(value))
    out = []
    if len(digits) >= 2 and digits[0] != digits[1]:
        out.append(sign * int(digits[1] + digits[0] + digits[2:]))
    out += [value + sign, value - sign]
    if len(digits) >= 2:
        out.append(sign * int(digits[:-1]))
    out.append(sign * int(digits + digits[-1]))
    return out
