"""GSM8K, MATH-500 and JSONL sources over the shared data folder."""

from __future__ import annotations

import collections
import json
import pickle
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from mathgym.sources import DatasetNotFoundError, GSM8KSource, JsonlSource, MATH500Source
from mathgym.sources.datasets import DATA_DIR_ENV, gsm8k_final_answer, resolve_data_dir, split_solution
from mathgym.sources.registry import make_source


def test_gsm8k_test_split(data_dir: Path) -> None:
    source = GSM8KSource(data_dir=data_dir)
    assert len(source) == 1319
    first = source[0]
    assert first.id == "gsm8k/test/0" and first.answer == "18" and first.family is None
    assert first.prompt.startswith("Janet\u2019s ducks lay 16 eggs per day.")
    assert first.solution == [
        "Janet sells 16 - 3 - 4 = 9 duck eggs a day.",
        "She makes 9 * 2 = $18 every day at the farmer\u2019s market.",
    ]
    assert dict(first.meta) | {"solution": None} == {
        "source": "gsm8k",
        "split": "test",
        "index": 0,
        "topic": "word_problem",
        "solution": None,
    }
    assert source[146].answer == "2125"  # "#### 2,125" upstream
    assert source[489].answer == "-10"
    assert source.find("gsm8k/test/17") is source[17]


def test_gsm8k_answers_are_exact_numbers_and_solutions_are_plain(data_dir: Path) -> None:
    for split, size in (("train", 7473), ("test", 1319)):
        source = GSM8KSource(split, data_dir=data_dir)
        assert len(source) == size
        assert len({p.id for p in source}) == size
        for problem in source:
            Fraction(problem.answer)  # raises unless a plain number without separators
            assert problem.solution and not any("<<" in step or "####" in step for step in problem.solution)


def test_gsm8k_answer_parsing() -> None:
    assert gsm8k_final_answer("a\nb\n#### 1,000,000") == "1000000"
    with pytest.raises(ValueError, match="####"):
        gsm8k_final_answer("no final line")


def test_math500(data_dir: Path) -> None:
    source = MATH500Source(data_dir=data_dir)
    assert len(source) == 500
    problem = source.find("test/intermediate_algebra/1994.json")
    assert problem is source.find("math500/test/intermediate_algebra/1994.json")
    assert problem.answer == "p - q"
    assert problem.meta["subject"] == problem.topic == "Intermediate Algebra"
    assert problem.meta["level"] == 5 and problem.meta["unique_id"] == problem.id
    assert problem.solution and "\\boxed{p - q}" in problem.solution[-1]
    assert "\\boxed{p - q}" in problem.meta["solution_text"]
    # the README's counts
    assert collections.Counter(p.meta["level"] for p in source) == {1: 43, 2: 90, 3: 105, 4: 128, 5: 134}
    subjects = collections.Counter(p.topic for p in source)
    assert subjects["Algebra"] == 124 and subjects["Counting & Probability"] == 38 and len(subjects) == 7
    with pytest.raises(KeyError, match="no problem"):
        source.find("test/algebra/0.json")


def test_sources_load_lazily_and_share_one_table(data_dir: Path) -> None:
    a = GSM8KSource(data_dir=data_dir)
    assert a._table_cache is None  # nothing read yet
    b = GSM8KSource(data_dir=data_dir)
    assert a[5] is b[5]
    copy = pickle.loads(pickle.dumps(a))
    assert copy._table_cache is None and copy[5] == a[5]
    rng1, rng2 = np.random.default_rng(3), np.random.default_rng(3)
    assert [a.sample(rng1).id for _ in range(5)] == [b.sample(rng2).id for _ in range(5)]


def test_data_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    assert resolve_data_dir() == data_dir
    assert resolve_data_dir(tmp_path) == tmp_path
    assert len(GSM8KSource()) == 1319  # found through the environment variable
    monkeypatch.delenv(DATA_DIR_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_data_dir() == tmp_path / ".cache" / "mathgym" / "data"


def test_missing_dataset_names_directory_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DatasetNotFoundError) as caught:
        GSM8KSource("train", data_dir=tmp_path)
    message = str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    assert str(tmp_path / "gsm8k" / "train.jsonl") in message and DATA_DIR_ENV in message
    assert "grade-school-math" in message
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(DatasetNotFoundError, match=f"from \\${DATA_DIR_ENV}.*math500/test.jsonl"):
        MATH500Source()
    with pytest.raises(ValueError, match="split"):
        GSM8KSource("validation", data_dir=tmp_path)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_jsonl_field_mapping(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "mine.jsonl",
        [
            {"q": "1+1?", "a": 2, "uid": "p-one", "lvl": 1, "steps": ["1+1 = 2"], "fam": "add"},
            {"q": "2+2?", "a": 4, "uid": "p-two", "lvl": 3, "steps": "2+2\n= 4", "fam": "add"},
        ],
    )
    source = JsonlSource(
        path,
        {
            "prompt": "q",
            "answer": "a",
            "id": "uid",
            "solution": "steps",
            "family": "fam",
            "difficulty": "lvl",
        },
        name="mine",
        split="dev",
    )
    two = source.find("p-two")
    assert (two.prompt, two.answer, two.family, two.solution) == ("2+2?", "4", "add", ["2+2", "= 4"])
    assert dict(two.meta) | {"solution": None} == {
        "source": "mine",
        "split": "dev",
        "index": 1,
        "topic": None,
        "difficulty": 3,
        "solution": None,
    }
    numbered = JsonlSource(path, {"prompt": "q", "answer": None})
    assert numbered[1].id == "mine/1" and numbered[1].answer is None


def test_jsonl_answer_fn_over_a_data_dir_path(data_dir: Path) -> None:
    source = JsonlSource(
        "gsm8k/test.jsonl",
        answer_fn=lambda r: gsm8k_final_answer(r["answer"]),
        name="gsm8k",
        split="test",
        data_dir=data_dir,
    )
    reference = GSM8KSource(data_dir=data_dir)
    assert [p.answer for p in source] == [p.answer for p in reference]
    assert [p.id for p in source][:3] == ["gsm8k/test/0", "gsm8k/test/1", "gsm8k/test/2"]


def test_jsonl_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match="nope.jsonl"):
        JsonlSource(tmp_path / "nope.jsonl")
    bad_field = JsonlSource(write_jsonl(tmp_path / "f.jsonl", [{"question": "x"}]), {"answer": "solution"})
    with pytest.raises(ValueError, match="no field 'solution'.*fields="):
        len(bad_field)
    (tmp_path / "broken.jsonl").write_text('{"question": "x", "answer": "1"}\n{oops\n')
    with pytest.raises(ValueError, match="broken.jsonl:2"):
        len(JsonlSource(tmp_path / "broken.jsonl"))
    dup = write_jsonl(tmp_path / "dup.jsonl", [{"question": "x", "answer": 1, "k": "a"}] * 2)
    with pytest.raises(ValueError, match="duplicate problem id 'a'"):
        len(JsonlSource(dup, {"id": "k"}))


def test_jsonl_rereads_a_changed_file(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "grow.jsonl", [{"question": "a", "answer": "1"}])
    assert len(JsonlSource(path)) == 1
    write_jsonl(path, [{"question": "a", "answer": "1"}, {"question": "b", "answer": "2"}])
    assert len(JsonlSource(path)) == 2


def test_registry_builds_dataset_sources(data_dir: Path, tmp_path: Path) -> None:
    assert isinstance(make_source("gsm8k", data_dir=data_dir, split="train"), GSM8KSource)
    assert len(make_source("math500", data_dir=data_dir)) == 500
    path = write_jsonl(tmp_path / "one.jsonl", [{"question": "1+1?", "answer": "2"}])
    assert make_source(f"jsonl:{path}")[0].id == "one/0"


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("First.\n\nSecond,\nstill second.", ["First.", "Second,\nstill second."]),
        ("a = 1\nb = 2\n", ["a = 1", "b = 2"]),
        ("So\n\\[x = 1\n\\]hence", ["So\n\\[x = 1\n\\]hence"]),  # no cut inside display math
    ],
)
def test_split_solution(text: str, steps: list[str]) -> None:
    assert split_solution(text) == steps
