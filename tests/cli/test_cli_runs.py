"""Results are never silently overwritten, eval rows go to the store, `report` renders a plain evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import assert_one_line_error


def _run_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())


def test_each_eval_gets_its_own_folder_and_latest_points_at_the_newest(mathgym, tmp_path) -> None:
    first = mathgym("eval", "Arithmetic-v0", "-n", "3", "--no-progress")
    second = mathgym("eval", "Arithmetic-v0", "-n", "3", "--agent", "random", "--no-progress")
    assert first.code == 0 and second.code == 0, first.output + second.output
    runs = _run_dirs(tmp_path / "results" / "eval")
    assert len(runs) == 2 and all(
        (run / "episodes.jsonl").is_file() and (run / "run.json").is_file() for run in runs
    )
    latest = (tmp_path / "results" / "eval" / "latest").resolve()
    assert latest in [run.resolve() for run in runs] and latest.name.endswith("-random")


def test_an_out_folder_with_results_needs_overwrite(mathgym, tmp_path) -> None:
    out = tmp_path / "mine"
    assert mathgym("eval", "Arithmetic-v0", "-n", "2", "--out", str(out), "--no-progress").code == 0
    before = (out / "episodes.jsonl").read_text()
    assert_one_line_error(mathgym("eval", "Arithmetic-v0", "-n", "4", "--out", str(out)), "--overwrite")
    assert (out / "episodes.jsonl").read_text() == before
    (out / "stale.txt").write_text("from an earlier run")
    again = mathgym("eval", "Arithmetic-v0", "-n", "4", "--out", str(out), "--overwrite", "--no-progress")
    assert again.code == 0, again.output
    assert len((out / "episodes.jsonl").read_text().splitlines()) == 4 and not (out / "stale.txt").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("not mathgym's")
    assert_one_line_error(
        mathgym("eval", "Arithmetic-v0", "--out", str(foreign), "--overwrite"), "no run.json"
    )
    assert (foreign / "thesis.tex").exists()


def test_train_runs_never_share_a_folder_or_a_figure(mathgym, tmp_path) -> None:
    args = (
        "train",
        "EquationSolve-Easy-v0",
        "--algo",
        "ppo",
        "--n-envs",
        "2",
        "--no-progress",
        "--checkpoint-freq",
        "0",
        "--env-arg",
        "max_moves=10",
    )
    first = mathgym(*args, "--steps", "256", "--eval-freq", "128", "--eval-episodes", "2")
    assert first.code == 0, first.output
    assert "last held-out evaluation (step" in first.output
    # the second run evaluates nothing: it must not print the first run's figure
    second = mathgym(*args, "--steps", "256", "--eval-freq", "0")
    assert second.code == 0, second.output
    assert "no held-out evaluation ran" in second.output and "success rate" not in second.output
    runs = _run_dirs(tmp_path / "results" / "train")
    assert len(runs) == 2 and all((run / "model.zip").is_file() for run in runs)


def test_eval_rows_go_to_the_store_and_report_compares_agents(mathgym, tmp_path) -> None:
    for agent in ("reference", "random"):
        outcome = mathgym(
            "eval",
            "Arithmetic-v0",
            "-n",
            "6",
            "--agent",
            agent,
            "--run-id",
            "cmp",
            "--no-progress",
            "--env-arg",
            "level=1",
        )
        assert outcome.code == 0, outcome.output
    # the same agent, env and seed again in that run would replace rows: refused before any work
    assert_one_line_error(mathgym("eval", "Arithmetic-v0", "-n", "6", "--run-id", "cmp"), "already holds")
    from mathgym.store import Store

    with Store(tmp_path / "results" / "eval.sqlite") as store:
        rows = store.rows("cmp")
        assert store.runs()[-1]["kind"] == "eval"
    assert len(rows) == 12 and {r["agent"] for r in rows} == {"reference", "random"}
    reference = [r for r in rows if r["agent"] == "reference"]
    assert all(
        r["correct"] and r["gold"] and r["extra"]["level"] == 1 and r["variant"] == -1 for r in reference
    )
    report = mathgym("report", "results/eval.sqlite", "--run-id", "cmp", "--reps", "200")
    assert report.code == 0, report.output
    text = (tmp_path / "results" / "report-cmp" / "report.md").read_text()
    assert "evaluation report" in text and "## Accuracy by level" in text and "## Accuracy by seed" in text
    assert "| reference | mathgym/Arithmetic-v0 | 100.0" in text and "| random |" in text
    assert "variants" not in text and "?" not in text
    assert (tmp_path / "results" / "report-cmp" / "plots" / "accuracy_by_level.png").is_file()


def test_report_renders_a_hand_filled_store(mathgym, tmp_path) -> None:
    """Rows a user writes without variants (the issue's "? variants, seeds ?") are a plain evaluation."""
    from mathgym.store import Store

    with Store(tmp_path / "mine.sqlite") as store:
        run = store.open_run({"note": "by hand"})
        run.add_many(
            [
                {
                    "agent": "me",
                    "env": "my/Env-v0",
                    "seed": s,
                    "episode": e,
                    "correct": (e + s) % 2 == 0,
                    "reward": 1.0,
                    "steps": 1,
                    "level": e % 2,
                }
                for s in (0, 1)
                for e in range(4)
            ]
        )
    outcome = mathgym(
        "report", str(tmp_path / "mine.sqlite"), "--out", str(tmp_path / "rep"), "--reps", "100"
    )
    assert outcome.code == 0, outcome.output
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "? variants" not in text and "seeds ?" not in text
    assert "| me | my/Env-v0 | 8 | 50.0" in text and "level 0" in text and "seed 1" in text


def test_demo_and_train_prm_take_the_same_out_rules(mathgym, tmp_path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "x").write_text("x")
    assert_one_line_error(mathgym("demo", "--out", str(out)), "--overwrite")
    assert_one_line_error(mathgym("train-prm", "--out", str(out)), "--overwrite")
    assert_one_line_error(mathgym("train", "EquationSolve-v0", "--out", str(out)), "--overwrite")


def test_eval_jsonl_records_are_the_store_rows_source(mathgym, tmp_path) -> None:
    outcome = mathgym(
        "eval", "EquationSolve-Easy-v0", "--agent", "equation-solver", "-n", "3", "--no-progress"
    )
    assert outcome.code == 0, outcome.output
    records = [
        json.loads(line)
        for line in (tmp_path / "results" / "eval" / "latest" / "episodes.jsonl").read_text().splitlines()
    ]
    assert len(records) == 3 and all(r["correct"] and r["level"] == 0 and r["gold"] for r in records)
    assert all(isinstance(a, int) for r in records for a in r["actions"])  # numpy actions stored as numbers
