"""``unmask bench ...``: the benchmarks that ship with unmask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from unmask.attribute.params import DEFAULT_PARAMS
from unmask.bench.attribution import run_benchmark
from unmask.bench.report import report
from unmask.bench.tuning import fit_combination, tune
from unmask.cli.common import console, emit_json, err_console, flag, user_errors
from unmask.knowledge.home import atomic_write, check_writable
from unmask.knowledge.store import load_kb

__all__ = ["bench_app"]

bench_app = typer.Typer(help="Benchmarks; results go to docs/benchmarks/.", no_args_is_help=True)

COMMAND = "unmask bench attribution --output docs/benchmarks/attribution.md"


@bench_app.command("attribution")
@user_errors
def attribution_command(
    output: Annotated[Path | None, typer.Option(help="Write the Markdown report here.")] = None,
    quick: Annotated[bool, flag(help="Every fifth unit only (a smoke run).")] = False,
    tune_params: Annotated[
        bool, flag("--tune", help="Choose parameters on the development split and print them.")
    ] = False,
    fit_only: Annotated[
        bool,
        flag(
            "--fit",
            help="Only refit the ranking and sponsor weights on the development split and print them.",
        ),
    ] = False,
    as_json: Annotated[bool, flag("--json", help="Print every metric as JSON.")] = False,
    units_path: Annotated[
        Path | None,
        typer.Option(
            "--units",
            help="Also write every unit's outcome (truth, what came first, rank, probabilities) as JSON.",
        ),
    ] = None,
) -> None:
    """Leave-one-campaign-out, leave-one-citation-out, open set and sponsor level on the installed KB.

    Example: unmask bench attribution --output docs/benchmarks/attribution.md
    """
    for target in (output, units_path):  # a run takes minutes: find out first that it can be saved
        if target is not None:
            check_writable(target)
    kb = load_kb()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("attribution benchmark", total=None)

        def step(label: str, done: int, total: int) -> None:
            progress.update(task, description=label, completed=done, total=total or None)

        if tune_params or fit_only:
            params, log = (fit_combination if fit_only else tune)(kb, DEFAULT_PARAMS, step)
            for line in log:
                err_console.print(line, markup=False, highlight=False)
            emit_json(params.to_dict())
            return
        result = run_benchmark(kb, DEFAULT_PARAMS, step, quick=quick, per_unit=units_path is not None)
    if units_path is not None:
        records = result.pop("units")
        atomic_write(units_path, json.dumps(records, indent=1, default=float).encode())
        err_console.print(
            f"wrote {len(records)} unit outcomes to {units_path}", markup=False, highlight=False
        )
    command = f"unmask bench attribution --output {output}" if output is not None else COMMAND
    text = report(result, command + (" --quick" if quick else ""))
    if output is not None:
        atomic_write(output, text.encode())
        err_console.print(f"wrote {output}", markup=False, highlight=False)
    if as_json:
        emit_json(json.loads(json.dumps(result, default=float)))
    else:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
