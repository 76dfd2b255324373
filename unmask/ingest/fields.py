"""Turning nested event documents into flat rows, and times into one ISO 8601 form."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unmask.errors import ConfigError
from unmask.ingest.base import NULL_FIELDS

__all__ = [
    "MAX_DEPTH",
    "RESERVED",
    "evidence_key",
    "flatten_into",
    "iso_utc",
    "naive_zone",
    "parse_zone",
    "scalar",
    "set_naive_zone",
    "stamp",
    "whole_day",
    "windows_row",
]

# The columns unmask itself sets on every row (where it came from, when, which host, which
# family).  The evidence is hostile: a field it names like one of them is kept under
# ``evidence_<name>`` so that it can neither move an event to another family (a folder name)
# nor forge its time, host or record number.
RESERVED = frozenset({"_file", "_sha256", "_record", "_ts", "_host", "_family", "_log", NULL_FIELDS})
# Deeper nesting than this is kept as a marker, not walked (a hostile document can nest 100,000 deep).
MAX_DEPTH = 64


def evidence_key(name: str) -> str:
    """The column a field of the evidence is kept under (``_ts`` -> ``evidence_ts``)."""
    return f"evidence{name}" if name in RESERVED else name


_FRACTION = re.compile(r"(\.\d{1,6})\d*")
_SPACE_T = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d)")


def scalar(value: Any) -> str | None:
    """A JSON scalar as the text a Windows event would show (booleans lower-case)."""
    if type(value) is str:  # most values: the fast way out
        return value
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        # 3.0 is the number 3, as a rule's `LogonType: 3` means it (JSON does not tell them apart).
        return str(int(value))
    return str(value)


# The zone of the evidence's local times: those formats write the local clock without a zone
# (BSD syslog, the US-style dates of Get-WinEvent's Export-Csv).  UTC unless the analyst says
# otherwise (`unmask hunt --timezone`); set for a whole ingest, in each worker.  ISO 8601 times
# without a zone stay UTC: the tools that write them (EvtxECmd, Hayabusa, SIEM exports) write UTC.
_naive_zone: tzinfo = UTC


def naive_zone() -> tzinfo:
    """The zone in which the evidence's local times (written without a zone) are read."""
    return _naive_zone


def set_naive_zone(zone: tzinfo) -> None:
    """Read the evidence's local times in ``zone`` from now on (in this process)."""
    global _naive_zone
    _naive_zone = zone


_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_zone(name: str) -> tzinfo:
    """A time zone from an IANA name ("Europe/Tirane"), "UTC" or an offset ("+02:00", "UTC-5");
    :class:`ConfigError` for anything else."""
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return UTC
    offset = _OFFSET.match(text)
    if offset:
        hours, minutes = int(offset[2]), int(offset[3] or 0)
        if minutes > 59:
            raise ConfigError(f"time zone {name!r}: an offset's minutes are 0 to 59")
        if hours > 14:
            raise ConfigError(f"time zone {name!r}: an offset is at most 14 hours")
        sign = -1 if offset[1] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"time zone {name!r} is not known: give an IANA name such as Europe/Tirane, UTC or an offset such as +02:00"
        ) from None


_KIBANA = re.compile(r"([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) @ (\d{2}:\d{2}:\d{2})(?:\.\d+)?$")


def iso_utc(value: Any) -> str | None:
    """A timestamp as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC), or ``None`` when it is not one.

    Accepts ISO 8601 with or without zone (no zone means UTC), a space instead of ``T``,
    more than six fraction digits, a trailing `` UTC``, UNIX epoch seconds, and Kibana's display
    form ("Mar 5, 2024 @ 10:00:00.000", its zone not given: taken as UTC).
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(float(value))
    text = str(value).strip()
    if text.endswith(" UTC"):
        text = text[:-4]
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        epoch = _from_epoch(number)
        if epoch is not None or not re.fullmatch(r"\d{8}", text):  # 20240301 is a date, not seconds
            return epoch
    kibana = _KIBANA.match(text)
    if kibana:  # Kibana's display form, "Mar 5, 2024 @ 10:00:00.000" (taken as UTC)
        try:
            moment = datetime.strptime(" ".join(kibana.groups()), "%b %d %Y %H:%M:%S")
        except ValueError:
            return None
        fraction = (kibana.string[kibana.end(4) + 1 :] or "0")[:6]
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + fraction.ljust(6, "0") + "Z"
    text = _SPACE_T.sub(r"\1T\2", _FRACTION.sub(r"\1", text, count=1))
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)  # the year zero-padded: text order is time order
        return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.%fZ")
    except (ValueError, OverflowError):  # not a time, or one that leaves the calendar in UTC
        return None


def _from_epoch(seconds: float) -> str | None:
    # Epoch seconds from 1973 on (a bare "2024" or "20240301" is not 1970), or milliseconds.
    if 1e12 <= seconds < 32503680000 * 1000:
        seconds /= 1000.0
    if not 1e8 <= seconds < 32503680000:  # 1973 .. 3000
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def flatten_into(
    row: dict[str, str], value: Any, key: str | None, *, dotted: bool = False, depth: int = 0
) -> None:
    """Flatten ``value`` into ``row``.

    Windows style (``dotted=False``): leaves keep their own name (``EventData.Image`` ->
    ``Image``), XML attributes become fields, ``#text`` takes its element's name, and lists
    of scalars are joined with new lines.  Generic style (``dotted=True``): keys are joined
    with dots (``process.command_line``); two keys that join to one name (``{"a.b": 1, "a": {"b":
    2}}``) keep the first value under it and the other under ``a.b (2)`` (:func:`_apart`).  A field
    named like one of unmask's own columns is kept under :func:`evidence_key`; nesting deeper than
    :data:`MAX_DEPTH` is kept as a marker.  A field whose value is JSON null has no value in the
    row, and its name is noted in :data:`NULL_FIELDS`.
    """
    if depth > MAX_DEPTH:
        if key is not None:
            row[evidence_key(key)] = f"[nested deeper than {MAX_DEPTH} levels; not read]"
        return
    if isinstance(value, dict):
        for sub, item in value.items():
            if not dotted and type(item) is str and sub[:1] != "#":
                # The common leaf of a Windows event (EventData's Image, CommandLine ...), inline.
                name = sub.replace(" ", "")
                row[f"evidence{name}" if name in RESERVED else name] = item
            elif sub == "#attributes":
                flatten_into(row, item, key, dotted=dotted, depth=depth + 1)
            elif sub == "#text":
                flatten_into(row, item, key or "text", dotted=dotted, depth=depth + 1)
            else:
                # Windows field names lose their spaces ("Source Name" -> "SourceName"),
                # which is how Sigma rules spell them.
                name = (f"{key}.{sub}" if key else sub) if dotted else str(sub).replace(" ", "")
                flatten_into(row, item, name, dotted=dotted, depth=depth + 1)
    elif isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            parts = [s for s in (scalar(item) for item in value) if s is not None]
            if parts and key is not None:
                name = evidence_key(key)
                row[_apart(row, name) if dotted and name in row else name] = "\n".join(parts)
        else:
            # The same field in several elements (resources[].ARN) keeps every element's value,
            # one per line, as a list of scalars does.
            merged: dict[str, str] = {}
            for item in value:
                part: dict[str, str] = {}
                flatten_into(part, item, key, dotted=dotted, depth=depth + 1)
                for name, found in part.items():
                    if name == NULL_FIELDS:
                        merged[name] = merged.get(name, "\n") + found.lstrip("\n")
                    else:
                        merged[name] = f"{merged[name]}\n{found}" if name in merged else found
            for name, found in merged.items():
                if name == NULL_FIELDS:  # unmask's own list of the fields given as null: one list
                    row[name] = row.get(name, "\n") + found.lstrip("\n")
                else:
                    row[_apart(row, name) if dotted and name in row else name] = found
    elif key is not None:
        text = scalar(value)
        if text is not None:
            name = evidence_key(key)
            row[_apart(row, name) if dotted and name in row else name] = text
        elif value is None:  # present, without a value: |exists must still find it
            row[NULL_FIELDS] = row.get(NULL_FIELDS, "\n") + evidence_key(key).lower() + "\n"


def _apart(row: dict[str, str], name: str) -> str:
    """The name for a second value of a field ``row`` already has (``"a.b"`` and ``"a": {"b": ...}``
    in one document): ``a.b (2)``, or ``(3)`` ...

    As with a field given in two cases (:mod:`unmask.ingest.dataset`), the first value stays
    whole, so a rule's equality, prefix, address and number tests still hold on it, and the other
    is kept where keywords and indicators find it: joined to the first, it would defeat them all.
    """
    number = 2
    while f"{name} ({number})" in row:
        number += 1
    return f"{name} ({number})"


def _attributes(value: Any) -> dict[str, Any]:
    """The ``#attributes`` of an element, or nothing when the evidence gives something else."""
    attrs = value.get("#attributes") if isinstance(value, dict) else None
    return attrs if isinstance(attrs, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        return scalar(value.get("#text"))
    return scalar(value)


def windows_row(document: dict[str, Any]) -> dict[str, str]:
    """One Windows event (the ``{"Event": {"System": …, "EventData": …}}`` shape) as a flat row."""
    event = document.get("Event", document)
    if not isinstance(event, dict):
        return {}
    system = event.get("System") or {}
    row: dict[str, str] = {}
    if isinstance(system, dict):
        attrs = _attributes(system.get("Provider"))
        if attrs.get("Name") is not None:
            row["Provider_Name"] = str(attrs["Name"])
        if attrs.get("Guid") is not None:
            row["Provider_Guid"] = str(attrs["Guid"])
        for name in (
            "EventID",
            "Version",
            "Level",
            "Task",
            "Opcode",
            "Keywords",
            "EventRecordID",
            "Channel",
            "Computer",
        ):
            text = _text(system.get(name))
            if text is not None:
                row[name] = text
        ts = iso_utc(_attributes(system.get("TimeCreated")).get("SystemTime"))
        if ts is not None:
            row["_ts"] = ts
        uid = _attributes(system.get("Security")).get("UserID")
        if uid is not None:
            row["SecurityUserID"] = str(uid)
    system = dict(row)
    for section in ("EventData", "UserData"):
        data = event.get(section)
        if data is not None:
            flatten_into(row, data, None)
            # The event's own System fields win: event 104's UserData names the log that was
            # cleared as "Channel", which made a System event look like an Application one.
            for name, value in system.items():
                if row[name] is not value:
                    row[f"{section}.{name}"], row[name] = row[name], value
    if "Computer" in row:
        row["_host"] = row["Computer"]
    return row


def stamp(row: dict[str, str], time_keys: tuple[str, ...], host_keys: tuple[str, ...]) -> None:
    """Set ``_ts`` and ``_host`` from the first of the given fields that holds a time / a host."""
    for key in time_keys:
        ts = iso_utc(row.get(key))
        if ts:
            row["_ts"] = ts
            break
    for key in host_keys:
        if row.get(key):
            row["_host"] = row[key]
            break


def whole_day(text: str, last: bool = False) -> str:
    """ISO 8601's reduced precisions as a day: a month ("2022-07") or a year ("2022") is its
    first day, or as a last sighting its last; anything else as it is."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-(?:0[1-9]|1[0-2])", text):
        year, month = int(text[:4]), int(text[5:])
        return f"{text}-{calendar.monthrange(year, month)[1] if last else 1:02d}"
    if re.fullmatch(r"\d{4}", text):
        return f"{text}-12-31" if last else f"{text}-01-01"
    return text
