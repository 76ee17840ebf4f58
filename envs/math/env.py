"""Verified math problems as a text environment, in single-turn or step-level mode."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mathgym.envs.base import MathgymEnv
from mathgym.problem import Problem
from mathgym.rewards.base import Reward, StepContext
from mathgym.rewards.view import RewardViewSpec, ViewField, reward_source
from mathgym.sources.base import RecordsOutcomes, Source, choose_problem
from mathgym.sources.registry import make_source
from mathgym.spaces import UnicodeText

if TYPE_CHECKING:
    from mathgym.curriculum import Curriculum
    from mathgym.verifier.verdict import Verdict

SINGLE_TURN_INSTRUCTION = "Solve the following problem. Put your final answer within \\boxed{}."
STEP_INSTRUCTION = (
    "Solve the following problem step by step, one reasoning step per message. "
    "When you reach the final answer, write it within \\boxed{}."
)


def build_reward(spec: Reward | str | Mapping[str, Any] | None, mode: str) -> Reward:
    """The env's reward: ``spec`` built by :func:`mathgym.rewards.make_reward`, or the mode's default."""
    from mathgym import rewards

    if spec is not None:
        return rewards.make_reward(spec)
    return rewards.default_reward() if mode == "single" else rewards.default_step_reward()


MATH_STATE_FIELDS = (
    ViewField("steps", "list[str]", "the reasoning steps written so far, oldest first"),
    ViewField("n_steps", "int", "number of steps written so far", "[0, max_steps]"),
    ViewField("last_step", "str", "the latest step ('' before the first)"),
    ViewField(
        "has_answer", "bool", "the latest step states a final answer (\\boxed{}, '#### N', 'The answer is')"
    ),
    ViewField("final", "bool", "the episode is over (a final answer was given or the step limit reached)"),
    ViewField("answer", "str | None", "the extracted final answer once final, else None"),
    ViewField("correct", "bool | None", "the verifier's verdict on the final answer once final, else None"),
    ViewField("max_steps", "int", "steps before the episode is truncated", ">= 1"),
)
MATH_ACTION_FIELDS = (
    ViewField("text", "str", "the step (or whole response in single-turn mode) the agent wrote"),
    ViewField("chars", "int", "its length in characters", ">= 0"),
)


def math_view_spec(mode: str, default_reward: bool) -> RewardViewSpec:
    """The reward view of :class:`MathEnv`; the hand-written reward is the mode's default reward
    (:func:`mathgym.rewards.default_reward` / :func:`~mathgym.rewards.default_step_reward`)."""
    from mathgym.rewards.registry import DEFAULT_FORMAT_BONUS, DEFAULT_STEP_COST

    hand = ""
    if default_reward:
        parts = [
            ("outcome", '1.0 if info["is_success"] else 0.0'),
            (
                "format",
                f'{DEFAULT_FORMAT_BONUS!r} if state["final"] and state["answer"] is not None else 0.0',
            ),
        ]
        if mode == "step":
            parts.append(("step_penalty", f"-{DEFAULT_STEP_COST!r}"))
        hand = reward_source(parts)
    return RewardViewSpec(
        name="SolutionState",
        task="Solve a math word or symbolic problem, writing "
        + (
            "one reasoning step per action and a final answer within \\boxed{}."
            if mode == "step"
            else "a whole solution ending in a final answer within \\boxed{}."
        ),
        success="the final answer is verified equal to the gold answer",
        action="appends one reasoning step to the solution" if mode == "step" else "submits a whole solution",
        state_fields=MATH_STATE_FIELDS,
        action_fields=MATH_ACTION_FIELDS,
        hand_reward=hand,
    )


class MathEnv(MathgymEnv[str, str]):
    """
    ## Description

    A math problem with a verifiable answer is drawn from a :class:`~mathgym.sources.base.Source`
    (procedural generator, GSM8K, MATH-500, a JSONL file, a variant family, ...). The agent answers in
    text; :func:`mathgym.verify` checks the final answer against the gold answer.

    In ``"single"`` mode one action is a whole response. In ``"step"`` mode each action is one
    reasoning step; the observation is the problem followed by the steps taken so far, and the
    episode ends when a step contains a final answer (``\\boxed{}``, ``#### N``, "The answer is ...").

    ## Action Space

    ``UnicodeText(max_action_length)``: any unicode string. Longer strings are cut to the maximum.

    ## Observation Space

    ``UnicodeText(max_observation_length)``: the instruction and the problem (single mode), followed by
    the steps so far, one per line (step mode). The observation is cut from the left if it grows past
    the maximum, keeping the problem statement.

    ## Rewards

    Given by the ``reward`` argument (a :class:`~mathgym.rewards.base.Reward` or a spec understood by
    :func:`mathgym.rewards.make_reward`). The default is :func:`mathgym.rewards.default_reward`:
    1 for a verified-correct final answer, plus a small bonus for a well-formed answer, minus a small
    cost per step in step mode. ``info["reward_components"]`` holds every named part.

    ## Starting State

    ``reset(seed=...)`` draws a problem with ``self.np_random``; ``options={"problem_id": id}`` or
    ``options={"index": i}`` pins one, and sources may accept more keys (variant sources take
    ``{"family": id, "variant": k}``).

    ## Episode End

    Terminated after the single action (single mode) or the first step that contains a final answer
    (step mode). Truncated when step mode reaches ``max_steps`` steps without a final answer.

    ## Info

    ``info`` always carries ``problem_id``, ``family``, ``step_kind`` (``"prompt"``, ``"reasoning"``
    or ``"answer"``), ``step_index``, ``verdict`` (a dict, or ``None`` before the final answer) and
    ``reward_components``; the last step's also carries ``is_success`` (the verdict's ``correct``).

    ## Reward View

    :meth:`reward_view` and :meth:`reward_view_action` give the state and action as plain data for
    generated reward code (:mod:`mathgym.rewards.view`; fields in :data:`MATH_STATE_FIELDS`).

    ## Arguments

    :param source: a Source or a spec (``"gsm8k"``, ``"generator:Arithmetic"``, ...).
    :param mode: ``"single"`` (default) or ``"step"``.
    :param reward: reward object or spec; ``None`` for the default.
    :param max_steps: step-mode truncation limit (default 16).
    :param instruction: text put before the problem (``None`` for the mode's default, ``""`` for none).
    :param max_action_length: longest action in characters (longer ones are cut).
    :param max_observation_length: longest observation in characters.
    :param render_mode: ``"ansi"`` (returns the transcript) or ``"human"`` (prints it).
    :param curriculum: a :class:`~mathgym.curriculum.Curriculum` or its spec (dict, JSON, path); the env then
        draws from the curriculum's current level (``source`` is ignored) and reports each episode's
        outcome to it, so the level follows the agent's accuracy.
    :param source_kwargs: go to the source's constructor (``data_dir``, ``split``, ``level``, ...).

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/Arithmetic-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.splitlines()[-1]
    'Calculate 68 ÷ 17 + 60 × 40.'
    >>> obs, reward, terminated, truncated, info = env.step("68 ÷ 17 = 4 and 60 × 40 = 2400. #### 2404")
    >>> reward, terminated, info["is_success"]
    (1.1, True, True)

    ## Version History

    * v0: the initial version (mathgym 0.1.0).
    """

    action_space: UnicodeText
    observation_space: UnicodeText
    source: Source

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 4}

    def __init__(
        self,
        source: Source | str = "generator:Arithmetic",
        *,
        mode: str = "single",
        reward: Reward | str | Mapping[str, Any] | None = None,
        max_steps: int = 16,
        instruction: str | None = None,
        max_action_length: int = 16_384,
        max_observation_length: int = 65_536,
        render_mode: str | None = None,
        curriculum: Curriculum | Mapping[str, Any] | str | Path | None = None,
        **source_kwargs: Any,
    ) -> None:
        if mode not in ("single", "step"):
            raise ValueError(f"mode must be 'single' or 'step', got {mode!r}")
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        super().__init__(render_mode)
        if curriculum is not None:
            from mathgym.curriculum import as_curriculum

            self.source = as_curriculum(curriculum).as_source(**source_kwargs)
        else:
            self.source = make_source(source, **source_kwargs)
        # asked once: isinstance against a runtime Protocol costs ~20 us, too much for every step
        self._outcome_recorder = self.source if isinstance(self.source, RecordsOutcomes) else None
        self.mode = mode
        self.reward = build_reward(reward, mode)
        self.reward_view_spec = math_view_spec(mode, default_reward=reward is None)
        self.max_steps = max_steps
        if instruction is None:
            instruction = SINGLE_TURN_INSTRUCTION if mode == "single" else STEP_INSTRUCTION
        self.instruction = instruction
        self.action_space = UnicodeText(max_action_length)
        self.observation_space = UnicodeText(max_observation_length)
        self.problem: Problem | None = None
        self.steps: list[str] = []
        self.done = True
        self._verdict: Any = None

    # ----------------------------------------------------------------------------------- episode
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        self._start(choose_problem(self.source, options or {}, self.np_random), steps=[])
        return self._observation(), self._info("prompt", verdict=None, components={})

    def step(self, action: str) -> tuple[str, float, bool, bool, dict]:
        if self.problem is None or self.done:
            raise RuntimeError("the episode has ended (or never started): call reset() first")
        from mathgym.verifier import extract_answer, verify

        text = str(action)[: self.action_space.max_length]
        history = tuple(self.steps)
        self.steps.append(text)
        if self.mode == "single":
            has_answer, truncated = True, False
        else:
            has_answer = extract_answer(text) is not None
            truncated = not has_answer and len(self.steps) >= self.max_steps
        final = has_answer or truncated
        verdict = verify("\n".join(self.steps), self.problem) if final else None
        out = self.reward(
            StepContext(
                problem=self.problem,
                action=text,
                history=history,
                step_index=len(history),
                final=final,
                verdict=verdict,
            )
        )
        self.done = final
        self._verdict = verdict
        if final:
            self._record_outcome(verdict)
        kind = "answer" if has_answer else "reasoning"
        info = self._info(kind, verdict=verdict, components=dict(out.components))
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(out.value), has_answer, truncated, info

    def _record_outcome(self, verdict: Verdict | None) -> None:
        """Report a finished episode's verdict to a source whose schedule moves with outcomes (a curriculum's)."""
        if self._outcome_recorder is not None:
            self._outcome_recorder.record_outcome(verdict)

    # ---------------------------------------------------------------- reward view (mathgym.rewards.view)
    def reward_view(self) -> dict[str, Any]:
        """The state as reward code sees it (fields: :data:`MATH_STATE_FIELDS`)."""
        from mathgym.verifier import extract_answer

        last = self.steps[-1] if self.steps else ""
        verdict = self._verdict if self.done else None
        return {
            "steps": list(self.steps),
            "n_steps": len(self.steps),
            "last_step": last,
            "has_answer": bool(last) and extract_answer(last) is not None,
            "final": self.done and bool(self.steps),
            "answer": None if verdict is None else verdict.extracted,
            "correct": None if verdict is None else bool(verdict.correct),
            "max_steps": self.max_steps,
        }

    def reward_view_action(self, action: str) -> dict[str, Any]:
        """The action as reward code sees it (fields: :data:`MATH_ACTION_FIELDS`)."""
        text = str(action)[: self.action_space.max_length]
        return {"text": text, "chars": len(text)}

    # ------------------------------------------------------------------------------ snapshots
    def get_state(self) -> dict[str, Any]:
        """A small JSON-serialisable snapshot of the episode (for beam search, MCTS, replays)."""
        if self.problem is None:
            raise RuntimeError("call reset() before get_state()")
        return {
            "problem": self.problem.to_dict(),
            "steps": list(self.steps),
            "done": self.done,
            "reward_state": self.reward.get_state(),
        }

    def set_state(self, state: Mapping[str, Any]) -> str:
        """Restore a :meth:`get_state` snapshot; returns the observation at that point."""
        self._start(Problem.from_dict(state["problem"]), steps=list(state["steps"]))
        self.done = bool(state["done"])
        self.reward.set_state(state.get("reward_state"))
        return self._observation()

    # -------------------------------------------------------------------------------- helpers
    def _start(self, problem: Problem, steps: list[str]) -> None:
        self.problem = problem
        self.steps = steps
        self.done = False
        self._verdict = None
        self.reward.reset(problem)

    def _observation(self) -> str:
        assert self.problem is not None
        head = f"{self.instruction}\n\n{self.problem.prompt}" if self.instruction else self.problem.prompt
        if not self.steps or self.mode == "single":
            text = head
        else:
            text = head + "\n\n" + "\n".join(self.steps)
        limit = self.observation_space.max_length
        if len(text) > limit:  # keep the problem, drop the oldest steps' text
            text = head[: limit // 2] + "\n...\n" + text[-(limit - limit // 2 - 5) :]
        return text

    def _info(self, step_kind: str, *, verdict: Any, components: dict[str, float]) -> dict[str, Any]:
        assert self.problem is not None
        info = {
            "problem_id": self.problem.id,
            "family": self.problem.family,
            "step_kind": step_kind,
            "step_index": len(self.steps) - 1 if self.steps else -1,
            "verdict": verdict.to_dict() if verdict is not None else None,
            "reward_components": components,
        }
        if verdict is not None:  # the episode's last step
            info["is_success"] = bool(verdict.correct)
        return info

    def render_text(self) -> str | None:
        """The transcript: the observation (step mode) or the prompt and the response (single mode)."""
        if self.problem is None:
            return None
        return self._observation() if self.mode == "step" else "\n\n".join([self._observation(), *self.steps])
