"""Sweeps: planning, identical rows on every backend, resume without duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from mathgym.store import Store
from mathgym.sweep import SweepSpec, env_id_for, expand_families, plan, run_sweep
from mathgym.testing import require

SPEC = SweepSpec(
    agents=["reference", "noisy", "random"],
    families=["dyn/alg.ages", "dyn/word.savings", "gsm-symbolic/p2/0013"],
    n_variants=3,
    seeds=[0, 1],
    perturbations=["noop"],
)
_VOLATILE = {"id", "seconds", "started", "versions", "run_id"}


def comparable(path: Path) -> list[dict]:
    with Store(path) as store:
        rows = [{k: v for k, v in r.items() if k not in _VOLATILE} for r in store.rows()]
    return sorted(rows, key=lambda r: (r["agent"], r["family"], r["variant"], r["seed"]))


def test_expand_and_plan() -> None:
    ids = expand_families(SPEC)
    assert ids[:3] == ["dyn/alg.ages", "dyn/word.savings", "gsm-symbolic/p2/0013"]
    assert ids[3:] == [f"{f}+noop" for f in ids[:3]]
    items = plan(SPEC, ids)
    assert len(items) == 6 * 3 * 2 * 3 and len({i.key for i in items}) == len(items)
    assert env_id_for("dyn/word.savings+noop") == "mathgym/Dynamic-WordProblems-v0"
    assert env_id_for("gsm-symbolic/p2/0013") == "mathgym/GSMSymbolic-P2-v0"


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serial") / "sweep.sqlite"
    result = run_sweep(SPEC, path, backend="serial", progress=False)
    assert result.complete and result.added == result.total == 108 and result.errors == 0
    return path


def test_rows_are_deterministic_and_sensible(serial_store: Path) -> None:
    rows = comparable(serial_store)
    by_agent = {a: [r["correct"] for r in rows if r["agent"] == a] for a in SPEC.agents}
    assert all(by_agent["reference"]) and sum(by_agent["random"]) <= 3
    noop = [r for r in rows if r["family"].endswith("+noop")]
    assert noop and all(
        r["extra"]["robustness"] == "disturbance" and r["extra"]["chain"] == ["noop"] for r in noop
    )
    assert all(r["problem_id"] == f"{r['family']}/v{r['variant']}" for r in rows)


def test_process_pool_gives_the_same_rows(serial_store: Path, tmp_path: Path) -> None:
    result = run_sweep(SPEC, tmp_path / "pool.sqlite", backend="process", workers=2, progress=False)
    assert result.complete
    assert comparable(tmp_path / "pool.sqlite") == comparable(serial_store)


def test_rerun_resumes_without_new_rows(serial_store: Path) -> None:
    again = run_sweep(SPEC, serial_store, backend="serial", progress=False)
    assert again.added == 0 and again.done_before == again.total == 108


def test_ray_backend_gives_the_same_rows(serial_store: Path, tmp_path: Path) -> None:
    require("ray")
    small = SweepSpec(**{**SPEC.__dict__, "families": ["dyn/alg.ages", "gsm-symbolic/p2/0013"]})
    result = run_sweep(small, tmp_path / "ray.sqlite", backend="ray", workers=2, progress=False)
    assert result.complete and result.added == 72
    expected = [r for r in comparable(serial_store) if r["family"].split("+")[0] in small.families]
    assert comparable(tmp_path / "ray.sqlite") == expected


def test_other_template_configurations_sweep_from_a_data_folder(data_dir: Path, tmp_path: Path) -> None:
    """GSM-Symbolic's main and p1 sets share the format; a user's folder with them sweeps like p2."""
    folder = tmp_path / "data" / "gsm_symbolic" / "templates" / "p1"
    folder.mkdir(parents=True)
    for name in ("0005.json", "0031.json"):
        (folder / name).write_bytes((data_dir / "gsm_symbolic" / "templates" / "p2" / name).read_bytes())
    spec = SweepSpec(agents=["reference"], families=["gsm-symbolic/p1"], n_variants=3, perturbations=["noop"])
    result = run_sweep(
        spec, tmp_path / "p1.sqlite", backend="serial", data_dir=tmp_path / "data", progress=False
    )
    assert result.complete and result.added == 12 and result.errors == 0
    rows = comparable(tmp_path / "p1.sqlite")
    assert {r["env"] for r in rows} == {"mathgym/GSMSymbolic-P1-v0"} and all(r["correct"] for r in rows)
    assert {r["family"] for r in rows} >= {"gsm-symbolic/p1/0005", "gsm-symbolic/p1/0031+noop"}
