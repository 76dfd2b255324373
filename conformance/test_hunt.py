"""Hunting conformance over the public datasets (skipped when ../shared/datasets is absent).

- SigmaHQ regression data: every rule fires on its own positive-test EVTX (202 of 202), and on
  the same events exported as JSON.
- EVTX-to-MITRE-Attack: share of files whose folder technique is among the file's finding
  techniques, at parent and exact level, with the whole SigmaHQ rule set (target: parent >= 30 %).
- Every EVTX in hayabusa-sample-evtx parses without a crash, with a count of skipped records.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conformance.conftest import dataset
from unmask.detect.findings import read_findings
from unmask.detect.hunt import hunt
from unmask.ingest import ingest

SIGMA_SETS = ("rules", "rules-threat-hunting", "rules-emerging-threats", "rules-dfir")
_TECHNIQUE = re.compile(r"^(T\d{4}(?:\.\d{3})?)")


@pytest.fixture(scope="module")
def rule_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rules") / "compiled.json"


def _regression_cases(root: Path) -> list[tuple[str, str, str]]:
    cases = []
    for info in sorted((root / "regression_data").rglob("info.yml")):
        data = yaml.safe_load(info.read_text(encoding="utf-8"))
        meta = data["rule_metadata"][0]
        for test in data.get("regression_tests_info") or []:
            if test.get("type") == "evtx":
                cases.append((str(meta["id"]), meta["title"], str(root / test["path"])))
    return cases


def test_every_regression_rule_fires_on_its_own_sample(tmp_path: Path, rule_cache: Path) -> None:
    root = dataset("sigmahq")
    cases = _regression_cases(root)
    assert len(cases) >= 200
    rule_sets = [root / s for s in SIGMA_SETS if (root / s).is_dir()]
    result = hunt([root / "regression_data"], rule_sets, tmp_path / "case", rule_cache=rule_cache)
    fired = {(row.rule_id, row.file) for row in read_findings(tmp_path / "case" / "findings.parquet")}
    loaded = {r.id for r in result.rules.rules}
    misses = [
        f"{rule_id} {title} ({'rule not loaded' if rule_id not in loaded else 'did not fire'}) on {path}"
        for rule_id, title, path in cases
        if (rule_id, path) not in fired
    ]
    print(f"regression: {len(cases) - len(misses)} of {len(cases)} rules fire on their own sample")
    assert not misses, "\n".join(misses)
    # The same events exported as JSON (evtx_dump's concatenated objects) must fire the same rules.
    json_copies = [(rule_id, str(Path(path).with_suffix(".json"))) for rule_id, _, path in cases]
    json_copies = [(rule_id, path) for rule_id, path in json_copies if Path(path).is_file()]
    json_misses = [path for rule_id, path in json_copies if (rule_id, path) not in fired]
    print(f"regression (JSON copies): {len(json_copies) - len(json_misses)} of {len(json_copies)} fire")
    assert not json_misses, "\n".join(json_misses)


def test_evtx_to_mitre_technique_share(tmp_path: Path, rule_cache: Path) -> None:
    root = dataset("hayabusa-sample-evtx/EVTX-to-MITRE-Attack")
    sigma = dataset("sigmahq")
    hunt(
        [root],
        [sigma / s for s in SIGMA_SETS if (sigma / s).is_dir()],
        tmp_path / "case",
        rule_cache=rule_cache,
    )
    everything: dict[str, set[str]] = {}
    windows_only: dict[str, set[str]] = {}  # the same hunt, counting only rules/windows
    core = str(sigma / "rules" / "windows")
    for row in read_findings(tmp_path / "case" / "findings.parquet"):
        everything.setdefault(row.file, set()).update(row.techniques)
        if row.rule_path.startswith(core):
            windows_only.setdefault(row.file, set()).update(row.techniques)
    labelled: list[tuple[Path, str]] = []
    for path in sorted(root.rglob("*.evtx")):
        found = [m.group(1) for part in path.relative_to(root).parts[:-1] if (m := _TECHNIQUE.match(part))]
        if found:
            labelled.append((path, found[-1]))
    assert len(labelled) >= 250
    shares = {}
    for name, techniques in (("all SigmaHQ sets", everything), ("rules/windows only", windows_only)):
        exact = sum(1 for path, want in labelled if want in techniques.get(str(path), set()))
        parent = sum(
            1
            for path, want in labelled
            if want.split(".")[0] in {t.split(".")[0] for t in techniques.get(str(path), set())}
        )
        shares[name] = parent / len(labelled)
        print(
            f"EVTX-to-MITRE ({name}): {len(labelled)} files; parent {parent} ({parent / len(labelled):.1%}), "
            f"exact {exact} ({exact / len(labelled):.1%})"
        )
    assert shares["all SigmaHQ sets"] >= 0.30


def test_every_sample_evtx_parses(tmp_path: Path) -> None:
    root = dataset("hayabusa-sample-evtx")
    report = ingest([root], tmp_path / "events")
    evtx = [f for f in report.files if f.format == "evtx"]
    print(
        f"parsed {len(evtx)} EVTX files, {report.events.get('windows', 0)} events, {report.skipped} records skipped"
    )
    assert len(evtx) >= 550
    assert report.events.get("windows", 0) > 20_000
    for result in evtx:
        assert result.events > 0 or result.problems, f"{result.name}: no events and no problem reported"


def test_a_truncated_evtx_counts_the_records_it_lost(tmp_path: Path) -> None:
    from unmask.ingest.base import Problems
    from unmask.ingest.evtx import CHUNK_BYTES, HEADER_BYTES, EvtxParser, declared_records

    sample = max(
        dataset("hayabusa-sample-evtx").rglob("*.evtx"),
        key=lambda p: declared_records(p) if p.stat().st_size < 2**21 else 0,
    )
    whole = Problems(str(sample))
    total = sum(1 for _ in EvtxParser().parse(sample, whole))
    assert total == declared_records(sample) and not whole.kept
    cut = tmp_path / "cut.evtx"
    cut.write_bytes(sample.read_bytes()[: HEADER_BYTES + CHUNK_BYTES + CHUNK_BYTES // 2])
    problems = Problems(str(cut))
    read = sum(1 for _ in EvtxParser().parse(cut, problems))
    assert read < total and read + problems.skipped == declared_records(cut)
    assert any("could not be read (a truncated or damaged file)" in p.message for p in problems.kept)
