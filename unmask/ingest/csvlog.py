"""CSV (and TSV / semicolon) exports with a header row: each row an event, keys from the header.

Windows event exports (columns ``EventID`` and ``Channel``) go to the ``windows`` family;
everything else to ``generic``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

from unmask.ingest.base import Problems, Row, register
from unmask.ingest.fields import evidence_key, stamp
from unmask.ingest.jsonlog import json_row
from unmask.ingest.weblog import W3C_COLUMNS, w3c_row
from unmask.ingest.winexport import as_windows

__all__ = ["CsvParser"]

_TIME = ("@timestamp", "timestamp", "TimeCreated", "time", "Time", "date", "Date", "UtcTime", "ts")
_HOST = ("Computer", "hostname", "host", "Host", "host.name")
_DELIMITERS = ",\t;|"
csv.field_size_limit(64 * 1024 * 1024)


def _dialect(head: str) -> type[csv.Dialect] | None:
    lines = [line for line in head.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return None
    candidates: list[type[csv.Dialect]] = []
    with contextlib.suppress(csv.Error):  # the sniffer gives up on a bad row
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS)
        if not sniffed.doublequote and not sniffed.escapechar:
            # Its guess misses a quoted message's `""` (PowerShell's Export-Csv writes them); with
            # neither, a quote could not be written inside a value at all.
            sniffed.doublequote = True
        candidates.append(sniffed)
    # Then each delimiter: the sniffer reads lines, and a quoted value can hold line breaks and
    # tabs (a Windows event's message), which it takes for rows and delimiters.
    candidates += [type("Delimited", (csv.excel,), {"delimiter": d}) for d in _DELIMITERS]
    for dialect in candidates:
        try:
            records = [row for row in csv.reader(io.StringIO(head), dialect) if row]
        except csv.Error:
            continue
        # The last record of a sample cut from a longer file may be cut short.
        rows = (records if head.endswith("\n") else records[:-1])[:21]
        # A table: a header of two columns or more that most rows match (a short or long row is a
        # bad row of a CSV file, reported when parsed, not a reason to call the file something else).
        width = len(rows[0]) if rows else 0
        fitting = sum(len(r) == width for r in rows[1:])
        others = len(rows) - 1
        if width >= 2 and others >= 1 and fitting >= others - max(1, others // 5):
            return dialect
    return None


# A quoted field may hold line breaks; a row spanning more lines than this is reported.
MAX_ROW_LINES = 100


def _unique(header: list[str]) -> list[str]:
    """Column names made unique (``msg, msg`` -> ``msg, msg_2``): no value is dropped."""
    seen: dict[str, int] = {}
    result = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 or not name else f"{name}_{seen[name]}")
    return result


# Event Viewer's "Save as CSV" (English): Level, Date and Time, Source, Event ID, Task Category.
_EVENT_VIEWER = ["level", "date and time", "source", "event id", "task category"]


def _typeless(text: str) -> str:
    """CSV text without PowerShell's ``#TYPE`` first line."""
    return text.split("\n", 1)[1] if text.startswith("#TYPE ") and "\n" in text else text


class CsvParser:
    name = "csv"
    family = "generic"
    priority = 90

    def sniff(self, head: bytes, path: Path) -> bool:
        if b"\x00" in head:
            return False
        return _dialect(_typeless(head.decode("utf-8", errors="replace"))) is not None

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        with path.open("rb") as raw:
            try:
                raw.read(1 << 20).decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.start < (1 << 20) - 4:  # not a character cut at the end of the sample
                    problems.add(None, "bytes that are not UTF-8 were replaced (another encoding?)", lost=0)
        with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
            sample = handle.read(65536)
            dialect = _dialect(_typeless(sample))
            while dialect is None and len(sample) < (1 << 20):  # a first row of a long message
                more = handle.read(len(sample))
                if not more:
                    break
                sample += more
                dialect = _dialect(_typeless(sample))
            dialect = dialect or csv.excel
            handle.seek(0)
            # PowerShell's Export-Csv writes "#TYPE <.NET class>" first: a blank line in its place
            # keeps every row's line number.
            lines = ("\n" if n == 0 and line.startswith("#TYPE ") else line for n, line in enumerate(handle))
            reader = csv.reader(lines, dialect)
            try:
                header = next(reader)
                while not header:
                    header = next(reader)
            except (StopIteration, csv.Error):
                problems.add(1, "no header row", lost=0)
                return
            header = _unique([evidence_key(h.strip().lstrip("\ufeff")) for h in header])
            if [h.lower() for h in header] == _EVENT_VIEWER:
                # Event Viewer's "Save as CSV": the message is a sixth cell without a header.
                header = ["Level", "TimeCreated", "Provider_Name", "EventID", "TaskCategory", "Message"]
            # Windows events under any tool's names (EvtxECmd's EventId, Splunk's EventCode ...).
            probe = as_windows(dict.fromkeys(header, "1"))
            lowered = {h.lower() for h in header}
            # Splunk's XmlWinEventLog export: the rendered event in _raw beside EventCode.
            splunk = "_raw" in lowered and bool({"eventcode", "eventid"} & lowered)
            kibana = any(h.startswith("winlog.") for h in header)
            family = "windows" if probe is not None or splunk or kibana else "generic"
            # An access log exported with the W3C names Sigma's web rules use (weblog.py's family).
            web = len(W3C_COLUMNS & {h.lower() for h in header}) >= 2 and family == "generic"
            family = "web" if web else family
            offset = 0  # lines before the reader's first: it starts again after a swallowing row
            lines_total: int | None = None
            while True:
                first = offset + reader.line_num + 1  # a row's first line: a quoted value can span several
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    problems.add(f"line {first}", f"malformed CSV row skipped: {exc}")
                    continue
                if not values:
                    continue
                span = offset + reader.line_num - first + 1
                if span > 1 and lines_total is None:
                    lines_total = _line_count(path)  # once, and only for a file with such a row
                if span > 1 and offset + reader.line_num >= (lines_total or 0) and _quote_open(path, first):
                    # A quote never closed swallowed the rest of the file: the row is lost, the
                    # lines after its first are read again as rows.
                    problems.add(
                        f"line {first}",
                        f"an unterminated quote runs to the end of the file ({span} lines); the row "
                        "is skipped and the lines after it read again",
                    )
                    handle.seek(0)
                    offset = first
                    reader = csv.reader(itertools.islice(handle, first, None), dialect)
                    continue
                if span > MAX_ROW_LINES:
                    problems.add(
                        f"line {first}",
                        f"one row spans {span} lines (an unterminated quote?); check the lines it swallowed",
                        lost=0,
                    )
                names = header
                if len(values) == len(header) + 1 and "Message" not in header:
                    # One cell more than the header, as Event Viewer writes its message in any
                    # language: kept as the row's Message, not the row lost.
                    names = [*header, "Message"]
                if len(values) != len(names):
                    problems.add(f"line {first}", f"{len(values)} values for {len(header)} columns; skipped")
                    continue
                row: Row = {k: v for k, v in zip(names, values, strict=True) if k and v != ""}
                if web:  # as a W3C log's line: Sigma's names, the request target, date and time
                    row = w3c_row(row)
                elif kibana:  # a Kibana export of Winlogbeat's events: "winlog.event_data.Image"
                    row = json_row(row) or row
                elif family == "windows":
                    row = as_windows(row) or row
                row["_record"] = str(first)
                row["_family"] = family
                if "_ts" not in row:
                    stamp(row, _TIME, _HOST)
                yield row


def _quote_open(path: Path, first: int) -> bool:
    """Whether the lines from ``first`` to the end of the file leave a quote open (an odd number of
    quote characters: a doubled quote inside a value counts two)."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        return sum(line.count('"') for line in itertools.islice(handle, first - 1, None)) % 2 == 1


def _line_count(path: Path) -> int:
    """How many lines the file has, as its rows are read (universal newlines)."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        return sum(1 for _ in handle)


register(CsvParser())
