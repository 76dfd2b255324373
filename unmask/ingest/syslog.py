"""Linux syslog lines: BSD (``Mon dd hh:mm:ss host prog[pid]: msg``, as auth.log and
``journalctl`` write them), rsyslog's ISO 8601 form and RFC 5424.

A file is syslog when most of its first lines are; ``journalctl``'s ``-- Journal begins ...`` and
``-- Boot ... --`` lines are not events and are passed over.  RFC 5424's PROCID, MSGID and
structured data get fields of their own (``pid``, ``msgid``, ``structured_data``).  A program
given by its path (``/usr/sbin/cron``) is named by its file name, as Sigma's services are.  An
audit record forwarded through syslog (``audit[…]: SYSCALL ...``) gets its fields read as in
audit.log (auditd.py), with ``_log`` ``auditd``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from unmask.ingest.auditd import forwarded_record
from unmask.ingest.base import Problems, Row, line_rows, most_lines, register
from unmask.ingest.fields import iso_utc, naive_zone

__all__ = ["AUTH_PROGRAMS", "SyslogParser", "program_name", "syslog_row", "with_audit_record"]

_BSD = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>)?(?P<ts>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))? "
    r"(?P<host>\S+) (?P<prog>[^:\[\s]+)(?:\[(?P<pid>\d+)\])?: ?(?P<msg>.*)$"
)
_RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<prog>\S+) (?P<pid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[(?:[^\]\\\"]|\\.|\"(?:[^\"\\]|\\.)*\")*\])+)(?: (?P<msg>.*))?$"
)
_ISO = re.compile(
    r"^(?:<(?P<pri>\d{1,3})>(?:1 )?)?(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) "
    r"(?P<host>\S+) (?P<prog>[^:\[\s]+)(?:\[(?P<pid>\d+)\])?:? ?(?P<msg>.*)$"
)
# What journalctl writes between events: "-- Journal begins at ...", "-- Boot 3e1f... --",
# "-- No entries --".
_JOURNAL_NOTE = re.compile(r"^-- .* --$|^-- (?:Journal|Logs) begin")
# Programs whose lines syslog files under auth/authpriv (auth.log, secure).
AUTH_PROGRAMS = frozenset(
    {"sshd", "sshd-session", "sshd-auth", "sudo", "su", "pkexec", "polkitd", "login", "passwd", "useradd",
     "userdel", "usermod", "groupadd", "groupdel", "groupmod", "chpasswd", "chage", "gpasswd", "newgrp",
     "systemd-logind", "unix_chkpwd"}
)  # fmt: skip
# Programs that forward audit records to syslog.
_AUDIT_PROGRAMS = frozenset({"audit", "auditd", "audisp", "audisp-syslog", "kernel"})


def _bsd_time(text: str, fraction: str | None, year: int, written: datetime | None = None) -> str | None:
    """A BSD time (no year) in ``year``; a line dated after the file was last written (``written``,
    by more than a day) is from the year before: "Dec 31" in a file rotated on 5 January.  29
    February is in the last leap year up to ``year``."""
    if text.startswith("Feb 29"):
        while not calendar.isleap(year):
            year -= 1
    try:
        moment = datetime.strptime(f"{year} {text}", "%Y %b %d %H:%M:%S").replace(tzinfo=naive_zone())
    except ValueError:
        return None
    if written is not None and moment > written + timedelta(days=1):
        try:
            moment = moment.replace(year=year - 1)
        except ValueError:  # 29 February: four years back
            moment = moment.replace(year=year - 4)
    micro = (fraction or "0")[:6].ljust(6, "0")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + micro + "Z"


def _passed_over(line: str) -> bool:
    """journalctl's notes, and a message's continuation lines, when telling what a file is."""
    return bool(_JOURNAL_NOTE.match(line.strip())) or line[:1] in (" ", "\t")


def _continued(row: Row, line: str) -> bool:
    """An indented line after an event is the next line of its message (journalctl writes a
    multi-line message so: a Python traceback, a kernel oops); it joins the message."""
    if line[:1] not in (" ", "\t"):
        return False
    row["message"] = f"{row.get('message', '')}\n{line.strip()}"
    return True


def program_name(name: str) -> str:
    """A program as Sigma's services name it: ``/usr/sbin/cron`` is ``cron``."""
    return name.rsplit("/", 1)[-1] or name


def syslog_row(line: str, year: int, written: datetime | None = None, service: str = "syslog") -> Row | None:
    """One syslog line as a row (without ``_record``), or ``None`` when it is not syslog."""
    match = _RFC5424.match(line) or _BSD.match(line) or _ISO.match(line)
    if match is None:
        return None
    parts = match.groupdict()
    if parts["ts"][0].isalpha():
        ts = _bsd_time(parts["ts"], parts.get("fraction"), year, written)
    else:
        ts = iso_utc(parts["ts"]) if parts["ts"] != "-" else None
    host = parts["host"] if parts["host"] != "-" else ""
    program = program_name(parts["prog"]) if parts["prog"] != "-" else ""
    # What auth.log holds, whatever file it came in (a journalctl export has every program's lines).
    log = "auth" if service == "auth" or program.lower() in AUTH_PROGRAMS else service
    row: Row = {
        "_host": host,
        "_log": log,
        "host": host,
        "program": program,
        "message": parts["msg"] or "",
    }
    if parts.get("pid") and parts["pid"] != "-":
        row["pid"] = parts["pid"]
    if parts.get("msgid") and parts["msgid"] != "-":
        row["msgid"] = parts["msgid"]
    if parts.get("sd") and parts["sd"] != "-":
        row["structured_data"] = parts["sd"]
    if ts:
        row["_ts"] = ts
    return with_audit_record(row)


def with_audit_record(row: Row) -> Row:
    """A syslog or journal row whose message is an audit record forwarded by an audit program or
    the kernel, with the record's fields (``_log`` auditd; the row's own time wins)."""
    program = row.get("program", "").lower()
    if program not in _AUDIT_PROGRAMS:
        return row
    record = forwarded_record(row.get("message", ""), bare=program != "kernel")
    if record is not None:
        row.update({k: v for k, v in record.items() if k != "_ts" or "_ts" not in row})
    return row


class SyslogParser:
    name = "syslog"
    family = "linux"
    priority = 30

    def sniff(self, head: bytes, path: Path) -> bool:
        return most_lines(head, lambda x: _RFC5424.match(x) or _BSD.match(x) or _ISO.match(x), _passed_over)

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        # BSD syslog has no year: take the file's modification year (documented assumption), the
        # year before for a line dated after the file was last written.
        # The year of the local clock the lines were written in (--timezone), not of UTC.
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).astimezone(naive_zone())
        service = "auth" if path.name.startswith(("auth", "secure")) else "syslog"
        return line_rows(
            path,
            problems,
            lambda line: syslog_row(line, written.year, written, service),
            "a syslog line",
            lambda line: _JOURNAL_NOTE.match(line.strip()),
            _continued,
        )


register(SyslogParser())
