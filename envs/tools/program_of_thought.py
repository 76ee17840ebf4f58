"""Program-of-thought math: the action is a program, its printed output is the answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.envs.math.env import MathEnv
from mathgym.envs.tools.tool_math import SandboxedEnvMixin, tool_info
from mathgym.rewards.base import Reward, StepContext

POT_INSTRUCTION = (
    "Solve the following problem by writing a Python program (in a ```python block) that prints the final "
    "answer, and nothing else, on its last line of output."
)


class ProgramOfThoughtEnv(SandboxedEnvMixin, MathEnv):
    """
    ## Description

    Program-of-thought (PoT) prompting as an environment: one action is a program that computes the
    answer. The env runs it in the sandbox (:mod:`mathgym.sandbox`, local or Docker, fresh process, no
    state kept) and verifies the last non-empty line of its standard output against the gold answer with
    :func:`mathgym.verify`. Text around a fenced program is ignored; an action without a fence is run as a
    bare program.

    ## Action Space

    ``UnicodeText(max_action_length)``: any unicode string.

    ## Observation Space

    ``UnicodeText(max_observation_length)``: the instruction and the problem.

    ## Rewards

    ``reward`` (object or spec for :func:`mathgym.rewards.make_reward`); the default is
    :func:`mathgym.rewards.default_reward` (verified outcome 1, plus 0.1 when an answer could be read),
    applied to the program's answer line. ``StepContext.extra`` holds ``tool`` (the execution) and
    ``answer_text`` (the line that was verified).

    ## Starting State

    As :class:`~mathgym.envs.math.env.MathEnv`: ``reset(seed=...)`` draws a problem, ``options`` may pin one.

    ## Episode End

    Always terminated after the single action.

    ## Info

    ``info`` carries the MathEnv keys plus ``tool`` (``ok``, ``exit_code``, ``timed_out``, ``error``,
    ``truncated``, ``stdout`` (last 400 characters), ``isolation``) and ``answer_text``; the full
    :class:`~mathgym.sandbox.ExecResult` (timings included) is ``env.unwrapped.last_result``.

    ## Arguments

    :param source: as for :class:`~mathgym.envs.math.env.MathEnv` (default ``"gsm8k"``).
    :param reward: reward object or spec; ``None`` for the default above.
    :param sandbox: ``"local"`` (default), ``"docker"``, or a :class:`~mathgym.sandbox.Sandbox`.
    :param sandbox_kwargs: make a dedicated sandbox with these arguments (closed with the env).
    :param timeout_s: seconds the program may run (5).
    :param memory_mb: memory cap of the run (512).
    :param instruction: text put before the problem (``None`` for the default, ``""`` for none).
    :param max_action_length: longest action in characters (longer ones are cut).
    :param max_observation_length: longest observation in characters.
    :param render_mode: ``"ansi"`` or ``"human"``.
    :param source_kwargs: go to the source's constructor (``data_dir``, ``split``, ...).

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/PoT-Arithmetic-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step("print(68 // 17 + 60 * 40)")
    >>> info["answer_text"], terminated, info["is_success"]
    ('2404', True, True)
    >>> env.close()

    ## Version History

    * v0: the initial version (mathgym 0.1.0).
    """

    def __init__(
        self,
        source: Any = "gsm8k",
        *,
        reward: Reward | str | Mapping[str, Any] | None = None,
        sandbox: Any = "local",
        sandbox_kwargs: Mapping[str, Any] | None = None,
        timeout_s: float = 5.0,
        memory_mb: int = 512,
        instruction: str | None = None,
        max_action_length: int = 16_384,
        max_observation_length: int = 65_536,
        render_mode: str | None = None,
        **source_kwargs: Any,
    ) -> None:
        super().__init__(
            source,
            mode="single",
            reward=reward,
            instruction=POT_INSTRUCTION if instruction is None else instruction,
            max_action_length=max_action_length,
            max_observation_length=max_observation_length,
            render_mode=render_mode,
            **source_kwargs,
        )
        if timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")
        self._init_sandbox(sandbox, sandbox_kwargs, timeout_s, memory_mb)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict]:
        text, history = self._take_action(action)
        from mathgym.sandbox.tora import extract_program
        from mathgym.verifier import verify

        result = self.sandbox.run(extract_program(text), timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        self.last_result = (
            result  # the full ExecResult (with timings, not in info: info must be deterministic)
        )
        lines = [line.strip() for line in result.stdout.splitlines() if line.strip()] if result.ok else []
        answer_text = lines[-1] if lines else ""
        assert self.problem is not None  # _take_action checked it
        verdict = verify(answer_text, self.problem)
        tool = tool_info(result, stdout=result.stdout[-400:])
        out = self.reward(
            StepContext(
                problem=self.problem,
                action=text,
                history=history,
                step_index=len(history),
                final=True,
                verdict=verdict,
                extra={"tool": tool, "answer_text": answer_text, "program": text},
            )
        )
        self.done = True
        self._verdict = verdict
        self._record_outcome(verdict)
        info = self._info("answer", verdict=verdict, components=dict(out.components))
        info.update(tool=tool, answer_text=answer_text)
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(out.value), True, False, info

    def close(self) -> None:
        self._close_sandbox()
        super().close()
