"""The compiled knowledge base: load it, look things up, and derive evaluation views.

The store file is gzip-compressed JSON written atomically.  It keeps the
ATT&CK ``uses`` graph with the citations of every edge, so a view with some
campaigns or citations removed recomputes every actor profile from what is
left: evaluation never tests on what the profiles were built from.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import DamerauLevenshtein

from unmask.errors import KnowledgeBaseError, Location, NotInstalledError, UnknownNameError
from unmask.knowledge.aliases import (
    FAMILY_KINDS,
    core_name,
    family_core,
    family_name,
    group_cores,
    normalize_name,
)
from unmask.knowledge.home import atomic_write, kb_path
from unmask.knowledge.programs import PART_WORDS, PROGRAM_OF, QUALIFIER_WORDS
from unmask.knowledge.records import (
    SCHEMA_VERSION,
    AttackGroup,
    Campaign,
    Conflict,
    Relation,
    SoftwareRecord,
    SourceInfo,
    SourceLink,
    Technique,
)
from unmask.knowledge.sectors import STIX_SECTORS, sector_key
from unmask.knowledge.technique_ids import (
    FORMER_NAMES,
    leading_technique_id,
    malformed_sub_technique,
    technique_id_spans,
)
from unmask.model import Actor

__all__ = [
    "NEWER_HINT",
    "NEWER_RELEASE",
    "KnowledgeBase",
    "SearchHit",
    "content_sha256",
    "intel_summary",
    "load_kb",
    "save_kb_document",
]

# How a lookup says an ATT&CK id is from a later release than the KB's, and what to do about it.
NEWER_RELEASE = "newer than ATT&CK v"
NEWER_HINT = "install a newer one: unmask kb install --from enterprise-attack.json"
_SOFTWARE_ID = re.compile(r"\bS\d{4}\b")
_FILE_SUFFIX = re.compile(r"\.(exe|dll|sys|ps1|bat|cmd|vbs|js|jar|apk|elf|bin|py|sh)$", re.IGNORECASE)
# "DarkSide (Windows)": a Malpedia family named with its platform, and the prefix of its family id.
# A family named with its platform or variant: "DarkSide (Windows)", "RandomQuery (Powershell)".
_PLATFORM_NAME = re.compile(r"^(.+?) \(([A-Za-z][\w .+-]{0,30})\)$")
_MALPEDIA_PREFIX = {"Windows": "win", "ELF": "elf", "OS X": "osx", "Android": "apk", "iOS": "ios"}
# ATT&CK names a family's platform in words ("Winnti for Windows"): the platform as Malpedia names it.
_ATTACK_PLATFORM = re.compile(r"^(.+?) for (Windows|Linux|macOS|Android|iOS)$")
_ATTACK_PLATFORMS = {
    "Windows": "Windows",
    "Linux": "ELF",
    "macOS": "OS X",
    "Android": "Android",
    "iOS": "iOS",
}
_MALPEDIA_PLATFORM = re.compile(
    r"^(win|elf|osx|apk|ios|jar|ps1|py|php|js|vbs|asp|aspx|symbian|fas)\.", re.IGNORECASE
)


# What a family's name can end with in one source and not in another ("Maui Ransomware", "Maui").
# An ATT&CK id as a search finds it: a group, software, campaign or technique.
_ATTACK_ID = re.compile(r"[GSCT]\d{4}(?:\.\d{3})?", re.IGNORECASE)


@dataclass(frozen=True)
class SearchHit:
    """One result of :meth:`KnowledgeBase.search`."""

    kind: str
    id: str
    name: str
    matched: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "matched": self.matched,
            "score": self.score,
        }


def content_sha256(document: dict[str, Any]) -> str:
    """SHA-256 of what a KB document says, not of when it was built: the same sources, unmask
    version and intelligence give the same hash on any machine (the provenance of an assessment)."""
    body = {k: v for k, v in document.items() if k not in ("built", "content_sha256", "sources", "intel")}
    # Where each source or intelligence file was read from (a path on this machine) is not what
    # the KB says; its name, version, SHA-256, actor and indicators are.
    for key in ("sources", "intel"):
        body[key] = [
            {k: v for k, v in entry.items() if k != "origin"} if isinstance(entry, dict) else entry
            for entry in document.get(key, [])
        ]
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def save_kb_document(document: dict[str, Any], path: Path | None = None) -> str:
    """Write a compiled KB document atomically; return its content SHA-256 (stored in it too)."""
    target = path or kb_path()
    document = {**document, "content_sha256": content_sha256(document)}
    payload = gzip.compress(json.dumps(document, separators=(",", ":")).encode(), compresslevel=6, mtime=0)
    atomic_write(target, payload)
    return str(document["content_sha256"])


def intel_summary(entry: dict[str, Any]) -> dict[str, Any]:
    """One intelligence entry of the KB document as listed: origin, SHA-256, actor, indicator count."""
    return {k: entry[k] for k in ("origin", "sha256", "actor", "actor_name")} | {
        "indicators": len(entry["indicators"])
    }


def load_kb(path: Path | None = None) -> KnowledgeBase:
    """Load the installed KB (or the one at ``path``)."""
    source = path or kb_path()
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise NotInstalledError(
            "no knowledge base installed; run 'unmask kb install' first", Location(source)
        ) from None
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read: {exc.strerror}", Location(source)) from None
    try:
        document = json.loads(gzip.decompress(raw))
    except (OSError, EOFError, zlib.error, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(
            f"knowledge base file is corrupt ({exc.__class__.__name__}); run 'unmask kb install' again",
            Location(source),
        ) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_VERSION:
        found = document.get("schema") if isinstance(document, dict) else None
        raise KnowledgeBaseError(
            f"knowledge base schema {found!r} is not {SCHEMA_VERSION}; run 'unmask kb install' again",
            Location(source),
        )
    # KBs written before the content hash was stored are known by the hash of their file.
    sha = str(document.get("content_sha256") or hashlib.sha256(raw).hexdigest())
    try:
        return KnowledgeBase(document, sha, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # the right schema, damaged
        raise KnowledgeBaseError(
            f"knowledge base file is damaged ({exc.__class__.__name__}: {exc}); run 'unmask kb install' again",
            Location(source),
        ) from None


class _Static:
    """The parts of a loaded KB that no view changes; shared by all views."""

    @cached_property
    def family_keys(self) -> dict[str, list[str]]:
        """A software name without platform, version and kind, normalised -> the ids carrying it."""
        keys: dict[str, list[str]] = {}
        for record in self.software.values():
            for name in (record.name, *record.aliases):
                key = family_core(name)
                if key and record.id not in keys.setdefault(key, []):
                    keys[key].append(record.id)
        return keys

    @cached_property
    def software_names(self) -> dict[str, str]:
        """Normalised software name or alias -> id.

        Ids first, then names, then aliases, then a Malpedia family's name without its platform or
        variant ("DarkSide" for "DarkSide (Windows)", Windows first; "RandomQuery" for "RandomQuery
        (Powershell)") and its family id ("elf.darkside"), ATT&CK's "Winnti for Windows" first:
        NotPetya is S0368's name, though a merged source lists it among Bad Rabbit's aliases.
        Within each, ATT&CK entries win over Malpedia families, an alias ATT&CK gives a program
        over one another source gave it, and an alias several entries claim goes to the one whose
        name is closest to it (ExPetr to NotPetya).
        """
        records = sorted(self.software.values(), key=lambda s: (s.origin != "attack", s.id))
        index: dict[str, str] = {}
        for record in records:
            index.setdefault(normalize_name(record.id), record.id)
        for record in records:
            index.setdefault(normalize_name(record.name), record.id)
        claims: dict[str, list[SoftwareRecord]] = {}
        for record in records:
            for alias in record.aliases:
                claims.setdefault(normalize_name(alias), []).append(record)
        for key, claimants in claims.items():
            if key not in index:
                tier = [c for c in claimants if (c.origin == "attack") == (claimants[0].origin == "attack")]
                # ATT&CK's own name for a program before one another source merged in ("Snake" is
                # ATT&CK's for Uroburos, Malpedia's for EKANS).
                native = [c for c in tier if key not in self.merged_names.get(c.id, ())]
                tier = native or tier
                index[key] = max(tier, key=lambda c: fuzz.ratio(key, normalize_name(c.name))).id
        for part, program in PROGRAM_OF.items():  # "wmiexec" is Impacket's: no source says so
            if normalize_name(program) in index:
                index.setdefault(normalize_name(part), index[normalize_name(program)])
        # ATT&CK's "Winnti for Windows" before Malpedia's "Winnti (Windows)" (ids sort S before m).
        platforms = sorted(
            [(m.group(1), m.group(2), r.id) for r in records if (m := _PLATFORM_NAME.match(r.name))]
            + [
                (m.group(1), _ATTACK_PLATFORMS[m.group(2)], r.id)
                for r in records
                if r.origin == "attack" and (m := _ATTACK_PLATFORM.match(r.name))
            ],
            key=lambda found: (found[1] != "Windows", found[2]),
        )
        for base, platform, ident in platforms:
            index.setdefault(normalize_name(base), ident)
            prefix = _MALPEDIA_PREFIX.get(platform)
            if prefix:
                index.setdefault(normalize_name(f"{prefix}.{base}"), ident)
        for old, successor in self.successors.items():  # retired ATT&CK software, after every live name
            if successor in self.software:
                index.setdefault(normalize_name(old), successor)
                index.setdefault(normalize_name(str(self.retired[old]["name"])), successor)
        return index

    @cached_property
    def successors(self) -> dict[str, str]:
        """Retired ATT&CK id -> the active id that replaced it (T1086 -> T1059.001)."""
        return {old: str(entry["successor"]) for old, entry in self.retired.items() if entry.get("successor")}

    @cached_property
    def technique_names(self) -> dict[str, str]:
        """Normalised technique name -> id (a parent technique wins over a sub-technique).

        A sub-technique is also found by ATT&CK's full form, "OS Credential Dumping: LSASS Memory".
        """
        index: dict[str, str] = {}
        for technique in sorted(self.techniques.values(), key=lambda t: t.parent is not None):
            index.setdefault(normalize_name(technique.name), technique.id)
            parent = self.techniques.get(technique.parent or "")
            if parent is not None:
                index.setdefault(normalize_name(f"{parent.name}: {technique.name}"), technique.id)
        for old, successor in self.successors.items():  # "Disabling Security Tools" -> T1562.001
            if successor in self.techniques:
                index.setdefault(normalize_name(str(self.retired[old]["name"])), successor)
        for name, technique_id in FORMER_NAMES.items():  # renamed in place: the bundle keeps no trace
            if technique_id in self.techniques:
                index.setdefault(normalize_name(name), technique_id)
        return index

    @cached_property
    def retired_technique_names(self) -> dict[str, str]:
        """Normalised name of a retired technique that no active one goes by -> the retired id
        ("Disabling Security Tools" -> T1089, whose successor is T1562.001)."""
        live = set()
        for technique in self.techniques.values():
            live.add(normalize_name(technique.name))
            parent = self.techniques.get(technique.parent or "")
            if parent is not None:
                live.add(normalize_name(f"{parent.name}: {technique.name}"))
        live.update(normalize_name(name) for name in FORMER_NAMES)
        return {
            normalize_name(str(self.retired[old]["name"])): old
            for old, successor in self.successors.items()
            if successor in self.techniques and normalize_name(str(self.retired[old]["name"])) not in live
        }

    @cached_property
    def shared_technique_names(self) -> dict[str, tuple[str, ...]]:
        """Normalised name -> the techniques whose own name it is, for names several have ("Email
        Accounts": T1585.002 Establish Accounts and T1586.002 Compromise Accounts)."""
        named: dict[str, list[str]] = {}
        for technique in self.techniques.values():
            named.setdefault(normalize_name(technique.name), []).append(technique.id)
        return {key: tuple(sorted(ids)) for key, ids in named.items() if len(ids) > 1}

    @cached_property
    def campaigns_using(self) -> dict[str, set[str]]:
        """Item (technique, software, CVE) -> the campaigns whose own links use it."""
        found: dict[str, set[str]] = {}
        for rel in self.relations:
            if rel.kind == "uses" and rel.source in self.campaigns:
                for item in (rel.target, *rel.cves):
                    found.setdefault(item, set()).add(rel.source)
        return found

    @cached_property
    def _by_citation(self) -> dict[str, list[Relation]]:
        index: dict[str, list[Relation]] = {}
        for rel in self.relations:
            for citation in rel.citations:
                index.setdefault(citation, []).append(rel)
        return index

    @cached_property
    def _campaign_links(self) -> dict[str, list[Relation]]:
        index: dict[str, list[Relation]] = {}
        for rel in self.relations:
            if rel.source in self.campaigns:
                index.setdefault(rel.source, []).append(rel)
        return index

    @functools.cache  # noqa: B019 - one static part per loaded KB, kept as long as it is
    def campaign_record(self, campaign_id: str) -> tuple[set[str], set[str]]:
        """The reports a campaign's view removes, and what they name (its own links' items and
        those of every link citing them)."""
        own = self._campaign_links.get(campaign_id, [])
        held = set(self.campaigns[campaign_id].citations) | {f"ATT&CK {campaign_id}"}
        held.update(c for r in own for c in r.citations)
        named: set[str] = set()
        related = own + [r for c in held for r in self._by_citation.get(c, [])]
        for rel in related:
            if rel.kind == "uses":
                named.add(rel.target)
                named.update(rel.cves)
        return held, named

    def __init__(self, document: dict[str, Any]) -> None:
        self.techniques = {t["id"]: Technique.from_dict(t) for t in document["techniques"]}
        self.retired: dict[str, dict[str, Any]] = dict(document.get("retired", {}))
        self.attack_version = str(document.get("attack_version", "unknown"))
        self.software = {s["id"]: SoftwareRecord.from_dict(s) for s in document["software"]}
        # The names another source gave an ATT&CK program (its Malpedia family's), apart.
        self.merged_names = {
            key: frozenset(normalize_name(n) for n in names)
            for key, names in document.get("software_merged_names", {}).items()
        }
        self.groups = {g["id"]: AttackGroup.from_dict(g) for g in document["groups"]}
        self.campaigns = {c["id"]: Campaign.from_dict(c) for c in document["campaigns"]}
        self.conflicts = [Conflict.from_dict(c) for c in document["conflicts"]]
        self.sources = [SourceInfo.from_dict(s) for s in document["sources"]]
        self.relations = [
            Relation(row[0], row[1], row[2], tuple(row[3]), tuple(row[4])) for row in document["relations"]
        ]
        self.links = [SourceLink.from_row(row) for row in document.get("links", [])]
        self.base_actors = [Actor.from_dict(a) for a in document["actors"]]
        # Indicators from the user's own intelligence (knowledge/intel.py), as "signal:value".
        by_id = {actor.id: actor for actor in self.base_actors}
        for entry in document.get("intel", []):
            owner = by_id.get(entry.get("actor"))
            if owner is not None:  # two files giving one address: it is listed once
                known = set(owner.infrastructure)
                for signal, value in entry["indicators"]:
                    if f"{signal}:{value}" not in known:
                        known.add(f"{signal}:{value}")
                        owner.infrastructure.append(f"{signal}:{value}")
        self.technique_phrases: dict[str, str] = dict(document.get("technique_phrases", {}))
        self.citations = frozenset(c for r in self.relations for c in r.citations)
        # Another name of a cited report -> the name the KB keeps it under (knowledge/attack.py).
        self.citation_aliases: dict[str, str] = dict(document.get("citation_aliases", {}))
        self.revoked_into: dict[str, list[str]] = {}
        for group in self.groups.values():
            if group.revoked_by:
                self.revoked_into.setdefault(group.revoked_by, []).append(group.id)


class KnowledgeBase:
    """Actors, software, techniques and campaigns, with profiles for one view.

    A fresh load is the full view; :meth:`view` gives another with campaigns,
    citations or whole actors removed.  Views share the static parts and
    recompute profiles.
    """

    def __init__(
        self,
        document: dict[str, Any],
        sha256: str,
        path: Path | None = None,
        *,
        _static: _Static | None = None,
        _relations: list[Relation] | None = None,
        _links: list[SourceLink] | None = None,
        without_campaigns: tuple[str, ...] = (),
        without_citations: tuple[str, ...] = (),
        without_actors: tuple[str, ...] = (),
        without_sources: tuple[str, ...] = (),
    ) -> None:
        self.document = document
        self.sha256 = sha256
        self.path = path
        self._static = _static or _Static(document)
        self.without_campaigns = without_campaigns
        self.without_citations = without_citations
        self.without_actors = without_actors
        self.without_sources = without_sources
        self.techniques = self._static.techniques
        # Retired ATT&CK technique and software ids -> the active ids that replaced them.
        self.successors = self._static.successors
        self.software = self._static.software
        self.technique_phrases = self._static.technique_phrases
        self.groups = self._static.groups
        self.conflicts = self._static.conflicts
        self.sources = self._static.sources
        self.citations = self._static.citations
        self.campaigns = {k: v for k, v in self._static.campaigns.items() if k not in without_campaigns}
        self.relations = self._static.relations if _relations is None else _relations
        # Second sources' software links (records.SourceLink), kept apart from ATT&CK's graph.
        self.links = self._static.links if _links is None else _links
        self._base_actors = [a for a in self._static.base_actors if a.id not in without_actors]

    def citation_name(self, name: str) -> str:
        """The name the KB keeps a cited report under (one report may be cited under several), as
        written or with other case and spacing ("symantec raindrop january 2021"); the name itself
        when the KB cites no such report."""
        aliases = self._static.citation_aliases
        if name in aliases or name in self.citations:
            return aliases.get(name, name)
        loose = self._loose_citations.get(_loose(name))
        return name if loose is None else aliases.get(loose, loose)

    @cached_property
    def _loose_citations(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in sorted({*self._static.citations, *self._static.citation_aliases}):
            found.setdefault(_loose(name), name)
        return found

    def close_citations(self, name: str) -> list[str]:
        """The cited reports whose names are closest to ``name`` ("Industroyer2 ESET April 2022"
        for "Industroyer2 ESET Apr 2022"), best first."""
        return self._suggested(name, [(c, c) for c in sorted(self._static.citations)])

    def report_names(self, name: str) -> tuple[str, ...]:
        """Every name a cited report goes by, the kept one first."""
        kept = self.citation_name(name)
        return (kept, *sorted(a for a, k in self._static.citation_aliases.items() if k == kept))

    # ----------------------------------------------------------------- views
    def view(
        self,
        without_campaigns: Iterable[str] = (),
        without_citations: Iterable[str] = (),
        without_actors: Iterable[str] = (),
        without_sources: Iterable[str] = (),
    ) -> KnowledgeBase:
        """A KB with the named campaigns (ids or names), citations and actors removed.

        Removing a campaign drops it, its relationships, and every other
        relationship whose citations all come from the campaign's reports (a
        group's relationships often repeat a campaign's content under the same
        citation); the relationships kept for other reports no longer cite the
        campaign's.  Removing a citation (by any of its report's names) strips it
        from every relationship; a relationship left with no citation is dropped.  Removing an actor drops
        it, its ATT&CK group's relationships and the campaigns attributed only
        to it (the open-set evaluation: a group the KB has never heard of).
        Removing a source (``tidal``) drops its software links.

        A second source's link cites no report, so which report it repeats cannot be known: when
        reports are held out, the links (of any actor) to software the held-out reports name are
        dropped too, since who used it may be what those reports told the source.
        """
        # One name alone is one name, not its letters (view(without_campaigns="C0038")).
        without_campaigns, without_citations, without_actors, without_sources = (
            [names] if isinstance(names, str) else names
            for names in (without_campaigns, without_citations, without_actors, without_sources)
        )
        base_ids = {a.id for a in self._base_actors}
        actor_ids = tuple(sorted({a if a in base_ids else self.actor(a).id for a in without_actors}))
        removed_groups = {a.attack_id for a in self._base_actors if a.id in actor_ids and a.attack_id}
        removed_groups |= {g.id for g in self.groups.values() if g.revoked_by in removed_groups}
        owners: dict[str, set[str]] = {}
        for rel in self.relations:
            if rel.kind == "attributed-to":
                owners.setdefault(rel.source, set()).add(rel.target)
        orphaned = {c for c, groups in owners.items() if groups <= removed_groups}
        campaign_ids = {self.campaign_id(c) for c in without_campaigns}
        citations = frozenset(self.citation_name(c) for c in without_citations)
        known = self._static.citations
        for citation in sorted(citations - known):
            raise UnknownNameError(
                "citation", citation, _closest_named(citation, [(c, c) for c in sorted(known)])
            )
        held_out: set[str] = set(citations)
        for cid in campaign_ids:
            held_out.update(self.campaign_reports(cid))
        dropped = campaign_ids | orphaned | removed_groups
        kept: list[Relation] = []
        named: set[str] = set()  # what the held-out reports name
        for rel in self.relations:
            if rel.kind == "uses" and (rel.source in campaign_ids or not held_out.isdisjoint(rel.citations)):
                named.add(rel.target)
                named.update(rel.cves)
            if rel.source in dropped or rel.target in dropped:
                continue
            if rel.citations and set(rel.citations) <= held_out:
                continue
            if not held_out.isdisjoint(rel.citations):
                # Kept for its other reports; the held-out reports no longer say it.
                rel = replace(rel, citations=tuple(c for c in rel.citations if c not in held_out))
            kept.append(rel)
        sources = set(without_sources)
        links = [
            link
            for link in self.links
            if link.source not in sources and link.actor not in actor_ids and link.item not in named
        ]
        return KnowledgeBase(
            self.document,
            self.sha256,
            self.path,
            _static=self._static,
            _relations=kept,
            _links=links,
            without_campaigns=tuple(sorted(set(self.without_campaigns) | campaign_ids | orphaned)),
            without_citations=tuple(sorted(set(self.without_citations) | citations)),
            without_actors=tuple(sorted(set(self.without_actors) | set(actor_ids))),
            without_sources=tuple(sorted(set(self.without_sources) | sources)),
        )

    def campaign_id(self, name: str) -> str:
        """The id of a campaign given by id or name; :class:`UnknownNameError` with suggestions."""
        if name in self.campaigns or name.upper() in self.campaigns:
            return name if name in self.campaigns else name.upper()
        key = normalize_name(name)
        for campaign in self.campaigns.values():
            if key in {normalize_name(n) for n in (campaign.name, *campaign.aliases)}:
                return campaign.id
        names = [c.id for c in self.campaigns.values()] + [c.name for c in self.campaigns.values()]
        raise UnknownNameError("campaign", name, _closest_named(name, [(n, n) for n in names]))

    @cached_property
    def software_users(self) -> dict[str, int]:
        """Software id -> how many actors of this view are known to use it."""
        users: dict[str, int] = {}
        for actor in self.actors.values():
            for sid in actor.software:
                users[sid] = users.get(sid, 0) + 1
        return users

    @cached_property
    def sector_keys(self) -> dict[str, str]:
        """The victim sectors the sources name (by :func:`~unmask.knowledge.sectors.sector_key`),
        and STIX's vocabulary: key -> a name to show."""
        keys: dict[str, str] = {}
        for term in sorted(STIX_SECTORS):
            keys.setdefault(sector_key(term), term)
        for actor in self._base_actors:
            for sector in actor.victim_sectors:
                keys.setdefault(sector_key(sector), sector)
        return keys

    # -------------------------------------------------------------- profiles
    @cached_property
    def _attributed(self) -> dict[str, list[str]]:
        """Campaign id -> the ATT&CK groups it is attributed to, in this view."""
        attributed: dict[str, list[str]] = {}
        for rel in self.relations:
            if rel.kind == "attributed-to" and rel.source in self.campaigns:
                attributed.setdefault(rel.source, []).append(rel.target)
        return attributed

    def owned_uses(self) -> list[tuple[str, Relation, tuple[str, ...]]]:
        """(owning ATT&CK group, relation, its reports) for each technique/software ``uses`` link.

        A campaign's links belong to the groups it is attributed to; an uncited
        link is ATT&CK's own statement and counts as one report of its own.
        """
        result: list[tuple[str, Relation, tuple[str, ...]]] = []
        for rel in self.relations:
            if rel.kind != "uses" or not (rel.target in self.techniques or rel.target in self.software):
                continue
            owners = [rel.source] if rel.source in self.groups else self._attributed.get(rel.source, [])
            cites = rel.citations or (f"ATT&CK {rel.source}",)
            result.extend((owner, rel, cites) for owner in owners)
        # A second source's link is its actor's (an ATT&CK group's id is its actor's id), and
        # the source's entry for the actor counts as one report.
        for link in self.links:
            if link.item in self.software or link.item.startswith("CVE-"):
                rel = Relation(link.actor, "uses", link.item, (link.report,))
                result.append((link.actor, rel, rel.citations))
        return result

    def group_ids(self, actor: Actor) -> list[str]:
        """The ids whose links make up an actor's profile: its ATT&CK group's and revoked ones',
        or its own for an actor ATT&CK does not know (the links of a second source)."""
        if not actor.attack_id:
            return [actor.id]
        return [actor.attack_id, *self._static.revoked_into.get(actor.attack_id, [])]

    @cached_property
    def support(self) -> dict[str, dict[str, set[str]]]:
        """ATT&CK group id -> technique, software or CVE id -> the reports its links cite (a
        campaign's links count for the groups it is attributed to; an uncited link is one report
        of its own, ``ATT&CK <source id>``)."""
        support: dict[str, dict[str, set[str]]] = {}
        for owner, rel, cites in self.owned_uses():
            owned = support.setdefault(owner, {})
            owned.setdefault(rel.target, set()).update(cites)
            for cve in rel.cves:
                owned.setdefault(cve, set()).update(cites)
        return support

    def campaign_reports(self, campaign_id: str) -> set[str]:
        """The reports a campaign's view removes: its own, those its links cite, and its uncited
        links' (as the full KB records them: a view that holds the campaign out has none)."""
        return self._static.campaign_record(campaign_id)[0]

    def campaign_named(self, campaign_id: str) -> set[str]:
        """What the campaign's reports name: its own links' items and those of links citing them
        (what its view drops a second source's links to)."""
        return self._static.campaign_record(campaign_id)[1]

    @property
    def campaigns_using(self) -> dict[str, set[str]]:
        """Item (technique, software, CVE) -> the campaigns whose own links use it (less those this
        view holds out)."""
        held_out = set(self.without_campaigns)
        if not held_out:
            return self._static.campaigns_using
        return {item: found - held_out for item, found in self._static.campaigns_using.items()}

    @cached_property
    def actors(self) -> dict[str, Actor]:
        """Every actor with its technique, software and CVE profile for this view."""
        support = self.support
        campaigns_of: dict[str, list[str]] = {}
        for cid, groups in self._attributed.items():
            for gid in groups:
                campaigns_of.setdefault(gid, []).append(cid)
        result: dict[str, Actor] = {}
        for base in self._base_actors:
            actor = replace(base)
            gids = self.group_ids(base)
            links: dict[str, set[str]] = {}
            for gid in gids:
                for target, reports in support.get(gid, {}).items():
                    links.setdefault(target, set()).update(reports)
            actor.techniques = {t: len(c) for t, c in sorted(links.items()) if t in self.techniques}
            actor.software = {s: len(c) for s, c in sorted(links.items()) if s in self.software}
            if not actor.techniques and actor.software and not actor.attack_id:
                actor.techniques = self._payload_techniques(actor)
            actor.cves = {v: len(c) for v, c in sorted(links.items()) if v.startswith("CVE-")}
            actor.campaigns = sorted({c for gid in gids for c in campaigns_of.get(gid, [])})
            actor.active_years = _active_years(
                base.active_years, [self.campaigns[c] for c in actor.campaigns]
            )
            result[actor.id] = actor
        return result

    @cached_property
    def _software_techniques(self) -> dict[str, set[str]]:
        """Software id -> the techniques ATT&CK says it uses."""
        found: dict[str, set[str]] = {}
        for rel in self.relations:
            if rel.kind == "uses" and rel.source in self.software and rel.target in self.techniques:
                found.setdefault(rel.source, set()).add(rel.target)
        return found

    def _payload_techniques(self, actor: Actor) -> dict[str, int]:
        """For an actor a second source knows only by its software (Tidal's ransomware crews):
        the techniques of its own payload, the family named after it ("LockBit 3.0" for LockBit's
        affiliates), each as one report. What the payload does is what the crew's intrusions
        show; without it, the techniques of a case with the payload count against the crew."""
        cores = group_cores(actor.all_names)
        techniques: dict[str, int] = {}
        for software in actor.software:
            if family_core(self.software[software].name) in cores:
                for technique in self._software_techniques.get(software, ()):
                    techniques[technique] = 1
        return dict(sorted(techniques.items()))

    # --------------------------------------------------------------- lookups
    @cached_property
    def _actor_names(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for actor in self._base_actors:
            for name in (actor.id, actor.attack_id or "", *actor.all_names):
                key = normalize_name(name)
                if key and actor.id not in index.setdefault(key, []):
                    index[key].append(actor.id)
        by_attack_id = {a.attack_id: a.id for a in self._base_actors if a.attack_id}
        for group in self.groups.values():
            if group.revoked_by in by_attack_id:
                index.setdefault(normalize_name(group.id), []).append(by_attack_id[group.revoked_by])
        return index

    # Close names are suggested for an unknown one, unless it is too long to be a name (a pasted
    # paragraph) or the caller has asked too many already (suggest=False: a case of 50,000 unknown
    # names is answered in seconds, not in minutes of fuzzy matching).
    suggest = True
    MAX_SUGGESTED_CHARS = 100

    def _suggested(self, name: str, choices: list[tuple[str, str]]) -> list[str]:
        if not self.suggest or len(name) > self.MAX_SUGGESTED_CHARS:
            return []
        return _closest_named(name, choices)

    @cached_property
    def _actor_choices(self) -> list[tuple[str, str]]:
        return sorted({(n, n) for a in self._base_actors for n in a.all_names})

    @cached_property
    def _software_choices(self) -> list[tuple[str, str]]:
        return sorted(
            {(n, _software_shown(s, n)) for s in self.software.values() for n in (s.name, *s.aliases)}
        )

    @cached_property
    def _technique_choices(self) -> list[tuple[str, str]]:
        names = [(t.name, f"{t.name} ({t.id})") for t in self.techniques.values()]
        return names + [(t.id, f"{t.id} {t.name}") for t in self.techniques.values()]

    def actor_candidates(self, name: str) -> list[Actor]:
        """All actors that carry ``name`` (or id), best first: ATT&CK-backed, then best known."""
        ids = self._actor_names.get(normalize_name(name), [])
        actors = [self.actors[i] for i in ids]

        key = normalize_name(name)

        def rank(actor: Actor) -> tuple[int, int, int, int]:
            exact = normalize_name(actor.name) == key or actor.id == name
            # ATT&CK's own alias list first: MISP's Lazarus cluster also carries BlueNoroff and
            # the Sleet names that ATT&CK gives to APT38 and AppleJeus.
            attack_alias = any(normalize_name(n) == key for n in actor.names.get("ATT&CK", []))
            return (not (exact or attack_alias), actor.attack_id is None, not exact, -len(actor.all_names))

        return sorted(actors, key=rank)

    def actor(self, name: str) -> Actor:
        """The actor called ``name`` in any source; :class:`UnknownNameError` with suggestions if none."""
        found = self.actor_candidates(name)
        if found:
            return found[0]
        # A crew by its name without the words that say "a group": "LockBit" for "LockBit Ransomware
        # Actors & Affiliates", when no actor has that very name and only one has it as its stem.
        key = normalize_name(name)
        stems = {
            a.id for a in self._base_actors for n in a.all_names if len(key) >= 4 and core_name(n) == key
        }
        if len(stems) == 1:
            return self.actors[stems.pop()]  # the actor as the KB (or its view) holds it, whole
        raise UnknownNameError("actor", name, self._suggested(name, self._actor_choices))

    def software_record(self, name: str) -> SoftwareRecord:
        """Software by ATT&CK id, name or alias (ATT&CK and Malpedia).

        Also the forms reports and tools write: "Mimikatz (S0002)", "S0002 - Mimikatz" (the id
        wins), "mimikatz.exe" (a file name), "win.mimikatz" (a Malpedia family id), a tool after
        its vendor's name ("ConnectWise ScreenConnect").
        """
        name = unicodedata.normalize("NFKC", name)
        known = self._static.software_names
        cited = _SOFTWARE_ID.search(name.upper())
        if len(normalize_name(name)) < 2:  # "-", "?", "x": no program's name ("-" was read as Wiper)
            raise UnknownNameError("software", name, [], "not a name")
        sid = known.get(normalize_name(name))
        if sid is None and cited:
            # The id wins; a retired one stands for its successor (S0209 is now S0012).
            sid = (
                cited.group(0)
                if cited.group(0) in self.software
                else self._static.successors.get(cited.group(0))
            )
        if sid is None:
            bare = _MALPEDIA_PLATFORM.sub("", _FILE_SUFFIX.sub("", name.strip()))
            sid = known.get(normalize_name(bare)) if bare else None
            # "Maui" for Malpedia's "Maui Ransomware", "Tiger RAT" for a family named "Tiger".
            # (Not for a name of three letters or fewer: "USB" is no USB Stealer.)
            for kind in FAMILY_KINDS if sid is None and len(normalize_name(bare)) > 3 else ():
                words = bare.split()
                other = (
                    " ".join(words[:-1]) if words[-1].lower() == kind and len(words) > 1 else f"{bare} {kind}"
                )
                sid = known.get(normalize_name(other))
                alike = (
                    [r for r in self.software_sharing_name(other, sid) if not _other_kind(r.name, kind)]
                    if sid is not None and len(other) < len(bare)
                    else []
                )
                if alike and sid is not None:
                    # The kind said was dropped to find the name, so it chose nothing: "Snake
                    # ransomware" is EKANS, whose Malpedia name is Snake, not ATT&CK's Snake (Uroburos).
                    shown = [_software_shown(r, r.name) for r in (self.software[sid], *alike)]
                    raise UnknownNameError("software", name, shown, f"'{other}' names several programs")
                if sid is not None:
                    break
        # "Impacket-wmiexec", "cobalt_strike beacon": a hyphen or underscore between words as a space.
        words = re.split(r"\s+|(?<=\w)[-_](?=\w)", name.strip()) if sid is None else name.split()
        if sid is None and len(words) > 1 and words[-1].lower() in PART_WORDS:
            # The part of a program that ran: "Cobalt Strike beacon", "ScreenConnect client".
            sid = known.get(normalize_name(" ".join(words[:-1])))
        for drop in (1, 2) if sid is None else ():
            # A tool under its vendor's name ("ConnectWise ScreenConnect", "Microsoft Sysinternals
            # PsExec").
            rest = known.get(normalize_name(" ".join(words[drop:]))) if len(words) > drop else None
            vendor = words[:drop]
            if any(_SEPARATORS.search(w) for w in vendor):
                break  # a list of names ("Mimikatz, PsExec"), not a vendor's ("BloodHound SharpHound" is)
            if rest is not None and self.software[rest].kind == "tool":
                sid = rest
                break
        if sid is None:
            sid = self._by_version(name)
        if sid is None or sid not in self.software:
            why = self._unknown_id(cited.group(0), self.software) if cited else None
            suggested = [] if why else self._suggested(name, self._software_choices)
            raise UnknownNameError("software", name, suggested, why)
        return self.software[sid]

    def _by_version(self, name: str) -> str | None:
        """A program given with a version the KB's names do not carry: the record of that version
        ("LockBit 3" is LockBit 3.0), or the family's one record when none of its records is
        versioned ("BlackEnergy 3", "Mimikatz 2.2", "Conti v3"); ``None`` when the version picks
        none of several ("LockBit 9")."""
        found = _TRAILING_VERSION.search(name.strip())
        if not found:
            return None
        base, wanted = name.strip()[: found.start()], _version_key(found.group(1))
        family = [i for i in self._static.family_keys.get(family_core(base), ()) if i in self.software]
        versions: dict[str, set[tuple[int, ...]]] = {}
        for record_id in family:
            record = self.software[record_id]
            for text in (record.name, *record.aliases):
                if own := _TRAILING_VERSION.search(family_name(text, kind=True)):
                    versions.setdefault(record_id, set()).add(_version_key(own.group(1)))
        chosen = {record_id for record_id, held in versions.items() if wanted in held}
        if len(chosen) == 1:
            return chosen.pop()
        if versions:
            return None
        return self._static.software_names.get(normalize_name(base))

    def software_sharing_name(self, name: str, chosen: str) -> list[SoftwareRecord]:
        """Other software than ``chosen`` that a bare family name also names ("Medusa": the MEDUSA
        rootkit and Medusa Ransomware), by name without platform, version or kind, other than
        versions and platforms of ``chosen``'s own family; none when the name already says which
        (an id, a version, a platform, a kind)."""
        key = normalize_name(name)
        if not key or key != family_core(name):
            return []
        # Versions and platforms of one family are one family ("LockBit 3.0", "LockBit (ELF)").
        same = normalize_name(family_name(self.software[chosen].name, version=True))
        # The name of the program read is its own: another program that has it only among its other
        # names (Bad Rabbit's "NotPetya", Agent.btz's "ComRAT") is a lookalike, not what was meant.
        own = family_core(self.software[chosen].name) == key
        return [
            self.software[i]
            for i in self._static.family_keys.get(key, ())
            if i != chosen
            and i in self.software
            and normalize_name(family_name(self.software[i].name, version=True)) != same
            and (not own or family_core(self.software[i].name) == key)
        ]

    def technique(self, name: str) -> Technique:
        """A technique by id (``T1003.001``) or exact name (a name several techniques share as
        :meth:`techniques_sharing_name` orders them)."""
        name = unicodedata.normalize("NFKC", name)  # a full-width "Ｔ１５６６.００１" is T1566.001
        key = name.strip().upper()
        if key in self.techniques:
            return self.techniques[key]
        if re.fullmatch(r"\d{4}(?:\.\d{3})?", key) and f"T{key}" in self.techniques:
            # "1059" (a YAML number): the id without its letter, offered, not read silently.
            raise UnknownNameError(
                "technique",
                name,
                [f"T{key} ({self.techniques[f'T{key}'].name})"],
                "an ATT&CK technique id begins with T",
            )
        if malformed_sub_technique(key):  # "T1003-01": not the parent T1003
            raise UnknownNameError(
                "technique", name, [], "a sub-technique's id is the technique's and three digits (T1003.001)"
            )
        # Each id as the KB knows it (a retired one as its successor: "T1059.001 (formerly T1086)").
        ids = list(
            dict.fromkeys(
                self._static.successors.get(canonical, canonical)
                for _, _, canonical in technique_id_spans(key)
            )
        )
        ids = [i for i in ids if not any(other.startswith(i + ".") for other in ids)]  # T1003.001 (T1003)
        if len(ids) == 1 and ids[0] in self.techniques and leading_technique_id(key) is not None:
            return self.techniques[ids[0]]  # "T1059 T1059.001" and "T1059.001 T1059" alike
        if len(ids) > 1:
            # "T1190, T1059.001", "T1486 T1490": one entry is one technique; each is suggested.
            shown = [f"{i} ({self.techniques[i].name})" if i in self.techniques else i for i in ids[:5]]
            raise UnknownNameError("technique", name, shown, SEVERAL_TECHNIQUES)
        # "T1003.001 - LSASS Memory", "T1003-001 LSASS Memory": the id that leads the text.
        technique_id = leading_technique_id(key)
        if technique_id in self.techniques:
            return self.techniques[technique_id]
        found = self._static.technique_names.get(normalize_name(name))
        if found is not None:
            shared = self.techniques_sharing_name(name)
            return self.techniques[shared[0] if shared else found]
        successor = self._static.successors.get(technique_id or "")
        if successor in self.techniques:  # a retired id: T1086 is now T1059.001
            return self.techniques[successor]
        why = self._unknown_id(technique_id, self.techniques) if technique_id else None
        if why is None and technique_id is None:
            self._no_such_sub_technique(name)
        suggested = [] if why else self._suggested(name, self._technique_choices)
        raise UnknownNameError("technique", name, suggested, why)

    def retired_reading(self, name: str) -> str | None:
        """The retired ATT&CK id :meth:`technique` reads ``name`` through ("T1086", "T1089 -
        Disabling Security Tools", "Disabling Security Tools": each stands for its successor),
        or ``None`` when the name is an active technique's."""
        name = unicodedata.normalize("NFKC", name)
        key = name.strip().upper()
        if key in self.techniques:
            return None
        leading = leading_technique_id(key)
        if leading is not None:
            return leading if leading not in self.techniques and leading in self._static.successors else None
        return self._static.retired_technique_names.get(normalize_name(name))

    def _no_such_sub_technique(self, name: str) -> None:
        """Raise when ``name`` is a technique's full name whose sub-technique's name is misspelt
        ("Email Collection: Remote Email Colection"), suggesting the closest of its sub-techniques and
        the technique itself, rather than let it be read as the parent alone."""
        parent_name, colon, sub_name = name.partition(":")
        parent_id = self._static.technique_names.get(normalize_name(parent_name)) if colon else None
        parent = self.techniques.get(parent_id or "")
        if parent is None or not sub_name.strip():
            return
        subs = [t for t in self.techniques.values() if t.parent == parent.id]
        close = self._suggested(
            sub_name.strip(),
            [(t.name, f"{t.id} {parent.name}: {t.name}") for t in sorted(subs, key=lambda t: t.id)],
        )
        if close:
            raise UnknownNameError(
                "technique",
                name,
                [*close, f"{parent.id} {parent.name}"],
                f"{parent.id} {parent.name} {NO_SUCH_SUB_TECHNIQUE} {sub_name.strip()!r}",
            )

    def techniques_sharing_name(self, name: str) -> list[str]:
        """The techniques whose own name ``name`` is, when several are ("Spearphishing Link":
        T1566.002 and T1598.003), in the order :meth:`technique` reads the name: a parent technique
        first, then the one more of the view's actors are known to use (as the text extractor reads
        a report: extract/lexicon.py); empty when the name is one technique's, or none's."""
        ids = self._static.shared_technique_names.get(normalize_name(name), ())
        usage = self.technique_users
        return sorted(
            (i for i in ids if i in self.techniques),
            key=lambda i: ("." in i, -usage.get(i, 0), i),
        )

    @cached_property
    def technique_users(self) -> dict[str, int]:
        """Technique id -> how many of the view's actors are known to use it (of techniques that
        share a name, the one a name is read as: the case's resolution and the extractor's)."""
        users: dict[str, int] = {}
        for actor in self.actors.values():
            for used in actor.techniques:
                users[used] = users.get(used, 0) + 1
        return users

    def _unknown_id(self, attack_id: str, known: Mapping[str, object]) -> str | None:
        """Why an ATT&CK id is not in the KB, when that can be said: retired, or newer than its release."""
        entry = self._static.retired.get(attack_id)
        if entry is not None:
            return f"ATT&CK deprecated {attack_id} ({entry['name']}) without a successor"
        if re.fullmatch(r"T0\d{3}", attack_id):
            return "an ATT&CK for ICS technique; the knowledge base holds ATT&CK Enterprise only"
        number = int(attack_id[1:5])
        prefix = attack_id[0]
        if known and number > max(int(k[1:5]) for k in known if re.fullmatch(prefix + r"\d{4}(\.\d{3})?", k)):
            return (
                f"{NEWER_RELEASE}{self._static.attack_version}, the knowledge base's release, or not an "
                f"ATT&CK id at all ({NEWER_HINT})"
            )
        return None

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Actors, software, techniques and campaigns whose names match ``text`` (fuzzy)."""
        text = unicodedata.normalize("NFKC", text)
        choices: list[tuple[str, str, str, str]] = []
        # Each by its id too: an id seen in output (G1001, S0663) is what a reader looks up; an id
        # of unmask's own ("misp:cotton-sandstorm") only when asked for one (else it would match
        # "sandstorm" as well as the names do, and show instead of them).
        asked = ":" in text

        def ids(ident: str) -> tuple[str, ...]:
            return (ident,) if asked or ":" not in ident else ()

        for actor in self._base_actors:
            choices += [("actor", actor.id, actor.name, n) for n in (*ids(actor.id), *actor.all_names)]
        for soft in self.software.values():
            choices += [
                ("software", soft.id, soft.name, n) for n in (*ids(soft.id), soft.name, *soft.aliases)
            ]
        for tech in self.techniques.values():
            choices += [("technique", tech.id, tech.name, n) for n in (tech.id, tech.name)]
        for camp in self.campaigns.values():
            choices += [("campaign", camp.id, camp.name, n) for n in (camp.id, camp.name, *camp.aliases)]
        query = text.strip().lower()
        scored = process.extract(
            query, [c[3].lower() for c in choices], scorer=fuzz.WRatio, limit=limit * 6, score_cutoff=70
        )
        best: dict[tuple[str, str], SearchHit] = {}
        for _, score, index in scored:
            kind, ident, name, matched = choices[index]
            exact = normalize_name(matched) == normalize_name(text)
            if not exact and len(matched) * 2 < len(query):
                continue  # "at" is not a good answer to "mimikatz"
            final = 100.0 if exact else round(float(score), 1)
            hit = SearchHit(kind, ident, name, matched, final)
            if (kind, ident) not in best or best[(kind, ident)].score < final:
                best[(kind, ident)] = hit
        wanted = normalize_name(text)

        def rank(hit: SearchHit) -> tuple[float, bool, bool, str, str]:
            canonical = normalize_name(hit.name) == wanted or hit.id.lower() == text.strip().lower()
            return (-hit.score, not canonical, ":" in hit.id, hit.kind, hit.name)

        hits = sorted(best.values(), key=rank)
        if _ATTACK_ID.fullmatch(text.strip()) and hits and hits[0].score == 100.0:
            # An id is exact or nothing: S0066 is no near miss for S0663.
            hits = [h for h in hits if h.score == 100.0]
        return hits[:limit]

    def compare(self, names: list[str]) -> dict[str, Any]:
        """Techniques and software common to all the named actors and unique to each."""
        if len(names) < 2:
            raise KnowledgeBaseError("compare needs at least two actors")
        actors = [self.actor(n) for n in names]
        for i, actor in enumerate(actors):
            for j in range(i):
                if actors[j].id == actor.id:
                    raise KnowledgeBaseError(
                        f"{names[j]!r} and {names[i]!r} are one actor ({actor.name}, {actor.id}); name different actors"
                    )
        result: dict[str, Any] = {"actors": [{"id": a.id, "name": a.name} for a in actors]}
        for facet in ("techniques", "software"):
            sets = [set(getattr(a, facet)) for a in actors]
            common = set.intersection(*sets)
            result[facet] = {
                "common": sorted(common),
                "unique": {
                    a.id: sorted(s - set().union(*(o for j, o in enumerate(sets) if j != i)))
                    for i, (a, s) in enumerate(zip(actors, sets, strict=True))
                },
                "jaccard": round(len(common) / len(set.union(*sets)), 3) if any(sets) else 0.0,
            }
        return result

    # ---------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        """Versions, hashes and counts: what ``unmask kb info`` shows."""
        actors = self.actors.values()
        return {
            "path": str(self.path) if self.path else None,
            "sha256": self.sha256,
            "schema": self.document["schema"],
            "built": self.document["built"],
            "unmask_version": self.document["unmask_version"],
            "attack_version": self.document["attack_version"],
            "sources": [s.to_dict() for s in self.sources],
            "counts": {
                "attack_intrusion_sets": self.document["attack_counts"].get("intrusion-set", 0),
                "attack_groups_active": self.document["attack_counts"].get("intrusion-set-active", 0),
                "campaigns": len(self.campaigns),
                "software": sum(1 for s in self.software.values() if s.origin == "attack"),
                "malpedia_families": sum(1 for s in self.software.values() if s.origin == "malpedia"),
                "tidal_software": sum(1 for s in self.software.values() if s.origin == "tidal"),
                "techniques": sum(1 for t in self.techniques.values() if t.parent is None),
                "sub_techniques": sum(1 for t in self.techniques.values() if t.parent is not None),
                "relationships": len(self.relations),
                "software_links": sum(1 for link in self.links if not link.item.startswith("CVE-")),
                "cve_links": sum(1 for link in self.links if link.item.startswith("CVE-")),
                "actors": len(self.actors),
                "actors_in_attack": sum(1 for a in actors if a.attack_id),
                "actors_with_sponsor": sum(1 for a in actors if a.sponsor),
                "conflicts": len(self.conflicts),
                "intel_files": len(self.document.get("intel", [])),
                "intel_indicators": sum(len(e["indicators"]) for e in self.document.get("intel", [])),
            },
            "intel": [intel_summary(e) for e in self.document.get("intel", [])],
            "view": {
                "without_campaigns": list(self.without_campaigns),
                "without_citations": list(self.without_citations),
                "without_sources": list(self.without_sources),
            },
        }


def _active_years(base: tuple[int, int] | None, campaigns: list[Campaign]) -> tuple[int, int] | None:
    years = list(base or ())
    for campaign in campaigns:
        for stamp in (campaign.first_seen, campaign.last_seen):
            if stamp and stamp[:4].isdigit():
                years.append(int(stamp[:4]))
    return (min(years), max(years)) if years else None


def _name_score(query: str, choice: str, **_: Any) -> float:
    """How close a name is to what was typed: edit distance, or a part of a longer name.

    A shorter name inside what was typed ("at" in "Mimikats") is no suggestion, unless it is the
    whole of what was typed but a word more ("MuddyWater" for "MuddyWater APT"); what was typed
    inside a longer name ("LSASS" in "LSASS Memory") is.
    """
    score = fuzz.ratio(query, choice)
    # Two typos only in a name of ten letters or more: in a shorter one they make another name
    # ("SOLOSHRED" is not "SQLShred").
    if DamerauLevenshtein.distance(query, choice) > (1 if len(query) < 10 else round(len(query) / 5)):
        score = 0.0  # more than a typo or two apart ("ORCSHRED" is not "Orchard")
    if len(choice) >= 4 and query.startswith(choice + " ") and _qualifies(query[len(choice) + 1 :]):
        # The name and a word more ("Mimikatz 2.2", "MuddyWater APT"): a suggestion, but behind a
        # typo of the whole name ("Cobalt Kity" is Cobalt Kitty, not Cobalt Group's "Cobalt").
        score = max(score, PREFIX_SCORE)
    if len(choice) > len(query):
        part = fuzz.partial_ratio(query, choice)
        if part >= 90:  # what was typed, all but a letter, inside the name ("ater" in "updater" is not)
            score = max(score, 0.9 * part)
    return score


SEVERAL_TECHNIQUES = "one entry names several techniques"
# The reason given for a full name whose sub-technique part is misspelt.
NO_SUCH_SUB_TECHNIQUE = "has no sub-technique named"
_TRAILING_VERSION = re.compile(
    r"\s+v?(\d{1,6}(?:\.\d{1,6}){0,4})$", re.IGNORECASE
)  # no 5,000-digit "version"


def _version_key(text: str) -> tuple[int, ...]:
    """A version to compare: "3" = "3.0" = "3.0.0"."""
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _other_kind(name: str, kind: str) -> bool:
    """Whether a program's name says it is another kind than ``kind`` ("Ryuk Stealer", not ransomware)."""
    last = name.split()[-1].casefold() if name.split() else ""
    return last in FAMILY_KINDS and last != kind


def _software_shown(record: SoftwareRecord, name: str) -> str:
    """A software suggestion as shown: its name and ATT&CK id, and the alias that was close when
    it was one ("Poldat, an alias of ZLib (S0086)": a bare "ZLib" for "COLDCAT" reads as nonsense)."""
    own = f"{record.name} ({record.id})" if record.origin == "attack" else record.name
    return own if normalize_name(name) == normalize_name(record.name) else f"{name}, an alias of {own}"


# A suggestion must be close to what was typed (a typo, a missing letter, part of a longer name),
# and close to the best one: "AnyDesk", a tool the KB does not have, suggested SeaDuke and Hades.
SUGGESTION_CUTOFF = 75
# The score of a name that what was typed starts with (below a typo's, beyond SUGGESTION_SPREAD of it).
PREFIX_SCORE = 80.0


def _qualifies(rest: str) -> bool:
    """Whether the words after a name only qualify it (a version, "APT", "loader")."""
    words = rest.split()
    return bool(words) and all(
        w in QUALIFIER_WORDS or re.fullmatch(r"v?\d+", w) for w in words
    )  # "2 2", "v3"


SUGGESTION_SPREAD = 12


def _loose(name: str) -> str:
    """A report's name with case and spacing set aside."""
    return " ".join(name.split()).casefold()


_SEPARATORS = re.compile(r"\s*(?:[/,;&+|]|\band\b)\s*", re.IGNORECASE)


def _each_named(name: str, choices: list[tuple[str, str]]) -> list[str]:
    """The names an entry of several names holds, each exactly ("Lazarus Andariel", "APT33/APT35",
    "Sandworm and APT28"): one entry is one name; the suggestion says which ones it held."""
    pieces = [p for p in _SEPARATORS.split(name) if p.strip()]
    if len(pieces) < 2:
        pieces = name.split()
    if len(pieces) < 2:
        return []
    exact: dict[str, str] = {}
    for text, shown in choices:
        exact.setdefault(_loose(text), shown)
    named: dict[str, str] = {}
    for piece in pieces:
        key = _loose(piece)
        if len(key) >= 4 and key not in QUALIFIER_WORDS and key in exact:
            named.setdefault(exact[key].casefold(), exact[key])
    return list(named.values()) if len(named) >= 2 else []


def _closest_named(name: str, choices: list[tuple[str, str]], limit: int = 5) -> list[str]:
    """The closest names as shown (``(name, shown)`` pairs): each shown once, best first."""
    if not choices:
        return []
    texts = [text for text, _ in choices]
    found = process.extract(
        name, texts, scorer=_name_score, processor=utils.default_process, limit=limit * 3,
        score_cutoff=SUGGESTION_CUTOFF,
    )  # fmt: skip
    if not found:
        return _each_named(name, choices)[:limit]
    best = found[0][1]
    shown: dict[str, str] = {}
    for _, score, index in found:  # "Fancy Bear" and "FANCY BEAR" are one suggestion
        if score < best - SUGGESTION_SPREAD:  # far behind the best: a different name, not a typo of it
            break
        shown.setdefault(choices[index][1].casefold(), choices[index][1])
    return list(shown.values())[:limit]
