"""What both backends share: :class:`PooledSandbox`, a :class:`~mathgym.sandbox.contract.Sandbox` over a
:class:`~mathgym.sandbox.pool.WorkerPool` of preloading workers, with stdlib-only snippets routed to lean
workers."""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mathgym.sandbox.contract import Sandbox
from mathgym.sandbox.errors import SandboxError, WorkerDied
from mathgym.sandbox.handle import CONTROLLER_GRACE_S, WorkerHandle
from mathgym.sandbox.result import ExecResult, failure_result, result_from_reply
from mathgym.sandbox.session import Session

if TYPE_CHECKING:
    from mathgym.sandbox.pool import WorkerPool


def imports_only_stdlib(code: str) -> bool:
    """True when every ``import`` in ``code`` names a standard-library module (or there is none).

    Decides whether a snippet can run on a lean worker. Code that does not parse also goes there (it
    fails the same way everywhere); a dynamic ``__import__("sympy")`` still works, only slower.
    """
    import ast
    import sys

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return True
    stdlib = sys.stdlib_module_names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name.split(".")[0] not in stdlib for name in names):
            return False
    return True


def _rebuild_sandbox(cls: type, settings: dict[str, Any]) -> Sandbox:
    return cls(**settings)


#: code each preloading worker runs once, so that snippets find sympy's lazily imported parts and caches
#: already loaded (a fresh process pays ~100 ms on its first ``factor``/``solve``)
WARMUP_CODE = {
    "sympy": (
        "import sympy as sp\n"
        "x, y = sp.symbols('x y')\n"
        "sp.factor(x**2 - 1); sp.expand((x + 1)**3); sp.solve(x**2 - 4, x); sp.solve([x + y - 2, x - y], [x, y])\n"
        "sp.simplify(sp.sin(x)**2 + sp.cos(x)**2); sp.integrate(x**2, x); sp.diff(sp.sin(x), x)\n"
        "sp.nsimplify(0.5); sp.sqrt(8); sp.Matrix([[1, 2], [3, 4]]).det(); sp.limit(sp.sin(x) / x, x, 0)\n"
        "sp.series(sp.exp(x), x, 0, 3); sp.latex(x**2); sp.N(sp.pi, 20); sp.Rational(1, 3) + sp.Rational(1, 6)\n"
        "sp.gcd(12, 18); sp.isprime(97); sp.binomial(10, 3); sp.Poly(x**2 + 1, x).roots()\n"
    ),
    "numpy": "import numpy as np\nnp.linalg.solve(np.eye(2), np.ones(2)); np.random.default_rng(0).random(3)\n",
}


class PooledSandbox(Sandbox):
    """A :class:`Sandbox` over a :class:`~mathgym.sandbox.pool.WorkerPool` (both backends).

    :param timeout_s: default per-snippet wall-clock limit (ToRA uses 5 s).
    :param memory_mb: default memory cap of a snippet and all its children.
    :param scratch_mb: size of the snippet's writable scratch directory (tmpfs; counts as memory).
    :param max_processes: processes a snippet may have at once (itself included).
    :param max_open_files: open file descriptors per process.
    :param max_output_bytes: stdout/stderr kept per stream (head and tail; the middle is cut).
    :param preload: modules imported once by each worker so snippets do not pay for them.
    :param lean_workers: run snippets that import only the standard library on workers that preload
        nothing (a smaller process forks faster); others, and all sessions, go to preloaded workers.
    :param min_workers: workers kept ready by :meth:`warmup`.
    :param max_workers: most workers per kind (concurrent snippets / open sessions); callers beyond wait.
    :param session_cpu_s: CPU seconds one session may use over all its cells.
    """

    def __init__(
        self,
        *,
        timeout_s: float = 5.0,
        memory_mb: int = 512,
        scratch_mb: int = 64,
        max_processes: int = 64,
        max_open_files: int = 256,
        max_output_bytes: int = 65536,
        preload: Sequence[str] = ("numpy", "sympy"),
        lean_workers: bool = True,
        min_workers: int = 1,
        max_workers: int = 4,
        session_cpu_s: float = 600.0,
    ) -> None:
        from mathgym.sandbox.pool import WorkerPool

        self._settings = getattr(self, "_settings", {})
        self._settings.update(
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            scratch_mb=scratch_mb,
            max_processes=max_processes,
            max_open_files=max_open_files,
            max_output_bytes=max_output_bytes,
            preload=tuple(preload),
            lean_workers=lean_workers,
            min_workers=min_workers,
            max_workers=max_workers,
            session_cpu_s=session_cpu_s,
        )
        if timeout_s <= 0 or memory_mb <= 0:
            raise ValueError("timeout_s and memory_mb must be positive")
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self.scratch_mb = int(scratch_mb)
        self.max_processes = int(max_processes)
        self.max_open_files = int(max_open_files)
        self.max_output_bytes = int(max_output_bytes)
        self.preload = tuple(preload)
        self.min_workers = int(min_workers)
        self.max_workers = max(1, int(max_workers))
        self.session_cpu_s = float(session_cpu_s)
        self.lean_workers = bool(lean_workers) and bool(self.preload)
        self._pools = {
            "full": WorkerPool(lambda: self._start_worker(self.preload), max_workers=self.max_workers)
        }
        if self.lean_workers:
            self._pools["lean"] = WorkerPool(lambda: self._start_worker(()), max_workers=self.max_workers)

    # -- backend hooks
    @abstractmethod
    def _start_worker(self, preload: Sequence[str]) -> WorkerHandle:
        """Start one worker that imports ``preload`` before it forks its box template."""

    def _worker_config(self, preload: Sequence[str]) -> dict[str, Any]:
        return {
            "memory_mb": self.memory_mb,
            "scratch_mb": self.scratch_mb,
            "scratch_inodes": 8192,
            "max_processes": self.max_processes,
            "max_open_files": self.max_open_files,
            "max_output_bytes": self.max_output_bytes,
            "preload": list(preload),
            "warmup": "".join(WARMUP_CODE.get(name, "") for name in preload),
        }

    def _pool_for(self, code: str) -> WorkerPool:
        if self.lean_workers and imports_only_stdlib(code):
            return self._pools["lean"]
        return self._pools["full"]

    # -- contract
    def warmup(self, n: int | None = None) -> None:
        """Start ``n`` (default ``min_workers``) workers of each kind now instead of on first use."""
        for pool in self._pools.values():
            pool.warm(self.min_workers if n is None else n)

    @property
    def isolation(self) -> str:
        pool = self._pools["full"]
        worker = pool.acquire()
        try:
            return worker.isolation
        finally:
            pool.release(worker)

    def run(
        self,
        code: str,
        *,
        timeout_s: float | None = None,
        memory_mb: int | None = None,
        stdin: str | bytes | None = None,
    ) -> ExecResult:
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, not {type(code).__name__}")
        timeout = float(timeout_s if timeout_s is not None else self.timeout_s)
        memory = int(memory_mb if memory_mb is not None else self.memory_mb)
        parts = [code.encode("utf-8", "surrogatepass")]
        if stdin:
            parts.append(stdin.encode("utf-8", "surrogatepass") if isinstance(stdin, str) else bytes(stdin))
        header = {"op": "run", "timeout_s": timeout, "memory_mb": memory, "cpu_s": timeout + 1.0}
        pool = self._pool_for(code)
        for attempt in range(2):
            worker = pool.acquire()
            start = time.monotonic()
            try:
                worker.set_memory(memory)
                reply, out = worker.request(header, parts, timeout=timeout + CONTROLLER_GRACE_S)
            except WorkerDied as exc:
                pool.discard(worker)
                return failure_result(
                    f"sandbox worker crashed and was replaced: {exc}",
                    worker.isolation,
                    time.monotonic() - start,
                )
            if not reply.get("ok"):
                pool.discard(worker)
                if attempt:
                    raise SandboxError(f"sandbox worker cannot run snippets: {reply.get('error')}")
                continue  # a fresh worker gets one more try
            if worker.poisoned:
                pool.discard(worker)
            else:
                pool.release(worker)
            return result_from_reply(reply, out, worker.isolation)
        raise SandboxError("unreachable")

    def session(self, *, timeout_s: float | None = None, memory_mb: int | None = None) -> Session:
        return Session(
            self,
            timeout_s=float(timeout_s if timeout_s is not None else self.timeout_s),
            memory_mb=int(memory_mb if memory_mb is not None else self.memory_mb),
            cpu_s=self.session_cpu_s,
        )

    def stats(self) -> list[dict[str, Any]]:
        """Per-worker counters of idle workers: boxes served, open fds, peak RSS, seconds requests waited
        for a prepared box, boxes ready ahead and the processes an idle worker keeps (``idle_processes``:
        its box template and the ready boxes)."""
        return [{"kind": kind, **row} for kind, pool in self._pools.items() for row in pool.stats()]

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()

    # A sandbox is a handle on live workers: copies share them, and a pickled sandbox (an env's argument
    # sent to a spawned vector-env worker) becomes a new sandbox with the same settings over there.
    def __copy__(self) -> PooledSandbox:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> PooledSandbox:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_sandbox, (type(self), dict(self._settings)))
