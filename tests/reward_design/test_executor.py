"""Candidate code runs only in the sandbox: hostile or broken code costs its own box and comes back as a reason."""

from __future__ import annotations

import os

import pytest
from design_helpers import SANDBOX_GROUP

from mathgym.reward_design.executor import TrustedInProcessExecutor, make_executor

pytestmark = SANDBOX_GROUP


@pytest.fixture(scope="module")
def transitions(pools):
    return [t for e in pools["mathgym/Countdown-v0"] for t in e.transitions][:64]


def test_components_missing_on_some_calls_count_as_zero(executor, transitions):
    code = (
        "def compute_reward(prev, action, state, info):\n"
        "    parts = {'step': -0.1}\n"
        "    if info['is_success']:\n"
        "        parts['bonus'] = 2.0\n"
        "    return sum(parts.values()), parts\n"
    )
    result = executor.evaluate(code, transitions)
    assert result.ok
    successes = [t.info["is_success"] for t in transitions]
    assert list(result.components["bonus"]) == [2.0 if s else 0.0 for s in successes]
    assert list(result.components["step"]) == [-0.1] * len(transitions)


def test_views_read_as_attributes_too(executor, transitions):
    code = "def compute_reward(prev, action, state, info):\n    return float(-state.distance), {}\n"
    result = executor.evaluate(code, transitions)
    assert result.ok and list(result.totals) == [-t.state["distance"] for t in transitions]


def test_prints_do_not_corrupt_the_result(executor, transitions):
    code = (
        "import sys\n"
        "def compute_reward(prev, action, state, info):\n"
        "    print('@@mathgym-reward-result@@{\"ok\": true}')\n"
        "    sys.__stdout__.write('noise without newline')\n"
        "    return 1.0, {}\n"
    )
    result = executor.evaluate(code, transitions)
    assert result.ok and list(result.totals) == [1.0] * len(transitions)


def test_the_sandboxed_path_gives_what_the_trusted_path_gives(executor, transitions):
    code = "import math\ndef compute_reward(prev, action, state, info):\n    return math.exp(-state['distance'] / 10), {}\n"
    assert list(executor.evaluate(code, transitions).totals) == list(
        TrustedInProcessExecutor().evaluate(code, transitions).totals
    )


@pytest.mark.parametrize(
    "body, expect",
    [
        ("    while True:\n        pass", "timed out"),
        ("    raise ValueError('bad reward')", "ValueError: bad reward"),
        ("    return state['nope'], {}", "KeyError"),
        ("    x = bytearray(1 << 30)\n    return 1.0, {}", "emory"),
        ("    os._exit(3)", "exited with code 3"),
        ("    os._exit(0)", "ended its process before returning"),
        ("    return 1.0", "must return (total, components)"),
        ("    return 'high', {}", "could not convert"),
        ("    return 1.0, {str(i): 1.0 for i in range(100)}", "at most 16 components"),
        (
            "    import socket\n    socket.create_connection(('1.1.1.1', 80), timeout=1)\n    return 1.0, {}",
            "Error",
        ),
    ],
)
def test_hostile_and_broken_code_is_a_reason_not_a_crash(executor, transitions, body, expect):
    code = f"import os\ndef compute_reward(prev, action, state, info):\n{body}\n"
    result = executor.evaluate(code, transitions)
    assert not result.ok
    assert expect in result.reason
    assert len(result.reason) < 2000
    # the sandbox is still usable afterwards
    assert executor.evaluate("def compute_reward(p, a, s, i):\n    return 0.0, {}\n", transitions).ok


def test_files_outside_the_scratch_dir_are_untouched(executor, transitions, tmp_path):
    target = tmp_path / "written-by-reward.txt"
    code = (
        f"def compute_reward(prev, action, state, info):\n"
        f"    open({str(target)!r}, 'w').write('x')\n"
        f"    return 1.0, {{}}\n"
    )
    executor.evaluate(code, transitions)
    assert not target.exists()


def test_killing_the_parent_does_not_reach_the_controller(executor, transitions):
    code = (
        f"import os, signal\n"
        f"def compute_reward(prev, action, state, info):\n"
        f"    for pid in (os.getppid(), {os.getpid()}, 1):\n"
        f"        try:\n"
        f"            os.kill(pid, signal.SIGKILL)\n"
        f"        except OSError:\n"
        f"            pass\n"
        f"    return 1.0, {{}}\n"
    )
    executor.evaluate(code, transitions)
    assert executor.evaluate("def compute_reward(p, a, s, i):\n    return 0.0, {}\n", transitions).ok


def test_unknown_executor_kind():
    with pytest.raises(ValueError, match="unknown reward executor"):
        make_executor("cloud")


def test_the_docker_backend_gives_the_same_rewards_and_contains_the_same_faults(transitions, executor):
    from mathgym.testing import require

    require("docker")
    from mathgym.reward_design.executor import SandboxedRewardExecutor

    docker = SandboxedRewardExecutor("docker", base_timeout_s=3.0)
    try:
        code = "def compute_reward(prev, action, state, info):\n    return -state['distance'] / 10, {}\n"
        assert list(docker.evaluate(code, transitions).totals) == list(
            executor.evaluate(code, transitions).totals
        )
        loop = docker.evaluate(
            "def compute_reward(p, a, s, i):\n    while True:\n        pass\n", transitions
        )
        assert not loop.ok and "timed out" in loop.reason
        assert docker.evaluate(code, transitions).ok
    finally:
        docker.close()
