"""Robustness metrics reproduce the worked examples of methods.md §6."""

from __future__ import annotations

import numpy as np
import pytest

from mathgym.metrics.robustness import (
    accuracy_distribution,
    bootstrap_ci,
    correctness_matrix,
    dia,
    dynamath,
    macro_f1,
    mathcheck_grid,
    perturbation_drop,
    ugmath,
    with_ci,
)


def test_dynamath_worked_example() -> None:
    out = dynamath([[1, 1, 1], [1, 0, 1]])
    assert out["A_avg"] == pytest.approx(5 / 6)
    assert out["A_wst"] == pytest.approx(0.5)
    assert out["RR"] == pytest.approx(0.6)


def test_ugmath_worked_example() -> None:
    out = ugmath([[1, 1, 1], [1, 0, 1], [0, 0, 0]])
    assert round(100 * out["AAcc"], 1) == 55.6
    assert round(100 * out["EAcc"], 1) == 33.3
    assert round(100 * out["Delta"], 1) == 22.2
    assert round(100 * out["RE"], 1) == 66.7


def test_ugmath_gap_is_zero_iff_all_or_nothing() -> None:
    assert ugmath([[1, 1, 1], [0, 0, 0]])["Delta"] == 0
    assert ugmath([[1, 1, 0], [0, 0, 0]])["Delta"] > 0


def test_dia_worked_example() -> None:
    out = dia([["correct"] * 5, ["correct"] * 4 + ["wrong"], ["skip"] * 5])
    assert out["RS"] == pytest.approx(1.4)  # raw 5 + 4 - 2 + 0 = 7, over k = 5
    assert out["Conf"] == 1 and out["Conf_rate"] == pytest.approx(1 / 3)
    assert [round(100 * t) for t in out["TSR"]] == [100, 80, 0]
    assert out["NMS"] == 1


def test_gsm_symbolic_distribution_and_drop() -> None:
    # 4 templates x (original + 3 sampled datasets)
    a = [[1, 1, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1], [1, 0, 0, 0]]
    out = accuracy_distribution(a)
    assert out["per_dataset"] == [0.5, 0.25, 0.75]
    assert out["mean"] == pytest.approx(0.5) and out["original"] == 1.0 and out["drop"] == pytest.approx(0.5)
    assert out["std"] == pytest.approx(np.std([0.5, 0.25, 0.75])) and (out["min"], out["max"]) == (0.25, 0.75)


def test_noop_drop() -> None:
    out = perturbation_drop([1, 1, 1, 0], [1, 0, 0, 0])
    assert out == {"base": 0.75, "perturbed": 0.25, "drop": 0.5}


def test_macro_f1_and_mathcheck_grid() -> None:
    assert macro_f1(["yes", "no", "yes", "no"], ["yes", "no", "yes", "no"]) == 1.0
    # yes: tp=1 fp=1 fn=1 -> 0.5 ; no: tp=1 fp=1 fn=1 -> 0.5
    assert macro_f1(["yes", "yes", "no", "no"], ["yes", "no", "yes", "no"]) == pytest.approx(0.5)
    items = [
        {"task": "solve", "robustness": "original", "correct": True},
        {"task": "solve", "robustness": "original", "correct": False},
        {"task": "outcome", "robustness": "disturbance", "gold": "yes", "pred": "yes"},
        {"task": "outcome", "robustness": "disturbance", "gold": "no", "pred": "no"},
        {"task": "process", "robustness": "scenario", "correct": True},
    ]
    out = mathcheck_grid(items)
    assert out["grid"]["solve"]["original"] == 0.5
    assert out["grid"]["outcome"]["disturbance"] == 1.0
    assert out["grid"]["answerable"]["original"] is None
    assert out["overall"] == pytest.approx((0.5 + 1.0 + 1.0) / 3)
    assert out["task_means"]["solve"] == 0.5 and out["robustness_means"]["scenario"] == 1.0


def test_bootstrap_intervals_contain_the_point_estimate_and_shrink_with_data() -> None:
    rng = np.random.default_rng(0)
    small = (rng.random((10, 5)) < 0.7).astype(float)
    big = (rng.random((400, 5)) < 0.7).astype(float)
    lo_s, hi_s = bootstrap_ci(lambda m: dynamath(m)["A_avg"], small, reps=300)
    lo_b, hi_b = bootstrap_ci(lambda m: dynamath(m)["A_avg"], big, reps=300)
    assert lo_s <= dynamath(small)["A_avg"] <= hi_s
    assert (hi_b - lo_b) < (hi_s - lo_s)
    cis = with_ci(dynamath, small, reps=200)
    assert set(cis) == {"A_avg", "A_wst", "RR"}
    assert all(c["lo"] <= c["value"] + 1e-12 and c["value"] <= c["hi"] + 1e-12 for c in cis.values())
    assert with_ci(dynamath, small, reps=200) == cis  # deterministic


def test_correctness_matrix_pivots_and_drops_incomplete_seeds() -> None:
    rows = [
        {"family": "a", "variant": 0, "correct": True},
        {"family": "a", "variant": 1, "correct": False},
        {"family": "b", "variant": 0, "correct": True},
    ]
    m, seeds, variants = correctness_matrix(rows)
    assert seeds == ["a"] and variants == [0, 1] and m.tolist() == [[1.0, 0.0]]
