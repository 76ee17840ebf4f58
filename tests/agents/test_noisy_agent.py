"""The noisy reference agent errs at the set rates, more on perturbed variants, reproducibly."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from mathgym.agents import make_agent
from mathgym.agents.noisy import SKIP_TEXT, NoisyReferenceAgent, wrong_final_answer
from mathgym.verifier import verify


def accuracy(agent_kwargs: dict, family: str, n: int = 120, mode: str = "single") -> tuple[float, list[str]]:
    env = gym.make("mathgym/Dynamic-v0", mode=mode)
    agent = make_agent("noisy", env=env, **agent_kwargs)
    right, responses = 0, []
    for k in range(n):
        obs, info = env.reset(seed=k, options={"family": family, "variant": k % 20})
        agent.reset(seed=k)
        done = False
        while not done:
            action = agent.act(obs, info)
            obs, _, term, trunc, info = env.step(action)
            done = term or trunc
        responses.append(action)
        right += bool(info["verdict"]["correct"])
    env.close()
    return right / n, responses


def test_registered_and_validated() -> None:
    assert isinstance(make_agent("noisy"), NoisyReferenceAgent)
    with pytest.raises(ValueError, match="error_rate"):
        NoisyReferenceAgent(error_rate=1.5)


def test_error_rates_and_more_errors_on_perturbed_variants() -> None:
    quiet = {"family_spread": 0.0, "skip_rate": 0.0}
    perfect, _ = accuracy(
        {"error_rate": 0.0, "perturbed_error_rate": 0.0, "kind_error_rates": {}, **quiet}, "dyn/alg.ages+noop"
    )
    assert perfect == 1.0
    base, _ = accuracy(
        {"error_rate": 0.1, "perturbed_error_rate": 0.0, "kind_error_rates": {}, **quiet}, "dyn/word.savings"
    )
    noop, _ = accuracy(
        {"error_rate": 0.1, "perturbed_error_rate": 0.0, "kind_error_rates": {"noop": 0.4}, **quiet},
        "dyn/word.savings+noop",
    )
    assert 0.8 <= base <= 0.97 and 0.35 <= noop <= 0.65


def test_skips_give_no_answer_and_step_mode_works() -> None:
    acc, responses = accuracy({"skip_rate": 1.0}, "dyn/seq.fibonacci-like", n=5)
    assert acc == 0 and set(responses) == {SKIP_TEXT}
    assert verify(SKIP_TEXT, "3").extracted is None
    acc, _ = accuracy(
        {
            "error_rate": 0.0,
            "perturbed_error_rate": 0.0,
            "family_spread": 0.0,
            "skip_rate": 0.0,
            "kind_error_rates": {},
        },
        "dyn/word.reading-days",
        n=10,
        mode="step",
    )
    assert acc == 1.0


def test_same_seed_same_answers() -> None:
    assert accuracy({}, "dyn/nt.prime-sum", n=30)[1] == accuracy({}, "dyn/nt.prime-sum", n=30)[1]


def test_wrong_answers_are_wrong() -> None:
    from mathgym.variants.program import program_family

    rng = np.random.default_rng(0)
    for key in ("arith.fraction-sum", "arith.decimal-money", "nt.last-digit"):
        p = program_family(key).variant(3)
        assert not verify(f"\\boxed{{{wrong_final_answer(p, rng)}}}", p).correct
    assert wrong_final_answer(p.replace(answer="yes"), rng) == "no"
