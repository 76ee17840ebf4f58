"""Sandbox worker: a fork server that runs untrusted Python snippets in fresh, contained processes.

This one file is the worker of both backends. The controller starts ``python3 -I -c BOOTSTRAP MODE``
(on the host for :class:`~mathgym.sandbox.LocalSandbox`, as PID 1 of a hardened container for
:class:`~mathgym.sandbox.DockerSandbox`) and sends this file's source over stdin, so the file imports
nothing from mathgym, only the standard library, and runs on any CPython >= 3.9. The controller also
imports it as a module for the framing helpers (:func:`encode_frame`, :class:`FrameBuffer`).

Layout of a *box* (what one snippet or one session runs in):

``local`` mode (root on the host, or a user namespace where the kernel allows it)
    The worker unshares network, mount, IPC and UTS namespaces once, pivots into a read-only root made
    of bind mounts of the system and Python directories, preloads modules (numpy, sympy), and then, per
    box, forks an init process ``S`` as PID 1 of a fresh PID namespace (plus a fresh mount and IPC
    namespace, its own /proc and a size-capped tmpfs scratch), moves it into the box's memory and pids
    cgroup, drops to an unprivileged uid, and forks the payload ``P`` that executes code. Killing ``S``
    (SIGKILL from the worker, outside the box) makes the kernel kill every process of the box, however it
    was forked; the box's tmpfs, IPC objects and processes vanish with it.
``container`` mode (PID 1 of a container started with no network, read-only root, no capabilities)
    ``P`` is forked directly; after each box the worker, as PID 1, SIGKILLs every other process of the
    container, reaps them, wipes the writable tmpfs mounts and SysV IPC objects, and reports itself
    poisoned if anything survives (the controller then replaces the container).
``weak`` mode (no namespaces available)
    ``S`` is a child subreaper that kills the whole descendant tree after each box; no network
    isolation, no filesystem confinement beyond a scratch working directory. Reported as ``weak``.

A box is prepared (forked, confined, limits set) *before* its request arrives, so a request only pays
for executing the code. ``P`` lowers its rlimits per request (address space, CPU) before running code.
"""
from __future__ import annotations

import json
import os
import select
import signal
import struct
import sys
import time

MAGIC = b"MGSB"
#: modules boxes use; imported once by the worker instead of in every box
_WORKER_IMPORTS = ["ast", "atexit", "builtins", "ctypes", "fcntl", "io", "linecache", "platform", "resource",
                   "shutil", "stat", "tempfile", "traceback"]
_HEAD = struct.Struct(">4sII")
MAX_HEADER = 1 << 20
MAX_PAYLOAD = 256 << 20

# Source of the bootstrap the controller passes to ``python3 -I -c``: it reads this file's source
# (length line, then bytes) from stdin and runs it as ``__mathgym_worker__``.
BOOTSTRAP = (
    "import sys;b=sys.stdin.buffer;n=int(b.readline());"
    "exec(compile(b.read(n),'<mathgym-sandbox-worker>','exec'),"
    "{'__name__':'__mathgym_worker__','__builtins__':__builtins__})"
)


# ---------------------------------------------------------------------------------------------- framing
def encode_frame(header: dict, parts: list = ()) -> bytes:
    """One protocol frame: magic, header length, payload length, JSON header, raw parts.

    :param header: JSON-serialisable dict; the part lengths are added under ``"_p"``.
    :param parts: byte strings sent raw after the header (code, stdin, stdout, stderr).
    """
    header = dict(header)
    header["_p"] = [len(p) for p in parts]
    raw = json.dumps(header, separators=(",", ":")).encode()
    payload_len = sum(len(p) for p in parts)
    return b"".join([_HEAD.pack(MAGIC, len(raw), payload_len), raw, *[bytes(p) for p in parts]])


class ProtocolError(Exception):
    """A frame that does not follow the protocol (bad magic, oversize, bad JSON)."""


class FrameBuffer:
    """Accumulates bytes and cuts them into frames; payload bytes are wiped from the buffer once used."""

    def __init__(self, max_payload: int = MAX_PAYLOAD) -> None:
        self.buf = bytearray()
        self.max_payload = max_payload

    def feed(self, data) -> None:
        self.buf += data

    def next_frame(self):
        """Return ``(header, parts)`` for the first complete frame, or ``None``."""
        if len(self.buf) < _HEAD.size:
            return None
        magic, hlen, plen = _HEAD.unpack_from(self.buf)
        if magic != MAGIC or hlen > MAX_HEADER or plen > self.max_payload:
            raise ProtocolError(f"bad frame header {bytes(self.buf[:12])!r}")
        total = _HEAD.size + hlen + plen
        if len(self.buf) < total:
            return None
        try:
            header = json.loads(bytes(self.buf[_HEAD.size:_HEAD.size + hlen]))
            lengths = header.pop("_p", [])
            if not isinstance(header, dict) or sum(lengths) != plen:
                raise ValueError("part lengths do not add up")
        except ValueError as exc:
            raise ProtocolError(f"bad frame: {exc}") from None
        parts, at = [], _HEAD.size + hlen
        for n in lengths:
            parts.append(bytearray(self.buf[at:at + n]))
            at += n
        _wipe(self.buf, 0, total)
        del self.buf[:total]
        return header, parts


def _wipe(buf: bytearray, start: int = 0, end: int | None = None) -> None:
    """Zero a buffer so that later forks of this process do not inherit earlier snippets' code or output."""
    end = len(buf) if end is None else end
    buf[start:end] = bytes(end - start)


def read_frame_blocking(fd: int, fb: FrameBuffer, timeout: float | None = None):
    """Read from ``fd`` until ``fb`` holds a whole frame; ``None`` on EOF or timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        frame = fb.next_frame()
        if frame is not None:
            return frame
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not select.select([fd], [], [], left)[0]:
                return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        fb.feed(chunk)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[n:]


# ---------------------------------------------------------------------------------------- system calls
_libc = None
_SYSCALLS = {  # (pivot_root, capset) per architecture
    "x86_64": (155, 126),
    "aarch64": (41, 91),
}
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 28, 38, 36


def libc():
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(ret: int, what: str) -> int:
    if ret == -1 or (ret != 0 and what.startswith("!")):
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"{what.lstrip('!')}: {os.strerror(err)}")
    return ret


def unshare(flags: int) -> None:
    _check(libc().unshare(flags), "unshare")


def setns(fd: int, flags: int) -> None:
    _check(libc().setns(fd, flags), "setns")


def mount(source, target: str, fstype, flags: int, data=None) -> None:
    import ctypes

    enc = lambda s: None if s is None else s.encode()
    _check(libc().mount(enc(source), target.encode(), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def prctl(option: int, arg: int = 0) -> int:
    import ctypes

    return _check(libc().prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


def _arch_syscall(index: int) -> int:
    import platform

    numbers = _SYSCALLS.get(platform.machine())
    if numbers is None:
        raise OSError(38, f"no syscall table for {platform.machine()}")
    return numbers[index]


def pivot_root(new_root: str, put_old: str) -> None:
    _check(libc().syscall(_arch_syscall(0), new_root.encode(), put_old.encode()), "pivot_root")


def drop_capabilities() -> None:
    """Empty the bounding, effective, permitted and inheritable capability sets of this process."""
    import ctypes

    for cap in range(64):
        if libc().prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) != 0:
            break  # EINVAL past the last capability
    # NOROOT | NO_SETUID_FIXUP | KEEP_CAPS off, all locked: uid 0 never regains capabilities on execve
    libc().prctl(PR_SET_SECUREBITS, ctypes.c_ulong(0x2F), 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(libc().syscall(_arch_syscall(1), header, data), "capset")


def set_rlimit(which: int, value: int) -> None:
    """Set soft and hard limit to ``value`` (never above the current hard limit)."""
    import resource

    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


# ---------------------------------------------------------------------------------------------- seccomp
# System calls a snippet never needs and that widen the kernel surface it can attack: namespaces, mounts,
# tracing other processes, keyrings, eBPF, perf, io_uring, modules, clocks. Like Docker's default
# profile, they fail with EPERM. x86_64 numbers; other architectures run without this filter.
_SECCOMP_DENY_X86_64 = {
    "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "mount_setattr": 442, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
    "kcmp": 312, "add_key": 248, "request_key": 249, "keyctl": 250, "bpf": 321, "perf_event_open": 298,
    "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
    "delete_module": 176, "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163,
    "settimeofday": 164, "clock_settime": 227, "adjtimex": 159, "clock_adjtime": 305,
    "open_by_handle_at": 304, "name_to_handle_at": 303, "lookup_dcookie": 212, "quotactl": 179,
    "syslog": 103, "vhangup": 153, "iopl": 172, "ioperm": 173, "fanotify_init": 300,
    "pidfd_getfd": 438, "move_pages": 279, "mbind": 237, "migrate_pages": 256,
}
_SYS_CLONE_X86_64, _SYS_CLONE3_X86_64 = 56, 435
_CLONE_NAMESPACE_FLAGS = 0x7E020080  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME


def install_seccomp() -> bool:
    """Install the deny-list filter in this process (inherited by its children); False if unsupported."""
    import ctypes
    import platform

    if platform.machine() != "x86_64":
        return False
    ld_abs, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    errno_ = lambda e: 0x00050000 | e
    prog = [(ld_abs, 0, 0, 4),  # arch
            (jeq, 1, 0, 0xC000003E),  # AUDIT_ARCH_X86_64
            (ret, 0, 0, kill),
            (ld_abs, 0, 0, 0),  # syscall number
            (jge, 0, 1, 0x40000000),  # the x32 ABI: not used by CPython
            (ret, 0, 0, errno_(1))]
    for nr in sorted(_SECCOMP_DENY_X86_64.values()):
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, errno_(1))]
    prog += [(jeq, 0, 1, _SYS_CLONE3_X86_64), (ret, 0, 0, errno_(38)),  # ENOSYS: libc falls back to clone
             (jeq, 0, 3, _SYS_CLONE_X86_64),
             (ld_abs, 0, 0, 16),  # clone's flags (low 32 bits of the first argument)
             (jset, 0, 1, _CLONE_NAMESPACE_FLAGS),
             (ret, 0, 0, errno_(1)),
             (ret, 0, 0, allow)]

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]

    filters = (SockFilter * len(prog))(*[SockFilter(*ins) for ins in prog])
    fprog = SockFprog(len(prog), filters)
    lc = libc()
    if lc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), 0, 0, 0) != 0:
        return False
    return lc.prctl(22, ctypes.c_ulong(2), ctypes.byref(fprog), 0, 0) == 0  # PR_SET_SECCOMP, FILTER


# ------------------------------------------------------------------------------------------ snippet side
def _vm_size() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _apply_request_limits(hdr: dict, base_vm: int) -> None:
    import resource

    memory_mb = hdr.get("memory_mb")
    if memory_mb:
        set_rlimit(resource.RLIMIT_AS, base_vm + int(memory_mb) * (1 << 20))
    cpu_s = hdr.get("cpu_s")
    if cpu_s:
        set_rlimit(resource.RLIMIT_CPU, max(1, int(cpu_s + 0.999)))


def _run_code(code: str, namespace: dict, filename: str, display: bool):
    """Execute ``code`` like ``python -c`` (or a notebook cell when ``display``): ``(exit_code, error)``."""
    import ast
    import linecache
    import traceback

    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        tree = compile(code, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        last = None
        if display and tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec", dont_inherit=True), namespace)
        if last is not None:
            value = eval(compile(last, filename, "eval", dont_inherit=True), namespace)
            if value is not None:
                print(repr(value))
        return 0, None
    except SystemExit as exc:
        code_ = exc.code
        if code_ is None:
            return 0, None
        if isinstance(code_, int):
            return code_ & 0xFF, (None if code_ == 0 else f"SystemExit: {code_}")
        print(code_, file=sys.stderr)
        return 1, f"SystemExit: {code_}"
    except BaseException as exc:  # noqa: BLE001 - reporting whatever the snippet raised is the point
        tb = exc.__traceback__
        tb = tb.tb_next if tb is not None and tb.tb_next is not None else tb  # hide this frame
        try:
            sys.stderr.write("".join(traceback.format_exception(type(exc), exc, tb)))
            last_line = traceback.format_exception_only(type(exc), exc)[-1].strip()
        except BaseException:  # noqa: BLE001 - a hostile __str__ must not break reporting
            last_line = type(exc).__name__
        return 1, last_line[:2000]


def _payload_main(cmd_fd: int, status_fd: int, env: dict) -> None:
    """The code-running process ``P``: serve code frames from ``cmd_fd`` until the box is closed."""
    import builtins
    import io

    os.setsid()  # own session and process group
    try:
        prctl(PR_SET_DUMPABLE, 1)  # its own /proc/self is readable again (the worker is not dumpable)
    except OSError:
        pass
    try:
        with open("/proc/self/oom_score_adj", "w") as fh:  # the OOM killer picks snippets first
            fh.write("1000")
    except OSError:
        pass
    for sig in range(1, signal.NSIG):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as CPython sets it at start-up
    os.environ.clear()
    os.environ.update(env)
    try:
        os.chdir(env.get("HOME", "/"))
    except OSError:
        pass
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    sys.argv = ["-c"]
    base_vm = _vm_size()
    seccomp = install_seccomp()
    write_all(status_fd, encode_frame({"ready": True, "pid": os.getpid(), "base_vm": base_vm,
                                       "seccomp": seccomp}))
    namespace = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}
    fb = FrameBuffer()
    cells = 0
    limited = False
    while True:
        frame = read_frame_blocking(cmd_fd, fb)
        if frame is None:
            os._exit(0)
        hdr, parts = frame
        code = bytes(parts[0]).decode("utf-8", "replace") if parts else ""
        _wipe(parts[0]) if parts else None
        if not limited:  # a session keeps the limits of its first cell: rlimits only go down
            _apply_request_limits(hdr, base_vm)
            limited = True
        cells += 1
        script = hdr.get("mode") == "script"
        filename = "<string>" if script else f"<cell-{cells}>"
        exit_code, error = _run_code(code, namespace, filename, display=not script)
        del code
        if script:
            try:
                import atexit

                atexit._run_exitfuncs()
            except BaseException:  # noqa: BLE001
                pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        write_all(status_fd, encode_frame({"done": True, "exit_code": exit_code, "error": error}))
        if script:
            os._exit(exit_code)


def _payload_start(in_r: int, out_w: int, err_w: int, cmd_r: int, st_w: int, env: dict) -> None:
    """Become the payload ``P``: stdio and the box's pipes on fds 0-4, then serve code. Never returns."""
    try:
        _install_fds(in_r, out_w, err_w, cmd_r, st_w)
        _payload_main(3, 4, env)
    except BaseException as exc:  # noqa: BLE001 - report set-up failures on the status pipe (fd 4)
        try:
            write_all(4, encode_frame({"ready": False, "error": f"payload: {type(exc).__name__}: {exc}"}))
        except OSError:
            pass
    os._exit(111)


def _install_fds(*fds: int) -> None:
    """Make ``fds`` the descriptors 0..n-1 of this process and close every other one."""
    import fcntl

    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds]  # out of the way of 0..n-1 first
    for target, fd in enumerate(high):
        os.dup2(fd, target)
    _close_fds_except(set(range(len(fds))))


def _close_fds_except(keep: set) -> None:
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


# --------------------------------------------------------------------------------------------- worker
class Box:
    """Worker-side record of one prepared or running box."""

    def __init__(self) -> None:
        self.init_pid = 0  # S (local/weak) or P (container): the process whose death ends the box
        self.pidfd = -1
        self.out_r = self.err_r = self.cmd_w = self.status_r = self.stdin_w = -1
        self.status_fb = FrameBuffer(max_payload=1 << 20)
        self.cgroup_slot = None
        self.session = False
        self.dead = False
        self.exit_status = None
        self.base_vm = 0
        self.used = False
        self.cleaned = False
        self.killed = False
        self.p_status = None
        self.oom_before = 0

    def fds(self):
        return [fd for fd in (self.out_r, self.err_r, self.cmd_w, self.status_r, self.stdin_w, self.pidfd)
                if fd >= 0]


class OutputCapture:
    """Keeps the head and tail of a stream and counts everything else."""

    def __init__(self, cap: int) -> None:
        self.tail_cap = min(cap // 4, 8192)
        self.head_cap = cap - self.tail_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data) -> None:
        self.total += len(data)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.tail_cap:
                del self.tail[:len(self.tail) - self.tail_cap]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def render(self) -> bytes:
        if not self.truncated:
            return bytes(self.head + self.tail)
        skipped = self.total - len(self.head) - len(self.tail)
        return bytes(self.head) + f"\n...[{skipped} bytes truncated]...\n".encode() + bytes(self.tail)

    def wipe(self) -> None:
        _wipe(self.head)
        _wipe(self.tail)


class Worker:
    """The fork server's main loop: one box at a time, requests from the controller over ``ctl_in``."""

    def __init__(self, mode: str, ctl_in: int, ctl_out: int) -> None:
        self.requested_mode = mode
        self.ctl_in, self.ctl_out = ctl_in, ctl_out
        self.ctl_fb = FrameBuffer()
        self.config: dict = {}
        self.features: dict = {}
        self.mode = mode
        self.box: Box | None = None
        self.pidns_fd = -1
        self.cgroup_dirs: dict = {}
        self.cgroup: dict = {}  # controller name -> dir fd of the worker's box cgroup
        self.uid = self.gid = None
        self.boxes_served = 0
        self.box_counter = 0
        self.own_processes = 0
        self.t_prepare = 0.0  # cumulative seconds spent preparing / destroying boxes (for benchmarks)
        self.t_destroy = 0.0
        self.t_reap = 0.0
        self.scratch_root = None
        self.poisoned = None

    # ---- set-up
    def setup(self, config: dict) -> None:
        self.config = config
        os.umask(0o022)
        for sig in range(1, signal.NSIG):  # as PID 1 of a container: SIG_DFL makes us immune from inside
            if sig not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
                try:
                    signal.signal(sig, signal.SIG_DFL)
                except (OSError, ValueError, RuntimeError):
                    pass
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        if self.requested_mode == "container":
            self.mode = "container"
            self.features = {"network": "none (container)", "pid": "container", "fs": "read-only root",
                             "capabilities": "none", "memory": "container limit", "uid": str(os.getuid())}
            try:
                prctl(PR_SET_DUMPABLE, 0)
                self.features["dumpable"] = "no"
            except OSError:
                pass
        else:
            self._setup_local(config)
        for name in _WORKER_IMPORTS + list(config.get("preload", [])):
            try:
                __import__(name)
            except Exception as exc:  # noqa: BLE001 - a missing optional module is not fatal
                self.features.setdefault("preload_failed", []).append(f"{name}: {exc}")
        if config.get("warmup"):
            try:  # trusted code from the sandbox's owner: fills lazy imports and caches before forking
                exec(compile(config["warmup"], "<warmup>", "exec"), {"__name__": "__warmup__"})
            except Exception as exc:  # noqa: BLE001
                self.features["warmup_failed"] = f"{type(exc).__name__}: {exc}"
        import gc

        gc.collect()
        gc.freeze()  # keep the collector off the preloaded heap, so forks share its pages
        self._join_cgroups()

    def _setup_local(self, config: dict) -> None:
        want = config.get("isolation", "auto")
        is_root = os.geteuid() == 0
        # RLIMIT_NPROC counts all processes of the real uid on the host: measured while /proc is the host's
        self.own_processes = _count_own_processes()
        self.mode = "weak"
        if want != "weak":
            try:
                if not is_root:
                    self._enter_user_namespace()
                unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
                self.features["network"] = "namespace (no interfaces up)"
                self.pidns_fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
                self.mode = "local"
            except OSError as exc:
                self.features["namespaces_failed"] = str(exc)
        if self.mode == "local":
            if is_root:
                self._setup_cgroups(config)
                self.uid = self.gid = int(config.get("uid", 65534))
                self.features["uid"] = str(self.uid)
            else:
                self.features["uid"] = "user-namespace root without capabilities"
            self._build_root(config)
            self.features["pid"] = "namespace per box"
            self.features["ipc"] = "namespace per box"
            self.features["fs"] = "read-only root, tmpfs scratch per box"
        else:
            self.features["network"] = "host network (NOT isolated)"
            self.features["fs"] = "host filesystem (scratch directory only as cwd)"
            import tempfile

            self.scratch_root = tempfile.mkdtemp(prefix="mathgym-sbx-")
            if is_root:
                self.uid = self.gid = int(config.get("uid", 65534))
                os.chown(self.scratch_root, self.uid, self.gid)
                self.features["uid"] = str(self.uid)
                self._setup_cgroups(config)

    def _enter_user_namespace(self) -> None:
        uid, gid = os.geteuid(), os.getegid()
        unshare(CLONE_NEWUSER)
        with open("/proc/self/setgroups", "w") as fh:
            fh.write("deny")
        with open("/proc/self/uid_map", "w") as fh:
            fh.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as fh:
            fh.write(f"0 {gid} 1")
        self.features["userns"] = "yes"
        # Boxes get their PID namespace by unshare + fork + setns back, and setns needs CAP_SYS_ADMIN over
        # the worker's own PID namespace, which a user namespace does not give over the host's. So the
        # worker moves once into a PID namespace owned by its user namespace: it forks, the child carries
        # on as the worker (same stdio, same process group), the parent only waits for it.
        unshare(CLONE_NEWPID)
        child = os.fork()
        if child:
            while True:
                try:
                    _, status = os.waitpid(child, 0)
                    break
                except InterruptedError:
                    continue
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def _setup_cgroups(self, config: dict) -> None:
        base = "/sys/fs/cgroup"
        try:
            with open("/proc/self/cgroup") as fh:
                lines = fh.read().splitlines()
        except OSError:
            return
        own = {}
        for line in lines:
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(","):
                own[c] = path
        # directories are held open (dir fds): after pivot_root /sys is not visible any more
        made = {}  # controller -> (host path, parent dir fd, own dir fd, name)
        name = f"mathgym-sbx-{os.getpid()}"
        dflags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
        try:
            for ctl in ("memory", "pids"):
                root = os.path.join(base, ctl)
                if ctl not in own or not os.path.isdir(root):
                    raise OSError(f"no cgroup v1 {ctl} hierarchy")
                parent = os.path.join(root, own[ctl].lstrip("/"))
                pfd = os.open(parent, dflags)
                os.mkdir(name, dir_fd=pfd)
                made[ctl] = (os.path.join(parent, name), pfd, os.open(name, dflags, dir_fd=pfd), name)
        except OSError as exc:
            self.cgroup_dirs = made
            self._remove_cgroups()
            self.features["cgroup_failed"] = str(exc)
            return
        self.cgroup_dirs = made
        self.cgroup = {ctl: v[2] for ctl, v in made.items()}
        self.features["cgroup"] = "memory+pids per box"

    def _join_cgroups(self) -> None:
        """Move the worker into its box cgroup, so boxes are born in it.

        Moving a process between cgroup v1 groups costs an RCU grace period (~10 ms here); a child
        forked inside the group costs nothing. The worker joins after preloading, so the memory it
        already uses stays charged to its parent group; it can never be the OOM killer's choice.
        """
        if not self.cgroup:
            return
        for fd in self.cgroup.values():
            _write_at(fd, "cgroup.procs", "0")
        try:
            with open("/proc/self/oom_score_adj", "w") as fh:
                fh.write("-1000")
        except OSError:
            pass

    def _remove_cgroups(self) -> None:
        for _, pfd, tfd, name in self.cgroup_dirs.values():
            try:
                _write_at(pfd, "cgroup.procs", "0")  # leave the group before removing it
            except OSError:
                pass
            os.close(tfd)
            try:
                os.rmdir(name, dir_fd=pfd)
            except OSError:
                pass
            os.close(pfd)
        self.cgroup_dirs = {}
        self.cgroup = {}

    def _build_root(self, config: dict) -> None:
        """Pivot into a tmpfs root holding read-only binds of system and Python directories only."""
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        sources = [p for p in config.get("binds", []) if os.path.exists(p)]
        for d in ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"):
            if os.path.lexists(d):
                sources.append(d)
        real = sorted({os.path.realpath(s) if not os.path.islink(s) else s for s in sources})
        mountpoint = next(c for c in ("/mnt", "/media", "/srv", "/opt", "/run", "/var", "/home", "/tmp")
                          if os.path.isdir(c) and not os.path.islink(c)
                          and not any((s + "/").startswith(c + "/") for s in real))
        new = mountpoint
        mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
        done = []
        for src in real:
            if any((src + "/").startswith(d + "/") for d in done):
                continue  # already inside a bound directory
            target = new + src
            if os.path.islink(src):
                if not os.path.lexists(target):
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    os.symlink(os.readlink(src), target)
                continue
            os.makedirs(target, exist_ok=True)
            mount(src, target, None, MS_BIND | MS_REC)
            keep = 0
            st = os.statvfs(src)
            for flag, bit in ((os.ST_NOEXEC, MS_NOEXEC),):
                if st.f_flag & flag:
                    keep |= bit
            mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | keep)
            done.append(src)
        os.makedirs(new + "/etc", exist_ok=True)
        uid = self.uid if self.uid is not None else 0
        files = {
            "passwd": f"root:x:0:0:root:/root:/bin/sh\nsandbox:x:{uid}:{uid}:sandbox:/scratch:/bin/sh\n",
            "group": f"root:x:0:\nsandbox:x:{uid}:\n",
            "hosts": "127.0.0.1 localhost\n::1 localhost\n",
            "hostname": "sandbox\n",
            "resolv.conf": "",
            "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
        }
        for name, text in files.items():
            with open(f"{new}/etc/{name}", "w") as fh:
                fh.write(text)
        for name in ("ld.so.cache", "localtime"):
            try:
                with open(f"/etc/{name}", "rb") as src_fh, open(f"{new}/etc/{name}", "wb") as dst:
                    dst.write(src_fh.read())
            except OSError:
                pass
        os.makedirs(new + "/dev", exist_ok=True)
        for dev in ("null", "zero", "full", "random", "urandom"):
            open(f"{new}/dev/{dev}", "w").close()
            mount(f"/dev/{dev}", f"{new}/dev/{dev}", None, MS_BIND)
        for link, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
                             ("shm", "/scratch")):
            os.symlink(target, f"{new}/dev/{link}")
        for d in ("proc", "scratch", ".oldroot"):
            os.makedirs(f"{new}/{d}", exist_ok=True)
        os.symlink("/scratch", f"{new}/tmp") if not os.path.lexists(f"{new}/tmp") else None
        if self.features.get("userns"):
            # in a user namespace a box may mount its /proc only where a proc is already visible: mount the
            # worker's own PID namespace's proc here (each box mounts its own on top of it)
            mount("proc", f"{new}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        pivot_root(new, new + "/.oldroot")
        os.chdir("/")
        _check(libc().umount2(b"/.oldroot", 2), "umount2")  # MNT_DETACH
        os.rmdir("/.oldroot")
        mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        try:
            import socket

            socket.sethostname("sandbox")
        except (OSError, AttributeError):
            pass

    @property
    def isolation(self) -> str:
        f = self.features
        if self.mode == "container":
            level = "full"
        elif self.mode == "local":
            level = "full" if "cgroup" in f and "uid" in f and f["uid"].isdigit() else "partial"
        else:
            level = "weak"
        details = ", ".join(f"{k}={v}" for k, v in sorted(f.items()) if not k.endswith("_failed"))
        return f"{self.mode}:{level} ({details})"

    # ---- boxes
    def _cgroup_write(self, slot: dict, ctl: str, name: str, value: str) -> bool:
        try:
            _write_at(slot[ctl], name, value)
            return True
        except OSError:
            return False

    def _cgroup_read(self, slot: dict, ctl: str, name: str) -> str:
        try:
            fd = os.open(name, os.O_RDONLY, dir_fd=slot[ctl])
        except OSError:
            return ""
        try:
            return os.read(fd, 65536).decode()
        except OSError:
            return ""
        finally:
            os.close(fd)

    def _oom_kills(self, slot) -> int:
        for line in self._cgroup_read(slot, "memory", "memory.oom_control").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def _set_memory_limit(self, slot: dict, memory_mb: int) -> None:
        """Cap the box at ``memory_mb`` on top of what the worker itself holds in the group."""
        if self.box is None or not self.box.init_pid:
            try:
                self.worker_usage = int(self._cgroup_read(slot, "memory", "memory.usage_in_bytes") or 0)
            except ValueError:
                self.worker_usage = 0
        new = (int(memory_mb) << 20) + getattr(self, "worker_usage", 0)
        try:
            cur = int(self._cgroup_read(slot, "memory", "memory.limit_in_bytes") or 0)
        except ValueError:
            cur = 0
        order = ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]
        if new < cur:
            order.reverse()
        for name in order:
            self._cgroup_write(slot, "memory", name, str(new))

    def prepare(self) -> Box:
        """Fork and confine a new box; returns once its payload process reports ready."""
        t0 = time.monotonic()
        try:
            return self._prepare()
        finally:
            self.t_prepare += time.monotonic() - t0

    def _prepare(self) -> Box:
        cfg = self.config
        box = Box()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        cmd_r, cmd_w = os.pipe()
        st_r, st_w = os.pipe()
        in_r, in_w = os.pipe()
        slot = self.cgroup or None
        if slot:
            self._set_memory_limit(slot, int(cfg.get("memory_mb", 512)))
            # the worker itself, S and P count too
            self._cgroup_write(slot, "pids", "pids.max", str(int(cfg.get("max_processes", 64)) + 2))
        box.cgroup_slot = slot
        worker_pid = os.getpid()
        self.box_counter += 1
        if self.mode == "local":
            unshare(CLONE_NEWPID)  # the next child is PID 1 of a fresh PID namespace
        try:
            pid = os.fork()
        except BaseException:
            if self.mode == "local":
                setns(self.pidns_fd, CLONE_NEWPID)
            raise
        if pid == 0:  # never return into the worker's code from here
            try:
                self._box_init(out_w, err_w, cmd_r, st_w, in_r, worker_pid)
            finally:
                os._exit(111)
        if self.mode == "local":  # later children of the worker go back to its own PID namespace
            setns(self.pidns_fd, CLONE_NEWPID)
        for fd in (out_w, err_w, cmd_r, st_w, in_r):
            os.close(fd)
        box.init_pid = pid
        box.out_r, box.err_r, box.cmd_w, box.status_r, box.stdin_w = out_r, err_r, cmd_w, st_r, in_w
        for fd in (out_r, err_r, st_r):
            os.set_blocking(fd, False)
        try:
            box.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            box.pidfd = -1
        frame = self._read_status(box, timeout=30.0)
        if not frame or not frame[0].get("ready"):
            err = (frame[0].get("error") if frame else None) or "box did not start"
            if frame and "exit_status" in frame[0]:
                err += f" (payload wait status {frame[0]['exit_status']})"
            if box.err_r >= 0:
                err += " " + (_read_some(box.err_r) or b"").decode("utf-8", "replace")[-500:]
            self.destroy(box)
            raise RuntimeError(f"sandbox box failed to start: {err}")
        box.base_vm = int(frame[0].get("base_vm", 0))
        self.features["seccomp"] = "deny-list" if frame[0].get("seccomp") else "unavailable"
        self.box = box
        return box

    def _read_status(self, box: Box, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = box.status_fb.next_frame()
            except ProtocolError:
                return None
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([box.status_r], [], [], left)
            if not r:
                continue
            try:
                chunk = os.read(box.status_r, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                return None
            box.status_fb.feed(chunk)

    def _box_init(self, out_w: int, err_w: int, cmd_r: int, st_w: int, in_r: int, worker_pid: int) -> None:
        """Runs in the child: become the box's init ``S`` (local/weak) or its payload (container)."""
        import resource

        cfg = self.config
        try:
            if self.mode != "container":
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the box dies with the worker
                if self.mode == "weak" and os.getppid() != worker_pid:
                    os._exit(112)  # the worker died before PDEATHSIG was armed
                os.setsid()
            if self.mode == "local":
                unshare(CLONE_NEWNS | CLONE_NEWIPC)
                size = int(cfg.get("scratch_mb", 64))
                owner = f",uid={self.uid},gid={self.gid}" if self.uid is not None else ""
                mount("tmpfs", "/scratch", "tmpfs", MS_NOSUID | MS_NODEV,
                      f"size={size}m,nr_inodes={int(cfg.get('scratch_inodes', 4096))},mode=0700{owner}")
                mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
                home = "/scratch"
            elif self.mode == "weak":
                home = os.path.join(self.scratch_root, f"box{self.box_counter}")
                os.mkdir(home, 0o700)
                if self.uid is not None:
                    os.chown(home, self.uid, self.gid)
                prctl(PR_SET_CHILD_SUBREAPER, 1)
            else:
                home = "/scratch"
            if self.cgroup:
                with open("/proc/self/oom_score_adj", "w") as fh:
                    fh.write("0")
            max_proc = int(cfg.get("max_processes", 64))
            limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, int(cfg.get("max_open_files", 256))),
                      (resource.RLIMIT_FSIZE, int(cfg.get("scratch_mb", 64)) << 20),
                      (resource.RLIMIT_MSGQUEUE, 1 << 16)]
            if self.mode == "container" or self.cgroup:
                # the pids cgroup (or the container's pids limit) is the real per-box cap; RLIMIT_NPROC
                # counts every process of the uid on the host, so it is only a loose backstop here
                limits.append((resource.RLIMIT_NPROC, 4096))
            else:
                limits.append((resource.RLIMIT_NPROC, max_proc + self.own_processes))
            for which, value in limits:
                try:
                    set_rlimit(which, value)
                except (OSError, ValueError):
                    pass
            if self.uid is not None and os.geteuid() == 0:
                drop_capabilities_before_setuid()
                os.setgroups([])
                os.setresgid(self.gid, self.gid, self.gid)
                os.setresuid(self.uid, self.uid, self.uid)
            elif self.mode == "local":
                drop_capabilities()
            try:
                prctl(PR_SET_NO_NEW_PRIVS, 1)
            except OSError:
                pass
            env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home,
                   "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0",
                   "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
            if self.mode == "container":
                _payload_start(in_r, out_w, err_w, cmd_r, st_w, env)
            try:
                prctl(PR_SET_DUMPABLE, 0)  # the payload (same uid) cannot ptrace or read the init
            except OSError:
                pass
            child = os.fork()
            if child == 0:
                _payload_start(in_r, out_w, err_w, cmd_r, st_w, env)
            # S keeps only the status pipe (to relay P's wait status) and reaps orphans until P exits
            st_keep = os.dup(st_w)
            _close_fds_except({st_keep})
            if self.mode == "weak":
                _reap_tree_until(child, st_keep)
            while True:
                try:
                    pid, status = os.waitpid(-1, 0)
                except ChildProcessError:
                    os._exit(0)
                except InterruptedError:
                    continue
                if pid == child:
                    try:
                        write_all(st_keep, encode_frame({"exit_status": status}))
                    except OSError:
                        pass
                    os._exit(0)
        except BaseException as exc:  # noqa: BLE001 - report any set-up failure to the worker
            try:
                write_all(st_w, encode_frame({"ready": False, "error": f"{type(exc).__name__}: {exc}"}))
            except OSError:
                pass
            os._exit(111)

    def destroy(self, box: Box) -> None:
        """Kill every process of ``box``, reap, and release its resources."""
        t0 = time.monotonic()
        try:
            self._destroy(box)
        finally:
            self.t_destroy += time.monotonic() - t0

    def _destroy(self, box: Box) -> None:
        if box.init_pid:
            self._kill_box(box)
        if self.mode == "container":
            if not box.cleaned:
                self._container_cleanup()
                box.cleaned = True
        elif box.init_pid and box.exit_status is None:
            t0 = time.monotonic()
            try:
                _, status = os.waitpid(box.init_pid, 0)
                box.exit_status = status
            except ChildProcessError:
                pass
            self.t_reap += time.monotonic() - t0
        for fd in box.fds():
            try:
                os.close(fd)
            except OSError:
                pass
        if self.mode == "weak" and self.scratch_root:
            _rmtree_contents(self.scratch_root)
        box.cgroup_slot = None
        if self.box is box:
            self.box = None

    def _container_cleanup(self) -> None:
        """Container mode: kill every process but PID 1, reap, wipe writable mounts and SysV IPC."""
        for _ in range(20):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            while True:
                try:
                    os.waitpid(-1, 0)
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
            if not _other_processes():
                break
        else:
            self.poisoned = "processes survived SIGKILL"
        for d in self.config.get("wipe_dirs", ["/scratch", "/tmp", "/dev/shm", "/dev/mqueue"]):
            _rmtree_contents(d)
            try:
                if os.listdir(d):
                    self.poisoned = f"could not wipe {d}"
            except OSError:
                pass
        _remove_sysv_ipc()

    # ---- requests
    def run_in_box(self, box: Box, hdr: dict, code, stdin) -> dict:
        """Send one code frame to the box and collect output until done, death or deadline."""
        timeout = float(hdr.get("timeout_s", 5.0))
        cap = int(self.config.get("max_output_bytes", 65536))
        hard_cap = int(self.config.get("max_output_total", 16 << 20))
        out, err = OutputCapture(cap), OutputCapture(cap)
        slot = box.cgroup_slot
        if slot and not box.session and hdr.get("memory_mb"):
            self._set_memory_limit(slot, int(hdr["memory_mb"]))
        if slot:
            box.oom_before = self._oom_kills(slot)
        req = {"mode": hdr.get("mode", "script"), "memory_mb": hdr.get("memory_mb"),
               "cpu_s": hdr.get("cpu_s", timeout + 1)}
        frame = encode_frame(req, [code])
        _wipe(code)
        start = time.monotonic()
        deadline = start + timeout
        try:
            write_all(box.cmd_w, frame)
        except OSError:
            pass
        stdin_view = memoryview(bytes(stdin)) if stdin else None
        if box.stdin_w >= 0 and not stdin_view and not box.session:
            os.close(box.stdin_w)
            box.stdin_w = -1
        elif box.stdin_w >= 0 and stdin_view:
            os.set_blocking(box.stdin_w, False)
        status = None
        timed_out = False
        output_exceeded = False
        poller = select.poll()
        watch = {box.out_r: out, box.err_r: err}
        for fd in watch:
            poller.register(fd, select.POLLIN)
        poller.register(box.status_r, select.POLLIN)
        poller.register(self.ctl_in, select.POLLIN)
        if box.pidfd >= 0:
            poller.register(box.pidfd, select.POLLIN)
        if stdin_view is not None and box.stdin_w >= 0:
            poller.register(box.stdin_w, select.POLLOUT)
        while True:
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            wait_ms = (deadline - now) * 1000
            if box.pidfd < 0:
                wait_ms = min(wait_ms, 5)
            events = poller.poll(max(1, int(wait_ms) + 1))
            finished = False
            for fd, ev in events:
                if fd in watch:
                    chunk = _read_some(fd)
                    if chunk:
                        watch[fd].add(chunk)
                    elif chunk == b"":
                        poller.unregister(fd)
                elif fd == box.status_r:
                    chunk = _read_some(fd)
                    if chunk:
                        box.status_fb.feed(chunk)
                        try:
                            while True:
                                fr = box.status_fb.next_frame()
                                if fr is None:
                                    break
                                h = fr[0]
                                if "exit_status" in h:
                                    box.p_status = h["exit_status"]
                                elif h.get("done"):
                                    status = h
                        except ProtocolError:
                            finished = True
                    elif chunk == b"":
                        poller.unregister(fd)
                elif fd == box.stdin_w:
                    try:
                        n = os.write(fd, stdin_view[:65536])
                        stdin_view = stdin_view[n:]
                    except BlockingIOError:
                        pass
                    except OSError:
                        stdin_view = memoryview(b"")
                    if not stdin_view:
                        poller.unregister(fd)
                        os.close(box.stdin_w)
                        box.stdin_w = -1
                elif fd == box.pidfd:
                    finished = True
                elif fd == self.ctl_in and (ev & (select.POLLHUP | select.POLLERR) or not self._peek_ctl()):
                    self.destroy(box)  # the controller is gone: stop everything and remove what we made
                    self.shutdown()
                    os._exit(0)
            if status is not None:
                break
            if box.pidfd < 0 and self._box_exited(box):
                finished = True
            if out.total + err.total > hard_cap:
                output_exceeded = True
                break
            if finished:
                break
        duration = time.monotonic() - start
        dead = status is None
        if dead or not box.session or timed_out or output_exceeded:
            self._finish_dead_box(box, watch)
            dead = True
        else:
            for fd, cap_ in watch.items():  # everything the snippet wrote before its status
                while True:
                    chunk = _read_some(fd)
                    if not chunk:
                        break
                    cap_.add(chunk)
        exit_code, error = None, None
        oom = bool(slot) and self._oom_kills(slot) > box.oom_before
        if status is not None and not timed_out:
            exit_code = status.get("exit_code")
            exit_code = exit_code if isinstance(exit_code, int) else 1
            error = status.get("error")
            error = str(error)[:2000] if error is not None else None
        elif not timed_out:
            raw = box.p_status
            if raw is None and self.mode == "container":
                raw = box.exit_status
            if raw is not None:
                if os.WIFSIGNALED(raw):
                    sig = os.WTERMSIG(raw)
                    exit_code = -sig
                    error = f"killed by signal {sig} ({_signame(sig)})"
                else:
                    exit_code = os.WEXITSTATUS(raw)
                    error = None if exit_code == 0 else f"exited with code {exit_code}"
            else:
                error = "the snippet's process ended without a status"
        if timed_out:
            error = f"Timeout Error: exceeded {timeout:g} s"
        if output_exceeded:
            error = f"output limit exceeded ({hard_cap} bytes)"
        if oom and not timed_out:
            error = f"MemoryError: memory limit exceeded ({hdr.get('memory_mb') or self.config.get('memory_mb')} MB)"
            if exit_code is None:  # P itself was killed (else only some of its children were)
                exit_code = -signal.SIGKILL
        if hdr.get("mode") == "script" and error is None and exit_code not in (0, None):
            error = f"exited with code {exit_code}"
        result = {"exit_code": exit_code, "timed_out": timed_out, "error": error,
                  "duration_s": duration, "truncated": out.truncated or err.truncated,
                  "box_alive": not dead, "oom": oom}
        result["_out"], result["_err"] = out, err
        return result

    def _finish_dead_box(self, box: Box, watch: dict) -> None:
        """SIGKILL the box now and collect what it wrote; reaping waits until after the reply.

        The kill is immediate (the kernel tears the PID namespace down on its own); waiting for that
        teardown (several ms) happens in :meth:`destroy`, after the result went out, so it is not on the
        caller's critical path. The worker reaps before it serves the next request.
        """
        if self.mode == "container" and box.exit_status is None:
            try:  # P's own status first (a zombie when it died by itself), then everybody else
                pid, status = os.waitpid(box.init_pid, os.WNOHANG)
                if pid:
                    box.exit_status = status
            except ChildProcessError:
                pass
        self._kill_box(box)
        # what the snippet wrote before it ended is in the pipes; dying processes may add a little more
        end = time.monotonic() + 0.05
        for fd, cap_ in watch.items():
            while time.monotonic() < end:
                chunk = _read_some(fd)
                if not chunk:
                    break
                cap_.add(chunk)
        try:  # the exit status S relayed for P, if P died on its own
            while True:
                chunk = _read_some(box.status_r)
                if not chunk:
                    break
                box.status_fb.feed(chunk)
            while True:
                fr = box.status_fb.next_frame()
                if fr is None:
                    break
                if "exit_status" in fr[0]:
                    box.p_status = fr[0]["exit_status"]
        except ProtocolError:
            pass
        box.dead = True

    def _kill_box(self, box: Box) -> None:
        if box.killed:
            return
        box.killed = True
        try:
            if self.mode == "container":
                os.kill(-1, signal.SIGKILL)  # PID 1 is spared: everything else in the container dies
            else:
                os.kill(box.init_pid, signal.SIGKILL)  # init of the box's PID namespace: all of it dies
        except ProcessLookupError:
            pass

    def _box_exited(self, box: Box) -> bool:
        try:
            pid, status = os.waitpid(box.init_pid, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid:
            box.exit_status = status
            return True
        return False

    def _peek_ctl(self) -> bool:
        """The controller sent data while a box runs (not expected) or closed: False means EOF."""
        try:
            chunk = os.read(self.ctl_in, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        self.ctl_fb.feed(chunk)
        return True

    def reply(self, header: dict, parts=()) -> None:
        write_all(self.ctl_out, encode_frame(header, list(parts)))

    def handle(self, hdr: dict, parts: list) -> bool:
        op = hdr.get("op")
        if op == "exit":
            return False
        if op == "ping":
            self.reply({"ok": True, "boxes": self.boxes_served, "fds": _count_fds(), "max_rss_kb": _rss(),
                        "prepare_s": round(self.t_prepare, 4), "destroy_s": round(self.t_destroy, 4),
                        "reap_s": round(self.t_reap, 4)})
            return True
        if op in ("run", "open"):
            if self.box is not None and (self.box.session or self.box.used):
                self.destroy(self.box)
            box = self.box or self._prepare_or_report()
            if box is None:
                return True
            box.used = True
            if op == "open":
                box.session = True
                if box.stdin_w >= 0:  # session cells read an empty stdin
                    os.close(box.stdin_w)
                    box.stdin_w = -1
                if box.cgroup_slot and hdr.get("memory_mb"):
                    self._set_memory_limit(box.cgroup_slot, int(hdr["memory_mb"]))
                self.reply({"ok": True, "box_alive": True})
                return True
            return self._run_and_reply(box, hdr, parts)
        if op == "cell":
            box = self.box
            if box is None or not box.session:
                self.reply({"ok": False, "error": "no open session", "box_alive": False})
                return True
            return self._run_and_reply(box, hdr, parts)
        if op == "close":
            if self.box is not None and self.box.session:
                self.destroy(self.box)
            self.reply({"ok": True, "poisoned": self.poisoned})
            self._after_box()
            return True
        self.reply({"ok": False, "error": f"unknown op {op!r}"})
        return True

    def _prepare_or_report(self):
        try:
            return self.prepare()
        except Exception as exc:  # noqa: BLE001
            self.reply({"ok": False, "error": str(exc), "fatal": True})
            return None

    def _run_and_reply(self, box: Box, hdr: dict, parts: list) -> bool:
        code = parts[0] if parts else bytearray()
        stdin = parts[1] if len(parts) > 1 else None
        hdr["mode"] = "cell" if box.session else "script"
        result = self.run_in_box(box, hdr, code, stdin)
        out, err = result.pop("_out"), result.pop("_err")
        self.boxes_served += 0 if box.session else 1
        result["poisoned"] = self.poisoned
        result["ok"] = True
        self.reply(result, [out.render(), err.render()])
        out.wipe()
        err.wipe()
        # reaping and cleaning up come after the reply (off the caller's critical path) but before the
        # next request is read; a cleanup that fails marks the worker poisoned for the next request
        if not box.session or not result["box_alive"]:
            self.destroy(box)
        if not box.session:
            self._after_box()
        return True

    def _after_box(self) -> None:
        if self.poisoned:
            return
        if self.box is None:
            try:
                self.prepare()
            except Exception as exc:  # noqa: BLE001 - reported at the next request
                self.poisoned = f"cannot prepare a box: {exc}"

    def serve(self) -> None:
        try:
            self.prepare()
        except Exception as exc:  # noqa: BLE001
            self.poisoned = f"cannot prepare a box: {exc}"
        self.reply({"ready": True, "isolation": self.isolation, "mode": self.mode,
                    "features": self.features, "cgroups": [v[0] for v in self.cgroup_dirs.values()],
                    "pid": os.getpid(), "poisoned": self.poisoned, "scratch_root": self.scratch_root})
        os.set_blocking(self.ctl_in, False)
        while True:
            frame = self.ctl_fb.next_frame()
            if frame is None:
                select.select([self.ctl_in], [], [])
                try:
                    chunk = os.read(self.ctl_in, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    break
                self.ctl_fb.feed(chunk)
                continue
            hdr, parts = frame
            if self.poisoned and hdr.get("op") not in ("exit", "ping", "close"):
                self.reply({"ok": False, "error": f"worker poisoned: {self.poisoned}", "fatal": True})
                continue
            if not self.handle(hdr, parts):
                break
        self.shutdown()

    def shutdown(self) -> None:
        if self.box is not None:
            self.destroy(self.box)
        if self.box is None:
            self._remove_cgroups()
        if self.scratch_root:
            _rmtree_contents(self.scratch_root)
            try:
                os.rmdir(self.scratch_root)
            except OSError:
                pass


def _write_at(dir_fd: int, name: str, value: str) -> None:
    fd = os.open(name, os.O_WRONLY, dir_fd=dir_fd)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def drop_capabilities_before_setuid() -> None:
    """Empty the bounding set so no later execve (setuid binaries included) can regain capabilities."""
    import ctypes

    for cap in range(64):
        if libc().prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) != 0:
            break


def _read_some(fd: int):
    """Non-blocking read: bytes, ``b""`` on EOF, ``None`` when nothing is available."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _signame(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def _count_fds() -> int:
    import fcntl
    import resource

    limit = min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 65536)
    n = 0
    for fd in range(limit):
        try:
            fcntl.fcntl(fd, fcntl.F_GETFD)
            n += 1
        except OSError:
            pass
    return n


def _rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _count_own_processes() -> int:
    uid = os.getuid()
    n = 0
    try:
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        n += 1
                except OSError:
                    pass
    except OSError:
        return 64
    return n


def _other_processes() -> list:
    me = os.getpid()
    try:
        return [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) != me]
    except OSError:
        return []


def _rmtree_contents(path: str) -> None:
    import shutil
    import stat

    def onerror(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), stat.S_IRWXU)
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, stat.S_IRWXU)
            func(p)
        except OSError:
            pass

    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        p = os.path.join(path, name)
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, onerror=onerror)
            else:
                os.unlink(p)
        except OSError:
            onerror(os.unlink, p, None)


def _remove_sysv_ipc() -> None:
    """Remove SysV shared memory, semaphores and message queues left by snippets (container mode)."""
    import ctypes

    lc = libc()
    for kind, func, cmd in (("shm", "shmctl", 0), ("sem", "semctl", 0), ("msg", "msgctl", 0)):
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                lines = fh.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 2:
                continue
            ipc_id = int(fields[1])
            if kind == "sem":
                lc.semctl(ipc_id, 0, cmd)
            else:
                getattr(lc, func)(ipc_id, cmd, ctypes.c_void_p(0))  # IPC_RMID == 0


def _reap_tree_until(child: int, st_fd: int) -> None:
    """Weak mode: as child subreaper, wait for ``child``, then kill and reap all remaining descendants."""
    status = None
    while status is None:
        try:
            pid, st = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            status = st
    try:
        write_all(st_fd, encode_frame({"exit_status": status if status is not None else 0}))
    except OSError:
        pass
    for _ in range(50):
        kids = _children_of(os.getpid())
        if not kids:
            break
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        while True:
            try:
                os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not _children_of(os.getpid()):
                break
            time.sleep(0.001)
    os._exit(0)


def _children_of(pid: int) -> list:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                kids += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return kids


def main(argv: list) -> None:
    mode = argv[1] if len(argv) > 1 else "local"
    # keep the control channel on private descriptors; fd 0/1 become /dev/null
    ctl_in, ctl_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    write_all(ctl_out, encode_frame({"hello": True}))
    fb = FrameBuffer()
    frame = read_frame_blocking(ctl_in, fb)
    if frame is None:
        os._exit(0)
    worker = Worker(mode, ctl_in, ctl_out)
    worker.ctl_fb = fb
    try:
        worker.setup(frame[0])
    except BaseException as exc:  # noqa: BLE001
        write_all(ctl_out, encode_frame({"ready": False, "error": f"{type(exc).__name__}: {exc}"}))
        worker.shutdown()
        os._exit(3)
    try:
        worker.serve()
    finally:
        worker.shutdown()
    os._exit(0)


if __name__ == "__mathgym_worker__":
    main(sys.argv)
