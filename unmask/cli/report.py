"""``unmask report``: the investigation report as HTML, PDF or Markdown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from unmask.cli.attribute import KbWithout, attributed
from unmask.cli.common import (
    OrgOption,
    TlpOption,
    WrittenJson,
    check_output,
    console,
    issuer,
    marked,
    output_format,
    prose,
    say_written,
    user_errors,
)
from unmask.errors import ConfigError
from unmask.knowledge.home import atomic_write
from unmask.report.html import ReportInput, render_html, render_pdf, timeline_findings
from unmask.report.markdown import case_markdown

__all__ = ["report_command"]

_FORMAT_OF = {".html": "html", ".htm": "html", ".pdf": "pdf", ".md": "md", ".markdown": "md"}


@user_errors
def report_command(
    case: Annotated[Path, typer.Argument(help="A case file or a case directory.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="html, pdf or md (default: from -o's extension, else html)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write here (default: report.<format>; - prints HTML or Markdown)."
        ),
    ] = None,
    without: KbWithout = None,
    tlp: TlpOption = None,
    org: OrgOption = None,
    as_json: WrittenJson = False,
) -> None:
    """The investigation report: the judgement in words, charts, the ATT&CK matrix, ACH, evidence.

    Example: unmask report case-01 --format html -o report.html
    """
    to_stdout = output is not None and str(output) == "-"
    if fmt is not None and fmt not in ("html", "pdf", "md"):
        raise ConfigError(f"--format {fmt!r}: choose html, pdf or md")
    # -o report.pdf writes a PDF; -o report.docx is refused (it would get HTML under a Word name)
    fmt = output_format(fmt, None if to_stdout else output, _FORMAT_OF, "html")
    if to_stdout and fmt == "pdf":
        raise ConfigError("-o - prints the report: a PDF needs a file (-o report.pdf)")
    target = None if to_stdout else output or Path(f"report.{fmt}")
    check_output(target, case)
    org = issuer(org)
    loaded, kb, assessment = attributed(case, without, reporting=True)
    loaded = marked(loaded, tlp)
    data = ReportInput(loaded, assessment, kb, timeline_findings(case), org)
    if target is None:
        text = render_html(data) if fmt == "html" else case_markdown(loaded, assessment, org, kb)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    if fmt == "pdf":
        render_pdf(data, target)
    elif fmt == "html":
        atomic_write(target, render_html(data).encode())
    else:
        atomic_write(target, case_markdown(loaded, assessment, org, kb).encode())
    say_written(target, fmt, as_json, summary=assessment.summary)
    if not as_json:
        # The summary quotes part labels (a case's phases, a log's host names): the case's text.
        console.print(prose(assessment.summary), soft_wrap=True)
