"""Findings: written to and read from the case's ``findings.parquet``; turned into observations.

A finding is one rule hit on one event (see :class:`unmask.model.Finding`).  For attribution,
findings are summarised into observations: one per ATT&CK technique (or software id) and
host, with the first and last time it was seen, a confidence from the strongest rule level
behind it, and the first event as provenance.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from unmask import safe_json
from unmask.errors import CaseError, Location
from unmask.model import Finding, Observation, ObservationKind, Provenance

__all__ = [
    "FINDINGS_SCHEMA",
    "LEVEL_CONFIDENCE",
    "FindingsWriter",
    "finding_hosts",
    "observations_from_findings",
    "query_findings",
    "read_findings",
    "rule_techniques",
]

LEVEL_CONFIDENCE = {"critical": 0.9, "high": 0.8, "medium": 0.6, "low": 0.4, "informational": 0.2}
LEVEL_ORDER = ["critical", "high", "medium", "low", "informational"]

FINDINGS_SCHEMA = pa.schema(
    [
        ("rule_id", pa.string()),
        ("title", pa.string()),
        ("level", pa.string()),
        ("techniques", pa.list_(pa.string())),
        ("software", pa.list_(pa.string())),
        ("time", pa.string()),
        ("host", pa.string()),
        ("file", pa.string()),
        ("sha256", pa.string()),
        ("record", pa.string()),
        ("rule_path", pa.string()),
        ("detail", pa.string()),
    ]
)


@dataclass
class FindingRow:
    rule_id: str
    title: str
    level: str
    techniques: tuple[str, ...]
    software: tuple[str, ...]
    time: str | None
    host: str | None
    file: str
    sha256: str
    record: str
    rule_path: str = ""
    detail: str | None = None  # what matched, for indicator hits: "DestinationIp=203.0.113.9"

    def finding(self) -> Finding:
        return Finding(
            rule_id=self.rule_id,
            title=self.title,
            level=self.level,
            techniques=self.techniques,
            time=self.time,
            host=self.host,
            provenance=Provenance(source=self.file, sha256=self.sha256, record=self.record),
        )


class FindingsWriter:
    """Streams findings into one Parquet file (row groups of 10,000), renamed into place at close."""

    def __init__(self, path: Path, batch: int = 10_000) -> None:
        self.path = path
        self.temporary = path.with_name(f".{path.name}.tmp")
        self.batch = batch
        self.rows: list[FindingRow] = []
        self.count = 0
        self.closed = False
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(self.temporary, FINDINGS_SCHEMA, compression="zstd")

    def add(self, row: FindingRow) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        columns = {name: [getattr(r, name) for r in self.rows] for name in FINDINGS_SCHEMA.names}
        columns["techniques"] = [list(t) for t in columns["techniques"]]
        columns["software"] = [list(t) for t in columns["software"]]
        try:
            table = pa.table(columns, schema=FINDINGS_SCHEMA)
        except UnicodeEncodeError:
            # A lone surrogate got past the readers (they mend what they read): U+FFFD, not a
            # failed hunt.
            table = pa.table(safe_json.mend(columns), schema=FINDINGS_SCHEMA)
        self.writer.write_table(table)
        self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
        self.temporary.replace(self.path)
        self.closed = True

    def abort(self) -> None:
        """Drop what was written (an interrupted hunt leaves no half findings file)."""
        if not self.closed:
            self.writer.close()
            self.temporary.unlink(missing_ok=True)


def query_findings(
    path: Path,
    levels: Iterable[str] | None = None,
    host: str | None = None,
    *,
    in_time_order: bool = False,
    limit: int | None = None,
) -> tuple[int, Iterator[FindingRow]]:
    """How many findings match, and the findings themselves, streamed.

    Filtering, ordering (time, undated last, then host and rule) and the limit are done by DuckDB
    over the Parquet file, which spills to disk beyond its memory limit: a hunt of millions of
    findings is listed without holding them all.
    """
    import duckdb

    conditions, parameters = [], []
    if levels is not None:
        wanted = list(levels)
        conditions.append(f"level IN ({', '.join('?' for _ in wanted)})" if wanted else "false")
        parameters += wanted
    if host is not None:
        conditions.append("lower(coalesce(host, '')) = ?")
        parameters.append(host.lower())
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    db = duckdb.connect()
    db.execute("SET memory_limit = '512MB'")
    source = "read_parquet(?)"
    # Only fixed text and ? placeholders are put together here; every value is a parameter.
    try:
        count_row = db.execute(f"SELECT count(*) FROM {source}{where}", [str(path), *parameters]).fetchone()  # noqa: S608
        total = int(count_row[0]) if count_row else 0
        order = " ORDER BY time IS NULL, time, host, title" if in_time_order else ""
        cut = f" LIMIT {int(limit)}" if limit is not None else ""
        result = db.execute(f"SELECT * FROM {source}{where}{order}{cut}", [str(path), *parameters])  # noqa: S608
    except duckdb.Error as exc:
        raise damaged(path, exc) from None

    def rows() -> Iterator[FindingRow]:
        try:
            names = [column[0] for column in result.description or ()]
            while batch := result.fetchmany(20_000):
                for values in batch:
                    yield _finding_row(dict(zip(names, values, strict=True)))
        except (duckdb.Error, KeyError) as exc:
            raise damaged(path, exc) from None
        finally:
            db.close()

    return total, rows()


def finding_hosts(path: Path) -> list[tuple[str, int]]:
    """The hosts the findings of a ``findings.parquet`` file name, with how many findings each has
    (every level), the most first; findings without a host are left out."""
    import duckdb

    db = duckdb.connect()
    try:
        rows = db.execute(
            "SELECT host, count(*) AS n FROM read_parquet(?) WHERE coalesce(host, '') <> '' "
            "GROUP BY host ORDER BY n DESC, host",
            [str(path)],
        ).fetchall()
    except duckdb.Error as exc:
        raise damaged(path, exc) from None
    finally:
        db.close()
    return [(str(host), int(count)) for host, count in rows]


def damaged(path: Path, exc: Exception) -> CaseError:
    """The error for a findings file that cannot be read (cut short, overwritten, another file)."""
    why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return CaseError(
        f"the findings file is damaged or is not one ({why}); run the hunt again to rebuild it",
        Location(path),
    )


def read_findings(path: Path) -> Iterator[FindingRow]:
    """Every finding of a ``findings.parquet`` file, in file order (:class:`CaseError` if it is
    damaged)."""
    try:
        table = pq.ParquetFile(path)
        for batch in table.iter_batches(batch_size=20_000):
            # Column by column: a batch's rows as dicts cost twice as much (66,000 findings at 10x).
            columns = {name: batch.column(name).to_pylist() for name in batch.schema.names}
            for values in zip(*columns.values(), strict=True):
                yield _finding_row(dict(zip(columns, values, strict=True)))
    except (pa.ArrowException, OSError, KeyError) as exc:
        raise damaged(path, exc) from None


def _finding_row(item: dict[str, Any]) -> FindingRow:
    return FindingRow(
        rule_id=item["rule_id"],
        title=item["title"],
        level=item["level"],
        techniques=tuple(item["techniques"] or ()),
        software=tuple(item["software"] or ()),
        time=item["time"],
        host=item["host"],
        file=item["file"],
        sha256=item["sha256"],
        record=item["record"],
        rule_path=item.get("rule_path") or "",
        detail=item.get("detail"),
    )


@dataclass
class _Summary:
    first: str | None = None
    last: str | None = None
    level: str = "informational"
    count: int = 0
    first_row: FindingRow | None = None
    rules: set[str] = field(default_factory=set)
    tagged: bool = False  # a rule's tag says it (not only a rule's title)
    belief: float = 0.0  # the best of its rules' (level, and a share of a many-tagged rule)


@functools.lru_cache(maxsize=4096)
def _rule_techniques(techniques: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`rule_techniques` of one rule's tags, worked out once per rule (a hunt has many
    findings of few rules)."""
    return tuple(rule_techniques(techniques))


def rule_techniques(techniques: Iterable[str]) -> list[str]:
    """The techniques a rule's tags say were seen: several sub-techniques of one parent are the parent.

    A rule tagged T1003.001, .002, .004, .005 and .006 ("Mimikatz ran") does not say which way
    credentials were dumped; counting five observed techniques would invent four of them.
    """
    listed = list(dict.fromkeys(techniques))
    subs: dict[str, list[str]] = {}
    for technique in listed:
        if "." in technique:
            subs.setdefault(technique.split(".")[0], []).append(technique)
    merged = {parent for parent, children in subs.items() if len(children) > 1}
    result: list[str] = []
    for technique in listed:
        parent = technique.split(".")[0]
        keep = parent if parent in merged else technique
        if keep not in result:
            result.append(keep)
    return result


# Resource Development (TA0042): what an actor did before the intrusion (bought servers, wrote or
# obtained tools). No log of the victim's shows it; a detection rule's tag for it (T1588.002 on a
# hack-tool rule) is the rule author's context, not something seen.
RESOURCE_DEVELOPMENT = ("T1583", "T1584", "T1585", "T1586", "T1587", "T1588", "T1608", "T1650")
# A rule tagged with more techniques than this says one thing happened that ATT&CK can describe in
# several ways: each of its k techniques is believed FULLY_BELIEVED_TAGS / k as much.
FULLY_BELIEVED_TAGS = 3


# How a hunted observation's provenance names its rules ("3 finding(s) of: A; B; first: …").
FINDINGS_OF = " finding(s) of: "
_FIRST = "; first: "


def rules_named(text: str) -> list[str]:
    """The rule titles a hunted observation's provenance text names, with "…" last when it names
    only the first of more (the inverse of what observations_from_findings writes)."""
    if FINDINGS_OF not in text:
        return []
    named = text.split(FINDINGS_OF, 1)[1].split(_FIRST, 1)[0]
    rules = [r.strip() for r in named.removesuffix(" …").split("; ") if r.strip()]
    return rules + (["…"] if named.endswith(" …") else [])


def _event(row: FindingRow, program: str) -> tuple[str, ...]:
    """The event a finding's software was read from: its file and record; a file YARA matched (or a
    finding without a record) is an event of its own for each program."""
    if row.record and not row.rule_id.startswith("yara:"):
        return (row.file, row.record)
    return (row.file, row.record or "", row.rule_id, program)


def _count(
    summaries: dict[tuple[ObservationKind, str, str | None], _Summary],
    kind: ObservationKind,
    value: str,
    row: FindingRow,
    part: float,
) -> None:
    """Add one finding to the observation of ``value`` on its host (``part``: the share of the
    rule's belief this value gets)."""
    summary = summaries.setdefault((kind, value, row.host), _Summary())
    summary.tagged = summary.tagged or kind is ObservationKind.TECHNIQUE or value in row.software
    summary.belief = max(summary.belief, LEVEL_CONFIDENCE.get(row.level, 0.5) * part)
    summary.count += 1
    summary.rules.add(row.title)
    if row.time and (summary.first is None or row.time < summary.first):
        summary.first = row.time
        summary.first_row = row
    if row.time and (summary.last is None or row.time > summary.last):
        summary.last = row.time
    if summary.first_row is None:
        summary.first_row = row
    if LEVEL_ORDER.index(row.level) < LEVEL_ORDER.index(summary.level):
        summary.level = row.level


def observations_from_findings(
    rows: Iterable[FindingRow],
    min_level: str = "low",
    named: Callable[[str], tuple[str, ...]] | None = None,
    left_out: list[str] | None = None,
) -> list[Observation]:
    """One observation per (technique or software, host) from findings at ``min_level`` or above.

    Software is what the rule's title names (``named``: looked up in the knowledge base; most
    rules that detect a tool name it in the title).  A software tag the title does not name is
    the rule author's context ("New Firewall Rule Added Via Netsh" tagged with HARDRAIN, which
    also does that), not the software seen: it is left out, and said in ``left_out``.  Without a
    knowledge base (``named`` None) the tags are taken.  Resource Development tags are left out
    (RESOURCE_DEVELOPMENT), and a rule of many techniques shares its belief among them
    (FULLY_BELIEVED_TAGS).
    """
    allowed = set(LEVEL_ORDER[: LEVEL_ORDER.index(min_level) + 1])
    summaries: dict[tuple[ObservationKind, str, str | None], _Summary] = {}
    untitled: dict[str, set[str]] = {}
    pending: list[tuple[str, FindingRow]] = []  # software and the finding that names it
    families: dict[tuple[str, ...], set[str]] = {}  # event (file, record) -> the software it was taken for
    for row in rows:
        if row.level not in allowed:
            continue
        if named is None:
            software = row.software
        else:
            software = named(row.title)
            for tag in row.software:
                if tag not in software:
                    untitled.setdefault(tag, set()).add(row.title)
        techniques = [t for t in _rule_techniques(row.techniques) if not t.startswith(RESOURCE_DEVELOPMENT)]
        share = min(1.0, FULLY_BELIEVED_TAGS / len(techniques)) if techniques else 1.0
        for technique in techniques:
            _count(summaries, ObservationKind.TECHNIQUE, technique, row, share)
        for program in software:
            # Weighed once every finding is seen: how many families the same event was taken for.
            # (A YARA match is of a whole file, which can hold several programs: its own event.)
            pending.append((program, row))
            families.setdefault(_event(row, program), set()).add(program)
    for program, row in pending:
        # One event two rules read as two families (a rundll32 heuristic titled Pikabot and another
        # titled QakBot) is one observation of which family is unknown: each gets its share.
        _count(summaries, ObservationKind.SOFTWARE, program, row, 1 / len(families[_event(row, program)]))
    observations: list[Observation] = []
    for (kind, value, host), summary in sorted(
        summaries.items(), key=lambda kv: (kv[0][0].value, kv[0][1], kv[0][2] or "")
    ):
        first = summary.first_row
        assert first is not None
        rules = sorted(summary.rules)
        text = f"{summary.count}{FINDINGS_OF}" + "; ".join(rules[:3]) + (" …" if len(rules) > 3 else "")
        if first.detail:  # what the first event says: "CommandLine=vssadmin delete shadows /all"
            text += f"{_FIRST}{first.detail}"
        observations.append(
            Observation(
                kind=kind,
                value=value,
                first_seen=summary.first,
                last_seen=summary.last,
                host=host,
                confidence=round(summary.belief, 4),
                provenance=Provenance(
                    source=first.file,
                    sha256=first.sha256,
                    record=first.record,
                    text=text,
                    method="rule-tag" if summary.tagged else "rule-title",
                ),
            )
        )
    if left_out is not None:
        for tag, titles in sorted(untitled.items()):
            shown = "; ".join(sorted(titles)[:3]) + (
                f" and {len(titles) - 3} more" if len(titles) > 3 else ""
            )
            left_out.append(f"software {tag}, tagged on rules whose title does not name it ({shown})")
    return observations
