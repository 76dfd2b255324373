"""A case and its assessment as a MISP event (pymisp), readable back by ``unmask extract``.

Indicators become attributes (ip-dst, domain, url, email, hashes, btc, xmr; an Ethereum address,
which MISP has no type for, a coin-address object; CVEs as vulnerability);
techniques and software become ATT&CK galaxy tags, victims target-information and sector
tags; the leading group hypothesis becomes a
threat-actor galaxy tag with its probability in a comment; the case's TLP becomes a tag.
"""

from __future__ import annotations

import json
from typing import Any

from unmask.attribute.calibrate import percent
from unmask.attribute.phases import part_title
from unmask.detect.indicators import normalise
from unmask.export.resolved import (
    Benign,
    benign_lists,
    is_context,
    moments,
    named_lead,
    not_routable,
    part_leads,
    resolved,
    shared_caveats,
    unresolved_names,
)
from unmask.knowledge.countries import misp_country
from unmask.knowledge.sectors import misp_sector
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Assessment, Case, Hypothesis, ObservationKind
from unmask.printable import printable_line

__all__ = ["event_for_case"]

_TYPES = {
    "ip": "ip-dst",
    "domain": "domain",
    "url": "url",
    "email": "email",
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "sha512": "sha512",
    "asn": "AS",
    "certificate": "x509-fingerprint-sha256",
    "imphash": "imphash",
    "tlsh": "tlsh",
    "btc": "btc",
    "xmr": "xmr",
    "eth": "eth",  # no MISP type: written as a coin-address object (_WALLET_OBJECT)
}
# MISP's object for a cryptocurrency address of a currency it has no attribute type for: the address
# as its generic one, beside the currency's symbol (read back by the address's form).
_WALLET_OBJECT = "coin-address"
_CERTIFICATES = {32: "x509-fingerprint-md5", 40: "x509-fingerprint-sha1", 64: "x509-fingerprint-sha256"}


def _attribute_value(subtype: str, value: str) -> str | None:
    """The value MISP should carry: refanged and checked (an AS number as written)."""
    if subtype == "asn":
        return value.strip().upper() or None
    return normalise(subtype, value, exact=True)


def _actor_tag(kb: KnowledgeBase, hypothesis: Hypothesis) -> str:
    """The galaxy tag of an actor: MISP's own threat-actor cluster name when MISP knows the group
    (a receiving MISP links the tag to its galaxy by that name), else Tidal's group cluster when
    only Tidal does, else the name unmask uses in the threat-actor galaxy."""
    actor = kb.actors.get(hypothesis.id)
    names = actor.names if actor is not None else {}
    if names.get("MISP"):
        return f'misp-galaxy:threat-actor="{names["MISP"][0]}"'
    if names.get("Tidal") and not names.get("ATT&CK"):
        return f'misp-galaxy:tidal-groups="{names["Tidal"][0]}"'
    return f'misp-galaxy:threat-actor="{hypothesis.label}"'


def _why(reason: str, comment: str) -> str:
    """An attribute's comment: why it is not for detection, then its source's words if any."""
    return f"{reason}: {comment}"[:200] if comment else reason


def _judgement_tags(hypothesis: Hypothesis) -> list[str]:
    """MISP's estimative-language taxonomy (ICD 203's terms) for the attribution a tag makes."""
    likelihood = hypothesis.likelihood.replace(" ", "-")
    return [
        f'estimative-language:likelihood-probability="{likelihood}"',
        f'estimative-language:confidence-in-analytic-judgment="{hypothesis.confidence.value}"',
    ]


def event_for_case(
    case: Case,
    kb: KnowledgeBase,
    assessment: Assessment | None = None,
    benign: Benign | None = None,
    org: str | None = None,
) -> dict[str, Any]:
    """The MISP event of a case, as the dict MISP's JSON export has (``{"Event": {...}}``).

    ``benign`` (knowledge/warninglists.benign_index()): values a warninglist calls known-benign
    are kept, but not for detection (``to_ids`` false), the list named in the comment. ``org``:
    the organisation that creates it (``Orgc``; else the importing MISP's own)."""
    # Imported here: pymisp brings jsonschema, whose import costs most of a second.
    from pymisp import MISPEvent, MISPOrganisation

    event = MISPEvent()
    if org is not None:
        event.Orgc = MISPOrganisation()
        event.Orgc.name = org
    event.info = printable_line(f"unmask case {case.id}: {case.title}")[:250]
    event.distribution = 0  # this organisation only: sharing is the analyst's decision
    event.analysis = 1
    event.threat_level_id = 2
    event.add_tag(f"tlp:{case.tlp.value}")
    dates = moments(case)
    if dates:
        event.date = dates[0].date()  # the event is dated by the activity it describes
    tags: set[str] = set()
    skipped: list[str] = []
    added: set[tuple[str, str]] = set()
    for obs, item in resolved(case, kb):
        comment = printable_line(obs.provenance.text or "")[:200] if obs.provenance else ""
        if obs.kind in (ObservationKind.INFRASTRUCTURE, ObservationKind.FILE) and obs.subtype in _TYPES:
            # Shared for detection (to_ids): only values that are what they claim, refanged.
            value = _attribute_value(obs.subtype, obs.value)
            if value is None:
                skipped.append(f"{obs.subtype} {obs.value}")
                continue
            kind = (
                _CERTIFICATES.get(len(value), _TYPES[obs.subtype])
                if obs.subtype == "certificate"
                else _TYPES[obs.subtype]
            )
            if (kind, value) not in added:
                added.add((kind, value))
                context = is_context(obs)  # seen in a flagged event: not for detection (to_ids)
                internal = not_routable(obs.subtype, value)
                listed = benign_lists(benign, obs.subtype, value)
                if context:
                    comment = _why("context, not vetted as an indicator", comment)
                elif internal:
                    comment = _why("an internal or reserved address, not an indicator", comment)
                    context = True
                elif listed:
                    comment = _why(f"known-benign ({listed[0]}), not an indicator", comment)
                    context = True
                # MISP files an "email" under "Social network" by default; an address in an intrusion
                # is network activity.
                extra = {"category": "Network activity"} if kind == "email" else {}
                if kind == "eth":
                    wallet = event.add_object(name=_WALLET_OBJECT, comment=comment)
                    wallet.add_attribute("address-crypto", value, to_ids=not context)
                    wallet.add_attribute("symbol", "ETH")
                    continue
                event.add_attribute(
                    kind, value, comment=comment, to_ids=obs.subtype != "asn" and not context, **extra
                )
        elif item is not None and item.signal == "cve":  # by what it was read as ("EternalBlue")
            if ("vulnerability", item.key) not in added:
                added.add(("vulnerability", item.key))
                event.add_attribute("vulnerability", item.key, comment=comment)
        elif item is not None and item.signal == "technique":
            record = kb.techniques[item.key]
            tags.add(f'misp-galaxy:mitre-attack-pattern="{record.name} - {record.id}"')
        elif obs.kind is ObservationKind.VICTIM and item is not None:
            # MISP's own galaxies for whom an event targeted: a receiving MISP links them by name.
            if item.key.startswith("country:"):
                tags.add(
                    f'misp-galaxy:target-information="{misp_country(item.key.removeprefix("country:"))}"'
                )
            else:
                tags.add(f'misp-galaxy:sector="{misp_sector(obs.value)}"')
        elif item is not None and item.signal == "software" and item.key in kb.software:
            software = kb.software[item.key]
            if software.origin in ("malpedia", "tidal"):  # from MISP's own Malpedia or Tidal galaxy
                galaxy = "tidal-software" if software.origin == "tidal" else "malpedia"
                tags.add(f'misp-galaxy:{galaxy}="{software.name}"')
            elif software.origin == "attack":
                galaxy = "mitre-tool" if software.kind == "tool" else "mitre-malware"
                tags.add(f'misp-galaxy:{galaxy}="{software.name} - {software.id}"')
    for tag in sorted(tags):
        event.add_tag(tag)
    if assessment is not None:
        parts = part_leads(assessment)
        # A weak lead is not an attribution (no actor tag, the summary says why); nor is the whole
        # of a split incident taken as one actor's: its parts' actors are tagged instead.
        leading = named_lead(assessment)
        if leading is not None:
            event.add_tag(_actor_tag(kb, leading))
            for tag in _judgement_tags(leading):  # how likely, how sure: with the actor it names
                event.add_tag(tag)
        for label, lead in parts.items():  # the actors of the incident's parts
            if leading is None or lead.id != leading.id:
                event.add_tag(_actor_tag(kb, lead))
            event.add_attribute(
                "comment",
                printable_line(
                    f"unmask assessment of the part {part_title(label)}: {lead.label}: {lead.likelihood} "
                    f"({percent(lead.probability, 0)}), {lead.confidence.value} confidence"
                )[:1000],
                to_ids=False,
            )
        lead_text = (
            f"{leading.label}: {leading.likelihood} ({percent(leading.probability, 0)}), "
            f"{leading.confidence.value} confidence. "
            if leading is not None
            else ("the incident splits between actors (see the parts). " if parts else "no actor named. ")
        )
        event.add_attribute(
            "comment",
            printable_line(f"unmask assessment: {lead_text}{assessment.summary}")[:1000],
            to_ids=False,
        )
        for caveat in shared_caveats(assessment):  # what qualifies the attribution travels with it
            event.add_attribute("comment", printable_line(f"unmask caveat: {caveat}")[:1000], to_ids=False)
    unknown = unresolved_names(case, kb)
    if unknown:
        event.add_attribute(
            "comment",
            printable_line(f"not shared (names the knowledge base does not know): {'; '.join(unknown)}")[
                :1000
            ],
            to_ids=False,
        )
    if skipped:
        event.add_attribute(
            "comment",
            printable_line(
                f"not exported as indicators (not valid values of their type): {'; '.join(skipped)}"
            )[:1000],
            to_ids=False,
        )
    data: dict[str, Any] = {"Event": json.loads(event.to_json())}
    return data
