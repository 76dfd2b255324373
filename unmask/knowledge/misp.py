"""Read the MISP galaxies that describe threat actors and malware families.

The galaxy data ships inside the ``pymispgalaxies`` package (no network).  A
directory with the same ``clusters/*.json`` files can be given instead (tests do).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask import safe_json
from unmask.errors import Location, SourceError
from unmask.knowledge.countries import country_code
from unmask.knowledge.entries import NameEntry
from unmask.knowledge.records import Conflict, SoftwareRecord, SourceInfo
from unmask.model import SponsorClaim

if TYPE_CHECKING:  # pymispgalaxies is imported where it is used: it brings jsonschema, slow to import
    from pymispgalaxies.api import Cluster, ClusterValue

__all__ = ["GALAXIES", "GalaxyData", "default_galaxy_dir", "load_galaxies"]

GALAXIES = (
    "threat-actor",
    "microsoft-activity-group",
    "mitre-intrusion-set",
    "tidal-groups",
    "malpedia",
    "tidal-software",
)

_ATTACK_ID = re.compile(r"^G\d{4}$")
_SOFTWARE_ID = re.compile(r"^S\d{4}$")
_LOLBAS = "Living Off The Land Binaries, Scripts and Libraries"
# Programs and services of every system that Tidal ties to a group or two: no sign of who. With
# them the administration programs Windows and ESXi ship (their use is the technique: Ntdsutil's
# is T1003.003 NTDS, which a case names too).
_EVERYWHERE = frozenset(
    name.casefold()
    for name in (
        "awk", "bash", "busybox", "cat", "chcon", "chmod", "curl", "echo", "everything", "github",
        "google drive", "grep", "gzip", "invoke-expression", "javascript", "minidump", "mkdir",
        "mount (unix)", "network scanner", "openssh", "powershell", "printf", "python.exe", "tcpdump",
        "telegram", "touch", "uname", "vmware tools", "vmware vcenter", "whoami", "xcopy",
        "yum-versionlock",
        "bcdedit", "dnscmd", "esxcli", "ldifde", "ntdsutil", "quser", "vssadmin", "wbadmin",
    )
)  # fmt: skip
_AGENT = re.compile(r"\s+agent$", re.IGNORECASE)  # a remote-management product's agent
_PAYLOAD = re.compile(r"\s*\(payload\)\s*$", re.IGNORECASE)  # "RansomHub (Payload)" is RansomHub
_DEPRECATED = re.compile(r"\s*\(deprecated\)\s*$", re.IGNORECASE)
# "Secretsdump is ... included as a module of Impacket": the entry is the program it is part of.
_MODULE_OF = re.compile(r"\bincluded as an? (?:module|component) (?:of|in) \[?([^\].,;(<]+)", re.IGNORECASE)
_MOTIVES = {
    "espionage": "espionage",
    "intelligence": "espionage",
    "financial": "financial",
    "crime": "financial",
    "theft": "financial",
    "extortion": "financial",
    "business email": "financial",
    "sabotage": "destruction",
    "destruction": "destruction",
    "hacktiv": "hacktivism",
    "defacement": "hacktivism",
    "denial of service": "disruption",
}


@dataclass
class GalaxyData:
    """Entries for name merging plus the software families, from the MISP galaxies."""

    entries: list[NameEntry] = field(default_factory=list)
    mitre_uuid_to_id: dict[str, str] = field(default_factory=dict)
    software: list[SoftwareRecord] = field(default_factory=list)
    # A galaxy software record's id -> the ATT&CK software id its source gives it (Tidal ids
    # ATT&CK's software with ATT&CK's ids, and its own additions with ids ATT&CK does not have).
    software_attack_ids: dict[str, str] = field(default_factory=dict)
    # A Malpedia family's id -> its description ("" when it has none).
    software_descriptions: dict[str, str] = field(default_factory=dict)
    # A Malpedia family's id -> the addresses of the reports it lists.
    software_reports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A galaxy software record's id -> the name of the program its source says it is a module of.
    software_parents: dict[str, str] = field(default_factory=dict)
    # (source, group entry key, galaxy software record id): a group uses the software.
    software_links: list[tuple[str, str, str]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    sources: list[SourceInfo] = field(default_factory=list)


def default_galaxy_dir() -> Path:
    """The clusters folder shipped inside the installed ``pymispgalaxies`` package."""
    import pymispgalaxies

    return Path(pymispgalaxies.__file__).parent / "data" / "misp-galaxy" / "clusters"


def _motives(*values: Any) -> list[str]:
    found: dict[str, None] = {}
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, str):
                continue
            low = item.lower()
            for needle, motive in _MOTIVES.items():
                if needle in low:
                    found.setdefault(motive, None)
    return list(found)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def _split_synonyms(synonyms: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = tuple(s for s in synonyms if not _ATTACK_ID.match(s.strip()))
    links = tuple(s.strip() for s in synonyms if _ATTACK_ID.match(s.strip()))
    return names, links


def _meta(value: Any) -> dict[str, Any]:
    meta = value.meta
    if meta is None:
        return {}
    data: dict[str, Any] = dict(meta.additional_properties)
    data["synonyms"] = sorted(meta.synonyms)
    if meta.country is not None:
        data["country"] = meta.country
    if meta.motive is not None:
        data["motive"] = meta.motive
    return data


_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)


def _cves(description: Any) -> tuple[str, ...]:
    """The CVE ids a group's description names (MISP's and Tidal's say which the group exploited)."""
    return tuple(dict.fromkeys(c.upper() for c in _CVE.findall(str(description or ""))))


def _related(value: Any) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    peers: list[str] = []
    other: list[tuple[str, str]] = []
    for rel in value.related or []:
        dest, kind = rel.get("dest-uuid"), rel.get("type", "related-to")
        if not dest:
            continue
        if kind in ("similar", "same-as"):
            peers.append(str(dest))
        else:
            other.append((str(dest), str(kind)))
    return tuple(peers), tuple(other)


def _threat_actor(value: Any) -> NameEntry:
    meta = _meta(value)
    aliases, links = _split_synonyms(meta.get("synonyms", []))
    peers, related = _related(value)
    claims: list[SponsorClaim] = []
    confidence = meta.get("attribution-confidence")
    for state in _strings(meta.get("cfr-suspected-state-sponsor")):
        code = country_code(state)
        if code:
            claims.append(
                SponsorClaim(code, "MISP threat-actor", "suspected state sponsor (CFR)", confidence)
            )
    for country in _strings(meta.get("country")):
        code = country_code(country)
        if code:
            claims.append(SponsorClaim(code, "MISP threat-actor", "country of origin", confidence))
    victims = [c for c in (country_code(v) for v in _strings(meta.get("cfr-suspected-victims"))) if c]
    sectors = _strings(meta.get("cfr-target-category")) + _strings(meta.get("targeted-sector"))
    since = meta.get("since")
    return NameEntry(
        source="misp",
        key=str(value.uuid),
        name=str(value.value),
        aliases=aliases,
        attack_links=links,
        peer_links=peers,
        related=related,
        sponsor_claims=claims,
        motivations=_motives(meta.get("cfr-type-of-incident"), meta.get("motive")),
        victim_countries=victims,
        sectors=sectors,
        since=int(since) if isinstance(since, str) and since.isdigit() else None,
        description=str(value.description or ""),
        cves=_cves(value.description),
    )


def _microsoft(value: Any) -> NameEntry:
    meta = _meta(value)
    aliases, links = _split_synonyms(meta.get("synonyms", []))
    peers, related = _related(value)
    claims = [
        SponsorClaim(code, "Microsoft", "country of origin")
        for code in (country_code(c) for c in _strings(meta.get("country")))
        if code
    ]
    return NameEntry(
        source="microsoft",
        key=str(value.uuid),
        name=str(value.value),
        aliases=aliases,
        attack_links=links,
        peer_links=peers,
        related=related,
        sponsor_claims=claims,
        # Microsoft's "sector" is its category of the actor ("Russia", "Financially motivated",
        # "Private sector offensive actor"), not a sector it attacks: only a motive is read from it.
        motivations=_motives(meta.get("sector")),
        description=str(value.description or ""),
    )


def _tidal(value: Any) -> NameEntry:
    meta = _meta(value)
    attack_id = meta.get("group_attack_id")
    links = (attack_id,) if isinstance(attack_id, str) and _ATTACK_ID.match(attack_id) else ()
    claims = [
        SponsorClaim(code, "Tidal", "country of origin")
        for code in (country_code(c) for c in _strings(meta.get("country")))
        if code
    ]
    victims = [c for c in (country_code(v) for v in _strings(meta.get("observed_countries"))) if c]
    return NameEntry(
        source="tidal",
        key=str(value.uuid),
        name=str(value.value),
        aliases=tuple(meta.get("synonyms", [])),
        attack_links=links,
        sponsor_claims=claims,
        motivations=_motives(meta.get("observed_motivations")),
        victim_countries=victims,
        sectors=_strings(meta.get("target_categories")),
        description=str(value.description or ""),
        cves=_cves(value.description),
    )


def _tidal_software(value: Any, result: GalaxyData) -> None:
    """A Tidal software entry: its record and the groups its ``used-by`` relations name.

    Left out: the programs every system has (Tidal's entries drawn from LOLBAS, the shell's
    commands, general services and languages), whose use says nothing about who; and an entry
    named as an ATT&CK technique is (PowerShell), which the technique already stands for.
    """
    description = str(value.description or "")
    if _LOLBAS in description[:300] or str(value.value).casefold() in _EVERYWHERE:
        return
    meta = _meta(value)
    kinds = _strings(getattr(value.meta, "type", None))
    # Tidal keeps its own entry beside ATT&CK's once ATT&CK describes the same software, as
    # "Mango (Deprecated)": the name without the mark joins ATT&CK's.
    name = _PAYLOAD.sub("", _DEPRECATED.sub("", str(value.value))).strip() or str(value.value)
    kind = "tool" if "tool" in kinds and "malware" not in kinds else "malware"
    synonyms = [s for s in meta.get("synonyms", []) if s != name]
    if kind == "tool" and _AGENT.search(name):
        synonyms.append(_AGENT.sub("", name))  # "Atera Agent": reports say "Atera"
    record = SoftwareRecord(f"tidal:{name}", name, kind, tuple(synonyms))
    result.software.append(record)
    attack_id = meta.get("software_attack_id")
    if isinstance(attack_id, str) and _SOFTWARE_ID.match(attack_id):
        result.software_attack_ids[record.id] = attack_id
    parent = _MODULE_OF.search(description)
    if parent:
        result.software_parents[record.id] = parent.group(1).strip()
    for rel in value.related or []:
        dest = rel.get("dest-uuid")
        if dest and rel.get("type") == "used-by":
            result.software_links.append(("tidal", str(dest), record.id))


def _read_cluster(path: Path) -> tuple[Cluster, dict[str, Any], SourceInfo]:
    from pymispgalaxies.api import Cluster, PyMISPGalaxiesError

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("galaxy cluster file not found", Location(path)) from None
    try:
        data = safe_json.loads(raw)
        # pymispgalaxies pops keys out of the dicts it is given: hand it a copy.
        cluster = Cluster(copy.deepcopy(data), skip_duplicates=True)
    except json.JSONDecodeError as exc:
        raise SourceError(f"not valid JSON: {exc.msg}", Location(path, exc.lineno)) from None
    except (PyMISPGalaxiesError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"not a MISP galaxy cluster: {exc}", Location(path)) from None
    info = SourceInfo(
        name=f"misp-galaxy:{path.stem}",
        version=str(cluster.version),
        sha256=hashlib.sha256(raw).hexdigest(),
        origin=f"pymispgalaxies {_package_version()}" if _is_packaged(path) else str(path),
    )
    return cluster, data, info


def _values(data: dict[str, Any], path: Path) -> list[ClusterValue]:
    from pymispgalaxies.api import ClusterValue, PyMISPGalaxiesError

    values = []
    raw_values = data.get("values", [])
    for index, raw in enumerate(raw_values if isinstance(raw_values, list) else []):
        try:
            values.append(ClusterValue(copy.deepcopy(raw)))
        except (PyMISPGalaxiesError, KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"bad cluster value: {exc}", Location(path, f"values[{index}]")) from None
    return values


def _package_version() -> str:
    try:
        return metadata.version("pymispgalaxies")
    except metadata.PackageNotFoundError:
        return "unknown"


def _is_packaged(path: Path) -> bool:
    try:
        return path.resolve().is_relative_to(default_galaxy_dir().resolve())
    except OSError:
        return False


def load_galaxies(directory: Path | None = None) -> GalaxyData:
    """Load the actor and malware galaxies from ``directory`` (default: the packaged ones).

    A galaxy file that is absent is skipped (its name is listed in the result's
    conflicts as ``missing-source``); a corrupt one raises :class:`SourceError`.
    """
    folder = directory or default_galaxy_dir()
    if directory is not None:
        # A folder the user named: a typo or an empty folder must not quietly shrink the KB.
        if not folder.is_dir():
            raise SourceError("galaxies folder not found", Location(folder))
        if not any((folder / f"{name}.json").is_file() for name in GALAXIES):
            expected = ", ".join(f"{name}.json" for name in GALAXIES)
            raise SourceError(f"holds none of the MISP galaxies unmask reads ({expected})", Location(folder))
    result = GalaxyData()
    for name in GALAXIES:
        path = folder / f"{name}.json"
        if path.exists() and not path.is_file():
            raise SourceError("is not a file", Location(path))
        if not path.exists():
            result.conflicts.append(
                Conflict("missing-source", name, (str(path),), "galaxy not found; its data is not in the KB")
            )
            continue
        cluster, data, info = _read_cluster(path)
        result.sources.append(info)
        for cluster_name, duplicate in cluster.duplicates:
            result.conflicts.append(
                Conflict(
                    "duplicate-cluster",
                    str(duplicate),
                    (cluster_name,),
                    f"{cluster_name} holds more than one cluster named {duplicate!r}; each is kept as its own group",
                )
            )
        # pymispgalaxies keeps one value per name; read every value so duplicates are not lost.
        for value in _values(data, path):
            if name == "threat-actor":
                result.entries.append(_threat_actor(value))
            elif name == "microsoft-activity-group":
                result.entries.append(_microsoft(value))
            elif name == "tidal-groups":
                result.entries.append(_tidal(value))
            elif name == "tidal-software":
                _tidal_software(value, result)
            elif name == "mitre-intrusion-set":
                ext = _meta(value).get("external_id")
                if isinstance(ext, str) and value.uuid:
                    result.mitre_uuid_to_id[str(value.uuid)] = ext
            else:
                synonyms = tuple(s for s in _meta(value).get("synonyms", []) if s != value.value)
                record = SoftwareRecord(f"malpedia:{value.value}", str(value.value), "malware", synonyms)
                result.software.append(record)
                result.software_descriptions[record.id] = str(value.description or "").strip(" -\n")
                refs = getattr(value.meta, "refs", None)  # a set, as pymispgalaxies reads it
                result.software_reports[record.id] = tuple(
                    sorted(r for r in refs or () if isinstance(r, str))
                )
    _retire_tidal_duplicates(result)
    return result


def _retire_tidal_duplicates(result: GalaxyData) -> None:
    """Tidal's retired groups ("Salt Typhoon (Deprecated)") join the entry they were retired for.

    Two entries of one source never merge (docs/knowledge-base.md), so the retired entry is
    dropped and its software links go to the live entry of its name; without one, it stays under
    the name without the mark.
    """
    live = {
        e.name.casefold(): e for e in result.entries if e.source == "tidal" and not _DEPRECATED.search(e.name)
    }
    moved: dict[str, str] = {}
    kept: list[NameEntry] = []
    for entry in result.entries:
        if entry.source != "tidal" or not _DEPRECATED.search(entry.name):
            kept.append(entry)
            continue
        name = _DEPRECATED.sub("", entry.name).strip()
        successor = live.get(name.casefold())
        if successor is None:
            kept.append(dataclasses.replace(entry, name=name))
        else:
            moved[entry.key] = successor.key
    result.entries = kept
    result.software_links = [(src, moved.get(key, key), sid) for src, key, sid in result.software_links]
