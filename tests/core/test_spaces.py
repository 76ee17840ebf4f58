"""UnicodeText: any unicode string, including through AsyncVectorEnv's shared memory."""

from __future__ import annotations

import gymnasium as gym
from gymnasium.spaces.utils import flatten, unflatten

from mathgym.spaces import UnicodeText

SAMPLES = ["", "x = 3", "∫₀¹ x² dx = ⅓ — 中文 😀 \x00 tab\tand\nnewline", "a" * 50]


def test_contains_any_unicode_up_to_max_length() -> None:
    space = UnicodeText(50)
    assert all(space.contains(s) for s in SAMPLES)
    assert not space.contains("a" * 51) and not space.contains(3)
    assert space.contains(space.sample())


def test_flatten_round_trip() -> None:
    space = UnicodeText(64)
    for text in SAMPLES:
        assert unflatten(space, flatten(space, text)) == text


def test_async_vector_env_shared_memory_keeps_text() -> None:
    envs = gym.make_vec(
        "mathgym/Arithmetic-v0", num_envs=2, vectorization_mode="async", vector_kwargs={"shared_memory": True}
    )
    obs, infos = envs.reset(seed=0)
    single = [gym.make("mathgym/Arithmetic-v0").reset(seed=s)[0] for s in (0, 1)]
    envs.step(["\\boxed{1}", "\\boxed{2}"])
    after_autoreset, *_ = envs.step(["\\boxed{1}", "\\boxed{2}"])  # next-step autoreset: new problems
    envs.close()
    assert list(obs) == single
    assert "\\boxed{}" in obs[0]
    assert all(a != b and "\\boxed{}" in a for a, b in zip(after_autoreset, obs))
