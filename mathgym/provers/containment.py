"""Containment for long-lived prover processes (coqidetop, the Lean REPL).

A tactic is code: Coq commands read and write files (``Load``, ``Redirect``, plugins) and Lean tactics can
run IO. Agent input is screened before it reaches a prover (see the backends), and the prover process
itself runs contained, as strongly as this machine allows:

* ``bwrap``: bubblewrap with the whole file system read-only, a private ``/tmp``, only a per-process
  scratch directory writable, no network, its own PID/IPC namespaces, killed with its parent. What the
  process needs from under ``/tmp`` (a virtualenv's interpreter, the project, a Lean project, a REPL
  binary, a script named on the command line) is bound back read-only on top of the private ``/tmp``,
  so checkouts and virtualenvs under ``/tmp`` work; other files there stay hidden;
* ``unshare-net``: ``unshare --net`` (no network), files unrestricted beyond the rlimits;
* ``rlimits``: resource limits only.

In every level the process gets rlimits (address space, CPU seconds, file size, open files, processes,
no core dumps), a scrubbed environment, a scratch working directory, and its own process group so
everything it started dies with it. :attr:`ContainedProcess.isolation` says which level is in force.
"""

from __future__ import annotations

import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

ISOLATION_LEVELS = ("bwrap", "unshare-net", "rlimits")


@dataclass(frozen=True)
class ProcessLimits:
    """Resource limits for one prover process.

    :param memory_mb: address-space cap (``RLIMIT_AS``); ``None`` for none (Lean maps large files).
    :param cpu_s: CPU seconds over the process's whole life (``RLIMIT_CPU``); backends recycle a
        long-lived process before it runs out.
    :param file_size_mb: largest file the process may write (``RLIMIT_FSIZE``).
    :param open_files: ``RLIMIT_NOFILE``.
    :param max_processes: how many more processes the process's user may start (``RLIMIT_NPROC``);
        the kernel does not enforce it for root.
    """

    memory_mb: int | None = 4096
    cpu_s: int = 3600
    file_size_mb: int = 16
    open_files: int = 256
    max_processes: int | None = 32


class ProcessCrashed(RuntimeError):
    """The contained process exited (or closed its output) while an answer was awaited."""


class ProcessTimeout(TimeoutError):
    """No complete answer within the wall-clock limit."""


def _run_ok(argv: list[str]) -> bool:
    try:
        return (
            subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


_BWRAP_BASE = [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--unshare-net",
    "--unshare-pid",
    "--unshare-ipc",
    "--die-with-parent",
    "--new-session",
]


#: directories bwrap replaces with an empty tmpfs (their contents are hidden unless bound back)
_BWRAP_HIDDEN = tuple(_BWRAP_BASE[i + 1] for i, arg in enumerate(_BWRAP_BASE) if arg == "--tmpfs")


def _hidden(path: str) -> bool:
    return any(path == root or path.startswith(root + "/") for root in _BWRAP_HIDDEN)


def visible_paths(
    argv: Sequence[str],
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    binds: Sequence[str] = (),
) -> list[str]:
    """The paths under bwrap's private directories (``/tmp``) that the contained process needs.

    They are: the executable (found on ``env``'s PATH) and, when it is a virtualenv's interpreter, that
    virtualenv (and for this very interpreter also its prefixes and ``sys.path``: the project); every
    absolute path on the command line (a script, a REPL binary); the working directory (a Lean project);
    absolute paths in the environment's values (``PATH`` entries, ``ELAN_HOME``); and ``binds``. A path
    counts when it or the file it resolves to lies in a hidden directory; nested ones are dropped.

    :param argv: the command.
    :param cwd: its working directory.
    :param env: its environment.
    :param binds: further paths the caller knows the process needs.
    """
    env = dict(env or {})
    candidates: list[str] = []
    exe = None
    if argv:
        exe = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
    if exe:
        exe = os.path.abspath(exe)
        candidates.append(exe)
        venv = os.path.dirname(os.path.dirname(exe))
        if os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
            candidates.append(venv)  # the interpreter finds its site-packages through pyvenv.cfg there
        if os.path.realpath(exe) == os.path.realpath(sys.executable):
            candidates += [sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path]
    candidates += [arg for arg in argv[1:] if arg.startswith("/")]
    if cwd:
        candidates.append(cwd)
    for value in env.values():
        candidates += [part for part in value.split(":") if part.startswith("/")]
    candidates += list(binds)
    found: set[str] = set()
    for candidate in candidates:
        if not candidate or not os.path.exists(candidate):
            continue
        for path in {os.path.abspath(candidate), os.path.realpath(candidate)}:
            if _hidden(path) and path not in _BWRAP_HIDDEN:
                found.add(path)
    ordered = sorted(found)
    return [p for p in ordered if not any(p.startswith(q + "/") for q in ordered if q != p)]


@cache
def _unshare_prefix() -> tuple[str, ...] | None:
    if shutil.which("unshare") is None:
        return None
    for prefix in (("unshare", "--net", "--"), ("unshare", "--map-root-user", "--net", "--")):
        if _run_ok([*prefix, "true"]):
            return prefix
    return None


@cache
def detect_isolation() -> str:
    """The strongest isolation level that works on this machine (probed once per process).

    ``MATHGYM_PROVER_ISOLATION`` may force a weaker level (``unshare-net`` or ``rlimits``).
    """
    forced = os.environ.get("MATHGYM_PROVER_ISOLATION", "").strip()
    if forced:
        if forced not in ISOLATION_LEVELS:
            raise ValueError(f"MATHGYM_PROVER_ISOLATION must be one of {ISOLATION_LEVELS}, got {forced!r}")
        return forced
    if shutil.which("bwrap") and _run_ok(["bwrap", *_BWRAP_BASE, "true"]):
        return "bwrap"
    if _unshare_prefix() is not None:
        return "unshare-net"
    return "rlimits"


def scrubbed_env(
    scratch: str, keep: Sequence[str] = (), extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A minimal environment: system PATH, HOME/TMPDIR in the scratch dir, UTF-8 locale.

    :param keep: names of variables to copy from this process's environment (e.g. ``ELAN_HOME``).
    :param extra: variables to set on top.
    """
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    for name in keep:
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


def _count_user_processes(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _limit_setter(limits: ProcessLimits) -> Callable[[], None]:
    nproc = None
    if limits.max_processes is not None and os.path.isdir("/proc"):
        nproc = _count_user_processes(os.getuid()) + limits.max_processes

    def apply() -> None:  # runs in the child between fork and exec: no allocation-heavy work here
        def cap(which: int, value: int) -> None:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))

        if limits.memory_mb is not None:
            cap(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
        cap(resource.RLIMIT_CPU, limits.cpu_s)
        cap(resource.RLIMIT_FSIZE, limits.file_size_mb * 1024 * 1024)
        cap(resource.RLIMIT_NOFILE, limits.open_files)
        cap(resource.RLIMIT_CORE, 0)
        if nproc is not None:
            cap(resource.RLIMIT_NPROC, nproc)

    return apply


def contained_argv(
    argv: Sequence[str],
    scratch: str,
    isolation: str,
    cwd: str | None = None,
    visible: Sequence[str] = (),
) -> list[str]:
    """``argv`` wrapped for ``isolation`` (see the module docstring).

    :param visible: paths in bwrap's hidden directories to bind back read-only (see :func:`visible_paths`).
    """
    if isolation == "bwrap":
        # binds come after --tmpfs /tmp, so that they (and a scratch dir under /tmp) stay visible on top
        ro = [arg for path in visible if path != scratch for arg in ("--ro-bind", path, path)]
        chdir = ["--chdir", cwd or scratch]
        return ["bwrap", *_BWRAP_BASE, *ro, "--bind", scratch, scratch, *chdir, "--", *argv]
    if isolation == "unshare-net":
        prefix = _unshare_prefix()
        if prefix is None:
            raise RuntimeError("unshare --net does not work here; use isolation='rlimits'")
        return [*prefix, *argv]
    if isolation == "rlimits":
        return list(argv)
    raise ValueError(f"isolation must be one of {ISOLATION_LEVELS} or 'auto', got {isolation!r}")


def _drain(stream, tail: bytearray) -> None:  # noqa: ANN001
    """Read ``stream`` to its end, keeping the last 8 KiB in ``tail`` (a chatty prover never blocks)."""
    while True:
        try:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        except (OSError, ValueError):
            return
        if not chunk:
            return
        tail += chunk
        del tail[:-8192]


def _cleanup(proc: subprocess.Popen | None, scratch: str | None) -> None:
    """Kill ``proc``'s process group and remove ``scratch`` (also run at interpreter exit)."""
    if proc is not None and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


class ContainedProcess:
    """A long-lived child process with pipes, contained as described in the module docstring.

    :param argv: the command.
    :param limits: rlimits.
    :param isolation: ``"auto"`` (strongest available) or one of :data:`ISOLATION_LEVELS`.
    :param cwd: working directory (default: the scratch dir, which is always created).
    :param env_keep: environment variable names passed through from this process.
    :param env_extra: environment variables to set.
    :param binds: paths the process needs that :func:`visible_paths` cannot guess (bwrap only).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        limits: ProcessLimits = ProcessLimits(),
        isolation: str = "auto",
        cwd: str | None = None,
        env_keep: Sequence[str] = (),
        env_extra: Mapping[str, str] | None = None,
        binds: Sequence[str] = (),
    ) -> None:
        self.argv = list(argv)
        self.binds = tuple(binds)
        self.limits = limits
        self.isolation = detect_isolation() if isolation == "auto" else isolation
        self.cwd = cwd
        self.env_keep = tuple(env_keep)
        self.env_extra = dict(env_extra or {})
        self.scratch: str | None = None
        self.proc: subprocess.Popen | None = None
        self._buffer = bytearray()
        self._stderr_tail = bytearray()
        self._stderr_thread: threading.Thread | None = None
        self._selector: selectors.BaseSelector | None = None
        self._finalizer: weakref.finalize | None = None

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self.proc is not None:
            self.kill()
        self.scratch = tempfile.mkdtemp(prefix="mathgym-prover-")
        env = scrubbed_env(self.scratch, self.env_keep, self.env_extra)
        visible = visible_paths(self.argv, self.cwd, env, self.binds) if self.isolation == "bwrap" else []
        argv = contained_argv(self.argv, self.scratch, self.isolation, self.cwd, visible)
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            cwd=self.cwd or self.scratch,
            env=env,
            preexec_fn=_limit_setter(self.limits),
            start_new_session=True,
            close_fds=True,
        )
        # runs on kill(), on garbage collection or at exit: no prover or scratch dir is left behind
        self._finalizer = weakref.finalize(self, _cleanup, self.proc, self.scratch)
        self._buffer.clear()
        self._stderr_tail.clear()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        # a function, not a bound method: the thread must not keep this object alive
        self._stderr_thread = threading.Thread(
            target=_drain, args=(self.proc.stderr, self._stderr_tail), daemon=True
        )
        self._stderr_thread.start()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def stderr_tail(self) -> str:
        return bytes(self._stderr_tail).decode("utf-8", "replace")

    def kill(self) -> None:
        """Kill the process and everything it started (its process group), remove the scratch dir."""
        proc, self.proc = self.proc, None
        if self._finalizer is not None:
            self._finalizer()  # kills the process group, removes the scratch dir (once)
            self._finalizer = None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    stream.close()
                except (OSError, ValueError):
                    pass
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        self.scratch = None

    def _tree(self) -> list[int]:
        """The process and its descendants (bwrap's child calls setsid: process groups do not say)."""
        if self.proc is None:
            return []
        found, stack = [], [self.proc.pid]
        while stack:
            pid = stack.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as fh:
                        stack += [int(child) for child in fh.read().split()]
            except OSError:
                continue
        return found

    def _stat_sum(self, *indices: int) -> int:
        total = 0
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(fields[i]) for i in indices)
        return total

    def rss_mb(self) -> float:
        """Resident memory of the process and its descendants in MiB (0 when unknown)."""
        return self._stat_sum(21) * os.sysconf("SC_PAGE_SIZE") / 2**20  # field 24 of stat: RSS in pages

    def cpu_seconds(self) -> float:
        """CPU time used so far by the process and its descendants (0 when unknown)."""
        return self._stat_sum(11, 12) / os.sysconf("SC_CLK_TCK")  # fields 14, 15: utime, stime

    # -- I/O ----------------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if not self.alive:
            raise ProcessCrashed(self._death_note())
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise ProcessCrashed(self._death_note()) from exc

    def read_until(self, find_end: Callable[[bytearray], int | None], timeout: float) -> bytes:
        """Read until ``find_end(buffer)`` returns the end offset of a complete answer; return that answer.

        Bytes after the answer stay buffered for the next call.

        :raises ProcessTimeout: no complete answer within ``timeout`` seconds.
        :raises ProcessCrashed: the process closed its output first.
        """
        deadline = time.monotonic() + timeout
        while True:
            end = find_end(self._buffer)
            if end is not None:
                answer = bytes(self._buffer[:end])
                del self._buffer[:end]
                return answer
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProcessTimeout(f"no answer within {timeout:.1f}s")
            if self.proc is None or self._selector is None:
                raise ProcessCrashed("the process is not running")
            if not self._selector.select(remaining):
                continue
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise ProcessCrashed(self._death_note())
            self._buffer += chunk

    def read_to_end(self, timeout: float) -> tuple[bytes, int | None]:
        """Read stdout until the process closes it; ``(output, exit code)`` (for one-shot commands)."""
        deadline = time.monotonic() + timeout
        while self.proc is not None and self._selector is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProcessTimeout(f"no end of output within {timeout:.1f}s")
            if not self._selector.select(remaining):
                continue
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                break
            self._buffer += chunk
        output = bytes(self._buffer)
        self._buffer.clear()
        try:
            code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic())) if self.proc else None
        except subprocess.TimeoutExpired:
            code = None
        return output, code

    def _death_note(self) -> str:
        code = self.proc.poll() if self.proc is not None else None
        if self._stderr_thread is not None:  # bwrap's own complaint may still be on its way
            self._stderr_thread.join(timeout=1.0)
        tail = self.stderr_tail().strip()
        if self.isolation == "bwrap":
            complaints = [line for line in tail.splitlines() if line.startswith("bwrap:")]
            if complaints:
                return (
                    f"the prover could not start inside bubblewrap ({complaints[-1]}); paths under "
                    f"{', '.join(_BWRAP_HIDDEN)} are hidden by its private {_BWRAP_HIDDEN[0]} unless bound "
                    "(ContainedProcess(binds=[...])), or choose isolation='unshare-net'"
                )
        tail = tail[-600:]
        return f"prover process exited (code {code})" + (f": {tail}" if tail else "")
