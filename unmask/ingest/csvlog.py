"""CSV (and TSV / semicolon) exports with a header row: each row an event, keys from the header.

Windows event exports (columns ``EventID`` and ``Channel``) go to the ``windows`` family;
everything else to ``generic``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from unmask.ingest.base import Problems, Row, register
from unmask.ingest.fields import evidence_key, stamp

__all__ = ["CsvParser"]

_TIME = ("@timestamp", "timestamp", "TimeCreated", "time", "Time", "date", "Date", "UtcTime", "ts")
_HOST = ("Computer", "hostname", "host", "Host", "host.name")
csv.field_size_limit(64 * 1024 * 1024)


def _dialect(head: str) -> type[csv.Dialect] | None:
    lines = [line for line in head.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return None
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return None
    rows = list(csv.reader(io.StringIO("\n".join(lines[:-1])), dialect))
    widths = {len(r) for r in rows}
    if len(widths) != 1 or widths.pop() < 2:
        return None
    return dialect


class CsvParser:
    name = "csv"
    family = "generic"
    priority = 90

    def sniff(self, head: bytes, path: Path) -> bool:
        if b"\x00" in head:
            return False
        return _dialect(head.decode("utf-8", errors="replace")) is not None

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
            dialect = _dialect(handle.read(65536)) or csv.excel
            handle.seek(0)
            reader = csv.reader(handle, dialect)
            try:
                header = next(reader)
            except (StopIteration, csv.Error):
                problems.add(1, "no header row", lost=0)
                return
            header = [evidence_key(h.strip().lstrip("\ufeff")) for h in header]
            family = "windows" if {"EventID", "Channel"} <= set(header) else "generic"
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    problems.add(f"line {reader.line_num}", f"malformed CSV row skipped: {exc}")
                    continue
                if not values:
                    continue
                if len(values) != len(header):
                    problems.add(
                        f"line {reader.line_num}", f"{len(values)} values for {len(header)} columns; skipped"
                    )
                    continue
                row: Row = {k: v for k, v in zip(header, values, strict=True) if k and v != ""}
                row["_record"] = str(reader.line_num)
                row["_family"] = family
                stamp(row, _TIME, _HOST)
                yield row


register(CsvParser())
