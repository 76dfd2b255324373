"""TLP labels and withdrawn items in what partners send: STIX bundles, MISP events, indicator files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unmask.cases.tlp import bundle_tlp, misp_deleted, stix_withdrawn, tag_tlp
from unmask.detect.indicators import load_indicators
from unmask.errors import CaseError
from unmask.extract.misp import case_from_misp
from unmask.extract.stix import case_from_stix
from unmask.model import Tlp

RED_2_0 = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def _indicator(n: int, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-00000000000{n}",
        "pattern_type": "stix",
        "pattern": f"[domain-name:value = '{value}']",
        **extra,
    }


def test_a_bundle_is_as_restrictive_as_any_of_its_markings() -> None:
    own_1 = {
        "type": "marking-definition",
        "id": "marking-definition--11111111-1111-4111-8111-111111111111",
        "definition_type": "tlp",
        "definition": {"tlp": "red"},
    }
    own_2 = {
        "type": "marking-definition",
        "id": "marking-definition--22222222-2222-4222-8222-222222222222",
        "extensions": {
            "extension-definition--60a3c5c5": {
                "extension_type": "property-extension",
                "tlp_2_0": "amber+strict",
            }
        },
    }
    assert bundle_tlp([own_1, _indicator(1, "a.com", object_marking_refs=[own_1["id"]])]) is Tlp.RED
    assert bundle_tlp([own_2, _indicator(1, "a.com", object_marking_refs=[own_2["id"]])]) is Tlp.AMBER_STRICT
    granular = _indicator(1, "a.com", granular_markings=[{"marking_ref": RED_2_0, "selectors": ["pattern"]}])
    assert bundle_tlp([granular]) is Tlp.RED
    assert bundle_tlp([_indicator(1, "a.com", object_marking_refs=RED_2_0)]) is Tlp.RED  # one id, no list
    # ... nor lost to a space, a capital, a mapping or one granular marking written on its own.
    assert bundle_tlp([_indicator(1, "a.com", object_marking_refs=[f" {RED_2_0.upper()} "])]) is Tlp.RED
    assert bundle_tlp([_indicator(1, "a.com", object_marking_refs={"a": RED_2_0})]) is Tlp.RED
    single = _indicator(1, "a.com", granular_markings={"marking_ref": RED_2_0, "selectors": ["pattern"]})
    assert bundle_tlp([single]) is Tlp.RED
    opencti = {"type": "marking-definition", "id": "marking-definition--9", "definition_type": "TLP",
               "definition": {"TLP": "TLP:AMBER+STRICT"}}  # fmt: skip
    assert (
        bundle_tlp([opencti, _indicator(1, "a.com", object_marking_refs=[opencti["id"]])]) is Tlp.AMBER_STRICT
    )
    assert bundle_tlp([_indicator(1, "a.com")]) is None
    # A definition nothing refers to marks nothing.
    assert bundle_tlp([own_1, _indicator(1, "a.com")]) is None


def test_withdrawn_items_in_any_spelling() -> None:
    assert stix_withdrawn(_indicator(1, "a.com", revoked="true")) == "revoked indicator"
    assert (
        stix_withdrawn(_indicator(1, "a.com", indicator_types=["Benign"])) == "indicator of benign activity"
    )
    assert stix_withdrawn(_indicator(1, "a.com", indicator_types=["malicious-activity"])) is None
    assert stix_withdrawn(_indicator(1, "a.com", indicator_types="benign")) == "indicator of benign activity"
    assert misp_deleted({"deleted": "1"}) and not misp_deleted({"deleted": False})
    assert tag_tlp([{"name": "tlp:amber"}, "TLP:RED", {"name": "tlp:pink"}]) == (Tlp.RED, ["tlp:pink"])


def _event() -> dict[str, Any]:
    return {
        "Event": {
            "info": "x",
            "Attribute": [
                {"type": "domain", "value": "kept.com", "uuid": "a1", "Tag": [{"name": "tlp:red"}]},
                {"type": "domain", "value": "gone.com", "uuid": "a2", "deleted": True},
            ],
            "Object": [
                {
                    "name": "domain-ip",
                    "deleted": True,
                    "Attribute": [{"type": "domain", "value": "obj-gone.com"}],
                },
                {"name": "domain-ip", "Attribute": [{"type": "domain", "value": "obj-kept.com"}]},
            ],
        }
    }


def test_misp_deleted_objects_and_attribute_tags() -> None:
    case = case_from_misp(_event(), "e.json")
    assert sorted(o.value for o in case.observations) == ["kept.com", "obj-kept.com"]
    assert case.tlp is Tlp.RED


def test_indicator_files_skip_withdrawn_items_and_carry_their_label(tmp_path: Path) -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            _indicator(1, "kept.com", object_marking_refs=[RED_2_0]),
            _indicator(2, "revoked.com", revoked=True),
            _indicator(3, "benign.com", indicator_types=["benign"]),
        ],
    }
    stix = tmp_path / "b.json"
    stix.write_text(json.dumps(bundle))
    found = load_indicators(stix)
    assert [i.value for i in found.indicators] == ["kept.com"] and found.tlp is Tlp.RED
    assert found.skipped == 2 and any("revoked" in p for p in found.problems)
    misp = tmp_path / "e.json"
    misp.write_text(json.dumps(_event()))
    found = load_indicators(misp)
    assert sorted(i.value for i in found.indicators) == ["kept.com", "obj-kept.com"]
    assert found.tlp is Tlp.RED and found.skipped == 2
    # The same bundle read as case evidence: the same items withdrawn.
    case = case_from_stix(bundle, "b.json")
    assert [o.value for o in case.observations] == ["kept.com"] and case.tlp is Tlp.RED


def test_indicator_files_give_each_value_once(tmp_path: Path) -> None:
    from unmask.detect.indicators import load_all

    one, two = tmp_path / "a.txt", tmp_path / "b.txt"
    one.write_text("evil.com\n5.6.7.8\n")
    two.write_text("evil.com\nother.com\n")
    found = load_all([one, two])
    assert sorted(i.value for i in found.indicators) == ["5.6.7.8", "evil.com", "other.com"]
    assert next(i for i in found.indicators if i.value == "evil.com").source == str(one)


def test_a_label_that_is_none_is_named_as_written() -> None:
    with pytest.raises(CaseError, match="'amber strict' is not a known TLP label"):
        Tlp.parse("amber strict")
    assert Tlp.parse("TLP: Amber+Strict") is Tlp.AMBER_STRICT
