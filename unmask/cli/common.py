"""What every command shares: consoles, JSON output, and turning errors into one line."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from unmask.cli.interrupt import INTERRUPTED, say_interrupted
from unmask.errors import ConfigError, UnmaskError
from unmask.knowledge.home import unmask_home
from unmask.model import Case, Tlp
from unmask.printable import PROSE_CHARS, clip, json_text, printable

__all__ = [
    "JsonOption",
    "LogProgress",
    "WrittenJson",
    "cell",
    "check_json_format",
    "check_json_output",
    "check_output",
    "console",
    "counted",
    "dash_is_stdout",
    "emit_json",
    "err_console",
    "flag",
    "output_format",
    "plain",
    "printable",
    "prose",
    "say_written",
    "stage_progress",
    "user_errors",
    "written_record",
]


def flag(*names: str, help: str, **settings: Any) -> Any:
    """A boolean option that takes no value: the help shows it as a flag alone (``--json``).

    Typer 0.29's rich help prints a flag's type after it (``--json <bool>``) unless the option has
    a metavar; an empty one prints nothing there, in every version of the help.
    """
    return typer.Option(*names, help=help, metavar="", **settings)


# Every command takes --json: its result (or, for a command that writes a file, what it wrote) as
# JSON on standard output, for scripts.
JsonOption = Annotated[bool, flag("--json", help="Print JSON (for scripts) instead of tables.")]
# A command whose output is a file: --json says what it wrote.
WrittenJson = Annotated[
    bool, flag("--json", help="With -o: what was written (path, format, bytes, SHA-256) as JSON.")
]

# What is written for others (a report, an export): its marking and who issues it.
TlpOption = Annotated[
    str | None,
    typer.Option(
        "--tlp",
        help="Mark what is written with this TLP label (clear, green, amber, amber+strict, red) "
        "instead of the case's own (the strictest of its inputs).",
    ),
]
OrgOption = Annotated[
    str | None,
    typer.Option(
        "--org",
        envvar="UNMASK_ORG",
        help="The organisation that issues it (STIX identity, MISP creator organisation, report "
        "footer); default: unmask, named as the system that wrote it.",
    ),
]


class _Console(Console):
    """A rich console that leaves a closed pipe (``unmask hunt ... | head -1``) to the command, which
    stops quietly with exit code 141 as Unix tools do (:func:`user_errors`); rich itself would end
    the process with exit code 1, as for an error."""

    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more is written to the closed pipe
        raise BrokenPipeError


console = _Console()
err_console = _Console(stderr=True, soft_wrap=True)  # one message, one line: never wrapped

P = ParamSpec("P")
R = TypeVar("R")


def counted(number: int, word: str) -> str:
    """ "1 finding", "3 findings", "1,024 files": a count with its noun (plural by an "s")."""
    return f"{number:,} {word}" if number == 1 else f"{number:,} {word}s"


def plain(value: object) -> Text:
    """Source or evidence text for the terminal: never rich markup, never a control sequence."""
    return Text("" if value is None else printable(str(value)))


def cell(value: object) -> Text:
    """A value from the evidence in a terminal table: :func:`plain`, and clipped as the reports clip
    it (its first :data:`~unmask.printable.SHOWN_CHARS` characters and how long it is), so one
    megabyte host name in a log does not fill the terminal with a cell of 16,000 lines."""
    return plain(None if value is None else clip(str(value)))


def prose(value: object) -> Text:
    """One of unmask's own sentences (the judgement, a warning) for the terminal: :func:`plain`,
    shown whole up to :data:`~unmask.printable.PROSE_CHARS` as the reports show it (it quotes
    part labels, a log's host names among them, of any length)."""
    return plain(None if value is None else clip(str(value), PROSE_CHARS))


def one_line(value: object) -> Text:
    """A message the terminal shows on one line: :func:`plain`, and a new line inside it (a file
    named with one, a parser's message over several lines) shown as ``\\n``."""
    return Text(printable(str(value)).replace("\n", "\\n"))


def emit_json(data: Any) -> None:
    """Write ``data`` as indented JSON on standard output (no markup, no wrapping)."""
    sys.stdout.write(json_text(json.dumps(_finite(data), indent=2, ensure_ascii=False, default=str)) + "\n")


def _finite(data: Any) -> Any:
    """``data`` with NaN and infinities as ``null``: JSON has no such numbers (``NaN`` is not JSON)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


class LogProgress:
    """Progress as plain lines on standard error, for a log or CI (no terminal to draw bars on):
    a stage's count at most every ``interval`` seconds, and when it is done."""

    def __init__(self, interval: float = 15.0) -> None:
        self.interval = interval
        self.last: dict[str, float] = {}
        self.finished: set[str] = set()

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        complete = bool(total) and done >= total
        # The first count of a stage is always shown (the monotonic clock may start near zero).
        recent = label in self.last and now - self.last[label] < self.interval
        if label in self.finished or (not complete and recent):
            return
        self.last[label] = now
        if complete:
            self.finished.add(label)
        count = f"{done:,}/{total:,}" if total else f"{done:,}"
        err_console.print(f"{label}: {count}{' (done)' if complete else ''}", markup=False, highlight=False)


def check_json_format(as_json: bool, fmt: str, default: str, json_formats: tuple[str, ...]) -> None:
    """--json with a --format that is neither the default nor JSON asks for two things: refused."""
    if as_json and fmt != default and fmt not in json_formats:
        raise ConfigError(f"--json asks for JSON and --format {fmt} for something else: give one of them")


def dash_is_stdout(value: Path | None) -> Path | None:
    """``-o -`` means standard output, as for most command-line tools (not a file named "-")."""
    return None if value is not None and str(value) == "-" else value


def output_format(fmt: str | None, output: Path | None, by_suffix: dict[str, str], default: str) -> str:
    """The format to write: ``--format`` if given, else the one ``-o``'s extension names
    (``-o findings.csv`` writes CSV), else ``default``. An extension the command does not write
    (``-o report.docx``) is refused unless ``--format`` says what to write under it, and so is an
    extension that names another format than ``--format``."""
    suffix = output.suffix.lower() if output is not None else ""
    named = by_suffix.get(suffix)
    if fmt is None:
        if suffix and named is None:
            formats = ", ".join(sorted(set(by_suffix.values())))
            raise ConfigError(
                f"-o {output}: this command writes {formats}; give --format to write one anyway"
            )
        return named or default
    if named is not None and named != fmt:
        raise ConfigError(f"-o {output} names a {named} file and --format asks for {fmt}: give one of them")
    return fmt


def check_json_output(output: Path | None, what: str) -> None:
    """Refuse an ``-o`` whose extension names another kind of file than the JSON the command writes
    (``export --format misp -o event.xml``: MISP has an XML format too; ``-o layer.txt``), as
    :func:`output_format` refuses one for the commands that write several kinds; ``.json`` and no
    extension are fine."""
    suffix = output.suffix.lower() if output is not None else ""
    if suffix and suffix != ".json":
        raise ConfigError(f"-o {output}: this command writes {what} as JSON; give the file a .json name")


def check_output(output: Path | None, *inputs: Path) -> None:
    """Refuse an output that would overwrite an input (``report case.yml -o case.yml``), in a folder
    that does not exist, or over a read-only file."""
    if output is None:
        return
    # A mistyped folder is not made (-o /tmp/reprots/r.html); a file someone made read-only is kept.
    parent = output.resolve().parent  # through a link, the folder it points into
    if not parent.exists():
        raise ConfigError(f"-o {output}: the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise ConfigError(f"-o {output}: {parent} is a file, not a folder")
    if output.is_file() and not output.stat().st_mode & 0o222:
        raise ConfigError(f"-o {output} is read-only; make it writable or choose another file")
    target = output.resolve()
    home = unmask_home().resolve()
    if target == home or target.is_relative_to(home):
        raise ConfigError(f"-o {output} is inside unmask's own folder ({home}); choose another place")
    for given in inputs:
        source = given.resolve()
        if target == source or (
            source.is_dir() and target.parent == source and target.suffix in (".json", ".parquet")
        ):
            raise ConfigError(f"-o {output} would overwrite the input {given}; choose another file")


def say_written(path: Path, fmt: str, as_json: bool, **extra: Any) -> None:
    """Say what a command wrote: a line on stderr, and with ``--json`` a record on stdout."""
    err_console.print(f"wrote {path}", markup=False, highlight=False)
    if as_json:
        emit_json(written_record(path, fmt, **extra))


def written_record(path: Path, fmt: str, **extra: Any) -> dict[str, Any]:
    """What ``--json`` says of a file a command wrote: its path, format, size and SHA-256."""
    data = path.read_bytes()
    return {
        "written": str(path),
        "format": fmt,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **extra,
    }


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so the unwritten rest does not fail again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured in tests): nothing to drop
        pass


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn :class:`UnmaskError` into ``error: <message>`` on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a failed write of the output is the command's error, said here
            return result
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
            _drop_stdout()
            raise typer.Exit(code=141) from None
        except OSError as exc:
            _drop_stdout()
            where = f"{exc.filename}" if exc.filename else "cannot write the output"
            err_console.print(
                printable(f"error: {where}: {exc.strerror or exc}"),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(code=2) from None
        except UnmaskError as exc:
            err_console.print(printable(f"error: {exc}"), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
        except RecursionError:  # a backstop: the readers say where when they can
            err_console.print("error: an input is nested too deeply to read", markup=False)
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            say_interrupted()
            raise typer.Exit(code=INTERRUPTED) from None

    return wrapper


@contextlib.contextmanager
def stage_progress(
    as_json: bool, labels: dict[str, str] | None = None
) -> Iterator[Callable[[str, int, int], None]]:
    """A ``step(stage, done, total)`` for long work: bars on a terminal (none with ``--json``), a
    few plain lines on standard error without one (:class:`LogProgress`)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )  # fmt: skip

    names = labels or {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err_console, transient=True, disable=as_json or not err_console.is_terminal,
    ) as progress:  # fmt: skip
        tasks: dict[str, TaskID] = {}
        logged = LogProgress() if not err_console.is_terminal else None

        def step(stage: str, done: int, total: int) -> None:
            if logged is not None:
                logged(names.get(stage, stage), done, total)
                return
            if stage not in tasks:
                tasks[stage] = progress.add_task(names.get(stage, stage), total=total or None)
            progress.update(tasks[stage], completed=done, total=total or None)

        yield step


def marked(case: Case, tlp: str | None) -> Case:
    """The case under the TLP label the analyst gives for what is written (``--tlp``), with a note
    when it is less restrictive than the case's inputs allow."""
    if tlp is None:
        return case
    label = Tlp.parse(tlp)
    if label.rank < case.tlp.rank:
        err_console.print(
            f"note: marked TLP:{label.value.upper()}, less restrictive than the case's TLP:"
            f"{case.tlp.value.upper()} (the strictest of its inputs): sharing more widely than the "
            "sources allow is the analyst's decision",
            markup=False,
            highlight=False,
        )
    case.tlp = label
    return case


def issuer(org: str | None) -> str | None:
    """The organisation named with ``--org`` (or ``UNMASK_ORG``), None when none is."""
    if org is None or not org.strip():
        return None
    name = " ".join(org.split())
    if len(name) > 200 or not name.isprintable():
        raise ConfigError("--org: give an organisation's name (printable, at most 200 characters)")
    return name
