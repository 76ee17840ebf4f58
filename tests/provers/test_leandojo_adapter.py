"""The LeanDojo adapter against a MOCKED `lean_dojo` module (a test double at the adapter boundary:
LeanDojo needs Lean, git and a traced repository, none of which can be set up here).

The double is as strict as LeanDojo 4.20 where the adapter depends on it (read from its sources):

* ``run_tac`` parses exactly one tactic (``Parser.runParserCategory env `tactic``): two tactics on two
  lines, or joined by ``;``, are a ``LeanError`` "expected end of input"; ``(t1⏎ t2)`` is one tactic;
* ``run_cmd`` in command mode (``Dojo((repo, file_path, line))``) elaborates whole commands: a theorem
  with a ``by`` block, ``#print axioms``; non-error messages come back as the ``CommandState``'s message;
* entering a ``Dojo`` on a repository missing from LeanDojo's cache (``CACHE_DIR/<dirname>/<name>``)
  would trace it: the double records that as a failure of the test;
* every ``Dojo`` is one Lean process until its ``__exit__``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mathgym.problem import Problem
from mathgym.provers.base import ProverError, ProverUnavailableError
from mathgym.provers.leandojo import LeanDojoBackend


# -- the double: LeanDojo's result classes, a repository cache and a scripted Dojo -------------------
@dataclass(frozen=True)
class Declaration:
    ident: str
    lean_type: str


@dataclass(frozen=True)
class DojoGoal:
    assumptions: list
    conclusion: str


@dataclass(frozen=True)
class TacticState:
    pp: str
    id: int = field(compare=False)
    message: str | None = field(default=None, compare=False)

    @property
    def goals(self) -> list[DojoGoal]:
        return SCRIPT_GOALS[self.pp]


@dataclass(frozen=True)
class CommandState:
    id: int = field(compare=False)
    message: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProofFinished:
    tactic_state_id: int
    message: str | None = None


@dataclass(frozen=True)
class LeanError:
    error: str


@dataclass(frozen=True)
class ProofGivenUp:
    pass


class DojoInitError(Exception):
    pass


class DojoCrashError(Exception):
    is_out_of_memory = False


class DojoTacticTimeoutError(Exception):
    pass


N = [Declaration("n", "ℕ")]
SCRIPT_GOALS = {
    "root": [DojoGoal(N, "n + 0 = n")],
    "cases": [DojoGoal([], "0 + 0 = 0"), DojoGoal(N, "n + 1 + 0 = n + 1")],
    "one": [DojoGoal(N, "n + 1 + 0 = n + 1")],
}
#: the repository's file; ``cheat`` is an axiom some proofs can use
LEAN_FILE = """import Mathlib

axiom cheat : ∀ n : ℕ, n + 0 = n

namespace Example

theorem add_zero (n : ℕ) : n + 0 = n := by
  simp

theorem other (n : ℕ) : n = n := by
  rfl

end Example
"""


class FakeRepo:
    def __init__(self, url: str, commit: str) -> None:
        self.url, self.commit = url, commit

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    def get_cache_dirname(self) -> Path:
        return Path(f"{self.url.replace('https://', '').replace('/', '-')}-{self.commit}")


def _tactics(text: str) -> list[str] | None:
    """The tactics of one ``run_tac`` request, or ``None`` when it holds more than one tactic."""
    stripped = text.strip()
    if stripped.startswith("(") and stripped.endswith(")"):
        return _sequence(stripped[1:-1])
    sequence = _sequence(stripped)
    return sequence if len(sequence) == 1 else None


def _sequence(block: str) -> list[str]:
    """A ``by`` block's tactics: lines at the block's column, or parts joined by ``;`` (not ``<;>``)."""
    lines = [line for line in block.split("\n") if line.strip()]
    column = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    items: list[str] = []
    for line in lines:
        if line[column : column + 1].isspace() or line.strip().startswith("|"):
            items[-1] += "\n" + line
        else:
            items.append(line[column:])
    return [part.strip() for item in items for part in re.split(r"(?<!<);(?!>)", item) if part.strip()]


class FakeDojo:
    """Scripted transitions; counts Lean processes started and still running."""

    entered = 0
    alive = 0
    traced: set[str] = set()

    def __init__(self, entry: Any, timeout: int = 600, additional_imports: list | None = None) -> None:
        self.entry = entry
        self.commands = isinstance(entry, tuple)
        self.next_id = 1

    def __enter__(self) -> tuple[FakeDojo, Any]:
        repo = self.entry[0] if self.commands else self.entry.repo
        cached = Path(MODULE.constants.CACHE_DIR) / repo.get_cache_dirname() / repo.name
        if not cached.is_dir():
            raise AssertionError("Dojo started tracing an untraced repository (hours, network)")
        FakeDojo.entered += 1
        FakeDojo.alive += 1
        if self.commands:
            return self, CommandState(0)
        return self, TacticState("root", 0)

    def __exit__(self, *exc: Any) -> None:
        FakeDojo.alive -= 1

    def run_tac(self, state: TacticState, tactic: str) -> Any:
        assert not self.commands
        self.next_id += 1
        if tactic == "timeout_me":
            raise DojoTacticTimeoutError()
        if tactic == "crash_me":
            raise DojoCrashError("Unexpected EOF")
        tactics = _tactics(tactic)
        if tactics is None:
            return LeanError("<stdin>:2:0: expected end of input")
        pp = state.pp
        for one in tactics:
            result = self._one(pp, one)
            if not isinstance(result, str):
                return result
            pp = result
        return TacticState(pp, self.next_id)

    def _one(self, pp: str, tactic: str) -> Any:
        """The next state's name, or a final result."""
        if tactic in ("simp", "induction n <;> simp") and pp in ("root", "one"):
            return ProofFinished(self.next_id)
        if tactic == "simp" and pp == "cases":
            return "one"
        if tactic == "cases n" and pp == "root":
            return "cases"
        if tactic == "all_goals simp" and pp == "cases":
            return ProofFinished(self.next_id)
        if tactic == "exact Nat.add_zero n ▸ rfl_ish":
            return ProofGivenUp()
        return LeanError(f"unknown tactic {tactic!r}")

    def run_cmd(self, state: CommandState, command: str) -> Any:
        assert self.commands
        self.next_id += 1
        axioms = re.fullmatch(r"#print axioms (\S+)", command.strip())
        if axioms:
            uses = DECLARED.get(axioms.group(1))
            if uses is None:
                return LeanError(f"unknown constant '{axioms.group(1)}'")
            listed = ", ".join(uses)
            return CommandState(self.next_id, f"'{axioms.group(1)}' depends on axioms: [{listed}]")
        theorem = re.match(r"theorem (\S+) \(n : ℕ\) : n \+ 0 = n := by\n(.*)\Z", command, re.S)
        if theorem is None:
            return LeanError("unexpected command")
        name, body = theorem.groups()
        pp: Any = "root"
        for tactic in _sequence(body):
            if tactic == "exact cheat n":
                DECLARED[name] = ["cheat"]
                return CommandState(self.next_id)
            if isinstance(pp, ProofFinished):
                return LeanError("no goals to be proved")
            pp = self._one(pp, tactic)
            if isinstance(pp, LeanError):
                return pp
        if not isinstance(pp, ProofFinished):
            return LeanError("unsolved goals")
        DECLARED[name] = ["propext"]
        return CommandState(self.next_id)


DECLARED: dict[str, list[str]] = {}
MODULE = SimpleNamespace()


@pytest.fixture()
def module(tmp_path: Path) -> SimpleNamespace:
    """The mocked ``lean_dojo`` with a cache that holds one traced repository."""
    FakeDojo.entered = FakeDojo.alive = 0
    DECLARED.clear()
    MODULE.__dict__.update(
        Dojo=FakeDojo,
        TacticState=TacticState,
        CommandState=CommandState,
        ProofFinished=ProofFinished,
        LeanError=LeanError,
        ProofGivenUp=ProofGivenUp,
        DojoInitError=DojoInitError,
        DojoCrashError=DojoCrashError,
        DojoTacticTimeoutError=DojoTacticTimeoutError,
        LeanGitRepo=FakeRepo,
        Theorem=lambda repo, path, name: SimpleNamespace(repo=repo, file_path=path, full_name=name),
        constants=SimpleNamespace(CACHE_DIR=tmp_path / "cache"),
    )
    repo = FakeRepo(TRACED, "abc123")
    root = tmp_path / "cache" / repo.get_cache_dirname() / repo.name
    (root / "Example").mkdir(parents=True)
    (root / "Example" / "Basic.lean").write_text(LEAN_FILE)
    return MODULE


TRACED = "https://github.com/example/lean4-example"


def dojo_problem(full_name: str = "Example.add_zero", url: str = TRACED) -> Problem:
    return Problem(
        id=f"dojo/{full_name}",
        prompt="",
        answer=None,
        meta={
            "lean_dojo": {
                "url": url,
                "commit": "abc123",
                "file_path": "Example/Basic.lean",
                "full_name": full_name,
            }
        },
    )


# -- tests ---------------------------------------------------------------------------------------------
def test_results_map_onto_the_protocol(module: SimpleNamespace) -> None:
    backend = LeanDojoBackend(dojo_module=module)
    root = backend.open(dojo_problem())
    assert root.goals[0].hypotheses == ("n : ℕ",) and root.goals[0].target == "n + 0 = n"
    cases = backend.step(root, "cases n")
    assert cases.status == "ok" and len(cases.goals) == 2
    assert backend.step(root, "bogus").status == "error"
    assert backend.step(root, "exact Nat.add_zero n ▸ rfl_ish").status == "forbidden"  # ProofGivenUp
    assert backend.step(root, "sorry").status == "forbidden"  # screened before LeanDojo
    one = backend.step(cases.state_id, "simp")
    done = backend.step(one.state_id, "simp")
    assert done.status == "complete" and backend.state(done.state_id).proof == ("cases n", "simp", "simp")
    branch = backend.step(root, "simp")  # branching from the root again
    assert branch.status == "complete" and branch.state_id != done.state_id


def test_one_tactic_per_run_tac_as_in_leandojo(module: SimpleNamespace) -> None:
    """The double rejects two tactics in one run_tac like LeanDojo; the adapter groups an action of
    several so that it runs as one step."""
    backend = LeanDojoBackend(dojo_module=module)
    root = backend.open(dojo_problem())
    dojo, initial = backend._dojo_state(root.id)
    assert isinstance(dojo.run_tac(initial, "cases n\nall_goals simp"), LeanError)
    assert isinstance(dojo.run_tac(initial, "cases n; all_goals simp"), LeanError)
    for action in ("cases n\nall_goals simp", "cases n; all_goals simp"):
        assert backend.step(root, action).status == "complete"


def test_timeout_and_crash_are_reported_and_the_dojo_is_re_entered(module: SimpleNamespace) -> None:
    backend = LeanDojoBackend(dojo_module=module)
    root = backend.open(dojo_problem())
    cases = backend.step(root, "cases n")
    assert backend.step(cases.state_id, "timeout_me").status == "timeout"
    crashed = backend.step(cases.state_id, "crash_me")
    assert crashed.status == "crashed" and "crashed" in crashed.messages[0]
    entered = FakeDojo.entered
    after = backend.step(cases.state_id, "simp")  # a new Dojo, `cases n` replayed
    assert after.status == "ok" and FakeDojo.entered == entered + 1


def test_verify_checks_the_whole_proof_as_a_command_with_its_axioms(module: SimpleNamespace) -> None:
    backend = LeanDojoBackend(dojo_module=module)
    problem = dojo_problem()
    assert backend.verify(problem, "cases n\nall_goals simp").correct  # several tactics: one command
    assert backend.verify(problem, ["cases n", "simp", "simp"]).correct  # an episode's actions
    assert not backend.verify(problem, "cases n").correct
    assert backend.verify(problem, "bogus").reason.startswith("lean_error")
    assert backend.verify(problem, "admit").reason.startswith("forbidden")
    cheating = backend.verify(problem, "exact cheat n")  # an axiom of the repository, not a screened word
    assert not cheating.correct and cheating.reason == "axioms_not_allowed: cheat"
    lenient = problem.replace(meta={**problem.to_dict()["meta"], "allowed_axioms": ["propext", "cheat"]})
    assert backend.verify(lenient, "exact cheat n").correct


def test_at_most_max_sessions_lean_processes_stay_open(module: SimpleNamespace) -> None:
    backend = LeanDojoBackend(dojo_module=module, max_sessions=2)
    first, second = dojo_problem(), dojo_problem("Example.other")
    third = dojo_problem("Example.add_zero").replace(id="dojo/again")
    roots = [backend.open(p) for p in (first, second, third)]
    assert FakeDojo.alive == 2
    backend.verify(first, "simp")
    assert FakeDojo.alive == 2
    assert backend.step(roots[0], "cases n").status == "ok"  # re-entered and replayed when needed
    assert FakeDojo.alive == 2
    backend.close()
    assert FakeDojo.alive == 0


def test_an_untraced_repository_fails_fast_instead_of_tracing(module: SimpleNamespace) -> None:
    backend = LeanDojoBackend(dojo_module=module)
    untraced = dojo_problem(url="https://github.com/example/not-traced")
    with pytest.raises(ProverUnavailableError, match="not traced.*lean_dojo.trace"):
        backend.open(untraced)
    with pytest.raises(ProverUnavailableError, match="not traced"):
        backend.verify(untraced, "simp")
    assert FakeDojo.entered == 0
    with pytest.raises(ProverError, match="meta\\['lean_dojo'\\]"):
        backend.open(Problem(id="x", prompt="", answer=None))


def test_lean_env_with_leandojo_needs_locations(module: SimpleNamespace) -> None:
    """miniF2F statements carry no LeanDojo location: the env says so when it is made, and takes the
    traced repository that holds them (``dojo_repo``) to locate each problem by its theorem name."""
    from mathgym.envs.provers.lean import LeanEnv
    from mathgym.sources.base import ListSource

    statement = "theorem add_zero (n : ℕ) : n + 0 = n := by\n"
    meta = {"theorem_name": "add_zero", "split": "test", "formal_statement": statement}
    minif2f = ListSource([Problem(id="minif2f/test/add_zero", prompt=statement, answer=None, meta=meta)])
    with pytest.raises(ValueError, match="dojo_repo"):
        LeanEnv(source=minif2f, backend="leandojo")
    repo = {
        "url": TRACED,
        "commit": "abc123",
        "files": {"test": "Example/Basic.lean"},
        "namespace": "Example",
    }
    env = LeanEnv(source=minif2f, backend=LeanDojoBackend(dojo_module=module), dojo_repo=repo)
    obs, info = env.reset(seed=0)
    assert "n + 0 = n" in obs and info["prover"] == "leandojo"
    _, reward, terminated, _, info = env.step("cases n\nall_goals simp")
    assert terminated and info["verdict"]["correct"] and reward > 0.9


def test_missing_lean_dojo_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_lean_dojo(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "lean_dojo":
            raise ImportError("No module named 'lean_dojo'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_lean_dojo)
    with pytest.raises(ProverUnavailableError, match="pip install lean-dojo"):
        LeanDojoBackend()
    with pytest.raises(ProverUnavailableError, match="lacks"):
        LeanDojoBackend(dojo_module=SimpleNamespace(Dojo=FakeDojo))
