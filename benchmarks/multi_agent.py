"""Multi-agent benchmark: self-play on Kuhn Poker, a ProposerSolver curriculum, SolverVerifier F1, Nim learners.

    python benchmarks/multi_agent.py [--only kuhn,proposer,verifier,nim] [--seeds 3] [--out DIR]

Sections (each prints its figures and writes them to ``DIR/results.json``):

* **kuhn** — sampled regret-matching self-play through ``kuhn_poker_v0.env()`` (outcome-sampling MCCFR,
  :class:`~mathgym.agents.multiagent.selfplay.RegretMatchingSelfPlay`) without and with the per-role
  moving-average baseline (SPIRAL's RAE, decay 0.95, and a slow decay 0.999), several seeds; exact exploitability of the average policy and the
  variance of the sampled counterfactual values; CFR+ by full traversal as the reference. Target: <= 0.01.
* **proposer** — ``proposer_solver_v0`` with ``task="equation"``: a MaskablePPO solver trained through the
  solver seat with the learnability proposer vs. the uniform proposer, equal solver steps, held-out accuracy
  by level (fixed problems of an unseen seed) at checkpoints; the proposer's choice entropy. Target: >= 10
  points over uniform, entropy above the floor stated in ``ENTROPY_FLOOR``.
* **verifier** — ``solver_verifier_v0`` in reference mode with a tiny random-init LLM verifier: supervised
  steps on the game's exact labels, then self-play RL updates (GRPO loss, role baseline); ProcessBench F1 on
  held-out episodes over training. A tiny model reading arithmetic is expected near chance; it is reported.
* **nim** — independent MaskablePPO learners on ``nim_v0``: win rates against the perfect player and an Elo
  table among saved policies (random, perfect, the learners after each round).

Nothing is downloaded. Timings depend on the machine's load; the script prints ``os.getloadavg()``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

#: the proposer's choice entropy (bits) must stay above this; log2(5) = 2.32 is uniform over the default menu
ENTROPY_FLOOR = 1.0


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------------------------------- Kuhn
def kuhn(seeds: int, episodes: int, every: int, decays: tuple[float, ...] = (0.95, 0.999)) -> dict[str, Any]:
    from mathgym.agents.multiagent.kuhn import cfr
    from mathgym.agents.multiagent.selfplay import RegretMatchingSelfPlay, RoleBaseline, kuhn_exploitability
    from mathgym.envs.multiagent import kuhn_poker_v0

    started = time.perf_counter()
    _, cfr_curve = cfr(1000, record_every=100)
    out: dict[str, Any] = {"cfr_plus": cfr_curve, "cfr_seconds": time.perf_counter() - started, "runs": {}}
    print(
        f"CFR+ reference: exploitability {cfr_curve[0][1]:.4f} after 100 iterations, {cfr_curve[-1][1]:.4f} after 1000"
    )
    # SPIRAL's decay (0.95) and a slow one whose baseline sits near each role's true mean (+-1/18)
    variants = {"no_baseline": None, **{f"role_baseline_{d:g}": d for d in decays}}
    for label, decay in variants.items():
        runs = []
        for seed in range(seeds):
            learner = RegretMatchingSelfPlay(
                baseline=RoleBaseline(decay) if decay is not None else None, game="kuhn_poker_v0", seed=seed
            )
            started = time.perf_counter()
            history = learner.train(
                kuhn_poker_v0.env(), episodes, seed=seed, every=every, evaluate=kuhn_exploitability
            )
            seconds = time.perf_counter() - started
            reached = next((int(r["episodes"]) for r in history if r["exploitability"] <= 0.01), None)
            runs.append(
                {
                    "seed": seed,
                    "history": history,
                    "final": history[-1]["exploitability"],
                    "first_below_0.01": reached,
                    "mean_var": float(np.mean([r["var"] for r in history])),
                    "mean_var_raw": float(np.mean([r["var_raw"] for r in history])),
                    "episodes_per_s": episodes / seconds,
                }
            )
            print(
                f"  {label:20s} seed {seed}: exploitability {history[-1]['exploitability']:.4f} after {episodes} "
                f"episodes (first <= 0.01 at {reached}), sample variance {runs[-1]['mean_var']:.2f}, "
                f"{episodes / seconds:.0f} episodes/s"
            )
        out["runs"][label] = runs
    for label, runs in out["runs"].items():
        finals = [r["final"] for r in runs]
        print(
            f"{label:20s}: final exploitability mean {np.mean(finals):.4f} (max {np.max(finals):.4f}), "
            f"all <= 0.01: {all(f <= 0.01 for f in finals)}, mean sample variance "
            f"{np.mean([r['mean_var'] for r in runs]):.2f}"
        )
    out["llm_advantage_variance"] = kuhn_llm()
    # paired: the same episodes' sampled values with the baseline subtracted and without it
    out["variance_ratio"] = {}
    for label in variants:
        if label != "no_baseline":
            ratio = float(np.mean([r["mean_var"] / r["mean_var_raw"] for r in out["runs"][label]]))
            out["variance_ratio"][label] = ratio
            print(f"sample variance with / without the baseline on the same episodes, {label}: {ratio:.3f}")
    return out


def kuhn_llm(updates: int = 8, seed: int = 0) -> dict[str, Any]:
    """LLM self-play on Kuhn Poker's text form (tiny random model): the mean squared advantage (what scales the
    policy gradient's variance) with the role baseline and with raw returns — where the seats' returns differ,
    RAE removes that gap."""
    import copy
    import tempfile

    import torch
    from transformers import AutoModelForCausalLM

    from mathgym.agents.llm.hf import load_tokenizer
    from mathgym.agents.llm.tiny import build_tiny_model
    from mathgym.agents.multiagent.llm_selfplay import SelfPlayConfig, train_selfplay

    path = build_tiny_model(Path(tempfile.mkdtemp(prefix="mathgym-kuhn-")) / "tiny", seed=seed)
    tokenizer = load_tokenizer(str(path))
    base = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    out = {}
    for label, rae in (("raw_returns", False), ("role_baseline_0.95", True)):
        config = SelfPlayConfig(
            episodes_per_update=16, total_updates=updates, max_new_tokens=8, role_baseline=rae, seed=seed
        )
        history = train_selfplay(config, model=copy.deepcopy(base), tokenizer=tokenizer, log=None).history
        out[label] = {
            "advantage_ms": [r["advantage_ms"] for r in history],
            "return_player_0": [r["return_player_0"] for r in history],
            "forfeit_rate": [r["forfeit_rate"] for r in history],
        }
        print(
            f"  LLM self-play, {label:18s}: mean squared advantage per update "
            + " ".join(f"{v:.2f}" for v in out[label]["advantage_ms"])
            + f"; player_0 mean return {np.mean(out[label]['return_player_0']):+.2f}, "
            f"forfeits {np.mean(out[label]['forfeit_rate']):.0%}"
        )
    return out


# ----------------------------------------------------------------------------------------------- proposer
def _heldout_equation(model: Any, per_level: int, seed: int = 10_000) -> dict[int, float]:
    from mathgym.envs.classic.equation_solve.env import EquationSolveEnv
    from mathgym.envs.multiagent.proposer_solver_v0 import EQUATION_MENU
    from mathgym.sources.procedural import ProceduralSource

    env = EquationSolveEnv(levels=(0,))
    accuracy = {}
    for spec in EQUATION_MENU:
        source = ProceduralSource(
            "LinearEquation", level=spec["level"], seed=seed
        )  # an unseen problem stream
        solved = 0
        for j in range(per_level):
            observation, info = env.reset(options={"problem": source[j]})
            done = False
            while not done:
                action, _ = model.predict(observation, action_masks=env.action_masks(), deterministic=True)
                observation, _, terminated, truncated, info = env.step(int(action))
                done = terminated or truncated
            solved += bool(info.get("is_success"))
        accuracy[spec["level"]] = solved / per_level
    return accuracy


def proposer(seeds: int, steps: int, checkpoints: int, per_level: int) -> dict[str, Any]:
    import torch
    from sb3_contrib import MaskablePPO

    from mathgym.agents.multiagent.independent import SingleAgentView
    from mathgym.agents.multiagent.proposers import choice_entropy, learnability_proposer, uniform_proposer
    from mathgym.envs.multiagent import proposer_solver_v0
    from mathgym.seeding import derive_seed

    torch.set_num_threads(1)
    out: dict[str, Any] = {"steps": steps, "per_level": per_level, "entropy_floor": ENTROPY_FLOOR, "runs": {}}
    for label in ("uniform", "learnability"):
        runs = []
        for seed in range(seeds):
            choices: list[int] = []
            proposer_policy = (
                learnability_proposer(seed=seed, choices=choices)
                if label == "learnability"
                else uniform_proposer(seed=seed)
            )
            view = SingleAgentView(
                lambda: proposer_solver_v0.env(task="equation", seed=seed),  # noqa: B023  (used in this iteration only)
                "solver_0",
                proposer_policy,
            )
            view.reset(seed=derive_seed("benchmark.proposer", seed) % 2**31)
            model = MaskablePPO(
                "MlpPolicy",
                view,
                seed=seed,
                n_steps=256,
                batch_size=256,
                n_epochs=4,
                learning_rate=3e-4,
                ent_coef=0.01,
                policy_kwargs={"net_arch": [128, 128]},
                verbose=0,
            )
            curve = []
            started = time.perf_counter()
            for _ in range(1, checkpoints + 1):
                model.learn(steps // checkpoints, reset_num_timesteps=False)
                accuracy = _heldout_equation(model, per_level)
                entropy = choice_entropy(choices[-300:]) if label == "learnability" else float(np.log2(5))
                curve.append(
                    {
                        "solver_steps": int(model.num_timesteps),
                        "accuracy": accuracy,
                        "mean_accuracy": float(np.mean(list(accuracy.values()))),
                        "entropy_bits": entropy,
                    }
                )
            game = view.env.unwrapped.game
            runs.append(
                {
                    "seed": seed,
                    "curve": curve,
                    "seconds": time.perf_counter() - started,
                    "min_entropy_bits": min(c["entropy_bits"] for c in curve),
                    "final_estimates": {k: float(np.mean(v)) for k, v in game.history.items()},
                }
            )
            print(
                f"  {label:12s} seed {seed}: "
                + "  ".join(f"{c['solver_steps']}: {c['mean_accuracy']:.2f}" for c in curve)
                + f"   (entropy >= {runs[-1]['min_entropy_bits']:.2f} bits, {runs[-1]['seconds']:.0f} s)"
            )
        out["runs"][label] = runs
    print("held-out accuracy (mean over seeds; per level at the checkpoint) by solver steps:")
    gaps = []
    for k in range(checkpoints):
        row = {
            label: float(np.mean([r["curve"][k]["mean_accuracy"] for r in runs]))
            for label, runs in out["runs"].items()
        }
        levels = {
            label: {lv: float(np.mean([r["curve"][k]["accuracy"][lv] for r in runs])) for lv in range(5)}
            for label, runs in out["runs"].items()
        }
        step = out["runs"]["uniform"][0]["curve"][k]["solver_steps"]
        gaps.append(
            {
                "solver_steps": step,
                "uniform": row["uniform"],
                "learnability": row["learnability"],
                "gain_points": 100 * (row["learnability"] - row["uniform"]),
                "by_level": levels,
            }
        )
        print(
            f"  {step:6d} steps: uniform {row['uniform']:.3f}  learnability {row['learnability']:.3f}  "
            f"gain {100 * (row['learnability'] - row['uniform']):+.1f} points   by level "
            + " ".join(
                f"L{lv} {levels['uniform'][lv]:.2f}/{levels['learnability'][lv]:.2f}" for lv in range(5)
            )
        )
    out["by_checkpoint"] = gaps
    out["auc_gain_points"] = float(np.mean([g["gain_points"] for g in gaps]))
    out["min_entropy_bits"] = min(r["min_entropy_bits"] for r in out["runs"]["learnability"])
    print(
        f"mean gain over checkpoints {out['auc_gain_points']:+.1f} points; proposer entropy >= "
        f"{out['min_entropy_bits']:.2f} bits (floor {ENTROPY_FLOOR})"
    )
    return out


# ----------------------------------------------------------------------------------------------- verifier
def verifier(sft_steps: int, updates: int, eval_episodes: int, seed: int = 0) -> dict[str, Any]:
    import tempfile

    import torch
    from transformers import AutoModelForCausalLM

    from mathgym.agents.llm.hf import HFPolicy, load_tokenizer
    from mathgym.agents.llm.tiny import build_tiny_model
    from mathgym.agents.llm.types import GREEDY
    from mathgym.agents.multiagent.llm_selfplay import SelfPlayConfig, train_selfplay
    from mathgym.agents.multiagent.rollout import MultiAgentRollout
    from mathgym.envs.multiagent import solver_verifier_v0
    from mathgym.process.processbench import processbench_f1
    from mathgym.seeding import derive_seed

    torch.manual_seed(seed)
    game_kwargs = {"solver": "reference", "level": 0, "error_rate": 0.5}
    path = build_tiny_model(
        Path(tempfile.mkdtemp(prefix="mathgym-ma-")) / "tiny",
        hidden_size=128,
        num_layers=2,
        num_heads=4,
        intermediate_size=512,
        init_std=0.02,
        seed=seed,
    )
    tokenizer = load_tokenizer(str(path))
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    rollout = MultiAgentRollout(HFPolicy(model, tokenizer), sampling=GREEDY.replace(max_tokens=8))
    heldout = [derive_seed("benchmark.verifier.heldout", i) % 2**31 for i in range(eval_episodes)]

    def evaluate() -> dict[str, float]:
        envs = [solver_verifier_v0.parallel_env(**game_kwargs) for _ in heldout]
        trajectories = rollout.run(envs, seeds=heldout)
        labels = [t.final_infos["verifier_0"]["label"] for t in trajectories]
        predictions = [t.final_infos["verifier_0"]["prediction"] for t in trajectories]
        return processbench_f1(predictions, labels)  # percent

    curve = [{"phase": "init", "step": 0, **evaluate()}]
    # supervised steps on the game's exact labels (ProcessBench-style critic training), batch of 16 episodes
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    env = solver_verifier_v0.parallel_env(**game_kwargs)
    env.reset(seed=seed)
    for step in range(1, sft_steps + 1):
        texts, targets = [], []
        for _ in range(16):
            obs, _ = env.reset()
            chat = rollout.model_input("solver_verifier_v0", "verifier_0", obs["verifier_0"])
            texts.append(tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True))
            targets.append(f"\\boxed{{{env.game.label}}}<|im_end|>")
        ids, labels = [], []
        for prompt, target in zip(texts, targets):
            p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            t = tokenizer(target, add_special_tokens=False)["input_ids"]
            ids.append(p + t)
            labels.append([-100] * len(p) + t)
        width = max(len(x) for x in ids)
        pad = tokenizer.pad_token_id
        input_ids = torch.tensor([x + [pad] * (width - len(x)) for x in ids])
        attention = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids])
        label_ids = torch.tensor([x + [-100] * (width - len(x)) for x in labels])
        model.train()
        loss = model(input_ids=input_ids, attention_mask=attention, labels=label_ids).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        if step % max(1, sft_steps // 4) == 0:
            curve.append({"phase": "supervised", "step": step, "loss": float(loss.item()), **evaluate()})
            print(
                f"  supervised step {step}: loss {loss.item():.3f}, F1 {curve[-1]['f1']:.1f} "
                f"(acc_error {curve[-1]['acc_error']:.1f}, acc_correct {curve[-1]['acc_correct']:.1f})"
            )
    config = SelfPlayConfig(
        game="solver_verifier_v0",
        game_kwargs=game_kwargs,
        episodes_per_update=16,
        total_updates=updates,
        learning_rate=1e-4,
        max_new_tokens=8,
        seed=seed,
    )
    chunk = max(1, updates // 4)
    for done in range(0, updates, chunk):
        config.total_updates = min(chunk, updates - done)
        config.seed = seed + done + 1
        train_selfplay(config, model=model, tokenizer=tokenizer, log=None)
        curve.append({"phase": "rl", "step": done + config.total_updates, **evaluate()})
        print(
            f"  RL update {done + config.total_updates}: F1 {curve[-1]['f1']:.1f} "
            f"(acc_error {curve[-1]['acc_error']:.1f}, acc_correct {curve[-1]['acc_correct']:.1f})"
        )
    return {"curve": curve, "game_kwargs": game_kwargs, "eval_episodes": eval_episodes}


# ---------------------------------------------------------------------------------------------------- Nim
def nim(rounds: int, steps_per_round: int, episodes: int) -> dict[str, Any]:
    from mathgym.agents.multiagent.evaluation import elo_ratings, play_match, round_robin
    from mathgym.agents.multiagent.independent import (
        nim_optimal_policy,
        random_policy,
        sb3_policy,
        train_independent,
    )
    from mathgym.envs.multiagent import nim_v0

    def env_fn() -> Any:
        return nim_v0.env(n_heaps=3, max_heap=3)

    snapshots: dict[str, Any] = {}

    def evaluate(policies: dict[str, Any]) -> dict[str, float]:
        env = env_fn()
        perfect = nim_optimal_policy(env)
        row = {}
        for seat, other in (("player_0", "player_1"), ("player_1", "player_0")):
            learned = play_match(env, {seat: policies[seat], other: perfect}, episodes, seed=1)[seat][
                "win_rate"
            ]
            best = play_match(env, {seat: perfect, other: perfect}, episodes, seed=1)[seat]["win_rate"]
            row[f"{seat}_win_vs_perfect"], row[f"{seat}_perfect_win_vs_perfect"] = learned, best
        return row

    def log(row: dict[str, float]) -> None:
        print("  " + json.dumps({k: round(v, 3) for k, v in row.items()}))

    result = train_independent(
        env_fn, rounds=rounds, steps_per_round=steps_per_round, seed=0, evaluate=evaluate, log=log
    )
    for seat, model in result.models.items():
        snapshots[f"ppo_{seat}"] = sb3_policy(model, deterministic=True)

    def either_seat(policy_by_seat: dict[str, Any]) -> Any:
        return lambda agent, observation, info: policy_by_seat[agent](agent, observation, info)

    players = {
        "random": random_policy(0),
        "perfect": nim_optimal_policy(env_fn()),
        "ppo": either_seat({"player_0": snapshots["ppo_player_0"], "player_1": snapshots["ppo_player_1"]}),
    }
    names, scores = round_robin(players, env_fn, episodes, seed=2)
    ratings = elo_ratings(names, scores, games=2 * episodes)
    print("  Elo: " + ", ".join(f"{n} {r:.0f}" for n, r in sorted(ratings.items(), key=lambda kv: -kv[1])))
    return {"history": result.history, "scores": scores.tolist(), "names": names, "elo": ratings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="kuhn,proposer,verifier,nim")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--kuhn-episodes", type=int, default=150_000)
    parser.add_argument("--proposer-steps", type=int, default=12_288)
    parser.add_argument("--proposer-checkpoints", type=int, default=6)
    parser.add_argument("--per-level", type=int, default=50)
    parser.add_argument("--verifier-sft-steps", type=int, default=120)
    parser.add_argument("--verifier-updates", type=int, default=20)
    parser.add_argument("--verifier-eval", type=int, default=96)
    parser.add_argument("--nim-rounds", type=int, default=3)
    parser.add_argument("--nim-steps", type=int, default=8192)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/multi_agent"))
    args = parser.parse_args()
    sections = args.only.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.json"
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    for name in sections:
        print(f"\n== {name} ({_load()})")
        started = time.perf_counter()
        if name == "kuhn":
            results[name] = kuhn(args.seeds, args.kuhn_episodes, every=args.kuhn_episodes // 6)
        elif name == "proposer":
            results[name] = proposer(
                args.seeds, args.proposer_steps, args.proposer_checkpoints, args.per_level
            )
        elif name == "verifier":
            results[name] = verifier(args.verifier_sft_steps, args.verifier_updates, args.verifier_eval)
        elif name == "nim":
            results[name] = nim(args.nim_rounds, args.nim_steps, episodes=200)
        else:
            raise SystemExit(f"unknown section {name!r}")
        results[name]["seconds"] = time.perf_counter() - started
        results[name]["load_after"] = list(os.getloadavg())
        print(f"== {name} done in {results[name]['seconds']:.0f} s ({_load()})")
        path.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
