"""Example: TRL's GRPOTrainer on a mathgym env, rewards from the env's own reward parts.

    python examples/trl_grpo.py [--model PATH_OR_HUB_ID] [--env-id mathgym/Arithmetic-v0] [--max-steps 4]

Without ``--model`` a tiny random Qwen2 is built locally (nothing is downloaded); with a real model,
e.g. ``Qwen/Qwen2.5-Math-1.5B-Instruct`` on a GPU, the same lines train it.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--env-id", default="mathgym/Arithmetic-v0")
    parser.add_argument("--level", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=4)
    args = parser.parse_args()

    from trl import GRPOConfig, GRPOTrainer

    from mathgym.agents.adapters.trl import trl_dataset, trl_reward_funcs

    work = Path(tempfile.mkdtemp(prefix="mathgym-trl-"))
    model = args.model
    if model is None:
        from mathgym.agents.llm.tiny import build_tiny_model

        model = str(build_tiny_model(work / "tiny"))
    dataset = trl_dataset(args.env_id, 64, seed=0, level=args.level)
    reward_funcs = trl_reward_funcs(args.env_id, level=args.level)  # total reward
    reward_funcs += trl_reward_funcs(
        args.env_id, components=["outcome"], level=args.level
    )  # logged separately
    config = GRPOConfig(
        output_dir=str(work / "out"),
        max_steps=args.max_steps,
        per_device_train_batch_size=8,
        num_generations=8,
        max_completion_length=32,
        learning_rate=1e-4,
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        reward_weights=[1.0, 0.0],
        bf16=False,
    )
    trainer = GRPOTrainer(model=model, reward_funcs=reward_funcs, args=config, train_dataset=dataset)
    trainer.train()
    for row in trainer.state.log_history:
        if "reward" in row:
            print(
                {
                    k: round(v, 4)
                    for k, v in row.items()
                    if k.startswith(("reward", "rewards/")) or k == "loss"
                }
            )


if __name__ == "__main__":
    main()
