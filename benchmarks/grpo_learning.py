"""GRPO learns: a tiny model, fitted briefly on reference solutions (SFT), then trained with GRPO on
the easiest arithmetic env; mean reward and accuracy on held-out seeds are printed before and after.

    python benchmarks/grpo_learning.py [--updates 30] [--sft-steps 60] [--generator hf|vllm] [--out DIR]

Runs on CPU in a few minutes. Nothing is downloaded: the model is a small Qwen2 built from a config
with a locally trained tokenizer (``mathgym.agents.llm.tiny``). The curve is written as JSON lines.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=60)
    parser.add_argument("--sft-steps", type=int, default=150)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--scale-rewards", action="store_true")
    parser.add_argument("--kl", type=float, default=0.0, help="KL coefficient to the SFT model")
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--eval-episodes", type=int, default=128)
    parser.add_argument("--generator", choices=["hf", "vllm"], default="hf")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("results/grpo_learning"))
    args = parser.parse_args()

    import gymnasium as gym
    import torch
    from mathgym.agents.grpo import GRPOConfig, train
    from mathgym.agents.llm.hf import load_tokenizer
    from mathgym.agents.llm.tiny import build_tiny_model
    from mathgym.agents.sft import SFTConfig, sft_on_reference
    from transformers import AutoModelForCausalLM

    torch.manual_seed(args.seed)
    work = Path(tempfile.mkdtemp(prefix="mathgym-grpo-"))
    path = build_tiny_model(work / "base", hidden_size=args.hidden, num_layers=args.layers,
                            num_heads=args.hidden // 32, intermediate_size=4 * args.hidden, init_std=0.02,
                            seed=args.seed)
    tokenizer = load_tokenizer(str(path))
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    env_kwargs = {"level": 0}
    started = time.perf_counter()
    env = gym.make("mathgym/Arithmetic-v0", **env_kwargs)
    losses = sft_on_reference(model, tokenizer, env, SFTConfig(steps=args.sft_steps, seed=args.seed),
                              log=lambda row: print(json.dumps({"sft": row})))
    sft_s = time.perf_counter() - started
    model.save_pretrained(work / "sft")
    tokenizer.save_pretrained(work / "sft")

    config = GRPOConfig(env_id="mathgym/Arithmetic-v0", env_kwargs=env_kwargs, model_path=str(work / "sft"),
                        generator=args.generator, seed=args.seed, total_updates=args.updates,
                        learning_rate=args.lr, temperature=args.temperature, prompts_per_step=args.prompts,
                        group_size=args.group, scale_rewards=args.scale_rewards, eval_every=args.eval_every,
                        eval_episodes=args.eval_episodes, kl_coef=args.kl)
    args.out.mkdir(parents=True, exist_ok=True)
    curve = args.out / "curve.jsonl"
    with curve.open("w") as f:
        def log(row: dict) -> None:
            print(json.dumps(row))
            f.write(json.dumps(row) + "\n")
            f.flush()
        started = time.perf_counter()
        result = train(config, model=model if args.generator == "hf" else None,
                       tokenizer=tokenizer if args.generator == "hf" else None, log=log)
    grpo_s = time.perf_counter() - started
    evals = [(r["update"], r["eval_reward"], r["eval_accuracy"]) for r in result.history if "eval_reward" in r]
    print("\nheld-out curve (update, mean reward, accuracy):")
    for u, r, a in evals:
        print(f"  {u:4d}  {r:+.3f}  {a:.1%}")
    first, last = evals[0], evals[-1]
    print(f"SFT: {args.sft_steps} steps, loss {losses[0]:.2f} -> {losses[-1]:.2f}, {sft_s:.0f} s; "
          f"GRPO: {args.updates} updates, {grpo_s:.0f} s")
    print(f"held-out mean reward {first[1]:+.3f} -> {last[1]:+.3f} (x{last[1] / first[1]:.2f}), "
          f"accuracy {first[2]:.1%} -> {last[2]:.1%}" if first[1] > 0 else
          f"held-out mean reward {first[1]:+.3f} -> {last[1]:+.3f}, accuracy {first[2]:.1%} -> {last[2]:.1%}")


if __name__ == "__main__":
    main()
