"""``LocalSandbox``: snippets run in contained children of pre-started local worker processes (no Docker).

Each worker is this interpreter started as ``python -s -c BOOTSTRAP local`` with a scrubbed environment.
As root it unshares network/mount/IPC/UTS namespaces, pivots into a read-only root of system and Python
directories, and runs every snippet in a fresh PID namespace, in a memory+pids cgroup of the box's own
(capped at exactly the request's ``memory_mb``), as an unprivileged uid; boxes are forked ahead of time
by a template process that never saw a request (see :mod:`mathgym.sandbox._worker`). Without root it
uses a user namespace where the kernel allows one (no cgroup: the aggregate memory of a snippet's
children is then not capped), and otherwise falls back to rlimits only; ``ExecResult.isolation`` always
says which level is in force.
"""

from __future__ import annotations

import importlib.util
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from mathgym.sandbox import _worker as proto
from mathgym.sandbox.base import PooledSandbox, SandboxError, WorkerHandle

#: environment of a worker process; nothing of the caller's environment (tokens, keys) is passed on
WORKER_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONHASHSEED": "0",  # snippets see the same set/dict-of-str iteration order on every machine
    "PYTHONDONTWRITEBYTECODE": "1",
    "OPENBLAS_NUM_THREADS": "1",  # a forking server must stay single-threaded
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


@lru_cache(maxsize=1)
def worker_source() -> bytes:
    """The worker program sent to each worker's bootstrap."""
    return Path(proto.__file__).read_bytes()


def python_binds(preload: Sequence[str] = ()) -> list[str]:
    """Directories the worker must see (read-only) to run this interpreter and import ``preload``."""
    paths = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
    }
    paths.update(p for p in sys.path if p and ("site-packages" in p or "dist-packages" in p))
    for name in preload:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.submodule_search_locations:
            paths.add(os.path.dirname(next(iter(spec.submodule_search_locations))))
    resolved = {os.path.realpath(p) for p in paths if p and os.path.isdir(p)}
    return sorted(p for p in resolved if p != "/")


class LocalWorker(WorkerHandle):
    """One local worker process, driven over its stdin/stdout pipes."""

    def __init__(self, config: dict[str, Any], python: str | None = None) -> None:
        super().__init__()
        debug = os.environ.get("MATHGYM_SANDBOX_DEBUG", "") not in ("", "0")
        self.proc = subprocess.Popen(
            [python or sys.executable, "-s", "-c", proto.BOOTSTRAP, "local"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL,
            env=dict(WORKER_ENV),
            cwd="/",
            start_new_session=True,
            close_fds=True,
            bufsize=0,
        )
        self._in = self.proc.stdin.fileno()  # type: ignore[union-attr]
        self._out = self.proc.stdout.fileno()  # type: ignore[union-attr]
        try:
            self.handshake(worker_source(), config)
        except BaseException:
            self.kill()
            raise

    def describe(self) -> dict[str, Any]:
        return {"worker_pid": self.proc.pid}

    def _send(self, data: bytes) -> None:
        proto.write_all(self._in, data)

    def _recv(self, timeout: float) -> bytes | None:
        if not select.select([self._out], [], [], max(0.0, timeout))[0]:
            return None
        try:
            return os.read(self._out, 1 << 16)
        except OSError:
            return b""

    def kill(self) -> None:
        self.alive = False
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        _sweep_cgroups(self.info.get("cgroups") or [])
        if self.info.get("scratch_root"):  # weak mode keeps scratch directories on the host
            shutil.rmtree(self.info["scratch_root"], ignore_errors=True)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass

    def abandon(self) -> None:
        super().abandon()
        self._close_pipes()
        self.proc.returncode = 0  # the parent owns this process; keep Popen.__del__ quiet here


def _sweep_cgroups(dirs: Sequence[str]) -> None:
    """After killing a worker: SIGKILL whatever is left in its cgroups, then remove them (deepest first).

    The boxes also die on their own (PR_SET_PDEATHSIG, through the worker's box template); this makes
    it certain and leaves no directories. The walk repeats until the worker's group is gone: the
    template may still be creating a box's group while it dies.
    """
    for top in dirs:
        deadline = time.monotonic() + 5.0
        while os.path.isdir(top) and time.monotonic() < deadline:
            for d in sorted((root for root, _, _ in os.walk(top)), key=len, reverse=True):
                try:
                    with open(os.path.join(d, "cgroup.procs")) as fh:
                        pids = [int(x) for x in fh.read().split()]
                except OSError:
                    pids = []
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    os.rmdir(d)
                except OSError:
                    pass  # still busy: the next pass
            if os.path.isdir(top):
                time.sleep(0.01)


class LocalSandbox(PooledSandbox):
    """Runs snippets in contained children of local worker processes; needs no Docker.

    All :class:`~mathgym.sandbox.pooled.PooledSandbox` arguments apply, plus:

    :param isolation: ``"auto"`` (the strongest the machine allows, reported in every result),
        ``"strict"`` (raise unless the level is ``full``: namespaces, cgroup, unprivileged uid), or
        ``"weak"`` (rlimits and a scratch directory only; for debugging).
    :param uid: the unprivileged uid snippets run as when the worker is root (default ``nobody``).
    :param python: interpreter for the workers (default: this one, so its numpy/sympy are preloaded).
    """

    backend = "local"

    def __init__(
        self, *, isolation: str = "auto", uid: int = 65534, python: str | None = None, **kwargs: Any
    ) -> None:
        if isolation not in ("auto", "strict", "weak"):
            raise ValueError(f"isolation must be 'auto', 'strict' or 'weak', not {isolation!r}")
        self.isolation_policy = isolation
        self.uid = int(uid)
        self.python = python
        self._settings = {"isolation": isolation, "uid": uid, "python": python}
        super().__init__(**kwargs)

    def _start_worker(self, preload: Sequence[str]) -> WorkerHandle:
        config = self._worker_config(preload)
        config.update(
            {
                "isolation": "weak" if self.isolation_policy == "weak" else "auto",
                "uid": self.uid,
                "binds": python_binds(self.preload),
            }
        )
        worker = LocalWorker(config, self.python)
        if self.isolation_policy == "strict" and ":full" not in worker.isolation:
            worker.close()
            raise SandboxError(
                f"LocalSandbox(isolation='strict') needs full isolation but this machine "
                f"gives {worker.isolation}; run as root on Linux with cgroup v1 memory/pids "
                "controllers, or use DockerSandbox"
            )
        return worker
