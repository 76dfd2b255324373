"""A case's observations as the attribution engine read them, for the sharing formats.

The exports must say what the assessment used: ``mimikatz.exe``, ``S0002`` and ``Mimikatz``
are one tool, ``T1086`` is ``T1059.001``, ``albania`` is ``AL``.  Each observation comes with
its evidence item (or ``None`` when the KB cannot place it), and a date in any form the case
format accepts is turned into a STIX timestamp when it can be.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

from unmask.attribute.evidence import EvidenceItem, resolve_observation
from unmask.attribute.summary import WEAK_LEAD
from unmask.detect.artifacts import is_context
from unmask.detect.indicators import normalise
from unmask.ingest.fields import iso_utc, whole_day
from unmask.knowledge.store import KnowledgeBase
from unmask.knowledge.warninglists import documentation
from unmask.model import Assessment, Case, Hypothesis, Observation, ObservationKind

__all__ = [
    "Benign",
    "activity_span",
    "benign_lists",
    "is_context",
    "moments",
    "named_lead",
    "named_value",
    "not_routable",
    "part_leads",
    "resolved",
    "shared_caveats",
    "timestamp",
    "unresolved_names",
]


class Benign(Protocol):
    """What names the lists that call a value benign (knowledge/warninglists.BenignIndex)."""

    def lists_for(self, value: str) -> list[str]: ...


# Warnings that qualify an attribution itself: a partner who records the attribution must get them.
_SHARED_WARNINGS = ("known campaign", "possible false flag", "weak lead", "thin evidence")
_PART_PREFIX = re.compile(
    rf"^in (?:phase|host|time) .*?: (?=(?:{'|'.join(map(re.escape, _SHARED_WARNINGS))}))", re.DOTALL
)


def shared_caveats(assessment: Assessment | None) -> list[str]:
    """The warnings an exported attribution carries with it (a possible repeat of a known campaign,
    a possible false flag or shared tooling, a lead on public tools only, thin evidence)."""
    if assessment is None:
        return []
    # A part's ("in phase access: possible false flag: ...") too: it can be what lowered the lead.
    return [w for w in assessment.warnings if _PART_PREFIX.sub("", w, count=1).startswith(_SHARED_WARNINGS)]


def part_leads(assessment: Assessment | None) -> dict[str, Hypothesis]:
    """Each part (phase, host) of the incident whose evidence names an actor: label -> its lead.

    One incident can have several actors (Albania 2022: four groups by phase); a share that
    carried only the whole case's lead would lose the others.
    """
    leads: dict[str, Hypothesis] = {}
    for label, hypotheses in (assessment.phases if assessment is not None else {}).items():
        lead = hypotheses[0] if hypotheses else None
        if lead is not None and lead.kind == "actor" and lead.probability >= WEAK_LEAD:
            leads[label] = lead
    # Only when the parts point to different actors (the assessment's split): one part's lead in
    # a case that names no actor as a whole is not an actor of the incident to share.
    return leads if len({lead.id for lead in leads.values()}) >= 2 else {}


def not_routable(subtype: str | None, value: str) -> bool:
    """An address no one outside can reach (private, loopback, link-local, shared, multicast):
    the victim's own network, not an indicator for partners to detect or block."""
    if subtype != "ip":
        return False
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    if documentation(address):  # a stand-in for a public address: shared
        return False
    return not address.is_global


# The indicator kinds a MISP warninglist can vouch for.
_LISTED_KINDS = ("ip", "domain", "url", "md5", "sha1", "sha256")


def benign_lists(benign: Benign | None, subtype: str | None, value: str) -> list[str]:
    """The warninglists that call an indicator known-benign (a public resolver, a vendor's domain, an
    installer's hash): shared as an indicator, it would have partners alert on or block their own
    traffic.  An analyst's case file can hold such a value; the exports keep it as context."""
    if benign is None or subtype not in _LISTED_KINDS:
        return []
    clean = normalise(subtype, value, exact=True)  # refanged: 8.8.8[.]8 is 8.8.8.8
    if not clean or not_routable(subtype, clean):  # the victim's own network: said as such
        return []
    return benign.lists_for(clean)


def resolved(case: Case, kb: KnowledgeBase) -> Iterator[tuple[Observation, EvidenceItem | None]]:
    """Each observation with the evidence item it resolves to, or ``None``."""
    for index, obs in enumerate(case.observations):
        item = resolve_observation(kb, index, obs)
        yield obs, item if isinstance(item, EvidenceItem) else None


# Kinds whose value is a name the KB must know to be shared (indicators are shared by their form).
_NAMED = (
    ObservationKind.TECHNIQUE,
    ObservationKind.SOFTWARE,
    ObservationKind.VULNERABILITY,
    ObservationKind.VICTIM,
)


def unresolved_names(case: Case, kb: KnowledgeBase) -> list[str]:
    """The names the KB could not place ("software 'Mimikatzz' (closest: Mimikatz)"), each once:
    not shared as objects or tags (a typo must not travel as a malware family), but said."""
    found: dict[str, None] = {}
    for index, obs in enumerate(case.observations):
        if obs.kind not in _NAMED:
            continue
        item = resolve_observation(kb, index, obs)
        if not isinstance(item, EvidenceItem):
            closest = f" (closest: {item.suggestions[0]})" if item is not None and item.suggestions else ""
            found.setdefault(f"{obs.kind.value} {obs.value!r}{closest}", None)
    return list(found)


def timestamp(value: str | None, last: bool = False) -> datetime | None:
    """A case date (``2022-05-20``, a month ``2022-05`` or a year as its first day, or with
    ``last`` its last, ISO 8601 with a zone, epoch seconds) as UTC, or ``None``."""
    text = iso_utc(whole_day(value, last=last) if value is not None else None)  # "in February 2025": 2025-02
    return None if text is None else datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def moments(case: Case) -> list[datetime]:
    """Every time the case gives, in order: observations' first and last seen, and its dates
    (``date: 2014-11-24`` observations), so that a case dated only by those is dated too."""
    found = [
        t for obs in case.observations for t in (timestamp(obs.first_seen), timestamp(obs.last_seen)) if t
    ]
    # A date observation is a period: "2022-09" runs from its first day to its last.
    found += [
        t
        for obs in case.observations
        if obs.kind is ObservationKind.TIMING
        for t in (timestamp(obs.value), timestamp(obs.value, last=True))
        if t
    ]
    return sorted(found)


def named_lead(assessment: Assessment | None) -> Hypothesis | None:
    """The actor the assessment names: first of all hypotheses (unknown included), not a weak lead.

    Shared intelligence tags its actor as the attribution; a 3 % leader among known actors,
    behind the unknown hypothesis, must not travel as one.  Nor does the whole of a split
    incident taken as one actor's work: its parts name its actors (:func:`part_leads`).
    """
    if assessment is None or not assessment.groups or part_leads(assessment):
        return None
    lead = assessment.groups[0]
    return lead if lead.kind == "actor" and lead.probability >= WEAK_LEAD else None


def activity_span(case: Case) -> str:
    """The span of time the case's evidence is dated over ("2022-07-15 to 2022-09-01"), or ""."""
    dates = moments(case)
    if not dates:
        return ""
    first, last = dates[0].strftime("%Y-%m-%d"), dates[-1].strftime("%Y-%m-%d")
    return first if first == last else f"{first} to {last}"


def named_value(obs: Observation, kb: KnowledgeBase | None) -> str:
    """An observation's value as a reader knows it: a technique's or a program's id with its
    name ("S0002 Mimikatz"), anything else as given."""
    if kb is None or obs.kind not in (ObservationKind.TECHNIQUE, ObservationKind.SOFTWARE):
        return obs.value
    if obs.kind is ObservationKind.TECHNIQUE:
        record = kb.techniques.get(obs.value)
        name = record.name if record else None
    else:
        program = kb.software.get(obs.value)
        name = program.name if program else None
    if not name or name.casefold() in obs.value.casefold():
        return obs.value
    return f"{obs.value} {name}"
