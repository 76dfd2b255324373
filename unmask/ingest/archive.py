"""Evidence archives (zip, tar, tar.gz, gz) opened safely.

Members are written under one extraction folder and nowhere else, each in a folder of its own
(``0003/logs/a.jsonl``: two members of one name, or a file and a folder of one name, cannot
overwrite each other): absolute paths, ``..``,
links and device files are refused; a name too long for the file system is shortened on disk
(the member keeps its name in every report); sizes are counted as the bytes really come out
(not as the header claims) and extraction stops at the limits, so a decompression bomb costs at
most the limit.  A member that cannot be written costs itself only.  Every refusal is reported
with the member's name.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from unmask.ingest.base import Problems

__all__ = ["ArchiveLimits", "Budget", "extract", "is_archive"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """How much an archive may expand to."""

    max_total_bytes: int = 16 * 1024**3
    max_member_bytes: int = 8 * 1024**3
    # uncompressed / compressed, for members over 1 MiB: a repetitive log (a storm of one line)
    # compresses 250:1 and more; DEFLATE cannot pass about 1,030:1, so beyond this it is a bomb.
    max_ratio: float = 1000.0
    max_members: int = 200_000


def is_archive(head: bytes, path: Path) -> str | None:
    """``zip``, ``tar``, ``gz`` or ``None`` from the first bytes."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gz"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _nul_name(name: str, problems: Problems) -> bool:
    """Whether a member's name holds a NUL byte (a PAX header can write one), which no file name
    can: that member is refused (said, with the NUL shown as ``\\x00``), the others are read."""
    if "\x00" not in name:
        return False
    problems.add(name.replace("\x00", "\\x00"), "member name holds a NUL byte; refused", lost=0)
    return True


def _safe_name(name: str) -> PurePosixPath | None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or not pure.parts:
        return None
    if ":" in pure.parts[0]:  # a Windows drive letter
        return None
    return _on_disk(pure)


class Budget:
    """What one archive, and every archive inside it, may expand to together.

    ``origin``: the size of the outermost archive on disk.  Nested archives share their parent's
    budget, so the ratio of everything extracted to the outermost archive's size is held at
    ``max_ratio`` too: two levels of 1,000:1 do not make 1,000,000:1."""

    def __init__(self, limits: ArchiveLimits | None = None, origin: int | None = None) -> None:
        self.limits = limits or ArchiveLimits()
        self.total = 0
        self.origin = origin

    def copy(self, source: IO[bytes], target: Path, compressed: int | None) -> str | None:
        """Copy one member; a reason string when it was refused (and the partial file removed).

        An error of the source (a truncated archive) is raised; one of the target (no space, a
        name the file system refuses) refuses this member only."""
        try:
            return self._copy(source, target, compressed)
        except _TargetError as exc:
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)
            return f"cannot be written here ({exc.__cause__})"

    def _copy(self, source: IO[bytes], target: Path, compressed: int | None) -> str | None:
        written = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            out = target.open("wb")
        except (OSError, ValueError) as exc:  # ValueError: a name the OS cannot take (a NUL)
            raise _TargetError from exc
        with out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                self.total += len(chunk)
                reason = None
                if written > self.limits.max_member_bytes:
                    reason = f"member larger than {self.limits.max_member_bytes} bytes"
                elif self.total > self.limits.max_total_bytes:
                    reason = f"archive expands beyond {self.limits.max_total_bytes} bytes"
                elif compressed and written > _CHUNK and written / max(compressed, 1) > self.limits.max_ratio:
                    reason = f"compression ratio above {self.limits.max_ratio:.0f} (a decompression bomb?)"
                elif (
                    self.origin
                    and self.total > _CHUNK
                    and self.total / max(self.origin, 1) > self.limits.max_ratio
                ):
                    reason = (
                        f"the archive and the archives in it expand more than {self.limits.max_ratio:.0f} "
                        "times its size (nested decompression bombs?)"
                    )
                if reason:
                    out.close()
                    target.unlink(missing_ok=True)
                    return reason
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise _TargetError from exc
        return None


class _TargetError(Exception):
    """Writing an extracted member failed (its cause says why)."""


# File systems take names of up to 255 bytes; a longer member name is shortened on disk (the
# member keeps its own name in every report).
_MAX_PART_BYTES = 200
_MAX_PATH_BYTES = 1024


def _on_disk(name: PurePosixPath) -> PurePosixPath:
    """A member's path with each over-long part shortened (its start and a hash of the whole)."""
    parts = []
    for part in name.parts:
        if len(part.encode("utf-8", "surrogateescape")) > _MAX_PART_BYTES:
            digest = hashlib.sha256(part.encode("utf-8", "surrogateescape")).hexdigest()[:16]
            suffix = PurePosixPath(part).suffix[:16]
            part = f"{part[:60]}~{digest}{suffix}"
        parts.append(part)
    if sum(len(p.encode("utf-8", "surrogateescape")) + 1 for p in parts) > _MAX_PATH_BYTES:
        # Folders nested past what a path can hold: the file alone, under a hash of the whole.
        digest = hashlib.sha256(str(name).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        parts = [digest, parts[-1]]
    return PurePosixPath(*parts)


def extract(
    path: Path, kind: str, into: Path, problems: Problems, budget: Budget | None = None
) -> Iterator[tuple[Path, str]]:
    """Extract ``path`` into ``into``; yield (extracted file, member name) for each member kept.

    ``budget``: the outer archive's, for an archive found inside one (a new one otherwise)."""
    if budget is None:
        budget = Budget(origin=path.stat().st_size)
    try:
        if kind == "zip":
            yield from _zip(path, into, problems, budget)
        elif kind == "gz":
            if _gzipped_tar(path):
                yield from _tar(path, into, problems, budget)
            else:
                yield from _gzip(path, into, problems, budget)
        else:
            yield from _tar(path, into, problems, budget)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, gzip.BadGzipFile) as exc:
        problems.add(None, f"archive is corrupt or truncated: {exc}", lost=0)


def _dated(target: Path, mtime: float | None) -> None:
    """Give an extracted member the time the archive recorded for it: a log's last-modified time
    says which year its BSD syslog dates are in (the extraction's own time would say this year)."""
    if mtime and mtime > 0:
        with contextlib.suppress(OSError, OverflowError, ValueError):
            os.utime(target, (mtime, mtime))


def _zip_time(date_time: tuple[int, int, int, int, int, int]) -> float | None:
    """A zip member's recorded time (local time of the machine that zipped it, read as UTC)."""
    try:
        return datetime(*date_time, tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _gzip_time(path: Path) -> float | None:
    """The MTIME of a gzip file's header (the compressed file's own time; 0 when not recorded)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(8)
    except OSError:
        return None
    return float(int.from_bytes(header[4:8], "little")) if len(header) == 8 else None


def _gzipped_tar(path: Path) -> bool:
    """Whether a gzip file holds a tar: its first header says ``ustar`` (a log that starts with
    NUL bytes, as one cut by a crash can, looks to ``tarfile`` like an empty tar)."""
    try:
        with gzip.open(path, "rb") as handle:
            head = handle.read(512)
    except (OSError, EOFError, zlib.error):
        return False
    return len(head) == 512 and head[257:262] == b"ustar"


def _zip(path: Path, into: Path, problems: Problems, budget: Budget) -> Iterator[tuple[Path, str]]:
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > budget.limits.max_members:
            problems.add(
                None, f"{len(members)} members is more than {budget.limits.max_members}; refused", lost=0
            )
            return
        for number, info in enumerate(members):
            if info.is_dir() or _nul_name(info.filename, problems):
                continue
            safe = _safe_name(info.filename)
            mode = (info.external_attr >> 16) & 0o170000
            if safe is None:
                problems.add(info.filename, "member path escapes the archive; refused", lost=0)
                continue
            if mode in (0o120000, 0o020000, 0o060000, 0o010000, 0o140000):
                problems.add(info.filename, "member is a link or device; refused", lost=0)
                continue
            if info.flag_bits & 0x1:
                problems.add(info.filename, "member is encrypted; skipped", lost=0)
                continue
            target = into / f"{number:06d}" / safe
            total = budget.total
            try:
                try:
                    with archive.open(info) as source:
                        reason = budget.copy(source, target, info.compress_size)
                except zipfile.BadZipFile as exc:
                    if not str(exc).startswith("Bad CRC-32"):
                        raise
                    # Every byte came out, only the checksum disagrees (the last chunk is withheld
                    # with the error): read again unchecked, the data is evidence still.
                    budget.total = total
                    with archive.open(info) as source:
                        source._expected_crc = None  # type: ignore[attr-defined]  # zipfile's own switch
                        reason = budget.copy(source, target, info.compress_size)
                    problems.add(
                        info.filename,
                        "member's CRC-32 does not match its data (damaged?); read as it is",
                        lost=0,
                    )
            except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as exc:  # this member only
                with contextlib.suppress(OSError):
                    target.unlink(missing_ok=True)
                problems.add(info.filename, f"member is corrupt; skipped: {exc}", lost=0)
                continue
            if reason:
                problems.add(info.filename, f"refused: {reason}", lost=0)
                if budget.total > budget.limits.max_total_bytes:
                    return
                continue
            _dated(target, _zip_time(info.date_time))
            yield target, info.filename


def _tar(path: Path, into: Path, problems: Problems, budget: Budget) -> Iterator[tuple[Path, str]]:
    compressed = path.stat().st_size
    with tarfile.open(path, mode="r:*") as archive:
        count = 0
        for member in archive:
            count += 1
            target = into / f"{count:06d}"
            if count > budget.limits.max_members:
                problems.add(None, f"more than {budget.limits.max_members} members; the rest refused", lost=0)
                return
            if member.isdir() or _nul_name(member.name, problems):
                continue
            if not member.isfile():
                problems.add(member.name, "member is a link or device; refused", lost=0)
                continue
            safe = _safe_name(member.name)
            if safe is None:
                problems.add(member.name, "member path escapes the archive; refused", lost=0)
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            try:
                reason = budget.copy(source, target / safe, compressed)
            except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
                # A truncated tar: what came out of this member is read, the rest is lost.
                problems.add(
                    member.name, f"archive ends inside this member ({exc}); what came before is read", lost=0
                )
                if (target / safe).is_file() and (target / safe).stat().st_size:
                    _dated(target / safe, member.mtime)
                    yield target / safe, member.name
                return
            if reason:
                problems.add(member.name, f"refused: {reason}", lost=0)
                if budget.total > budget.limits.max_total_bytes:
                    return
                continue
            _dated(target / safe, member.mtime)
            yield target / safe, member.name


class _GzipStream:
    """A gzip file read as far as it goes (``gzip.open`` loses the last megabyte of a cut file).

    At most one chunk is inflated at a time, so a bomb costs time in proportion to what comes
    out (and the budget stops it), never a gigabyte at once.  What follows the last member and is
    not another (zero padding a tape or a disk image added, garbage) ends the stream, as ``gzip -d``
    reads it: ``trailing`` counts its bytes, ``trailing_zeros`` says whether they were all zero.
    A damaged stream raises only once what was inflated before the damage has been read."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.inflate = zlib.decompressobj(wbits=31)
        self.pending = bytearray()
        self.complete = False
        self.trailing = 0
        self.trailing_zeros = True
        self.error: Exception | None = None

    def _more(self) -> bool:
        """Inflate up to one more chunk; ``False`` at the end of the input."""
        if self.trailing:
            return False
        data = self.inflate.unconsumed_tail
        if not data:
            data = self.handle.read(_CHUNK)
            if not data:
                return False
            self.complete = False
        self.pending += self.inflate.decompress(data, _CHUNK)
        while self.inflate.eof:  # the end of one gzip member; another may follow
            rest = self.inflate.unused_data
            if 0 < len(rest) < 2:  # a member's first bytes split over two reads
                rest += self.handle.read(1)
            self.inflate = zlib.decompressobj(wbits=31)
            self.complete = not rest
            if not rest:
                break
            if not rest.startswith(b"\x1f\x8b"):  # not another member: the data is over
                self._skip_trailing(rest)
                self.complete = True
                break
            self.pending += self.inflate.decompress(rest, _CHUNK)
        return True

    def _skip_trailing(self, rest: bytes) -> None:
        while rest:
            self.trailing += len(rest)
            self.trailing_zeros = self.trailing_zeros and not rest.strip(b"\x00")
            rest = self.handle.read(_CHUNK)

    def read(self, size: int) -> bytes:
        while len(self.pending) < size and self.error is None:
            try:
                if not self._more():
                    break
            except (zlib.error, EOFError, OSError) as exc:
                self.error = exc  # raised once what came before it is read
        if not self.pending and self.error is not None:
            raise self.error
        chunk = bytes(self.pending[:size])
        del self.pending[:size]
        return chunk


def _gzip(path: Path, into: Path, problems: Problems, budget: Budget) -> Iterator[tuple[Path, str]]:
    name = path.name[:-3] if path.name.endswith(".gz") else path.name + ".out"
    try:
        with path.open("rb") as handle:
            source = _GzipStream(handle)
            reason = budget.copy(source, into / name, path.stat().st_size)  # type: ignore[arg-type]
        if not source.complete and not reason:
            raise EOFError("the stream ends before its end marker")
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated or damaged stream: what decompressed before the damage is still evidence.
        problems.add(
            name, f"compressed stream is damaged or cut short ({exc}); what came before is read", lost=0
        )
        if (into / name).is_file() and (into / name).stat().st_size:
            _dated(into / name, _gzip_time(path))
            yield into / name, name
        return
    if reason:
        problems.add(name, f"refused: {reason}", lost=0)
        return
    if source.trailing:
        what = "zero bytes (padding)" if source.trailing_zeros else "bytes that are not gzip data"
        problems.add(name, f"{source.trailing:,} {what} after the compressed stream; ignored", lost=0)
    _dated(into / name, _gzip_time(path))
    yield into / name, name


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
