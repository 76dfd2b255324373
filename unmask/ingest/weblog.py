"""Web servers' access logs: Apache and nginx (common and combined formats) and IIS (W3C extended).

Both land in the ``web`` family under the names Sigma's ``webserver`` rules use (the W3C field
names): ``c-ip``, ``cs-username``, ``cs-method``, ``cs-uri-stem`` (the path), ``cs-uri-query``,
``cs-version``, ``sc-status``, ``sc-bytes``, ``cs-referer``, ``cs-user-agent``, ``cs-host``.
``cs-uri-query`` holds the path and the query string (``/index.php?id=1``), as the Zeek mapping
does: Sigma's web rules look for path traversal and injections in it, written for logs that keep
the whole request target there; ``c-uri`` is the same.  IIS writes spaces in the user agent as
``+``; they are read back as spaces.  Times are UTC (W3C logs are UTC by definition; a combined
log's offset is applied).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from unmask.ingest.base import Problems, Row, line_rows, most_lines, register, text_lines

__all__ = ["AccessLogParser", "W3CParser", "access_row", "w3c_row"]

_QUOTED = r'"(?P<{}>(?:[^"\\]|\\.)*)"'
_COMBINED = re.compile(
    r"^(?:(?P<vhost>\S+:\d+) )?(?P<client>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]+)\] "
    + _QUOTED.format("request")
    + r" (?P<status>\d{3}|-) (?P<bytes>\d+|-)(?: "
    + _QUOTED.format("referer")
    + " "
    + _QUOTED.format("agent")
    + r")?(?P<rest>.*)$"
)
_ESCAPED = re.compile(r"\\(x[0-9a-fA-F]{2}|.)")


def _unescape(text: str) -> str:
    """Apache's escapes in a quoted field: ``\\"``, ``\\\\`` and ``\\xhh``."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code[1:], 16)) if code.startswith("x") and len(code) == 3 else code

    unescaped = _ESCAPED.sub(one, text)
    if "\\x" not in text:
        return unescaped
    try:  # \xC3\xA9 is the two bytes of é: read them as UTF-8 when they are
        return unescaped.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return unescaped


def _target(row: Row, target: str) -> None:
    """The request target as Sigma's fields: the path, and the path with its query."""
    row["cs-uri-stem"] = target.split("?", 1)[0]
    row["cs-uri-query"] = row["c-uri"] = target


def access_row(line: str) -> Row | None:
    """One common/combined log line as a row (without ``_record``), or ``None``."""
    match = _COMBINED.match(line)
    if match is None:
        return None
    request = _unescape(match["request"])
    parts = request.split(" ")
    row: Row = {"_log": "access", "c-ip": match["client"], "sc-status": match["status"], "request": request}
    if len(parts) >= 2 and parts[0].isalpha():
        row["cs-method"] = parts[0]
        _target(row, " ".join(parts[1:-1]) if len(parts) > 2 and parts[-1].startswith("HTTP/") else parts[1])
        if len(parts) > 2 and parts[-1].startswith("HTTP/"):
            row["cs-version"] = parts[-1]
    if match["user"] != "-":
        row["cs-username"] = match["user"]
    if match["bytes"] != "-":
        row["sc-bytes"] = match["bytes"]
    if match["agent"] is not None:
        for name, value in (("cs-referer", match["referer"]), ("cs-user-agent", match["agent"])):
            if value != "-":
                row[name] = _unescape(value)
    if match["vhost"]:
        row["cs-host"] = row["_host"] = match["vhost"].rsplit(":", 1)[0]
    try:
        moment = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").astimezone(UTC)
        row["_ts"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        pass
    return row


class AccessLogParser:
    name = "access-log"
    family = "web"
    priority = 35

    def sniff(self, head: bytes, path: Path) -> bool:
        return most_lines(head, _COMBINED.match)

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        return line_rows(path, problems, access_row, "an access log line")


# W3C names as IIS writes them, to Sigma's.
_W3C_NAMES = {"cs(user-agent)": "cs-user-agent", "cs(referer)": "cs-referer", "cs(cookie)": "cs-cookie"}


def w3c_row(raw: dict[str, str]) -> Row:
    """A W3C log's fields (names as IIS writes them, ``-`` for none) as a row of the web family:
    Sigma's names, ``+`` in the user agent read as a space, the request target, the time (UTC)."""
    row: Row = {"_log": "access"}
    fields = {
        _W3C_NAMES.get(name.lower(), name): value for name, value in raw.items() if value not in ("-", "")
    }
    for name, value in fields.items():
        row[name] = value.replace("+", " ") if name in ("cs-user-agent", "cs-referer") else value
    stem = fields.get("cs-uri-stem")
    if stem is not None:
        query = fields.get("cs-uri-query")
        _target(row, f"{stem}?{query}" if query else stem)
    # The server's own name first: the Host header is the client's to write.
    host = fields.get("s-computername") or fields.get("s-ip") or fields.get("cs-host")
    if host:
        row["_host"] = host
    if fields.get("date") and fields.get("time"):
        try:
            moment = datetime.strptime(f"{fields['date']} {fields['time']}", "%Y-%m-%d %H:%M:%S")
            row["_ts"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            pass
    return row


class W3CParser:
    name = "w3c"
    family = "web"
    priority = 12

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.lstrip(b"\xef\xbb\xbf").startswith((b"#Software:", b"#Version:", b"#Fields:"))

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        fields: list[str] | None = None
        for number, line in text_lines(path, problems):
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                if key.strip().lower() == "fields":
                    fields = value.split()
                continue
            if not line.strip():
                continue
            if fields is None:
                problems.add(f"line {number}", "data line before the #Fields header; skipped")
                continue
            values = line.split(" ")
            if len(values) != len(fields):
                problems.add(f"line {number}", f"{len(values)} values for {len(fields)} fields; skipped")
                continue
            row = w3c_row(dict(zip(fields, values, strict=True)))
            row["_record"] = str(number)
            yield row


register(AccessLogParser())
register(W3CParser())
