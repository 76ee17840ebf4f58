"""The SQLite results store: run identity, idempotent inserts, JSON columns, WAL, export."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mathgym.store import KEY_COLUMNS, Store


def row(i: int, **extra):
    return {
        "agent": "a",
        "env": "mathgym/X-v0",
        "family": f"f{i % 3}",
        "variant": i,
        "seed": 0,
        "response": f"r{i}",
        "correct": i % 2 == 0,
        "reward": float(i),
        "verdict": {"correct": i % 2 == 0},
        "components": {"outcome": 1.0},
        **extra,
    }


def test_runs_are_identified_by_their_config(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        a = store.open_run({"x": 1, "y": [1, 2]})
        assert store.open_run({"y": [1, 2], "x": 1}).id == a.id  # key order does not matter
        assert store.open_run({"x": 2}).id != a.id
        store.open_run({"x": 1}, run_id="named")
        with pytest.raises(ValueError, match="different config"):
            store.open_run({"x": 3}, run_id="named")
        assert next(r["run_id"] for r in store.runs()) == a.id


def test_rows_are_added_once_and_read_back(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = store.open_run({"k": 1})
        assert run.add_many([row(i) for i in range(10)]) == 10
        assert run.add_many([row(i) for i in range(5, 15)]) == 5  # 5..9 already stored
        assert run.add(row(3)) is False and run.count() == 15
        assert run.done_keys() == {("a", "mathgym/X-v0", f"f{i % 3}", i, 0, 0) for i in range(15)}
        back = store.rows(run.id, variant=4)[0]
        assert back["verdict"] == {"correct": True} and back["components"] == {"outcome": 1.0}
        assert back["correct"] is True and back["versions"]["python"]
        run.add(row(20, note="kept"))  # unknown keys land in extra
        assert store.rows(run.id, variant=20)[0]["extra"] == {"note": "kept"}
        with pytest.raises(ValueError, match="needs 'agent'"):
            run.add({"env": "x"})


def test_a_second_connection_sees_committed_rows_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        run = store.open_run({"k": 1})
        run.add_many([row(i) for i in range(4)])
        other = sqlite3.connect(path)
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == 4
        other.close()


def test_committed_rows_survive_a_killed_writer(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    code = (
        f"import os\nfrom mathgym.store import Store\nrun = Store({str(path)!r}).open_run({{'k': 1}})\n"
        "run.add_many([{'agent': 'a', 'env': 'e', 'variant': i} for i in range(50)])\n"
        "os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert proc.returncode == -9
    with Store(path) as store:
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(store.rows()) == 50


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl"])
def test_export(tmp_path: Path, suffix: str) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = store.open_run({"k": 1})
        run.add_many([row(i) for i in range(6)])
        out = store.export(tmp_path / f"rows.{suffix}", run_id=run.id)
    if suffix == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) == 6 and rows[0]["verdict"] == {"correct": True}
        return
    frame = pd.read_parquet(out) if suffix == "parquet" else pd.read_csv(out)
    assert len(frame) == 6 and set(KEY_COLUMNS) <= set(frame.columns)
    assert json.loads(frame["components"][0]) == {"outcome": 1.0}
