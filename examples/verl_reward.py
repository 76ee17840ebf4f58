"""Example: train with verl on a mathgym env, scored by mathgym's reward through ``compute_score``.

    python examples/verl_reward.py [--env-id mathgym/Arithmetic-v0] [--out data/verl]

Writes ``train.parquet`` / ``test.parquet`` in verl's RL dataset schema, scores a few responses with
the adapter (as verl would), and prints the verl command-line overrides that use it.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env-id", default="mathgym/Arithmetic-v0")
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--test", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("data/verl"))
    args = parser.parse_args()

    import pandas as pd

    import mathgym.agents.adapters.verl as adapter

    args.out.mkdir(parents=True, exist_ok=True)
    for split, n, seed in (("train", args.train, 0), ("test", args.test, 1)):
        pd.DataFrame(adapter.verl_rows(args.env_id, n, seed=seed, split=split)).to_parquet(
            args.out / f"{split}.parquet"
        )
    row = adapter.verl_rows(args.env_id, 1, seed=1, split="test")[0]
    gold = row["reward_model"]["ground_truth"]
    for response in (f"The answer is \\boxed{{{gold}}}.", "The answer is \\boxed{0.123}.", "I am not sure."):
        print(
            f"{response!r:40} -> {adapter.compute_score(row['data_source'], response, gold, row['extra_info'])}"
        )
    print(
        "\nverl overrides:\n"
        f"  data.train_files={args.out / 'train.parquet'} data.val_files={args.out / 'test.parquet'} \\\n"
        f"  custom_reward_function.path={Path(adapter.__file__).resolve()} custom_reward_function.name=compute_score"
    )


if __name__ == "__main__":
    main()
