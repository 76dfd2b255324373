"""ATT&CK technique ids as people write them.

A sub-technique is ``T1003.001``, but reports, rule tags and MISP galaxies also write it
``T1003-001``, ``T1003_001``, ``T1003/001``, ``T1003:001`` or with a dash between spaces; each is
the sub-technique, never silently its parent.  An id whose sub-technique part is malformed
(``T1003-01``, ``T1003.0011``) is no id at all (:func:`malformed_sub_technique`).
"""

from __future__ import annotations

import re

__all__ = ["find_technique_ids", "leading_technique_id", "malformed_sub_technique"]

_SEPARATOR = r"\s*[-_/:.\u2010-\u2015]\s*"
# The sub-technique part is taken only when it is three digits not followed by another digit
# (nor by a dot and a digit, as in a version).
_ID = re.compile(rf"\b[Tt](\d{{4}})(?:{_SEPARATOR}(\d{{3}})(?!\d)(?!\.\d))?(?!\d)")
_BROKEN = re.compile(rf"[Tt]\d{{4}}{_SEPARATOR}\d")


def find_technique_ids(text: str) -> list[str]:
    """Every technique id in ``text``, written the canonical way (``T1003.001``), in order."""
    found = []
    for match in _ID.finditer(text):
        number, sub = match.group(1), match.group(2)
        if sub is None and _BROKEN.match(text, match.start()):
            continue  # "T1003-01": a sub-technique written wrong, not the parent
        found.append(f"T{number}.{sub}" if sub else f"T{number}")
    return found


def malformed_sub_technique(text: str) -> bool:
    """Whether ``text`` starts with a technique id whose sub-technique part is malformed."""
    stripped = text.strip()
    found = _ID.match(stripped)
    return found is not None and found.group(2) is None and _BROKEN.match(stripped) is not None


def leading_technique_id(text: str) -> str | None:
    """The technique id that starts ``text`` ("T1003-001 LSASS Memory": ``T1003.001``), if any."""
    stripped = text.strip()
    found = _ID.match(stripped)
    if found is None or malformed_sub_technique(stripped):
        return None
    return f"T{found.group(1)}.{found.group(2)}" if found.group(2) else f"T{found.group(1)}"
