"""``docs/envs.md`` is what ``mathgym gallery`` writes from the registry today (a stale page fails here)."""

from __future__ import annotations

from pathlib import Path

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "envs.md"


def test_the_gallery_is_up_to_date() -> None:
    from mathgym.gallery import build_gallery

    text = build_gallery()
    assert GALLERY.is_file() and GALLERY.read_text(encoding="utf-8") == text, (
        "docs/envs.md is stale: run `mathgym gallery` and commit docs/envs.md"
    )


def test_the_gallery_covers_every_id_with_a_sample(mathgym, tmp_path) -> None:
    from mathgym.envs.registration import mathgym_ids

    outcome = mathgym("gallery", "--out", str(tmp_path / "envs.md"))
    assert outcome.code == 0, outcome.output
    text = (tmp_path / "envs.md").read_text()
    for env_id in mathgym_ids():
        assert f"\n### {env_id}\n" in text, env_id
    quadratic = text.split("\n### mathgym/Quadratic-v0\n")[1].split("\n### ")[0]
    assert "Gold answer:" in quadratic and "Reference solution:" in quadratic and "UnicodeText" in quadratic
    equation = text.split("\n### mathgym/EquationSolve-v0\n")[1].split("\n### ")[0]
    assert "Discrete(" in equation and "Box(" in equation
    assert mathgym("gallery", "--out", str(tmp_path / "envs.md"), "--check").code == 0
    (tmp_path / "envs.md").write_text(text + "edited by hand\n")
    stale = mathgym("gallery", "--out", str(tmp_path / "envs.md"), "--check")
    assert stale.code == 1 and "stale" in stale.output
