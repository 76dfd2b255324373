"""One guard for the JSON unmask reads from users: case files, STIX bundles, MISP events,
indicator lists and intelligence files.

Python refuses to turn a run of more than 4,300 digits into an integer (the conversion's cost
grows with the square of the length), and ``json`` then raises a plain ``ValueError`` that no
reader expects. Such a number is read here as a float (infinity past the float range), which
the readers' own checks then report where it is, like any other out-of-range value.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["MAX_DIGITS", "loads"]

MAX_DIGITS = sys.get_int_max_str_digits() or 4300


def _int(text: str) -> int | float:
    return int(text) if len(text) <= MAX_DIGITS else float(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (JavaScript's, which Python's reader accepts)")


def loads(text: str | bytes, *, strict: bool = False) -> Any:
    """``json.loads`` for untrusted text: malformed JSON raises ``json.JSONDecodeError`` as
    usual; an integer too long to convert is read as a float.  ``strict``: ``NaN`` and
    ``Infinity`` raise ``ValueError`` instead of being read."""
    if strict:
        return json.loads(text, parse_int=_int, parse_constant=_no_constant)
    return json.loads(text, parse_int=_int)


def digest(data: Any) -> str:
    """The SHA-256 of a document read from a user's file, as canonical JSON (keys sorted) when its
    keys can be sorted; a YAML document may mix numeric and text keys, which JSON cannot sort."""
    import hashlib

    try:
        raw = json.dumps(data, sort_keys=True, default=str)
    except TypeError:
        raw = json.dumps(data, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
