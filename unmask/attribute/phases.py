"""Several actors in one incident: attribute the parts, not only the whole.

The evidence is split by its phase labels (kill-chain phase or a free label
such as access / exfiltration / destruction); without phase labels, by host;
without either, by time (dated observations more than ``TIME_GAP_DAYS`` apart).
Each part with enough evidence is attributed on its own.  When the parts point
to different actors the assessment says so: the Albania 2022 attack was one
incident and four groups.
"""

from __future__ import annotations

from datetime import date

from unmask.attribute.combine import Posterior, Scores, posterior
from unmask.attribute.params import Params

__all__ = ["MIN_PART_ITEMS", "part_title", "split_parts"]

MIN_PART_ITEMS = 3
TIME_GAP_DAYS = 14


def part_title(label: str) -> str:
    """A part's key (``phase:access``, ``host:web01``, ``time:2022-05-20..2022-05-22``) for a reader:
    ``phase access``, ``host web01``, ``time 2022-05-20..2022-05-22``."""
    kind, _, name = label.partition(":")
    return f"{kind} {name}" if name else label


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _time_groups(scores: Scores) -> dict[str, list[int]]:
    dated = sorted(
        (day, position)
        for position, item in enumerate(scores.items)
        if (day := _day(item.observation.first_seen)) is not None
    )
    groups: dict[str, list[int]] = {}
    start = previous = None
    members: list[int] = []
    for day, position in [*dated, (None, -1)]:
        if previous is not None and (day is None or (day - previous).days > TIME_GAP_DAYS):
            groups[f"{start}..{previous}"] = members
            members, start = [], None
        if day is not None:
            start = start or day
            previous = day
            members.append(position)
    return groups


def split_parts(scores: Scores, params: Params) -> dict[str, tuple[Scores, Posterior]]:
    """Each part's scores and posterior, keyed ``phase:``, ``host:`` or ``time:<label>``; empty if no split."""
    for attribute in ("phase", "host", "time"):
        groups: dict[str, list[int]] = {}
        if attribute == "time":
            groups = _time_groups(scores)
        else:
            # "Destruction", "destruction " and "DESTRUCTION" are one phase (one host).
            shown: dict[str, str] = {}
            for position, item in enumerate(scores.items):
                label = " ".join(str(getattr(item, attribute) or "").split())
                if label:
                    key = shown.setdefault(label.casefold(), label)
                    groups.setdefault(key, []).append(position)
        if len(groups) >= 2:
            parts = {}
            for label, positions in groups.items():
                if len(positions) >= MIN_PART_ITEMS:
                    part = scores.subset(positions).distinct()
                    parts[f"{attribute}:{label}"] = (part, posterior(part, params))
            if len(parts) >= 2:
                return parts
    return {}
