"""Containment of prover processes: hostile agent input changes nothing outside, limits hold."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import gymnasium as gym
import pytest

from mathgym.provers.containment import ContainedProcess, ProcessLimits, detect_isolation, scrubbed_env
from mathgym.testing import require


def run_python(
    code: str,
    *,
    limits: ProcessLimits = ProcessLimits(),
    isolation: str = "auto",
    env_extra: dict | None = None,
) -> tuple[str, int | None, str]:
    process = ContainedProcess(
        [sys.executable, "-c", code], limits=limits, isolation=isolation, env_extra=env_extra
    )
    process.start()
    try:
        output, code_ = process.read_to_end(timeout=60)
        return output.decode(), code_, process.stderr_tail()
    finally:
        process.kill()


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A directory outside the prover's scratch dir, with a file that must stay untouched."""
    (tmp_path / "keep.txt").write_text("original")
    return tmp_path


def _unchanged(outside: Path) -> bool:
    return (
        sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
        and (outside / "keep.txt").read_text() == "original"
    )


def test_hostile_commands_through_the_env_change_nothing_outside(outside: Path) -> None:
    require("coq")
    env = gym.make("mathgym/Coq-Basic-v0")
    cwd = os.getcwd()
    try:
        env.reset(options={"problem_id": "coq/basic/arith_add_comm"})
        hostile = [
            f'Redirect "{outside}/leak" Print nat.',
            f'Load "{outside}/keep.txt".',
            f'Cd "{outside}".',
            f'intros. Redirect "{outside}/leak2" Print nat.',
            'Extraction "/tmp/x.ml" nat.',
            'Declare ML Module "unix".',
            "Set Printing All.",
            f'idtac. (* *) Cd "{outside}".',
        ]
        for action in hostile:
            _, _, terminated, _, info = env.step(action)
            assert info["status"] == "forbidden", action
            assert not terminated
        verdict = env.unwrapped.backend.verify(
            env.unwrapped.problem, f'Redirect "{outside}/leak3" Print nat.'
        )
        assert not verdict.correct and verdict.reason.startswith("forbidden")
        # the prover is still healthy after all of it
        _, _, terminated, _, info = env.step("intros n m. lia.")
        assert terminated and info["verdict"]["correct"]
    finally:
        env.close()
    assert _unchanged(outside) and os.getcwd() == cwd


def test_even_unscreened_commands_cannot_write_outside_the_scratch_dir(outside: Path) -> None:
    """Defence in depth: send file-writing vernacular straight to coqidetop, bypassing the screen."""
    require("coq")
    require("bwrap")
    from mathgym.provers.coq_xml import CoqFailure, CoqIdeTop

    coq = CoqIdeTop(isolation="bwrap")
    state = coq.start()
    outcomes = []
    try:
        for command in (
            f'Redirect "{outside}/leak" Print nat.',
            f'Cd "{outside}".',
            'Redirect "leak" Print nat.',
        ):
            try:
                state, _, _ = coq.run(command, state, timeout=30)
                outcomes.append("ran")
            except CoqFailure as exc:  # the host's /tmp is not even visible inside
                outcomes.append(exc.message)
    finally:
        coq.close()
    assert "No such file or directory" in outcomes[0]
    assert outcomes[2] == "ran"  # writing inside the (since removed) scratch dir is allowed
    assert _unchanged(outside)


def test_memory_limit_stops_a_hungry_process() -> None:
    code = "x = bytearray(800 * 1024 * 1024); print('allocated')"
    output, code_, _ = run_python(code, limits=ProcessLimits(memory_mb=300))
    assert "allocated" not in output and code_ != 0


def test_file_size_limit_stops_a_big_write() -> None:
    code = "open('big.bin', 'wb').write(b'x' * (4 * 1024 * 1024)); print('written')"
    output, code_, _ = run_python(code, limits=ProcessLimits(file_size_mb=1))
    assert "written" not in output and code_ != 0


def test_cpu_limit_stops_a_spinning_process() -> None:
    output, code_, _ = run_python("while True: pass", limits=ProcessLimits(cpu_s=1))
    assert code_ != 0


def test_no_network_and_a_scrubbed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    if detect_isolation() == "rlimits":
        pytest.fail(
            "neither bubblewrap nor `unshare --net` works here: prover processes would have network access"
        )
    monkeypatch.setenv("MATHGYM_TEST_SECRET", "hunter2")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        code = (
            "import os, socket\n"
            "print('secret' if 'MATHGYM_TEST_SECRET' in os.environ else 'clean')\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')\n"
            "except OSError as e:\n    print('refused')\n"
            "print(os.getcwd() == os.environ['HOME'])\n"
        )
        output, code_, err = run_python(code)
    finally:
        server.close()
    assert output.split() == ["clean", "refused", "True"], err


def test_writes_outside_scratch_do_not_reach_the_host(outside: Path) -> None:
    require("bwrap")
    code = (
        "import os\n"
        "for path in ['/tmp/mathgym_leak_test', 'here.txt']:\n"
        "    try:\n        open(path, 'w').write('x'); print('wrote', path)\n"
        "    except OSError:\n        print('blocked', path)\n"
        f"try:\n    open({str(outside / 'leak')!r}, 'w').write('x'); print('wrote outside')\n"
        "except OSError:\n    print('blocked outside')\n"
    )
    output, _, err = run_python(code, isolation="bwrap")
    assert "blocked outside" in output and "wrote here.txt" in output, err
    assert not Path("/tmp/mathgym_leak_test").exists()  # the prover's /tmp is private
    assert _unchanged(outside)


def test_scrubbed_env_keeps_only_what_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELAN_HOME", "/opt/elan")
    env = scrubbed_env("/scratch", keep=("ELAN_HOME",), extra={"X": "1"})
    assert env["HOME"] == "/scratch" and env["ELAN_HOME"] == "/opt/elan" and env["X"] == "1"
    assert "MATHGYM_TEST_SECRET" not in env


# ------------------------------------------------------------------------------- checkouts under /tmp
def test_a_virtualenv_and_a_script_under_tmp_stay_visible(tmp_path: Path) -> None:
    """bwrap's private /tmp must not hide what the prover runs from (a virtualenv, a script, a project
    under /tmp), and must keep hiding everything else there."""
    require("bwrap")
    import subprocess

    assert str(tmp_path).startswith("/tmp/")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (tmp_path / "secret.txt").write_text("hidden")
    script = tmp_path / "show.py"
    secret = str(tmp_path / "secret.txt")
    script.write_text(f"import os, sys\nprint(sys.prefix, os.path.exists({secret!r}))\n")
    process = ContainedProcess([str(venv / "bin" / "python"), str(script)], isolation="bwrap")
    process.start()
    try:
        output, code = process.read_to_end(timeout=60)
        err = process.stderr_tail()
    finally:
        process.kill()
    assert code == 0, err
    assert output.decode().split() == [str(venv), "False"]


def test_a_prover_that_cannot_start_in_bwrap_says_why() -> None:
    require("bwrap")
    from mathgym.provers.containment import ProcessCrashed

    process = ContainedProcess(["/tmp/mathgym-no-such-dir/bin/prover"], isolation="bwrap")
    process.start()
    try:
        with pytest.raises(ProcessCrashed, match="could not start inside bubblewrap.*execvp"):
            process.read_until(lambda buffer: None, timeout=30)
    finally:
        process.kill()


@pytest.mark.slow
def test_the_prover_checks_pass_from_a_copy_under_tmp(tmp_path: Path) -> None:
    """The suite's prover checks (fake Lean REPL, Coq containment) from a copy of the project under
    /tmp, run by an interpreter whose path lies under /tmp too (a symlinked virtualenv)."""
    require("bwrap")
    require("coq")
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[2]
    copy = tmp_path / "mathgym-copy"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in ("mathgym", "envs", "agents", "reward_design"):
        shutil.copytree(root / name, copy / name, ignore=ignore)
    shutil.copytree(root / "tests" / "provers", copy / "tests" / "provers", ignore=ignore)
    for name in ("tests/conftest.py", "pyproject.toml"):
        shutil.copy(root / name, copy / name)
    (copy / ".venv").symlink_to(sys.prefix)
    # the shared test data stays where it is (tests/conftest.py exports its folder as MATHGYM_DATA_DIR)
    data = os.environ.get("MATHGYM_TEST_DATA") or os.environ.get("MATHGYM_DATA_DIR", "")
    env = dict(os.environ, MATHGYM_TEST_DATA=data, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_XDIST_WORKER", None)
    run = subprocess.run(
        [
            str(copy / ".venv" / "bin" / "python"),
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--basetemp={tmp_path / 'inner'}",
            "tests/provers/test_lean_repl.py",
            "tests/provers/test_prover_containment.py",
            "-k",
            "not from_a_copy",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    tail = (run.stdout + run.stderr)[-3000:]
    assert run.returncode == 0, tail
    assert "bwrap: execvp" not in tail and " passed" in tail
