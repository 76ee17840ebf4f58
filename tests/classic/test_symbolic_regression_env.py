"""SymbolicRegression: the Nguyen table, data sampling, scoring, constraint masks and env conformance."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import sympy
from gymnasium.utils.env_checker import check_env

from mathgym.envs.classic.symbolic_regression.env import SymbolicRegressionEnv
from mathgym.envs.classic.symbolic_regression.nguyen import NGUYEN, get_benchmark
from mathgym.envs.classic.symbolic_regression.tokens import (
    INVERSE_PAIRS,
    TRIG,
    Constraints,
    PrefixBuilder,
    TokenLibrary,
    evaluate_prefix,
    prefix_to_sympy,
)

IDS = [f"mathgym/SymbolicRegression-Nguyen{k}-v0" for k in range(1, 13)]
# the table of the issue (DSO's definitions): expression, variables, train sampling
TABLE = {
    1: ("x1**3 + x1**2 + x1", 1, "U[-1,1,20]"),
    2: ("x1**4 + x1**3 + x1**2 + x1", 1, "U[-1,1,20]"),
    3: ("x1**5 + x1**4 + x1**3 + x1**2 + x1", 1, "U[-1,1,20]"),
    4: ("x1**6 + x1**5 + x1**4 + x1**3 + x1**2 + x1", 1, "U[-1,1,20]"),
    5: ("sin(x1**2)*cos(x1) - 1", 1, "U[-1,1,20]"),
    6: ("sin(x1) + sin(x1 + x1**2)", 1, "U[-1,1,20]"),
    7: ("log(x1 + 1) + log(x1**2 + 1)", 1, "U[0,2,20]"),
    8: ("sqrt(x1)", 1, "U[0,4,20]"),
    9: ("sin(x1) + sin(x2**2)", 2, "U[0,1,20]"),
    10: ("2*sin(x1)*cos(x2)", 2, "U[0,1,20]"),
    11: ("x1**x2", 2, "U[0,1,20]"),
    12: ("x1**4 - x1**3 + x2**2/2 - x2", 2, "U[0,1,20]"),
}


@pytest.mark.parametrize("k", range(1, 13))
def test_nguyen_table_matches_the_issue_and_the_numpy_functions(k: int) -> None:
    benchmark = get_benchmark(f"Nguyen{k}")
    expression, n_vars, sampling = TABLE[k]
    assert benchmark.n_variables == n_vars and str(benchmark.train) == sampling == str(benchmark.test)
    symbols = sympy.symbols("x1 x2")
    assert sympy.simplify(sympy.sympify(benchmark.expression) - sympy.sympify(expression)) == 0
    f = sympy.lambdify(symbols[:n_vars], sympy.sympify(expression), "numpy")
    X = benchmark.train.draw(np.random.default_rng(k), n_vars)
    np.testing.assert_allclose(benchmark.function(X), f(*X.T), rtol=1e-12)
    assert benchmark.functions == ("add", "sub", "mul", "div", "sin", "cos", "exp", "log")


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_and_sb3_check_env(env_id: str) -> None:
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gym.make(env_id).unwrapped)
        sb3_check_env(gym.make(env_id).unwrapped, warn=True)


def _play(env: SymbolicRegressionEnv, tokens: list[str]) -> tuple[float, dict]:
    env.reset(seed=0)
    reward, info = 0.0, {}
    for name in tokens:
        assert env.action_masks()[env.library.index(name)], name
        _, reward, terminated, truncated, info = env.step(env.library.index(name))
    assert terminated and not truncated
    return reward, info


def test_the_true_expression_is_recovered_with_reward_one_and_the_spec_is_recorded() -> None:
    env = gym.make("mathgym/SymbolicRegression-Nguyen1-v0").unwrapped
    # x^3 + x^2 + x  =  add(x1, mul(x1, add(x1, mul(x1, x1))))
    reward, info = _play(env, ["add", "x1", "mul", "x1", "add", "x1", "mul", "x1", "x1"])
    assert reward == pytest.approx(1.0) and info["is_success"]
    assert info["nmse_test"] < 1e-12
    assert info["spec"]["benchmark"] == "Nguyen-1" and info["spec"]["train"] == "U[-1,1,20]"
    assert isinstance(info["spec"]["data_seed"], int)
    wrong_reward, wrong_info = _play(env, ["mul", "x1", "x1"])
    assert 0 < wrong_reward < 1 and not wrong_info["is_success"]


def test_invalid_values_score_zero_and_invalid_tokens_end_the_episode() -> None:
    env = SymbolicRegressionEnv("Nguyen-1")
    reward, info = _play(env, ["log", "sub", "x1", "add", "x1", "x1"])  # log(-x) on U[-1,1]: nan somewhere
    assert reward == 0.0 and not info["is_success"]
    env.reset(seed=1)
    exp = env.library.index("exp")
    env.step(exp)
    log = env.library.index("log")
    assert not env.action_masks()[log]  # exp(log(.)) is masked
    _, reward, terminated, _, info = env.step(log)
    assert terminated and reward == 0.0 and info["invalid_action"]


def test_data_comes_from_the_envs_seeded_rng_and_follows_the_spec() -> None:
    env = SymbolicRegressionEnv("Nguyen-7")
    env.reset(seed=3)
    first = env.X_train.copy()
    env.reset()  # no new seed: same data
    assert np.array_equal(first, env.X_train)
    env.reset(seed=3)
    assert np.array_equal(first, env.X_train)
    env.reset(seed=4)
    assert not np.array_equal(first, env.X_train)
    assert env.X_train.shape == (20, 1) and env.X_train.min() >= 0 and env.X_train.max() <= 2
    assert not np.array_equal(env.X_train, env.X_test)
    fixed = SymbolicRegressionEnv("Nguyen-7", data_seed=5)
    fixed.reset(seed=1)
    data = fixed.X_train.copy()
    fixed.reset(seed=2)
    assert np.array_equal(data, fixed.X_train)


@pytest.mark.parametrize("constants", [False, True])
def test_random_masked_rollouts_respect_every_constraint(constants: bool) -> None:
    library = TokenLibrary(n_variables=2, constants=constants)
    builder = PrefixBuilder(library, Constraints(max_length=20))
    rng = np.random.default_rng(0)
    names = library.names
    for _ in range(300):
        builder.reset()
        while not builder.done:
            mask = builder.mask()
            assert mask.any()
            builder.append(int(rng.choice(np.flatnonzero(mask))))
        tokens = [names[t] for t in builder.tokens]
        assert len(tokens) <= 20
        # walk the prefix tree: check trig nesting, inverse pairs and constant-only subtrees
        position = 0

        def visit(trig_above: bool, parent: str | None) -> bool:
            nonlocal position
            name = tokens[position]
            position += 1
            assert not (trig_above and name in TRIG), tokens
            assert (parent, name) not in INVERSE_PAIRS, tokens
            arity = library.arities[names.index(name)]
            has_var = name.startswith("x")
            for _ in range(arity):
                has_var |= visit(trig_above or name in TRIG, name)
            if arity:
                assert has_var, f"constant-only subtree in {tokens}"
            return has_var

        assert visit(False, None), f"the whole expression has no variable: {tokens}"
        assert position == len(tokens)
        values = evaluate_prefix(builder.tokens, library, rng.random((5, 2)), [1.0] * tokens.count("const"))
        assert values.shape == (5,)
        prefix_to_sympy(builder.tokens, library, [1.0] * tokens.count("const"))


def test_constants_are_fitted() -> None:
    env = SymbolicRegressionEnv("Nguyen-10", constants=True)  # 2*sin(x1)*cos(x2)
    env.reset(seed=0)
    names = ["mul", "const", "mul", "sin", "x1", "cos", "x2"]
    score = env.score([env.library.index(n) for n in names])
    assert score.success and score.constants[0] == pytest.approx(2.0, rel=1e-6)


def test_all_twelve_benchmarks_are_registered() -> None:
    assert sorted(NGUYEN) == sorted(f"Nguyen-{k}" for k in range(1, 13))
    assert all(env_id in gym.registry for env_id in IDS)
