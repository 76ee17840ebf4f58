"""Soak test: 10,000 snippets per backend; processes, open descriptors and memory must not grow.

The snippets are mostly ordinary (arithmetic, sympy, prints, exceptions, a session episode) with hostile
ones mixed in (fork bomb, orphans, memory bomb, segfault, leftover SysV memory, files, threads, timeouts).
Every ``--every`` snippets the script records, after a settle call:

* processes: this process's descendants (local workers and their boxes) and, for Docker, the processes
  inside the sandbox containers and the number of sandbox containers;
* open descriptors: this process's, plus each worker's (local: /proc/<pid>/fd; Docker: the worker's own
  count over the protocol);
* memory: RSS of this process and the local workers, the workers' cgroup usage, the containers' memory
  usage (Docker's stats), and host MemAvailable.

It prints the first and last checkpoints and the growth between them, and fails (exit 1) on growth of
processes or descriptors, or on memory growth beyond ``--memory-slack-mb``.

Usage: ``python benchmarks/sandbox_soak.py [--n 10000] [--backend local|docker|both] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from mathgym.sandbox import make_sandbox

ORDINARY = [
    "print(sum(range(1000)))",
    "import math\nprint(math.factorial(20))",
    "import sympy as sp\nx = sp.Symbol('x')\nprint(sp.solve(x**2 - 5*x + 6, x))",
    "import numpy as np\nprint(np.arange(100).reshape(10, 10).sum())",
    "1 / 0",
    "import json\nprint(json.dumps({'a': [1, 2, 3]}))",
    "for i in range(200): print(i)",
    "import fractions\nprint(fractions.Fraction(3, 4) + fractions.Fraction(1, 4))",
]
HOSTILE = [
    "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass",
    "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)",
    "x = bytearray(8 * 1024 ** 3)",
    "import ctypes\nctypes.string_at(0)",
    "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.shmget(0, 8 << 20, 0o1600)",
    "open('big.bin', 'wb').write(b'x' * (8 << 20))",
    "import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()",
    "while True: pass",
]


def descendants() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


def cgroup_usage(worker_pid: int) -> int:
    total = 0  # the worker's group holds one group per box (hierarchical usage: counted once, here)
    for root, _, files in os.walk("/sys/fs/cgroup/memory"):
        if root.endswith(f"mathgym-sbx-{worker_pid}") and "memory.usage_in_bytes" in files:
            with open(os.path.join(root, "memory.usage_in_bytes")) as fh:
                total += int(fh.read())
    return total


def checkpoint(sandbox, backend: str, done: int) -> dict:
    sandbox.run("pass", timeout_s=30)  # the previous box is reaped before this one runs
    me = psutil.Process()
    row = {
        "snippets": done,
        "controller_fds": me.num_fds(),
        "controller_rss_mb": me.memory_info().rss / 2**20,
        "mem_available_mb": psutil.virtual_memory().available / 2**20,
    }
    stats = sandbox.stats()
    row["worker_fds"] = sum(int(s.get("fds", 0)) for s in stats)
    if backend == "local":
        kids = descendants()
        # each worker and its box template (which must not grow either: boxes are forked from it)
        workers = [p for s in stats if "worker_pid" in s for p in (s["worker_pid"], s.get("zygote_pid")) if p]
        row["processes"] = len(kids)
        row["worker_rss_mb"] = sum(psutil.Process(p).memory_info().rss for p in workers) / 2**20
        row["worker_proc_fds"] = sum(psutil.Process(p).num_fds() for p in workers)
        row["cgroup_mb"] = sum(cgroup_usage(p) for p in workers) / 2**20
    else:
        import docker

        from mathgym.sandbox.container import leftover_containers

        client = docker.from_env()
        try:
            ids = leftover_containers()
            row["containers"] = len(ids)
            row["processes"] = sum(len(client.api.top(c)["Processes"]) for c in ids)
            row["container_mem_mb"] = (
                sum(client.api.stats(c, stream=False)["memory_stats"].get("usage", 0) for c in ids) / 2**20
            )
        finally:
            client.close()
        row["processes"] += len(descendants())
    return row


def soak(backend: str, n: int, every: int) -> list[dict]:
    sandbox = make_sandbox(backend, max_workers=2, memory_mb=256)
    rows = []
    start = time.monotonic()
    try:
        sandbox.warmup(1)
        rows.append(checkpoint(sandbox, backend, 0))
        for i in range(1, n + 1):
            if i % 97 == 0:
                code = HOSTILE[(i // 97) % len(HOSTILE)]
                sandbox.run(code, timeout_s=0.5 if "while True" in code or "sleep" in code else 5)
            elif i % 50 == 0:
                with sandbox.session(timeout_s=5) as session:
                    session.run("import sympy as sp\nx = sp.Symbol('x')")
                    session.run("sp.expand((x + 1) ** 5)")
            else:
                sandbox.run(ORDINARY[i % len(ORDINARY)], timeout_s=10)
            if i % every == 0:
                row = checkpoint(sandbox, backend, i)
                row["elapsed_s"] = time.monotonic() - start
                rows.append(row)
                print(
                    json.dumps(
                        {
                            "backend": backend,
                            **{k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()},
                        }
                    ),
                    flush=True,
                )
    finally:
        sandbox.close()
    return rows


def report(backend: str, rows: list[dict], slack_mb: float) -> bool:
    # the first checkpoint after warm-up is the baseline: allocator pools and caches fill during the first
    # thousand snippets, so growth is judged from there to the end
    base, last = rows[1] if len(rows) > 2 else rows[0], rows[-1]
    ok = True
    print(f"\n{backend}: {last['snippets']} snippets in {last.get('elapsed_s', 0):.0f} s")
    for key in sorted(k for k in last if k not in ("snippets", "elapsed_s")):
        growth = last[key] - base[key]
        flag = ""
        if (
            key in ("processes", "controller_fds", "worker_fds", "worker_proc_fds", "containers")
            and growth > 0
        ):
            flag, ok = "  <-- GROWTH", False
        if key.endswith("_mb") and key != "mem_available_mb" and growth > slack_mb:
            flag, ok = "  <-- GROWTH", False
        print(
            f"  {key:18} start {rows[0][key]:10.1f}  baseline {base[key]:10.1f}  end {last[key]:10.1f}  "
            f"growth {growth:+9.1f}{flag}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--backend", choices=["local", "docker", "both"], default="both")
    parser.add_argument("--memory-slack-mb", type=float, default=32.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results, ok = {}, True
    for backend in ["local", "docker"] if args.backend == "both" else [args.backend]:
        results[backend] = soak(backend, args.n, args.every)
    for backend, rows in results.items():
        ok &= report(backend, rows, args.memory_slack_mb)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
