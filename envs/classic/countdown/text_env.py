"""Countdown as a single-turn text task for LLM agents (same problems and verifier as the numeric form)."""

from __future__ import annotations

from typing import Any

from mathgym.envs.base import MathgymEnv
from mathgym.envs.classic.countdown.game import CountdownSource, verify_countdown_problem
from mathgym.problem import Problem
from mathgym.rewards.base import Reward, StepContext
from mathgym.sources.base import Source, choose_problem
from mathgym.spaces import UnicodeText


class CountdownTextEnv(MathgymEnv[str, str]):
    """Countdown for LLM agents: the prompt states the numbers and target, the answer is an expression.

    ## Description

    The problem (from :class:`~mathgym.envs.classic.countdown.game.CountdownSource`, shared with
    ``mathgym/Countdown-v0``) asks for an expression over the given numbers that equals the target. The response
    is checked by :func:`~mathgym.envs.classic.countdown.game.verify_countdown`: the expression in
    ``<answer></answer>`` tags (or ``\\boxed{}``, or a last line of pure arithmetic) must use only + - * /, each
    given number at most once, keep every intermediate result a positive integer, and equal the target. Several
    different answers in one response are refused.

    ## Action Space

    ``UnicodeText(max_action_length)``: the whole response.

    ## Observation Space

    ``UnicodeText(max_observation_length)``: the prompt.

    ## Rewards

    By default ``solved``: 1 for a verified answer, else 0 (a :class:`~mathgym.rewards.OutcomeReward` on
    the Countdown verdict); ``reward=`` takes any other :class:`~mathgym.rewards.Reward`.
    ``info["reward_components"]`` has the parts and ``info["verdict"]`` the verdict.

    ## Starting State

    A problem drawn from ``source`` with the env's ``np_random``; ``options`` may pin one with
    ``{"problem_id": ...}``, ``{"index": i}`` or ``{"problem": Problem}``.

    ## Episode End

    Terminated after the single response.

    ## Arguments

    :param n_numbers: numbers per problem (default source).
    :param max_number: largest given number (default source).
    :param max_target: largest target (default source).
    :param source: any Countdown source (``meta["numbers"]``, ``meta["target"]``).
    :param seed: seed of the default source's problem stream.
    :param reward: a custom reward replacing the default.
    :param max_action_length: longest response, in characters (longer ones are cut).
    :param max_observation_length: longest prompt, in characters.
    :param render_mode: ``"ansi"`` returns the prompt and the response.

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/CountdownText-v0")
    >>> obs, info = env.reset(seed=0)
    >>> env.unwrapped.problem.meta["numbers"], env.unwrapped.problem.meta["target"]
    ((32, 17, 26, 46), 41)
    >>> obs, reward, terminated, truncated, info = env.step("<answer>(26 - 17) + 32</answer>")
    >>> reward, terminated, info["is_success"]
    (1.0, True, True)

    ## Version History

    * v0: the initial version (mathgym 0.1.0).
    """

    action_space: UnicodeText
    observation_space: UnicodeText

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        n_numbers: int = 4,
        *,
        max_number: int = 50,
        max_target: int = 200,
        source: Source | None = None,
        seed: int = 0,
        reward: Reward | None = None,
        max_action_length: int = 16_384,
        max_observation_length: int = 4_096,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode)
        self.source = (
            source
            if source is not None
            else CountdownSource(n_numbers, max_number=max_number, max_target=max_target, seed=seed)
        )
        if reward is None:
            from mathgym.rewards.outcome import OutcomeReward

            reward = OutcomeReward(name="solved")
        self.reward = reward
        self.action_space = UnicodeText(max_action_length)
        self.observation_space = UnicodeText(max_observation_length)
        self.problem: Problem | None = None
        self.response: str | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        self.problem = choose_problem(self.source, options or {}, self.np_random)
        self.response = None
        self.reward.reset(self.problem)
        return self._prompt(), {
            "problem_id": self.problem.id,
            "family": self.problem.family,
            "step_kind": "prompt",
            "verdict": None,
            "reward_components": {},
        }

    def step(self, action: str) -> tuple[str, float, bool, bool, dict]:
        if self.problem is None or self.response is not None:
            raise RuntimeError("the episode has ended (or never started): call reset() first")
        self.response = str(action)[: self.action_space.max_length]
        verdict = verify_countdown_problem(self.response, self.problem)
        out = self.reward(
            StepContext(problem=self.problem, action=self.response, final=True, verdict=verdict)
        )
        info = {
            "problem_id": self.problem.id,
            "family": self.problem.family,
            "step_kind": "answer",
            "verdict": verdict.to_dict(),
            "is_success": verdict.correct,
            "reward_components": dict(out.components),
        }
        return self._prompt(), float(out.value), True, False, info

    def render_text(self) -> str | None:
        """The prompt and the response."""
        if self.problem is None:
            return None
        return self._prompt() + (f"\n\n{self.response}" if self.response is not None else "")

    def _prompt(self) -> str:
        assert self.problem is not None
        return self.problem.prompt[: self.observation_space.max_length]
