"""``unmask report``: the investigation report as HTML, PDF or Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from unmask.attribute.engine import attribute_case
from unmask.cases import load_case
from unmask.cases.directory import FINDINGS_FILE
from unmask.cli.attribute import kb_without
from unmask.cli.common import console, err_console, user_errors
from unmask.errors import ConfigError
from unmask.knowledge.home import atomic_write
from unmask.knowledge.store import load_kb
from unmask.report.html import ReportInput, render_html, render_pdf
from unmask.report.markdown import case_markdown

__all__ = ["findings_for_report", "report_command"]


def findings_for_report(case: Path, limit: int = 5000) -> list[dict[str, Any]]:
    """The findings of a hunt's case directory (level low or above), for the timeline."""
    path = case / FINDINGS_FILE
    if not case.is_dir() or not path.is_file():
        return []
    from unmask.detect.findings import read_findings

    rows = []
    for row in read_findings(path):
        if row.level in ("critical", "high", "medium", "low"):
            rows.append({"time": row.time, "host": row.host, "title": row.title, "level": row.level})
            if len(rows) >= limit:
                break
    return rows


@user_errors
def report_command(
    case: Annotated[Path, typer.Argument(help="A case file or a case directory.")],
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or md.")] = "html",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: report.<format>).")
    ] = None,
    without: Annotated[
        list[str] | None,
        typer.Option("--kb-without", help="Attribute against a KB without this campaign or citation."),
    ] = None,
) -> None:
    """The investigation report: the judgement in words, charts, the ATT&CK matrix, ACH, evidence.

    Example: unmask report case-01 --format html -o report.html
    """
    if fmt not in ("html", "pdf", "md"):
        raise ConfigError(f"--format {fmt!r}: choose html, pdf or md")
    loaded = load_case(case)
    kb = load_kb()
    if without:
        kb = kb_without(kb, without)
    assessment = attribute_case(loaded, kb)
    data = ReportInput(loaded, assessment, kb, findings_for_report(case))
    target = output or Path(f"report.{fmt}")
    if fmt == "pdf":
        render_pdf(data, target)
    elif fmt == "html":
        atomic_write(target, render_html(data).encode())
    else:
        atomic_write(target, case_markdown(loaded, assessment).encode())
    err_console.print(f"wrote {target}", markup=False, highlight=False)
    console.print(assessment.summary, markup=False, highlight=False, soft_wrap=True)
