"""Theorem proving as a text environment over any prover backend (Coq, Lean REPL, LeanDojo)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mathgym.envs.base import MathgymEnv
from mathgym.problem import Problem
from mathgym.provers.base import ProofState, ProverBackend, StepResult, render_goals
from mathgym.rewards.base import Reward, StepContext
from mathgym.sources.base import Source, choose_problem
from mathgym.spaces import UnicodeText
from mathgym.verifier.verdict import Verdict

MODES = ("tactic", "whole_proof")
TACTIC_INSTRUCTION = (
    "Prove the theorem below in {prover}. Each action is one or more tactics (commands such "
    "as Admitted or Axiom are refused); the open goals are shown after every step."
)
WHOLE_PROOF_INSTRUCTION = (
    "Prove the theorem below in {prover}. Answer with the complete tactic proof; it is "
    "checked once, as a whole."
)


def build_proof_reward(
    spec: Reward | str | Mapping[str, Any] | None, step_cost: float, error_penalty: float
) -> Reward:
    """The env's reward: ``spec`` via :func:`mathgym.rewards.make_reward`, or the default proof reward."""
    if spec is not None:
        from mathgym.rewards import make_reward

        return make_reward(spec)
    from mathgym.provers.rewards import default_proof_reward

    return default_proof_reward(step_cost=step_cost, error_penalty=error_penalty)


class ProverEnv(MathgymEnv[str, str]):
    """
    ## Description

    A theorem is drawn from a :class:`~mathgym.sources.base.Source` of formal statements and opened in a
    prover backend (:class:`~mathgym.provers.base.ProverBackend`). In ``"tactic"`` mode each action is one
    or more tactics run on the current proof state (LeanDojo / lean-gym style); in ``"whole_proof"``
    mode the single action is a complete proof, checked once (DeepSeek-Prover style). Reward for a proof
    comes only from the backend's ``verify``, a from-scratch re-check of the whole proof that also
    rejects forbidden axioms; "no goals left" after a tactic is never rewarded by itself.

    ## Action Space

    ``UnicodeText(max_action_length)``: tactic text. Input is screened by the backend: vernacular
    commands, ``admit``/``sorry``-like tactics and the like are refused (status ``forbidden``).

    ## Observation Space

    ``UnicodeText(max_observation_length)``: an instruction, the theorem, then the open goals
    (hypotheses, a rule, the target) and, after a failed step, the prover's message. ``info["goals"]``
    has the same goals as structured dicts (``hypotheses``, ``target``, ``case``).

    ## Rewards

    Default :func:`mathgym.provers.rewards.default_proof_reward`: ``+1`` when ``verify`` accepts the
    proof, ``-step_cost`` per step, ``-error_penalty`` for a failed step (error, timeout, forbidden input,
    crash). Pass ``reward=`` for any other :class:`~mathgym.rewards.base.Reward` or spec; parts see the
    prover status in ``ctx.extra["status"]`` and the verdict in ``ctx.verdict``.

    ## Starting State

    ``reset(seed=...)`` draws a problem with ``self.np_random``; ``options={"problem_id": id}`` or
    ``options={"index": i}`` pins one. The state is the root of the proof tree (the statement's goal).

    ## Episode End

    Terminated when a step closes every goal (the proof is then verified; ``info["verdict"]`` says
    whether it was accepted), and after the one action of ``whole_proof`` mode. Truncated after
    ``max_steps`` steps.

    ## Info

    ``info`` carries ``problem_id``, ``prover`` (the backend's name), ``step_kind`` (``"prompt"``,
    ``"tactic"`` or ``"proof"``),
    ``step_index``, ``state_id`` (content-addressed, immutable), ``status``, ``goals``, ``num_goals``,
    ``messages``, ``proof`` (accepted actions so far), ``verdict`` and ``reward_components``; the step
    that ends the episode adds ``is_success`` (the proof was verified).
    :meth:`get_state` / :meth:`set_state` snapshot and restore an episode, so a search can branch.

    ## Arguments

    :param source: the problems.
    :param backend: a prover backend, or a zero-argument factory (the env then owns and closes it).
    :param mode: ``"tactic"`` (default) or ``"whole_proof"``.
    :param reward: reward object or spec; ``None`` for the default built from ``step_cost`` and
        ``error_penalty``.
    :param step_cost: cost of every step in the default reward (0.01).
    :param error_penalty: cost of a failed step in the default reward (0.1).
    :param max_steps: truncation limit (default 32).
    :param tactic_timeout: seconds per tactic (``None``: the backend's default).
    :param instruction: text before the theorem (``None``: the mode's default, ``""``: none).
    :param max_action_length: longest action in characters.
    :param max_observation_length: longest observation in characters.
    :param render_mode: ``"ansi"`` or ``"human"``.
    :param owns_backend: whether :meth:`close` closes the backend (default: only when built from a factory).

    ## Example

    The registered ids build subclasses (:class:`~mathgym.envs.provers.coq.CoqEnv`,
    :class:`~mathgym.envs.provers.lean.LeanEnv`); in ``whole_proof`` mode one action is the whole proof:

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/Coq-Basic-WholeProof-v0")  # needs coqtop
    >>> obs, info = env.reset(options={"problem_id": "coq/basic/list_app_length"})
    >>> obs, reward, terminated, truncated, info = env.step("intros A l1 l2. induction l1; simpl; lia.")
    >>> info["status"], info["verdict"]["correct"], terminated
    ('complete', True, True)
    >>> env.close()

    ## Version History

    * v0: the initial version (mathgym 0.1.0).
    """

    action_space: UnicodeText
    observation_space: UnicodeText

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 4}
    prover_label = "the prover"

    def __init__(
        self,
        source: Source,
        backend: ProverBackend | Callable[[], ProverBackend],
        *,
        mode: str = "tactic",
        reward: Reward | str | Mapping[str, Any] | None = None,
        step_cost: float = 0.01,
        error_penalty: float = 0.1,
        max_steps: int = 32,
        tactic_timeout: float | None = None,
        instruction: str | None = None,
        max_action_length: int = 8192,
        max_observation_length: int = 32_768,
        render_mode: str | None = None,
        owns_backend: bool | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        super().__init__(render_mode)
        self.source = source
        is_factory = isinstance(backend, type) or not hasattr(backend, "step")
        self.backend: ProverBackend = backend() if is_factory else backend  # type: ignore[operator,assignment]
        self._owns_backend = is_factory if owns_backend is None else bool(owns_backend)
        self.mode = mode
        self.reward = build_proof_reward(reward, step_cost, error_penalty)
        self.max_steps = max_steps
        self.tactic_timeout = tactic_timeout
        template = TACTIC_INSTRUCTION if mode == "tactic" else WHOLE_PROOF_INSTRUCTION
        self.instruction = template.format(prover=self.prover_label) if instruction is None else instruction
        self.action_space = UnicodeText(max_action_length)
        self.observation_space = UnicodeText(max_observation_length)
        self.problem: Problem | None = None
        self.state_id: str | None = None
        self.actions: list[str] = []
        self.done = True
        self._last: StepResult | None = None
        self._closed = False

    # ----------------------------------------------------------------------------------- episode
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        problem = choose_problem(self.source, options or {}, self.np_random)
        root = self.backend.open(problem)
        self._start(problem, root, actions=[])
        return self._observation(), self._info("prompt", verdict=None, components={})

    def step(self, action: str) -> tuple[str, float, bool, bool, dict]:
        if self.problem is None or self.done or self.state_id is None:
            raise RuntimeError("the episode has ended (or never started): call reset() first")
        text = str(action)[: self.action_space.max_length]
        history = tuple(self.actions)
        self.actions.append(text)
        verdict: Verdict | None = None
        if self.mode == "tactic":
            result = self.backend.step(self.state_id, text, self.tactic_timeout)
            if not result.failed:
                self.state_id = result.state_id
            if result.status == "complete":
                verdict = self.backend.verify(self.problem, list(self.backend.state(self.state_id).proof))
            terminated = result.status == "complete"
            kind = "tactic"
        else:
            verdict = self.backend.verify(self.problem, text)
            state = self.backend.state(self.state_id)
            result = StepResult(
                "complete" if verdict.correct else "error",
                state.id,
                state.goals,
                () if verdict.correct else (verdict.reason,),
            )
            terminated = True
            kind = "proof"
        self._last = result
        truncated = not terminated and len(self.actions) >= self.max_steps
        final = terminated or truncated
        out = self.reward(
            StepContext(
                problem=self.problem,
                action=text,
                history=history,
                step_index=len(history),
                final=final,
                verdict=verdict,
                extra={"status": result.status, "num_goals": len(result.goals), "mode": self.mode},
            )
        )
        self.done = final
        info = self._info(kind, verdict=verdict, components=dict(out.components))
        if final:
            info["is_success"] = verdict is not None and verdict.correct
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(out.value), terminated, truncated, info

    def close(self) -> None:
        if self._owns_backend and not self._closed:
            self.backend.close()
        self._closed = True

    # ------------------------------------------------------------------------------ snapshots
    def get_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot (problem, proof-tree state id, actions, last result, reward state)."""
        if self.problem is None or self.state_id is None:
            raise RuntimeError("call reset() before get_state()")
        return {
            "problem": self.problem.to_dict(),
            "state_id": self.state_id,
            "proof": list(self.backend.state(self.state_id).proof),
            "actions": list(self.actions),
            "done": self.done,
            "last": self._last.to_dict() if self._last is not None else None,
            "reward_state": self.reward.get_state(),
        }

    def set_state(self, state: Mapping[str, Any]) -> str:
        """Restore a :meth:`get_state` snapshot; returns the observation at that point.

        The backend keeps every state it handed out, so this costs nothing in the same process; a
        snapshot from another process is rebuilt by replaying its proof (state ids are content-addressed,
        so the rebuilt state has the same id).
        """
        problem = Problem.from_dict(state["problem"])
        try:
            node = self.backend.state(state["state_id"])
        except KeyError:
            node = self._replay(problem, list(state["proof"]))
            if node.id != state["state_id"]:
                raise RuntimeError(
                    f"replaying the snapshot's proof reached state {node.id}, expected "
                    f"{state['state_id']}: the problem or prover differs"
                ) from None
        self._start(problem, node, actions=list(state["actions"]))
        self.done = bool(state["done"])
        last = state.get("last")
        if last is not None:
            from mathgym.provers.base import Goal

            self._last = StepResult(
                last["status"],
                last["state_id"],
                tuple(Goal(tuple(g["hypotheses"]), g["target"], g["case"]) for g in last["goals"]),
                tuple(last["messages"]),
            )
        self.reward.set_state(state.get("reward_state"))
        return self._observation()

    def _replay(self, problem: Problem, proof: list[str]) -> ProofState:
        node = self.backend.open(problem)
        for tactic in proof:
            result = self.backend.step(node.id, tactic, self.tactic_timeout)
            if result.failed:
                raise RuntimeError(f"could not replay tactic {tactic!r}: {result.status} {result.messages}")
            node = self.backend.state(result.state_id)
        return node

    # -------------------------------------------------------------------------------- helpers
    def _start(self, problem: Problem, node: ProofState, actions: list[str]) -> None:
        self.problem = problem
        self.state_id = node.id
        self.actions = actions
        self.done = False
        self._last = None
        self.reward.reset(problem)

    def _observation(self) -> str:
        assert self.problem is not None and self.state_id is not None
        goals = self.backend.state(self.state_id).goals
        parts = [self.instruction] if self.instruction else []
        parts += [self.problem.prompt, "Goals:\n" + render_goals(goals)]
        if self._last is not None and self._last.failed:
            note = "; ".join(self._last.messages) or "no message"
            parts.append(f"Last action failed ({self._last.status}): {note}")
        elif self._last is not None and self._last.messages:
            parts.append("Note: " + "; ".join(self._last.messages))
        text = "\n\n".join(parts)
        limit = self.observation_space.max_length
        return text if len(text) <= limit else text[: limit - 4] + "\n..."

    def _info(
        self, step_kind: str, *, verdict: Verdict | None, components: dict[str, float]
    ) -> dict[str, Any]:
        assert self.problem is not None and self.state_id is not None
        node = self.backend.state(self.state_id)
        last = self._last
        return {
            "problem_id": self.problem.id,
            "family": self.problem.family,
            "prover": self.backend.name,
            "step_kind": step_kind,
            "step_index": len(self.actions) - 1,
            "state_id": node.id,
            "status": last.status if last is not None else "ok",
            "goals": [goal.to_dict() for goal in node.goals],
            "num_goals": len(node.goals),
            "messages": list(last.messages) if last is not None else [],
            "proof": list(node.proof),
            "verdict": verdict.to_dict() if verdict is not None else None,
            "reward_components": components,
        }

    def render_text(self) -> str | None:
        """The observation: instruction, statement, goals and the last messages."""
        return None if self.problem is None else self._observation()
