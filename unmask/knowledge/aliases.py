"""Merge the groups of several sources into one actor per real group.

Method: every entry (an ATT&CK group, a MISP threat-actor cluster, a Microsoft
activity group, a Tidal group) is a node.  Edges join entries that the sources
say are the same group, strongest first:

0. an explicit id: a source names the ATT&CK group id (Tidal's ``group_attack_id``,
   a ``G0049`` among MISP synonyms, a MISP ``similar`` relation to the ATT&CK object);
1. an ATT&CK anchor: the entry's own name is the name or an alias that ATT&CK gives to
   exactly one group (Microsoft's "Hazel Sandstorm" is OilRig's, whatever MISP links it to);
2. an explicit ``similar`` relation between two MISP clusters;
3. the same primary name; 4. a primary name equal to the other's alias;
5. a shared alias;
6. the same primary name (or an alias ATT&CK gives to one group) once words that only say
   "a group" are dropped from its end (Tidal's "Medusa Ransomware Actors" is ATT&CK's "Medusa
   Group", its "RansomHub Ransomware Actors" MISP's "RansomHub", its "Seashell Blizzard
   Subgroup" Sandworm Team, whom ATT&CK also calls Seashell Blizzard).

Edges are applied in that order with a union-find, under one rule: an actor
never holds two entries of the same source (two ATT&CK groups, two MISP
clusters...).  An edge that would break the rule is not applied; it is
reported as a conflict instead, and so is a name that one source gives to two
of its groups.  The one exception is the anchor: a source that describes one
ATT&CK group twice (Microsoft's "STRONTIUM" and, after its renaming, "Forest
Blizzard"; MISP's "APT35" and "Charming Kitten") has both entries in that
group's actor, unless the entry names another state than the group's sources
do (MISP's Iranian "IRIDIUM" is not Sandworm's alias) or none of its other names is
the group's.  Every applied edge is
kept as the reason for the merge.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from unmask.knowledge.entries import SOURCE_LABELS, NameEntry
from unmask.knowledge.records import Conflict

__all__ = [
    "FAMILY_KINDS",
    "MergedGroup",
    "core_name",
    "family_core",
    "family_name",
    "group_cores",
    "group_stem",
    "merge_entries",
    "normalize_name",
]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_EXCLUSIVE = {"attack", "misp", "microsoft", "tidal"}
_SOURCE_ORDER = ("attack", "misp", "microsoft", "tidal", "attack-revoked")


def normalize_name(name: str) -> str:
    """The form under which two names count as the same: lower case, letters and digits only
    (after Unicode compatibility folding: full-width "ＡＰＴ２８" is APT28)."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", name).lower())


@dataclass
class MergedGroup:
    """The entries that describe one real group, and why they were merged."""

    entries: list[NameEntry]
    reasons: list[str] = field(default_factory=list)

    def first(self, source: str) -> NameEntry | None:
        """The entry of ``source`` in this group, if any."""
        return next((e for e in self.entries if e.source == source), None)

    @property
    def primary(self) -> NameEntry:
        """The entry whose name becomes the actor's canonical name."""
        for source in _SOURCE_ORDER:
            entry = self.first(source)
            if entry is not None:
                return entry
        return self.entries[0]


@dataclass(frozen=True, order=True)
class _Edge:
    strength: int
    # 0 when the two entries also share a name: among explicit links of equal
    # strength, those whose names agree are applied first.
    disagreement: int
    left: int
    right: int
    reason: str
    subject: str
    anchor: bool = False  # may join a second entry of a source (see the module's docstring)


class _UnionFind:
    def __init__(self, entries: list[NameEntry]) -> None:
        self.parent = list(range(len(entries)))
        self.sources: list[dict[str, int]] = [
            {e.source: i} if e.source in _EXCLUSIVE else {} for i, e in enumerate(entries)
        ]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def clash(self, a: int, b: int) -> str | None:
        """The source both components already hold an entry of, if any."""
        left, right = self.sources[a], self.sources[b]
        return next((s for s in left if s in right), None)

    def holds_both(self, a: int, b: int, source: str) -> bool:
        """Whether both components already hold an entry of ``source``."""
        return source in self.sources[a] and source in self.sources[b]

    def union(self, a: int, b: int) -> None:
        self.parent[b] = a
        self.sources[a].update(self.sources[b])
        self.sources[b] = {}


def _names(entry: NameEntry) -> Iterable[tuple[str, bool]]:
    yield entry.name, True
    for alias in entry.aliases:
        yield alias, False


def _name_edges(entries: list[NameEntry], conflicts: list[Conflict]) -> list[_Edge]:
    claims: dict[str, list[tuple[int, bool, str]]] = {}
    for index, entry in enumerate(entries):
        seen: set[str] = set()
        for name, primary in _names(entry):
            key = normalize_name(name)
            if len(key) < 3 or key in seen:
                continue
            seen.add(key)
            claims.setdefault(key, []).append((index, primary, name))
    edges: list[_Edge] = []
    for holders in claims.values():
        by_source: dict[str, list[tuple[int, bool, str]]] = {}
        for holder in holders:
            by_source.setdefault(entries[holder[0]].source, []).append(holder)
        for source, same in by_source.items():
            if source in _EXCLUSIVE and len(same) > 1:
                parties = tuple(sorted(entries[i].label for i, _, _ in same))
                conflicts.append(
                    Conflict(
                        "alias-collision",
                        same[0][2],
                        parties,
                        f"{SOURCE_LABELS[source]} gives the name {same[0][2]!r} to {len(same)} different groups",
                    )
                )
        for i, (left, left_primary, left_name) in enumerate(holders):
            for right, right_primary, right_name in holders[i + 1 :]:
                if entries[left].source == entries[right].source:
                    continue
                strength = 5 - int(left_primary) - int(right_primary)
                kind = {3: "same name", 4: "name matches alias", 5: "shared alias"}[strength]
                reason = f"{entries[left].label} = {entries[right].label}: {kind} {left_name!r}"
                if normalize_name(left_name) == normalize_name(right_name) and left_name != right_name:
                    reason += f" / {right_name!r}"
                edges.append(_Edge(strength, 0, left, right, reason, left_name))
    return edges


# Words at the end of a group's name that say only that it is a group (or a ransomware crew).
_GROUP_WORDS = re.compile(
    r"(?:\s+(?:ransomware|actors?|affiliates?|group|subgroup|gang|team|crew|operators?|&|and))+\s*$",
    re.IGNORECASE,
)


# Words that name a family's kind at the end of its name ("Maui Ransomware", "Tiger RAT").
FAMILY_KINDS = ("ransomware", "rat", "backdoor", "loader", "stealer", "wiper")
_PARENTHESIS = re.compile(r"\s*\([^)]*\)\s*$")  # "(Windows)", "(Payload)"
_VERSION = re.compile(r"\s+v?\d+(?:\.\d+)*$", re.IGNORECASE)  # "3.0", "v2"
_KIND = re.compile(rf"\s+(?:{'|'.join(FAMILY_KINDS)}|locker|malware)$", re.IGNORECASE)


def family_name(name: str, *, kind: bool = False, version: bool = False) -> str:
    """A family's name without what follows it in brackets ("Rhysida (Windows)"), and with
    ``kind`` and ``version`` the words for its kind and its version too ("LockBit 3.0",
    "Medusa Ransomware")."""
    text, previous = name.strip(), None
    while text != previous:
        previous = text
        text = _PARENTHESIS.sub("", text)
        if version:
            text = _VERSION.sub("", text)
        if kind:
            text = _KIND.sub("", text)
    return text.strip() or name


def family_core(name: str) -> str:
    """A family's name without platform, version or kind, normalised ("LockBit 3.0" -> "lockbit")."""
    return normalize_name(family_name(name, kind=True, version=True))


def group_cores(names: Iterable[str]) -> set[str]:
    """The core names (:func:`core_name`) of a group's names, those of four characters or more: what
    a family named after the group is named ("LockBit" of LockBit's affiliates)."""
    return {core for name in names if len(core := core_name(name)) >= 4}


def group_stem(name: str) -> str:
    """A group's name without the words at its end that say it is a group ("Medusa Group",
    "LockBit Ransomware Actors & Affiliates" -> "LockBit")."""
    return _GROUP_WORDS.sub("", name).strip()


def core_name(name: str) -> str:
    """:func:`group_stem`, normalised."""
    return normalize_name(group_stem(name))


def _core_edges(entries: list[NameEntry]) -> list[_Edge]:
    """Entries whose primary names are the same once the words that say "a group" are dropped."""
    holders: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        core = _GROUP_WORDS.sub("", entry.name).strip()
        key = normalize_name(core)
        if len(key) >= 4 and core != entry.name.strip():
            holders.setdefault(key, []).append(index)
    for index, entry in enumerate(entries):  # a name that is already the bare core ("RansomHub")
        key = normalize_name(entry.name)
        if key in holders and index not in holders[key]:
            holders[key].append(index)
    # Or an alias ATT&CK gives to one group ("Seashell Blizzard Subgroup" is Sandworm Team's).
    owners: dict[str, set[int]] = {}
    for index, entry in enumerate(entries):
        if entry.source == "attack":
            for alias in entry.aliases:
                owners.setdefault(normalize_name(alias), set()).add(index)
    for key, found in owners.items():
        if key in holders and len(found) == 1 and not found & set(holders[key]):
            holders[key].extend(found)
    edges: list[_Edge] = []
    for same in holders.values():
        for i, left in enumerate(same):
            for right in same[i + 1 :]:
                if entries[left].source != entries[right].source and _alike(entries[left], entries[right]):
                    reason = (
                        f"{entries[left].label} = {entries[right].label}: the same name but for words "
                        "that say it is a group"
                    )
                    edges.append(_Edge(6, 0, left, right, reason, entries[left].name))
    return edges


def _alike(left: NameEntry, right: NameEntry) -> bool:
    """Whether two entries that share only a core name describe the same kind of group: not two
    states, not two motives, not a criminal crew and a group a country is given for that no
    source calls criminal (MISP's Malaysian hacktivist "DragonForce" is not Tidal's "DragonForce
    Ransomware Group")."""
    states = [{c.state for c in e.sponsor_claims} for e in (left, right)]
    motives = [set(e.motivations) for e in (left, right)]
    if all(states) and not states[0] & states[1]:
        return False
    if all(motives) and not motives[0] & motives[1]:
        return False
    for this, other in ((0, 1), (1, 0)):
        if motives[this] == {"financial"} and states[other] and "financial" not in motives[other]:
            return False
    return True


def _link_edges(entries: list[NameEntry], stix_to_id: dict[str, str]) -> list[_Edge]:
    attack = {e.key: i for i, e in enumerate(entries) if e.source == "attack"}
    by_key = {e.key: i for i, e in enumerate(entries)}
    names = [{normalize_name(n) for n, _ in _names(e)} for e in entries]

    def edge(strength: int, left: int, right: int, reason: str, subject: str) -> _Edge:
        disagreement = 0 if names[left] & names[right] else 1
        return _Edge(strength, disagreement, left, right, reason, subject)

    edges: list[_Edge] = []
    for index, entry in enumerate(entries):
        for attack_id in entry.attack_links:
            if attack_id in attack and attack[attack_id] != index:
                reason = f"{entry.label} names ATT&CK id {attack_id}"
                edges.append(edge(0, attack[attack_id], index, reason, attack_id))
        for peer in entry.peer_links:
            target = stix_to_id.get(peer)
            if target in attack:
                reason = f"{entry.label} is marked 'similar' to ATT&CK {target} in MISP"
                edges.append(edge(0, attack[target], index, reason, str(target)))
            elif peer in by_key and by_key[peer] != index:
                other = entries[by_key[peer]]
                reason = f"{entry.label} is marked 'similar' to {other.label} in MISP"
                edges.append(edge(2, by_key[peer], index, reason, other.name))
    return edges


def _anchor_edges(entries: list[NameEntry]) -> list[_Edge]:
    """Entries whose own name ATT&CK gives to exactly one group, joined to that group."""
    owners: dict[str, set[int]] = {}
    for index, entry in enumerate(entries):
        if entry.source == "attack":
            for name, _ in _names(entry):
                owners.setdefault(normalize_name(name), set()).add(index)
    states: dict[int, set[str]] = {
        i: {c.state for c in e.sponsor_claims} for i, e in enumerate(entries) if e.source == "attack"
    }
    by_attack_id = {e.key: i for i, e in enumerate(entries) if e.source == "attack"}
    for entry in entries:
        for attack_id in entry.attack_links:
            if attack_id in by_attack_id:
                states[by_attack_id[attack_id]] |= {c.state for c in entry.sponsor_claims}
    edges: list[_Edge] = []
    for index, entry in enumerate(entries):
        if entry.source not in _EXCLUSIVE or entry.source == "attack":
            continue
        key = normalize_name(entry.name)
        found = owners.get(key, set()) if len(key) >= 3 else set()
        if len(found) != 1:
            continue
        (group,) = found
        own = {c.state for c in entry.sponsor_claims}
        if own and states[group] and not own & states[group]:
            continue
        # The group's own name first; an alias only if the entry's other names, if it has any,
        # agree too: MISP's "Cold River" (Nahr Elbard, a Middle East DNS-tunnelling group) is
        # not ATT&CK's COLDRIVER though the names fold alike.
        alias = normalize_name(entries[group].name) != normalize_name(entry.name)
        others = {normalize_name(a) for a in entry.aliases} - {normalize_name(entry.name)}
        if alias and others and not others & {normalize_name(n) for n, _ in _names(entries[group])}:
            continue
        reason = f"{entry.label}: its name is one ATT&CK gives to {entries[group].label}"
        edges.append(_Edge(1, int(alias), group, index, reason, entry.name, anchor=True))
    return edges


def merge_entries(
    entries: list[NameEntry], stix_to_id: dict[str, str]
) -> tuple[list[MergedGroup], list[Conflict]]:
    """Group ``entries`` into actors; return the groups and the conflicts found.

    ``stix_to_id`` maps the UUID part of ATT&CK intrusion-set ids to their
    ATT&CK ids (MISP relations point at those UUIDs).
    """
    conflicts: list[Conflict] = []
    edges = sorted(
        _link_edges(entries, stix_to_id)
        + _anchor_edges(entries)
        + _name_edges(entries, conflicts)
        + _core_edges(entries)
    )
    forest = _UnionFind(entries)
    reasons: dict[int, list[str]] = {}
    blocked: set[tuple[int, int, str]] = set()
    deferred: list[_Edge] = []

    def apply(edge: _Edge, exception: bool) -> None:
        a, b = forest.find(edge.left), forest.find(edge.right)
        if a == b:
            return
        clash = forest.clash(a, b)
        if clash is not None and edge.anchor and not forest.holds_both(a, b, "attack"):
            if not exception:  # after every other edge: never in place of a source's own entry
                deferred.append(edge)
                return
        elif clash is not None:
            key = (min(a, b), max(a, b), normalize_name(edge.subject))
            if key not in blocked:
                blocked.add(key)
                conflicts.append(_blocked_conflict(entries, forest, a, b, clash, edge))
            return
        forest.union(a, b)
        reasons.setdefault(a, []).extend(reasons.pop(b, []))
        reasons[a].append(edge.reason)

    for edge in edges:
        apply(edge, exception=False)
    for edge in deferred:
        apply(edge, exception=True)
    members: dict[int, list[NameEntry]] = {}
    for index, entry in enumerate(entries):
        members.setdefault(forest.find(index), []).append(entry)
    groups = [MergedGroup(m, reasons.get(root, [])) for root, m in members.items()]
    # A refusal or a collision between entries that ended in one actor (the anchors joined them)
    # is no conflict any more.
    actor_of = {entry.label: forest.find(index) for index, entry in enumerate(entries)}
    conflicts = [
        c
        for c in conflicts
        if c.kind not in ("merge-refused", "alias-collision")
        or len({actor_of.get(party, party) for party in c.parties}) > 1
    ]
    conflicts.extend(_described_twice(group) for group in groups if _twice(group))
    return groups, conflicts


def _twice(group: MergedGroup) -> list[list[NameEntry]]:
    """The entries of one source that the anchor exception put in ``group`` together."""
    by_source: dict[str, list[NameEntry]] = {}
    for entry in group.entries:
        if entry.source in _EXCLUSIVE:
            by_source.setdefault(entry.source, []).append(entry)
    return [found for found in by_source.values() if len(found) > 1]


def _described_twice(group: MergedGroup) -> Conflict:
    """Reported, not silent: one actor holds two entries of one source (a renamed group that the
    source kept under both names, or two descriptions of one group)."""
    parts = _twice(group)
    listed = "; ".join(
        SOURCE_LABELS[found[0].source] + " " + ", ".join(repr(e.name) for e in found) for found in parts
    )
    return Conflict(
        "described-twice",
        group.primary.name,
        tuple(entry.label for found in parts for entry in found),
        f"{group.primary.label} is described more than once by one source ({listed}); "
        "kept in one actor because ATT&CK's names or the source's own links tie each to it",
    )


def _blocked_conflict(
    entries: list[NameEntry], forest: _UnionFind, a: int, b: int, clash: str, edge: _Edge
) -> Conflict:
    left = entries[forest.sources[a][clash]]
    right = entries[forest.sources[b][clash]]
    return Conflict(
        "merge-refused",
        edge.subject,
        (left.label, right.label),
        f"{edge.reason}; not merged because {left.label} and {right.label} "
        f"are different groups in {SOURCE_LABELS[clash]}",
    )
