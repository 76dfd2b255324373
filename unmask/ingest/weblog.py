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

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from unmask.ingest.base import Problems, Row, line_rows, most_lines, register, text_lines

__all__ = [
    "W3C_COLUMNS",
    "AccessLogParser",
    "SquidParser",
    "W3CParser",
    "access_row",
    "proxy_row",
    "squid_row",
    "w3c_row",
]

# Columns that say a table (CSV, JSON) is a web server's or a proxy's log under the W3C names
# Sigma's web and proxy rules use (two of them are enough).
W3C_COLUMNS = frozenset(
    {"c-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "sc-status", "cs-user-agent", "cs(user-agent)"}
    | {"c-uri", "c-useragent", "cs-host", "r-dns", "r-ip", "s-action", "cs-uri-scheme"}  # a proxy's
)

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
    return proxy_row(row, server=True)


# Squid's native access.log: time.ms elapsed client action/status bytes method URL user hierarchy/peer type
_SQUID = re.compile(
    r"^(?P<time>\d{9,10}\.\d{3})\s+(?P<elapsed>-?\d+) (?P<client>\S+) (?P<action>[A-Z_]+)/(?P<status>\d{3}) "
    r"(?P<bytes>\d+) (?P<method>\S+) (?P<url>\S+) (?P<user>\S+) (?P<hierarchy>[A-Z_]+)/(?P<peer>\S+) (?P<type>\S+)"
)


def squid_row(line: str) -> Row | None:
    """One line of Squid's native access.log as a proxy request (without ``_record``), or ``None``."""
    match = _SQUID.match(line)
    if match is None:
        return None
    row: Row = {
        "c-ip": match["client"],
        "s-action": match["action"],
        "sc-status": match["status"],
        "sc-bytes": match["bytes"],
        "cs-method": match["method"],
        "c-uri": match["url"],
        "s-hierarchy": match["hierarchy"],
    }
    for name, value in (
        ("cs-username", match["user"]),
        ("r-ip", match["peer"]),
        ("rs-content-type", match["type"]),
    ):
        if value != "-":
            row[name] = value
    row["_ts"] = datetime.fromtimestamp(float(match["time"]), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return proxy_row(row)


class SquidParser:
    name = "squid"
    family = "web"
    priority = 34

    def sniff(self, head: bytes, path: Path) -> bool:
        return most_lines(head, _SQUID.match)

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        return line_rows(path, problems, squid_row, "a Squid access.log line")


class AccessLogParser:
    name = "access-log"
    family = "web"
    priority = 35

    def sniff(self, head: bytes, path: Path) -> bool:
        return most_lines(head, _COMBINED.match)

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        return line_rows(path, problems, access_row, "an access log line")


# W3C names as IIS and proxies write them, to Sigma's.
_W3C_NAMES = {
    "cs(user-agent)": "cs-user-agent", "cs(referer)": "cs-referer", "cs(cookie)": "cs-cookie",
    "c-useragent": "cs-user-agent", "cs-referrer": "cs-referer", "cs-uri": "c-uri",
}  # fmt: skip
# Columns only a forward proxy writes (Blue Coat / Symantec ProxySG, Squid, Zscaler exports): the
# server it went out to, the action it took.
_PROXY_COLUMNS = frozenset({"r-ip", "r-dns", "s-action", "cs-uri-scheme", "x-virus-id", "s-supplier-ip"})
_ABSOLUTE = re.compile(r"^[a-z][a-z0-9+.-]*://([^/?#\s]+)", re.IGNORECASE)


def proxy_row(row: Row, *, server: bool = False) -> Row:
    """``row`` as a request a forward proxy passed on, when it is one (its target a whole URL, a
    CONNECT, or a proxy's own columns): ``_log`` ``proxy``, ``c-uri`` the whole URL (built from a
    Blue Coat log's scheme, host, port, path and query), ``cs-host`` the host it names, and Sigma's
    ``c-uri-stem``, ``c-uri-query`` (the query only) and ``c-uri-extension`` (the path's).

    ``server``: a line of a web server's access log, which keeps its ``_log``: a server is asked
    for whole URLs too (an open-proxy probe), and its rules must still see the line (the proxy
    rules see it as well, detect/sigma/routes.py)."""
    url = row.get("c-uri") or ""
    absolute = _ABSOLUTE.match(url)
    if absolute is None and row.get("cs-uri-scheme") and row.get("cs-host"):
        port = row.get("cs-uri-port")
        default = {"http": "80", "https": "443"}.get(row["cs-uri-scheme"].lower())
        authority = row["cs-host"] + (f":{port}" if port and port != default else "")
        path = row.get("cs-uri-path") or row.get("cs-uri-stem") or "/"
        query = row.get("cs-uri-query") or ""
        query = "" if query in ("", "?") else query if query.startswith("?") else f"?{query}"
        url = f"{row['cs-uri-scheme'].lower()}://{authority}{path}{query}"
        absolute = _ABSOLUTE.match(url)
    connect = (row.get("cs-method") or "").upper() == "CONNECT"
    if absolute is None and not connect and not (_PROXY_COLUMNS & set(row)):
        return row
    if not server:
        row["_log"] = "proxy"
        # The machine a proxy's line is about is its client, not the server it asked (cs-host).
        client = row.get("c-ip") or row.get("s-computername") or row.get("s-ip")
        if client:
            row["_host"] = client
        else:
            row.pop("_host", None)
    if absolute is None:
        if connect and url:
            row.setdefault("cs-host", url.rsplit(":", 1)[0])
        return row
    row["c-uri"] = url
    row.setdefault("cs-host", absolute.group(1).rsplit("@", 1)[-1].split(":", 1)[0])
    target = url[absolute.end() :] or "/"
    stem, _, query = target.partition("?")
    row["c-uri-stem"] = stem
    if query:
        row["c-uri-query"] = query
    name = stem.rsplit("/", 1)[-1]
    if "." in name:
        row["c-uri-extension"] = name.rsplit(".", 1)[-1].lower()
    return row


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
    if stem is not None and not fields.get("cs-uri-scheme"):  # a proxy's URL is built whole (proxy_row)
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
    return proxy_row(row)


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
            if len(values) != len(fields) and '"' in line:
                # Blue Coat quotes the values that hold spaces ("Mozilla/5.0 (Windows NT 10.0)").
                values = next(csv.reader([line], delimiter=" ", quotechar='"'))
            if len(values) != len(fields):
                problems.add(f"line {number}", f"{len(values)} values for {len(fields)} fields; skipped")
                continue
            row = w3c_row(dict(zip(fields, values, strict=True)))
            row["_record"] = str(number)
            yield row


register(AccessLogParser())
register(SquidParser())
register(W3CParser())
