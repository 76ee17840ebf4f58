"""The sandbox contract: :class:`ExecResult`, :class:`Sandbox`, :class:`Session`.

Both backends (:class:`~mathgym.sandbox.LocalSandbox`, :class:`~mathgym.sandbox.DockerSandbox`) are a
pool of worker processes speaking the protocol of :mod:`mathgym.sandbox._worker`; this module holds what
they share: the result record, the pooled ``run``/``session`` logic, and the worker handle base class.
"""
from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from mathgym.sandbox import _worker as proto

if TYPE_CHECKING:
    from mathgym.sandbox.pool import WorkerPool


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the snippet): a worker could not start or keeps dying."""


class SandboxUnavailable(SandboxError):
    """A backend's system component is missing (Docker daemon, image); the message names the fix."""


class WorkerDied(SandboxError):
    """The worker process or container stopped answering; it is replaced on the next call."""


@dataclass(frozen=True)
class ExecResult:
    """What running one snippet (or one session cell) produced.

    :param stdout: captured standard output (UTF-8, undecodable bytes replaced); capped, see ``truncated``.
    :param stderr: captured standard error, including the traceback of an uncaught exception.
    :param exit_code: the process's exit status; ``-N`` when killed by signal N; ``None`` on timeout.
    :param timed_out: the wall-clock limit was reached and the snippet's processes were SIGKILLed.
    :param error: one line saying what went wrong (the exception's last traceback line, ``Timeout
        Error: …``, ``MemoryError: memory limit exceeded …``, ``killed by signal …``), or ``None``.
    :param duration_s: wall-clock seconds from handing the code to the box until it finished.
    :param truncated: stdout or stderr exceeded the cap; the middle was cut out (head and tail kept).
    :param isolation: the isolation level in force, e.g. ``"local:full (…)"`` or ``"local:weak (…)"``.
    """

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool
    error: str | None
    duration_s: float
    truncated: bool
    isolation: str

    @property
    def ok(self) -> bool:
        """The snippet ran to the end without an error."""
        return self.exit_code == 0 and not self.timed_out and self.error is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def failure_result(error: str, isolation: str, duration_s: float = 0.0) -> ExecResult:
    """An :class:`ExecResult` for a snippet that could not be run to a status (worker crash)."""
    return ExecResult("", "", None, False, error, duration_s, False, isolation)


class WorkerHandle(ABC):
    """Controller-side end of one worker (a local process or a container).

    Subclasses provide the byte transport (:meth:`_send`, :meth:`_recv`) and :meth:`kill`; this class
    speaks the frame protocol. A handle is used by one caller at a time (the pool hands it out).
    """

    isolation: str = "unknown"
    #: how long to wait for the worker to start and preload its modules
    start_timeout_s: float = 180.0

    def __init__(self) -> None:
        self._fb = proto.FrameBuffer()
        self.alive = True
        self.info: dict[str, Any] = {}
        self.poisoned = False
        self._lock = threading.Lock()

    @abstractmethod
    def _send(self, data: bytes) -> None: ...

    @abstractmethod
    def _recv(self, timeout: float) -> bytes | None:
        """Some bytes; ``b""`` on EOF; ``None`` when nothing arrived within ``timeout`` seconds."""

    @abstractmethod
    def kill(self) -> None:
        """Stop the worker and everything it started, now (SIGKILL / container kill)."""

    def describe(self) -> dict[str, Any]:
        """Identifiers of the worker for diagnostics (pid, container id)."""
        return {}

    def set_memory(self, memory_mb: int) -> None:
        """Adjust limits kept outside the worker before a request with ``memory_mb`` (container cap)."""

    def probe(self) -> bool:
        """Whether an idle worker is still there (its channel has not reached end-of-file)."""
        if not self.alive:
            return False
        try:
            chunk = self._recv(0.0)
        except OSError:
            chunk = b""
        if chunk == b"":
            self.alive = False
        elif chunk:
            self._fb.feed(chunk)
        return self.alive

    def abandon(self) -> None:
        """Forget the worker without stopping it (a forked child must not touch its parent's workers)."""
        self.alive = False

    def close(self, wait_s: float = 10.0) -> None:
        """Ask the worker to exit (it kills its box and removes what it made), then make sure it is gone."""
        if self.alive:
            try:
                self._send(proto.encode_frame({"op": "exit"}))
                deadline = time.monotonic() + wait_s
                while time.monotonic() < deadline:  # until the worker closes its end
                    chunk = self._recv(deadline - time.monotonic())
                    if chunk == b"":
                        break
            except OSError:
                pass
        self.kill()

    def _read_frame(self, timeout: float) -> tuple[dict, list[bytearray]]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = self._fb.next_frame()
            except proto.ProtocolError as exc:
                self._die()
                raise WorkerDied(f"sandbox worker sent a malformed frame: {exc}") from None
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            if left <= 0:
                self._die()
                raise WorkerDied(f"sandbox worker did not answer within {timeout:.0f} s; it was killed")
            chunk = self._recv(left)
            if chunk is None:
                continue
            if not chunk:
                self._die()
                raise WorkerDied("sandbox worker exited unexpectedly")
            self._fb.feed(chunk)

    def _die(self) -> None:
        self.alive = False
        try:
            self.kill()
        except Exception:  # noqa: BLE001 - best effort while already failing
            pass

    def handshake(self, source: bytes, config: Mapping[str, Any]) -> None:
        """Send the worker source and its configuration; wait until it is ready."""
        self._send(f"{len(source)}\n".encode() + source)
        hello, _ = self._read_frame(60.0)
        if not hello.get("hello"):
            raise WorkerDied(f"unexpected greeting from sandbox worker: {hello}")
        self._send(proto.encode_frame(dict(config)))
        ready, _ = self._read_frame(self.start_timeout_s)
        if not ready.get("ready"):
            self._die()
            raise SandboxError(f"sandbox worker failed to start: {ready.get('error')}")
        self.info = ready
        self.isolation = str(ready.get("isolation", "unknown"))
        if ready.get("poisoned"):
            self._die()
            raise SandboxError(f"sandbox worker cannot run snippets: {ready['poisoned']}")

    def request(self, header: Mapping[str, Any], parts: Sequence[bytes] = (), *,
                timeout: float) -> tuple[dict, list[bytearray]]:
        """Send one request and return the reply; raises :class:`WorkerDied` (worker killed) on failure."""
        with self._lock:
            if not self.alive:
                raise WorkerDied("sandbox worker is not running")
            try:
                self._send(proto.encode_frame(dict(header), list(parts)))
            except OSError as exc:
                self._die()
                raise WorkerDied(f"cannot reach sandbox worker: {exc}") from None
            reply, out = self._read_frame(timeout)
            if reply.get("poisoned"):
                self.poisoned = True
            return reply, out


#: seconds the controller waits beyond a snippet's timeout before it kills an unresponsive worker
CONTROLLER_GRACE_S = 30.0


def result_from_reply(reply: Mapping[str, Any], parts: Sequence[bytes], isolation: str) -> ExecResult:
    out = bytes(parts[0]).decode("utf-8", "replace") if parts else ""
    err = bytes(parts[1]).decode("utf-8", "replace") if len(parts) > 1 else ""
    return ExecResult(stdout=out, stderr=err, exit_code=reply.get("exit_code"),
                      timed_out=bool(reply.get("timed_out")), error=reply.get("error"),
                      duration_s=float(reply.get("duration_s", 0.0)), truncated=bool(reply.get("truncated")),
                      isolation=isolation)


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


class Sandbox(ABC):
    """Runs untrusted Python code: ``run(code, *, timeout_s, memory_mb) -> ExecResult``.

    Thread-safe. Use as a context manager or call :meth:`close`; workers are also stopped at
    interpreter exit and when the sandbox is garbage-collected.
    """

    #: backend name ("local", "docker")
    backend: str = ""

    @abstractmethod
    def run(self, code: str, *, timeout_s: float | None = None, memory_mb: int | None = None,
            stdin: str | bytes | None = None) -> ExecResult:
        """Run ``code`` as a fresh program (like ``python -c``) in a fresh contained process.

        :param code: Python source.
        :param timeout_s: wall-clock limit; at the limit every process of the snippet gets SIGKILL.
        :param memory_mb: memory the snippet and all its children may use together.
        :param stdin: data on the snippet's standard input (empty when ``None``).
        """

    @abstractmethod
    def session(self, *, timeout_s: float | None = None, memory_mb: int | None = None) -> Session:
        """A persistent Python namespace for the cells of one episode (``with sandbox.session() as s``)."""

    @abstractmethod
    def close(self) -> None:
        """Stop every worker; the sandbox cannot be used afterwards."""

    @property
    @abstractmethod
    def isolation(self) -> str:
        """The isolation level the workers run with (starts one worker if none runs yet)."""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rebuild_sandbox(cls: type, settings: dict[str, Any]) -> Sandbox:
    return cls(**settings)


class Session:
    """Cells sharing one Python namespace, isolated from every other session (Jupyter-like).

    A cell's last expression is displayed (its ``repr`` is printed) as in a notebook. A cell that times
    out or crashes the session's process loses the namespace: the next cell starts a fresh one, and the
    failing cell's ``error`` says so. Closing the session (or leaving the ``with`` block) kills every
    process the session started and frees its scratch directory.

    Unlike :meth:`Sandbox.run`, whose exit code is the kernel's wait status of the snippet's process, a
    cell's ``exit_code``/``error`` can only come from the session's own process (it keeps running): the
    cell's own code could misreport them, like any notebook kernel's, but cannot answer for another
    cell or another session (a report must carry the cell's random nonce, or the session is reset).

    :param sandbox: the pooled sandbox the session's worker comes from.
    :param timeout_s: default per-cell wall-clock limit.
    :param memory_mb: memory cap for the whole session (all cells and their children).
    :param cpu_s: total CPU seconds the session may use over all its cells.
    """

    def __init__(self, sandbox: PooledSandbox, *, timeout_s: float, memory_mb: int, cpu_s: float) -> None:
        self._sandbox = sandbox
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.cpu_s = cpu_s
        self._worker: WorkerHandle | None = None
        self._open = False
        self._closed = False
        self._lock = threading.Lock()
        #: number of times the namespace was lost and restarted
        self.restarts = 0

    @property
    def _pool(self) -> WorkerPool:
        return self._sandbox._pools["full"]

    def _ensure_open(self) -> WorkerHandle:
        if self._closed:
            raise SandboxError("this session is closed")
        if self._worker is not None and not self._worker.alive:
            self._pool.discard(self._worker)
            self._worker = None
            self._open = False
        if self._worker is None:
            self._worker = self._pool.acquire()
        if not self._open:
            self._worker.set_memory(self.memory_mb)
            reply, _ = self._worker.request({"op": "open", "memory_mb": self.memory_mb},
                                            timeout=CONTROLLER_GRACE_S)
            if not reply.get("ok"):
                raise SandboxError(f"cannot open a sandbox session: {reply.get('error')}")
            self._open = True
        return self._worker

    def run(self, cell: str, *, timeout_s: float | None = None) -> ExecResult:
        """Run one cell in the session's namespace."""
        timeout = float(timeout_s if timeout_s is not None else self.timeout_s)
        with self._lock:
            for attempt in range(2):
                try:
                    worker = self._ensure_open()
                except WorkerDied:
                    self._worker, self._open = None, False
                    if attempt:
                        raise
                    continue
                start = time.monotonic()
                try:
                    reply, parts = worker.request(
                        {"op": "cell", "timeout_s": timeout, "memory_mb": self.memory_mb, "cpu_s": self.cpu_s},
                        [cell.encode("utf-8", "surrogatepass")], timeout=timeout + CONTROLLER_GRACE_S)
                except WorkerDied as exc:
                    self._pool.discard(worker)
                    self._worker, self._open = None, False
                    self.restarts += 1
                    return failure_result(f"{exc}; the session restarts with an empty namespace",
                                          worker.isolation, time.monotonic() - start)
                if not reply.get("ok"):
                    if reply.get("fatal"):
                        self._pool.discard(worker)
                        self._worker = None
                    self._open = False
                    if attempt:
                        raise SandboxError(f"sandbox session failed: {reply.get('error')}")
                    continue
                result = result_from_reply(reply, parts, worker.isolation)
                if not reply.get("box_alive"):
                    self._open = False
                    self.restarts += 1
                    note = "session state was lost; the next cell starts with an empty namespace"
                    result = replace(result, error=f"{result.error or 'session process ended'} ({note})")
                if worker.poisoned:
                    self._pool.discard(worker)
                    self._worker, self._open = None, False
                return result
        raise SandboxError("unreachable")

    def reset(self) -> None:
        """Drop the namespace and start the next cell in a fresh one."""
        with self._lock:
            self._close_box()

    def _close_box(self) -> None:
        if self._worker is not None and self._open and self._worker.alive:
            try:
                self._worker.request({"op": "close"}, timeout=CONTROLLER_GRACE_S)
            except WorkerDied:
                pass
        self._open = False

    def close(self) -> None:
        """Kill everything the session started and return its worker to the pool."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._close_box()
            if self._worker is not None:
                if self._worker.alive and not self._worker.poisoned:
                    self._pool.release(self._worker)
                else:
                    self._pool.discard(self._worker)
                self._worker = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a session dropped without close() still frees its worker
        try:
            if not self._closed and self._worker is not None:
                self.close()
        except Exception:  # noqa: BLE001
            pass


#: code each preloading worker runs once, so that snippets find sympy's lazily imported parts and caches
#: already loaded (a fresh process pays ~100 ms on its first ``factor``/``solve``)
WARMUP_CODE = {
    "sympy": ("import sympy as sp\n"
              "x, y = sp.symbols('x y')\n"
              "sp.factor(x**2 - 1); sp.expand((x + 1)**3); sp.solve(x**2 - 4, x); sp.solve([x + y - 2, x - y], [x, y])\n"
              "sp.simplify(sp.sin(x)**2 + sp.cos(x)**2); sp.integrate(x**2, x); sp.diff(sp.sin(x), x)\n"
              "sp.nsimplify(0.5); sp.sqrt(8); sp.Matrix([[1, 2], [3, 4]]).det(); sp.limit(sp.sin(x) / x, x, 0)\n"
              "sp.series(sp.exp(x), x, 0, 3); sp.latex(x**2); sp.N(sp.pi, 20); sp.Rational(1, 3) + sp.Rational(1, 6)\n"
              "sp.gcd(12, 18); sp.isprime(97); sp.binomial(10, 3); sp.Poly(x**2 + 1, x).roots()\n"),
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

    def __init__(self, *, timeout_s: float = 5.0, memory_mb: int = 512, scratch_mb: int = 64,
                 max_processes: int = 64, max_open_files: int = 256, max_output_bytes: int = 65536,
                 preload: Sequence[str] = ("numpy", "sympy"), lean_workers: bool = True,
                 min_workers: int = 1, max_workers: int = 4, session_cpu_s: float = 600.0) -> None:
        from mathgym.sandbox.pool import WorkerPool

        self._settings = getattr(self, "_settings", {})
        self._settings.update(timeout_s=timeout_s, memory_mb=memory_mb, scratch_mb=scratch_mb,
                              max_processes=max_processes, max_open_files=max_open_files,
                              max_output_bytes=max_output_bytes, preload=tuple(preload),
                              lean_workers=lean_workers, min_workers=min_workers, max_workers=max_workers,
                              session_cpu_s=session_cpu_s)
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
        self._pools = {"full": WorkerPool(lambda: self._start_worker(self.preload), max_workers=self.max_workers)}
        if self.lean_workers:
            self._pools["lean"] = WorkerPool(lambda: self._start_worker(()), max_workers=self.max_workers)

    # -- backend hooks
    @abstractmethod
    def _start_worker(self, preload: Sequence[str]) -> WorkerHandle:
        """Start one worker that imports ``preload`` before it forks its box template."""

    def _worker_config(self, preload: Sequence[str]) -> dict[str, Any]:
        return {"memory_mb": self.memory_mb, "scratch_mb": self.scratch_mb, "scratch_inodes": 8192,
                "max_processes": self.max_processes, "max_open_files": self.max_open_files,
                "max_output_bytes": self.max_output_bytes, "preload": list(preload),
                "warmup": "".join(WARMUP_CODE.get(name, "") for name in preload)}

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

    def run(self, code: str, *, timeout_s: float | None = None, memory_mb: int | None = None,
            stdin: str | bytes | None = None) -> ExecResult:
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
                return failure_result(f"sandbox worker crashed and was replaced: {exc}", worker.isolation,
                                      time.monotonic() - start)
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
        return Session(self, timeout_s=float(timeout_s if timeout_s is not None else self.timeout_s),
                       memory_mb=int(memory_mb if memory_mb is not None else self.memory_mb),
                       cpu_s=self.session_cpu_s)

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
