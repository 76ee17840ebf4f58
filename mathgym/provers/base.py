"""The prover protocol: step-level proving against any proof assistant (Coq, Lean REPL, LeanDojo).

A backend turns a theorem-statement :class:`~mathgym.problem.Problem` into a tree of proof states:

* :meth:`ProverBackend.open` states the theorem and returns the root :class:`ProofState`;
* :meth:`ProverBackend.step` runs one action (one or more tactics) on *any* state it has returned and
  reports a :class:`StepResult`; the state it was given stays valid, so a search can branch from it;
* :meth:`ProverBackend.verify` re-checks a whole proof from scratch and returns a
  :class:`~mathgym.verifier.verdict.Verdict`. It is the only thing a reward may trust: "no goals left"
  after a step is a hint, not an accepted proof.

State ids are content-addressed (a hash of the problem and the tactic path from the root), so they are
immutable, equal for equal paths, and the same on every machine and in every process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from mathgym.problem import Problem
from mathgym.verifier.verdict import Verdict

#: what a step did; ``complete`` means no goals remain (the proof still has to pass ``verify``)
Status = Literal["ok", "complete", "error", "timeout", "forbidden", "crashed"]
STATUSES: tuple[str, ...] = ("ok", "complete", "error", "timeout", "forbidden", "crashed")
#: statuses after which the state is unchanged (the step was rejected or failed)
FAILED_STATUSES: frozenset[str] = frozenset({"error", "timeout", "forbidden", "crashed"})

StateId = str


class ProverError(RuntimeError):
    """The prover could not do what was asked (statement does not elaborate, protocol broken...)."""


class ProverUnavailableError(ProverError):
    """A prover component (binary, Python package, traced repo) is missing; the message names the fix."""


@dataclass(frozen=True)
class Goal:
    """One open goal.

    :param hypotheses: the local context, one ``"name : type"`` string per entry (names sharing a type
        may share an entry, as provers print them: ``"a, b : nat"``).
    :param target: the statement still to prove.
    :param case: the goal's name/case tag when the prover gives one (Lean ``case succ``), else ``None``.
    """

    hypotheses: tuple[str, ...]
    target: str
    case: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"hypotheses": list(self.hypotheses), "target": self.target, "case": self.case}

    def pretty(self) -> str:
        """Prover-neutral text: hypotheses, a rule, the target (a ``case`` line first when named)."""
        lines = [f"case {self.case}"] if self.case else []
        lines += list(self.hypotheses)
        lines.append("=" * 28)
        lines.append(self.target)
        return "\n".join(lines)


def render_goals(goals: Sequence[Goal]) -> str:
    """All goals as one text observation (``"No more goals."`` when none remain)."""
    if not goals:
        return "No more goals."
    head = f"{len(goals)} goal{'s' if len(goals) != 1 else ''}"
    blocks = [f"goal {i}:\n{g.pretty()}" if len(goals) > 1 else g.pretty() for i, g in enumerate(goals, 1)]
    return head + "\n\n" + "\n\n".join(blocks)


@dataclass(frozen=True)
class ProofState:
    """A node of the proof tree.

    :param id: immutable, content-addressed state id.
    :param problem_id: the problem this state belongs to.
    :param goals: open goals (empty when the proof is complete).
    :param proof: the tactics applied from the root, one entry per accepted action.
    :param parent: the parent state's id (``None`` for the root).
    """

    id: StateId
    problem_id: str
    goals: tuple[Goal, ...]
    proof: tuple[str, ...] = ()
    parent: StateId | None = None

    @property
    def complete(self) -> bool:
        return not self.goals

    @property
    def depth(self) -> int:
        return len(self.proof)


@dataclass(frozen=True)
class StepResult:
    """The outcome of :meth:`ProverBackend.step`.

    :param status: ``ok`` (new state with goals), ``complete`` (new state, no goals left), ``error`` (the
        prover rejected the tactic), ``timeout``, ``forbidden`` (screened out before reaching the prover)
        or ``crashed`` (the prover process died; it is restarted and the state stays usable).
    :param state_id: the new state on ``ok``/``complete``; the unchanged input state otherwise.
    :param goals: goals of ``state_id``.
    :param messages: prover messages (errors, warnings), plain text.
    """

    status: Status
    state_id: StateId
    goals: tuple[Goal, ...]
    messages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @classmethod
    def unchanged(cls, state: ProofState, status: Status, *messages: str) -> StepResult:
        """A step that did not move: ``state`` stays current (empty messages are dropped).

        Every backend reports rejections, timeouts and crashes this way, so they share one constructor.
        """
        return cls(status, state.id, state.goals, tuple(m for m in messages if m))

    @classmethod
    def reached(cls, child: ProofState, messages: Sequence[str] = ()) -> StepResult:
        """A step that arrived at ``child``: ``complete`` when no goals remain, else ``ok``."""
        return cls("complete" if child.complete else "ok", child.id, child.goals, tuple(messages))

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "state_id": self.state_id,
            "goals": [g.to_dict() for g in self.goals],
            "messages": list(self.messages),
        }


@runtime_checkable
class ProverBackend(Protocol):
    """What every prover backend offers. One backend instance owns one prover process (one worker)."""

    #: short name (``"coq"``, ``"lean-repl"``, ``"leandojo"``)
    name: str

    def open(self, problem: Problem) -> ProofState:
        """State the problem's theorem and return the root state."""
        ...

    def step(self, state: ProofState | StateId, tactic: str, timeout: float | None = None) -> StepResult:
        """Run ``tactic`` (one or more tactics) on ``state``; ``state`` itself never changes."""
        ...

    def state(self, state_id: StateId) -> ProofState:
        """Look up a state this backend returned earlier (``KeyError`` when unknown)."""
        ...

    def verify(self, problem: Problem, proof: str | Sequence[str]) -> Verdict:
        """Check ``proof`` (the whole tactic script, or its tactics in order) from scratch; the only source of proof reward."""
        ...

    def close(self) -> None:
        """Stop the prover process (idempotent)."""
        ...


def state_key(state: ProofState | StateId) -> StateId:
    """The id of ``state`` (accepts a :class:`ProofState` or an id)."""
    return state.id if isinstance(state, ProofState) else str(state)


def child_state_id(parent: StateId, tactic: str) -> StateId:
    """Content-addressed id of the state reached by ``tactic`` from ``parent``."""
    return hashlib.sha256(f"{parent}\x00{tactic}".encode()).hexdigest()[:20]


def root_state_id(backend: str, problem: Problem, statement: str) -> StateId:
    """Content-addressed id of a problem's root state (depends on the exact statement text)."""
    return hashlib.sha256(f"{backend}\x00{problem.id}\x00{statement}".encode()).hexdigest()[:20]


def rejected(reason: str, extracted: str | None = None) -> Verdict:
    """A failed proof verdict."""
    return Verdict(correct=False, score=0.0, extracted=extracted, reason=reason)


def accepted(extracted: str | None, reason: str = "proof_accepted") -> Verdict:
    """An accepted proof verdict."""
    return Verdict(correct=True, score=1.0, extracted=extracted, reason=reason)


@dataclass
class StateTable:
    """The states a backend has handed out, by id, with the tactic path that rebuilds each one.

    Backends replay from the root after a restart, so the table (not the prover process) is the
    source of truth for which ids exist.
    """

    states: dict[StateId, ProofState] = field(default_factory=dict)
    problems: dict[StateId, Problem] = field(default_factory=dict)
    #: successful transitions, so stepping the same tactic from the same state costs nothing twice
    children: dict[tuple[StateId, str], StateId] = field(default_factory=dict)
    #: the prover's notes (warnings) from the step that reached each state, replayed on a cache hit
    notes: dict[StateId, tuple[str, ...]] = field(default_factory=dict)

    def add(self, state: ProofState, problem: Problem) -> ProofState:
        self.states.setdefault(state.id, state)
        self.problems.setdefault(state.id, problem)
        return self.states[state.id]

    def get(self, state_id: StateId) -> ProofState:
        try:
            return self.states[state_id]
        except KeyError:
            raise KeyError(
                f"unknown proof state {state_id!r}: ids come from open() or step() of the same "
                "backend instance"
            ) from None

    def problem(self, state_id: StateId) -> Problem:
        return self.problems[state_id]

    def path(self, state_id: StateId) -> list[ProofState]:
        """The states from the root down to ``state_id`` (what a backend replays after a restart)."""
        path = []
        node: ProofState | None = self.get(state_id)
        while node is not None:
            path.append(node)
            node = self.get(node.parent) if node.parent is not None else None
        return path[::-1]

    def cached_step(self, state_id: StateId, action: str) -> StepResult | None:
        """The result of ``action`` (normalised) taken from ``state_id`` before, or ``None`` if never taken."""
        child_id = self.children.get((state_id, action))
        if child_id is None:
            return None
        return StepResult.reached(self.get(child_id), self.notes.get(child_id, ()))

    def add_child(
        self, parent: ProofState, action: str, goals: Sequence[Goal], notes: Sequence[str] = ()
    ) -> ProofState:
        """Record the state ``action`` reached from ``parent`` (its id is content-addressed).

        Returns the table's copy: a state reached before keeps its first record, so ids stay stable.
        ``notes`` replace the earlier ones and are what :meth:`cached_step` reports later.
        """
        child = ProofState(
            id=child_state_id(parent.id, action),
            problem_id=parent.problem_id,
            goals=tuple(goals),
            proof=parent.proof + (action,),
            parent=parent.id,
        )
        child = self.add(child, self.problem(parent.id))
        self.children[(parent.id, action)] = child.id
        self.notes[child.id] = tuple(notes)
        return child


_Backend = TypeVar("_Backend", bound="TableBackend")


class TableBackend:
    """Plumbing every concrete backend shares: states live in ``self.table``; ``with`` closes the prover.

    Subclasses set ``table`` in ``__init__`` and implement the rest of :class:`ProverBackend`.
    """

    table: StateTable

    def state(self, state_id: StateId) -> ProofState:
        return self.table.get(state_id)

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Backend) -> _Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
