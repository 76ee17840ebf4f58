"""CHANGELOG.md names every registered env id with its version, so a new or re-versioned id gets an entry."""

from __future__ import annotations

from pathlib import Path

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"


def test_every_env_id_is_in_the_changelog() -> None:
    from mathgym.envs.registration import mathgym_ids

    text = CHANGELOG.read_text(encoding="utf-8")
    missing = [env_id for env_id in mathgym_ids() if f"`{env_id}`" not in text]
    assert not missing, f"add these ids (with what they serve) to CHANGELOG.md: {missing}"
