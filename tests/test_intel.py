import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.synthetic import three_groups
from unmask.attribute.engine import attribute_case
from unmask.cli import app
from unmask.errors import IngestError, UnknownNameError
from unmask.knowledge.home import sources_dir
from unmask.knowledge.install import install_kb
from unmask.knowledge.intel import IntelEntry, add_intel, read_intel, save_intel
from unmask.knowledge.store import KnowledgeBase, load_kb
from unmask.knowledge.warninglists import BenignIndex
from unmask.model import Case, Observation, ObservationKind

runner = CliRunner()
BENIGN = BenignIndex([("resolvers", "string", ["8.8.8.8"])])


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    return three_groups(tmp_path / "kb")


def _misp(path: Path, actor: str | None, values: list[tuple[str, str]]) -> Path:
    tags = [{"name": "tlp:amber"}] + ([{"name": f'misp-galaxy:threat-actor="{actor}"'}] if actor else [])
    attributes = [{"type": t, "value": v, "uuid": f"a{i}"} for i, (t, v) in enumerate(values)]
    path.write_text(
        json.dumps({"Event": {"info": "intel", "uuid": "e1", "Tag": tags, "Attribute": attributes}})
    )
    return path


def _stix(path: Path, actors: list[str], domain: str) -> Path:
    common: dict[str, Any] = {
        "spec_version": "2.1",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
    }
    objects = [
        {"type": "intrusion-set", "id": f"intrusion-set--{i}", "name": a, **common}
        for i, a in enumerate(actors)
    ]
    objects.append(
        {"type": "indicator", "id": "indicator--1", "pattern": f"[domain-name:value = '{domain}']",
         "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", **common}
    )  # fmt: skip
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    return path


def _case(*observations: tuple[ObservationKind, str, str | None]) -> Case:
    return Case(
        "c", "c", observations=[Observation(kind, value, subtype=sub) for kind, value, sub in observations]
    )


def test_misp_event_indicators_go_to_its_tagged_actor(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = _misp(
        tmp_path / "e.json",
        "Gamma",
        [("ip-dst", "198.51.100.7"), ("ip-dst", "8.8.8.8"), ("sha256", "A" * 64), ("text", "x")],
    )
    (entry,) = read_intel(path, kb, benign=BENIGN)
    assert entry.actor == "G0003" and entry.actor_name == "Gamma"
    assert set(entry.indicators) == {("infrastructure", "198.51.100.7"), ("file", "a" * 64)}
    assert entry.benign_skipped == 1  # 8.8.8.8 is on a warninglist


def test_stix_bundle_names_its_actor_and_override_wins(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = _stix(tmp_path / "b.json", ["Alpha"], "mail-alpha.net")
    assert read_intel(path, kb)[0].actor == "G0001"
    assert read_intel(path, kb, actor="Beta")[0].actor == "G0002"
    with pytest.raises(UnknownNameError):
        read_intel(path, kb, actor="Nobody Known")


def test_files_that_cannot_say_whose_they_are_are_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="names 2 actors"):
        read_intel(_stix(tmp_path / "two.json", ["Alpha", "Gamma"], "x-y.net"), kb)
    with pytest.raises(IngestError, match=r"names no actor the KB knows.*'Zeta'"):
        read_intel(_misp(tmp_path / "z.json", "Zeta", [("domain", "z-y.net")]), kb)
    with pytest.raises(IngestError, match=r"no infrastructure or file indicators.*1 on a MISP warninglist"):
        read_intel(_misp(tmp_path / "b.json", "Gamma", [("ip-dst", "8.8.8.8")]), kb, benign=BENIGN)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(IngestError, match="malformed JSON at line 1"):
        read_intel(tmp_path / "bad.json", kb)
    (tmp_path / "list.json").write_text("[1]")
    with pytest.raises(IngestError, match="neither a STIX"):
        read_intel(tmp_path / "list.json", kb)


def test_added_intelligence_points_a_case_to_its_actor(kb: KnowledgeBase, tmp_path: Path) -> None:
    case = _case(
        (ObservationKind.INFRASTRUCTURE, "198.51.100.7", "ip"),
        (ObservationKind.INFRASTRUCTURE, "c2-gamma.net", "domain"),
        (ObservationKind.TECHNIQUE, "T1001", None),
        (ObservationKind.TECHNIQUE, "T1002", None),
        (ObservationKind.TECHNIQUE, "T1003", None),
    )
    before = attribute_case(case, kb)
    assert any("could not be compared" in w for w in before.warnings)  # no intelligence yet
    result = add_intel(
        [_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7"), ("domain", "c2-gamma.net")])]
    )
    assert not result.failed and result.kb is not None
    assert result.kb.summary()["counts"]["intel_indicators"] == 2
    after = attribute_case(case, result.kb)
    assert not any("could not be compared" in w for w in after.warnings)
    lead = next(h for h in after.groups if h.kind == "actor")
    assert lead.id == "G0003" and lead.probability > max(
        h.probability for h in before.groups if h.kind == "actor"
    )
    assert any(label.startswith("ip 198.51.100.7") for label, _ in lead.evidence_for)


def test_one_indicator_alone_does_not_decide(kb: KnowledgeBase, tmp_path: Path) -> None:
    result = add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])])
    assert result.kb is not None
    a = attribute_case(_case((ObservationKind.INFRASTRUCTURE, "198.51.100.7", "ip")), result.kb)
    assert a.groups[0].probability < 0.45 and a.summary.startswith("The evidence does not single out")


def test_a_lead_that_stands_only_on_indicators_is_a_weak_lead(kb: KnowledgeBase, tmp_path: Path) -> None:
    # Three addresses from one intelligence file on Gamma, against techniques of Alpha's: no one
    # address decides, the three together do, and cheap items together are still cheap.
    iocs = [("ip-dst", f"198.51.100.{n}") for n in (7, 8, 9)]
    result = add_intel([_misp(tmp_path / "e.json", "Gamma", iocs)])
    assert result.kb is not None
    alpha = [(ObservationKind.TECHNIQUE, t, None) for t in ("T1101", "T1102", "T1001", "T1002", "T1003")]
    ips = [(ObservationKind.INFRASTRUCTURE, value, "ip") for _, value in iocs]
    a = attribute_case(_case(*alpha, *ips), result.kb)
    lead = next(h for h in a.groups if h.kind == "actor")
    assert lead.id == "G0003" and lead.confidence.value == "low"
    weak = [w for w in a.warnings if w.startswith("weak lead: Gamma leads only because of ip 198.51.100.")]
    assert (
        len(weak) == 1
        and "indicators or claims cheap to fake or to share; without them Alpha leads" in weak[0]
    )
    assert not any(w.startswith("possible false flag: Gamma leads only because of") for w in a.warnings)


def test_intelligence_survives_a_reinstall(kb: KnowledgeBase, tmp_path: Path) -> None:
    add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])])
    stale = IntelEntry("old.json", "0" * 64, "G9999", "Nobody Known", (("file", "f" * 64),))
    save_intel([stale])
    (sources_dir() / "intel" / "broken.json").write_text("{")
    folder = tmp_path / "kb"
    result = install_kb(str(folder / "bundle.json"), galaxies_dir=folder / "clusters")
    gamma = load_kb().actor("Gamma")
    assert gamma.infrastructure == ["infrastructure:198.51.100.7"]
    assert load_kb().summary()["counts"]["intel_files"] == 1
    assert any("not re-applied" in note and "Nobody Known" in note for note in result.attempts)
    assert any(note.startswith("broken.json: unreadable") for note in result.attempts)


def test_cli_adds_good_files_and_reports_bad_ones(kb: KnowledgeBase, tmp_path: Path) -> None:
    good = _misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    result = runner.invoke(app, ["kb", "intel", str(good), str(bad), "--keep-benign"])
    assert result.exit_code == 2
    words = " ".join(result.output.split())  # the console wraps long lines
    assert "1 indicator(s) added to Gamma (G0003)" in words
    assert "bad.json:1: malformed JSON at line 1" in words
    assert load_kb().summary()["counts"]["intel_files"] == 1
    shown = runner.invoke(app, ["kb", "actor", "Gamma"])
    assert "1 from your intelligence (infrastructure; kb intel)" in " ".join(shown.stdout.split())


def test_an_indicator_of_another_actor_against_the_rest_is_a_possible_false_flag(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    result = add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])])
    assert result.kb is not None
    alpha = [(ObservationKind.TECHNIQUE, t, None) for t in ("T1101", "T1102", "T1103")]
    alpha += [(ObservationKind.SOFTWARE, s, None) for s in ("S0101", "S0102")]
    a = attribute_case(_case(*alpha, (ObservationKind.INFRASTRUCTURE, "198.51.100.7", "ip")), result.kb)
    assert next(h for h in a.groups if h.kind == "actor").id == "G0001"
    assert any(w.startswith("possible false flag") and "Gamma" in w for w in a.warnings)


def test_a_misp_export_of_several_events_gives_each_its_actor(kb: KnowledgeBase, tmp_path: Path) -> None:
    events = []
    for n, (actor, ip) in enumerate((("Gamma", "198.51.100.7"), ("Alpha", "198.51.100.8"))):
        tags = [{"name": f'misp-galaxy:threat-actor="{actor}"'}]
        events.append({"Event": {"info": f"e{n}", "uuid": f"e{n}", "Tag": tags,
                                 "Attribute": [{"type": "ip-dst", "value": ip, "uuid": f"a{n}"}]}})  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"response": events}))
    entries = read_intel(path, kb)
    assert [(e.actor, e.indicators) for e in entries] == [
        ("G0003", (("infrastructure", "198.51.100.7"),)),
        ("G0001", (("infrastructure", "198.51.100.8"),)),
    ]
    assert entries[1].origin.endswith("export.json event 2")


def test_cli_lists_and_removes_intelligence(kb: KnowledgeBase, tmp_path: Path) -> None:
    add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])])
    listed = runner.invoke(app, ["kb", "intel", "--list", "--json"])
    (entry,) = json.loads(listed.stdout)["intel"]
    assert entry["actor"] == "G0003" and entry["indicators"] == 1
    # Listed under the KB's name of the actor, as adding says it (the file's name too if another).
    table = " ".join(runner.invoke(app, ["kb", "intel", "--list"]).stdout.split())
    assert "Gamma (G0003) 1 indicator(s)" in table
    assert runner.invoke(app, ["kb", "intel", "--remove", "abc"]).exit_code == 2  # too short to be safe
    removed = runner.invoke(app, ["kb", "intel", "--remove", entry["sha256"][:10]])
    assert removed.exit_code == 0 and "removed:" in removed.stdout
    assert load_kb().actor("Gamma").infrastructure == []
    assert not list((sources_dir() / "intel").glob("*.json"))
    assert runner.invoke(app, ["kb", "intel"]).exit_code == 2  # nothing to do


def test_a_stix_bundle_about_several_actors_is_cut_by_its_indicates_relationships(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    common: dict[str, Any] = {
        "spec_version": "2.1",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
    }
    objects: list[dict[str, Any]] = [
        {"type": "intrusion-set", "id": "intrusion-set--a", "name": "Alpha", **common},
        {"type": "intrusion-set", "id": "intrusion-set--g", "name": "Gamma", **common},
    ]
    for n, (domain, owner) in enumerate((("a-c2.net", "a"), ("g-c2.net", "g"), ("loose.net", None))):
        objects.append({"type": "indicator", "id": f"indicator--{n}", "pattern": f"[domain-name:value = '{domain}']",
                        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", **common})  # fmt: skip
        if owner:
            objects.append({"type": "relationship", "id": f"relationship--{n}", "relationship_type": "indicates",
                            "source_ref": f"indicator--{n}", "target_ref": f"intrusion-set--{owner}", **common})  # fmt: skip
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--r", "objects": objects}))
    entries = {e.actor: e.indicators for e in read_intel(path, kb)}
    assert entries == {
        "G0001": (("infrastructure", "a-c2.net"),),
        "G0003": (("infrastructure", "g-c2.net"),),
    }
    # --actor still takes the whole bundle as one actor's.
    (whole,) = read_intel(path, kb, actor="Gamma")
    assert len(whole.indicators) == 3


def test_a_case_indicator_meets_the_intelligence_however_it_is_written(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    values = [("ip-dst", "198.51.100.7"), ("domain", "c2-gamma.net"), ("url", "http://c2-gamma.net/Gate.PHP")]
    result = add_intel([_misp(tmp_path / "e.json", "Gamma", values)])
    assert result.kb is not None
    written = [
        ("198.51.100[.]7", "ip"),
        ("C2-Gamma[.]net.", "domain"),
        ("hxxp://C2-GAMMA.net/Gate.PHP", "url"),
    ]
    for value, subtype in written:
        a = attribute_case(_case((ObservationKind.INFRASTRUCTURE, value, subtype)), result.kb)
        lead = next(h for h in a.groups if h.kind == "actor")
        assert lead.id == "G0003" and lead.evidence_for, value


def test_the_same_file_is_added_once(kb: KnowledgeBase, tmp_path: Path) -> None:
    event = _misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])
    first = add_intel([event])
    again = add_intel([event])
    # A feed imported again is no failure: a note, exit 0.
    assert first.added and not again.added and not again.failed
    assert "already in the knowledge base for Gamma" in again.notes[0]
    assert again.kb is not None and again.kb.summary()["counts"]["intel_indicators"] == 1
    assert runner.invoke(app, ["kb", "intel", str(event)]).exit_code == 0


def test_one_unusable_event_or_unknown_actor_costs_only_its_own_indicators(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    events = [
        {"Event": {"info": "e1", "uuid": "e1", "Tag": [{"name": 'misp-galaxy:threat-actor="Gamma"'}],
                   "Attribute": [{"type": "ip-dst", "value": "198.51.100.7", "uuid": "a1"}]}},
        {"Event": {"info": "e2", "uuid": "e2", "Attribute": [{"type": "ip-dst", "value": "198.51.100.9"}]}},
    ]  # fmt: skip
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"response": events}))
    result = add_intel([export])
    assert [e.actor for e in result.added] == ["G0003"] and "event 2" in result.failed[0]
    # A bundle whose second indicator indicates an actor the KB does not know: that one goes to nobody.
    common = {"spec_version": "2.1", "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z"}
    objects: list[dict[str, Any]] = [
        {"type": "intrusion-set", "id": "intrusion-set--1", "name": "Alpha", **common},
        {"type": "intrusion-set", "id": "intrusion-set--2", "name": "Zorblax Kitten", **common},
    ]
    for n, domain in ((1, "alpha-c2.net"), (2, "zorblax.net")):
        objects.append({"type": "indicator", "id": f"indicator--{n}", "pattern": f"[domain-name:value = '{domain}']",
                        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", **common})  # fmt: skip
        objects.append({"type": "relationship", "id": f"relationship--{n}", "relationship_type": "indicates",
                        "source_ref": f"indicator--{n}", "target_ref": f"intrusion-set--{n}", **common})  # fmt: skip
    bundle = tmp_path / "mixed.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--7", "objects": objects}))
    result = add_intel([bundle])
    assert [(e.actor, e.indicators) for e in result.added] == [
        ("G0001", (("infrastructure", "alpha-c2.net"),))
    ]
    assert "1 indicator(s) indicate actors the KB does not know" in result.failed[0]


def test_actor_given_over_the_files_own_is_noted(kb: KnowledgeBase, tmp_path: Path) -> None:
    result = add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])], actor="Alpha")
    assert [e.actor for e in result.added] == ["G0001"] and not result.failed
    assert (
        result.notes and "names Gamma; its indicators were added to Alpha as --actor says" in result.notes[0]
    )


def test_values_marked_not_for_detection_are_not_an_actors_indicators(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    # An event unmask exported: the hash of powershell.exe a flagged command ran in is context.
    path = _misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7"), ("sha256", "B" * 64)])
    event = json.loads(path.read_text())
    event["Event"]["Attribute"][1]["to_ids"] = False
    path.write_text(json.dumps(event))
    notes: list[str] = []
    (entry,) = read_intel(path, kb, benign=BENIGN, failed=notes)
    assert set(entry.indicators) == {("infrastructure", "198.51.100.7")}
    assert any("1 value(s) marked not for detection" in n for n in notes)
    # The case read from the same event keeps the value, as context.
    from unmask.detect.artifacts import is_context
    from unmask.extract.misp import case_from_misp

    case = case_from_misp(event, "e.json")
    assert [is_context(o) for o in case.observations] == [False, True]


def test_indicators_of_one_incident_are_correlated_not_independent(kb: KnowledgeBase, tmp_path: Path) -> None:
    addresses = [f"198.51.100.{n}" for n in range(1, 4)]
    result = add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", a) for a in addresses])])
    assert result.kb is not None
    case = _case(*[(ObservationKind.INFRASTRUCTURE, a, "ip") for a in addresses])
    lead = next(h for h in attribute_case(case, result.kb).groups if h.kind == "actor")
    weights = sorted((w for label, w in lead.evidence_for if label.startswith("ip ")), reverse=True)
    # The second and third matching address count a half and a third of the first.
    assert len(weights) == 3
    assert weights[1] == pytest.approx(weights[0] / 2, rel=0.02)
    assert weights[2] == pytest.approx(weights[0] / 3, rel=0.02)


def test_a_plain_list_of_indicators_is_the_actor_given(kb: KnowledgeBase, tmp_path: Path) -> None:
    listed = tmp_path / "iocs.txt"
    listed.write_text(
        "# from a partner\n198.51.100.7\nc2-gamma[.]net\nvssadmin.exe\n8.8.8.8\n" + "ab" * 32 + "\n"
    )
    failed: list[str] = []
    [entry] = read_intel(listed, kb, actor="Gamma", benign=BENIGN, failed=failed)
    assert entry.actor == "G0003" and entry.benign_skipped == 1
    assert set(entry.indicators) == {
        ("infrastructure", "198.51.100.7"),
        ("infrastructure", "c2-gamma.net"),
        ("file", "ab" * 32),
    }
    assert failed == [
        f"note: {listed}:line 4: 'vssadmin.exe' is a file name, not a usable indicator; skipped"
    ]
    values = tmp_path / "values.json"
    values.write_text('["198.51.100.8"]')
    assert read_intel(values, kb, actor="Gamma")[0].indicators == (("infrastructure", "198.51.100.8"),)
    quoted = tmp_path / "one.txt"  # one quoted value is JSON too
    quoted.write_text('"c2-gamma.net"\n')
    assert read_intel(quoted, kb, actor="Gamma")[0].indicators == (("infrastructure", "c2-gamma.net"),)
    # A URL on a host a warninglist names is judged as in a MISP event: by its own value.
    hosting = BenignIndex([("hosting", "string", ["github.com"])])
    urls = tmp_path / "urls.txt"
    urls.write_text("https://github.com/evilrepo\n")
    event = _misp(tmp_path / "urls.json", "Gamma", [("url", "https://github.com/evilrepo")])
    assert (
        read_intel(urls, kb, actor="Gamma", benign=hosting)[0].indicators
        == read_intel(event, kb, benign=hosting)[0].indicators
    )
    # Without --actor a list says nobody's: refused with what to do.
    with pytest.raises(IngestError, match=r"names no actor.*--actor NAME"):
        read_intel(listed, kb)


def test_a_file_added_for_two_actors_is_removed_for_the_one_named(kb: KnowledgeBase, tmp_path: Path) -> None:
    from unmask.errors import UnmaskError
    from unmask.knowledge.intel import remove_intel

    listed = tmp_path / "iocs.txt"
    listed.write_text("198.51.100.7\n")
    for actor in ("Gamma", "Alpha"):
        assert not add_intel([listed], actor=actor).failed
    digest = load_kb().document["intel"][0]["sha256"]
    with pytest.raises(UnmaskError, match=r"added for several actors.*--actor"):
        remove_intel(digest[:8])
    [gone] = remove_intel(digest[:8], actor="Alpha")
    assert gone["actor"] == "G0001"
    assert [e["actor"] for e in load_kb().document["intel"]] == ["G0003"]


def test_indicators_no_intelligence_holds_are_compared_with_nothing(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    result = add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])])
    assert result.kb is not None
    case = _case(
        (ObservationKind.INFRASTRUCTURE, "203.0.113.9", "ip"),
        (ObservationKind.INFRASTRUCTURE, "x.example", "domain"),
    )
    a = attribute_case(case, result.kb)
    assert a.summary.startswith("Nothing in the case can be compared"), a.summary


def test_an_address_two_files_give_one_actor_is_listed_once(kb: KnowledgeBase, tmp_path: Path) -> None:
    add_intel([_misp(tmp_path / "a.json", "Gamma", [("ip-dst", "198.51.100.7"), ("domain", "a.example")])])
    add_intel([_misp(tmp_path / "b.json", "Gamma", [("ip-dst", "198.51.100.7")])])
    assert load_kb().actor("Gamma").infrastructure == [
        "infrastructure:198.51.100.7",
        "infrastructure:a.example",
    ]


def test_malformed_intelligence_json_says_the_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Event": {"info": "x",\n  "Attribute": [oops]}}\n')
    result = runner.invoke(app, ["kb", "intel", str(bad)])
    assert result.exit_code == 2 and f"{bad}:2: malformed JSON at line 2" in " ".join(result.output.split())


def test_an_indicator_no_intelligence_holds_does_not_make_a_case_more_than_thin(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    from unmask.attribute.combine import comparable_items
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex
    from unmask.attribute.params import DEFAULT_PARAMS

    result = add_intel([_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7")])])
    assert result.kb is not None
    index = ScoringIndex.build(result.kb, DEFAULT_PARAMS)
    unknown_ips = [(ObservationKind.INFRASTRUCTURE, f"203.0.113.{n}", "ip") for n in range(1, 6)]
    case = _case((ObservationKind.TECHNIQUE, "T1301", None), *unknown_ips)
    assert comparable_items(analyse(case, index).scores) == 1  # the technique; the addresses match nothing
    held = _case(
        (ObservationKind.TECHNIQUE, "T1301", None), (ObservationKind.INFRASTRUCTURE, "198.51.100.7", "ip")
    )
    assert comparable_items(analyse(held, index).scores) == 2  # an address the intelligence holds counts


def test_without_one_of_its_addresses_a_case_weighs_the_others_as_it_would_alone(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex
    from unmask.attribute.params import DEFAULT_PARAMS

    result = add_intel(
        [_misp(tmp_path / "e.json", "Gamma", [("ip-dst", "198.51.100.7"), ("domain", "c2.example")])]
    )
    assert result.kb is not None
    index = ScoringIndex.build(result.kb, DEFAULT_PARAMS)
    both = analyse(
        _case(
            (ObservationKind.INFRASTRUCTURE, "198.51.100.7", "ip"),
            (ObservationKind.INFRASTRUCTURE, "c2.example", "domain"),
        ),
        index,
    ).scores
    gamma = index.actor_position()["G0003"]
    assert (
        both.contributions[:, gamma].max() > both.contributions[:, gamma].min() > 0
    )  # the second counts less
    weaker = int(both.contributions[:, gamma].argmin())
    item = both.items[weaker]
    alone = analyse(
        _case((ObservationKind.INFRASTRUCTURE, item.observation.value, item.observation.subtype)), index
    )
    # The counterfactual "without the other one" (a false-flag check) weighs it as it would alone.
    assert both.subset([weaker]).contributions[0, gamma] == pytest.approx(
        alone.scores.contributions[0, gamma]
    )
    assert both.subset([weaker]).contributions[0, gamma] > both.contributions[weaker, gamma]
