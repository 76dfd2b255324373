"""Read a MITRE ATT&CK Enterprise STIX 2.1 bundle into knowledge-base records.

The bundle is read with the standard ``json`` module rather than ``stix2``:
``stix2`` would build ~25,000 validated Python objects (tens of seconds) only
for us to copy a few fields out of them.  What is kept: groups, campaigns,
software, techniques and every ``uses`` / ``attributed-to`` relationship with
its citations (the ``source_name`` of each external reference).  One report is
sometimes cited under two or three names (the same URL); each such report is
kept under one name, the others recorded as its aliases, so that holding a
report out of an evaluation holds out all of it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask.errors import Location, SourceError
from unmask.knowledge.records import (
    AttackGroup,
    Campaign,
    Relation,
    SoftwareRecord,
    SourceInfo,
    Technique,
)

__all__ = ["AttackData", "attack_version", "load_attack_bundle", "parse_attack_bundle"]

_ID_PREFIXES = ("intrusion-set", "campaign", "malware", "tool", "attack-pattern")
_CVE = re.compile(r"CVE-\d{4}-\d{4,7}", re.IGNORECASE)


@dataclass
class AttackData:
    """What the KB keeps of one ATT&CK bundle."""

    version: str
    groups: dict[str, AttackGroup] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    software: dict[str, SoftwareRecord] = field(default_factory=dict)
    techniques: dict[str, Technique] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # (technique id, procedure example text, citations) of every "uses" relationship to a technique
    procedures: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    # Techniques and software ATT&CK has retired: id -> {"name", "successor" (the active id that
    # replaced it, or None when it was deprecated outright)}.  Old reports, MISP events and Sigma
    # rules still use these ids (T1086 for PowerShell, now T1059.001).
    retired: dict[str, dict[str, str | None]] = field(default_factory=dict)
    # Citation name -> the name its report is kept under (only names that are not kept).
    citation_aliases: dict[str, str] = field(default_factory=dict)
    # Software id -> the platforms ATT&CK gives it, and the addresses of the reports it cites:
    # what tells whether another source's family of its name is the same program (compile.py).
    software_platforms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    software_reports: dict[str, tuple[str, ...]] = field(default_factory=dict)


_LISTS_OF_MAPPINGS = ("external_references", "kill_chain_phases")
_LISTS_OF_TEXT = ("aliases", "x_mitre_aliases")


def _well_formed(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The object with the fields unmask reads in the types STIX gives them, or ``None``.

    A bundle is input like any other: a ``null`` where a list belongs, a list where an id
    belongs, a kill-chain phase without its name must cost that object or field, not the install.
    """
    if not isinstance(obj.get("id"), str) or not isinstance(obj.get("type"), str):
        return None
    clean = dict(obj)
    for key in _LISTS_OF_MAPPINGS:
        value = clean.get(key)
        clean[key] = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
    clean["kill_chain_phases"] = [
        p for p in clean["kill_chain_phases"] if isinstance(p.get("phase_name"), str)
    ]
    for key in _LISTS_OF_TEXT:
        value = clean.get(key)
        clean[key] = [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
    if "name" in clean and not isinstance(clean["name"], str):
        clean["name"] = str(clean["name"])
    return clean


def _attack_id(obj: dict[str, Any]) -> str | None:
    for ref in obj.get("external_references", []):
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return str(ref["external_id"])
    return None


def _citation_refs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        ref
        for ref in obj.get("external_references", [])
        if ref.get("source_name") and ref.get("source_name") != "mitre-attack" and not ref.get("external_id")
    ]


def _citations(obj: dict[str, Any], aliases: dict[str, str]) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for ref in _citation_refs(obj):
        name = str(ref["source_name"])
        names.setdefault(aliases.get(name, name), None)
    return tuple(names)


def _url_key(url: str) -> str:
    """A URL without what does not change the document (scheme, ``www.``, a trailing slash)."""
    key = re.sub(r"^[a-z]+://", "", url.strip().casefold())
    return key.removeprefix("www.").rstrip("/")


def citation_aliases(objects: list[dict[str, Any]]) -> dict[str, str]:
    """Citation names that share a report (a URL) with another name -> the one name kept for it.

    ATT&CK cites one report under several names now and then ("Mandiant APT43 Full PDF
    Report" and "Mandiant APT43 March 2024" are one PDF).  Names linked through shared URLs
    form one report, kept under the first of its names in sorted order.
    """
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for obj in objects:
        for ref in _citation_refs(obj):
            url = ref.get("url")
            if isinstance(url, str) and url.strip():
                parent[root("name:" + str(ref["source_name"]))] = root("url:" + _url_key(url))
    reports: dict[str, list[str]] = {}
    for node in list(parent):
        if node.startswith("name:"):
            reports.setdefault(root(node), []).append(node.removeprefix("name:"))
    aliases: dict[str, str] = {}
    for names in reports.values():
        kept, *others = sorted(names)
        aliases.update((name, kept) for name in others)
    return dict(sorted(aliases.items()))


def _is_active(obj: dict[str, Any]) -> bool:
    return not obj.get("revoked") and not obj.get("x_mitre_deprecated")


def _retired(
    objects: list[dict[str, Any]], by_stix: dict[str, str], revoked_by: dict[str, str], active: set[str]
) -> dict[str, dict[str, str | None]]:
    """Retired techniques and software, each with the active id that replaced it (or None)."""
    retired: dict[str, dict[str, str | None]] = {}
    for obj in objects:
        ext = by_stix.get(str(obj.get("id")))
        if obj.get("type") not in ("attack-pattern", "malware", "tool") or ext is None or _is_active(obj):
            continue
        if ext in active:  # a retired copy of an id that is still active: the active one wins
            continue
        successor, seen = revoked_by.get(ext), {ext}
        while successor is not None and successor not in active and successor not in seen:
            seen.add(successor)
            successor = revoked_by.get(successor)
        retired[ext] = {
            "name": str(obj.get("name", ext)),
            "successor": successor if successor in active else None,
        }
    return retired


def attack_version(objects: list[dict[str, Any]]) -> str:
    """The ATT&CK release of a bundle, from its ``x-mitre-collection`` object."""
    for obj in objects:
        if obj.get("type") == "x-mitre-collection" and obj.get("x_mitre_version"):
            return str(obj["x_mitre_version"])
    return "unknown"


def parse_attack_bundle(data: bytes, origin: str = "<bytes>") -> tuple[AttackData, SourceInfo]:
    """Parse the bytes of an ATT&CK bundle; raise :class:`SourceError` if it is not one."""
    where = Location(origin)
    try:
        bundle = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"not a JSON document ({exc.__class__.__name__}: {exc})", where) from None
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise SourceError("not a STIX bundle (no top-level 'type': 'bundle')", where)
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        raise SourceError("STIX bundle has no 'objects' list", where)
    given = len(objects)
    objects = [clean for o in objects if isinstance(o, dict) and (clean := _well_formed(o)) is not None]
    result = AttackData(version=attack_version(objects), citation_aliases=citation_aliases(objects))
    cited_as = result.citation_aliases
    by_stix: dict[str, str] = {}
    raw_groups: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    inactive: set[str] = set()

    for obj in objects:
        kind = obj.get("type")
        if kind not in _ID_PREFIXES:
            continue
        counts[f"{kind}"] = counts.get(f"{kind}", 0) + 1
        ext = _attack_id(obj)
        if ext is None or "id" not in obj:
            continue
        by_stix[obj["id"]] = ext
        if not _is_active(obj):
            inactive.add(ext)
        if kind == "intrusion-set":
            counts["intrusion-set-active"] = counts.get("intrusion-set-active", 0) + _is_active(obj)
            raw_groups[obj["id"]] = obj
            continue
        if not _is_active(obj):
            continue
        name = str(obj.get("name", ext))
        if kind == "campaign":
            result.campaigns[ext] = Campaign(
                id=ext,
                name=name,
                aliases=tuple(a for a in obj.get("aliases", []) if a != name),
                first_seen=obj.get("first_seen"),
                last_seen=obj.get("last_seen"),
                citations=_citations(obj, cited_as),
            )
        elif kind in ("malware", "tool"):
            aliases = tuple(a for a in obj.get("x_mitre_aliases", []) if a != name)
            result.software[ext] = SoftwareRecord(ext, name, str(kind), aliases)
            platforms = obj.get("x_mitre_platforms")
            if isinstance(platforms, list):
                result.software_platforms[ext] = tuple(p for p in platforms if isinstance(p, str))
            result.software_reports[ext] = tuple(
                str(ref["url"]) for ref in _citation_refs(obj) if isinstance(ref.get("url"), str)
            )
        else:
            tactics = tuple(
                p["phase_name"]
                for p in obj.get("kill_chain_phases", [])
                if p.get("kill_chain_name") == "mitre-attack"
            )
            parent = ext.split(".")[0] if "." in ext else None
            result.techniques[ext] = Technique(ext, name, tactics, parent)

    revoked_by: dict[str, str] = {}
    for obj in objects:
        if obj.get("type") != "relationship" or not _is_active(obj):
            continue
        rel_type = obj.get("relationship_type")
        src = by_stix.get(str(obj.get("source_ref")))
        dst = by_stix.get(str(obj.get("target_ref")))
        if src is None or dst is None:
            continue
        if rel_type == "revoked-by":
            revoked_by[src] = dst
        elif rel_type in ("uses", "attributed-to") and src not in inactive and dst not in inactive:
            cves = tuple(dict.fromkeys(c.upper() for c in _CVE.findall(str(obj.get("description", "")))))
            result.relations.append(Relation(src, str(rel_type), dst, _citations(obj, cited_as), cves))
            if rel_type == "uses" and obj.get("description") and dst.startswith("T"):
                result.procedures.append((dst, str(obj["description"]), _citations(obj, cited_as)))

    result.retired = _retired(objects, by_stix, revoked_by, set(result.techniques) | set(result.software))
    for stix_id, obj in raw_groups.items():
        ext = by_stix[stix_id]
        if obj.get("x_mitre_deprecated") or (obj.get("revoked") and ext not in revoked_by):
            continue
        name = str(obj.get("name", ext))
        result.groups[ext] = AttackGroup(
            id=ext,
            stix_id=stix_id,
            name=name,
            aliases=tuple(a for a in obj.get("aliases", []) if a != name),
            description=str(obj.get("description", "")),
            revoked_by=revoked_by.get(ext) if obj.get("revoked") else None,
        )

    counts["malformed-skipped"] = given - len(objects)
    counts["campaign-active"] = len(result.campaigns)
    counts["software-active"] = len(result.software)
    counts["technique-active"] = len(result.techniques)
    counts["relationship-kept"] = len(result.relations)
    result.counts = counts
    if not result.groups or not result.techniques:
        raise SourceError(
            f"bundle has {len(result.groups)} ATT&CK groups and {len(result.techniques)} techniques; "
            "is it an ATT&CK Enterprise bundle?",
            where,
        )
    info = SourceInfo(
        name="mitre-attack-enterprise",
        version=result.version,
        sha256=hashlib.sha256(data).hexdigest(),
        origin=origin,
    )
    return result, info


def load_attack_bundle(path: Path) -> tuple[AttackData, SourceInfo]:
    """Read and parse an ATT&CK bundle file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("file not found", Location(path)) from None
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror}", Location(path)) from None
    return parse_attack_bundle(data, str(path))
