"""The ``run``/``session`` contract, the same on both backends; thread and fork safety; lean routing."""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import SANDBOX_GROUP, leftover_processes

from mathgym.sandbox import ExecResult, LocalSandbox, SandboxError, make_sandbox
from mathgym.sandbox.base import imports_only_stdlib

pytestmark = SANDBOX_GROUP


def test_output_exit_code_and_isolation(sandbox) -> None:
    result = sandbox.run("import sys\nprint('out')\nprint('err', file=sys.stderr)", timeout_s=10)
    assert isinstance(result, ExecResult)
    assert (result.stdout, result.stderr, result.exit_code, result.timed_out, result.error) == (
        "out\n",
        "err\n",
        0,
        False,
        None,
    )
    assert result.ok and not result.truncated and result.duration_s > 0
    level = result.isolation.split(" ")[0]
    assert level in ("local:full", "container:full"), result.isolation  # this machine gives full isolation


def test_errors_and_exit_codes(sandbox) -> None:
    failed = sandbox.run("x = 1\n1 / 0", timeout_s=10)
    assert failed.exit_code == 1 and failed.error == "ZeroDivisionError: division by zero"
    assert failed.stderr.startswith("Traceback") and "line 2" in failed.stderr
    assert sandbox.run("import sys\nsys.exit(3)", timeout_s=10).exit_code == 3
    assert sandbox.run("raise SystemExit", timeout_s=10).ok
    syntax = sandbox.run("def f(:\n  pass", timeout_s=10)
    assert syntax.exit_code == 1 and syntax.error.startswith("SyntaxError")
    killed = sandbox.run("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)", timeout_s=10)
    assert killed.exit_code == -15 and "SIGTERM" in killed.error


def test_stdin_unicode_and_scientific_modules(sandbox) -> None:
    echo = sandbox.run("import sys\nprint(sys.stdin.read()[::-1])", stdin="αβγ 123", timeout_s=10)
    assert echo.stdout == "321 γβα\n"
    assert sandbox.run("print(input())", timeout_s=10).error == "EOFError: EOF when reading a line"
    sym = sandbox.run(
        "import sympy as sp\nx = sp.Symbol('x')\nprint(sp.solve(x**2 - 4, x))\n"
        "import numpy as np\nprint(int(np.arange(10).sum()))",
        timeout_s=30,
    )
    assert sym.stdout == "[-2, 2]\n45\n", sym


def test_same_code_same_output(sandbox) -> None:
    code = "print(list({'a', 'b', 'c', 'd', 'e'}))\nimport random\nrandom.seed(3)\nprint(random.random())"
    assert sandbox.run(code, timeout_s=10).stdout == sandbox.run(code, timeout_s=10).stdout


def test_session_keeps_state_and_displays_last_expression(sandbox) -> None:
    with sandbox.session(timeout_s=10) as session:
        assert session.run("import sympy as sp\nx = sp.Symbol('x')").stdout == ""
        assert session.run("f = x**2 + 2*x + 1\nsp.factor(f)").stdout == "(x + 1)**2\n"
        assert session.run("y = 5\ny * 2").stdout == "10\n"
        assert session.run("None").stdout == ""
        failed = session.run("undefined_name")
        assert failed.error == "NameError: name 'undefined_name' is not defined"
        assert session.run("y").stdout == "5\n"  # an exception keeps the namespace
        session.reset()
        assert session.run("'y' in globals()").stdout == "False\n"


def test_session_restarts_after_timeout(sandbox) -> None:
    with sandbox.session(timeout_s=1) as session:
        session.run("z = 1")
        slow = session.run("while True: pass")
        assert slow.timed_out and "session state was lost" in slow.error
        assert session.restarts == 1
        assert session.run("z = 2\nz").stdout == "2\n"


def test_concurrent_calls_from_threads(sandbox) -> None:
    codes = [f"print({i} * {i})" for i in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: sandbox.run(c, timeout_s=30), codes))
    assert [r.stdout for r in results] == [f"{i * i}\n" for i in range(12)]


def test_sessions_from_threads(sandbox) -> None:
    def episode(i: int) -> str:
        with sandbox.session(timeout_s=30) as session:
            session.run(f"acc = {i}")
            for _ in range(3):
                session.run("acc += 1")
            return session.run("acc").stdout

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(episode, range(4))) == [f"{i + 3}\n" for i in range(4)]


def test_copies_share_workers_and_pickles_rebuild(sandbox) -> None:
    import copy

    assert copy.deepcopy(sandbox) is sandbox and copy.copy(sandbox) is sandbox
    clone = pickle.loads(pickle.dumps(sandbox))  # what a spawned vector-env worker receives
    try:
        assert clone is not sandbox and type(clone) is type(sandbox)
        assert clone.memory_mb == sandbox.memory_mb and clone.run("print(5)").stdout == "5\n"
    finally:
        clone.close()


def test_imports_only_stdlib() -> None:
    assert imports_only_stdlib("print(1)")
    assert imports_only_stdlib("import math, itertools\nfrom fractions import Fraction")
    assert not imports_only_stdlib("import numpy as np")
    assert not imports_only_stdlib("def f():\n    from sympy import Symbol")
    assert imports_only_stdlib("this is not python")


def test_lean_and_full_workers_give_the_same_results(local_sandbox) -> None:
    """The same code on a lean worker (it imports only the standard library, dynamically here) and on a
    full one (the added ``import numpy`` routes it there) gives the same output; both kinds served."""
    code = "m = __import__('fractions')\nprint(m.Fraction(1, 3) + m.Fraction(1, 6))"
    lean = local_sandbox.run(code)
    full = local_sandbox.run("import numpy\n" + code)
    assert lean.stdout == full.stdout == "1/2\n"
    assert {row["kind"] for row in local_sandbox.stats()} == {"lean", "full"}


def test_boxes_are_prepared_ahead_of_the_calls(sandbox) -> None:
    """A call never waits for its box to be built: local workers keep two ready (containers, one at a
    time, one), prepared by the box template while the worker serves the call before."""
    for _ in range(5):
        assert sandbox.run("print(1)", timeout_s=10).ok
    rows = sandbox.stats()
    ahead = 1 if sandbox.backend == "docker" else 2
    assert rows and all(row["ready_boxes"] == ahead for row in rows), rows
    assert all(row["zygote_pid"] > 0 for row in rows)


def test_forked_child_gets_its_own_workers(local_sandbox) -> None:
    local_sandbox.run("pass")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child must not talk to (or kill) the parent's workers
        try:
            out = local_sandbox.run("print('child')", timeout_s=30).stdout
            local_sandbox.close()
            os.write(write, out.encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 100) == b"child\n"
    os.close(read)
    assert local_sandbox.run("print('parent')").stdout == "parent\n"
    assert leftover_processes(local_sandbox) == 0


def test_closed_sandbox_refuses_work() -> None:
    sandbox = make_sandbox("local", max_workers=1, preload=())
    assert sandbox.run("print(1)").stdout == "1\n"
    sandbox.close()
    sandbox.close()  # idempotent
    with pytest.raises(SandboxError, match="closed"):
        sandbox.run("print(1)")
    with pytest.raises(ValueError, match="unknown sandbox backend"):
        make_sandbox("nope")


def test_weak_isolation_is_reported() -> None:
    with LocalSandbox(isolation="weak", preload=(), max_workers=1) as weak:
        result = weak.run("import os\nprint(os.getuid())", timeout_s=10)
        assert result.isolation.startswith("weak:weak") and "NOT isolated" in result.isolation
        assert result.stdout == "65534\n"
        orphan = weak.run(
            "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\n", timeout_s=10
        )
        assert orphan.ok
        assert leftover_processes(weak) == 0


def test_a_crashed_worker_is_replaced(sandbox) -> None:
    """The worker (process or container) dies under a running snippet: an error result, then a new worker."""
    import threading
    import time

    code = "import time\ntime.sleep(5)\nprint('finished')"
    sandbox.run(code, timeout_s=0.1)  # make sure the worker kind that runs this snippet is started
    victims = sandbox.stats()  # the idle workers: one of them serves the next snippet

    def kill_workers() -> None:
        time.sleep(1.0)
        for row in victims:
            if "worker_pid" in row:
                os.kill(row["worker_pid"], 9)
            else:
                import docker

                client = docker.from_env()
                try:
                    client.api.kill(row["container"])
                except docker.errors.APIError:
                    pass
                finally:
                    client.close()

    killer = threading.Thread(target=kill_workers)
    killer.start()
    result = sandbox.run(code, timeout_s=20)
    killer.join()
    assert not result.ok and "crashed" in result.error and "finished" not in result.stdout
    assert sandbox.run("print('again')", timeout_s=30).stdout == "again\n"
    assert leftover_processes(sandbox) == 0
