"""Sandbox latency and throughput against their anchors, all in one run, with ratios.

Two snippets (``print(sum(range(1000)))`` and a sympy call) through:

* a new ``python -c`` subprocess per snippet (anchor of ``LocalSandbox``);
* ``docker run --rm`` (CLI) and docker-py ``containers.run`` per snippet (anchors of ``DockerSandbox``);
* ``LocalSandbox.run``, ``DockerSandbox.run``, and a session cell of each.

Methods are measured in interleaved rounds, so that changes in machine load hit all of them alike.
Latency is per call with calls back to back (p50/p95); ``idle p50`` is the latency of a call made after
the sandbox had a moment to prepare its next box (the common case in an RL loop, where the policy
generates between tool calls). Throughput is snippets/s from one thread and from ``--threads`` threads.

Usage: ``python benchmarks/sandbox.py [--rounds N] [--threads T] [--no-docker] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mathgym.sandbox import LocalSandbox
from mathgym.sandbox.docker_image import DEFAULT_IMAGE

SNIPPETS = {
    "print": "print(sum(range(1000)))",
    "sympy": "import sympy as sp\nx = sp.Symbol('x')\nprint(sp.factor(x**2 - 1))",
}
EXPECTED = {"print": "499500", "sympy": "(x - 1)*(x + 1)"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build_methods(
    use_docker: bool, threads: int
) -> tuple[dict[str, Callable[[str], str]], list[Callable[[], None]]]:
    methods: dict[str, Callable[[str], str]] = {}
    closers: list[Callable[[], None]] = []

    def python_c(code: str) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    methods["python -c subprocess"] = python_c
    local = LocalSandbox(max_workers=threads)
    local.warmup(threads)
    closers.append(local.close)
    methods["LocalSandbox.run"] = lambda code: local.run(code).stdout
    local_session = local.session()
    closers.insert(0, local_session.close)
    methods["LocalSandbox session cell"] = lambda code: local_session.run(code).stdout
    if use_docker:
        import docker

        from mathgym.sandbox import DockerSandbox

        client = docker.from_env()
        closers.append(client.close)

        def docker_cli(code: str) -> str:
            return subprocess.run(
                ["docker", "run", "--rm", "--network", "none", DEFAULT_IMAGE, "python3", "-c", code],
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        def docker_py(code: str) -> str:
            return client.containers.run(
                DEFAULT_IMAGE, ["python3", "-c", code], remove=True, network_mode="none"
            ).decode()

        methods["docker run --rm (CLI)"] = docker_cli
        methods["docker-py containers.run"] = docker_py
        dsb = DockerSandbox(max_workers=threads)
        dsb.warmup(threads)
        closers.append(dsb.close)
        methods["DockerSandbox.run"] = lambda code: dsb.run(code).stdout
        docker_session = dsb.session()
        closers.insert(0, docker_session.close)
        methods["DockerSandbox session cell"] = lambda code: docker_session.run(code).stdout
    return methods, closers


#: calls per round: slow anchors get few, sandboxes many
PER_ROUND = {"python -c subprocess": 6, "docker run --rm (CLI)": 1, "docker-py containers.run": 2}


def measure(methods: dict[str, Callable[[str], str]], rounds: int) -> dict[tuple[str, str], dict[str, float]]:
    lat: dict[tuple[str, str], list[float]] = {}
    idle: dict[tuple[str, str], list[float]] = {}
    for snippet, code in SNIPPETS.items():
        for name, call in methods.items():  # warm-up: first calls start workers, import caches
            assert EXPECTED[snippet] in call(code), name
    for _ in range(rounds):
        for snippet, code in SNIPPETS.items():
            for name, call in methods.items():
                n = PER_ROUND.get(name, 25)
                if snippet == "sympy" and name == "python -c subprocess":
                    n = 2
                times = lat.setdefault((name, snippet), [])
                for _ in range(n):
                    start = time.perf_counter()
                    out = call(code)
                    times.append(time.perf_counter() - start)
                    if EXPECTED[snippet] not in out:
                        raise RuntimeError(f"{name} returned {out!r}")
                if name not in PER_ROUND:  # sandboxes: a few calls after a pause
                    spaced = idle.setdefault((name, snippet), [])
                    for _ in range(3):
                        time.sleep(0.05)
                        start = time.perf_counter()
                        call(code)
                        spaced.append(time.perf_counter() - start)
    rows = {}
    for key, times in lat.items():
        rows[key] = {
            "n": len(times),
            "p50_ms": 1e3 * pct(times, 0.5),
            "p95_ms": 1e3 * pct(times, 0.95),
            "mean_ms": 1e3 * statistics.fmean(times),
            "seq_per_s": len(times) / sum(times),
        }
        if key in idle:
            rows[key]["idle_p50_ms"] = 1e3 * pct(idle[key], 0.5)
    return rows


def parallel_throughput(call: Callable[[str], str], code: str, threads: int, n: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: call(code), range(n)))
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-docker", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    use_docker = not args.no_docker
    if use_docker:
        from mathgym.testing import available

        use_docker = available("docker")
        if not use_docker:
            print("Docker or the sandbox image is missing: Docker rows are skipped")
    methods, closers = build_methods(use_docker, args.threads)
    try:
        rows = measure(methods, args.rounds)
        for name, call in methods.items():
            if name in PER_ROUND:
                continue
            for snippet, code in SNIPPETS.items():
                rows[(name, snippet)][f"par{args.threads}_per_s"] = parallel_throughput(
                    call, code, args.threads, 60
                )
        for snippet, code in SNIPPETS.items():
            rows[("python -c subprocess", snippet)][f"par{args.threads}_per_s"] = parallel_throughput(
                methods["python -c subprocess"], code, args.threads, 12 if snippet == "print" else 4
            )
    finally:
        for close in closers:
            close()
    par = f"par{args.threads}_per_s"
    print(
        f"\n{'method':28} {'snippet':6} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'idle p50':>9} "
        f"{'seq /s':>8} {par.replace('_per_s', ' /s'):>8}"
    )
    for (name, snippet), r in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[1]["p50_ms"])):
        idle = f"{r['idle_p50_ms']:9.1f}" if "idle_p50_ms" in r else f"{'':9}"
        print(
            f"{name:28} {snippet:6} {r['n']:4d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {idle} "
            f"{r['seq_per_s']:8.1f} {r.get(par, float('nan')):8.1f}"
        )
    print("\nratios (anchor p50 / sandbox p50; throughput ratios in brackets):")
    pairs = [
        ("LocalSandbox.run", "python -c subprocess", 10),
        ("LocalSandbox session cell", "python -c subprocess", 10),
    ]
    if use_docker:
        pairs += [
            ("DockerSandbox.run", "docker-py containers.run", 10),
            ("DockerSandbox.run", "docker run --rm (CLI)", 10),
            ("DockerSandbox session cell", "docker-py containers.run", 10),
        ]
    ratios = {}
    for fast, slow, target in pairs:
        for snippet in SNIPPETS:
            a, b = rows[(slow, snippet)], rows[(fast, snippet)]
            ratio = a["p50_ms"] / b["p50_ms"]
            idle_ratio = a["p50_ms"] / b["idle_p50_ms"]
            seq_ratio = b["seq_per_s"] / a["seq_per_s"]
            par_ratio = b.get(par, float("nan")) / a.get(par, float("nan")) if par in a else float("nan")
            ratios[f"{fast} vs {slow} [{snippet}]"] = {
                "latency": ratio,
                "idle_latency": idle_ratio,
                "seq_throughput": seq_ratio,
                "par_throughput": par_ratio,
            }
            verdict = "meets" if ratio >= target else "misses"
            print(
                f"  {fast} vs {slow} [{snippet}]: {ratio:6.1f}x (idle {idle_ratio:6.1f}x) "
                f"[seq {seq_ratio:5.1f}x, {args.threads} threads {par_ratio:5.1f}x] {verdict} the {target}x target"
            )
    if args.json:
        args.json.write_text(
            json.dumps({"rows": {f"{k[0]} | {k[1]}": v for k, v in rows.items()}, "ratios": ratios}, indent=2)
        )


if __name__ == "__main__":
    main()
