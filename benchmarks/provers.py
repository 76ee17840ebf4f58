"""Prover benchmarks: env step latency against raw coqtop round trips, and proof-search solve rates.

1. **Latency.** The same tactics on the same theorem, timed per tactic:
   * anchor: a plain ``coqtop -q -emacs`` process, one sentence written, read until the prompt;
   * env: ``mathgym/Coq-Basic-v0`` ``step`` (screening, ``Timeout`` wrapping, XML ``Add`` + ``Goal``,
     containment, goal parsing, reward, observation), with memoisation off so every step reaches Coq.
   Reported as medians and the ratio env / raw (target: <= 2).
2. **Final check.** For every shipped problem, the known proof is stepped through the backend and the
   reward-bearing ``verify`` (re-run, ``Qed``, axiom check) is timed: a first pass while the axiom
   oracle is still cold (checks fall back to ``Print Assumptions``), then a second pass once it has
   caught up (checks answered from remembered library constants). Target: <= 0.2 s.
3. **Solve rates** of the scripted prover and of best-first search on the bundled Coq sets.

Every result line carries the 1-minute load average, since the machine is shared.

Run: ``.venv/bin/python benchmarks/provers.py`` (``--quick`` for a short run). Needs ``coqtop``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import time

import gymnasium as gym

PROMPT = re.compile(rb"<prompt>\S+ < \d+ \|[^|]*\| \d+ < </prompt>")
PROBLEM = "coq/basic/ind_gauss_sum"
TACTICS = [
    "intros n.",
    "induction n as [| n IH].",
    "- reflexivity.",
    "- cbn [sum_to].",
]  # stops before the end


class RawCoqtop:
    """The anchor: coqtop's own text protocol, nothing else."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["coqtop", "-q", "-emacs"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            bufsize=0,
        )
        self.buffer = b""
        self._read()

    def _read(self) -> bytes:
        while True:
            match = PROMPT.search(self.buffer)
            if match:
                answer, self.buffer = self.buffer[: match.start()], self.buffer[match.end() :]
                return answer
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("coqtop exited")
            self.buffer += chunk

    def send(self, sentence: str) -> bytes:
        self.proc.stdin.write(sentence.encode() + b"\n")
        self.proc.stdin.flush()
        answer = self._read()
        if b"Error:" in answer:
            raise RuntimeError(f"{sentence!r}: {answer.decode()}")
        return answer

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def latency(reps: int) -> dict[str, float]:
    from mathgym.envs.provers.coq import CoqEnv
    from mathgym.provers.coq import CoqBackend
    from mathgym.provers.coq_sentences import split_sentences

    env = CoqEnv("basic", backend=CoqBackend(memoize=False))
    problem = env.source.find(PROBLEM)
    raw = RawCoqtop()
    for sentence in (*problem.meta["header"], *problem.meta["preamble"]):
        raw.send(sentence)
    raw_times: list[float] = []
    env_times: list[float] = []
    env.reset(options={"problem_id": PROBLEM})
    for _ in range(reps):  # interleaved, so both see the same machine load
        raw.send(problem.meta["formal_statement"])
        for tactic in TACTICS:
            start = time.perf_counter()
            for sentence in split_sentences(tactic):  # coqtop answers each sentence (a bullet too) separately
                raw.send(sentence.text)
            raw_times.append(time.perf_counter() - start)
        raw.send("Abort.")
        env.reset(options={"problem_id": PROBLEM})
        for tactic in TACTICS:
            start = time.perf_counter()
            _, _, _, _, info = env.step(tactic)
            env_times.append(time.perf_counter() - start)
            assert info["status"] == "ok", info
    raw.close()
    env.close()
    raw_median, env_median = statistics.median(raw_times), statistics.median(env_times)
    return {
        "raw_median_ms": 1000 * raw_median,
        "env_median_ms": 1000 * env_median,
        "raw_p90_ms": 1000 * statistics.quantiles(raw_times, n=10)[-1],
        "env_p90_ms": 1000 * statistics.quantiles(env_times, n=10)[-1],
        "ratio": env_median / raw_median,
        "steps": len(env_times),
    }


def final_checks(sets: list[str]) -> list[dict]:
    """Time ``verify`` on every shipped problem's known proof: cold oracle, then warm."""
    from mathgym.provers.coq import CoqBackend
    from mathgym.provers.coq_sentences import split_sentences
    from mathgym.provers.problems import load_problem_set

    backend = CoqBackend(memoize=False)
    problems = [p for name in sets for p in load_problem_set(name).problems]
    rows = []
    try:
        for label in ("cold oracle", "warm oracle"):
            times, paths = [], {"cache": 0, "print-assumptions": 0}
            for problem in problems:
                state = backend.open(problem).id
                for sentence in split_sentences(problem.meta["proof"]):
                    state = backend.step(state, sentence.text).state_id
                proof = list(backend.state(state).proof)
                start = time.perf_counter()
                verdict = backend.verify(problem, proof)
                times.append(time.perf_counter() - start)
                paths[backend.axiom_cache.last_path] += 1
                assert verdict.correct, (problem.id, verdict)
            times.sort()
            rows.append(
                {
                    "pass": label,
                    "n": len(times),
                    "median_s": statistics.median(times),
                    "p90_s": times[int(0.9 * (len(times) - 1))],
                    "max_s": times[-1],
                    **paths,
                    "load": os.getloadavg()[0],
                }
            )
            start = time.perf_counter()
            backend.axiom_cache.wait_idle(1800)
            rows[-1]["oracle_catch_up_s"] = time.perf_counter() - start
    finally:
        backend.close()
    return rows


def solve_rates(sets: list[str], budget: int, max_steps: int, timeout: float) -> list[dict]:
    from mathgym.agents.provers import BestFirstProver, ScriptedProver, solve_rate
    from mathgym.provers.problems import load_problem_set

    rows = []
    for name in sets:
        ids = [p.id for p in load_problem_set(name).problems]
        for agent_name in ("scripted", "best-first"):
            env = gym.make(f"mathgym/Coq-{name.capitalize()}-v0", tactic_timeout=timeout, max_steps=max_steps)
            agent = (
                ScriptedProver(env=env)
                if agent_name == "scripted"
                else BestFirstProver(env=env, budget=budget)
            )
            start = time.perf_counter()
            result = solve_rate(env, agent, ids)
            rows.append(
                {
                    "set": name,
                    "agent": agent_name,
                    "solved": result["solved"],
                    "total": result["total"],
                    "rate": result["rate"],
                    "seconds": time.perf_counter() - start,
                }
            )
            env.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=120, help="repetitions of the tactic sequence")
    parser.add_argument("--sets", default="basic,reals", help="comma-separated Coq problem sets")
    parser.add_argument("--budget", type=int, default=128, help="tactic applications per best-first search")
    parser.add_argument("--max-steps", type=int, default=32, help="episode length of the scripted prover")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per tactic")
    parser.add_argument("--quick", action="store_true", help="few repetitions, latency only")
    parser.add_argument("--no-solve", action="store_true", help="skip the solve rates")
    args = parser.parse_args()

    stats = latency(5 if args.quick else args.reps)
    load = os.getloadavg()[0]
    print(f"step latency over {stats['steps']} tactic steps (same run, interleaved; load {load:.1f})")
    print(
        f"  raw coqtop round trip : median {stats['raw_median_ms']:.2f} ms, p90 {stats['raw_p90_ms']:.2f} ms"
    )
    print(
        f"  env.step              : median {stats['env_median_ms']:.2f} ms, p90 {stats['env_p90_ms']:.2f} ms"
    )
    print(f"  ratio env / raw       : {stats['ratio']:.2f}x (target <= 2)")
    if args.quick:
        return
    print("\nfinal check (verify) of every shipped problem's known proof")
    for row in final_checks(args.sets.split(",")):
        print(
            f"  {row['pass']:<11}: median {row['median_s']:.3f} s, p90 {row['p90_s']:.3f} s, "
            f"max {row['max_s']:.3f} s over {row['n']} ({row['cache']} from memory, "
            f"{row['print-assumptions']} by Print Assumptions; load {row['load']:.1f}; "
            f"oracle caught up {row['oracle_catch_up_s']:.0f} s later) (target <= 0.2 s)"
        )
    if args.no_solve:
        return
    print(f"\nsolve rates (tactic timeout {args.timeout:.0f}s)")
    for row in solve_rates(args.sets.split(","), args.budget, args.max_steps, args.timeout):
        print(
            f"  {row['set']:<6} {row['agent']:<10} {row['solved']:>3}/{row['total']:<3} = {row['rate']:.2f}"
            f"   ({row['seconds']:.0f} s)"
        )


if __name__ == "__main__":
    main()
