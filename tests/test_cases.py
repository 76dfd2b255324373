import json
import os
from pathlib import Path

import pytest

from unmask.cases import load_case, parse_case
from unmask.errors import CaseError
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Case, Observation, ObservationKind

CASE = """\
id: c1
title: Test case
tlp: amber
observations:
  - technique: T1190
    phase: access
    host: web01
    confidence: 0.9
  - {software: Mimikatz, source: EDR}
  - {kind: infrastructure, subtype: domain, value: bad.example}
  - {ip: 203.0.113.7}
  - {victim_country: Albania}
  - {cve: CVE-2019-0604}
  - {similarity: Lazarus Group}
"""


def test_yaml_case_with_short_and_long_forms(tmp_path: Path) -> None:
    path = tmp_path / "case.yml"
    path.write_text(CASE)
    case = load_case(path)
    assert case.id == "c1" and case.tlp.value == "amber"
    kinds = [(o.kind, o.subtype) for o in case.observations]
    assert kinds[0] == (ObservationKind.TECHNIQUE, None)
    assert kinds[2] == (ObservationKind.INFRASTRUCTURE, "domain")
    assert kinds[3] == (ObservationKind.INFRASTRUCTURE, "ip")
    assert kinds[4] == (ObservationKind.VICTIM, "country")
    first = case.observations[0]
    assert (first.phase, first.host, first.confidence) == ("access", "web01", 0.9)
    assert first.provenance is not None and first.provenance.record == "observations[0]"
    assert case.observations[1].provenance.source == "EDR"
    assert case.evidence[str(path)]


def test_unquoted_yaml_dates_are_kept_as_written() -> None:
    text = b"observations:\n  - {technique: T1003, first_seen: 2022-05-20, last_seen: 2022-05-21T10:00:00Z}\n  - date: 2022-07-15\n"
    case = parse_case(text)
    first = case.observations[0]
    assert (first.first_seen, first.last_seen) == ("2022-05-20", "2022-05-21T10:00:00Z")
    assert case.observations[1].value == "2022-07-15"


def test_yaml_aliases_are_refused() -> None:
    # Nested aliases would expand a few lines into billions of observations.
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)
    )
    with pytest.raises(CaseError, match=r"case.yml:2: .*aliases \(\*a\) are not allowed"):
        parse_case((bomb + "observations: [*h]\n").encode(), "case.yml")
    # Also in a document only the Python parser reads (libyaml refuses a lone surrogate escape).
    with pytest.raises(CaseError, match=r"case.yml:3: .*aliases \(\*a\) are not allowed"):
        parse_case(('title: "\\ud800"\n' + bomb + "observations: [*h]\n").encode(), "case.yml")


def test_an_error_in_a_file_only_libyaml_reads_still_has_its_line() -> None:
    with pytest.raises(CaseError, match=r"^case.yml:4: observations\[1\]\.techniqe"):
        parse_case(b"title:\tx\nobservations:\n  - technique: T1059\n  - techniqe: T1059\n", "case.yml")


def test_json_case(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"observations": [{"technique": "T1003.001"}]}))
    case = load_case(path)
    assert case.id == "case" and case.observations[0].value == "T1003.001"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "observations:\n  - techniqe: T1190\n",
            "case.yml:2: observations[0].techniqe: unknown field 'techniqe'; did you mean 'technique'?",
        ),
        (
            "observations:\n  - {technique: T1, confidence: 1.5}\n",
            "case.yml:2: observations[0].confidence: 1.5 is greater than the maximum of 1",
        ),
        ("observations:\n  - {technique: T1, software: x}\n", "names exactly one thing; this one names 2"),
        ("observations: []\n", "the case has no observations"),
        ("title: x\n", "'observations' is a required property"),
        ("observations:\n  - T1190\n", "an observation is a mapping"),
        ("observations: [\n", "case.yml:2: not valid YAML or JSON"),
        ("- just\n- a list\n", "a case is a mapping"),
        ("observations:\n  - {kind: nonsense, value: x}\n", "'nonsense' is not one of"),
        (
            "observations:\n  - {kind: infrastructure, subtype: banana, value: x}\n",
            "'banana' is not a subtype of infrastructure (one of asn, btc, certificate, domain",
        ),
        ("observations:\n  - {phase: access}\n", "this one names none (such as 'technique: T1190')"),
        (
            "observations:\n  - {technique: T1, first_seen: 2022-04-09, last_seen: 2021-01-01}\n",
            "case.yml:2: observations[0].last_seen: 2021-01-01 is before first_seen 2022-04-09",
        ),
        (
            "extra: 1\nobservations:\n  - {technique: T1}\n",
            "case.yml:1: extra: unknown field 'extra'; known: id,",
        ),
        (
            "obsevations:\n  - technique: T1\n",
            "case.yml:1: obsevations: unknown field 'obsevations'; did you mean 'observations'?",
        ),
        ("observations:\n  - {technique: T1, host: null}\n", "observations[0].host: null is not of type"),
        (
            "tlp: purple\nobservations:\n  - {technique: T1}\n",
            "case.yml:1: tlp: 'purple' is not a known TLP label",
        ),
        (
            "id: x\ntechniques: [T1059.001, T1003]\n",
            "case.yml:2: techniques: not a case field: observations go one per entry in the 'observations' list",
        ),
    ],
)
def test_bad_cases_say_where_and_why(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "case.yml"
    path.write_text(text)
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(tmp_path))


def test_binary_junk_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.yml"
    junk.write_bytes(b"\x00\xff\xfe\x80garbage")
    with pytest.raises(CaseError, match="not UTF-8"):
        load_case(junk)
    with pytest.raises(CaseError, match="file not found"):
        load_case(tmp_path / "none.yml")
    with pytest.raises(CaseError, match="not a case directory"):
        load_case(tmp_path)


def test_hostile_shapes_in_a_bundle_or_a_case_record_are_placed_errors_or_skipped(tmp_path: Path) -> None:
    from unmask.cases.directory import load_case_dir
    from unmask.model import Case, Observation

    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            {"type": "attack-pattern", "id": "attack-pattern--1", "name": "LSASS Memory", "external_references": 5},
            {"type": "observed-data", "id": "observed-data--1", "objects": {"0": {"type": ["ipv4-addr"], "value": "x"}}},
            {"type": "file", "id": "file--1", "hashes": {"MD5": ["a"]}},
            {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": {"a": 1}},
            {"type": "malware", "id": "malware--1", "name": "ZeroCleare"},
        ],
    }  # fmt: skip
    case = parse_case(json.dumps(bundle).encode(), "bundle.json")
    assert [o.value for o in case.observations] == ["LSASS Memory", "ZeroCleare"]
    # A YAML bundle whose keys JSON cannot sort (a number beside text) is still read.
    text = "type: bundle\nid: bundle--2\n1: one\nobjects:\n  - {type: malware, id: malware--1, name: ZeroCleare}\n"
    assert [o.value for o in parse_case(text.encode(), "bundle.yml").observations] == ["ZeroCleare"]
    # A phase or a host that is a list or a mapping is refused where it is, not a crash later.
    with pytest.raises(CaseError, match="phase is text"):
        Observation(ObservationKind.TECHNIQUE, "T1059", phase=["a"])  # type: ignore[arg-type]
    assert Observation(ObservationKind.TECHNIQUE, "T1059", host=10).host == "10"  # type: ignore[arg-type]
    with pytest.raises(CaseError, match=r"observations\[1\]: an observation's host is text"):
        Case.from_dict(
            {
                "id": "c",
                "observations": [
                    {"kind": "technique", "value": "T1"},
                    {"kind": "technique", "value": "T1", "host": {"a": 1}},
                ],
            }
        )
    with pytest.raises(CaseError, match=r"observations\[0\] is a record"):
        Case.from_dict({"id": "c", "observations": [None]})
    assert Case.from_dict({"id": "c", "notes": "one note"}).notes == ["one note"]
    assert Case.from_dict({"id": "c", "notes": None}).notes == []
    # A partner's MISP comment that is a number is text where it came from.
    from unmask.model import Provenance

    assert Provenance(source="event.json", text=5.5, record=3).text == "5.5"  # type: ignore[arg-type]
    misp = {
        "Event": {"info": "x", "Attribute": [{"type": "domain", "value": "evil.example.com", "comment": 5}]}
    }
    (read,) = parse_case(json.dumps(misp).encode(), "event.json").observations
    assert read.provenance is not None and isinstance(read.provenance.text, str)
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "case.json").write_text(
        json.dumps({"id": "c", "observations": [{"kind": "technique", "value": "T1", "phase": [1]}]})
    )
    with pytest.raises(CaseError, match=r"damaged: observations\[0\]: an observation's phase is text"):
        load_case_dir(folder)


def test_a_date_that_is_no_date_is_refused_where_it_is() -> None:
    for bad in ("2022-02-30", "last week"):
        with pytest.raises(CaseError, match=r"case\.yml:4: observations\[1\]: .* is not a date or time"):
            parse_case(
                f"title: t\nobservations:\n  - technique: T1059\n  - date: '{bad}'\n".encode(), "case.yml"
            )
    good = parse_case(b"observations:\n  - date: 2022-02\n  - date: '2022'\n  - date: 2022-02-28T10:00:00Z\n")
    assert [o.value for o in good.observations] == ["2022-02", "2022", "2022-02-28T10:00:00Z"]


def test_stix_bundle_becomes_a_case() -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            {"type": "attack-pattern", "id": "attack-pattern--1", "name": "LSASS Memory",
             "external_references": [{"source_name": "mitre-attack", "external_id": "T1003.001"}]},
            {"type": "malware", "id": "malware--1", "name": "ZeroCleare"},
            {"type": "vulnerability", "id": "vulnerability--1", "name": "CVE-2019-0604"},
            {"type": "indicator", "id": "indicator--1", "pattern": "[ipv4-addr:value = '203.0.113.9'] OR [file:hashes.'SHA-256' = 'ab12']"},
            {"type": "location", "id": "location--1", "country": "AL"},
            {"type": "intrusion-set", "id": "intrusion-set--1", "name": "Some Actor"},
            {"type": "x-custom-thing", "id": "x-custom-thing--1"},
            "not even an object",
        ],
    }  # fmt: skip
    case = parse_case(json.dumps(bundle).encode(), "bundle.json")
    values = [(o.kind.value, o.value) for o in case.observations]
    assert values == [
        ("technique", "T1003.001"),
        ("software", "ZeroCleare"),
        ("vulnerability", "CVE-2019-0604"),
        ("infrastructure", "203.0.113.9"),
        ("file", "ab12"),
        ("victim", "AL"),
    ]
    assert any("'Some Actor'" in n and "not used as evidence" in n for n in case.notes)
    skipped = next(n for n in case.notes if n.startswith("not used: "))
    assert "1 x-custom-thing (objects[6] x-custom-thing--1)" in skipped
    assert "1 not an object (objects[7])" in skipped
    assert case.observations[0].provenance.record == "objects[0] attack-pattern--1"


def test_stix_bundle_without_evidence_is_an_error() -> None:
    bundle = {"type": "bundle", "id": "bundle--2", "objects": [{"type": "intrusion-set", "name": "X"}]}
    with pytest.raises(CaseError, match="no usable observations"):
        parse_case(json.dumps(bundle).encode(), "b.json")


def test_misp_event_is_a_case_too() -> None:
    event = {
        "Event": {
            "info": "Wiper at a ministry",
            "Tag": [
                {"name": "tlp:green"},
                {"name": 'misp-galaxy:mitre-attack-pattern="Disk Structure Wipe - T1561.002"'},
                {"name": 'misp-galaxy:threat-actor="OilRig"'},
            ],
            "Attribute": [
                {"type": "ip-dst", "value": "203.0.113.7"},
                {"type": "vulnerability", "value": "CVE-2019-0604"},
                {"type": "text", "value": "free text"},
            ],
        }
    }
    case = parse_case(json.dumps(event).encode(), "event.json", "event")
    values = {(o.kind.value, o.value) for o in case.observations}
    assert {
        ("technique", "T1561.002"),
        ("infrastructure", "203.0.113.7"),
        ("vulnerability", "CVE-2019-0604"),
    } <= values
    assert case.tlp.value == "green"
    assert any("OilRig" in n and "not used as evidence" in n for n in case.notes)  # a name is not evidence
    assert any(n.startswith("not used: ") and "1 text (attribute " in n for n in case.notes)  # which one


def test_values_are_kept_as_written_not_as_yaml_reads_them() -> None:
    # YAML 1.1 would read these as numbers or booleans: evidence must stay what the analyst wrote.
    text = (
        "observations:\n"
        "  - {md5: 01234567012345670123456701234567}\n"
        "  - {certificate: 12:34:56}\n"
        "  - {ip: 0777}\n"
        "  - {victim_country: NO}\n"
        "  - {sha256: " + "0" * 64 + "}\n"
        "  - {technique: T1078, confidence: 5e-1, host: 10.0.0.5, phase: on}\n"
    )
    case = parse_case(text.encode(), "case.yml")
    values = [o.value for o in case.observations]
    assert values == ["01234567012345670123456701234567", "12:34:56", "0777", "NO", "0" * 64, "T1078"]
    last = case.observations[-1]
    assert last.confidence == 0.5 and last.host == "10.0.0.5" and last.phase == "on"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "observations:\n  - technique: T1190\n    technique: T1078\n",
            "case.yml:3: .*'technique' is given twice",
        ),
        (
            '{"observations": [{"technique": "T1"}], "observations": []}',
            "case.yml:1: .*'observations' is given twice",
        ),
        (
            "observations:\n  - {technique: T1, confidence: .nan}\n",
            r"case.yml:2: .*\.nan is not a number from 0 to 1",
        ),
    ],
)
def test_duplicate_keys_and_nan_are_refused(text: str, message: str) -> None:
    with pytest.raises(CaseError, match=message):
        parse_case(text.encode(), "case.yml")


def test_lone_surrogates_from_json_escapes_become_replacement_text() -> None:
    case = parse_case(
        b'{"id": "x\\ud800", "observations": [{"technique": "T1", "source": "s\\udfff"}]}', "c.json"
    )
    assert case.id == "x\ufffd" and case.observations[0].provenance is not None
    assert case.observations[0].provenance.source == "s\ufffd"
    case.id.encode("utf-8")  # writable as UTF-8
    # YAML reads an escaped pair as two surrogates: they are the one character they write.
    paired = parse_case(b'title: "Pair \\ud83d\\ude00 ok"\nobservations: [{technique: T1}]\n', "c.yml")
    assert paired.title == "Pair \U0001f600 ok"


def test_dates_that_are_not_dates_are_refused_and_a_day_lasts_to_its_end() -> None:
    same_day = (
        "observations:\n  - {technique: T1486, first_seen: '2022-07-15T10:00:00Z', last_seen: 2022-07-15}\n"
    )
    assert parse_case(same_day.encode()).observations[0].last_seen == "2022-07-15"
    for value in ("yesterday", "2022-13-45"):
        with pytest.raises(
            CaseError, match=f"c.yml:2: observations\\[0\\].first_seen: '{value}' is not a date"
        ):
            parse_case(f"observations:\n  - {{technique: T1486, first_seen: {value}}}\n".encode(), "c.yml")
    with pytest.raises(CaseError, match="is before first_seen"):
        parse_case(b"observations:\n  - {technique: T1486, first_seen: 2022-07-16, last_seen: 2022-07-15}\n")


def test_a_case_directory_s_dates_are_checked_as_a_case_file_s(tmp_path: Path) -> None:
    from unmask.cases.directory import save_case_dir

    good = Observation(
        ObservationKind.TECHNIQUE, "T1486", first_seen="2022-07-15T10:00:00Z", last_seen="2022-07-15"
    )
    save_case_dir(
        tmp_path, Case("c", "c", observations=[good, Observation(ObservationKind.TIMING, "2022-07")])
    )
    assert len(load_case(tmp_path).observations) == 2
    for bad, said in (
        (Observation(ObservationKind.TIMING, "last week"), "observations\\[1\\]: 'last week' is not a date"),
        (Observation(ObservationKind.TECHNIQUE, "T1486", first_seen="banana"), "first_seen 'banana' is not"),
        (
            Observation(ObservationKind.TECHNIQUE, "T1486", last_seen="2022-13-45"),
            "last_seen '2022-13-45' is not",
        ),
        (
            Observation(ObservationKind.TECHNIQUE, "T1486", first_seen="2022-07-16", last_seen="2022-07-15"),
            "is before first_seen",
        ),
        (  # epoch seconds are a moment, not a day that lasts to its end
            Observation(
                ObservationKind.TECHNIQUE, "T1486", first_seen="2023-11-14T23:00:00Z", last_seen="1700000000"
            ),
            "is before first_seen",
        ),
    ):
        save_case_dir(tmp_path, Case("c", "c", observations=[good, bad]))
        with pytest.raises(CaseError, match=f"case.json: case file is damaged: .*{said}"):
            load_case(tmp_path)


def test_text_and_string_paths_are_accepted_as_well(tmp_path: Path) -> None:
    assert parse_case("observations:\n  - technique: T1486\n").observations[0].value == "T1486"
    path = tmp_path / "c.yml"
    path.write_text("observations:\n  - technique: T1486\n")
    assert load_case(str(path)).observations[0].value == "T1486"
    with pytest.raises(TypeError, match="bytes or text"):
        parse_case(42)  # type: ignore[arg-type]


def test_syntax_errors_point_at_their_line() -> None:
    unclosed = b'{\n "observations": [\n  {"software": "ZeroCleare"},\n  {"technique": "T1561.002}\n ]\n}\n'
    with pytest.raises(CaseError, match=r"^c\.json:4: not valid JSON: "):
        parse_case(unclosed, "c.json")
    # A trailing comma YAML would forgive is refused in a file that says it is JSON.
    trailing = b'{"observations": [\n  {"technique": "T1190"},\n]}'
    with pytest.raises(CaseError, match=r"^c\.json:3: not valid JSON: "):
        parse_case(trailing, "c.json")
    assert parse_case(trailing, "c.yaml").observations[0].value == "T1190"
    with pytest.raises(CaseError, match=r"^c\.json: not valid JSON: NaN is not JSON"):
        parse_case(b'{"title": NaN, "observations": [{"technique": "T1190"}]}', "c.json")
    with pytest.raises(
        CaseError, match="expected a single document in the stream, but found another document"
    ):
        parse_case(b"observations: [{technique: T1486}]\n---\nobservations: []\n", "c.yml")


def test_stix_names_that_are_not_text_are_not_evidence() -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--3",
        "objects": [
            {"type": "malware", "id": "malware--1", "name": ["ZeroCleare"]},
            {"type": "tool", "id": "tool--1", "name": 12},
            {"type": "malware", "id": "malware--2", "name": "ROADSWEEP"},
            {"type": "relationship", "id": "relationship--1"},
            {"type": "sighting", "id": "sighting--1"},
        ],
    }
    case = parse_case(json.dumps(bundle).encode(), "b.json")
    assert [o.value for o in case.observations] == ["ROADSWEEP"]
    notes = " ".join(case.notes)
    assert "2 malware whose name is not text" not in notes  # one of each kind
    assert "1 malware whose name is not text" in notes and "1 tool whose name is not text" in notes
    assert "1 relationship" in notes and "sighting of an unnamed object" in notes


def test_a_damaged_case_folder_says_which_field(tmp_path: Path) -> None:
    (tmp_path / "case.json").write_text(json.dumps({"id": "c", "observations": [{"kind": "technique"}]}))
    with pytest.raises(CaseError, match=r"observations\[0\] has no 'value' field"):  # which record
        load_case(tmp_path)
    (tmp_path / "case.json").write_text(
        json.dumps({"id": "c", "observations": [{"kind": "technique", "value": "T1", "confidence": 7}]})
    )
    with pytest.raises(CaseError, match=r"case\.json: case file is damaged: .*confidence is a number"):
        load_case(tmp_path)


def test_tlp_labels_as_people_write_them_and_a_number_as_id() -> None:
    for written, label in (("white", "clear"), ("AMBER", "amber"), ("TLP:AMBER+STRICT", "amber+strict")):
        case = parse_case(f"tlp: '{written}'\nid: 12345\nobservations:\n  - {{technique: T1190}}\n")
        assert case.tlp.value == label and case.id == "12345"


def test_a_month_or_a_year_is_a_date_and_old_years_compare_as_times() -> None:
    case = parse_case(
        "observations:\n"
        "  - {technique: T1190, first_seen: 2022-07, last_seen: '2022'}\n"
        "  - {technique: T1003, first_seen: '0999-01-01', last_seen: 2022-01-01}\n"
    )
    # A month or a year first seen is its first day; last seen, its last.
    assert [(o.first_seen, o.last_seen) for o in case.observations] == [
        ("2022-07-01", "2022-12-31"),
        ("0999-01-01", "2022-01-01"),
    ]
    with pytest.raises(CaseError, match="is before first_seen"):
        parse_case("observations:\n  - {technique: T1190, first_seen: 2022-07, last_seen: 2022-06}\n")


def test_a_utf16_case_file_is_read() -> None:
    case = parse_case("observations:\n  - technique: T1059.001\n".encode("utf-16"), "case.yml")
    assert case.observations[0].value == "T1059.001"


def test_a_case_directorys_own_case_json_reads_as_its_directory(tmp_path: Path) -> None:
    from unmask.cases.directory import save_case_dir
    from unmask.model import Case, Observation, ObservationKind, Provenance

    observation = Observation(
        ObservationKind.TECHNIQUE, "T1059", provenance=Provenance(source="a.evtx", method="rule-tag")
    )
    save_case_dir(tmp_path, Case("c1", "hunt", evidence={"a.evtx": "ab" * 32}, observations=[observation]))
    case = load_case(tmp_path / "case.json")  # its fields (evidence, provenance) are not a case file's
    assert case.id == "c1" and case.observations[0].provenance.method == "rule-tag"
    # A case.json that is neither a case file nor a directory's still says what is wrong with it.
    (tmp_path / "case.json").write_text('{"observations": [{"techniqe": "T1059"}]}')
    with pytest.raises(CaseError, match="techniqe"):
        load_case(tmp_path / "case.json")


def test_a_numbered_phase_or_host_is_a_label(tmp_path: Path) -> None:
    path = tmp_path / "case.yml"
    path.write_text("observations:\n  - {technique: T1486, phase: 5, host: 1001}\n")
    [obs] = load_case(path).observations
    assert (obs.phase, obs.host) == ("5", "1001")


def test_a_case_directory_with_a_lone_surrogate_loads_and_saves_as_replacement_text(tmp_path: Path) -> None:
    from unmask.cases.directory import load_case_dir, save_case_dir

    (tmp_path / "case.json").write_text(
        '{"id": "c", "title": "t \\ud800", "observations": [{"kind": "infrastructure", "value": "a\\udfff.com"}]}'
    )
    case = load_case_dir(tmp_path)
    assert case.title == "t \ufffd" and case.observations[0].value == "a\ufffd.com"
    case.title = "again \udc80"  # one that got past the readers is mended on the way out
    save_case_dir(tmp_path, case)
    assert load_case_dir(tmp_path).title == "again \ufffd"


def test_a_case_directory_is_held_by_one_run_at_a_time(tmp_path: Path) -> None:
    from unmask.cases.directory import case_lock

    fcntl = pytest.importorskip("fcntl")
    probe = os.open(tmp_path, os.O_RDONLY)
    try:  # where the file system cannot lock a folder, case_lock runs unlocked: nothing to test
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        pytest.skip("this file system cannot lock a folder")
    finally:
        os.close(probe)
    case = tmp_path / "case"
    with (
        case_lock(case),
        pytest.raises(CaseError, match="case is in use by another unmask run"),
        case_lock(case, wait=0.2),
    ):
        pass
    with case_lock(case, wait=0):  # released at the end of the block
        (case / "case.json").write_text("{}")
    assert (case / "case.json").is_file()
    with case_lock(tmp_path / "new", wait=0):
        pass
    assert not (tmp_path / "new").exists()  # a folder made only to be held, and left empty, goes


def test_cryptocurrency_addresses_are_shorthand_keys_and_a_bad_checksum_is_a_mistake(
    kb: KnowledgeBase,
) -> None:
    from unmask.attribute.evidence import Unresolved, resolve_observation

    case = parse_case(
        "id: c\nobservations:\n  - btc: 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n"
        "  - xmr: 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\n"
        "  - eth: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'\n"
        "  - btc: 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3\n",
        "case.yml",
    )
    assert [(o.kind, o.subtype) for o in case.observations] == [
        (ObservationKind.INFRASTRUCTURE, s) for s in ("btc", "xmr", "eth", "btc")
    ]
    items = [resolve_observation(kb, i, o) for i, o in enumerate(case.observations)]
    assert [getattr(i, "key", None) for i in items[:3]] == [
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # base58 keeps its case
        case.observations[1].value,
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    ]
    assert isinstance(items[3], Unresolved) and "is not a Bitcoin address" in items[3].reason
