"""The Coq backend against real Coq 8.16 (coqidetop): stepping, branching, failures, verification."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from mathgym.problem import Problem
from mathgym.provers.base import ProverError
from mathgym.provers.coq import CoqBackend
from mathgym.provers.coq_axioms import parse_assumptions
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


def test_a_stalling_kernel_check_is_stopped_by_coqs_timeout() -> None:
    """``Qed`` runs under Coq's own ``Timeout``: a kernel check that stalls ends as a rejected proof, and
    the prover process goes on (it is not killed by the wall clock)."""
    require("coq")
    # w 40 unfolds into 2^40 calls; exact_no_check skips the check that Qed must then do
    stall = coq_problem(
        "stalls_at_qed",
        "w 40 = true",
        preamble=["Fixpoint w (n : nat) : bool := match n with 0 => true | S m => andb (w m) (w m) end."],
    )
    with CoqBackend(tactic_timeout=5, qed_timeout=1, grace_s=30, axiom_oracle=False) as coq:
        root = coq.open(stall)
        done = coq.step(root, "exact_no_check (eq_refl true).")
        assert done.status == "complete"
        verdict = coq.verify(stall, list(coq.state(done.state_id).proof))
        assert not verdict.correct and verdict.reason.startswith("qed_failed") and "Timeout" in verdict.reason
        assert coq.restarts == 0 and coq.coq.alive
        assert coq.verify(COMM, "intros n m. split; lia.").correct  # the same process, still usable


CLASSICAL = ("Require Import Arith.", "Require Import Lia.", "Require Import Classical_Prop.")


def test_axiom_checks_answered_from_memory_stay_sound() -> None:
    """After the oracle has worked out the library constants a proof mentions, checks are answered from
    memory (no Print Assumptions) and still see every axiom: a classical proof in an environment whose
    problems allow none is rejected either way."""
    require("coq")
    plain = coq_problem("plain_le", "forall n : nat, n <= n + 1", header=CLASSICAL)
    excluded = coq_problem("excluded_middle", "forall P : Prop, P \\/ ~ P", header=CLASSICAL)
    double_negation = coq_problem("double_negation", "forall P : Prop, ~ ~ P -> P", header=CLASSICAL)
    with CoqBackend(tactic_timeout=5) as coq:
        cache = coq.axiom_cache
        for problem, proof, accepted in (
            (plain, "intros n. lia.", True),
            (excluded, "intros P. apply classic.", False),
            (double_negation, "intros P H. apply NNPP. exact H.", False),
        ):
            first = coq.verify(problem, proof)
            assert cache.last_path == "print-assumptions" and first.correct is accepted
            assert cache.wait_idle(300)
            second = coq.verify(problem, proof)
            assert cache.last_path == "cache", problem.id
            assert second.correct is accepted and second.reason == first.reason
        assert not coq.verify(excluded, "intros P. apply classic.").correct
        nnpp = coq.verify(double_negation, "intros P H. apply NNPP. exact H.")
        assert nnpp.reason == "axioms_not_allowed: classic"
        # a proof that declares auxiliary constants (abstract) is always checked with Print Assumptions
        abstracted = coq.verify(excluded, "intros P. abstract (apply classic).")
        assert abstracted.reason.startswith("axioms_not_allowed")
        assert cache.last_path == "print-assumptions"
        # a preamble with more than definitions and scopes: nothing remembered may answer for its names
        cheat = ["Axiom cheat : forall P : Prop, P."]
        axiom = coq_problem("uses_cheat", "1 = 2", preamble=cheat, header=CLASSICAL)
        assert coq.verify(axiom, "apply cheat.").reason == "axioms_not_allowed: cheat"
        assert cache.last_path == "print-assumptions"


def test_names_in_printed_terms_and_preambles() -> None:
    from mathgym.provers.coq_axioms import preamble_names, referenced_names

    printed = (
        "t = \nfun n m : nat =>\n@eq_ind_r nat (Init.Nat.add m n) (fun n0 : nat => @eq nat n0 n0)\n"
        "  (@eq_refl nat (Nat.add m n)) (Init.Nat.add n m) (Nat.add_comm n m)\n     : forall n m : nat, "
        "@eq nat n m\n\nArguments t (n m)%nat_scope"
    )
    names = referenced_names(printed)
    assert {"eq_ind_r", "Init.Nat.add", "eq", "eq_refl", "Nat.add_comm", "nat"} <= names
    assert "Arguments" not in names and "nat_scope" not in names and "fun" not in names
    assert preamble_names(["Local Open Scope Z_scope.", "Fixpoint fact (n : nat) : nat := 1."]) == {"fact"}
    assert preamble_names(["Axiom cheat : False."]) is None
    assert preamble_names(["Require Import Classical."]) is None
