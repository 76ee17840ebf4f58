"""The LeanDojo adapter against a MOCKED `lean_dojo` module (a test double at the adapter boundary:
LeanDojo needs Lean, git and a traced repository, none of which can be set up here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from mathgym.problem import Problem
from mathgym.provers.base import ProverError, ProverUnavailableError
from mathgym.provers.leandojo import LeanDojoBackend


# -- the double: LeanDojo's result classes and a scripted Dojo ----------------------------------------
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


class FakeDojo:
    """Scripted transitions; counts how often it was entered (to see re-entry after a crash)."""

    entered = 0

    def __init__(self, theorem: Any, timeout: int = 600, additional_imports: list | None = None) -> None:
        if theorem.full_name == "untraced":
            raise DojoInitError("the repo has not been traced")
        self.theorem = theorem
        self.next_id = 1

    def __enter__(self) -> tuple[FakeDojo, TacticState]:
        FakeDojo.entered += 1
        return self, TacticState("root", 0)

    def __exit__(self, *exc: Any) -> None:
        pass

    def run_tac(self, state: TacticState, tactic: str) -> Any:
        self.next_id += 1
        if tactic == "timeout_me":
            raise DojoTacticTimeoutError()
        if tactic == "crash_me":
            raise DojoCrashError("Unexpected EOF")
        if tactic in ("simp", "induction n <;> simp"):
            return (
                ProofFinished(self.next_id)
                if state.pp in ("root", "one")
                else TacticState("one", self.next_id)
            )
        if tactic == "cases n" and state.pp == "root":
            return TacticState("cases", self.next_id)
        if tactic == "cases n\nall_goals simp" and state.pp == "root":
            return ProofFinished(self.next_id)
        if tactic == "exact Nat.add_zero n ▸ rfl_ish":
            return ProofGivenUp()
        return LeanError(f"unknown tactic {tactic!r}")


def fake_module() -> SimpleNamespace:
    FakeDojo.entered = 0
    return SimpleNamespace(
        Dojo=FakeDojo,
        TacticState=TacticState,
        ProofFinished=ProofFinished,
        LeanError=LeanError,
        ProofGivenUp=ProofGivenUp,
        DojoInitError=DojoInitError,
        DojoCrashError=DojoCrashError,
        DojoTacticTimeoutError=DojoTacticTimeoutError,
        LeanGitRepo=lambda url, commit: SimpleNamespace(url=url, commit=commit),
        Theorem=lambda repo, path, name: SimpleNamespace(repo=repo, file_path=path, full_name=name),
    )


def dojo_problem(full_name: str = "add_zero") -> Problem:
    return Problem(
        id=f"dojo/{full_name}",
        prompt="",
        answer=None,
        meta={
            "lean_dojo": {
                "url": "https://github.com/example/lean4-example",
                "commit": "abc123",
                "file_path": "Example.lean",
                "full_name": full_name,
            }
        },
    )


# -- tests ---------------------------------------------------------------------------------------------
def test_results_map_onto_the_protocol() -> None:
    backend = LeanDojoBackend(dojo_module=fake_module())
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


def test_timeout_and_crash_are_reported_and_the_dojo_is_re_entered() -> None:
    module = fake_module()
    backend = LeanDojoBackend(dojo_module=module)
    root = backend.open(dojo_problem())
    cases = backend.step(root, "cases n")
    assert backend.step(cases.state_id, "timeout_me").status == "timeout"
    crashed = backend.step(cases.state_id, "crash_me")
    assert crashed.status == "crashed" and "crashed" in crashed.messages[0]
    entered = FakeDojo.entered
    after = backend.step(cases.state_id, "simp")  # a new Dojo, `cases n` replayed
    assert after.status == "ok" and FakeDojo.entered == entered + 1


def test_verify_accepts_only_a_finished_proof() -> None:
    backend = LeanDojoBackend(dojo_module=fake_module())
    problem = dojo_problem()
    assert backend.verify(problem, "cases n\nall_goals simp").correct
    assert not backend.verify(problem, "cases n").correct
    assert backend.verify(problem, "exact Nat.add_zero n ▸ rfl_ish").reason.startswith("incomplete")
    assert backend.verify(problem, "admit").reason.startswith("forbidden")


def test_untraced_repo_and_missing_location_are_clear_errors() -> None:
    backend = LeanDojoBackend(dojo_module=fake_module())
    with pytest.raises(ProverError, match="traced"):
        backend.open(dojo_problem("untraced"))
    with pytest.raises(ProverError, match="meta\\['lean_dojo'\\]"):
        backend.open(Problem(id="x", prompt="", answer=None))


def test_missing_lean_dojo_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins  # noqa: PLC0415

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
