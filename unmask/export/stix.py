"""A case and its assessment as a STIX 2.1 bundle (built with the ``stix2`` library).

The case's activity is one ``campaign``; what it uses (attack-patterns, malware, tools) and
targets (locations, sector identities) hang from it; indicators *indicate* it; each group
hypothesis is an ``intrusion-set`` the campaign is ``attributed-to``, with the analytic confidence
level as the relationship's confidence (STIX's High/Medium/Low scale: 85/50/15) and the ICD 203
wording and the probability in its description.  A ``report``
lists every object.  Every object carries the case's TLP 2.0 marking.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import stix2
from stix2.exceptions import STIXError

from unmask.attribute.calibrate import percent
from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.phases import part_title, phase_key
from unmask.detect.indicators import asn_number, normalise
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
    timestamp,
    unresolved_names,
)
from unmask.extract.stix import CASE_PHASES
from unmask.knowledge.countries import country_name
from unmask.knowledge.sectors import stix_sector
from unmask.knowledge.store import KnowledgeBase
from unmask.model import (
    TLP_MARKINGS,
    Assessment,
    Case,
    ConfidenceLevel,
    Hypothesis,
    Observation,
    ObservationKind,
    Tlp,
)
from unmask.printable import printable, printable_line

__all__ = ["TLP2_MARKINGS", "bundle_for_case"]

# STIX 2.1's High/Medium/Low confidence scale (appendix A): the value it gives each level.
STIX_CONFIDENCE = {ConfidenceLevel.LOW: 15, ConfidenceLevel.MODERATE: 50, ConfidenceLevel.HIGH: 85}

# The TLP 2.0 marking definitions of the STIX 2.1 TLP 2.0 extension.
_TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKINGS = {
    tlp: (ident, tlp.value) for ident, tlp in list(TLP_MARKINGS.items())[:5]
}  # the first five are TLP 2.0's
_DIGESTS = {32: "MD5", 40: "SHA-1", 64: "SHA-256"}
_PATTERNS = {
    "ip": lambda v: f"[{'ipv6-addr' if ':' in v else 'ipv4-addr'}:value = '{v}']",
    "domain": lambda v: f"[domain-name:value = '{v}']",
    "url": lambda v: f"[url:value = '{v}']",
    "email": lambda v: f"[email-addr:value = '{v}']",
    "md5": lambda v: f"[file:hashes.MD5 = '{v}']",
    "sha1": lambda v: f"[file:hashes.'SHA-1' = '{v}']",
    "sha256": lambda v: f"[file:hashes.'SHA-256' = '{v}']",
    "sha512": lambda v: f"[file:hashes.'SHA-512' = '{v}']",
    "certificate": lambda v: f"[x509-certificate:hashes.'{_DIGESTS.get(len(v), 'SHA-256')}' = '{v}']",
    "asn": lambda v: f"[autonomous-system:number = {v}]",
    "tlsh": lambda v: f"[file:hashes.TLSH = '{v}']",
    # STIX 2.1 has no object for a wallet: OpenCTI's cryptocurrency-wallet, whose value is the address
    "btc": lambda v: f"[cryptocurrency-wallet:value = '{v}']",
    "eth": lambda v: f"[cryptocurrency-wallet:value = '{v}']",
    "xmr": lambda v: f"[cryptocurrency-wallet:value = '{v}']",
}
# A pattern of the forms above whose literal is printable ASCII with its quotes and backslashes
# escaped, or a number: the STIX pattern grammar's parser (a few hundred microseconds each, most
# of the time of a bundle of 50,000 indicators) is run only on patterns outside it.
_PLAIN_PATTERN = re.compile(
    r"\[[a-z0-9-]+:(?:value|number|hashes\.(?:[A-Z0-9]+|'[A-Z0-9-]+'))"
    r" = (?:'(?:[\x20-\x26\x28-\x5b\x5d-\x7e]|\\['\\])*'|0|[1-9][0-9]{0,9})\]"
)


class _Indicator(stix2.Indicator):  # type: ignore[misc]
    """stix2's Indicator, its pattern checked against :data:`_PLAIN_PATTERN` first (the library's
    grammar checks the rest); what it writes is the same object."""

    def _check_object_constraints(self) -> None:
        if _PLAIN_PATTERN.fullmatch(self.get("pattern") or ""):
            # The checks of every STIX object; Indicator's own are the grammar's and valid_until's
            # order, and no indicator here has a valid_until.
            super(stix2.Indicator, self)._check_object_constraints()
        else:
            super()._check_object_constraints()


def _names_only(kb: KnowledgeBase, name: str, actor_id: str) -> bool:
    """Whether ``name`` leads to this actor in the KB (not to another group that also carries it)."""
    found = kb.actor_candidates(name)
    return bool(found) and all(actor.id == actor_id for actor in found)


def _marking(tlp: Tlp) -> stix2.MarkingDefinition:
    ident, level = TLP2_MARKINGS.get(tlp, TLP2_MARKINGS[Tlp.AMBER])
    return stix2.MarkingDefinition(
        id=ident,
        created="2022-10-01T00:00:00.000Z",
        name=f"TLP:{level.upper()}",
        extensions={_TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
        allow_custom=True,
    )


PRODUCER_ID = "identity--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "unmask:producer"))
PRODUCER_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _key(obs: Observation, item: EvidenceItem | None) -> tuple[str, str]:
    """What makes two observations one object of the bundle: their evidence item, or their value."""
    return (item.signal, item.key) if item else (obs.kind.value + (obs.subtype or ""), obs.value)


def _producer(org: str | None, common: dict[str, Any]) -> Any:
    """Who issues the bundle: the organisation named (one identity per name, the same in every
    bundle it issues), or unmask itself as a system."""
    if org is None:
        ident, name, kind = PRODUCER_ID, "unmask", "system"
    else:
        # The name as given: one id, one name ("ACME CERT" and "acme cert" are two identities).
        ident = "identity--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "unmask:organization:" + org))
        name, kind = org, "organization"
    return stix2.Identity(
        id=ident, name=name, identity_class=kind, created=PRODUCER_CREATED, modified=PRODUCER_CREATED,
        **common,
    )  # fmt: skip


def bundle_for_case(
    case: Case,
    kb: KnowledgeBase,
    assessment: Assessment | None = None,
    benign: Benign | None = None,
    org: str | None = None,
) -> dict[str, Any]:
    """The STIX 2.1 bundle of a case (and of its assessment when given), as a dict.

    ``benign`` (knowledge/warninglists.benign_index()): values a warninglist calls known-benign
    are not shared as indicators; the report's description names them and their list. ``org``:
    the organisation that issues it (else unmask, as a system)."""
    now = datetime.now(tz=UTC)
    marking = _marking(case.tlp)
    common: dict[str, Any] = {"object_marking_refs": [marking.id]}
    # The producer is one identity in every bundle it issues, so a platform sees one source.
    producer = _producer(org, common)
    common["created_by_ref"] = producer.id
    objects: list[Any] = [marking, producer]
    # The activity's span, when the case dates it.
    dated = moments(case)
    span = {"first_seen": dated[0], "last_seen": dated[-1]} if dated else {}
    campaign = stix2.Campaign(
        name=printable_line(f"Activity of case {case.id}"),
        description=printable_line(case.title),
        **span,
        **common,
    )
    objects.append(campaign)
    seen: set[tuple[str, str]] = set()
    context = 0
    unshared: list[str] = []
    known_benign: list[str] = []
    internal: list[str] = []  # the victim's own network

    def relate(source: Any, kind: str, target: Any, **extra: Any) -> None:
        objects.append(
            stix2.Relationship(
                source_ref=source.id, relationship_type=kind, target_ref=target.id, **common, **extra
            )
        )

    entries = [(obs, item, _key(obs, item)) for obs, item in resolved(case, kb)]
    # The phases of the case each item was seen in, under a kill chain of unmask's (extract/stix.py
    # reads them back): a partner re-running the assessment sees the same parts.
    phases: dict[tuple[str, str], dict[str, None]] = {}
    for obs, _, key in entries:
        if obs.phase and phase_key(obs.phase):
            phases.setdefault(key, {})[phase_key(obs.phase)] = None

    def seen_in(key: tuple[str, str]) -> dict[str, Any]:
        named = [{"kill_chain_name": CASE_PHASES, "phase_name": p} for p in phases.get(key, {})]
        return {"kill_chain_phases": named} if named else {}

    for obs, item, key in entries:
        if key in seen:
            continue
        seen.add(key)
        # By what the item was read as: "technique: AdFind" is the tool, "EternalBlue" the CVE.
        if item is not None and item.signal == "technique":
            record = kb.techniques[item.key]
            pattern = stix2.AttackPattern(
                name=record.name,
                external_references=[{"source_name": "mitre-attack", "external_id": record.id}],
                **seen_in(key),
                **common,
            )
            objects.append(pattern)
            relate(campaign, "uses", pattern)
        elif item is not None and item.signal == "software":
            soft = kb.software.get(item.key)
            name = soft.name if soft else obs.value
            refs = (
                [{"source_name": "mitre-attack", "external_id": soft.id}]
                if soft and soft.origin == "attack"
                else None
            )
            if soft and soft.kind == "tool":
                software: Any = stix2.Tool(name=name, external_references=refs, **seen_in(key), **common)
            else:
                software = stix2.Malware(
                    name=name, is_family=True, external_references=refs, **seen_in(key), **common
                )
            objects.append(software)
            relate(campaign, "uses", software)
        elif obs.kind is ObservationKind.VULNERABILITY or (item is not None and item.signal == "cve"):
            cve = item.key if item is not None and item.signal == "cve" else obs.value
            vulnerability = stix2.Vulnerability(
                name=cve,
                external_references=[{"source_name": "cve", "external_id": cve}],
                **common,
            )
            objects.append(vulnerability)
            relate(campaign, "targets", vulnerability)
        elif obs.kind in (ObservationKind.INFRASTRUCTURE, ObservationKind.FILE) and is_context(obs):
            context += 1  # a value seen in a flagged event is not an indicator to share
        elif obs.kind is ObservationKind.FILE and obs.subtype == "imphash":
            unshared.append(f"imphash {obs.value}")  # STIX has no hash name for an import hash
        elif obs.kind in (ObservationKind.INFRASTRUCTURE, ObservationKind.FILE) and obs.subtype in _PATTERNS:
            value = (
                asn_number(obs.value)
                if obs.subtype == "asn"
                else normalise(obs.subtype, obs.value, exact=True)
            )
            if value is None:
                unshared.append(f"{obs.subtype} {obs.value} (not a valid value of its type)")
                continue
            if not_routable(obs.subtype, value):
                internal.append(f"{obs.subtype} {value}")
                continue
            lists = benign_lists(benign, obs.subtype, value)
            if lists:
                known_benign.append(f"{obs.subtype} {value} ({lists[0]})")
                continue
            try:
                indicator = _Indicator(
                    name=printable_line(f"{obs.subtype} {value}"),
                    pattern=_PATTERNS[obs.subtype](value.replace("\\", "\\\\").replace("'", "\\'")),
                    pattern_type="stix",
                    valid_from=timestamp(obs.first_seen) or now,
                    **seen_in(key),
                    description=printable(obs.provenance.text or "")[:500] if obs.provenance else None,
                    **common,
                )
            except (STIXError, ValueError) as exc:  # a value the STIX library refuses costs itself only
                unshared.append(f"{obs.subtype} {obs.value} ({exc})"[:200])
                continue
            objects.append(indicator)
            relate(indicator, "indicates", campaign)
        elif item is not None and item.key.startswith("country:"):
            code = item.key.removeprefix("country:")
            location = stix2.Location(name=country_name(code), country=code, **common)
            objects.append(location)
            relate(campaign, "targets", location)
        elif item is not None and item.key.startswith("sector:"):
            victim = stix2.Identity(
                name=printable_line(f"{obs.value} sector"),
                identity_class="class",
                sectors=[stix_sector(obs.value)],
                **common,
            )
            objects.append(victim)
            relate(campaign, "targets", victim)
    description = case.title
    if assessment is not None:
        description = assessment.summary or description

        def attribute(hypothesis: Hypothesis, part: str) -> None:
            # Only names that are this actor's in the KB: a partner platform merges intrusion
            # sets by alias, and a source that lists "APT38" under Lazarus would merge two groups.
            own: list[str] = []
            for name in hypothesis.names:  # "Lyceum" and "LYCEUM" are one alias
                if name.casefold() not in {n.casefold() for n in [hypothesis.label, *own]} and _names_only(
                    kb, name, hypothesis.id
                ):
                    own.append(name)
            group = stix2.IntrusionSet(name=hypothesis.label, aliases=own or None, **common)
            objects.append(group)
            relate(
                campaign,
                "attributed-to",
                group,
                # STIX's confidence is the producer's confidence in the claim: the analytic level,
                # on STIX's High/Medium/Low scale (its appendix A); the probability is in the words.
                confidence=STIX_CONFIDENCE[hypothesis.confidence],
                description=printable_line(  # a part's label is the case's text (a phase, a host)
                    f"{part}{hypothesis.likelihood} ({percent(hypothesis.probability, 0)}), "
                    f"{hypothesis.confidence.value} confidence (unmask assessment)"
                ),
            )

        # attributed-to is what a partner's platform records as the attribution: the actor the
        # assessment names, and the actor of each part of a split incident; the other
        # hypotheses are listed in the report's description, with their probabilities.
        listed = set()
        parts = part_leads(assessment)
        # A split incident is attributed by its parts (named_lead is then None): the whole taken
        # as one actor's work is a hypothesis the split denies, described with the summary.
        leading = named_lead(assessment)
        if leading is not None:
            listed.add(leading.id)
            attribute(leading, "")
        for label, lead in parts.items():
            if lead.id not in listed:
                listed.add(lead.id)
                attribute(lead, f"the part {part_title(label)}: ")
        others = [h for h in assessment.groups if h.kind == "actor" and h.id not in listed and h.supported]
        if others:
            description += (
                " Other hypotheses, not attributions: "
                + "; ".join(f"{h.label} {percent(h.probability, 0)}" for h in others)
                + "."
            )
    caveats = shared_caveats(assessment)
    if caveats:
        description += " Caveats: " + " | ".join(caveats) + "."
    if unshared:
        description += f" Not expressible as STIX indicators: {'; '.join(unshared)[:500]}."
    unknown = unresolved_names(case, kb)
    if unknown:
        description += f" Names the knowledge base does not know, not shared: {'; '.join(unknown)[:500]}."
    if internal:
        description += (
            f" Internal or reserved addresses (the victim's own network), not shared as indicators:"
            f" {'; '.join(internal)[:500]}."
        )
    if known_benign:
        description += (
            f" Known-benign on MISP warninglists, not shared as indicators: {'; '.join(known_benign)[:500]}."
        )
    if context:
        description += (
            f" {context} value(s) seen in events that rules flagged (program hashes, addresses) are"
            " context for the analyst and not shared as indicators."
        )
    report = stix2.Report(
        name=printable_line(f"unmask case {case.id}"),
        description=printable_line(description),  # one paragraph: its lists of values stay in it
        published=now,
        report_types=["threat-report"],
        object_refs=[o.id for o in objects if o.id != marking.id],
        **common,
    )
    objects.append(report)
    bundle = stix2.Bundle(objects=objects, allow_custom=True)
    data: dict[str, Any] = json.loads(bundle.serialize())
    return data
