"""Compile ATT&CK and the MISP galaxies into the knowledge-base document.

The result is a plain dict (written by :mod:`unmask.knowledge.store`) that
keeps the ATT&CK graph with citations, the merged actors with the reason for
every merge, and the conflicts the merge refused to paper over.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from unmask import __version__
from unmask.knowledge.aliases import (
    MergedGroup,
    core_name,
    family_core,
    family_name,
    group_cores,
    merge_entries,
    normalize_name,
)
from unmask.knowledge.attack import AttackData
from unmask.knowledge.attack_text import read_description
from unmask.knowledge.entries import SOURCE_LABELS, NameEntry
from unmask.knowledge.misp import GalaxyData
from unmask.knowledge.records import (
    SCHEMA_VERSION,
    Conflict,
    Relation,
    SoftwareRecord,
    SourceInfo,
    SourceLink,
)
from unmask.model import Actor, SponsorClaim

__all__ = ["SCHEMA_VERSION", "compile_kb"]

_SLUG = re.compile(r"[^0-9a-z]+")
_NAME_KEYS = {
    "attack": "ATT&CK",
    "attack-revoked": "ATT&CK",
    "misp": "MISP",
    "microsoft": "Microsoft",
    "tidal": "Tidal",
}


def _attack_entries(attack: AttackData) -> list[NameEntry]:
    entries = []
    for group in attack.groups.values():
        if group.revoked_by:
            entries.append(
                NameEntry(
                    source="attack-revoked",
                    key=group.id,
                    name=group.name,
                    aliases=group.aliases,
                    attack_links=(group.revoked_by,),
                )
            )
        else:
            facts = read_description(group.description)
            entries.append(
                NameEntry(
                    source="attack",
                    key=group.id,
                    name=group.name,
                    aliases=group.aliases,
                    sponsor_claims=facts.claims,
                    motivations=facts.motivations,
                    since=facts.since,
                    description=group.description,
                )
            )
    return entries


def _actor_id(group: MergedGroup, taken: set[str]) -> str:
    attack = group.first("attack")
    if attack is not None:
        return attack.key
    primary = group.primary
    prefix = {"misp": "misp", "microsoft": "microsoft", "tidal": "tidal"}.get(primary.source, "x")
    base = f"{prefix}:{_SLUG.sub('-', primary.name.lower()).strip('-') or 'unnamed'}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _names_sponsor(claim: SponsorClaim) -> bool:
    """Whether a claim says a state is behind the group (not merely where it is from)."""
    return claim.basis.startswith(("state sponsor", "suspected state sponsor"))


def _decide_sponsor(claims: list[SponsorClaim], motivations: list[str]) -> tuple[str | None, str | None]:
    """The sponsor state and a confidence level from the claims of all sources.

    An explicit "suspected state sponsor" claim decides; agreement of other
    sources raises confidence, disagreement lowers it.  Without one, a shared
    country of origin is taken as the sponsor at low confidence unless the
    group is only financially motivated (a criminal group, not a state's).
    """
    criminal = bool(motivations) and set(motivations) <= {"financial"}
    # For a group whose only motive is money, CFR's "suspected state sponsor" says where it works
    # from (Wizard Spider: "Russia"), not who directs it: read as a country of origin, as TA505's
    # and FIN7's are.  A description that calls the group state-sponsored still names its state.
    demoted = [c for c in claims if criminal and c.basis.startswith("suspected state sponsor")]
    explicit = Counter(c.state for c in claims if _names_sponsor(c) and c not in demoted)
    origin = Counter(c.state for c in claims if not _names_sponsor(c) or c in demoted)
    if explicit:
        state = explicit.most_common(1)[0][0]
        disagree = [s for s in set(explicit) | set(origin) if s != state]
        agreeing_sources = {c.source for c in claims if c.state == state}
        if disagree:
            return state, "low"
        return state, "high" if len(agreeing_sources) >= 2 and origin[state] else "moderate"
    if not origin:
        return None, None
    if criminal:
        return None, None
    state, votes = origin.most_common(1)[0]
    if len(origin) > 1:
        return state, "low"
    return state, "low" if votes < 2 else "moderate"


def _dedupe(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.strip().lower(), value.strip())
    return [v for v in seen.values() if v]


def _build_actor(actor_id: str, group: MergedGroup) -> tuple[Actor, list[Conflict]]:
    names: dict[str, list[str]] = {}
    for entry in group.entries:
        bucket = names.setdefault(_NAME_KEYS.get(entry.source, entry.source), [])
        for name in (entry.name, *entry.aliases):
            if name not in bucket:
                bucket.append(name)
    claims = [c for e in group.entries for c in e.sponsor_claims]
    motivations = _dedupe([m for e in group.entries for m in e.motivations])
    sponsor, confidence = _decide_sponsor(claims, motivations)
    conflicts = []
    states = sorted({c.state for c in claims})
    if len(states) > 1:
        conflicts.append(
            Conflict(
                "sponsor",
                group.primary.name,
                tuple(f"{c.source} ({c.basis}): {c.state}" for c in claims),
                f"sources disagree on the state behind {group.primary.name}: {', '.join(states)}",
            )
        )
    victims: dict[str, list[str]] = {}
    sectors: dict[str, list[str]] = {}
    for entry in group.entries:
        label = SOURCE_LABELS.get(entry.source, entry.source)
        for code in entry.victim_countries:
            if label not in victims.setdefault(code, []):
                victims[code].append(label)
        for sector in entry.sectors:
            key = next((k for k in sectors if k.lower() == sector.strip().lower()), sector.strip())
            if label not in sectors.setdefault(key, []):
                sectors[key].append(label)
    since = [e.since for e in group.entries if e.since]
    description = next((e.description for e in group.entries if e.source == "attack" and e.description), "")
    description = description or next((e.description for e in group.entries if e.description), "")
    attack = group.first("attack")
    actor = Actor(
        id=actor_id,
        name=group.primary.name,
        names=names,
        attack_id=attack.key if attack else None,
        sponsor=sponsor,
        sponsor_confidence=confidence,
        sponsor_claims=claims,
        motivations=motivations,
        victim_countries=victims,
        victim_sectors=sectors,
        active_years=(min(since), min(since)) if since else None,
        merge_reasons=list(group.reasons),
        description=description,
    )
    return actor, conflicts


def _related(
    groups: list[MergedGroup], ids: list[str], stix_to_id: dict[str, str]
) -> list[list[tuple[str, str]]]:
    """For each group, the other actors its MISP relations point at, with the relation type."""
    owner: dict[str, int] = {}
    for index, group in enumerate(groups):
        for entry in group.entries:
            owner[entry.key] = index
    for attack_uuid, attack_id in stix_to_id.items():
        if attack_id in owner:
            owner.setdefault(attack_uuid, owner[attack_id])
    result = []
    for index, group in enumerate(groups):
        links: dict[str, str] = {}
        for entry in group.entries:
            pairs = [(peer, "similar") for peer in entry.peer_links] + list(entry.related)
            for dest, kind in pairs:
                other = owner.get(dest)
                if other is not None and other != index:
                    links.setdefault(ids[other], kind)
        result.append(sorted(links.items()))
    return result


def _software(
    attack: AttackData, galaxies: GalaxyData
) -> tuple[dict[str, SoftwareRecord], dict[str, str], dict[str, list[str]]]:
    """Every software record, the galaxies' merged into ATT&CK's by id or name; each galaxy
    record's id -> the id of the record it became; and each ATT&CK record's names the galaxies
    gave it."""
    records = dict(attack.software)
    by_name: dict[str, str] = {}
    for record in records.values():
        for name in (record.name, *record.aliases):
            by_name.setdefault(normalize_name(name), record.id)
    own = {normalize_name(record.name): record.id for record in records.values()}
    # What goes by each core name ("medusa": MEDUSA, Medusa Ransomware, Medusa (Windows)), and the
    # platform builds of each name ("clop": Clop (ELF), Clop (Windows)).
    cores: dict[str, set[str]] = {}
    builds: dict[str, set[str]] = {}
    for record in (*records.values(), *galaxies.software):
        for name in (record.name, *record.aliases):
            cores.setdefault(family_core(name), set()).add(normalize_name(record.name))
        if record.origin == "malpedia" and record.name.rstrip().endswith(")"):
            builds.setdefault(normalize_name(family_name(record.name)), set()).add(
                normalize_name(record.name)
            )
    # What names each record outright: the ATT&CK id its source gives it, or its names.
    named: dict[str, str | None] = {}
    lines: dict[str, list[SoftwareRecord]] = {}  # Malpedia's families of each name ("Chaos (ELF)" ...)
    for family in galaxies.software:
        match = galaxies.software_attack_ids.get(family.id)
        if match not in records:
            match = _most_named([normalize_name(n) for n in (family.name, *family.aliases)], by_name, own)
        named[family.id] = match
        if family.origin == "malpedia":
            lines.setdefault(normalize_name(family_name(family.name)), []).append(family)
    became: dict[str, str] = {}
    merged: dict[str, list[str]] = {}
    added: dict[str, str] = {}  # names of the galaxies' records that joined no ATT&CK record
    bare: dict[str, str] = {}  # the same without platform or kind ("Rhysida" for "Rhysida (Windows)")
    for family in galaxies.software:
        keys = [normalize_name(n) for n in (family.name, *family.aliases)]
        match = named[family.id]
        if match is None and family.origin == "malpedia" and family.name.rstrip().endswith(")"):
            # A platform's build of a program ATT&CK has by that very name is that program, when
            # nothing else goes by the name and the sources tie them (_build_of): Malpedia's "Clop
            # (ELF)", called Cl0p, is ATT&CK's Clop; "Medusa (Windows)" is no build of ATT&CK's
            # MEDUSA rootkit while Medusa Ransomware is.
            base = normalize_name(family_name(family.name))
            if (
                base in own
                and cores.get(family_core(family.name), set()) <= {base} | builds.get(base, set())
                and _build_of(family, own[base], lines[base], named, attack, galaxies)
            ):
                match = own[base]
        if match is None and family.origin == "tidal":
            # Tidal's own entries join a Malpedia family of the same name (Malpedia's families are
            # each their own, as they always were), and by the name without platform or kind
            # ATT&CK's software ("VIRTUALPITA (VMware ESXi)", "Akira (Linux/ESXi)") or else
            # Malpedia's ("Rhysida Ransomware" the family Malpedia calls "Rhysida (Windows)").
            core = normalize_name(family_name(family.name, kind=True))
            match = next((added[k] for k in keys if k in added), by_name.get(core) or bare.get(core))
        if match is None and family.id in galaxies.software_parents:
            # A module of a program the KB knows is that program (Impacket's secretsdump).
            match = by_name.get(normalize_name(galaxies.software_parents[family.id]))
        if match is None:
            records[family.id] = family
            became[family.id] = family.id
            for key in keys:
                added.setdefault(key, family.id)
            # Malpedia's side keeps its kind: Tidal's Terminator (an EDR killer) is not "Terminator RAT".
            key = normalize_name(family_name(family.name))
            if key not in bare or family.name.endswith("(Windows)"):  # the family a name resolves to
                bare[key] = family.id
            continue
        became[family.id] = match
        known = records[match]
        extra = tuple(a for a in (family.name, *family.aliases) if a not in known.aliases and a != known.name)
        # Kept apart: a name ATT&CK gives another of its programs stays that program's first
        # (Malpedia's Snake is EKANS, but ATT&CK calls Uroburos Snake; store.py: software_names).
        merged.setdefault(match, []).extend(extra)
        records[match] = SoftwareRecord(known.id, known.name, known.kind, known.aliases + extra)
    return records, became, merged


# The platform in the name of a Malpedia family ("Chaos (ELF)") as ATT&CK names it.
_PLATFORMS = {"Windows": "Windows", "ELF": "Linux", "OS X": "macOS", "Android": "Android", "iOS": "iOS"}
_QUALIFIER = re.compile(r"\(([^()]*)\)\s*$")
# The name of a report's page ("following-trail-blacktech-cyber-espionage-campaigns"), which stays
# when its site moves it (blog.trendmicro.com to www.trendmicro.com/en_us/research/17/f/...).
_PAGE_NAME = re.compile(r"/([a-z0-9]+(?:[-_][a-z0-9]+){2,})(?:\.[a-z]{2,5})?/?(?:[?#].*)?$")


def _reports(urls: tuple[str, ...]) -> set[str]:
    """Keys of the reports at ``urls``: each address without scheme, ``www.`` or a trailing
    slash, and the name of its page."""
    keys = set()
    for url in urls:
        key = re.sub(r"^[a-z]+://", "", url.strip().casefold()).removeprefix("www.").rstrip("/")
        keys.add(key)
        page = _PAGE_NAME.search(key)
        if page:
            keys.add("page:" + page.group(1))
    return keys


def _build_of(
    family: SoftwareRecord,
    program: str,
    line: list[SoftwareRecord],
    named: dict[str, str | None],
    attack: AttackData,
    galaxies: GalaxyData,
) -> bool:
    """Whether Malpedia's ``family``, named as a build of ATT&CK's ``program`` ("Clop (ELF)" for
    Clop), is that program; ``line``: Malpedia's families of the name, ``family`` among them.

    It is when a family of the line is tied to the program by a report both cite or by a name
    (Clop (Windows) shares a report with ATT&CK's Clop: Clop (ELF) is its Linux build), or when the
    line is one program (its families share reports, or it has one) and one of them is of a
    platform ATT&CK gives the program.  Malpedia's Chaos (Windows), the ransomware, and Chaos
    (ELF), a Go bot of 2022, share no report with each other or with ATT&CK's Chaos, the Linux
    backdoor of 2018: the name alone, or Linux alone, does not make either of them that one.
    """
    cited = _reports(attack.software_reports.get(program, ()))
    reports = {member.id: _reports(galaxies.software_reports.get(member.id, ())) for member in line}
    if any(named[member.id] == program or reports[member.id] & cited for member in line):
        return True
    platforms = attack.software_platforms.get(program, ())
    if not any(
        (qualifier := _QUALIFIER.search(member.name)) and _PLATFORMS.get(qualifier.group(1)) in platforms
        for member in line
    ):
        return False
    # One program: every family of the line reaches the others through reports they share.
    reached, frontier = {family.id}, [family.id]
    while frontier:
        current = reports[frontier.pop()]
        for member in line:
            if member.id not in reached and reports[member.id] & current:
                reached.add(member.id)
                frontier.append(member.id)
    return len(reached) == len(line)


def _most_named(keys: list[str], by_name: dict[str, str], own: dict[str, str]) -> str | None:
    """The record whose own name is the family's (``keys[0]``; ``own``: record names -> ids):
    Malpedia's Komplex is Komplex, whatever its other names say; else the one most of the family's
    names name: Malpedia's EternalPetya, which lists BadRabbit among NotPetya's names, is
    NotPetya, not Bad Rabbit, and its Snake (EKANS, SNAKEHOSE) is EKANS, though ATT&CK gives
    Uroburos the other name Snake."""
    if keys and keys[0] in own:
        return own[keys[0]]
    counts: dict[str, int] = {}
    for key in dict.fromkeys(keys):  # a name written twice is one name
        if key in by_name:
            counts[by_name[key]] = counts.get(by_name[key], 0) + 1
    return max(counts, key=lambda record: counts[record]) if counts else None


def _software_links(
    attack: AttackData,
    galaxies: GalaxyData,
    groups: list[MergedGroup],
    ids: list[str],
    became: dict[str, str],
) -> list[SourceLink]:
    """The galaxies' group-uses-software links, and the CVEs their descriptions name, that ATT&CK
    does not already make.

    A link is the actor's (the merged group its source's entry joined); one ATT&CK makes for the
    actor's ATT&CK group, a revoked one or a campaign attributed to it is left to ATT&CK, which
    cites its reports.
    """
    actor_of = {entry.key: ids[i] for i, group in enumerate(groups) for entry in group.entries}
    named = {entry.key: entry.name for group in groups for entry in group.entries}
    attributed: dict[str, list[str]] = {}
    for rel in attack.relations:
        if rel.kind == "attributed-to":
            attributed.setdefault(rel.source, []).append(rel.target)
    made: set[tuple[str, str]] = set()
    for rel in attack.relations:
        if rel.kind == "uses" and rel.target in attack.software:
            for group in [rel.source] if rel.source in attack.groups else attributed.get(rel.source, []):
                if group in actor_of:
                    made.add((actor_of[group], rel.target))
    links: dict[tuple[str, str], SourceLink] = {}
    for source, group_key, record_id in galaxies.software_links:
        actor, software = actor_of.get(group_key), became.get(record_id)
        if actor is None or software is None or (actor, software) in made:
            continue
        label = SOURCE_LABELS.get(source, source)
        links.setdefault(
            (actor, software), SourceLink(actor, software, source, f"{label}: {named[group_key]}")
        )
    # The CVEs a group's description names, where ATT&CK's links do not name them for the actor.
    exploited: set[tuple[str, str]] = set()
    for rel in attack.relations:
        for group in [rel.source] if rel.source in attack.groups else attributed.get(rel.source, []):
            if group in actor_of:
                exploited.update((actor_of[group], cve) for cve in rel.cves)
    for index, merged in enumerate(groups):
        for entry in merged.entries:
            for cve in entry.cves:
                if (ids[index], cve) not in exploited:
                    label = SOURCE_LABELS.get(entry.source, entry.source)
                    links.setdefault(
                        (ids[index], cve), SourceLink(ids[index], cve, entry.source, f"{label}: {entry.name}")
                    )
    return sorted(links.values(), key=lambda link: (link.actor, link.item))


def _namesake_links(
    attack: AttackData,
    galaxies: GalaxyData,
    software: dict[str, SoftwareRecord],
    groups: list[MergedGroup],
    ids: list[str],
    links: list[SourceLink],
) -> list[SourceLink]:
    """Malpedia families no source ties to a group, named after exactly one group: Malpedia names
    families after the groups they belong to ("Kimsuky", "Konni (Windows)" and Opal Sleet), and
    ransomware crews are named after their payload ("LockBit (Windows)" and LockBit's
    affiliates). Each is a link of its own source, ``namesake``.

    A shared name is not enough where the family's description says otherwise: it must have none,
    name the group by another of its names, or call the family ransomware of a group that works
    for money ("Medusa (Windows)", a DDoS bot, is not Medusa Group's; "Chimera", ransomware, not
    the Chinese espionage group's), nor a locker of a group that does not work for money ("Sauron
    Locker"). Mobile families, and brackets that name no platform ("Hive (Vault 8)"), are left out.
    """
    linked = {link.item for link in links} | {
        rel.target for rel in attack.relations if rel.kind == "uses" and rel.target in attack.software
    }
    holders: dict[str, set[int]] = {}
    for index, group in enumerate(groups):
        for key in group_cores(n for e in group.entries for n in (e.name, *e.aliases)):
            holders.setdefault(key, set()).add(index)
    found: list[SourceLink] = []
    for record in software.values():
        description = galaxies.software_descriptions.get(record.id)
        if description is None or record.id in linked or _NOT_A_PLATFORM.search(record.name):
            continue
        family = family_core(record.name)
        owners = holders.get(family, set())
        if len(owners) != 1:
            continue
        index = next(iter(owners))
        group = groups[index]
        others = {
            n for e in group.entries for n in (e.name, *e.aliases) if core_name(n) != family and len(n) >= 4
        }
        for_money = not any(c.state for e in group.entries for c in e.sponsor_claims) and any(
            "financial" in e.motivations for e in group.entries
        )
        ransomware = family_name(record.name) != family_name(record.name, kind=True) and re.search(
            r"(?:ransomware|locker)$", record.name, re.IGNORECASE
        )
        if ransomware and not for_money:
            continue  # "Sauron Locker" is no payload of ProjectSauron's
        if (
            not description
            or any(re.search(rf"\b{re.escape(n)}\b", description, re.IGNORECASE) for n in others)
            or (for_money and re.search(r"\bransomware\b", description, re.IGNORECASE))
        ):
            found.append(SourceLink(ids[index], record.id, "namesake", f"Namesake: {group.primary.name}"))
    return sorted(found, key=lambda link: (link.actor, link.item))


# A bracket that is no desktop or server platform: mobile families, and "Hive (Vault 8)", the
# CIA's Hive rather than the ransomware.
_NOT_A_PLATFORM = re.compile(
    r"\((?!(?:Windows|ELF|OS X|macOS|Linux|ESXi|PowerShell|Python|Go)\))[^)]*\)$", re.I
)


def compile_kb(attack: AttackData, attack_info: SourceInfo, galaxies: GalaxyData) -> dict[str, Any]:
    """Build the KB document from parsed sources."""
    stix_to_id = {g.stix_id.split("--", 1)[-1]: g.id for g in attack.groups.values()}
    for misp_uuid, attack_id in galaxies.mitre_uuid_to_id.items():
        stix_to_id.setdefault(misp_uuid, attack_id)
    entries = _attack_entries(attack) + galaxies.entries
    groups, conflicts = merge_entries(entries, stix_to_id)
    groups.sort(key=lambda g: (g.first("attack") is None, g.primary.name.lower()))
    taken: set[str] = set()
    ids = []
    for group in groups:
        ids.append(_actor_id(group, taken))
        taken.add(ids[-1])
    related = _related(groups, ids, stix_to_id)
    actors = []
    for actor_id, group, peers in zip(ids, groups, related, strict=True):
        actor, found = _build_actor(actor_id, group)
        actor.related = peers
        actors.append(actor)
        conflicts.extend(found)
    conflicts.extend(galaxies.conflicts)
    software, became, merged_names = _software(attack, galaxies)
    uses = _software_links(attack, galaxies, groups, ids, became)
    uses += _namesake_links(attack, galaxies, software, groups, ids, uses)
    # Tidal's own entries that no group uses (most are Windows binaries LOLBAS lists: Remote,
    # Print, Url) say nothing about who, and their names would be read in reports as software.
    used = {link.item for link in uses}
    software = {k: r for k, r in software.items() if r.origin != "tidal" or k in used}
    _relate_affiliates(actors, software, attack.relations, uses)
    return {
        "schema": SCHEMA_VERSION,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "unmask_version": __version__,
        "attack_version": attack.version,
        "sources": [attack_info.to_dict()] + [s.to_dict() for s in galaxies.sources],
        "attack_counts": attack.counts,
        "techniques": [t.to_dict() for t in attack.techniques.values()],
        "retired": attack.retired,
        "citation_aliases": attack.citation_aliases,
        "software": [s.to_dict() for s in software.values()],
        "software_merged_names": {k: v for k, v in merged_names.items() if k in software and v},
        "campaigns": [c.to_dict() for c in attack.campaigns.values()],
        "groups": [g.to_dict() for g in attack.groups.values()],
        "relations": [
            [r.source, r.kind, r.target, list(r.citations), list(r.cves)] for r in attack.relations
        ],
        "links": [link.to_row() for link in uses],
        "actors": [a.to_dict() for a in actors],
        "technique_phrases": _technique_phrases(attack),
        "conflicts": [c.to_dict() for c in conflicts],
    }


# An affiliate programme's cluster, named after its ransomware: "BlackCat Ransomware Actors &
# Affiliates", "LockBit Affiliates", "Akira RaaS".
_PROGRAMME = re.compile(
    r"^(?P<brand>.+?)\s+(?:(?:ransomware\s+)?(?:actors?\s*(?:&|and)\s*)?affiliates?|raas(?:\s+affiliates?)?)$",
    re.I,
)


_VERSION_TAIL = re.compile(r"\s+v?\d+(?:\.\d+)*$")


def _relate_affiliates(
    actors: list[Actor],
    software: dict[str, SoftwareRecord],
    relations: list[Relation],
    uses: list[SourceLink],
) -> None:
    """Relate an affiliate programme's cluster to each group known to deploy its ransomware
    (Scattered Spider and "BlackCat Ransomware Actors & Affiliates", through BlackCat): an
    affiliate's intrusion is the programme's too, so the two are no rival actors nor is the
    programme's tool a plant against the affiliate."""
    names: dict[str, set[str]] = {}
    for record in software.values():
        for name in (record.name, *record.aliases):
            plain = family_name(name, kind=True)
            names.setdefault(normalize_name(plain), set()).add(record.id)
            # a version of the brand's ransomware ("LockBit 3.0", "LockBit 2.0") is the brand's
            names.setdefault(normalize_name(_VERSION_TAIL.sub("", plain)), set()).add(record.id)
    deploys: dict[str, set[str]] = {}
    for relation in relations:
        if relation.kind == "uses" and relation.target in software:
            deploys.setdefault(relation.source, set()).add(relation.target)
    for link in uses:
        deploys.setdefault(link.actor, set()).add(link.item)
    for programme in actors:
        match = _PROGRAMME.match(programme.name.strip())
        brand = (
            names.get(normalize_name(family_name(match.group("brand"), kind=True)), set()) if match else set()
        )
        if not brand:
            continue
        known = {ident for ident, _ in programme.related}
        for actor in actors:
            if actor is programme or actor.id in known or not deploys.get(actor.id, set()) & brand:
                continue
            programme.related.append((actor.id, "affiliate"))
            actor.related.append((programme.id, "affiliate of"))


def _technique_phrases(attack: AttackData) -> dict[str, str]:
    """Phrases that name techniques in report prose, learned from every procedure example."""
    from unmask.extract.phrases import attack_name_words, learn_phrases

    examples = ((text, technique) for technique, text, _ in attack.procedures)
    return learn_phrases(examples, exclude=attack_name_words(attack))
