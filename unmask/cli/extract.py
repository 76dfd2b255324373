"""``unmask extract``: CTI reports, STIX bundles and MISP events to case observations."""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from unmask.cases.directory import CASE_FILE, case_lock, load_case_dir, save_case_dir
from unmask.cli.common import (
    JsonOption,
    cell,
    check_json_format,
    console,
    emit_json,
    err_console,
    one_line,
    plain,
    printable,
    stage_progress,
    user_errors,
)
from unmask.errors import ConfigError
from unmask.extract.documents import MAX_TEXT_CHARS
from unmask.extract.run import actors_shown, extract_inputs
from unmask.knowledge.store import load_kb
from unmask.knowledge.warninglists import benign_index
from unmask.model import Tlp

__all__ = ["extract_command"]

TABLE_ROWS = 1_000


@user_errors
def extract_command(
    reports: Annotated[
        list[Path], typer.Argument(help="Reports (txt, md, html, pdf), STIX 2.1 bundles, MISP events (JSON).")
    ],
    case: Annotated[
        Path | None, typer.Option("--case", help="Write (or add to) the case in this directory.")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="table or json (default: table).")] = None,
    tlp: Annotated[
        str | None,
        typer.Option(
            "--tlp",
            help="The case's TLP label: clear, green, amber, amber+strict or red. An input marked "
            "more restrictively (STIX marking, MISP tag, a TLP line in a report) raises it.",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help=f"Table: the first N observations (default {TABLE_ROWS:,})."),
    ] = None,
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars",
            min=1000,
            help=f"Read at most this many characters of each report (default {MAX_TEXT_CHARS:,}, about "
            "1,000 pages); what is cut is said and kept in the case's notes.",
        ),
    ] = MAX_TEXT_CHARS,
    as_json: JsonOption = False,
) -> None:
    """Extract observations (techniques, software, indicators, CVEs, victims, dates), each with its source.

    Actor names found in a report are listed apart and never used as evidence.

    Example: unmask extract advisory.pdf partner-event.json --case case-01
    """
    if fmt not in (None, "table", "json"):
        raise ConfigError(f"--format {fmt!r}: choose table or json")
    # --json --format table asks for two things (--format left out, --json is JSON).
    check_json_format(as_json, fmt or "", "", ("json",))
    fmt = fmt or "table"
    label = Tlp.parse(tlp) if tlp is not None else None
    if case is not None and case.exists() and not case.is_dir():
        raise ConfigError(
            f"--case {case} is a file, not a case folder: give a folder (new or from `unmask hunt`)"
        )
    kb = load_kb()
    # The case folder is held from reading to writing it: a hunt or another extract into it at the
    # same time would otherwise lose what one of them wrote.
    with case_lock(case) if case is not None else nullcontext():
        existing = load_case_dir(case) if case is not None and (case / CASE_FILE).is_file() else None
        before = len(existing.observations) if existing is not None else 0  # the new ones come after
        with stage_progress(as_json or fmt == "json") as step:
            result = extract_inputs(
                reports, kb, existing, benign_index(), tlp=label, max_chars=max_chars, progress=step
            )
        # Nothing read and no case to add to: no empty case is left behind for `attribute` to trip on.
        written = case is not None and (existing is not None or bool(result.case.observations))
        if case is not None and written:
            case.mkdir(parents=True, exist_ok=True)
            if existing is None:
                result.case.id = case.resolve().name
            save_case_dir(case, result.case)
    if fmt == "json" or as_json:
        emit_json(result.to_dict())
    else:
        # Added to a case: what this run found (the case's other observations are in case.json).
        observations = result.case.observations[before:]
        shown = observations[: limit or TABLE_ROWS]  # a table of 50,000 rows takes a minute to draw
        title = f"{len(observations):,} observations"
        if existing is not None:
            title = f"{len(observations):,} new observations ({len(result.case.observations):,} in the case)"
        if len(shown) < len(observations):
            kinds = Counter(obs.kind.value for obs in observations)
            title += f" ({', '.join(f'{n:,} {k}' for k, n in kinds.most_common())}); the first {len(shown):,}"
        table = Table(title=title, title_justify="left")
        for name in ("kind", "value", "source", "where", "sentence / record"):
            table.add_column(name, overflow="fold")
        for obs in shown:
            prov = obs.provenance
            where = (
                ""
                if prov is None
                else (f"offset {prov.offset}" if prov.offset is not None else prov.record or "")
            )
            table.add_row(
                cell(obs.kind.value + (f":{obs.subtype}" if obs.subtype else "")),
                cell(obs.value),
                cell(Path(prov.source).name if prov else ""),
                cell(where),
                plain((prov.text or "")[:160] if prov else ""),
            )
        if observations:
            console.print(table)
        elif not result.failed:  # (a file that failed says so below: no empty table before it)
            console.print(plain(title))
        if len(shown) < len(observations) and limit is None:
            err_console.print(
                f"showing the first {len(shown):,} of {len(observations):,} observations: --limit N for"
                " more, --format json or --case DIR for all",
                markup=False,
                highlight=False,
            )
        if result.actors:
            names = actors_shown(result.actors)
            console.print(plain("Actors named (reported, never evidence): " + ", ".join(names)))
        if result.suppressed:
            console.print(
                plain(
                    f"{len(result.suppressed)} known-benign values suppressed, e.g. {result.suppressed[0]['value']} ({result.suppressed[0]['lists'][0]})"
                )
            )
    for problem in result.problems:
        err_console.print(one_line(f"warning: {problem}"), highlight=False)
    for failure in result.failed:
        err_console.print(printable(f"error: {failure}"), markup=False, highlight=False)
    if case is not None and fmt != "json" and not as_json:
        if written:
            console.print(plain(f"case written to {case} (next: unmask attribute {case})"))
        else:
            err_console.print(plain(f"no case written to {case}: nothing was extracted"))
    if result.failed:  # the other files' observations are printed and written; the run still failed
        raise typer.Exit(code=2)
