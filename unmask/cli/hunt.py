"""``unmask hunt``, ``unmask findings``, ``unmask timeline``: logs and rules to findings."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from unmask.cases.directory import CASE_FILE, FINDINGS_FILE, load_case_dir
from unmask.cli.common import (
    cell,
    check_json_format,
    check_output,
    console,
    counted,
    dash_is_stdout,
    emit_json,
    err_console,
    flag,
    one_line,
    output_format,
    plain,
    printable,
    stage_progress,
    user_errors,
    written_record,
)
from unmask.detect.artifacts import capped_note
from unmask.detect.findings import LEVEL_ORDER, FindingRow, finding_hosts, query_findings
from unmask.detect.hunt import HuntResult, hunt, title_software
from unmask.errors import CaseError, ConfigError, Location
from unmask.ingest.fields import parse_zone
from unmask.printable import json_text

__all__ = ["findings_command", "hunt_command", "timeline_command"]

_STAGES = {
    "parse": "parsing evidence (bytes)",
    "rules": "compiling rules (files)",
    "detect": "detecting (rule routes)",
}

# --json on the findings commands: JSON lines, one object per finding (as --format jsonl).
JsonLines = Annotated[bool, flag("--json", help="JSON lines, one finding per line (--format jsonl).")]


@user_errors
def hunt_command(
    evidence: Annotated[
        list[Path],
        typer.Argument(
            help="Evidence files or folders: EVTX, Windows XML and tool exports (JSON, CSV), Zeek, "
            "syslog, journald, audit.log, web access logs, CSV, zip/tar/gz (docs/hunting.md)."
        ),
    ],
    rules: Annotated[
        list[Path], typer.Option("--rules", help="A Sigma rule folder or file (repeat for more).")
    ],
    case: Annotated[
        Path | None, typer.Option("--case", help="Case directory to write (default: ./case-<time>).")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, help="Parallel workers (default: all cores).")
    ] = None,
    min_level: Annotated[
        str, typer.Option("--min-level", help="Lowest rule level that becomes attribution evidence.")
    ] = "low",
    memory_limit: Annotated[
        str,
        typer.Option("--memory-limit", help="DuckDB memory limit (it spills to disk beyond it), e.g. 1GB."),
    ] = "512MB",
    iocs: Annotated[
        list[Path] | None,
        typer.Option(
            "--iocs",
            help="Indicators to match: a list, CSV, STIX 2.1 bundle or MISP event (repeat for more).",
        ),
    ] = None,
    yara_rules: Annotated[
        list[Path] | None,
        typer.Option(
            "--yara", help="A folder or file of YARA rules to scan the evidence files with (repeatable)."
        ),
    ] = None,
    timezone: Annotated[
        str,
        typer.Option(
            "--timezone",
            help="Zone of the evidence's local times, written without a zone (BSD syslog lines, "
            "Get-WinEvent Export-Csv dates): an IANA name such as Europe/Tirane, UTC, or an offset "
            "such as +02:00. ISO 8601 times without a zone, and columns marked UTC, stay UTC.",
        ),
    ] = "UTC",
    as_json: Annotated[bool, flag("--json", help="Print the summary as JSON.")] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per summary table.")] = 10,
) -> None:
    """Ingest evidence, run Sigma rules over it and write a case directory.

    Example: unmask hunt logs/ --rules sigma/rules/windows --case case-01 --timezone Europe/Tirane
    """
    _check_level(min_level)
    zone = parse_zone(timezone)
    target = case or Path(f"case-{datetime.now(tz=UTC).strftime('%Y%m%d-%H%M%S')}")
    if target.exists() and not target.is_dir():
        raise CaseError("exists and is not a directory", Location(target))
    with stage_progress(as_json, _STAGES) as step:
        result = hunt(
            evidence,
            rules,
            target,
            jobs=jobs,
            progress=step,
            min_level=min_level,
            memory_limit=memory_limit,
            iocs=iocs or [],
            yara_rules=yara_rules or [],
            zone=zone,
        )
    if as_json:
        emit_json(result.summary())
    else:
        _print_summary(result, top)
    report = result.ingest
    read_cleanly = any(
        f.format and not f.format.startswith("archive:") and not f.problems for f in report.files
    )
    matched = bool(result.yara.get("matches"))  # YARA reads any file, logs or not: what it found counts
    if report.total_events == 0 and not read_cleanly and not matched:
        # A typo in the evidence path, or nothing in it readable, must not read as a clean hunt.
        what = "no evidence files were found" if not report.files else "no evidence file could be read"
        err_console.print(
            f"error: {what} in the inputs given: nothing was hunted; the case was written to {result.case_dir}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(2)
    if not result.rules.rules and not result.rules.correlations:
        # A typo in --rules must not read as a clean bill of health.
        used = " (the indicators and YARA rules were matched)" if iocs or yara_rules else ""
        err_console.print(
            f"error: no Sigma rule could be used ({result.rules.files:,} rule files, "
            f"{len(result.rules.problems):,} problems): the events were not hunted{used}; "
            f"the case was written to {result.case_dir}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(2)


def _counter_table(title: str, counts: dict[str, int], top: int, label: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label, overflow="fold")
    table.add_column("findings", justify="right")
    for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
        table.add_row(cell(key), str(value))
    return table


def _rule_table(by_rule: dict[str, dict[str, Any]], top: int) -> Table:
    """Findings per rule, each by its title and id (two rules can share a title)."""
    table = Table(title="Findings by rule", title_justify="left")
    table.add_column("rule", overflow="fold")
    table.add_column("id", no_wrap=True, overflow="fold")  # a UUID whole where the width allows
    table.add_column("findings", justify="right")
    ordered = sorted(by_rule.items(), key=lambda kv: (-kv[1]["findings"], kv[1]["title"], kv[0]))
    for rule_id, rule in ordered[:top]:
        table.add_row(cell(rule["title"]), cell(rule_id), str(rule["findings"]))
    return table


def _warn(text: Text, style: str = "yellow") -> None:
    """A warning, note or problem of the hunt: on standard error, as every command's are (the
    summary on standard output stays what the hunt found)."""
    err_console.print(text, style=style)


def _print_summary(result: HuntResult, top: int) -> None:
    report = result.ingest
    families = ", ".join(f"{k} {v:,}" for k, v in sorted(report.events.items())) or "none"
    unread = f", {len(report.unread)} could not be read (see the warnings)" if report.unread else ""
    console.print(
        plain(
            f"{counted(report.total_events, 'event')} ({families}) from "
            f"{counted(len(report.files) - len(report.unread), 'file')}{unread}; "
            f"{counted(report.skipped, 'record')} skipped"
        )
    )
    if not report.files:
        _warn(plain("warning: no evidence files were found in the inputs given"))
    if result.replaced:
        _warn(
            plain(
                f"warning: this hunt replaced the case's earlier hunt over {len(result.replaced):,} other "
                f"evidence files (e.g. {result.replaced[0]}); their findings are no longer in the case. "
                "Hunt all the evidence in one run to keep it together (observations from unmask extract are kept)."
            )
        )
    capped = capped_note(result.artifacts)
    if capped:
        _warn(plain(f"note: {capped}; the case notes say so too"))
    if report.undated:
        _warn(
            plain(
                f"note: {report.undated:,} events have no time that could be read (kept; their findings are "
                "undated and come last in the timeline; hunt.json lists them by file)"
            )
        )
    if report.unrecognised:
        console.print(
            plain(
                f"{len(report.unrecognised)} files not recognised as evidence (see hunt.json), e.g. {report.unrecognised[0]}"
                f": {report.unrecognised_why[report.unrecognised[0]]}"
            )
        )
    for problem in report.problems[:5]:
        _warn(one_line(f"warning: {problem}"))
    if len(report.problems) > 5:
        _warn(plain(f"... {len(report.problems) - 5} more problems in {result.case_dir / 'hunt.json'}"))
    rules = result.rules
    console.print(
        plain(
            f"{len(rules.rules):,} rules compiled from {rules.files:,} files, {len(rules.correlations)} correlations; "
            f"{len(rules.unrouted)} rules have no events source here; {len(rules.problems)} rules could not be used"
            + (
                f"; {filtered} run with their Sigma filters"
                if (filtered := sum(1 for r in rules.rules if r.filters))
                else ""
            )
        )
    )
    if not rules.files:
        _warn(plain("warning: no Sigma rule files (.yml, .yaml) were found under --rules"))
    for rule_problem in rules.problems[:5]:
        _warn(plain(f"rule: {rule_problem}"))
    others = rules.warnings[: len(rules.warnings) - rules.absent]
    for rule_warning in others[:5]:
        _warn(one_line(f"warning: {rule_warning}"))
    if len(others) > 5:
        _warn(plain(f"... {len(others) - 5} more rule warnings in hunt.json"))
    if rules.absent:
        _warn(
            plain(
                f"note: {counted(rules.absent, 'rule warning')} say a rule reads fields some of its "
                "routes' events never have (Sysmon's OriginalFileName on Security 4688): there those "
                "conditions read as missing; each is listed in hunt.json"
            )
        )
    if result.iocs:
        iocs = result.iocs
        console.print(
            plain(
                f"{iocs['indicators']:,} indicators ({', '.join(f'{k} {v}' for k, v in sorted(iocs['by_kind'].items()))}); "
                f"{len(iocs['matched'])} matched in {iocs.get('events', sum(iocs['matched'].values())):,} events; "
                f"{len(iocs['suppressed'])} suppressed as known-benign; {iocs['skipped']} unusable"
            )
        )
        for item in iocs["suppressed"][:5]:
            console.print(
                plain(f"suppressed: {item['kind']} {item['value']} ({item['lists'][0]})"), style="yellow"
            )
        # Each unusable value with its file and line, as docs/extraction.md promises: the first few.
        listed = iocs.get("problems", [])
        for indicator_problem in listed[:5]:
            _warn(one_line(f"warning: {indicator_problem}"))
        if len(listed) > 5:
            more = f"... {len(listed) - 5} more indicator problems in {result.case_dir / 'hunt.json'}"
            if iocs["skipped"] > len(listed):
                more += f" (it lists the first {len(listed)}; {iocs['skipped']:,} values were unusable)"
            _warn(plain(more))
    if result.yara:
        yara = result.yara
        console.print(
            plain(
                f"YARA: {yara['rule_files']} rule files over {yara['files_scanned']} files, {yara['matches']} matches"
            )
        )
        for problem_text in yara["problems"][:5]:
            _warn(plain(f"yara: {problem_text}"))
    for engine_problem in result.engine_problems:
        _warn(plain(f"error: {engine_problem}"), style="red")
    levels = {k: result.by_level[k] for k in LEVEL_ORDER if k in result.by_level}
    console.print(_counter_table("Findings by level", levels, len(levels), "level"))
    console.print(_counter_table("Findings by technique", result.by_technique, top, "technique"))
    console.print(_counter_table("Findings by host", result.by_host, top, "host"))
    console.print(_rule_table(result.by_rule, top))
    observations = len(result.case.observations)
    step = (
        f"next: unmask timeline {result.case_dir}; unmask attribute {result.case_dir}"
        if observations
        else "nothing to attribute yet: no finding gave an observation; add evidence (hunt more logs, "
        f"or unmask extract REPORT --case {result.case_dir})"
    )
    kept = observations - result.hunted
    made = f"{observations} observations" + (
        f" ({result.hunted} from this hunt, {kept} kept from extract)" if kept else ""
    )
    console.print(plain(f"{counted(result.findings, 'finding')}, {made} -> {result.case_dir}  ({step})"))


def _rows(
    case: Path,
    min_level: str,
    host: str | None = None,
    *,
    in_time_order: bool = False,
    limit: int | None = None,
) -> tuple[int, Iterator[FindingRow]]:
    """How many findings of the case match, and those findings (streamed, see query_findings)."""
    if not (case / CASE_FILE).is_file():
        raise CaseError(
            f"not a case directory written by `unmask hunt` (no {CASE_FILE}); run `unmask hunt EVIDENCE "
            "--rules RULES --case DIR` and give DIR",
            Location(case),
        )
    load_case_dir(case)  # a damaged case.json is an error here too
    path = case / FINDINGS_FILE
    if not path.is_file():
        raise CaseError(f"no {FINDINGS_FILE}; this case was not made by `unmask hunt`", Location(case))
    allowed = LEVEL_ORDER[: LEVEL_ORDER.index(min_level) + 1]
    return query_findings(path, allowed, host, in_time_order=in_time_order, limit=limit)


def _say_below(case: Path, min_level: str, host: str | None, shown: int) -> None:
    """Say on stderr how many of the case's findings (of ``host``) ``--min-level`` left out."""
    if min_level == LEVEL_ORDER[-1]:
        return
    total, rows = query_findings(case / FINDINGS_FILE, None, host, limit=0)
    for _ in rows:  # closes the query
        pass
    if total > shown:
        err_console.print(
            f"{total - shown:,} finding(s) below --min-level {min_level} not shown (--min-level "
            "informational for all)",
            markup=False,
            highlight=False,
        )


HOSTS_SUGGESTED = 5  # hosts a note on a --host no finding has names


def _say_no_such_host(case: Path, host: str) -> None:
    """Say on stderr that no finding of the case (at any level) has ``host``, and which hosts have
    findings: those whose name holds what was given first (``DC1`` for ``DC1.corp.local``)."""
    hosts = finding_hosts(case / FINDINGS_FILE)
    wanted = host.strip().lower()
    if any(name.lower() == wanted for name, _ in hosts):
        return  # it has findings, below --min-level (said apart)
    if not hosts:
        err_console.print(
            one_line(f"note: no finding has the host {host!r}: no finding of this case names a host")
        )
        return
    ranked = sorted(hosts, key=lambda item: not (wanted and wanted in item[0].lower()))  # stable
    named = ", ".join(f"{name} ({count:,})" for name, count in ranked[:HOSTS_SUGGESTED])
    more = f" and {len(hosts) - HOSTS_SUGGESTED:,} more" if len(hosts) > HOSTS_SUGGESTED else ""
    err_console.print(
        one_line(
            f"note: no finding has the host {host!r} (host names are compared ignoring case); "
            f"hosts with findings: {named}{more}"
        )
    )


_FINDINGS_FORMAT_OF = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}

# The rows a timeline table shows without --limit.
TIMELINE_TABLE_ROWS = 1_000
DETAIL_SHOWN = 160  # characters of a finding's detail in the timeline table (exports keep it whole)

# What an exported finding holds, in this order (CSV columns, JSON keys).
EXPORT_COLUMNS = (
    "rule_id",
    "title",
    "level",
    "techniques",
    "software",
    "title_software",
    "time",
    "host",
    "file",
    "sha256",
    "record",
    "detail",
    "rule_path",
)
_LISTS = ("techniques", "software", "title_software")


def _check_level(level: str) -> None:
    if level not in LEVEL_ORDER:
        raise ConfigError(f"--min-level {level!r}: choose one of {', '.join(LEVEL_ORDER)}")


def _records(rows: Iterator[FindingRow]) -> Iterator[dict[str, Any]]:
    """Each finding as an export record; ``title_software`` is the software the rule's title names
    by the installed knowledge base ("HackTool - Rubeus Execution"; empty without one), which the
    hunt's observations read too (provenance ``rule-title``)."""
    named = title_software() or (lambda _title: ())
    for row in rows:
        record = {name: getattr(row, name) for name in EXPORT_COLUMNS if name != "title_software"}
        record["title_software"] = named(row.title)
        yield {name: list(record[name]) if name in _LISTS else record[name] for name in EXPORT_COLUMNS}


# What starts a spreadsheet formula: at a cell's start, or after a ";", a tab or a line break,
# where a spreadsheet that reads ";" (Excel's and LibreOffice's default in many European locales)
# or a tab as the delimiter starts a cell or a row: it reads the quotes of a comma-separated file
# as text, so neither a ";" nor a line break in a quoted value is kept inside it (a host
# "ws01;=1+1" was the cell "=1+1" there).
_FORMULA_START = re.compile(r"(^|[;\t\r\n])(?=[=+\-@\t\r])")


def _csv_cell(value: object, shown: bool = False) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (log text is attacker-controlled),
    read with "," or ";" as the delimiter: a ``'`` before a formula's first character;
    ``shown`` (CSV on standard output, a terminal's): control characters as escapes, as every
    view shows them (an escape sequence in a host name could retitle or clear the terminal)."""
    text = "" if value is None else ";".join(value) if isinstance(value, list) else str(value)
    if shown:
        text = printable(text)
    return _FORMULA_START.sub(r"\1'", text)


def _write(rows: Iterator[dict[str, Any]], fmt: str, output: Path | None) -> int:
    """Write the findings as they stream (to ``output`` atomically, or to stdout); how many."""
    if fmt == "parquet" and output is None:
        raise ConfigError("--format parquet needs --output FILE")
    if output is None:
        return _write_text(rows, fmt, sys.stdout, shown=True)
    from unmask.knowledge.home import atomic_writer

    with atomic_writer(output) as handle:
        if fmt == "parquet":
            return _write_parquet(rows, handle)
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        count = _write_text(rows, fmt, text)
        text.flush()
        text.detach()  # the writer closes the file itself
        return count


def _write_text(rows: Iterator[dict[str, Any]], fmt: str, stream: Any, shown: bool = False) -> int:
    count = 0
    if fmt == "csv":
        # Every value quoted: a ";" inside one is no delimiter to a reader that takes ";" for one
        # (the header, unmask's own names, as it was).
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL)
        columns = list(EXPORT_COLUMNS)
        csv.writer(stream).writerow(columns)
        for record in rows:
            writer.writerow([_csv_cell(record[c], shown) for c in columns])
            count += 1
    else:
        for record in rows:
            stream.write(json_text(json.dumps(record, ensure_ascii=False)) + "\n")
            count += 1
    return count


def _write_parquet(rows: Iterator[dict[str, Any]], handle: Any) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [(name, pa.list_(pa.string()) if name in _LISTS else pa.string()) for name in EXPORT_COLUMNS]
    )
    count = 0
    with pq.ParquetWriter(handle, schema) as writer:
        batch: list[dict[str, Any]] = []
        for record in rows:
            batch.append(record)
            if len(batch) == 20_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        count += len(batch)
    return count


@user_errors
def findings_command(
    case: Annotated[Path, typer.Argument(help="A case directory written by `unmask hunt`.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv, jsonl or parquet (default: from -o's extension; jsonl without -o or with no extension).",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (stdout if omitted or -).", callback=dash_is_stdout
        ),
    ] = None,
    min_level: Annotated[
        str, typer.Option("--min-level", help="Only findings of this level or above.")
    ] = "informational",
    as_json: Annotated[
        bool,
        flag(
            "--json",
            help="JSON lines on stdout (--format jsonl); with --output, what was written, as JSON.",
        ),
    ] = False,
) -> None:
    """Export a case's findings: rule, techniques, time, host, evidence file and SHA-256, record.

    Example: unmask findings case-01 --format csv -o findings.csv
    """
    if fmt is not None and fmt not in ("csv", "jsonl", "parquet"):
        raise ConfigError(f"--format {fmt!r}: choose csv, jsonl or parquet")
    fmt = output_format(fmt, output, _FINDINGS_FORMAT_OF, "jsonl")  # -o findings.csv writes CSV
    if as_json and output is None:
        check_json_format(as_json, fmt, "jsonl", ("jsonl",))
    _check_level(min_level)
    check_output(output, case)
    _, rows = _rows(case, min_level)
    count = _write(_records(rows), fmt, output)
    if output is not None:
        err_console.print(f"wrote {counted(count, 'finding')} to {output}", markup=False, highlight=False)
        if as_json:
            emit_json(written_record(output, fmt, findings=count))


def _whole_second(time: str) -> str:
    """``2019-05-26T04:01:42.545736Z`` as the table shows it, ``2019-05-26 04:01:42`` (the CSV and
    JSONL keep the fraction)."""
    return time[:19].replace("T", " ") if len(time) >= 19 and time[10:11] == "T" else time


@user_errors
def timeline_command(
    case: Annotated[Path, typer.Argument(help="A case directory written by `unmask hunt`.")],
    fmt: Annotated[str, typer.Option("--format", help="table, csv or jsonl.")] = "table",
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Only the first N findings in time.")
    ] = None,
    min_level: Annotated[
        str, typer.Option("--min-level", help="Only findings of this level or above.")
    ] = "low",
    host: Annotated[
        str | None,
        typer.Option("--host", help="Only this host (its name as the findings give it, any case)."),
    ] = None,
    as_json: JsonLines = False,
) -> None:
    """The case's findings in time order (undated findings last).

    Example: unmask timeline case-01 --min-level high
    """
    if fmt not in ("table", "csv", "jsonl"):
        raise ConfigError(f"--format {fmt!r}: choose table, csv or jsonl")
    check_json_format(as_json, fmt, "table", ("jsonl",))
    fmt = "jsonl" if as_json else fmt
    _check_level(min_level)
    # A terminal table of millions of rows helps no one and costs gigabytes: the first
    # TIMELINE_TABLE_ROWS unless --limit says otherwise (csv and jsonl stream every one).
    shown = limit if limit is not None or fmt != "table" else TIMELINE_TABLE_ROWS
    total, found = _rows(case, min_level, host, in_time_order=True, limit=shown)
    if fmt != "table":
        _write(_records(found), fmt, None)
        _say_below(case, min_level, host, total)
        if host is not None and total == 0:
            _say_no_such_host(case, host)
        return
    rows = list(found)
    title = f"Timeline of {case} ({total:,} findings"
    title += f"; the first {len(rows):,} in time)" if len(rows) < total else ")"
    table = Table(title=plain(title), title_justify="left")
    for name in ("time (UTC)", "host", "level", "rule", "techniques", "event", "detail"):
        # A time and a level are read whole; the other cells fold in a narrow terminal.
        table.add_column(name, overflow="fold", no_wrap=name in ("time (UTC)", "level"))
    for row in rows:
        detail = row.detail or ""
        table.add_row(
            plain(_whole_second(row.time) if row.time else "-"),
            cell(row.host or "-"),
            cell(row.level),
            cell(row.title),
            cell(", ".join(row.techniques)),
            cell(f"{Path(row.file).name}#{row.record}"),
            plain(detail if len(detail) <= DETAIL_SHOWN else detail[: DETAIL_SHOWN - 1] + "…"),
        )
    console.print(table)
    _say_below(case, min_level, host, total)
    if host is not None and total == 0:
        _say_no_such_host(case, host)
    if len(rows) < total and limit is None:
        err_console.print(
            f"showing the first {len(rows):,} of {total:,} findings: --limit N for more, "
            "or --format csv / jsonl for all",
            markup=False,
            highlight=False,
        )
