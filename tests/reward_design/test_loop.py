"""The reward-design loop end to end: the CLI's run directory, hostile LLM replies over HTTP, kill -9 and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from design_helpers import SANDBOX_GROUP
from recorded_server import serve

from mathgym.reward_design import RewardDesignConfig, design_reward
from mathgym.reward_design.loop import _execute_rate, human_normalised_score, select_best
from mathgym.reward_design.proposers.base import CandidateRecord

pytestmark = SANDBOX_GROUP
SMALL = {"budget": 1024, "eval_episodes": 10, "pool_episodes": 8, "progress": False}
CLI_SMALL = ["--budget", "1024", "--eval-episodes", "10", "--no-progress"]


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mathgym", "design-reward", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def test_cli_run_writes_the_run_directory_and_summary(tmp_path):
    out = tmp_path / "run"
    proc = _cli(
        "mathgym/Countdown-v0",
        "--proposer",
        "evolve",
        "--iterations",
        "2",
        "--samples",
        "4",
        "--seeds",
        "2",
        "--out",
        str(out),
        *CLI_SMALL,
    )
    text, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, text
    assert "report:" in text and "best reward:" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["env_id"] == "mathgym/Countdown-v0"
    assert [it["iteration"] for it in summary["iterations"]] == [0, 1]
    for it in summary["iterations"]:
        assert len(it["candidates"]) == 4
        for c in it["candidates"]:
            assert set(c) >= {"id", "status", "reason", "fitness"}
            folder = out / f"iter_{it['iteration']:02d}" / f"cand_{int(c['id'].split('-c')[1]):02d}"
            for name in ("response.txt", "reward.py", "critic.json", "reflection.txt", "result.json"):
                assert (folder / name).exists(), folder / name
            if c["status"] == "trained":
                assert json.loads((folder / "training.json").read_text())["epochs"]
        assert "best_fitness" in it
    assert (
        set(summary["best"]) >= {"code_path", "fitness", "hns"}
        and (out / summary["best"]["code_path"]).exists()
    )
    assert set(summary["baselines"]) == {"sparse", "hand"}
    assert summary["baselines"]["sparse"]["seeds"] == 2 and len(summary["final"]["scores"]["best"]) == 2
    assert 0 <= summary["execute_rate"] <= 1
    report = (out / "report.md").read_text()
    assert (
        "fitness.png" in report and (out / "fitness.png").stat().st_size > 0 and (out / "final.png").exists()
    )
    assert (out / "iter_01" / "feedback.txt").read_text().startswith("A policy was trained")
    # `mathgym report DIR` renders it again
    again = subprocess.run(
        [sys.executable, "-m", "mathgym", "report", str(out)], capture_output=True, text=True
    )
    assert again.returncode == 0 and "report.md" in again.stdout


def test_kill_9_mid_iteration_then_rerun_retrains_nothing_finished(tmp_path):
    out = tmp_path / "run"
    args = [
        "mathgym/Countdown-v0",
        "--proposer",
        "evolve",
        "--iterations",
        "2",
        "--samples",
        "3",
        "--seeds",
        "1",
        "--out",
        str(out),
        *CLI_SMALL,
    ]
    proc = _cli(*args, start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:  # kill once the second iteration has trained some, not all, candidates
        done = list(out.glob("iter_01/cand_*/training.json"))
        if done or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in out.glob("iter_*/cand_*/training.json")}
    assert finished and len(finished) < 6 and not (out / "summary.json").exists()
    rerun = _cli(*args)
    text, _ = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, text
    for path, mtime in finished.items():
        assert path.stat().st_mtime_ns == mtime, f"{path} was retrained"
    summary = json.loads((out / "summary.json").read_text())
    assert [len(it["candidates"]) for it in summary["iterations"]] == [3, 3]
    assert all(
        c["status"] in ("trained", "rejected", "filtered", "failed")
        for it in summary["iterations"]
        for c in it["candidates"]
    )
    assert summary["baselines"]["sparse"] is not None


HOSTILE = {
    "write_outside": "```python\ndef compute_reward(prev, action, state, info):\n"
    "    open({target!r}, 'w').write('escaped')\n    return 1.0, {{}}\n```",
    "infinite_loop": "Here you go:\n```python\ndef compute_reward(prev, action, state, info):\n"
    "    while True:\n        pass\n```",
    "kill_parent": "```python\nimport os, signal\ndef compute_reward(prev, action, state, info):\n"
    "    os.kill(os.getppid(), signal.SIGKILL)\n    os.kill({controller}, signal.SIGKILL)\n"
    "    return 1.0, {{}}\n```",
    "nan": "```python\ndef compute_reward(prev, action, state, info):\n    return float('nan'), {{'x': 1.0}}\n```",
    "allocate_1gb": "```python\ndef compute_reward(prev, action, state, info):\n"
    "    block = bytearray(1 << 30)\n    return float(len(block)), {{}}\n```",
    "syntax_error": "```python\ndef compute_reward(prev, action, state, info)\n    return 1.0, {{}}\n```",
    "no_code": "I would reward the agent for getting closer to the target, but I cannot write code today.",
}


def test_hostile_replies_from_an_openai_compatible_server_are_all_rejected(tmp_path):
    target = tmp_path / "outside" / "escaped.txt"
    target.parent.mkdir()
    replies = [HOSTILE[name].format(target=str(target), controller=os.getpid()) for name in HOSTILE]
    with serve(replies) as server:
        result = design_reward(
            env_id="mathgym/Countdown-v0",
            proposer=f"openai:{server.url}#recorded",
            iterations=1,
            samples=len(replies),
            seeds=1,
            out=str(tmp_path / "run"),
            **SMALL,
        )
        assert len(server.requests) == 1 and server.requests[0]["n"] == len(replies)
        assert [m["role"] for m in server.requests[0]["messages"]] == ["system", "user"]
    candidates = result.summary["iterations"][0]["candidates"]
    by_name = dict(zip(HOSTILE, candidates))
    assert all(c["status"] == "rejected" and c["reason"] for c in candidates), candidates
    assert "timed out" in by_name["infinite_loop"]["reason"]
    assert "nan" in by_name["nan"]["reason"].lower()
    assert "emory" in by_name["allocate_1gb"]["reason"]
    assert "SyntaxError" in by_name["syntax_error"]["reason"]
    assert "no code" in by_name["no_code"]["reason"]
    assert not target.exists()
    assert result.summary["best"] is None
    assert result.summary["execute_rate"] < 1
    assert (tmp_path / "run" / "report.md").exists()


def test_human_feedback_reaches_the_next_iteration(tmp_path):
    seen = []

    class Capture:
        def propose(self, context, feedback, n):
            seen.append(feedback)
            body = "    return (1.0 if info['is_success'] else -0.01 * state['distance']), {}"
            return [f"```python\ndef compute_reward(prev, action, state, info):\n{body}\n```"] * n

        def skip(self, n):
            pass

        def close(self):
            pass

    notes = tmp_path / "notes.txt"
    notes.write_text("the agent stalls near the target")
    design_reward(
        env_id="mathgym/Countdown-v0",
        custom_proposer=Capture(),
        iterations=2,
        samples=1,
        seeds=1,
        feedback_file=str(notes),
        human_feedback=lambda i, text: f"callback saw iteration {i}",
        out=str(tmp_path / "run"),
        **SMALL,
    )
    assert seen[0] is None and seen[1].iteration == 1
    assert "callback saw iteration 1" in seen[1].human and "stalls near the target" in seen[1].human
    assert "A policy was trained" in seen[1].text and seen[1].best_response.startswith("```python")
    assert "Human feedback" in (tmp_path / "run" / "iter_01" / "feedback.txt").read_text()


def test_a_run_directory_with_other_settings_is_not_resumed(tmp_path):
    base = {"env_id": "mathgym/Countdown-v0", "iterations": 1, "samples": 1, "seeds": 1, "out": str(tmp_path)}
    from mathgym.reward_design.loop import RunDirectory, _check_or_write_config

    _check_or_write_config(RunDirectory(tmp_path), RewardDesignConfig(**base))
    _check_or_write_config(RunDirectory(tmp_path), RewardDesignConfig(**base, workers=2))  # harmless change
    with pytest.raises(ValueError, match="budget"):
        _check_or_write_config(RunDirectory(tmp_path), RewardDesignConfig(**base, budget=7))


def test_prefilter_trainer_serves_text_envs(tmp_path):
    result = design_reward(
        env_id="mathgym/Arithmetic-v0",
        trainer="prefilter",
        iterations=1,
        samples=3,
        seeds=1,
        out=str(tmp_path / "run"),
        **SMALL,
    )
    trained = [c for c in result.summary["iterations"][0]["candidates"] if c["status"] == "trained"]
    assert trained and all(0 <= c["fitness"] <= 1 for c in trained)
    assert "needs trainer='sb3' or 'grpo'" in result.summary["final"]["note"]
    with pytest.raises(ValueError, match="text env"):
        design_reward(
            env_id="mathgym/Arithmetic-v0", iterations=1, samples=1, out=str(tmp_path / "sb3"), **SMALL
        )


def _rec(i, status, fitness=None, flagged=False, executed=True):
    return CandidateRecord(
        id=f"i0-c{i}",
        iteration=0,
        response="",
        code="",
        status=status,
        fitness=fitness,
        flagged=flagged,
        executed=executed,
    )


def test_selection_skips_failures_and_flagged_rewards():
    records = [_rec(0, "rejected", executed=False), _rec(1, "trained", 0.3), _rec(2, "trained", 0.7)]
    assert select_best(records).id == "i0-c2"
    assert _execute_rate(records) == pytest.approx(2 / 3)
    records.append(_rec(3, "trained", 0.9, flagged=True))
    assert select_best(records).id == "i0-c2"
    assert select_best([_rec(0, "rejected", executed=False)]) is None


def test_human_normalised_score():
    assert human_normalised_score(0.8, 0.2, 0.5) == pytest.approx(2.0)
    assert human_normalised_score(0.2, 0.2, 0.5) == 0.0
    assert human_normalised_score(0.5, 0.3, 0.3) is None
    assert human_normalised_score(0.5, 0.3, 0.1) is None  # hand-written worse than sparse: no unit
    assert human_normalised_score(None, 0.2, 0.5) is None


def test_cli_bad_arguments_are_one_line(tmp_path):
    for args, words in [
        (["mathgym/Nope-v0"], "unknown environment id"),
        (["Countdown-v0", "--samples", "0"], "samples must be >= 1"),
        (["Countdown-v0", "--proposer", "gpt"], "bad proposer"),
        (["Countdown-v0", "--proposer", f"recorded:{tmp_path}/none.jsonl"], "no recorded responses"),
        (["Countdown-v0", "--backend", "mpi"], "backend must be"),
        (["mathgym/Coq-Basic-v0", "--out", str(tmp_path / "c")], "no reward view"),
    ]:
        proc = _cli(*args)
        text, _ = proc.communicate(timeout=120)
        assert proc.returncode == 2, text
        assert words in text and "Traceback" not in text and len(text.strip().splitlines()) == 1, text


@pytest.mark.slow
def test_candidates_train_in_parallel_on_ray_and_on_the_process_pool(tmp_path):
    """Both backends train the same candidates to the same results (training is seeded and deterministic)."""
    pytest.importorskip("ray")
    summaries = {}
    for backend in ("local", "ray"):
        summaries[backend] = design_reward(
            env_id="mathgym/Countdown-v0",
            iterations=1,
            samples=2,
            seeds=1,
            workers=2,
            backend=backend,
            out=str(tmp_path / backend),
            **SMALL,
        ).summary
    fitness = {b: [c["fitness"] for c in s["iterations"][0]["candidates"]] for b, s in summaries.items()}
    assert fitness["local"] == fitness["ray"] and all(f is not None for f in fitness["ray"])


def test_a_training_cache_shared_between_runs_trains_identical_rewards_once(tmp_path):
    cache = tmp_path / "cache"
    first = design_reward(
        env_id="mathgym/Countdown-v0",
        iterations=1,
        samples=2,
        seeds=1,
        cache_dir=str(cache),
        out=str(tmp_path / "a"),
        **SMALL,
    )
    cached = sorted(cache.glob("*.json"))
    assert (
        len(cached) == 2 + 3
    )  # two candidates, then sparse, hand and best final runs (best is a candidate's code...
    # ...with another seed, so it is its own run)
    mtimes = {p: p.stat().st_mtime_ns for p in cached}
    second = design_reward(
        env_id="mathgym/Countdown-v0",
        iterations=1,
        samples=2,
        seeds=1,
        cache_dir=str(cache),
        use_prefilter=False,
        out=str(tmp_path / "b"),
        **SMALL,
    )
    assert {
        p: p.stat().st_mtime_ns for p in sorted(cache.glob("*.json"))
    } == mtimes  # nothing new was trained
    assert second.summary["final"]["scores"] == first.summary["final"]["scores"]
