"""Windows EVTX files, read with the Rust-backed ``evtx`` package (every channel)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from unmask.ingest.base import Problems, Row, json_value, register
from unmask.ingest.fields import windows_row

__all__ = ["EvtxParser"]

MAGIC = b"ElfFile\x00"
HEADER_BYTES = 4096
CHUNK_BYTES = 65536
CHUNK_MAGIC = b"ElfChnk\x00"
CHUNK_HEADER_READ = 40
MAX_CHUNK_RECORDS = 65536  # a sane bound: a chunk of 64 KiB cannot hold more records than bytes
_RANGE = re.compile(r"record IDs (\d+)\.\.(\d+)")


class EvtxParser:
    name = "evtx"
    family = "windows"
    priority = 0

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(MAGIC)

    def parse(self, path: Path, problems: Problems) -> Iterator[Row]:
        import evtx

        try:
            reader = evtx.PyEvtxParser(str(path), number_of_threads=1, skip_errors=True)
        except (OSError, RuntimeError) as exc:
            problems.add(None, f"not a readable EVTX file: {exc}", lost=0)
            return
        last = 0
        count = 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            iterator = reader.records_json()
            while True:
                try:
                    record: Any = next(iterator)
                except StopIteration:
                    break
                except (RuntimeError, OSError) as exc:
                    problems.add(f"after record {last}", f"EVTX parse error, rest of file unreadable: {exc}")
                    break
                _report(caught, last, problems)
                last = int(record["event_record_id"])
                count += 1
                try:
                    row = windows_row(json_value(record["data"]))
                except orjson.JSONDecodeError as exc:
                    problems.add(f"record {last}", f"record is not valid JSON: {exc}")
                    continue
                row["_record"] = str(last)
                yield row
            _report(caught, last, problems)
        declared = declared_records(path)
        missing = declared - count - problems.skipped
        if missing > 0:
            # Each chunk's header says which records it holds: what was neither read nor already
            # reported as skipped was lost to a truncated or damaged file.
            problems.add(
                None,
                f"{missing} of the {declared} records the chunk headers declare could not be read "
                "(a truncated or damaged file)",
                lost=missing,
            )
        elif count == 0:
            problems.add(
                None, "no EVTX records could be read (an empty log, or a corrupt header or chunks)", lost=0
            )


def declared_records(path: Path) -> int:
    """How many records the chunk headers of an EVTX file say it holds (0 when none can be read)."""
    total = 0
    with path.open("rb") as handle:
        handle.seek(HEADER_BYTES)
        while header := handle.read(CHUNK_HEADER_READ):
            if len(header) >= 40 and header.startswith(CHUNK_MAGIC):
                first, last = int.from_bytes(header[24:32], "little"), int.from_bytes(header[32:40], "little")
                if 0 <= last - first < MAX_CHUNK_RECORDS:
                    total += last - first + 1
            handle.seek(CHUNK_BYTES - len(header), 1)
    return total


def _report(caught: list[warnings.WarningMessage], last: int, problems: Problems) -> None:
    """Each skipped chunk or record, with how many records it held when the message says."""
    for warning in caught:
        message = str(warning.message)
        span = _RANGE.search(message)
        lost = int(span.group(2)) - int(span.group(1)) + 1 if span else 1
        problems.add(f"after record {last}", f"EVTX data skipped: {message}", lost=max(lost, 1))
    caught.clear()


register(EvtxParser())
