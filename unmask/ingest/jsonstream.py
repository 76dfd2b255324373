"""The items of a big JSON array read one at a time, in bounded memory.

Loading a JSON document whole takes about ten times its size in memory.  A document that is an
array of events, or an object whose first key holds that array (CloudTrail's ``{"Records": [...]}``,
Graph's ``{"value": [...]}``), is read here a buffer at a time: each item is decoded by the
standard library's C decoder (which reads what event logs hold: 64-bit unsigned numbers, NaN),
and an item that is not valid JSON costs itself only; the reading goes on after it.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["CHUNK_CHARS", "BadItem", "Leftover", "array_items", "array_key"]

CHUNK_CHARS = 4 * 1024 * 1024
_SPACE = " \t\r\n"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity, as a whole document's loading says


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999, as a whole document's loading refuses it
        raise ValueError(f"{text} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


class BadItem:
    """An item that is not valid JSON, in place of its value: why."""

    def __init__(self, why: str) -> None:
        self.why = why


class _Buffer:
    """Text decoded from a binary file a chunk at a time; ``text[pos:]`` is what is unread."""

    def __init__(self, handle: IO[bytes], chunk: int) -> None:
        self.handle, self.chunk = handle, chunk
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text, self.pos, self.eof = "", 0, False
        while not self.text and self.more():  # a BOM split over tiny reads is still one BOM
            pass
        self.text = self.text.removeprefix("\ufeff")

    def more(self, at_least: int = 0) -> bool:
        """Read one more chunk (or ``at_least`` bytes); ``False`` at the end of the file."""
        if self.eof:
            return False
        data = self.handle.read(max(self.chunk, at_least))
        self.eof = not data
        if self.pos > self.chunk:  # what was read is dropped: memory stays at a chunk or two
            self.text, self.pos = self.text[self.pos :], 0
        self.text += self.decoder.decode(data, final=self.eof)
        return not self.eof

    def skip(self, chars: str) -> str:
        """Move past ``chars``; the next character ("" at the end)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in chars:
                self.pos += 1
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos : self.pos + 1]

    def value(self) -> Any:
        """The JSON value that starts here, or a :class:`BadItem`; the position moves past it."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except (json.JSONDecodeError, ValueError, RecursionError) as exc:
                if not self.eof and _cut_short(exc, len(self.text)):
                    # The value goes on past what is read: read as much again (a big item costs
                    # a few decodings, not one per chunk).
                    self.more(at_least=len(self.text) - self.pos)
                    continue
                end = value_end(self.text, self.pos)
                if end >= len(self.text) and self.more(at_least=len(self.text) - self.pos):
                    continue  # a broken item longer than what is read: read as much again
                self.pos = max(end, self.pos + 1)  # a stray '}' or ':' is passed, never read again
                return BadItem(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            if end >= len(self.text) and not self.eof and not isinstance(value, (dict, list, str)):
                self.more()  # a number at the end of a chunk may go on in the next one
                continue
            self.pos = end
            return value


def _cut_short(exc: Exception, length: int) -> bool:
    """Whether a decoding error may only mean the value goes on past the text read."""
    if not isinstance(exc, json.JSONDecodeError):
        return False
    return exc.msg.startswith("Unterminated string") or exc.pos >= length - 1


class Leftover:
    """What follows the array in the document and is not read (said as a problem)."""

    def __init__(self, what: str) -> None:
        self.what = what


def array_key(
    handle: IO[bytes], envelopes: tuple[str, ...], skipped: frozenset[str] = frozenset()
) -> str | None:
    """Where the array of events is: ``""`` for a document that is one, the key's name for an object
    whose key (one of ``envelopes``) holds it after only keys of ``skipped`` or starting with
    ``@odata`` (Graph's context, Splunk's metadata), ``None`` for any other document."""
    buffer = _Buffer(handle, 64 * 1024)
    first = buffer.skip(_SPACE)
    if first == "[":
        return ""
    if first != "{":
        return None
    buffer.pos += 1
    return _to_array(buffer, envelopes, skipped)


def _to_array(buffer: _Buffer, envelopes: tuple[str, ...], skipped: frozenset[str]) -> str | None:
    """Past the keys before the array of events (the buffer just inside the object): its key."""
    while buffer.skip(_SPACE + ",") == '"':
        key = buffer.value()
        if not isinstance(key, str) or buffer.skip(_SPACE) != ":":
            return None
        buffer.pos += 1
        if key in envelopes:
            return key if buffer.skip(_SPACE) == "[" else None
        if not (key.startswith("@odata") or key in skipped):
            return None
        buffer.skip(_SPACE)
        if isinstance(buffer.value(), BadItem):
            return None
    return None


def array_items(
    handle: IO[bytes],
    key: str,
    chunk: int = CHUNK_CHARS,
    envelopes: tuple[str, ...] = (),
    skipped: frozenset[str] = frozenset(),
) -> Iterator[Any]:
    """The items of the array (at ``key``, see :func:`array_key`), each a value or a
    :class:`BadItem`; a :class:`Leftover` last when the document goes on after the array."""
    buffer = _Buffer(handle, chunk)
    buffer.skip(_SPACE)
    buffer.pos += 1  # past '[' (or '{', then past the keys before the array and its '[')
    if key:
        if _to_array(buffer, envelopes or (key,), skipped) != key:
            return
        buffer.pos += 1
    while True:
        following = buffer.skip(_SPACE + ",")
        if following in ("]", ""):
            break
        yield buffer.value()
    buffer.pos += 1
    rest = buffer.skip(_SPACE + ("}" if key else ""))
    if rest:
        yield Leftover("other keys of the object" if key else "text after the array")


_SPECIAL = re.compile(r'["\\\[\]{},]')


def value_end(text: str, start: int) -> int:
    """Where the JSON value that starts at ``start`` ends (past its closing bracket, or at the
    next comma or closing bracket of its array for a scalar), without parsing it.  Only the
    characters that matter are visited (quotes, backslashes, brackets, commas)."""
    depth, in_string, skip = 0, False, -1
    for match in _SPECIAL.finditer(text, start):
        position = match.start()
        if position == skip:  # the character a backslash escapes
            continue
        char = text[position]
        if in_string:
            if char == "\\":
                skip = position + 1
            elif char == '"':
                in_string = False
                if depth == 0:
                    return position + 1
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                return position
            depth -= 1
            if depth == 0:
                return position + 1
        elif char == "," and depth == 0:
            return position
    return len(text)
