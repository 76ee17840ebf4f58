"""miniF2F Lean 4 statements as a source (local directory, errors, hub-style local copies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mathgym.sources.datasets import DatasetNotFoundError
from mathgym.sources.minif2f import MiniF2FSource
from mathgym.testing import require


def test_splits_load_from_the_shared_data_dir(data_dir: Path) -> None:
    test = MiniF2FSource("test", data_dir)
    valid = MiniF2FSource("valid", data_dir)
    assert len(test) == 244 and len(valid) == 244 and len(MiniF2FSource("all", data_dir)) == 488
    problem = test.find("minif2f/test/imo_1959_p1")
    assert problem.meta["formal_statement"].startswith("theorem imo_1959_p1")
    assert problem.meta["formal_statement"].rstrip().endswith(":= by")
    assert (
        problem.meta["header"].startswith("import Mathlib") and problem.meta["theorem_name"] == "imo_1959_p1"
    )
    assert problem.meta["informal_statement"] and problem.answer is None
    assert problem.meta["formal_statement"] in problem.prompt


def test_other_port(data_dir: Path) -> None:
    source = MiniF2FSource("valid", data_dir, port="yangky11")
    assert len(source) == 244 and not source[0].meta["informal_statement"]


def test_missing_data_names_the_directory_and_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError) as info:
        MiniF2FSource("test", tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "minif2f_lean4/minif2f.jsonl" in message and "data_dir" in message


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="split"):
        MiniF2FSource("train")
    with pytest.raises(ValueError, match="port"):
        MiniF2FSource("test", port="lean3")


def test_hub_id_with_a_local_copy(tmp_path: Path, data_dir: Path) -> None:
    require("datasets")
    rows = [
        json.loads(line)
        for line in (data_dir / "minif2f_lean4" / "minif2f.jsonl").read_text().splitlines()[:3]
    ]
    local = tmp_path / "hub" / "someone" / "minif2f"
    local.mkdir(parents=True)
    (local / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    source = MiniF2FSource("all", tmp_path, hub_id="someone/minif2f")
    assert [p.meta["theorem_name"] for p in source] == [r["name"] for r in rows]
