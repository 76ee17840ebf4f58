"""A :class:`Source` over variant families, and the family specs used by envs, sweeps and the CLI.

Family ids:

* ``gsm-symbolic/<config>/<template>`` (``gsm-symbolic/p2/0003``): a GSM-Symbolic template;
* ``dyn/<key>`` or ``dyn/<key>@d<level>`` (``dyn/alg.linear-equation@d2``): a program family;
* either followed by ``+<perturbation>`` ... (``dyn/word.savings+noop``): a perturbed family.

Specs name groups of families: ``gsm-symbolic/p2`` (every template of a configuration), ``dyn`` (every
program family), ``dyn:10`` (ten program families spread over the topics), ``topic:<topic>`` (the program
families of a topic), or a family id; several specs are joined with commas, and a ``+<perturbation>``
suffix applies to every family of the group.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mathgym.problem import Problem
from mathgym.sources.base import Source
from mathgym.variants.base import VariantFamily
from mathgym.variants.perturb import PerturbedFamily, split_family_id

_ID = re.compile(r"^(?P<family>.+)/v(?P<k>\d+)$")


def resolve_family(
    family_id: str, *, data_dir: str | os.PathLike[str] | None = None, difficulty: int | None = None
) -> VariantFamily:
    """The family with this id (perturbation suffixes included)."""
    base, ops = split_family_id(family_id)
    family: VariantFamily
    if base.startswith("dyn/"):
        from mathgym.variants.program import program_family

        family = program_family(base, None if "@d" in base else difficulty)
    elif base.startswith("gsm-symbolic/"):
        from mathgym.variants.gsm_symbolic import load_template, template_folder

        parts = base.split("/")
        if len(parts) != 3:
            raise KeyError(f"a GSM-Symbolic family id looks like gsm-symbolic/p2/0003, got {family_id!r}")
        path = template_folder(parts[1], data_dir) / f"{parts[2]}.json"
        if not path.is_file():
            raise KeyError(f"no template {parts[2]}.json in {path.parent}")
        family = load_template(path, config=parts[1])
    else:
        raise KeyError(f"unknown family id {family_id!r}: ids start with 'dyn/' or 'gsm-symbolic/'")
    return PerturbedFamily(family, ops) if ops else family


def families_from_spec(
    spec: str | Sequence[str | VariantFamily],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    difficulty: int | None = None,
) -> list[VariantFamily]:
    """Expand a spec (see the module docstring) into families, in a stable order."""
    items: list[str | VariantFamily] = (
        [s.strip() for s in spec.split(",") if s.strip()] if isinstance(spec, str) else list(spec)
    )
    out: list[VariantFamily] = []
    for item in items:
        if isinstance(item, VariantFamily):
            out.append(item)
            continue
        group, ops = split_family_id(item)
        expanded: list[VariantFamily]
        if group == "dyn" or group.startswith("topic:"):
            from mathgym.variants.program import program_families

            expanded = list(program_families(None if group == "dyn" else group.partition(":")[2], difficulty))
        elif re.fullmatch(r"dyn:\d+", group):
            expanded = _spread_over_topics(int(group.partition(":")[2]), difficulty)
        elif re.fullmatch(r"gsm-symbolic/[\w-]+", group):
            from mathgym.variants.gsm_symbolic import load_templates

            expanded = list(load_templates(group.split("/")[1], data_dir))
        else:
            expanded = [resolve_family(group, data_dir=data_dir, difficulty=difficulty)]
        out.extend(PerturbedFamily(f, ops) if ops else f for f in expanded)
    ids = [f.id for f in out]
    if len(set(ids)) != len(ids):
        raise ValueError("a family is listed twice in the spec")
    return out


def _spread_over_topics(n: int, difficulty: int | None) -> list[VariantFamily]:
    """``n`` program families taken round-robin over the topics (``dyn:10``): a short sweep sees them all."""
    from mathgym.variants.program import program_families

    by_topic: dict[str, list[VariantFamily]] = {}
    for family in program_families(None, difficulty):
        by_topic.setdefault(family.topic, []).append(family)
    out: list[VariantFamily] = []
    depth = 0
    while len(out) < n and any(depth < len(v) for v in by_topic.values()):
        out.extend(v[depth] for v in by_topic.values() if depth < len(v) and len(out) < n)
        depth += 1
    return out


class VariantSource(Source):
    """Variants ``0 .. n_variants-1`` of each family; index ``i`` is variant ``i % n`` of family ``i // n``.

    ``reset(options={"family": id, "variant": k})`` pins one variant (:meth:`select`); any family id
    resolvable by :func:`resolve_family` works, including perturbed ones not listed in the source.

    :param families: a spec string (``"gsm-symbolic/p2"``, ``"topic:algebra"``, ``"dyn"``, ids joined by
        commas) or a list of ids / families.
    :param n_variants: variants per family served by index and by random sampling.
    :param data_dir: data folder for GSM-Symbolic templates (default: ``$MATHGYM_DATA_DIR``).
    :param difficulty: difficulty of program families (default: each family's own default).
    :param perturbations: a chain applied to every family (e.g. ``["noop"]``), families it does not apply to
        are dropped.
    """

    name = "variants"

    def __init__(
        self,
        families: str | Sequence[str | VariantFamily] = "dyn",
        n_variants: int = 50,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        difficulty: int | None = None,
        perturbations: Sequence[str] | str = (),
    ) -> None:
        if n_variants < 1:
            raise ValueError(f"n_variants must be >= 1, got {n_variants}")
        self.data_dir = data_dir
        self.difficulty = difficulty
        self.spec = (
            families
            if isinstance(families, str)
            else ",".join(f if isinstance(f, str) else f.id for f in families)
        )
        fams = families_from_spec(families, data_dir=data_dir, difficulty=difficulty)
        chain = [perturbations] if isinstance(perturbations, str) else list(perturbations)
        if chain:
            perturbed = [PerturbedFamily(f, chain) for f in fams]
            fams = [f for f in perturbed if f.applicable(0)]
        if not fams:
            raise ValueError(
                f"no families match {self.spec!r}" + (f" with perturbations {chain}" if chain else "")
            )
        self.families = fams
        self.n_variants = int(n_variants)
        self._by_id: dict[str, VariantFamily] = {f.id: f for f in fams}

    def __len__(self) -> int:
        return len(self.families) * self.n_variants

    def __getitem__(self, index: int) -> Problem:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} variants")
        index %= len(self)
        return self.families[index // self.n_variants].variant(index % self.n_variants)

    def family(self, family_id: str) -> VariantFamily:
        """A family of this source, or any resolvable family id (cached)."""
        if family_id not in self._by_id:
            try:
                self._by_id[family_id] = resolve_family(
                    family_id, data_dir=self.data_dir, difficulty=self.difficulty
                )
            except KeyError as exc:
                known = ", ".join(list(self._by_id)[:5])
                raise KeyError(
                    f"{exc.args[0]} (this source has {len(self.families)} families, e.g. {known})"
                ) from None
        return self._by_id[family_id]

    def find(self, problem_id: str) -> Problem:
        m = _ID.match(problem_id)
        if m is None:
            raise KeyError(f"{problem_id!r} is not a variant id (<family>/v<k>)")
        return self.family(m.group("family")).variant(int(m.group("k")))

    def select(self, options: Mapping[str, Any]) -> Problem | None:
        if "family" not in options:
            if "variant" in options:
                raise ValueError("options={'variant': k} also needs 'family'")
            return None
        k = options.get("variant", 0)
        return self.family(str(options["family"])).variant(int(k))

    def sample_index(self, rng: np.random.Generator) -> int:
        return int(rng.integers(len(self)))

    def describe(self) -> str:
        return f"{len(self.families)} variant families ({self.spec}), {self.n_variants} variants each"
