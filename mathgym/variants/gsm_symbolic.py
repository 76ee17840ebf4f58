"""GSM-Symbolic template families: every template file becomes a :class:`TemplateFamily`.

Data layout (``shared/data/gsm_symbolic``, see its README)::

    gsm_symbolic/templates/p2/0000.json ... 0049.json

``load_templates("p2")`` finds the folder through ``data_dir``, the ``MATHGYM_DATA_DIR`` environment
variable, or ``<repo>/../shared/data``; a folder of template JSON files can also be given directly.
The same loader reads the ``symbolic`` (main) and ``p1`` configurations, which share the format.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mathgym.problem import Problem
from mathgym.seeding import derive_rng
from mathgym.variants.base import VariantFamily, format_answer
from mathgym.variants.lists import LISTS
from mathgym.variants.template import Assignment, GSMTemplate, TemplateError, encode_value

FAMILY_PREFIX = "gsm-symbolic"
_PEOPLE_LISTS = {"names", "names_male", "names_female"}
_OBJECT_LISTS = {"fruits", "vegetables", "animals"}  # nouns that can be swapped for other nouns
_UNIT_LISTS_PREFIXES = ("weights", "length", "volumes", "currencies")


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: ``data_dir``, else ``$MATHGYM_DATA_DIR``, else ``<repo>/../shared/data``."""
    candidates = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    elif os.environ.get("MATHGYM_DATA_DIR"):
        candidates.append(Path(os.environ["MATHGYM_DATA_DIR"]))
    else:
        candidates.append(Path(__file__).resolve().parents[2].parent / "shared" / "data")
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError(
        f"data folder not found (looked at {', '.join(map(str, candidates))}); pass data_dir=... or set "
        "MATHGYM_DATA_DIR to the folder that holds gsm_symbolic/templates/<config>/*.json"
    )


def template_folder(config: str = "p2", data_dir: str | os.PathLike[str] | None = None) -> Path:
    """``<data>/gsm_symbolic/templates/<config>``, or ``data_dir`` itself when it already holds ``*.json``."""
    if data_dir is not None and Path(data_dir).is_dir() and any(Path(data_dir).glob("*.json")):
        return Path(data_dir)
    folder = resolve_data_dir(data_dir) / "gsm_symbolic" / "templates" / config
    if not folder.is_dir() or not any(folder.glob("*.json")):
        raise FileNotFoundError(
            f"no GSM-Symbolic templates at {folder}; put the template JSON files of configuration "
            f"{config!r} there (from github.com/apple/ml-gsm-symbolic, templates/{config}/)"
        )
    return folder


class TemplateFamily(VariantFamily):
    """Variants of one GSM-Symbolic template: variant 0 is the default instance, ``k >= 1`` are sampled.

    :param template: the parsed template.
    :param family_id: the family id (``gsm-symbolic/p2/0000``).
    :param config: the template set (``p2``, ``p1``, ``symbolic``).
    """

    topic = "word problems"

    def __init__(self, template: GSMTemplate, family_id: str, config: str = "p2") -> None:
        super().__init__()
        self.template = template
        self.id = family_id
        self.config = config

    def assignment(self, k: int) -> Assignment:
        """Values of variant ``k`` (``k == 0``: the defaults)."""
        if k == 0:
            return self.template.default
        return self.template.sample(derive_rng("mathgym.gsm-symbolic", self.id, k))

    def _entities(self, a: Assignment) -> dict[str, list[str]]:
        people, objects, units = [], [], []
        for line in self.template.lines:
            for var in line.targets:
                display = a.displays.get(var)
                if var not in self.template.question_vars or not isinstance(display, str) or line.numeric:
                    continue
                if line.list_name in _PEOPLE_LISTS:
                    people.append(display)
                elif line.list_name and line.list_name.startswith(_UNIT_LISTS_PREFIXES):
                    units.append(display)
                elif line.list_name in _OBJECT_LISTS:
                    objects.append(display)
        dedupe = lambda xs: list(dict.fromkeys(xs))  # noqa: E731
        return {"people": dedupe(people), "objects": dedupe(objects), "units": dedupe(units)}

    def _make_variant(self, k: int) -> Problem:
        t = self.template
        a = self.assignment(k)
        solution, solution_error = t.render_solution(a)
        meta: dict[str, Any] = {
            "source": "gsm-symbolic",
            "config": self.config,
            "template": t.id,
            "variant": k,
            "topic": self.topic,
            "difficulty": self.config,
            "values": {var: a.displays.get(var, "") for var in sorted(t.question_vars)},
            # every sampled value, shown or not, so that the gold can be recomputed (answer_from_meta)
            "sampled": {var: encode_value(value) for var, value in sorted(a.values.items())},
            "solution": solution if solution_error is None else [],
            "sentences": t.sentences(a),
            "entities": self._entities(a),
            "perturbations": [],
            "answer_kind": "number",
        }
        if solution_error:
            meta["solution_error"] = solution_error
        if t.redefined:
            meta["redefined"] = t.redefined
        if "id_orig" in t.record:
            meta["gsm8k_index"] = t.record["id_orig"]
        if k == 0:
            meta["default_instance"] = True
            failed = t.failed_conditions(a.values, a.answer)
            if failed:
                meta["default_violates"] = failed
            if t.default_note:
                meta["note"] = t.default_note
        else:
            default = t.default.displays
            changed = {
                v: [default.get(v, ""), a.displays.get(v, "")]
                for v in sorted(t.question_vars)
                if default.get(v) != a.displays.get(v)
            }
            meta["perturbations"] = [{"kind": "resample", "changed": changed}]
        return Problem(
            id=f"{self.id}/v{k}",
            prompt=t.render_question(a),
            answer=format_answer(a.answer),
            family=self.id,
            meta=meta,
        )


def load_template(
    path: str | os.PathLike[str],
    *,
    config: str = "p2",
    lists: Mapping[str, Sequence[Any]] | None = None,
    integer_answers: bool | str = "auto",
) -> TemplateFamily:
    """One template file as a family (id ``gsm-symbolic/<config>/<file stem>``).

    :param path: the template JSON file.
    :param config: the template set it belongs to (``p2``, ``p1``, ``symbolic``).
    :param lists: the replacement lists (default :data:`mathgym.variants.lists.LISTS`).
    :param integer_answers: see :class:`~mathgym.variants.template.GSMTemplate`.
    :raises TemplateError: when the file is not a template the loader can use.
    """
    path = Path(path)
    record = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict):
        raise TemplateError(
            f"{path.name}: a template file holds one JSON object, found {type(record).__name__}"
        )
    template_id = f"{config}/{path.stem}"
    template = GSMTemplate(record, template_id, lists=lists, integer_answers=integer_answers)
    return TemplateFamily(template, f"{FAMILY_PREFIX}/{template_id}", config)


class TemplateSet(list):
    """The families of a template set, in file order, with the templates that failed to load.

    :param failures: ``{file name: error}`` of every template that could not be loaded.
    """

    def __init__(self, families: list[TemplateFamily], failures: dict[str, str]) -> None:
        super().__init__(families)
        self.failures = failures


def load_templates(
    config: str = "p2",
    data_dir: str | os.PathLike[str] | None = None,
    *,
    extra_lists: Mapping[str, Sequence[Any]] | None = None,
    integer_answers: bool | str = "auto",
    strict: bool = False,
) -> TemplateSet:
    """All templates of a configuration as families, in file order.

    Every file is tried: a bad template never stops the others from loading. The bad ones are reported by
    name, in a warning and in the returned set's ``failures`` (or in the error, with ``strict=True``).

    :param config: ``"p2"`` (in ``shared/data``), or ``"p1"`` / ``"symbolic"`` when their files are present.
    :param data_dir: the data folder, or a folder of template JSON files.
    :param extra_lists: replacement lists to add to (or override) :data:`mathgym.variants.lists.LISTS`.
    :param integer_answers: see :class:`~mathgym.variants.template.GSMTemplate`.
    :param strict: after trying every file, raise :class:`TemplateError` naming all that failed.
    """
    lists: dict[str, Sequence[Any]] = dict(LISTS)
    lists.update(extra_lists or {})
    families: list[TemplateFamily] = []
    failures: dict[str, str] = {}
    for path in sorted(template_folder(config, data_dir).glob("*.json")):
        try:
            families.append(load_template(path, config=config, lists=lists, integer_answers=integer_answers))
        except Exception as exc:  # noqa: BLE001 - any fault of one file is that file's failure, reported by name
            failures[path.name] = f"{type(exc).__name__}: {exc}"
    if failures:
        report = "; ".join(f"{name}: {error}" for name, error in failures.items())
        message = (
            f"{len(failures)} of {len(failures) + len(families)} {config} templates failed to load: {report}"
        )
        if strict:
            raise TemplateError(message)
        warnings.warn(message, stacklevel=2)
    return TemplateSet(families, failures)
