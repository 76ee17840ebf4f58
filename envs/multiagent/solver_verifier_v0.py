"""SolverVerifier: a solver writes a step-by-step solution; a verifier names its first wrong step, or "correct".

## Description

A problem is drawn from a mathgym source (a procedural generator by default). With ``solver="agent"``,
``solver_0`` writes the solution, one or more steps per action (each non-empty line is a step), until a step
gives a final answer (``\\boxed{}``, "The answer is ...") or ``max_solver_turns`` actions have passed; then
``verifier_0`` judges it. With ``solver="reference"`` there is no solver agent: the solution is the
generator's reference solution, with probability ``error_rate`` carrying one injected error at a known step
(the process-rewards labels, :func:`mathgym.envs.multiagent.errors.process_error_injector`, swappable through
``error_injector``), and the
verifier alone plays — ProcessBench as an environment. The verifier answers the ProcessBench way: the
0-based index of the earliest wrong step in ``\\boxed{}``, or ``\\boxed{-1}`` (or ``correct``) when every
step is right.

Ground truth decides every reward. For injected errors, and for agent-written solutions when a
``step_labeler`` is given (:func:`~mathgym.envs.multiagent.errors.oracle_step_labeler`: the process-rewards
oracle step checker), the first-error label is exact and the verifier must name that index. For
agent-written solutions without a labeler the label is outcome-level: mathgym's verifier checks the final
answer; a correct answer expects ``-1``, a wrong one expects any step index (there is a wrong step, its
position is unknown).

## Action Space

Both agents: ``UnicodeText(max_action_length)``, any ``str`` (cut to the limit).

## Observation Space

Both agents: ``Dict({"text": UnicodeText(max_observation_length)})``. The solver sees the instruction, the
problem and its steps so far; the verifier sees the problem and the numbered steps (``Step 0: ...``) once
the solution is complete, and a waiting notice before.

## Rewards

At the end. Cooperative (default): the verifier gets 1 for a right judgement, else 0; the solver gets 1
when its final answer verifies correct and the verifier accepts it (answers ``-1``), else 0. Zero-sum
(``zero_sum=True``): the verifier gets +1 for a right judgement and -1 otherwise, the solver the negative.
An unreadable verifier answer is a wrong judgement. ``infos`` at the end carry ``label``, ``label_exact``,
``prediction``, ``answer_correct``, ``verdict`` and ``steps``.

## Starting State

A problem drawn from ``source`` with the env's random stream (``reset(options={"problem_id": ...})`` or
``{"index": i}`` pins one); in reference mode the flaw is drawn from the same stream.

## Episode End

Terminated after the verifier's answer. Never truncated: a solver that gives no final answer within
``max_solver_turns`` actions is judged as it stands.

## Arguments

:param source: a :class:`~mathgym.sources.base.Source` or a spec such as ``"generator:Arithmetic"``.
:param solver: ``"agent"`` (a solver agent writes) or ``"reference"`` (a drawn reference solution).
:param error_rate: probability of an injected error (reference mode).
:param error_injector: ``(problem, rng) -> LabelledSolution`` that makes the flawed solutions.
:param step_labeler: ``(problem, steps) -> index or -1 or None`` giving exact first-error labels of
    agent-written solutions (``None`` result or argument: outcome-level labels).
:param zero_sum: zero-sum rewards instead of cooperative ones.
:param max_solver_turns: most solver actions before it is judged.
:param max_action_length: longest action in characters.
:param max_observation_length: longest observation in characters.
:param render_mode: ``"ansi"`` or ``None``.
:param source_kwargs: passed to the source constructor (``level=1``, ``seed=...``).

## Example

>>> from mathgym.envs.multiagent import solver_verifier_v0
>>> env = solver_verifier_v0.parallel_env(solver="reference", error_rate=0.0)  # no injected error
>>> obs, infos = env.reset(seed=0)
>>> obs["verifier_0"]["text"].splitlines()[-1]
'Step 3: The answer is \\\\boxed{2404}.'
>>> obs, rewards, terminations, truncations, infos = env.step({"verifier_0": "\\\\boxed{-1}"})
>>> rewards, infos["verifier_0"]["label"]
({'verifier_0': 1.0}, -1)

## Version History

* v0: the initial version (mathgym 0.1.0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from mathgym.envs.multiagent.core import (
    MAX_ACTION_CHARS,
    MAX_OBSERVATION_CHARS,
    Game,
    as_text,
    env_functions,
    fit_text,
    text_action_space,
    text_observation_space,
)
from mathgym.envs.multiagent.errors import (
    ErrorInjector,
    LabelledSolution,
    first_error_prediction,
    number_steps,
    process_error_injector,
    reference_steps,
)
from mathgym.problem import Problem
from mathgym.sources.base import Source, choose_problem
from mathgym.sources.registry import make_source

SOLVER, VERIFIER = "solver_0", "verifier_0"
SOLVER_INSTRUCTION = (
    "Solve the following problem step by step, one step per line. Write the final answer within \\boxed{}."
)
VERIFIER_INSTRUCTION = (
    "Here is a problem and a step-by-step solution, steps numbered from 0. Find the earliest "
    "wrong step. Put its number in \\boxed{}, or write \\boxed{-1} if every step is correct."
)

#: ``(problem, steps) -> first wrong step, -1, or None when unknown``
StepLabeler = Callable[[Problem, Sequence[str]], "int | None"]


class SolverVerifier(Game):
    """The rules; see the module docstring.

    :param source: problem source or spec.
    :param solver: ``"agent"`` or ``"reference"``.
    :param error_rate: probability of an injected error (reference mode).
    :param error_injector: makes flawed solutions.
    :param step_labeler: exact labels for agent-written solutions.
    :param zero_sum: zero-sum rewards.
    :param max_solver_turns: most solver actions.
    :param max_action_length: longest action.
    :param max_observation_length: longest observation.
    :param render_mode: ``"ansi"`` or ``None``.
    :param source_kwargs: source constructor arguments.
    """

    name = "solver_verifier_v0"

    def __init__(
        self,
        source: Source | str = "generator:Arithmetic",
        *,
        solver: str = "agent",
        error_rate: float = 0.5,
        error_injector: ErrorInjector = process_error_injector,
        step_labeler: StepLabeler | None = None,
        zero_sum: bool = False,
        max_solver_turns: int = 8,
        max_action_length: int = MAX_ACTION_CHARS,
        max_observation_length: int = MAX_OBSERVATION_CHARS,
        render_mode: str | None = None,
        **source_kwargs: Any,
    ) -> None:
        if solver not in ("agent", "reference"):
            raise ValueError(f"solver must be 'agent' or 'reference', got {solver!r}")
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError(f"error_rate must be in [0, 1], got {error_rate}")
        if max_solver_turns < 1:
            raise ValueError(f"max_solver_turns must be >= 1, got {max_solver_turns}")
        self.check_render_mode(render_mode)
        self.source = make_source(source, **source_kwargs)
        self.solver_mode = solver
        self.error_rate = error_rate
        self.error_injector = error_injector
        self.step_labeler = step_labeler
        self.zero_sum = zero_sum
        self.max_solver_turns = max_solver_turns
        self.max_action_length = max_action_length
        self.max_observation_length = max_observation_length
        self.possible_agents = [SOLVER, VERIFIER] if solver == "agent" else [VERIFIER]
        self.observation_spaces = {
            a: text_observation_space(max_observation_length) for a in self.possible_agents
        }
        self.action_spaces = {a: text_action_space(max_action_length) for a in self.possible_agents}
        self.problem: Problem | None = None
        self.steps: list[str] = []
        self.solver_turns = 0
        self.solution_done = False
        self.label: int | None = None
        self.label_exact = False
        self.answer_correct: bool | None = None
        self.verdict: dict[str, Any] | None = None
        self.prediction: int | None = None
        self.judged = False

    def start(self, rng: np.random.Generator, options: Mapping[str, Any]) -> None:
        self.problem = choose_problem(self.source, options, rng)
        self.solver_turns = 0
        self.prediction, self.judged = None, False
        self.answer_correct, self.verdict = None, None
        if self.solver_mode == "reference":
            if rng.random() < self.error_rate:
                drawn = self.error_injector(self.problem, rng)
            else:
                drawn = LabelledSolution(reference_steps(self.problem), -1, "reference")
            self.steps = list(drawn.steps)
            self.solution_done = True
            self.label, self.label_exact = drawn.first_error, True
            self._check_answer()
        else:
            self.steps = []
            self.solution_done = False
            self.label, self.label_exact = None, False

    def _check_answer(self) -> None:
        from mathgym.verifier import verify

        verdict = verify("\n".join(self.steps), self.problem)
        self.verdict = verdict.to_dict()
        self.answer_correct = bool(verdict.correct)

    @property
    def over(self) -> bool:
        return self.judged

    def to_act(self) -> tuple[str, ...]:
        if self.judged:
            return ()
        return (VERIFIER,) if self.solution_done else (SOLVER,)

    def play(self, actions: Mapping[str, Any]) -> dict[str, float]:
        ((agent, action),) = actions.items()
        text = as_text(action, self.max_action_length)
        if agent == SOLVER:
            from mathgym.verifier import extract_answer

            new = [line.strip() for line in text.splitlines() if line.strip()]
            self.steps.extend(new)
            self.solver_turns += 1
            if any(extract_answer(s) is not None for s in new) or self.solver_turns >= self.max_solver_turns:
                self.solution_done = True
                self._check_answer()
                if self.step_labeler is not None:
                    label = self.step_labeler(self.problem, list(self.steps))  # type: ignore[arg-type]
                    if label is not None:
                        self.label, self.label_exact = int(label), True
            return {}
        self.prediction = first_error_prediction(text, len(self.steps))
        self.judged = True
        return self._rewards()

    def judgement_right(self) -> bool:
        """Whether the verifier's answer matches the ground truth (exact label or outcome-level)."""
        if self.prediction is None:
            return False
        if self.label_exact:
            return self.prediction == self.label
        return (self.prediction == -1) == bool(self.answer_correct)

    def _rewards(self) -> dict[str, float]:
        right = self.judgement_right()
        if self.zero_sum:
            verifier = 1.0 if right else -1.0
            solver = -verifier
        else:
            verifier = float(right)
            solver = float(bool(self.answer_correct) and self.prediction == -1)
        rewards = {VERIFIER: verifier}
        if SOLVER in self.possible_agents:
            rewards[SOLVER] = solver
        return rewards

    def observe(self, agent: str) -> Any:
        assert self.problem is not None
        if agent == SOLVER:
            parts = [SOLVER_INSTRUCTION, self.problem.prompt]
            if self.steps:
                parts.append("\n".join(self.steps))
            if self.solution_done:
                parts.append("(The solution has been handed to the verifier.)")
        elif self.solution_done:
            parts = [VERIFIER_INSTRUCTION, "Problem: " + self.problem.prompt, number_steps(self.steps)]
        else:
            parts = ["Waiting for the solver's solution to: " + self.problem.prompt]
        return {"text": fit_text("\n\n".join(parts), self.max_observation_length)}

    def info(self, agent: str) -> dict[str, Any]:
        assert self.problem is not None
        out: dict[str, Any] = {"problem_id": self.problem.id, "num_steps": len(self.steps)}
        if self.judged:
            out.update(
                label=self.label,
                label_exact=self.label_exact,
                prediction=self.prediction,
                answer_correct=self.answer_correct,
                verdict=self.verdict,
                steps=list(self.steps),
                judgement_right=self.judgement_right(),
            )
        return out

    def render(self) -> str:
        if self.problem is None:
            return ""
        lines = [self.problem.prompt, number_steps(self.steps)]
        if self.judged:
            lines.append(
                f"verifier: {self.prediction}  label: {self.label} ({'exact' if self.label_exact else 'outcome'})"
            )
        return "\n".join(lines)


raw_env, env, parallel_env = env_functions(SolverVerifier)
