"""Acceptance: a sweep killed with SIGKILL at random points, five times, then resumed, ends with exactly the
expected rows (no row lost, none duplicated, every value as in an uninterrupted run)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from mathgym.store import Store
from mathgym.sweep import SweepSpec, expand_families, plan, run_sweep

SPEC = SweepSpec(
    agents=["reference", "noisy", "random"],
    families=["dyn:4", "gsm-symbolic/p2/0016"],
    n_variants=6,
    perturbations=["noop"],
)
_VOLATILE = {"id", "seconds", "started", "versions", "run_id"}


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


def _start(spec_file: Path, store: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "mathgym.sweep",
        str(spec_file),
        str(store),
        "--workers",
        "2",
        "--throttle",
        "0.03",
        "--no-progress",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _live_group_members(pgid: int) -> list[int]:
    """Processes of a process group that are still running (zombies waiting to be reaped do not count)."""
    import psutil

    alive = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


def _rows(path: Path) -> list[dict]:
    with Store(path) as store:
        rows = [{k: v for k, v in r.items() if k not in _VOLATILE} for r in store.rows()]
    return sorted(rows, key=lambda r: (r["agent"], r["family"], r["variant"], r["seed"]))


def test_sweep_survives_five_sigkills(tmp_path: Path) -> None:
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(SPEC.identity()))
    store = tmp_path / "sweep.sqlite"
    expected_keys = {item.key for item in plan(SPEC, expand_families(SPEC))}
    total = len(expected_keys)
    rng = np.random.default_rng(2024)
    targets = sorted(int(t) for t in rng.integers(1, total, size=5))
    counts = []
    for target in targets:
        proc = _start(spec_file, store)
        try:
            deadline = time.monotonic() + 120
            while _count(store) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(float(rng.uniform(0.01, 0.06)))
            assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read()!r}"
            os.kill(
                proc.pid, signal.SIGKILL
            )  # the sweep process only: its pool workers must exit on their own
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            deadline = (
                time.monotonic() + 30
            )  # workers notice the dead parent within 0.5 s; the margin is for a loaded machine
            while _live_group_members(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            leftovers = _live_group_members(proc.pid)
            for pid in leftovers:
                os.kill(pid, signal.SIGKILL)
        assert not leftovers, "pool workers outlived the killed sweep"
        counts.append(_count(store))
    assert counts == sorted(counts) and any(0 < c < total for c in counts), counts

    final = _start(spec_file, store)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    with Store(store) as db:
        keys = [
            tuple(r[k] for k in ("agent", "env", "family", "variant", "seed", "episode")) for r in db.rows()
        ]
        assert db._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(keys) == len(set(keys)) == total and set(keys) == expected_keys

    reference = tmp_path / "uninterrupted.sqlite"
    run_sweep(SPEC, reference, backend="serial", progress=False)
    assert _rows(store) == _rows(reference)
