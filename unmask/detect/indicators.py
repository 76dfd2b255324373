"""Indicators of compromise: read from lists, STIX 2.1 bundles and MISP events; normalised.

An :class:`Indicator` is a kind (``ip``, ``domain``, ``url``, ``email``, ``md5``, ``sha1``,
``sha256``, ``sha512``, ``certificate``; a cryptocurrency address: ``btc``, ``eth``, ``xmr``)
and a normalised value: refanged (``hxxp``, ``[.]``, ``(.)``, ``[@]``, ``[:]``), lower-cased,
trailing dots removed, IPv6 in its compressed form; an address checked by its checksum, a base58
one kept in its case (:mod:`unmask.detect.wallets`).  Values on a MISP warninglist are *suppressed*: kept aside with the list
that names them, reported, never matched.
"""

from __future__ import annotations

import csv
import functools
import io
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask import safe_json
from unmask.cases.tlp import bundle_tlp, mappings, misp_deleted, misp_tlp, stix_withdrawn, strictest
from unmask.detect.wallets import WALLET_KINDS, wallet_address, wallet_kind
from unmask.errors import IngestError, Location
from unmask.ingest.base import UTF16_REPLACED, decode_utf16
from unmask.model import Tlp
from unmask.printable import has_unprintable

__all__ = [
    "FILE_SUFFIXES",
    "HASH_KINDS",
    "Indicator",
    "IndicatorSet",
    "asn_number",
    "guess_kind",
    "indicator_key",
    "is_value_list",
    "load_indicators",
    "misp_wallet",
    "normalise",
    "pattern_values",
    "refang",
]

MAX_INDICATOR_BYTES = 256 * 1024 * 1024
_HEX_KINDS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
# The kinds that are a file's (the rest are infrastructure, a certificate's fingerprint among them).
HASH_KINDS = frozenset({"md5", "sha1", "sha256", "sha512", "imphash", "tlsh"})
# Variation selectors (an emoji's ❤️ holds one), which IDNA drops from a host name without a word.
_VARIATION = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_DOMAIN = re.compile(r"^(?=.{3,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$")
_EMAIL = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")
_REFANG = [
    (re.compile(r"\bhxxp", re.IGNORECASE), "http"),
    (re.compile(r"\bfxp", re.IGNORECASE), "ftp"),
    (re.compile(r"\[\s*(?:\.|dot)\s*\]|\(\s*(?:\.|dot)\s*\)|\{\s*(?:\.|dot)\s*\}", re.IGNORECASE), "."),
    (re.compile(r"\[\s*(?:@|at)\s*\]|\(\s*(?:@|at)\s*\)", re.IGNORECASE), "@"),
    (re.compile(r"\[\s*:\s*\]"), ":"),
    (re.compile(r"\[\s*/\s*\]"), "/"),
    (re.compile(r"\[://\]"), "://"),
]

# MISP attribute types -> indicator kind (composite "a|b" types name their parts)
MISP_TYPES = {
    "ip-src": "ip",
    "ip-dst": "ip",
    "ip": "ip",  # the second half of "domain|ip"
    "domain": "domain",
    "hostname": "domain",
    "url": "url",
    "link": None,
    "email": "email",
    "email-src": "email",
    "email-dst": "email",
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "sha512": "sha512",
    "x509-fingerprint-sha1": "certificate",
    "x509-fingerprint-sha256": "certificate",
    "x509-fingerprint-md5": "certificate",
    "btc": "btc",
    "xmr": "xmr",
}

# STIX cyber-observable paths -> indicator kind
STIX_PATHS = {
    "ipv4-addr:value": "ip",
    "ipv6-addr:value": "ip",
    "domain-name:value": "domain",
    "url:value": "url",
    "email-addr:value": "email",
    "email-message:from_ref.value": "email",
    "file:hashes.md5": "md5",
    "file:hashes.'md5'": "md5",
    "file:hashes.'sha-1'": "sha1",
    "file:hashes.sha1": "sha1",
    "file:hashes.'sha-256'": "sha256",
    "file:hashes.sha256": "sha256",
    "file:hashes.'sha-512'": "sha512",
    "x509-certificate:hashes.'sha-1'": "certificate",
    "x509-certificate:hashes.'sha-256'": "certificate",
    "x509-certificate:hashes.md5": "certificate",
    "autonomous-system:number": "asn",
    # STIX 2.1 has no object for a wallet: unmask writes OpenCTI's; the currency is the address's form
    "cryptocurrency-wallet:value": "wallet",
}
_COMPARISON = re.compile(
    r"(?<![a-z0-9-])([a-z0-9-]+:[a-z0-9_.'\-]+)\s*(=|LIKE|IN|MATCHES)\s*('(?:[^'\\]|\\.)*'|\([^)]*\)|\d+\b)",
    re.IGNORECASE,
)


# File names look like domain names ("vssadmin.exe"): a value that ends so is not taken for a domain.
FILE_SUFFIXES = (
    ".exe",
    ".dll",
    ".ps1",
    ".bat",
    ".vbs",
    ".js",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".pdf",
    ".zip",
    ".rar",
    ".txt",
    ".lnk",
    ".sys",
    ".jpg",
    ".png",
    ".ini",
    ".cfg",
    ".conf",
    ".log",
    ".tmp",
    ".dat",
    ".bin",
    ".elf",
    ".jar",
    ".msi",
    ".hta",
    ".cpl",
    ".scr",
    ".iso",
    ".img",
    ".7z",
    ".gz",
    ".tar",
    ".json",
    ".xml",
    ".yml",
    ".yaml",
    ".csv",
    ".psm1",
    ".vbe",
    ".wsf",
    ".docm",
    ".xlsm",
    ".pptx",
    ".rtf",
    ".dylib",
    ".plist",
    ".php",
    ".aspx",
    ".jsp",
    ".c",
    ".h",
    ".cpp",
)


@dataclass(frozen=True)
class Indicator:
    """One normalised indicator and where it came from."""

    kind: str
    value: str
    source: str
    ref: str | None = None
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class IndicatorSet:
    """Indicators to match, those suppressed as known-benign, and what could not be read."""

    indicators: list[Indicator] = field(default_factory=list)
    suppressed: list[tuple[Indicator, list[str]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0
    tlp: Tlp | None = None  # the most restrictive label the files carry (a STIX marking, a MISP tag)

    def extend(self, other: IndicatorSet) -> None:
        self.tlp = strictest([self.tlp, other.tlp])
        self.indicators += other.indicators
        self.suppressed += other.suppressed
        self.problems += other.problems
        self.skipped += other.skipped

    def summary(self) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for item in self.indicators:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        return {
            "indicators": len(self.indicators),
            "by_kind": kinds,
            "suppressed": [
                {"value": i.value, "kind": i.kind, "lists": lists} for i, lists in self.suppressed
            ],
            "skipped": self.skipped,
            "problems": self.problems[:50],
        }


def refang(text: str) -> str:
    """``hxxp://evil[.]com`` -> ``http://evil.com``."""
    for pattern, replacement in _REFANG:
        text = pattern.sub(replacement, text)
    return text


def _unwrap(text: str, exact: bool = False) -> str:
    """A value without the quotes or angle brackets written around it (``<https://x/>``, ``'a.b'``):
    only a matching pair is removed, so ``https://x/?q=<b>`` keeps its last character."""
    while len(text) >= 2 and (text[0], text[-1]) in (("<", ">"), ('"', '"'), ("'", "'")):
        text = text[1:-1].strip()
    return text if exact else text.strip("\"'")  # a stray quote left over from a list


def normalise(kind: str, raw: str, *, exact: bool = False) -> str | None:
    """The canonical form of a value of ``kind``, or ``None`` when it is not one.

    ``exact``: the value as an analyst gave it (a case file's, to share): refanged and in its
    canonical case, but no stray quote or closing punctuation is taken off, as it is from a value
    found in prose (``http://x/q?a="b"`` keeps its quote, ``http://x/path.`` its full stop).

    A value holding a control character (NUL, ESC, C1) or a format one (a zero-width space, a
    direction override) is none, of any kind: a partner's tool that stops at a NUL would block
    ``http://e.example/a``, and IDNA drops a zero-width space, sharing ``evil.example`` for
    ``ev\u200bil.example`` without a word.  Only the blanks around it are taken off."""
    if has_unprintable(raw.strip(" \t\r\n")):
        return None
    text = refang(_unwrap(raw.strip(), exact)).strip()
    if not text:
        return None
    if kind in WALLET_KINDS:
        return wallet_address(kind, text)
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(text.strip("[]")))
        except ValueError:
            return None
    lowered = text.lower()
    if kind == "domain":
        lowered = lowered.rstrip(".")
        if _VARIATION.search(lowered):  # IDNA would drop it: "ev\ufe0fil.example" is no evil.example
            return None
        if not lowered.isascii():
            # An internationalised name (пример.укр) as DNS carries it: xn--e1afmkfd.xn--j1amh.
            try:
                lowered = lowered.encode("idna").decode("ascii")
            except UnicodeError:
                return None
        return lowered if _DOMAIN.match(lowered) else None
    if kind == "email":
        return lowered if _EMAIL.match(lowered) else None
    if kind == "url":
        # Scheme and host are case-blind; the path and query are not (/Payload.EXE?id=AbC). The
        # full stop or comma of the sentence a URL ends is not part of it.
        text = text if exact else text.rstrip(".,;:!?")
        lowered = text.lower()
        if not _URL.match(lowered):
            return None
        scheme, _, rest = text.partition("://")
        host, slash, path = rest.partition("/")
        return f"{scheme.lower()}://{host.lower()}{slash}{path}"
    if kind == "imphash":  # an MD5 of the import table
        return lowered if re.fullmatch(r"[0-9a-f]{32}", lowered) else None
    if kind == "tlsh":  # 70 hex digits, with or without the "T1" version prefix
        return text.upper() if re.fullmatch(r"(?:T1)?[0-9A-F]{70}", text.upper()) else None
    if kind in ("md5", "sha1", "sha256", "sha512", "certificate"):
        digest = lowered.replace(":", "")
        if not re.fullmatch(r"[0-9a-f]+", digest):
            return None
        if kind != "certificate" and _HEX_KINDS.get(len(digest)) != kind:
            return None
        if kind == "certificate" and len(digest) not in (32, 40, 64):  # an MD5, SHA-1 or SHA-256 fingerprint
            return None
        return digest
    return None


def asn_number(raw: str) -> str | None:
    """An AS number's digits (``AS13335``, ``13335`` and ``AS013335`` are ``13335``), or ``None``
    when it is none."""
    digits = raw.strip().upper().removeprefix("AS")
    return str(int(digits)) if digits.isdigit() and int(digits) < 2**32 else None


def indicator_key(kind: str | None, raw: str) -> str:
    """How an indicator is compared (a case's with the intelligence's): canonical when it can be."""
    return (normalise(kind, raw) if kind else None) or raw.strip().lower()


def guess_kind(raw: str) -> str | None:
    """What a bare value in a list is: ip, url, email, a hash, or a domain."""
    text = refang(raw.strip()).lower()
    for kind in ("ip", "url", "email"):
        if normalise(kind, text) is not None:
            return kind
    digest = text.replace(":", "")
    if re.fullmatch(r"[0-9a-f]+", digest) and len(digest) in _HEX_KINDS:
        return _HEX_KINDS[len(digest)]
    wallet = wallet_kind(raw.strip())  # as written: a base58 address's case is its value
    if wallet is not None:
        return wallet
    # A file name is no domain ("vssadmin.exe"), unless defanged as a domain is ("evil[.]zip").
    defanged = text != raw.strip().lower()
    if normalise("domain", text) is not None and (defanged or not text.endswith(FILE_SUFFIXES)):
        return "domain"
    return None


class _Builder:
    def __init__(self, source: str, benign: Any) -> None:
        self.source = source
        self.benign = benign
        self.out = IndicatorSet()
        self.seen: set[tuple[str, str]] = set()

    def skip(self, ref: str, why: str) -> None:
        """Count what is no indicator, and say where (the first 50)."""
        self.out.skipped += 1
        if len(self.out.problems) < 50:
            self.out.problems.append(
                f"{self.source}:{ref}: {why}; skipped" if ref else f"{self.source}: {why}"
            )

    def add(
        self, kind: str | None, raw: str, ref: str | None, label: str | None = None, *, exact: bool = False
    ) -> None:
        """Add one indicator; ``exact``: a typed value of STIX or MISP, taken as written (no prose
        punctuation is trimmed from it)."""
        if kind is None:
            kind = guess_kind(raw)
        value = normalise(kind, raw, exact=exact) if kind else None
        if kind is None or value is None:
            self.out.skipped += 1
            if len(self.out.problems) < 50:
                what = (
                    "a file name, not"
                    if kind is None and refang(raw.strip()).lower().endswith(FILE_SUFFIXES)
                    else "not"
                )
                self.out.problems.append(
                    f"{self.source}:{ref}: {raw[:80]!r} is {what} a usable indicator; skipped"
                )
            return
        if (kind, value) in self.seen:
            return
        self.seen.add((kind, value))
        indicator = Indicator(kind, value, self.source, ref, label)
        lists = (
            self.benign.lists_for(value)
            if self.benign is not None and kind in ("ip", "domain", "url", "md5", "sha1", "sha256")
            else []
        )
        if kind == "url" and self.benign is not None and not lists:
            host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value).split("/", 1)[0].split(":", 1)[0]
            lists = self.benign.lists_for(host) if value.count("/") <= 3 else []
        if lists:
            self.out.suppressed.append((indicator, lists))
        else:
            self.out.indicators.append(indicator)


# A qualifier's timestamp (START t'2024-01-01T00:00:00Z' STOP t'...'): the one literal outside a comparison.
_TIMESTAMP = re.compile(r"\bt'[^']*'")
# Any STIX comparison (every operator, NOT included; strings, binary, hex, timestamps, numbers,
# booleans, lists), to tell a malformed pattern from one whose comparisons unmask does not read.
_ANY_COMPARISON = re.compile(
    r"(?:EXISTS\s+)?(?<![a-z0-9-])[a-z0-9-]+:[a-z0-9_.'\-\[\]*]+\s*(?:(?:NOT\s+)?(?:=|!=|<>|<=|>=|<|>|LIKE|IN|MATCHES|ISSUBSET|ISSUPERSET)\s*"
    r"(?:[hbt]?'(?:[^'\\]|\\.)*'|\([^)]*\)|-?\d+(?:\.\d+)?\b|true\b|false\b))?",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=65536)
def valid_pattern(pattern: str) -> bool:
    """Whether a STIX 2.1 pattern parses (the OASIS grammar, ``stix2-patterns``): from one that does
    not (no brackets, "[NOT ipv4-addr:value = ...]", a dangling AND, trailing words) nothing is
    taken; its values could be what the producer meant to exclude."""
    from stix2patterns.v21.pattern import Pattern

    try:
        Pattern(pattern)  # the grammar only: a hash of the wrong length is reported where it is read
    except Exception:  # the parser's own failure on hostile text is a malformed pattern too
        return False
    return True


def pattern_values(pattern: str) -> list[tuple[str, str]]:
    """(kind, value) of each equality (``=`` or ``IN``) over a known observable path in a STIX pattern.

    Values are unescaped but not normalised; ``kind`` is an indicator kind or ``asn``.  A pattern
    with a string outside any comparison (``[ipv4-addr:value = '198.51.100.' + '2']``: STIX has no
    ``+``) is malformed: nothing is taken from it, rather than a part of a value.
    """
    found: list[tuple[str, str]] = []
    rest = _TIMESTAMP.sub(" ", _ANY_COMPARISON.sub(" ", pattern))
    if "'" in rest or "+" in rest or not valid_pattern(pattern):
        return found
    for path, op, literal in _COMPARISON.findall(pattern):
        kind = STIX_PATHS.get(path.lower())
        if kind is None or op.upper() not in ("=", "IN"):
            continue
        if literal.isdigit():  # an integer, as STIX writes autonomous-system:number = 13335
            found.append((kind, literal))
            continue
        for value in re.findall(r"'((?:[^'\\]|\\.)*)'", literal):
            value = value.replace("\\'", "'").replace("\\\\", "\\")
            # a wallet's currency is the form of its address (one that is none is skipped where read)
            found.append(((wallet_kind(value) or "btc") if kind == "wallet" else kind, value))
    return found


def _withdrawn(builder: _Builder, ref: Any, why: str) -> None:
    builder.out.skipped += 1
    if len(builder.out.problems) < 50:
        builder.out.problems.append(f"{builder.source}:{ref}: {why}; not matched")


def _stix(builder: _Builder, data: Any) -> None:
    objects = data.get("objects", []) if isinstance(data, dict) else []
    objects = objects if isinstance(objects, list) else []
    builder.out.tlp = bundle_tlp(objects)
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict) or obj.get("type") != "indicator":
            continue
        # An indicator is named by its id, or by its place when it has none (not "None").
        ref = str(obj.get("id") or f"objects[{index}]")
        why = stix_withdrawn(obj)
        if why:
            _withdrawn(builder, ref, why)
            continue
        pattern = str(obj.get("pattern", ""))
        if obj.get("pattern_type", "stix") != "stix":
            builder.add(None, pattern, ref)  # a non-STIX pattern is tried as a bare value
            continue
        found = pattern_values(pattern)
        for kind, value in found:
            builder.add(kind, value, ref, obj.get("name"), exact=True)
        if not found:
            builder.out.skipped += 1
            if len(builder.out.problems) < 50:
                builder.out.problems.append(
                    f"{builder.source}:{ref}: no supported comparison in pattern {pattern[:80]!r}"
                )


def _misp(builder: _Builder, data: Any) -> None:
    builder.out.tlp = misp_tlp(data)
    events = data.get("response", [data]) if isinstance(data, dict) else data
    for item in events if isinstance(events, list) else []:
        event = item.get("Event", item) if isinstance(item, dict) else {}
        if not isinstance(event, dict):
            continue
        attributes = mappings(event.get("Attribute"))
        for place, obj in enumerate(mappings(event.get("Object"))):
            if misp_deleted(obj):
                _withdrawn(
                    builder, obj.get("uuid") or obj.get("name") or f"object {place}", "object marked deleted"
                )
                continue
            attributes += mappings(obj.get("Attribute"))
        for number, attribute in enumerate(attributes):
            if misp_deleted(attribute):
                _withdrawn(
                    builder, attribute.get("uuid") or f"attribute {number}", "attribute marked deleted"
                )
                continue
            kind_name = str(attribute.get("type") or "")
            value = str(attribute.get("value") or "")
            ref = str(attribute.get("uuid") or f"attribute {number}")
            parts = kind_name.split("|")
            values = value.split("|") if len(parts) > 1 else [value]
            for part, text in zip(parts, values, strict=False):
                if part.endswith("port") or part == "filename":
                    continue
                kind = MISP_TYPES.get(part) or misp_wallet(attribute, text)
                if kind is not None:
                    builder.add(kind, text, ref, attribute.get("comment") or None, exact=True)


def misp_wallet(attribute: dict[str, Any], value: str) -> str | None:
    """The kind of a coin-address object's generic address (an Ethereum address, which MISP has no
    type for), by its form; None for any other attribute."""
    if attribute.get("object_relation") != "address-crypto":
        return None
    return wallet_kind(value.strip())


_COMMENT = re.compile(r"(?:^|\s)#")


def _table(builder: _Builder, text: str) -> None:
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    delimiter = None
    if any(d in sample for d in (",", ";", "\t")):
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = None
    if delimiter is None:
        for number, line in enumerate(lines, start=1):
            value = _COMMENT.split(line, maxsplit=1)[0].strip()  # "# note", not a URL's #fragment
            if value:
                builder.add(None, value, f"line {number}")
        return
    # No indicator spans lines: a quote left open on a line closes with it, rather than swallowing
    # the lines after it into one cell (their values would be lost).
    for number, line in enumerate(lines):
        if line.count('"') % 2:
            if len(builder.out.problems) < 50:
                builder.out.problems.append(
                    f"{builder.source}:line {number + 1}: a quote left open; read without it"
                )
            lines[number] = line.replace('"', "")
    text = "\n".join(lines)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    value_col = next(
        (i for i, h in enumerate(header) if h in ("value", "indicator", "ioc", "observable")), None
    )
    type_col = next((i for i, h in enumerate(header) if h in ("type", "kind", "indicator_type")), None)
    if value_col is None:  # no header: every cell may be a value
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for number, row in enumerate(reader, start=2 if value_col is not None else 1):
        cells = [row[value_col]] if value_col is not None and value_col < len(row) else row
        declared = row[type_col].strip().lower() if type_col is not None and type_col < len(row) else None
        kind = MISP_TYPES.get(declared or "") if declared else None
        if declared in (
            "ip",
            "domain",
            "url",
            "email",
            "md5",
            "sha1",
            "sha256",
            "sha512",
            "certificate",
            *WALLET_KINDS,
        ):
            kind = declared
        for cell in cells:
            if cell.strip():
                builder.add(kind, cell, f"line {number}")


def is_value_list(data: Any) -> bool:
    """Whether JSON is a list of indicator values (strings; an item of another type is skipped)."""
    return isinstance(data, list) and any(isinstance(item, str) for item in data)


def load_indicators(path: Path, benign: Any = None) -> IndicatorSet:
    """Indicators from a list (plain or CSV), a STIX 2.1 bundle or a MISP event (JSON)."""
    try:
        size = path.stat().st_size
        if size > MAX_INDICATOR_BYTES:
            raise IngestError(
                f"{size:,} bytes is more than the {MAX_INDICATOR_BYTES:,} an indicator file may have; split it",
                Location(path),
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read indicator file: {exc.strerror}", Location(path)) from None
    decoded = decode_utf16(raw)  # PowerShell's "> iocs.txt"
    raw = decoded[0] if decoded is not None else raw
    if b"\x00" in raw[:4096]:
        raise IngestError(
            "not a text file (binary data); give a list, CSV, STIX bundle or MISP event", Location(path)
        )
    text = raw.decode("utf-8-sig", errors="replace")  # a BOM (Excel's CSV) is not part of the header
    builder = _Builder(str(path), benign)
    if decoded is not None and decoded[1]:
        builder.out.problems.append(f"{path}: {UTF16_REPLACED}")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = safe_json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"malformed JSON at line {exc.lineno}: {exc.msg}", Location(path, exc.lineno)
            ) from None
        except RecursionError:
            raise IngestError("JSON nested too deeply to read", Location(path)) from None
        if isinstance(data, dict) and data.get("type") == "bundle":
            _stix(builder, data)
        elif is_value_list(data):
            for number, item in enumerate(data):  # a JSON list of values: ["203.0.113.5", ...]
                if isinstance(item, str):
                    builder.add(None, item, f"item {number}")
                else:
                    builder.skip(f"item {number}", f"{str(item)[:80]!r} is not a value")
        elif isinstance(data, dict | list):
            _misp(builder, data)
            if not builder.out.indicators and not builder.out.suppressed and not builder.out.problems:
                builder.skip("", "JSON that is neither a STIX 2.1 bundle, a MISP event nor a list of values")
    else:
        _table(builder, text)
    return builder.out


def load_all(paths: Iterable[Path], benign: Any = None) -> IndicatorSet:
    """The indicators of every file, each value once (the first file that gives it names it)."""
    result = IndicatorSet()
    seen: set[tuple[str, str]] = set()
    for path in paths:
        found = load_indicators(path, benign)
        found.indicators = [i for i in found.indicators if (i.kind, i.value) not in seen]
        seen.update((i.kind, i.value) for i in found.indicators)
        result.extend(found)
    return result
