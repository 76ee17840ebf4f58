"""HubSource: Hugging Face ``datasets`` loading, offline from local copies."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from mathgym.sources import DatasetNotFoundError, GSM8KSource, HubSource
from mathgym.sources.datasets import gsm8k_final_answer
from mathgym.testing import require

ANSWER = {"answer_fn": lambda r: gsm8k_final_answer(r["answer"])}


def test_loads_a_local_directory_of_data_files(data_dir: Path) -> None:
    require("datasets")
    source = HubSource("openai/gsm8k", "test", local_dir=data_dir / "gsm8k", **ANSWER)
    assert source.local_copy() == data_dir / "gsm8k"
    reference = GSM8KSource(data_dir=data_dir)
    assert len(source) == len(reference) == 1319
    assert [p.answer for p in source] == [p.answer for p in reference]
    assert source[3].id == "gsm8k/test/3" and source[3].meta["source"] == "gsm8k"


def test_finds_copies_under_the_data_dir(tmp_path: Path) -> None:
    require("datasets")
    import datasets

    folder = tmp_path / "hub" / "someone" / "tiny-math"
    folder.mkdir(parents=True)
    rows = [{"problem": f"{i}+1?", "answer": str(i + 1), "uid": f"t{i}"} for i in range(5)]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    fields = {"prompt": "problem", "id": "uid"}
    source = HubSource("someone/tiny-math", "train", fields, data_dir=tmp_path)
    assert [p.answer for p in source] == ["1", "2", "3", "4", "5"] and source.find("t2").prompt == "2+1?"
    saved = tmp_path / "saved"
    datasets.Dataset.from_list(rows).save_to_disk(str(saved))
    assert len(HubSource("someone/tiny-math", "train", fields, local_dir=saved)) == 5
    shutil.rmtree(saved)
    datasets.DatasetDict({"validation": datasets.Dataset.from_list(rows[:2])}).save_to_disk(str(saved))
    assert len(HubSource("x/y", "validation", fields, local_dir=saved)) == 2


def test_unreachable_hub_without_local_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require("datasets")
    import datasets

    def hub_double(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'someone/absent' on the Hub")

    monkeypatch.setattr(datasets, "load_dataset", hub_double)
    source = HubSource("someone/absent", "test", data_dir=tmp_path)
    assert source.local_copy() is None
    with pytest.raises(DatasetNotFoundError, match=r"someone/absent.*save_to_disk") as caught:
        len(source)
    assert str(tmp_path / "hub" / "someone" / "absent") in str(caught.value)
    with pytest.raises(DatasetNotFoundError, match="local_dir"):
        HubSource("someone/absent", local_dir=tmp_path / "missing")


def test_missing_datasets_package_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(ImportError, match="pip install datasets"):
        len(HubSource("someone/anything", data_dir=tmp_path))
