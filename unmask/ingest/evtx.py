"""Windows EVTX files, read with the Rust-backed ``evtx`` package (every channel)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from unmask.ingest.base import Problems, Row, register
from unmask.ingest.fields import windows_row

__all__ = ["EvtxParser"]

MAGIC = b"ElfFile\x00"
HEADER_BYTES = 4096
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
                    row = windows_row(orjson.loads(record["data"]))
                except orjson.JSONDecodeError as exc:
                    problems.add(f"record {last}", f"record is not valid JSON: {exc}")
                    continue
                row["_record"] = str(last)
                yield row
            _report(caught, last, problems)
        if count == 0 and path.stat().st_size > HEADER_BYTES:
            problems.add(
                None, "no EVTX records could be read (an empty log, or a corrupt header or chunks)", lost=0
            )


def _report(caught: list[warnings.WarningMessage], last: int, problems: Problems) -> None:
    """Each skipped chunk or record, with how many records it held when the message says."""
    for warning in caught:
        message = str(warning.message)
        span = _RANGE.search(message)
        lost = int(span.group(2)) - int(span.group(1)) + 1 if span else 1
        problems.add(f"after record {last}", f"EVTX data skipped: {message}", lost=max(lost, 1))
    caught.clear()


register(EvtxParser())
