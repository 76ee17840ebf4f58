"""PoT envs: the program's last printed line is the verified answer."""

from __future__ import annotations

import gymnasium as gym
import pytest
from conftest import SANDBOX_GROUP
from gymnasium.utils.env_checker import check_env

pytestmark = SANDBOX_GROUP


def test_pot_passes_check_env(local_sandbox) -> None:
    env = gym.make("mathgym/PoT-Arithmetic-v0", sandbox=local_sandbox)
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


def test_pot_episode(sandbox, data_dir) -> None:
    env = gym.make("mathgym/PoT-GSM8K-v0", data_dir=str(data_dir), sandbox=sandbox)
    env.reset(seed=3)
    gold = env.unwrapped.problem.answer
    _, reward, terminated, truncated, info = env.step(
        f"Compute it:\n```python\nimport sympy\nprint('working...')\nprint(sympy.Integer({gold}))\n```"
    )
    assert terminated and not truncated
    assert info["verdict"]["correct"] and info["answer_text"] == str(gold)
    assert reward == pytest.approx(1.1)
    env.reset(seed=3)
    _, reward, *_, info = env.step(f"```python\nprint({gold} + 1)\n```")
    assert not info["verdict"]["correct"] and reward == pytest.approx(0.1)  # an answer, but wrong
    env.close()


@pytest.mark.parametrize("code", ["raise ValueError('no')", "while True: pass", "import os\nos._exit(0)"])
def test_pot_failing_programs_score_nothing(local_sandbox, code: str) -> None:
    env = gym.make("mathgym/PoT-Arithmetic-v0", sandbox=local_sandbox, timeout_s=1)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(code)
    assert terminated and reward == 0 and not info["verdict"]["correct"]
    env.close()


def test_pot_output_before_a_crash_is_not_an_answer(local_sandbox) -> None:
    env = gym.make("mathgym/PoT-Arithmetic-v0", sandbox=local_sandbox)
    env.reset(seed=1)
    gold = env.unwrapped.problem.answer
    _, reward, *_, info = env.step(f"print({gold!r})\n1/0")
    assert info["answer_text"] == "" and reward == 0
    env.close()
