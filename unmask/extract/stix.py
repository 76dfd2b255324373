"""A STIX 2.1 bundle as a case: the objects that are attribution evidence become observations.

What is read: attack-patterns (by ATT&CK id, else name), malware and tools (by
name), vulnerabilities (CVE names), indicators (simple comparison patterns over
IPs, domains, URLs, emails, file hashes, certificate fingerprints and cryptocurrency wallets),
identities (sectors) and locations (countries) as victims.  Threat-actor and
intrusion-set names are listed as notes and never used as evidence: a report
that names its actor must not be attributed by reading the name.  Other object
types are counted in the notes, never fatal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from unmask.cases.tlp import bundle_tlp, stix_withdrawn
from unmask.detect.indicators import normalise, pattern_values
from unmask.errors import CaseError, Location
from unmask.model import Case, Observation, ObservationKind, Provenance, Tlp
from unmask.safe_json import digest

__all__ = [
    "CASE_PHASES",
    "NAMED_ACTOR_NOTE",
    "SKIPPED_NOTE",
    "case_from_stix",
    "pattern_observables",
    "stix_actor_names",
]

# The kill chain under whose name unmask's STIX export gives the phases of the case an object was
# seen in (an analyst's own labels: "access", "destruction").
CASE_PHASES = "unmask-case-phase"

# The case note that counts what a bundle held that is not evidence (the CLI shows it).
SKIPPED_NOTE = "not used: "
# The end of a note that the intelligence names an actor, which the engine does not take as evidence.
NAMED_ACTOR_NOTE = "not used as evidence"

_SCO_KINDS = {
    "ipv4-addr": (ObservationKind.INFRASTRUCTURE, "ip"),
    "ipv6-addr": (ObservationKind.INFRASTRUCTURE, "ip"),
    "domain-name": (ObservationKind.INFRASTRUCTURE, "domain"),
    "url": (ObservationKind.INFRASTRUCTURE, "url"),
    "email-addr": (ObservationKind.INFRASTRUCTURE, "email"),
    "autonomous-system": (ObservationKind.INFRASTRUCTURE, "asn"),
}
_HASH_NAMES = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}

_FILE_KINDS = {"md5", "sha1", "sha256", "sha512"}
# Relationships the reader uses (to tell a victim's location from the actor's).
_READ_RELATIONSHIPS = frozenset({"targets", "located-at", "originates-from"})


def pattern_observables(pattern: str) -> list[tuple[ObservationKind, str, str]]:
    """The (kind, subtype, value) of each comparison of a STIX pattern over a known observable."""
    found = []
    for subtype, raw in pattern_values(pattern):
        # Normalised where it can be; otherwise as the bundle wrote it (the case keeps what was said).
        value = (normalise(subtype, raw, exact=True) if subtype != "asn" else _asn(raw)) or raw
        kind = ObservationKind.FILE if subtype in _FILE_KINDS else ObservationKind.INFRASTRUCTURE
        found.append((kind, subtype, value))
    return found


def _asn(raw: str) -> str | None:
    """An autonomous system's number as cases write it ("13335" -> "AS13335")."""
    digits = raw.strip().upper().removeprefix("AS")
    return f"AS{digits}" if digits.isdigit() else None


def _attack_id(obj: dict[str, Any]) -> str | None:
    refs = obj.get("external_references")
    for ref in refs if isinstance(refs, list) else []:  # a hostile bundle can put a number here
        if isinstance(ref, dict) and ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return str(ref["external_id"])
    return None


def stix_actor_names(bundle: dict[str, Any]) -> list[str]:
    """The names of the intrusion sets and threat actors the bundle describes."""
    names: list[str] = []
    for obj in bundle.get("objects") or []:
        if isinstance(obj, dict) and obj.get("type") in ("intrusion-set", "threat-actor"):
            name = obj.get("name")
            name = name.strip() if isinstance(name, str) else ""  # a list or number is no name
            if name and name not in names:
                names.append(name)
    return names


def _case_phases(obj: dict[str, Any]) -> list[str]:
    """The case phases an object's ``kill_chain_phases`` name under :data:`CASE_PHASES`."""
    phases = obj.get("kill_chain_phases")
    return [
        p["phase_name"]
        for p in (phases if isinstance(phases, list) else [])
        if isinstance(p, dict)
        and p.get("kill_chain_name") == CASE_PHASES
        and isinstance(p.get("phase_name"), str)
    ]


def case_from_stix(bundle: dict[str, Any], origin: str, default_id: str = "case") -> Case:
    """Turn a parsed STIX 2.1 bundle into a case."""
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        raise CaseError("STIX bundle has no 'objects' list", Location(origin))
    observations: list[Observation] = []
    notes: list[str] = []
    skipped: dict[str, list[str]] = {}

    def skip(why: str, index: int, obj: Any) -> None:
        where = f"objects[{index}]" + (f" {obj['id']}" if isinstance(obj, dict) and obj.get("id") else "")
        skipped.setdefault(why, []).append(where)

    def add(kind: ObservationKind, value: str, subtype: str | None, index: int, obj: dict[str, Any]) -> None:
        prov = Provenance(source=origin, record=f"objects[{index}] {obj.get('id', '')}".strip())
        # The phases of the incident an unmask export says the object was seen in, one observation
        # each (a split incident keeps its parts through a partner's platform).
        phases: list[str | None] = [*_case_phases(obj)] or [None]
        for phase in phases:
            observations.append(
                Observation(kind=kind, value=value, subtype=subtype, phase=phase, provenance=prov)
            )

    # Locations and identities are victims when something targets them, not when an actor is
    # located at or originates from them.
    targeted: set[str] = set()
    origins: set[str] = set()
    for obj in objects:
        if isinstance(obj, dict) and obj.get("type") == "relationship":
            relation = str(obj.get("relationship_type", ""))
            if relation == "targets":
                targeted.add(str(obj.get("target_ref")))
            elif relation in ("located-at", "originates-from") and str(obj.get("source_ref", "")).startswith(
                ("threat-actor--", "intrusion-set--", "campaign--")
            ):
                origins.add(str(obj.get("target_ref")))

    tlp = bundle_tlp(objects)  # the most restrictive marking of any object is the bundle's
    expired: list[str] = []
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            skip("not an object", index, obj)
            continue
        kind = str(obj.get("type", ""))
        ident = str(obj.get("id") or "")  # a hostile bundle can put a list here
        if ident in origins and ident not in targeted:
            notes.append(
                f"{kind} {obj.get('name') or obj.get('country') or obj.get('id')} is where an actor is located or comes from; not a victim"
            )
            continue
        raw_name = obj.get("name")
        if raw_name is not None and not isinstance(raw_name, str):
            skip(f"{kind or 'untyped'} whose name is not text", index, obj)
            continue
        name = (raw_name or "").strip()
        withdrawn = stix_withdrawn(obj)  # revoked by its producer, or benign: not evidence
        if withdrawn:
            skip(withdrawn, index, obj)
            continue
        if kind == "indicator" and _expired(obj.get("valid_until")):
            expired.append(ident or f"object {index}")
        if kind == "attack-pattern" and (_attack_id(obj) or name):
            add(ObservationKind.TECHNIQUE, _attack_id(obj) or name, None, index, obj)
        elif kind in ("malware", "tool") and name:
            add(ObservationKind.SOFTWARE, name, kind, index, obj)
        elif kind == "vulnerability" and name:
            add(ObservationKind.VULNERABILITY, name, None, index, obj)
        elif kind == "indicator":
            found = pattern_observables(str(obj.get("pattern", "")))
            for obs_kind, subtype, value in found:
                add(obs_kind, value, subtype, index, obj)
            if not found:
                skip("indicator with an unsupported pattern", index, obj)
        elif kind == "location" and obj.get("country"):
            if isinstance(obj["country"], str):
                add(ObservationKind.VICTIM, obj["country"], "country", index, obj)
            else:
                skip("location whose country is not text", index, obj)
        elif kind == "identity" and obj.get("sectors"):
            sectors = obj["sectors"] if isinstance(obj["sectors"], list) else [obj["sectors"]]
            for sector in sectors:  # a lone string is one sector, not a list of letters
                if isinstance(sector, str) and sector.strip():
                    add(ObservationKind.VICTIM, sector.strip(), "sector", index, obj)
                else:
                    skip("identity sector that is not text", index, obj)
        elif kind in ("threat-actor", "intrusion-set") and name:
            notes.append(f"the bundle names the actor {name!r}; names are {NAMED_ACTOR_NOTE}")
        elif kind in _SCO_KINDS and obj.get("value"):
            if not isinstance(obj["value"], str | int) or isinstance(obj["value"], bool):
                skip(f"{kind} whose value is not text", index, obj)
                continue
            obs_kind, subtype = _SCO_KINDS[kind]
            add(obs_kind, str(obj["value"]).lower(), subtype, index, obj)
        elif kind == "file" and isinstance(obj.get("hashes"), dict):
            for algorithm, hashed in obj["hashes"].items():
                hash_kind = _HASH_NAMES.get(str(algorithm).upper().replace("-", ""))
                if hash_kind and not isinstance(hashed, str):
                    skip(f"file hash ({algorithm}) that is not text", index, obj)
                elif hash_kind:
                    add(ObservationKind.FILE, str(hashed).lower(), hash_kind, index, obj)
        elif kind == "observed-data":
            for _ref_kind, value in (
                (obj.get("objects") or {}).items() if isinstance(obj.get("objects"), dict) else []
            ):
                if (
                    isinstance(value, dict)
                    and isinstance(value.get("type"), str)
                    and value["type"] in _SCO_KINDS
                    and isinstance(value.get("value"), str)
                    and value["value"]
                ):
                    obs_kind, subtype = _SCO_KINDS[value["type"]]
                    add(obs_kind, str(value["value"]).lower(), subtype, index, obj)
        elif kind == "sighting":
            notes.append(
                f"sighting of {obj.get('sighting_of_ref') or 'an unnamed object'} ({obj.get('count', 1)} times)"
            )
        elif kind == "identity":
            skip("identity without sectors", index, obj)
        elif kind == "relationship" and str(obj.get("relationship_type")) in _READ_RELATIONSHIPS:
            continue  # read above: what is a victim and what is the actor's own place
        else:  # relationships, reports, markings and the rest: structure or context, not evidence
            skip(kind or "untyped", index, obj)
    if expired:
        shown = ", ".join(expired[:3]) + (f" and {len(expired) - 3} more" if len(expired) > 3 else "")
        notes.append(
            f"{len(expired)} indicator(s) past their valid_until, used as evidence of past activity ({shown})"
        )
    if skipped:
        notes.append(
            SKIPPED_NOTE + "; ".join(_skipped_text(why, where) for why, where in sorted(skipped.items()))
        )
    if not observations:
        left = f" ({notes[-1]})" if skipped else ""
        raise CaseError(
            f"the STIX bundle holds no usable observations: nothing to attribute{left}", Location(origin)
        )
    return Case(
        id=str(bundle.get("id") or default_id),
        # The file's name, not the path to it: a title goes into what is shared (a MISP event's info).
        title=f"STIX bundle {PurePath(origin).name or origin}",
        tlp=tlp or Tlp.AMBER,
        evidence={origin: digest(bundle)},
        observations=observations,
        notes=notes,
    )


def _expired(valid_until: Any) -> bool:
    """Whether an indicator's ``valid_until`` is a time that has passed."""
    if not isinstance(valid_until, str):
        return False
    try:
        moment = datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment < datetime.now(UTC)


def _skipped_text(why: str, where: list[str]) -> str:
    shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
    return f"{len(where)} {why} ({shown})"
