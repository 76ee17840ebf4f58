"""ToolMath envs: ToRA's conventions, scripted tool-using episodes on both backends, snapshots, vector envs."""

from __future__ import annotations

import gymnasium as gym
import pytest
from conftest import SANDBOX_GROUP
from gymnasium.utils.env_checker import check_env

from mathgym.sandbox import tora
from mathgym.sandbox.base import ExecResult

pytestmark = SANDBOX_GROUP


def program(code: str, text: str = "") -> str:
    return f"{text}\n```python\n{code}\n```"


def test_tool_math_gsm8k_passes_check_env(data_dir) -> None:
    env = gym.make("mathgym/ToolMath-GSM8K-v0", data_dir=str(data_dir))
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


def test_scripted_tool_episode(sandbox, data_dir) -> None:
    """code cell -> output -> code cell using the earlier state -> final answer -> verified reward."""
    env = gym.make("mathgym/ToolMath-GSM8K-v0", data_dir=str(data_dir), sandbox=sandbox)
    obs, info = env.reset(seed=0)
    gold = env.unwrapped.problem.answer
    assert info["tool_calls"] == 0 and "```python" in obs  # the instruction shows the format

    obs, reward, terminated, truncated, info = env.step(
        program(f"answer = {gold!r}\nprint('computed', answer)", "Let me compute it.") + "```output"
    )
    assert not (terminated or truncated)
    assert info["step_kind"] == "code" and info["tool"]["ok"] and info["tool_calls"] == 1
    assert obs.endswith(f"```\n```output\ncomputed {gold}\n```\n")
    assert info["tool"]["isolation"].split(":")[0] in ("local", "container")
    assert reward == pytest.approx(0.05) and info["reward_components"]["tool_success"] == 0.05

    obs, reward, terminated, truncated, info = env.step(program("print(answer)"))  # the namespace persists
    assert obs.endswith(f"```output\n{gold}\n```\n")

    obs, reward, terminated, truncated, info = env.step(f"The answer is \\boxed{{{gold}}}.")
    assert terminated and not truncated
    assert info["verdict"]["correct"] and info["step_kind"] == "answer"
    assert reward == pytest.approx(1.1)  # outcome + format; the calls were rewarded on their own steps
    env.close()


def test_tora_output_conventions(local_sandbox) -> None:
    env = gym.make("mathgym/ToolMath-Arithmetic-v0", sandbox=local_sandbox)
    env.reset(seed=1)
    obs, reward, *_, info = env.step(program("1/0"))
    assert obs.endswith("\n```output\nZeroDivisionError: division by zero\n```\n")
    assert info["tool"]["ok"] is False and reward == pytest.approx(-0.1)
    obs, *_ = env.step(program("print('a' * 500 + 'b' * 500)"))
    shown = obs.rsplit("```output\n", 1)[1].rsplit("\n```\n", 1)[0]
    assert shown == "a" * 200 + "..." + "b" * 200
    obs, *_ = env.step(program("while True: pass"))
    assert obs.endswith("```output\nTimeout Error\n```\n")
    env.close()


def test_tora_formatting_helpers() -> None:
    result = ExecResult("x" * 1000, "", 0, False, None, 0.1, False, "test")
    assert tora.tool_output(result) == "x" * 200 + "..." + "x" * 200
    assert tora.output_block("7") == "\n```output\n7\n```\n"
    assert tora.ends_with_program("text\n```python\nprint(1)\n```\n")
    assert not tora.ends_with_program("```python\nprint(1)\n```\nand then some words")
    assert tora.last_program("```python\na=1\n```\n```python\nb=2\n```") == "b=2\n"
    assert tora.strip_stop_string("```python\nx\n```\n```output") == "```python\nx\n```\n"


def test_call_limit(local_sandbox) -> None:
    env = gym.make("mathgym/ToolMath-Arithmetic-v0", sandbox=local_sandbox, max_calls=4, finish_on_text=True)
    env.reset(seed=2)
    for i in range(4):
        obs, _, terminated, _, info = env.step(program(f"print({i})"))
        assert info["tool_calls"] == i + 1 and not terminated
    assert obs.endswith(f"```output\n3\n```\n{tora.MAX_CALLS_MESSAGE}\n")
    obs, _, terminated, _, info = env.step(program("print('never')"))
    assert info["tool"] is None and info["tool_calls"] == 4 and "never\n```\n```output" not in obs
    assert terminated  # an action that runs nothing ends the episode (ToRA's rule)
    env.close()


def test_program_output_is_never_taken_as_the_answer(local_sandbox) -> None:
    env = gym.make("mathgym/ToolMath-Arithmetic-v0", sandbox=local_sandbox)
    env.reset(seed=3)
    gold = env.unwrapped.problem.answer
    # the program prints a boxed gold answer (built so that the action's own text has no "boxed")
    env.step(program(f"print('\\\\' + 'box' + 'ed{{' + {gold!r} + '}}')"))
    _, reward, terminated, _, info = env.step("I am done.")
    assert terminated and not info["verdict"]["correct"] and reward < 1


def test_each_episode_gets_a_fresh_namespace(local_sandbox) -> None:
    env = gym.make("mathgym/ToolMath-Arithmetic-v0", sandbox=local_sandbox)
    env.reset(seed=4)
    env.step(program("secret = 42"))
    env.reset(seed=5)
    obs, *_ = env.step(program("print('secret' in globals())"))
    assert obs.endswith("```output\nFalse\n```\n")
    env.close()


def test_snapshot_restores_the_namespace(local_sandbox) -> None:
    env = gym.make("mathgym/ToolMath-Arithmetic-v0", sandbox=local_sandbox)
    env.reset(seed=6)
    env.step(program("counter = 10"))
    state = env.unwrapped.get_state()
    env.step(program("counter += 5\nprint(counter)"))
    other = gym.make("mathgym/ToolMath-Arithmetic-v0", sandbox=local_sandbox)
    other.reset(seed=0)
    other.unwrapped.set_state(state)
    obs, *_ = other.step(program("print(counter)"))
    assert obs.endswith("```output\n10\n```\n")  # replayed up to the snapshot, not beyond
    env.close()
    other.close()


def test_async_vector_env_runs_tool_episodes() -> None:
    # shared_memory=False: Gymnasium's shared-memory Text buffers drop UnicodeText observations (reported)
    envs = gym.make_vec(
        "mathgym/ToolMath-Arithmetic-v0",
        num_envs=2,
        vectorization_mode="async",
        vector_kwargs={"shared_memory": False},
    )
    try:
        obs, infos = envs.reset(seed=11)
        obs, _, _, _, infos = envs.step([program("print(2 ** 10)")] * 2)
        assert all("```output\n1024\n```" in o for o in obs)
        assert list(infos["tool"]["output"]) == ["\n```output\n1024\n```\n"] * 2
        assert list(infos["tool_calls"]) == [1, 1]
    finally:
        envs.close()


def test_ids_are_registered() -> None:
    ids = set(gym.registry)
    for name in (
        "ToolMath-GSM8K-v0",
        "ToolMath-MATH500-v0",
        "ToolMath-Arithmetic-v0",
        "PoT-GSM8K-v0",
        "PoT-MATH500-v0",
        "PoT-Arithmetic-v0",
    ):
        assert f"mathgym/{name}" in ids
