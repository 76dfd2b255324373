"""How a command ends when it is stopped: Ctrl-C, SIGTERM or a closed terminal (SIGHUP).

Every command, at any stage (importing its modules, reading its arguments, running), ends with
one line on standard error, ``interrupted`` (``interrupted (SIGTERM)``), and the exit code
128 + the signal's number, after the cleanup the interruption unwinds through (a hunt removes
its staging folder, a write its temporary file). Only the standard library is imported here: this
runs before the rest of unmask is loaded.
"""

from __future__ import annotations

import contextlib
import signal
import sys

__all__ = ["INTERRUPTED", "catch_termination", "say_interrupted", "was_said"]

INTERRUPTED = 128 + signal.SIGINT  # 130, as shells report a command Ctrl-C stopped

# Whether this process has said it was interrupted: the command that caught Ctrl-C says so, and the
# entry point, which sees the same exit code, does not say it again.
_said: list[str] = []


def say_interrupted(how: str = "") -> None:
    """Write ``interrupted`` (``interrupted (SIGTERM)`` when ``how`` names the signal) on standard
    error; never fails (the terminal may be gone)."""
    _said.append(how)
    with contextlib.suppress(Exception):
        sys.stderr.write(f"interrupted ({how})\n" if how else "interrupted\n")
        sys.stderr.flush()


def was_said() -> bool:
    """Whether :func:`say_interrupted` has run in this process."""
    return bool(_said)


def _terminated(signum: int, frame: object) -> None:
    # SIGTERM (kill, a CI timeout) ends the command the way Ctrl-C does: every command's cleanup
    # runs (a hunt removes its staging folder, a write its temporary file) before the exit.
    say_interrupted(signal.Signals(signum).name)
    raise SystemExit(128 + signum)


def catch_termination() -> None:
    """End the command on SIGTERM and SIGHUP (the terminal closed) as on Ctrl-C."""
    signal.signal(signal.SIGTERM, _terminated)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, _terminated)
