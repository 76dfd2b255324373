"""ATT&CK technique ids as people write them.

A sub-technique is ``T1003.001``, but reports, rule tags and MISP galaxies also write it
``T1003-001``, ``T1003_001``, ``T1003/001``, ``T1003:001`` or with a dash between spaces, and CJK
text in full-width characters (``Ｔ１００３．００１``); each is the sub-technique, never silently its
parent.  An id whose sub-technique part is malformed (``T1003-01``, ``T1003.0011``) is no id at all
(:func:`malformed_sub_technique`).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "FORMER_NAMES",
    "find_technique_ids",
    "leading_technique_id",
    "malformed_sub_technique",
    "technique_id_spans",
]

# Names ATT&CK gave a technique before renaming it in place (same id, no revoked object to read
# the old name from), as older reports, cases and rules still write them.
FORMER_NAMES = {
    "Remote Access Software": "T1219",  # "Remote Access Tools" since v17
    "Domain Policy Modification": "T1484",  # "Domain or Tenant Policy Modification" since v15
}

_T = "[TtＴｔ]"
_DIGIT = "[0-9０-９]"
_SEPARATOR = r"\s*[-_/:.．\u2010-\u2015]\s*"
# Not inside a word of Latin letters or digits (an id written against CJK text is found); the
# sub-technique part is taken only when it is three digits not followed by another digit (nor by
# a dot and a digit, as in a version).
_ID = re.compile(
    rf"(?<![A-Za-z0-9]){_T}({_DIGIT}{{4}})(?:{_SEPARATOR}({_DIGIT}{{3}})(?!{_DIGIT})(?![.．]{_DIGIT}))?(?!{_DIGIT})"
)
_BROKEN = re.compile(rf"{_T}{_DIGIT}{{4}}{_SEPARATOR}{_DIGIT}")


def technique_id_spans(text: str) -> list[tuple[int, str, str]]:
    """Every technique id in ``text``: where it starts, as written, and the canonical ``T1003.001``."""
    found = []
    for match in _ID.finditer(text):
        number, sub = match.group(1), match.group(2)
        if sub is None and _BROKEN.match(text, match.start()):
            continue  # "T1003-01": a sub-technique written wrong, not the parent
        canonical = unicodedata.normalize("NFKC", f"T{number}.{sub}" if sub else f"T{number}")
        found.append((match.start(), match.group(0), canonical))
    return found


def find_technique_ids(text: str) -> list[str]:
    """Every technique id in ``text``, written the canonical way (``T1003.001``), in order."""
    return [canonical for _, _, canonical in technique_id_spans(text)]


def malformed_sub_technique(text: str) -> bool:
    """Whether ``text`` starts with a technique id whose sub-technique part is malformed."""
    stripped = text.strip()
    found = _ID.match(stripped)
    return found is not None and found.group(2) is None and _BROKEN.match(stripped) is not None


def leading_technique_id(text: str) -> str | None:
    """The technique id that starts ``text`` ("T1003-001 LSASS Memory": ``T1003.001``), if any."""
    spans = technique_id_spans(text.strip())
    return spans[0][2] if spans and spans[0][0] == 0 else None
