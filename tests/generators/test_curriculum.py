"""Curriculum: ladders from attribute levels or presets, promotion/demotion, sources, checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mathgym.curriculum import Curriculum, as_curriculum
from mathgym.generators import GENERATORS
from mathgym.sources import ProceduralSource

SPEC = {
    "generator": "Arithmetic",
    "attributes": {"digits": [1, 2, 3, 4], "terms": [2, 3, 4]},
    "promote_at": 0.8,
    "demote_at": 0.3,
    "window": 8,
}


def test_joint_attribute_ladder() -> None:
    c = Curriculum.from_spec(SPEC)
    assert c.num_levels == 4 and c.level == 0
    knobs = [(c.level_config(i).digits, c.level_config(i).terms) for i in range(c.num_levels)]
    assert knobs == [(1, 2), (2, 3), (3, 4), (4, 4)]
    # knobs outside the attributes come from the base level's preset
    assert c.config.ops == GENERATORS["Arithmetic"].level_config(0).ops


def test_sequential_ladder_moves_one_attribute_at_a_time() -> None:
    c = Curriculum(
        "Arithmetic",
        attributes={"digits": [1, 2, 3], "terms": [2, 3]},
        schedule="sequential",
        base={"ops": "add+sub+mul"},
    )
    knobs = [(c.level_config(i).digits, c.level_config(i).terms) for i in range(c.num_levels)]
    assert knobs == [(1, 2), (2, 2), (2, 3), (3, 3)]
    assert all(c.level_config(i).ops == "add+sub+mul" for i in range(c.num_levels))


def test_preset_ladder_when_no_attributes() -> None:
    c = Curriculum.from_spec({"generator": "Quadratic"})
    assert c.num_levels == GENERATORS["Quadratic"].num_levels()
    assert c.config == GENERATORS["Quadratic"].level_config(0)
    # problems of a preset rung carry the level in their id
    assert c.source(seed=4)[0].id == "Quadratic/L0/s4/i0"


def test_promotion_and_demotion_follow_window_accuracy() -> None:
    c = Curriculum.from_spec(SPEC)
    # nothing moves before the window is full
    for _ in range(7):
        assert c.record(True) == 0
    assert c.record(True) == 1 and c.level == 1 and c.version == 1
    assert c.accuracy is None  # the window restarts at every move
    # 6/8 = 0.75 correct: below promote_at, above demote_at -> stays
    for outcome in [True] * 6 + [False] * 2:
        assert c.record(outcome) == 0
    assert c.level == 1
    # the sliding window now drops the old successes: accuracy falls to the demotion threshold
    changes = [c.record(False) for _ in range(4)]
    assert changes == [0, 0, 0, -1] and c.level == 0
    # no demotion below level 0, no promotion past the top
    for _ in range(40):
        c.record(False)
    assert c.level == 0
    for _ in range(200):
        c.record(True)
    assert c.level == c.num_levels - 1
    assert [h["to"] for h in c.history][-3:] == [1, 2, 3]


def test_manual_stepping_and_scores() -> None:
    c = Curriculum("Arithmetic", attributes={"digits": [1, 2]}, window=4, auto=False)
    for score in (1.0, 0.9, 0.8, 1):
        assert c.record(score) == 0
    assert c.level == 0 and c.accuracy == pytest.approx(0.925)
    assert c.step() == 1 and c.level == 1
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        c.record(1.5)


class _Verdict:
    def __init__(self, correct: bool) -> None:
        self.correct = correct

    def __bool__(self) -> bool:
        return self.correct


def test_record_accepts_truthy_verdicts() -> None:
    c = Curriculum("Arithmetic", attributes={"digits": [1, 2]}, window=2)
    c.record(_Verdict(True))
    assert c.record(_Verdict(True)) == 1


def test_source_follows_the_level_and_ids_stay_findable() -> None:
    c = Curriculum.from_spec(SPEC)
    easy = c.source(seed=3)[5]
    assert easy.meta["difficulty"]["digits"] == 1
    c.set_level(3)
    hard = c.source(seed=3)[5]
    assert hard.meta["difficulty"]["digits"] == 4 and hard.id != easy.id
    # problems of an earlier rung can still be regenerated from their ids
    assert ProceduralSource("Arithmetic").find(easy.id) == easy
    # sample draws from the current level with the env's rng, reproducibly
    a = c.sample(np.random.default_rng(9))
    b = c.sample(np.random.default_rng(9))
    assert a == b and a.meta["difficulty"]["digits"] == 4
    assert c.source(seed=3) is c.source(seed=3)  # cached


def test_state_dict_round_trip_through_json() -> None:
    c = Curriculum.from_spec(SPEC)
    for outcome in [True] * 8 + [True, False, True]:
        c.record(outcome)
    state = json.loads(json.dumps(c.state_dict()))
    restored = Curriculum.from_state_dict(state)
    assert restored.level == c.level == 1
    assert restored.accuracy == c.accuracy and restored.records == c.records
    assert restored.version == c.version and restored.history == c.history
    # both continue identically
    for outcome in [True] * 6:
        assert restored.record(outcome) == c.record(outcome)
    assert restored.level == c.level
    # a state from another ladder is refused
    other = Curriculum("Arithmetic", attributes={"digits": [1, 2]})
    with pytest.raises(ValueError, match="different ladder"):
        other.load_state_dict(state)
    with pytest.raises(ValueError, match="generator"):
        Curriculum("Fractions").load_state_dict(state)


def test_specs_from_json_text_and_files(tmp_path) -> None:
    path = tmp_path / "curriculum.json"
    path.write_text(json.dumps(SPEC))
    assert Curriculum.from_spec(path).to_spec() == Curriculum.from_spec(json.dumps(SPEC)).to_spec()
    assert Curriculum.from_spec(str(path)).num_levels == 4
    rebuilt = Curriculum.from_spec(Curriculum.from_spec(SPEC).to_spec())
    assert [rebuilt.level_config(i) for i in range(4)] == [
        Curriculum.from_spec(SPEC).level_config(i) for i in range(4)
    ]
    # env-style: the generator comes from the env when the spec omits it
    c = as_curriculum({"attributes": {"digits": [1, 3]}}, generator="Arithmetic")
    assert c.generator.name == "Arithmetic" and as_curriculum(c, generator="Arithmetic") is c
    with pytest.raises(ValueError, match="serves"):
        as_curriculum(SPEC, generator="Fractions")


def test_bad_specs_fail_early_with_clear_errors() -> None:
    with pytest.raises(KeyError, match="did you mean 'window'"):
        Curriculum.from_spec({"generator": "Arithmetic", "windw": 3})
    with pytest.raises(KeyError, match="generator"):
        Curriculum.from_spec({"attributes": {"digits": [1]}})
    with pytest.raises(ValueError, match="no knob|digit"):
        Curriculum("Arithmetic", attributes={"digit": [1, 2]})
    with pytest.raises(ValueError, match="between 1 and 6"):
        Curriculum("Arithmetic", attributes={"digits": [1, 2, 70]})
    with pytest.raises(ValueError, match="demote_at < promote_at"):
        Curriculum("Arithmetic", promote_at=0.3, demote_at=0.5)
    with pytest.raises(ValueError, match="schedule"):
        Curriculum("Arithmetic", schedule="random")
    with pytest.raises(ValueError, match="levels are 0..4"):
        Curriculum("Arithmetic", start_level=7)


def test_an_env_follows_the_curriculum_through_its_source() -> None:
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env

    curriculum = Curriculum.from_spec({**SPEC, "window": 4})
    source = curriculum.as_source()
    env = gym.make("mathgym/Math-v0", source=source).unwrapped
    check_env(env, skip_render_check=True)
    env = gym.make("mathgym/Math-v0", source=source)
    start = curriculum.level
    for episode in range(4):
        _, info = env.reset(seed=episode)
        problem = source.find(info["problem_id"])
        assert problem.meta["difficulty"]["digits"] == curriculum.config.digits
        *_, info = env.step(problem.solution[-1])
        if curriculum.records == episode:  # the env did not report the episode itself: report it here
            source.record_outcome(info["verdict"]["correct"])
    assert curriculum.level == start + 1  # four correct answers in a window of four promote
    _, info = env.reset(seed=0)
    assert source.find(info["problem_id"]).meta["difficulty"]["digits"] == curriculum.config.digits == 2
