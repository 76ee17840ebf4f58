"""`mathgym sweep` + `mathgym report` end to end: a small sweep, then the report with its plots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mathgym.cli.report import app as report_app
from mathgym.cli.sweep import app as sweep_app
from mathgym.metrics.robustness import correctness_matrix, dynamath
from mathgym.store import Store

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("sweep") / "sweep.sqlite"
    args = [
        "-f",
        "dyn/alg.ages",
        "-f",
        "dyn/word.shopping-change",
        "-f",
        "gsm-symbolic/p2/0020",
        "-n",
        "4",
        "-p",
        "noop",
        "-p",
        "outcome",
        "-p",
        "reword+process",
        "--workers",
        "1",
        "--store",
        str(store),
        "--no-progress",
        "--agent-arg",
        "noisy:skip_rate=0.2",
        "--export",
        str(store.with_suffix(".csv")),
    ]
    result = CliRunner().invoke(sweep_app, args)
    assert result.exit_code == 0, result.output
    assert "144/144 episodes" in result.output and store.with_suffix(".csv").is_file()
    again = CliRunner().invoke(sweep_app, args)
    assert "0 new, 144 resumed" in again.output
    return store


def test_report_writes_markdown_html_and_plots(swept: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(report_app, [str(swept), "--out", str(out), "--reps", "100"])
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text()
    for title in (
        "Average vs worst case",
        "Accuracy across variants",
        "Perturbation drops",
        "MathCheck checklist",
        "Reliability and confidence",
    ):
        assert f"## {title}" in md
    for name in ("accuracy_distribution", "average_vs_worst", "perturbation_drops"):
        png = out / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == PNG and f"plots/{name}.png" in md
    assert "<table>" in (out / "report.html").read_text()
    # the report's DynaMath numbers are those of the metric on the stored rows
    with Store(swept) as store:
        rows = [
            r
            for r in store.rows()
            if r["agent"] == "noisy"
            and not r["extra"].get("chain")
            and r["env"].endswith("GSMSymbolic-P2-v0")
        ]
    m, _, _ = correctness_matrix(rows)
    tables = json.loads((out / "metrics.json").read_text())["tables"]
    line = next(
        t
        for t in tables["Average vs worst case (DynaMath, UGMathBench)"]
        if t["agent"] == "noisy" and t["suite"] == "GSMSymbolic-P2"
    )
    assert line["A_avg"].startswith(f"{100 * dynamath(m)['A_avg']:.1f} [")
    assert "reference" in md and "| reference | " in md


def test_report_errors_name_the_fix(tmp_path: Path) -> None:
    result = CliRunner().invoke(report_app, [str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 2 and "mathgym sweep" in result.output
