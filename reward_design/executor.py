"""Run candidate reward code on batches of transitions, in the sandbox.

Generated code never runs in the controller's process. :class:`SandboxedRewardExecutor` sends the code and
a whole batch of transitions (a rollout, or the critic's recorded set) to :mod:`mathgym.sandbox` in one
round trip: a small harness defines ``compute_reward`` in a fresh box, calls it on every transition and
prints the rewards as JSON. A candidate that loops, allocates without bound, floods its output, raises,
exits or kills its process costs only its own box and comes back as a :class:`BatchResult` whose
``error`` says what happened.

:class:`TrustedInProcessExecutor` runs code in the calling process. It exists to measure the sandbox's
overhead on the project's own rewards (the hand-written and sparse baselines) and must never be given
generated code.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from mathgym.rewards.view import Transition

#: line prefix of the harness's result (the last such line of stdout is read)
RESULT_MARKER = "@@mathgym-reward-result@@"
#: most named components a candidate may report (more are an error: logs must stay bounded)
MAX_COMPONENTS = 16
MAX_COMPONENT_NAME = 40
#: characters of a traceback kept for the reason sent back to the proposer
MAX_TRACEBACK_CHARS = 1200

# Runs inside the box. It reads {"code", "rows"} from stdin, keeps the candidate's own prints away from
# the result line, and reports the first failure with a traceback trimmed to the candidate's frames.
HARNESS = (
    r"""
import json, math, sys, traceback
_out = sys.stdout
class _Sink:
    def write(self, s): return len(s)
    def flush(self): pass
class _View(dict):
    __slots__ = ()
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None
_req = json.loads(sys.stdin.read())
_rows = _req["rows"]
def _emit(payload):
    _out.write("\n%s%s\n" % (MARKER, json.dumps(payload)))
    _out.flush()
def _line(exc):
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[-300:]
def _trace(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "reward.py"]
    lines = ["Traceback (most recent call last):"] + traceback.format_list(frames[-6:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-MAX_TB:]
sys.stdout = _Sink()
_ns = {"__name__": "reward"}
try:
    exec(compile(_req["code"], "reward.py", "exec"), _ns)
    _fn = _ns["compute_reward"]
except BaseException as exc:
    sys.stdout = _out
    _emit({"ok": False, "stage": "define", "error": _line(exc), "trace": _trace(exc)})
    raise SystemExit(0)
_totals, _comps = [], {}
for _i, (_prev, _action, _state, _info) in enumerate(_rows):
    try:
        _r = _fn(_View(_prev), _View(_action), _View(_state), _View(_info))
        if not (isinstance(_r, tuple) and len(_r) == 2 and isinstance(_r[1], dict)):
            raise TypeError("compute_reward must return (total, components): a number and a dict of "
                            "named numbers, got %s" % type(_r).__name__)
        _total = float(_r[0])
        if len(_r[1]) > MAX_COMPONENTS:
            raise ValueError("at most %d components, got %d" % (MAX_COMPONENTS, len(_r[1])))
        _c = {}
        for _k, _v in _r[1].items():
            _c[str(_k)[:MAX_NAME]] = float(_v)
    except BaseException as exc:
        sys.stdout = _out
        _emit({"ok": False, "stage": "call", "index": _i, "error": _line(exc), "trace": _trace(exc)})
        raise SystemExit(0)
    _totals.append(_total)
    for _k, _v in _c.items():
        _comps.setdefault(_k, [0.0] * _i).append(_v)
    for _k, _vals in _comps.items():
        if len(_vals) < _i + 1:
            _vals.append(0.0)
sys.stdout = _out
_emit({"ok": True, "totals": _totals, "components": _comps})
""".replace("MARKER", repr(RESULT_MARKER))
    .replace("MAX_TB", str(MAX_TRACEBACK_CHARS))
    .replace("MAX_COMPONENTS", str(MAX_COMPONENTS))
    .replace("MAX_NAME", str(MAX_COMPONENT_NAME))
)


@dataclass
class BatchResult:
    """Rewards of one candidate on one batch of transitions.

    :param ok: every call returned ``(total, components)`` with numbers (NaN and inf are still ``ok``:
        the critic judges values, this only reports them).
    :param totals: one total per transition.
    :param components: per component name, one value per transition (0 where a call omitted it).
    :param error: what went wrong, one line (``None`` when ``ok``).
    :param trace: the candidate's traceback, trimmed to its own frames (empty when not an exception).
    :param index: the transition whose call failed, when one did.
    :param duration_s: wall time of the batch, round trip included.
    """

    ok: bool
    totals: np.ndarray = field(default_factory=lambda: np.zeros(0))
    components: dict[str, np.ndarray] = field(default_factory=dict)
    error: str | None = None
    trace: str = ""
    index: int | None = None
    duration_s: float = 0.0

    @property
    def reason(self) -> str:
        """The failure as feedback for the proposer: the error line, then the trimmed traceback."""
        if self.ok:
            return ""
        where = f" (on transition {self.index})" if self.index is not None else ""
        return f"{self.error}{where}" + (f"\n{self.trace}" if self.trace else "")


class RewardExecutor(Protocol):
    """Evaluates reward code on a batch of transitions."""

    def evaluate(self, code: str, transitions: Sequence[Transition]) -> BatchResult: ...

    def close(self) -> None: ...


def _rows(transitions: Sequence[Transition]) -> list[list[Any]]:
    return [[t.prev, t.action, t.state, t.info] for t in transitions]


class SandboxedRewardExecutor:
    """Evaluates candidate code in :mod:`mathgym.sandbox`, one round trip per batch.

    :param backend: ``"local"`` (:class:`~mathgym.sandbox.LocalSandbox`) or ``"docker"``.
    :param base_timeout_s: time a batch may take regardless of its size (box start, imports, JSON).
    :param ms_per_call: time budget per transition, added to ``base_timeout_s``.
    :param memory_mb: memory cap of the box.
    :param sandbox: an existing sandbox to use instead of starting one (it is not closed by :meth:`close`).
    """

    def __init__(
        self,
        backend: str = "local",
        *,
        base_timeout_s: float = 5.0,
        ms_per_call: float = 5.0,
        memory_mb: int = 256,
        sandbox: Any = None,
    ) -> None:
        if base_timeout_s <= 0 or ms_per_call <= 0 or memory_mb <= 0:
            raise ValueError("base_timeout_s, ms_per_call and memory_mb must be positive")
        self.backend = backend
        self.base_timeout_s = float(base_timeout_s)
        self.ms_per_call = float(ms_per_call)
        self.memory_mb = int(memory_mb)
        self._own = sandbox is None
        self._sandbox = sandbox
        self.calls = 0
        self.seconds = 0.0

    @property
    def sandbox(self) -> Any:
        if self._sandbox is None:
            from mathgym.sandbox import make_sandbox

            # results of a whole rollout come back on stdout: allow far more than a tool call's output
            self._sandbox = make_sandbox(
                self.backend,
                memory_mb=self.memory_mb,
                max_output_bytes=32 << 20,
                preload=(),
                min_workers=1,
                max_workers=2,
            )
        return self._sandbox

    def timeout_for(self, n: int) -> float:
        """Wall-clock limit of a batch of ``n`` transitions."""
        return self.base_timeout_s + n * self.ms_per_call / 1000.0

    def evaluate(self, code: str, transitions: Sequence[Transition]) -> BatchResult:
        start = time.perf_counter()
        payload = json.dumps({"code": code, "rows": _rows(transitions)}, allow_nan=True)
        timeout = self.timeout_for(len(transitions))
        result = self.sandbox.run(HARNESS, timeout_s=timeout, memory_mb=self.memory_mb, stdin=payload)
        elapsed = time.perf_counter() - start
        self.calls += 1
        self.seconds += elapsed
        return parse_harness_output(result, len(transitions), timeout, self.memory_mb, elapsed)

    def close(self) -> None:
        if self._own and self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def __getstate__(self) -> dict[str, Any]:  # a pickled executor starts its own sandbox over there
        return {**self.__dict__, "_sandbox": None, "_own": True}


def parse_harness_output(
    result: Any, n: int, timeout_s: float, memory_mb: int, elapsed: float
) -> BatchResult:
    """A :class:`BatchResult` from the sandbox's :class:`~mathgym.sandbox.ExecResult` of the harness."""
    if result.timed_out:
        return BatchResult(
            False,
            error=f"timed out after {timeout_s:.1f} s on a batch of {n} transitions "
            "(an endless loop, or far too slow)",
            duration_s=elapsed,
        )
    line = None
    for candidate in reversed(result.stdout.splitlines()):
        if candidate.startswith(RESULT_MARKER):
            line = candidate[len(RESULT_MARKER) :]
            break
    if line is None:
        if result.error and "memory" in result.error.lower():
            reason = f"exceeded the memory limit of {memory_mb} MB"
        elif result.error:
            reason = f"the reward process died: {result.error}"
        else:
            reason = f"the reward code ended its process before returning (exit code {result.exit_code})"
        return BatchResult(False, error=reason, trace=_tail(result.stderr), duration_s=elapsed)
    try:
        data = json.loads(line)
    except ValueError:
        return BatchResult(
            False, error="the harness's result line was corrupted (output flooded?)", duration_s=elapsed
        )
    if not data.get("ok"):
        error = str(data.get("error") or "error")
        if data.get("stage") == "define":
            error = f"defining the code failed: {error}"
        if "MemoryError" in error:
            error = f"{error} (memory limit {memory_mb} MB)"
        return BatchResult(
            False,
            error=error,
            trace=str(data.get("trace") or ""),
            index=data.get("index"),
            duration_s=elapsed,
        )
    try:
        totals = np.asarray(data["totals"], dtype=np.float64)
        components = {str(k): np.asarray(v, dtype=np.float64) for k, v in dict(data["components"]).items()}
    except (KeyError, TypeError, ValueError):
        return BatchResult(False, error="malformed result from the harness", duration_s=elapsed)
    if totals.shape != (n,) or any(v.shape != (n,) for v in components.values()):
        return BatchResult(
            False,
            error=f"expected {n} rewards, got {totals.shape[0] if totals.ndim else 0}",
            duration_s=elapsed,
        )
    return BatchResult(True, totals, components, duration_s=elapsed)


def _tail(text: str) -> str:
    return text.strip()[-MAX_TRACEBACK_CHARS:]


class View(dict):
    """A view ``dict`` whose keys also read as attributes (``state.size``), as the prompt's classes suggest."""

    __slots__ = ()

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class TrustedInProcessExecutor:
    """Runs reward code in this process, for code the project wrote itself (never generated code).

    Used to measure the sandbox's share of training time with the same reward both ways.
    """

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}
        self.calls = 0
        self.seconds = 0.0

    def evaluate(self, code: str, transitions: Sequence[Transition]) -> BatchResult:
        start = time.perf_counter()
        fn = self._cache.get(code)
        if fn is None:
            namespace: dict[str, Any] = {"__name__": "reward", "math": math}
            exec(compile(code, "reward.py", "exec"), namespace)  # noqa: S102 - trusted code only, see class doc
            fn = self._cache[code] = namespace["compute_reward"]
        totals = np.zeros(len(transitions))
        components: dict[str, np.ndarray] = {}
        for i, t in enumerate(transitions):
            try:
                total, parts = fn(View(t.prev), View(t.action), View(t.state), View(t.info))
            except Exception as exc:  # noqa: BLE001 - reported like the sandboxed path
                return BatchResult(
                    False,
                    error=f"{type(exc).__name__}: {exc}",
                    trace=traceback.format_exc(),
                    index=i,
                    duration_s=time.perf_counter() - start,
                )
            totals[i] = float(total)
            for name, value in parts.items():
                components.setdefault(name, np.zeros(len(transitions)))[i] = float(value)
        elapsed = time.perf_counter() - start
        self.calls += 1
        self.seconds += elapsed
        return BatchResult(True, totals, components, duration_s=elapsed)

    def close(self) -> None:
        self._cache.clear()


def make_executor(kind: str, **kwargs: Any) -> RewardExecutor:
    """``"local"`` or ``"docker"`` (sandboxed), or ``"trusted"`` (in-process, the project's own code only)."""
    if kind in ("local", "docker"):
        return SandboxedRewardExecutor(kind, **kwargs)
    if kind == "trusted":
        return TrustedInProcessExecutor()
    raise ValueError(f"unknown reward executor {kind!r}; choose local, docker or trusted")


def finite(values: Mapping[str, np.ndarray] | np.ndarray) -> bool:
    """Every value is a finite number."""
    if isinstance(values, np.ndarray):
        return bool(np.all(np.isfinite(values)))
    return all(bool(np.all(np.isfinite(v))) for v in values.values())
