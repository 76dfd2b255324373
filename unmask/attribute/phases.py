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
from unmask.ingest.fields import iso_utc

__all__ = ["MAX_PARTS", "MIN_PART_ITEMS", "TACTIC_IDS", "Parts", "part_title", "phase_key", "split_parts"]

MIN_PART_ITEMS = 3
MAX_PARTS = 12  # parts attributed one by one at most; the rest are named in a warning
HOSTS_NAMED = 3  # hosts named in the label of a part of several hosts with the same evidence
TIME_GAP_DAYS = 14


# ATT&CK Enterprise's tactics by id: a phase may be written as the tactic's id.
TACTIC_IDS = {
    "TA0043": "reconnaissance", "TA0042": "resource-development", "TA0001": "initial-access",
    "TA0002": "execution", "TA0003": "persistence", "TA0004": "privilege-escalation",
    "TA0005": "defense-evasion", "TA0006": "credential-access", "TA0007": "discovery",
    "TA0008": "lateral-movement", "TA0009": "collection", "TA0011": "command-and-control",
    "TA0010": "exfiltration", "TA0040": "impact",
}  # fmt: skip


def phase_key(label: str) -> str:
    """What makes two phase labels one: case, spaces, hyphens and underscores aside, a tactic's id
    for its name ("Initial Access" = "initial-access" = "TA0001")."""
    text = label.strip()
    text = TACTIC_IDS.get(text.upper(), text)
    return "-".join(text.casefold().replace("_", " ").replace("-", " ").split())


def part_title(label: str) -> str:
    """A part's key (``phase:access``, ``host:web01``, ``time:2022-05-20..2022-05-22``) for a reader:
    ``phase access``, ``host web01``, ``time 2022-05-20..2022-05-22``."""
    kind, _, name = label.partition(":")
    return f"{kind} {name}" if name else label


def _day(text: str | None) -> date | None:
    """The UTC day of a first or last sighting as a case gives it (ISO 8601 in any zone, epoch
    seconds, Kibana's form: whatever the loader accepts)."""
    if not text:
        return None
    moment = iso_utc(text) or str(text)
    try:
        return date.fromisoformat(moment[:10])
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
            # Cut by first sightings; labelled by the span its items were seen over (last_seen too).
            last = max(
                (d for p in members if (d := _day(scores.items[p].observation.last_seen))), default=previous
            )
            groups[f"{start}..{max(last, previous)}"] = members
            members, start = [], None
        if day is not None:
            start = start or day
            previous = day
            members.append(position)
    return groups


def _alike_hosts(scores: Scores, groups: dict[str, list[int]]) -> dict[str, list[int]]:
    """Hosts that show the same evidence as one part ("ws001, ws002, ws003 and 107 more hosts"):
    a hundred workstations hit by the same push are one part of the incident, not a hundred."""
    alike: dict[frozenset[tuple[str, str]], list[str]] = {}
    for label, positions in groups.items():
        alike.setdefault(
            frozenset((scores.items[p].signal, scores.items[p].key) for p in positions), []
        ).append(label)
    merged: dict[str, list[int]] = {}
    for hosts in alike.values():
        label = hosts[0] if len(hosts) == 1 else _hosts_label(hosts)
        merged[label] = [p for host in hosts for p in groups[host]]
    return merged


def _hosts_label(hosts: list[str]) -> str:
    shown = ", ".join(hosts[:HOSTS_NAMED])
    more = len(hosts) - HOSTS_NAMED
    return f"{shown} and {more} more hosts alike" if more > 0 else f"{shown} (hosts alike)"


_TACTIC_ORDER = {name: i for i, name in enumerate(TACTIC_IDS.values())}


def _first_day(scores: Scores, positions: list[int]) -> date | None:
    days = [d for p in positions if (d := _day(scores.items[p].observation.first_seen))]
    return min(days) if days else None


def _story_order(first: date | None, label: str, chain: bool) -> tuple[date, int]:
    """Where a part comes in the incident's story: by the first day its evidence was seen (when
    every part is dated), then (with ``chain``, phases that are all ATT&CK tactics) by the kill
    chain's order; a stable sort keeps the rest in the case's order: initial access before impact,
    whatever order the case lists."""
    tactic = _TACTIC_ORDER.get(phase_key(label), 0) if chain else 0
    return (first or date.min, tactic)


class Parts(dict[str, tuple[Scores, Posterior]]):
    """Each part's scores and posterior by label, and the labels of the parts left out (beyond
    MAX_PARTS: a hundred hosts with a little each are not a hundred tables)."""

    def __init__(self) -> None:
        super().__init__()
        self.omitted: list[str] = []


def split_parts(scores: Scores, params: Params) -> Parts:
    """Each part's scores and posterior, keyed ``phase:``, ``host:`` or ``time:<label>``; empty if no split."""
    for attribute in ("phase", "host", "time"):
        groups: dict[str, list[int]] = {}
        if attribute == "time":
            groups = _time_groups(scores)
        else:
            # "Destruction", "destruction " and "DESTRUCTION" are one phase (one host); so are
            # "Initial Access", "initial-access" and "TA0001".
            shown: dict[str, str] = {}
            for position, item in enumerate(scores.items):
                label = " ".join(str(getattr(item, attribute) or "").split())
                if label:
                    same = phase_key(label) if attribute == "phase" else label.casefold()
                    key = shown.setdefault(same, label)
                    groups.setdefault(key, []).append(position)
        if attribute == "host":
            groups = _alike_hosts(scores, groups)
        if len(groups) >= 2:
            distinct = {label: scores.subset(positions).distinct() for label, positions in groups.items()}
            # Distinct items: one tool seen on three hosts is one item, not a part of three.
            kept = [label for label, part in distinct.items() if len(part.items) >= MIN_PART_ITEMS]
            if len(kept) < 2:
                continue
            # The richest parts, and of those alike the ones seen most (forty hosts alike first).
            order = sorted(kept, key=lambda label: (-len(distinct[label].items), -len(groups[label])))
            parts = Parts()
            # ATT&CK's kill chain orders phases only when every phase is one of its tactics: a free
            # "access" has no place in it, and must not fall behind a tactic's "exfiltration".
            chain = attribute == "phase" and all(phase_key(label) in _TACTIC_ORDER for label in kept)
            first = {label: _first_day(scores, groups[label]) for label in kept}
            dated = all(first.values())  # one dated part among undated ones says nothing of order
            for label in sorted(
                kept, key=lambda label: _story_order(first[label] if dated else None, label, chain)
            ):
                if label in order[:MAX_PARTS]:
                    parts[f"{attribute}:{label}"] = (
                        distinct[label],
                        posterior(distinct[label], params),
                    )
                else:
                    parts.omitted.append(f"{attribute}:{label}")
            return parts
    return Parts()
