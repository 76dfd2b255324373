"""Ingest evidence into a case's event dataset: walk, recognise, parse in parallel, record.

``ingest(["evidence/"], case_dir / "events")`` walks folders recursively, opens archives
safely, recognises every file's format by its content (the extension only breaks ties),
parses files in worker processes and writes Parquet parts with bounded memory.  It returns
an :class:`IngestReport`: the evidence manifest (SHA-256 of every file), events per family,
and every problem with the file and position it happened at.
"""

from __future__ import annotations

import codecs
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from unmask.errors import IngestError, Location
from unmask.ingest import archive as archives
from unmask.ingest.base import (
    FAMILIES,
    PARSERS,
    UTF16_REPLACED,
    Problem,
    Problems,
    decode_utf16,
    readable_name,
    sha256_file,
)
from unmask.ingest.dataset import EventWriter
from unmask.ingest.fields import naive_zone, set_naive_zone
from unmask.printable import clip, printable
from unmask.workers import worker_pool

__all__ = ["EvidenceFile", "FileResult", "IngestReport", "discover", "ingest", "sniff"]

HEAD_BYTES = 8192
# A text file is recognised by its first whole lines: a CSV export's first message, or a web log's
# first request, can be longer than HEAD_BYTES; more is read for them, up to this.
MAX_HEAD_BYTES = 1 << 20
CHUNK_BYTES = 48 * 1024 * 1024

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass(frozen=True)
class EvidenceFile:
    """A file to parse: where it is on disk, the name it is reported under, its format."""

    path: Path
    name: str
    format: str | None
    size: int
    # The SHA-256 of the evidence as given, when ``path`` is a converted copy (UTF-16 text).
    sha256: str | None = None
    note: str | None = None
    why: str | None = None  # why no format recognises it


@dataclass
class FileResult:
    """What became of one evidence file."""

    name: str
    sha256: str
    format: str | None
    events: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    undated: int = 0  # events kept without a time that could be read
    why: str | None = None  # why it was not recognised as evidence

    def to_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "sha256": self.sha256,
            "format": self.format,
            "events": self.events,
            "skipped": self.skipped,
            "undated": self.undated,
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.why is not None:
            data["not_recognised_because"] = self.why
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileResult:
        return cls(
            name=str(data["name"]),
            sha256=str(data["sha256"]),
            format=data.get("format"),
            events=int(data.get("events", 0)),
            skipped=int(data.get("skipped", 0)),
            problems=[Problem.from_dict(p) for p in data.get("problems", [])],
            undated=int(data.get("undated", 0)),
            why=data.get("not_recognised_because"),
        )


@dataclass
class IngestReport:
    """The evidence manifest and what ingest made of it."""

    files: list[FileResult] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    zone: str = "UTC"  # the zone the evidence's local times were read in

    @property
    def manifest(self) -> dict[str, str]:
        return {f.name: f.sha256 for f in self.files}

    @property
    def total_events(self) -> int:
        return sum(self.events.values())

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.files)

    @property
    def undated(self) -> int:
        return sum(f.undated for f in self.files)

    @property
    def unrecognised(self) -> list[str]:
        """Files read and found to be no evidence format unmask knows."""
        return [f.name for f in self.files if f.format is None and not f.problems]

    @property
    def unrecognised_why(self) -> dict[str, str]:
        """Why each file not recognised was not: empty, binary, which first line matched nothing."""
        return {
            f.name: f.why or "no evidence format recognises it"
            for f in self.files
            if f.format is None and not f.problems
        }

    @property
    def unread(self) -> list[str]:
        """Files that could not be read at all (an I/O error, a link to a folder, a FIFO): each
        has its problem."""
        return [f.name for f in self.files if f.format is None and f.problems]

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": dict(self.events),
            "total_events": self.total_events,
            "skipped": self.skipped,
            "undated": self.undated,
            "local_times_read_in": self.zone,
            "files": [f.to_dict() for f in self.files],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestReport:
        return cls(
            files=[FileResult.from_dict(f) for f in data.get("files", [])],
            events={str(k): int(v) for k, v in data.get("events", {}).items()},
            zone=str(data.get("local_times_read_in", "UTC")),
        )


def sniff(head: bytes, path: Path) -> str | None:
    """The name of the parser that recognises a file's first bytes, or ``None``."""
    head = head.removeprefix(codecs.BOM_UTF8)  # a UTF-8 BOM says nothing about the format
    matches = [name for name, p in PARSERS.items() if p.sniff(head, path)]
    if not matches:
        return None
    if len(matches) > 1:  # the extension breaks ties (a .csv that also looks like syslog)
        suffix = path.suffix.lower().lstrip(".")
        for name in matches:
            if name == suffix or (name == "json" and suffix in ("jsonl", "ndjson")):
                return name
    return matches[0]


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


def _sniffed(path: Path, head: bytes) -> tuple[str | None, bytes]:
    """The format of a file and the first bytes that told it.  Text (no NUL: binary formats are
    told by their signature) that no format takes from its first :data:`HEAD_BYTES` may have had
    no whole line or row there (a CSV export's first message of 9 KB, a long first request): it
    is sniffed again from twice as much, up to :data:`MAX_HEAD_BYTES`."""
    found = sniff(head, path)
    while found is None and len(head) >= HEAD_BYTES and len(head) < MAX_HEAD_BYTES and b"\x00" not in head:
        with path.open("rb") as handle:
            longer = handle.read(min(len(head) * 2, MAX_HEAD_BYTES))
        if len(longer) <= len(head):
            break
        head = longer
        found = sniff(head, path)
    return found, head


def why_unrecognised(head: bytes) -> str:
    """Why no format took a file whose first bytes are ``head``: said to the analyst, who may
    know it is evidence after all."""
    if not head:
        return "an empty file"
    if b"\x00" in head:
        return "binary data without the signature of a format unmask reads (EVTX, zip, gzip, tar)"
    lines = [line for line in head.split(b"\n") if line.strip()]
    if b"\n" not in head.rstrip(b"\n") and len(head) >= MAX_HEAD_BYTES:
        return f"no line ends within its first {MAX_HEAD_BYTES // 1024:,} KiB (a text log is told by its first lines)"
    first = clip(printable(lines[0].decode("utf-8", errors="replace").strip()), 80) if lines else ""
    return (
        f"text whose first lines are of no log format unmask reads (JSON, CSV with a header row, syslog, "
        f"audit, access or W3C log, Zeek, Windows XML); the first line: {first!r}"
    )


def discover(
    inputs: Iterable[Path],
    scratch: Path,
    report: IngestReport,
    depth: int = 2,
    exclude: Iterable[Path] = (),
) -> list[EvidenceFile]:
    """Every evidence file under ``inputs``; archives are extracted (safely) into ``scratch``.

    A file reached twice (named twice, or inside a folder also named) is read once; nothing
    under ``exclude`` (the case folder a hunt writes into) is evidence.
    """
    found: list[EvidenceFile] = []
    seen: set[Path] = set()
    skip = [p.resolve() for p in exclude]
    for root in inputs:
        if not root.exists():
            raise IngestError("no such file or folder", Location(root))
        paths = [root] if not root.is_dir() else sorted(p for p in root.rglob("*") if not p.is_dir())
        for link in sorted(p for p in root.rglob("*") if root.is_dir() and p.is_symlink() and p.is_dir()):
            # Folders reached through a link are not walked (a link can loop or leave the evidence).
            shown = readable_name(str(link))
            report.files.append(
                FileResult(
                    shown,
                    "",
                    None,
                    problems=[
                        Problem(shown, None, "a link to a folder; not followed (give the folder itself)", 0)
                    ],
                )
            )
        for path in paths:
            if not path.is_file():  # a link to nothing, a FIFO, a socket, a device: said, not read
                why = (
                    "a link to nothing (or a loop)"
                    if path.is_symlink() and not path.exists()
                    else "not a regular file"
                )
                shown = readable_name(str(path))
                report.files.append(
                    FileResult(shown, "", None, problems=[Problem(shown, None, f"{why}; skipped", 0)])
                )
                continue
            # The same name twice is one file; a link is a name of its own (the hunt benchmark's
            # copies are links), but nothing under the case folder is evidence.
            named = Path(os.path.abspath(path))  # noqa: PTH100 - a link is not followed here
            if named in seen or any(path.resolve().is_relative_to(folder) for folder in skip):
                continue
            seen.add(named)
            _add(path, str(path), scratch, report, found, depth)
    return found


def _add(
    path: Path,
    name: str,
    scratch: Path,
    report: IngestReport,
    found: list[EvidenceFile],
    depth: int,
    budget: archives.Budget | None = None,
) -> None:
    """Add one evidence file, or the members of an archive (``budget``: the outermost archive's,
    shared by every archive inside it)."""
    name = readable_name(name)
    try:
        _add_read(path, name, scratch, report, found, depth, budget)
    except OSError as exc:  # unreadable, or removed since the folder was walked: this file only
        report.files.append(
            FileResult(name, "", None, problems=[Problem(name, None, f"cannot read: {exc}", 0)])
        )


def _add_read(
    path: Path,
    name: str,
    scratch: Path,
    report: IngestReport,
    found: list[EvidenceFile],
    depth: int,
    budget: archives.Budget | None,
) -> None:
    """:func:`_add`'s work; an ``OSError`` is the caller's to report."""
    head = _head(path)
    size = path.stat().st_size
    kind = archives.is_archive(head, path)
    if kind is not None and depth <= 0:
        report.files.append(
            FileResult(
                name,
                "",
                f"archive:{kind}",
                problems=[Problem(name, None, "an archive nested too deep; not opened", 0)],
            )
        )
        return
    if kind is not None and depth > 0:
        digest = sha256_file(path)
        problems = Problems(name)
        into = scratch / digest[:16]
        budget = budget or archives.Budget(origin=size)
        members = list(archives.extract(path, kind, into, problems, budget))
        report.files.append(FileResult(name, digest, f"archive:{kind}", problems=problems.kept))
        for member_path, member in members:
            _add(member_path, f"{name}!{member}", scratch, report, found, depth - 1, budget)
        return
    decoded = (
        decode_utf16(path.read_bytes())
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        else None
    )
    if decoded is not None:
        # UTF-16 text: parsed from a UTF-8 copy, the original's SHA-256 kept as the evidence's.
        converted, replaced = decoded
        digest = sha256_file(path)
        copy = scratch / "utf16" / digest[:16] / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(converted)
        note = "UTF-16 text converted to UTF-8" + (f"; {UTF16_REPLACED}" if replaced else "")
        found.append(_recognised(copy, name, size, digest, note))
        return
    found.append(_recognised(path, name, size, head=head))


def _recognised(
    path: Path,
    name: str,
    size: int,
    sha256: str | None = None,
    note: str | None = None,
    head: bytes | None = None,
) -> EvidenceFile:
    """An evidence file with its format, or why it has none."""
    found, head = _sniffed(path, _head(path) if head is None else head)
    why = None if found is not None else why_unrecognised(head.removeprefix(codecs.BOM_UTF8))
    return EvidenceFile(path, name, found, size, sha256, note, why)


def _parse_chunk(
    files: list[EvidenceFile], out: str, tag: str, zone: tzinfo = UTC
) -> tuple[list[FileResult], dict[str, int]]:
    """Worker: parse a list of files into Parquet parts tagged ``tag``, local times read in ``zone``."""
    set_naive_zone(zone)
    writer = EventWriter(Path(out), tag)
    results: list[FileResult] = []
    for item in files:
        before = _stamp(item.path)
        try:
            sha = item.sha256 or sha256_file(item.path)
        except OSError as exc:  # removed or made unreadable since it was found: this file only
            problem = Problem(item.name, None, f"cannot read (gone since the hunt started?): {exc}", 0)
            results.append(FileResult(item.name, "", None, problems=[problem]))
            continue
        result = FileResult(item.name, sha, item.format, why=item.why)
        results.append(result)
        if item.format is None:
            continue
        problems = Problems(item.name)
        if item.note:
            problems.add(None, item.note, lost=0)
        parser = PARSERS[item.format]
        try:
            for row in parser.parse(item.path, problems):
                family = row.pop("_family", parser.family)
                if family not in FAMILIES:  # only parsers name families (they are folder names)
                    family = parser.family
                row["_file"] = item.name
                row["_sha256"] = sha
                if not row.get("_ts"):
                    result.undated += 1
                writer.add(family, row)
                result.events += 1
        except (OSError, ValueError, UnicodeError) as exc:
            problems.add(None, f"reading stopped: {exc}", lost=0)
        if _stamp(item.path) != before:
            problems.add(
                None,
                "the file changed while it was read (a live log?): its SHA-256 and its events may not "
                "match; hunt a copy that nothing writes to",
                lost=0,
            )
        result.skipped = problems.skipped
        result.problems = problems.kept
    writer.close()
    return results, writer.counts


def _stamp(path: Path) -> tuple[int, int] | None:
    """Size and modification time: what tells that a file changed while it was read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _chunks(files: list[EvidenceFile], jobs: int) -> list[list[EvidenceFile]]:
    total = sum(f.size for f in files)
    target = max(1, min(CHUNK_BYTES, total // max(1, jobs * 4) + 1))
    chunks: list[list[EvidenceFile]] = [[]]
    size = 0
    for item in sorted(files, key=lambda f: f.name):
        if size >= target and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += item.size
    return [c for c in chunks if c]


def ingest(
    inputs: Iterable[Path | str],
    events: Path,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    exclude: Iterable[Path] = (),
    zone: tzinfo = UTC,
) -> IngestReport:
    """Parse every evidence file under ``inputs`` (not under ``exclude``) into the folder ``events``.

    The evidence's local times, written without a zone (BSD syslog, Get-WinEvent export dates), are read
    in ``zone``.  The folder is replaced whole when the run succeeds (a failed run leaves the old one).
    """
    jobs = jobs or min(os.cpu_count() or 1, 8)
    report = IngestReport(zone=str(zone))
    run = events.parent / f".{events.name}-{uuid.uuid4().hex[:8]}"
    scratch = events.parent / f".extract-{uuid.uuid4().hex[:8]}"
    run.mkdir(parents=True)
    try:
        paths = [Path(p) for p in inputs]
        for path in paths:
            if not path.exists():
                raise IngestError("no such file or folder", Location(path))
        found = discover(paths, scratch, report, exclude=exclude)
        total = sum(f.size for f in found)
        chunks = _chunks(found, jobs)
        done = 0
        results: list[tuple[list[FileResult], dict[str, int]]] = []
        if jobs == 1 or len(chunks) == 1:
            before = naive_zone()
            try:
                for index, chunk in enumerate(chunks):
                    results.append(_parse_chunk(chunk, str(run), f"{index:05d}", zone))
                    done += sum(f.size for f in chunk)
                    if progress:
                        progress(done, total)
            finally:
                set_naive_zone(before)
        else:
            with worker_pool(jobs, _context()) as pool:
                futures = {
                    pool.submit(_parse_chunk, chunk, str(run), f"{index:05d}", zone): chunk
                    for index, chunk in enumerate(chunks)
                }
                for future in as_completed(futures):
                    results.append(future.result())
                    done += sum(f.size for f in futures[future])
                    if progress:
                        progress(done, total)
        for file_results, counts in results:
            report.files.extend(file_results)
            for family, count in counts.items():
                report.events[family] = report.events.get(family, 0) + count
        report.files.sort(key=lambda f: f.name)
        if events.exists():
            shutil.rmtree(events)
        run.replace(events)
    finally:
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def _context() -> Any:
    # fork: workers start at once and need no importable __main__; the parent has started
    # no engine threads yet.  Elsewhere (macOS, Windows) spawn.
    return get_context("fork" if os.name == "posix" and hasattr(os, "fork") else "spawn")
