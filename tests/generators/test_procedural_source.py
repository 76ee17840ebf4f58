"""ProceduralSource: reproducibility across processes, unrelated seeds, large spaces, ids that round-trip."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from mathgym.generators import GENERATORS
from mathgym.sources import ProceduralSource, Source, problem_from_id
from mathgym.sources.procedural import PROCEDURAL_LENGTH

_HASH_SCRIPT = """
import hashlib, json
from mathgym.generators import GENERATORS
from mathgym.sources import ProceduralSource
out = {}
for name in sorted(GENERATORS):
    for level in range(GENERATORS[name].num_levels()):
        source = ProceduralSource(name, level=level, seed=2024)
        text = "\\n".join(source[i].to_json() for i in range(20))
        out[f"{name}/{level}"] = hashlib.sha256(text.encode()).hexdigest()
print(json.dumps(out))
"""


def test_same_seed_same_problems_in_another_process() -> None:
    # PYTHONHASHSEED differs between the two processes unless pinned: make sure it is not pinned the same
    env = {"PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", _HASH_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    theirs = json.loads(result.stdout)
    ours = {}
    for name in sorted(GENERATORS):
        for level in range(GENERATORS[name].num_levels()):
            source = ProceduralSource(name, level=level, seed=2024)
            text = "\n".join(source[i].to_json() for i in range(20))
            ours[f"{name}/{level}"] = hashlib.sha256(text.encode()).hexdigest()
    assert theirs == ours


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_neighbouring_seeds_give_unrelated_streams(name: str) -> None:
    level = GENERATORS[name].default_level
    a = [p.prompt for p in (ProceduralSource(name, level=level, seed=7)[i] for i in range(200))]
    b = [p.prompt for p in (ProceduralSource(name, level=level, seed=8)[i] for i in range(200))]
    same_index = sum(x == y for x, y in zip(a, b))
    shifted = max(sum(b[i] == a[i + 1] for i in range(199)), sum(a[i] == b[i + 1] for i in range(199)))
    shared = len(set(a) & set(b))
    if len(set(a)) == len(set(b)) == 200:  # a large space: no repeats within a stream, so barely any across
        assert shared < 0.05 * 200, f"seeds 7 and 8 share {shared} of 200 problems"
        # stream s+1 is not stream s shifted by one index (reasoning-gym's failure mode)
        assert shifted < 5 and same_index < 5
    else:  # a smaller space: overlap at chance level (about twice the repeats within one stream), not a copy
        repeats = (200 - len(set(a))) + (200 - len(set(b)))
        assert shared <= 3 * repeats + 10, (shared, repeats)
        assert shifted < 100 and same_index < 100, (shifted, same_index)


@pytest.mark.parametrize("name", ["Arithmetic", "MultiStepWord", "LinearSystem2x2"])
def test_neighbouring_seeds_share_under_five_percent(name: str) -> None:
    for seed in (0, 1, 41):
        a = {ProceduralSource(name, seed=seed)[i].prompt for i in range(200)}
        b = {ProceduralSource(name, seed=seed + 1)[i].prompt for i in range(200)}
        assert len(a & b) < 10, (name, seed, len(a & b))


def test_large_space_gives_distinct_problems() -> None:
    source = ProceduralSource("Arithmetic")  # default level
    prompts = {source[i].prompt for i in range(8000)}
    assert len(prompts) >= 0.95 * 8000
    # drawing through sample(rng), as envs do, from 8 differently seeded generators
    drawn = {source.sample(np.random.default_rng(s)).prompt for s in range(2000)}
    assert len(drawn) >= 0.95 * 2000


def test_items_are_pure_functions_of_their_arguments() -> None:
    s = ProceduralSource("Quadratic", level=3, seed=5)
    assert s[123] == ProceduralSource("Quadratic", level=3, seed=5)[123]
    assert [s[i] for i in (4, 2, 9)] == [s[i] for i in (4, 2, 9)]
    assert s[-1].id.endswith(f"/i{PROCEDURAL_LENGTH - 1}")
    assert isinstance(s, Source) and len(s) == PROCEDURAL_LENGTH
    with pytest.raises(IndexError):
        s[PROCEDURAL_LENGTH]
    # the stream depends on the knob values, not on how they were spelled
    by_dict = ProceduralSource("Quadratic", seed=5, config=GENERATORS["Quadratic"].levels[3])
    assert by_dict.level == 3 and by_dict[123] == s[123]
    # a different config is a different stream
    other = ProceduralSource("Quadratic", level=3, seed=5, config={"root_max": 40})
    assert other[123].id != s[123].id and other.level is None


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_find_regenerates_from_the_id(name: str) -> None:
    source = ProceduralSource(name, seed=3)
    problem = source[987_654_321]
    assert source.find(problem.id) == problem
    assert problem_from_id(problem.id) == problem
    # an id of another seed and level is regenerated too, without a scan
    other = ProceduralSource(name, level=0, seed=99)[42]
    assert source.find(other.id) == other


def test_custom_config_ids_round_trip() -> None:
    source = ProceduralSource("Arithmetic", seed=1, config={"digits": 5, "nested": False, "ops": "add+mul"})
    problem = source[17]
    key = problem.id.split("/")[1]
    assert problem.id.startswith("Arithmetic/") and "digits=5" in key and not re.fullmatch(r"L\d+", key)
    assert problem_from_id(problem.id) == problem
    assert ProceduralSource("Arithmetic").find(problem.id) == problem


def test_bad_ids_raise_key_error() -> None:
    source = ProceduralSource("Arithmetic")
    for bad in (
        "Fractions/L1/s0/i3",
        "Arithmetic/L1/s0",
        "Arithmetic/L99/s0/i1",
        "Arithmetic/nope=3/s0/i1",
        "gsm8k/test/17",
    ):
        with pytest.raises(KeyError):
            source.find(bad)
    with pytest.raises(KeyError):
        problem_from_id("NotAGenerator/L0/s0/i0")


def test_seed_validation() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        ProceduralSource("Arithmetic", seed=-1)
