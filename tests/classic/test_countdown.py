"""Countdown: the shared generator and verifier, the numeric env and the text env."""

from __future__ import annotations

import itertools
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from mathgym.envs.classic.countdown.env import CountdownEnv
from mathgym.envs.classic.countdown.game import (
    OPERATORS,
    CountdownSource,
    apply,
    extract_countdown_answer,
    verify_countdown,
    verify_countdown_problem,
)
from mathgym.envs.classic.countdown.text_env import CountdownTextEnv


@pytest.mark.parametrize(
    "response, reason",
    [
        ("<answer>(25 + 50) + 22</answer>", "match"),
        ("I think 25 + 50 + 22 works.\n<answer>25 + 50 + 22 = 97</answer>", "match"),
        ("\\boxed{22 + 75}", "numbers_not_available"),  # 75 is not given
        ("<answer>25 + 25 + 47</answer>", "numbers_not_available"),  # 25 used twice, 47 not given
        ("<answer>50 + 25 + 3</answer>", "wrong_value"),
        ("<answer>50 + 25</answer>", "wrong_value"),
        ("<answer>97</answer>", "numbers_not_available"),  # the target itself is not a given number
        ("<answer>25 + 50 + 22</answer> or <answer>50 + 25</answer>", "several_answers"),
        ("no idea", "no_answer"),
        ("<answer>__import__('os')</answer>", "parse_error"),
        ("<answer>2 ** 10</answer>", "parse_error"),
        ("<answer>22 / 50 * 25 + 75</answer>", "non_positive_or_fraction"),
        ("<answer>22 - 50 + 25 + 100</answer>", "non_positive_or_fraction"),
        ("<answer>(" * 400 + "1" + ")" * 400 + "</answer>", "too_long"),
    ],
)
def test_verifier_cases(response: str, reason: str) -> None:
    verdict = verify_countdown(response, [25, 50, 22, 3], 97)
    assert verdict.reason == reason
    assert bool(verdict) == (reason == "match")


def test_verifier_never_raises_on_garbage() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        text = "".join(chr(c) for c in rng.integers(0, 0x2FF, size=int(rng.integers(0, 60))))
        verify_countdown(f"<answer>{text}</answer>", [1, 2, 3], 6)
        verify_countdown(text, [1, 2, 3], 6)
    assert extract_countdown_answer("work...\n3 * 2 = 6")[0] == "3 * 2"


def test_generated_problems_are_solvable_by_their_reference_and_reproducible() -> None:
    source = CountdownSource(5, seed=3)
    ids = set()
    for index in range(50):
        problem = source[index]
        ids.add(problem.id)
        assert verify_countdown_problem(f"<answer>{problem.answer}</answer>", problem)
        assert problem.meta["target"] not in problem.meta["numbers"]
        assert source.find(problem.id) == problem
    assert (
        len(ids) == 50
        and CountdownSource(5, seed=3)[7] == source[7]
        and CountdownSource(5, seed=4)[7] != source[7]
    )


@pytest.mark.parametrize("env_id", ["mathgym/Countdown-v0", "mathgym/CountdownText-v0"])
def test_gymnasium_check_env(env_id: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gym.make(env_id).unwrapped)


def test_sb3_check_env_numeric_form() -> None:
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(gym.make("mathgym/Countdown-v0").unwrapped, warn=True)


def _search(values: list[int], target: int) -> list[tuple[int, int, int]] | None:
    """Depth-first search over slot merges (the numeric env's actions) that reaches the target."""
    live = [i for i, v in enumerate(values) if v]
    if any(values[i] == target for i in live):
        return []
    for i, j in itertools.permutations(live, 2):
        for k, op in enumerate(OPERATORS):
            result = apply(op, values[i], values[j])
            if result is None:
                continue
            nxt = list(values)
            nxt[i], nxt[j] = result, 0
            rest = _search(nxt, target)
            if rest is not None:
                return [(i, j, k)] + rest
    return None


def test_numeric_env_reaches_the_target_and_shares_the_verifier() -> None:
    env = CountdownEnv(4, seed=1)
    for episode in range(5):
        obs, info = env.reset(seed=episode)
        plan = _search(list(env.values), env.target)
        assert plan, "every generated problem is solvable"
        for i, j, k in plan:
            action = (i * env.n + j) * len(OPERATORS) + k
            if OPERATORS[k] in "+*" and i > j:
                action = (j * env.n + i) * len(OPERATORS) + k  # commutative ops are offered with i < j
            assert info["action_mask"][action]
            obs, reward, terminated, truncated, info = env.step(action)
        assert terminated and info["is_success"] and reward == 1.0
        assert info["verdict"]["reason"] == "match"
        problem = env.problem
        assert verify_countdown(
            info["verdict"]["extracted"], problem.meta["numbers"], problem.meta["target"], extract=False
        )


def test_numeric_env_invalid_actions_and_dead_ends() -> None:
    env = CountdownEnv(4, seed=2)
    obs, info = env.reset(seed=0)
    invalid = int(np.flatnonzero(~info["action_mask"])[0])
    obs2, reward, terminated, truncated, info = env.step(invalid)
    assert np.array_equal(obs, obs2) and reward == pytest.approx(-0.1) and not info["valid"]
    rng = np.random.default_rng(0)
    for _ in range(30):  # random valid play always ends: target reached or no move left
        obs, info = env.reset()
        for _ in range(env.n):
            obs, reward, terminated, truncated, info = env.step(
                int(rng.choice(np.flatnonzero(info["action_mask"])))
            )
            if terminated or truncated:
                break
        assert terminated or truncated
        assert info["is_success"] == (reward == 1.0)


def test_text_env_uses_the_same_problems_and_verifier() -> None:
    text_env, numeric_env = CountdownTextEnv(seed=5), CountdownEnv(seed=5)
    prompt, info = text_env.reset(seed=0)
    numeric_env.reset(seed=0)
    assert info["problem_id"] == numeric_env.problem.id and str(text_env.problem.meta["target"]) in prompt
    _, reward, terminated, _, info = text_env.step(f"Let me try.\n<answer>{text_env.problem.answer}</answer>")
    assert terminated and reward == 1.0 and info["verdict"]["correct"]
    text_env.reset()
    _, reward, _, _, info = text_env.step("<answer>1 + 1</answer>")
    assert reward == 0.0 and not info["is_success"]
    with pytest.raises(RuntimeError, match="reset"):
        text_env.step("again")


def test_two_distinct_draws_what_rng_choice_draws() -> None:
    from mathgym.envs.classic.countdown.game import _two_distinct

    for seed in range(300):
        for n in range(2, 9):
            ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
            for _ in range(3):
                assert _two_distinct(ours, n) == tuple(int(t) for t in numpys.choice(n, 2, replace=False))
            assert ours.integers(2**40) == numpys.integers(2**40)  # the streams stay in step
