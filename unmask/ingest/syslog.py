"""Linux auth.log / syslog lines (BSD ``Mon dd hh:mm:ss host prog[pid]: msg`` and RFC 5424)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from unmask.ingest.base import Problems, Row, register, text_lines
from unmask.ingest.fields import iso_utc

__all__ = ["SyslogParser"]

_BSD = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>)?(?P<ts>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (?P<host>\S+) "
    r"(?P<prog>[^:\[\s]+)(?:\[(?P<pid>\d+)\])?: ?(?P<msg>.*)$"
)
_ISO = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>(?:1 )?)?(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) "
    r"(?P<host>\S+) (?P<prog>[^:\[\s]+)(?:\[(?P<pid>\d+)\])?:? ?(?P<msg>.*)$"
)


def _bsd_time(text: str, year: int, written: datetime | None = None) -> str | None:
    """A BSD time (no year) in ``year``; a line dated after the file was last written (``written``,
    by more than a day) is from the year before: "Dec 31" in a file rotated on 5 January."""
    try:
        moment = datetime.strptime(f"{year} {text}", "%Y %b %d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    if written is not None and moment > written + timedelta(days=1):
        try:
            moment = moment.replace(year=year - 1)
        except ValueError:  # 29 February
            return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SyslogParser:
    name = "syslog"
    family = "linux"
    priority = 30

    def sniff(self, head: bytes, path: Path) -> bool:
        first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        return bool(_BSD.match(first) or _ISO.match(first))

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        # BSD syslog has no year: take the file's modification year (documented assumption), the
        # year before for a line dated after the file was last written.
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        year = written.year
        service = "auth" if path.name.startswith(("auth", "secure")) else "syslog"
        for number, line in text_lines(path, problems):
            if not line.strip():
                continue
            match = _BSD.match(line) or _ISO.match(line)
            if match is None:
                problems.add(f"line {number}", "not a syslog line; skipped")
                continue
            parts = match.groupdict()
            ts = _bsd_time(parts["ts"], year, written) if parts["ts"][0].isalpha() else iso_utc(parts["ts"])
            row: Row = {
                "_record": str(number),
                "_host": parts["host"],
                "_log": service,
                "host": parts["host"],
                "program": parts["prog"],
                "message": parts["msg"],
            }
            if parts.get("pid"):
                row["pid"] = parts["pid"]
            if ts:
                row["_ts"] = ts
            yield row


register(SyslogParser())
