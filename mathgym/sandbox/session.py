"""A persistent Python namespace on one pooled worker: :class:`Session` (Jupyter-like cells)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from mathgym.sandbox.errors import SandboxError, WorkerDied
from mathgym.sandbox.handle import CONTROLLER_GRACE_S, WorkerHandle
from mathgym.sandbox.result import ExecResult, failure_result, result_from_reply

if TYPE_CHECKING:
    from mathgym.sandbox.pool import WorkerPool
    from mathgym.sandbox.pooled import PooledSandbox


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
            reply, _ = self._worker.request(
                {"op": "open", "memory_mb": self.memory_mb}, timeout=CONTROLLER_GRACE_S
            )
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
                        {
                            "op": "cell",
                            "timeout_s": timeout,
                            "memory_mb": self.memory_mb,
                            "cpu_s": self.cpu_s,
                        },
                        [cell.encode("utf-8", "surrogatepass")],
                        timeout=timeout + CONTROLLER_GRACE_S,
                    )
                except WorkerDied as exc:
                    self._pool.discard(worker)
                    self._worker, self._open = None, False
                    self.restarts += 1
                    return failure_result(
                        f"{exc}; the session restarts with an empty namespace",
                        worker.isolation,
                        time.monotonic() - start,
                    )
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
