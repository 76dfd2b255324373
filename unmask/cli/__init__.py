"""The ``unmask`` command line: thin commands over the library.

:func:`main` is the ``unmask`` script. It loads the commands (``unmask.cli.commands``) only once it
can say ``interrupted`` for a Ctrl-C that comes while they load: importing them takes a second or
more. ``app`` and the demo's names are loaded on first use.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from unmask.cli.interrupt import INTERRUPTED, catch_termination, say_interrupted, was_said

if TYPE_CHECKING:
    from unmask.cli.commands import DEMO_HOLDOUT, app, example_case_path

__all__ = ["DEMO_HOLDOUT", "app", "example_case_path", "main"]


def __getattr__(name: str) -> Any:
    if name in ("app", "DEMO_HOLDOUT", "example_case_path"):
        from unmask.cli import commands

        return getattr(commands, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``unmask`` script."""
    catch_termination()
    try:
        from unmask.cli.commands import app

        app()
    except KeyboardInterrupt:  # while the commands load, before a command catches it
        if not was_said():
            say_interrupted()
        sys.exit(INTERRUPTED)
    except SystemExit as exc:
        # Typer ends a Ctrl-C while it reads the arguments with 130 and says nothing.
        if exc.code == INTERRUPTED and not was_said():
            say_interrupted()
        raise
