"""The native vector envs of the classic ids: Gymnasium's vector-env contract, step-for-step equality with a
``SyncVectorEnv`` of single envs, autoreset, and training (SB3 through the ``VecEnv`` adapter, and a plain PPO
loop written against the Gymnasium vector API)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from mathgym.testing import require

IDS = [
    "mathgym/EquationSolve-v0",
    "mathgym/EquationSolve-Hard-v0",
    "mathgym/Countdown-v0",
    "mathgym/SymbolicRegression-Nguyen1-v0",
    "mathgym/SymbolicRegression-Nguyen12-v0",
]


def _native(env_id: str, n: int, **kwargs) -> gym.vector.VectorEnv:
    return gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)


def _sample(infos: dict, rng: np.random.Generator, invalid_rate: float = 0.1) -> np.ndarray:
    masks = infos["action_mask"]
    out = []
    for mask in masks:
        valid = np.flatnonzero(mask)
        out.append(
            rng.choice(valid) if valid.size and rng.random() > invalid_rate else rng.integers(mask.size)
        )
    return np.array(out)


def _assert_same(a, b, path: tuple = ()) -> None:
    """Vector infos agree wherever the first says a key is set (the ``_key`` masks must agree too)."""
    if isinstance(a, dict):
        for key, value in a.items():
            if key.lstrip("_") in (
                "equation_tree",
                "token_names",
                "spec",
                "expression",
                "tokens",
                "constants",
            ):
                continue  # per-step objects the native envs give through accessors instead (see their docs)
            assert key in b, path + (key,)
            mask = a.get(f"_{key}")
            if mask is not None and not key.startswith("_"):
                assert np.array_equal(mask, b[f"_{key}"]), path + (key,)
            _assert_same(value, b[key], path + (key,)) if mask is None or isinstance(
                value, dict
            ) else _assert_same(np.asarray(value)[mask], np.asarray(b[key])[mask], path + (key,))
        return
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == object or b.dtype == object:
        assert list(a) == list(b), path
    else:
        assert np.array_equal(a, b), path


@pytest.mark.parametrize("env_id", IDS)
def test_make_vec_returns_the_native_env_with_batched_spaces_and_autoreset_metadata(env_id: str) -> None:
    envs = gym.make_vec(env_id, num_envs=64)  # the vector entry point is the default
    assert "VectorEnv" in type(envs.unwrapped).__name__ and not isinstance(envs, gym.vector.SyncVectorEnv)
    assert envs.num_envs == 64 and envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    single = gym.make(env_id).unwrapped
    assert envs.single_observation_space == single.observation_space
    assert envs.single_action_space == single.action_space
    assert envs.observation_space == batch_space(single.observation_space, 64)
    assert envs.action_space == batch_space(single.action_space, 64)
    obs, infos = envs.reset(seed=0)
    assert obs in envs.observation_space and infos["action_mask"].shape == (64, single.action_space.n)
    rng = np.random.default_rng(0)
    for _ in range(30):
        actions = _sample(infos, rng)
        assert actions in envs.action_space
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        assert obs in envs.observation_space
        assert rewards.shape == terminated.shape == truncated.shape == (64,)
        assert rewards.dtype == np.float64 and terminated.dtype == truncated.dtype == np.bool_
    envs.close()


@pytest.mark.parametrize("env_id", IDS)
def test_native_vector_env_equals_a_sync_vector_env_of_single_envs_step_for_step(env_id: str) -> None:
    n = 8
    native, sync = _native(env_id, n), gym.make_vec(env_id, num_envs=n, vectorization_mode="sync")
    obs_a, info_a = sync.reset(seed=5)
    obs_b, info_b = native.reset(seed=5)
    assert np.array_equal(obs_a, obs_b)
    _assert_same(info_a, info_b)
    rng = np.random.default_rng(1)
    ended = 0
    for _ in range(150):
        actions = _sample(info_a, rng)
        obs_a, rew_a, term_a, trunc_a, info_a = sync.step(actions)
        obs_b, rew_b, term_b, trunc_b, info_b = native.step(actions)
        assert np.array_equal(obs_a, obs_b) and np.array_equal(rew_a, rew_b)
        assert np.array_equal(term_a, term_b) and np.array_equal(trunc_a, trunc_b)
        _assert_same(info_a, info_b)
        ended += int((term_a | trunc_a).sum())
    assert ended >= 5  # autoreset was exercised


@pytest.mark.parametrize("env_id", IDS)
def test_seeding_is_deterministic_and_returned_arrays_are_not_reused(env_id: str) -> None:
    def run(seed: int) -> list[np.ndarray]:
        envs = _native(env_id, 16)
        obs, infos = envs.reset(seed=seed)
        rng = np.random.default_rng(2)
        out = [obs]
        for _ in range(20):
            obs, rewards, *_, infos = envs.step(_sample(infos, rng))
            out += [obs, rewards]
        return out

    first, second = run(3), run(3)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    envs = _native(env_id, 4)
    obs, infos = envs.reset(seed=0)
    kept = obs.copy()
    envs.step(_sample(infos, np.random.default_rng(0), invalid_rate=0.0))
    assert np.array_equal(obs, kept)  # the step wrote a new array


def test_next_step_autoreset_and_disabled_mode_with_reset_mask() -> None:
    envs = _native("mathgym/Countdown-v0", 4)
    obs, infos = envs.reset(seed=0)
    rng = np.random.default_rng(0)
    while True:
        obs, rewards, terminated, truncated, infos = envs.step(_sample(infos, rng, 0.0))
        if (terminated | truncated).any():
            break
    done = terminated | truncated
    _, rewards2, terminated2, truncated2, _ = envs.step(_sample(infos, rng, 0.0))
    assert (rewards2[done] == 0).all() and not (terminated2[done] | truncated2[done]).any()  # the reset step

    disabled = _native("mathgym/SymbolicRegression-Nguyen1-v0", 4, autoreset_mode=AutoresetMode.DISABLED)
    obs, infos = disabled.reset(seed=0)
    x1 = disabled.unwrapped.token_names.index("x1")
    obs, rewards, terminated, _, infos = disabled.step(np.full(4, x1))  # "x1" is a complete expression
    assert terminated.all() and not infos["action_mask"].any()
    obs, rewards, terminated, _, _ = disabled.step(np.full(4, x1))  # finished sub-envs ignore their actions
    assert not terminated.any() and (rewards == 0).all()
    mask = np.array([True, False, True, False])
    obs, infos = disabled.reset(options={"reset_mask": mask})
    assert (infos["action_mask"].any(1) == mask).all() and (obs[mask, 3] == 0).all()


def test_sb3_adapter_trains_maskable_ppo_on_64_native_sub_envs() -> None:
    require("torch")
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.vec_env import VecMonitor

    from mathgym.agents.sb3_vector import make_sb3_vector_env

    venv = VecMonitor(
        make_sb3_vector_env("mathgym/EquationSolve-v0", 64, seed=0), info_keywords=("is_success",)
    )
    model = MaskablePPO(
        "MlpPolicy",
        venv,
        n_steps=32,
        batch_size=512,
        n_epochs=4,
        seed=0,
        policy_kwargs={"net_arch": [128, 128]},
    )
    model.learn(total_timesteps=2 * 64 * 32)
    assert model.num_timesteps >= 4096
    obs = venv.reset()
    masks = np.stack(venv.env_method("action_masks"))
    actions, _ = model.predict(obs, action_masks=masks, deterministic=True)
    assert masks[np.arange(64), actions].all()  # masked prediction picks valid actions


def _plain_ppo(envs: gym.vector.VectorEnv, updates: int, steps: int, seed: int):
    """A minimal PPO with invalid-action masking, written only against the Gymnasium vector API."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    n_obs, n_act, n = envs.single_observation_space.shape[0], envs.single_action_space.n, envs.num_envs
    net = nn.Sequential(nn.Linear(n_obs, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh())
    actor, critic = nn.Linear(128, n_act), nn.Linear(128, 1)
    params = [*net.parameters(), *actor.parameters(), *critic.parameters()]
    optimizer = torch.optim.Adam(params, lr=3e-4)
    generator = torch.Generator().manual_seed(seed)

    def heads(obs: torch.Tensor, mask: torch.Tensor) -> tuple[torch.distributions.Categorical, torch.Tensor]:
        hidden = net(obs)
        logits = actor(hidden).masked_fill(~mask, -1e9)
        return torch.distributions.Categorical(logits=logits), critic(hidden).squeeze(-1)

    obs, infos = envs.reset(seed=seed)
    starts = np.zeros(n, dtype=bool)  # the step resets these sub-envs (next-step autoreset)
    for _ in range(updates):
        batch = {k: [] for k in ("obs", "mask", "action", "logp", "value", "reward", "done", "valid")}
        for _ in range(steps):
            o, m = torch.as_tensor(obs), torch.as_tensor(infos["action_mask"])
            with torch.no_grad():
                dist, value = heads(o, m)
                action = torch.multinomial(dist.probs, 1, generator=generator).squeeze(1)
            obs, reward, terminated, truncated, infos = envs.step(action.numpy())
            for key, item in (
                ("obs", o),
                ("mask", m),
                ("action", action),
                ("logp", dist.log_prob(action)),
                ("value", value),
                ("reward", torch.as_tensor(reward, dtype=torch.float32)),
                ("done", torch.as_tensor(terminated | truncated)),
                ("valid", torch.as_tensor(~starts)),
            ):
                batch[key].append(item)
            starts = terminated | truncated
        b = {k: torch.stack(v) for k, v in batch.items()}
        with torch.no_grad():  # GAE; an autoreset step carries no transition and cuts the return
            _, last = heads(torch.as_tensor(obs), torch.as_tensor(infos["action_mask"]))
            advantages = torch.zeros_like(b["reward"])
            running = torch.zeros(n)
            for t in reversed(range(steps)):
                following = last if t == steps - 1 else b["value"][t + 1]
                cont = (~b["done"][t]).float()
                delta = b["reward"][t] + 0.99 * following * cont - b["value"][t]
                running = delta + 0.99 * 0.95 * cont * running
                running = torch.where(b["valid"][t], running, torch.zeros(n))
                advantages[t] = running
            returns = advantages + b["value"]
        keep = b["valid"].reshape(-1)
        flat = {k: v.reshape(-1, *v.shape[2:])[keep] for k, v in b.items()}
        adv, ret = advantages.reshape(-1)[keep], returns.reshape(-1)[keep]
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        for _ in range(4):
            dist, value = heads(flat["obs"], flat["mask"])
            ratio = (dist.log_prob(flat["action"]) - flat["logp"]).exp()
            policy_loss = -torch.min(ratio * adv, ratio.clamp(0.8, 1.2) * adv).mean()
            loss = policy_loss + 0.5 * ((value - ret) ** 2).mean() - 0.01 * dist.entropy().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return lambda o, m: heads(torch.as_tensor(o), torch.as_tensor(m))[0].probs.argmax(-1).numpy()


def _success_rate(policy, env_id: str, seed: int, episodes: int) -> float:
    envs = _native(env_id, 32, seed=seed, autoreset_mode=AutoresetMode.DISABLED)
    solved = []
    for _ in range(max(1, episodes // 32)):
        obs, infos = envs.reset(seed=seed)
        live = np.ones(32, dtype=bool)
        while live.any():
            obs, _, terminated, truncated, step_infos = envs.step(policy(obs, infos["action_mask"]))
            infos = step_infos
            ended = (terminated | truncated) & live
            solved += list(step_infos["is_success"][ended]) if ended.any() else []
            live &= ~(terminated | truncated)
        seed += 32
    return float(np.mean(solved))


def test_a_plain_ppo_loop_learns_on_the_native_vector_env() -> None:
    require("torch")
    envs = _native("mathgym/EquationSolve-Easy-v0", 64)
    policy = _plain_ppo(envs, updates=12, steps=32, seed=0)

    def random(obs: np.ndarray, masks: np.ndarray) -> np.ndarray:
        return np.array([np.random.default_rng(k).choice(np.flatnonzero(m)) for k, m in enumerate(masks)])

    trained = _success_rate(policy, "mathgym/EquationSolve-Easy-v0", seed=10_000, episodes=128)
    baseline = _success_rate(random, "mathgym/EquationSolve-Easy-v0", seed=10_000, episodes=128)
    assert trained >= baseline + 0.3, (trained, baseline)
