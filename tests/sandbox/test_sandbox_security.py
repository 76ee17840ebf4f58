"""Hostile snippets every sandbox backend must survive (each test runs on ``local`` and ``docker``).

Each test checks two things: the attack did not reach outside the snippet, and the sandbox still runs
the next snippet normally. ``conftest.nothing_left_behind`` checks, after all of them, that no process,
cgroup, container, file or shared-memory segment was left on the host.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from conftest import SANDBOX_GROUP, SECRET_ENV, SECRET_VALUE, leftover_processes

pytestmark = SANDBOX_GROUP
T = 1.5  # seconds: the timeout given to snippets that are meant to run forever


def still_works(sandbox) -> None:
    result = sandbox.run("print(6 * 7)", timeout_s=10)
    assert result.ok, result
    assert result.stdout == "42\n"


# ---------------------------------------------------------------------------------------- time
@pytest.mark.parametrize(
    "code",
    [
        "while True: pass",
        "import time\ntime.sleep(60)",
        # catches everything it can: BaseException, and every catchable signal is ignored
        (
            "import signal, time\n"
            "for s in range(1, signal.NSIG):\n"
            "    try: signal.signal(s, signal.SIG_IGN)\n"
            "    except (OSError, ValueError, RuntimeError): pass\n"
            "while True:\n"
            "    try:\n"
            "        time.sleep(100)\n"
            "    except BaseException:\n"
            "        pass\n"
        ),
    ],
    ids=["busy-loop", "sleep", "catch-baseexception-ignore-signals"],
)
def test_timeout_is_enforced(sandbox, code: str) -> None:
    result = sandbox.run(code, timeout_s=T)
    assert result.timed_out
    assert result.exit_code is None
    assert result.error.startswith("Timeout Error")
    still_works(sandbox)


def test_timeout_kills_every_process_of_the_snippet(sandbox) -> None:
    code = (
        "import os, subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)\n"
        "if os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\n"
        "time.sleep(600)\n"
    )
    result = sandbox.run(code, timeout_s=T)
    assert result.timed_out
    still_works(sandbox)
    assert leftover_processes(sandbox) == 0


# -------------------------------------------------------------------------------------- memory
def test_memory_bomb_in_one_process(sandbox) -> None:
    result = sandbox.run("x = bytearray(8 * 1024 ** 3)\nprint('allocated')", memory_mb=128, timeout_s=10)
    assert not result.ok
    assert "allocated" not in result.stdout
    assert "MemoryError" in result.error or "memory" in result.error.lower()
    still_works(sandbox)


def test_growing_memory_is_stopped(sandbox) -> None:
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 ** 2))\n"
    result = sandbox.run(code, memory_mb=128, timeout_s=20)
    assert not result.ok and not result.timed_out
    assert "MemoryError" in result.error or "memory" in result.error.lower()
    still_works(sandbox)


def children_holding_memory(mb: int) -> str:
    """A snippet that forks 8 children which each try to hold ``mb`` MB at once, then prints ``held N``: how
    many of them reported their block (their pid on a pipe) and are still alive after 2 s."""
    return (
        "import os, time\n"
        "r, w = os.pipe()\n"
        "for _ in range(8):\n"
        "    if os.fork() == 0:\n"
        "        try:\n"
        f"            block = bytearray({mb} * 1024 ** 2)\n"
        "            for i in range(0, len(block), 4096): block[i] = 1\n"
        "            os.write(w, b'%d ' % os.getpid())\n"
        "            time.sleep(4)\n"
        "        finally:\n"
        "            os._exit(0)\n"
        "os.close(w)\n"
        "time.sleep(2)\n"
        "os.set_blocking(r, False)\n"
        "try:\n"
        "    ready = [int(p) for p in os.read(r, 4096).split()]\n"
        "except BlockingIOError:\n"
        "    ready = []\n"
        "print('held', sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in ready))\n"
    )


def test_memory_of_children_is_capped_together(sandbox) -> None:
    # 8 children each try to hold 96 MB at the same time: only a cap on the aggregate stops this. After
    # 2 s, a child holds its block if it reported it (its pid on the pipe) and is still alive (failed or
    # OOM-killed ones are gone).
    code = children_holding_memory(96)
    result = sandbox.run(code, memory_mb=256, timeout_s=20)
    if result.stdout.startswith("held"):
        held = int(result.stdout.split()[1])
        # 256 MB for the snippet plus the worker's share (Docker: the container's overhead allowance of
        # 272 MB): never all 8 blocks (768 MB)
        assert held * 96 <= 256 + 272, result.stdout
    else:
        assert "memory" in (result.error or "").lower() or result.exit_code != 0
    still_works(sandbox)


def test_fork_bomb(sandbox) -> None:
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = sandbox.run(code, timeout_s=T)
    assert not result.ok
    still_works(sandbox)
    assert leftover_processes(sandbox) == 0


def test_rlimits_cannot_be_raised(sandbox) -> None:
    code = (
        "import resource\n"
        "for name in ('RLIMIT_AS', 'RLIMIT_CPU', 'RLIMIT_NPROC', 'RLIMIT_NOFILE', 'RLIMIT_FSIZE'):\n"
        "    which = getattr(resource, name)\n"
        "    soft, hard = resource.getrlimit(which)\n"
        "    try:\n"
        "        resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n"
        "        print('raised', name)\n"
        "    except (ValueError, OSError):\n"
        "        print('kept', name, hard != resource.RLIM_INFINITY)\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert result.ok, result
    assert "raised" not in result.stdout
    assert result.stdout.count("kept") == 5


# -------------------------------------------------------------------------------- file system
def test_cannot_read_host_secrets(sandbox, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("HOST-SECRET-" + SECRET_VALUE)
    paths = [
        "/etc/shadow",
        str(secret),
        os.path.expanduser("~/.bashrc"),
        "/root/.bashrc",
        str(Path(__file__).resolve()),
        "/proc/1/environ",
        "/proc/1/root/etc/shadow",
    ]
    code = (
        "import os\n"
        f"for p in {paths!r}:\n"
        "    try:\n"
        "        print(open(p).read()[:200])\n"
        "    except Exception as exc:\n"
        "        print('denied', type(exc).__name__)\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert "HOST-SECRET" not in result.stdout
    assert "root:" not in result.stdout  # /etc/shadow's first line
    assert "def test_cannot_read_host_secrets" not in result.stdout
    assert result.stdout.count("denied") == len(paths)


def test_environment_has_no_secrets(sandbox) -> None:
    code = (
        "import os\n"
        "print(dict(os.environ))\n"
        "for p in ('/proc/self/environ', '/proc/1/environ'):\n"
        "    try:\n"
        "        print(open(p, 'rb').read())\n"
        "    except OSError as exc:\n"
        "        print('denied', exc)\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert result.ok
    assert SECRET_VALUE not in result.stdout and SECRET_ENV not in result.stdout


def test_cannot_write_outside_scratch(sandbox, tmp_path: Path) -> None:
    token = "WRITTEN-" + os.urandom(6).hex()
    targets = [
        "/x",
        "/etc/x",
        "/usr/lib/x",
        "/bin/x",
        str(tmp_path / "x"),
        "/var/tmp/x",
        "/root/x",
        os.path.join(os.path.dirname(os.__file__), "x"),
    ]
    code = (
        "import os\n"
        f"for p in {targets!r}:\n"
        "    try:\n"
        f"        open(p, 'w').write({token!r})\n"
        "        print('wrote', p)\n"
        "    except OSError as exc:\n"
        "        print('denied', p)\n"
        f"open('inside.txt', 'w').write({token!r})\n"
        "print('scratch ok')\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert "scratch ok" in result.stdout
    for target in targets:
        if os.path.exists(target):
            assert token not in Path(target).read_text(errors="replace")
    assert not (tmp_path / "x").exists()
    still_works(sandbox)


def test_symlinks_do_not_escape(sandbox, tmp_path: Path) -> None:
    secret = tmp_path / "linked-secret.txt"
    secret.write_text("LINK-SECRET-" + SECRET_VALUE)
    code = (
        "import os\n"
        f"for i, target in enumerate([{str(secret)!r}, '/proc/1/root/etc/shadow', '../../../../etc/shadow',\n"
        "                              '/proc/self/root/../../etc/shadow']):\n"
        "    name = f'link{i}'\n"
        "    os.symlink(target, name)\n"
        "    try:\n"
        "        print(open(name).read()[:100])\n"
        "    except OSError as exc:\n"
        "        print('denied', type(exc).__name__)\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert "LINK-SECRET" not in result.stdout
    assert "root:" not in result.stdout


def test_filling_the_disk_is_contained(sandbox) -> None:
    code = (
        "import os\n"
        "n = 0\n"
        "try:\n"
        "    with open('fill.bin', 'wb') as fh:\n"
        "        while True:\n"
        "            fh.write(b'\\0' * (1 << 20))\n"
        "            n += 1\n"
        "except OSError as exc:\n"
        "    print('stopped after', n, 'MB:', type(exc).__name__)\n"
        "try:\n"
        "    for i in range(100000):\n"
        "        open(f'f{i}', 'w').close()\n"
        "except OSError as exc:\n"
        "    print('inodes stopped at', i)\n"
    )
    result = sandbox.run(code, timeout_s=20)
    assert "stopped after" in result.stdout or result.error is not None, result
    nxt = sandbox.run("import os\nprint(sorted(os.listdir('.')))", timeout_s=10)
    assert nxt.stdout == "[]\n"  # the next snippet gets an empty scratch directory
    still_works(sandbox)


def test_poisoning_does_not_reach_the_next_snippet(sandbox) -> None:
    code = (
        "import builtins, sys, os, tempfile\n"
        "builtins.print = lambda *a, **k: None\n"
        "builtins.int = str\n"
        "sys.modules['json'] = None\n"
        "for d in ('.', tempfile.gettempdir()):\n"
        "    for name in ('sitecustomize.py', 'usercustomize.py', 'json.py', 'math.py'):\n"
        "        try:\n"
        "            open(os.path.join(d, name), 'w').write('raise SystemExit(99)')\n"
        "        except OSError:\n"
        "            pass\n"
    )
    sandbox.run(code, timeout_s=10)
    result = sandbox.run("import json, math\nprint(json.dumps([int('3'), math.floor(2.5)]))", timeout_s=10)
    assert result.ok, result
    assert result.stdout == "[3, 2]\n"


# ------------------------------------------------------------------------------------ network
@pytest.fixture()
def host_server():
    """A TCP server on the host's loopback, counting the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    hits: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(1)
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


def test_no_network(sandbox, host_server) -> None:
    port, hits = host_server
    code = (
        "import socket\n"
        f"for host, port in [('127.0.0.1', {port}), ('8.8.8.8', 53), ('1.1.1.1', 443), ('172.17.0.1', 2375),\n"
        "                   ('deb.debian.org', 80)]:\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=1).close()\n"
        "        print('connected', host)\n"
        "    except OSError as exc:\n"
        "        print('blocked', host)\n"
        "try:\n"
        "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "    s.sendto(b'x', ('8.8.8.8', 53))\n"
        "    print('udp sent')\n"
        "except OSError:\n"
        "    print('udp blocked')\n"
    )
    result = sandbox.run(code, timeout_s=15)
    assert "connected" not in result.stdout, result.stdout
    assert hits == []
    assert "udp blocked" in result.stdout


def test_no_docker_socket(sandbox) -> None:
    code = (
        "import os, socket\n"
        "for p in ('/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock'):\n"
        "    s = socket.socket(socket.AF_UNIX)\n"
        "    try:\n"
        "        s.connect(p)\n"
        "        print('connected', p)\n"
        "    except OSError:\n"
        "        print('absent', p)\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert "connected" not in result.stdout
    assert result.stdout.count("absent") == 3


# ---------------------------------------------------------------------------------- processes
def test_orphans_and_double_forks_are_killed(sandbox) -> None:
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
        "if os.fork() == 0:\n"
        "    time.sleep(600)\n"
        "print('parent done')\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert result.ok and result.stdout == "parent done\n"
    still_works(sandbox)
    assert leftover_processes(sandbox) == 0


def test_threads_do_not_outlive_the_snippet(sandbox) -> None:
    code = (
        "import threading, time\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        "    print('LATE')\n"
        "    open('late.txt', 'w').write('late')\n"
        "threading.Thread(target=late).start()\n"
        "print('main done')\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert result.ok and "main done" in result.stdout
    import time

    time.sleep(0.8)
    nxt = sandbox.run("import os\nprint(os.listdir('.'))", timeout_s=10)
    assert "LATE" not in nxt.stdout and nxt.stdout == "[]\n"


@pytest.mark.parametrize(
    "code",
    [
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        "import os, signal\nos.kill(1, signal.SIGKILL)\nos.kill(1, signal.SIGTERM)\nos.kill(1, signal.SIGINT)",
        "import os, signal\nos.kill(-1, signal.SIGKILL)",
        "import os\nos.killpg(0, 9)",
    ],
    ids=["parent", "pid1", "everything", "own-group"],
)
def test_killing_the_parent_or_pid1(sandbox, code: str) -> None:
    sandbox.run(code, timeout_s=10)
    still_works(sandbox)


def test_segfault_then_next_snippet_works(sandbox) -> None:
    result = sandbox.run("import ctypes\nctypes.string_at(0)", timeout_s=10)
    assert result.exit_code == -11
    assert "SIGSEGV" in result.error
    still_works(sandbox)


def test_privileges_cannot_be_gained(sandbox) -> None:
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print('uid', os.getuid(), os.geteuid())\n"
        "for name, call in [('setuid', lambda: os.setuid(0)),\n"
        "                   ('unshare-user', lambda: libc.unshare(0x10000000) or 'ok'),\n"
        "                   ('unshare-net', lambda: libc.unshare(0x40000000) or 'ok'),\n"
        "                   ('mount', lambda: libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) or 'ok'),\n"
        "                   ('ptrace-pid1', lambda: libc.ptrace(16, 1, 0, 0) or 'ok')]:\n"
        "    try:\n"
        "        r = call()\n"
        "        print(name, 'ok' if r == 'ok' else 'denied')\n"
        "    except OSError:\n"
        "        print(name, 'denied')\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert result.ok, result
    assert "uid 0 0" not in result.stdout
    for name in ("setuid", "unshare-net", "mount", "ptrace-pid1"):
        assert f"{name} denied" in result.stdout, result.stdout
    still_works(sandbox)


def test_descriptors_and_status_channel(sandbox) -> None:
    # the snippet sees only its own descriptors; scribbling on the status pipe only hurts itself
    listing = sandbox.run(
        "import os\nprint(sorted(int(f) for f in os.listdir('/proc/self/fd')))", timeout_s=10
    )
    assert listing.ok
    assert max(eval(listing.stdout)) <= 5  # 0-2, the box's command and status pipes, the listing itself
    forged = sandbox.run(
        "import os\nos.write(4, b'MGSB' + b'\\xff' * 64)\nos.close(3)\nos.close(4)\n", timeout_s=10
    )
    assert not forged.ok or forged.error is None
    still_works(sandbox)


def test_sysv_shared_memory_does_not_persist(sandbox) -> None:
    code = (
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.shmat.restype = ctypes.c_void_p\n"
        "shmid = libc.shmget(0, 32 * 1024 * 1024, 0o1600)\n"
        "addr = libc.shmat(shmid, None, 0)\n"
        "ctypes.memset(addr, 1, 32 * 1024 * 1024)\n"
        "print('shm', shmid >= 0)\n"
    )
    result = sandbox.run(code, timeout_s=10)
    assert "shm True" in result.stdout, result
    nxt = sandbox.run("print(open('/proc/sysvipc/shm').read().splitlines()[1:])", timeout_s=10)
    assert nxt.stdout == "[]\n"


# ---------------------------------------------------------------------------------------- output
def test_huge_stdout_is_capped(sandbox) -> None:
    result = sandbox.run(
        "import sys\nfor _ in range(5000): sys.stdout.write('x' * 1000)\nprint('END')", timeout_s=20
    )
    assert result.truncated
    assert len(result.stdout) < 100_000
    assert result.stdout.rstrip().endswith("END")  # the tail is kept
    endless = sandbox.run("import sys\nwhile True: sys.stderr.write('y' * 65536)", timeout_s=10)
    assert endless.truncated and not endless.ok
    still_works(sandbox)


def test_undecodable_output(sandbox) -> None:
    result = sandbox.run("import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')", timeout_s=10)
    assert result.ok and result.stdout.startswith("ok ") and result.stdout.endswith(" end\n")


# -------------------------------------------------------------------------------------- sessions
def test_sessions_are_isolated_from_each_other(sandbox) -> None:
    with sandbox.session(timeout_s=10) as one, sandbox.session(timeout_s=10) as two:
        assert one.run("secret = 'one'\nopen('mine.txt', 'w').write('one')").ok
        probe = two.run("import os\nprint('secret' in globals(), os.listdir('.'))")
        assert probe.stdout == "False []\n"
        assert one.run("print(secret, open('mine.txt').read())").stdout == "one one\n"


def test_session_survives_hostile_cells(sandbox) -> None:
    with sandbox.session(timeout_s=T) as session:
        assert session.run("x = 41").ok
        bomb = session.run("import os\nwhile True:\n    try: os.fork()\n    except OSError: pass")
        assert not bomb.ok and "session state was lost" in bomb.error
        assert session.run("x").error == "NameError: name 'x' is not defined"
        assert session.run("x = 1\nx + 1").stdout == "2\n"
    still_works(sandbox)
    assert leftover_processes(sandbox) == 0


# --------------------------------------------------------------------------- worker protocol integrity
#: a snippet that writes a well-formed "done, exit 0, no error" frame (the worker's framing) to every
#: descriptor it has, then fails in its own way
FORGE = (
    "import json, os, struct\n"
    "def frame(header):\n"
    "    head = json.dumps({**header, '_p': []}).encode()\n"
    "    return b'MGSB' + struct.pack('>II', len(head), 0) + head\n"
    "forged = frame({'done': True, 'exit_code': 0, 'error': None}) + frame({'exit_status': 0})\n"
    "for fd in range(3, 64):\n"
    "    try:\n"
    "        os.write(fd, forged)\n"
    "    except OSError:\n"
    "        pass\n"
)


@pytest.mark.parametrize(
    "ending, exit_code, error",
    [
        ("1 / 0", 1, "ZeroDivisionError: division by zero"),
        ("import os\nos._exit(7)", 7, "exited with code 7"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", -9, "killed by signal 9 (SIGKILL)"),
    ],
    ids=["raise", "exit-7", "sigkill"],
)
def test_forged_status_frames_are_not_trusted(sandbox, ending: str, exit_code: int, error: str) -> None:
    result = sandbox.run(FORGE + ending, timeout_s=10)
    assert not result.ok
    assert (result.exit_code, result.error) == (exit_code, error), result
    still_works(sandbox)


def test_forged_frames_in_a_session_do_not_answer_for_other_cells(sandbox) -> None:
    with sandbox.session(timeout_s=10) as session:
        forged = session.run(FORGE + "1 / 0")
        assert not forged.ok, forged
        after = session.run("print('mine')")
        assert after.ok and after.stdout == "mine\n", after


def test_later_snippets_cannot_find_earlier_snippets_data(sandbox) -> None:
    """Snippet 1's source, stdin and output hold a marker; snippet 2 scans its whole address space for it.

    The marker is ``HEAD + TAIL``; snippet 2 holds the two halves as separate constants and looks for
    ``HEAD`` immediately followed by ``TAIL``, so its own code never contains the marker.
    """
    head, tail = "MGLEAK-" + os.urandom(4).hex(), os.urandom(4).hex()
    marker = head + tail
    first = sandbox.run(f"secret = {marker!r}\nprint(secret, input())\n", stdin=marker + "\n", timeout_s=10)
    assert first.ok and first.stdout == f"{marker} {marker}\n"
    scan = (
        "import re\n"
        f"HEAD = {head.encode()!r}\n"
        f"TAIL = {tail.encode()!r}\n"
        "found = 0\n"
        "with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb', buffering=0) as mem:\n"
        "    for line in maps:\n"
        "        fields = line.split()\n"
        "        if 'r' not in fields[1] or (len(fields) > 5 and fields[5] in ('[vvar]', '[vsyscall]')):\n"
        "            continue\n"
        "        start, end = (int(x, 16) for x in fields[0].split('-'))\n"
        "        try:\n"
        "            mem.seek(start)\n"
        "            chunk = mem.read(end - start)\n"
        "        except (OSError, OverflowError, ValueError):\n"
        "            continue\n"
        "        at = chunk.find(HEAD)\n"
        "        while at >= 0:\n"
        "            if chunk[at + len(HEAD):at + len(HEAD) + len(TAIL)] == TAIL:\n"
        "                found += 1\n"
        "            at = chunk.find(HEAD, at + 1)\n"
        "        del chunk\n"
        "print('found', found)\n"
    )
    for _ in range(3):  # whichever worker and box serves it
        result = sandbox.run(scan, timeout_s=60, memory_mb=1024)
        assert result.ok, result
        assert result.stdout == "found 0\n"


DEEP_TREE = (
    "import os\n"
    "fd = os.open('.', os.O_RDONLY)\n"
    "for _ in range(3000):\n"
    "    os.mkdir('d', dir_fd=fd)\n"
    "    nxt = os.open('d', os.O_RDONLY, dir_fd=fd)\n"
    "    os.close(fd)\n"
    "    fd = nxt\n"
    "os.mkdir('locked')\n"
    "open('locked/f', 'w').close()\n"
    "os.chmod('locked', 0)\n"
    "print('deep')\n"
)


def test_deep_directory_trees_are_cleaned_without_crashing_the_worker(sandbox) -> None:
    assert sandbox.run(DEEP_TREE, timeout_s=30).stdout == "deep\n"
    workers = {row.get("worker_pid") or row.get("container") for row in sandbox.stats()}
    after = sandbox.run("import os\nprint(os.listdir('.'))", timeout_s=10)
    assert after.ok and after.stdout == "[]\n", after  # a clean scratch dir
    assert not after.error
    assert {row.get("worker_pid") or row.get("container") for row in sandbox.stats()} == workers
    still_works(sandbox)


def test_deep_directory_trees_in_weak_mode() -> None:
    from mathgym.sandbox import LocalSandbox

    with LocalSandbox(isolation="weak", preload=(), max_workers=1) as weak:
        assert weak.run(DEEP_TREE, timeout_s=30).stdout == "deep\n"
        pid = weak.stats()[0]["worker_pid"]
        after = weak.run("import os\nprint(os.listdir('.'))", timeout_s=10)
        assert after.ok and after.stdout == "[]\n", after
        assert weak.stats()[0]["worker_pid"] == pid  # the worker survived the cleanup


def _memory_cgroup(proc_self_cgroup: str) -> str:
    """The host path of the memory cgroup named in a box's ``/proc/self/cgroup``."""
    for row in proc_self_cgroup.splitlines():
        _, controllers, path = row.split(":", 2)
        if "memory" in controllers.split(","):
            return "/sys/fs/cgroup/memory" + path
    raise AssertionError(f"no memory cgroup in {proc_self_cgroup!r}")


def test_each_box_gets_a_fresh_cgroup_of_its_own(local_sandbox) -> None:
    if ":full" not in local_sandbox.isolation:
        pytest.skip("per-box cgroups need root")
    groups = []
    for _ in range(3):
        result = local_sandbox.run("print(open('/proc/self/cgroup').read())", timeout_s=10)
        assert result.ok, result
        groups.append(_memory_cgroup(result.stdout))
    assert len(set(groups)) == 3  # nothing charged by one box stays in the next one's group
    local_sandbox.stats()  # answers once the worker removed its finished boxes
    assert not any(os.path.exists(group) for group in groups)


def test_page_cache_of_earlier_snippets_does_not_raise_the_cap() -> None:
    """Earlier snippets charge page cache; then children of one snippet hold 48 MB blocks under a
    128 MB cap: never more than the cap's worth may be held at once."""
    import sys

    from mathgym.sandbox import LocalSandbox

    files, total = [], 0  # the largest files the box can read, evicted from the page cache first
    for root, _, names in os.walk(sys.prefix):
        for name in names:
            path = os.path.join(root, name)
            try:
                if os.path.isfile(path) and not os.path.islink(path):
                    files.append((os.path.getsize(path), path))
            except OSError:
                pass
    chosen = []
    for size, path in sorted(files, reverse=True):
        if total > (400 << 20):
            break
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        chosen.append(path)
        total += size
    hog = (
        "import sys\n"
        f"for path in {chosen!r}:\n"
        "    with open(path, 'rb') as fh:\n"
        "        while fh.read(1 << 20):\n"
        "            pass\n"
    )
    hold = children_holding_memory(48)
    with LocalSandbox(preload=(), max_workers=1, memory_mb=128, lean_workers=False) as box:
        if ":full" not in box.isolation:
            pytest.skip("per-box cgroups need root")
        for _ in range(2):
            assert box.run(hog, timeout_s=120, memory_mb=128).ok
        result = box.run(hold, timeout_s=30, memory_mb=128)
        assert result.stdout.startswith("held"), result
        assert int(result.stdout.split()[1]) * 48 <= 128, result


def test_junk_and_floods_on_the_report_pipe(sandbox) -> None:
    """A snippet that writes junk to its report pipe only loses its own error line; a flood blocks only
    itself; a session cell that does either resets its session."""
    junk = sandbox.run("import os\nos.write(4, b'MGSB' + b'\\xff' * 5000)\n1 / 0", timeout_s=10)
    assert (junk.exit_code, junk.error) == (1, "exited with code 1"), junk
    flood = sandbox.run("import os\nwhile True: os.write(4, b'x' * 65536)", timeout_s=T)
    assert flood.timed_out and not flood.ok
    with sandbox.session(timeout_s=T) as session:
        session.run("x = 1")
        broken = session.run("import os\nos.write(4, b'not a frame at all')\nprint('sent')")
        assert not broken.ok and "session" in broken.error, broken
        assert session.run("print('fresh')").stdout == "fresh\n"
    still_works(sandbox)
