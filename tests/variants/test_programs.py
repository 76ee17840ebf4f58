"""Program families: at least 40, over all topics, deterministic, verified answers, a difficulty knob."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from mathgym.variants.program import PROGRAM_FAMILIES, TOPICS, program_families, program_family
from mathgym.verifier import verify

FAMILIES = program_families()


def test_at_least_forty_families_spread_over_every_topic() -> None:
    assert len(FAMILIES) >= 40
    per_topic = Counter(f.topic for f in FAMILIES)
    assert set(per_topic) == set(TOPICS) and min(per_topic.values()) >= 4


@pytest.mark.parametrize("key", sorted(PROGRAM_FAMILIES))
def test_family_contract(key: str) -> None:
    family = program_family(key)
    v0 = family.variant(0)
    assert family.params(0) == dict(type(family).seed_params)  # variant 0 is the hand-written original
    assert v0.id == f"dyn/{key}/v0" and v0.family == f"dyn/{key}" and not v0.meta["perturbations"]
    problems = [family.variant(k) for k in range(12)]
    assert len({p.prompt for p in problems}) >= 6, "variants should differ"
    for p in problems:
        # the program's answer is what the verifier accepts, and the solution ends with it
        assert verify(f"\\boxed{{{p.answer}}}", p).correct, (p.id, p.answer)
        assert p.meta["solution"] and p.answer in p.meta["solution"][-1]
        assert p.meta["sentences"][-1]["question"] and p.prompt.endswith(p.meta["sentences"][-1]["text"])
        json.dumps(p.to_dict())
    assert [family.variant(k).to_json() for k in range(12)] == [q.to_json() for q in problems]
    assert program_family(key).variant(7).to_json() == problems[7].to_json()  # a fresh instance agrees
    assert problems[1].meta["perturbations"][0]["kind"] == "resample"
    made = family.make(np.random.default_rng(5))
    assert verify(f"\\boxed{{{made.answer}}}", made).correct


@pytest.mark.parametrize("key", sorted(PROGRAM_FAMILIES))
def test_difficulty_knob(key: str) -> None:
    easy, hard = program_family(key, 1), program_family(key, 3)
    assert easy.difficulty == 1 and hard.id == f"dyn/{key}@d3"
    assert program_family(f"dyn/{key}@d3").id == hard.id
    assert [hard.variant(k).prompt for k in range(4)] != [easy.variant(k).prompt for k in range(4)]
    for k in range(6):
        p = hard.variant(k)
        assert p.meta["difficulty"] == 3 and verify(f"\\boxed{{{p.answer}}}", p).correct
    with pytest.raises(ValueError):
        program_family(key, 9)


def test_harder_means_bigger_numbers_on_average() -> None:
    family = "arith.multiplication"
    sizes = [
        np.mean([int(program_family(family, d).variant(k).answer) for k in range(1, 30)]) for d in (1, 2, 3)
    ]
    assert sizes[0] < sizes[1] < sizes[2]


def test_unknown_family_suggests_close_names() -> None:
    with pytest.raises(KeyError, match="Did you mean"):
        program_family("alg.linear-equaton")
