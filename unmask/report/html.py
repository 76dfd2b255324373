"""The investigation report as one self-contained HTML file (and PDF through WeasyPrint).

Everything is inline: CSS, SVG charts, no scripts, no fonts or images from elsewhere, so the
file opens offline and can go into a court file as it is.  Jinja2 autoescaping escapes every
value; evidence text (log fields, report sentences) is attacker-controlled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path, PurePath
from typing import Any

import jinja2
import markupsafe

from unmask import __version__
from unmask.attribute.calibrate import DENIED_LIKELIHOOD, likelihood_band, percent
from unmask.attribute.phases import part_title
from unmask.attribute.summary import WEAK_LEAD, is_split
from unmask.export.resolved import activity_span, named_value
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Assessment, Case, ObservationKind, Provenance
from unmask.printable import NOTE_CHARS, PROSE_CHARS, SHOWN_CHARS, clip, printable
from unmask.report.charts import bar_chart, timeline_chart
from unmask.report.guide import CONFIDENCE, LIMITS, METHOD, SCALE, SCALE_ENDS
from unmask.report.markdown import EVIDENCE_ROWS

__all__ = ["TACTICS", "ReportInput", "data_only_fetcher", "render_html", "render_pdf", "timeline_findings"]

TACTICS = (
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
)
MAX_TIMELINE_POINTS = 3000


@dataclass
class ReportInput:
    """What a report is made of."""

    case: Case
    assessment: Assessment
    kb: KnowledgeBase
    findings: list[dict[str, Any]] = field(default_factory=list)  # time, host, title, level
    org: str | None = None  # the organisation that issues the report (--org)


def timeline_findings(case: Path, limit: int = MAX_TIMELINE_POINTS) -> list[dict[str, Any]]:
    """The findings (level low or above) of a hunt's case directory, for the timeline; none for a case file."""
    from unmask.cases.directory import FINDINGS_FILE
    from unmask.detect.findings import read_findings

    path = case / FINDINGS_FILE
    if not case.is_dir() or not path.is_file():
        return []
    rows: list[dict[str, Any]] = []
    for row in read_findings(path):
        if row.level in ("critical", "high", "medium", "low"):
            rows.append({"time": row.time, "host": row.host, "title": row.title, "level": row.level})
            if len(rows) >= limit:
                break
    return rows


class _Prose(str):
    """unmask's own sentence: shown whole, up to :data:`PROSE_CHARS` (the ``prose`` filter)."""


def _shown(value: Any) -> Any:
    """Every value shown: clipped, control and direction-override characters as escapes (then
    HTML-escaped).  Markup, the charts unmask draws, is left as it is."""
    if isinstance(value, markupsafe.Markup) or not isinstance(value, str):
        return value
    return printable(clip(value, PROSE_CHARS if isinstance(value, _Prose) else SHOWN_CHARS))


def _environment() -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(str(resources.files("unmask") / "report" / "templates"))
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_shown,
    )
    env.filters["prose"] = lambda value: _Prose(value) if isinstance(value, str) else value
    env.filters["percent"] = percent
    env.filters["band"] = likelihood_band
    env.filters["likelihood"] = lambda h: DENIED_LIKELIHOOD if h.denied else h.likelihood
    # A value inside a CSS string (the page's running footer): letters, digits and . _ - only.
    env.filters["css_string"] = lambda value: re.sub(r"[^A-Za-z0-9._ -]", "_", str(value))[:60]
    env.filters["part_title"] = part_title
    return env


def _matrix(data: ReportInput) -> dict[str, list[dict[str, str]]]:
    kb = data.kb
    observed = {o.value.upper() for o in data.case.observations if o.kind is ObservationKind.TECHNIQUE}
    observed &= set(kb.techniques)
    leading = next((h for h in data.assessment.groups if h.kind == "actor"), None)
    actor = kb.actors.get(leading.id) if leading else None
    known = set(actor.techniques) if actor else set()
    columns: dict[str, list[dict[str, str]]] = {t: [] for t in TACTICS}
    for technique in sorted(observed | known):
        record = kb.techniques.get(technique)
        if record is None:
            continue
        where = (
            "both"
            if technique in observed and technique in known
            else ("case" if technique in observed else "actor")
        )
        for tactic in record.tactics:
            if tactic in columns:
                columns[tactic].append({"id": technique, "name": record.name, "where": where})
    for cells in columns.values():
        cells.sort(key=lambda c: ({"both": 0, "case": 1, "actor": 2}[c["where"]], c["id"]))
    return columns


def _timeline(data: ReportInput) -> str:
    rows: list[tuple[str, str, str]] = []
    for finding in data.findings[:MAX_TIMELINE_POINTS]:
        if finding.get("time"):
            rows.append(
                (str(finding.get("host") or "-"), str(finding["time"]), str(finding.get("title", "")))
            )
    if not rows:
        for obs in data.case.observations:
            if obs.first_seen:
                rows.append(
                    (obs.host or obs.phase or "case", obs.first_seen, f"{obs.kind.value} {obs.value}")
                )
    return timeline_chart(rows)


def _source_shown(prov: Provenance) -> str:
    """An evidence row's source: a file unmask read and hashed (a hunt's log, an extracted report)
    by its name, its folder being in the evidence files list (a full path in a narrow PDF column
    broke every few characters); any other source (a case file's "Partner report 2023/05", a URL)
    whole, as written (its part after the last "/" was "05 (TLP:AMBER)")."""
    if prov.sha256:
        return PurePath(prov.source).name or prov.source
    return prov.source


def _context(data: ReportInput) -> dict[str, Any]:
    assessment, case = data.assessment, data.case
    groups = [(h.label, h.probability) for h in assessment.groups[:10]]
    sponsors = [(h.label, h.probability) for h in assessment.sponsors[:8]]
    leading = next((h for h in assessment.groups if h.kind == "actor"), None)
    columns = list(assessment.ach[0]["cells"] if assessment.ach else {})
    labels = {**assessment.compared, **assessment.flagged, **{h.id: h.label for h in assessment.groups}}
    evidence = []
    # The first EVIDENCE_ROWS observations: 20,000 made a 2,400-page PDF that took nine minutes
    # and 4 GB; every one stays in case.json and the exports.
    for index, obs in enumerate(case.observations[:EVIDENCE_ROWS]):
        prov = obs.provenance
        evidence.append(
            {
                "index": index,
                "kind": obs.kind.value + (f":{obs.subtype}" if obs.subtype else ""),
                "value": named_value(obs, data.kb),
                "host": obs.host or "",
                "phase": obs.phase or "",
                # A whole second is what a reader compares (the case keeps the fraction).
                "seen": re.sub(r"\.0+(?=Z$|[+-]\d\d:\d\d$|$)", "", obs.first_seen or ""),
                "confidence": f"{obs.confidence:.1f}",
                "source": _source_shown(prov) if prov else "",
                "sha256": (prov.sha256 or "")[:16] if prov else "",
                "where": (prov.record or (f"offset {prov.offset}" if prov.offset is not None else ""))
                if prov
                else "",
                "text": (prov.text or "") if prov else "",  # clipped when shown
            }
        )
    return {
        "case": case,
        "notes": [clip(note, NOTE_CHARS) for note in case.notes],
        "assessment": assessment,
        # Nothing comparable: the probabilities are base rates, and no state line is written.
        "compared": any(row.get("contributions") for row in assessment.ach),
        "leading": leading,
        # Whether the assessment names that actor (the first hypothesis, at a roughly even chance or
        # more): else the matrix compares the case with the likeliest known actor, no suspect.
        "named": bool(assessment.groups)
        and assessment.groups[0] is leading
        and leading.probability >= WEAK_LEAD,
        "split": is_split(assessment),
        "group_chart": bar_chart(groups),
        "sponsor_chart": bar_chart(sponsors, colour="#7a3b8f"),
        "matrix": _matrix(data),
        "tactics": TACTICS,
        "timeline": _timeline(data),
        # Rows of items nothing could be compared with (dates, unmatched infrastructure) are all
        # neutral: the warnings count them, and the matrix shows what weighs.
        "ach": [row for row in assessment.ach if "note" not in row][:40],
        "ach_columns": columns,
        "ach_labels": labels,
        "evidence": evidence,
        "evidence_left": max(0, len(case.observations) - EVIDENCE_ROWS),
        "generated": datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "activity": activity_span(case),
        "version": __version__,
        "org": data.org,
        "provenance": assessment.provenance,
        "kb_sources": assessment.provenance.get("kb_sources", []),
        "guide": {
            "method": METHOD,
            "scale": SCALE,
            "ends": SCALE_ENDS,
            "confidence": CONFIDENCE,
            "limits": LIMITS,
        },
    }


def render_html(data: ReportInput) -> str:
    """The report as one HTML document."""
    return _environment().get_template("report.html.j2").render(**_context(data))


def render_pdf(data: ReportInput, target: Path) -> None:
    """The same report as PDF (WeasyPrint)."""
    import warnings

    from unmask.errors import ConfigError
    from unmask.knowledge.home import atomic_write

    with warnings.catch_warnings():
        # A notice about an optional system library (HarfBuzz subsetting), not about the report.
        warnings.filterwarnings("ignore", message=".*HarfBuzz.*", category=DeprecationWarning)
        try:
            import weasyprint
        except (ImportError, OSError) as exc:  # OSError: the system's Pango libraries are missing
            raise ConfigError(f"PDF needs WeasyPrint and its system libraries (Pango): {exc}") from None
        pdf = weasyprint.HTML(string=render_html(data), url_fetcher=data_only_fetcher()).write_pdf()
    atomic_write(target, pdf)


def data_only_fetcher() -> Any:
    """WeasyPrint's fetcher of images and style sheets, refusing every URL but ``data:``: the
    report loads nothing (its CSP says so to a browser), and a slip of a template that let a
    value become a URL must not make the PDF request a server or read a local file."""
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint 68 and later: a class
    except ImportError:  # earlier: a function that returns a dict
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"the report loads nothing from outside: {url[:80]}")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols=("data",))
