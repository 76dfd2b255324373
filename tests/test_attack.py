import json
from pathlib import Path

import pytest

from tests.sources import attack_bundle
from unmask.errors import SourceError
from unmask.knowledge.attack import load_attack_bundle, parse_attack_bundle


def _parse() -> tuple:
    return parse_attack_bundle(json.dumps(attack_bundle()).encode(), "tiny.json")


def test_counts_active_and_all_intrusion_sets() -> None:
    data, info = _parse()
    assert data.version == "99.0"
    assert data.counts["intrusion-set"] == 6
    assert data.counts["intrusion-set-active"] == 4
    # The deprecated group is dropped; the revoked one is kept to carry its names over.
    assert set(data.groups) == {"G0007", "G0049", "G0059", "G0003", "G0057"}
    assert data.groups["G0057"].revoked_by == "G0049"
    assert info.name == "mitre-attack-enterprise" and len(info.sha256) == 64


def test_keeps_citations_of_each_relationship() -> None:
    data, _ = _parse()
    rel = next(r for r in data.relations if r.source == "G0049" and r.target == "T1003.001")
    assert rel.citations == ("Report A", "Report B")
    assert any(r.kind == "attributed-to" and r.source == "C0001" for r in data.relations)
    # A deprecated technique and the deprecated group's relationships are not kept.
    assert "T1999" not in data.techniques
    # Retired techniques are remembered with what replaced them, if anything.
    assert data.retired == {
        "T1999": {"name": "Old Technique", "successor": None},
        "T1086": {"name": "PowerShell", "successor": "T1059.001"},
    }
    assert not any(r.source == "G0999" for r in data.relations)


def test_techniques_know_their_tactics_and_parent() -> None:
    data, _ = _parse()
    assert data.techniques["T1003.001"].parent == "T1003"
    assert data.techniques["T1003.001"].tactics == ("credential-access",)
    assert data.software["S1151"].aliases == ("ZeroCleare wiper", "EUROPIUM")
    assert data.campaigns["C0001"].citations == ("Report C",)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'{"type": "bundle", "objects": [', "not a JSON document"),
        (b"\xff\xfe\x00garbage", "not a JSON document"),
        (b'{"type": "identity"}', "not a STIX bundle"),
        (b'{"type": "bundle", "objects": []}', "0 ATT&CK groups and 0 techniques"),
        (
            b'{"type": "bundle", "objects": [{"type": "intrusion-set", "id": "intrusion-set--1", "name": "X",'
            b' "external_references": [{"source_name": "mitre-attack", "external_id": "G0001"}]}]}',
            "1 ATT&CK groups and 0 techniques",
        ),
    ],
)
def test_bad_bundles_raise_source_error_naming_the_file(payload: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message) as info:
        parse_attack_bundle(payload, "broken.json")
    assert str(info.value).startswith("broken.json: ")


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        load_attack_bundle(tmp_path / "nope.json")


def test_objects_of_the_wrong_shape_cost_themselves_not_the_install() -> None:
    bundle = attack_bundle()
    bundle["objects"] += [
        {"type": "intrusion-set", "id": ["x"], "name": "list id"},
        {"type": "intrusion-set", "id": "intrusion-set--9", "name": "Nulls", "external_references": None,
         "aliases": None},
        {"type": "intrusion-set", "id": "intrusion-set--8", "name": "Strings", "external_references": ["abc"],
         "aliases": "Zed"},
        {"type": "attack-pattern", "id": "attack-pattern--9", "name": "No phase",
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1998"}],
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack"}]},
    ]  # fmt: skip
    data, _ = parse_attack_bundle(json.dumps(bundle).encode(), "b.json")
    assert data.counts["malformed-skipped"] == 1
    assert data.techniques["T1998"].tactics == () and "G0049" in data.groups


def test_one_report_cited_under_two_names_is_kept_under_one() -> None:
    bundle = attack_bundle()
    urls = {"Report A": "https://Example.test/apt34/", "Report B": "http://www.example.test/apt34"}
    for obj in bundle["objects"]:
        for ref in obj.get("external_references", []):
            if ref["source_name"] in urls:
                ref["url"] = urls[ref["source_name"]]
    data, _ = parse_attack_bundle(json.dumps(bundle).encode(), "tiny.json")
    assert data.citation_aliases == {"Report B": "Report A"}
    # The relation cited by both names rests on one report; Report B's own links are Report A's.
    rel = next(r for r in data.relations if r.source == "G0049" and r.target == "T1003.001")
    assert rel.citations == ("Report A",)
    assert all("Report B" not in r.citations for r in data.relations)
    assert ("Report D",) in {r.citations for r in data.relations}  # other reports untouched
