"""mathgym's outcome verifier against math-verify on the same labeled cases.

Prints accuracy, false-positive rate, false-negative rate, accepted hacking attempts and checks/s of each
verifier, and the throughput ratio. The cases are ``tests/verifier/verifier_cases.py``'s: hand-labeled
formats and hacks plus rule-made rewrites and near-misses of GSM8K and MATH-500 gold answers.

math-verify is an anchor, not a mathgym dependency: when it is not importable the script installs it into
``benchmarks/.anchors-venv`` and re-runs itself there (see ``benchmarks/_anchors.py``).

Usage: ``python benchmarks/verifier.py [--limit N] [--gsm8k-limit N] [--data-dir DIR] [--json PATH]``
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _anchors import ensure_anchors  # noqa: E402

ensure_anchors(["math_verify"])

sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests" / "verifier"))
import verifier_cases  # noqa: E402
from mathgym.verifier import clear_caches, verify  # noqa: E402


def _mathgym_check(response: str, gold: str) -> bool:
    return verify(response, gold).correct


def _math_verify_checker():
    from math_verify import parse as mv_parse
    from math_verify import verify as mv_verify

    def check(response: str, gold: str) -> bool:
        try:
            gold_parsed = mv_parse(gold if gold.startswith("$") else f"${gold}$")
            return bool(mv_verify(gold_parsed, mv_parse(response)))
        except Exception:
            return False

    return check


def _score(name: str, check, cases: list[dict], clear=None) -> dict:
    if clear is not None:
        clear()
    predictions = []
    start = time.perf_counter()
    for case in cases:
        predictions.append(check(case["response"], case["gold"]))
    elapsed = time.perf_counter() - start
    positives = sum(1 for c in cases if c["label"])
    negatives = len(cases) - positives
    false_pos = sum(1 for c, p in zip(cases, predictions) if p and not c["label"])
    false_neg = sum(1 for c, p in zip(cases, predictions) if not p and c["label"])
    hacks = [p for c, p in zip(cases, predictions) if c["kind"] == "hack"]
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, prediction in zip(cases, predictions):
        per_kind[case["kind"]][0] += prediction == case["label"]
        per_kind[case["kind"]][1] += 1
    return {
        "name": name, "cases": len(cases), "seconds": elapsed, "checks_per_s": len(cases) / elapsed,
        "accuracy": 1 - (false_pos + false_neg) / len(cases),
        "false_positive_rate": false_pos / max(negatives, 1), "false_negative_rate": false_neg / max(positives, 1),
        "hacks_accepted": sum(hacks), "hacks": len(hacks),
        "per_kind": {k: v[0] / v[1] for k, v in sorted(per_kind.items())},
        "predictions": predictions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = os.environ.get("MATHGYM_DATA_DIR", str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--data-dir", default=default_data, help="folder with gsm8k/ and math500/")
    parser.add_argument("--gsm8k-limit", type=int, default=400, help="GSM8K test items to use")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N cases (0: all)")
    parser.add_argument("--json", default="", help="also write the results to this JSON file")
    args = parser.parse_args()

    cases = verifier_cases.all_cases(args.data_dir, gsm8k_limit=args.gsm8k_limit)
    if args.limit:
        cases = cases[:args.limit]
    print(f"{len(cases)} labeled cases ({sum(c['label'] for c in cases)} correct, "
          f"{sum(c['kind'] == 'hack' for c in cases)} hacking attempts) "
          f"kinds: {dict(Counter(c['kind'] for c in cases))}")

    mathgym_cold = _score("mathgym (cold caches)", _mathgym_check, cases, clear=clear_caches)
    mathgym_warm = _score("mathgym (warm gold cache)", _mathgym_check, cases)
    anchor = _score("math-verify", _math_verify_checker(), cases)

    rows = [mathgym_cold, mathgym_warm, anchor]
    print(f"\n{'verifier':28} {'accuracy':>9} {'FP rate':>8} {'FN rate':>8} {'hacks ok':>9} {'checks/s':>10}")
    for row in rows:
        print(f"{row['name']:28} {row['accuracy']:9.4f} {row['false_positive_rate']:8.4f} "
              f"{row['false_negative_rate']:8.4f} {row['hacks_accepted']:>4}/{row['hacks']:<4} "
              f"{row['checks_per_s']:10.1f}")
    print(f"\nthroughput ratio mathgym/math-verify: {mathgym_cold['checks_per_s'] / anchor['checks_per_s']:.1f}x "
          f"(cold caches), {mathgym_warm['checks_per_s'] / anchor['checks_per_s']:.1f}x (warm gold cache)")
    print("\naccuracy by kind:")
    for kind in mathgym_cold["per_kind"]:
        print(f"  {kind:12} mathgym {mathgym_cold['per_kind'][kind]:.3f}   math-verify {anchor['per_kind'][kind]:.3f}")
    disagreements = [(c, m, a) for c, m, a in zip(cases, mathgym_cold["predictions"], anchor["predictions"])
                     if m != a]
    wrong = [(c, m) for c, m in zip(cases, mathgym_cold["predictions"]) if m != c["label"]]
    print(f"\n{len(disagreements)} disagreements; mathgym wrong on {len(wrong)} cases"
          + (":" if wrong else ""))
    for case, prediction in wrong[:20]:
        print(f"  label={case['label']} mathgym={prediction} gold={case['gold']!r} "
              f"response={case['response'][-100:]!r}")
    if args.json:
        summary = [{k: v for k, v in row.items() if k != "predictions"} for row in rows]
        Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
