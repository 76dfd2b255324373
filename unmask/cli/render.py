"""Rich renderings of knowledge-base results for people (``--json`` gives the data instead)."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from unmask.cli.common import plain
from unmask.knowledge.countries import country_name
from unmask.knowledge.records import Conflict
from unmask.knowledge.store import KnowledgeBase, SearchHit
from unmask.model import Actor

__all__ = ["actor_view", "compare_view", "conflicts_view", "search_view", "summary_view"]


def summary_view(summary: dict[str, Any]) -> Group:
    """The KB summary: versions, hashes, counts."""
    counts = summary["counts"]
    head = Table.grid(padding=(0, 2))
    head.add_row("Knowledge base", plain(summary["path"]))
    head.add_row("SHA-256", plain(summary["sha256"]))
    head.add_row("Built", plain(f"{summary['built']} by unmask {summary['unmask_version']}"))
    head.add_row("ATT&CK", plain(f"Enterprise v{summary['attack_version']}"))
    view = summary.get("view", {})
    if view.get("without_campaigns") or view.get("without_citations"):
        head.add_row(
            "View", plain("without " + ", ".join(view["without_campaigns"] + view["without_citations"]))
        )
    sources = Table(title="Sources", title_justify="left")
    for column in ("source", "version", "SHA-256", "from"):
        sources.add_column(column, overflow="fold")
    for src in summary["sources"]:
        sources.add_row(
            plain(src["name"]), plain(src["version"]), plain(src["sha256"][:16] + "…"), plain(src["origin"])
        )
    table = Table(title="Contents", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        (
            "ATT&CK intrusion sets (all / active)",
            f"{counts['attack_intrusion_sets']} / {counts['attack_groups_active']}",
        ),
        ("campaigns", counts["campaigns"]),
        ("software (ATT&CK)", counts["software"]),
        ("malware families (Malpedia only)", counts["malpedia_families"]),
        ("software (Tidal only)", counts.get("tidal_software", 0)),
        ("techniques / sub-techniques", f"{counts['techniques']} / {counts['sub_techniques']}"),
        ("relationships with citations kept", counts["relationships"]),
        ("software links from Tidal and namesakes, not in ATT&CK", counts.get("software_links", 0)),
        ("CVEs named by MISP's and Tidal's descriptions, not ATT&CK's", counts.get("cve_links", 0)),
        ("actors (merged across sources)", counts["actors"]),
        ("  of which in ATT&CK", counts["actors_in_attack"]),
        ("  with a suspected sponsor state", counts["actors_with_sponsor"]),
        ("conflicts between sources", counts["conflicts"]),
        (
            "intelligence files / their indicators (kb intel)",
            f"{counts.get('intel_files', 0)} / {counts.get('intel_indicators', 0)}",
        ),
    ]
    for label, value in rows:
        table.add_row(label, plain(value))
    return Group(head, sources, table)


def _names_table(actor: Actor) -> Table:
    table = Table(title="Names by source", title_justify="left", show_header=True)
    table.add_column("source")
    table.add_column("names")
    for source, names in actor.names.items():
        table.add_row(plain(source), plain(", ".join(names)))
    return table


def _ranked(
    kb: KnowledgeBase, counts: dict[str, int], kind: str, limit: int, caption: str | None = None
) -> Table:
    title = f"{kind.capitalize()} ({len(counts)}, by number of independent reports)"
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    table.add_column("id")
    table.add_column("name")
    table.add_column("reports", justify="right")
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    for ident, n in ordered[:limit]:
        record = kb.techniques.get(ident) if kind == "techniques" else kb.software.get(ident)
        table.add_row(plain(ident), plain(record.name if record else ident), plain(n))
    if len(ordered) > limit:
        table.add_row("…", plain(f"{len(ordered) - limit} more (use --limit or --json)"), "")
    return table


def actor_view(kb: KnowledgeBase, actor: Actor, limit: int = 15) -> Group:
    """One actor's profile: names, sponsor, techniques, software, victims, relations."""
    head = Table.grid(padding=(0, 2))
    head.add_row("Actor", plain(f"{actor.name}  ({actor.id})"))
    if actor.sponsor:
        head.add_row(
            "Suspected sponsor",
            plain(f"{country_name(actor.sponsor)} ({actor.sponsor}), {actor.sponsor_confidence} confidence"),
        )
    else:
        head.add_row("Suspected sponsor", plain("none recorded"))
    for claim in actor.sponsor_claims:
        extra = f", attribution confidence {claim.confidence}" if claim.confidence else ""
        head.add_row("", plain(f"{claim.source}: {country_name(claim.state)} ({claim.basis}{extra})"))
    if actor.motivations:
        head.add_row("Motivation", plain(", ".join(actor.motivations)))
    if actor.active_years:
        first, last = actor.active_years
        head.add_row("Active", plain(f"{first}–{last}" if last != first else f"since {first}"))
    if actor.campaigns:
        names = [
            f"{c} {kb.campaigns[c].name}" if c in kb.campaigns and kb.campaigns[c].name != c else c
            for c in actor.campaigns
        ]
        head.add_row("Campaigns", plain(", ".join(names)))
    if actor.infrastructure:
        kinds = sorted({key.split(":", 1)[0] for key in actor.infrastructure})
        head.add_row(
            "Indicators",
            plain(f"{len(set(actor.infrastructure))} from your intelligence ({', '.join(kinds)}; kb intel)"),
        )
    parts: list[Any] = [head, _names_table(actor)]
    derived = (
        "No source gives this actor techniques: these are its own payload's (the software named "
        "after it), as ATT&CK describes it, one report each."
        if actor.techniques and not actor.attack_id
        else None
    )
    parts.append(_ranked(kb, actor.techniques, "techniques", limit, derived))
    parts.append(_ranked(kb, actor.software, "software", limit))
    if actor.victim_countries or actor.victim_sectors:
        victims = Table(title="Victims", title_justify="left")
        victims.add_column("countries")
        victims.add_column("sectors")
        countries = ", ".join(sorted(country_name(c) for c in actor.victim_countries))
        victims.add_row(plain(countries), plain(", ".join(actor.victim_sectors)))
        parts.append(victims)
    if actor.related:
        related = Table(title="Related actors", title_justify="left")
        related.add_column("relation")
        related.add_column("actor")
        for other, kind in actor.related:
            name = kb.actors[other].name if other in kb.actors else other
            related.add_row(plain(kind), plain(f"{name} ({other})"))
        parts.append(related)
    if actor.merge_reasons:
        parts.append(Panel(plain("\n".join(actor.merge_reasons)), title="Why these names are one actor"))
    return Group(*parts)


def compare_view(kb: KnowledgeBase, result: dict[str, Any]) -> Group:
    """Common and unique techniques and software of several actors."""
    parts: list[Any] = []
    names = {a["id"]: a["name"] for a in result["actors"]}
    for facet in ("techniques", "software"):
        data = result[facet]
        table = Table(
            title=f"{facet.capitalize()}: {len(data['common'])} common (Jaccard {data['jaccard']})",
            title_justify="left",
        )
        table.add_column("set")
        table.add_column("count", justify="right")
        table.add_column("items")
        lookup = kb.techniques if facet == "techniques" else kb.software

        def label(ident: str, lookup: Any = lookup) -> str:
            record = lookup.get(ident)
            return f"{ident} {record.name}" if record else ident

        table.add_row(
            "common to all", plain(len(data["common"])), plain(", ".join(map(label, data["common"])))
        )
        for actor_id, items in data["unique"].items():
            table.add_row(
                plain(f"only {names[actor_id]}"), plain(len(items)), plain(", ".join(map(label, items)))
            )
        parts.append(table)
    return Group(*parts)


def conflicts_view(conflicts: list[Conflict]) -> Table:
    """The conflicts between sources."""
    table = Table(title=f"{len(conflicts)} conflicts", title_justify="left")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("detail")
    for conflict in conflicts:
        table.add_row(plain(conflict.kind), plain(conflict.subject), plain(conflict.detail))
    return table


def search_view(hits: list[SearchHit]) -> Table:
    """Search results."""
    table = Table(title=f"{len(hits)} matches", title_justify="left")
    for column in ("kind", "id", "name", "matched", "score"):
        table.add_column(column)
    for hit in hits:
        table.add_row(plain(hit.kind), plain(hit.id), plain(hit.name), plain(hit.matched), plain(hit.score))
    return table
