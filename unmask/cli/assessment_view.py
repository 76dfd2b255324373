"""A rich rendering of an assessment for the terminal."""

from __future__ import annotations

import json
import re
import shlex

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from unmask.attribute.calibrate import likelihood_shown, percent
from unmask.attribute.phases import part_title
from unmask.attribute.summary import whole_titles
from unmask.cli.common import cell, plain, prose
from unmask.model import Assessment, Hypothesis, view_text
from unmask.printable import PROSE_CHARS, clip

__all__ = ["assessment_view"]

_COLOURS = {"consistent": "green", "inconsistent": "red", "neutral": "dim"}
# Columns the matrix shows beside the three leading actors and the unknown hypothesis, at most
# (as many as the terminal's width leaves room for: one in 80 characters).
_EXTRA_COLUMNS = 2
# The width of the matrix's evidence column at its narrowest and of diag., with their padding and
# borders: what the hypotheses' columns cannot have.
_ACH_FIXED = 24


def _table(title: str, hypotheses: list[Hypothesis], limit: int = 12) -> Table:
    table = Table(title=cell(title), title_justify="left")  # a part's label is the case's text
    for column, justify in (
        ("hypothesis", "left"),
        ("id", "left"),
        ("probability", "right"),
        ("likelihood", "left"),
        ("confidence", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for h in hypotheses[:limit]:
        table.add_row(
            cell(h.label), cell(h.id), plain(percent(h.probability)),
            plain(likelihood_shown(h.likelihood, h.probability, h.kind, h.denied)), plain(h.confidence.value),
        )  # fmt: skip
    if len(hypotheses) > limit:
        rest = sum(h.probability for h in hypotheses[limit:])
        table.add_row(plain(f"{len(hypotheses) - limit} more"), "", plain(percent(rest)), "", "")
    return table


_HOLD_OUT = re.compile(r"^known campaign: .* assess it again with campaign (\S+)'s reports held out")
_REPORT_OUT = re.compile(r'^one report: .* through one report alone, ("(?:[^"\\]|\\.)*")\. If this case')


def _hold_out(warning: str) -> str:
    """How to do what a known campaign's or report's warning asks: the option to give."""
    if m := _HOLD_OUT.search(warning):
        return f" (unmask attribute … --kb-without {m.group(1)})"
    if m := _REPORT_OUT.search(warning):
        try:
            return f" (unmask attribute … --kb-without {shlex.quote(json.loads(m.group(1)))})"
        except ValueError:
            return ""
    return ""


def assessment_view(assessment: Assessment, ach_rows: int = 15, width: int = 80) -> Group:
    """Summary, warnings, groups, sponsors, phases, evidence for/against and the ACH matrix, for a
    terminal ``width`` characters wide (the matrix's columns are sized to fit it)."""
    parts: list[object] = [Panel(prose(assessment.summary), title=cell(f"Case {assessment.case_id}"))]
    if assessment.warnings:
        # How to do what a known campaign's warning asks (the warning itself, shared with partners
        # in the report and the exports, names no command).
        lines = [f"• {clip(w, PROSE_CHARS)}{_hold_out(w)}" for w in assessment.warnings]
        parts.append(Panel(plain("\n".join(lines)), title="Warnings", border_style="yellow"))
    whole, states = whole_titles(assessment)
    parts.append(_table(f"Groups{whole}", assessment.groups))
    parts.append(_table(f"Sponsor states{states}", assessment.sponsors, limit=8))
    for label, hypotheses in assessment.phases.items():
        parts.append(_table(f"Part: {part_title(label)}", hypotheses))
    lead = next((h for h in assessment.groups if h.kind == "actor"), None)
    if lead is not None:
        parts.append(_why(lead, f"Why {lead.label}"))
    state = assessment.sponsors[0] if assessment.sponsors else None
    if state is not None and state.kind in ("state", "none") and assessment.groups[0].kind == "unknown":
        # A new group leads: the state level pools many groups, and what it rests on is worth a table.
        parts.append(_why(state, f"Why {state.label} (the state level: what the items say of its groups)"))
    if assessment.ach:
        # The terminal shows the three leading actors, then any actor a false-flag warning says an
        # item points to (its row would read N N N without it) and any the case compares its
        # artifacts with, _EXTRA_COLUMNS of them at most, and the unknown hypothesis; json and md
        # show all.
        all_columns = list(assessment.ach[0]["cells"])
        leading = [c for c in all_columns if c != "unknown"][:3]
        named = [c for c in dict.fromkeys([*assessment.flagged, *assessment.compared]) if c in all_columns]
        # As many as fit the terminal with names 8 characters wide (one in 80), at least one.
        room = (width - _ACH_FIXED) // 11 - len(leading) - 1
        extra = [c for c in named if c not in leading][: max(1, min(_EXTRA_COLUMNS, room))]
        flagged = [c for c in extra if c in assessment.flagged]
        compared = [c for c in extra if c not in assessment.flagged]
        columns = leading + extra + (["unknown"] if "unknown" in all_columns else [])
        names = {**assessment.compared, **assessment.flagged, **{h.id: h.label for h in assessment.groups}}
        hidden = len(all_columns) - len(columns)
        notes = []
        if hidden > 0:
            notes.append(
                f"diag. is over all {len(all_columns)} hypotheses of the matrix; {hidden} not shown "
                "here (--format json or md shows them)"
            )
        if flagged:
            notes.append(
                f"{', '.join(names[c] for c in flagged)}: shown because a warning says an item points to "
                f"{'it' if len(flagged) == 1 else 'them'}"
            )
        if compared:
            notes.append(
                f"{', '.join(names[c] for c in compared)}: shown because the case compares its artifacts "
                f"with {'it' if len(compared) == 1 else 'them'}"
            )
        ach = Table(
            title="Analysis of competing hypotheses (most diagnostic first)",
            title_justify="left",
        )
        ach.add_column("evidence", overflow="ellipsis", min_width=12, max_width=28)  # narrows to fit
        ach.add_column("diag.", justify="right", no_wrap=True, min_width=5)
        # What the evidence (12), diag. and the borders leave, shared by the hypotheses' columns
        # (3 of padding and border each): six are 6 characters wide in 80, five 8.
        wide = max(4, min(12, (width - _ACH_FIXED) // len(columns) - 3))
        for column in columns:
            ach.add_column(
                plain("unknown" if column == "unknown" else names.get(column, column)[:24]),
                justify="center",
                overflow="fold",  # a name wraps on its words ("Sandworm / Team"), a long word folds
                min_width=4,
                max_width=wide,
            )
        for row in assessment.ach[:ach_rows]:
            cells = [Text(row["cells"][c][:1].upper(), style=_COLOURS[row["cells"][c]]) for c in columns]
            ach.add_row(cell(row["evidence"]), plain(f"{row['diagnosticity']:.2f}"), *cells)
        if len(assessment.ach) > ach_rows:
            ach.add_row(
                plain(f"… {len(assessment.ach) - ach_rows} more (--format json or md)"),
                "",
                *["" for _ in columns],
            )
        parts.append(ach)
        if notes:
            # diag. is over every hypothesis of the matrix, the hidden ones too; said below the table,
            # in lines of the terminal's width (a caption is as wide as its table, and is cropped with it)
            parts.append(plain("; ".join(notes)))
    prov = assessment.provenance
    parts.append(
        plain(
            f"KB ATT&CK v{prov.get('attack_version')} {str(prov.get('kb_sha256'))[:16]}…, "
            f"engine {prov.get('engine')} {prov.get('unmask_version')}, view: {view_text(prov.get('kb_view'))}"
        )
    )
    return Group(*parts)  # type: ignore[arg-type]


def _why(lead: Hypothesis, title: str) -> Table:
    """The items for and against one hypothesis, with their weights."""
    reasons = Table(title=cell(title), title_justify="left")
    reasons.add_column("for")
    reasons.add_column("weight", justify="right")
    reasons.add_column("against")
    reasons.add_column("weight", justify="right")
    for i in range(max(len(lead.evidence_for), len(lead.evidence_against))):
        f = lead.evidence_for[i] if i < len(lead.evidence_for) else ("", None)
        a = lead.evidence_against[i] if i < len(lead.evidence_against) else ("", None)
        reasons.add_row(
            cell(f[0]),
            plain("" if f[1] is None else f"{f[1]:+.2f}"),
            cell(a[0]),
            plain("" if a[1] is None else f"{a[1]:+.2f}"),
        )
    (n_for, w_for), (n_against, w_against) = lead.weaker_for, lead.weaker_against
    if n_for or n_against:
        reasons.add_row(
            plain(f"{n_for} weaker item{'s' if n_for != 1 else ''}" if n_for else ""),
            plain(f"{w_for:+.2f}" if n_for else ""),
            plain(f"{n_against} weaker item{'s' if n_against != 1 else ''}" if n_against else ""),
            plain(f"{w_against:+.2f}" if n_against else ""),
            style="dim",
        )
    if not (lead.evidence_for or lead.evidence_against or n_for or n_against):
        reasons.add_row(plain("no item moves the odds either way"), "", "", "")
    return reasons
