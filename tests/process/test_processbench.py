"""ProcessBench: its JSONL format from a path (a small file written here), its F1, and the synthetic set."""

from __future__ import annotations

import json

import pytest

from mathgym.process.prm import OraclePRM
from mathgym.process.processbench import (
    best_threshold,
    evaluate_prm,
    load_processbench,
    processbench_f1,
    right_answer_wrong_step_rate,
    synthetic_item,
    synthetic_processbench,
    write_jsonl,
)

RECORDS = [
    {
        "id": "gsm8k-0",
        "generator": "Qwen2-7B-Instruct",
        "problem": "Tom has 3 apples and buys 4. How many?",
        "steps": ["Tom starts with 3 apples.", "3 + 4 = 8.", "The answer is 8."],
        "final_answer_correct": False,
        "label": 1,
    },
    {
        "id": "gsm8k-1",
        "generator": "Qwen2-7B-Instruct",
        "problem": "What is 2 + 2?",
        "steps": ["2 + 2 = 4.", "The answer is 4."],
        "final_answer_correct": True,
        "label": -1,
    },
]


def test_processbench_jsonl_loads_from_a_file_and_a_folder(tmp_path):
    file = tmp_path / "gsm8k.jsonl"
    file.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    items = load_processbench(file)
    assert [s.first_error_index for s in items] == [1, -1]
    assert (
        items[0].problem.id == "gsm8k-0"
        and items[0].steps[1] == "3 + 4 = 8."
        and not items[0].final_answer_correct
    )
    assert items[0].meta["split"] == "gsm8k"
    assert [s.first_error_index for s in load_processbench(tmp_path, split="gsm8k")] == [1, -1]
    with pytest.raises(FileNotFoundError, match="<split>.jsonl"):
        load_processbench(tmp_path, split="math")


def test_f1_is_the_harmonic_mean_of_the_two_accuracies():
    metrics = processbench_f1([1, 2, None, -1, -1, 0], [1, 1, 0, -1, -1, -1])
    assert metrics["acc_error"] == pytest.approx(100 / 3) and metrics["acc_correct"] == pytest.approx(200 / 3)
    assert metrics["f1"] == pytest.approx(2 * (100 / 3) * (200 / 3) / 100)
    assert processbench_f1([-1, -1], [0, -1])["f1"] == 0.0  # never finding an error scores 0


def test_synthetic_processbench_is_deterministic_and_round_trips_through_jsonl(tmp_path):
    items = synthetic_processbench(["Arithmetic", "Percentages"], per_generator=8, seed=1)
    assert items == synthetic_processbench(["Arithmetic", "Percentages"], per_generator=8, seed=1)
    assert synthetic_item("Percentages", seed=1, index=3) == items[8 + 3]
    assert any(s.first_error_index >= 0 for s in items) and any(s.first_error_index < 0 for s in items)
    loaded = load_processbench(write_jsonl(items, tmp_path / "synthetic.jsonl"))
    assert [(s.steps, s.first_error_index, s.final_answer_correct) for s in loaded] == [
        (s.steps, s.first_error_index, s.final_answer_correct) for s in items
    ]
    rates = right_answer_wrong_step_rate(items)
    assert set(rates) <= {"Arithmetic", "Percentages"} and all(0 <= r <= 1 for r in rates.values())


def test_the_oracle_is_perfect_on_the_synthetic_set_and_thresholds_tune():
    items = synthetic_processbench(["LinearEquation"], per_generator=10, seed=2)
    assert evaluate_prm(OraclePRM(), items)["f1"] == 100.0
    threshold, f1 = best_threshold([[0.9, 0.2], [0.8, 0.7]], [1, -1])
    assert 0.2 < threshold <= 0.7 and f1 == 100.0
