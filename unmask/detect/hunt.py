"""Hunting: evidence and rules in, a case directory with events, findings and observations out.

``hunt(["logs/"], ["sigma/rules/windows"], Path("case"))`` ingests the evidence, compiles
the rules, runs them with the DuckDB engine, evaluates correlation rules, writes the
findings and a ``case.json`` whose observations ``unmask attribute`` consumes.  The case
directory::

    case.json          the Case: evidence manifest (SHA-256 per file), observations, notes
    hunt.json          what happened: events per family, skipped records, rule problems, timings
    events/<family>/   the events, Parquet
    findings.parquet   every finding with its rule, techniques, time, host and event pointer
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from unmask.cases.directory import (
    CASE_FILE,
    FINDINGS_FILE,
    HUNT_FILE,
    case_lock,
    load_case_dir,
    save_case_dir,
)
from unmask.detect.artifacts import (
    ARTIFACT_FIELDS,
    ArtifactCount,
    artifact_observations,
    artifacts_of,
    capped_note,
)
from unmask.detect.engines.duckdb import DuckDBEngine
from unmask.detect.findings import (
    LEVEL_CONFIDENCE,
    LEVEL_ORDER,
    FindingRow,
    FindingsWriter,
    observations_from_findings,
    read_findings,
)
from unmask.detect.indicators import IndicatorSet, load_all
from unmask.detect.ioc import indicator_key, match_indicators
from unmask.detect.sigma.correlation import Hit, describe, evaluate
from unmask.detect.sigma.rules import RuleSet, load_rules
from unmask.detect.yara import scan_files
from unmask.errors import ConfigError, IngestError, KnowledgeBaseError, Location
from unmask.ingest import IngestReport, ingest
from unmask.knowledge.home import atomic_write, unmask_home
from unmask.knowledge.warninglists import benign_index
from unmask.model import Case, Observation, Provenance

__all__ = [
    "CASE_FILE",
    "FINDINGS_FILE",
    "HUNT_FILE",
    "HuntResult",
    "check_memory_limit",
    "hunt",
    "title_software",
]

_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*((?:[KMGT]I?)?B)", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}
MIN_MEMORY = 64 * 2**20  # below this DuckDB cannot hold even one rule's working set


# stage name, done, total
Progress = Callable[[str, int, int], None]


@dataclass
class HuntResult:
    """What a hunt produced, with the counts a summary needs."""

    case_dir: Path
    case: Case
    ingest: IngestReport
    rules: RuleSet
    findings: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    by_technique: dict[str, int] = field(default_factory=dict)
    by_host: dict[str, int] = field(default_factory=dict)
    # rule id -> {"title": its title, "findings": how many}: two rules of one title stay two
    by_rule: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    engine_problems: list[str] = field(default_factory=list)
    iocs: dict[str, Any] = field(default_factory=dict)
    yara: dict[str, Any] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)  # evidence of an earlier hunt, now gone
    artifacts: dict[str, ArtifactCount] = field(default_factory=dict)  # values of flagged events, by kind
    hunted: int = 0  # observations this hunt made (the case also keeps what extract added)

    def summary(self) -> dict[str, Any]:
        return {
            "case_dir": str(self.case_dir),
            "events": self.ingest.events,
            "total_events": self.ingest.total_events,
            "files": len(self.ingest.files) - len(self.ingest.unread),  # read (as the summary line says)
            "unrecognised_files": self.ingest.unrecognised,
            "unrecognised_why": self.ingest.unrecognised_why,
            "unread_files": self.ingest.unread,
            "skipped_records": self.ingest.skipped,
            "undated_events": self.ingest.undated,
            "local_times_read_in": self.ingest.zone,
            "problems": [str(p) for p in self.ingest.problems],
            "rules": {
                "files": self.rules.files,
                "compiled": len(self.rules.rules),
                "correlations": len(self.rules.correlations),
                "not_routed": len(self.rules.unrouted),
                "not_routed_rules": [
                    {"path": r.path, "title": r.title, "logsource": r.logsource} for r in self.rules.unrouted
                ],
                "problems": [p.to_dict() for p in self.rules.problems],
                "warnings": list(self.rules.warnings),
            },
            "engine_problems": self.engine_problems,
            "iocs": self.iocs,
            "yara": self.yara,
            "findings": self.findings,
            "by_level": self.by_level,
            "by_technique": self.by_technique,
            "by_host": self.by_host,
            "by_rule": self.by_rule,
            "observations": len(self.case.observations),
            "observations_from_this_hunt": self.hunted,
            "replaced_evidence": self.replaced,
            "flagged_values": {kind: c.to_dict() for kind, c in self.artifacts.items()},
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _count(counter: dict[str, int], key: str | None) -> None:
    name = key or "-"
    counter[name] = counter.get(name, 0) + 1


def hunt(
    evidence: Iterable[Path | str],
    rule_folders: Iterable[Path | str],
    case_dir: Path,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    min_level: str = "low",
    rule_cache: Path | None = None,
    memory_limit: str = "512MB",
    iocs: Iterable[Path | str] = (),
    yara_rules: Iterable[Path | str] = (),
    zone: tzinfo = UTC,
) -> HuntResult:
    """Run a whole hunt into ``case_dir`` (created; an earlier hunt there is replaced).

    The evidence's local times (BSD syslog, Get-WinEvent export dates) are read in ``zone`` (UTC unless given).

    The hunt works in a staging folder inside ``case_dir`` and moves its products (events,
    findings, case, summary) into place only when it has succeeded: a hunt that fails leaves the
    earlier one whole.  The options that can fail (the rule, YARA and indicator paths, indicator
    files, the memory limit) are checked before the evidence is read.
    """
    timings: dict[str, float] = {}
    check_memory_limit(memory_limit)
    min_level = str(min_level).lower()  # "High" is "high"
    if min_level not in LEVEL_ORDER:
        raise ConfigError(f"minimum level {min_level!r}: choose one of {', '.join(reversed(LEVEL_ORDER))}")
    # Paths a typo can break are checked before hours of evidence are read.
    rule_paths, yara_paths = [Path(p) for p in rule_folders], [Path(p) for p in yara_rules]
    ioc_paths = [Path(p) for p in iocs]
    for what, paths in (
        ("rules folder", rule_paths),
        ("YARA rules", yara_paths),
        ("indicator file", ioc_paths),
    ):
        for path in paths:
            if not path.exists():
                raise ConfigError(f"{what} {path} does not exist")
    indicators = None
    if ioc_paths:
        clock = time.perf_counter()
        indicators = load_all(ioc_paths, benign_index())
        timings["indicators"] = time.perf_counter() - clock
    _check_case_dir(case_dir, evidence)
    created = not case_dir.exists()
    try:
        case_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IngestError(f"cannot create the case folder: {exc.strerror}", Location(case_dir)) from None
    # Held from reading the earlier case to moving the new one in: an extract into the case, or
    # another hunt, at the same time would lose what one of them wrote.
    with case_lock(case_dir):
        return _hunt_locked(
            evidence, rule_paths, case_dir, indicators, timings, created,
            jobs=jobs, progress=progress, min_level=min_level, rule_cache=rule_cache,
            memory_limit=memory_limit, yara_rules=yara_paths, zone=zone,
        )  # fmt: skip


def _hunt_locked(
    evidence: Iterable[Path | str],
    rule_paths: list[Path],
    case_dir: Path,
    indicators: IndicatorSet | None,
    timings: dict[str, float],
    created: bool,
    *,
    jobs: int | None,
    progress: Progress | None,
    min_level: str,
    rule_cache: Path | None,
    memory_limit: str,
    yara_rules: list[Path],
    zone: tzinfo,
) -> HuntResult:
    """:func:`hunt` once it holds the case folder."""
    earlier = load_case_dir(case_dir) if (case_dir / CASE_FILE).is_file() else None
    try:
        for stale in case_dir.glob(".hunt-*"):  # left by a hunt that was killed outright
            shutil.rmtree(stale, ignore_errors=True)
        stage = case_dir / f".hunt-{uuid.uuid4().hex[:8]}"
        stage.mkdir()
    except OSError as exc:
        raise IngestError(f"cannot create the case folder: {exc.strerror}", Location(case_dir)) from None
    try:
        result = _hunt(
            evidence, rule_paths, case_dir, stage, indicators, timings,
            jobs=jobs, progress=progress, min_level=min_level, rule_cache=rule_cache,
            memory_limit=memory_limit, yara_rules=yara_rules, earlier=earlier, zone=zone,
        )  # fmt: skip
        _promote(stage, case_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if created:  # a folder this failed hunt made holds nothing: it goes too
            shutil.rmtree(case_dir, ignore_errors=True)
        raise
    shutil.rmtree(stage, ignore_errors=True)
    return result


# Observations a hunt makes (and replaces when it runs again); any other (from `unmask extract`,
# a report, an analyst) is kept.
HUNT_METHODS = frozenset({"rule-tag", "rule-title", "flagged-event", "ioc-match", "yara-match"})
HUNT_NOTE = "hunt: "


def _check_case_dir(case_dir: Path, evidence: Iterable[Path | str]) -> None:
    """Refuse a case folder that would cost the user files: not a case, or the evidence itself."""
    target = case_dir.resolve()
    for given in evidence:
        source = Path(given).resolve()
        if target == source or source.is_relative_to(target):
            raise ConfigError(f"--case {case_dir} holds the evidence {given}; choose a folder of its own")
    if case_dir.is_dir() and any(case_dir.iterdir()) and not (case_dir / CASE_FILE).is_file():
        raise ConfigError(
            f"--case {case_dir} is a folder with other files and no {CASE_FILE}; a hunt replaces its "
            "events and findings: choose a new or empty folder, or a case folder"
        )


# The title a hunt gives a new case, before the names of its evidence.
HUNT_TITLE = "Hunt over "


def _carry_over(case: Case, earlier: Case | None) -> list[str]:
    """What another source added to the case (extract, reports) survives a new hunt, and so does
    the most restrictive TLP.  Returns the evidence files of the earlier hunt that this one
    replaced (their findings are gone, so they leave the case's evidence list too)."""
    if earlier is None:
        return []
    kept = [
        obs
        for obs in earlier.observations
        if obs.provenance is None or obs.provenance.method not in HUNT_METHODS
    ]
    case.observations += kept
    if earlier.tlp.rank > case.tlp.rank:
        case.tlp = earlier.tlp
    case.notes = [note for note in earlier.notes if not note.startswith(HUNT_NOTE)] + case.notes
    sources = {obs.provenance.source for obs in kept if obs.provenance is not None}
    replaced = []
    digests = set(case.evidence.values())
    for source, digest in earlier.evidence.items():
        if source in case.evidence:
            continue
        if source in sources:
            case.evidence[source] = digest
        elif digest not in digests:  # a file read again under another path is not replaced
            replaced.append(source)
    # An analyst's title stays; the title an earlier hunt gave ("Hunt over logs") names this one's evidence.
    if earlier.title and not earlier.title.startswith(HUNT_TITLE):
        case.title = earlier.title
    return replaced


def check_memory_limit(limit: str) -> None:
    """A DuckDB memory limit unmask can work in (``512MB``, ``2GB``); :class:`ConfigError` if not."""
    match = _MEMORY.fullmatch(limit.strip())
    if match is None:
        raise ConfigError(f"--memory-limit {limit!r}: give a size such as 512MB or 2GB")
    size = float(match.group(1)) * _UNITS[match.group(2).upper().replace("I", "")]
    if size < MIN_MEMORY:
        raise ConfigError(f"--memory-limit {limit!r}: at least {MIN_MEMORY // 2**20}MB is needed")


def _promote(stage: Path, case_dir: Path) -> None:
    """Move a finished hunt's products from ``stage`` into the case folder."""
    events, old = case_dir / "events", stage / "events-replaced"
    if events.exists():
        events.replace(old)
    (stage / "events").replace(events)
    for name in (FINDINGS_FILE, CASE_FILE, HUNT_FILE):
        (stage / name).replace(case_dir / name)


def _hunt(
    evidence: Iterable[Path | str],
    rule_folders: Iterable[Path | str],
    case_dir: Path,
    stage: Path,
    indicators: IndicatorSet | None,
    timings: dict[str, float],
    *,
    jobs: int | None,
    progress: Progress | None,
    min_level: str,
    rule_cache: Path | None,
    memory_limit: str,
    yara_rules: Iterable[Path | str],
    earlier: Case | None = None,
    zone: tzinfo = UTC,
) -> HuntResult:
    clock = time.perf_counter()
    report = ingest(
        evidence,
        stage / "events",
        jobs=jobs,
        progress=(lambda d, t: progress("parse", d, t)) if progress else None,
        exclude=[case_dir],
        zone=zone,
    )
    timings["ingest"] = time.perf_counter() - clock

    clock = time.perf_counter()
    cache = rule_cache if rule_cache is not None else unmask_home() / "cache" / "sigma-compiled.json"
    rules = load_rules(
        rule_folders,
        cache=cache,
        progress=(lambda d, t: progress("rules", d, t)) if progress else None,
        jobs=jobs,
    )
    timings["rules"] = time.perf_counter() - clock

    clock = time.perf_counter()
    case = Case(
        id=case_dir.resolve().name, title=f"{HUNT_TITLE}{', '.join(Path(e).name or str(e) for e in evidence)}"
    )
    case.evidence = report.manifest
    result = HuntResult(case_dir, case, report, rules)
    correlated = {rid for c in rules.correlations for rid in c.rules}
    # A rule that only correlations use (`generate: false`, Sigma's default) reports no finding
    # of its own: its matches are the correlation's raw material.
    silent = correlated - {rid for c in rules.correlations if c.generate for rid in c.rules}
    kept: dict[str, list[tuple[Any, FindingRow]]] = {}
    evidence_levels = LEVEL_ORDER[: LEVEL_ORDER.index(min_level) + 1]
    writer = FindingsWriter(stage / FINDINGS_FILE)
    try:
        with DuckDBEngine(stage / "events", memory_limit=memory_limit, threads=jobs) as engine:
            for hit in engine.run(
                rules.rules, progress=(lambda d, t: progress("detect", d, t)) if progress else None
            ):
                rule = hit.rule
                row = FindingRow(
                    rule.id,
                    rule.title,
                    rule.level,
                    rule.techniques,
                    rule.software,
                    hit.ts,
                    hit.host,
                    hit.file,
                    hit.sha256,
                    hit.record,
                    rule.path,
                )
                if rule.id not in silent:
                    _record(result, writer, row)
                if rule.id in correlated:
                    kept.setdefault(rule.id, []).append((hit, row))
            for correlation in rules.correlations:
                hits = _correlation_hits(engine, correlation, kept)
                for window in evaluate(correlation, hits):
                    first: FindingRow = window[0].pointer
                    row = FindingRow(
                        correlation.id,
                        correlation.title,
                        correlation.level,
                        correlation.techniques,
                        (),
                        first.time,
                        first.host,
                        first.file,
                        first.sha256,
                        first.record,
                        correlation.path,
                        describe(correlation, window),
                    )
                    _record(result, writer, row)
            ioc_observations: list[Observation] = []
            if indicators is not None:
                matches = match_indicators(engine, indicators)
                for finding in matches.findings:
                    _record(result, writer, finding)
                ioc_observations = matches.observations
                result.iocs = indicators.summary() | {"matched": matches.matched, "events": matches.events}
            yara_folders = [Path(p) for p in yara_rules]
            if yara_folders:
                scanned = scan_files(yara_folders, _evidence_files(evidence))
                for finding in scanned.findings:
                    _record(result, writer, finding)
                ioc_observations += scanned.observations
                result.yara = {
                    "rule_files": scanned.rules,
                    "files_scanned": scanned.scanned,
                    "matches": len(scanned.findings),
                    "problems": scanned.problems,
                }
            writer.close()
            engine.describe_findings(stage / FINDINGS_FILE)  # what each finding's event says
            # A value an indicator matched is that indicator's observation, not also an artifact of
            # the events its own findings flagged.
            matched = {(o.kind, o.value) for o in ioc_observations}
            artifacts = ioc_observations + [
                o
                for o in _artifact_observations(
                    engine, stage / FINDINGS_FILE, evidence_levels, result.artifacts
                )
                if (o.kind, o.value) not in matched
            ]
            result.engine_problems = list(engine.problems)
    except BaseException:
        writer.abort()
        raise
    timings["detect"] = time.perf_counter() - clock

    clock = time.perf_counter()
    named = title_software()
    untitled: list[str] = []
    case.observations = observations_from_findings(
        read_findings(stage / FINDINGS_FILE), min_level=min_level, named=named, left_out=untitled
    )
    if untitled:
        case.notes.append(
            f"{HUNT_NOTE}not used as evidence: a rule's software tag that its title does not name is the "
            f"rule author's context (software that also does what the rule detects), not the software "
            f"seen: {'; '.join(untitled[:10])}"
            + (f" and {len(untitled) - 10} more" if len(untitled) > 10 else "")
        )
    if named is None:
        case.notes.append(
            f"{HUNT_NOTE}software named in rule titles was not read: no knowledge base is installed"
            " (unmask kb install)"
        )
    case.observations += artifacts
    result.hunted = len(case.observations)
    case.notes.append(
        f"{HUNT_NOTE}{report.total_events} events from {len(report.files)} files; {result.findings} findings from "
        f"{len(rules.rules)} rules; observations from findings of level {min_level} or above."
        + (
            ""
            if str(zone) == "UTC"
            else f" Local times (BSD syslog, Windows export dates) were read in {zone}."
        )
    )
    capped = capped_note(result.artifacts)
    if capped:
        case.notes.append(HUNT_NOTE + capped)
    if indicators is not None and indicators.tlp is not None and indicators.tlp.rank > case.tlp.rank:
        case.tlp = indicators.tlp  # a partner's red indicator file makes the case red
    result.replaced = _carry_over(case, earlier)
    save_case_dir(stage, case)
    timings["observations"] = time.perf_counter() - clock
    result.timings = timings
    body = result.summary() | {"ingest": report.to_dict()}
    atomic_write(stage / HUNT_FILE, json.dumps(body, indent=2, ensure_ascii=False).encode())
    return result


def title_software() -> Callable[[str], tuple[str, ...]] | None:
    """The software a rule's title names, by the installed knowledge base (None without one:
    the observations then come from the rules' tags alone)."""
    from unmask.extract.lexicon import Lexicon
    from unmask.knowledge.store import load_kb

    try:
        kb = load_kb()
    except KnowledgeBaseError:
        return None
    lexicon = Lexicon.from_kb(kb)

    @functools.cache
    def named(title: str) -> tuple[str, ...]:
        found = lexicon.software_in_title(title, kb)
        if found is None:
            return ()
        record = kb.software[found]
        # ATT&CK's id, or the name (another KB resolves a name, not this one's internal id).
        return (record.id if record.origin == "attack" else record.name,)

    return named


def rule_key(row: FindingRow) -> str:
    """What the summary counts a finding under: its rule's id, and an indicator's value too
    (:func:`unmask.detect.ioc.indicator_key`: every address of an indicator file is "ioc:ip")."""
    return indicator_key(row.rule_id, row.title) if row.rule_id.startswith("ioc:") else row.rule_id


def _record(result: HuntResult, writer: FindingsWriter, row: FindingRow) -> None:
    writer.add(row)
    result.findings += 1
    _count(result.by_level, row.level)
    _count(result.by_host, row.host)
    key = rule_key(row)
    rule = result.by_rule.get(key)
    if rule is None:
        rule = result.by_rule[key] = {"title": row.title, "findings": 0}
    rule["findings"] += 1
    for technique in row.techniques:
        _count(result.by_technique, technique)


def _artifact_observations(
    engine: DuckDBEngine, findings: Path, levels: list[str], counts: dict[str, ArtifactCount]
) -> list[Observation]:
    """IPs, domains and hashes in the events that findings of ``levels`` point at (streamed);
    ``counts`` gets how many of each kind there were and were kept."""

    def items() -> Iterator[tuple[Any, str | None, str | None, float, Provenance, str]]:
        for family, fields in ARTIFACT_FIELDS.items():
            for row, values in engine.flagged_events(family, findings, levels, list(fields)):
                provenance = Provenance(source=row["file"], sha256=row["sha256"], record=row["record"])
                confidence = LEVEL_CONFIDENCE.get(row["level"], 0.5)
                for artifact in artifacts_of(values, fields):
                    yield artifact, row["time"], row["host"], confidence, provenance, row["title"]

    return artifact_observations(items(), counts)


def _correlation_hits(
    engine: DuckDBEngine, correlation: Any, kept: dict[str, list[tuple[Any, FindingRow]]]
) -> list[Hit]:
    """The hits of the rules a correlation counts, each with the values of its group-by (and
    counted) fields, read under the names of the route the hit matched on: ``Image`` of a 4688
    event is its ``NewProcessName``, as the rule's own detection read it."""
    hits: list[Hit] = []
    for rule_id in correlation.rules:
        fields = sorted(correlation.fields_of(rule_id))
        items = kept.get(rule_id, [])
        by_route: dict[tuple[str, tuple[tuple[str, str], ...]], list[Any]] = {}
        for raw, _ in items:
            by_route.setdefault(_route_names(raw), []).append(raw)
        values: dict[tuple[Any, ...], dict[str, str | None]] = {}
        for route, raws in by_route.items():
            names = dict(route[1])
            columns = [names.get(f, f) for f in fields]
            found = engine.fetch(route[0], [(h.file, h.record) for h in raws], sorted(set(columns)))
            for raw in raws:
                event = found.get((raw.file, raw.record), {})
                values[(raw.file, raw.record, route)] = {
                    f: event.get(c) for f, c in zip(fields, columns, strict=True)
                }
        for raw, row in items:  # in the order the rule matched them
            hits.append(Hit(rule_id, raw.ts, values[(raw.file, raw.record, _route_names(raw))], row))
    return hits


def _route_names(raw: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The family and field names of the route a hit matched on."""
    route = raw.route.route if raw.route is not None else raw.rule.routes[0].route
    return route.family, tuple(sorted(route.field_map.items()))


def _evidence_files(evidence: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for item in evidence:
        path = Path(item)
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return files
