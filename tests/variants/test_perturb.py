"""Perturbation operators: what they change, what they keep, and the record they leave in meta."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mathgym.variants.base import NotApplicable
from mathgym.variants.gsm_symbolic import load_template, template_folder
from mathgym.variants.perturb import PERTURBATIONS, PerturbedFamily, check_chain, perturb
from mathgym.variants.program import program_families, program_family


def rng(i: int = 0) -> np.random.Generator:
    return np.random.default_rng(i)


@pytest.fixture(scope="module")
def template(data_dir: Path):
    return load_template(template_folder("p2", data_dir) / "0009.json")


def test_noop_keeps_the_answer_everywhere(template) -> None:
    families = [template, *program_families()]
    for family in families:
        for k in range(3):
            p = family.variant(k)
            q = perturb(p, "noop", rng(k), family)
            rec = q.meta["perturbations"][-1]
            assert q.answer == p.answer and rec["kind"] == "noop" and rec["clause"] in q.prompt
            assert q.prompt.endswith(p.meta["sentences"][-1]["text"])  # the question stays last
            assert len(q.prompt) > len(p.prompt)


def test_rename_replaces_people_everywhere(template) -> None:
    p = template.variant(2)
    person = p.meta["entities"]["people"][0]
    q = perturb(p, "rename", rng(), template)
    new = q.meta["perturbations"][-1]["replaced"][person]
    assert person not in q.prompt and new in q.prompt and q.answer == p.answer
    assert all(person not in s for s in q.meta["solution"]) and any(new in s for s in q.meta["solution"])
    assert q.meta["entities"]["people"][0] == new


def test_units_relabel_consistently() -> None:
    family = program_family("word.journey-distance")
    p = family.variant(0)
    q = perturb(p, "units", rng(1), family)
    new = q.meta["perturbations"][-1]["replaced"]["kilometers"]
    assert "kilometers" not in q.prompt and new in q.prompt and q.answer == p.answer
    with pytest.raises(NotApplicable):
        perturb(program_family("nt.last-digit").variant(0), "units", rng())


def test_reorder_moves_independent_sentences_only() -> None:
    family = program_family("count.outfits")
    p = family.variant(0)
    q = perturb(p, "reorder", rng(2), family)
    before = [s["text"] for s in p.meta["sentences"]]
    after = [s["text"] for s in q.meta["sentences"]]
    assert sorted(before) == sorted(after) and before != after and before[-1] == after[-1]
    assert q.answer == p.answer
    with pytest.raises(NotApplicable, match="independent"):
        perturb(program_family("arith.multiplication").variant(0), "reorder", rng())


def test_relevant_clause_changes_the_answer_by_the_clause() -> None:
    family = program_family("word.shopping-change")
    p = family.variant(4)
    q = perturb(p, "relevant_clause", rng(3), family)
    params = q.meta["params"]
    cost = params["n1"] * params["p1"] + params["n2"] * params["p2"] + params["extra"]
    assert int(q.answer) == params["bill"] - cost != int(p.answer)
    rec = q.meta["perturbations"][-1]
    assert rec["kind"] == "relevant_clause" and rec["answer_before"] == p.answer and len(rec["added"]) == 1
    with pytest.raises(NotApplicable):
        perturb(
            program_family("nt.last-digit").variant(0),
            "relevant_clause",
            rng(),
            program_family("nt.last-digit"),
        )


def test_scenario_asks_about_another_quantity() -> None:
    family = program_family("alg.sum-and-difference")
    p = family.variant(0)
    q = perturb(p, "scenario", rng(), family)
    assert (p.answer, q.answer) == ("23", "9") and "smaller" in q.prompt


def test_structural_operators_need_an_unmodified_variant() -> None:
    family = program_family("word.savings")
    noisy = perturb(family.variant(0), "noop", rng(), family)
    with pytest.raises(NotApplicable, match="structural"):
        PERTURBATIONS["relevant_clause"](noisy, rng(), family)
    with pytest.raises(ValueError, match="out of order"):
        check_chain(["noop", "relevant_clause"])
    with pytest.raises(KeyError, match="Did you mean"):
        check_chain(["nop"])


def test_answerable_judging(template) -> None:
    p = template.variant(1)
    yes = PERTURBATIONS["answerable"](p, rng(), template, answerable=True)
    no = PERTURBATIONS["answerable"](p, rng(), template, answerable=False)
    assert (yes.answer, no.answer) == ("yes", "no")
    masked = no.meta["perturbations"][-1]["masked"]
    assert (
        masked["sentence"] in p.prompt and masked["sentence"] not in no.prompt and masked["as"] in no.prompt
    )
    assert re.search(r"\bsome\b|a certain (number|amount)", masked["as"]) and p.prompt in yes.prompt
    assert yes.meta["task"] == "answerable" and yes.meta["answer_kind"] == "yes/no"


@pytest.mark.parametrize(
    "sentence, masked",
    [
        (
            "Ines buys 4 sandwiches at $5 each.",
            {"Ines buys some sandwiches at $5 each.", "Ines buys 4 sandwiches at a certain amount each."},
        ),
        ("The sum of two numbers is 32.", {"The sum of two numbers is a certain number."}),
        ("It takes 3 times as long.", {"It takes a certain number times as long."}),
    ],
)
def test_mask_number(sentence: str, masked: set[str]) -> None:
    from mathgym.variants.perturb import mask_number

    assert {mask_number(sentence, rng(i)) for i in range(20)} == masked
    assert mask_number("No numbers here.", rng()) is None


def test_outcome_judging(template) -> None:
    p = template.variant(1)
    right = PERTURBATIONS["outcome"](p, rng(), template, correct=True)
    wrong = PERTURBATIONS["outcome"](p, rng(), template, correct=False)
    assert right.answer == "yes" and f"Final answer: {p.answer}" in right.prompt
    shown = wrong.meta["perturbations"][-1]["shown_answer"]
    assert wrong.answer == "no" and shown != p.answer and f"Final answer: {shown}" in wrong.prompt


def test_process_judging_points_at_the_corrupted_step() -> None:
    family = program_family("word.weekly-pay")
    p = family.variant(2)
    for seed in range(5):
        q = perturb(p, "process", rng(seed), family)
        j = int(q.answer)
        rec = q.meta["perturbations"][-1]
        assert rec["step"] == j and rec["corrupted_step"] != rec["original_step"]
        assert f"Step {j}: {rec['corrupted_step']}" in q.prompt
        for i, step in enumerate(p.meta["solution"][: j - 1], 1):
            assert f"Step {i}: {step}" in q.prompt  # steps before the error are untouched


def test_perturbed_family_is_deterministic_and_traceable() -> None:
    base = program_family("word.fruit-crates")
    fam = PerturbedFamily(base, ["reword", "outcome"])
    assert fam.id == "dyn/word.fruit-crates+reword+outcome"
    p = fam.variant(5)
    assert p.id == f"{fam.id}/v5" and p.family == fam.id and p.meta["base_family"] == base.id
    assert [r["kind"] for r in p.meta["perturbations"]][-2:] in (
        ["rename", "outcome"],
        ["reorder", "outcome"],
    )
    assert (
        PerturbedFamily(program_family("word.fruit-crates"), ["reword", "outcome"]).variant(5).to_json()
        == p.to_json()
    )
    assert fam.variant(6).to_json() != p.to_json()
