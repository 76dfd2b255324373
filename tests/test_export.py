from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.synthetic import three_groups
from unmask.attribute.engine import attribute_case
from unmask.cli import app
from unmask.export.misp import _actor_tag, event_for_case
from unmask.export.navigator import actors_layer, case_layer
from unmask.export.resolved import named_lead
from unmask.export.stix import TLP2_MARKINGS, bundle_for_case
from unmask.extract.misp import case_from_misp
from unmask.knowledge.store import KnowledgeBase, load_kb
from unmask.model import Case, Observation, ObservationKind, Provenance, Tlp

runner = CliRunner()
HOSTILE = "<script>alert('x')</script>\"'"


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    three_groups(tmp_path / "kb")
    return load_kb()


def _case() -> Case:
    prov = Provenance(source="report.txt", text=HOSTILE)

    def obs(kind: ObservationKind, value: str, subtype: str | None = None) -> Observation:
        return Observation(kind=kind, value=value, subtype=subtype, provenance=prov)

    return Case(
        id="c1",
        title=f"Case {HOSTILE}",
        tlp=Tlp.AMBER_STRICT,
        observations=[
            obs(ObservationKind.TECHNIQUE, "T1301"),
            obs(ObservationKind.TECHNIQUE, "T1302"),
            obs(ObservationKind.TECHNIQUE, "T1303"),
            obs(ObservationKind.SOFTWARE, "S0301"),
            obs(ObservationKind.SOFTWARE, "S0302"),
            obs(ObservationKind.INFRASTRUCTURE, "185.220.101.7", "ip"),
            obs(ObservationKind.INFRASTRUCTURE, "bad-update.com", "domain"),
            obs(ObservationKind.INFRASTRUCTURE, "http://bad-update.com/x?a='1'", "url"),
            obs(ObservationKind.INFRASTRUCTURE, "ops@bad-update.com", "email"),
            obs(ObservationKind.FILE, "ab" * 32, "sha256"),
            obs(ObservationKind.VULNERABILITY, "CVE-2023-23397"),
            obs(ObservationKind.VICTIM, "NO", "country"),
            obs(ObservationKind.VICTIM, "energy", "sector"),
        ],
    )


def _quiet(func, *args):  # mitreattack-python prints what it rejects
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = func(*args)
    return result, out.getvalue()


def test_navigator_layers_load_in_mitreattack_python(kb: KnowledgeBase) -> None:
    from mitreattack.navlayers import Layer

    actor = next(a for a in kb.actors.values() if a.attack_id and a.techniques)
    for data in (
        case_layer(_case(), kb),
        case_layer(_case(), kb, actor),
        actors_layer(list(kb.actors.values())[:2], kb),
    ):
        assert data["versions"]["layer"] == "4.5" and data["domain"] == "enterprise-attack"
        layer = Layer()
        _, printed = _quiet(layer.from_dict, data)
        assert printed == "", printed  # nothing rejected or skipped
        assert len(layer.to_dict()["techniques"]) == len(data["techniques"])
    overlay = case_layer(_case(), kb, actor)
    kinds = {t["comment"].split(" ")[0] for t in overlay["techniques"]}
    assert "only" in kinds or "in" in kinds


def test_stix_bundle_validates_with_tlp2_on_every_object(kb: KnowledgeBase) -> None:
    from stix2validator import ValidationOptions, validate_instance

    case = _case()
    assessment = attribute_case(case, kb)
    bundle = bundle_for_case(case, kb, assessment)
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for o in result.object_results for e in o.errors]
    marking = TLP2_MARKINGS[Tlp.AMBER_STRICT][0]
    for obj in bundle["objects"]:
        if obj["type"] != "marking-definition":
            assert obj["object_marking_refs"] == [marking]
    attributed = [o for o in bundle["objects"] if o.get("relationship_type") == "attributed-to"]
    assert attributed and all(o["confidence"] in (15, 50, 85) for o in attributed)
    assert all("%)" in o["description"] and "confidence" in o["description"] for o in attributed)
    patterns = {o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"}
    assert "[ipv4-addr:value = '185.220.101.7']" in patterns
    assert any("a=\\'1" in p for p in patterns)  # quotes inside a value are escaped
    # One producer in every bundle unmask writes; the other objects are new with each export.
    again = bundle_for_case(case, kb, assessment)["objects"]
    producers = [
        o for b in (bundle["objects"], again) for o in b if o["type"] == "identity" and o["name"] == "unmask"
    ]
    assert len({json.dumps(o, sort_keys=True) for o in producers}) == 1
    assert all(o["created_by_ref"] == producers[0]["id"] for o in again if "created_by_ref" in o)


def test_misp_event_round_trips_through_extract(kb: KnowledgeBase) -> None:
    case = _case()
    event = event_for_case(case, kb, attribute_case(case, kb))
    back = case_from_misp(json.loads(json.dumps(event)), "event.json")
    values = {(o.kind, o.value) for o in back.observations}
    for original in case.observations:
        if original.kind in (ObservationKind.TECHNIQUE, ObservationKind.VULNERABILITY, ObservationKind.FILE):
            assert (original.kind, original.value) in values
    assert (ObservationKind.INFRASTRUCTURE, "185.220.101.7") in values
    assert (ObservationKind.INFRASTRUCTURE, "ops@bad-update.com") in values
    email = next(a for a in event["Event"]["Attribute"] if a["type"] == "email")
    assert email["category"] == "Network activity"
    assert back.tlp is Tlp.AMBER_STRICT
    assert any("not used as evidence" in n for n in back.notes)  # the actor tag is reported only
    # Victims travel as MISP's own target-information and sector galaxies, and come back.
    tags = {t["name"] for t in event["Event"]["Tag"]}
    assert {'misp-galaxy:target-information="Norway"', 'misp-galaxy:sector="Energy"'} <= tags
    victims = {(o.subtype, o.value) for o in back.observations if o.kind is ObservationKind.VICTIM}
    assert victims == {("country", "Norway"), ("sector", "Energy")}


def test_export_cli_writes_each_format(kb: KnowledgeBase, tmp_path: Path) -> None:
    case_file = tmp_path / "case.yml"
    case_file.write_text(
        "id: t1\nobservations:\n  - {technique: T1301}\n  - {technique: T1302}\n  - {ip: 185.220.101.7}\n"
    )
    for fmt in ("navigator", "stix", "misp"):
        out = tmp_path / f"{fmt}.json"
        result = runner.invoke(app, ["export", str(case_file), "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())
    layer = runner.invoke(app, ["kb", "layer", next(a.name for a in kb.actors.values() if a.attack_id)])
    assert layer.exit_code == 0 and json.loads(layer.stdout)["versions"]["layer"] == "4.5"
    bad = runner.invoke(app, ["export", str(case_file), "--format", "pdf"])
    assert bad.exit_code == 2


def test_an_export_under_a_name_that_is_not_json_is_refused(tmp_path: Path) -> None:
    case_file = tmp_path / "case.yml"
    case_file.write_text("observations:\n  - {technique: T1003.001}\n")
    for args, target in (
        (["export", str(case_file), "--format", "stix"], "ex.txt"),
        (["export", str(case_file), "--format", "misp"], "ex.xml"),  # MISP has an XML format too
        (["export", str(case_file)], "ex.csv"),
        (["kb", "layer", "OilRig"], "klayer.txt"),
    ):
        result = runner.invoke(app, [*args, "-o", str(tmp_path / target)])
        message = " ".join(result.stderr.split())
        assert result.exit_code == 2 and "as JSON; give the file a .json name" in message, args
        assert not (tmp_path / target).exists()
    misp = runner.invoke(app, ["export", str(case_file), "--format", "misp", "-o", str(tmp_path / "ex.xml")])
    assert "this command writes a MISP event as JSON" in " ".join(misp.stderr.split())


def test_exports_share_what_the_engine_resolved(sources_kb: KnowledgeBase) -> None:
    def obs(kind: ObservationKind, value: str, subtype: str | None = None, **extra: str) -> Observation:
        return Observation(kind=kind, value=value, subtype=subtype, **extra)

    T, S, N = ObservationKind.TECHNIQUE, ObservationKind.SOFTWARE, ObservationKind.INFRASTRUCTURE
    case = Case(
        id="names",
        title="names as analysts write them",
        observations=[
            obs(S, "mimikatz.exe"), obs(S, "S0002"), obs(T, "T1086"), obs(T, "LSASS Memory"),
            obs(T, "t1003.001"), obs(ObservationKind.VICTIM, "albania", "country"),
            obs(N, "999.1.1.1", "ip"), obs(N, "evil[.]com", "domain"),
            obs(N, "203.0.113.7", "ip", first_seen="2022-05-01"), obs(N, "AS13335", "asn"),
        ],
    )  # fmt: skip
    assessment = attribute_case(case, sources_kb)
    objects = bundle_for_case(case, sources_kb, assessment)["objects"]
    by_type: dict[str, list[dict[str, object]]] = {}
    for item in objects:
        by_type.setdefault(str(item["type"]), []).append(item)
    assert [t["name"] for t in by_type["tool"]] == ["Mimikatz"] and "malware" not in by_type
    patterns = sorted(p["external_references"][0]["external_id"] for p in by_type["attack-pattern"])  # type: ignore[index]
    assert patterns == ["T1003.001", "T1059.001"]
    assert [loc["country"] for loc in by_type["location"]] == ["AL"]
    indicators = {str(i["name"]): i for i in by_type["indicator"]}
    assert set(indicators) == {"domain evil.com", "ip 203.0.113.7", "asn 13335"}
    assert indicators["asn 13335"]["pattern"] == "[autonomous-system:number = 13335]"
    # ... and unmask reads it back (STIX writes the number as an integer).
    from unmask.extract.stix import case_from_stix

    again = case_from_stix(bundle_for_case(case, sources_kb, assessment), "b.json")
    assert ("infrastructure", "AS13335") in {(o.kind.value, o.value) for o in again.observations}
    assert str(indicators["ip 203.0.113.7"]["valid_from"]).startswith("2022-05-01T00:00:00")
    (campaign,) = by_type["campaign"]
    assert str(campaign["first_seen"]).startswith("2022-05-01") and str(campaign["last_seen"]).startswith(
        "2022-05-01"
    )

    event = event_for_case(case, sources_kb, assessment)["Event"]
    assert event["date"] == "2022-05-01"
    tags = {t["name"] for t in event["Tag"]}
    assert 'misp-galaxy:mitre-tool="Mimikatz - S0002"' in tags
    assert {
        'misp-galaxy:mitre-attack-pattern="LSASS Memory - T1003.001"',
        'misp-galaxy:mitre-attack-pattern="PowerShell - T1059.001"',
    } <= tags
    values = [(a["type"], a["value"]) for a in event["Attribute"]]
    assert ("domain", "evil.com") in values and not any(v == "999.1.1.1" for _, v in values)
    assert any("999.1.1.1" in v for k, v in values if k == "comment")
    layer = case_layer(case, sources_kb)
    assert {(t["techniqueID"], t["score"]) for t in layer["techniques"]} == {
        ("T1003.001", 2),
        ("T1059.001", 1),
    }


def test_a_weak_lead_is_not_shared_as_the_attribution(kb: KnowledgeBase) -> None:
    case = Case(id="thin", title="thin", observations=[Observation(ObservationKind.TECHNIQUE, "T1301")])
    assessment = attribute_case(case, kb)
    assert assessment.groups[0].kind == "unknown" or assessment.groups[0].probability < 0.45
    event = event_for_case(case, kb, assessment)["Event"]
    assert not [t for t in event["Tag"] if "threat-actor" in t["name"]]
    assert any("no actor named" in a["value"] for a in event["Attribute"] if a["type"] == "comment")


def test_values_seen_in_flagged_events_are_context_not_indicators(kb: KnowledgeBase) -> None:
    # A rule flagged an event; the hash of the program it ran (powershell.exe) is context.
    flagged = Provenance(
        source="sysmon.evtx", record="7", text="in 1 flagged event(s) of: x", method="flagged-event"
    )
    case = Case(
        id="ctx",
        title="ctx",
        observations=[
            Observation(ObservationKind.TECHNIQUE, "T1301"),
            Observation(ObservationKind.FILE, "ab" * 32, "sha256", provenance=flagged),
            Observation(ObservationKind.FILE, "cd" * 32, "sha256"),
        ],
    )
    event = event_for_case(case, kb)["Event"]
    ids = {a["value"]: a["to_ids"] for a in event["Attribute"] if a["type"] == "sha256"}
    assert ids == {"ab" * 32: False, "cd" * 32: True}
    bundle = bundle_for_case(case, kb)
    patterns = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
    assert len(patterns) == 1 and "cd" * 32 in patterns[0]
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    assert "1 value(s) seen in events that rules flagged" in report["description"]


def test_import_hashes_and_tlsh_are_shared_where_the_format_can_say_them(kb: KnowledgeBase) -> None:
    tlsh = "T1" + "AB" * 35
    case = Case(
        id="h",
        title="h",
        observations=[
            Observation(ObservationKind.TECHNIQUE, "T1301"),
            Observation(ObservationKind.FILE, "93ea3a1e1e6a6dc4ab3e7b4bd0a6a2d9", "imphash"),
            Observation(ObservationKind.FILE, tlsh, "tlsh"),
        ],
    )
    event = event_for_case(case, kb)["Event"]
    assert {(a["type"], a["value"]) for a in event["Attribute"]} >= {
        ("imphash", "93ea3a1e1e6a6dc4ab3e7b4bd0a6a2d9"),
        ("tlsh", tlsh),
    }
    objects = bundle_for_case(case, kb)["objects"]
    assert [o["pattern"] for o in objects if o["type"] == "indicator"] == [f"[file:hashes.TLSH = '{tlsh}']"]
    report = next(o for o in objects if o["type"] == "report")
    assert "Not expressible as STIX indicators: imphash 93ea3a1e" in report["description"]


def test_each_actor_of_a_split_incident_is_shared(kb: KnowledgeBase) -> None:
    observations = [
        Observation(
            ObservationKind.TECHNIQUE if v.startswith("T") else ObservationKind.SOFTWARE, v, phase=phase
        )
        for phase, values in (
            ("access", ("T1301", "T1302", "T1303", "S0301", "S0302")),
            ("destruction", ("T1101", "T1102", "T1103", "S0101", "S0102")),
        )
        for v in values
    ]
    case = Case(id="two", title="two actors", observations=observations)
    assessment = attribute_case(case, kb)
    event = event_for_case(case, kb, assessment)["Event"]
    actors = {t["name"] for t in event["Tag"] if "threat-actor" in t["name"]}
    assert actors == {'misp-galaxy:threat-actor="Gamma"', 'misp-galaxy:threat-actor="Alpha"'}
    comments = [a["value"] for a in event["Attribute"] if a["type"] == "comment"]
    assert any("part phase access: Gamma" in c for c in comments)
    objects = bundle_for_case(case, kb, assessment)["objects"]
    sets = {o["id"]: o["name"] for o in objects if o["type"] == "intrusion-set"}
    links = [o for o in objects if o.get("relationship_type") == "attributed-to"]
    assert {sets[o["target_ref"]] for o in links} == {"Gamma", "Alpha"}
    # Each by its part: the whole taken as one actor's work is not shared as an attribution.
    assert all(o["description"].startswith("the part phase ") for o in links)
    assert any("splits between actors" in c for c in comments)
    # No one actor's overlay on the Navigator layer of a split incident either.
    from unmask.export.resolved import named_lead

    assert named_lead(assessment) is None


def test_internal_addresses_bad_values_and_weak_hypotheses_are_not_shared(kb: KnowledgeBase) -> None:
    N = ObservationKind.INFRASTRUCTURE
    extra = [
        Observation(N, "10.0.0.5", subtype="ip"),
        Observation(N, "AA:BB:CC", subtype="certificate"),  # too short for any fingerprint
        Observation(N, "198.51.100.9", subtype="ip"),
    ]
    techniques = [Observation(ObservationKind.TECHNIQUE, t) for t in ("T1101", "T1102", "T1103", "T1301")]
    case = Case(id="hygiene", title="hygiene", observations=techniques + extra)
    assessment = attribute_case(case, kb)
    objects = bundle_for_case(case, kb, assessment)["objects"]  # the bad certificate no longer crashes it
    assert [o["name"] for o in objects if o["type"] == "indicator"] == ["ip 198.51.100.9"]
    report = next(o for o in objects if o["type"] == "report")
    assert (
        "Internal or reserved addresses (the victim's own network), not shared as indicators: ip 10.0.0.5"
        in (report["description"])
    )
    assert "certificate AA:BB:CC (not a valid value of its type)" in report["description"]
    # attributed-to only for the actor the assessment names; the others are described, not attributed.
    sets = {o["id"]: o["name"] for o in objects if o["type"] == "intrusion-set"}
    attributed = [sets[o["target_ref"]] for o in objects if o.get("relationship_type") == "attributed-to"]
    assert len(attributed) <= 1
    if assessment.groups[0].kind != "actor" or assessment.groups[0].probability < 0.45:
        assert attributed == []
    event = event_for_case(case, kb, assessment)["Event"]
    shared = {a["value"]: a["to_ids"] for a in event["Attribute"] if a["type"].startswith("ip")}
    assert shared == {"10.0.0.5": False, "198.51.100.9": True}


def test_a_case_dated_only_by_its_dates_is_dated_in_the_exports(kb: KnowledgeBase) -> None:
    observations = [
        Observation(ObservationKind.TECHNIQUE, "T1101"),
        Observation(ObservationKind.TIMING, "2014-11-24"),
        Observation(ObservationKind.TIMING, "2014-12-01"),
    ]
    case = Case(id="dated", title="dated by dates", observations=observations)
    assert event_for_case(case, kb)["Event"]["date"] == "2014-11-24"
    campaign = next(o for o in bundle_for_case(case, kb)["objects"] if o["type"] == "campaign")
    assert str(campaign["first_seen"]).startswith("2014-11-24") and str(campaign["last_seen"]).startswith(
        "2014-12-01"
    )


def test_shared_values_keep_their_characters_and_families_their_galaxy(sources_kb: KnowledgeBase) -> None:
    from unmask.detect.indicators import normalise

    assert normalise("url", "https://evil.example/a.php?q=<b>") == "https://evil.example/a.php?q=<b>"
    assert normalise("url", "<https://evil.example/a>") == "https://evil.example/a"
    case = Case(
        id="fam",
        title="a Malpedia family",
        observations=[
            Observation(ObservationKind.SOFTWARE, "DarkSide"),
            Observation(ObservationKind.TECHNIQUE, "T1485"),
        ],
    )
    tags = {t["name"] for t in event_for_case(case, sources_kb)["Event"]["Tag"]}
    assert 'misp-galaxy:malpedia="DarkSide (Windows)"' in tags


def test_every_output_of_a_red_case_says_it_is_red(kb: KnowledgeBase) -> None:
    from unmask.export.navigator import case_layer
    from unmask.report.markdown import assessment_markdown

    case = _case()
    case.tlp = Tlp.RED
    assessment = attribute_case(case, kb)
    assert assessment.to_dict()["tlp"] == "red"
    assert "TLP:RED" in assessment_markdown(assessment).splitlines()[2]
    layer = case_layer(case, kb)
    assert layer["metadata"][0] == {"name": "TLP", "value": "TLP:RED"} and layer["description"].startswith(
        "TLP:RED"
    )


class _Lists:
    """A stand-in for the warninglists: one public resolver and one top site."""

    def lists_for(self, value: str) -> list[str]:
        return {"8.8.8.8": ["List of known IPv4 public DNS resolvers"], "google.com": ["Top sites"]}.get(
            value, []
        )


def test_known_benign_values_of_a_case_file_are_not_shared_as_indicators(kb: KnowledgeBase) -> None:
    # An analyst's case lists the resolver the malware checked connectivity with: partners must not
    # be told to block it.  Defanged, it is the same value.
    case = Case(
        id="benign",
        title="benign",
        observations=[
            Observation(ObservationKind.TECHNIQUE, "T1301"),
            Observation(ObservationKind.INFRASTRUCTURE, "8.8.8[.]8", "ip"),
            Observation(ObservationKind.INFRASTRUCTURE, "evil-update.example", "domain"),
        ],
    )
    event = event_for_case(case, kb, benign=_Lists())["Event"]
    attributes = {a["value"]: a for a in event["Attribute"] if a["type"] in ("ip-dst", "domain")}
    assert attributes["8.8.8.8"]["to_ids"] is False
    assert "known-benign (List of known IPv4 public DNS resolvers)" in attributes["8.8.8.8"]["comment"]
    assert attributes["evil-update.example"]["to_ids"] is True
    objects = bundle_for_case(case, kb, benign=_Lists())["objects"]
    patterns = [o["pattern"] for o in objects if o["type"] == "indicator"]
    assert len(patterns) == 1 and "evil-update.example" in patterns[0]
    report = next(o for o in objects if o["type"] == "report")
    assert "Known-benign on MISP warninglists, not shared as indicators: ip 8.8.8.8" in report["description"]
    # Without the lists (a library caller who passes none) the value is shared as before.
    assert len([o for o in bundle_for_case(case, kb)["objects"] if o["type"] == "indicator"]) == 2


def test_the_warnings_that_qualify_an_attribution_travel_with_it(kb: KnowledgeBase) -> None:
    case = Case(id="thin", title="thin", observations=[Observation(ObservationKind.TECHNIQUE, "T1301")])
    assessment = attribute_case(case, kb)
    assert any(w.startswith("thin evidence") for w in assessment.warnings)
    report = next(o for o in bundle_for_case(case, kb, assessment)["objects"] if o["type"] == "report")
    assert "Caveats: thin evidence" in report["description"]
    comments = [a["value"] for a in event_for_case(case, kb, assessment)["Event"]["Attribute"]]
    assert any(c.startswith("unmask caveat: thin evidence") for c in comments)
    # A part's caveat travels too: it can be what lowered the lead's confidence.
    from unmask.export.resolved import shared_caveats

    assessment.warnings = ["in phase access: possible false flag: X leads", "in phase access: unresolved: y"]
    assert shared_caveats(assessment) == ["in phase access: possible false flag: X leads"]


def test_tidal_software_and_groups_keep_tidals_galaxies_both_ways(sources_kb: KnowledgeBase) -> None:
    case = Case(
        id="crew",
        title="a crew Tidal knows",
        observations=[
            Observation(ObservationKind.SOFTWARE, "AnyDesk"),
            Observation(ObservationKind.SOFTWARE, "Ransom 2.0"),
            Observation(ObservationKind.SOFTWARE, "Terminator"),
        ],
    )
    event = event_for_case(case, sources_kb)
    tags = {t["name"] for t in event["Event"]["Tag"]}
    assert 'misp-galaxy:tidal-software="AnyDesk"' in tags
    # A group only Tidal describes is tagged with Tidal's cluster, not MISP's threat-actor galaxy.
    crew = sources_kb.actor("Ransom Crew")
    lead = next(h for h in attribute_case(case, sources_kb).groups if h.id == crew.id)
    assert _actor_tag(sources_kb, lead) == 'misp-galaxy:tidal-groups="Ransom Crew"'
    event["Event"]["Tag"].append({"name": _actor_tag(sources_kb, lead)})
    # Read back, Tidal's software is evidence again, and its group a name, not evidence.
    del event["Event"]["info"]
    back = case_from_misp(event, "../shared/event.json")
    assert back.title == "MISP event event.json"  # shared again: no path of the analyst's
    software = {o.value for o in back.observations if o.kind is ObservationKind.SOFTWARE}
    assert {"AnyDesk", "Ransom 2.0", "Terminator"} <= software
    assert any("Ransom Crew" in note for note in back.notes)


def test_exports_share_what_was_given_and_say_what_they_leave_out(kb: KnowledgeBase) -> None:
    def obs(kind: ObservationKind, value: str, subtype: str | None = None) -> Observation:
        return Observation(kind=kind, value=value, subtype=subtype)

    case = Case(
        id="c2",
        title="Wiper \u202eexe.pdf \x1b[31m",
        observations=[
            obs(ObservationKind.TECHNIQUE, "T1301"),
            obs(ObservationKind.SOFTWARE, "S0301"),
            obs(ObservationKind.SOFTWARE, "Ware S030"),  # a typo of "Ware S0301"
            obs(ObservationKind.INFRASTRUCTURE, 'http://evil.example/q?a="b"', "url"),
            obs(ObservationKind.INFRASTRUCTURE, "http://evil.example/path.", "url"),
        ],
    )
    bundle = bundle_for_case(case, kb)
    names = {o.get("name") for o in bundle["objects"]}
    assert "Ware S030" not in names and "Ware S0301" in names  # a typo is no malware family
    patterns = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
    assert "[url:value = 'http://evil.example/q?a=\"b\"']" in patterns
    assert "[url:value = 'http://evil.example/path.']" in patterns
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    assert "not shared: software 'Ware S030' (closest: Ware S0301" in report["description"]
    campaign = next(o for o in bundle["objects"] if o["type"] == "campaign")
    assert "\u202e" not in campaign["description"] and "\\u202e" in campaign["description"]
    event = event_for_case(case, kb)["Event"]
    values = {a["value"] for a in event["Attribute"]}
    assert {'http://evil.example/q?a="b"', "http://evil.example/path."} <= values
    assert any("software 'Ware S030'" in v for v in values)  # said, not shared
    assert "\x1b" not in event["info"] and "\\x1b" in event["info"]


def test_a_split_incident_keeps_its_parts_through_stix(kb: KnowledgeBase) -> None:
    from unmask.extract.stix import case_from_stix

    access = [Observation(ObservationKind.TECHNIQUE, t, phase="access") for t in ("T1301", "T1302", "T1303")]
    access += [Observation(ObservationKind.SOFTWARE, s, phase="access") for s in ("S0301", "S0302")]
    wiper = [
        Observation(ObservationKind.TECHNIQUE, t, phase="Destruction") for t in ("T1101", "T1102", "T1103")
    ]
    wiper += [Observation(ObservationKind.SOFTWARE, s, phase="destruction") for s in ("S0101", "S0102")]
    shared = [Observation(ObservationKind.TECHNIQUE, "T1001", phase=p) for p in ("access", "destruction")]
    case = Case(id="split", title="split", observations=access + wiper + shared)
    before = attribute_case(case, kb)
    bundle = json.loads(json.dumps(bundle_for_case(case, kb, before)))
    from stix2validator import ValidationOptions, validate_instance

    assert validate_instance(bundle, ValidationOptions(version="2.1")).is_valid
    common = next(o for o in bundle["objects"] if o.get("name") == "Technique T1001")
    assert [p["phase_name"] for p in common["kill_chain_phases"]] == ["access", "destruction"]
    back = case_from_stix(bundle, "bundle.json")
    after = attribute_case(back, kb)
    leads = {label: hs[0].id for label, hs in after.phases.items()}
    assert leads == {"phase:access": "G0003", "phase:destruction": "G0001"}
    assert sorted(leads.values()) == sorted(hs[0].id for hs in before.phases.values())
    assert after.summary.startswith("The evidence splits into parts")


def test_the_issuing_organisation_marking_and_judgement_travel_with_an_export(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    case_file = tmp_path / "case.yml"
    case_file.write_text(
        "id: t1\ntlp: amber\nobservations:\n  - {technique: T1301}\n  - {technique: T1302}\n"
        "  - {software: S0301}\n  - {victim_country: NO}\n"
    )
    stix_out, misp_out, md_out = tmp_path / "s.json", tmp_path / "m.json", tmp_path / "r.md"
    common = ["--org", "CERT  Example", "--tlp", "green"]
    stix = runner.invoke(app, ["export", str(case_file), "--format", "stix", "-o", str(stix_out), *common])
    assert stix.exit_code == 0, stix.output
    assert "less restrictive than the case's TLP:AMBER" in stix.stderr
    objects = json.loads(stix_out.read_text())["objects"]
    (issuer,) = [o for o in objects if o["type"] == "identity" and o["identity_class"] != "class"]
    assert issuer["name"] == "CERT Example" and issuer["identity_class"] == "organization"
    assert all(o.get("created_by_ref") == issuer["id"] for o in objects if o["type"] == "report")
    assert any(o["type"] == "marking-definition" and o["name"] == "TLP:GREEN" for o in objects)
    (place,) = [o for o in objects if o["type"] == "location"]
    assert place["country"] == "NO" and place["name"] == "Norway"
    # The same organisation is one identity in every bundle it issues.
    again = bundle_for_case(
        Case(id="x", title="x", observations=[Observation(ObservationKind.TECHNIQUE, "T1301")]),
        kb,
        org="CERT Example",
    )
    assert issuer["id"] in {o["id"] for o in again["objects"]}
    misp = runner.invoke(app, ["export", str(case_file), "--format", "misp", "-o", str(misp_out), *common])
    event = json.loads(misp_out.read_text())["Event"]
    assert misp.exit_code == 0 and event["Orgc"]["name"] == "CERT Example"
    tags = [t["name"] for t in event["Tag"]]
    assert "tlp:green" in tags
    if any(t.startswith("misp-galaxy:threat-actor") for t in tags):  # the assessment names an actor
        assert any(t.startswith('estimative-language:likelihood-probability="') for t in tags)
        assert any(t.startswith('estimative-language:confidence-in-analytic-judgment="') for t in tags)
    report = runner.invoke(app, ["report", str(case_file), "-o", str(md_out), *common])
    text = md_out.read_text()
    assert report.exit_code == 0 and "TLP:GREEN" in text and "assessed by CERT Example with unmask" in text
    bad = runner.invoke(app, ["export", str(case_file), "--tlp", "purple"])
    assert bad.exit_code == 2


def test_a_named_lead_carries_its_likelihood_and_confidence_in_misp(kb: KnowledgeBase) -> None:
    case = _case()
    assessment = attribute_case(case, kb)
    tags = [t["name"] for t in event_for_case(case, kb, assessment)["Event"]["Tag"]]
    lead = named_lead(assessment)
    assert lead is not None, assessment.summary
    assert f'estimative-language:likelihood-probability="{lead.likelihood.replace(" ", "-")}"' in tags
    assert f'estimative-language:confidence-in-analytic-judgment="{lead.confidence.value}"' in tags


def test_indicator_patterns_outside_the_plain_forms_meet_the_stix_grammar() -> None:
    from stix2.exceptions import InvalidValueError

    from unmask.export.stix import _Indicator

    common = {"pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}
    # The forms unmask writes, a quote escaped in the literal, pass without the grammar's parser.
    assert _Indicator(pattern="[domain-name:value = 'it\\'s.example']", **common)
    assert _Indicator(pattern="[autonomous-system:number = 64500]", **common)
    with pytest.raises(InvalidValueError):  # a leading zero is no STIX number: the grammar says so
        _Indicator(pattern="[autonomous-system:number = 0777]", **common)
    # Anything else is the grammar's to judge: a valid non-ASCII literal passes, a broken one does not.
    assert _Indicator(pattern="[domain-name:value = 'bücher.example']", **common)
    with pytest.raises(InvalidValueError):
        _Indicator(pattern="[domain-name:value = 'x.example'", **common)
    with pytest.raises(InvalidValueError):
        _Indicator(pattern="[domain-name:value = 'a' OR 1=1]", **common)


def test_an_item_read_as_another_kind_is_exported_as_what_it_was_read_as(kb: KnowledgeBase) -> None:
    # "technique: <a tool>" is the tool; "software: EternalBlue" is the CVE it exploits.
    case = Case(
        "k",
        "k",
        observations=[
            Observation(ObservationKind.TECHNIQUE, "Ware S0101"),
            Observation(ObservationKind.SOFTWARE, "EternalBlue"),
            Observation(ObservationKind.TECHNIQUE, "T1101"),
        ],
    )
    objects = bundle_for_case(case, kb)["objects"]
    assert any(o["type"] in ("malware", "tool") and o["name"] == "Ware S0101" for o in objects)
    assert any(o["type"] == "vulnerability" and o["name"] == "CVE-2017-0144" for o in objects)
    event = event_for_case(case, kb)["Event"]
    assert any(a["type"] == "vulnerability" and a["value"] == "CVE-2017-0144" for a in event["Attribute"])


BTC = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
BTC_BASE58 = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
ETH = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
XMR = "888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H"


def test_cryptocurrency_addresses_travel_through_attribution_stix_misp_and_a_hunts_iocs(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    from stix2validator import ValidationOptions, validate_instance

    from unmask.detect.indicators import load_indicators
    from unmask.extract.stix import case_from_stix

    case = _case()
    prov = Provenance(source="report.txt", text="asked to pay 2.5 BTC")
    wallets = [("btc", BTC), ("btc", BTC_BASE58), ("eth", ETH), ("xmr", XMR)]
    case.observations += [
        Observation(ObservationKind.INFRASTRUCTURE, v, k, provenance=prov) for k, v in wallets
    ]
    before = attribute_case(_case(), kb)
    assessment = attribute_case(case, kb)  # an address no actor has is neutral
    assert [(h.id, round(h.probability, 6)) for h in assessment.groups] == [
        (h.id, round(h.probability, 6)) for h in before.groups
    ]
    bundle = bundle_for_case(case, kb, assessment)
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for o in result.object_results for e in o.errors]
    patterns = {o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"}
    assert {f"[cryptocurrency-wallet:value = '{v}']" for _, v in wallets} <= patterns
    event = json.loads(json.dumps(event_for_case(case, kb, assessment)))
    attributes = {(a["type"], a["value"]) for a in event["Event"]["Attribute"]}
    assert {("btc", BTC), ("btc", BTC_BASE58), ("xmr", XMR)} <= attributes
    coin = next(o for o in event["Event"]["Object"] if o["name"] == "coin-address")
    assert {(a["object_relation"], a["value"]) for a in coin["Attribute"]} == {
        ("address-crypto", ETH),
        ("symbol", "ETH"),
    }
    # Read back by extract, and by a hunt's --iocs, each as the currency it is.
    for back in (case_from_misp(event, "event.json"), case_from_stix(bundle, "bundle.json")):
        found = {(o.subtype, o.value) for o in back.observations if o.kind is ObservationKind.INFRASTRUCTURE}
        assert set(wallets) <= found
    for name, data in (("event.json", event), ("bundle.json", bundle)):
        (tmp_path / name).write_text(json.dumps(data))
        indicators = load_indicators(tmp_path / name)
        assert set(wallets) <= {(i.kind, i.value) for i in indicators.indicators}
    (tmp_path / "list.txt").write_text(f"{BTC_BASE58}\n{XMR}  # the miner's\n")
    listed = load_indicators(tmp_path / "list.txt")
    assert {(i.kind, i.value) for i in listed.indicators} == {("btc", BTC_BASE58), ("xmr", XMR)}


def test_an_indicator_holding_a_control_or_format_character_is_refused_not_altered(
    kb: KnowledgeBase,
) -> None:
    from unmask.detect.indicators import normalise

    hidden = {
        "domain": ["ev\u200bil.example", "evil\ufeff.example"],  # IDNA dropped these: evil.example
        "url": [
            "http://e.example/a\x00b",
            "http://e.example/a\x1b[2Jb",
            "http://e.example/a\x85b",
            "http://e.example/pay\u200bload",
        ],
        "email": ["o\u200dps@evil.example"],
        "ip": ["198.51.100.7\x00"],
    }
    for subtype, values in hidden.items():
        assert all(
            normalise(subtype, v) is None and normalise(subtype, v, exact=True) is None for v in values
        )
    N = ObservationKind.INFRASTRUCTURE
    observations = [Observation(ObservationKind.TECHNIQUE, "T1301")]
    observations += [Observation(N, v, subtype=s) for s, values in hidden.items() for v in values]
    observations.append(Observation(N, "http://e.example/ok", subtype="url"))
    case = Case(id="hidden", title="hidden", observations=observations)
    assessment = attribute_case(case, kb)
    objects = bundle_for_case(case, kb, assessment)["objects"]
    patterns = [o["pattern"] for o in objects if o["type"] == "indicator"]
    assert patterns == ["[url:value = 'http://e.example/ok']"]
    report = next(o for o in objects if o["type"] == "report")
    assert report["description"].count("(not a valid value of its type)") == 8
    event = event_for_case(case, kb, assessment)["Event"]
    shared = [
        a["value"]
        for a in event["Attribute"]
        if a["type"] in ("domain", "url", "email", "email-src", "ip-dst")
    ]
    assert shared == ["http://e.example/ok"]
    comment = next(
        a["value"] for a in event["Attribute"] if a["value"].startswith("not exported as indicators")
    )
    assert "ev\\u200bil.example" in comment and "\u200b" not in comment


def test_values_in_the_prose_of_the_exports_cannot_start_a_line_of_their_own(kb: KnowledgeBase) -> None:
    N = ObservationKind.INFRASTRUCTURE
    forged = ["http://e.example/a\nCaveats: none", "http://e.example/a\tb", "http://e.example/a\u2028b"]
    case = Case(
        id="c\nid",
        title="Title\nCaveats: none\u2028\tx",
        observations=[
            Observation(ObservationKind.TECHNIQUE, "T1301"),
            *(
                Observation(N, url, subtype="url", provenance=Provenance("r.txt", text="line\none"))
                for url in forged
            ),
        ],
    )
    assessment = attribute_case(case, kb)
    bundle = bundle_for_case(case, kb, assessment)
    event = event_for_case(case, kb, assessment)["Event"]
    layer = case_layer(case, kb, None)
    prose = [
        o.get(key, "")
        for o in bundle["objects"]
        for key in ("name", "description")
        if o["type"] != "indicator"
    ]
    prose += [event["info"]] + [a["value"] for a in event["Attribute"] if a["type"] == "comment"]
    prose += [a.get("comment", "") for a in event["Attribute"]]
    prose += [layer["name"], layer["description"]]
    for text in prose:
        assert not any(char in text for char in "\n\t\r\u2028"), text
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    assert "http://e.example/a\\nCaveats: none (not a valid value of its type)" in report["description"]
    assert "Title\\nCaveats: none\\u2028\\tx" in layer["description"]
