"""GSM-Symbolic templates: every P2 template loads, variant 0 is the default instance, and sampled variants
are real instances of their template (values read back out of the question text)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from mathgym.variants.base import format_answer, is_integral
from mathgym.variants.gsm_symbolic import TemplateFamily, load_templates
from mathgym.variants.template import GSMTemplate
from mathgym.variants.template.syntax import _PLACEHOLDER

N_VARIANTS = 50
_CACHE: dict[str, list[TemplateFamily]] = {}


def _families(data_dir: Path) -> list[TemplateFamily]:
    if "p2" not in _CACHE:
        _CACHE["p2"] = load_templates("p2", data_dir)
    return _CACHE["p2"]


def test_every_p2_template_loads(data_dir: Path) -> None:
    families = _families(data_dir)
    files = sorted((data_dir / "gsm_symbolic" / "templates" / "p2").glob("*.json"))
    assert len(families) == len(files) == 50
    assert [f.id for f in families] == [f"gsm-symbolic/p2/{p.stem}" for p in files]


def test_variant0_is_the_default_instance(data_dir: Path) -> None:
    for family in _families(data_dir):
        t = family.template
        expected = _PLACEHOLDER.sub(lambda m: m.group(1).partition(",")[2].strip(), t.body).strip()
        v0 = family.variant(0)
        # identical except that a value opening a sentence is capitalised
        assert v0.prompt.lower() == expected.lower(), family.id
        assert sum(a != b for a, b in zip(v0.prompt, expected)) <= len(t.placeholders), family.id
        assert v0.meta["variant"] == 0 and v0.family == family.id and v0.id == f"{family.id}/v0"
        assert v0.answer == format_answer(t.default.answer)


def _pattern(t: GSMTemplate, var: str) -> str:
    line = t.lines[t.line_of[var]]
    if line.deps:
        return ".+?"
    displays = sorted({d for d, _ in t.domain_elements(var)}, key=len, reverse=True)
    return "(?i:" + "|".join(re.escape(d) for d in displays) + ")"


def read_back(t: GSMTemplate, question: str) -> dict[str, list[str]]:
    """The text shown for every placeholder occurrence, by variable, matched against the template body."""
    regex, pos, groups = "", 0, []
    for i, ph in enumerate(t.placeholders):
        regex += re.escape(t.body[pos : ph.start]) + f"(?P<g{i}>{_pattern(t, ph.var)})"
        groups.append(ph.var)
        pos = ph.end
    regex += re.escape(t.body[pos:])
    m = re.fullmatch(regex, question, re.DOTALL)
    assert m is not None, f"{t.id}: question is not an instance of the template:\n{question}"
    shown: dict[str, list[str]] = {}
    for i, var in enumerate(groups):
        shown.setdefault(var, []).append(m.group(f"g{i}"))
    return shown


def _values_for(t: GSMTemplate, var: str, text: str) -> list:
    return [v for d, v in t.domain_elements(var) if d.casefold() == text.casefold()]


@pytest.mark.parametrize("index", range(50))
def test_sampled_variants_are_instances_of_the_template(data_dir: Path, index: int) -> None:
    family = _families(data_dir)[index]
    t = family.template
    shown_vars = t.question_vars
    hidden = sorted((t.answer_deps | {n for c in t.conditions for n in c.names}) & t.variables - shown_vars)
    for k in range(1, N_VARIANTS + 1):
        problem = family.variant(k)
        shown = read_back(t, problem.prompt)
        values = {}
        for var, texts in shown.items():
            assert len({s.casefold() for s in texts}) == 1, f"{family.id} v{k}: {var} shown as {texts}"
            if t.lines[t.line_of[var]].deps:
                continue
            candidates = _values_for(t, var, texts[0])
            assert candidates, f"{family.id} v{k}: {var}={texts[0]!r} is outside its #init domain"
            values[var] = candidates[0]
        hidden_domains = [[v for _, v in t.domain_elements(h)] for h in hidden]
        ok = False
        for combo in itertools.product(*hidden_domains):
            env = dict(values, **dict(zip(hidden, combo)))
            try:
                answer = t.evaluate_answer(env)
                if t.failed_conditions(env, answer):
                    continue
            except Exception:  # noqa: BLE001
                continue
            if format_answer(answer) == problem.answer:
                ok = True
                if t.integer_answers:
                    assert is_integral(answer), f"{family.id} v{k}: answer {answer} is not an integer"
                break
        assert ok, (
            f"{family.id} v{k}: values read from the question violate the conditions or give another answer"
        )
        assert problem.meta["perturbations"][0]["kind"] == "resample"
