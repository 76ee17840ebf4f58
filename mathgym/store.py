"""Crash-safe results store: one SQLite row per episode, shared by sweeps, evaluation and training.

::

    store = Store("results/sweep.sqlite")
    run = store.open_run({"agents": [...], "families": [...]})   # same config -> same run, resumable
    todo = [key for key in keys if key not in run.done_keys()]
    run.add_many(rows)                                           # one transaction; duplicates ignored
    store.export("results/sweep.parquet", run_id=run.id)

Each row is keyed by ``(run_id, agent, env, family, variant, seed, episode)`` (a UNIQUE index), so a run
that is killed (even with ``kill -9``) and started again with the same arguments skips what is stored and
never writes a row twice. The database runs in WAL mode: a committed transaction survives the death of the
writing process, and readers (``mathgym report``) do not block the writer. Columns not in the schema go
into the ``extra`` JSON column; ``verdict``, ``components``, ``versions`` and ``extra`` are JSON. What each
column holds, and the ``extra`` keys ``mathgym eval`` and ``mathgym sweep`` write: ``docs/results.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

#: the columns that identify an episode within a run
KEY_COLUMNS: tuple[str, ...] = ("agent", "env", "family", "variant", "seed", "episode")
_KEY_DEFAULTS: dict[str, Any] = {"family": "", "variant": -1, "seed": 0, "episode": 0}

#: name -> SQL type of every non-key column
VALUE_COLUMNS: dict[str, str] = {
    "problem_id": "TEXT",
    "response": "TEXT",
    "gold": "TEXT",
    "extracted": "TEXT",
    "correct": "INTEGER",
    "score": "REAL",
    "verdict": "TEXT",
    "reward": "REAL",
    "components": "TEXT",
    "steps": "INTEGER",
    "seconds": "REAL",
    "started": "REAL",
    "versions": "TEXT",
    "extra": "TEXT",
    "error": "TEXT",
}
_JSON_COLUMNS = {"verdict", "components", "versions", "extra"}

Key = tuple[str, str, str, int, int, int]

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, versions TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL, status TEXT NOT NULL DEFAULT 'running'
);
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    agent TEXT NOT NULL, env TEXT NOT NULL, family TEXT NOT NULL DEFAULT '',
    variant INTEGER NOT NULL DEFAULT -1, seed INTEGER NOT NULL DEFAULT 0, episode INTEGER NOT NULL DEFAULT 0,
    {", ".join(f"{name} {kind}" for name, kind in VALUE_COLUMNS.items())}
);
CREATE UNIQUE INDEX IF NOT EXISTS episodes_key ON episodes (run_id, {", ".join(KEY_COLUMNS)});
"""


def collect_versions() -> dict[str, str]:
    """Versions of mathgym, Python and the main libraries (recorded with every run and row)."""
    from importlib import metadata

    versions = {"python": sys.version.split()[0], "platform": platform.platform(terse=True)}
    for dist in ("mathgym", "numpy", "gymnasium", "sympy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "unknown"
    return versions


def config_hash(config: Mapping[str, Any]) -> str:
    """A short stable hash of a JSON-serialisable config (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def key_of(row: Mapping[str, Any]) -> Key:
    """The key of a row (missing ``family``/``variant``/``seed``/``episode`` take their defaults)."""
    values = []
    for name in KEY_COLUMNS:
        value = row.get(name, _KEY_DEFAULTS.get(name))
        if value is None:
            raise ValueError(f"a row needs {name!r} (key columns: {', '.join(KEY_COLUMNS)})")
        values.append(int(value) if name in ("variant", "seed", "episode") else str(value))
    return tuple(values)  # type: ignore[return-value]


class Store:
    """An SQLite results file (created on first use).

    :param path: the database file; ``":memory:"`` for a throwaway store.
    :param timeout: seconds to wait for a lock held by another process.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 60.0) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a crash of this process (kill -9); only power loss can undo it
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        stored = self._conn.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()[0]
        if int(stored) != SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {stored}; this mathgym writes {SCHEMA_VERSION}. "
                "Export it with the mathgym version that wrote it, or use a new file."
            )

    # ------------------------------------------------------------------------------------- runs
    def open_run(self, config: Mapping[str, Any], *, run_id: str | None = None, kind: str = "sweep") -> Run:
        """The run for ``config``: created if new, resumed if a run with the same id exists.

        :param config: JSON-serialisable description of what the run computes; the default run id is its
            hash, so the same arguments resume the same run.
        :param run_id: an explicit id; reopening it with a different config is an error.
        :param kind: ``"sweep"``, ``"eval"``, ``"train"``, ...
        """
        config = json.loads(json.dumps(dict(config), default=str))
        rid = run_id or f"{kind}-{config_hash(config)}"
        now = time.time()
        with self._transaction():
            existing = self._conn.execute("SELECT config FROM runs WHERE run_id=?", (rid,)).fetchone()
            if existing is None:
                self._conn.execute(
                    "INSERT INTO runs (run_id, kind, config, versions, created, updated) "
                    "VALUES (?,?,?,?,?,?)",
                    (rid, kind, json.dumps(config, sort_keys=True), json.dumps(collect_versions()), now, now),
                )
            elif json.loads(existing[0]) != config:
                raise ValueError(
                    f"run {rid!r} already exists in {self.path} with a different config; "
                    "choose another run id or the same arguments"
                )
        return Run(self, rid, config)  # type: ignore[arg-type]

    def runs(self) -> list[dict[str, Any]]:
        out = []
        for r in self._conn.execute("SELECT * FROM runs ORDER BY created"):
            d = dict(r)
            d["config"], d["versions"] = json.loads(d["config"]), json.loads(d["versions"])
            d["episodes"] = self.count(d["run_id"])
            out.append(d)
        return out

    def count(self, run_id: str) -> int:
        """Episodes stored for a run."""
        return self._conn.execute("SELECT COUNT(*) FROM episodes WHERE run_id=?", (run_id,)).fetchone()[0]

    def done_keys(self, run_id: str) -> set[Key]:
        """Keys ``(agent, env, family, variant, seed, episode)`` already stored for a run."""
        sql = f"SELECT {', '.join(KEY_COLUMNS)} FROM episodes WHERE run_id=?"
        return {tuple(r) for r in self._conn.execute(sql, (run_id,))}

    def finish_run(self, run_id: str) -> None:
        """Mark a run finished."""
        with self._transaction():
            self._conn.execute(
                "UPDATE runs SET status='finished', updated=? WHERE run_id=?", (time.time(), run_id)
            )

    # ------------------------------------------------------------------------------------- rows
    def insert(self, run_id: str, rows: Iterable[Mapping[str, Any]], versions: Mapping[str, Any]) -> int:
        """Store rows of a run in one transaction (all or none survive a crash); returns how many were new
        (a row whose key is already stored is skipped, never overwritten). ``versions`` fills rows without
        their own."""
        columns = ["run_id", *KEY_COLUMNS, *VALUE_COLUMNS]
        sql = (
            f"INSERT OR IGNORE INTO episodes ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )
        inserted = 0
        with self._transaction():
            for row in rows:
                key = key_of(row)
                extra = dict(row.get("extra") or {})
                extra.update(
                    {
                        k: v
                        for k, v in row.items()
                        if k not in VALUE_COLUMNS and k not in KEY_COLUMNS and k != "run_id"
                    }
                )
                values: list[Any] = [run_id, *key]
                for name in VALUE_COLUMNS:
                    value = extra if name == "extra" else row.get(name)
                    if name == "versions" and value is None:
                        value = versions
                    if name == "correct" and value is not None:
                        value = int(bool(value))
                    if name in _JSON_COLUMNS:
                        value = (
                            json.dumps(value, default=str, sort_keys=True)
                            if value not in (None, {})
                            else None
                        )
                    values.append(value)
                inserted += self._conn.execute(sql, values).rowcount
            self._conn.execute("UPDATE runs SET updated=? WHERE run_id=?", (time.time(), run_id))
        return inserted

    def rows(self, run_id: str | None = None, **equal: Any) -> list[dict[str, Any]]:
        """Episode rows (JSON columns decoded, ``extra`` kept as a dict), optionally filtered by equality."""
        return list(self.iter_rows(run_id, **equal))

    def iter_rows(self, run_id: str | None = None, **equal: Any) -> Iterator[dict[str, Any]]:
        where, args = [], []
        if run_id is not None:
            where.append("run_id = ?")
            args.append(run_id)
        for name, value in equal.items():
            if name not in KEY_COLUMNS and name not in VALUE_COLUMNS:
                raise KeyError(f"unknown column {name!r}")
            where.append(f"{name} = ?")
            args.append(value)
        sql = "SELECT * FROM episodes" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
        for r in self._conn.execute(sql, args):
            d = dict(r)
            for name in _JSON_COLUMNS:
                d[name] = json.loads(d[name]) if d[name] else ({} if name == "extra" else None)
            if d["correct"] is not None:
                d["correct"] = bool(d["correct"])
            yield d

    def dataframe(self, run_id: str | None = None, *, flatten_extra: bool = True):  # noqa: ANN201
        """The rows as a pandas DataFrame (``extra`` keys become columns when ``flatten_extra``)."""
        import pandas as pd

        rows = self.rows(run_id)
        if flatten_extra:
            for r in rows:
                for k, v in (r.pop("extra") or {}).items():
                    r.setdefault(k, v)
        frame = pd.DataFrame(rows)
        return frame

    def export(
        self, path: str | os.PathLike[str], *, run_id: str | None = None, format: str | None = None
    ) -> Path:
        """Write the rows to ``.parquet``, ``.csv`` or ``.jsonl`` (by suffix, or ``format``)."""
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".")).lower()
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "jsonl":
            with path.open("w", encoding="utf-8") as f:
                for r in self.iter_rows(run_id):
                    f.write(json.dumps(r, default=str, ensure_ascii=False) + "\n")
            return path
        frame = self.dataframe(run_id, flatten_extra=False)
        for name in _JSON_COLUMNS:  # nested objects as JSON text: portable to every Parquet/CSV reader
            if name in frame:
                frame[name] = frame[name].map(
                    lambda v: json.dumps(v, default=str, sort_keys=True) if v is not None else None
                )
        if fmt == "parquet":
            try:
                frame.to_parquet(path, index=False)
            except ImportError as exc:
                raise ImportError(
                    f"Parquet export needs pyarrow: pip install -e '.[report]' ({exc})"
                ) from None
        elif fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            raise ValueError(f"unknown export format {fmt!r}; use parquet, csv or jsonl")
        return path

    # -------------------------------------------------------------------------------- helpers
    def _transaction(self) -> _Tx:
        return _Tx(self._conn)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _Tx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


@dataclass
class Run:
    """One run in a :class:`Store` (``Store.open_run`` makes these)."""

    store: Store
    id: str
    config: dict[str, Any]

    def __post_init__(self) -> None:
        self.versions = collect_versions()

    def done_keys(self) -> set[Key]:
        """Keys ``(agent, env, family, variant, seed, episode)`` already stored for this run."""
        return self.store.done_keys(self.id)

    def add(self, row: Mapping[str, Any]) -> bool:
        """Store one row; ``False`` if its key was already stored (nothing is overwritten)."""
        return self.store.insert(self.id, [row], self.versions) == 1

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store rows in one transaction (all or none survive a crash); returns how many were new."""
        return self.store.insert(self.id, rows, self.versions)

    def count(self) -> int:
        return self.store.count(self.id)

    def rows(self) -> list[dict[str, Any]]:
        return self.store.rows(self.id)

    def finish(self) -> None:
        self.store.finish_run(self.id)
