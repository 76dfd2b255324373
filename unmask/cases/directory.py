"""Case directories: what a hunt writes (``case.json`` beside its events and findings).

A run that changes a case directory (a hunt, an extract into it) holds it with :func:`case_lock`
from reading the case to writing it back: two at once would each write the case they read, and
the one that finished last would drop what the other added.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from unmask import safe_json
from unmask.errors import CaseError, Location, UnmaskError
from unmask.ingest.fields import iso_utc, whole_day
from unmask.knowledge.home import atomic_write
from unmask.model import Case, Observation, ObservationKind

__all__ = [
    "CASE_FILE",
    "DAY",
    "FINDINGS_FILE",
    "HUNT_FILE",
    "LOCK_WAIT_SECONDS",
    "case_lock",
    "date_problem",
    "load_case_dir",
    "save_case_dir",
]

# A day as written ("2022-07-15"): a last seen given as a day lasts to its end.
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
CASE_FILE = "case.json"
HUNT_FILE = "hunt.json"
FINDINGS_FILE = "findings.parquet"


# How long a run waits for a case directory another run holds before it gives up.
LOCK_WAIT_SECONDS = 5.0


@contextmanager
def case_lock(path: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the case directory ``path`` (made if missing) exclusively for the block.

    The lock is the directory's own (``flock`` on it; no lock file is left), so it ends with the
    process however that ends.  When another run holds it for more than ``wait`` seconds
    (:data:`LOCK_WAIT_SECONDS` unless given),
    :class:`CaseError` says the case is in use.  A folder made here and left empty is removed.
    Where the OS has no ``flock`` (Windows, some network file systems) the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    made = not path.exists()
    while True:
        try:
            path.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise CaseError(f"cannot open the case folder: {exc.strerror}", Location(path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise CaseError(
                    "case is in use by another unmask run (a hunt or an extract into it); run this "
                    "again when that one has finished",
                    Location(path),
                ) from None
            time.sleep(0.1)
            continue
        except OSError:  # a file system without locks: as before, unlocked
            os.close(fd)
            yield
            return
        try:
            current = path.stat()
        except OSError:
            current = None
        if current is None or not os.path.samestat(os.fstat(fd), current):
            os.close(fd)  # the folder was removed (a failed hunt's) while this run waited for it
            continue
        try:
            yield
        finally:
            if made:  # removed while held: a run waiting for it sees it gone, and makes it again
                with suppress(OSError):
                    path.rmdir()  # only when empty: nothing was written into it
            os.close(fd)
        return


def save_case_dir(path: Path, case: Case) -> None:
    """Write ``case.json`` atomically (a lone surrogate that reached the case is U+FFFD in the file)."""
    text = json.dumps(case.to_dict(), indent=2, ensure_ascii=False)
    atomic_write(path / CASE_FILE, safe_json.mend_text(text).encode())


def load_case_dir(path: Path) -> Case:
    """The case a hunt wrote into ``path``."""
    target = path / CASE_FILE
    if not target.is_file():
        raise CaseError(
            f"not a case directory (no {CASE_FILE}); give a case file, or run `unmask hunt ... --case {path}` first",
            Location(path),
        )
    try:
        case = Case.from_dict(safe_json.loads(target.read_text(encoding="utf-8")))
    except KeyError as exc:
        raise CaseError(f"case file is damaged: a record has no {exc} field", Location(target)) from None
    except (ValueError, TypeError, AttributeError, UnmaskError) as exc:
        message = exc.message if isinstance(exc, UnmaskError) else str(exc)
        raise CaseError(f"case file is damaged: {message}", Location(target)) from None
    for index, observation in enumerate(case.observations):
        problem = _dates_problem(observation)
        if problem:
            raise CaseError(f"case file is damaged: observations[{index}]: {problem}", Location(target))
    return case


def _dates_problem(observation: Observation) -> str | None:
    """What is wrong with an observation's dates, said as a case file's are (:func:`date_problem`)."""
    found = date_problem(observation.kind, observation.value, observation.first_seen, observation.last_seen)
    return None if found is None else " ".join(part for part in found if part)


def date_problem(
    kind: ObservationKind, value: str, first_seen: str | None, last_seen: str | None
) -> tuple[str | None, str] | None:
    """What is wrong with an observation's dates as written, and in which field (``None``: its
    value): a date that is none ("2022-02-30", "last week"), or a last seen before the first (a day,
    a month or a year given as last seen lasts to its end).  ``None`` when nothing is."""
    if kind is ObservationKind.TIMING and iso_utc(whole_day(value)) is None:
        # A date orders the evidence and dates the report: "2022-02-30" or "last week" would not.
        return None, f"{value!r} is not a date or time (ISO 8601, e.g. 2022-07-15, 2022-07 or 2022)"
    moments = {}
    for key, written in (("first_seen", first_seen), ("last_seen", last_seen)):
        if written is not None:
            moments[key] = iso_utc(whole_day(written, last=key == "last_seen"))
            if moments[key] is None:
                return (
                    key,
                    f"{written!r} is not a date or time (ISO 8601, e.g. 2022-07-15 or 2022-07-15T10:00:00Z)",
                )
    first, last = moments.get("first_seen"), moments.get("last_seen")
    if first and last and DAY.fullmatch(whole_day(str(last_seen), last=True)):
        last = last[:10] + "T23:59:59.999999Z"
    if first and last and last < first:
        return "last_seen", f"{last_seen} is before first_seen {first_seen}"
    return None
