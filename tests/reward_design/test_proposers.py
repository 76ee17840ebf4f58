"""Proposers: evolve (offline), recorded (a test double), and the LLM prompt structure."""

from __future__ import annotations

import json

import pytest
from design_helpers import SANDBOX_GROUP

from mathgym.reward_design.code import check_code, extract_code
from mathgym.reward_design.context import describe_env
from mathgym.reward_design.critic import critique
from mathgym.reward_design.proposers.base import CandidateRecord, Feedback, make_proposer
from mathgym.reward_design.proposers.evolve import EvolveProposer, canonical, parse_genome, render, term_name
from mathgym.reward_design.proposers.llm import build_messages
from mathgym.reward_design.proposers.recorded import RecordedProposer
from mathgym.reward_design.transitions import critic_transitions


@pytest.fixture(scope="module")
def context():
    return describe_env("mathgym/Countdown-v0")


def test_evolve_is_reproducible_and_writes_valid_code(context):
    a = EvolveProposer(seed=3).propose(context, None, 6)
    assert a == EvolveProposer(seed=3).propose(context, None, 6)
    assert a != EvolveProposer(seed=4).propose(context, None, 6)
    assert len(set(a)) == 6
    for response in a:
        code = extract_code(response)
        assert check_code(code, context.spec).ok
        genome = parse_genome(code)
        assert genome and genome[0]["kind"] == "success"
        assert render(genome) == code.rstrip("\n") + "\n"


@SANDBOX_GROUP
def test_evolved_code_passes_the_critic_on_real_transitions(context, pools, executor):
    transitions = critic_transitions(pools["mathgym/Countdown-v0"])
    verdicts = [
        critique(extract_code(r), context.spec, transitions, executor)
        for r in EvolveProposer(seed=0).propose(context, None, 8)
    ]
    assert sum(v.ok for v in verdicts) >= 6, [v.reason for v in verdicts]


def _record(genome, fitness, series, i=0):
    return CandidateRecord(
        id=f"i0-c{i}",
        iteration=0,
        response="",
        code=render(genome),
        status="trained",
        fitness=fitness,
        series=series,
    )


def test_evolve_breeds_from_the_best_and_never_repeats_a_genome(context):
    best = [
        {"kind": "success", "w": 1.0},
        {"kind": "progress", "field": "distance", "f": "exp", "t": 10.0, "w": 1.0},
    ]
    worse = [{"kind": "success", "w": 2.0}, {"kind": "step", "w": 0.01}]
    history = [
        _record(best, 0.6, {"task_score": [0.3, 0.6]}),
        _record(worse, 0.1, {"task_score": [0.1, 0.1]}, 1),
    ]
    feedback = Feedback(iteration=1, text="", best_response=None, history=history)
    children = [parse_genome(extract_code(r)) for r in EvolveProposer(seed=0).propose(context, feedback, 12)]
    keys = {json.dumps(canonical(g), sort_keys=True) for g in children}
    assert len(keys) == 12
    assert json.dumps(canonical(best), sort_keys=True) not in keys
    related = [g for g in children if any(t.get("field") == "distance" for t in g)]
    assert len(related) >= 4  # most children descend from the best genome


def test_guided_mutation_rescales_or_drops_a_flat_component(context):
    genome = [
        {"kind": "success", "w": 1.0},
        {"kind": "level", "field": "count", "f": "lin", "t": 1.0, "w": 0.5},
    ]
    flat = term_name(genome[1])
    record = _record(genome, 0.5, {"task_score": [0.2, 0.5], flat: [2.0, 2.0, 2.0], "success": [0.2, 0.5]})
    proposer = EvolveProposer(seed=1)
    import numpy as np

    changed = 0
    for seed in range(20):
        child = proposer._mutate(
            np.random.default_rng(seed), [dict(t) for t in genome], record, ["count", "distance"]
        )
        same = [t for t in child if term_name(t) == flat]
        changed += not same or abs(same[0]["w"]) >= 1.5 or abs(same[0]["w"]) != 0.5
    assert changed == 20


def test_recorded_proposer_replays_in_order_and_resumes(tmp_path, context):
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(json.dumps({"response": f"r{i}"}) + "\n" for i in range(5)))
    proposer = RecordedProposer(path)
    assert proposer.propose(context, None, 2) == ["r0", "r1"]
    assert proposer.propose(context, None, 2) == ["r2", "r3"]
    assert proposer.propose(context, None, 2) == ["r4"]
    assert proposer.propose(context, None, 2) == []
    resumed = RecordedProposer(path)
    resumed.skip(3)
    assert resumed.propose(context, None, 5) == ["r3", "r4"]


@pytest.mark.parametrize("line", ["not json", '{"text": "x"}', '["a"]', '{"response": 3}'])
def test_recorded_proposer_rejects_malformed_lines(tmp_path, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"response": "ok"}) + "\n" + line + "\n")
    with pytest.raises(ValueError, match=":2:"):
        RecordedProposer(path)


def test_make_proposer_specs(tmp_path):
    assert isinstance(make_proposer("evolve"), EvolveProposer)
    with pytest.raises(ValueError, match="bad proposer"):
        make_proposer("gpt")
    with pytest.raises(FileNotFoundError):
        make_proposer(f"recorded:{tmp_path / 'missing.jsonl'}")


def test_llm_conversation_keeps_four_messages(context):
    first = build_messages(context, None)
    assert [m["role"] for m in first] == ["system", "user"]
    assert "def compute_reward(prev: CountdownState" in first[0]["content"]
    assert "class CountdownState" in first[1]["content"] and context.spec.task in first[1]["content"]
    for iteration in range(1, 4):
        feedback = Feedback(
            iteration=iteration,
            text=f"reflection {iteration}",
            best_response=f"code {iteration}",
            human="use distance" if iteration == 3 else "",
        )
        messages = build_messages(context, feedback)
        assert len(messages) == 4
        assert messages[2] == {"role": "assistant", "content": f"code {iteration}"}
        assert messages[3]["content"].startswith(f"reflection {iteration}")
    assert "use distance" in messages[3]["content"]


def test_field_statistics_separate_successes_from_failures(pools):
    from mathgym.reward_design.transitions import field_statistics

    stats = field_statistics(pools["mathgym/EquationSolve-v0"])
    assert stats["x_isolated"]["effect"] > 0.8 and stats["size"]["effect"] < -0.8
    assert stats["x_isolated"]["success_mean"] == 1.0
    assert "equation" not in stats  # text fields are not statistics
    assert field_statistics([e for e in pools["mathgym/EquationSolve-v0"] if e.success]) == {}


def test_evolve_follows_the_statistics(context):
    import dataclasses

    stats = {"distance": {"success_mean": 0.0, "failure_mean": 50.0, "effect": -1.0}}
    informed = dataclasses.replace(context, statistics=stats)
    terms = [
        t
        for r in EvolveProposer(seed=0).propose(informed, None, 40)
        for t in parse_genome(extract_code(r))
        if t.get("field") == "distance" and t["kind"] in ("progress", "final") and t["f"] == "lin"
    ]
    assert len(terms) >= 5
    assert sum(t["w"] < 0 for t in terms) >= 0.7 * len(terms)  # pulls distance down, towards the successes
    assert "0 when solved, 50 when not" in informed.to_prompt()
