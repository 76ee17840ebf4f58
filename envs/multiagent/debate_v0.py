"""Debate: two debaters answer a problem and argue over rounds; a judge picks one; the verifier is ground truth.

## Description

A problem is drawn from a mathgym source. In each of ``rounds`` rounds ``debater_0`` and ``debater_1``
move at once (neither sees the other's move of the same round): in round 0 each states an answer in
``\\boxed{}`` with an argument; in later rounds each rebuts, and may restate its answer (a debater's answer
is the last boxed answer it gave). Then ``judge_0`` — any policy: an LLM, a script, a human — reads the
transcript and picks ``\\boxed{0}``, ``\\boxed{1}`` or ``\\boxed{-1}`` (neither answer is right). mathgym's
verifier checks both answers against the gold answer and decides all three rewards.

## Action Space

All agents: ``UnicodeText(max_action_length)``, any ``str``.

## Observation Space

All agents: ``Dict({"text": UnicodeText(max_observation_length)})``: the role's instruction, the problem and
the transcript of the finished rounds (the judge sees a waiting notice until the debate ends).

## Rewards

At the end. The judge gets 1 when its pick is right (the picked debater's answer is correct, or ``-1``
when neither is), else 0; an unreadable pick is wrong. Debaters, ``reward_mode="truth"`` (default): 1 for
a correct final answer, else 0. ``reward_mode="zero_sum"``: the picked debater +1, the other -1 (both 0
when the judge picks neither or cannot be read) — the classic debate game, where persuading matters.
``infos`` at the end carry ``answers``, ``correct``, ``pick`` and ``judge_right``.

## Starting State

A problem drawn from ``source`` with the env's random stream (``reset(options={"problem_id": ...})`` or
``{"index": i}`` pins one).

## Episode End

Terminated after the judge's pick. Never truncated.

## Arguments

:param source: a :class:`~mathgym.sources.base.Source` or a spec such as ``"generator:Arithmetic"``.
:param rounds: debate rounds (>= 1).
:param reward_mode: ``"truth"`` or ``"zero_sum"``.
:param max_action_length: longest action in characters.
:param max_observation_length: longest observation in characters.
:param render_mode: ``"ansi"`` or ``None``.
:param source_kwargs: passed to the source constructor (``level=1``, ...).

## Example

>>> from mathgym.envs.multiagent import debate_v0
>>> env = debate_v0.parallel_env(rounds=1)  # default source: the Arithmetic generator
>>> obs, infos = env.reset(seed=0)
>>> _ = env.step({"debater_0": "68 ÷ 17 + 2400 = \\\\boxed{2404}", "debater_1": "\\\\boxed{2400}"})
>>> obs, rewards, terminations, truncations, infos = env.step({"judge_0": "\\\\boxed{0}"})
>>> rewards
{'debater_0': 1.0, 'debater_1': 0.0, 'judge_0': 1.0}

## Version History

* v0: the initial version (mathgym 0.1.0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from mathgym.envs.multiagent.core import (
    MAX_ACTION_CHARS,
    MAX_OBSERVATION_CHARS,
    Game,
    as_text,
    env_functions,
    fit_text,
    last_boxed,
    text_action_space,
    text_observation_space,
)
from mathgym.problem import Problem
from mathgym.sources.base import Source, choose_problem
from mathgym.sources.registry import make_source

DEBATERS = ("debater_0", "debater_1")
JUDGE = "judge_0"


def judge_pick(text: str) -> int | None:
    """The judge's pick: 0, 1, or -1 (neither), from the last ``\\boxed{}`` or the whole text; else ``None``.

    :param text: the judge's action.
    """
    candidate = (last_boxed(text) or text).strip().strip(".").lower()
    candidate = re.sub(r"^debater[ _]", "", candidate)
    if candidate in ("neither", "none"):
        return -1
    return int(candidate) if candidate in ("0", "1", "-1") else None


class Debate(Game):
    """The rules; see the module docstring.

    :param source: problem source or spec.
    :param rounds: debate rounds.
    :param reward_mode: ``"truth"`` or ``"zero_sum"``.
    :param max_action_length: longest action.
    :param max_observation_length: longest observation.
    :param render_mode: ``"ansi"`` or ``None``.
    :param source_kwargs: source constructor arguments.
    """

    name = "debate_v0"

    def __init__(
        self,
        source: Source | str = "generator:Arithmetic",
        *,
        rounds: int = 2,
        reward_mode: str = "truth",
        max_action_length: int = MAX_ACTION_CHARS,
        max_observation_length: int = MAX_OBSERVATION_CHARS,
        render_mode: str | None = None,
        **source_kwargs: Any,
    ) -> None:
        if rounds < 1:
            raise ValueError(f"rounds must be >= 1, got {rounds}")
        if reward_mode not in ("truth", "zero_sum"):
            raise ValueError(f"reward_mode must be 'truth' or 'zero_sum', got {reward_mode!r}")
        self.check_render_mode(render_mode)
        self.source = make_source(source, **source_kwargs)
        self.rounds, self.reward_mode = rounds, reward_mode
        self.max_action_length, self.max_observation_length = max_action_length, max_observation_length
        self.possible_agents = [*DEBATERS, JUDGE]
        self.observation_spaces = {
            a: text_observation_space(max_observation_length) for a in self.possible_agents
        }
        self.action_spaces = {a: text_action_space(max_action_length) for a in self.possible_agents}
        self.problem: Problem | None = None
        self.transcript: list[dict[str, str]] = []
        self.answers: dict[str, str | None] = {}
        self.correct: dict[str, bool] = {}
        self.pick: int | None = None
        self.judged = False

    def start(self, rng: np.random.Generator, options: Mapping[str, Any]) -> None:
        self.problem = choose_problem(self.source, options, rng)
        self.transcript = []
        self.answers = dict.fromkeys(DEBATERS)
        self.correct = {}
        self.pick, self.judged = None, False

    @property
    def over(self) -> bool:
        return self.judged

    def to_act(self) -> tuple[str, ...]:
        if self.judged:
            return ()
        return DEBATERS if len(self.transcript) < self.rounds else (JUDGE,)

    def play(self, actions: Mapping[str, Any]) -> dict[str, float]:
        if JUDGE not in actions:
            moves = {a: as_text(actions[a], self.max_action_length) for a in DEBATERS}
            for a, text in moves.items():
                boxed = last_boxed(text)
                if boxed is not None:
                    self.answers[a] = boxed
            self.transcript.append(moves)
            if len(self.transcript) == self.rounds:
                self._check_answers()
            return {}
        self.pick = judge_pick(as_text(actions[JUDGE], self.max_action_length))
        self.judged = True
        return self._rewards()

    def _check_answers(self) -> None:
        from mathgym.verifier import verify

        for a in DEBATERS:
            answer = self.answers[a]
            self.correct[a] = answer is not None and bool(
                verify(f"\\boxed{{{answer}}}", self.problem).correct
            )

    def judge_right(self) -> bool:
        """Whether the judge's pick agrees with the verifier."""
        if self.pick is None:
            return False
        if self.pick == -1:
            return not any(self.correct.values())
        return self.correct[DEBATERS[self.pick]]

    def _rewards(self) -> dict[str, float]:
        rewards = {JUDGE: float(self.judge_right())}
        if self.reward_mode == "truth":
            rewards.update({a: float(self.correct[a]) for a in DEBATERS})
        elif self.pick in (0, 1):
            rewards.update({DEBATERS[self.pick]: 1.0, DEBATERS[1 - self.pick]: -1.0})
        else:
            rewards.update(dict.fromkeys(DEBATERS, 0.0))
        return rewards

    def _transcript_text(self) -> str:
        return "\n\n".join(
            f"Round {r}\nDebater 0: {moves['debater_0']}\nDebater 1: {moves['debater_1']}"
            for r, moves in enumerate(self.transcript)
        )

    def observe(self, agent: str) -> Any:
        assert self.problem is not None
        if agent == JUDGE:
            if len(self.transcript) < self.rounds:
                parts = ["Waiting for the debate on: " + self.problem.prompt]
            else:
                parts = [
                    "Two debaters answered this problem and argued. Decide which answer is correct: "
                    "\\boxed{0} for debater 0, \\boxed{1} for debater 1, \\boxed{-1} if neither is.",
                    "Problem: " + self.problem.prompt,
                    self._transcript_text(),
                ]
        else:
            i = DEBATERS.index(agent)
            parts = [
                f"You are debater {i} of two. A judge will decide whose answer is correct. Give your final "
                "answer within \\boxed{} and argue for it; rebut the other debater in later rounds.",
                "Problem: " + self.problem.prompt,
            ]
            if self.transcript:
                parts.append(self._transcript_text())
            parts.append(
                f"Round {len(self.transcript)} of {self.rounds}: your move."
                if len(self.transcript) < self.rounds
                else "The debate is over."
            )
        return {"text": fit_text("\n\n".join(parts), self.max_observation_length)}

    def info(self, agent: str) -> dict[str, Any]:
        assert self.problem is not None
        out: dict[str, Any] = {"problem_id": self.problem.id, "round": len(self.transcript)}
        if self.judged:
            out.update(
                answers=dict(self.answers),
                correct=dict(self.correct),
                pick=self.pick,
                judge_right=self.judge_right(),
            )
        return out

    def render(self) -> str:
        if self.problem is None:
            return ""
        tail = f"\njudge picks {self.pick}; correct: {self.correct}" if self.judged else ""
        return f"{self.problem.prompt}\n{self._transcript_text()}{tail}"


raw_env, env, parallel_env = env_functions(Debate)
