"""The Lean 4 backend over leanprover-community/repl's JSON protocol.

Wire format (leanprover-community/repl README): one JSON object per request, terminated by a blank
line; one JSON object per answer, followed by a blank line. Requests used:

* ``{"cmd": header}`` → a fresh environment with the imports (``env``), done once per header;
* ``{"cmd": "theorem ... := by\\n  sorry", "env": e}`` → the ``sorries[0].proofState`` is the root state;
* ``{"tactic": t, "proofState": p}`` → a new proof state, its ``goals`` and ``proofStatus``. The REPL
  parses exactly one tactic here, so an action of several is sent as Lean's parenthesised sequence
  ``(t₁⏎ t₂)`` (:func:`~mathgym.provers.lean_common.as_single_tactic`), which runs like a ``by`` block;
* ``{"cmd": "theorem ... := by\\n  <proof>", "env": e}`` and ``{"cmd": "#print axioms NAME", "env": e'}``
  for :meth:`LeanREPLBackend.verify`.

Classification is strict: a tactic step succeeds only without error-severity messages (the REPL can
answer ``goals: []`` *with* an error and ``proofStatus: "Incomplete: contains sorry"``); "complete" needs
``proofStatus == "Completed"``; the reward-bearing check re-elaborates the whole proof as one command and
rejects errors, ``sorry`` and axioms outside the problem's list.

The REPL has no per-request timeout: the client enforces one, kills the process and restarts it; REPL
ids do not survive a restart, so states are rebuilt by replaying their tactic path.

The REPL keeps every environment and proof state it ever made (there is no request to free one), so a
long run grows without bound: the backend starts a fresh REPL at the next episode (``open``) once the
process made ``max_repl_states`` snapshots or its memory passed ``max_rss_mb``, and rebuilds by replay
whatever states are still asked for.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from functools import partial
from typing import Any

from mathgym.problem import Problem
from mathgym.provers.base import (
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
from mathgym.provers.containment import ContainedProcess, ProcessCrashed, ProcessLimits, ProcessTimeout
from mathgym.provers.lean_common import (
    STANDARD_AXIOMS,
    as_single_tactic,
    lean_statement,
    normalize_tactics,
    parse_axioms_message,
    parse_lean_goal,
    screen_lean_tactic,
    statement_with_proof,
)
from mathgym.verifier.verdict import Verdict

LEAN_SETUP_HINT = (
    "Install a Lean 4 toolchain with elan (https://github.com/leanprover/elan), build the REPL "
    "(git clone https://github.com/leanprover-community/repl && cd repl && lake build) and pass "
    "repl_path=<repl dir or binary> and project_dir=<a Lean project with Mathlib>, or set "
    "MATHGYM_LEAN_REPL and MATHGYM_LEAN_PROJECT."
)


def _find_end(buffer: bytearray) -> int | None:
    start = 0
    while start < len(buffer) and buffer[start] in b" \r\n\t":
        start += 1
    index = buffer.find(b"\n\n", start)
    if index < 0 or start >= len(buffer):
        return None
    return index + 2


def _errors(response: dict[str, Any]) -> list[str]:
    return [m.get("data", "") for m in response.get("messages", ()) if m.get("severity") == "error"]


def _messages(response: dict[str, Any], severity: str) -> list[str]:
    return [m.get("data", "") for m in response.get("messages", ()) if m.get("severity") == severity]


def default_repl_command(
    repl_path: str | None = None, project_dir: str | None = None
) -> tuple[list[str], str]:
    """``(["lake", "env", <repl binary>], project_dir)``.

    :raises ProverUnavailableError: naming the fix, when Lean or the REPL is missing.
    """
    lake = shutil.which("lake")
    if lake is None:
        raise ProverUnavailableError(f"Lean 4 is not installed: `lake` is not on PATH. {LEAN_SETUP_HINT}")
    repl_path = repl_path or os.environ.get("MATHGYM_LEAN_REPL")
    project_dir = project_dir or os.environ.get("MATHGYM_LEAN_PROJECT")
    if not repl_path or not project_dir:
        raise ProverUnavailableError(f"the Lean REPL is not configured. {LEAN_SETUP_HINT}")
    binary = repl_path
    if os.path.isdir(repl_path):
        binary = os.path.join(repl_path, ".lake", "build", "bin", "repl")
    if not os.path.isfile(binary):
        raise ProverUnavailableError(
            f"no REPL binary at {binary}: run `lake build` in the repl checkout. {LEAN_SETUP_HINT}"
        )
    if not os.path.isdir(project_dir):
        raise ProverUnavailableError(
            f"Lean project directory {project_dir} does not exist. {LEAN_SETUP_HINT}"
        )
    return [lake, "env", binary], project_dir


class LeanREPLBackend(TableBackend):
    """Lean 4 through the REPL (see the module docstring).

    :param command: the REPL command line; default ``lake env <repl>`` run in ``project_dir``.
    :param repl_path: the REPL checkout or binary (default ``$MATHGYM_LEAN_REPL``).
    :param project_dir: the Lean project whose packages (Mathlib) the REPL sees (``$MATHGYM_LEAN_PROJECT``).
    :param tactic_timeout: client-side seconds per tactic.
    :param command_timeout: seconds for a command (the imports, a theorem, a whole proof).
    :param limits: rlimits (no address-space cap by default: Lean maps large ``.olean`` files).
    :param isolation: containment level (``"auto"``: strongest available).
    :param max_repl_states: environments and proof states one REPL process may accumulate before the
        next episode starts a fresh one (the REPL never frees them).
    :param max_rss_mb: the same, for the REPL's resident memory (``None``: no memory trigger).
    """

    name = "lean-repl"

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        repl_path: str | None = None,
        project_dir: str | None = None,
        tactic_timeout: float = 60.0,
        command_timeout: float = 600.0,
        limits: ProcessLimits = ProcessLimits(memory_mb=None, cpu_s=7 * 24 * 3600, max_processes=64),
        isolation: str = "auto",
        max_repl_states: int = 20_000,
        max_rss_mb: float | None = 16_384,
    ) -> None:
        cwd = project_dir
        if command is None:
            command, cwd = default_repl_command(repl_path, project_dir)
        env_extra = {}
        lake = shutil.which("lake")
        if lake is not None:
            env_extra["PATH"] = f"{os.path.dirname(lake)}:/usr/local/bin:/usr/bin:/bin"
        env_extra["ELAN_HOME"] = os.environ.get("ELAN_HOME", os.path.expanduser("~/.elan"))
        self.process = ContainedProcess(
            list(command), limits=limits, isolation=isolation, cwd=cwd, env_extra=env_extra
        )
        self.tactic_timeout = float(tactic_timeout)
        self.command_timeout = float(command_timeout)
        self.table = StateTable()
        self._header_envs: dict[str, int] = {}
        self._repl_states: dict[StateId, int] = {}
        self.restarts = 0
        self._started = False
        self.max_repl_states = int(max_repl_states)
        self.max_rss_mb = max_rss_mb
        #: snapshots (environments, proof states) the running REPL holds
        self.repl_states = 0
        #: fresh REPL processes started because the old one had grown too big
        self.recycles = 0

    @property
    def isolation(self) -> str:
        return self.process.isolation

    # -- process ----------------------------------------------------------------------------------
    def _ensure_process(self) -> None:
        if not self.process.alive:
            if self._started:
                self.restarts += 1
            self.process.kill()
            self.process.start()
            self._started = True
            self._forget_repl()

    def _recycle_if_grown(self) -> None:
        """Between episodes: replace a REPL that holds too many snapshots or too much memory."""
        if not self.process.alive:
            return
        too_many = self.repl_states >= self.max_repl_states
        too_big = self.max_rss_mb is not None and self.process.rss_mb() > self.max_rss_mb
        if too_many or too_big:
            self.recycles += 1
            self._restart_later()

    def _forget_repl(self) -> None:
        """What only the (gone or fresh) REPL process knew: its ids and how many snapshots it holds."""
        self._header_envs.clear()
        self._repl_states.clear()
        self.repl_states = 0

    def _restart_later(self) -> None:
        self.process.kill()
        self._forget_repl()

    def close(self) -> None:
        self.process.kill()
        self._forget_repl()

    def request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and return the parsed answer (the process is started on demand)."""
        self._ensure_process()
        self.process.write((json.dumps(payload, ensure_ascii=False) + "\n\n").encode("utf-8"))
        raw = self.process.read_until(_find_end, timeout)
        try:
            answer = json.loads(raw.decode("utf-8"))
        except json.JSONDecodeError as exc:
            self._restart_later()
            raise ProverError(f"the Lean REPL answered with invalid JSON: {raw[:200]!r}") from exc
        # every environment and proof state the REPL answers with stays in its memory
        self.repl_states += ("env" in answer) + ("proofState" in answer) + len(answer.get("sorries") or ())
        return answer

    # -- environments and states ------------------------------------------------------------------
    def _header_env(self, header: str) -> int:
        if header in self._header_envs:
            return self._header_envs[header]
        response = self.request(
            {"cmd": header} if header.strip() else {"cmd": "-- empty header"}, self.command_timeout
        )
        if "env" not in response or _errors(response):
            detail = "; ".join(_errors(response)) or response.get("message", str(response))
            raise ProverError(f"the Lean header failed: {detail}")
        self._header_envs[header] = int(response["env"])
        return self._header_envs[header]

    def _open_in_repl(self, problem: Problem) -> tuple[int, str]:
        header, formal, _ = lean_statement(problem)
        env = self._header_env(header)
        response = self.request(
            {"cmd": statement_with_proof(formal, "sorry"), "env": env}, self.command_timeout
        )
        errors = _errors(response)
        sorries = response.get("sorries") or []
        if errors or not sorries or sorries[0].get("proofState") is None:
            detail = "; ".join(errors) or response.get("message", "no sorry with a proof state")
            raise ProverError(f"the statement of problem {problem.id!r} does not elaborate: {detail}")
        return int(sorries[0]["proofState"]), str(sorries[0].get("goal", ""))

    def _repl_state(self, state_id: StateId) -> int:
        """The REPL proof-state id of one of our states (rebuilt by replay after a restart)."""
        if state_id in self._repl_states and self.process.alive:
            return self._repl_states[state_id]
        node = self.table.get(state_id)
        if node.parent is None:
            ps, _ = self._open_in_repl(self.table.problem(state_id))
        else:
            parent_ps = self._repl_state(node.parent)
            response = self.request(
                {"tactic": as_single_tactic(node.proof[-1]), "proofState": parent_ps}, 2 * self.tactic_timeout
            )
            if "proofState" not in response or _errors(response):
                raise ProverError(f"could not rebuild state {state_id} by replay: {response}")
            ps = int(response["proofState"])
        self._repl_states[state_id] = ps
        return ps

    # -- the protocol -----------------------------------------------------------------------------
    def open(self, problem: Problem) -> ProofState:
        header, formal, _ = lean_statement(problem)
        root_id = root_state_id(self.name, problem, f"{header}\n{formal}")
        self._recycle_if_grown()
        if root_id in self.table.states:
            return self.table.get(root_id)
        try:
            ps, goal_text = self._open_in_repl(problem)
        except (ProcessTimeout, ProcessCrashed) as exc:
            self._restart_later()
            raise ProverError(f"the Lean REPL failed while stating {problem.id!r}: {exc}") from None
        root = ProofState(id=root_id, problem_id=problem.id, goals=(parse_lean_goal(goal_text),))
        self.table.add(root, problem)
        self._repl_states[root_id] = ps
        return root

    def step(self, state: ProofState | StateId, tactic: str, timeout: float | None = None) -> StepResult:
        node = self.table.get(state_key(state))
        timeout = self.tactic_timeout if timeout is None else float(timeout)
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
        request = as_single_tactic(tactic)
        try:
            ps = self._repl_state(node.id)
            response = self.request({"tactic": request, "proofState": ps}, timeout)
            if response.get("message") == "Unknown proof state." and "proofState" not in response:
                self._repl_states.clear()  # the REPL lost our ids: rebuild once
                ps = self._repl_state(node.id)
                response = self.request({"tactic": request, "proofState": ps}, timeout)
        except ProcessTimeout:
            self._restart_later()
            return unchanged("timeout", f"no answer within {timeout:.0f}s; the Lean REPL was restarted")
        except (ProcessCrashed, ProverError) as exc:
            self._restart_later()
            return unchanged("crashed", str(exc))
        if "proofState" not in response:
            return unchanged("error", str(response.get("message", response)).strip())
        errors = _errors(response)
        if errors:  # also the goals == [] + error trap: an error is never progress
            return unchanged("error", *errors)
        status_text = str(response.get("proofStatus", ""))
        goals_text = list(response.get("goals") or [])
        if (
            status_text.startswith("Error")
            or "contains sorry" in status_text
            or "metavariable" in status_text
        ):
            return unchanged("error", status_text)
        goals = tuple(parse_lean_goal(g) for g in goals_text)
        if not goals and status_text and not status_text.startswith("Completed"):
            return unchanged("error", status_text)
        notes = tuple(_messages(response, "warning"))
        child = self.table.add_child(node, tactic, goals, notes)
        self._repl_states[child.id] = int(response["proofState"])
        return StepResult.reached(child, notes)

    def verify(self, problem: Problem, proof: str | Sequence[str]) -> Verdict:
        """Re-elaborate the whole proof as one command; reject errors, ``sorry`` and disallowed axioms."""
        text = proof if isinstance(proof, str) else "\n".join(proof)
        reason = screen_lean_tactic(text)
        if reason is not None:
            return rejected(f"forbidden: {reason}", text)
        header, formal, name = lean_statement(problem)
        allowed = set(problem.meta.get("allowed_axioms", STANDARD_AXIOMS))
        try:
            env = self._header_env(header)
            response = self.request(
                {"cmd": statement_with_proof(formal, text), "env": env}, self.command_timeout
            )
            errors = _errors(response)
            if errors or "env" not in response:
                return rejected(f"lean_error: {'; '.join(errors) or response.get('message', '')}", text)
            # Lean reports a proof that still uses sorry (after an elaboration error that Lean recovered
            # from, say) with this warning on the declaration; other warnings (linters) say nothing
            if response.get("sorries") or any(
                w.startswith("declaration uses 'sorry'") for w in _messages(response, "warning")
            ):
                return rejected("incomplete: the proof uses sorry", text)
            check = self.request(
                {"cmd": f"#print axioms {name}", "env": int(response["env"])}, self.command_timeout
            )
        except (ProcessTimeout, ProcessCrashed) as exc:
            self._restart_later()
            return rejected(f"prover_failure: {exc}", text)
        infos = [m.get("data", "") for m in check.get("messages", ())]
        axioms = next((found for found in map(parse_axioms_message, infos) if found is not None), None)
        if axioms is None:
            return rejected(f"assumptions_unavailable: {infos}", text)
        extra = sorted(set(axioms) - allowed)
        if extra:
            return rejected(f"axioms_not_allowed: {', '.join(extra)}", text)
        return accepted(text)
