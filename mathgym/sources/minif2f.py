"""miniF2F Lean 4 theorem statements (Zheng, Han, Polu 2021) as a problem source.

Two ports are supported, as laid out in ``<data dir>/minif2f_lean4/`` (see that folder's README):

* ``"deepseek"`` (default): ``minif2f.jsonl`` from DeepSeek-Prover-V1.5, with informal statements;
* ``"yangky11"``: ``minif2f_yangky11.jsonl``, statements for a newer Mathlib.

Each record has ``name``, ``split`` (valid/test), ``header`` (imports and ``open``s) and
``formal_statement`` (``theorem NAME ... := by``); a proof is the tactic block after ``:= by``.
The data directory is found like the other dataset sources (``data_dir``, ``$MATHGYM_DATA_DIR``, then
``~/.cache/mathgym/data``); ``hub_id=`` loads the same fields through ``datasets`` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from mathgym.problem import Problem
from mathgym.provers.lean_common import STANDARD_AXIOMS
from mathgym.sources.datasets import TableSource, dataset_file, read_jsonl

PORT_FILES = {"deepseek": "minif2f.jsonl", "yangky11": "minif2f_yangky11.jsonl"}
SPLITS = ("valid", "test", "all")
HOW = (
    "Copy the miniF2F Lean 4 statements (datasets/minif2f.jsonl of "
    "github.com/deepseek-ai/DeepSeek-Prover-V1.5,"
    " or one JSON line per theorem of github.com/yangky11/miniF2F-lean4) into minif2f_lean4/."
)


def minif2f_problem(record: Mapping[str, Any], port: str) -> Problem:
    """The :class:`Problem` for one miniF2F record."""
    for key in ("name", "split", "formal_statement"):
        if not record.get(key):
            raise ValueError(f"miniF2F record lacks {key!r}: {dict(record)!r:.200}")
    informal = str(record.get("informal_statement") or "")
    formal = str(record["formal_statement"])
    prompt = (f"/-- {informal} -/\n" if informal else "") + formal
    meta = {
        "source": "minif2f",
        "prover": "lean4",
        "port": port,
        "split": record["split"],
        "theorem_name": record["name"],
        "header": str(record.get("header", "")),
        "formal_statement": formal,
        "informal_statement": informal,
        "goal": str(record.get("goal", "")),
        "allowed_axioms": list(STANDARD_AXIOMS),
    }
    return Problem(id=f"minif2f/{record['split']}/{record['name']}", prompt=prompt, answer=None, meta=meta)


class MiniF2FSource(TableSource):
    """miniF2F Lean 4 statements (valid, test or both), loaded from a local directory or a hub id.

    :param split: ``"test"`` (default), ``"valid"`` or ``"all"``.
    :param data_dir: directory holding ``minif2f_lean4/`` (see the module docstring).
    :param port: ``"deepseek"`` or ``"yangky11"``.
    :param hub_id: load from the Hugging Face hub (or a local copy, as :class:`HubSource` does) instead;
        rows need the same fields.
    :param hub_split: the hub split holding the rows (default ``"train"``); ``split`` still filters.
    """

    name = "minif2f"

    def __init__(
        self,
        split: str = "test",
        data_dir: str | os.PathLike[str] | None = None,
        *,
        port: str = "deepseek",
        hub_id: str | None = None,
        hub_split: str = "train",
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if port not in PORT_FILES:
            raise ValueError(f"port must be one of {sorted(PORT_FILES)}, got {port!r}")
        self.split = split
        self.port = port
        self.hub_id = hub_id
        self.hub_split = hub_split
        self.data_dir = data_dir
        self.path = None
        if hub_id is None:
            # resolved now so that a missing file is reported at construction, naming dir and file
            self.path = dataset_file(
                f"minif2f_lean4/{PORT_FILES[port]}", data_dir, what=f"miniF2F Lean 4 ({port} port)", how=HOW
            )

    def _cache_key(self) -> Any:
        if self.path is not None:
            stat = self.path.stat()
            return (
                "minif2f",
                str(self.path.resolve()),
                stat.st_mtime_ns,
                stat.st_size,
                self.split,
                self.port,
            )
        return ("minif2f-hub", self.hub_id, self.hub_split, self.split, self.port)

    def _rows(self) -> Iterable[Mapping[str, Any]]:
        if self.path is not None:
            return read_jsonl(self.path)
        from mathgym.sources.datasets import HubSource

        return HubSource(self.hub_id, split=self.hub_split, data_dir=self.data_dir)._load_rows()  # type: ignore[arg-type]

    def _build(self) -> Iterable[Problem]:
        for record in self._rows():
            if self.split == "all" or record.get("split") == self.split:
                yield minif2f_problem(record, self.port)

    def describe(self) -> str:
        return f"miniF2F Lean 4 statements ({self.split}, {self.port} port)"
