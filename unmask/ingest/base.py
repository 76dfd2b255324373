"""What every evidence parser shares: rows, problems, the registry by format name.

A parser turns one evidence file into rows (``dict[str, str]``) of one *source family*
(``windows``, ``zeek``, ``linux``, ``web``, ``generic``); each family is one Parquet schema.  Every
row carries where it came from (``_file``, ``_record``) so a finding can point back at it.
Parsers never raise on bad content: they report each problem with its position to a
:class:`Problems` log and go on with the rest.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "COMMON_COLUMNS",
    "FAMILIES",
    "NULL_FIELDS",
    "PARSERS",
    "Parser",
    "Problem",
    "Problems",
    "Row",
    "decode_utf16",
    "from_utf16",
    "json_value",
    "line_rows",
    "most_lines",
    "parser",
    "readable_name",
    "register",
    "sha256_file",
]

Row = dict[str, str]

# The source families (one Parquet schema and one folder of the case's events each).
FAMILIES = frozenset({"windows", "zeek", "linux", "web", "generic"})

# Columns every family has: the evidence file, the record in it, time (ISO 8601 UTC) and host.
COMMON_COLUMNS = ("_file", "_sha256", "_record", "_ts", "_host")
# The fields an event has with the value JSON null, lower-cased, each between new lines
# ("\ncommandline\n"); absent when it has none.  A null field is no value (Sigma's `null` and
# every comparison see it as missing), but it is present: `|exists` needs to tell it apart.
NULL_FIELDS = "_nulls"

# How many problem messages are kept per file; the count is always exact.
MAX_MESSAGES_PER_FILE = 20


@dataclass
class Problem:
    """One thing that could not be read: where, what, and how many records it cost."""

    path: str
    position: str | None
    message: str
    lost: int = 1

    def __str__(self) -> str:
        where = self.path if self.position is None else f"{self.path}:{self.position}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "position": self.position, "message": self.message, "lost": self.lost}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(str(data["path"]), data.get("position"), str(data["message"]), int(data.get("lost", 1)))


@dataclass
class Problems:
    """The problems of one file: every loss counted, the first messages kept."""

    path: str
    kept: list[Problem] = field(default_factory=list)
    skipped: int = 0

    def add(self, position: str | int | None, message: str, lost: int = 1) -> None:
        self.skipped += lost
        if len(self.kept) < MAX_MESSAGES_PER_FILE:
            pos = None if position is None else str(position)
            self.kept.append(Problem(self.path, pos, message, lost))


class Parser(Protocol):
    """One evidence format."""

    name: str
    family: str
    priority: int  # lower sniffs first: specific formats before loose ones (CSV last)

    def sniff(self, head: bytes, path: Path) -> bool:
        """Whether the first bytes of a file look like this format."""
        ...

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        """Rows of the file; each with at least ``_record``; bad parts go to ``problems``."""
        ...


PARSERS: dict[str, Parser] = {}


def register(p: Parser) -> Parser:
    """Add a parser to the registry under its name (order of registration = sniffing order)."""
    PARSERS[p.name] = p
    ordered = sorted(PARSERS.values(), key=lambda item: item.priority)
    PARSERS.clear()
    PARSERS.update((item.name, item) for item in ordered)
    return p


def parser(name: str) -> Parser:
    from unmask.errors import ConfigError

    try:
        return PARSERS[name]
    except KeyError:
        raise ConfigError(f"unknown evidence format {name!r}; known: {', '.join(sorted(PARSERS))}") from None


def text_lines(path: Path, problems: Problems) -> Iterator[tuple[int, str]]:
    """Numbered lines of a text file, undecodable bytes replaced (and counted once)."""
    bad = False
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)  # a UTF-8 BOM (Out-File -Encoding utf8)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", errors="replace")
                if not bad:
                    problems.add(number, "bytes that are not UTF-8 were replaced", lost=0)
                    bad = True
            yield number, line.rstrip("\r\n")


# How many of a text log's first lines decide its format.
LINES_SNIFFED = 5


def most_lines(
    head: bytes, matches: Callable[[str], object], skip: Callable[[str], object] | None = None
) -> bool:
    """Whether most of a file's first lines that hold something (``skip`` aside) are of a format:
    a log whose first line was cut, or that starts with a blank line or a header, still is."""
    text = head.decode("utf-8", errors="replace")
    lines = [x for x in text.split("\n") if x.strip() and not (skip and skip(x))][:LINES_SNIFFED]
    matched = sum(1 for x in lines if matches(x))
    return matched > 0 and matched * 2 >= len(lines)


def line_rows(
    path: Path,
    problems: Problems,
    read: Callable[[str], Row | None],
    what: str,
    skip: Callable[[str], object] | None = None,
    continues: Callable[[Row, str], bool] | None = None,
) -> Iterator[Row]:
    """Each line of a text log read as a row (``_record``: its line number); a line ``read`` cannot
    take is counted and named ("not {what}; skipped"), blank lines and ``skip``'s are passed over,
    and a line ``continues`` takes into the row before it (a message's next line) is part of it."""
    held: Row | None = None
    for number, line in text_lines(path, problems):
        if not line.strip() or (skip is not None and skip(line)):
            continue
        if held is not None and continues is not None and continues(held, line):
            continue
        row = read(line)
        if row is None:
            problems.add(f"line {number}", f"not {what}; skipped")
            continue
        row["_record"] = str(number)
        if continues is None:
            yield row  # nothing to wait for (and the caller may still be looking at this line)
            continue
        if held is not None:
            yield held
        held = row
    if held is not None:
        yield held


def readable_name(name: str) -> str:
    """Text that can be written as UTF-8, whatever it held; what could not is shown as escapes.

    A file or member name with bytes that are not UTF-8 (a Latin-1 name in a tar) comes from the
    OS as surrogate escapes and is shown as ``\xff``; a lone surrogate from a JSON escape
    (``\ud800``) as ``\ud800``.  Either would fail the Parquet writer, and the hunt with it.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name


def from_utf16(raw: bytes) -> bytes | None:
    """UTF-16 text with its BOM (what Windows PowerShell's ``> file`` writes) as UTF-8 bytes;
    ``None`` when ``raw`` is not that.  What is not UTF-16 is replaced (see :func:`decode_utf16`)."""
    decoded = decode_utf16(raw)
    return None if decoded is None else decoded[0]


# Said where UTF-16 text had bytes that are not UTF-16 (its readers add what they were reading).
UTF16_REPLACED = (
    "bytes that are not UTF-16 (an odd last byte: a cut file?, half of a pair) were replaced with U+FFFD"
)


def decode_utf16(raw: bytes) -> tuple[bytes, bool] | None:
    """UTF-16 text with its BOM as UTF-8 bytes, and whether bytes that are not UTF-16 (an odd last
    byte of a file cut short, a lone surrogate) were replaced with U+FFFD, as they are rather
    than the whole file being refused; ``None`` when ``raw`` does not start with a UTF-16 BOM."""
    if not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        return raw.decode("utf-16").encode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-16", errors="replace").encode("utf-8"), True


def json_value(data: str | bytes) -> Any:
    """A JSON text read by orjson; one orjson refuses only for a lone surrogate escape (``\\ud800``,
    half of a UTF-16 pair) read with that character replaced with U+FFFD, rather than skipped.
    Invalid JSON raises ``orjson.JSONDecodeError`` (a ``ValueError``)."""
    import orjson

    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "surrogate" not in str(exc):
            raise
        from unmask import safe_json

        try:
            return safe_json.loads(data, strict=True)  # NaN stays invalid, as orjson has it
        except (ValueError, RecursionError):
            raise exc from None


Sniffer = Callable[[bytes, Path], bool]


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
