"""Small synthetic knowledge bases for the attribution tests.

Groups are described as {id: (name, {item: [citations]})}; items are ATT&CK-like
ids the builder turns into techniques (T....) or software (S....).  Sponsors
come through a MISP threat-actor galaxy, as in the real KB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.sources import _cluster, group, muid, relation, sid, software, technique
from unmask.knowledge.install import install_kb
from unmask.knowledge.store import KnowledgeBase

Groups = dict[str, tuple[str, dict[str, list[str]]]]


def _item(item: str, tools: tuple[str, ...] = ()) -> dict[str, Any]:
    if item.startswith("T"):
        return technique(item, f"Technique {item}", "execution")
    return software("tool" if item in tools else "malware", item, f"Ware {item}", [])


def build_kb(
    folder: Path,
    groups: Groups,
    sponsors: dict[str, str] | None = None,
    criminal: tuple[str, ...] = (),
    campaigns: dict[str, tuple[str, dict[str, list[str]]]] | None = None,
    extra_items: tuple[str, ...] = (),
    tools: tuple[str, ...] = (),
) -> KnowledgeBase:
    """Write a bundle and galaxies under ``folder`` and install the KB from them."""
    folder.mkdir(parents=True, exist_ok=True)
    items: dict[str, dict[str, Any]] = {}
    objects: list[dict[str, Any]] = [
        {"type": "x-mitre-collection", "id": sid("x-mitre-collection", "s"), "x_mitre_version": "1.0"}
    ]
    for gid, (name, uses) in groups.items():
        obj = group(gid, name, [])
        objects.append(obj)
        for item, citations in uses.items():
            # "T1190|CVE-2019-0604": the technique, with a description that names the CVE.
            technique_id, _, cve = item.partition("|")
            target = items.setdefault(technique_id, _item(technique_id, tools))
            link = relation(obj, "uses", target, *citations)
            if cve:
                link["description"] = f"exploited {cve}"
            objects.append(link)
    for cid, (gid, uses) in (campaigns or {}).items():
        camp = {
            "type": "campaign",
            "id": sid("campaign", cid),
            "name": f"Campaign {cid}",
            "aliases": [],
            "external_references": [{"source_name": "mitre-attack", "external_id": cid}],
        }
        objects.append(camp)
        if gid:  # "" for a campaign ATT&CK attributes to no group
            objects.append(
                relation(camp, "attributed-to", {"id": sid("intrusion-set", gid)}, "Campaign report")
            )
        for item, citations in uses.items():
            target = items.setdefault(item, _item(item))
            objects.append(relation(camp, "uses", target, *citations))
    for item in extra_items:
        items.setdefault(item, _item(item))
    objects.extend(items.values())
    bundle = folder / "bundle.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": sid("bundle", "synthetic"), "objects": objects}))
    clusters = folder / "clusters"
    clusters.mkdir(exist_ok=True)
    actors = []
    for gid, (name, _) in groups.items():
        meta: dict[str, Any] = {"synonyms": [gid]}
        if sponsors and gid in sponsors:
            meta["cfr-suspected-state-sponsor"] = sponsors[gid]
        if gid in criminal:
            meta["cfr-type-of-incident"] = "Financial Theft"
            meta["country"] = "RU"
        actors.append({"value": name, "uuid": muid(name), "meta": meta})
    (clusters / "threat-actor.json").write_text(json.dumps(_cluster("threat-actor", actors)))
    result = install_kb(str(bundle), galaxies_dir=clusters)
    assert result.kb is not None
    return result.kb


def three_groups(folder: Path, tools: tuple[str, ...] = ()) -> KnowledgeBase:
    """Alpha (RU) and Beta (RU) share some techniques; Gamma (IR) is distinct; Delta is criminal.

    T1001-T1003 are used by everyone; each group also has its own techniques and software;
    twenty filler groups (half of them Chinese) make the crowd a real KB has.
    """
    common = {"T1001": ["r0"], "T1002": ["r0"], "T1003": ["r0"]}
    groups: Groups = {
        "G0001": ("Alpha", {**common, "T1101": ["a1"], "T1102": ["a1", "a2"], "T1103": ["a2"], "T1104.001": ["a1"], "S0101": ["a1", "a2"], "S0102": ["a2"]}),
        "G0002": ("Beta", {**common, "T1201": ["b1"], "T1202": ["b1"], "T1203": ["b2"], "S0201": ["b1"], "T1101": ["b2"]}),
        "G0003": ("Gamma", {**common, "T1301": ["c1"], "T1302": ["c1"], "T1303": ["c2"], "S0301": ["c1", "c2"], "S0302": ["c2"]}),
        "G0004": ("Delta", {**common, "T1401": ["d1"], "T1402": ["d1"], "S0401": ["d1"], "T1403": ["d2"], "S0402": ["d2"]}),
    }  # fmt: skip
    # Twenty more groups, each with a few techniques of its own, so that priors are shared as in a real KB.
    for n in range(20):
        own = {f"T15{n:02d}": [f"f{n}"], f"T16{n:02d}": [f"f{n}"], f"S05{n:02d}": [f"f{n}"]}
        groups[f"G01{n:02d}"] = (f"Filler {n}", {**common, **own})
    sponsors = {
        "G0001": "Russian Federation",
        "G0002": "Russian Federation",
        "G0003": "Iran (Islamic Republic of)",
    }
    sponsors |= {f"G01{n:02d}": "China" for n in range(0, 20, 2)}
    return build_kb(
        folder, groups, sponsors, criminal=("G0004",), extra_items=("T1999", "S0999"), tools=tools
    )
