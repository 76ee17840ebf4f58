"""The Coq backend against real Coq 8.16 (coqidetop): stepping, branching, failures, verification."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from mathgym.problem import Problem
from mathgym.provers.base import ProverError
from mathgym.provers.coq import CoqBackend, parse_assumptions
from mathgym.provers.problems import load_problem_set
from mathgym.testing import require

HEADER = ("Require Import Arith.", "Require Import Lia.")


def coq_problem(
    name: str,
    statement: str,
    *,
    preamble: Sequence[str] = (),
    allowed: Sequence[str] = (),
    header: Sequence[str] = HEADER,
) -> Problem:
    return Problem(
        id=f"test/{name}",
        prompt=statement,
        answer=None,
        meta={
            "theorem_name": name,
            "statement": statement,
            "header": list(header),
            "preamble": list(preamble),
            "allowed_axioms": list(allowed),
        },
    )


@pytest.fixture(scope="module")
def backend() -> Iterator[CoqBackend]:
    require("coq")
    with CoqBackend(tactic_timeout=5) as coq:
        yield coq


COMM = coq_problem("add_comm_split", "forall n m : nat, n + m = m + n /\\ n * 0 = 0")


def test_open_gives_the_statement_as_the_root_goal(backend: CoqBackend) -> None:
    root = backend.open(COMM)
    assert root.proof == () and root.parent is None
    assert [g.target for g in root.goals] == ["forall n m : nat, n + m = m + n /\\ n * 0 = 0"]
    assert backend.open(COMM).id == root.id  # content-addressed: same problem, same root


def test_steps_report_goals_with_hypotheses_for_every_goal(backend: CoqBackend) -> None:
    root = backend.open(COMM)
    intro = backend.step(root, "intros n m.")
    assert intro.status == "ok" and intro.goals[0].hypotheses == ("n, m : nat",)
    split = backend.step(intro.state_id, "split.")
    assert [g.target for g in split.goals] == ["n + m = m + n", "n * 0 = 0"]
    assert all(g.hypotheses == ("n, m : nat",) for g in split.goals)
    first = backend.step(split.state_id, "- lia.")
    assert first.status == "ok" and [g.target for g in first.goals] == ["n * 0 = 0"]
    assert any("unfocused" in m for m in first.messages)  # the next goal needs a bullet
    done = backend.step(first.state_id, "- ring.")
    assert done.status == "complete" and done.goals == ()
    assert backend.state(done.state_id).proof == ("intros n m.", "split.", "- lia.", "- ring.")


def test_failed_tactic_leaves_the_state_unchanged(backend: CoqBackend) -> None:
    root = backend.open(COMM)
    bad = backend.step(root, "intros n m. apply no_such_lemma.")
    assert bad.status == "error" and bad.state_id == root.id
    assert "no_such_lemma" in bad.messages[0]
    # the accepted first sentence was rolled back with the failed one
    again = backend.step(root, "intros n m.")
    assert again.status == "ok" and again.goals[0].hypotheses == ("n, m : nat",)


def test_any_earlier_state_can_be_branched_from(backend: CoqBackend) -> None:
    root = backend.open(COMM)
    intro = backend.step(root, "intros n m.")
    deep = backend.step(backend.step(intro.state_id, "split.").state_id, "- lia.")
    other = backend.step(intro.state_id, "split; [lia | ring].")  # back to an ancestor, other branch
    assert other.status == "complete"
    from_root = backend.step(root, "intros; split; lia.")
    assert from_root.status == "complete" and from_root.state_id != other.state_id
    resumed = backend.step(deep.state_id, "- lia.")  # the first branch is still usable (replayed)
    assert resumed.status == "complete"


def test_timeout_is_reported_and_the_prover_keeps_working(backend: CoqBackend) -> None:
    root = backend.open(COMM)
    slow = backend.step(root, "intros; repeat (assert True by trivial).", timeout=1)
    assert slow.status == "timeout" and slow.state_id == root.id
    assert backend.step(root, "intros; split; lia.").status == "complete"


@pytest.mark.parametrize(
    "action",
    [
        "admit.",
        "Admitted.",
        "intros. give_up.",
        "Abort.",
        "Axiom x : False.",
        'Redirect "/tmp/mathgym_x" Print nat.',
        "Qed.",
    ],
)
def test_forbidden_input_never_reaches_coq(backend: CoqBackend, action: str) -> None:
    root = backend.open(COMM)
    before = backend.round_trips
    result = backend.step(root, action)
    assert result.status == "forbidden" and result.state_id == root.id
    assert backend.round_trips == before


def test_verify_accepts_a_complete_proof_and_rejects_the_rest(backend: CoqBackend) -> None:
    assert backend.verify(COMM, "intros n m. split. - lia. - ring.").correct
    assert backend.verify(COMM, ["intros n m.", "split; lia."]).correct
    assert backend.verify(COMM, "intros n m. split. lia.").reason.startswith("incomplete")
    assert backend.verify(COMM, "intros n m. split. admit. ring.").reason.startswith("forbidden")
    assert backend.verify(COMM, "Admitted.").reason.startswith("forbidden")
    assert backend.verify(COMM, "intros. apply nothing_here.").reason.startswith("tactic_error")


def test_verify_rejects_axioms_the_problem_does_not_allow(backend: CoqBackend) -> None:
    preamble = ["Axiom cheat : forall P : Prop, P."]
    strict = coq_problem("uses_cheat", "1 = 2", preamble=preamble)
    verdict = backend.verify(strict, "apply cheat.")
    assert not verdict.correct and verdict.reason == "axioms_not_allowed: cheat"
    lenient = coq_problem("uses_cheat", "1 = 2", preamble=preamble, allowed=["cheat"])
    assert backend.verify(lenient, "apply cheat.").correct


def test_verify_sees_the_real_number_axioms(backend: CoqBackend) -> None:
    reals = load_problem_set("reals")
    problem = next(p for p in reals.problems if p.meta["theorem_name"] == "real_linear_equation")
    assert backend.verify(problem, problem.meta["proof"]).correct
    strict = problem.replace(meta={**problem.to_dict()["meta"], "allowed_axioms": []})
    verdict = backend.verify(strict, problem.meta["proof"])
    assert not verdict.correct and "ClassicalDedekindReals.sig_forall_dec" in verdict.reason


def test_crashed_prover_is_restarted_and_states_are_rebuilt(backend: CoqBackend) -> None:
    root = backend.open(COMM)
    split = backend.step(backend.step(root, "intros n m.").state_id, "split.")
    restarts = backend.restarts
    backend.coq.process.kill()  # simulate a crash of coqidetop
    result = backend.step(split.state_id, "all: lia.")
    assert result.status == "complete"
    assert backend.restarts == restarts + 1


def test_a_statement_that_does_not_check_is_a_clear_error(backend: CoqBackend) -> None:
    with pytest.raises(ProverError, match="does not check in Coq"):
        backend.open(coq_problem("broken", "forall n, n + true = n"))


def test_parse_assumptions() -> None:
    assert parse_assumptions("Closed under the global context") == []
    text = (
        "Axioms:\nClassicalDedekindReals.sig_forall_dec\n  : forall P : nat -> Prop,\n    P 0\n"
        "cheat : forall P : Prop, P"
    )
    assert parse_assumptions(text) == ["ClassicalDedekindReals.sig_forall_dec", "cheat"]
