"""Adapter from LeanDojo's ``Dojo`` (``lean-dojo``) to the prover protocol.

LeanDojo poses theorems that already exist in a *traced* Lean repository: a problem's
``meta["lean_dojo"]`` must name ``url`` (GitHub URL or local git path), ``commit``, ``file_path`` and
``full_name``. ``Dojo(theorem)`` starts Lean positioned at the theorem; ``run_tac(state, tactic)``
returns ``TacticState`` (new goals), ``ProofFinished`` (no goals left, kernel-checked by LeanDojo's REPL),
``LeanError`` or ``ProofGivenUp`` (the proof used ``sorry``), and raises ``DojoTacticTimeoutError`` /
``DojoCrashError``. They map to the statuses ``ok``, ``complete``, ``error``, ``forbidden``,
``timeout`` and ``crashed``. Every ``TacticState`` stays valid, so branching is direct.

``lean_dojo`` is imported lazily; pass ``dojo_module=`` (anything with the same names) to use another
implementation, e.g. a test double.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
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
from mathgym.provers.lean_common import screen_lean_tactic
from mathgym.verifier.verdict import Verdict

LEANDOJO_HINT = (
    "LeanDojo needs `pip install lean-dojo` (Python < 3.13; deprecated upstream in favour of lean-dojo-v2), "
    "git >= 2.25, elan with `lean`/`lake` on PATH, and network access to clone and trace the repository "
    "(set GITHUB_ACCESS_TOKEN). Without Lean, use the Coq environments (mathgym/Coq-Basic-v0)."
)
_NAMES = (
    "Dojo",
    "Theorem",
    "LeanGitRepo",
    "TacticState",
    "ProofFinished",
    "LeanError",
    "ProofGivenUp",
    "DojoInitError",
    "DojoCrashError",
    "DojoTacticTimeoutError",
)


def import_lean_dojo() -> Any:
    """The ``lean_dojo`` module, or :class:`ProverUnavailableError` naming what is missing."""
    try:
        import lean_dojo  # noqa: PLC0415
    except ImportError as exc:
        raise ProverUnavailableError(f"lean-dojo is not installed ({exc}). {LEANDOJO_HINT}") from None
    except Exception as exc:  # its import runs `git --version` and asserts on it
        raise ProverUnavailableError(f"lean-dojo failed to import ({exc}). {LEANDOJO_HINT}") from None
    if shutil.which("lake") is None:
        raise ProverUnavailableError(f"Lean 4 is not installed: `lake` is not on PATH. {LEANDOJO_HINT}")
    return lean_dojo


def dojo_goals(state: Any) -> tuple[Goal, ...]:
    """Goals of a LeanDojo ``TacticState`` (``goals[i].assumptions`` of ``Declaration(ident, lean_type)``)."""
    goals = []
    for goal in getattr(state, "goals", ()) or ():
        hyps = tuple(f"{d.ident} : {d.lean_type}" for d in getattr(goal, "assumptions", ()))
        goals.append(Goal(hypotheses=hyps, target=str(getattr(goal, "conclusion", "")).strip()))
    return tuple(goals)


class LeanDojoBackend(TableBackend):
    """Lean 4 through LeanDojo (see the module docstring).

    :param dojo_module: the ``lean_dojo`` module or a stand-in with the same names (default: import it).
    :param timeout: LeanDojo's per-tactic timeout in seconds.
    :param additional_imports: extra imports LeanDojo adds to the theorem's file.
    """

    name = "leandojo"

    def __init__(
        self, *, dojo_module: Any | None = None, timeout: int = 600, additional_imports: Sequence[str] = ()
    ) -> None:
        self.dojo = dojo_module if dojo_module is not None else import_lean_dojo()
        missing = [n for n in _NAMES if not hasattr(self.dojo, n)]
        if missing:
            raise ProverUnavailableError(f"the LeanDojo module lacks {missing}. {LEANDOJO_HINT}")
        self.timeout = int(timeout)
        self.additional_imports = list(additional_imports)
        self.table = StateTable()
        self._sessions: dict[str, tuple[Any, Any, Any]] = {}  # problem id -> (context, dojo, initial state)
        self._dojo_states: dict[StateId, Any] = {}  # our id -> TacticState of the live session
        self.restarts = 0

    # -- sessions ---------------------------------------------------------------------------------
    def _theorem(self, problem: Problem) -> Any:
        spec = problem.meta.get("lean_dojo")
        keys = ("url", "commit", "file_path", "full_name")
        if not isinstance(spec, Mapping) or any(not spec.get(k) for k in keys):
            raise ProverError(
                f"problem {problem.id!r} has no LeanDojo location: meta['lean_dojo'] must give "
                f"{keys} of a theorem in a traced repository"
            )
        repo = self.dojo.LeanGitRepo(spec["url"], spec["commit"])
        return self.dojo.Theorem(repo, spec["file_path"], spec["full_name"])

    def _enter(self, problem: Problem) -> tuple[Any, Any, Any]:
        if problem.id in self._sessions:
            return self._sessions[problem.id]
        try:
            context = self.dojo.Dojo(
                self._theorem(problem), timeout=self.timeout, additional_imports=self.additional_imports
            )
            dojo, initial = context.__enter__()
        except self.dojo.DojoInitError as exc:
            raise ProverError(
                f"LeanDojo could not start on {problem.id!r}: {exc}. Is the repository traced "
                "(lean_dojo.trace(repo)) and its toolchain installed?"
            ) from None
        except (FileNotFoundError, OSError) as exc:
            raise ProverUnavailableError(
                f"LeanDojo could not start on {problem.id!r}: {exc}. {LEANDOJO_HINT}"
            ) from None
        self._sessions[problem.id] = (context, dojo, initial)
        return self._sessions[problem.id]

    def _drop_session(self, problem_id: str) -> None:
        session = self._sessions.pop(problem_id, None)
        if session is not None:
            try:
                session[0].__exit__(None, None, None)
            except Exception:
                pass
        for sid in [s for s in self._dojo_states if self.table.states[s].problem_id == problem_id]:
            del self._dojo_states[sid]

    def close(self) -> None:
        for problem_id in list(self._sessions):
            self._drop_session(problem_id)

    def _dojo_state(self, state_id: StateId) -> tuple[Any, Any]:
        """``(dojo, TacticState)`` for one of our states, re-entering and replaying after a crash."""
        node = self.table.get(state_id)
        problem = self.table.problem(state_id)
        if problem.id not in self._sessions:
            _, dojo, initial = self._enter(problem)
            root = self.table.path(state_id)[0]
            self._dojo_states[root.id] = initial
        dojo = self._sessions[problem.id][1]
        if state_id not in self._dojo_states:
            parent_dojo, parent_state = self._dojo_state(node.parent)  # type: ignore[arg-type]
            result = parent_dojo.run_tac(parent_state, node.proof[-1])
            if not isinstance(result, self.dojo.TacticState):
                raise ProverError(f"could not rebuild state {state_id} by replay: {result!r}")
            self._dojo_states[state_id] = result
        return dojo, self._dojo_states[state_id]

    # -- the protocol -----------------------------------------------------------------------------
    def open(self, problem: Problem) -> ProofState:
        spec = problem.meta.get("lean_dojo") or {}
        root_id = root_state_id(self.name, problem, repr(sorted(dict(spec).items())))
        if root_id in self.table.states:
            return self.table.get(root_id)
        _, _, initial = self._enter(problem)
        root = ProofState(id=root_id, problem_id=problem.id, goals=dojo_goals(initial))
        self.table.add(root, problem)
        self._dojo_states[root_id] = initial
        return root

    def step(self, state: ProofState | StateId, tactic: str, timeout: float | None = None) -> StepResult:
        """Run ``tactic``; ``timeout`` is LeanDojo's own (set at construction), so it is ignored here."""
        node = self.table.get(state_key(state))
        unchanged = partial(StepResult.unchanged, node)
        reason = screen_lean_tactic(tactic)
        if reason is not None:
            return unchanged("forbidden", reason)
        if node.complete:
            return unchanged("error", "no goals: the proof is already complete")
        tactic = tactic.strip()
        cached = self.table.cached_step(node.id, tactic)
        if cached is not None:
            return cached
        problem = self.table.problem(node.id)
        try:
            dojo, dojo_state = self._dojo_state(node.id)
            result = dojo.run_tac(dojo_state, tactic)
        except self.dojo.DojoTacticTimeoutError as exc:
            self._drop_session(problem.id)  # LeanDojo's REPL is unusable after a timeout
            return unchanged("timeout", str(exc) or "tactic timed out")
        except self.dojo.DojoCrashError as exc:
            self._drop_session(problem.id)
            self.restarts += 1
            oom = " (out of memory)" if getattr(exc, "is_out_of_memory", False) else ""
            return unchanged("crashed", f"Lean crashed{oom}: {exc}")
        except ProverError as exc:
            self._drop_session(problem.id)
            return unchanged("crashed", str(exc))
        if isinstance(result, self.dojo.LeanError):
            return unchanged("error", str(getattr(result, "error", result)))
        if isinstance(result, self.dojo.ProofGivenUp):
            return unchanged("forbidden", "the proof gave up (sorry)")
        if isinstance(result, self.dojo.ProofFinished):
            goals: tuple[Goal, ...] = ()
        elif isinstance(result, self.dojo.TacticState):
            goals = dojo_goals(result)
        else:
            return unchanged("error", f"unexpected LeanDojo result {result!r}")
        message = getattr(result, "message", None)
        notes = (str(message),) if message else ()
        child = self.table.add_child(node, tactic, goals, notes)
        if isinstance(result, self.dojo.TacticState):
            self._dojo_states[child.id] = result
        return StepResult.reached(child, notes)

    def verify(self, problem: Problem, proof: str | Sequence[str]) -> Verdict:
        """Run the whole proof as one tactic block on the theorem's initial state; accept ``ProofFinished``
        only (LeanDojo checks the finished proof in the kernel and reports ``sorry`` as given up)."""
        text = proof if isinstance(proof, str) else "\n".join(proof)
        reason = screen_lean_tactic(text)
        if reason is not None:
            return rejected(f"forbidden: {reason}", text)
        try:
            dojo, initial = self._dojo_state(self.open(problem).id)
            result = dojo.run_tac(initial, text)
        except self.dojo.DojoTacticTimeoutError as exc:
            self._drop_session(problem.id)
            return rejected(f"timeout: {exc}", text)
        except self.dojo.DojoCrashError as exc:
            self._drop_session(problem.id)
            return rejected(f"prover_failure: {exc}", text)
        if isinstance(result, self.dojo.ProofFinished):
            return accepted(text)
        if isinstance(result, self.dojo.ProofGivenUp):
            return rejected("incomplete: the proof uses sorry", text)
        if isinstance(result, self.dojo.LeanError):
            return rejected(f"lean_error: {getattr(result, 'error', result)}", text)
        return rejected("incomplete: goals remain", text)
