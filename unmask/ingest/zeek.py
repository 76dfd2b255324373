"""Zeek logs in their native TSV form (conn, dns, http, ssl, files, x509 and the rest).

Zeek JSON logs are read by the JSON parser; both land in the ``zeek`` family with a
``_log`` column naming the log (``conn``, ``dns`` …) and Zeek's own field names.  An http
record also gets what Sigma's proxy rules ask of a request and Zeek does not write as such
(:func:`http_fields`): the whole URL (``url``, Sigma's ``c-uri``: ``http://host/path?query``)
and the extension of the file the path names (``uri_extension``, Sigma's ``c-uri-extension``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from unmask.ingest.base import Problems, Row, register, text_lines
from unmask.ingest.fields import evidence_key, iso_utc

__all__ = ["ZeekParser", "http_fields"]

_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def http_fields(row: Row) -> None:
    """Add ``url`` and ``uri_extension`` to a Zeek http record (see the module's docstring)."""
    uri = row.get("uri")
    if uri is None:
        return
    host = row.get("host")
    if row.get("method", "").upper() == "CONNECT":  # a tunnel: the target is host:port, no path
        row["url"] = uri
        return
    if uri.lower().startswith(("http://", "https://")):  # a request to a proxy names the whole URL
        row["url"] = uri
    elif host:
        row["url"] = f"http://{host}{uri if uri.startswith('/') else '/' + uri}"
    path = re.split(r"[?#]", uri.split("://", 1)[-1], maxsplit=1)[0]
    name = path.rsplit("/", 1)[-1]
    if "." in name.strip("."):
        row["uri_extension"] = name.rsplit(".", 1)[1]


class ZeekParser:
    name = "zeek"
    family = "zeek"
    priority = 10

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"#separator")

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        separator = "\t"
        unset = "-"
        empty = "(empty)"
        log = path.name.split(".", 1)[0]
        fields: list[str] | None = None
        for number, line in text_lines(path, problems):
            if line.startswith("#"):
                key, _, value = line[1:].partition(separator if not line.startswith("#separator") else " ")
                if key == "separator":
                    separator = _unescape(value.strip())
                elif key == "unset_field":
                    unset = value
                elif key == "empty_field":
                    empty = value
                elif key == "path":
                    log = value
                elif key == "fields":
                    fields = [evidence_key(name) for name in value.split(separator)]
                continue
            if not line:
                continue
            if fields is None:
                problems.add(f"line {number}", "data line before the #fields header; skipped")
                continue
            values = line.split(separator)
            if len(values) != len(fields):
                problems.add(f"line {number}", f"{len(values)} values for {len(fields)} fields; skipped")
                continue
            row: Row = {"_record": str(number), "_log": log, "_family": "zeek"}
            for name, value in zip(fields, values, strict=True):
                if value == unset:
                    continue
                row[name] = "" if value == empty else _unescape(value)
            ts = iso_utc(row.get("ts"))
            if ts:
                row["_ts"] = ts
            if row.get("id.orig_h"):
                row["_host"] = row["id.orig_h"]
            if log == "http":
                http_fields(row)
            yield row


register(ZeekParser())
