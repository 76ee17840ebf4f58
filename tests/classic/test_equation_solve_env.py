"""EquationSolve: Gymnasium/SB3 conformance, rewards, masks, determinism and the baseline agents."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from mathgym.agents.equation_agents import EquationSolverAgent, MaskedRandomAgent
from mathgym.envs.classic.equation_solve.engine import RULE_NAMES, encode_action
from mathgym.envs.classic.equation_solve.env import EquationSolveEnv
from mathgym.envs.registration import EQUATION_SOLVE_IDS
from mathgym.rewards.complexity import ComplexityDecrease
from mathgym.sources.procedural import ProceduralSource

IDS = [f"mathgym/EquationSolve{suffix}-v0" for suffix in EQUATION_SOLVE_IDS]


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_and_sb3_check_env(env_id: str) -> None:
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gym.make(env_id).unwrapped)
        sb3_check_env(gym.make(env_id).unwrapped, warn=True)


def _play(env: EquationSolveEnv, agent, seed: int, episodes: int) -> list[dict]:
    out = []
    agent.reset(seed=seed)
    obs, info = env.reset(seed=seed)
    for _ in range(episodes):
        total, done, trace = 0.0, False, [obs.copy()]
        while not done:
            assert np.array_equal(info["action_mask"], env.action_masks())
            obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
            total += reward
            trace.append(obs.copy())
            done = terminated or truncated
        out.append(
            {
                "problem": info["problem_id"],
                "solved": info["is_success"],
                "return": total,
                "moves": info["moves"],
                "trace": np.stack(trace),
            }
        )
        obs, info = env.reset()
    return out


@pytest.mark.parametrize("level", [0, 1, 2, 3, 4])
def test_reference_solver_solves_every_level_and_random_rarely_does(level: int) -> None:
    env = EquationSolveEnv(levels=(level,), seed=11)
    solved = [e["solved"] for e in _play(env, EquationSolverAgent(), seed=level, episodes=15)]
    assert all(solved)
    random_solved = [e["solved"] for e in _play(env, MaskedRandomAgent(), seed=level, episodes=15)]
    assert np.mean(random_solved) < 0.5


def test_same_seed_same_episodes_different_seed_different_problems() -> None:
    run = lambda seed: _play(EquationSolveEnv(), MaskedRandomAgent(), seed=seed, episodes=4)
    a, b, c = run(1), run(1), run(2)
    for x, y in zip(a, b):
        assert x["problem"] == y["problem"] and x["return"] == y["return"]
        assert np.array_equal(x["trace"], y["trace"])
    assert [x["problem"] for x in a] != [x["problem"] for x in c]


def test_reward_components_success_and_invalid_actions() -> None:
    env = EquationSolveEnv(step_cost=0.01, invalid_penalty=0.1, max_moves=10)
    obs, info = env.reset(options={"equation": "x + 5 = 7"})
    # an invalid action (divide_both at the root) leaves the state unchanged and costs the penalty
    invalid = encode_action("divide_both", 0, env.max_nodes)
    assert not info["action_mask"][invalid]
    obs2, reward, terminated, truncated, info = env.step(invalid)
    assert np.array_equal(obs, obs2) and not info["valid"]
    assert reward == pytest.approx(-0.11)
    assert info["reward_components"] == {
        "solved": 0.0,
        "step_penalty": -0.01,
        "invalid_action": -0.1,
        "total": reward,
    }
    five = next(i for i, n in enumerate(info["equation_tree"].nodes) if n.value == 5)
    env.step(encode_action("move_term", five, env.max_nodes))
    _, reward, terminated, truncated, info = env.step(
        encode_action("simplify", env.tree.rhs_index, env.max_nodes)
    )
    assert terminated and not truncated and info["is_success"]
    assert info["equation"] == "x = 2" and info["verdict"]["correct"]
    assert reward == pytest.approx(1.0 - 0.01)


def test_truncation_after_max_moves() -> None:
    env = EquationSolveEnv(max_moves=3)
    env.reset(options={"equation": "3x + 5 = 14"})
    swap = encode_action("swap_sides", 0, env.max_nodes)
    results = [env.step(swap) for _ in range(3)]  # the second swap is masked: invalid, still a move
    assert [r[3] for r in results] == [False, False, True]
    assert results[-1][4]["is_success"] is False


def test_complexity_shaping_is_a_reward_part_that_telescopes() -> None:
    env = EquationSolveEnv(complexity_weight=0.05, step_cost=0.0, invalid_penalty=0.0)
    obs, info = env.reset(options={"equation": "3x + 5 = 14"})
    start_size = env.tree.size
    total_shaping = 0.0
    agent = EquationSolverAgent()
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        total_shaping += info["reward_components"]["complexity_decrease"]
        done = terminated or truncated
    assert info["is_success"]
    assert total_shaping == pytest.approx(0.05 * (start_size - env.tree.size))
    assert ComplexityDecrease(0.5).name == "complexity_decrease"


def test_snapshot_replays_identically() -> None:
    env = EquationSolveEnv(levels=(3,))
    obs, info = env.reset(seed=4)
    agent = MaskedRandomAgent(seed=0)
    obs, _, _, _, info = env.step(agent.act(obs, info))
    snapshot = env.get_state()
    actions = [agent.act(obs, info)]
    first = [env.step(actions[0])]
    for _ in range(3):
        if first[-1][2] or first[-1][3]:
            break
        actions.append(agent.act(first[-1][0], first[-1][4]))
        first.append(env.step(actions[-1]))
    env.set_state(snapshot)
    second = [env.step(a) for a in actions]
    for (o1, r1, *_), (o2, r2, *_) in zip(first, second):
        assert np.array_equal(o1, o2) and r1 == r2


def test_any_equation_source_works_and_vector_envs_run() -> None:
    env = EquationSolveEnv(source=ProceduralSource("LinearEquation", level=3, seed=9))
    episodes = _play(env, EquationSolverAgent(), seed=0, episodes=5)
    assert all(e["solved"] for e in episodes) and all(
        e["problem"].startswith("LinearEquation/L3") for e in episodes
    )
    envs = gym.make_vec("mathgym/EquationSolve-v0", num_envs=3, vectorization_mode="sync")
    obs, infos = envs.reset(seed=0)
    assert obs.shape == (3, envs.single_observation_space.shape[0]) and infos["action_mask"].shape[0] == 3
    envs.step(
        np.array([envs.single_action_space.sample(mask=m.astype(np.int8)) for m in infos["action_mask"]])
    )
    envs.close()


def test_bad_input_errors_name_the_fix() -> None:
    env = EquationSolveEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="outside Discrete"):
        env.step(env.action_space.n)
    with pytest.raises(ValueError, match="raise max_nodes"):
        EquationSolveEnv(max_nodes=8).reset(options={"equation": "3x + 5 - 2x + 7 = 4x - 9"})
    with pytest.raises(ValueError, match="render_mode"):
        EquationSolveEnv(render_mode="rgb_array")
    assert RULE_NAMES[0] == "swap_sides"
