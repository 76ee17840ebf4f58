"""GRPO learns, by more than noise: a tiny model is fitted briefly on reference solutions (SFT), then trained
with GRPO on the easiest arithmetic env from several seeds; held-out accuracy before and after gives each
seed's gain, and the seeds give the mean gain with its confidence interval.

    python benchmarks/grpo_learning.py [--seeds 0 1 2] [--updates 40] [--eval-episodes 256] [--out DIR]

Nothing is downloaded: the model is a small Qwen2 built from a config with a locally trained tokenizer
(``mathgym.agents.llm.tiny``). The SFT checkpoint and its held-out evaluation are cached (``--cache-dir``,
keyed by every setting they depend on), so only the first run pays for them; the seeds then run one after
another from the same checkpoint and differ only in GRPO's problems and samples.

Two held-out measures, on the same ``--eval-episodes`` episodes before and after training (``eval_seeds``):

* **sampled accuracy** (the headline): the share of correct answers when the policy samples at the training
  temperature, ``--eval-samples`` draws per episode with one fixed random stream. This is the expected
  reward GRPO maximises.
* **greedy accuracy**: one greedy answer per episode. Greedy answers only change where training moves a
  problem's most likely answer, so this measure moves later and in bigger steps.

Gains are paired (same episodes): per seed, a paired bootstrap over episodes gives a 95% interval; across
seeds, the mean gain gets a Student-t 95% interval. Curves and the summary are written to ``--out`` as JSON;
wall and CPU minutes are reported per seed with the machine's load (CPU time bounds the wall time on an
otherwise idle machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import statistics
import time
from pathlib import Path
from typing import Any

#: two-sided 97.5% quantiles of Student's t by degrees of freedom (for 95% intervals over a few seeds)
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
_ENV_ID = "mathgym/Arithmetic-v0"
_ENV_KWARGS = {"level": 0}
_MEASURES = ("sampled", "greedy")


def paired_bootstrap(
    before: list[float], after: list[float], seed: int, resamples: int = 4000
) -> tuple[float, float]:
    """95% percentile interval of the accuracy gain, resampling episodes (pairs) with replacement.

    :param before: correctness per held-out episode before training (0/1, or a share of correct draws).
    :param after: the same episodes after training.
    :param seed: the resampling stream.
    :param resamples: bootstrap resamples.
    """
    import numpy as np

    from mathgym.seeding import derive_rng

    diff = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    rng = derive_rng("benchmarks.grpo_learning.bootstrap", seed)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def mean_interval(gains: list[float]) -> tuple[float, float, float]:
    """Mean of the per-seed gains and its Student-t 95% interval (``(mean, low, high)``).

    :param gains: one gain per seed.
    """
    mean = statistics.fmean(gains)
    if len(gains) < 2:
        return mean, math.nan, math.nan
    half = _T975.get(len(gains) - 1, 1.96) * statistics.stdev(gains) / math.sqrt(len(gains))
    return mean, mean - half, mean + half


def _key(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def held_out(args: argparse.Namespace, model: Any, tokenizer: Any) -> dict[str, dict[str, Any]]:
    """Both held-out measures of a model: ``{"sampled": {...}, "greedy": {...}}`` (see the module docstring).

    :param args: the benchmark's settings (episodes, samples, temperature, token limit).
    :param model: the causal LM.
    :param tokenizer: its tokenizer.
    """
    import gymnasium as gym

    from mathgym.agents.grpo import GRPOConfig, evaluate
    from mathgym.agents.llm.chat import ObservationFormat
    from mathgym.agents.llm.hf import HFPolicy
    from mathgym.agents.llm.rollout import RolloutDriver
    from mathgym.agents.llm.types import Sampling

    envs = [gym.make(_ENV_ID, **_ENV_KWARGS) for _ in range(args.eval_batch)]
    driver = RolloutDriver(
        HFPolicy(model, tokenizer),
        fmt=ObservationFormat(),
        max_turns=GRPOConfig.max_turns,
        sampling=Sampling(max_tokens=args.max_new_tokens),
    )
    try:
        return {
            "sampled": evaluate(driver, envs, args.eval_episodes, args.temperature, args.eval_samples),
            "greedy": evaluate(driver, envs, args.eval_episodes),
        }
    finally:
        for env in envs:
            env.close()


def sft_checkpoint(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The cached SFT checkpoint and its held-out evaluation; each is built (and cached) when missing.

    :param args: the benchmark's settings.
    :returns: the checkpoint directory and ``{"sampled": ..., "greedy": ..., "sft": {...}}``.
    """
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    from mathgym.agents.llm.hf import load_tokenizer

    versions = {"torch": torch.__version__, "transformers": transformers.__version__}
    sft_settings = {
        "hidden": args.hidden,
        "layers": args.layers,
        "sft_steps": args.sft_steps,
        "sft_seed": 0,
        "env": _ENV_ID,
        "env_kwargs": _ENV_KWARGS,
        **versions,
    }
    folder = args.cache_dir / f"sft-{_key(sft_settings)}"
    # the evaluation depends on how it is run too (episodes, draws, temperature, token limit, batch of envs)
    eval_settings = {
        "eval_episodes": args.eval_episodes,
        "eval_samples": args.eval_samples,
        "temperature": args.temperature,
        "max_new_tokens": args.max_new_tokens,
        "eval_batch": args.eval_batch,
    }
    evaluation = folder / f"held-out-{_key({**sft_settings, **eval_settings})}.json"
    info = folder / "sft.json"
    if not info.exists():
        import gymnasium as gym

        from mathgym.agents.llm.tiny import build_tiny_model
        from mathgym.agents.sft import SFTConfig, sft_on_reference

        started = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        path = build_tiny_model(
            folder / "base",
            hidden_size=args.hidden,
            num_layers=args.layers,
            num_heads=max(1, args.hidden // 32),
            intermediate_size=4 * args.hidden,
            init_std=0.02,
            seed=0,
        )
        tokenizer = load_tokenizer(str(path))
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        losses = sft_on_reference(
            model,
            tokenizer,
            gym.make(_ENV_ID, **_ENV_KWARGS),
            SFTConfig(steps=args.sft_steps, seed=0),
            log=lambda row: print(json.dumps({"sft": row})),
        )
        model.save_pretrained(folder / "model")
        tokenizer.save_pretrained(folder / "model")
        info.write_text(
            json.dumps(
                {
                    "loss_first": losses[0],
                    "loss_last": losses[-1],
                    "seconds": time.perf_counter() - started,
                    **sft_settings,
                }
            )
        )
    else:
        print(f"SFT checkpoint from the cache: {folder}")
    if not evaluation.exists():
        model = AutoModelForCausalLM.from_pretrained(folder / "model", dtype=torch.float32)
        evaluation.write_text(json.dumps(held_out(args, model, load_tokenizer(str(folder / "model")))))
    result = json.loads(evaluation.read_text())
    result["sft"] = json.loads(info.read_text())
    return folder / "model", result


def run_seed(args: argparse.Namespace, checkpoint: Path, seed: int, curve: Path) -> dict[str, Any]:
    """GRPO from the SFT checkpoint with one seed; returns the held-out evaluation after it and the timings.

    :param args: the benchmark's settings.
    :param checkpoint: the SFT checkpoint.
    :param seed: GRPO's seed (problems and samples).
    :param curve: where the training curve goes (JSON lines).
    """
    import torch
    from transformers import AutoModelForCausalLM

    from mathgym.agents.grpo import GRPOConfig, train
    from mathgym.agents.llm.hf import load_tokenizer

    started, cpu_started = time.perf_counter(), time.process_time()
    model = AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32)
    tokenizer = load_tokenizer(str(checkpoint))
    config = GRPOConfig(
        env_id=_ENV_ID,
        env_kwargs=dict(_ENV_KWARGS),
        model_path=str(checkpoint),
        seed=seed,
        total_updates=args.updates,
        learning_rate=args.lr,
        temperature=args.temperature,
        prompts_per_step=args.prompts,
        group_size=args.group,
        epochs=args.epochs,
        max_new_tokens=args.max_new_tokens,
        minibatch_size=args.prompts * args.group,
        eval_episodes=0,
        kl_coef=args.kl,
    )  # the benchmark evaluates before and after itself
    with curve.open("w") as handle:

        def log(row: dict) -> None:
            print(json.dumps({"seed": seed, **row}))
            handle.write(json.dumps(row) + "\n")
            handle.flush()

        result = train(config, model=model, tokenizer=tokenizer, log=log)
    after = held_out(args, result.model, tokenizer)
    rows = [r for r in result.history if r["update"] > 0]
    return {
        **after,
        "seconds": time.perf_counter() - started,
        # CPU time does not depend on what else the machine runs: on an idle machine the wall time is at most this
        "cpu_seconds": time.process_time() - cpu_started,
        "load_average": os.getloadavg()[0],
        "signal_groups": statistics.fmean(r["signal_groups"] for r in rows),
        "skipped_updates": sum(r["skipped"] for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--sft-steps", type=int, default=150)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        help="sampling temperature of rollouts and of the sampled held-out measure",
    )
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--kl", type=float, default=0.0, help="KL coefficient to the SFT model")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--eval-episodes", type=int, default=256)
    parser.add_argument(
        "--eval-samples", type=int, default=4, help="draws per held-out episode when sampling"
    )
    parser.add_argument("--eval-batch", type=int, default=128, help="envs run side by side while evaluating")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path.home() / ".cache" / "mathgym" / "grpo_learning"
    )
    parser.add_argument("--out", type=Path, default=Path("results/grpo_learning"))
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint, before = sft_checkpoint(args)
    print(
        f"held-out before GRPO ({args.eval_episodes} episodes): sampled accuracy "
        f"{before['sampled']['eval_accuracy']:.1%} (T={args.temperature}, {args.eval_samples} draws each), "
        f"greedy accuracy {before['greedy']['eval_accuracy']:.1%}"
    )
    seeds = []
    for seed in args.seeds:  # one after another: the machine's cores are shared
        after = run_seed(args, checkpoint, seed, args.out / f"curve-seed{seed}.jsonl")
        row: dict[str, Any] = {
            "seed": seed,
            "seconds": after["seconds"],
            "cpu_seconds": after["cpu_seconds"],
            "load_average": after["load_average"],
            "signal_groups": after["signal_groups"],
            "skipped_updates": after["skipped_updates"],
        }
        for measure in _MEASURES:
            gain = after[measure]["eval_accuracy"] - before[measure]["eval_accuracy"]
            low, high = paired_bootstrap(
                before[measure]["eval_correct"], after[measure]["eval_correct"], seed
            )
            row[measure] = {
                "accuracy": after[measure]["eval_accuracy"],
                "gain": gain,
                "gain_ci95": [low, high],
            }
        seeds.append(row)
        print(
            f"seed {seed}: "
            + "; ".join(
                f"{m} {before[m]['eval_accuracy']:.1%} -> {row[m]['accuracy']:.1%} ({row[m]['gain'] * 100:+.1f} pts, "
                f"paired 95% CI {row[m]['gain_ci95'][0] * 100:+.1f} .. {row[m]['gain_ci95'][1] * 100:+.1f})"
                for m in _MEASURES
            )
            + f"; {row['seconds'] / 60:.1f} min wall, {row['cpu_seconds'] / 60:.1f} min CPU, load "
            f"{row['load_average']:.1f}; {row['signal_groups']:.0%} of groups carried signal"
        )
    summary: dict[str, Any] = {
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "before": {m: {k: v for k, v in before[m].items() if k != "eval_correct"} for m in _MEASURES},
        "sft": before["sft"],
        "seeds": seeds,
    }
    print()
    for measure in _MEASURES:
        mean, low, high = mean_interval([s[measure]["gain"] for s in seeds])
        summary[measure] = {"gain_mean": mean, "gain_ci95": [low, high]}
        print(
            f"GRPO gain in held-out {measure} accuracy over {len(seeds)} seeds: mean {mean * 100:+.1f} pts, "
            f"95% CI {low * 100:+.1f} .. {high * 100:+.1f} (Student t)"
        )
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
