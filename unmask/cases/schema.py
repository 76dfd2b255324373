"""The case file format: a JSON Schema, and the shorthand keys it allows.

An observation is either the long form ``{kind: technique, value: T1190}`` or
one shorthand key naming what it is (``technique: T1190``, ``ip: 203.0.113.7``).
See docs/case-format.md.
"""

from __future__ import annotations

from typing import Any

from unmask.model import ObservationKind

__all__ = ["CASE_SCHEMA", "OPTIONAL_FIELDS", "SHORTHAND"]

# shorthand key -> (kind, subtype)
SHORTHAND: dict[str, tuple[ObservationKind, str | None]] = {
    "technique": (ObservationKind.TECHNIQUE, None),
    "software": (ObservationKind.SOFTWARE, None),
    "malware": (ObservationKind.SOFTWARE, "malware"),
    "tool": (ObservationKind.SOFTWARE, "tool"),
    "ip": (ObservationKind.INFRASTRUCTURE, "ip"),
    "domain": (ObservationKind.INFRASTRUCTURE, "domain"),
    "url": (ObservationKind.INFRASTRUCTURE, "url"),
    "email": (ObservationKind.INFRASTRUCTURE, "email"),
    "certificate": (ObservationKind.INFRASTRUCTURE, "certificate"),
    "asn": (ObservationKind.INFRASTRUCTURE, "asn"),
    # what the actor is paid to: a Bitcoin, Ethereum or Monero address
    "btc": (ObservationKind.INFRASTRUCTURE, "btc"),
    "eth": (ObservationKind.INFRASTRUCTURE, "eth"),
    "xmr": (ObservationKind.INFRASTRUCTURE, "xmr"),
    "sha256": (ObservationKind.FILE, "sha256"),
    "sha1": (ObservationKind.FILE, "sha1"),
    "md5": (ObservationKind.FILE, "md5"),
    "imphash": (ObservationKind.FILE, "imphash"),
    "tlsh": (ObservationKind.FILE, "tlsh"),
    "cve": (ObservationKind.VULNERABILITY, None),
    "victim_country": (ObservationKind.VICTIM, "country"),
    "victim_sector": (ObservationKind.VICTIM, "sector"),
    "date": (ObservationKind.TIMING, None),
    "similarity": (ObservationKind.SIMILARITY, None),
}

OPTIONAL_FIELDS = ("phase", "host", "confidence", "source", "first_seen", "last_seen")

_SCALAR = {"type": ["string", "number", "integer"]}
_OPTIONAL: dict[str, Any] = {
    # A phase may be numbered (phase: 5) and a host named by a number (host: 1001), as ids are.
    "phase": {"type": ["string", "integer"], "minLength": 1},
    "host": {"type": ["string", "integer"], "minLength": 1},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "source": {"type": "string"},
    "first_seen": _SCALAR,
    "last_seen": _SCALAR,
}

_LONG_FORM = {
    "type": "object",
    "required": ["kind", "value"],
    "properties": {
        "kind": {"enum": [k.value for k in ObservationKind]},
        "value": _SCALAR,
        "subtype": {"type": "string"},
        **_OPTIONAL,
    },
    "additionalProperties": False,
}

_SHORT_FORM = {
    "type": "object",
    "properties": {**dict.fromkeys(SHORTHAND, _SCALAR), **_OPTIONAL},
    "additionalProperties": False,
    "minProperties": 1,
}

CASE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "unmask case",
    "type": "object",
    "required": ["observations"],
    "properties": {
        "id": {"type": ["string", "integer"], "minLength": 1},  # a ticket number is an id too
        "title": {"type": ["string", "number"]},
        "tlp": {"enum": ["clear", "green", "amber", "amber+strict", "red"]},
        "notes": {"type": "array", "items": {"type": "string"}},
        "observations": {
            "type": "array",
            "items": {"oneOf": [_LONG_FORM, _SHORT_FORM]},
        },
    },
    "additionalProperties": False,
}
