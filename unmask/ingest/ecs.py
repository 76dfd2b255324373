"""Endpoint events in the Elastic Common Schema (Elastic Defend, Elastic Agent, Auditbeat).

An ECS event says what happened in ``event.category`` and ``event.type`` and who did it in
``process``; Sigma's rules name the same facts as Sysmon does (``Image``, ``CommandLine``,
``ParentImage``...).  A process start, a network connection, a DNS query and a file creation
become a row of the host's family (``windows`` or ``linux``, by ``host.os``) under Sigma's
names, with ``_log`` the Sigma category, so that the rules of that category run over it
(detect/sigma/routes.py).  The event's own ECS fields stay beside them, dotted.  Winlogbeat's
events, which carry the Windows event itself (``winlog``), are read as Windows events instead.
"""

from __future__ import annotations

from typing import Any

from unmask.ingest.base import Row
from unmask.ingest.fields import flatten_into, iso_utc, scalar

__all__ = ["ECS_CATEGORIES", "ecs_row"]

# The Sigma categories ECS endpoint events are read as.
ECS_CATEGORIES = ("process_creation", "network_connection", "dns_query", "file_event")


def _get(doc: Any, path: str) -> Any:
    """The value at a dotted path, nested ({"process": {"pid": 1}}) or flattened ("process.pid")."""
    if not isinstance(doc, dict):
        return None
    if path in doc:
        return doc[path]
    head, _, rest = path.partition(".")
    return _get(doc.get(head), rest) if rest else doc.get(head)


def _text(doc: Any, *paths: str) -> str | None:
    for path in paths:
        value = scalar(_get(doc, path))
        if value not in (None, ""):
            return value
    return None


def _words(value: Any) -> set[str]:
    items = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in items if isinstance(v, str)}


def _family(doc: dict[str, Any]) -> str | None:
    system = (_text(doc, "host.os.type", "host.os.family", "host.os.platform") or "").lower()
    if system == "windows":
        return "windows"
    if system in ("linux", "debian", "ubuntu", "redhat", "rhel", "centos", "amzn", "suse"):
        return "linux"
    if system:  # macOS, and what else unmask has no rules' family for
        return None
    executable = _text(doc, "process.executable") or ""
    if "\\" in executable or executable[1:3] == ":\\":
        return "windows"
    return "linux" if executable.startswith("/") else None


def _category(doc: dict[str, Any]) -> str | None:
    categories, types = _words(_get(doc, "event.category")), _words(_get(doc, "event.type"))
    if "process" in categories and "start" in types:
        return "process_creation"
    if _get(doc, "dns.question.name") and (
        "network" in categories or "dns" in _words(_get(doc, "network.protocol"))
    ):
        return "dns_query"
    if "network" in categories and types & {"start", "connection"} and _get(doc, "destination.ip"):
        return "network_connection"
    if "file" in categories and "creation" in types and _get(doc, "file.path"):
        return "file_event"
    return None


def _joined(args: Any) -> str | None:
    """Auditbeat's command line, kept as its arguments."""
    return " ".join(str(a) for a in args) if isinstance(args, list) and args else None


def _user(doc: dict[str, Any], windows: bool) -> str | None:
    name = _text(doc, "user.name")
    domain = _text(doc, "user.domain")
    return f"{domain}\\{name}" if windows and name and domain else name


def _hashes(doc: dict[str, Any]) -> str | None:
    parts = [
        f"{label}={value.upper()}"
        for label, path in (("SHA1", "process.hash.sha1"), ("MD5", "process.hash.md5"),
                            ("SHA256", "process.hash.sha256"), ("IMPHASH", "process.pe.imphash"))
        if (value := _text(doc, path))
    ]  # fmt: skip
    return ",".join(parts) or None


def _named(doc: dict[str, Any], category: str, windows: bool) -> dict[str, str | None]:
    """The event's facts under Sigma's (Sysmon's) names."""
    fields: dict[str, str | None] = {
        "Image": _text(doc, "process.executable"),
        "ProcessId": _text(doc, "process.pid"),
        "User": _user(doc, windows),
    }
    if category == "process_creation":
        level = _text(doc, "process.Ext.token.integrity_level_name")
        fields |= {
            "CommandLine": _text(doc, "process.command_line", "process.title")
            or _joined(_get(doc, "process.args")),
            "CurrentDirectory": _text(doc, "process.working_directory"),
            "OriginalFileName": _text(doc, "process.pe.original_file_name"),
            "Description": _text(doc, "process.pe.description"),
            "Product": _text(doc, "process.pe.product"),
            "Company": _text(doc, "process.pe.company"),
            "Hashes": _hashes(doc),
            "IntegrityLevel": level.capitalize() if level else None,
            "ParentImage": _text(doc, "process.parent.executable"),
            "ParentCommandLine": _text(doc, "process.parent.command_line"),
            "ParentProcessId": _text(doc, "process.parent.pid"),
        }
    elif category == "network_connection":
        direction = (_text(doc, "network.direction") or "").lower()
        fields |= {
            "DestinationIp": _text(doc, "destination.ip"),
            "DestinationPort": _text(doc, "destination.port"),
            "DestinationHostname": _text(doc, "destination.domain"),
            "SourceIp": _text(doc, "source.ip"),
            "SourcePort": _text(doc, "source.port"),
            "Protocol": _text(doc, "network.transport"),
            "Initiated": "true" if direction in ("egress", "outbound", "outgoing") else
                         "false" if direction in ("ingress", "inbound", "incoming") else None,
        }  # fmt: skip
    elif category == "dns_query":
        answers = _get(doc, "dns.resolved_ip")
        fields |= {
            "QueryName": _text(doc, "dns.question.name"),
            "QueryResults": ";".join(str(a) for a in answers)
            if isinstance(answers, list)
            else scalar(answers),
        }
    elif category == "file_event":
        fields |= {"TargetFilename": _text(doc, "file.path")}
    return fields


def ecs_row(doc: dict[str, Any]) -> Row | None:
    """An ECS endpoint event as a row of its host's family under Sigma's names, or ``None`` when
    the document is not one of the events read here."""
    if _get(doc, "event.category") is None or _get(doc, "process.executable") is None:
        return None
    category = _category(doc)
    family = _family(doc)
    if category is None or family is None:
        return None
    row: Row = {}
    flatten_into(row, doc, None, dotted=True)
    row.update({k: v for k, v in _named(doc, category, family == "windows").items() if v is not None})
    row["_log"] = category
    row["_family"] = family
    ts = iso_utc(_get(doc, "@timestamp"))
    if ts:
        row["_ts"] = ts
    host = _text(doc, "host.name", "host.hostname")
    if host:
        row["_host"] = host
    return row
