"""One guard for the JSON unmask reads from users: case files, STIX bundles, MISP events,
indicator lists and intelligence files.

Python refuses to turn a run of more than 4,300 digits into an integer (the conversion's cost
grows with the square of the length), and ``json`` then raises a plain ``ValueError`` that no
reader expects. Such a number is read here as a float (infinity past the float range), which
the readers' own checks then report where it is, like any other out-of-range value.

JSON's ``\\u`` escapes (and YAML's) can write half of a UTF-16 pair, ``"\\ud800"``, which Python
reads as a lone surrogate: a string that cannot be written as UTF-8, so the Parquet writer, a
case file and the terminal all fail on it.  What is read here has each one replaced with U+FFFD
(:func:`mend`), so nothing downstream meets one; the other readers of users' JSON and YAML (the
Sigma rule loader, the case loaders, the JSON log parser) mend what they read the same way.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

__all__ = ["MAX_DIGITS", "loads", "may_hold_surrogates", "mend", "mend_text"]

MAX_DIGITS = sys.get_int_max_str_digits() or 4300


def _int(text: str) -> int | float:
    return int(text) if len(text) <= MAX_DIGITS else float(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (JavaScript's, which Python's reader accepts)")


def loads(text: str | bytes, *, strict: bool = False) -> Any:
    """``json.loads`` for untrusted text: malformed JSON raises ``json.JSONDecodeError`` as
    usual; an integer too long to convert is read as a float; a lone surrogate is U+FFFD.
    ``strict``: ``NaN`` and ``Infinity`` raise ``ValueError`` instead of being read."""
    if strict:
        data = json.loads(text, parse_int=_int, parse_constant=_no_constant)
    else:
        data = json.loads(text, parse_int=_int)
    return mend(data) if may_hold_surrogates(text) else data


_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
# An escape of a surrogate in JSON or YAML text (\ud800, YAML's \U0000d800); a valid pair is read
# as one character, but only decoding tells, so any such escape means the result is looked at.
_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89abcdefABCDEF]")
_ESCAPE_BYTES = re.compile(rb"\\(?:u|U0000)[dD][89abcdefABCDEF]")


def may_hold_surrogates(text: str | bytes) -> bool:
    """Whether JSON or YAML text can decode to a lone surrogate: it has an escape of one, or one
    itself (text decoded with ``surrogateescape``; bytes ``json`` decodes with ``surrogatepass``)."""
    if isinstance(text, bytes):
        return b"\xed" in text or _ESCAPE_BYTES.search(text) is not None
    return _ESCAPE.search(text) is not None or _SURROGATE.search(text) is not None


def mend_text(text: str) -> str:
    """``text`` with every lone surrogate replaced with U+FFFD (the replacement character); a high
    and a low one in a row, as YAML reads an escaped pair ("\\ud83d\\ude00"), are the one
    character they write."""
    if not _SURROGATE.search(text):
        return text
    text = _PAIR.sub(
        lambda m: chr(0x10000 + ((ord(m.group(0)[0]) - 0xD800) << 10) + ord(m.group(0)[1]) - 0xDC00), text
    )
    return _SURROGATE.sub("\ufffd", text)


def mend(data: Any) -> Any:
    """A parsed JSON or YAML document with every lone surrogate in its strings (keys too)
    replaced with U+FFFD.  Lists and dicts are mended in place, walked without recursion (a
    document nested as deeply as the parser allows is mended too)."""
    if isinstance(data, str):
        return mend_text(data)
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = mend_text(item)
                elif isinstance(item, (list, dict)):
                    stack.append(item)
        elif isinstance(node, dict):
            if any(isinstance(key, str) and _SURROGATE.search(key) for key in node):
                items = list(node.items())
                node.clear()
                node.update((mend_text(k) if isinstance(k, str) else k, v) for k, v in items)
            for key, item in node.items():
                if isinstance(item, str):
                    node[key] = mend_text(item)
                elif isinstance(item, (list, dict)):
                    stack.append(item)
    return data


def digest(data: Any) -> str:
    """The SHA-256 of a document read from a user's file, as canonical JSON (keys sorted) when its
    keys can be sorted; a YAML document may mix numeric and text keys, which JSON cannot sort."""
    import hashlib

    try:
        raw = json.dumps(data, sort_keys=True, default=str)
    except TypeError:
        raw = json.dumps(data, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
