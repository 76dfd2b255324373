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
from datetime import UTC, datetime
from pathlib import Path

from unmask.ingest.base import Problems, Row, line_rows, most_lines, register

__all__ = ["AUDIT_LOG", "AuditdParser", "audit_fields", "audit_record"]

AUDIT_LOG = "auditd"

_RECORD = re.compile(
    r"^(?:node=(?P<node>\S+) )?type=(?P<type>[A-Za-z0-9_]+) "
    r"msg=audit\((?P<seconds>\d+)(?:\.(?P<fraction>\d+))?:(?P<serial>\d+)\):\s?(?P<body>.*)$"
)
# As forwarded to syslog by the kernel (``audit: type=1400 audit(…):``) or by audisp.
_FORWARDED = re.compile(
    r"^(?:(?:type=(?P<type>[A-Za-z0-9_]+) )?(?:msg=)?audit\((?P<seconds>\d+)(?:\.(?P<fraction>\d+))?"
    r":(?P<serial>\d+)\):\s?|(?P<bare>[A-Z][A-Z0-9_]+) )(?P<body>.*)$"
)
_PAIR = re.compile(r"""([A-Za-z0-9_\-]+(?:\[\d+\])?)=(?:"([^"]*)"|'([^']*)'|(\S*))""")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_PIECE = re.compile(r"(a\d+)\[(\d+)\]")
# Fields whose unquoted value is hex-encoded text (numbers such as SYSCALL's a0 are never hex text).
_TEXT_FIELDS = frozenset(
    {"proctitle", "name", "cmd", "comm", "exe", "cwd", "path", "data", "acct", "old", "new", "key"}
)
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
    "c00000b7": {  # AArch64
        "33": "mknodat", "35": "unlinkat", "53": "fchmodat", "56": "openat", "92": "personality",
        "105": "init_module", "116": "syslog", "117": "ptrace", "129": "kill", "146": "setuid",
        "179": "sysinfo", "198": "socket", "200": "bind", "203": "connect", "221": "execve",
        "273": "finit_module", "279": "memfd_create", "281": "execveat",
    },
}  # fmt: skip


def _decoded(key: str, record_type: str, value: str) -> str:
    """An unquoted value as text: hex-encoded text decoded, anything else as written."""
    text_field = key in _TEXT_FIELDS or (record_type == "EXECVE" and re.fullmatch(r"a\d+", key))
    if not text_field or value == "(null)" or not _HEX.fullmatch(value):
        return value
    raw = bytes.fromhex(value)
    return raw.replace(b"\x00", b" ").decode("utf-8", errors="replace").strip()


def audit_fields(record_type: str, body: str) -> Row:
    """The fields of a record's body (after ``msg=audit(...):``), decoded."""
    raw, _, enriched = body.partition(ENRICHED_SEPARATOR)
    fields: Row = {}
    pieces: dict[str, dict[int, str]] = {}
    for key, double, single, bare in _PAIR.findall(raw):
        if single and key == "msg":  # a user-space record's own key=value list
            fields.update(audit_fields(record_type, single))
            continue
        value = double or single or _decoded(key.split("[")[0], record_type, bare)
        piece = _PIECE.fullmatch(key)
        if piece:
            pieces.setdefault(piece[1], {})[int(piece[2])] = value
            continue
        fields[key] = value
    for key, parts in pieces.items():
        fields[key] = "".join(parts[i] for i in sorted(parts))
        fields.pop(f"{key}_len", None)
    folded = {k.lower() for k in fields}
    for key, double, single, bare in _PAIR.findall(enriched):
        if key == "SYSCALL" or key.lower() not in folded:
            for same in [k for k in fields if k.lower() == key.lower()]:
                del fields[same]
            fields[key] = double or single or bare
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


def forwarded_record(message: str) -> Row | None:
    """An audit record as syslog carries it (the message of ``audit[…]:`` or ``audisp``), or ``None``."""
    match = _FORWARDED.match(message)
    if match is None:
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
        for row in line_rows(path, problems, audit_record, "an audit record"):
            yield from processes.add(row)
            yield row
        yield from processes.flush()


# How many processes' programs are remembered to name a parent (a bound: a busy host starts millions).
MAX_TRACKED_PROCESSES = 100_000


class _Processes:
    """Process creations made of one event's records (SYSCALL execve, EXECVE, CWD), as Sigma's Linux
    ``process_creation`` rules expect them: ``Image``, ``CommandLine``, ``CurrentDirectory``,
    ``ProcessId``, ``ParentProcessId``, ``ParentImage`` (the program the parent process last ran,
    when the log showed it), ``User`` (the name when the log is enriched, else the uid),
    ``LogonId`` (the audit session).  An event's records are consecutive and share a serial."""

    def __init__(self) -> None:
        self.serial: str | None = None
        self.records: dict[str, Row] = {}
        self.images: dict[str, str] = {}

    def add(self, row: Row) -> Iterator[Row]:
        serial = row.get("serial")
        if serial != self.serial:
            yield from self.flush()
            self.serial = serial
        if row["type"] == "EOE":
            yield from self.flush()
            return
        self.records.setdefault(row["type"], row)

    def flush(self) -> Iterator[Row]:
        records, self.records, self.serial = self.records, {}, None
        call, execve = records.get("SYSCALL"), records.get("EXECVE")
        if call is None or execve is None or call.get("SYSCALL") not in ("execve", "execveat"):
            return
        if call.get("success", "yes") != "yes":
            return
        argc = int(execve["argc"]) if execve.get("argc", "").isdigit() else 0
        arguments = [execve[f"a{i}"] for i in range(argc) if f"a{i}" in execve]
        row: Row = {
            "_log": "process_creation",
            "_record": execve["_record"],
            "serial": call.get("serial", ""),
        }
        for name in ("_ts", "_host"):
            if call.get(name):
                row[name] = call[name]
        image = call.get("exe", "")
        row["Image"] = image
        row["CommandLine"] = " ".join(arguments)
        pid, ppid = call.get("pid"), call.get("ppid")
        if pid:
            row["ProcessId"] = pid
            if len(self.images) >= MAX_TRACKED_PROCESSES:
                self.images.clear()
            self.images[pid] = image
        if ppid:
            row["ParentProcessId"] = ppid
            if ppid in self.images:
                row["ParentImage"] = self.images[ppid]
        cwd = records.get("CWD", {}).get("cwd")
        if cwd:
            row["CurrentDirectory"] = cwd
        user = call.get("UID") or call.get("uid")
        if user:
            row["User"] = user
        if call.get("ses"):
            row["LogonId"] = call["ses"]
        yield row


register(AuditdParser())
