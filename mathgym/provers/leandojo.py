"""Adapter from LeanDojo's ``Dojo`` (``lean-dojo``) to the prover protocol.

LeanDojo poses theorems that already exist in a *traced* Lean repository: a problem's
``meta["lean_dojo"]`` must name ``url`` (GitHub URL or local git path), ``commit``, ``file_path`` and
``full_name`` (and may give ``line``, where the theorem starts). ``Dojo(theorem)`` starts Lean positioned
at the theorem; ``run_tac(state, tactic)`` returns ``TacticState`` (new goals), ``ProofFinished`` (no goals
left, kernel-checked by LeanDojo's REPL), ``LeanError`` or ``ProofGivenUp`` (the proof used ``sorry``), and
raises ``DojoTacticTimeoutError`` / ``DojoCrashError``. They map to the statuses ``ok``, ``complete``,
``error``, ``forbidden``, ``timeout`` and ``crashed``. Every ``TacticState`` stays valid, so branching is
direct.

What LeanDojo accepts and what this adapter does about it:

* ``run_tac`` parses exactly one tactic (``Parser.runParserCategory … `tactic``): an action of several is
  sent as Lean's parenthesised sequence ``(t₁⏎ t₂)``, which runs like a ``by`` block;
* ``verify`` (the reward) checks the whole proof as a command: a command-mode ``Dojo`` entered at the
  theorem's line (its context: imports, namespaces, ``open``s, no theorem yet) runs ``theorem … := by
  <proof>``, rejects errors and ``sorry``, then ``#print axioms`` and rejects axioms outside the problem's
  list (default: ``propext``, ``Classical.choice``, ``Quot.sound``);
* each entered ``Dojo`` is a Lean process: at most ``max_sessions`` stay open (least recently used ones
  are left; their states are rebuilt by replay if asked for again);
* entering a repository that is not traced yet would start a trace (hours, network): the adapter checks
  LeanDojo's local cache first and fails with the command to run, unless ``allow_trace=True``.

``lean_dojo`` is imported lazily; pass ``dojo_module=`` (anything with the same names) to use another
implementation, e.g. a test double.
"""

from __future__ import annotations

import re
import shutil
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
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
from mathgym.provers.lean_common import (
    STANDARD_AXIOMS,
    as_single_tactic,
    normalize_tactics,
    parse_axioms_message,
    screen_lean_tactic,
    statement_with_proof,
)
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
    "CommandState",
    "ProofFinished",
    "LeanError",
    "ProofGivenUp",
    "DojoInitError",
    "DojoCrashError",
    "DojoTacticTimeoutError",
    "constants",
)
_LOCATION_KEYS = ("url", "commit", "file_path", "full_name")


def import_lean_dojo() -> Any:
    """The ``lean_dojo`` module, or :class:`ProverUnavailableError` naming what is missing."""
    try:
        import lean_dojo
    except ImportError as exc:
        raise ProverUnavailableError(f"lean-dojo is not installed ({exc}). {LEANDOJO_HINT}") from None
    except Exception as exc:  # noqa: BLE001  its import runs `git --version` and asserts on it
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


def dojo_location(problem: Problem) -> Mapping[str, Any]:
    """A problem's ``meta["lean_dojo"]``, with a clear error when it is incomplete."""
    spec = problem.meta.get("lean_dojo")
    if not isinstance(spec, Mapping) or any(not spec.get(k) for k in _LOCATION_KEYS):
        raise ProverError(
            f"problem {problem.id!r} has no LeanDojo location: meta['lean_dojo'] must give "
            f"{_LOCATION_KEYS} of a theorem in a traced repository"
        )
    return spec


def _declaration_line(source: str, full_name: str) -> int | None:
    """The 1-based line where ``full_name`` is declared in a Lean file (``None`` if not found)."""
    short = re.escape(full_name.split(".")[-1])
    pattern = re.compile(
        rf"^[ \t]*(?:@\[[^\]]*\]\s*)*(?:(?:private|protected|noncomputable)\s+)*(?:theorem|lemma)\s+"
        rf"(?:[\w.']+\.)?{short}(?![\w.'])",
        re.M,
    )
    match = pattern.search(source)
    return None if match is None else source.count("\n", 0, match.start()) + 1


def _statement_at(source: str, line: int) -> str:
    """``theorem NAME … :=`` from ``line`` on (up to the first ``:=`` outside brackets)."""
    text = "\n".join(source.splitlines()[line - 1 :])
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and text.startswith(":=", i):
            return text[:i].strip() + " := by"
    raise ProverError(f"cannot find the end of the statement that starts at line {line}")


class LeanDojoBackend(TableBackend):
    """Lean 4 through LeanDojo (see the module docstring).

    :param dojo_module: the ``lean_dojo`` module or a stand-in with the same names (default: import it).
    :param timeout: LeanDojo's per-interaction timeout in seconds.
    :param additional_imports: extra imports LeanDojo adds to the theorem's file.
    :param max_sessions: Lean processes (entered ``Dojo``\\ s) kept open at once.
    :param allow_trace: let LeanDojo trace a repository that is not in its cache (hours, network).
    """

    name = "leandojo"

    def __init__(
        self,
        *,
        dojo_module: Any | None = None,
        timeout: int = 600,
        additional_imports: Sequence[str] = (),
        max_sessions: int = 2,
        allow_trace: bool = False,
    ) -> None:
        self.dojo = dojo_module if dojo_module is not None else import_lean_dojo()
        missing = [n for n in _NAMES if not hasattr(self.dojo, n)]
        if missing:
            raise ProverUnavailableError(f"the LeanDojo module lacks {missing}. {LEANDOJO_HINT}")
        self.timeout = int(timeout)
        self.additional_imports = list(additional_imports)
        self.max_sessions = max(1, int(max_sessions))
        self.allow_trace = bool(allow_trace)
        self.table = StateTable()
        # key -> (context manager, dojo, initial state); ("tactic", problem id) or ("command", location)
        self._sessions: OrderedDict[tuple, tuple[Any, Any, Any]] = OrderedDict()
        self._dojo_states: dict[StateId, Any] = {}  # our id -> TacticState of the live tactic session
        self._repos: dict[tuple[str, str], Any] = {}
        self.restarts = 0

    # -- repositories -----------------------------------------------------------------------------
    def _repo(self, spec: Mapping[str, Any]) -> Any:
        key = (str(spec["url"]), str(spec["commit"]))
        if key not in self._repos:
            self._repos[key] = self.dojo.LeanGitRepo(*key)
        return self._repos[key]

    def _traced_root(self, repo: Any) -> Path:
        """Where LeanDojo keeps ``repo`` traced (its cache layout: ``CACHE_DIR/<dirname>/<name>``)."""
        return Path(self.dojo.constants.CACHE_DIR) / repo.get_cache_dirname() / repo.name

    def _require_traced(self, repo: Any, spec: Mapping[str, Any]) -> None:
        if self.allow_trace or self._traced_root(repo).is_dir():
            return
        url, commit = str(spec["url"]), str(spec["commit"])
        raise ProverUnavailableError(
            f"{url} at {commit} is not traced in LeanDojo's cache ({self._traced_root(repo)}); entering it "
            'would start a trace (hours, network). Trace it once with `python -c "import lean_dojo; '
            f'lean_dojo.trace(lean_dojo.LeanGitRepo({url!r}, {commit!r}))"`, or pass allow_trace=True.'
        )

    # -- sessions ---------------------------------------------------------------------------------
    def _session(self, key: tuple, entry: Any, problem: Problem) -> tuple[Any, Any, Any]:
        """An entered ``Dojo`` for ``entry``, reusing an open one; the least recently used ones close."""
        if key in self._sessions:
            self._sessions.move_to_end(key)
            return self._sessions[key]
        while len(self._sessions) >= self.max_sessions:
            self._drop_session(next(iter(self._sessions)))
        try:
            context = self.dojo.Dojo(entry, timeout=self.timeout, additional_imports=self.additional_imports)
            dojo, initial = context.__enter__()
        except self.dojo.DojoInitError as exc:
            raise ProverError(f"LeanDojo could not start on {problem.id!r}: {exc}") from None
        except (FileNotFoundError, OSError) as exc:
            raise ProverUnavailableError(
                f"LeanDojo could not start on {problem.id!r}: {exc}. {LEANDOJO_HINT}"
            ) from None
        self._sessions[key] = (context, dojo, initial)
        return self._sessions[key]

    def _tactic_session(self, problem: Problem) -> tuple[Any, Any, Any]:
        spec = dojo_location(problem)
        repo = self._repo(spec)
        self._require_traced(repo, spec)
        theorem = self.dojo.Theorem(repo, spec["file_path"], spec["full_name"])
        return self._session(("tactic", problem.id), theorem, problem)

    def _drop_session(self, key: tuple) -> None:
        session = self._sessions.pop(key, None)
        if session is not None:
            try:
                session[0].__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - a crashed Lean process is gone either way
                pass
        if key[0] == "tactic":  # its TacticStates belong to the process that just ended
            problem_id = key[1]
            for sid in [s for s in self._dojo_states if self.table.states[s].problem_id == problem_id]:
                del self._dojo_states[sid]

    def _drop_problem(self, problem_id: str) -> None:
        self._drop_session(("tactic", problem_id))

    def close(self) -> None:
        for key in list(self._sessions):
            self._drop_session(key)

    def _dojo_state(self, state_id: StateId) -> tuple[Any, Any]:
        """``(dojo, TacticState)`` for one of our states, re-entering and replaying after a crash."""
        node = self.table.get(state_id)
        problem = self.table.problem(state_id)
        key = ("tactic", problem.id)
        fresh = key not in self._sessions
        _, dojo, initial = self._tactic_session(problem)
        if fresh:
            self._dojo_states[self.table.path(state_id)[0].id] = initial
        if state_id not in self._dojo_states:
            parent_dojo, parent_state = self._dojo_state(node.parent)  # type: ignore[arg-type]
            result = parent_dojo.run_tac(parent_state, as_single_tactic(node.proof[-1]))
            if not isinstance(result, self.dojo.TacticState):
                raise ProverError(f"could not rebuild state {state_id} by replay: {result!r}")
            self._dojo_states[state_id] = result
        return dojo, self._dojo_states[state_id]

    # -- the protocol -----------------------------------------------------------------------------
    def open(self, problem: Problem) -> ProofState:
        spec = dojo_location(problem)
        root_id = root_state_id(self.name, problem, repr(sorted(dict(spec).items())))
        if root_id in self.table.states:
            return self.table.get(root_id)
        _, _, initial = self._tactic_session(problem)
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
        tactic = normalize_tactics(tactic)
        cached = self.table.cached_step(node.id, tactic)
        if cached is not None:
            return cached
        problem = self.table.problem(node.id)
        try:
            dojo, dojo_state = self._dojo_state(node.id)
            result = dojo.run_tac(dojo_state, as_single_tactic(tactic))
        except self.dojo.DojoTacticTimeoutError as exc:
            self._drop_problem(problem.id)  # LeanDojo's REPL is unusable after a timeout
            return unchanged("timeout", str(exc) or "tactic timed out")
        except self.dojo.DojoCrashError as exc:
            self._drop_problem(problem.id)
            self.restarts += 1
            oom = " (out of memory)" if getattr(exc, "is_out_of_memory", False) else ""
            return unchanged("crashed", f"Lean crashed{oom}: {exc}")
        except ProverError as exc:
            self._drop_problem(problem.id)
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

    def _statement(self, problem: Problem, spec: Mapping[str, Any], repo: Any) -> tuple[str, int]:
        """``(statement ending in ':= by', 1-based line)`` of the theorem as its traced file states it (the
        problem's ``formal_statement`` and ``meta["lean_dojo"]["line"]`` when the file is not at hand)."""
        path = self._traced_root(repo) / str(spec["file_path"])
        try:
            source = path.read_text(encoding="utf-8")
        except OSError:
            source = None
        line = spec.get("line") or (source and _declaration_line(source, str(spec["full_name"])))
        if not line:
            raise ProverError(
                f"cannot locate {spec['full_name']!r} in {path} (give meta['lean_dojo']['line'])"
            )
        if source is not None:
            return _statement_at(source, int(line)), int(line)
        if not problem.meta.get("formal_statement"):
            raise ProverError(f"{path} is not readable and problem {problem.id!r} has no formal_statement")
        return str(problem.meta["formal_statement"]), int(line)

    def verify(self, problem: Problem, proof: str | Sequence[str]) -> Verdict:
        """Check the whole proof as one command where the theorem stands, then its axioms (see the module
        docstring); the only source of proof reward."""
        text = proof if isinstance(proof, str) else "\n".join(normalize_tactics(p) for p in proof)
        reason = screen_lean_tactic(text)
        if reason is not None:
            return rejected(f"forbidden: {reason}", text)
        spec = dojo_location(problem)
        allowed = set(problem.meta.get("allowed_axioms", STANDARD_AXIOMS))
        repo = self._repo(spec)
        self._require_traced(repo, spec)
        statement, line = self._statement(problem, spec, repo)
        match = re.search(r"\b(?:theorem|lemma)\s+([^\s:({\[]+)", statement)
        if match is None:
            raise ProverError(f"cannot find the theorem name in {statement[:80]!r}")
        key = ("command", str(spec["url"]), str(spec["commit"]), str(spec["file_path"]), line)
        try:
            _, dojo, at_theorem = self._session(key, (repo, Path(str(spec["file_path"])), line), problem)
            declared = dojo.run_cmd(at_theorem, statement_with_proof(statement, text))
            if isinstance(declared, self.dojo.LeanError):
                return rejected(f"lean_error: {declared.error}", text)
            if "declaration uses 'sorry'" in str(getattr(declared, "message", "") or ""):
                return rejected("incomplete: the proof uses sorry", text)
            printed = dojo.run_cmd(declared, f"#print axioms {match.group(1)}")
        except self.dojo.DojoTacticTimeoutError as exc:
            self._drop_session(key)
            return rejected(f"timeout: {exc}", text)
        except self.dojo.DojoCrashError as exc:
            self._drop_session(key)
            return rejected(f"prover_failure: {exc}", text)
        if isinstance(printed, self.dojo.LeanError):
            return rejected(f"assumptions_unavailable: {printed.error}", text)
        axioms = parse_axioms_message(str(getattr(printed, "message", "") or ""))
        if axioms is None:
            return rejected(f"assumptions_unavailable: {getattr(printed, 'message', '')!r}", text)
        extra = sorted(set(axioms) - allowed)
        if extra:
            return rejected(f"axioms_not_allowed: {', '.join(extra)}", text)
        return accepted(text)
