"""``CodeTests``: run a candidate program against a problem's unit tests in the sandbox; reward the pass rate.

Tests come from ``problem.meta["tests"]`` in one of three forms:

* assert statements (MBPP / HumanEval / ACECode style): ``["assert add(1, 2) == 3", ...]``;
* stdin/stdout cases (CodeContests / APPS style): ``[{"input": "1 2\\n", "output": "3\\n"}, ...]``;
* one block of test code (run after the candidate; it passes if it raises nothing). With
  ``meta["entry_point"]`` and a ``check(candidate)`` function in it (HumanEval), ``check(<entry_point>)``
  is called.

Hacking resistance. The verdict of a test never rests on something the candidate could print or fake:

* stdin/stdout cases compare the program's output with the expected output *outside* the sandbox;
* ``assert <expression> == <literal>`` tests (the common kind) send only the expression into the
  sandbox; its value comes back as a ``repr``, is parsed with :func:`ast.literal_eval` and compared
  outside, so exiting early, swallowing exceptions, patching ``builtins`` or returning an object that
  equals everything (``__eq__`` always true) all fail: the expected value never enters the sandbox;
* other statements run in the sandbox after the candidate, each reporting on a line tagged with a
  random per-call marker. Exiting early or printing fake results fails them; a candidate that reads the
  harness's own frames could forge those lines (documented limit: prefer literal-comparison tests).

Runtime (optional, in the spirit of ACECode's efficiency reward; its exact formula is **[unverified]**):
when every test passes and ``runtime_weight > 0``, the reward adds
``runtime_weight · clip((t_ref − t) / t_ref, −1, 1)`` with ``t`` the sandbox-measured run time and
``t_ref`` from ``meta["reference_runtime_s"]`` (without one: ``runtime_weight · (1 − t / timeout_s)``).
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mathgym.problem import Problem
from mathgym.rewards.base import Reward, RewardOutput, StepContext

if TYPE_CHECKING:
    from mathgym.sandbox.base import Sandbox

_MAX_REPR = 4000


@dataclass
class TestOutcome:
    """One test: did it pass, and why not."""

    test: str
    passed: bool
    detail: str = ""


@dataclass
class TestReport:
    """The result of running one program against all of a problem's tests."""

    outcomes: list[TestOutcome] = field(default_factory=list)
    duration_s: float = 0.0
    timed_out: bool = False
    error: str | None = None

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.outcomes else 0.0


def _literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def classify_assert(test: str) -> tuple[str, str, Any]:
    """``("value", expression, expected)`` for ``assert expr == literal`` (either side literal), else
    ``("statement", test, None)``."""
    try:
        tree = ast.parse(test.strip())
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "statement", test, None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return "statement", test, None
    cmp = tree.body[0].test
    if not (isinstance(cmp, ast.Compare) and len(cmp.ops) == 1 and isinstance(cmp.ops[0], ast.Eq)):
        return "statement", test, None
    left, right = cmp.left, cmp.comparators[0]
    for expr, other in ((left, right), (right, left)):
        ok, value = _literal(other)
        if ok and not _literal(expr)[0]:
            return "value", ast.unparse(expr), value
    return "statement", test, None


_HARNESS = """\
import json as _mg_json, os as _mg_os
_mg_fd = _mg_os.dup(1)
_mg_mark = {mark!r}
def _mg_emit(row):
    _mg_os.write(_mg_fd, (_mg_mark + _mg_json.dumps(row) + "\\n").encode())
_mg_ns = {{"__name__": "__main__"}}
try:
    exec(compile({program!r}, "<candidate>", "exec"), _mg_ns)
except BaseException as _mg_exc:
    _mg_emit({{"setup_error": (type(_mg_exc).__name__ + ": " + str(_mg_exc))[:300]}})
    raise SystemExit(1)
for _mg_i, (_mg_kind, _mg_src) in enumerate({tests!r}):
    try:
        if _mg_kind == "value":
            _mg_v = eval(compile(_mg_src, "<test>", "eval"), _mg_ns)
            if type(_mg_v).__module__.split(".")[0] == "numpy" and hasattr(_mg_v, "tolist"):
                _mg_v = _mg_v.tolist()
            _mg_emit({{"i": _mg_i, "repr": repr(_mg_v)[:{max_repr}]}})
        else:
            exec(compile(_mg_src, "<test>", "exec"), _mg_ns)
            _mg_emit({{"i": _mg_i, "ok": True}})
    except BaseException as _mg_exc:
        _mg_emit({{"i": _mg_i, "ok": False, "error": type(_mg_exc).__name__}})
"""


def _normalise_output(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


class CodeTests(Reward):
    """Pass rate of the response's program on ``problem.meta["tests"]``, run in a sandbox (final steps only).

    :param sandbox: a :class:`~mathgym.sandbox.Sandbox`, or a backend name for the process's shared one.
    :param timeout_s: wall-clock limit of one run (all assert tests share one run; each stdin/stdout case
        gets its own).
    :param memory_mb: memory cap of a run.
    :param tests_key: key of the tests in ``problem.meta``.
    :param runtime_weight: weight of the runtime term (0: pass rate only).
    :param name: component name.
    """

    final_only = True

    def __init__(
        self,
        sandbox: Any = "local",
        *,
        timeout_s: float = 10.0,
        memory_mb: int = 512,
        tests_key: str = "tests",
        runtime_weight: float = 0.0,
        name: str = "code_tests",
    ) -> None:
        self._sandbox_spec = sandbox
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self.tests_key = tests_key
        self.runtime_weight = float(runtime_weight)
        self.name = name
        #: the report of the last scored response (for inspection and logs)
        self.last_report: TestReport | None = None

    @property
    def sandbox(self) -> Sandbox:
        from mathgym.sandbox.shared import resolve_sandbox

        return resolve_sandbox(self._sandbox_spec)

    def __call__(self, ctx: StepContext) -> RewardOutput:
        if not ctx.final:
            return RewardOutput(0.0, {self.name: 0.0})
        from mathgym.sandbox.tora import extract_program

        report = self.evaluate(extract_program(ctx.response), ctx.problem)
        self.last_report = report
        value = report.pass_rate
        if self.runtime_weight and report.total and report.passed == report.total:
            value += self.runtime_weight * self._runtime_term(report.duration_s, ctx.problem)
        return RewardOutput(value, {self.name: value})

    def _runtime_term(self, duration_s: float, problem: Problem) -> float:
        reference = problem.meta.get("reference_runtime_s")
        if reference:
            return max(-1.0, min(1.0, (float(reference) - duration_s) / float(reference)))
        return max(0.0, 1.0 - duration_s / self.timeout_s)

    # ------------------------------------------------------------------------------ evaluation
    def evaluate(self, program: str, problem: Problem | Sequence[Any] | str) -> TestReport:
        """Run ``program`` against the tests of ``problem`` (or against the given tests)."""
        if isinstance(problem, Problem):
            tests = problem.meta.get(self.tests_key)
            entry_point = problem.meta.get("entry_point")
            if tests is None:
                raise ValueError(f"problem {problem.id!r} has no meta[{self.tests_key!r}] to run")
        else:
            tests, entry_point = problem, None
        if isinstance(tests, str):
            block = tests
            if entry_point and "def check(" in tests:
                block += f"\ncheck({entry_point})\n"
            return self._run_asserts(program, [block])
        tests = list(tests)
        if tests and all(isinstance(t, Mapping) and "input" in t for t in tests):
            return self._run_io(program, tests)
        if all(isinstance(t, str) for t in tests):
            return self._run_asserts(program, tests)
        raise ValueError("tests must be assert strings, {'input', 'output'} cases, or one block of test code")

    def _run_asserts(self, program: str, tests: list[str]) -> TestReport:
        mark = "@@mathgym-test-" + os.urandom(12).hex() + "@@"
        kinds = [classify_assert(t) for t in tests]
        harness = _HARNESS.format(
            mark=mark, program=program, max_repr=_MAX_REPR, tests=[(kind, src) for kind, src, _ in kinds]
        )
        result = self.sandbox.run(harness, timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        rows: dict[int, dict[str, Any]] = {}
        setup_error = None
        for line in result.stdout.splitlines():
            if not line.startswith(mark):
                continue
            try:
                row = json.loads(line[len(mark) :])
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            if "setup_error" in row:
                setup_error = str(row["setup_error"])
            elif isinstance(row.get("i"), int):
                rows[row["i"]] = row  # the harness writes after the candidate: its row is the last one
        report = TestReport(
            duration_s=result.duration_s,
            timed_out=result.timed_out,
            error=setup_error or (result.error if result.timed_out else None),
        )
        for i, (test, (kind, _, expected)) in enumerate(zip(tests, kinds)):
            row = rows.get(i)
            if row is None:
                report.outcomes.append(TestOutcome(test, False, "not reached"))
            elif kind == "value":
                passed, detail = self._compare_value(row, expected)
                report.outcomes.append(TestOutcome(test, passed, detail))
            else:
                report.outcomes.append(TestOutcome(test, row.get("ok") is True, str(row.get("error", ""))))
        return report

    @staticmethod
    def _compare_value(row: dict[str, Any], expected: Any) -> tuple[bool, str]:
        if "repr" not in row:
            return False, str(row.get("error", "no value"))
        try:
            got = ast.literal_eval(str(row["repr"]))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False, f"not a literal value: {str(row['repr'])[:80]}"
        try:
            same = bool(got == expected)
        except Exception:  # noqa: BLE001 - literals compare without raising, but stay safe
            same = False
        return same, "" if same else f"got {str(row['repr'])[:80]}"

    def _run_io(self, program: str, cases: list[Mapping[str, Any]]) -> TestReport:
        report = TestReport()
        for case in cases:
            result = self.sandbox.run(
                program, timeout_s=self.timeout_s, memory_mb=self.memory_mb, stdin=str(case.get("input", ""))
            )
            report.duration_s += result.duration_s
            report.timed_out |= result.timed_out
            passed = result.ok and _normalise_output(result.stdout) == _normalise_output(str(case["output"]))
            detail = "" if passed else (result.error or "wrong output")
            report.outcomes.append(TestOutcome(str(case.get("input", ""))[:80], passed, detail))
        return report

    def __repr__(self) -> str:
        return (
            f"CodeTests(timeout_s={self.timeout_s}, memory_mb={self.memory_mb}, tests_key={self.tests_key!r}, "
            f"runtime_weight={self.runtime_weight}, name={self.name!r})"
        )
