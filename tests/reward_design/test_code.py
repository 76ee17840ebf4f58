"""Extracting reward code from whole replies, and the static checks (nothing here runs the code)."""

from __future__ import annotations

import gymnasium as gym
import pytest

from mathgym.reward_design.code import MAX_CODE_CHARS, check_code, extract_code

GOOD = "def compute_reward(prev, action, state, info):\n    return 1.0, {'a': 1.0}\n"


@pytest.mark.parametrize(
    "response",
    [
        f"Here is my reward:\n```python\n{GOOD}```\nIt rewards everything.",
        f"```py\n{GOOD}```",
        f"```\n{GOOD}```",
        f"Some thoughts.\n```python\nThis block starts with prose.\n{GOOD}```",
        f"```python\n{GOOD}",  # the reply was cut before the closing fence
        f"I think this works:\n\n{GOOD}\nThat is all, thanks.",  # no fence at all
    ],
)
def test_the_function_is_found_however_it_is_wrapped(response):
    code = extract_code(response)
    assert code is not None and code.startswith("def compute_reward") and "prose" not in code
    assert check_code(code).ok


def test_the_last_block_that_defines_the_function_wins():
    first = GOOD.replace("1.0, {'a': 1.0}", "0.0, {}")
    response = (
        f"First try:\n```python\n{first}```\nHelper:\n```python\nimport math\n```\n"
        f"Better:\n```python\n{GOOD}```"
    )
    assert extract_code(response) == GOOD


def test_without_the_function_a_python_block_is_still_returned_for_the_critic():
    code = extract_code("```bash\nls\n```\n```python\nx = 1\n```")
    assert code == "x = 1\n"
    assert not check_code(code).ok


@pytest.mark.parametrize("response", ["", "   ", "I cannot write this reward.", "```\n\n```"])
def test_no_code(response):
    assert extract_code(response) is None
    check = check_code(extract_code(response))
    assert not check.ok and "no code" in check.reason


@pytest.mark.parametrize(
    "code, reason",
    [
        ("def compute_reward(prev, action, state, info)\n    return 1\n", "SyntaxError"),
        ("def reward(prev, action, state, info):\n    return 1.0, {}\n", "no top-level function"),
        ("def compute_reward(state):\n    return 1.0, {}\n", "4 positional arguments"),
        ("def compute_reward(a, b, c, d, e):\n    return 1.0, {}\n", "4 positional arguments"),
        ("x" * (MAX_CODE_CHARS + 1), "characters"),
    ],
)
def test_static_rejections_say_why(code, reason):
    check = check_code(code)
    assert not check.ok and reason in check.reason


def test_flexible_signatures_are_accepted():
    for signature in ("prev, action, state, info", "p, a, s, i, scale=1.0", "*args"):
        assert check_code(f"def compute_reward({signature}):\n    return 1.0, {{}}\n").ok


@pytest.mark.parametrize("access", ['state["nope"]', "state.nope", 'info.get("nope")', 'action["nope"]'])
def test_unknown_fields_are_rejected_before_running(access):
    spec = gym.make("mathgym/Countdown-v0").unwrapped.reward_view_spec
    code = f"def compute_reward(prev, action, state, info):\n    x = {access}\n    return 1.0, {{}}\n"
    check = check_code(code, spec)
    assert not check.ok and "'nope'" in check.reason and "known fields" in check.reason


def test_documented_fields_and_dict_methods_pass_the_field_check():
    spec = gym.make("mathgym/Countdown-v0").unwrapped.reward_view_spec
    code = (
        "def compute_reward(prev, action, state, info):\n"
        "    d = state.distance - prev['distance'] + len(state.keys()) + (action.get('result') or 0)\n"
        "    return float(d + info.is_success), {'d': d}\n"
    )
    assert check_code(code, spec).ok
