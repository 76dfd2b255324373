"""ATT&CK Navigator layers (layer format 4.5, enterprise-attack).

``case_layer`` colours the case's techniques; with an actor it overlays the actor's known
techniques: common to both, only in the case, only in the actor.  ``actors_layer`` compares
actors (each technique scored by how many of them use it, the comment says which).
"""

from __future__ import annotations

from typing import Any

from unmask.export.resolved import resolved
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Actor, Case, ObservationKind
from unmask.printable import printable_line

__all__ = ["LAYER_VERSION", "NAVIGATOR_VERSION", "actors_layer", "case_layer"]

LAYER_VERSION = "4.5"
NAVIGATOR_VERSION = "5.1.0"
COLOURS = {"both": "#d62728", "case": "#ff9f1c", "actor": "#6baed6"}


def _layer(
    name: str, description: str, kb: KnowledgeBase, techniques: list[dict[str, Any]]
) -> dict[str, Any]:
    attack = str(kb.document.get("attack_version", "18")).split(".")[0]
    return {
        "name": printable_line(name[:200]),
        "versions": {"attack": attack, "navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION},
        "domain": "enterprise-attack",
        "description": printable_line(description),
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": techniques,
        "legendItems": [],
        "metadata": [
            {"name": "produced by", "value": "unmask"},
            {"name": "knowledge base", "value": kb.sha256[:16]},
        ],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
    }


def _entry(kb: KnowledgeBase, technique: str, score: int, colour: str, comment: str) -> list[dict[str, Any]]:
    record = kb.techniques.get(technique)
    entries = []
    for tactic in (record.tactics if record else ()) or (None,):
        entry: dict[str, Any] = {
            "techniqueID": technique,
            "score": score,
            "color": colour,
            "comment": printable_line(comment),
            "enabled": True,
            "showSubtechniques": False,
        }
        if tactic:
            entry["tactic"] = tactic
        entries.append(entry)
    return entries


def case_layer(case: Case, kb: KnowledgeBase, actor: Actor | None = None) -> dict[str, Any]:
    """The case's techniques; with ``actor``, what the case and the actor have in common."""
    seen: dict[str, int] = {}
    for obs, item in resolved(case, kb):
        if obs.kind is ObservationKind.TECHNIQUE and item is not None:
            seen[item.key] = seen.get(item.key, 0) + 1
    techniques: list[dict[str, Any]] = []
    legend = []
    if actor is None:
        for technique, count in sorted(seen.items()):
            techniques += _entry(
                kb, technique, count, COLOURS["case"], f"observed {count} time(s) in case {case.id}"
            )
        legend = [{"label": f"observed in case {case.id}", "color": COLOURS["case"]}]
    else:
        known = set(actor.techniques)
        for technique in sorted(set(seen) | known):
            if technique not in kb.techniques:
                continue
            if technique in seen and technique in known:
                where, score = "both", 3
            elif technique in seen:
                where, score = "case", 2
            else:
                where, score = "actor", 1
            comment = {
                "both": f"in the case and used by {actor.name}",
                "case": "only in the case",
                "actor": f"only in {actor.name}'s profile",
            }[where]
            techniques += _entry(kb, technique, score, COLOURS[where], comment)
        legend = [
            {"label": f"case and {actor.name}", "color": COLOURS["both"]},
            {"label": "only in the case", "color": COLOURS["case"]},
            {"label": f"only {actor.name}", "color": COLOURS["actor"]},
        ]
    name = f"{case.id}" + (f" vs {actor.name}" if actor else "")
    label = f"TLP:{case.tlp.value.upper()}"
    layer = _layer(name, printable_line(f"{label} · Techniques of case {case.title}"), kb, techniques)
    layer["legendItems"] = [{**item, "label": printable_line(item["label"])} for item in legend]
    layer["metadata"].insert(0, {"name": "TLP", "value": label})
    return layer


def actors_layer(actors: list[Actor], kb: KnowledgeBase) -> dict[str, Any]:
    """Techniques of several actors: score = how many of them use it; the comment names them."""
    users: dict[str, list[str]] = {}
    for actor in actors:
        for technique in actor.techniques:
            users.setdefault(technique, []).append(actor.name)
    palette = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"]
    techniques: list[dict[str, Any]] = []
    for technique, names in sorted(users.items()):
        if technique in kb.techniques:
            colour = palette[min(len(names), len(palette)) - 1]
            techniques += _entry(kb, technique, len(names), colour, "used by " + ", ".join(names))
    layer = _layer(
        " vs ".join(a.name for a in actors),
        "Techniques of " + ", ".join(a.name for a in actors),
        kb,
        techniques,
    )
    layer["legendItems"] = [
        {"label": f"used by {n} of {len(actors)}", "color": palette[min(n, len(palette)) - 1]}
        for n in range(1, len(actors) + 1)
    ]
    return layer
