"""YARA rules over evidence files (yara-python).

Rule files are compiled one by one so that a syntax error costs only its file, which is
reported with YARA's message.  Every evidence file (archives included as they are on disk) is
scanned; each match becomes a finding (rule id ``yara:<file>:<rule>``, ATT&CK ids from the
rule's ``attack``/``mitre_attack``/``technique`` meta or tags) and a file observation (the
matched file's SHA-256).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask.detect.findings import FindingRow
from unmask.ingest.base import sha256_file
from unmask.knowledge.technique_ids import find_technique_ids
from unmask.model import Observation, ObservationKind, Provenance

__all__ = ["YaraResult", "compile_yara", "scan_files"]

MAX_SCAN_BYTES = 512 * 1024 * 1024
_RULE_SUFFIXES = (".yar", ".yara", ".rule", ".rules")


@dataclass
class YaraResult:
    rules: int = 0
    problems: list[str] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    scanned: int = 0


def compile_yara(folders: Iterable[Path]) -> tuple[list[tuple[str, Any]], list[str]]:
    """(file name, compiled rules) for each rule file that compiles, and the problems of the others."""
    import yara

    compiled: list[tuple[str, Any]] = []
    problems: list[str] = []
    for folder in folders:
        files = (
            [folder]
            if folder.is_file()
            else sorted(p for p in folder.rglob("*") if p.suffix.lower() in _RULE_SUFFIXES)
        )
        if not folder.exists():
            problems.append(f"{folder}: no such file or folder")
            continue
        root = (folder.parent if folder.is_file() else folder).resolve()
        for path in files:
            try:
                compiled.append(
                    (str(path), yara.compile(filepath=str(path), include_callback=_includes_under(root)))
                )
            except yara.SyntaxError as exc:
                problems.append(f"{path}: YARA syntax error: {exc}")
            except yara.Error as exc:
                problems.append(f"{path}: cannot compile: {exc}")
    return compiled, problems


def _includes_under(root: Path) -> Callable[[str, str | None, str], str | None]:
    """A YARA include resolver that reads only files under ``root`` (the rule folder).

    A rule file is input like any other: ``include "/etc/shadow"`` or ``include "../../x"`` must
    not read what the analyst did not give.  YARA then reports the include as failed.
    """

    def resolve(requested: str, including: str | None, namespace: str) -> str | None:
        base = Path(including).parent if including else root
        target = (base / requested).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target.read_text(encoding="utf-8", errors="replace")

    return resolve


def _techniques(match: Any) -> tuple[str, ...]:
    found: list[str] = []
    for key, value in (match.meta or {}).items():
        if key.lower() in ("attack", "mitre_attack", "mitre_att", "technique", "techniques", "attack_id"):
            found += find_technique_ids(str(value))
    for tag in match.tags or []:
        found += find_technique_ids(str(tag))
    return tuple(dict.fromkeys(found))


def scan_files(rule_folders: Iterable[Path], files: Iterable[Path]) -> YaraResult:
    """Scan ``files`` with every rule under ``rule_folders``."""
    import yara

    compiled, problems = compile_yara(rule_folders)
    result = YaraResult(rules=len(compiled), problems=problems)
    if not compiled:
        return result
    seen: set[str] = set()
    for path in files:
        try:
            size = path.stat().st_size
        except OSError as exc:
            result.problems.append(f"{path}: cannot read: {exc.strerror}")
            continue
        if size > MAX_SCAN_BYTES:
            result.problems.append(f"{path}: {size:,} bytes; larger than {MAX_SCAN_BYTES:,}, not scanned")
            continue
        try:
            digest = sha256_file(path)
        except OSError as exc:  # removed since the hunt started
            result.problems.append(f"{path}: cannot read: {exc.strerror}")
            continue
        result.scanned += 1
        for rule_file, rules in compiled:
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    matches = rules.match(filepath=str(path), timeout=60)
            except yara.Error as exc:
                result.problems.append(f"{path}: YARA scan with {rule_file} failed: {exc}")
                continue
            for warning in caught:  # e.g. a string with too many matches: counted, not printed raw
                result.problems.append(f"{path}: YARA with {rule_file}: {warning.message}")
            for match in matches:
                title = str(match.meta.get("description") or match.rule) if match.meta else match.rule
                result.findings.append(
                    FindingRow(
                        rule_id=f"yara:{Path(rule_file).name}:{match.rule}",
                        title=f"YARA {match.rule}: {title}" if title != match.rule else f"YARA {match.rule}",
                        level="high",
                        techniques=_techniques(match),
                        software=(),
                        time=None,
                        host=None,
                        file=str(path),
                        sha256=digest,
                        record="",
                        rule_path=rule_file,
                        detail=", ".join(sorted({s.identifier for s in match.strings}))[:300]
                        if match.strings
                        else None,
                    )
                )
                if digest not in seen:
                    seen.add(digest)
                    result.observations.append(
                        Observation(
                            kind=ObservationKind.FILE,
                            value=digest,
                            subtype="sha256",
                            confidence=0.8,
                            provenance=Provenance(
                                source=str(path),
                                sha256=digest,
                                text=f"matches YARA rule {match.rule} ({rule_file})",
                                method="yara-match",
                            ),
                        )
                    )
    return result
