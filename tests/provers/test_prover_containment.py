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
    from mathgym.provers.coq_xml import CoqFailure, CoqIdeTop  # noqa: PLC0415

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
