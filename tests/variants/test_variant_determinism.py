"""Acceptance: the same seed gives identical variants on any machine — a fixed list of generated variants
(templates, programs at several difficulties, perturbed families) hashes to a pinned value, also in a fresh
process with a different hash seed. If a deliberate change to the generators alters variants, re-pin
``PINNED`` and say so in the change log: stored sweeps of older versions then describe other questions."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

VARIANTS = [
    ("gsm-symbolic/p2/0000", 1),
    ("gsm-symbolic/p2/0000", 2),
    ("gsm-symbolic/p2/0009", 3),
    ("gsm-symbolic/p2/0021", 5),
    ("gsm-symbolic/p2/0030", 7),
    ("gsm-symbolic/p2/0038", 11),
    ("gsm-symbolic/p2/0004+rename", 4),
    ("gsm-symbolic/p2/0017+noop+outcome", 2),
    ("dyn/alg.linear-equation", 1),
    ("dyn/alg.linear-equation@d3", 2),
    ("dyn/arith.fraction-sum", 3),
    ("dyn/calc.definite-integral@d2", 4),
    ("dyn/count.committees", 5),
    ("dyn/geo.path-area@d3", 6),
    ("dyn/nt.power-remainder", 7),
    ("dyn/prob.dice-sum@d3", 8),
    ("dyn/seq.geometric-term", 9),
    ("dyn/word.shopping-change+relevant_clause", 10),
    ("dyn/word.savings+reword+process", 11),
    ("dyn/word.journey-distance+units+answerable", 12),
]
# re-pinned for issue 11: template answers and truncating conditions are computed exactly (p2/0019 v8's gold
# was 23, the right count is 24; p2/0030 and p2/0032 draw other values) and meta records every sampled value
PINNED = "9d1d22fa73c6b6399750f40e155d944bd04ee739417977fcbcf94db2cba66851"

CODE = """
import hashlib, json, sys
from mathgym.sources.variants import resolve_family
variants = json.loads(sys.argv[1])
digest = hashlib.sha256()
for family, k in variants:
    digest.update(resolve_family(family).variant(k).to_json().encode("utf-8"))
print(digest.hexdigest())
"""


def variant_hash(extra_env: dict[str, str] | None = None) -> str:
    env = {**os.environ, **(extra_env or {})}
    out = subprocess.run(
        [sys.executable, "-c", CODE, json.dumps(VARIANTS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_fixed_variants_hash_to_the_pinned_value(data_dir: Path) -> None:
    from mathgym.sources.variants import resolve_family

    for family, _ in reversed(VARIANTS):  # this process builds the families in another order
        resolve_family(family)
    digest = hashlib.sha256()
    for family, k in VARIANTS:
        digest.update(resolve_family(family).variant(k).to_json().encode("utf-8"))
    assert digest.hexdigest() == PINNED
    # a fresh interpreter with another string-hash seed agrees
    assert variant_hash({"PYTHONHASHSEED": "12345", "MATHGYM_DATA_DIR": str(data_dir)}) == PINNED
