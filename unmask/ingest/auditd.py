"""Linux audit logs (auditd's ``audit.log``): ``type=T msg=audit(seconds:serial): key=value ...``.

Each record is one event of the ``linux`` family with ``_log`` ``auditd`` and its fields named as
auditd writes them, which are the names Sigma's auditd rules use (``type``, ``a0``, ``exe``,
``comm``, ``key``, ``SYSCALL``).  What the records encode is decoded:

- a value auditd wrote in hex because it holds a space, a quote or a control character
  (``a1=2F746D702F6120622E7368``, ``proctitle=...`` with NUL between arguments);
- an argument split into pieces (``a1_len=... a1[0]=... a1[1]=...``) joined again;
- the inner ``msg='op=... exe="/usr/bin/passwd" res=success'`` of user-space records;
- the enriched part after the 0x1D separator (``SYSCALL=memfd_create UID="root"``); a raw field of
  the same name (``uid=0``) keeps its value (SQL engines fold case, so one column holds both),
  except the syscall, whose name is what rules give.  Logs without enrichment get the name of
  the syscalls Sigma's rules name from the number, on x86-64 and AArch64.

A record forwarded through syslog (``audit[…]: SYSCALL ...``, ``audisp-syslog: type=...``) is
read the same way by the syslog parser (:func:`audit_fields`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from unmask.ingest.base import Problems, Row, line_rows, most_lines, register

__all__ = ["AUDIT_LOG", "AuditdParser", "audit_fields", "audit_record"]

AUDIT_LOG = "auditd"

_RECORD = re.compile(
    r"^(?:node=(?P<node>\S+) )?type=(?P<type>[A-Za-z0-9_]+(?:\[\d+\])?) "
    r"msg=audit\((?P<seconds>\d+)(?:\.(?P<fraction>\d+))?:(?P<serial>\d+)\):\s?(?P<body>.*)$"
)
# As forwarded to syslog by the kernel (``audit: type=1400 audit(…):``) or by audisp.
_FORWARDED = re.compile(
    r"^(?:\[\s*\d+\.\d+\]\s*)?(?:audit: )?(?:(?:type=(?P<type>[A-Za-z0-9_]+(?:\[\d+\])?) )?(?:msg=)?audit\("
    r"(?P<seconds>\d+)(?:\.(?P<fraction>\d+))?:(?P<serial>\d+)\):\s?|(?P<bare>[A-Z][A-Z0-9_]+) )(?P<body>.*)$"
)
_PAIR = re.compile(r"""([A-Za-z0-9_\-]+(?:\[\d+\])?)=(?:"([^"]*)"|'([^']*)'|(\S*))""")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_PIECE = re.compile(r"(a\d+)\[(\d+)\]")
_ARGUMENT = re.compile(r"a(\d+)")
# Fields whose unquoted value is hex-encoded text (numbers such as SYSCALL's a0 are never hex text).
_TEXT_FIELDS = frozenset({"proctitle", "name", "cmd", "comm", "exe", "cwd", "path", "data", "acct", "key"})
ENRICHED_SEPARATOR = "\x1d"

# The syscalls Sigma's auditd rules name, and a few an investigation asks about, by number.
_SYSCALLS = {
    "c000003e": {  # x86-64
        "2": "open", "41": "socket", "42": "connect", "49": "bind", "57": "fork", "59": "execve",
        "62": "kill", "82": "rename", "87": "unlink", "90": "chmod", "99": "sysinfo",
        "101": "ptrace", "103": "syslog", "105": "setuid", "133": "mknod", "135": "personality",
        "156": "_sysctl", "175": "init_module", "257": "openat", "263": "unlinkat",
        "268": "fchmodat", "313": "finit_module", "319": "memfd_create", "322": "execveat",
    },
    "40000003": {  # i386 (32-bit programs on x86-64 too)
        "11": "execve", "358": "execveat", "37": "kill", "26": "ptrace", "102": "socketcall",
        "116": "sysinfo", "103": "syslog", "14": "mknod", "136": "personality", "356": "memfd_create",
    },
    "c00000b7": {  # AArch64
        "33": "mknodat", "35": "unlinkat", "53": "fchmodat", "56": "openat", "92": "personality",
        "105": "init_module", "116": "syslog", "117": "ptrace", "129": "kill", "146": "setuid",
        "179": "sysinfo", "198": "socket", "200": "bind", "203": "connect", "221": "execve",
        "273": "finit_module", "279": "memfd_create", "281": "execveat",
    },
}  # fmt: skip


def _text(key: str, record_type: str) -> bool:
    return key in _TEXT_FIELDS or (record_type == "EXECVE" and _ARGUMENT.fullmatch(key) is not None)


def _decoded(value: str) -> str:
    """Hex-encoded text decoded (NUL, between a command's arguments, as a space); else as written."""
    if value == "(null)" or not _HEX.fullmatch(value):
        return value
    return bytes.fromhex(value).replace(b"\x00", b" ").decode("utf-8", errors="replace")


# One written piece of a value: (quoted, as written).  Pieces are joined before they are decoded:
# a piece boundary can fall inside a space or a multi-byte character.
Piece = tuple[bool, str]


def joined(key: str, record_type: str, pieces: list[Piece]) -> str:
    """A value from its pieces, in order: quoted ones as written, hex-encoded ones decoded."""
    if all(quoted for quoted, _ in pieces) or not _text(key, record_type):
        return "".join(text for _, text in pieces)
    return _decoded("".join(text for _, text in pieces))


def _pairs(text: str) -> Iterator[tuple[str, bool, str]]:
    """(key, quoted, value as written) of each ``key=value`` of a record's text."""
    for key, double, single, bare in _PAIR.findall(text):
        yield key, bool(double or single), double or single or bare


def argument_pieces(body: str) -> dict[int, dict[int, Piece]]:
    """An EXECVE record's arguments as written: index -> piece number (0 when whole) -> piece."""
    found: dict[int, dict[int, Piece]] = {}
    for key, quoted, value in _pairs(body.partition(ENRICHED_SEPARATOR)[0]):
        piece = _PIECE.fullmatch(key)
        whole = _ARGUMENT.fullmatch(key)
        if piece:
            found.setdefault(int(piece[1][1:]), {})[int(piece[2])] = (quoted, value)
        elif whole:
            found.setdefault(int(whole[1]), {})[0] = (quoted, value)
    return found


def enriched_fields(body: str) -> Row:
    """The enriched part of a record (after 0x1D): names for numbers (``UID="root"``)."""
    return {key: value for key, _, value in _pairs(body.partition(ENRICHED_SEPARATOR)[2])}


def audit_fields(record_type: str, body: str) -> Row:
    """The fields of a record's body (after ``msg=audit(...):``), decoded."""
    raw = body.partition(ENRICHED_SEPARATOR)[0]
    fields: Row = {}
    pieces: dict[str, dict[int, Piece]] = {}
    for key, quoted, value in _pairs(raw):
        if quoted and key == "msg":  # a user-space record's own key=value list
            fields.update(audit_fields(record_type, value))
            continue
        piece = _PIECE.fullmatch(key)
        if piece:
            pieces.setdefault(piece[1], {})[int(piece[2])] = (quoted, value)
            continue
        fields[key] = value if quoted or not _text(key, record_type) else _decoded(value)
    for key, parts in pieces.items():
        fields[key] = joined(key, record_type, [parts[i] for i in sorted(parts)])
        fields.pop(f"{key}_len", None)
    folded = {k.lower() for k in fields}
    for key, value in enriched_fields(body).items():
        if key == "SYSCALL" or key.lower() not in folded:
            for same in [k for k in fields if k.lower() == key.lower()]:
                del fields[same]
            fields[key] = value
    if "syscall" in fields and fields["syscall"].isdigit():
        named = _SYSCALLS.get(fields.get("arch", "").lower(), {}).get(fields["syscall"])
        if named is not None:
            del fields["syscall"]
            fields["SYSCALL"] = named
    return fields


def _time(seconds: str, fraction: str | None) -> str | None:
    try:
        moment = datetime.fromtimestamp(int(seconds), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    micro = (fraction or "0")[:6].ljust(6, "0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + micro + "Z"


def audit_record(line: str) -> Row | None:
    """One audit.log line as a row (without ``_record``), or ``None`` when it is not a record."""
    match = _RECORD.match(line)
    if match is None:
        return None
    row = _row(match["type"], match["seconds"], match["fraction"], match["serial"], match["body"])
    if match["node"]:
        row["_host"] = row["node"] = match["node"]
    return row


def forwarded_record(message: str, bare: bool = True) -> Row | None:
    """An audit record as syslog carries it (the message of ``audit[…]:`` or ``audisp``), or ``None``.

    ``bare``: a record written without ``type=`` (``SYSCALL arch=...``), as auditd's own programs
    forward it; not from the kernel, whose other lines look the same (``DROPPED IN=eth0 ...``)."""
    match = _FORWARDED.match(message)
    if match is None or (match["bare"] and not bare):
        return None
    record_type = match["type"] or match["bare"]
    if record_type is None or (match["seconds"] is None and "=" not in match["body"]):
        return None
    return _row(record_type, match["seconds"], match["fraction"], match["serial"], match["body"])


def _row(record_type: str, seconds: str | None, fraction: str | None, serial: str | None, body: str) -> Row:
    row: Row = {"_log": AUDIT_LOG, **audit_fields(record_type, body), "type": record_type}
    if serial is not None:
        row["serial"] = serial
    ts = _time(seconds, fraction) if seconds is not None else None
    if ts:
        row["_ts"] = ts
    return row


class AuditdParser:
    name = "auditd"
    family = "linux"
    priority = 25

    def sniff(self, head: bytes, path: Path) -> bool:
        return most_lines(head, _RECORD.match)

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        processes = _Processes()
        read: list[str] = [""]

        def record(line: str) -> Row | None:
            read[0] = line  # the line as written: its arguments' pieces, its enriched names
            return audit_record(line)

        for row in line_rows(path, problems, record, "an audit record"):
            yield from processes.add(row, read[0])
            yield row
        yield from processes.flush()


# How many processes' programs are remembered to name a parent (a bound: a busy host starts millions).
MAX_TRACKED_PROCESSES = 100_000
# How many events may be open at once (records of events on several CPUs interleave; an event
# without an end-of-event record is closed when this many newer ones are open).
MAX_OPEN_EVENTS = 1_000
_EXECS = ("execve", "execveat")


@dataclass
class _Event:
    """The records of one execve event seen so far."""

    call: Row | None = None
    names: Row = field(default_factory=dict)  # the enriched part of its SYSCALL record
    cwd: str | None = None
    record: str | None = None  # the line of its first EXECVE record
    pieces: dict[int, dict[int, Piece]] = field(default_factory=dict)


class _Processes:
    """Process creations made of an execve event's records (SYSCALL, EXECVE, CWD), as Sigma's Linux
    ``process_creation`` rules expect them: ``Image``, ``CommandLine``, ``CurrentDirectory``,
    ``ProcessId``, ``ParentProcessId``, ``ParentImage`` (the program the parent process last ran,
    when the log showed it), ``User`` (the name when the log is enriched, else the uid),
    ``LogonId`` (the audit session).  Records are grouped by node and serial, wherever they are
    (events of several CPUs interleave); a long command line the kernel wrote over several
    EXECVE records is joined again, its pieces decoded together."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], _Event] = {}
        self.images: dict[tuple[str, str], tuple[str, str]] = {}  # (node, pid) -> (image, command line)

    def add(self, row: Row, line: str) -> Iterator[Row]:
        serial, kind = row.get("serial"), row["type"]
        if serial is None:
            return
        key = (row.get("node", ""), serial)
        if kind == "EOE":
            event = self.open.pop(key, None)
            if event is not None:
                yield from self._made(event)
            return
        event = self.open.get(key)
        if event is None:
            if kind not in ("SYSCALL", "EXECVE") or (kind == "SYSCALL" and row.get("SYSCALL") not in _EXECS):
                return  # not the start of a process creation
            event = self.open[key] = _Event()
        if kind == "SYSCALL":
            event.call, event.names = row, enriched_fields(line)
        elif kind == "EXECVE":
            event.record = event.record or row["_record"]
            match = _RECORD.match(line)
            for index, parts in argument_pieces(match["body"] if match else "").items():
                event.pieces.setdefault(index, {}).update(parts)
        elif kind == "CWD":
            event.cwd = row.get("cwd")
        if len(self.open) > MAX_OPEN_EVENTS:
            yield from self._made(self.open.pop(next(iter(self.open))))

    def flush(self) -> Iterator[Row]:
        events, self.open = self.open, {}
        for event in events.values():
            yield from self._made(event)

    def _made(self, event: _Event) -> Iterator[Row]:
        call = event.call
        if call is None or event.record is None or call.get("SYSCALL") not in _EXECS:
            return
        if call.get("success", "yes") != "yes":
            return
        arguments = [
            joined(f"a{index}", "EXECVE", [parts[n] for n in sorted(parts)])
            for index, parts in sorted(event.pieces.items())
        ]
        # Its own record id, pointing at the first EXECVE line: a rule that matches both the record and
        # the process creation made of it gives two findings, not one reported twice.
        row: Row = {
            "_log": "process_creation",
            "_record": f"{event.record}:process",
            "serial": call.get("serial", ""),
        }
        for name in ("_ts", "_host"):
            if call.get(name):
                row[name] = call[name]
        node = call.get("node", "")
        image = call.get("exe", "")
        row["Image"] = image
        row["CommandLine"] = " ".join(arguments)
        pid, ppid = call.get("pid"), call.get("ppid")
        if pid:
            row["ProcessId"] = pid
            if len(self.images) >= MAX_TRACKED_PROCESSES:
                self.images.clear()
            self.images[(node, pid)] = (image, row["CommandLine"])
        if ppid:
            row["ParentProcessId"] = ppid
            if (node, ppid) in self.images:
                row["ParentImage"], row["ParentCommandLine"] = self.images[(node, ppid)]
        if event.cwd:
            row["CurrentDirectory"] = event.cwd
        user = event.names.get("UID") or call.get("uid")
        if user:
            row["User"] = user
        if call.get("ses"):
            row["LogonId"] = call["ses"]
        yield row


register(AuditdParser())
