"""JSON evidence: JSON lines or one JSON document (an object or an array of objects).

Each object is recognised by its shape: a Windows event as ``evtx_dump`` writes it
(``Event.System``), Winlogbeat / ECS (``winlog.*``), a flattened Windows event (top-level
``EventID`` and ``Channel``, as NXLog writes Sysmon), a Zeek JSON log (``_path`` or ``uid``
with ``ts``); anything else is kept as a generic event with dotted keys.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from unmask import safe_json
from unmask.ingest.auditd import audit_record
from unmask.ingest.base import Problems, Row, json_value, register, text_lines
from unmask.ingest.ecs import ecs_row
from unmask.ingest.fields import flatten_into, iso_utc, scalar, stamp, windows_row
from unmask.ingest.jsonstream import BadItem, Leftover, array_items, array_key, value_end
from unmask.ingest.syslog import AUTH_PROGRAMS, program_name, syslog_row, with_audit_record
from unmask.ingest.weblog import W3C_COLUMNS, w3c_row
from unmask.ingest.winexport import as_windows
from unmask.ingest.zeek import http_fields

__all__ = ["JsonParser", "json_row"]

# A whole-document JSON file bigger than this is refused (JSON lines stream at any size, and so
# does an array, or an object holding only one, above STREAM_FROM_BYTES).
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
STREAM_FROM_BYTES = 64 * 1024 * 1024
# How many non-empty lines decide whether a file is JSON lines.
LINES_SNIFFED = 5

# Where JSON logs keep their time: Elastic/ECS, Zeek, Windows exports, cloud audit logs
# (CloudTrail eventTime, Okta published, Azure/Entra TimeGenerated and createdDateTime,
# Microsoft 365 CreationTime, GCP receiveTimestamp).
_TIME_KEYS = (
    "@timestamp", "timestamp", "ts", "time", "TimeCreated", "UtcTime", "EventTime", "date",
    "eventTime", "published", "TimeGenerated", "createdDateTime", "CreationTime", "receiveTimestamp",
    "requestReceivedTimestamp", "stageTimestamp",
)  # fmt: skip
_HOST_KEYS = (
    "host.name", "hostname", "host", "Hostname", "computer", "Computer", "agent.hostname",
    # Where a cloud's audit event happened: CloudTrail's account, Azure's tenant, GCP's project.
    "recipientAccountId", "userIdentity.accountId", "tenantId", "resource.labels.project_id",
)  # fmt: skip


def _nested_winlog(doc: dict[str, Any]) -> dict[str, Any]:
    """A Winlogbeat event whose keys were flattened ("winlog.event_data.Image") with ``winlog``
    nested again, as Winlogbeat writes it; the other keys as they are."""
    nested = doc.get("winlog")
    # A document can mix both forms: the nested object, and flattened keys beside it.
    winlog: dict[str, Any] = {
        k: dict(v) if isinstance(v, dict) else v
        for k, v in (nested.items() if isinstance(nested, dict) else ())
    }
    for key, value in doc.items():
        name = str(key).removeprefix("winlog.")
        if name == str(key):
            continue
        section, _, field = name.partition(".")
        if section in ("event_data", "user_data") and field:
            data = winlog.setdefault(section, {})
            if isinstance(data, dict):
                data[field] = value
        else:
            winlog[name] = value
    return {**{k: v for k, v in doc.items() if not str(k).startswith("winlog.")}, "winlog": winlog}


def _winlogbeat(doc: dict[str, Any]) -> Row:
    winlog = doc["winlog"]
    row: Row = {}
    for src, dst in (
        ("channel", "Channel"),
        ("event_id", "EventID"),
        ("computer_name", "Computer"),
        ("provider_name", "Provider_Name"),
        ("record_id", "EventRecordID"),
        ("task", "Task"),
        ("opcode", "Opcode"),
    ):
        text = scalar(winlog.get(src))
        if text is not None:
            row[dst] = text
    for section in ("event_data", "user_data"):
        if isinstance(winlog.get(section), dict):
            flatten_into(row, winlog[section], None)
    ts = iso_utc(doc.get("@timestamp"))
    if ts:
        row["_ts"] = ts
    host = row.get("Computer")
    if host is None:  # Winlogbeat's own host.name (a Kibana export can leave computer_name out)
        nested = doc.get("host")
        host = scalar(nested.get("name") if isinstance(nested, dict) else doc.get("host.name"))
    if host:
        row["_host"] = host
    row["_family"] = "windows"
    return row


# syslog facilities 4 (auth) and 10 (authpriv): what auth.log holds.
_AUTH_FACILITIES = frozenset({"4", "10"})


def _journal(doc: dict[str, Any]) -> Row:
    """A systemd journal entry as the syslog line it stands for (family ``linux``)."""
    row: Row = {}
    # MESSAGE is the message below (one column: SQL folds case); journald writes a message that
    # holds control characters or bytes that are not UTF-8 as an array of bytes.
    flatten_into(row, {k: v for k, v in doc.items() if k != "MESSAGE"}, None, dotted=True)
    message = doc.get("MESSAGE")
    if isinstance(message, list) and all(isinstance(b, int) and 0 <= b < 256 for b in message):
        message = bytes(message).decode("utf-8", errors="replace")
    program = program_name(scalar(doc.get("SYSLOG_IDENTIFIER")) or scalar(doc.get("_COMM")) or "")
    host = scalar(doc.get("_HOSTNAME")) or ""
    facility = scalar(doc.get("SYSLOG_FACILITY")) or ""
    auth = facility in _AUTH_FACILITIES or program.lower() in AUTH_PROGRAMS
    row.update(
        {
            "_log": "auth" if auth else "syslog",
            "_family": "linux",
            "program": program,
            "message": scalar(message) or "",
        }
    )
    pid = scalar(doc.get("SYSLOG_PID")) or scalar(doc.get("_PID"))
    if pid:
        row["pid"] = pid
    if host:
        row["_host"] = row["host"] = host
    micros = scalar(doc.get("__REALTIME_TIMESTAMP")) or scalar(doc.get("_SOURCE_REALTIME_TIMESTAMP"))
    if micros and micros.isdigit():
        ts = iso_utc(str(int(micros) / 1_000_000))
        if ts:
            row["_ts"] = ts
    return with_audit_record(row)


def _generic(doc: dict[str, Any], family: str, log: str | None = None) -> Row:
    row: Row = {}
    flatten_into(row, doc, None, dotted=True)
    stamp(row, _TIME_KEYS, _HOST_KEYS)
    if family == "zeek":
        row["_log"] = row.get("_path") or _zeek_log(doc) or log or "unknown"
        if row.get("id.orig_h"):  # the connection's originator, as in Zeek's TSV: not http's Host header
            row["_host"] = row["id.orig_h"]
        if row["_log"] == "http":
            http_fields(row)
    row["_family"] = family
    return row


# Exports that wrap their events in one object: CloudTrail's {"Records": [...]} (as delivered to
# S3), Azure diagnostic logs' {"records": [...]}, Microsoft Graph's {"value": [...], "@odata...": ...}.
_ENVELOPES = ("Records", "records", "value")


# What else a Splunk search's JSON holds beside its "results".
_SPLUNK_KEYS = {
    "preview",
    "init_offset",
    "messages",
    "fields",
    "highlighted",
    "post_process_count",
    "results",
}


def envelope(doc: Any) -> list[Any] | None:
    """The events of a wrapping object, or ``None`` when ``doc`` is an event itself."""
    if not isinstance(doc, dict):
        return None
    results = doc.get("results")
    if isinstance(results, list) and set(doc) <= _SPLUNK_KEYS and all(isinstance(i, dict) for i in results):
        return results
    hits = doc.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):  # an Elasticsearch _search response
        return [h.get("_source", h) if isinstance(h, dict) else h for h in hits["hits"]]
    for key in _ENVELOPES:
        items = doc.get(key)
        others = [k for k in doc if k != key and not str(k).startswith("@odata")]
        if isinstance(items, list) and items and all(isinstance(i, dict) for i in items) and not others:
            return items
    return None


def _unwrapped(doc: dict[str, Any]) -> dict[str, Any]:
    """The event inside a tool's wrapper: a Splunk export line's ``result``, an Elasticsearch
    document's ``_source``, a Chainsaw hunt hit's ``document.data``."""
    result = doc.get("result")
    if isinstance(result, dict) and set(doc) <= {"preview", "offset", "lastrow", "result"}:
        return result
    source = doc.get("_source")
    if isinstance(source, dict) and ("_index" in doc or "_id" in doc):
        return source
    document = doc.get("document")
    data = document.get("data") if isinstance(document, dict) else None
    return data if isinstance(data, dict) else doc


def json_row(doc: Any, log: str | None = None) -> Row | None:
    """One JSON object as a row of the right family, or ``None`` when it is not an object."""
    if not isinstance(doc, dict):
        return None
    doc = _unwrapped(doc)
    event = doc.get("Event")
    if isinstance(event, dict) and "System" in event:
        row = windows_row(doc)
        row["_family"] = "windows"
        return _tidy_windows(row)
    if any(str(key).startswith("winlog.") for key in doc):
        doc = _nested_winlog(doc)  # Kibana's and Discover's flattened export: "winlog.event_data.Image"
    if isinstance(doc.get("winlog"), dict):
        return _tidy_windows(_winlogbeat(doc))
    exported = as_windows(doc)  # NXLog, EvtxECmd, Splunk, Sentinel, Velociraptor, Get-WinEvent
    if exported is not None:
        exported["_family"] = "windows"
        return _tidy_windows(exported)
    endpoint = ecs_row(doc)  # Elastic Defend, Elastic Agent, Auditbeat
    if endpoint is not None:
        return endpoint
    if "_path" in doc or ("ts" in doc and ("uid" in doc or "fuid" in doc or _zeek_log(doc))):
        return _generic(doc, "zeek", log)
    if "MESSAGE" in doc and ("SYSLOG_IDENTIFIER" in doc or "_COMM" in doc or "__REALTIME_TIMESTAMP" in doc):
        return _journal(doc)
    if len(W3C_COLUMNS & {str(key).lower() for key in doc}) >= 2:
        return _web(doc)  # a web server's or a proxy's log under W3C names, as CSV is read (csvlog.py)
    return _generic(doc, "generic")


def _web(doc: dict[str, Any]) -> Row:
    flat: Row = {}
    flatten_into(flat, doc, None, dotted=True)
    row = w3c_row({key: str(value) for key, value in flat.items() if not key.startswith("_")})
    if "_ts" not in row:
        stamp(row, _TIME_KEYS, _HOST_KEYS)
    row["_family"] = "web"
    return row


# Channels as Windows names them (Sigma's routes compare them exactly); an export can lower-case them.
_CHANNELS = {
    name.lower(): name
    for name in (
        "Security", "System", "Application", "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-PowerShell/Operational", "Windows PowerShell",
        "Microsoft-Windows-Windows Defender/Operational", "Microsoft-Windows-TaskScheduler/Operational",
        "Microsoft-Windows-WMI-Activity/Operational", "Microsoft-Windows-Bits-Client/Operational",
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        "Microsoft-Windows-DNS-Client/Operational", "Microsoft-Windows-CodeIntegrity/Operational",
    )
}  # fmt: skip


def _tidy_windows(row: Row) -> Row:
    """Field values as Windows writes them: EventID 1 (not 1.0 from a spreadsheet or ELK export,
    nor 4,688 from Kibana's), Channel in its own case and without stray spaces."""
    event_id = row.get("EventID")
    if event_id is not None and re.fullmatch(r"\d+\.0+", event_id.strip()):
        row["EventID"] = event_id.strip().split(".")[0]
    elif event_id is not None and re.fullmatch(r"\d{1,3}(?:,\d{3})+", event_id.strip()):
        row["EventID"] = event_id.strip().replace(",", "")  # Kibana's number format: "4,688"
    channel = row.get("Channel")
    if channel is not None:
        row["Channel"] = _CHANNELS.get(channel.strip().lower(), channel.strip())
    return row


# Which Zeek log a record without "_path" comes from, by the fields only that log has (a renamed
# dns.log must still meet the dns rules).
_ZEEK_FIELDS = (
    ("dns", ("query", "qtype_name")),
    ("http", ("method", "uri", "status_code")),
    ("ssl", ("server_name", "established")),
    ("x509", ("certificate.subject",)),
    ("files", ("fuid", "mime_type")),
    ("conn", ("proto", "conn_state")),
)


def _zeek_log(doc: dict[str, Any]) -> str | None:
    for log, fields in _ZEEK_FIELDS:
        if all(field in doc for field in fields):
            return log
    return None


def _log_name(path: Path) -> str:
    return path.name.split(".", 1)[0]


class JsonParser:
    name = "json"
    family = "generic"
    priority = 20

    def sniff(self, head: bytes, path: Path) -> bool:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if text[:1] in (b"{", b"["):
            return True
        # JSON lines that lost the start of their first line (a rotated or cut log).
        lines = text.split(b"\n", LINES_SNIFFED)[1:LINES_SNIFFED]
        return any(line.strip()[:1] == b"{" and line.strip()[-1:] == b"}" for line in lines)

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        with path.open("rb") as handle:
            # The whole first lines that hold something (a PowerShell script block can make one
            # megabytes long; a 64 KiB sample made such a file "one document" and lost its rest).
            # A log that lost its head (rotated, cut) starts with a broken line: any of the first
            # few lines that is a whole object makes the file JSON lines.
            is_lines, seen, one_line = False, 0, False
            size = path.stat().st_size
            for _ in range(100):
                line = handle.readline(MAX_DOCUMENT_BYTES)
                if not line:
                    break
                stripped = line.removeprefix(codecs.BOM_UTF8).strip()
                if seen == 0 and size > STREAM_FROM_BYTES and handle.tell() >= size - 2 and stripped:
                    # One big line that holds the whole file (CloudTrail's one-line Records): a
                    # document, read item by item as a big one is, not a line loaded whole.
                    # Its records are "1:<item>" when it is an object, as a small one's are (read
                    # as JSON lines); an array's are "<item>", as a small array's are.
                    one_line = stripped[:1] == b"{"
                    is_lines = False
                    break
                if stripped:
                    if stripped[:1] == b"{" and _complete(stripped):
                        is_lines = True
                        break
                    seen += 1
                    if seen == LINES_SNIFFED:
                        break
            line = stripped = b""
        if is_lines:
            yield from self._lines(path, problems)
        else:
            yield from self._document(path, problems, "1:" if one_line else "")

    def _lines(self, path: Path, problems: Problems) -> Iterator[Row]:
        log = _log_name(path)
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        for number, line in text_lines(path, problems):
            if not line.strip():
                continue
            try:
                doc = json_value(line)
            except orjson.JSONDecodeError as exc:
                text = _text_line(line, written)
                if text is not None:  # a syslog or audit line among the JSON ones
                    text["_record"] = str(number)
                    yield text
                else:
                    problems.add(f"line {number}", f"malformed JSON line skipped: {exc}")
                continue
            except RecursionError:
                problems.add(f"line {number}", "JSON line nested too deeply to read; skipped")
                continue
            wrapped = envelope(doc)
            if wrapped is not None:  # a CloudTrail file is one line holding every record
                for index, item in enumerate(wrapped):
                    row = json_row(item, log)
                    if row is not None:
                        row["_record"] = f"{number}:{index}"
                        yield row
                continue
            row = json_row(doc, log)
            if row is None:
                problems.add(f"line {number}", "JSON line is not an object; skipped")
                continue
            row["_record"] = str(number)
            yield row

    def _document(self, path: Path, problems: Problems, record: str = "") -> Iterator[Row]:
        size = path.stat().st_size
        if size > STREAM_FROM_BYTES:
            # A big array (or an object wrapping one: CloudTrail's Records, Graph's value) is read
            # item by item (jsonstream): loading it whole takes about ten times its size in memory.
            key = _streamed_key(path)
            if key is not None:  # "" for an array
                yield from self._stream(path, key, problems, record)
                return
        if size > MAX_DOCUMENT_BYTES:
            problems.add(
                None, f"JSON document of {size} bytes is too big to load whole; use JSON lines", lost=0
            )
            return
        data = path.read_bytes().removeprefix(codecs.BOM_UTF8)  # a BOM is not part of the JSON
        log = _log_name(path)
        try:
            doc = json_value(data)
        except orjson.JSONDecodeError:
            text = data.decode("utf-8", errors="replace")
            if text.lstrip().startswith("["):
                # An array one of whose items is broken, nests too deeply or is cut short: that
                # item costs itself only.
                yield from self._items(text, log, problems)
                return
            # Not one document: perhaps several pretty-printed objects one after another, as
            # evtx_dump writes them.  Each is pointed at by the line it starts on.
            yield from self._concatenated(text, log, problems)
            return
        wrapped = None if isinstance(doc, list) else envelope(doc)
        items = doc if isinstance(doc, list) else (wrapped or [doc])
        for index, item in enumerate(items):
            row = json_row(item, log)
            if row is None:
                problems.add(f"item {index}", "array item is not an object; skipped")
                continue
            # A one-line file (``record`` "1:") is pointed at as JSON lines are: line 1, and its
            # items 1:<n> when it wraps them.
            single = record and not isinstance(doc, list) and wrapped is None
            row["_record"] = "1" if single else f"{record}{index}"
            yield row

    def _stream(self, path: Path, key: str, problems: Problems, record: str = "") -> Iterator[Row]:
        """The items of the array at ``key`` ("": the document is the array) one at a time."""
        log = _log_name(path)
        with path.open("rb") as handle:
            for index, item in enumerate(
                array_items(handle, key, envelopes=_STREAMED, skipped=_SPLUNK_SKIPPED)
            ):
                if isinstance(item, Leftover):
                    problems.add(
                        f"item {index}", f"{item.what} not read (the events are the array's items)", lost=0
                    )
                    continue
                if isinstance(item, BadItem):
                    problems.add(f"item {index}", f"not valid JSON ({item.why}); skipped")
                    continue
                row = json_row(item, log)
                if row is None:
                    problems.add(f"item {index}", "array item is not an object; skipped")
                    continue
                row["_record"] = f"{record}{index}"
                yield row

    def _items(self, text: str, log: str, problems: Problems) -> Iterator[Row]:
        """The items of a JSON array read one by one (their ends found by brackets and strings)."""
        position, index = text.index("[") + 1, 0
        while True:
            while position < len(text) and text[position] in " \t\r\n,":
                position += 1
            if position >= len(text) or text[position] == "]":
                return
            end = max(value_end(text, position), position + 1)  # a stray '}' is passed, not read forever
            try:
                item = json_value(text[position:end])
            except orjson.JSONDecodeError as exc:
                problems.add(f"item {index}", f"not valid JSON ({exc}); skipped")
                item = None
            row = json_row(item, log) if item is not None else None
            if row is not None:
                row["_record"] = str(index)
                yield row
            elif item is not None:
                problems.add(f"item {index}", "array item is not an object; skipped")
            position, index = end, index + 1

    def _concatenated(self, text: str, log: str, problems: Problems) -> Iterator[Row]:
        decoder = json.JSONDecoder()
        position, line = 0, 1
        mend = safe_json.may_hold_surrogates(text)
        while True:
            start = position
            while position < len(text) and text[position] in " \t\r\n\ufeff":
                position += 1
            line += text.count("\n", start, position)
            if position >= len(text):
                return
            try:
                doc, end = decoder.raw_decode(text, position)
            except (json.JSONDecodeError, RecursionError) as exc:
                # Skip to the next line that starts an object: one broken record costs itself.
                why = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply to read"
                resume = text.find("\n{", position + 1)
                problems.add(f"line {line}", f"not valid JSON ({why}); skipped to the next object")
                if resume < 0:
                    return
                line += text.count("\n", position, resume + 1)
                position = resume + 1
                continue
            row = json_row(safe_json.mend(doc) if mend else doc, log)
            if row is None:
                problems.add(f"line {line}", "JSON value is not an object; skipped")
            else:
                row["_record"] = str(line)
                yield row
            line += text.count("\n", position, end)
            position = end


_STREAMED = (*_ENVELOPES, "results")  # the keys whose array of events a big document is read from
_SPLUNK_SKIPPED = frozenset(_SPLUNK_KEYS - {"results"})


def _streamed_key(path: Path) -> str | None:
    """Where a big document's events are, if it is read item by item (jsonstream.array_key)."""
    with path.open("rb") as handle:
        return array_key(handle, _STREAMED, _SPLUNK_SKIPPED)


def _text_line(line: str, written: datetime) -> Row | None:
    """A syslog or audit.log line, as those parsers read it (family ``linux``), or ``None``."""
    row = audit_record(line) or syslog_row(line, written.year, written)
    if row is not None:
        row["_family"] = "linux"
    return row


def _complete(line: bytes) -> bool:
    try:  # a byte that is not UTF-8 does not make a line of JSON lines something else
        json_value(line.decode("utf-8", errors="replace"))
    except orjson.JSONDecodeError:
        return False
    return True


register(JsonParser())
