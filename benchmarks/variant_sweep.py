"""Robustness-sweep benchmark: the acceptance sweep's wall time, and the template sampler against rejection.

1. ``mathgym sweep`` over the 50 GSM-Symbolic P2 templates and 10 program families, 10 variants each, 3 agents
   (reference, noisy, random), on a local process pool; wall time as a ratio of the 5-minute budget.
2. The same sweep with perturbations (NoOp, rename, reorder, units, relevant clause, scenario and the three
   MathCheck judging tasks), followed by ``mathgym report``; the report is copied to
   ``benchmarks/results/variant_sweep/`` (Markdown, HTML, PNG plots, metrics.json).
3. Anchor for the template sampler: plain rejection sampling (draw every ``#init`` line independently, keep
   the draw when every condition holds: what a straightforward reading of the format does) against
   mathgym's randomised search with early checks and restarts, on the same templates, in the same run.

Run: ``python benchmarks/variant_sweep.py [--data-dir ../shared/data] [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results" / "variant_sweep"
BUDGET_S = 300.0
PERTURBATIONS = [
    "noop",
    "rename",
    "reorder",
    "units",
    "relevant_clause",
    "scenario",
    "answerable",
    "outcome",
    "process",
    "reword+outcome",
]


def sweep(store: Path, perturbations: list[str], data_dir: str) -> float:
    cmd = [
        sys.executable,
        "-m",
        "mathgym.cli.sweep",
        "-f",
        "gsm-symbolic/p2",
        "-f",
        "dyn:10",
        "-n",
        "10",
        "--store",
        str(store),
        "--data-dir",
        data_dir,
        "--no-progress",
    ]
    for p in perturbations:
        cmd += ["-p", p]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t0
    print(out.stdout.strip())
    return elapsed


def rejection_sample(t, rng: np.random.Generator, max_tries: int) -> int | None:
    """Tries needed by plain rejection sampling (None when ``max_tries`` were not enough)."""
    from mathgym.variants.base import is_integral

    for tries in range(1, max_tries + 1):
        env: dict = {}
        try:
            for i, line in enumerate(t.lines):
                for target, (_, value) in zip(line.targets, t._domain(i, env).draw_one(rng)):
                    env[target] = value
            answer = t.answer_expr(env)
            if t.integer_answers and not is_integral(answer):
                continue
            if "ans" not in t.variables:
                env["ans"] = answer
            if all(c.check(env) for c in t.conditions):
                return tries
        except Exception:  # noqa: BLE001
            continue
    return None


def sampler_anchor(data_dir: str, per_template: int, max_tries: int, time_cap: float) -> dict:
    from mathgym.seeding import derive_rng
    from mathgym.variants.gsm_symbolic import load_templates

    families = load_templates("p2", data_dir)
    ours = naive = 0.0
    naive_failures = 0
    ratios = []
    for family in families:
        t = family.template
        t.sample(derive_rng("warm-up", t.id))  # chooses the search order once, outside the timing
        t0 = time.perf_counter()
        for k in range(per_template):
            t.sample(derive_rng("bench", t.id, k))
        mine = time.perf_counter() - t0
        t0 = time.perf_counter()
        for k in range(per_template):
            if rejection_sample(t, derive_rng("bench-naive", t.id, k), max_tries) is None:
                naive_failures += 1
            if time.perf_counter() - t0 > time_cap:
                naive_failures += per_template - k - 1  # the rest would not finish in time either
                break
        theirs = time.perf_counter() - t0
        ours += mine
        naive += theirs
        ratios.append(theirs / max(mine, 1e-9))
    return {
        "templates": len(families),
        "variants_per_template": per_template,
        "ours_s": round(ours, 2),
        "rejection_s": round(naive, 2),
        "rejection_failures": naive_failures,
        "rejection_max_tries": max_tries,
        "speedup_total": round(naive / ours, 2),
        "speedup_geomean": round(math.exp(np.mean(np.log(ratios))), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", default=os.environ.get("MATHGYM_DATA_DIR", str(REPO.parent / "shared" / "data"))
    )
    parser.add_argument(
        "--quick", action="store_true", help="skip the perturbation sweep and use a small anchor"
    )
    args = parser.parse_args()
    os.environ["MATHGYM_DATA_DIR"] = args.data_dir
    results: dict = {"machine": f"{os.cpu_count()} CPUs", "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "acceptance.sqlite"
        seconds = sweep(store, [], args.data_dir)
        results["acceptance_sweep"] = {
            "episodes": 60 * 10 * 3,
            "seconds": round(seconds, 1),
            "budget_s": BUDGET_S,
            "ratio_to_budget": round(seconds / BUDGET_S, 3),
        }
        print(f"acceptance sweep: {seconds:.1f} s = {seconds / BUDGET_S:.3f} of the 5-minute budget")
        if not args.quick:
            store = Path(tmp) / "sample.sqlite"
            seconds = sweep(store, PERTURBATIONS, args.data_dir)
            results["perturbation_sweep"] = {"perturbations": PERTURBATIONS, "seconds": round(seconds, 1)}
            report = Path(tmp) / "report"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "mathgym.cli.report",
                    str(store),
                    "--out",
                    str(report),
                    "--reps",
                    "1000",
                ],
                check=True,
                capture_output=True,
            )
            if OUT.exists():
                shutil.rmtree(OUT)
            shutil.copytree(report, OUT)
    results["template_sampler"] = sampler_anchor(
        args.data_dir,
        3 if args.quick else 10,
        max_tries=20_000 if args.quick else 200_000,
        time_cap=2.0 if args.quick else 20.0,
    )
    s = results["template_sampler"]
    print(
        f"template sampler: search {s['ours_s']} s vs rejection {s['rejection_s']} s "
        f"(x{s['speedup_total']} overall, geometric mean x{s['speedup_geomean']} per template; rejection "
        f"failed {s['rejection_failures']} draws within {s['rejection_max_tries']} tries)"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "benchmark.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
