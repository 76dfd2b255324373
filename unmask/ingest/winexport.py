"""Windows events as other tools export them, read as the events they are.

An analyst rarely gets only EVTX files: events arrive from EvtxECmd (KAPE), Splunk, Microsoft
Sentinel, Velociraptor, PowerShell's ``Get-WinEvent``, NXLog, or as the rendered XML of
``wevtutil qe /f:xml`` and Event Viewer.  Each names the same few fields its own way.  A record
is taken as a Windows event when it has an event id and a channel or provider under any of
those names; they become the names Sigma's rules use (``EventID``, ``Channel``,
``Provider_Name``, ``Computer``), its time is read from whichever field holds it, and the event
data a tool keeps inside one field is opened: EvtxECmd's ``Payload`` (JSON), Sentinel's
``EventData`` (XML), Splunk's ``_raw`` (the rendered XML event).

Rendered XML is parsed with defusedxml and without a DTD: a document that declares one
(``<!DOCTYPE``, ``<!ENTITY``) is refused, as entity expansion is how an XML file attacks its reader.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from unmask import safe_json
from unmask.ingest.base import Problems, Row, register
from unmask.ingest.fields import evidence_key, flatten_into, iso_utc, naive_zone, scalar, windows_row
from unmask.ingest.winmessage import CHANNEL_OF_PROVIDER, message_fields
from unmask.ingest.winschema import named_properties, property_value

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["WindowsXmlParser", "as_windows", "rendered_event"]

# What a document that is not XML, or is hostile XML (a DTD, entities), raises.
_XML_ERRORS = (SafeET.ParseError, DefusedXmlException, ValueError, RecursionError)

# Each Sigma name and what exports call it (compared without case).
_EVENT_ID = ("eventid", "eventcode", "event_id", "eventid.value", "event id")
_CHANNEL = ("channel", "logname", "eventlog", "log_name")
_PROVIDER = ("provider_name", "providername", "provider", "sourcename", "eventsourcename", "source_name")
_COMPUTER = ("computer", "computername", "machinename", "hostname", "host")
_TIME = (
    "timecreated", "systemtime", "timegenerated", "timegenerated [utc]", "_time", "utctime",
    "eventtime", "@timestamp", "timestamp",
)  # fmt: skip
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_MS_DATE = re.compile(r"^/Date\((-?\d+)\)/$")
_US_TIME = ("%m/%d/%Y, %I:%M:%S.%f %p", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")


def _lookup(doc: dict[str, Any], names: tuple[str, ...]) -> str | None:
    keys = {str(k).lower(): k for k in doc}
    return next((keys[n] for n in names if n in keys), None)


def _time(value: Any, zone: tzinfo | None = None) -> str | None:
    """A time as exports write it: ISO, epoch, PowerShell's ``/Date(ms)/``, a US portal's format
    (local time, read in ``zone``, the evidence's local zone unless given)."""
    if isinstance(value, dict):  # TimeCreated: {"SystemTime": ...}
        value = value.get("SystemTime") or value.get("#attributes", {}).get("SystemTime")
    text = scalar(value)
    if text is None:
        return None
    ms = _MS_DATE.match(text.strip())
    if ms:
        return iso_utc(int(ms.group(1)) / 1000.0)
    found = iso_utc(re.sub(r"\s+([+-]\d{2}:?\d{2})$", r"\1", text.strip()))  # "… 11:00:00 +00:00"
    if found:
        return found
    for pattern in _US_TIME:
        try:
            return (
                datetime.strptime(text.strip(), pattern)
                .replace(tzinfo=zone or naive_zone())
                .astimezone(UTC)
                .strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            )
        except ValueError:
            continue
    return None


def _event_id(value: Any) -> str | None:
    if isinstance(value, dict):  # Velociraptor's {"Value": 4688}, evtx_dump's {"#text": 4688}
        value = value.get("Value", value.get("#text"))
    text = scalar(value)
    if text is None:
        return None
    text = text.strip()
    return text.split(".")[0] if re.fullmatch(r"\d+\.0+", text) else text


def _data_xml(text: str) -> dict[str, str]:
    """``<EventData><Data Name="X">v</Data>…`` (or a whole rendered event) as X -> v."""
    try:
        root = SafeET.fromstring(text, forbid_dtd=True)
    except _XML_ERRORS:
        return {}
    found: dict[str, str] = {}
    for element in root.iter():
        if _local(element.tag) == "Data" and element.get("Name"):
            found[evidence_key(str(element.get("Name")).replace(" ", ""))] = element.text or ""
    return found


def _payload(value: str) -> dict[str, str] | None:
    """EvtxECmd's ``Payload``: JSON of the event data, ``Data`` a list of ``@Name``/``#text``
    (``None`` when it is not JSON: a cell cut short, as a spreadsheet cuts long ones)."""
    try:
        data = safe_json.loads(value)
    except (ValueError, RecursionError):
        return None
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            name = node.get("@Name")
            if isinstance(name, str) and "#text" in node:
                text = node["#text"]
                value = "\n".join(map(str, text)) if isinstance(text, list) else str(text)
                found[evidence_key(name.replace(" ", ""))] = value
                return
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    try:
        walk(data)
    except RecursionError:
        return None
    return found


def as_windows(doc: dict[str, Any]) -> Row | None:
    """A record of a tool's Windows event export as a row of the windows family, or ``None``
    when it does not have an event id and a channel or provider under any name."""
    system = doc.get("System")
    if isinstance(system, dict) and ("EventID" in system or "Channel" in system):
        # Velociraptor's parse_evtx row: the event itself, attributes as plain keys
        # ({"Provider": {"Name": ...}}, {"EventID": {"Value": 4688}}, SystemTime in epoch seconds).
        shaped = {
            k: (
                {"#attributes": v}
                if isinstance(v, dict) and "#attributes" not in v and "Value" not in v
                else v
            )
            for k, v in system.items()
        }
        if isinstance(system.get("EventID"), dict) and "Value" in system["EventID"]:
            shaped["EventID"] = system["EventID"]["Value"]
        return windows_row({"Event": {**doc, "System": shaped}})
    raw = doc.get("_raw")
    if isinstance(raw, str) and "<Event" in raw:
        event = rendered_event(raw)
        if event is not None:
            return event
    id_key, channel_key, provider_key = (
        _lookup(doc, _EVENT_ID),
        _lookup(doc, _CHANNEL),
        _lookup(doc, _PROVIDER),
    )
    if id_key is None and "Id" in doc and ("LogName" in doc or "ProviderName" in doc):
        id_key = "Id"  # PowerShell's Get-WinEvent
    if provider_key is None and "Source" in doc and channel_key:
        provider_key = "Source"  # Sentinel's Event table
    # A Windows event id is a number, and a bare "provider" (a cloud log's) is not enough alone.
    windows_provider = provider_key is not None and str(provider_key).lower() != "provider"
    event_id = _event_id(doc[id_key]) if id_key is not None else None
    if event_id is None or not event_id.isdigit() or not (channel_key or windows_provider):
        return None
    row: Row = {}
    opened: dict[str, str] = {}
    payload_keys = set()
    for key, value in doc.items():
        if not isinstance(value, str):
            continue
        if str(key).lower() == "payload" and value.lstrip().startswith("{"):
            fields = _payload(value)
            if fields is not None:  # else the Payload stays, as written, in its own field
                opened |= fields
                payload_keys.add(key)
        elif str(key).lower() in ("eventdata", "_raw") and "<" in value:
            opened |= _data_xml(value)
            payload_keys.add(key)
    properties_key = _lookup(doc, ("properties",))
    if properties_key is not None:  # Get-WinEvent's event data, by position (ingest/winschema.py)
        provider = scalar(doc[provider_key]) if provider_key is not None else None
        values = named_properties(provider, event_id, doc[properties_key])
        if values is not None:
            opened |= {evidence_key(k): text for k, v in values.items() if (text := scalar(v)) is not None}
        elif isinstance(doc[properties_key], list):
            # No names: the values, in order, under their own name (not "Value", a field of its own
            # in some events).
            opened["Properties"] = "\n".join(
                text for item in doc[properties_key] if (text := scalar(property_value(item))) is not None
            )
        payload_keys.add(properties_key)
    flatten_into(row, {k: v for k, v in doc.items() if k not in payload_keys}, None)
    row.update(opened)
    provider = scalar(doc[provider_key]) if provider_key is not None else None
    message_key = _lookup(doc, ("message",))
    if not opened and message_key is not None and isinstance(doc[message_key], str):
        # Only the rendered text (Event Viewer's CSV, Get-WinEvent | Export-Csv): its fields.
        for name, value in message_fields(doc[message_key], provider).items():
            row.setdefault(evidence_key(name), value)
    for target in ("EventID", "Channel", "Provider_Name", "Computer"):
        for key in [k for k in row if k != target and k.lower() == target.lower()]:
            del row[key]  # EvtxECmd's EventId is the EventID (one column: SQL folds case)
    row["EventID"] = event_id
    for target, named in (("Channel", channel_key), ("Provider_Name", provider_key)):
        text = scalar(doc[named]) if named is not None else None
        if text is not None:
            row[target] = text.strip()
    if "Channel" not in row and provider:  # Event Viewer's CSV names the source, not the log
        channel = CHANNEL_OF_PROVIDER.get(provider.strip().lower())
        if channel is not None:
            row["Channel"] = channel
    computer_key = _lookup(doc, _COMPUTER)
    if computer_key is not None and scalar(doc[computer_key]):
        row["Computer"] = str(scalar(doc[computer_key]))
        row["_host"] = row["Computer"]
    time_key = _lookup(doc, _TIME)
    # A column that says it is UTC ("TimeGenerated [UTC]", Sentinel's) is, whatever --timezone says.
    utc = time_key is not None and "utc" in str(time_key).lower()
    ts = _time(doc[time_key], UTC if utc else None) if time_key is not None else None
    if ts:
        row["_ts"] = ts
    return row


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element_dict(element: Element) -> Any:
    """An XML element as evtx_dump writes it: attributes under ``#attributes``, text, children."""
    children = list(element)
    if not children and not element.attrib:
        return element.text or ""
    node: dict[str, Any] = {}
    if element.attrib:
        node["#attributes"] = {_local(k): v for k, v in element.attrib.items()}
    if element.text and element.text.strip():
        node["#text"] = element.text
    for child in children:
        name = _local(child.tag)
        value = _element_dict(child)
        if name in node:
            existing = node[name]
            node[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            node[name] = value
    return node


def _event_doc(element: Element) -> dict[str, Any]:
    """A rendered ``<Event>`` in the ``{"Event": {"System": …, "EventData": {Name: value}}}`` shape."""
    event: dict[str, Any] = {}
    for section in element:
        name = _local(section.tag)
        if name == "EventData":
            data: dict[str, Any] = {}
            for item in section:
                key = item.get("Name")
                if key:
                    data[evidence_key(key.replace(" ", ""))] = item.text or ""
                else:
                    data.setdefault("Data", []).append(item.text or "")
            event[name] = data
        elif name == "RenderingInfo":
            continue  # the message text in the viewer's language: not a field of the event
        else:
            event[name] = _element_dict(section)
    return {"Event": event}


def rendered_event(text: str) -> Row | None:
    """One rendered XML event (Splunk's ``_raw``) as a row, or ``None``."""
    try:
        root = SafeET.fromstring(text.strip(), forbid_dtd=True)
    except _XML_ERRORS:
        return None
    event = (
        root
        if _local(root.tag) == "Event"
        else next((e for e in root.iter() if _local(e.tag) == "Event"), None)
    )
    return windows_row(_event_doc(event)) if event is not None else None


class _Rooted:
    """An XML file read inside a root of its own, its declaration left out (events written one
    after another have no root; a file converted from UTF-16 still declares UTF-16)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.pending = b"<unmask-events>"
        self.started = False
        self.done = False

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.pending) < size):
            chunk = self.handle.read(1 << 16)
            if not self.started:
                self.started = True
                chunk = re.sub(rb"^\s*(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>", b"", chunk, count=1)
            if not chunk:
                self.pending += b"</unmask-events>"
                self.done = True
            self.pending += chunk
        if size < 0:
            size = len(self.pending)
        result, self.pending = self.pending[:size], self.pending[size:]
        return result


class WindowsXmlParser:
    """Files of rendered Windows events: ``wevtutil qe /f:xml``, Event Viewer's "Save as XML",
    forwarded events (``<Events><Event xmlns=…>…</Event>…</Events>``)."""

    name = "windows-xml"
    family = "windows"
    priority = 15

    def sniff(self, head: bytes, path: Path) -> bool:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return text.startswith(b"<") and b"schemas.microsoft.com/win/2004/08/events/event" in head

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
        if _DTD.search(head):
            problems.add(None, "XML with a document type declaration (entities) refused: not read", lost=0)
            return
        number = 0
        try:
            with path.open("rb") as handle:
                # wevtutil writes events one after another with no root: give them one.
                for _, element in SafeET.iterparse(_Rooted(handle), events=("end",), forbid_dtd=True):
                    if _local(element.tag) != "Event":
                        continue
                    number += 1
                    row = _row_of(element, number, problems)
                    element.clear()
                    if row:
                        yield row
        except _XML_ERRORS as exc:
            # One broken event (a truncated copy, a stray '&') costs itself only: read on event
            # by event from the first one not read.
            problems.add(
                f"after event {number}", f"XML not well formed ({exc}); reading on event by event", lost=0
            )
            yield from _resync(path, number, problems)


def _row_of(element: Any, number: int, problems: Problems) -> Row | None:
    try:
        row = windows_row(_event_doc(element))
    except RecursionError:
        row = {}
    if not row:
        problems.add(f"event {number}", "not a Windows event (or nested too deeply); skipped")
        return None
    row["_record"] = str(number)
    return row


_EVENT_START = re.compile(rb"<Event(?=[\s>])")
_EVENT_END = b"</Event>"


def _event_chunks(path: Path) -> Iterator[bytes]:
    """The file's events as separate pieces of XML: from each ``<Event`` start tag to the last
    ``</Event>`` before the next (what lies between two events, a root's tags, is left out)."""
    with path.open("rb") as handle:
        buffer = b""
        while True:
            block = handle.read(1 << 20)
            buffer += block
            starts = [m.start() for m in _EVENT_START.finditer(buffer)]
            for first, last in itertools.pairwise(starts):
                yield _trimmed(buffer[first:last])
            if not block:
                if starts:
                    yield _trimmed(buffer[starts[-1] :])
                return
            buffer = buffer[starts[-1] :] if starts else buffer[-len(b"<Event ") :]


def _trimmed(chunk: bytes) -> bytes:
    end = chunk.rfind(_EVENT_END)
    return chunk[: end + len(_EVENT_END)] if end >= 0 else chunk


def _resync(path: Path, read: int, problems: Problems) -> Iterator[Row]:
    """The events after the first ``read``, each parsed on its own; one that does not parse is
    skipped and counted."""
    for index, chunk in enumerate(_event_chunks(path)):
        if index < read:
            continue
        number = index + 1
        try:
            element = SafeET.fromstring(chunk, forbid_dtd=True)
        except _XML_ERRORS as exc:
            problems.add(f"event {number}", f"not well formed XML ({exc}); skipped")
            continue
        row = _row_of(element, number, problems)
        if row:
            yield row


register(WindowsXmlParser())
