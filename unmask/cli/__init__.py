"""The ``unmask`` command line: thin commands over the library."""

from __future__ import annotations

from typing import Annotated

import typer

from unmask import __version__
from unmask.cli.common import console, emit_json, user_errors
from unmask.cli.kb import kb_app
from unmask.cli.render import actor_view, summary_view
from unmask.knowledge.store import load_kb

__all__ = ["app", "main"]

app = typer.Typer(
    help="unmask: investigate a cyberattack and attribute it, with calibrated, explained confidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(kb_app, name="kb")

DEMO_ACTOR = "OilRig"


def _version(value: bool) -> None:
    if value:
        console.print(f"unmask {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """unmask: investigate a cyberattack and attribute it."""


@app.command("demo")
@user_errors
def demo_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show what unmask knows: the KB summary and one actor profile.

    Example: unmask demo
    """
    kb = load_kb()
    actor = kb.actor(DEMO_ACTOR)
    if as_json:
        emit_json({"kb": kb.summary(), "actor": actor.to_dict()})
        return
    console.rule("The knowledge base")
    console.print(summary_view(kb.summary()))
    console.rule(f"An actor profile: {actor.name}")
    console.print(actor_view(kb, actor))


def main() -> None:
    """Entry point of the ``unmask`` script."""
    app()
