"""stable-baselines3 training on mathgym envs: the learning test, the other algorithms, the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from mathgym.testing import require


def _solve_rate(agent, episodes: int = 40) -> float:
    from mathgym.envs.classic.equation_solve.env import EquationSolveEnv

    env = EquationSolveEnv(levels=(0,), seed=777)  # a problem stream the training never drew from
    agent.reset(seed=0)
    obs, info = env.reset(seed=5)
    solved = []
    for _ in range(episodes):
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
            done = terminated or truncated
        solved.append(info["is_success"])
        obs, info = env.reset()
    return float(np.mean(solved))


def test_maskable_ppo_learns_the_easiest_level_well_above_random(tmp_path) -> None:
    require("torch")
    from mathgym.agents.equation_agents import MaskedRandomAgent
    from mathgym.agents.sb3_agent import SB3Agent
    from mathgym.agents.sb3_train import train

    result = train(
        env_id="EquationSolve-Easy-v0",
        algo="maskable_ppo",
        steps=12288,
        seed=0,
        out_dir=str(tmp_path),
        eval_freq=0,
        checkpoint_freq=0,
        progress_bar=False,
        tensorboard=False,
    )
    assert result.timesteps >= 12288 and result.model_path.exists()
    trained = _solve_rate(SB3Agent(result.model))
    random = _solve_rate(MaskedRandomAgent())
    assert random < 0.25
    assert trained >= 0.8 and trained >= random + 0.5, (trained, random)


@pytest.mark.parametrize("algo", ["ppo", "a2c", "dqn"])
def test_other_algorithms_train_save_and_act(algo: str, tmp_path) -> None:
    require("torch")
    from mathgym.agents.sb3_agent import SB3Agent
    from mathgym.agents.sb3_train import train

    hyperparams = {"learning_starts": 64, "buffer_size": 1000} if algo == "dqn" else {}
    result = train(
        env_id="mathgym/EquationSolve-Easy-v0",
        algo=algo,
        steps=512,
        seed=1,
        n_envs=2,
        out_dir=str(tmp_path),
        eval_freq=256,
        eval_episodes=2,
        checkpoint_freq=256,
        progress_bar=False,
        hyperparams=hyperparams,
    )
    assert (tmp_path / "model.zip").exists() and (tmp_path / "logs" / "progress.csv").exists()
    assert list((tmp_path / "checkpoints").glob("*.zip"))
    assert list((tmp_path / "logs").glob("events.out.tfevents*"))  # TensorBoard
    assert len(result.learning_curve) >= 1 and "success_rate" in result.learning_curve[0]
    assert (tmp_path / "learning_curve.csv").read_text().startswith("timesteps,mean_reward,success_rate")
    agent = SB3Agent(str(tmp_path / "model.zip"))  # algo read from config.json
    assert 0 <= _solve_rate(agent, episodes=2) <= 1


def test_training_is_deterministic(tmp_path) -> None:
    require("torch")
    from mathgym.agents.sb3_train import train

    runs = [
        train(
            env_id="mathgym/SymbolicRegression-Nguyen1-v0",
            algo="maskable_ppo",
            steps=256,
            seed=3,
            n_envs=2,
            out_dir=str(tmp_path / str(i)),
            eval_freq=0,
            checkpoint_freq=0,
            progress_bar=False,
            tensorboard=False,
            hyperparams={"n_steps": 64, "batch_size": 64},
        )
        for i in range(2)
    ]
    params = [r.model.policy.state_dict() for r in runs]
    assert all(np.array_equal(params[0][k].numpy(), params[1][k].numpy()) for k in params[0])


def test_train_cli(tmp_path) -> None:
    require("torch")
    from typer.testing import CliRunner

    from mathgym.cli.train import app

    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "train",
            "EquationSolve-Easy-v0",
            "--algo",
            "ppo",
            "--steps",
            "256",
            "--n-envs",
            "2",
            "--out",
            str(out),
            "--eval-freq",
            "0",
            "--checkpoint-freq",
            "0",
            "--no-progress",
            "--env-arg",
            "max_moves=10",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "model:" in result.output and (out / "model.zip").exists()
    bad = CliRunner().invoke(app, ["train", "EquationSolv-v0", "--steps", "10"])
    assert bad.exit_code == 2 and "EquationSolve" in bad.output
