"""Reflection text (methods.md §1.3's checkable examples), diagnoses, and the reward-hacking guard."""

from __future__ import annotations

from mathgym.reward_design.reflection import (
    diagnose,
    epoch_series,
    error_feedback,
    format_series,
    hacking_check,
    reflection_text,
)


def _epochs(proxy, success, components=None):
    components = components or {}
    return [
        {
            "timesteps": 512 * (i + 1),
            "episodes": 10,
            "success_rate": s,
            "episode_length": 5.0,
            "proxy_return": p,
            "components": {k: v[i] for k, v in components.items()},
        }
        for i, (p, s) in enumerate(zip(proxy, success))
    ]


def test_series_format_of_the_methods_reference():
    text = format_series("x", range(25))
    listed = text.split("[")[1].split("]")[0].split(", ")
    assert len(listed) == 13 and listed[0] == "0.00" and listed[1] == "2.00" and listed[-1] == "24.00"
    assert text.endswith("Max: 24.00, Mean: 12.00, Min: 0.00")
    assert format_series("x", [3.0]) == "x: [3.00], Max: 3.00, Mean: 3.00, Min: 3.00"
    assert format_series("x", []) == "x: no data"


def test_epochs_without_finished_episodes_are_skipped():
    epochs = _epochs([1.0, 2.0], [0.1, 0.2], {"a": [1.0, 2.0]})
    epochs.insert(
        1,
        {
            "timesteps": 0,
            "episodes": 0,
            "success_rate": None,
            "episode_length": None,
            "proxy_return": None,
            "components": {},
        },
    )
    series = epoch_series(epochs)
    assert series["a"] == [1.0, 2.0] and series["task_score"] == [0.1, 0.2] and series["total"] == [1.0, 2.0]


def test_diagnoses():
    findings = diagnose(
        {
            "task_score": [0.0, 0.01, 0.02],
            "flat": [1.0, 1.0, 1.001],
            "off": [0.0, 0.0, 0.0],
            "big": [500.0, 800.0, 900.0],
            "moving": [1.0, 5.0, 9.0],
        }
    )
    kinds = {(f.kind, f.component) for f in findings}
    assert ("no_success", None) in kinds
    assert ("flat", "flat") in kinds and ("inactive", "off") in kinds and ("dominant", "big") in kinds
    assert not any(f.component == "moving" for f in findings)
    assert diagnose({"task_score": [0.2, 0.6], "a": [1.0, 2.0], "b": [1.0, 3.0]}) == []


def test_reflection_text_lists_series_fitness_findings_and_tips():
    text = reflection_text(
        _epochs([1, 2, 3], [0.0, 0.0, 0.01], {"dense": [1, 2, 3]}), 0.02, prefilter_accuracy=0.9
    )
    assert "dense: [1.00, 2.00, 3.00], Max: 3.00, Mean: 2.00, Min: 1.00" in text
    assert "task_score: [0.00, 0.00, 0.01]" in text
    assert "(the fitness): 0.02" in text and "ordered correctly by the reward's return: 0.90" in text
    assert "task_score never exceeded" in text and "How to read them" in text


def test_error_feedback_carries_the_reason():
    text = error_feedback("KeyError: 'size'\nTraceback ...")
    assert "KeyError: 'size'" in text and "Fix the problem" in text


def test_hacking_is_flagged_when_return_rises_and_success_falls():
    rising = [float(i) for i in range(16)]
    falling = [0.8 - 0.05 * i for i in range(16)]
    report = hacking_check(_epochs(rising, falling))
    assert report["flagged"] and report["rho"] <= -0.5
    assert report["return_trend"] > 0 and report["success_trend"] < 0
    assert len(report["checkpoints"]) == 8


def test_aligned_or_flat_training_is_not_flagged():
    rising = [float(i) for i in range(16)]
    assert not hacking_check(_epochs(rising, [0.05 * i for i in range(16)]))["flagged"]
    assert not hacking_check(_epochs(rising, [0.3] * 16))["flagged"]  # constant success: no correlation
    assert not hacking_check(_epochs([1.0, 2.0], [0.5, 0.1]))["flagged"]  # too few checkpoints
    # success falls while return falls too: a weak reward, not a hacked one
    assert not hacking_check(_epochs(rising[::-1], [0.8 - 0.05 * i for i in range(16)]))["flagged"]
