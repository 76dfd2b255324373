"""An assessment as Markdown: the judgement in words first, then the numbers and the reasons.

Every string that comes from evidence or sources is escaped: case files and
reports are attacker-controlled, and Markdown renders HTML.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from unmask import __version__
from unmask.attribute.calibrate import likelihood_shown, percent
from unmask.attribute.phases import part_title
from unmask.attribute.summary import whole_titles
from unmask.export.resolved import activity_span, named_value
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Assessment, Case, Hypothesis, view_text
from unmask.printable import NOTE_CHARS, clip, printable
from unmask.report.guide import CONFIDENCE, LIMITS, METHOD, SCALE, SCALE_ENDS

__all__ = ["EVIDENCE_ROWS", "assessment_markdown", "case_markdown", "guide_markdown", "md_escape"]

# Observations a report lists (the case, the findings and the exports keep every one).
EVIDENCE_ROWS = 300

# Enough to keep evidence text from becoming markup or HTML; parentheses and dots stay readable.
# "&" too: a character reference (&rlm;, &ZeroWidthSpace;, &amp;lt;) is decoded when the Markdown
# is rendered, and would show another value than the one written, or a mark printable() escapes.
_SPECIAL = re.compile(r"([\\`*_\[\]|<>~#&])")


def md_escape(text: object) -> str:
    """Escape Markdown and HTML specials; newlines become spaces (table cells stay one line)."""
    return _SPECIAL.sub(r"\\\1", printable(str(text).replace("\r", " ").replace("\n", " ")))


def _hypotheses(title: str, hypotheses: list[Hypothesis], limit: int = 12) -> list[str]:
    if not hypotheses:  # a case with nothing to weigh has no hypothesis to tabulate
        return []
    lines = [
        f"## {title}",
        "",
        "| hypothesis | probability | likelihood | confidence |",
        "|---|---:|---|---|",
    ]
    for h in hypotheses[:limit]:
        lines.append(
            f"| {md_escape(h.label)} ({md_escape(h.id)}) | {percent(h.probability)} | "
            f"{likelihood_shown(h.likelihood, h.probability, h.kind, h.denied)} | {h.confidence.value} |"
        )
    if len(hypotheses) > limit:
        rest = sum(h.probability for h in hypotheses[limit:])
        lines.append(f"| {len(hypotheses) - limit} more | {percent(rest)} | | |")
    return [*lines, ""]


def assessment_markdown(assessment: Assessment) -> str:
    """The whole assessment as one Markdown document."""
    lines = [
        f"# Attribution of case {md_escape(assessment.case_id)}",
        "",
        f"TLP:{assessment.tlp.value.upper()}",
        "",
        md_escape(assessment.summary),
        "",
    ]
    if assessment.warnings:
        lines += ["## Warnings", "", *(f"- {md_escape(w)}" for w in assessment.warnings), ""]
    whole, states = whole_titles(assessment)
    lines += _hypotheses(f"Groups{whole}", assessment.groups)
    lines += _hypotheses(f"Sponsor states{states}", assessment.sponsors, limit=8)
    for label, hypotheses in assessment.phases.items():
        lines += _hypotheses(f"Part: {md_escape(part_title(label))}", hypotheses)
    lines += ["## Evidence for and against", ""] if assessment.groups else []
    # The actors, then the leading states (what the items say of each state's groups).
    leading = [h for h in assessment.sponsors[:3] if h.kind in ("state", "none") and h.supported]
    for h in [h for h in assessment.groups if h.kind == "actor"] + leading:
        level = " (state level: what the items say of its groups)" if h in leading else ""
        lines.append(f"### {md_escape(h.label)}{level}")
        lines.append("")
        for name, items, (count, weight) in (
            ("for", h.evidence_for, h.weaker_for),
            ("against", h.evidence_against, h.weaker_against),
        ):
            rendered = [f"{md_escape(e)} ({w:+.2f})" for e, w in items]
            if count:
                rendered.append(f"{count} weaker item{'s' if count != 1 else ''} ({weight:+.2f} in all)")
            if rendered:
                lines.append(f"- {name}: " + "; ".join(rendered))
        lines.append("")
    if assessment.ach:
        columns = list(assessment.ach[0]["cells"])
        lines += ["## Analysis of competing hypotheses", ""]
        # Each actor by name and id (an id alone sends the reader to look it up).
        labels = {**assessment.compared, **assessment.flagged, **{h.id: h.label for h in assessment.groups}}
        heads = [c if c == "unknown" or c not in labels else f"{labels[c]} ({c})" for c in columns]
        lines.append("| evidence | diagnosticity | " + " | ".join(md_escape(h) for h in heads) + " |")
        lines.append("|---|---:|" + "---|" * len(columns))
        marks = {"consistent": "C", "inconsistent": "I", "neutral": "N"}
        for row in assessment.ach:
            if "note" in row:  # nothing to compare it with: neutral everywhere (the warnings count them)
                continue
            cells = " | ".join(marks[row["cells"][c]] for c in columns)
            lines.append(f"| {md_escape(clip(row['evidence']))} | {row['diagnosticity']:.2f} | {cells} |")
        lines += ["", "C consistent, I inconsistent, N neutral.", ""]
    lines += guide_markdown()
    prov = assessment.provenance
    built = f", built {md_escape(prov['kb_built'])}" if prov.get("kb_built") else ""
    parameters = prov.get("parameters")
    shown = (
        ", ".join(f"{k} = {v}" for k, v in parameters.items())
        if isinstance(parameters, dict)
        else str(parameters)
    )
    lines += [
        "## Provenance",
        "",
        f"- engine: {md_escape(prov.get('engine'))} (unmask {md_escape(prov.get('unmask_version'))})",
        f"- knowledge base: ATT&CK v{md_escape(prov.get('attack_version'))}, SHA-256 "
        f"{md_escape(prov.get('kb_sha256'))}{built}",
        f"- view: {md_escape(view_text(prov.get('kb_view')))}",
        f"- parameters: {md_escape(shown)}",
        "",
    ]
    return "\n".join(lines)


def guide_markdown() -> list[str]:
    """How to read the report (report/guide.py) as Markdown lines."""
    lines = [
        "## How to read this report",
        "",
        METHOD,
        "",
        "| likelihood (ICD 203) | probability |",
        "|---|---|",
    ]
    lines += [f"| {term} | {band} |" for term, band in SCALE]
    lines += ["", SCALE_ENDS]
    lines += ["", "| confidence | what it rests on |", "|---|---|"]
    lines += [f"| {level} | {meaning} |" for level, meaning in CONFIDENCE]
    lines += ["", "Limits:", "", *(f"- {limit}" for limit in LIMITS), ""]
    return lines


def case_markdown(
    case: Case, assessment: Assessment, org: str | None = None, kb: KnowledgeBase | None = None
) -> str:
    """The investigation report in Markdown: the assessment, then the case's evidence with provenance."""
    span = activity_span(case)
    issued = f"by {md_escape(org)} with" if org else "by"
    generated = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# {md_escape(case.title)}",
        "",
        f"TLP:{case.tlp.value.upper()} · case {md_escape(case.id)} · {len(case.observations)} observations"
        + (f" · activity {span}" if span else "")
        + f" · assessed {issued} unmask {__version__} on {generated}",
        "",
    ]
    lines.append(assessment_markdown(assessment).split("\n", 4)[4])  # without its own title and TLP line
    lines += [
        "## Evidence",
        "",
        "| # | kind | value | host / phase | first seen | source | SHA-256 | record / offset | sentence or detail |",
        "|---:|---|---|---|---|---|---|---|---|",
    ]
    for index, obs in enumerate(case.observations[:EVIDENCE_ROWS]):
        prov = obs.provenance
        where = ""
        if prov is not None:
            where = prov.record or (f"offset {prov.offset}" if prov.offset is not None else "")
        cells = [
            str(index),
            obs.kind.value + (f":{obs.subtype}" if obs.subtype else ""),
            named_value(obs, kb),
            (obs.host or "") + (f" / {obs.phase}" if obs.phase else ""),
            obs.first_seen or "",
            prov.source if prov else "",
            (prov.sha256 or "")[:16] if prov else "",
            where,
            (prov.text or "")[:200] if prov else "",
        ]
        lines.append("| " + " | ".join(md_escape(clip(c)) for c in cells) + " |")
    left = len(case.observations) - EVIDENCE_ROWS
    if left > 0:
        lines += [
            "",
            f"The first {EVIDENCE_ROWS} of {len(case.observations)} observations; the other {left} are in the "
            "case (case.json), and `unmask findings` and the exports carry every one.",
        ]
    if case.evidence:
        lines += ["", "## Evidence files", ""]
        lines += [f"- {md_escape(clip(name))}: `{digest}`" for name, digest in case.evidence.items()]
    if case.notes:
        lines += ["", "## Notes", "", *(f"- {md_escape(clip(n, NOTE_CHARS))}" for n in case.notes)]
    return "\n".join(lines) + "\n"
