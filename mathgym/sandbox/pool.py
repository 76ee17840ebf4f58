"""A thread-safe, fork-aware pool of sandbox workers.

Workers start on demand (up to ``max_workers``) and are reused. The pool stops every worker on
:meth:`WorkerPool.close`, at interpreter exit and when garbage-collected (``weakref.finalize``). In a
process forked from the owner (Gymnasium ``AsyncVectorEnv`` workers, multiprocessing), the inherited
workers belong to the parent: the child forgets them without touching them and starts its own.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from mathgym.sandbox import _worker as proto
from mathgym.sandbox.errors import SandboxError, WorkerDied
from mathgym.sandbox.handle import WorkerHandle

_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


def _stop_all(workers: list[WorkerHandle], owner_pid: list[int]) -> None:
    if os.getpid() != owner_pid[0]:
        return  # inherited by a fork: not ours to stop
    for worker in list(workers):
        try:
            worker.close()
        except Exception:  # noqa: BLE001 - shutting down; keep stopping the others
            pass
    workers.clear()


class WorkerPool:
    """Hands out workers, one caller at a time each.

    :param start: starts one worker (slow: process or container start and module preload).
    :param max_workers: most workers alive at once; :meth:`acquire` waits when all are busy.
    :param acquire_timeout_s: how long :meth:`acquire` waits for a free worker before raising.
    """

    def __init__(
        self, start: Callable[[], WorkerHandle], *, max_workers: int, acquire_timeout_s: float = 600.0
    ) -> None:
        self._start = start
        self.max_workers = max_workers
        self.acquire_timeout_s = acquire_timeout_s
        self._all: list[WorkerHandle] = []
        self._idle: list[WorkerHandle] = []
        self._starting = 0
        self._closed = False
        self._cond = threading.Condition()
        self._owner = [os.getpid()]  # a list so the finalizer sees updates after a fork
        self._finalizer = weakref.finalize(self, _stop_all, self._all, self._owner)
        _POOLS.add(self)

    def _after_fork_in_child(self) -> None:
        self._cond = threading.Condition()  # the parent's lock may have been held by another thread
        for worker in self._all:
            worker.abandon()
        self._all.clear()
        self._idle.clear()
        self._starting = 0
        self._owner[0] = os.getpid()

    def acquire(self) -> WorkerHandle:
        """A worker for the caller's exclusive use; start one if none is idle and the cap allows."""
        deadline = time.monotonic() + self.acquire_timeout_s
        with self._cond:
            while True:
                if self._closed:
                    raise SandboxError("the sandbox is closed")
                while self._idle:
                    # the worker idle the longest has most likely prepared its next box already
                    worker = self._idle.pop(0)
                    if worker.probe():
                        return worker
                    self._forget(worker)  # died while idle (killed, OOM, container stopped)
                    worker.kill()
                if len(self._all) + self._starting < self.max_workers:
                    self._starting += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0 or not self._cond.wait(timeout=left):
                    raise SandboxError(
                        f"all {self.max_workers} sandbox workers stayed busy for "
                        f"{self.acquire_timeout_s:.0f} s (close finished sessions or raise "
                        "max_workers)"
                    )
        try:
            worker = self._start()
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._starting -= 1
            if self._closed:
                worker.close()
                raise SandboxError("the sandbox is closed")
            self._all.append(worker)
            return worker

    def release(self, worker: WorkerHandle) -> None:
        """Give a worker back (a dead or poisoned one is stopped and forgotten)."""
        with self._cond:
            if worker not in self._all:
                return
            if worker.alive and not worker.poisoned and not self._closed:
                self._idle.append(worker)
            else:
                self._forget(worker)
                worker.kill()
            self._cond.notify()

    def discard(self, worker: WorkerHandle) -> None:
        """Stop a worker that failed; a new one starts on the next :meth:`acquire`."""
        with self._cond:
            self._forget(worker)
            self._cond.notify()
        try:
            worker.kill()
        except Exception:  # noqa: BLE001
            pass

    def _forget(self, worker: WorkerHandle) -> None:
        if worker in self._all:
            self._all.remove(worker)
        if worker in self._idle:
            self._idle.remove(worker)

    def warm(self, n: int) -> None:
        """Make sure at least ``n`` workers are started."""
        taken = [self.acquire() for _ in range(max(0, min(n, self.max_workers) - len(self._all)))]
        for worker in taken:
            self.release(worker)

    def stats(self) -> list[dict[str, Any]]:
        """Ping every idle worker (busy ones are skipped)."""
        with self._cond:
            idle = list(self._idle)
            self._idle.clear()
        rows = []
        try:
            for worker in idle:
                try:
                    reply, _ = worker.request({"op": "ping"}, timeout=30)
                    rows.append({**reply, **worker.describe()})
                except WorkerDied:
                    pass
        finally:
            for worker in idle:
                self.release(worker)
        return rows

    @property
    def size(self) -> int:
        return len(self._all)

    def close(self) -> None:
        """Stop every worker (waits for none: busy callers get an error on their next call)."""
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            try:
                worker.close()
            except Exception:  # noqa: BLE001
                pass


def _reset_pools_in_child() -> None:
    for pool in list(_POOLS):
        pool._after_fork_in_child()


os.register_at_fork(after_in_child=_reset_pools_in_child)

__all__ = ["WorkerPool", "proto"]
