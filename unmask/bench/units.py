"""The held-out units of the attribution benchmark and the KB views that hide them.

- ``campaign``: every ATT&CK campaign attributed to a group; the case is the
  campaign's techniques and software; the view removes the campaign and every
  relationship whose citations all come from its reports.
- ``citation``: every (group, cited report) pair whose report supports at least
  five of the group's technique/software links; the case is those items; the
  view removes the report everywhere.  Half of the reports (by a hash of the
  report's name, so one report is never in both halves; a report cited under
  several names is one report, development if any name hashes there) form the
  development split on which parameters are chosen; the other half is reported.
- ``merged`` (development only, for fitting): up to four development reports
  of one group merged into one larger unit, all of them removed from the view —
  the size of a campaign, which the citation units rarely reach, so that the
  fitted weights also hold for large cases.
- ``thin`` (development only, for fitting): a few items (one to four) of each
  development citation unit, its report removed from the view — the size of a
  first lead from a hunt, so that the fitted weights also say how little one
  or two items can tell (the benchmark's units all have five items or more).
- open set: the groups are dealt into five folds by a hash of their id; a unit
  is attributed again with its whole fold of groups removed, and should then
  come out as unknown.

Every view is of ATT&CK alone (:func:`attack_only`): a second source's software
links cite no report, so they could repeat a held-out report unseen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from unmask.knowledge.store import KnowledgeBase
from unmask.model import Case, Observation, ObservationKind, Provenance

__all__ = [
    "MIN_ITEMS",
    "Unit",
    "attack_only",
    "build_units",
    "fold_of",
    "merged_units",
    "split_of",
    "thin_units",
]

MIN_ITEMS = 5
FOLDS = 5
MERGED_REPORTS = 4
THIN_UNIT_MAX_ITEMS = 4


def attack_only(kb: KnowledgeBase) -> KnowledgeBase:
    """The KB without the software links of sources other than ATT&CK (none cites a report)."""
    sources = sorted({link.source for link in kb.links})
    return kb.view(without_sources=sources) if sources else kb


def _bucket(text: str, buckets: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % buckets


def split_of(*names: str) -> str:
    """``dev`` or ``test``: which half a report belongs to, given every name it is cited under.

    A report cited under several names is development if any of its names hashes there, so
    that no report the parameters were chosen on is reported.
    """
    return "dev" if any(_bucket(name, 2) == 0 for name in names) else "test"


def fold_of(actor_id: str) -> int:
    """The open-set fold (0-4) of a group."""
    return _bucket(actor_id, FOLDS)


@dataclass(frozen=True)
class Unit:
    """One held-out unit: what to hide from the KB, the evidence, and the right answer."""

    protocol: str
    id: str
    truth: tuple[str, ...]
    items: tuple[str, ...]
    split: str
    campaign: str | None = None
    citations: tuple[str, ...] = ()

    def view(self, kb: KnowledgeBase, without_actors: tuple[str, ...] = ()) -> KnowledgeBase:
        """The KB with this unit (and optionally whole actors) removed."""
        return kb.view(
            without_campaigns=[self.campaign] if self.campaign else (),
            without_citations=self.citations,
            without_actors=without_actors,
        )

    def case(self) -> Case:
        """The unit's evidence as a case (techniques and software)."""
        observations = [
            Observation(
                kind=ObservationKind.TECHNIQUE if item.startswith("T") else ObservationKind.SOFTWARE,
                value=item,
                provenance=Provenance(source=f"benchmark unit {self.id}"),
            )
            for item in self.items
        ]
        return Case(id=self.id, title=self.id, observations=observations)


def build_units(kb: KnowledgeBase) -> list[Unit]:
    """All campaign and citation units of the full KB, in a stable order."""
    by_group = {a.attack_id: a.id for a in kb.actors.values() if a.attack_id}
    units: list[Unit] = []
    attributed: dict[str, set[str]] = {}
    for rel in kb.relations:
        if rel.kind == "attributed-to" and rel.source in kb.campaigns and rel.target in by_group:
            attributed.setdefault(rel.source, set()).add(by_group[rel.target])
    for cid in sorted(attributed):
        items = sorted(
            {
                r.target
                for r in kb.relations
                if r.source == cid and r.kind == "uses" and _is_item(kb, r.target)
            }
        )
        if items:
            units.append(
                Unit("campaign", cid, tuple(sorted(attributed[cid])), tuple(items), "test", campaign=cid)
            )
    pairs: dict[tuple[str, str], set[str]] = {}
    for rel in kb.relations:
        if rel.kind == "uses" and rel.source in by_group and _is_item(kb, rel.target):
            for citation in rel.citations:
                pairs.setdefault((rel.source, citation), set()).add(rel.target)
    for (group, citation), found in sorted(pairs.items()):
        if len(found) >= MIN_ITEMS:
            units.append(
                Unit(
                    "citation",
                    f"{group} | {citation}",
                    (by_group[group],),
                    tuple(sorted(found)),
                    split_of(*kb.report_names(citation)),
                    citations=(citation,),
                )
            )
    return units


def merged_units(units: list[Unit], split: str = "dev") -> list[Unit]:
    """Per group with two or more citation units of the split, up to MERGED_REPORTS of them as one."""
    by_group: dict[tuple[str, ...], list[Unit]] = {}
    for unit in units:
        if unit.protocol == "citation" and unit.split == split:
            by_group.setdefault(unit.truth, []).append(unit)
    merged = []
    for truth, members in sorted(by_group.items()):
        if len(members) < 2:
            continue
        members = sorted(members, key=lambda u: u.id)[:MERGED_REPORTS]
        merged.append(
            Unit(
                "merged",
                " + ".join(u.id for u in members),
                truth,
                tuple(sorted({item for u in members for item in u.items})),
                split,
                citations=tuple(c for u in members for c in u.citations),
            )
        )
    return merged


def thin_units(units: list[Unit], split: str = "dev") -> list[Unit]:
    """Per citation unit of the split, one to THIN_UNIT_MAX_ITEMS of its items (chosen by a hash) as a unit."""
    thin = []
    for unit in units:
        if unit.protocol != "citation" or unit.split != split:
            continue
        size = 1 + _bucket(unit.id, THIN_UNIT_MAX_ITEMS)
        items = sorted(unit.items, key=lambda item: _bucket(f"{unit.id} {item}", 2**32))[:size]
        thin.append(Unit("thin", unit.id, unit.truth, tuple(sorted(items)), split, citations=unit.citations))
    return thin


def _is_item(kb: KnowledgeBase, target: str) -> bool:
    return target in kb.techniques or target in kb.software
