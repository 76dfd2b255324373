"""Text from the evidence, made safe to show: no control sequences, no direction overrides.

Log fields, report text and case values are written by the adversary.  Shown raw, an escape
sequence can clear an analyst's terminal or retitle it, a NUL can cut a report short, and a
right-to-left override can show ``invoice\u202efdp.exe`` as ``invoiceexe.pdf``, and a zero-width
space can show ``ev\u200bil.example`` as ``evil.example``, a value it is not.  Every view
(terminal, HTML, Markdown), and the prose of the sharing formats (titles, descriptions,
comments, which a partner's platform shows), show these characters as escapes instead; the data
itself (case files, findings, the indicator values shared) keeps them as they were.
"""

from __future__ import annotations

import re

__all__ = [
    "NOTE_CHARS",
    "PROSE_CHARS",
    "SHOWN_CHARS",
    "clip",
    "has_unprintable",
    "json_text",
    "printable",
    "printable_line",
]

SHOWN_CHARS = 300  # of one value in a report; the case and the JSON keep all of it
NOTE_CHARS = 1_000  # of one of a case's notes in a report (unmask's own notes quote values too)
PROSE_CHARS = 5_000  # of one of unmask's own sentences (the judgement, a warning), which may quote values

# C0 and C1 controls except tab and new line, DEL, and every format character (Unicode's
# category Cf: the bidirectional marks, overrides and isolates, U+061C among them; the zero-width
# space, joiners and word joiner; the byte order mark; the soft hyphen; the tag characters) and the
# line and paragraph separators U+2028 and U+2029, which break a line where none is seen; and the
# other characters nothing is drawn for and IDNA drops from a name (the combining grapheme joiner
# U+034F, the Mongolian ones, the Hangul fillers: ``ev\u034fil.example`` was shared as
# ``evil.example``).  The ranges are Cf, Zl and Zp as of Unicode 15 and those of
# Default_Ignorable_Code_Point (written out: finding them at import costs 0.1 s); a test checks
# them against the running Python's unicodedata.  Not the variation selectors, which most emoji
# hold (❤️ in a URL's path is that URL); IDNA drops them from a host name, which refuses them
# (detect/indicators.py).
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u115f\u1160\u17b4\u17b5\u1806\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)


def printable(text: str) -> str:
    """``text`` with every control, format (direction override, zero-width) or line-separator
    character shown as an escape (``\\x1b``, ``\\u200b``); tab and new line are left to the view."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def printable_line(text: str) -> str:
    """:func:`printable` for text that is one line (an export's description, a comment, a list of
    values in prose): new lines and tabs shown as escapes too (``\\n``), so an attacker's value
    cannot start a line of its own there (a "Caveats: none" of its own making)."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def json_text(text: str) -> str:
    """JSON text (``json.dumps`` output) with the controls it leaves raw (DEL, C1 controls,
    direction marks and overrides) written as ``\\u`` escapes: the same data to any JSON reader,
    and nothing a terminal acts on when the output is read there."""
    return _UNPRINTABLE.sub(lambda m: _json_escape(ord(m.group(0))), text)


def _json_escape(code: int) -> str:
    """A character as JSON escapes it: ``\\u`` and four hex digits, or two (a surrogate pair) above
    U+FFFF (a tag character, U+E0041)."""
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def has_unprintable(text: str) -> bool:
    """Whether ``text`` holds a character :func:`printable` shows as an escape: no indicator
    value (a domain, a URL, an address) holds one, and a value that does is refused, never
    shared without it (a domain's zero-width space was dropped by IDNA: ``evil.example``)."""
    return _UNPRINTABLE.search(text) is not None


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """A value as a report shows it: a 20,000-character name made the PDF layout run for minutes."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
