"""mathgym's Coq problem sets: their shape, and every known proof checked with coqc (runs in CI)."""

from __future__ import annotations

from collections import Counter

import pytest

from mathgym.provers.coq_sentences import screen
from mathgym.provers.problems import (
    CoqSource,
    available_sets,
    check_known_proofs,
    load_problem_set,
    problem_set_from_dict,
)
from mathgym.testing import require


def all_problems() -> list:
    return [p for name in available_sets() for p in load_problem_set(name).problems]


def test_sets_hold_at_least_60_tagged_competition_style_problems() -> None:
    problems = all_problems()
    assert len(problems) >= 60
    assert len({p.id for p in problems}) == len(problems)
    assert set(Counter(p.meta["difficulty"] for p in problems)) == {"easy", "medium", "hard"}
    topics = Counter(p.meta["topic"] for p in problems)
    for topic in ("arithmetic", "algebra", "number_theory", "inequality", "induction", "lists"):
        assert topics[topic] >= 3, topic
    for problem in problems:
        assert problem.answer is None and problem.meta["prover"] == "coq"
        assert isinstance(problem.meta["allowed_axioms"], tuple)  # frozen list
        assert problem.meta["formal_statement"] in problem.prompt


def test_known_proofs_use_only_what_agents_may_send() -> None:
    for problem in all_problems():
        sentences, reason = screen(problem.meta["proof"])
        assert reason is None, (problem.id, reason)
        assert problem.solution == [s.text for s in sentences]


def test_source_and_lookup() -> None:
    source = CoqSource("Basic")
    assert source.name == "coq-basic" and len(source) == len(load_problem_set("basic").problems)
    assert source.find("coq/basic/ind_gauss_sum").meta["preamble"]
    with pytest.raises(KeyError, match="bundled sets"):
        load_problem_set("nope")


def test_malformed_records_are_refused() -> None:
    good = {
        "name": "t",
        "statement": "1 = 1",
        "proof": "reflexivity.",
        "difficulty": "easy",
        "topic": "arithmetic",
    }
    problem_set_from_dict({"name": "X", "problems": [good]})
    with pytest.raises(ValueError, match="difficulty"):
        problem_set_from_dict({"name": "X", "problems": [{**good, "difficulty": "trivial"}]})
    with pytest.raises(ValueError, match="lacks 'proof'"):
        problem_set_from_dict({"name": "X", "problems": [{**good, "proof": ""}]})
    with pytest.raises(ValueError, match="duplicate"):
        problem_set_from_dict({"name": "X", "problems": [good, good]})


@pytest.mark.coq
def test_every_known_proof_checks_with_coqc() -> None:
    require("coq")
    problems = all_problems()
    results = check_known_proofs(problems)
    failures = [(r.problem_id, r.message or f"axioms {r.axioms}") for r in results if not r.accepted]
    assert failures == []


@pytest.mark.coq
def test_coqc_check_pins_down_a_broken_proof_and_a_forbidden_axiom() -> None:
    require("coq")
    basic = load_problem_set("basic").problems
    meta = basic[1].to_dict()["meta"]
    cheat = basic[1].replace(
        id="coq/test/cheat",
        meta={**meta, "preamble": ["Axiom cheat : forall P : Prop, P."], "proof": "apply cheat."},
    )
    broken = basic[1].replace(meta={**meta, "proof": "exact I."})  # not a proof of 17 * 23 = 391
    results = check_known_proofs([basic[0], cheat, broken, basic[2]])
    # problems before the failure compiled; their axioms come from the per-problem re-run
    assert [r.accepted for r in results] == [True, False, False, False]
    assert results[1].ok and any(a.endswith("cheat") for a in results[1].axioms)
    assert not results[2].ok and "Error" in results[2].message
    assert "not reached" in results[3].message
