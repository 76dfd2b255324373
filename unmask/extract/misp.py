"""A MISP event (JSON export) as a case: attributes, objects, galaxy tags, TLP.

Attributes become observations by type (addresses, domains, URLs, e-mail, hashes,
certificate fingerprints, vulnerabilities, ASNs, Bitcoin and Monero addresses, a coin-address
object's Ethereum address); attributes inside objects too.  Galaxy tags
of ATT&CK techniques and of malware / tools become techniques and software, target-information
and sector tags victims; threat-actor
and intrusion-set tags are reported in the notes and never used as evidence.  A ``tlp:`` tag
sets the case's TLP.  Attribute types that are not evidence here are counted, not fatal.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import PurePath
from typing import Any

from unmask.cases.tlp import misp_deleted, misp_tlp, tag_tlp, tags_of
from unmask.detect.artifacts import NOT_FOR_DETECTION
from unmask.detect.indicators import MISP_TYPES, misp_wallet, normalise
from unmask.errors import CaseError, Location
from unmask.extract.stix import NAMED_ACTOR_NOTE, SKIPPED_NOTE
from unmask.knowledge.technique_ids import find_technique_ids
from unmask.model import Case, Observation, ObservationKind, Provenance, Tlp
from unmask.safe_json import digest

__all__ = ["case_from_misp", "is_misp", "misp_actor_names"]

_FILE_KINDS = {"md5", "sha1", "sha256", "sha512"}
# How MISP exports write a to_ids that is off.
_OFF = {"false", "0"}
_ACTOR_GALAXIES = (
    "threat-actor",
    "mitre-intrusion-set",
    "microsoft-activity-group",
    "mitre-enterprise-attack-intrusion-set",
    "tidal-groups",
)
_SOFTWARE_GALAXIES = (
    "mitre-malware",
    "mitre-tool",
    "malpedia",
    "mitre-enterprise-attack-malware",
    "mitre-enterprise-attack-tool",
    "tool",
    "ransomware",
    "rat",
    "backdoor",
    "banker",
    "stealer",
    "tidal-software",
)


def _items(value: Any) -> list[Any]:
    """A list field of an event, or nothing when a hostile or broken export puts something else there."""
    return value if isinstance(value, list) else []


def is_misp(data: Any) -> bool:
    return isinstance(data, dict) and (
        "Event" in data or ("response" in data and isinstance(data["response"], list))
    )


def _tag_value(tag: str) -> tuple[str, str] | None:
    match = re.match(r'misp-galaxy:([\w-]+)="(.*)"$', tag)
    return (match.group(1), match.group(2)) if match else None


def case_from_misp(data: dict[str, Any], origin: str, default_id: str = "case") -> Case:
    """Turn a parsed MISP event export into a case."""
    events = _items(data.get("response", [data]))
    observations: list[Observation] = []
    notes: list[str] = []
    unused: Counter[str] = Counter()
    where: defaultdict[str, list[str]] = defaultdict(list)  # the first few of each kind left out
    title = ""
    for item in events:
        event = item.get("Event", item) if isinstance(item, dict) else None
        if not isinstance(event, dict):
            unused["not an event"] += 1
            continue
        title = title or str(event.get("info", ""))
        ref = str(event.get("uuid") or event.get("id") or "")

        def add(
            kind: ObservationKind,
            value: str,
            subtype: str | None,
            record: str,
            comment: str | None,
            method: str | None = None,
        ) -> None:
            prov = Provenance(source=origin, record=record, text=comment or None, method=method)
            observations.append(Observation(kind=kind, value=value, subtype=subtype, provenance=prov))

        attributes = [(a, None) for a in _items(event.get("Attribute"))]
        for obj in _items(event.get("Object")):
            if not isinstance(obj, dict):
                unused["malformed object"] += 1
                continue
            if misp_deleted(obj):  # a deleted object takes its attributes with it
                unused["attribute of a deleted object"] += len(_items(obj.get("Attribute")))
                continue
            attributes += [(a, obj.get("name")) for a in _items(obj.get("Attribute"))]
        for attribute, object_name in attributes:
            if not isinstance(attribute, dict):
                unused["malformed attribute"] += 1
                continue
            record = f"attribute {attribute.get('uuid') or attribute.get('id') or '?'}" + (
                f" in object {object_name}" if object_name else ""
            )
            kind_name = str(attribute.get("type", ""))
            if misp_deleted(attribute):  # soft-deleted in MISP
                unused["deleted attribute"] += 1
                continue
            # to_ids off: the author's "context, not for detection" (kept, shared as such).
            method = NOT_FOR_DETECTION if str(attribute.get("to_ids", True)).lower() in _OFF else None
            text_value = str(attribute.get("value", ""))
            comment = attribute.get("comment") or None
            if kind_name == "vulnerability":
                add(ObservationKind.VULNERABILITY, text_value.upper(), None, record, comment)
                continue
            if kind_name == "AS":
                add(
                    ObservationKind.INFRASTRUCTURE,
                    text_value.upper().removeprefix("AS"),
                    "asn",
                    record,
                    comment,
                    method,
                )
                continue
            parts = kind_name.split("|")
            values = text_value.split("|") if len(parts) > 1 else [text_value]
            used = False
            for part, text in zip(parts, values, strict=False):
                indicator_kind = MISP_TYPES.get(part) or misp_wallet(attribute, text)
                if indicator_kind is None:
                    continue
                value = normalise(indicator_kind, text, exact=True)
                if value is None:
                    continue
                obs_kind = (
                    ObservationKind.FILE if indicator_kind in _FILE_KINDS else ObservationKind.INFRASTRUCTURE
                )
                add(obs_kind, value, indicator_kind, record, comment, method)
                used = True
            if not used:
                unused[kind_name or "untyped"] += 1
                if len(where[kind_name or "untyped"]) < SHOWN_PLACES:
                    where[kind_name or "untyped"].append(record)
            for tag in _items(attribute.get("Tag")):
                _tag(tag, add, notes, record)
        notes += [f"unknown TLP tag {name!r}" for name in tag_tlp(tags_of(event.get("Tag")))[1]]
        for tag in _items(event.get("Tag")):
            _tag(tag, add, notes, f"event {ref} tag")
        for galaxy in (g for g in _items(event.get("Galaxy")) if isinstance(g, dict)):
            for cluster in (c for c in _items(galaxy.get("GalaxyCluster")) if isinstance(c, dict)):
                if not _cluster_value(cluster):  # "value": null would be the technique 'None'
                    notes.append(
                        f"event {ref} galaxy {str(galaxy.get('type') or galaxy.get('name') or '')!r}: "
                        "a cluster without a value; skipped"
                    )
                    continue
                _tag(
                    {"name": f'misp-galaxy:{galaxy.get("type", "")}="{cluster.get("value", "")}"'},
                    add,
                    notes,
                    f"event {ref} galaxy",
                )
    if unused:
        notes.append(
            SKIPPED_NOTE + "; ".join(f"{n} {k}{_places(where[k], n)}" for k, n in sorted(unused.items()))
        )
    if not observations:
        raise CaseError("the MISP event holds no usable observations: nothing to attribute", Location(origin))
    return Case(
        id=default_id,
        title=f"MISP event: {title}" if title else f"MISP event {PurePath(origin).name or origin}",
        # Tags that disagree (the event's, its attributes'): the most restrictive wins.
        tlp=misp_tlp(data) or Tlp.AMBER,
        evidence={origin: digest(data)},
        observations=_dedupe(observations),
        notes=list(dict.fromkeys(notes)),
    )


def _cluster_value(cluster: dict[str, Any]) -> bool:
    """Whether a galaxy cluster names something (its ``value`` is text, not null or empty)."""
    value = cluster.get("value")
    return isinstance(value, str) and bool(value.strip())


def _is_actor_galaxy(galaxy: str) -> bool:
    return galaxy in _ACTOR_GALAXIES or "intrusion-set" in galaxy or "threat-actor" in galaxy


def misp_actor_names(data: dict[str, Any]) -> list[str]:
    """The actors the events are tagged with (threat-actor galaxies, as tags or galaxy clusters)."""
    names: list[str] = []
    for item in _items(data.get("response", [data])):
        event = item.get("Event", item) if isinstance(item, dict) else None
        if not isinstance(event, dict):
            continue
        tags = [str(t.get("name") or "") if isinstance(t, dict) else str(t) for t in _items(event.get("Tag"))]
        for galaxy in _items(event.get("Galaxy")):
            if isinstance(galaxy, dict):
                tags += [
                    f'misp-galaxy:{galaxy.get("type", "")}="{cluster.get("value", "")}"'
                    for cluster in _items(galaxy.get("GalaxyCluster"))
                    if isinstance(cluster, dict) and _cluster_value(cluster)
                ]
        for tag in tags:
            parsed = _tag_value(tag)
            if parsed and _is_actor_galaxy(parsed[0]) and parsed[1] not in names:
                names.append(parsed[1])
    return names


# An attribute left out is named (by its uuid) for the first few of each type.
SHOWN_PLACES = 3


def _places(records: list[str], count: int) -> str:
    """The places of the first few left out, as a bundle's note names its objects:
    ``" (attribute 5c1…, attribute 9a2… and 4 more)"``; "" when none was recorded."""
    if not records:
        return ""
    more = f" and {count - len(records)} more" if count > len(records) else ""
    return f" ({', '.join(records)}{more})"


def _tag(tag: Any, add: Any, notes: list[str], record: str) -> None:
    name = str(tag.get("name") or "") if isinstance(tag, dict) else str(tag)
    parsed = _tag_value(name)
    if parsed is None:
        return
    galaxy, value = parsed
    if _is_actor_galaxy(galaxy):
        notes.append(f"the event is tagged with the actor {value!r}; actor names are {NAMED_ACTOR_NOTE}")
    elif "attack-pattern" in galaxy:
        found = find_technique_ids(value)  # "LSASS Memory - T1003.001", "... - T1003-001"
        add(ObservationKind.TECHNIQUE, found[0] if found else value.split(" - ")[0], None, record, name)
    elif galaxy == "target-information":
        add(ObservationKind.VICTIM, value, "country", record, name)
    elif galaxy == "sector":
        add(ObservationKind.VICTIM, value, "sector", record, name)
    elif galaxy in _SOFTWARE_GALAXIES or "malware" in galaxy or "tool" in galaxy:
        add(ObservationKind.SOFTWARE, re.sub(r"\s+-\s+S\d{4}$", "", value), None, record, name)


def _dedupe(observations: list[Observation]) -> list[Observation]:
    seen: set[tuple[str, str, str | None]] = set()
    out = []
    for obs in observations:
        key = (obs.kind.value, obs.value, obs.subtype)
        if key not in seen:
            seen.add(key)
            out.append(obs)
    return out
