"""Text from the evidence, made safe to show: no control sequences, no direction overrides.

Log fields, report text and case values are written by the adversary.  Shown raw, an escape
sequence can clear an analyst's terminal or retitle it, a NUL can cut a report short, and a
right-to-left override can show ``invoice\u202efdp.exe`` as ``invoiceexe.pdf``.  Every view
(terminal, HTML, Markdown), and the prose of the sharing formats (titles, descriptions,
comments, which a partner's platform shows), show these characters as escapes instead; the data
itself (case files, findings, the indicator values shared) keeps them as they were.
"""

from __future__ import annotations

import re

__all__ = ["NOTE_CHARS", "SHOWN_CHARS", "clip", "json_text", "printable"]

SHOWN_CHARS = 300  # of one value in a report; the case and the JSON keep all of it
NOTE_CHARS = 1_000  # of one of a case's notes in a report (unmask's own notes quote values too)

# C0 and C1 controls except tab and new line, DEL, and the bidirectional marks and overrides.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control or direction-override character shown as an escape (``\\x1b``)."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def json_text(text: str) -> str:
    """JSON text (``json.dumps`` output) with the controls it leaves raw (DEL, C1 controls,
    direction marks and overrides) written as ``\\u`` escapes: the same data to any JSON reader,
    and nothing a terminal acts on when the output is read there."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """A value as a report shows it: a 20,000-character name made the PDF layout run for minutes."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
