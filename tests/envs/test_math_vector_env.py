"""MathVectorEnv: ``gym.make_vec`` on text math ids, step-for-step equality with a ``SyncVectorEnv`` of
``gym.make`` envs (both modes, autoreset, datasets, variants), one shared source, per-sub-env rewards."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from mathgym.agents import make_agent
from mathgym.envs.math.vector import MathVectorEnv


class _Reference:
    """``n`` ``gym.make`` envs stepped one by one with Gymnasium's next-step autoreset: what the vector env's
    sub-envs must do."""

    def __init__(self, env_id: str, n: int, **kwargs) -> None:
        self.envs = [gym.make(env_id, **kwargs) for _ in range(n)]
        self.ended = [False] * n

    def reset(self, seed: int) -> tuple[list[str], list[dict]]:
        self.ended = [False] * len(self.envs)
        rows = [env.reset(seed=seed + i) for i, env in enumerate(self.envs)]
        return [r[0] for r in rows], [r[1] for r in rows]

    def step(self, actions: list[str]) -> tuple[list, list, list, list, list]:
        rows = []
        for i, env in enumerate(self.envs):
            if self.ended[i]:
                obs, info = env.reset()
                rows.append((obs, 0.0, False, False, info))
            else:
                rows.append(env.step(actions[i]))
            self.ended[i] = bool(rows[-1][2] or rows[-1][3])
        return tuple(list(column) for column in zip(*rows))  # type: ignore[return-value]


def _sub_info(infos: dict, i: int) -> dict:
    """Sub-env ``i``'s info out of Gymnasium's vector layout (keys whose mask is set for it)."""
    out = {}
    for key, value in infos.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            if infos[f"_{key}"][i]:
                out[key] = _sub_info(value, i)
        elif infos[f"_{key}"][i]:
            out[key] = value[i].item() if isinstance(value[i], np.generic) else value[i]
    return out


def _set(info: dict) -> dict:
    """An info without its unset (``None``) keys: the vector layout drops them where other sub-envs set them."""
    return {k: _set(v) if isinstance(v, dict) else v for k, v in info.items() if v is not None}


def _actions(agents: list, observations, infos: list[dict], rng: np.random.Generator) -> list[str]:
    """The reference agent's next step, or a wrong answer for a third of the sub-envs (so both outcomes
    and, in step mode, truncation happen)."""
    return [
        "#### -123456789" if rng.random() < 0.33 else agent.act(observations[i], infos[i])
        for i, agent in enumerate(agents)
    ]


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("mathgym/Arithmetic-v0", {}),
        ("mathgym/LinearEquation-v0", {"mode": "step", "max_steps": 3}),
        ("mathgym/GSM8K-v0", {}),
        ("mathgym/Dynamic-Arithmetic-v0", {}),
    ],
    ids=["generator", "step-mode", "dataset", "variants"],
)
def test_sub_envs_play_what_made_envs_play_step_for_step(env_id: str, kwargs: dict) -> None:
    n = 6
    native = gym.make_vec(env_id, num_envs=n, **kwargs)
    reference = _Reference(env_id, n, **kwargs)
    assert isinstance(native, MathVectorEnv)
    single = reference.envs[0]
    assert native.single_observation_space == single.observation_space
    assert native.single_action_space == single.action_space
    observations, vector_infos = native.reset(seed=11)
    obs, infos = reference.reset(seed=11)
    assert list(observations) == obs and observations in native.observation_space
    assert [_set(_sub_info(vector_infos, i)) for i in range(n)] == [_set(info) for info in infos]
    agents = [make_agent("reference", env=env) for env in reference.envs]
    rng = np.random.default_rng(0)
    ended = successes = truncations = 0
    for _ in range(12):
        actions = _actions(agents, obs, infos, rng)
        assert actions in native.action_space
        obs, rewards, terminated, truncated, infos = reference.step(actions)
        observations, rew, term, trunc, vector_infos = native.step(actions)
        assert list(observations) == obs and observations in native.observation_space
        assert rew.dtype == np.float64 and rew.tolist() == rewards
        assert term.tolist() == terminated and trunc.tolist() == truncated
        assert [_set(_sub_info(vector_infos, i)) for i in range(n)] == [_set(info) for info in infos]
        ended += sum(terminated) + sum(truncated)
        truncations += sum(truncated)
        successes += sum(bool(info.get("is_success")) for info in infos)
    assert ended >= n and 0 < successes < ended  # autoreset ran, and both outcomes were seen
    assert truncations > 0 if kwargs.get("mode") == "step" else truncations == 0
    native.close()


def test_a_sync_vector_env_of_made_envs_gives_the_same_single_mode_infos() -> None:
    native = gym.make_vec("mathgym/Arithmetic-v0", num_envs=4)
    sync = gym.make_vec("mathgym/Arithmetic-v0", num_envs=4, vectorization_mode="sync")
    assert not isinstance(sync, MathVectorEnv) and native.observation_space == sync.observation_space
    for a, b in [
        (native.reset(seed=3), sync.reset(seed=3)),
        (native.step(["#### 1"] * 4), sync.step(["#### 1"] * 4)),
    ]:
        assert a[0] == b[0]
        assert str(a[-1]) == str(b[-1])


def test_sub_envs_share_one_source_and_own_their_rewards() -> None:
    from mathgym.rewards import default_reward

    reward = default_reward()
    envs = MathVectorEnv(4, "gsm8k", reward=reward)
    sources = {id(env.source) for env in envs.envs}
    rewards = {id(env.reward) for env in envs.envs}
    assert sources == {id(envs.source)} and envs.source.name == "gsm8k"
    assert len(rewards) == 4 and id(reward) not in rewards  # rewards keep per-episode state: one each
    assert envs.envs[0].mode == "single" and envs.envs[0].reward is not envs.envs[1].reward


def test_arguments_reach_the_sub_envs_and_the_source() -> None:
    envs = gym.make_vec("mathgym/Arithmetic-v0", num_envs=3, mode="step", max_steps=2, level=0)
    assert all(env.mode == "step" and env.max_steps == 2 for env in envs.envs)
    assert envs.source.level == 0
    with pytest.raises(ValueError, match="num_envs must be >= 1"):
        MathVectorEnv(0)
    for make in (gym.make, lambda *a, **k: gym.make_vec(*a, num_envs=2, **k)):
        with pytest.raises(TypeError, match="levle"):  # the same error as the single env's
            make("mathgym/Arithmetic-v0", levle=0)


def test_one_curriculum_sees_every_sub_envs_outcomes() -> None:
    spec = {"generator": "Arithmetic", "attributes": {"terms": [2, 3, 4]}, "promote_at": 0.9, "window": 8}
    envs = MathVectorEnv(4, curriculum=spec, autoreset_mode=AutoresetMode.DISABLED)
    curriculum = envs.source.curriculum
    agents = [make_agent("reference", env=env) for env in envs.envs]
    observations, infos = envs.reset(seed=0)
    levels = []
    for _ in range(4):  # 16 correct episodes over 4 sub-envs: two full windows
        envs.step([agent.act(observations[i], {}) for i, agent in enumerate(agents)])
        levels.append(curriculum.level)
        observations, infos = envs.reset()
    assert levels == [0, 1, 1, 2]


def test_the_rollout_driver_drives_its_sub_envs() -> None:
    from mathgym.agents.llm.rollout import RolloutDriver

    class Echo:
        """Test double for a policy: answers 0 to every prompt."""

        backend = "scripted"

        def generate(self, items, n=1, sampling=None, *, stop=None):
            from mathgym.agents.llm.types import Completion

            return [[Completion("#### 0", finish_reason="stop")] * n for _ in items]

    envs = gym.make_vec("mathgym/Arithmetic-v0", num_envs=3)
    trajectories = RolloutDriver(Echo()).run(envs, seeds=[1, 2, 3])
    single = SyncVectorEnv([lambda: gym.make("mathgym/Arithmetic-v0")] * 3)
    again = RolloutDriver(Echo()).run(single, seeds=[1, 2, 3])
    assert [t.problem_id for t in trajectories] == [t.problem_id for t in again]
    assert all(t.terminated and t.actions == ["#### 0"] for t in trajectories)


def test_disabled_autoreset_restarts_only_the_masked_sub_envs() -> None:
    envs = gym.make_vec("mathgym/Arithmetic-v0", num_envs=3, autoreset_mode=AutoresetMode.DISABLED)
    _, infos = envs.reset(seed=0)
    first = list(infos["problem_id"])
    _, _, terminated, _, _ = envs.step(["#### 0"] * 3)
    assert terminated.all()
    with pytest.raises(RuntimeError, match="reset_mask"):
        envs.step(["#### 0"] * 3)
    _, infos = envs.reset(options={"reset_mask": np.array([False, True, False])})
    assert infos["_problem_id"].tolist() == [False, True, False] and infos["problem_id"][1] != first[1]
    with pytest.raises(RuntimeError, match="sub-env 0 has ended"):
        envs.step(["#### 0"] * 3)
    envs.reset()
    envs.step(["#### 0"] * 3)


def test_bad_vector_arguments_are_clear() -> None:
    with pytest.raises(ValueError, match="NEXT_STEP and DISABLED"):
        MathVectorEnv(2, autoreset_mode=AutoresetMode.SAME_STEP)
    envs = MathVectorEnv(2)
    with pytest.raises(ValueError, match="expected 2 seeds"):
        envs.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match="reset_mask"):
        envs.reset(options={"reset_mask": [True, False]})
    with pytest.raises(ValueError, match="no sub-env"):
        envs.reset(options={"reset_mask": np.zeros(2, dtype=bool)})
    envs.reset(seed=0)
    with pytest.raises(ValueError, match="expected 2 actions"):
        envs.step(["#### 1"])
