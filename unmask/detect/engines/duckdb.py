"""Run compiled Sigma rules over a case's Parquet events with DuckDB.

Rules are grouped by route (family + filter).  Each group's events are selected once into a
temporary table with the lower-cased copies its rules need, then many rules are evaluated
in one scan: each row yields the list of rules it matched.  Memory is bounded by DuckDB's
``memory_limit`` (it spills to disk beyond it), not by the size of the evidence.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from duckdb.func import FunctionNullHandling

from unmask.detect.sigma.routes import DERIVED_FIELDS
from unmask.detect.sigma.rules import CompiledRoute, CompiledRule
from unmask.detect.sigma.sql import (
    ALL_FIELDS,
    IN_NETWORK,
    LOWER_PREFIX,
    VALUE_SEPARATOR,
    in_network,
    literal,
    quote,
)
from unmask.ingest.base import COMMON_COLUMNS
from unmask.ingest.dataset import family_parts, list_families

__all__ = ["BATCH_RULES", "DuckDBEngine", "RawHit"]

BATCH_RULES = 100
HIT_CHUNK = 5_000
SKIPPED_OPTIMIZERS = (
    "common_subexpressions",
    "statistics_propagation",
    "compressed_materialization",
    "filter_pushdown",
    "column_lifetime",
)
SLICE_ROWS = 50_000  # events per slice for groups that search whole events or most events
# Cloud and cluster audit logs' call, caller and source: CloudTrail, Kubernetes, Azure, GCP, Okta.
CLOUD_DETAIL_FIELDS = (
    "eventSource", "eventName", "userIdentity.arn", "sourceIPAddress", "errorCode",
    "verb", "objectRef.resource", "objectRef.namespace", "objectRef.name", "user.username",
    "operationName", "protoPayload.methodName", "protoPayload.authenticationInfo.principalEmail",
    "eventType", "actor.alternateId", "client.ipAddress",
)  # fmt: skip
# What a finding's event says that an analyst triages on, first things first (Windows, Sysmon,
# Security audit, PowerShell, Zeek, web, Linux, cloud): a finding's detail names those it has.
DETAIL_FIELDS = (
    "CommandLine", "ProcessCommandLine", "Image", "NewProcessName", "ParentImage", "ParentProcessName",
    "SourceImage", "TargetImage", "GrantedAccess", "TargetFilename", "TargetObject", "Details",
    "QueryName", "DestinationHostname", "DestinationIp", "DestinationPort", "ServiceName", "ImagePath",
    "ServiceFileName", "TaskName", "ScriptBlockText", "Payload", "Threat Name", "Path", "Process Name",
    "ProcessName", "User", "TargetUserName", "SubjectUserName", "IpAddress", "WorkstationName", "LogonType",
    # what a share, object-access or directory-service event is about (5145, 4656/4663, 4662, 5136)
    "ShareName", "RelativeTargetName", "ObjectName", "ObjectType", "AccessMask", "Properties",
    "AttributeLDAPDisplayName", "ObjectDN", "ServicePrincipalNames", "PipeName", "DeviceDescription",
    # a filtered connection (5156), a Defender setting (5007), a BITS job, a DNS server or SQL audit
    # event, and the bare data of classic event logs
    "Application", "SourceAddress", "DestAddress", "DestPort", "NewValue", "jobTitle", "processPath", "url",
    "param1", "param2", "statement", "Data",
    "query", "id.orig_h", "id.resp_h", "id.resp_p", "host", "uri", "user_agent", "c-ip", "cs-method",
    "c-uri", "cs-uri-query", "cs-user-agent", "proctitle", "exe", "comm", "message",
    # auditd's own records (a PATH's name, an EXECVE's arguments, the rule's key)
    "name", "a0", "a1", "a2", "a3", "key",
    *CLOUD_DETAIL_FIELDS,
)  # fmt: skip
# Fields that are a detail only in their own logs: Zeek's ("host" is a syslog line's machine), the
# web logs' W3C names, auditd's records' and the cloud logs' (Sysmon's EventType is no Okta eventType).
DETAIL_ONLY_IN = {
    **dict.fromkeys(("query", "id.orig_h", "id.resp_h", "id.resp_p", "host", "uri", "user_agent"), "zeek"),
    **dict.fromkeys(("c-ip", "cs-method", "c-uri", "cs-uri-query", "cs-user-agent"), "web"),
    **dict.fromkeys(("name", "a0", "a1", "a2", "a3", "key"), "linux"),
    **dict.fromkeys(CLOUD_DETAIL_FIELDS, "generic"),
}
DETAIL_VALUE_CHARS, DETAIL_CHARS = 200, 600
_IDENT = re.compile(r'"((?:[^"]|"")*)"')
# Tokens of event text that indicators are joined with (the text is lower-cased first).
_WORD_PATTERN = r"[a-z0-9_][a-z0-9._-]*[a-z0-9_]|[0-9a-f]*:[0-9a-f:]*:[0-9a-f:.]*"
_URL_PATTERN = r"[a-z][a-z0-9+.-]*://[^\s\"'<>|^`{}]+"
_EMAIL_PATTERN = r"[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}"
# Where a URL that is no whole token ends: a blank or a character _URL_PATTERN stops at.
_URL_END = r"""[\s"'<>|^`{}]"""


def _untokened(values: list[str], patterns: list[str]) -> list[str]:
    """The values no token pattern yields whole: a URL holding a quote (``http://x/q'x``) is cut at
    it into the token ``http://x/q``, and would never match."""
    return sorted(v for v in set(values) if not any(re.fullmatch(p, v) for p in patterns))


def _standing_alone(value: str) -> str:
    """A regular expression (RE2's syntax as Python's) for ``value`` where a token of it would
    stand: not inside a longer word before it, and ending where a URL ends after it."""
    return f"(?:^|[^a-z0-9_+.-]){re.escape(value)}(?:{_URL_END}|$)"


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RawHit:
    """A rule matched an event: the rule, and the event's pointer, time and host; ``route`` is the
    route it matched on (its field names: a 4688 event's ``Image`` is its ``NewProcessName``)."""

    rule: CompiledRule
    file: str
    sha256: str
    record: str
    ts: str | None
    host: str | None
    route: CompiledRoute | None = None


def _column_sql(columns: dict[str, str], name: str) -> str:
    """An existing column (``columns``: lower-case name -> name) as SQL, or a typed NULL when absent;
    a field a route derives from others (:data:`DERIVED_FIELDS`) as its expression over them."""
    derived = DERIVED_FIELDS.get(name)
    if derived is not None:
        return f"({_filter_sql(columns, derived)})"
    real = columns.get(name.lower())
    return quote(real) if real is not None else "CAST(NULL AS VARCHAR)"


def _parquet_relation(parts: list[Path]) -> str:
    """The events of Parquet ``parts`` as a relation, their columns matched by name."""
    return "read_parquet([" + ", ".join(literal(str(p)) for p in parts) + "], union_by_name = true)"


def _parquet_columns(parts: list[Path]) -> dict[str, str]:
    """The columns of Parquet ``parts`` (lower-case name -> name, the first spelling met), read
    from their footers: DuckDB's DESCRIBE of them takes time growing with the square of their
    columns."""
    import pyarrow.parquet as pq

    columns: dict[str, str] = {}
    for part in parts:
        for name in pq.read_schema(part).names:
            columns.setdefault(name.lower(), name)
    return columns


def _filter_sql(columns: dict[str, str], where: str) -> str:
    """A route filter with its identifiers resolved against ``columns``."""
    return _IDENT.sub(lambda m: _column_sql(columns, m.group(1).replace('""', '"')), where)


class DuckDBEngine:
    """The embedded engine: one DuckDB connection over ``events/<family>/*.parquet``."""

    def __init__(self, events: Path, *, memory_limit: str = "512MB", threads: int | None = None) -> None:
        self.events = events
        self.memory_limit = memory_limit
        self.db = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": False})
        self._spill = tempfile.TemporaryDirectory(prefix="unmask-duckdb-")
        self.db.execute(f"SET temp_directory = {literal(self._spill.name)}")
        self.db.execute("SET enable_progress_bar = false")  # progress is ours to show
        self.db.execute("SET TimeZone = 'UTC'")  # |hour and the like read times in UTC, as findings show them
        # Rule queries are one scan with hundreds of large expressions: these optimizer passes
        # cost more planning time than they save (about 10 % of detection on the benchmark).
        self.db.execute(f"SET disabled_optimizers = {literal(','.join(SKIPPED_OPTIMIZERS))}")
        if threads:
            self.db.execute(f"SET threads = {int(threads)}")
        self.db.create_function(
            IN_NETWORK,
            in_network,
            ["varchar", "varchar"],
            "boolean",
            null_handling=FunctionNullHandling.SPECIAL,
            side_effects=False,
        )
        self.workers = threads or os.cpu_count() or 1
        self.columns: dict[str, set[str]] = {}
        self.problems: list[str] = []
        self._lower: dict[str, dict[str, str]] = {}
        # Each family's events as a relation over its Parquet parts, named in each query rather
        # than as a view: DuckDB binds a view's every column on each use and describes one in time
        # growing with the square of its columns (a log of 50,000 distinct keys: 11 s a DESCRIBE,
        # 4 s a query), while a query naming a few columns of the parts reads only those.
        self._relation: dict[str, str] = {}
        for family in list_families(events):
            parts = family_parts(events, family)
            self._relation[family] = _parquet_relation(parts)
            self._lower[family] = _parquet_columns(parts)
            self.columns[family] = set(self._lower[family].values())

    def close(self) -> None:
        self.db.close()
        self._spill.cleanup()

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def count(self, family: str) -> int:
        if family not in self.columns:
            return 0
        return int(self.db.execute(f"SELECT count(*) FROM {self._relation[family]}").fetchone()[0])  # type: ignore[index]

    def _column(self, family: str, name: str) -> str:
        return _column_sql(self._lower[family], name)

    def run(self, rules: list[CompiledRule], progress: Progress | None = None) -> Iterator[RawHit]:
        """Every (rule, event) match; rules whose family has no events are not run."""
        groups: dict[tuple[str, str], list[tuple[CompiledRule, CompiledRoute]]] = {}
        for rule in rules:
            for route in rule.routes:
                if route.route.family in self.columns:
                    groups.setdefault(route.route.key, []).append((rule, route))
        total = sum(len(g) for g in groups.values())
        done = 0
        # Groups run side by side, each on its own connection: a group's table is usually
        # smaller than one DuckDB row group, so a single query would use one core.  Hits come
        # back through a small queue, so memory does not grow with the number of hits.
        ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
        channel: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=8)
        stop = threading.Event()

        def put(item: tuple[str, Any]) -> None:
            while not stop.is_set():
                try:
                    channel.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        running: set[duckdb.DuckDBPyConnection] = set()

        def work(family: str, where: str, members: list[tuple[CompiledRule, CompiledRoute]]) -> None:
            if stop.is_set():
                put(("done", len(members)))
                return
            cursor = self.db.cursor()
            running.add(cursor)
            chunk: list[RawHit] = []
            advanced = 0.0

            def advance(units: float) -> None:
                # A route of a thousand rules runs for minutes: its batches move the bar.
                nonlocal advanced
                advanced += units
                put(("advance", units))

            try:
                for hit in self._run_group(family, where, members, cursor, advance):
                    chunk.append(hit)
                    if len(chunk) >= HIT_CHUNK:
                        put(("hits", chunk))
                        chunk = []
                put(("hits", chunk))
            except duckdb.Error as exc:
                # One route's failure (out of memory, a rule the engine rejects) costs that
                # route only; it is reported with the rules it concerns.
                titles = ", ".join(rule.title for rule, _ in members[:3]) + (" …" if len(members) > 3 else "")
                self.problems.append(
                    f"route {members[0][1].route.name} ({len(members)} rules: {titles}) could not run, "
                    f"their findings are missing: {self._failure(exc)}"
                )
            except BaseException as exc:  # handed to the caller's thread
                put(("error", exc))
            finally:
                running.discard(cursor)
                cursor.close()
                put(("done", len(members) - advanced))

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for (family, where), members in ordered:
                pool.submit(work, family, where, members)
            remaining = len(ordered)
            try:
                while remaining:
                    kind, payload = channel.get()
                    if kind == "hits":
                        yield from payload
                    elif kind == "error":
                        raise payload
                    else:
                        remaining -= kind == "done"
                        done += payload
                        if progress:
                            progress(min(total, round(done)), total)
            finally:
                stop.set()
                # Left early (Ctrl-C, SIGTERM, an error): the queries still running are stopped,
                # not waited for (a route of a thousand rules over millions of rows runs for minutes).
                for cursor in list(running):
                    with contextlib.suppress(Exception):
                        cursor.interrupt()

    def _run_group(
        self,
        family: str,
        where: str,
        members: list[tuple[CompiledRule, CompiledRoute]],
        db: duckdb.DuckDBPyConnection,
        advance: Callable[[float], None] = lambda units: None,
    ) -> Iterator[RawHit]:
        fields: set[str] = set()
        lowered: set[str] = set()
        for _, route in members:
            fields |= route.fields
            lowered |= route.lowered
        rows = self._route_rows(db, family, where)
        if rows == 0:
            return  # no events on this route: nothing to plan or run
        if ALL_FIELDS in fields | lowered or rows > SLICE_ROWS:
            # Keyword rules search the whole text of each event, and some routes cover most
            # events: selecting all of that at once would grow with the evidence, so these
            # groups go a slice of Parquet parts at a time.
            slices = self._slices(family)
            for parts in slices:
                yield from self._run_source(
                    db,
                    _parquet_relation(parts),
                    _parquet_columns(parts),
                    where,
                    fields,
                    lowered,
                    members,
                    lambda units: advance(units / len(slices)),
                )
            return
        yield from self._run_source(
            db, self._relation[family], self._lower[family], where, fields, lowered, members, advance
        )

    def _route_rows(self, db: duckdb.DuckDBPyConnection, family: str, where: str) -> int:
        filter_sql = _filter_sql(self._lower[family], where)
        row = db.execute(f"SELECT count(*) FROM {self._relation[family]} WHERE {filter_sql}").fetchone()
        return int(row[0]) if row else 0

    def _slices(self, family: str) -> list[list[Path]]:
        """The family's Parquet parts in runs of at most :data:`SLICE_ROWS` events."""
        import pyarrow.parquet as pq

        slices: list[list[Path]] = [[]]
        rows = 0
        for part in family_parts(self.events, family):
            count = pq.read_metadata(part).num_rows
            if slices[-1] and rows + count > SLICE_ROWS:
                slices.append([])
                rows = 0
            slices[-1].append(part)
            rows += count
        return [s for s in slices if s]

    def _run_source(
        self,
        db: duckdb.DuckDBPyConnection,
        relation: str,
        columns: dict[str, str],
        where: str,
        fields: set[str],
        lowered: set[str],
        members: list[tuple[CompiledRule, CompiledRoute]],
        advance: Callable[[float], None] = lambda units: None,
    ) -> Iterator[RawHit]:
        def column(name: str) -> str:
            return _column_sql(columns, name)

        filter_sql = _filter_sql(columns, where)
        data_columns = sorted(c for c in columns.values() if not c.startswith("_"))
        select = [column(c) + f" AS {quote(c)}" for c in COMMON_COLUMNS]
        # Keyword searches: the values one after the other, with a separator no keyword holds,
        # lower-cased; for regular expressions, the list of the values.
        quoted = ", ".join(quote(c) for c in data_columns)
        everything = f"concat_ws({literal(VALUE_SEPARATOR)}, {quoted})" if data_columns else "''"
        values = f"list_value({quoted})" if data_columns else "[]::VARCHAR[]"
        for name in sorted(fields):
            expr = values if name == ALL_FIELDS else column(name)
            select.append(f"{expr} AS {quote(name)}")
        for name in sorted(lowered):
            expr = everything if name == ALL_FIELDS else column(name)
            select.append(f"lower({expr}) AS {quote(LOWER_PREFIX + name)}")
        # The batches share one selection of the route's events with their lower-cased copies
        # (made once, not once per rule).  Beyond the memory limit DuckDB spills it to disk.
        db.execute(
            f"CREATE OR REPLACE TEMP TABLE base AS SELECT {', '.join(select)} FROM {relation} WHERE {filter_sql}"
        )
        try:
            rows = db.execute("SELECT count(*) FROM base").fetchone()
            if not rows or not rows[0]:
                return  # no events on this route: nothing to plan or run
            for start in range(0, len(members), BATCH_RULES):
                batch = members[start : start + BATCH_RULES]
                yield from self._run_batch(db, "base", batch)
                advance(len(batch))
        finally:
            db.execute("DROP TABLE IF EXISTS base")

    def _run_batch(
        self, db: duckdb.DuckDBPyConnection, source: str, batch: list[tuple[CompiledRule, CompiledRoute]]
    ) -> Iterator[RawHit]:
        cases = ", ".join(f"CASE WHEN {route.sql} THEN '{i}' END" for i, (_, route) in enumerate(batch))
        sql = (
            "SELECT _file, _sha256, _record, _ts, _host, hits FROM ("
            f"SELECT _file, _sha256, _record, _ts, _host, concat_ws(',', {cases}) AS hits FROM {source}"
            ") WHERE hits <> ''"
        )
        result = db.execute(sql)
        while rows := result.fetchmany(10_000):
            for file, sha, record, ts, host, hits in rows:
                for index in hits.split(","):
                    rule, route = batch[int(index)]
                    yield RawHit(rule, file, sha, record, ts, host, route)

    def fetch(
        self, family: str, pointers: list[tuple[str, str]], fields: list[str]
    ) -> dict[tuple[str, str], dict[str, str | None]]:
        """Field values of the events at ``(file, record)`` pointers (for correlations and reports)."""
        if not pointers or family not in self.columns:
            return {}
        import pyarrow as pa

        files, records = zip(*sorted(set(pointers)), strict=True)
        wanted = pa.table({"f": pa.array(files, pa.string()), "r": pa.array(records, pa.string())})
        cursor = self.db.cursor()
        try:
            cursor.register("wanted", wanted)
            cols = ", ".join(f"{self._column(family, f)} AS {quote(f)}" for f in fields) or "NULL AS none"
            rows = cursor.execute(
                f"SELECT e._file, e._record, {cols} FROM {self._relation[family]} e "
                "JOIN wanted w ON e._file = w.f AND e._record = w.r"
            ).fetchall()
        finally:
            cursor.close()
        return {(r[0], r[1]): dict(zip(fields, r[2:], strict=False)) for r in rows}

    def describe_findings(self, findings: Path) -> int:
        """Fill in each finding's ``detail`` (when it has none) with what its event says that an
        analyst triages on: the command line, the image, the user, the file, the query...
        (:data:`DETAIL_FIELDS`, those the event has, each value clipped).  ``findings.parquet`` is
        rewritten in its order, in place; how many findings got a detail."""
        joins, details = [], []
        for n, family in enumerate(sorted(self.columns)):
            present = [
                f
                for f in DETAIL_FIELDS
                if f.lower() in self._lower[family] and DETAIL_ONLY_IN.get(f, family) == family
            ]
            if not present:
                continue
            # The whole message only when the event has none of the fields (a syslog line).
            fallback = "message" in present and len(present) > 1
            present = [f for f in present if f != "message"] if fallback else present
            alias = f"e{n}"
            joins.append(
                f"LEFT JOIN {self._relation[family]} {alias} "
                f"ON {alias}._file = f.file AND {alias}._record = f.record"
            )
            parts = ", ".join(
                f"{literal(name + '=')} || left(nullif(CAST({alias}.{self._column(family, name)} AS VARCHAR), "
                f"'-'), {DETAIL_VALUE_CHARS})"
                for name in present
            )
            detail = f"nullif(left(concat_ws(' · ', {parts}), {DETAIL_CHARS}), '')"
            if fallback:
                message = f"{alias}.{self._column(family, 'message')}"
                detail = f"coalesce({detail}, 'message=' || left({message}, {DETAIL_CHARS}))"
            details.append(detail)
        if not findings.is_file() or not details:
            return 0
        import pyarrow as pa
        import pyarrow.parquet as pq

        from unmask.detect.findings import FINDINGS_SCHEMA

        filled = f"coalesce(f.detail, {', '.join(details)})"
        temporary = findings.with_name(f".{findings.name}.detail")
        cursor = self.db.cursor()
        count = 0
        try:
            result = cursor.sql(
                f"SELECT f.* EXCLUDE (file_row_number) REPLACE ({filled} AS detail) "
                f"FROM read_parquet({literal(str(findings))}, file_row_number = true) f "
                f"{' '.join(joins)} ORDER BY f.file_row_number"
            )
            with pq.ParquetWriter(temporary, FINDINGS_SCHEMA, compression="zstd") as writer:
                for batch in result.to_arrow_reader(10_000):
                    table = pa.Table.from_batches([batch]).select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)
                    count += table.num_rows - table.column("detail").null_count
                    writer.write_table(table)
            temporary.replace(findings)
        finally:
            cursor.close()
            temporary.unlink(missing_ok=True)
        return count

    def flagged_events(
        self, family: str, findings: Path, levels: list[str], fields: list[str]
    ) -> Iterator[tuple[dict[str, Any], dict[str, str | None]]]:
        """(finding, field values of its event) for findings of ``levels`` on ``family`` events.

        Streams a join of ``findings.parquet`` with the events; only events that have at least
        one of ``fields`` are returned.
        """
        if family not in self.columns or not findings.is_file():
            return
        present = [f for f in fields if f.lower() in self._lower[family]]
        if not present:
            return
        cols = ", ".join(f"e.{self._column(family, f)} AS {quote(f)}" for f in present)
        any_value = " OR ".join(f"e.{self._column(family, f)} IS NOT NULL" for f in present)
        wanted = ", ".join(literal(level) for level in levels)
        cursor = self.db.cursor()
        try:
            result = cursor.execute(
                f"SELECT f.file, f.sha256, f.record, f.time, f.host, f.level, f.title, {cols} "
                f"FROM read_parquet({literal(str(findings))}) f JOIN {self._relation[family]} e "
                f"ON e._file = f.file AND e._record = f.record WHERE f.level IN ({wanted}) AND ({any_value})"
            )
            keys = ("file", "sha256", "record", "time", "host", "level", "title")
            while rows := result.fetchmany(10_000):
                for row in rows:
                    yield dict(zip(keys, row[:7], strict=True)), dict(zip(present, row[7:], strict=True))
        finally:
            cursor.close()

    def _failure(self, exc: duckdb.Error) -> str:
        """What went wrong in a query, in a line, and for a lack of memory what to do about it."""
        hint = (
            f"; raise --memory-limit (now {self.memory_limit}) and hunt again"
            if isinstance(exc, duckdb.OutOfMemoryException)
            else ""
        )
        return f"{str(exc).splitlines()[0]}{hint}"

    def match_values(
        self, values: list[str], *, urls: bool = False, emails: bool = False
    ) -> Iterator[tuple[str, dict[str, Any], dict[str, str]]]:
        """(value, event pointer, the event's fields holding it) for each event holding a value.

        Every text field of every event is searched, command lines included: the event's text
        is cut into tokens (host names, addresses, hashes; URLs and e-mail addresses when
        asked), and the tokens are joined with ``values`` (lower-case), so the cost does not
        grow with the number of values; a value no token holds whole (a URL with a quote) is
        searched for in the text, where it stands alone.  Events go a slice of Parquet parts at a time.
        """
        import pyarrow as pa

        wanted = pa.table({"v": pa.array(sorted(set(values)), pa.string())})
        patterns = [_WORD_PATTERN] + ([_URL_PATTERN] if urls else []) + ([_EMAIL_PATTERN] if emails else [])
        # The values no token holds whole are searched for in the text itself (few, and the
        # search is a substring test first); both are parameters, never SQL text.
        untokened = _untokened(values, patterns)
        searched = pa.table(
            {
                "v": pa.array(untokened, pa.string()),
                "p": pa.array([_standing_alone(v) for v in untokened], pa.string()),
            }
        )
        cursor = self.db.cursor()
        try:
            cursor.register("wanted_values", wanted)
            cursor.register("searched_values", searched)
            for family in sorted(self.columns):
                for parts in self._slices(family):
                    relation = _parquet_relation(parts)
                    data = [n for n in _parquet_columns(parts).values() if not n.startswith("_")]
                    if not data:
                        continue
                    try:
                        text = "lower(concat_ws(' ', " + ", ".join(quote(n) for n in data) + "))"
                        tokens = " UNION ALL ".join(
                            f"SELECT _file, _record, unnest(regexp_extract_all(x, {literal(p)})) AS v FROM t"
                            for p in patterns
                        )
                        hits = cursor.execute(
                            f"WITH t AS MATERIALIZED (SELECT _file, _record, {text} AS x FROM {relation}), "
                            f"tok AS ({tokens}) "
                            "SELECT DISTINCT tok._file, tok._record, tok.v FROM tok JOIN wanted_values w ON tok.v = w.v"
                            + (
                                " UNION SELECT t._file, t._record, s.v FROM t JOIN searched_values s"
                                " ON contains(t.x, s.v) AND regexp_matches(t.x, s.p)"
                                if untokened
                                else ""
                            )
                        ).fetchall()
                        if not hits:
                            continue
                        pointers = pa.table(
                            {
                                "f": pa.array([h[0] for h in hits], pa.string()),
                                "r": pa.array([h[1] for h in hits], pa.string()),
                            }
                        )
                        cursor.register("hit_pointers", pointers)
                        rows = cursor.execute(
                            f"SELECT DISTINCT e.* FROM {relation} e JOIN hit_pointers p ON e._file = p.f AND e._record = p.r"
                        ).fetchall()
                        names = [column[0] for column in cursor.description or ()]
                        cursor.unregister("hit_pointers")
                        at_file, at_record = names.index("_file"), names.index("_record")
                        events = {
                            (row[at_file], row[at_record]): dict(zip(names, row, strict=True)) for row in rows
                        }
                    except duckdb.Error as exc:
                        # (out of memory on events of tens of thousands of fields): these parts'
                        # matches are missing, said; the other parts are still searched
                        self.problems.append(
                            f"indicator matching over {len(parts)} part(s) of the {family} events could not "
                            f"run, their matches are missing: {self._failure(exc)}"
                        )
                        continue
                    for file, record, value in hits:
                        event = events.get((file, record))
                        if event is None:
                            continue
                        fields = {
                            k: str(v)
                            for k, v in event.items()
                            if not k.startswith("_") and v is not None and value in str(v).lower()
                        }
                        pointer = {k: event.get(k) for k in ("_file", "_sha256", "_record", "_ts", "_host")}
                        yield value, pointer, fields
        finally:
            cursor.close()
