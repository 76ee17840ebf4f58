"""Example: train with OpenRLHF on a mathgym env, scored by mathgym's reward through ``reward_func``.

    python examples/openrlhf_reward.py [--env-id mathgym/Arithmetic-v0] [--out data/openrlhf]

Writes the prompt data as JSONL (``input``, ``label``), scores a batch the way OpenRLHF calls the
function (queries = prompt + response), and prints the OpenRLHF arguments that use it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env-id", default="mathgym/Arithmetic-v0")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("data/openrlhf"))
    args = parser.parse_args()
    os.environ["MATHGYM_ENV_ID"] = args.env_id

    import mathgym.agents.adapters.openrlhf as adapter

    args.out.mkdir(parents=True, exist_ok=True)
    rows = adapter.openrlhf_rows(args.env_id, args.n, seed=0)
    with (args.out / "prompts.jsonl").open("w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    gold = json.loads(rows[0]["label"])["answer"]
    responses = [f" The answer is \\boxed{{{gold}}}.", " The answer is \\boxed{0.123}."]
    out = adapter.reward_func(
        [rows[0]["input"] + r for r in responses], [rows[0]["input"]] * 2, [rows[0]["label"]] * 2
    )
    print(
        {
            k: (v.tolist() if hasattr(v, "tolist") else {n: t.tolist() for n, t in v.items()})
            for k, v in out.items()
        }
    )
    print(
        "\nOpenRLHF arguments:\n"
        f"  --prompt_data {args.out / 'prompts.jsonl'} --input_key input --label_key label --apply_chat_template \\\n"
        f"  --remote_rm_url {Path(adapter.__file__).resolve()}   (with MATHGYM_ENV_ID={args.env_id})"
    )


if __name__ == "__main__":
    main()
