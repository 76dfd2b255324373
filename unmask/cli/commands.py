"""The ``unmask`` command line: every command on one Typer app (``unmask.cli.main`` runs it)."""

from __future__ import annotations

import inspect
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from unmask import __version__
from unmask.attribute.engine import attribute_case
from unmask.cases import load_case
from unmask.cli.assessment_view import assessment_view
from unmask.cli.attribute import attribute_command
from unmask.cli.bench import bench_app
from unmask.cli.common import console, emit_json, err_console, flag, user_errors
from unmask.cli.export import export_command
from unmask.cli.extract import extract_command
from unmask.cli.hunt import findings_command, hunt_command, timeline_command
from unmask.cli.kb import kb_app
from unmask.cli.render import summary_view
from unmask.cli.report import report_command
from unmask.errors import UnmaskError
from unmask.knowledge.store import load_kb

__all__ = ["DEMO_HOLDOUT", "app", "example_case_path"]

app = typer.Typer(
    help="unmask: investigate a cyberattack and attribute it, with calibrated, explained confidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(kb_app, name="kb")
app.add_typer(bench_app, name="bench")
app.command("attribute")(attribute_command)
app.command("hunt")(hunt_command)
app.command("findings")(findings_command)
app.command("timeline")(timeline_command)
app.command("extract")(extract_command)
app.command("export")(export_command)
app.command("report")(report_command)

DEMO_CASE = "albania-2022.yml"
# The KB's own description of the incident, built from the same public reports: held out.
DEMO_HOLDOUT = "C0038"


def example_case_path(name: str = DEMO_CASE) -> Path:
    """The path of an example case shipped with the package."""
    return Path(str(resources.files("unmask") / "data" / "examples" / name))


def _version(value: bool) -> None:
    if value:
        console.print(f"unmask {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, flag("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """unmask: investigate a cyberattack and attribute it."""


@app.command("demo")
@user_errors
def demo_command(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the incident, case, report and exports (default: unmask-demo)."
        ),
    ] = None,
    example: Annotated[
        bool,
        flag(
            "--example",
            help="Only attribute the small example case shipped with unmask (printed; nothing written).",
        ),
    ] = False,
    as_json: Annotated[bool, flag("--json", help="Print JSON.")] = False,
) -> None:
    """Run the whole pipeline on a synthetic incident and write unmask-demo/report.html.

    The incident (a government network hit in phases: web shell, credential dumping, lateral
    movement, mailbox theft, ransomware and a wiper) is generated, hunted with the demo Sigma
    rules and a partner's indicator list, enriched with a partner's report, attributed,
    reported and exported.

    Example: unmask demo --out unmask-demo
    """
    if example and out is not None:
        raise UnmaskError(
            "--example only prints the example case's assessment and writes nothing: leave out --out"
        )
    out = out or Path("unmask-demo")
    kb = load_kb()
    if example:
        _example_demo(kb, as_json)
        return
    from rich.status import Status

    from unmask.demo.run import run_demo

    with Status("starting", console=err_console, spinner="dots") as status:
        result = run_demo(out, kb, step=lambda message: status.update(message))
    if as_json:
        emit_json(
            {
                "outputs": {k: str(v) for k, v in result.outputs.items()},
                "hunt": result.hunt_summary,
                "assessment": result.assessment.to_dict(),
                "truth": result.incident.truth,
                "seconds": round(result.seconds, 2),
                "held_out": result.held_out,
            }
        )
        return
    summary = result.hunt_summary
    console.print(
        f"Synthetic incident: {summary['total_events']} events on {len(summary['by_host'])} hosts; "
        f"{summary['findings']} findings; report read: {result.incident.report.name}",
        markup=False,
        highlight=False,
    )
    if result.held_out:
        console.print(
            f"Held out of the KB: campaign {', '.join(result.held_out)} (the public account the incident is modelled on).",
            markup=False,
            highlight=False,
        )
    console.print(assessment_view(result.assessment, width=console.width))
    console.rule("Written")
    for name, path in result.outputs.items():
        console.print(f"{name:10} {path}", markup=False, highlight=False)
    console.print(
        f"in {result.seconds:.1f} s; open {result.outputs['report']} in a browser",
        markup=False,
        highlight=False,
    )


def _example_demo(kb: Any, as_json: bool) -> None:
    case = load_case(example_case_path())
    held_out = [DEMO_HOLDOUT] if DEMO_HOLDOUT in kb.campaigns else []
    assessment = attribute_case(case, kb.view(without_campaigns=held_out))
    if as_json:
        emit_json({"kb": kb.summary(), "case": case.to_dict(), "assessment": assessment.to_dict()})
        return
    console.rule("The knowledge base")
    console.print(summary_view(kb.summary()))
    console.rule(f"Attributing the example case {case.id} ({len(case.observations)} observations)")
    note = (
        f"Held out of the KB: campaign {DEMO_HOLDOUT} ({kb.campaigns[DEMO_HOLDOUT].name}), which the "
        "public reports of the same incident describe."
        if held_out
        else f"(This KB has no campaign {DEMO_HOLDOUT}: nothing held out.)"
    )
    console.print(f"Case file: {example_case_path()}\n{note}", markup=False, highlight=False)
    console.print(assessment_view(assessment, width=console.width))


def _reflow(text: str) -> str:
    """A docstring as help: each paragraph's lines joined (the terminal wraps them itself; kept as
    written they break mid-sentence), paragraphs still apart, and a block of examples whose lines
    are indented to align kept as it is."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(
        p if any(line[:1].isspace() for line in p.split("\n")[1:]) else " ".join(p.split())
        for p in paragraphs
    )


def _reflow_help(group: typer.Typer) -> None:
    for info in group.registered_commands:
        if info.help is None and info.callback is not None and info.callback.__doc__:
            info.help = _reflow(inspect.cleandoc(info.callback.__doc__))
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _reflow_help(sub.typer_instance)


_reflow_help(app)
