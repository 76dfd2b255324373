"""A case and its assessment as a MISP event (pymisp), readable back by ``unmask extract``.

Indicators become attributes (ip-dst, domain, url, email, hashes; CVEs as vulnerability);
techniques and software become ATT&CK galaxy tags; the leading group hypothesis becomes a
threat-actor galaxy tag with its probability in a comment; the case's TLP becomes a tag.
"""

from __future__ import annotations

import json
from typing import Any

from pymisp import MISPEvent

from unmask.attribute.calibrate import percent
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Assessment, Case, ObservationKind

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
}


def event_for_case(case: Case, kb: KnowledgeBase, assessment: Assessment | None = None) -> dict[str, Any]:
    """The MISP event of a case, as the dict MISP's JSON export has (``{"Event": {...}}``)."""
    event = MISPEvent()
    event.info = f"unmask case {case.id}: {case.title}"[:250]
    event.distribution = 0  # this organisation only: sharing is the analyst's decision
    event.analysis = 1
    event.threat_level_id = 2
    event.add_tag(f"tlp:{case.tlp.value}")
    tags: set[str] = set()
    for obs in case.observations:
        comment = (obs.provenance.text or "")[:200] if obs.provenance else ""
        if obs.kind in (ObservationKind.INFRASTRUCTURE, ObservationKind.FILE) and obs.subtype in _TYPES:
            event.add_attribute(_TYPES[obs.subtype], obs.value, comment=comment, to_ids=obs.subtype != "asn")
        elif obs.kind is ObservationKind.VULNERABILITY:
            event.add_attribute("vulnerability", obs.value, comment=comment)
        elif obs.kind is ObservationKind.TECHNIQUE and obs.value.upper() in kb.techniques:
            record = kb.techniques[obs.value.upper()]
            tags.add(f'misp-galaxy:mitre-attack-pattern="{record.name} - {record.id}"')
        elif obs.kind is ObservationKind.SOFTWARE and obs.value in kb.software:
            software = kb.software[obs.value]
            if not software.id.startswith(("malpedia:", "misp:")):
                galaxy = "mitre-tool" if software.kind == "tool" else "mitre-malware"
                tags.add(f'misp-galaxy:{galaxy}="{software.name} - {software.id}"')
    for tag in sorted(tags):
        event.add_tag(tag)
    if assessment is not None:
        leading = next((h for h in assessment.groups if h.kind == "actor"), None)
        if leading is not None:
            event.add_tag(f'misp-galaxy:threat-actor="{leading.label}"')
            event.add_attribute(
                "comment",
                f"unmask assessment: {leading.label}: {leading.likelihood} ({percent(leading.probability, 0)}), "
                f"{leading.confidence.value} confidence. {assessment.summary}"[:1000],
                to_ids=False,
            )
    data: dict[str, Any] = {"Event": json.loads(event.to_json())}
    return data
