"""Sandbox worker: a fork server that runs untrusted Python snippets in fresh, contained processes.

This one file is the worker of both backends. The controller starts ``python3 -I -c BOOTSTRAP MODE``
(on the host for :class:`~mathgym.sandbox.LocalSandbox`, as PID 1 of a hardened container for
:class:`~mathgym.sandbox.DockerSandbox`) and sends this file's source over stdin, so the file imports
nothing from mathgym, only the standard library, and runs on any CPython >= 3.9. The controller also
imports it as a module for the framing helpers (:func:`encode_frame`, :class:`FrameBuffer`).

Three kinds of process, so that no snippet can see another's data or speak for the worker:

``W``, the worker
    Reads requests (code, stdin) from the controller, hands code to a ready box, collects its output
    and reports. W never forks a box: its memory holds earlier requests' data.
``Z``, the box template ("zygote")
    Forked from W once, after set-up and module preloading and before W reads any request, so its
    memory holds no snippet's data. Z prepares boxes ahead of time (two in flight in local mode, so
    a caller never waits for one) and tears them down; it talks to W over a socketpair, passing each
    box's pipe ends with SCM_RIGHTS, and never sees code or output.
A box: ``S`` and ``P``
    ``S`` (local and weak modes) is forked by Z; it becomes PID 1 of a fresh PID namespace (plus a
    fresh mount and IPC namespace, its own /proc and a size-capped tmpfs scratch), joins a memory and
    pids cgroup created for this box alone (its cap is exactly the request's ``memory_mb``; nothing an
    earlier box charged counts), drops to an unprivileged uid and forks the payload ``P`` that executes
    code. Killing ``S`` makes the kernel kill every process of the box. In container mode ``P`` is
    forked by Z directly.

What a box's processes hold: ``P`` has its stdio pipes (0-2), the command pipe it reads code from
(3, closed before a script runs) and its own *report* pipe (4). Nothing ``P`` writes is trusted for
the result: a script's exit code is the kernel's wait status, relayed by ``S`` (or Z in container mode)
over a status pipe ``P`` never holds; the report pipe only supplies the text of the error line, used
when it matches that wait status. Session cells (one namespace for many cells) can only report their
own outcome, so each cell's report must carry the random nonce its request came with; anything else
ends the session.

Modes:

``local`` (root on the host, or a user namespace where the kernel allows it)
    W unshares network, mount, IPC and UTS namespaces once and pivots into a read-only root made of
    bind mounts of the system and Python directories; boxes are as described above.
``container`` (PID 1 of a container started with no network, read-only root, no capabilities)
    One box at a time: after each, Z (a child subreaper) SIGKILLs every process but W and itself,
    reaps them, wipes the writable tmpfs mounts and SysV IPC objects, and reports the worker poisoned
    if anything survives (the controller then replaces the container). A seccomp rule keeps snippets
    from signalling W or Z.
``weak`` (no namespaces available)
    ``S`` is a child subreaper whose whole descendant tree is killed after each box; no network
    isolation, no filesystem confinement beyond a scratch working directory. Reported as ``weak``.
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
_WORKER_IMPORTS = [
    "ast",
    "atexit",
    "builtins",
    "ctypes",
    "fcntl",
    "io",
    "linecache",
    "platform",
    "resource",
    "socket",
    "tempfile",
    "traceback",
]
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
    """Accumulates bytes and cuts them into frames."""

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
            header = json.loads(bytes(self.buf[_HEAD.size : _HEAD.size + hlen]))
            lengths = header.pop("_p", [])
            if not isinstance(header, dict) or sum(lengths) != plen:
                raise ValueError("part lengths do not add up")
        except ValueError as exc:
            raise ProtocolError(f"bad frame: {exc}") from None
        parts, at = [], _HEAD.size + hlen
        for n in lengths:
            parts.append(bytes(self.buf[at : at + n]))
            at += n
        del self.buf[:total]
        return header, parts


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
    _check(
        libc().mount(enc(source), target.encode(), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {target}",
    )


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
    "unshare": 272,
    "setns": 308,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "reboot": 169,
    "swapon": 167,
    "swapoff": 168,
    "acct": 163,
    "settimeofday": 164,
    "clock_settime": 227,
    "adjtimex": 159,
    "clock_adjtime": 305,
    "open_by_handle_at": 304,
    "name_to_handle_at": 303,
    "lookup_dcookie": 212,
    "quotactl": 179,
    "syslog": 103,
    "vhangup": 153,
    "iopl": 172,
    "ioperm": 173,
    "fanotify_init": 300,
    "pidfd_getfd": 438,
    "move_pages": 279,
    "mbind": 237,
    "migrate_pages": 256,
}
_SYS_CLONE_X86_64, _SYS_CLONE3_X86_64 = 56, 435
_CLONE_NAMESPACE_FLAGS = (
    0x7E020080  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME
)


#: system calls that act on another process named by their first argument (a pid or thread group id)
_PID_TARGETED_X86_64 = {
    "kill": 62,
    "tkill": 200,
    "tgkill": 234,
    "rt_sigqueueinfo": 129,
    "rt_tgsigqueueinfo": 297,
    "pidfd_open": 434,
    "prlimit64": 302,
}


def install_seccomp(protect: tuple = ()) -> bool:
    """Install the deny-list filter in this process (inherited by its children); False if unsupported.

    :param protect: pids no snippet may signal, open a pidfd on or change the limits of (W and Z where
        they share the snippet's PID namespace and uid); ``kill(-1, …)`` and ``kill(-pid, …)`` are
        refused too, since they would reach them.
    """
    import ctypes
    import platform

    if platform.machine() != "x86_64":
        return False
    ld_abs, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    errno_ = lambda e: 0x00050000 | e
    prog = [
        (ld_abs, 0, 0, 4),  # arch
        (jeq, 1, 0, 0xC000003E),  # AUDIT_ARCH_X86_64
        (ret, 0, 0, kill),
        (ld_abs, 0, 0, 0),  # syscall number
        (jge, 0, 1, 0x40000000),  # the x32 ABI: not used by CPython
        (ret, 0, 0, errno_(1)),
    ]
    pids = sorted({int(p) for p in protect if int(p) > 1})
    if pids:
        for name, nr in sorted(_PID_TARGETED_X86_64.items()):
            values = [p & 0xFFFFFFFF for p in pids]
            if name == "kill":  # process groups of the protected pids, and "every process"
                values += [(-p) & 0xFFFFFFFF for p in pids] + [0xFFFFFFFF]
            # block: reload the number; skip the body unless it is this call; compare the first argument
            prog += [(ld_abs, 0, 0, 0), (jeq, 0, 1 + 2 * len(values), nr), (ld_abs, 0, 0, 16)]
            for value in values:
                prog += [(jeq, 0, 1, value), (ret, 0, 0, errno_(1))]
        prog.append((ld_abs, 0, 0, 0))  # the syscall number again, for the deny-list
    for nr in sorted(_SECCOMP_DENY_X86_64.values()):
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, errno_(1))]
    prog += [
        (jeq, 0, 1, _SYS_CLONE3_X86_64),
        (ret, 0, 0, errno_(38)),  # ENOSYS: libc falls back to clone
        (jeq, 0, 3, _SYS_CLONE_X86_64),
        (ld_abs, 0, 0, 16),  # clone's flags (low 32 bits of the first argument)
        (jset, 0, 1, _CLONE_NAMESPACE_FLAGS),
        (ret, 0, 0, errno_(1)),
        (ret, 0, 0, allow),
    ]

    class SockFilter(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_uint16),
            ("jt", ctypes.c_uint8),
            ("jf", ctypes.c_uint8),
            ("k", ctypes.c_uint32),
        ]

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


def _payload_main(cmd_fd: int, report_fd: int, env: dict, protect: tuple) -> None:
    """The code-running process ``P``: serve code frames from ``cmd_fd`` until the box is closed.

    Reports (``ready``, then one ``done`` per code frame) go to ``report_fd``; see the module docstring
    for why the worker trusts them only as far as it must.
    """
    import builtins
    import io

    os.setsid()  # own session and process group
    try:
        prctl(PR_SET_DUMPABLE, 1)  # its own /proc/self is readable again (S, W and Z are not dumpable)
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
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace"
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    sys.argv = ["-c"]
    base_vm = _vm_size()
    seccomp = install_seccomp(protect)
    write_all(
        report_fd, encode_frame({"ready": True, "pid": os.getpid(), "base_vm": base_vm, "seccomp": seccomp})
    )
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
        del frame, parts
        script = hdr.get("mode") == "script"
        if script:  # the box's one program: nothing more comes, and the snippet has no use for the pipe
            os.close(cmd_fd)
        if not limited:  # a session keeps the limits of its first cell: rlimits only go down
            _apply_request_limits(hdr, base_vm)
            limited = True
        cells += 1
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
        try:
            write_all(
                report_fd,
                encode_frame(
                    {"done": True, "nonce": hdr.get("nonce"), "exit_code": exit_code, "error": error}
                ),
            )
        except OSError:  # the snippet closed or broke its report pipe: its own loss
            pass
        if script:
            os._exit(exit_code)


def _payload_start(
    in_r: int, out_w: int, err_w: int, cmd_r: int, report_w: int, env: dict, protect: tuple
) -> None:
    """Become the payload ``P``: stdio and the box's pipes on fds 0-4, then serve code. Never returns."""
    try:
        _install_fds(in_r, out_w, err_w, cmd_r, report_w)
        _payload_main(3, 4, env, protect)
    except BaseException as exc:  # noqa: BLE001 - report set-up failures on the report pipe (fd 4)
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


# ------------------------------------------------------------------------------------------------ zygote
class Zygote:
    """The box template ``Z``: prepares boxes ahead of time and tears them down, on W's request.

    It runs in a process forked from W after set-up and before W reads any request (so a box, a fork
    of Z, inherits no snippet's data). Messages are JSON objects over a ``SOCK_SEQPACKET`` socketpair,
    one per packet; a prepared box's pipe ends travel to W in the same packet (SCM_RIGHTS):

    * ``{"op": "prepare", "id", "memory_mb"}`` → ``{"box": id, "pid"}`` + descriptors, or
      ``{"box": id, "error"}``;
    * ``{"op": "destroy", "id"}`` → nothing, or ``{"poisoned": reason}`` when a clean-up failed;
    * ``{"op": "sync"}`` → ``{"synced": true}`` once every earlier message was handled;
    * ``{"op": "exit"}`` (or W gone) → every box is destroyed and Z exits.

    :param worker: the set-up worker (its mode, configuration, namespaces and cgroups are inherited).
    :param sock: Z's end of the socketpair.
    """

    def __init__(self, worker: Worker, sock) -> None:
        self.mode = worker.mode
        self.config = worker.config
        self.uid, self.gid = worker.uid, worker.gid
        self.pidns_fd = worker.pidns_fd
        self.cgroup = worker.cgroup  # controller -> dir fd of the worker's cgroup, parent of the box groups
        self.scratch_root = worker.scratch_root
        self.own_processes = worker.own_processes
        self.pid = os.getpid()
        # W and Z share a PID namespace and (in a container, or weak mode without root) a uid with the
        # snippets there: the payload's seccomp filter keeps them out of reach
        self.protect = (worker.pid, self.pid) if self.mode in ("container", "weak") else ()
        self.sock = sock
        self.boxes: dict = {}  # id -> record of a box Z made and has not destroyed
        self.poller = select.poll()
        self.watch: dict = {}  # container mode: pidfd of a payload -> box id, to relay its wait status

    # ---- loop
    def serve(self) -> None:
        import socket

        self.poller.register(self.sock.fileno(), select.POLLIN)
        while True:
            for fd, _ in self.poller.poll():
                if fd != self.sock.fileno():
                    if fd in self.watch:  # (a destroy handled just before may have closed it)
                        self._relay(fd)
                    continue
                try:
                    data, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 4)
                except OSError:
                    data, fds = b"", []
                for extra in fds:  # W never sends descriptors
                    os.close(extra)
                if not data:
                    self.shutdown()
                    os._exit(0)
                if not self.handle(json.loads(data)):
                    self.shutdown()
                    os._exit(0)

    def send(self, message: dict, fds: list = ()) -> None:
        import socket

        socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))

    def handle(self, msg: dict) -> bool:
        op = msg.get("op")
        if op == "prepare":
            try:
                self.prepare(int(msg["id"]), int(msg.get("memory_mb") or self.config.get("memory_mb", 512)))
            except Exception as exc:  # noqa: BLE001 - reported to W, which fails the request that waits
                self.send({"box": msg.get("id"), "error": f"{type(exc).__name__}: {exc}"})
        elif op == "destroy":
            try:
                problem = self.destroy(int(msg["id"]))
            except Exception as exc:  # noqa: BLE001 - a clean-up that raises must not end Z
                problem = f"clean-up failed: {type(exc).__name__}: {exc}"
            if problem:
                self.send({"poisoned": problem})
        elif op == "sync":
            self.send({"synced": True})
        elif op == "exit":
            return False
        return True

    # ---- boxes
    def prepare(self, box_id: int, memory_mb: int) -> None:
        """Fork box ``box_id`` (its init ``S``, or the payload in container mode); send W its pipe ends."""
        made: list = []  # descriptors to close if the box cannot be made
        try:
            for _ in range(6):
                made += os.pipe()
            out_r, out_w, err_r, err_w, cmd_r, cmd_w, rep_r, rep_w, st_r, st_w, in_r, in_w = made
            groups = self._make_cgroups(box_id, memory_mb)
            made += groups.values()
            if self.mode == "local":
                unshare(CLONE_NEWPID)  # the next child is PID 1 of a fresh PID namespace
            try:
                pid = os.fork()
            finally:
                if self.mode == "local" and os.getpid() == self.pid:
                    setns(self.pidns_fd, CLONE_NEWPID)  # later children of Z go back to its PID namespace
        except BaseException:
            for fd in made:
                os.close(fd)
            self._remove_cgroups(box_id)
            raise
        if pid == 0:  # never return into Z's code from here
            try:
                self._box_init(box_id, out_w, err_w, cmd_r, rep_w, st_w, in_r, groups)
            finally:
                os._exit(111)
        for fd in (out_w, err_w, cmd_r, rep_w, in_r):
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        record = {"pid": pid, "status_w": -1, "pidfd": -1, "pids_cg": groups.pop("pids", -1)}
        if self.mode == "container":  # Z is the payload's parent: it relays the payload's wait status
            record["status_w"], record["pidfd"] = st_w, os.dup(pidfd)
            self.watch[record["pidfd"]] = box_id
            self.poller.register(record["pidfd"], select.POLLIN)
        else:
            os.close(st_w)
        self.boxes[box_id] = record
        memory_cg = groups.pop("memory", -1)
        sent = [out_r, err_r, cmd_w, rep_r, st_r, in_w, pidfd] + ([memory_cg] if memory_cg >= 0 else [])
        try:
            self.send({"box": box_id, "pid": pid, "memory_cg": memory_cg >= 0}, sent)
        finally:
            for fd in sent:
                os.close(fd)

    def _box_init(
        self, box_id: int, out_w: int, err_w: int, cmd_r: int, rep_w: int, st_w: int, in_r: int, groups: dict
    ) -> None:
        """Runs in the child: become the box's init ``S`` (local/weak) or its payload (container)."""
        import resource

        cfg = self.config
        try:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the box dies with Z
            if self.mode != "local" and os.getppid() != self.pid:  # (in a new PID namespace it reads 0)
                os._exit(112)  # Z died before PDEATHSIG was armed
            if self.mode != "container":  # (the container payload makes its own session)
                os.setsid()
            for fd in groups.values():  # the box's own cgroups: its children are born in them
                _write_at(fd, "cgroup.procs", "0")
                os.close(fd)
            if self.mode == "local":
                unshare(CLONE_NEWNS | CLONE_NEWIPC)
                size = int(cfg.get("scratch_mb", 64))
                owner = f",uid={self.uid},gid={self.gid}" if self.uid is not None else ""
                mount(
                    "tmpfs",
                    "/scratch",
                    "tmpfs",
                    MS_NOSUID | MS_NODEV,
                    f"size={size}m,nr_inodes={int(cfg.get('scratch_inodes', 4096))},mode=0700{owner}",
                )
                mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
                home = "/scratch"
            elif self.mode == "weak":
                home = os.path.join(self.scratch_root, f"box{box_id}")
                os.mkdir(home, 0o700)
                if self.uid is not None:
                    os.chown(home, self.uid, self.gid)
                prctl(PR_SET_CHILD_SUBREAPER, 1)
            else:
                home = "/scratch"
            if groups:
                with open("/proc/self/oom_score_adj", "w") as fh:  # Z is exempt; the box is not
                    fh.write("0")
            max_proc = int(cfg.get("max_processes", 64))
            limits = [
                (resource.RLIMIT_CORE, 0),
                (resource.RLIMIT_NOFILE, int(cfg.get("max_open_files", 256))),
                (resource.RLIMIT_FSIZE, int(cfg.get("scratch_mb", 64)) << 20),
                (resource.RLIMIT_MSGQUEUE, 1 << 16),
            ]
            if self.mode == "container" or groups:
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
            env = {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "HOME": home,
                "TMPDIR": home,
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "PYTHONHASHSEED": "0",
                "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1",
                "MPLBACKEND": "Agg",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            if self.mode == "container":
                os.close(st_w)  # Z relays this payload's wait status
                _payload_start(in_r, out_w, err_w, cmd_r, rep_w, env, self.protect)
            try:
                prctl(PR_SET_DUMPABLE, 0)  # the payload (same uid) cannot ptrace or read the init
            except OSError:
                pass
            child = os.fork()
            if child == 0:
                _payload_start(in_r, out_w, err_w, cmd_r, rep_w, env, self.protect)
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
                write_all(rep_w, encode_frame({"ready": False, "error": f"{type(exc).__name__}: {exc}"}))
            except OSError:
                pass
            os._exit(111)

    def _relay(self, pidfd: int) -> None:
        """Container mode: a payload ended; reap it and pass its wait status to W over the status pipe."""
        box_id = self.watch.pop(pidfd, None)
        self.poller.unregister(pidfd)
        os.close(pidfd)
        record = self.boxes.get(box_id)
        if record is None:
            return
        record["pidfd"] = -1
        try:
            _, status = os.waitpid(record["pid"], 0)
        except ChildProcessError:
            status = None
        if status is not None:
            try:
                write_all(record["status_w"], encode_frame({"exit_status": status}))
            except OSError:
                pass
        os.close(record["status_w"])
        record["status_w"] = -1

    def destroy(self, box_id: int) -> str | None:
        """Kill every process of box ``box_id``, reap, release what it held; a problem, or ``None``."""
        record = self.boxes.pop(box_id, None)
        if record is None:
            return None
        problem = None
        if self.mode == "container":
            if record["pidfd"] >= 0:
                self.watch.pop(record["pidfd"], None)
                self.poller.unregister(record["pidfd"])
                os.close(record["pidfd"])
            if record["status_w"] >= 0:
                os.close(record["status_w"])
            problem = self._container_cleanup()
        else:
            if self.mode == "weak":
                # S is a child subreaper: its tree is killed while S still holds every orphan
                _kill_tree(record["pid"], record["pids_cg"])
            try:
                os.kill(record["pid"], signal.SIGKILL)  # local: PID 1 of the box, so all of it dies
            except ProcessLookupError:
                pass
            while True:
                try:
                    os.waitpid(record["pid"], 0)
                    break
                except InterruptedError:
                    continue
                except ChildProcessError:
                    break
            if self.mode == "weak" and not remove_tree(os.path.join(self.scratch_root, f"box{box_id}")):
                problem = f"could not remove the scratch directory of box {box_id}"
        if record["pids_cg"] >= 0:
            os.close(record["pids_cg"])
        self._remove_cgroups(box_id)
        return problem

    def _container_cleanup(self) -> str | None:
        """Container mode: kill every process but W (PID 1) and Z, reap, wipe writable mounts and SysV IPC."""
        for _ in range(20):
            try:
                os.kill(-1, signal.SIGKILL)  # everything this uid may signal, except PID 1 and Z itself
            except ProcessLookupError:
                pass
            while True:
                try:
                    os.waitpid(-1, 0)  # Z is a child subreaper: every orphan of a box comes here
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
            if not _other_processes(keep=(1, self.pid)):
                break
        else:
            return "processes survived SIGKILL"
        problem = None
        for d in self.config.get("wipe_dirs", ["/scratch", "/tmp", "/dev/shm", "/dev/mqueue"]):
            if not remove_tree(d, keep_top=True):
                problem = f"could not wipe {d}"
        _remove_sysv_ipc()
        return problem

    def _make_cgroups(self, box_id: int, memory_mb: int) -> dict:
        """Memory and pids cgroups of this box alone: the cap is ``memory_mb``, nothing earlier counts."""
        if not self.cgroup:
            return {}
        name = f"box-{box_id}"
        made = {}
        try:
            for ctl, parent in self.cgroup.items():
                os.mkdir(name, dir_fd=parent)
                made[ctl] = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=parent)
            limit = str(int(memory_mb) << 20)
            _write_at(made["memory"], "memory.limit_in_bytes", limit)
            try:  # memory + swap (where swap is accounted): the same cap, so swapping out does not help
                _write_at(made["memory"], "memory.memsw.limit_in_bytes", limit)
            except OSError:
                pass
            # S and P count too
            _write_at(made["pids"], "pids.max", str(int(self.config.get("max_processes", 64)) + 2))
        except OSError:
            for fd in made.values():
                os.close(fd)
            self._remove_cgroups(box_id)
            raise
        return made

    def _remove_cgroups(self, box_id: int) -> None:
        name = f"box-{box_id}"
        for parent in self.cgroup.values():
            deadline = time.monotonic() + 2.0
            while True:
                try:
                    os.rmdir(name, dir_fd=parent)
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy for a moment while the last processes are torn down
                    if time.monotonic() > deadline:
                        break  # left for the controller's sweep (LocalWorker.kill)
                    time.sleep(0.005)

    def shutdown(self) -> None:
        for box_id in list(self.boxes):
            try:
                self.destroy(box_id)
            except Exception:  # noqa: BLE001 - shutting down; keep destroying the others
                pass


# --------------------------------------------------------------------------------------------- worker
class Box:
    """Worker-side handle of one box prepared by Z: its pipe ends and what is known about it.

    :param box_id: Z's number for the box.
    :param pid: the box's init ``S`` (local/weak) or payload ``P`` (container), in W's PID namespace.
    :param fds: stdout, stderr, command, report, status, stdin pipe ends, the pidfd, and the box's
        memory cgroup directory (when there is one).
    """

    def __init__(self, box_id: int, pid: int, fds: list, memory_cg: bool) -> None:
        self.id = box_id
        self.pid = pid
        self.out_r, self.err_r, self.cmd_w, self.report_r, self.status_r, self.stdin_w, self.pidfd = fds[:7]
        self.memory_cg = fds[7] if memory_cg and len(fds) > 7 else -1
        for fd in (self.out_r, self.err_r, self.report_r, self.status_r):
            os.set_blocking(fd, False)
        self.report_fb = FrameBuffer(max_payload=1 << 16)
        self.status_fb = FrameBuffer(max_payload=1 << 16)
        self.report_bytes = 0
        self.report_broken = False
        self.report_done = False  # at end of file, or past REPORT_CAP (no longer read)
        self.status_done = False
        self.taken = False  # handed to a request (counted in Worker.in_use)
        self.ready: dict | None = None
        self.session = False
        self.exit_status = None  # the payload's wait status: from S or Z, never from the payload
        self.claim: dict | None = None  # the payload's own last "done" report (script mode)
        self.base_vm = 0
        self.oom_before = 0
        self.killed = False
        self.destroy_sent = False
        self.closed = False

    def fds(self) -> list:
        return [
            fd
            for fd in (
                self.out_r,
                self.err_r,
                self.cmd_w,
                self.report_r,
                self.status_r,
                self.stdin_w,
                self.pidfd,
                self.memory_cg,
            )
            if fd >= 0
        ]


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
                del self.tail[: len(self.tail) - self.tail_cap]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def render(self) -> bytes:
        if not self.truncated:
            return bytes(self.head + self.tail)
        skipped = self.total - len(self.head) - len(self.tail)
        return bytes(self.head) + f"\n...[{skipped} bytes truncated]...\n".encode() + bytes(self.tail)


#: bytes of a payload's report pipe the worker reads per box (a snippet could flood it)
REPORT_CAP = 1 << 20
#: seconds to wait for a payload's wait status after it ended on its own: the relay (Z in container mode)
#: writes it once scheduled, which on a loaded machine can be long after the payload's pidfd fired
STATUS_GRACE_S = 5.0


class WorkerSetup:
    """W's state, and its one-time set-up: namespaces or container features, cgroups, the read-only root,
    module preloading and the fork of Z (the first layer of :class:`Worker`)."""

    def __init__(self, mode: str, ctl_in: int, ctl_out: int) -> None:
        self.requested_mode = mode
        self.ctl_in, self.ctl_out = ctl_in, ctl_out
        self.ctl_fb = FrameBuffer()
        self.config: dict = {}
        self.features: dict = {}
        self.mode = mode
        self.pid = os.getpid()
        self.box: Box | None = None  # the box of the open session
        self.ready_boxes: list = []  # prepared by Z, not yet used (oldest first)
        self.requested = 0  # prepare messages Z has not answered yet
        self.in_use = 0  # boxes taken and not yet destroyed
        self.next_box = 0
        self.box_errors: list = []
        self.synced = False
        self.pidns_fd = -1
        self.cgroup_dirs: dict = {}
        self.cgroup: dict = {}  # controller name -> dir fd of the worker's cgroup (parent of box groups)
        self.uid = self.gid = None
        self.boxes_served = 0
        self.own_processes = 0
        self.t_wait = 0.0  # cumulative seconds requests waited for a box (for benchmarks)
        self.scratch_root = None
        self.poisoned = None
        self.z_pid = 0
        self.z_sock = None

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
            self.features = {
                "network": "none (container)",
                "pid": "container",
                "fs": "read-only root",
                "capabilities": "none",
                "memory": "container limit",
                "uid": str(os.getuid()),
            }
        else:
            self._setup_local(config)
        try:
            prctl(PR_SET_DUMPABLE, 0)  # snippets of the same uid cannot ptrace or read W (and Z)
            self.features["dumpable"] = "no"
        except OSError:
            pass
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
        if self.cgroup:
            try:  # never the OOM killer's choice (boxes live in cgroups of their own)
                with open("/proc/self/oom_score_adj", "w") as fh:
                    fh.write("-1000")
            except OSError:
                pass
        self._start_zygote()

    def _start_zygote(self) -> None:
        """Fork Z now, while this process has seen no request (see the module docstring)."""
        import socket

        w_end, z_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:
                w_end.close()
                for fd in (self.ctl_in, self.ctl_out):
                    os.close(fd)  # Z never talks to the controller
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                if os.getppid() != self.pid:
                    os._exit(112)
                os.setsid()  # its own process group: out of reach of signals to W's group
                if self.mode == "container":
                    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of boxes come to Z, not to W
                Zygote(self, z_end).serve()
            except BaseException:  # noqa: BLE001 - W sees Z's end as a poisoned worker; say why on stderr
                import traceback

                traceback.print_exc()
            finally:
                os._exit(1)
        z_end.close()
        w_end.setblocking(False)  # recv_fds ignores its flags argument on some Pythons: no MSG_DONTWAIT
        self.z_pid, self.z_sock = pid, w_end
        self.features["template"] = "zygote forked before any request"

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
        self.pid = os.getpid()

    def _setup_cgroups(self, config: dict) -> None:
        """Create the worker's cgroup (memory and pids, v1): each box gets a group of its own inside it."""
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
        self.features["cgroup"] = "memory+pids of its own per box"

    def _remove_cgroups(self) -> None:
        for _, pfd, tfd, name in self.cgroup_dirs.values():
            os.close(tfd)
            try:
                os.rmdir(name, dir_fd=pfd)
            except OSError:
                pass  # a box group Z could not remove yet: the controller's sweep removes both
            os.close(pfd)
        self.cgroup_dirs = {}
        self.cgroup = {}

    def _build_root(self, config: dict) -> None:
        """Pivot into a tmpfs root holding read-only binds of system and Python directories only."""
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        sources = [p for p in config.get("binds", []) if os.path.lexists(p)]
        for d in ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"):
            if os.path.lexists(d):
                sources.append(d)
        real = sorted({os.path.realpath(s) if not os.path.islink(s) else s for s in sources})
        mountpoint = next(
            c
            for c in ("/mnt", "/media", "/srv", "/opt", "/run", "/var", "/home", "/tmp")
            if os.path.isdir(c)
            and not os.path.islink(c)
            and not any((s + "/").startswith(c + "/") for s in real)
        )
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
        for link, target in (
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
            ("shm", "/scratch"),
        ):
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


class BoxSupply(WorkerSetup):
    """Boxes from Z: asking Z to prepare them ahead, taking, releasing and killing them, their cgroup
    limits, and stopping Z with everything it made (the second layer of :class:`Worker`)."""

    @property
    def _boxes_ahead(self) -> int:
        """Boxes kept prepared: two in flight where boxes are independent; one container box at a time."""
        return 1 if self.mode == "container" else 2

    def _z_send(self, message: dict) -> None:
        try:
            self.z_sock.send(json.dumps(message).encode())
        except OSError:
            self.poisoned = self.poisoned or "the box template process (zygote) is gone"

    def _z_receive(self, timeout: float) -> bool:
        """Handle Z's messages that arrive within ``timeout`` seconds; False once Z is gone."""
        import socket

        if self.z_sock is None:
            return False
        if not select.select([self.z_sock], [], [], max(0.0, timeout))[0]:
            return True
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.z_sock, 1 << 16, 16)
            except BlockingIOError:
                return True
            except OSError:
                data, fds = b"", []
            if not data:
                for fd in fds:
                    os.close(fd)
                self.poisoned = self.poisoned or f"the box template process (zygote) died{self._z_death()}"
                return False
            msg = json.loads(data)
            if "box" in msg:
                self.requested -= 1
                if msg.get("error"):
                    self.box_errors.append(str(msg["error"]))
                else:
                    box = Box(int(msg["box"]), int(msg["pid"]), fds, bool(msg.get("memory_cg")))
                    self.ready_boxes.append(box)
            elif fds:  # not expected with other messages
                for fd in fds:
                    os.close(fd)
            if msg.get("poisoned"):
                self.poisoned = self.poisoned or str(msg["poisoned"])
            if msg.get("synced"):
                self.synced = True

    def _z_death(self) -> str:
        """How Z ended, for the poison message (reaps it)."""
        for _ in range(100):
            try:
                pid, status = os.waitpid(self.z_pid, os.WNOHANG)
            except ChildProcessError:
                return ""
            if pid:
                self.z_pid = 0
                if os.WIFSIGNALED(status):
                    return f" (killed by signal {os.WTERMSIG(status)})"
                return f" (exit code {os.WEXITSTATUS(status)})"
            time.sleep(0.01)
        return ""

    def _refill(self) -> None:
        """Ask Z for boxes until enough are ready or on their way (never on the caller's critical path)."""
        if self.poisoned:
            return
        if self.mode == "container":  # the next container box may only start once the last one is gone
            want = 1 - self.in_use - len(self.ready_boxes) - self.requested
        else:
            want = self._boxes_ahead - len(self.ready_boxes) - self.requested
        for _ in range(max(0, want)):
            self.next_box += 1
            self.requested += 1
            memory_mb = self.config.get("memory_mb", 512)  # the default cap; a request sets its own
            self._z_send({"op": "prepare", "id": self.next_box, "memory_mb": memory_mb})

    def _sync(self, timeout: float = 60.0) -> None:
        """Wait until Z handled everything sent so far (destroyed boxes are gone, prepared ones arrived)."""
        self.synced = False
        self._z_send({"op": "sync"})
        deadline = time.monotonic() + timeout
        while not self.synced and time.monotonic() < deadline:
            if not self._z_receive(deadline - time.monotonic()):
                return

    def _take_box(self) -> Box:
        """A prepared box whose payload reported ready; raises RuntimeError when none can be had."""
        t0 = time.monotonic()
        try:
            while True:
                deadline = time.monotonic() + 60.0
                self._refill()
                while not self.ready_boxes and not self.box_errors:
                    if self.poisoned:
                        raise RuntimeError(self.poisoned)
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise RuntimeError("no sandbox box became ready within 60 s")
                    self._z_receive(left)
                if self.box_errors:
                    raise RuntimeError(f"sandbox box failed to start: {self.box_errors.pop(0)}")
                box = self.ready_boxes.pop(0)
                box.taken = True
                self.in_use += 1
                self._refill()  # a replacement is prepared while this box runs
                try:
                    self._await_ready(box)
                except RuntimeError:
                    self._release(box)
                    raise
                return box
        finally:
            self.t_wait += time.monotonic() - t0

    def _await_ready(self, box: Box, timeout: float = 30.0) -> None:
        """Read the payload's ready report (written before any untrusted code ran in the box)."""
        if box.ready is not None:
            return
        deadline = time.monotonic() + timeout
        frame = None
        while frame is None:
            try:
                frame = box.report_fb.next_frame()
            except ProtocolError:
                break
            if frame is not None:
                break
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([box.report_r], [], [], left)[0]:
                break
            chunk = _read_some(box.report_r)
            if not chunk:
                break
            box.report_fb.feed(chunk)
        if not frame or not frame[0].get("ready"):
            err = (frame[0].get("error") if frame else None) or "box did not start"
            err += " " + (_read_some(box.err_r) or b"").decode("utf-8", "replace")[-500:]
            raise RuntimeError(f"sandbox box failed to start: {err.strip()}")
        box.ready = frame[0]
        box.base_vm = int(frame[0].get("base_vm", 0))
        self.features["seccomp"] = "deny-list" if frame[0].get("seccomp") else "unavailable"

    def _kill_box(self, box: Box) -> None:
        """Stop the box now; Z reaps it and removes what it held when the destroy message arrives."""
        if box.killed:
            return
        box.killed = True
        if self.mode == "weak":
            self._send_destroy(box)  # S's whole tree must die while S still holds its orphans: Z does it
            return
        try:  # local: S, PID 1 of the box's namespace, so all of it dies; container: the payload
            signal.pidfd_send_signal(box.pidfd, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass

    def _send_destroy(self, box: Box) -> None:
        if not box.destroy_sent:
            box.destroy_sent = True
            self._z_send({"op": "destroy", "id": box.id})

    def _release(self, box: Box) -> None:
        """Done with ``box``: Z destroys it, W closes its ends, and a replacement is prepared."""
        self._send_destroy(box)
        if not box.closed:
            box.closed = True
            if box.taken:
                self.in_use -= 1
            for fd in box.fds():
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.box is box:
            self.box = None
        self._refill()

    # ---- cgroup of a box
    def _oom_kills(self, box: Box) -> int:
        for line in _read_at(box.memory_cg, "memory.oom_control").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def _set_memory_limit(self, box: Box, memory_mb: int) -> None:
        """The box's cgroup cap, exactly ``memory_mb`` (the group holds this box and nothing else)."""
        new = int(memory_mb) << 20
        try:
            cur = int(_read_at(box.memory_cg, "memory.limit_in_bytes") or 0)
        except ValueError:
            cur = 0
        if new == cur:
            return
        order = ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]  # raising: memory + swap first
        if new < cur:
            order.reverse()
        for name in order:
            try:
                _write_at(box.memory_cg, name, str(new))
            except OSError:
                pass

    def shutdown(self) -> None:
        if self.box is not None:
            self._release(self.box)
        for box in self.ready_boxes:
            box.closed = True
            for fd in box.fds():
                os.close(fd)
        self.ready_boxes = []
        if self.z_pid:
            self._z_send({"op": "exit"})  # Z destroys every box it made, then exits
            deadline = time.monotonic() + 10.0
            while True:
                try:
                    pid, _ = os.waitpid(self.z_pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid or time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            try:
                os.kill(self.z_pid, signal.SIGKILL)  # its boxes die with it (PR_SET_PDEATHSIG)
                os.waitpid(self.z_pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.z_pid = 0
        self._remove_cgroups()
        if self.scratch_root:
            remove_tree(self.scratch_root)


class BoxRunner(BoxSupply):
    """Running one request in a box: code and stdin in, output, report and wait status out (the third
    layer of :class:`Worker`)."""

    def _read_report(self, box: Box) -> dict | None:
        """Read the payload's report pipe; return the newest complete frame (``None`` if none)."""
        newest = None
        while not box.report_done:
            chunk = _read_some(box.report_r)
            if chunk is None:
                break
            if chunk == b"" or box.report_bytes + len(chunk) > REPORT_CAP:
                box.report_done = True  # a flood is not read: it only blocks the flooder
                break
            box.report_bytes += len(chunk)
            if not box.report_broken:
                box.report_fb.feed(chunk)
        while not box.report_broken:
            try:
                frame = box.report_fb.next_frame()
            except ProtocolError:
                box.report_broken = True
                box.report_fb = FrameBuffer()
                break
            if frame is None:
                break
            newest = frame[0]
        return newest

    def run_in_box(self, box: Box, hdr: dict, code, stdin) -> dict:
        """Send one code frame to the box and collect output until done, death or deadline."""
        timeout = float(hdr.get("timeout_s", 5.0))
        cap = int(self.config.get("max_output_bytes", 65536))
        hard_cap = int(self.config.get("max_output_total", 16 << 20))
        out, err = OutputCapture(cap), OutputCapture(cap)
        if box.memory_cg >= 0 and not box.session and hdr.get("memory_mb"):
            self._set_memory_limit(box, int(hdr["memory_mb"]))
        if box.memory_cg >= 0:
            box.oom_before = self._oom_kills(box)
        script = not box.session
        nonce = None if script else os.urandom(8).hex()
        req = {
            "mode": "script" if script else "cell",
            "memory_mb": hdr.get("memory_mb"),
            "cpu_s": hdr.get("cpu_s", timeout + 1),
            "nonce": nonce,
        }
        start = time.monotonic()
        deadline = start + timeout
        try:
            write_all(box.cmd_w, encode_frame(req, [code]))
        except OSError:
            pass
        stdin_view = memoryview(bytes(stdin)) if stdin else None
        if box.stdin_w >= 0 and not stdin_view and script:
            os.close(box.stdin_w)
            box.stdin_w = -1
        elif box.stdin_w >= 0 and stdin_view:
            os.set_blocking(box.stdin_w, False)
        done = None  # a session cell's report
        violated = False
        timed_out = False
        output_exceeded = False
        poller = select.poll()
        watch = {box.out_r: out, box.err_r: err}
        for fd in (*watch, box.report_r, box.status_r, box.pidfd, self.ctl_in):
            poller.register(fd, select.POLLIN)
        if stdin_view is not None and box.stdin_w >= 0:
            poller.register(box.stdin_w, select.POLLOUT)
        finished = ended = False
        while not finished:
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            for fd, ev in poller.poll(max(1, int((deadline - now) * 1000) + 1)):
                if fd in watch:
                    chunk = _read_some(fd)
                    if chunk:
                        watch[fd].add(chunk)
                    elif chunk == b"":
                        poller.unregister(fd)
                elif fd == box.report_r:
                    report = self._read_report(box)
                    if script:
                        if report is not None and report.get("done"):
                            box.claim = report  # the snippet's word: used only to name its error
                    elif report is not None:
                        if report.get("done") and report.get("nonce") == nonce:
                            done = report
                        else:  # a frame this cell's process was not asked for
                            violated = True
                    if box.report_done:
                        poller.unregister(fd)
                    if (box.report_broken or box.report_done) and not script and done is None:
                        violated = True  # a session cell broke, closed or flooded its report pipe
                elif fd == box.status_r:
                    self._read_status(box)
                    if box.exit_status is not None:
                        finished = True
                    elif box.status_done:
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
                    finished = ended = True  # the box's init (or payload) is gone
                elif fd == self.ctl_in and (ev & (select.POLLHUP | select.POLLERR) or not self._peek_ctl()):
                    self._release(box)  # the controller is gone: stop everything and remove what we made
                    self.shutdown()
                    os._exit(0)
            if done is not None or violated:
                finished = True
            if out.total + err.total > hard_cap:
                output_exceeded = True
                break
        duration = time.monotonic() - start
        dead = script or done is None or timed_out or output_exceeded or violated
        if dead:
            # P ended on its own: its status is on the way (Z relays it once scheduled), so wait for it
            on_its_own = ended and box.exit_status is None and not (timed_out or output_exceeded or violated)
            self._finish_dead_box(box, watch, STATUS_GRACE_S if on_its_own else 0.05)
        else:
            for fd, cap_ in watch.items():  # everything the cell wrote before its report
                while True:
                    chunk = _read_some(fd)
                    if not chunk:
                        break
                    cap_.add(chunk)
        exit_code, error = None, None
        oom = box.memory_cg >= 0 and self._oom_kills(box) > box.oom_before
        if done is not None and not timed_out:  # a session cell: only its own process can say
            exit_code = done.get("exit_code")
            exit_code = exit_code if isinstance(exit_code, int) else 1
            error = done.get("error")
            error = str(error)[:2000] if error is not None else None
        elif violated and not timed_out:
            exit_code = 1
            error = "the cell wrote to the session's report channel; the session was reset"
        elif not timed_out:
            raw = box.exit_status
            if raw is not None:
                if os.WIFSIGNALED(raw):
                    sig = os.WTERMSIG(raw)
                    exit_code = -sig
                    error = f"killed by signal {sig} ({_signame(sig)})"
                else:
                    exit_code = os.WEXITSTATUS(raw)
                    claim = box.claim or {}
                    if exit_code == 0:
                        error = None
                    elif claim.get("exit_code") == exit_code and isinstance(claim.get("error"), str):
                        error = claim["error"][:2000]
                    else:
                        error = f"exited with code {exit_code}"
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
        result = {
            "exit_code": exit_code,
            "timed_out": timed_out,
            "error": error,
            "duration_s": duration,
            "truncated": out.truncated or err.truncated,
            "box_alive": not dead,
            "oom": oom,
        }
        result["_out"], result["_err"] = out, err
        return result

    def _read_status(self, box: Box) -> None:
        """The payload's wait status, relayed by S (or Z in container mode) over a pipe P never held."""
        while not box.status_done:
            chunk = _read_some(box.status_r)
            if chunk is None:
                break
            if chunk == b"":
                box.status_done = True
                break
            box.status_fb.feed(chunk)
        try:
            while True:
                frame = box.status_fb.next_frame()
                if frame is None:
                    break
                if "exit_status" in frame[0] and box.exit_status is None:
                    box.exit_status = int(frame[0]["exit_status"])
        except (ProtocolError, TypeError, ValueError):
            pass

    def _finish_dead_box(self, box: Box, watch: dict, status_wait_s: float) -> None:
        """SIGKILL the box now and collect what it wrote; Z reaps it after the reply.

        :param status_wait_s: how long to wait for the payload's relayed wait status (the relay closing its
            pipe ends the wait early).
        """
        self._kill_box(box)
        # what the snippet wrote before it ended is in the pipes; dying processes may add a little more
        end = time.monotonic() + 0.05
        for fd, cap_ in watch.items():
            while time.monotonic() < end:
                chunk = _read_some(fd)
                if not chunk:
                    if chunk is None and select.select([fd], [], [], max(0.0, end - time.monotonic()))[0]:
                        continue
                    break
                cap_.add(chunk)
        deadline = time.monotonic() + status_wait_s  # the status S (or Z) relayed, if P ended on its own
        while box.exit_status is None and not box.status_done and time.monotonic() < deadline:
            if not select.select([box.status_r], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            self._read_status(box)
        report = self._read_report(box)
        if not box.session and report is not None and report.get("done"):
            box.claim = report

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


class Worker(BoxRunner):
    """The fork server's main loop: requests from the controller over ``ctl_in``, boxes from Z."""

    def reply(self, header: dict, parts=()) -> None:
        write_all(self.ctl_out, encode_frame(header, list(parts)))

    def handle(self, hdr: dict, parts: list) -> bool:
        op = hdr.get("op")
        if op == "exit":
            return False
        if op == "ping":
            self._sync()
            for box in list(self.ready_boxes):  # so that the box processes counted below all exist
                try:
                    self._await_ready(box)
                except RuntimeError:
                    self.ready_boxes.remove(box)
                    self._release(box)
            per_box = 1 if self.mode == "container" else 2  # P, or S and P
            self.reply(
                {
                    "ok": True,
                    "boxes": self.boxes_served,
                    "fds": _count_fds(),
                    "max_rss_kb": _rss(),
                    "wait_s": round(self.t_wait, 4),
                    "ready_boxes": len(self.ready_boxes),
                    "idle_processes": 1 + per_box * len(self.ready_boxes),
                    "zygote_pid": self.z_pid,
                    "poisoned": self.poisoned,
                }
            )
            return True
        if op in ("run", "open"):
            if self.box is not None:  # a session left open: it is over
                self._release(self.box)
            try:
                box = self._take_box()
            except RuntimeError as exc:
                self.reply({"ok": False, "error": str(exc), "fatal": True})
                return True
            if op == "open":
                box.session = True
                self.box = box
                if box.stdin_w >= 0:  # session cells read an empty stdin
                    os.close(box.stdin_w)
                    box.stdin_w = -1
                if box.memory_cg >= 0 and hdr.get("memory_mb"):
                    self._set_memory_limit(box, int(hdr["memory_mb"]))
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
            if self.box is not None:
                self._release(self.box)
            self.reply({"ok": True, "poisoned": self.poisoned})
            return True
        self.reply({"ok": False, "error": f"unknown op {op!r}"})
        return True

    def _run_and_reply(self, box: Box, hdr: dict, parts: list) -> bool:
        code = parts[0] if parts else b""
        stdin = parts[1] if len(parts) > 1 else None
        result = self.run_in_box(box, hdr, code, stdin)
        out, err = result.pop("_out"), result.pop("_err")
        self.boxes_served += 0 if box.session else 1
        # Z's messages so far (a failed clean-up) decide whether this worker may serve the next request
        self._z_receive(0.0)
        result["poisoned"] = self.poisoned
        result["ok"] = True
        self.reply(result, [out.render(), err.render()])
        if not result["box_alive"]:  # reaping and cleaning up happen in Z, off the caller's path
            self._release(box)
        return True

    def serve(self) -> None:
        try:  # the first box: its payload reports the seccomp filter, and a broken set-up shows up now
            box = self._take_box()
            box.taken = False
            self.in_use -= 1
            self.ready_boxes.insert(0, box)
        except RuntimeError as exc:
            self.poisoned = f"cannot prepare a box: {exc}"
        self.reply(
            {
                "ready": True,
                "isolation": self.isolation,
                "mode": self.mode,
                "features": self.features,
                "cgroups": [v[0] for v in self.cgroup_dirs.values()],
                "pid": self.pid,
                "poisoned": self.poisoned,
                "scratch_root": self.scratch_root,
            }
        )
        os.set_blocking(self.ctl_in, False)
        while True:
            frame = self.ctl_fb.next_frame()
            if frame is None:
                ready = select.select([self.ctl_in, self.z_sock], [], [])[0]
                if self.z_sock in ready:
                    self._z_receive(0.0)
                if self.mode == "container":
                    _reap_orphans(self.z_pid)  # W is PID 1: orphans land here if Z is gone
                if self.ctl_in not in ready:
                    continue
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


def _write_at(dir_fd: int, name: str, value: str) -> None:
    fd = os.open(name, os.O_WRONLY, dir_fd=dir_fd)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _read_at(dir_fd: int, name: str) -> str:
    try:
        fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
    except OSError:
        return ""
    try:
        return os.read(fd, 65536).decode()
    except OSError:
        return ""
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


def _other_processes(keep: tuple = ()) -> list:
    try:
        return [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in keep]
    except OSError:
        return []


def _reap_orphans(keep: int) -> None:
    """Reap exited children other than ``keep`` without blocking (W as PID 1 of a container)."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children") as fh:
            kids = [int(x) for x in fh.read().split() if int(x) != keep]
    except OSError:
        return
    for kid in kids:
        try:
            os.waitpid(kid, os.WNOHANG)
        except ChildProcessError:
            pass


def remove_tree(path: str, keep_top: bool = False) -> bool:
    """Delete ``path`` (or, with ``keep_top``, everything inside it); True when nothing is left.

    A snippet can nest directories far deeper than Python's recursion limit and ``PATH_MAX``, make
    them unreadable or plant symlinks: the walk is iterative, holds one directory descriptor at a time
    (climbing back with ``..``), never follows a symlink, and gives itself permission where it may.
    It runs only once every process that could change the tree is dead.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    names: list = []  # directory names from ``path`` down to the current directory
    stuck: list = [set()]  # per level: entries that could not be removed (not retried)
    ok = True
    try:
        while True:
            try:
                os.fchmod(fd, 0o700)  # listing and unlinking need rwx on the directory itself
            except OSError:
                pass
            child = -1
            try:
                entries = [e for e in os.scandir(fd) if e.name not in stuck[-1]]
            except OSError:
                entries, ok = [], False
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        try:
                            child = os.open(entry.name, flags, dir_fd=fd)
                        except PermissionError:
                            os.chmod(entry.name, 0o700, dir_fd=fd)  # a directory, never a symlink here
                            child = os.open(entry.name, flags, dir_fd=fd)
                        names.append(entry.name)
                        break
                    os.unlink(entry.name, dir_fd=fd)
                except OSError:
                    stuck[-1].add(entry.name)
                    ok = False
            if child >= 0:
                os.close(fd)
                fd = child
                stuck.append(set())
                continue
            if not names:
                break
            parent = os.open("..", flags, dir_fd=fd)  # climb back up
            os.close(fd)
            fd = parent
            stuck.pop()
            name = names.pop()
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:
                stuck[-1].add(name)
                ok = False
    finally:
        os.close(fd)
    if not keep_top:
        try:
            os.rmdir(path)
        except OSError:
            ok = False
    return ok


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


def _kill_tree(root: int, pids_cg: int = -1) -> None:
    """Weak mode: SIGKILL every process of a box below its init ``root`` (a child subreaper, so
    orphans stay below it), and whatever is left in its pids cgroup."""
    for _ in range(100):
        pending = []
        stack = [root]
        while stack:
            for kid in _children_of(stack.pop()):
                pending.append(kid)
                stack.append(kid)
        if pids_cg >= 0:
            pending += [int(p) for p in _read_at(pids_cg, "cgroup.procs").split() if int(p) != root]
        alive = [pid for pid in pending if _state(pid) not in ("Z", "")]
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.001)


def _state(pid: int) -> str:
    """A process's state letter (``Z`` for a zombie, ``""`` when gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return ""


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
