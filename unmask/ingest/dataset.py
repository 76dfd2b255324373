"""The per-case event dataset: Parquet parts under ``events/<family>/``, one schema per family.

Columns are text (what the evidence said, untouched) except the common columns of
:data:`~unmask.ingest.base.COMMON_COLUMNS`.  Field names that differ only in case (Sysmon's
``ProcessId`` and a provider's ``ProcessID``) share one column: SQL engines fold case.  When one
event gives both, the column holds the first one's value, whole (a rule's equality still holds),
and the other's is kept apart under ``ProcessID (2)``, where keywords and indicators find it.
Parts are written to a temporary name and renamed, so a part is either whole or absent.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from unmask.ingest.base import COMMON_COLUMNS, Row, readable_name

__all__ = ["BATCH_ROWS", "EventWriter", "family_parts", "list_families"]

BATCH_ROWS = 20_000
# A batch is also written once it holds this many cells (rows x columns seen; a full batch of
# events of up to 1,000 fields never reaches it): logs whose field names vary from event to event
# (a header name per request) would otherwise pad every column ever seen to the whole batch.
# 200,000 events with 20,000 distinct names: hunt peak 6.1 GB -> 2.7 GB, 124 s -> 88 s (a smaller
# cap makes many more Parquet parts, slower to write and to plan over).
BATCH_CELLS = 20_000_000


class _Columns:
    """One family's rows held column by column; only the cells an event has cost anything."""

    def __init__(self) -> None:
        self.columns: dict[str, list[str | None]] = {name: [] for name in COMMON_COLUMNS}
        self.rows = 0

    def add(self, row: Row, names: dict[str, str]) -> None:
        """Add one event; ``names`` maps each field name to its column's (and learns new ones)."""
        n = self.rows
        columns = self.columns
        for key, value in row.items():
            name = names.get(key)
            if name is None:
                clean = clean_name(key)
                name = names[key] = names.setdefault(clean.lower(), clean)
            column = columns.get(name)
            if column is None:
                column = columns[name] = [None] * n
            else:
                missing = n - len(column)
                if missing < 0:  # two spellings in one event (ProcessId, ProcessID)
                    self._apart(key, value, names)
                    continue
                if missing:
                    column.extend([None] * missing)
            column.append(value)
        self.rows = n + 1

    def _apart(self, key: str, value: str, names: dict[str, str]) -> None:
        """The value of a second spelling of a field this event already gave (``ProcessID`` after
        ``ProcessId``) under a name of its own, ``ProcessID (2)``: joined to the first value, it
        would defeat every equality, prefix, address and number test on either."""
        n = self.rows
        for number in itertools.count(2):
            alias = clean_name(f"{key} ({number})")
            name = names.setdefault(alias.lower(), alias)
            column = self.columns.get(name)
            if column is None:
                column = self.columns[name] = [None] * n
            elif len(column) > n:
                continue  # a third spelling: (3)
            else:
                column.extend([None] * (n - len(column)))
            column.append(value)
            return

    def table(self) -> pa.Table:
        n = self.rows
        for column in self.columns.values():
            if len(column) < n:
                column.extend([None] * (n - len(column)))
        return pa.table({name: _text_array(values) for name, values in self.columns.items()})


def _text_array(values: list[str | None]) -> pa.Array:
    """A column as Arrow text; values that are not valid Unicode text (a lone surrogate from a JSON
    escape such as ``\\ud800``) are kept with those characters written as escapes."""
    try:
        return pa.array(values, type=pa.string())
    except UnicodeEncodeError:
        return pa.array([None if v is None else readable_name(v) for v in values], type=pa.string())


def clean_name(name: str) -> str:
    """A field name any engine can quote: NUL and lone surrogates written as escapes."""
    return readable_name(name.replace("\x00", "\\x00"))


class EventWriter:
    """Collects rows per family and writes a Parquet part every :data:`BATCH_ROWS` rows."""

    def __init__(self, root: Path, tag: str, batch_rows: int = BATCH_ROWS) -> None:
        self.root = root
        self.tag = tag
        self.batch_rows = batch_rows
        self._data: dict[str, _Columns] = {}
        self._names: dict[str, dict[str, str]] = {}
        self._parts: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def add(self, family: str, row: Row) -> None:
        data = self._data.get(family)
        if data is None:
            data = self._data[family] = _Columns()
        data.add(row, self._names.setdefault(family, {}))
        self.counts[family] = self.counts.get(family, 0) + 1
        if data.rows >= self.batch_rows or data.rows * len(data.columns) >= BATCH_CELLS:
            self.flush(family)

    def flush(self, family: str) -> None:
        data = self._data.pop(family, None)
        if data is None or data.rows == 0:
            return
        table = data.table()
        index = self._parts.get(family, 0)
        self._parts[family] = index + 1
        folder = self.root / family
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"part-{self.tag}-{index:04d}.parquet"
        temporary = target.with_suffix(".tmp")
        pq.write_table(table, temporary, compression="zstd", compression_level=1)
        temporary.replace(target)

    def close(self) -> None:
        for family in list(self._data):
            self.flush(family)


def list_families(events: Path) -> list[str]:
    """The families that have at least one part under ``events``."""
    if not events.is_dir():
        return []
    return sorted(p.name for p in events.iterdir() if p.is_dir() and any(p.glob("*.parquet")))


def family_parts(events: Path, family: str) -> list[Path]:
    return sorted((events / family).glob("*.parquet"))
