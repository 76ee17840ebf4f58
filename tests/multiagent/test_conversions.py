"""Text actions stay ``str`` — same characters, same type — through PettingZoo's AEC <-> Parallel conversions.

PettingZoo's ``parallel_to_aec`` once cast actions to int; a digit string such as a verifier's ``"2"`` would
then have reached the game as the number 2. Each test records what the game itself receives.
"""

from __future__ import annotations

from typing import Any

import pytest
from pettingzoo.utils.conversions import (
    aec_to_parallel_wrapper,
    parallel_to_aec,
    parallel_to_aec_wrapper,
    turn_based_aec_to_parallel,
)

from mathgym.envs.multiagent import debate_v0, solver_verifier_v0

# a digit string, a boxed answer with surrounding whitespace, non-Latin text and the empty string
TRICKY = ["2", "  \\boxed{1}\n", "αβγ ∑ 中文 ½", ""]


def record(game: Any) -> list[tuple[str, Any]]:
    """Wrap ``game.play`` so that every action it receives is logged with its agent."""
    seen: list[tuple[str, Any]] = []
    play = game.play

    def logged(actions):
        seen.extend(actions.items())
        return play(actions)

    game.play = logged
    return seen


@pytest.mark.parametrize("text", TRICKY)
def test_parallel_to_aec_passes_strings_unchanged(text: str) -> None:
    par = solver_verifier_v0.parallel_env(solver="reference")
    seen = record(par.game)
    aec = parallel_to_aec(par)
    aec.reset(seed=0)
    for _agent in aec.agent_iter():
        _, _, terminated, truncated, _ = aec.last()
        aec.step(None if terminated or truncated else text)
    assert seen == [("verifier_0", text)] and type(seen[0][1]) is str


@pytest.mark.parametrize("text", TRICKY)
def test_parallel_aec_parallel_round_trip_passes_strings_unchanged(text: str) -> None:
    # aec_to_parallel(parallel_to_aec(p)) would hand back p itself; the wrapper classes run the real paths
    par = debate_v0.parallel_env(rounds=1)
    seen = record(par.game)
    round_trip = aec_to_parallel_wrapper(parallel_to_aec_wrapper(par))
    round_trip.reset(seed=0)
    sent = {"debater_0": text, "debater_1": text + "!", "judge_0": text}
    while round_trip.agents:
        round_trip.step({a: sent[a] for a in round_trip.agents})
    assert seen == [("debater_0", text), ("debater_1", text + "!"), ("judge_0", text)]
    assert all(type(action) is str for _, action in seen)


@pytest.mark.parametrize("text", TRICKY)
def test_aec_to_parallel_passes_strings_unchanged(text: str) -> None:
    aec = solver_verifier_v0.env(max_solver_turns=1)
    seen = record(aec.unwrapped.game)
    par = turn_based_aec_to_parallel(aec)
    par.reset(seed=0)
    par.step({"solver_0": text, "verifier_0": "ignored"})
    par.step({"solver_0": "ignored", "verifier_0": text})
    assert seen == [("solver_0", text), ("verifier_0", text)]
    assert all(type(action) is str for _, action in seen)


def test_a_digit_string_is_read_as_the_verifiers_answer_after_conversion():
    par = solver_verifier_v0.parallel_env(solver="reference", error_rate=1.0)
    aec = parallel_to_aec(par)
    aec.reset(seed=1)
    label = par.game.label
    for _agent in aec.agent_iter():
        _, reward, terminated, truncated, info = aec.last()
        if terminated or truncated:
            assert info["prediction"] == label and reward == 1.0
            aec.step(None)
        else:
            aec.step(str(label))
