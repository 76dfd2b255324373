"""Case directories: what a hunt writes (``case.json`` beside its events and findings)."""

from __future__ import annotations

import json
from pathlib import Path

from unmask.errors import CaseError, Location, UnmaskError
from unmask.knowledge.home import atomic_write
from unmask.model import Case

__all__ = ["CASE_FILE", "FINDINGS_FILE", "HUNT_FILE", "load_case_dir", "save_case_dir"]

CASE_FILE = "case.json"
HUNT_FILE = "hunt.json"
FINDINGS_FILE = "findings.parquet"


def save_case_dir(path: Path, case: Case) -> None:
    """Write ``case.json`` atomically."""
    atomic_write(path / CASE_FILE, json.dumps(case.to_dict(), indent=2, ensure_ascii=False).encode())


def load_case_dir(path: Path) -> Case:
    """The case a hunt wrote into ``path``."""
    target = path / CASE_FILE
    if not target.is_file():
        raise CaseError(
            f"not a case directory (no {CASE_FILE}); give a case file, or run `unmask hunt ... --case {path}` first",
            Location(path),
        )
    try:
        return Case.from_dict(json.loads(target.read_text(encoding="utf-8")))
    except KeyError as exc:
        raise CaseError(f"case file is damaged: a record has no {exc} field", Location(target)) from None
    except (ValueError, TypeError, AttributeError, UnmaskError) as exc:
        message = exc.message if isinstance(exc, UnmaskError) else str(exc)
        raise CaseError(f"case file is damaged: {message}", Location(target)) from None
