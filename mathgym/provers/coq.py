"""The Coq backend: step-level proving through one long-lived, contained ``coqidetop`` per worker.

How a problem becomes a proof tree:

* the problem's ``header`` (``Require Import ...``) runs once per process and is reused by every
  problem with the same header; its ``preamble`` (definitions, ``Local Open Scope``) and the
  ``Theorem`` sentence are stated on top of it for each problem;
* an action is split into sentences by :mod:`mathgym.provers.coq_sentences`, screened (tactics only),
  and each sentence is sent wrapped in ``Timeout N`` and executed before the next one is sent; the
  first failure rolls the document back to the state the action started from;
* states are content-addressed ids mapped to their tactic path. The process's document holds one path
  at a time; stepping from another state rewinds to the longest shared prefix (``Edit_at``) and replays
  the rest, so any earlier state can be branched from, also after a crash or restart;
* :meth:`CoqBackend.verify` re-runs the whole proof from the header, sends ``Qed.`` itself (under
  Coq's own ``Timeout``, so a stalling kernel check ends as an error, not as a killed process), and
  accepts only the axioms the problem allows.

Which axioms a proof depends on is worked out by :mod:`mathgym.provers.coq_axioms`: from the proof
term's direct references and remembered answers for library constants where possible (fast), with
``Print Assumptions`` (slow, 0.3-1.5 s) otherwise; both are sound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from mathgym.problem import Problem
from mathgym.provers.base import (
    Goal,
    ProofState,
    ProverError,
    ProverUnavailableError,
    StateId,
    StateTable,
    StepResult,
    TableBackend,
    accepted,
    rejected,
    root_state_id,
    state_key,
)
from mathgym.provers.containment import ProcessCrashed, ProcessLimits, ProcessTimeout
from mathgym.provers.coq_axioms import AxiomCache, CoqQueryError
from mathgym.provers.coq_sentences import Sentence, screen, split_sentences
from mathgym.provers.coq_xml import CoqFailure, CoqIdeTop, GoalsSnapshot
from mathgym.verifier.verdict import Verdict

UNFOCUSED_NOTE = (
    "This subproof is complete, but there are some unfocused goals. "
    "Focus the next goal with a bullet (-, +, *) or braces."
)


@dataclass(frozen=True)
class CoqTheorem:
    """What the backend needs from a Coq problem's ``meta``.

    :param name: the theorem's identifier.
    :param statement: the proposition (without ``Theorem name :`` and without the final period).
    :param header: sentences run once per process (``Require Import ...``).
    :param preamble: sentences stated before the theorem for this problem only (definitions, scopes).
    :param allowed_axioms: axiom names (as ``Print Assumptions`` prints them) the proof may depend on.
    """

    name: str
    statement: str
    header: tuple[str, ...] = ()
    preamble: tuple[str, ...] = ()
    allowed_axioms: frozenset[str] = frozenset()

    @classmethod
    def from_problem(cls, problem: Problem) -> CoqTheorem:
        meta = problem.meta
        missing = [key for key in ("theorem_name", "statement") if not meta.get(key)]
        if missing:
            raise ProverError(
                f"problem {problem.id!r} is not a Coq theorem: meta lacks {missing} "
                "(see mathgym.provers.coq_problems for the format)"
            )
        return cls(
            name=str(meta["theorem_name"]),
            statement=str(meta["statement"]).strip().rstrip("."),
            header=tuple(meta.get("header", ())),
            preamble=tuple(meta.get("preamble", ())),
            allowed_axioms=frozenset(meta.get("allowed_axioms", ())),
        )

    @property
    def theorem_sentence(self) -> str:
        return f"Theorem {self.name} : {self.statement}."

    @property
    def source(self) -> str:
        """Everything stated before the first tactic (identifies the root state)."""
        return "\n".join((*self.header, *self.preamble, self.theorem_sentence))


def _statement_error(problem: Problem, message: str) -> ProverError:
    return ProverError(f"the statement of problem {problem.id!r} does not check in Coq: {message}")


class CoqBackend(TableBackend):
    """Coq 8.16 through ``coqidetop`` (see the module docstring).

    :param tactic_timeout: default seconds per tactic (sent as ``Timeout N``, rounded up to whole seconds).
    :param limits: rlimits of the coqidetop process.
    :param isolation: containment level, ``"auto"`` for the strongest available.
    :param grace_s: extra wall-clock seconds before a stuck process is killed and restarted.
    :param header_timeout: seconds allowed for a header's ``Require`` commands.
    :param qed_timeout: seconds Coq's own ``Timeout`` allows the kernel check of ``Qed``.
    :param query_timeout: seconds allowed for one query of the axiom check (``Print``, ``Print Assumptions``).
    :param executable: the coqidetop binary.
    :param memoize: serve a repeated (state, tactic) step from memory instead of asking Coq again.
    :param axiom_oracle: work out the axioms of library constants in a background coqidetop, so that
        later proofs' axiom checks are answered from memory (``False``: always ``Print Assumptions``).
    """

    name = "coq"

    def __init__(
        self,
        *,
        tactic_timeout: float = 5.0,
        limits: ProcessLimits = ProcessLimits(),
        isolation: str = "auto",
        grace_s: float = 10.0,
        header_timeout: float = 120.0,
        qed_timeout: float = 60.0,
        query_timeout: float = 120.0,
        executable: str = "coqidetop.opt",
        memoize: bool = True,
        axiom_oracle: bool = True,
    ) -> None:
        import shutil

        if shutil.which(executable) is None:
            raise ProverUnavailableError(
                f"Coq is not installed: {executable!r} is not on PATH (Debian/Ubuntu: apt-get install -y coq)"
            )
        self.tactic_timeout = float(tactic_timeout)
        self.grace_s = float(grace_s)
        self.header_timeout = float(header_timeout)
        self.qed_timeout = float(qed_timeout)
        self.query_timeout = float(query_timeout)
        self.memoize = memoize
        self.limits = limits
        self.coq = CoqIdeTop(limits=limits, isolation=isolation, executable=executable)
        self.table = StateTable()
        self._header: tuple[str, ...] | None = None
        self._header_state: int | None = None
        self._trail: list[tuple[StateId, int]] = []  # (our state id, coq state id) along the document
        self.restarts = 0
        self.round_trips = 0
        self.axiom_cache = AxiomCache(
            limits=limits,
            isolation=isolation,
            executable=executable,
            timeout=query_timeout,
            background=axiom_oracle,
        )

    # -- process and document management --------------------------------------------------------
    @property
    def isolation(self) -> str:
        return self.coq.isolation

    def close(self) -> None:
        self.axiom_cache.close()
        self.coq.close()
        self._forget_document()

    def _forget_document(self) -> None:
        self._header = None
        self._header_state = None
        self._trail = []

    def _ensure_process(self, *, check_cpu: bool = False) -> None:
        if not self.coq.alive:
            if self.coq.initial_state is not None:
                self.restarts += 1
            self.coq.close()
            self._forget_document()
            self.coq.start()
        elif check_cpu and self.coq.process.cpu_seconds() > 0.8 * self.limits.cpu_s:
            # recycle before RLIMIT_CPU kills the long-lived process mid-proof
            self.coq.close()
            self._forget_document()
            self.restarts += 1
            self.coq.start()

    def _kill(self) -> None:
        self.coq.close()
        self._forget_document()

    def _run(self, sentence: str, on: int, timeout: float) -> tuple[int, GoalsSnapshot | None, Any]:
        self.round_trips += 2
        return self.coq.run(sentence, on, timeout)

    def _goto_header(self, header: tuple[str, ...]) -> int:
        if self._header == header and self._header_state is not None:
            return self._header_state
        self._ensure_process()
        if self.coq.tip != self.coq.initial_state:
            try:
                self.coq.edit_at(self.coq.initial_state)  # type: ignore[arg-type]
            except CoqFailure:
                self._kill()
                self.coq.start()
        state = self.coq.initial_state
        for sentence in header:
            try:
                state, _, _ = self._run(sentence, state, self.header_timeout)  # type: ignore[arg-type]
            except CoqFailure as exc:
                self._forget_document()
                raise ProverError(f"header sentence {sentence!r} failed in Coq: {exc.message}") from None
        self._header, self._header_state, self._trail = header, state, []
        return state  # type: ignore[return-value]

    def _state_theorem(self, problem: Problem, spec: CoqTheorem) -> tuple[int, GoalsSnapshot | None]:
        """Rewind to the header and state the problem's preamble and theorem."""
        state = self._goto_header(spec.header)
        if self.coq.tip != state:
            self.coq.edit_at(state)
        self._trail = []
        goals = None
        for sentence in (*spec.preamble, spec.theorem_sentence):
            try:
                state, goals, _ = self._run(sentence, state, self.header_timeout)
            except CoqFailure as exc:
                raise _statement_error(problem, exc.message) from None
        return state, goals

    def _goto(self, state_id: StateId) -> int:
        """Make the document end at ``state_id`` (rewind and/or replay); return its Coq state."""
        self._ensure_process()
        path = self.table.path(state_id)
        problem = self.table.problem(state_id)
        spec = CoqTheorem.from_problem(problem)
        if self._header != spec.header:
            self._goto_header(spec.header)
        shared = 0
        while shared < len(path) and shared < len(self._trail) and self._trail[shared][0] == path[shared].id:
            shared += 1
        if shared == 0:
            coq_state, _ = self._state_theorem(problem, spec)
            self._trail = [(path[0].id, coq_state)]
            shared = 1
        else:
            self._trail = self._trail[:shared]
            if self.coq.tip != self._trail[-1][1]:
                self.coq.edit_at(self._trail[-1][1])
        replay_timeout = 2 * self.tactic_timeout + 1
        for node in path[shared:]:
            coq_state = self._trail[-1][1]
            for sentence in split_sentences(node.proof[-1]):
                try:
                    coq_state, _, _ = self._run(
                        self._wrap(sentence, replay_timeout), coq_state, replay_timeout + self.grace_s
                    )
                except CoqFailure as exc:
                    raise ProverError(f"could not rebuild state {node.id} by replay: {exc.message}") from None
            self._trail.append((node.id, coq_state))
        return self._trail[-1][1]

    @staticmethod
    def _wrap(sentence: Sentence, timeout: float) -> str:
        if sentence.kind != "tactic":
            return sentence.text
        return f"Timeout {max(1, math.ceil(timeout))} {sentence.text}"

    # -- the protocol -----------------------------------------------------------------------------
    def open(self, problem: Problem) -> ProofState:
        """State ``problem``'s theorem; returns the root state (the same id every time)."""
        spec = CoqTheorem.from_problem(problem)
        root_id = root_state_id(self.name, problem, spec.source)
        self._ensure_process(check_cpu=True)  # recycles an old process between episodes (scans /proc)
        if root_id in self.table.states:
            try:  # position the document at the root now, so the episode's first step pays no rewind
                self._goto(root_id)
            except (CoqFailure, ProverError, ProcessTimeout, ProcessCrashed):
                self._kill()  # the next step restarts and replays
            return self.table.get(root_id)
        try:
            coq_state, goals = self._state_theorem(problem, spec)
        except (ProcessCrashed, ProcessTimeout) as exc:
            self._kill()
            raise ProverError(f"coqidetop failed while stating problem {problem.id!r}: {exc}") from None
        root = ProofState(id=root_id, problem_id=problem.id, goals=tuple(goals.all_open if goals else ()))
        self.table.add(root, problem)
        self._trail = [(root_id, coq_state)]
        return root

    def step(self, state: ProofState | StateId, tactic: str, timeout: float | None = None) -> StepResult:
        """Run ``tactic`` (one or more sentences) on ``state``; see :class:`StepResult`."""
        node = self.table.get(state_key(state))
        timeout = self.tactic_timeout if timeout is None else float(timeout)
        unchanged = partial(StepResult.unchanged, node)
        sentences, reason = screen(tactic)
        if reason is not None:
            return unchanged("forbidden", reason)
        if node.complete:
            return unchanged("error", "No more goals: the proof is already complete.")
        normalized = " ".join(s.text for s in sentences)
        cached = self.table.cached_step(node.id, normalized) if self.memoize else None
        if cached is not None:
            return cached
        try:
            coq_state = self._goto(node.id)
            goals: GoalsSnapshot | None = None
            messages: list[str] = []
            for sentence in sentences:
                try:
                    coq_state, goals, reply = self._run(
                        self._wrap(sentence, timeout), coq_state, timeout + self.grace_s
                    )
                except CoqFailure as exc:
                    self._rewind_to(node.id)
                    return unchanged("timeout" if exc.timed_out else "error", exc.message)
                messages += [text for _, level, text in reply.messages if level == "warning"]
        except ProcessTimeout:
            self._kill()  # the process ignored Coq's own Timeout: kill it; the next call restarts and replays
            return unchanged("timeout", f"no answer within {timeout + self.grace_s:.0f}s; prover restarted")
        except (ProcessCrashed, ProverError) as exc:
            self._kill()
            return unchanged("crashed", str(exc))
        open_goals = tuple(goals.all_open) if goals is not None else ()
        if goals is not None and not goals.focused and goals.background:
            messages.append(UNFOCUSED_NOTE)
        child = self.table.add_child(node, normalized, open_goals, messages)
        self._trail.append((child.id, coq_state))
        return StepResult.reached(child, messages)

    def _rewind_to(self, state_id: StateId) -> None:
        for index, (sid, coq_state) in enumerate(self._trail):
            if sid == state_id:
                self._trail = self._trail[: index + 1]
                if self.coq.tip != coq_state:
                    self.coq.edit_at(coq_state)
                return

    def verify(self, problem: Problem, proof: str | Sequence[str]) -> Verdict:
        """Check a whole proof from scratch: tactics, then ``Qed.``, then ``Print Assumptions``.

        :param proof: the tactic script (a string, or the list of actions of an episode).
        """
        text = proof if isinstance(proof, str) else "\n".join(proof)
        sentences, reason = screen(text, max_sentences=10_000)
        if reason is not None:
            return rejected(f"forbidden: {reason}", text)
        spec = CoqTheorem.from_problem(problem)
        try:
            self._ensure_process()
            try:
                coq_state, goals = self._state_theorem(problem, spec)
            except ProverError as exc:
                return rejected(f"statement_error: {exc}", text)
            self._trail = []  # the document now holds a verification run, not a tree path
            for sentence in sentences:
                try:
                    coq_state, goals, _ = self._run(
                        self._wrap(sentence, self.tactic_timeout),
                        coq_state,
                        self.tactic_timeout + self.grace_s,
                    )
                except CoqFailure as exc:
                    kind = "timeout" if exc.timed_out else "tactic_error"
                    return rejected(f"{kind}: {sentence.text} -> {exc.message}", text)
            remaining = goals.all_open if goals is not None else []
            if remaining:
                return rejected(f"incomplete: {len(remaining)} goal(s) left", text)
            try:  # Coq's own Timeout stops a kernel check that stalls; the process stays usable
                qed = f"Timeout {max(1, math.ceil(self.qed_timeout))} Qed."
                coq_state, _, _ = self._run(qed, coq_state, self.qed_timeout + self.grace_s)
            except CoqFailure as exc:
                return rejected(f"qed_failed: {exc.message}", text)
            try:
                axioms = self._proof_axioms(spec, coq_state, text)
            except CoqFailure as exc:
                return rejected(f"assumptions_unavailable: {exc.message}", text)
        except (ProcessTimeout, ProcessCrashed) as exc:
            self._kill()
            return rejected(f"prover_failure: {exc}", text)
        finally:
            self._leave_verification()
        extra = sorted(set(axioms) - spec.allowed_axioms)
        if extra:
            return rejected(f"axioms_not_allowed: {', '.join(extra)}", text)
        return accepted(text)

    def _proof_axioms(self, spec: CoqTheorem, state: int, text: str) -> list[str]:
        """The axioms the theorem saved at ``state`` depends on (see :mod:`mathgym.provers.coq_axioms`)."""
        printing_all, _, _ = self._run("Set Printing All.", state, self.query_timeout)

        def query(command: str) -> list[str]:
            try:
                return self.coq.query(command, printing_all, self.query_timeout)
            except CoqFailure as exc:
                raise CoqQueryError(exc.message) from None

        return self.axiom_cache.proof_axioms(query, spec.name, spec.header, spec.preamble, text)

    def _leave_verification(self) -> None:
        # drop the Qed'ed theorem so the next problem (or this one again) starts from a clean header
        self._trail = []
        if self.coq.alive and self._header_state is not None:
            try:
                self.coq.edit_at(self._header_state)
            except (CoqFailure, ProcessTimeout, ProcessCrashed):
                self._kill()

    # -- helpers for agents and benchmarks --------------------------------------------------------
    def goals_of(self, state: ProofState | StateId) -> tuple[Goal, ...]:
        return self.table.get(state_key(state)).goals
