"""Indicator files (--iocs) and structured intelligence read as cases: typed values are taken as written."""

import json
from pathlib import Path

from unmask.detect.indicators import load_indicators, pattern_values
from unmask.extract.misp import case_from_misp
from unmask.extract.stix import pattern_observables


def _misp(attributes: list[dict[str, object]]) -> dict[str, object]:
    return {"Event": {"info": "test", "Attribute": attributes}}


def test_both_halves_of_a_misp_domain_ip_attribute_are_indicators(tmp_path: Path) -> None:
    event = _misp([{"type": "domain|ip", "value": "update-gov-portal.com|91.238.50.77", "to_ids": True}])
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    found = {(i.kind, i.value) for i in load_indicators(path).indicators}
    assert found == {("domain", "update-gov-portal.com"), ("ip", "91.238.50.77")}
    observed = {(o.subtype, o.value) for o in case_from_misp(event, "event.json").observations}
    assert {("domain", "update-gov-portal.com"), ("ip", "91.238.50.77")} <= observed


def test_a_typed_value_keeps_its_closing_punctuation_as_a_value_in_prose_would_not(tmp_path: Path) -> None:
    event = _misp([{"type": "url", "value": "http://evil.example/b.", "to_ids": True}])
    observed = [(o.subtype, o.value) for o in case_from_misp(event, "event.json").observations]
    assert ("url", "http://evil.example/b.") in observed
    pattern = "[url:value = 'http://evil.example/a\\'']"
    assert [value for _, _, value in pattern_observables(pattern)] == ["http://evil.example/a'"]
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [{"type": "indicator", "id": "indicator--1", "pattern": pattern, "pattern_type": "stix"}],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    assert [i.value for i in load_indicators(path).indicators] == ["http://evil.example/a'"]


def test_a_malformed_pattern_gives_no_part_of_a_value() -> None:
    assert pattern_values("[ipv4-addr:value = '198.51.100.' + '2']") == []
    qualified = (
        "[ipv4-addr:value = '198.51.100.2'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'"
    )
    assert pattern_values(qualified) == [("ip", "198.51.100.2")]
    # Comparisons unmask does not read (!=, ISSUBSET, NOT LIKE, >) leave the pattern well formed.
    assert pattern_values(
        "[ipv4-addr:value = '203.0.113.5'] OR [ipv4-addr:value ISSUBSET '198.51.100.0/24']"
    ) == [("ip", "203.0.113.5")]
    assert pattern_values("[domain-name:value = 'a.example' AND domain-name:value != 'www.example.com']") == [
        ("domain", "a.example")
    ]
    assert pattern_values("[file:name NOT LIKE '%.tmp' AND file:size > 1000 AND file:hashes.MD5 = 'bb']") == [
        ("md5", "bb")
    ]
    # Outside STIX's grammar, nothing is taken: the value could be one the producer meant to exclude.
    for broken in (
        "ipv4-addr:value = '203.0.113.7'",
        "[[[ipv4-addr:value = '203.0.113.7']",
        "[ipv4-addr:value = '203.0.113.7' AND]",
        "[NOT ipv4-addr:value = '203.0.113.7']",
        "[ipv4-addr:value = '203.0.113.7'] garbage",
        "([ipv4-addr:value = '203.0.113.7']",
    ):
        assert pattern_values(broken) == [], broken
    assert pattern_values("[ipv4-addr:value NOT = '203.0.113.7']") == []  # negated: not a value seen


def test_an_internationalised_domain_is_read_as_dns_carries_it() -> None:
    from unmask.detect.indicators import normalise

    assert normalise("domain", "пример.укр") == "xn--e1afmkfd.xn--j1amh"
    assert normalise("domain", "Bücher.example") == normalise("domain", "xn--bcher-kva.example")
    assert normalise("domain", "ü" * 80 + ".example") is None  # a label too long for DNS


def test_a_utf16_indicator_list_with_an_odd_last_byte_is_read_and_says_so(tmp_path: Path) -> None:
    from unmask.detect.indicators import load_indicators

    path = tmp_path / "iocs.txt"
    path.write_bytes("203.0.113.5\r\nevil.example\r\n".encode("utf-16") + b"\x00")
    found = load_indicators(path)
    assert {i.value for i in found.indicators} == {"203.0.113.5", "evil.example"}
    assert any("bytes that are not UTF-16" in p for p in found.problems)


def test_a_stix_indicator_without_an_id_is_named_by_its_place(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps(
            {
                "type": "bundle",
                "objects": [
                    {"type": "malware", "name": "x"},
                    {"type": "indicator", "pattern": "[process:name = 'x.exe']", "pattern_type": "stix"},
                ],
            }
        )
    )
    found = load_indicators(path)
    assert found.problems == [
        f"{path}:objects[1]: no supported comparison in pattern \"[process:name = 'x.exe']\""
    ]
