"""``mathgym train-prm``: train a small process reward model on exact step labels, or an implicit PRM on
outcome labels, then report its ProcessBench F1 on held-out generator families."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from mathgym.cli.options import new_run_dir


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def train_prm_command(
    out: Path | None = typer.Option(
        None,
        help="checkpoint folder (loads back with make_prm(PATH); default: "
        "a new "
        "results/prm/<time>-<objective>)",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace the checkpoint already in --out"),
    objective: str = typer.Option(
        "bce", help="bce (exact step labels) | implicit (outcome labels, needs --policy)"
    ),
    generators: str | None = typer.Option(
        None, help="comma-separated training families (default: the train split)"
    ),
    items: int = typer.Option(300, min=1, help="synthetic labeled solutions per family"),
    steps: int = typer.Option(800, min=1, help="optimizer steps"),
    batch_size: int = typer.Option(16, min=1, help="solutions per step"),
    lr: float | None = typer.Option(
        None, min=1e-12, help="learning rate (default 1e-3 for bce, 1e-4 for implicit)"
    ),
    hidden: int = typer.Option(256, min=8, help="model width (bce from scratch)"),
    layers: int = typer.Option(4, min=1, help="layers (bce from scratch)"),
    heads: int = typer.Option(4, min=1, help="attention heads (bce from scratch)"),
    init_from: str | None = typer.Option(
        None, help="causal LM checkpoint to start a bce PRM's backbone from"
    ),
    policy: str | None = typer.Option(
        None, help="policy checkpoint the implicit PRM starts from (and its reference)"
    ),
    beta: float = typer.Option(0.05, min=1e-9, help="implicit PRM beta"),
    seed: int = typer.Option(0, min=0, help="data and initialisation seed"),
    eval_items: int = typer.Option(
        40, min=0, help="held-out synthetic items per family for the F1 report (0: skip)"
    ),
) -> None:
    """Train a PRM (≤ 20 M parameters by default, minutes on a CPU) and print where it is and how it scores."""
    from mathgym.process.processbench import HELD_OUT_GENERATORS, TRAIN_GENERATORS, synthetic_processbench
    from mathgym.process.training import ImplicitTrainConfig, PRMTrainConfig, train_implicit_prm, train_prm

    families = _names(generators) if generators else TRAIN_GENERATORS
    if objective not in ("bce", "implicit"):
        raise typer.BadParameter(f"--objective must be bce or implicit, got {objective!r}")
    if objective == "implicit" and not policy:
        raise typer.BadParameter("the implicit objective starts from a policy: --policy PATH")
    out = new_run_dir(
        out,
        root=Path("results/prm"),
        name=objective,
        overwrite=overwrite,
        describe={"command": "train-prm", "objective": objective, "steps": steps, "seed": seed},
    )

    def log(row: dict[str, Any]) -> None:
        typer.echo(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))

    if objective == "bce":
        config = PRMTrainConfig(
            generators=families,
            items_per_generator=items,
            seed=seed,
            steps=steps,
            batch_size=batch_size,
            learning_rate=lr or 1e-3,
            hidden_size=hidden,
            num_layers=layers,
            num_heads=heads,
            intermediate_size=3 * hidden,
            init_from=init_from,
        )
        result = train_prm(config, out, log=log)
    else:
        solutions = synthetic_processbench(families, per_generator=items, seed=seed)
        result = train_implicit_prm(
            policy,  # type: ignore[arg-type]
            solutions,
            out,
            ImplicitTrainConfig(
                beta=beta, steps=steps, batch_size=batch_size, learning_rate=lr or 1e-4, seed=seed
            ),
            log=log,
        )
    typer.echo(
        f"trained a {result.parameters / 1e6:.2f} M-parameter PRM in {result.seconds:.0f} s: {result.path}"
    )
    if eval_items > 0:
        from mathgym.process.prm import make_prm, predict_first_error
        from mathgym.process.processbench import best_threshold, processbench_f1, score_solutions

        prm = make_prm(str(result.path), cache=False)
        held_out = synthetic_processbench(HELD_OUT_GENERATORS, per_generator=eval_items, seed=seed + 1000)
        scores = score_solutions(prm, held_out)
        threshold, f1 = best_threshold(scores, [s.first_error_index for s in held_out])
        at_half = processbench_f1(
            [predict_first_error(r, 0.5) for r in scores], [s.first_error_index for s in held_out]
        )
        typer.echo(
            f"held-out families {', '.join(HELD_OUT_GENERATORS)}: ProcessBench F1 {at_half['f1']:.1f} at threshold "
            f"0.5 (best threshold {threshold:.3f} on this set would give {f1:.1f})"
        )
