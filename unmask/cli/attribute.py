"""``unmask attribute``: who is behind a case, how likely, how sure, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from unmask.attribute.engine import attribute_case, unattributed
from unmask.cases import load_case
from unmask.cli.assessment_view import assessment_view
from unmask.cli.common import (
    JsonOption,
    check_json_format,
    check_output,
    console,
    dash_is_stdout,
    emit_json,
    err_console,
    one_line,
    output_format,
    plain,
    say_written,
    user_errors,
)
from unmask.errors import CaseError, ConfigError, Location, UnknownNameError
from unmask.extract.stix import NAMED_ACTOR_NOTE, SKIPPED_NOTE
from unmask.knowledge.home import atomic_write
from unmask.knowledge.store import KnowledgeBase, load_kb
from unmask.model import Assessment, Case
from unmask.printable import json_text
from unmask.report.markdown import assessment_markdown

__all__ = ["KbWithout", "attribute_command", "attributed", "kb_without"]

KbWithout = Annotated[
    list[str] | None,
    typer.Option(
        "--kb-without",
        help="Attribute against a KB without this campaign (C0001) or citation, or a second source's links (tidal).",
    ),
]


def attributed(
    case: Path, without: list[str] | None, top: int = 5, reporting: bool = False
) -> tuple[Case, KnowledgeBase, Assessment]:
    """The case at ``case``, the KB (or its view without ``without``) and the assessment.

    ``reporting``: a case directory with no observation (a hunt that found nothing at the levels
    that become evidence) gets an assessment that says so, for a report or an export that records
    what was examined, instead of an error; names that do not resolve are still an error."""
    loaded = load_case(case)
    for note in loaded.notes:
        # What a STIX bundle or MISP event held that is not evidence, an actor it names among it.
        if note.startswith(SKIPPED_NOTE) or note.endswith(NAMED_ACTOR_NOTE):
            err_console.print(one_line(f"note: {case}: {note}"))
    kb = load_kb()
    if without:
        kb = kb_without(kb, without)
    try:
        return loaded, kb, attribute_case(loaded, kb, top=top)
    except CaseError as exc:  # the engine knows the case, not the file it came from
        if reporting and exc.location is None and not loaded.observations:
            err_console.print(
                plain(f"note: {case}: {exc.message}; what is written says so and names no actor")
            )
            return loaded, kb, unattributed(loaded, kb, exc.message)
        if exc.location is None:
            raise CaseError(exc.message, Location(case)) from None
        raise


def kb_without(kb: KnowledgeBase, names: list[str]) -> KnowledgeBase:
    """A view without each named campaign (id or name), citation (report name) or second source."""
    campaigns, citations, sources = [], [], []
    link_sources = {link.source for link in kb.links}
    for name in names:
        if name.strip().lower() in link_sources:
            sources.append(name.strip().lower())
            continue
        if kb.citation_name(name) in kb.citations:
            citations.append(kb.citation_name(name))
            continue
        try:
            campaigns.append(kb.campaign_id(name))
        except UnknownNameError as exc:
            # The closest campaigns and reports alike: a report's name is often written from memory.
            close = list(dict.fromkeys([*exc.suggestions, *kb.close_citations(name)]))[:5]
            raise ConfigError(
                f"--kb-without {name!r} is neither a campaign (id or name), a citation nor a source of links"
                " in the knowledge base"
                + (f"; did you mean: {', '.join(map(repr, close))}?" if close else "")
            ) from None
    return kb.view(without_campaigns=campaigns, without_citations=citations, without_sources=sources)


@user_errors
def attribute_command(
    case: Annotated[
        Path,
        typer.Argument(
            help="A case file (YAML or JSON, docs/case-format.md), a STIX 2.1 bundle, a MISP event, or a case directory from `unmask hunt`."
        ),
    ],
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="How many actor hypotheses to list.")] = 5,
    output: Annotated[
        str | None,
        typer.Option("--format", help="table, json or md (default: table; with -o, from its extension)."),
    ] = None,
    target: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the JSON or Markdown here (atomically) instead of printing it (- prints it).",
            callback=dash_is_stdout,
        ),
    ] = None,
    without: KbWithout = None,
    as_json: JsonOption = False,
) -> None:
    """Attribute a case: ranked group and sponsor hypotheses, the ACH matrix, warnings.

    Example: unmask attribute case.yml --kb-without C0038 --format md -o assessment.md
    """
    if output not in (None, "table", "json", "md"):
        raise ConfigError(f"--format {output!r}: choose table, json or md")
    check_json_format(as_json, output or "", "", ("json",))  # --json --format table: two things
    if target is not None and output == "table":
        raise ConfigError(
            f"-o {target}: the table is for the terminal; -o writes json or md (--format json|md)"
        )
    if target is not None:  # -o assessment.md writes Markdown, -o a.csv is refused
        output = output_format(output, target, {".json": "json", ".md": "md", ".markdown": "md"}, "json")
    output = output or "table"
    check_output(target, case)
    _, _, assessment = attributed(case, without, top)
    if target is not None:
        text = (
            assessment_markdown(assessment)
            if output == "md"
            else json_text(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))
        )
        atomic_write(target, text.encode())
        say_written(target, output, as_json)
        return
    if output == "json" or as_json:
        emit_json(assessment.to_dict())
    elif output == "md":
        console.print(assessment_markdown(assessment), markup=False, highlight=False, soft_wrap=True)
    else:
        console.print(assessment_view(assessment, width=console.width))
