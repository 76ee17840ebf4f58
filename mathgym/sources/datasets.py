"""Static dataset sources: GSM8K, MATH-500, any JSONL file, and Hugging Face ``datasets`` hub ids.

Data is read from a local directory, found in this order:

1. the ``data_dir`` argument,
2. the ``MATHGYM_DATA_DIR`` environment variable,
3. ``~/.cache/mathgym/data``.

The expected layout is::

    <data dir>/gsm8k/train.jsonl      # GSM8K (openai/grade-school-math), fields question, answer
    <data dir>/gsm8k/test.jsonl
    <data dir>/math500/test.jsonl     # MATH-500 (openai/prm800k), fields problem, solution, answer, ...
    <data dir>/hub/<owner>/<name>/    # local copies of hub datasets, for HubSource offline

Files are read on first use, not at construction, and the parsed problems are cached per file (keyed by
path, size and modification time), so the many env copies of a vector env share one table.
"""

from __future__ import annotations

import json
import operator
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mathgym.problem import Problem
from mathgym.sources.base import Source

DATA_DIR_ENV = "MATHGYM_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.cache/mathgym/data")

AnswerFn = Callable[[Mapping[str, Any]], "str | None"]


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file or directory is not where mathgym looked for it; the message says how to fix it."""


# ------------------------------------------------------------------------------------ data location
def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``data_dir``, else ``$MATHGYM_DATA_DIR``, else ``~/.cache/mathgym/data``."""
    return Path(_data_dir_and_origin(data_dir)[0])


def _data_dir_and_origin(data_dir: str | os.PathLike[str] | None) -> tuple[Path, str]:
    if data_dir is not None:
        return Path(data_dir).expanduser(), "the data_dir argument"
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser(), f"${DATA_DIR_ENV}"
    return DEFAULT_DATA_DIR.expanduser(), f"the default (${DATA_DIR_ENV} is not set)"


def dataset_file(relative: str, data_dir: str | os.PathLike[str] | None, *, what: str, how: str) -> Path:
    """``<data dir>/<relative>``, or a :class:`DatasetNotFoundError` that says where it looked and why."""
    root, origin = _data_dir_and_origin(data_dir)
    path = root / relative
    if path.is_file():
        return path
    raise DatasetNotFoundError(
        f"{what} not found: expected the file {path} (data directory {root}, from {origin}). "
        f"{how} Then pass data_dir=... or set {DATA_DIR_ENV} to the directory that holds {relative}."
    )


# ------------------------------------------------------------------------------------- the cache
@dataclass(frozen=True)
class _Table:
    problems: tuple[Problem, ...]
    by_id: Mapping[str, int]


_CACHE_SIZE = 32
_tables: OrderedDict[Any, _Table] = OrderedDict()
_tables_lock = threading.Lock()


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def _cached_table(key: Any, build: Callable[[], Iterable[Problem]]) -> _Table:
    """The table for ``key``, built once per process (a small LRU: envs are created many times)."""
    with _tables_lock:
        if key in _tables:
            _tables.move_to_end(key)
            return _tables[key]
    problems = tuple(build())
    by_id: dict[str, int] = {}
    for index, problem in enumerate(problems):
        if problem.id in by_id:
            raise ValueError(
                f"duplicate problem id {problem.id!r} (records {by_id[problem.id]} and {index}); "
                "map the 'id' field to a unique column, or leave it None to number records"
            )
        by_id[problem.id] = index
    table = _Table(problems, by_id)
    with _tables_lock:
        _tables[key] = table
        while len(_tables) > _CACHE_SIZE:
            _tables.popitem(last=False)
    return table


def clear_cache() -> None:
    """Forget every parsed dataset (tests, or after editing a file in place within one mtime tick)."""
    with _tables_lock:
        _tables.clear()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file (blank lines skipped); errors name the file and line."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error})") from error
            if not isinstance(record, dict):  # bad data rather than a bad argument, hence ValueError
                kind = type(record).__name__
                raise ValueError(f"{path}:{number}: expected a JSON object, got {kind}")  # noqa: TRY004
            records.append(record)
    return records


# ------------------------------------------------------------------------------- common machinery
class TableSource(Source):
    """A source backed by a finite table of problems, loaded lazily and shared through the cache.

    Subclasses implement :meth:`_cache_key` and :meth:`_build`.
    """

    _table_cache: _Table | None = None

    def _cache_key(self) -> Any:
        raise NotImplementedError

    def _build(self) -> Iterable[Problem]:
        raise NotImplementedError

    @property
    def _table(self) -> _Table:
        if self._table_cache is None:
            self._table_cache = _cached_table(self._cache_key(), self._build)
        return self._table_cache

    def __len__(self) -> int:
        return len(self._table.problems)

    def __getitem__(self, index: int) -> Problem:
        problems = self._table.problems
        position = operator.index(index)
        if not -len(problems) <= position < len(problems):
            raise IndexError(f"index {position} out of range for {self.name!r} ({len(problems)} problems)")
        return problems[position]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._table.problems)

    def find(self, problem_id: str) -> Problem:
        try:
            return self._table.problems[self._table.by_id[problem_id]]
        except KeyError:
            raise KeyError(f"no problem with id {problem_id!r} in source {self.name!r}") from None

    def index_of(self, problem_id: str) -> int:
        """Position of ``problem_id`` in the source (``KeyError`` if absent)."""
        self.find(problem_id)
        return self._table.by_id[problem_id]

    def __getstate__(self) -> dict[str, Any]:
        # Pickled copies (worker processes) reload through their own process cache.
        state = dict(self.__dict__)
        state.pop("_table_cache", None)
        return state


DEFAULT_FIELDS: Mapping[str, str | None] = {"prompt": "question", "answer": "answer", "id": None}
# mapping keys with a fixed meaning; any other key copies that record field into meta under the key
_SPECIAL_FIELDS = ("prompt", "answer", "id", "family", "solution", "topic")


def split_solution(text: str) -> list[str]:
    """Reference-solution steps from free text.

    Paragraphs when the text has blank lines; otherwise lines, unless it holds LaTeX display math
    (``\\[``, ``$$``, ``\\begin``), whose line breaks sit inside formulas: then the whole text is one step.
    """
    if re.search(r"\n\s*\n", text):
        parts = re.split(r"\n\s*\n", text)
    elif re.search(r"\\\[|\$\$|\\begin\{", text):
        parts = [text]
    else:
        parts = text.split("\n")
    return [step.strip() for step in parts if step.strip()]


def _field(record: Mapping[str, Any], field: str, where: str) -> Any:
    try:
        return record[field]
    except KeyError:
        raise ValueError(
            f"{where}: the record has no field {field!r} (it has {sorted(record)}); "
            "fix the fields={...} mapping"
        ) from None


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def problem_from_record(
    record: Mapping[str, Any],
    index: int,
    *,
    fields: Mapping[str, str | None],
    name: str,
    split: str | None,
    answer_fn: AnswerFn | None,
    where: str,
) -> Problem:
    """Build a :class:`Problem` from one record through a field mapping (see :class:`JsonlSource`)."""
    prompt = _field(record, fields["prompt"], where)
    answer = (
        answer_fn(record)
        if answer_fn is not None
        else (_field(record, fields["answer"], where) if fields.get("answer") else None)
    )
    record_id = _as_text(_field(record, fields["id"], where)) if fields.get("id") else None
    if record_id is None:
        record_id = f"{name}/{split}/{index}" if split else f"{name}/{index}"
    meta: dict[str, Any] = {"source": name, "split": split, "index": index, "topic": None}
    if fields.get("topic"):
        meta["topic"] = _as_text(record.get(fields["topic"]))
    if fields.get("solution"):
        solution = record.get(fields["solution"])
        if isinstance(solution, str):
            meta["solution"] = split_solution(solution)
        elif solution is not None:
            meta["solution"] = [str(step) for step in solution]
    for key, field in fields.items():
        if key not in _SPECIAL_FIELDS and field:
            meta[key] = record.get(field)
    family = _as_text(record.get(fields["family"])) if fields.get("family") else None
    return Problem(id=record_id, prompt=str(prompt), answer=_as_text(answer), family=family, meta=meta)


def _fields_with_defaults(fields: Mapping[str, str | None] | None) -> dict[str, str | None]:
    merged = {**DEFAULT_FIELDS, **(fields or {})}
    if not merged.get("prompt"):
        raise ValueError("fields['prompt'] must name the record field that holds the question")
    return merged


# ------------------------------------------------------------------------------------------ GSM8K
_CALCULATOR = re.compile(r"<<[^<>]*>>")
GSM8K_HOW = (
    "Copy test.jsonl/train.jsonl from github.com/openai/grade-school-math "
    "(grade_school_math/data/) into <data dir>/gsm8k/."
)


def gsm8k_final_answer(solution: str) -> str:
    """The gold answer of a GSM8K solution: the text after the last ``####``, commas removed."""
    if "####" not in solution:
        raise ValueError(f"GSM8K solution without a '#### answer' line: {solution[-80:]!r}")
    return solution.rsplit("####", 1)[1].strip().replace(",", "")


def gsm8k_solution_steps(solution: str) -> list[str]:
    """The worked-solution lines before ``####``, with the ``<<expr=result>>`` calculator notes removed."""
    body = solution.rsplit("####", 1)[0]
    return [line.strip() for line in _CALCULATOR.sub("", body).splitlines() if line.strip()]


class GSM8KSource(TableSource):
    """GSM8K grade-school math word problems (Cobbe et al., 2021); the gold answer follows ``####``.

    Ids are ``gsm8k/<split>/<line index>``; ``meta["solution"]`` holds the reference solution's lines.

    :param split: ``"test"`` (1,319 problems) or ``"train"`` (7,473).
    :param data_dir: directory holding ``gsm8k/<split>.jsonl`` (see the module docstring).
    """

    name = "gsm8k"
    SPLITS = ("train", "test")

    def __init__(self, split: str = "test", data_dir: str | os.PathLike[str] | None = None) -> None:
        if split not in self.SPLITS:
            raise ValueError(f"GSM8K split must be one of {self.SPLITS}, got {split!r}")
        self.split = split
        self.path = dataset_file(f"gsm8k/{split}.jsonl", data_dir, what=f"GSM8K {split} split", how=GSM8K_HOW)

    def _cache_key(self) -> Any:
        return ("gsm8k", self.split, _file_key(self.path))

    def _build(self) -> Iterable[Problem]:
        for index, record in enumerate(read_jsonl(self.path)):
            where = f"{self.path} record {index}"
            solution = str(_field(record, "answer", where))
            yield Problem(
                id=f"gsm8k/{self.split}/{index}",
                prompt=str(_field(record, "question", where)),
                answer=gsm8k_final_answer(solution),
                meta={
                    "source": "gsm8k",
                    "split": self.split,
                    "index": index,
                    "topic": "word_problem",
                    "solution": gsm8k_solution_steps(solution),
                },
            )


# --------------------------------------------------------------------------------------- MATH-500
MATH500_HOW = (
    "Copy prm800k/math_splits/test.jsonl from github.com/openai/prm800k (a Git LFS file; the "
    "HuggingFaceH4/MATH-500 test split is the same file) to <data dir>/math500/test.jsonl."
)


class MATH500Source(TableSource):
    """MATH-500, the PRM800K test subset of the MATH competition problems (answers in LaTeX).

    Ids are MATH's ``unique_id`` (e.g. ``test/precalculus/807.json``, shared with the full MATH set);
    :meth:`find` also accepts it prefixed with ``math500/``. ``meta`` carries ``subject`` (also the
    ``topic``), ``level`` (1–5), ``unique_id``, ``solution`` (paragraph steps) and ``solution_text``.

    :param data_dir: directory holding ``math500/test.jsonl`` (see the module docstring).
    """

    name = "math500"
    split = "test"

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.path = dataset_file("math500/test.jsonl", data_dir, what="MATH-500", how=MATH500_HOW)

    def _cache_key(self) -> Any:
        return ("math500", _file_key(self.path))

    def _build(self) -> Iterable[Problem]:
        for index, record in enumerate(read_jsonl(self.path)):
            where = f"{self.path} record {index}"
            solution = str(record.get("solution") or "")
            unique_id = str(_field(record, "unique_id", where))
            yield Problem(
                id=unique_id,
                prompt=str(_field(record, "problem", where)),
                answer=str(_field(record, "answer", where)),
                meta={
                    "source": "math500",
                    "split": "test",
                    "index": index,
                    "topic": record.get("subject"),
                    "subject": record.get("subject"),
                    "level": record.get("level"),
                    "unique_id": unique_id,
                    "solution": split_solution(solution) if solution else [],
                    "solution_text": solution,
                },
            )

    def find(self, problem_id: str) -> Problem:
        prefix = f"{self.name}/"
        if problem_id.startswith(prefix) and problem_id not in self._table.by_id:
            problem_id = problem_id[len(prefix) :]
        return super().find(problem_id)


# ------------------------------------------------------------------------------------ JSONL files
class _FieldMappedSource(TableSource):
    """A table whose raw records become problems through a field mapping (JSONL files, hub datasets).

    Subclasses set ``fields``, ``answer_fn``, ``name`` and ``split`` and feed their records to
    :meth:`_problems`, so both read records by the same rules.
    """

    fields: dict[str, str | None]
    answer_fn: AnswerFn | None
    split: str | None

    def _problems(self, records: Iterable[Mapping[str, Any]], where: str) -> Iterator[Problem]:
        """:param where: names the record in error messages; the record's index is appended."""
        for index, record in enumerate(records):
            yield problem_from_record(
                record,
                index,
                fields=self.fields,
                name=self.name,
                split=self.split,
                answer_fn=self.answer_fn,
                where=f"{where}{index}",
            )


class JsonlSource(_FieldMappedSource):
    """Problems from any JSON-lines file, through a field mapping.

    ``fields`` maps Problem parts to record fields (defaults: ``prompt`` ← ``"question"``, ``answer`` ←
    ``"answer"``, ``id`` ← none). Recognised keys: ``prompt``, ``answer`` (``None`` for proof tasks),
    ``id`` (``None``: ``<name>/<index>``, or ``<name>/<split>/<index>`` when ``split`` is given),
    ``family``, ``topic``, ``solution`` (a list of steps, or text split into paragraphs/lines). Any other
    key copies that record field into ``meta`` under the key, e.g. ``{"level": "difficulty"}``.

    :param path: the file; a relative path that does not exist from the working directory is looked up
        in the data directory too.
    :param fields: the mapping, merged over the defaults.
    :param answer_fn: computes the gold answer from the whole record instead of the ``answer`` field
        (e.g. ``lambda r: r["solution"].split("####")[-1].strip()``).
    :param name: source name used in ids and ``meta["source"]`` (default: the file name's stem).
    :param split: split label stored in ``meta`` and ids.
    :param data_dir: data directory for relative paths (see the module docstring).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fields: Mapping[str, str | None] | None = None,
        *,
        answer_fn: AnswerFn | None = None,
        name: str | None = None,
        split: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.fields = _fields_with_defaults(fields)
        self.answer_fn = answer_fn
        self.split = split
        self.path = self._locate(Path(path).expanduser(), data_dir)
        self.name = name or self.path.stem

    @staticmethod
    def _locate(path: Path, data_dir: str | os.PathLike[str] | None) -> Path:
        if path.is_file():
            return path
        if not path.is_absolute():
            root, origin = _data_dir_and_origin(data_dir)
            if (root / path).is_file():
                return root / path
            raise DatasetNotFoundError(
                f"JSONL file not found: looked for {path.resolve()} and {root / path} "
                f"(data directory {root}, "
                f"from {origin}). Check the path, or pass data_dir=... / set {DATA_DIR_ENV}."
            )
        raise DatasetNotFoundError(f"JSONL file not found: expected the file {path}. Check the path.")

    def _cache_key(self) -> Any:
        return (
            "jsonl",
            _file_key(self.path),
            tuple(sorted(self.fields.items())),
            self.answer_fn,
            self.name,
            self.split,
        )

    def _build(self) -> Iterable[Problem]:
        yield from self._problems(read_jsonl(self.path), f"{self.path} record ")


# -------------------------------------------------------------------------------- Hugging Face hub
class HubSource(_FieldMappedSource):
    """A dataset from the Hugging Face hub, through ``datasets.load_dataset`` and a field mapping.

    A local copy is used first when one exists, so offline machines never reach for the network:
    ``local_dir`` if given, else ``hub_id`` itself when it is a directory, else
    ``<data dir>/hub/<hub_id>``. A local copy is a directory of data files that ``load_dataset``
    reads (``test.jsonl``, ``train.parquet``, ...) or one written by ``Dataset(Dict).save_to_disk``.
    Without one, the hub is asked (``datasets`` caches what it downloads).

    :param hub_id: ``owner/name`` on the hub (or a local directory).
    :param split: the split to load.
    :param fields: field mapping as in :class:`JsonlSource`.
    :param answer_fn: gold answer from the whole record, as in :class:`JsonlSource`.
    :param config: the dataset's configuration name (e.g. ``"main"`` for ``openai/gsm8k``).
    :param name: source name used in ids (default: the hub name, lower-cased).
    :param revision: a hub revision (commit, tag or branch) to pin.
    :param data_dir: data directory holding ``hub/<hub_id>`` (see the module docstring).
    :param local_dir: explicit local copy.
    """

    def __init__(
        self,
        hub_id: str,
        split: str = "test",
        fields: Mapping[str, str | None] | None = None,
        *,
        answer_fn: AnswerFn | None = None,
        config: str | None = None,
        name: str | None = None,
        revision: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        local_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.hub_id = hub_id
        self.split = split
        self.fields = _fields_with_defaults(fields)
        self.answer_fn = answer_fn
        self.config = config
        self.revision = revision
        self.name = name or hub_id.rstrip("/").rsplit("/", 1)[-1].lower()
        root, _ = _data_dir_and_origin(data_dir)
        self.searched_local = Path(local_dir).expanduser() if local_dir is not None else root / "hub" / hub_id
        if local_dir is not None and not self.searched_local.is_dir():
            raise DatasetNotFoundError(
                f"local copy of {hub_id!r} not found: {self.searched_local} is not a "
                "directory. Check local_dir."
            )

    def local_copy(self) -> Path | None:
        """The local directory that will be loaded, or ``None`` if the hub will be asked."""
        if self.searched_local.is_dir():
            return self.searched_local
        if Path(self.hub_id).expanduser().is_dir():
            return Path(self.hub_id).expanduser()
        return None

    def _cache_key(self) -> Any:
        local = self.local_copy()
        return (
            "hub",
            self.hub_id,
            self.config,
            self.split,
            self.revision,
            str(local.resolve()) if local else None,
            tuple(sorted(self.fields.items())),
            self.answer_fn,
            self.name,
        )

    def _load_rows(self) -> Iterable[Mapping[str, Any]]:
        try:
            import datasets
        except ImportError as error:
            raise ImportError(
                "HubSource needs the Hugging Face `datasets` package: pip install datasets"
            ) from error
        local = self.local_copy()
        if local is not None:
            if (local / "dataset_dict.json").is_file():
                return datasets.load_from_disk(str(local))[self.split]
            if (local / "state.json").is_file():
                return datasets.load_from_disk(str(local))
            return datasets.load_dataset(str(local), self.config, split=self.split)
        try:
            return datasets.load_dataset(self.hub_id, self.config, split=self.split, revision=self.revision)
        except (ConnectionError, OSError) as error:
            raise DatasetNotFoundError(
                f"could not load {self.hub_id!r} from the hub ({error}) and there is no local copy at "
                f"{self.searched_local}. Run once with network access, or save a copy there, e.g. "
                f"datasets.load_dataset({self.hub_id!r}, {self.config!r})"
                f".save_to_disk({str(self.searched_local)!r}), "
                f"or put its data files (e.g. {self.split}.jsonl) in that directory."
            ) from error

    def _build(self) -> Iterable[Problem]:
        yield from self._problems(self._load_rows(), f"{self.hub_id} [{self.split}] row ")


__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR",
    "DatasetNotFoundError",
    "GSM8KSource",
    "HubSource",
    "JsonlSource",
    "MATH500Source",
    "TableSource",
    "clear_cache",
    "dataset_file",
    "gsm8k_final_answer",
    "gsm8k_solution_steps",
    "problem_from_record",
    "read_jsonl",
    "resolve_data_dir",
    "split_solution",
]
