"""The Lean REPL backend against a FAKE REPL process (a test double: no Lean toolchain can be installed here),
plus real-Lean checks that run wherever `lake` is on PATH."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mathgym.problem import Problem
from mathgym.provers.base import ProverError, ProverUnavailableError
from mathgym.provers.lean_common import (
    parse_axioms_message,
    parse_lean_goal,
    screen_lean_tactic,
    statement_with_proof,
)
from mathgym.provers.lean_repl import LeanREPLBackend
from mathgym.testing import require

FAKE_REPL = [sys.executable, str(Path(__file__).with_name("fake_lean_repl.py"))]


def lean_problem(name: str, **meta: object) -> Problem:
    return Problem(
        id=f"lean/{name}",
        prompt=name,
        answer=None,
        meta={
            "header": "import Mathlib",
            "formal_statement": f"theorem {name} (n : Nat) : n + 0 = n := by\n",
            **meta,
        },
    )


@pytest.fixture()
def backend() -> Iterator[LeanREPLBackend]:
    with LeanREPLBackend(FAKE_REPL, tactic_timeout=2.0, command_timeout=20.0) as repl:
        yield repl


ADD_ZERO = lean_problem("fake_add_zero")


def test_open_enters_tactic_mode_through_a_sorry(backend: LeanREPLBackend) -> None:
    root = backend.open(ADD_ZERO)
    assert root.goals[0].hypotheses == ("n : Nat",) and root.goals[0].target == "n + 0 = n"
    assert backend.open(ADD_ZERO).id == root.id


def test_success_path_with_case_names_and_completion(backend: LeanREPLBackend) -> None:
    root = backend.open(ADD_ZERO)
    cases = backend.step(root, "cases n")
    assert cases.status == "ok" and [g.case for g in cases.goals] == ["zero", "succ"]
    assert cases.goals[1].hypotheses == ("n✝ : Nat",)
    done = backend.step(cases.state_id, "all_goals simp")
    assert done.status == "complete" and done.goals == ()
    assert backend.verify(ADD_ZERO, list(backend.state(done.state_id).proof)).correct


def test_goals_empty_with_an_error_is_not_success(backend: LeanREPLBackend) -> None:
    """The upstream trap: `goals: []`, an error message and "Incomplete: contains sorry"."""
    root = backend.open(ADD_ZERO)
    result = backend.step(root, "exact my_fake_premise")
    assert result.status == "error" and result.state_id == root.id
    assert "unknown identifier" in result.messages[0] and result.goals == root.goals
    verdict = backend.verify(ADD_ZERO, "exact my_fake_premise")
    assert not verdict.correct and "unknown identifier" in verdict.reason


def test_unknown_tactic_is_an_error(backend: LeanREPLBackend) -> None:
    root = backend.open(ADD_ZERO)
    result = backend.step(root, "frobnicate")
    assert result.status == "error" and "unknown tactic" in result.messages[0]


def test_timeout_restarts_the_repl_and_states_survive(backend: LeanREPLBackend) -> None:
    root = backend.open(ADD_ZERO)
    cases = backend.step(root, "cases n")
    slow = backend.step(cases.state_id, "sleep", timeout=0.5)
    assert slow.status == "timeout" and slow.state_id == cases.state_id
    after = backend.step(cases.state_id, "simp")  # the REPL is restarted and `cases n` replayed
    assert after.status == "ok" and [g.case for g in after.goals] == ["succ"]
    assert backend.restarts == 1


def test_crash_restarts_the_repl(backend: LeanREPLBackend) -> None:
    root = backend.open(ADD_ZERO)
    crashed = backend.step(root, "crash")
    assert crashed.status == "crashed" and "exited" in crashed.messages[0]
    assert backend.step(root, "simp").status == "complete"
    assert backend.restarts == 1


@pytest.mark.parametrize(
    "tactic",
    [
        "sorry",
        "admit",
        "native_decide",
        'run_tac (IO.println "x")',
        "#eval 1",
        "simp\ntheorem evil : False := sorry",
        "exact (axiom_of_doom)",
    ],
)
def test_forbidden_tactics_are_refused_before_lean(backend: LeanREPLBackend, tactic: str) -> None:
    root = backend.open(ADD_ZERO)
    result = backend.step(root, tactic)
    if tactic == "exact (axiom_of_doom)":  # an identifier that merely contains a word is fine
        assert result.status == "error"
    else:
        assert result.status == "forbidden" and not backend.verify(ADD_ZERO, tactic).correct


def test_verify_checks_axioms(backend: LeanREPLBackend) -> None:
    assert backend.verify(lean_problem("fake_true"), "trivial").correct  # propext, Classical.choice: standard
    strict = lean_problem("fake_true", allowed_axioms=["propext"])
    verdict = backend.verify(strict, "trivial")
    assert not verdict.correct and verdict.reason == "axioms_not_allowed: Classical.choice"
    incomplete = backend.verify(ADD_ZERO, "cases n")
    assert not incomplete.correct and "unsolved goals" in incomplete.reason


def test_a_statement_that_does_not_elaborate_is_a_clear_error(backend: LeanREPLBackend) -> None:
    with pytest.raises(ProverError, match="does not elaborate"):
        backend.open(lean_problem("not_a_fake_theorem"))


def test_lean_env_end_to_end_with_the_fake_repl(backend: LeanREPLBackend) -> None:
    from mathgym.envs.provers.lean import LeanEnv
    from mathgym.sources.base import ListSource

    env = LeanEnv(source=ListSource([ADD_ZERO]), backend=backend)
    obs, info = env.reset(seed=0)
    assert "⊢" not in obs and "n + 0 = n" in obs and info["prover"] == "lean-repl"
    _, reward, terminated, _, info = env.step("exact my_fake_premise")
    assert info["status"] == "error" and not terminated and reward < 0
    _, _, _, _, info = env.step("cases n")
    assert [g["case"] for g in info["goals"]] == ["zero", "succ"]
    _, reward, terminated, _, info = env.step("all_goals simp")
    assert terminated and info["verdict"]["correct"] and reward == pytest.approx(0.99)


def test_lean_helpers() -> None:
    goal = parse_lean_goal("case succ\nx y : Nat\nh : a very long\n  hypothesis\n⊢ x +\n  y = 1")
    assert goal.case == "succ" and goal.hypotheses == ("x y : Nat", "h : a very long hypothesis")
    assert goal.target == "x + y = 1"
    assert parse_axioms_message("'t' depends on axioms: [propext, Quot.sound]") == ["propext", "Quot.sound"]
    assert parse_axioms_message("'t' does not depend on any axioms") == []
    assert (
        statement_with_proof("theorem t : True := by\n", "trivial\nsimp")
        == "theorem t : True := by\n  trivial\n  simp"
    )
    assert screen_lean_tactic("-- sorry in a comment\nsimp") is None


def test_without_lean_the_env_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    import shutil

    import gymnasium as gym

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(ProverUnavailableError, match="lake.*elan"):
        gym.make("mathgym/Lean-MiniF2F-v0", data_dir=str(data_dir))


def test_real_lean_repl_proves_a_trivial_theorem() -> None:
    require("lean")
    problem = Problem(
        id="lean/real_true",
        prompt="",
        answer=None,
        meta={"header": "", "formal_statement": "theorem real_true : True := by\n"},
    )
    with LeanREPLBackend(tactic_timeout=120) as repl:
        root = repl.open(problem)
        assert repl.step(root, "trivial").status == "complete"
        assert repl.verify(problem, "trivial").correct
        assert not repl.verify(problem, "sorry").correct


def test_the_fake_repl_parses_one_tactic_per_request_like_the_real_one(backend: LeanREPLBackend) -> None:
    """The test double is as strict as leanprover-community/repl: a ProofStep holds exactly one tactic."""
    root = backend.open(ADD_ZERO)
    ps = backend._repl_state(root.id)
    for text in ("cases n\nall_goals simp", "cases n; all_goals simp"):
        answer = backend.request({"tactic": text, "proofState": ps}, 10)
        assert "proofState" not in answer and "expected end of input" in answer["message"]
    grouped = backend.request({"tactic": "(\n  cases n\n  all_goals simp)", "proofState": ps}, 10)
    assert grouped["proofStatus"] == "Completed"


@pytest.mark.parametrize(
    "action", ["cases n\nall_goals simp", "cases n; all_goals simp", "  cases n\n  all_goals simp"]
)
def test_an_action_of_several_tactics_is_one_step(backend: LeanREPLBackend, action: str) -> None:
    root = backend.open(ADD_ZERO)
    done = backend.step(root, action)
    assert done.status == "complete", done
    assert backend.verify(ADD_ZERO, list(backend.state(done.state_id).proof)).correct
    failing = backend.step(root, "cases n\nfrobnicate")
    assert failing.status == "error" and failing.state_id == root.id


def test_a_warning_that_says_failed_does_not_reject_a_proof(backend: LeanREPLBackend) -> None:
    """Only errors, sorries and axioms reject: a linter warning that contains "failed" does not."""
    problem = lean_problem("fake_imp")
    verdict = backend.verify(problem, "intro hfailed\nassumption")
    assert verdict.correct, verdict
    root = backend.open(problem)
    assert backend.step(backend.step(root, "intro hfailed").state_id, "assumption").status == "complete"


def test_a_grown_repl_is_replaced_between_episodes() -> None:
    """The REPL frees nothing: past ``max_repl_states`` snapshots the next episode gets a fresh process,
    and states of earlier episodes are rebuilt by replay."""
    with LeanREPLBackend(FAKE_REPL, tactic_timeout=5.0, command_timeout=20.0, max_repl_states=6) as repl:
        root = repl.open(ADD_ZERO)
        cases = repl.step(root, "cases n")
        first_pid = repl.process.pid
        for _ in range(3):
            repl.step(root, "frobnicate")  # failed steps leave nothing; these add no snapshot
            repl.verify(ADD_ZERO, "cases n\nall_goals simp")
        assert repl.repl_states >= 6
        repl.open(ADD_ZERO)  # a new episode
        assert repl.recycles == 1 and repl.repl_states < 6
        after = repl.step(cases.state_id, "all_goals simp")  # `cases n` is replayed in the new REPL
        assert after.status == "complete" and repl.process.pid != first_pid
