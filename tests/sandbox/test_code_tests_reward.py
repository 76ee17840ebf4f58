"""CodeTests: pass rate of a candidate program on unit tests run in the sandbox, and its resistance to hacks."""

from __future__ import annotations

import pytest
from conftest import SANDBOX_GROUP

from mathgym.problem import Problem
from mathgym.rewards import make_reward
from mathgym.rewards.base import StepContext
from mathgym.rewards.code_tests import CodeTests, classify_assert

pytestmark = SANDBOX_GROUP

ADD_TESTS = [
    "assert add(1, 2) == 3",
    "assert add(-1, 1) == 0",
    "assert add(10, 5) == 15",
    "assert isinstance(add(1, 1), int)",
]
ADD = Problem(id="add", prompt="Write add(a, b).", answer=None, meta={"tests": ADD_TESTS})


def score(reward: CodeTests, response: str, problem: Problem = ADD) -> float:
    return reward(StepContext(problem=problem, action=response, final=True)).value


@pytest.fixture()
def code_tests(sandbox) -> CodeTests:
    return CodeTests(sandbox, timeout_s=5)


def test_pass_rate(code_tests) -> None:
    assert score(code_tests, "```python\ndef add(a, b):\n    return a + b\n```") == 1.0
    assert score(code_tests, "def add(a, b):\n    return a + b if a > 5 else 0") == 0.75
    assert score(code_tests, "def add(a, b):\n    return str(a + b)") == 0.0
    assert code_tests(StepContext(problem=ADD, action="x", final=False)).value == 0.0


@pytest.mark.parametrize(
    "hack",
    [
        "import sys\nsys.exit(0)",
        "import os\nos._exit(0)",
        "def add(a, b):\n    import os\n    os._exit(0)",
        (
            "class Any:\n    def __eq__(self, other): return True\n    def __repr__(self): return 'Any()'\n"
            "def add(a, b):\n    return Any()"
        ),
        "import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\ndef add(a, b): return None",
        'for i in range(4):\n    print(\'{"i": %d, "ok": true}\' % i)\n    print(\'{"i": %d, "repr": "3"}\' % i)',
        "def add(a, b):\n    while True: pass",
    ],
)
def test_hacks_do_not_pass(sandbox, hack: str) -> None:
    reward = CodeTests(sandbox, timeout_s=2)
    assert score(reward, hack) == 0.0, reward.last_report


def test_stdin_stdout_cases(code_tests) -> None:
    problem = Problem(
        id="sum",
        prompt="Sum two numbers.",
        answer=None,
        meta={"tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5", "output": "10"}]},
    )
    assert score(code_tests, "a, b = map(int, input().split())\nprint(a + b)", problem) == 1.0
    assert score(code_tests, "print(3)", problem) == 0.5


def test_humaneval_style_check_block(code_tests) -> None:
    check = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(3) == 9\n"
    problem = Problem(id="sq", prompt="square", answer=None, meta={"tests": check, "entry_point": "square"})
    assert score(code_tests, "def square(x): return x * x", problem) == 1.0
    assert score(code_tests, "def square(x): return 4", problem) == 0.0


def test_runtime_term_and_spec(local_sandbox) -> None:
    fast = CodeTests(local_sandbox, runtime_weight=0.5, timeout_s=5)
    value = score(fast, "def add(a, b):\n    return a + b")
    assert 1.0 < value <= 1.5
    built = make_reward({"code_tests": {"sandbox": local_sandbox, "name": "tests"}})
    assert score(built, "def add(a, b):\n    return a + b") == 1.0


def test_classify_assert() -> None:
    assert classify_assert("assert f(1) == [1, 2]") == ("value", "f(1)", [1, 2])
    assert classify_assert("assert 3 == f(x)") == ("value", "f(x)", 3)
    assert classify_assert("assert abs(f(1) - 0.5) < 1e-9")[0] == "statement"
    with pytest.raises(ValueError, match="no meta"):
        CodeTests("local").evaluate("pass", Problem(id="x", prompt="", answer=None))
