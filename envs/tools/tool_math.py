"""Tool-integrated math reasoning (ToRA / Qwen2.5-Math TIR style): the policy writes programs, the env runs them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mathgym.envs.math.env import MathEnv
from mathgym.problem import Problem
from mathgym.rewards.base import Reward, StepContext
from mathgym.sandbox import tora

if TYPE_CHECKING:
    from mathgym.sandbox import ExecResult, Sandbox, Session

TOOL_INSTRUCTION = (
    "Solve the following problem. Integrate step-by-step reasoning and Python code: write a program in a "
    "```python block and stop; its output will be given to you in an ```output block. Put your final answer "
    "within \\boxed{}."
)


class SandboxedEnvMixin:
    """Sandbox plumbing shared by the math envs that run the policy's programs (ToolMathEnv, PoT).

    The sandbox is resolved lazily, so building an env (``check_env``, registry listings) starts no
    process; a dedicated sandbox (``sandbox_kwargs`` given) is owned and closed by the env, a shared one
    (:func:`mathgym.sandbox.shared.shared_sandbox`) outlives it.
    """

    # provided by the env class it is mixed into (a MathEnv)
    problem: Problem | None
    done: bool
    steps: list[str]
    action_space: Any  # a UnicodeText (Any: the env class declares it)

    def _init_sandbox(
        self, sandbox: Any, sandbox_kwargs: Mapping[str, Any] | None, timeout_s: float, memory_mb: int
    ) -> None:
        """:param sandbox: a backend name or a :class:`~mathgym.sandbox.Sandbox` object.
        :param sandbox_kwargs: options for a dedicated sandbox; empty for the process's shared one.
        :param timeout_s: the run time limit of one program.
        :param memory_mb: the memory cap of one run (or of the session).
        """
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self._sandbox_spec = sandbox
        self._sandbox_kwargs = dict(sandbox_kwargs or {})
        self._sandbox: Sandbox | None = None
        self._owns_sandbox = False
        self.last_result: ExecResult | None = None

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            from mathgym.sandbox import Sandbox, make_sandbox
            from mathgym.sandbox.shared import shared_sandbox

            if isinstance(self._sandbox_spec, Sandbox):
                self._sandbox = self._sandbox_spec
            elif self._sandbox_kwargs:
                self._sandbox = make_sandbox(self._sandbox_spec, **self._sandbox_kwargs)
                self._owns_sandbox = True
            else:
                self._sandbox = shared_sandbox(self._sandbox_spec)
        return self._sandbox

    def _close_sandbox(self) -> None:
        if self._owns_sandbox and self._sandbox is not None:
            self._sandbox.close()
        self._sandbox = None

    def _take_action(self, action: str) -> tuple[str, tuple[str, ...]]:
        """Record ``action`` as the episode's next step; returns ``(text, history before it)``.

        The text is cut to the action space and loses the output fence a stop string leaves, so what is
        stored and verified is the policy's own text only.
        """
        if self.problem is None or self.done:
            raise RuntimeError("the episode has ended (or never started): call reset() first")
        text = tora.strip_stop_string(str(action)[: self.action_space.max_length])
        history = tuple(self.steps)
        self.steps.append(text)
        return text, history


def tool_info(result: Any, **shown: str) -> dict[str, Any]:
    """The deterministic part of an :class:`~mathgym.sandbox.ExecResult` for ``info`` and reward parts.

    Timings are left out so ``info`` stays reproducible; ``shown`` adds the text the env exposes
    (``stdout`` or ``output``), placed before ``isolation`` as both envs have always reported it.
    """
    return {
        "ok": result.ok,
        "exit_code": result.exit_code,
        "timed_out": result.timed_out,
        "error": result.error,
        "truncated": result.truncated,
        **shown,
        "isolation": result.isolation,
    }


class ToolMathEnv(SandboxedEnvMixin, MathEnv):
    """
    ## Description

    A math problem with a verifiable answer (GSM8K, MATH-500, a procedural generator, any
    :class:`~mathgym.sources.base.Source`) solved by interleaving reasoning and Python, in ToRA's format
    (methods.md §8.1). Each action is the text the policy generated up to its stop string
    (:data:`mathgym.sandbox.tora.STOP_STRINGS`). When an action contains no ``boxed`` and ends with a closed
    python fence, the env runs the last program of the action in the episode's sandbox session (a
    persistent namespace, as in a notebook: variables and imports carry over between calls) and appends its
    output as an ```output block. Programs run in :mod:`mathgym.sandbox` (local or Docker), never in the
    env's process.

    ## Action Space

    ``UnicodeText(max_action_length)``: any unicode string (a trailing ``\\`\\`\\`output`` left by the stop
    string is ignored). Longer strings are cut to the maximum.

    ## Observation Space

    ``UnicodeText(max_observation_length)``: the instruction and the problem, followed by the trajectory so
    far (actions and output blocks, concatenated as the policy should continue them). Cut from the left,
    keeping the problem, if it grows past the maximum.

    ## Rewards

    ``reward`` (a :class:`~mathgym.rewards.base.Reward` or a spec for :func:`mathgym.rewards.make_reward`).
    The default, :func:`mathgym.rewards.tool_use.default_tool_reward`, is the verified outcome (1) plus 0.1
    for a well-formed final answer, plus 0.05 per successful call (at most 4), minus 0.1 per failed call.
    Reward parts see the step's call in ``StepContext.extra["tool"]``; only the policy's own text is
    verified, never the program output (a program printing ``\\boxed{…}`` answers nothing).

    ## Starting State

    As :class:`~mathgym.envs.math.env.MathEnv`: ``reset(seed=...)`` draws a problem; ``options`` may pin one
    (``{"problem_id": ...}`` or ``{"index": i}``). Every reset starts a fresh, empty sandbox session.

    ## Episode End

    Terminated by an action with a final answer, or (``finish_on_text=True``, ToRA's rule) by an action that
    does not end with a program. After ``max_calls`` executions the env appends
    "Reach max function call limit." and runs no more programs. Truncated after ``max_steps`` actions.

    ## Info

    ``info`` carries ``problem_id``, ``family``, ``step_kind`` (``"prompt"``, ``"code"``, ``"reasoning"``,
    ``"answer"``), ``step_index``, ``verdict``, ``reward_components``, ``tool_calls`` (executions so far) and
    ``tool`` (the step's execution: ``ok``, ``exit_code``, ``timed_out``, ``error``,
    ``truncated``, ``output``, ``isolation``; ``None`` when the step ran nothing). The full
    :class:`~mathgym.sandbox.ExecResult` of the last call, timings included, is ``env.unwrapped.last_result``
    (``info`` stays deterministic for ``check_env``).

    ## Arguments

    :param source: as for :class:`~mathgym.envs.math.env.MathEnv` (default ``"gsm8k"``).
    :param reward: reward object or spec; ``None`` for the default above.
    :param sandbox: ``"local"`` (default), ``"docker"`` (the process's shared sandbox of that backend), or a
        :class:`~mathgym.sandbox.Sandbox` object.
    :param sandbox_kwargs: make a dedicated sandbox with these arguments (closed with the env).
    :param max_calls: most program executions per episode (4, ToRA's default).
    :param timeout_s: seconds per call (5, ToRA's default).
    :param memory_mb: memory cap of the episode's session.
    :param max_output_chars: longest output block (400, ToRA's default: longer outputs keep the first and
        last 200 characters).
    :param last_line_errors: an error shows only its last traceback line (True, ToRA's default).
    :param finish_on_text: an action without a program ends the episode (True); ``False`` treats it as a
        reasoning step.
    :param max_steps: truncation limit in actions (8).
    :param instruction: text put before the problem (``None`` for the default, ``""`` for none).
    :param max_action_length: longest action in characters (longer ones are cut).
    :param max_observation_length: longest observation in characters.
    :param render_mode: ``"ansi"`` or ``"human"``.
    :param source_kwargs: go to the source's constructor (``data_dir``, ``split``, ...).

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/ToolMath-Arithmetic-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step("```python\\nprint(68 // 17 + 60 * 40)\\n```")
    >>> obs.endswith("```output\\n2404\\n```\\n"), info["step_kind"], info["tool_calls"], terminated
    (True, 'code', 1, False)
    >>> obs, reward, terminated, truncated, info = env.step("The answer is \\\\boxed{2404}.")
    >>> terminated, info["is_success"]
    (True, True)
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
        max_calls: int = 4,
        timeout_s: float = 5.0,
        memory_mb: int = 512,
        max_output_chars: int = 400,
        last_line_errors: bool = True,
        finish_on_text: bool = True,
        max_steps: int = 8,
        instruction: str | None = None,
        max_action_length: int = 16_384,
        max_observation_length: int = 65_536,
        render_mode: str | None = None,
        **source_kwargs: Any,
    ) -> None:
        if reward is None:
            from mathgym.rewards.tool_use import default_tool_reward

            reward = default_tool_reward()
        super().__init__(
            source,
            mode="step",
            reward=reward,
            max_steps=max_steps,
            instruction=TOOL_INSTRUCTION if instruction is None else instruction,
            max_action_length=max_action_length,
            max_observation_length=max_observation_length,
            render_mode=render_mode,
            **source_kwargs,
        )
        if max_calls < 0 or timeout_s <= 0:
            raise ValueError("max_calls must be >= 0 and timeout_s > 0")
        self.max_calls = int(max_calls)
        self._init_sandbox(sandbox, sandbox_kwargs, timeout_s, memory_mb)
        self.max_output_chars = int(max_output_chars)
        self.last_line_errors = bool(last_line_errors)
        self.finish_on_text = bool(finish_on_text)
        self._session: Session | None = None
        self.outputs: list[str] = []  # per action: the appended text (output block, limit message, or "")
        self.cells: list[str] = []  # programs executed this episode, in order (replayed after set_state)
        self._replay_pending = False

    # -------------------------------------------------------------------------------- sandbox
    def _close_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _execute(self, program: str) -> ExecResult:
        if self._session is None:
            self._session = self.sandbox.session(timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        if self._replay_pending:  # after set_state: rebuild the namespace by re-running earlier programs
            self._replay_pending = False
            for cell in self.cells:
                self._session.run(cell)
        return self._session.run(program)

    # -------------------------------------------------------------------------------- episode
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        self._close_session()
        obs, info = super().reset(seed=seed, options=options)
        info.update(tool_calls=0, tool=None)
        return obs, info

    def _start(self, problem: Problem, steps: list[str]) -> None:
        super()._start(problem, steps)
        self.outputs = ["" for _ in steps]
        self.cells = []
        self._replay_pending = False

    def step(self, action: str) -> tuple[str, float, bool, bool, dict]:
        text, history = self._take_action(action)
        from mathgym.verifier import extract_answer, verify

        # ToRA's rule: run the program when the text ends with one and has no boxed answer; program text
        # such as ``answer = 5`` must not count as a final answer
        runs_program = "boxed" not in text and tora.ends_with_program(text)
        has_answer = not runs_program and extract_answer(text) is not None
        appended, tool = "", None
        if runs_program and len(self.cells) < self.max_calls:
            program = tora.last_program(text) or ""
            result = self._execute(program)
            self.last_result = (
                result  # the full ExecResult (with timings, not in info: info must be deterministic)
            )
            self.cells.append(program)
            appended = tora.output_block(
                tora.tool_output(
                    result, max_chars=self.max_output_chars, last_line_errors=self.last_line_errors
                )
            )
            if len(self.cells) == self.max_calls:
                appended += tora.MAX_CALLS_MESSAGE + "\n"
            tool = tool_info(result, output=appended)
        elif runs_program:
            runs_program = False  # the call limit was reached: the program is not run
        self.outputs.append(appended)
        ends_on_text = not has_answer and not runs_program and self.finish_on_text
        truncated = not has_answer and not ends_on_text and len(self.steps) >= self.max_steps
        final = has_answer or ends_on_text or truncated
        assert self.problem is not None  # _take_action checked it
        verdict = verify("\n".join(self.steps), self.problem) if final else None
        out = self.reward(
            StepContext(
                problem=self.problem,
                action=text,
                history=history,
                step_index=len(history),
                final=final,
                verdict=verdict,
                extra={"tool": tool, "tool_calls": len(self.cells)},
            )
        )
        self.done = final
        self._verdict = verdict
        if final:
            self._close_session()
            self._record_outcome(verdict)
        kind = "answer" if has_answer else ("code" if runs_program else "reasoning")
        info = self._info(kind, verdict=verdict, components=dict(out.components))
        info.update(tool_calls=len(self.cells), tool=tool)
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(out.value), has_answer or ends_on_text, truncated, info

    # ------------------------------------------------------------------------------ snapshots
    def get_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot; the session's namespace is rebuilt on restore by re-running the
        episode's programs (in a fresh session) before the next one."""
        state = super().get_state()
        state.update(outputs=list(self.outputs), cells=list(self.cells))
        return state

    def set_state(self, state: Mapping[str, Any]) -> str:
        self._close_session()
        super().set_state(state)
        self.outputs = list(state.get("outputs", ["" for _ in self.steps]))
        self.cells = list(state.get("cells", []))
        self._replay_pending = bool(self.cells)
        return self._observation()

    # -------------------------------------------------------------------------------- helpers
    def _observation(self) -> str:
        assert self.problem is not None
        head = f"{self.instruction}\n\n{self.problem.prompt}" if self.instruction else self.problem.prompt
        parts: list[str] = []
        for step, appended in zip(self.steps, self.outputs):
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            parts.append(step + appended)
        text = head + ("\n\n" + "".join(parts) if parts else "")
        limit = self.observation_space.max_length
        if len(text) > limit:
            text = head[: limit // 2] + "\n...\n" + text[-(limit - limit // 2 - 5) :]
        return text

    def close(self) -> None:
        self._close_session()
        self._close_sandbox()
        super().close()
