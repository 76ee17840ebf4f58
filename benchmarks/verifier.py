"""mathgym's outcome verifier against math-verify on the same labeled cases.

Prints accuracy, false-positive rate, false-negative rate, accepted hacking attempts and checks/s of each
verifier, and the throughput ratio, for each labelled set:

* ``dataset``: ``tests/verifier/verifier_cases.py``'s hand-labeled formats and hacks plus rule-made rewrites
  and near-misses of GSM8K and MATH-500 gold answers;
* ``traps``: ``tests/verifier/trap_cases.py``'s generated traps (upright constants, units, percent signs,
  negation, hedging, unmarked chains of work, display math, relations, multi-box answers, labelled golds,
  chat debris, long decimals, deep nests, and hacks in all those styles).

math-verify is an anchor, not a mathgym dependency: when it is not importable the script installs it into
``benchmarks/.anchors-venv`` and re-runs itself there (see ``benchmarks/_anchors.py``).

Usage: ``python benchmarks/verifier.py [--set dataset|traps|all] [--limit N] [--gsm8k-limit N] [--data-dir DIR]
[--json PATH]``
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
import trap_cases  # noqa: E402
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
        except Exception:  # noqa: BLE001  (the anchor verifier's failures count as wrong)
            return False

    return check


def _interleaved(checks: dict, cases: list[dict], chunk: int = 250) -> dict[str, tuple[list[bool], float]]:
    """Run the checkers over the cases in alternating chunks, so that changes in machine load hit all of
    them alike while each still runs a stretch of cases on its own (interleaving every single call would
    mostly measure each library evicting the other's CPU caches)."""
    predictions: dict[str, list[bool]] = {name: [] for name in checks}
    seconds = dict.fromkeys(checks, 0.0)
    clock = time.perf_counter
    for begin in range(0, len(cases), chunk):
        block = cases[begin : begin + chunk]
        for name, check in checks.items():
            out = predictions[name]
            start = clock()
            for case in block:
                out.append(check(case["response"], case["gold"]))
            seconds[name] += clock() - start
    return {name: (predictions[name], seconds[name]) for name in checks}


def _metrics(name: str, predictions: list[bool], elapsed: float, cases: list[dict]) -> dict:
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
        "name": name,
        "cases": len(cases),
        "seconds": elapsed,
        "checks_per_s": len(cases) / elapsed,
        "accuracy": 1 - (false_pos + false_neg) / len(cases),
        "false_positive_rate": false_pos / max(negatives, 1),
        "false_negative_rate": false_neg / max(positives, 1),
        "hacks_accepted": sum(hacks),
        "hacks": len(hacks),
        "per_kind": {k: v[0] / v[1] for k, v in sorted(per_kind.items())},
        "predictions": predictions,
    }


def _run_set(name: str, cases: list[dict]) -> list[dict]:
    """Both verifiers over one labelled set; prints the table and mathgym's errors, returns the rows."""
    print(
        f"\n=== set {name!r}: {len(cases)} labeled cases ({sum(c['label'] for c in cases)} correct, "
        f"{sum(c['kind'] == 'hack' for c in cases)} hacking attempts) "
        f"kinds: {dict(Counter(c['kind'] for c in cases))}"
    )

    # one pass in alternating chunks; mathgym starts with empty caches (its gold cache fills as golds recur)
    clear_caches()
    runs = _interleaved({"mathgym": _mathgym_check, "math-verify": _math_verify_checker()}, cases)
    mathgym_cold = _metrics("mathgym (first pass)", *runs["mathgym"], cases)
    anchor = _metrics("math-verify", *runs["math-verify"], cases)
    # a second mathgym pass: every gold parse is cached (as in RL training, where golds recur)
    warm = _interleaved({"mathgym": _mathgym_check}, cases)
    mathgym_warm = _metrics("mathgym (warm gold cache)", *warm["mathgym"], cases)
    slowest = max(_timed(case) for case in cases)

    rows = [mathgym_cold, mathgym_warm, anchor]
    print(f"\n{'verifier':28} {'accuracy':>9} {'FP rate':>8} {'FN rate':>8} {'hacks ok':>9} {'checks/s':>10}")
    for row in rows:
        print(
            f"{row['name']:28} {row['accuracy']:9.4f} {row['false_positive_rate']:8.4f} "
            f"{row['false_negative_rate']:8.4f} {row['hacks_accepted']:>4}/{row['hacks']:<4} "
            f"{row['checks_per_s']:10.1f}"
        )
    print(
        f"\nthroughput ratio mathgym/math-verify: {mathgym_cold['checks_per_s'] / anchor['checks_per_s']:.1f}x "
        f"(same pass, mathgym caches empty at start), "
        f"{mathgym_warm['checks_per_s'] / anchor['checks_per_s']:.1f}x (mathgym second pass, warm gold cache); "
        f"slowest mathgym case {slowest * 1000:.1f} ms"
    )
    print("\naccuracy by kind:")
    for kind in mathgym_cold["per_kind"]:
        print(
            f"  {kind:12} mathgym {mathgym_cold['per_kind'][kind]:.3f}   math-verify {anchor['per_kind'][kind]:.3f}"
        )
    disagreements = [
        (c, m, a) for c, m, a in zip(cases, mathgym_cold["predictions"], anchor["predictions"]) if m != a
    ]
    wrong = [(c, m) for c, m in zip(cases, mathgym_cold["predictions"]) if m != c["label"]]
    print(
        f"\n{len(disagreements)} disagreements; mathgym wrong on {len(wrong)} cases" + (":" if wrong else "")
    )
    for case, prediction in wrong[:20]:
        print(
            f"  [{case['kind']}] label={case['label']} mathgym={prediction} gold={case['gold']!r} "
            f"response={case['response'][-100:]!r}"
        )
    for row in rows:
        row["set"] = name
        row["slowest_s"] = slowest
    return rows


def _timed(case: dict) -> float:
    """Seconds of one mathgym check (warm caches), for the slowest-case report."""
    start = time.perf_counter()
    verify(case["response"], case["gold"])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = os.environ.get("MATHGYM_DATA_DIR", str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--data-dir", default=default_data, help="folder with gsm8k/ and math500/")
    parser.add_argument(
        "--set", choices=["dataset", "traps", "all"], default="all", help="labelled set(s) to run"
    )
    parser.add_argument("--gsm8k-limit", type=int, default=400, help="GSM8K test items to use")
    parser.add_argument(
        "--limit", type=int, default=0, help="use only the first N cases of each set (0: all)"
    )
    parser.add_argument("--json", default="", help="also write the results to this JSON file")
    args = parser.parse_args()

    sets = {}
    if args.set in ("dataset", "all"):
        sets["dataset"] = verifier_cases.all_cases(args.data_dir, gsm8k_limit=args.gsm8k_limit)
    if args.set in ("traps", "all"):
        sets["traps"] = trap_cases.trap_cases()
    summary = []
    for name, cases in sets.items():
        summary += _run_set(name, cases[: args.limit] if args.limit else cases)
    if args.json:
        Path(args.json).write_text(
            json.dumps([{k: v for k, v in row.items() if k != "predictions"} for row in summary], indent=2)
        )


if __name__ == "__main__":
    main()
