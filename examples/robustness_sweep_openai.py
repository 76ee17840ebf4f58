"""Example: a robustness sweep of a model behind an OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp, TGI,
a hosted API).

    vllm serve Qwen/Qwen2.5-Math-1.5B-Instruct --port 8000        # or any OpenAI-compatible server
    python examples/robustness_sweep_openai.py --url http://127.0.0.1:8000/v1 \
        --model Qwen/Qwen2.5-Math-1.5B-Instruct

The model answers variants of dynamic program families, once as generated and once renamed (same maths,
new names): every episode is a row of an SQLite store (kill the script and rerun it: it resumes), and the
report gives accuracy across variants, worst-case accuracy and the drop the perturbation causes, with
bootstrap intervals. ``mathgym sweep --agent policy --agent-arg policy:policy=openai:URL#MODEL`` does the
same from the command line.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="the server's base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--model", required=True, help="the model name the server knows")
    parser.add_argument(
        "--families", default="dyn:10", help="family spec: dyn:N, topic:algebra, gsm-symbolic/p2"
    )
    parser.add_argument("--variants", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--out", type=Path, default=Path("results/examples/openai_sweep"))
    parser.add_argument(
        "--fast", action="store_true", help="two families, two variants, short answers (the test)"
    )
    args = parser.parse_args()

    from mathgym.report import write_report
    from mathgym.sweep import SweepSpec, run_sweep

    families, variants, max_tokens = (
        ("dyn:2", 2, 16) if args.fast else (args.families, args.variants, args.max_tokens)
    )
    spec = SweepSpec(
        agents=["policy"],
        families=[families],
        n_variants=variants,
        perturbations=["rename"],
        agent_kwargs={
            "policy": {
                "policy": f"openai:{args.url}#{args.model}",
                "sampling": {"temperature": 0.0, "max_tokens": max_tokens},
            }
        },
    )
    store = args.out / "sweep.sqlite"
    # the server batches requests; a few local workers keep it busy
    result = run_sweep(spec, store, backend="process", workers=2, progress=not args.fast)
    print(f"{result.done_before + result.added}/{result.total} episodes in {store} ({result.errors} errors)")
    paths = write_report(store, args.out / "report", run_id=result.run_id, reps=200 if args.fast else 1000)
    print(f"report: {paths['markdown']}")


if __name__ == "__main__":
    main()
