from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.synthetic import three_groups
from unmask.cli import app
from unmask.errors import IngestError
from unmask.extract.documents import read_document
from unmask.extract.lexicon import Lexicon
from unmask.extract.misp import case_from_misp
from unmask.extract.run import extract_inputs
from unmask.extract.text import TextExtractor, sentences
from unmask.knowledge.store import KnowledgeBase, load_kb
from unmask.knowledge.warninglists import BenignIndex
from unmask.model import Case, Observation, ObservationKind, Tlp

runner = CliRunner()
BENIGN = BenignIndex(
    [("resolvers", "string", ["8.8.8.8"]), ("rfc1918", "cidr", ["10.0.0.0/8", "192.168.0.0/16"])]
)


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    three_groups(tmp_path / "kb")
    return load_kb()


def _report(kb: KnowledgeBase) -> str:
    technique = kb.techniques["T1301"].name
    software = kb.software["S0301"].name
    actor = next(a for a in kb.actors.values() if a.attack_id).name
    return (
        f"Summary\n\nIn March 2024 the intruders targeted the energy sector in Norway. They used {technique} "
        f"and deployed {software} (see T1302). The attribution to Iran rests on tooling.\n\n"
        f"- C2: hxxp://bad-update[.]com/x and 185.220.101[.]7; resolver 8.8.8.8 and 10.2.3.4.\n"
        f"- Exploited CVE-2023-23397 on 2024-03-05.\n"
        f"We attribute this with moderate confidence to {actor}.\n"
    )


def test_sentences_keep_offsets() -> None:
    text = "First one. Second one!\n\n- item one\n- item two"
    parts = list(sentences(text))
    assert [s for _, s in parts] == ["First one.", "Second one!", "- item one", "- item two"]
    assert all(text[o : o + len(s.split()[0])] == s.split()[0] for o, s in parts)


def test_report_text_becomes_observations_with_their_sentences(kb: KnowledgeBase) -> None:
    text = _report(kb)
    result = TextExtractor(kb, BENIGN).extract_text(text, "report.txt", "abc")
    found = {(o.kind, o.subtype, o.value) for o in result.observations}
    assert (ObservationKind.TECHNIQUE, None, "T1301") in found
    assert (ObservationKind.TECHNIQUE, None, "T1302") in found
    assert (ObservationKind.SOFTWARE, None, "S0301") in found
    assert (ObservationKind.INFRASTRUCTURE, "ip", "185.220.101.7") in found
    assert (ObservationKind.INFRASTRUCTURE, "url", "http://bad-update.com/x") in found
    assert (ObservationKind.VULNERABILITY, None, "CVE-2023-23397") in found
    assert (ObservationKind.VICTIM, "country", "NO") in found
    assert (ObservationKind.VICTIM, "sector", "energy") in found
    assert (ObservationKind.TIMING, None, "2024-03") in found and (
        ObservationKind.TIMING,
        None,
        "2024-03-05",
    ) in found
    assert not any(
        o.kind is ObservationKind.VICTIM and o.value == "IR" for o in result.observations
    )  # attribution, not victim
    assert {s["value"] for s in result.suppressed} == {"8.8.8.8", "10.2.3.4"}
    for obs in result.observations:
        assert obs.provenance is not None and obs.provenance.offset is not None
        first_word = obs.provenance.text.split()[0]
        assert text[obs.provenance.offset :].startswith(first_word)
    # the actor is reported, and nothing carries its name as evidence
    actor = next(a for a in kb.actors.values() if a.attack_id)
    assert actor.id in {a["id"] for a in result.actors}
    assert all(o.value != actor.name for o in result.observations)


def test_a_retired_technique_id_in_a_report_is_its_successor(sources_kb: KnowledgeBase) -> None:
    text = "The loader ran T1086 and then T1999, both as ATT&CK called them in 2019."
    result = TextExtractor(sources_kb, BENIGN).extract_text(text, "old-report.txt", "abc")
    techniques = {o.value for o in result.observations if o.kind is ObservationKind.TECHNIQUE}
    assert "T1059.001" in techniques and "T1086" not in techniques and "T1999" not in techniques


def test_software_named_like_an_actor_is_not_evidence(kb: KnowledgeBase) -> None:
    lexicon = Lexicon.from_kb(kb)
    # A name is read as software (ATT&CK's) or as an actor named, never as both.
    assert not set(lexicon.software) & set(lexicon.actors)


def test_a_version_written_without_its_dot_zero_is_the_version(sources_kb: KnowledgeBase) -> None:
    from unmask.knowledge.records import SoftwareRecord

    sources_kb.software["S9901"] = SoftwareRecord("S9901", "Quokka 3.0", "malware")
    sources_kb.software["S9902"] = SoftwareRecord("S9902", "Wombat 2.0", "malware")
    sources_kb.software["S9903"] = SoftwareRecord("S9903", "Wombat 2", "malware")
    lexicon = Lexicon.from_kb(sources_kb)
    found = lexicon.find("They deployed Quokka 3 and then Quokka 3.0; Wombat 2 and Wombat 2.0 ran.")
    assert [(i, m) for _, i, _, m in found] == [
        ("S9901", "Quokka 3"),
        ("S9901", "Quokka 3.0"),
        ("S9903", "Wombat 2"),  # a program of that very name keeps it
        ("S9902", "Wombat 2.0"),
    ]


def test_a_name_read_as_attack_software_is_not_also_an_actor_named(sources_kb: KnowledgeBase) -> None:
    # A MISP group is also called "ZeroCleare" (tests/sources.py); ATT&CK's wiper keeps the name.
    lexicon = Lexicon.from_kb(sources_kb)
    assert lexicon.software["zerocleare"] == {"S1151"} and "zerocleare" not in lexicon.actors
    found = TextExtractor(sources_kb).extract_text("The wiper was ZeroCleare.", "r.txt")
    assert [o.value for o in found.observations] == ["S1151"] and found.actors == []
    # ... but a word of a group after it names the group ("a ransom note signed by the Akira group").
    group = TextExtractor(sources_kb).extract_text("A note was signed by the ZeroCleare group.", "r.txt")
    assert group.observations == [] and [a["name"] for a in group.actors] == ["ZeroCleare"]
    assert lexicon.software_or_actor["zerocleare"] == {a["id"] for a in group.actors}


def test_an_actor_name_attack_gives_a_program_as_another_name_is_the_actor(sources_kb: KnowledgeBase) -> None:
    # "EUROPIUM" is OilRig's name and, in tests/sources.py, another name of ATT&CK's ZeroCleare.
    extractor = TextExtractor(sources_kb)
    found = extractor.extract_text("We attribute this intrusion to EUROPIUM.", "r.txt")
    assert found.observations == [] and [a["id"] for a in found.actors] == ["G0049"]
    # Before a kind of malware it is the program.
    found = extractor.extract_text("The EUROPIUM wiper ran on the servers.", "r.txt")
    assert [o.value for o in found.observations] == ["S1151"] and found.actors == []


def test_a_word_only_other_sources_call_software_is_read_beside_a_word_for_software(
    sources_kb: KnowledgeBase,
) -> None:
    # Tidal's RMM tool "Level" (tests/sources.py): read beside a word that says software, or as a
    # program file; not as the capitalised word ("Integrity Level", "Threat Level"), nor in lower case.
    lexicon = Lexicon.from_kb(sources_kb)
    named = "They installed Level, an RMM tool. They ran the RMM tool Level. The agent level.exe ran."
    assert [(c, i) for c, i, _, _ in lexicon.find(named)] == [("software", "tidal:Level")] * 3
    for text in (
        "Level, an RMM tool, was installed.",  # opening a sentence, where every word is capitalised
        "Level: a tool's threat rating.",
        "Level of access was high.",
        "- Level: high",
        "Risk: Level 3",
        "the level was high",
        "The dropper runs at High Integrity Level and spawns a child process.",
        "The actors used a Level of stealth that suggests long-term planning.",
    ):
        assert not [c for c, _, _, _ in lexicon.find(text) if c == "software"], text


def test_a_tool_inside_a_learned_phrase_is_found_with_its_technique(sources_kb: KnowledgeBase) -> None:
    # A phrase learned from ATT&CK's procedures can hold a tool's name ("ProcDump to dump"): the
    # longer match is the technique, and the tool is named too.
    lexicon = Lexicon.from_kb(sources_kb, {"anydesk to dump": "T1003.001"})
    found = [(c, i) for c, i, _, _ in lexicon.find("They used AnyDesk to dump credentials.")]
    assert found == [("phrase", "T1003.001"), ("software", "tidal:AnyDesk")]


def test_names_joined_to_a_linking_word_are_found_and_hedges_are_not(sources_kb: KnowledgeBase) -> None:
    text = "An OilRig-linked intrusion used a Helminth-based implant and a Mimikatz-like tool."
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations] == ["S0170"]
    assert [a["id"] for a in found.actors] == ["G0049"]


def test_documents_html_binary_and_empty_pdf(tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    page.write_text(
        "<html><head><script>var x='T1999';</script><style>p{}</style></head><body><p>Used &amp; abused <b>PowerShell</b>.</p></body></html>"
    )
    doc = read_document(page)
    assert doc.format == "html" and "Used & abused PowerShell." in doc.text and "T1999" not in doc.text
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(IngestError, match="binary data"):
        read_document(junk)
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    pdf = tmp_path / "scan.pdf"
    with pdf.open("wb") as handle:
        writer.write(handle)
    doc = read_document(pdf)
    assert doc.format == "pdf" and doc.text.strip() == "" and "no text layer" in doc.problems[0]
    # Nothing to read is an input error; text in Latin-1 is read as such, and said so.
    for name, content in (
        ("empty.txt", b""),
        ("blank.md", b"  \n\t\n"),
        ("s.html", b"<html><script>x</script></html>"),
    ):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(IngestError, match="no text to read"):
            read_document(tmp_path / name)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Targets in Genève were hit.".encode("latin-1"))
    doc = read_document(latin)
    assert "Genève" in doc.text and "read as Windows-1252" in doc.problems[0]
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes("Café in Zürich; ".encode() + "Genève".encode("latin-1"))
    assert read_document(mixed).text == "Café in Zürich; Genève"  # the UTF-8 stays UTF-8


def test_misp_event_to_case(tmp_path: Path) -> None:
    event = {
        "Event": {
            "info": "Partner sharing",
            "uuid": "e1",
            "Tag": [
                {"name": "tlp:green"},
                {"name": 'misp-galaxy:threat-actor="APT34"'},
                {"name": 'misp-galaxy:mitre-attack-pattern="Spearphishing Attachment - T1566.001"'},
            ],
            "Attribute": [
                {"type": "ip-dst", "value": "185.220.101.7", "uuid": "a1"},
                {"type": "vulnerability", "value": "cve-2021-44228", "uuid": "a2"},
                {"type": "filename", "value": "x.exe", "uuid": "a3"},
                {"type": "ip-dst", "value": "185.220.101.9", "uuid": "a5", "deleted": True},
            ],
            "Object": [{"name": "file", "Attribute": [{"type": "sha256", "value": "AB" * 32, "uuid": "a4"}]}],
        }
    }
    case = case_from_misp(event, "event.json")
    assert case.tlp is Tlp.GREEN
    found = {(o.kind, o.value) for o in case.observations}
    assert found == {
        (ObservationKind.INFRASTRUCTURE, "185.220.101.7"),
        (ObservationKind.VULNERABILITY, "CVE-2021-44228"),
        (ObservationKind.FILE, "ab" * 32),
        (ObservationKind.TECHNIQUE, "T1566.001"),
    }
    assert any("APT34" in n and "not used as evidence" in n for n in case.notes)
    assert any("filename" in n for n in case.notes)


def test_extract_cli_merges_inputs_into_a_case_attribute_accepts(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text(_report(kb))
    bundle = tmp_path / "bundle.json"
    bundle.write_text(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--1",
                "objects": [
                    {
                        "type": "attack-pattern",
                        "id": "attack-pattern--1",
                        "name": "x",
                        "external_references": [{"source_name": "mitre-attack", "external_id": "T1303"}],
                    },
                    {"type": "location", "id": "location--1", "country": "IR"},
                    {"type": "intrusion-set", "id": "intrusion-set--1", "name": "Some Group"},
                    {
                        "type": "relationship",
                        "id": "relationship--1",
                        "relationship_type": "located-at",
                        "source_ref": "intrusion-set--1",
                        "target_ref": "location--1",
                    },
                    {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "185.220.101.8"},
                ],
            }
        )
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{ nope")
    case = tmp_path / "case"
    result = runner.invoke(
        app, ["extract", str(report), str(bundle), str(broken), "--case", str(case), "--format", "json"]
    )
    # The broken file fails the run (exit code 2); the others are extracted and written.
    assert result.exit_code == 2, result.output
    data = json.loads(result.stdout)
    values = {o["value"] for o in data["case"]["observations"]}
    assert {"T1301", "T1303", "185.220.101.8"} <= values and "IR" not in values
    assert any("broken.json" in f and "malformed JSON" in f for f in data["failed"])
    # The notes say which input each is about, and what could not be read.
    notes = data["case"]["notes"]
    assert any(n.startswith("bundle.json: ") for n in notes), notes
    assert any(n.startswith("broken.json: not read (malformed JSON") for n in notes), notes
    attributed = runner.invoke(app, ["attribute", str(case), "--format", "json"])
    assert attributed.exit_code == 0, attributed.output
    # Extracting the same inputs into the case again adds nothing.
    again = runner.invoke(app, ["extract", str(report), str(bundle), "--case", str(case), "--json"])
    assert len(json.loads(again.stdout)["case"]["observations"]) == len(data["case"]["observations"])


def test_extract_inputs_reports_unreadable_files(kb: KnowledgeBase, tmp_path: Path) -> None:
    result = extract_inputs([tmp_path / "missing.txt"], kb)
    assert result.failed and "file not found" in result.failed[0]
    # A folder: extract reads files (hunt reads folders), and says so.
    folder = extract_inputs([tmp_path], kb)
    assert folder.failed and "is a folder: extract reads report files" in folder.failed[0]
    # The terminal prints the error alone, no empty table before it.
    run = runner.invoke(app, ["extract", str(tmp_path / "missing.txt")])
    assert run.exit_code == 2 and "file not found" in run.stderr and "┏" not in run.stdout


def test_stix_location_of_an_actor_is_not_a_victim_and_scos_are_read() -> None:
    from unmask.extract.stix import case_from_stix

    bundle = {
        "type": "bundle",
        "id": "bundle--2",
        "objects": [
            {"type": "location", "id": "location--1", "country": "IR"},
            {"type": "location", "id": "location--2", "country": "AL"},
            {"type": "intrusion-set", "id": "intrusion-set--1", "name": "X"},
            {
                "type": "relationship",
                "id": "r1",
                "relationship_type": "located-at",
                "source_ref": "intrusion-set--1",
                "target_ref": "location--1",
            },
            {
                "type": "relationship",
                "id": "r2",
                "relationship_type": "targets",
                "source_ref": "intrusion-set--1",
                "target_ref": "location--2",
            },
            {"type": "file", "id": "file--1", "hashes": {"SHA-256": "CD" * 32}},
            {"type": "domain-name", "id": "domain-name--1", "value": "Bad.Example"},
            {"type": "sighting", "id": "sighting--1", "sighting_of_ref": "indicator--9", "count": 3},
            {"type": "x-custom", "id": "x-custom--1"},
        ],
    }
    case = case_from_stix(bundle, "../cases/b.json")
    assert case.title == "STIX bundle b.json"  # the title is shared (a MISP event's info): no path
    found = {(o.kind, o.value) for o in case.observations}
    assert (ObservationKind.VICTIM, "AL") in found and (ObservationKind.VICTIM, "IR") not in found
    assert (ObservationKind.FILE, "cd" * 32) in found and (
        ObservationKind.INFRASTRUCTURE,
        "bad.example",
    ) in found
    assert any("x-custom" in n for n in case.notes) and any("sighting" in n for n in case.notes)


def test_stix_objects_without_a_name_are_counted_not_read_as_none() -> None:
    from unmask.extract.stix import case_from_stix

    objects = [
        {"type": "malware", "id": "malware--1", "name": None},
        {"type": "tool", "id": "tool--1"},
        {"type": "vulnerability", "id": "vulnerability--1", "name": "CVE-2021-44228"},
    ]
    case = case_from_stix({"type": "bundle", "id": "bundle--3", "objects": objects}, "b.json")
    assert [o.value for o in case.observations] == ["CVE-2021-44228"]
    assert case.notes == ["not used: 1 malware (objects[0] malware--1); 1 tool (objects[1] tool--1)"]


def test_pdf_report_text_is_extracted(kb: KnowledgeBase, tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*HarfBuzz.*", category=DeprecationWarning)
        try:
            import weasyprint
        except OSError as exc:
            pytest.skip(f"skipped: WeasyPrint cannot load its system libraries: {exc}")
        technique = kb.techniques["T1301"].name
        html = f"<html><body><p>The intruders used {technique} against the energy sector in Norway.</p><p>CVE-2021-44228 was exploited.</p></body></html>"
        pdf = tmp_path / "advisory.pdf"
        pdf.write_bytes(weasyprint.HTML(string=html).write_pdf())
    result = TextExtractor(kb, BENIGN).extract_file(pdf)
    found = {(o.kind, o.value) for o in result.observations}
    assert (ObservationKind.TECHNIQUE, "T1301") in found and (
        ObservationKind.VULNERABILITY,
        "CVE-2021-44228",
    ) in found
    assert all(o.provenance is not None and o.provenance.sha256 for o in result.observations)


def test_the_most_restrictive_tlp_wins_and_broken_misp_lists_are_skipped() -> None:
    from unmask.extract.misp import case_from_misp
    from unmask.extract.stix import case_from_stix
    from unmask.model import TLP_MARKINGS, Tlp

    attack = {"name": 'misp-galaxy:mitre-attack-pattern="Exploit Public-Facing Application - T1190"'}
    for tags, expected in (
        (["tlp:red", "tlp:clear"], Tlp.RED),
        (["tlp:clear", "tlp:red"], Tlp.RED),
        (["tlp:red ", "tlp:amber"], Tlp.RED),
        (["tlp:green"], Tlp.GREEN),
    ):
        event = {"Event": {"Tag": [{"name": t} for t in tags] + [attack], "Object": [None, 5]}}
        case = case_from_misp(event, "e.json", "e")
        assert case.tlp is expected and [o.value for o in case.observations] == ["T1190"]
    # A broken export's lone tag, written on its own instead of in a list, still marks the event.
    lone = case_from_misp(
        {"Event": {"Tag": "tlp:red", "Attribute": [{"type": "ip-dst", "value": "198.51.100.7"}]}}, "e.json"
    )
    assert lone.tlp is Tlp.RED
    red = next(k for k, v in TLP_MARKINGS.items() if v is Tlp.RED)
    bundle = {
        "type": "bundle",
        "id": "bundle--9",
        "objects": [
            {"type": "vulnerability", "id": "vulnerability--1", "name": "CVE-2021-44228"},
            {"type": "identity", "id": "identity--1", "sectors": "government", "object_marking_refs": [red]},
            {"type": "identity", "id": "identity--2", "sectors": [None, 5]},
            {"type": "location", "id": "location--1", "country": 123},
        ],
    }
    case = case_from_stix(bundle, "b.json")
    assert case.tlp is Tlp.RED
    assert [(o.kind.value, o.value) for o in case.observations] == [
        ("vulnerability", "CVE-2021-44228"),
        ("victim", "government"),
    ]
    assert (
        "2 identity sector that is not text" in case.notes[-1]
        and "1 location whose country" in case.notes[-1]
    )


@pytest.mark.parametrize(
    ("sentence", "mention", "denied"),
    [
        ("We found no evidence of Emotet, TrickBot or Qakbot in this intrusion.", "Emotet", True),
        ("Data destruction (T1485) was not observed.", "T1485", True),
        ("The attackers did not use PowerShell.", "PowerShell", True),
        ("There was no lateral movement, but the actor used Mimikatz.", "Mimikatz", False),
        ("The group, which has no known ties to Iran, used Mimikatz.", "Mimikatz", False),
        ("Cobalt Strike was not used; instead they deployed Sliver.", "Sliver", False),
        ("Cobalt Strike was not used; instead they deployed Sliver.", "Cobalt Strike", True),
        ("The actor used Mimikatz and PsExec.", "PsExec", False),
        ("The actors never used Mimikatz.", "Mimikatz", True),
        ("The sample is not the Emotet loader.", "Emotet", True),
        # "Not" about something else than the mention's presence is no denial of it.
        ("The server was not patched against CVE-2021-26855, so they used it.", "CVE-2021-26855", False),
        ("CVE-2021-44228 was not patched on the exposed server.", "CVE-2021-44228", False),
        ("CVE-2021-45046 was never fixed by the vendor, and the actors abused it.", "CVE-2021-45046", False),
        ("Mimikatz, which is not signed, was dropped.", "Mimikatz", False),
        ("Cobalt Strike beacons were not detected by the antivirus.", "Cobalt Strike", False),
        ("No doubt remains that Emotet delivered the first stage.", "Emotet", False),
        ("Mimikatz is not mentioned in this advisory.", "Mimikatz", True),
        ("Mimikatz was not among the tools used by this affiliate.", "Mimikatz", True),
        # A denial runs over the list it opens, or that "neither" closes ...
        ("It relies on Responder and has exploited CVE-2023-23397; neither was present.", "Responder", True),
        (
            "It relies on Responder and has exploited CVE-2023-23397; neither was present.",
            "CVE-2023-23397",
            True,
        ),
        # ... but not to a mention that has a claim of its own.
        ("We found no Mimikatz, and PsExec was used for lateral movement.", "PsExec", False),
        ("Mimikatz was used, none of the other tools were found.", "Mimikatz", False),
    ],
)
def test_mentions_a_sentence_denies_are_not_evidence(sentence: str, mention: str, denied: bool) -> None:
    from unmask.extract.context import negated

    start = sentence.index(mention)
    assert negated(sentence, start, start + len(mention)) is denied


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # A verb of finding denied, active or passive, and what it finds of the program.
        ("CERT-LT did not detect Helminth in this campaign.", []),
        ("Helminth was not detected in this campaign.", []),
        ("We never identified Mimikatz on the hosts, and the analysts didn't recover Helminth.", []),
        ("We did not encounter Mimikatz during the investigation.", []),
        ("Mimikatz did not appear in this intrusion.", []),
        ("We found no signs of Mimikatz on the servers.", []),
        (
            "CERT-LT did not detect the using of Helminth or Mimikatz in this campaign, which was used "
            "by this group in older years.",
            [],
        ),
        ("We could not confirm the use of Helminth.", []),
        # A security product's miss, or a late detection, is no absence.
        ("The EDR did not detect Mimikatz, which the actors ran from memory.", ["S0002"]),
        ("Helminth beacons were not detected by the customer's antivirus.", ["S0170"]),
        ("Mimikatz was not detected until the third day.", ["S0002"]),
        ("We did not detect Mimikatz before it had dumped the hashes.", ["S0002"]),
    ],
)
def test_a_denied_finding_is_no_evidence_but_a_products_miss_is(
    sources_kb: KnowledgeBase, text: str, taken: list[str]
) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations if o.kind is ObservationKind.SOFTWARE] == taken
    assert len([p for p in found.problems if "not taken as evidence" in p]) == text.count(
        "Mimikatz"
    ) + text.count("Helminth") - len(taken)


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # Words that qualify the program between the negation and its name.
        ("The operator ran the Linux variant (not the Rust-based Helminth encryptor).", []),
        ("The actors did not use the open-source Mimikatz but a custom dumper.", []),
        ("The sample is not the original, publicly available Helminth.", []),
        # ... not words that make the negation about something else.
        ("This is not the first time Mimikatz was used.", ["S0002"]),
        ("It was not the only tool: Helminth was also deployed.", ["S0170"]),
    ],
)
def test_a_denial_reaches_past_the_words_that_qualify_a_program(
    sources_kb: KnowledgeBase, text: str, taken: list[str]
) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations if o.kind is ObservationKind.SOFTWARE] == taken


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # "No evidence that ..." denies its clause, a verb of use in it included.
        ("The agencies have no evidence that the actors exploited CVE-2024-21893 in these intrusions.", []),
        ("There is no indication that the actors used Mimikatz or Helminth.", []),
        (
            "We found no evidence that they exploited CVE-2024-21893, and they exploited CVE-2023-46805.",
            ["CVE-2023-46805"],
        ),
        # ... up to a turn.
        ("We found no evidence that data left the network, but the actors ran Mimikatz.", ["S0002"]),
        ("There was no sign that the intruders ran Helminth before they deployed Mimikatz.", ["S0002"]),
    ],
)
def test_no_evidence_that_denies_its_clause(sources_kb: KnowledgeBase, text: str, taken: list[str]) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations if o.kind is not ObservationKind.TIMING] == taken


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # What other actors the report does not name did, and a list that "none" closes.
        (
            "Another affiliate we observed in 2024 relied on AnyDesk and Mimikatz for exfiltration, and a "
            "third used Helminth; none of these tools appeared in this intrusion.",
            [],
        ),
        ("Another affiliate we observed in 2024 relied on AnyDesk, and a third used Helminth.", []),
        (
            "The affiliate relied on Mimikatz and Helminth; none of these tools appeared in this intrusion.",
            [],
        ),
        (
            "Several groups exploited CVE-2023-4966 at the end of 2023, among them Helminth operators who "
            "went on to encrypt their victims.",
            [],
        ),
        # ... not what this actor did beside or unlike them.
        ("Unlike other groups, this actor used Mimikatz for exfiltration.", ["S0002"]),
        ("Like other affiliates, the actor used Mimikatz.", ["S0002"]),
        ("Several groups of hosts were wiped with Helminth.", ["S0170"]),
        ("The actor then moved to a second server and deployed Mimikatz.", ["S0002"]),
    ],
)
def test_what_other_unnamed_actors_did_is_not_this_intrusions(
    sources_kb: KnowledgeBase, text: str, taken: list[str]
) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations if o.kind is not ObservationKind.TIMING] == taken
    assert not any("is said of other events" in p for p in found.problems) or not taken


def test_values_the_report_calls_harmless_or_not_seen_in_this_intrusion_are_no_indicators(
    sources_kb: KnowledgeBase,
) -> None:
    harmless = [
        "af682bbea4535fd7e0dc120ec6b7be2eea88d049327181710507da016bbd3107",
        "b9ed2503ba4342b13d67567a22cc6238",
    ]
    installer = "83bc247bf4dbb039449bf63459a86d17e3c592d6e4569245af8b88282b60b4cb"
    kept = ["e528736fcf71de66df4b69bd09d1ce0af325ca09b6d029c12428bc3005034b72", "203.0.113.99"]
    text = (
        "## Files\n\nBenign files found on the hosts. These were NOT malicious and must not be blocked or "
        f"shared as indicators:\n\n- The signed executable that side-loaded log.dll, SHA-256 {harmless[0]}\n"
        f"- 7-Zip 23.01 installer, MD5 {harmless[1]}\n\nThe loader beaconed to {kept[1]}.\n\n"
        "The following hash is the legitimate, signed AnyDesk installer the operator downloaded; it is not "
        f"malicious and should not be blocked: {installer}.\n\n"
        "| Indicator | Assessment |\n|---|---|\n"
        "| mail.forum-example[.]org | Shares a TLS certificate with older infrastructure; not observed in "
        "this intrusion |\n"
        f"\nThe lure was a benign-looking document, SHA-256 {kept[0]}.\n"
    )
    found = TextExtractor(sources_kb).extract_text(text, "r.md")
    indicators = [
        o.value
        for o in found.observations
        if o.kind in (ObservationKind.FILE, ObservationKind.INFRASTRUCTURE)
    ]
    assert sorted(indicators) == sorted(kept)
    for value in [*harmless, installer]:
        assert any(value in p and "harmless" in p for p in found.problems), value
    assert any("mail.forum-example.org" in p and "not taken" in p for p in found.problems)


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # A name the report doubts, or a claim it says it could not check, is unconfirmed.
        (
            "The actor used a tool that may be a modified version of the open-source Helminth backdoor; we "
            "have not recovered the binary and could not verify this.",
            [],
        ),
        ("The actors ran Mimikatz; we could not verify this.", []),
        ("This may be the first time the group used Mimikatz.", [("S0002", 0.8)]),
        # What the victim's own IT staff used is not the intruder's, its file neither.
        (
            "Mimikatz, used by the operators' own IT staff for audits, SHA-256 "
            "36cd00b22c3fe2f1a61d0b32ac3146905431906f5c15ea6f0c7ca9a06e19508b",
            [],
        ),
        ("Helminth 23.01 installer used by the IT team, MD5 b9ed2503ba4342b13d67567a22cc6238", []),
        ("Mimikatz, used by the IT team for audits, was abused by the actors.", [("S0002", 0.8)]),
        # An indicator the report doubts is kept as doubtfully as the report holds it.
        (
            "| 198.51.100.201 | Possibly used for web shell access; seen once, low confidence |",
            [("198.51.100.201", 0.4)],
        ),
        ("| 203.0.113.99 | C2 address, high confidence |", [("203.0.113.99", 0.8)]),
    ],
)
def test_hedged_unverified_or_the_victims_own_items_are_not_taken_at_full_confidence(
    sources_kb: KnowledgeBase, text: str, taken: list[tuple[str, float]]
) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [
        (o.value, o.confidence) for o in found.observations if o.kind is not ObservationKind.TIMING
    ] == taken
    if (
        not taken or taken[0][1] < 0.8
    ):  # what is left out, or kept at a lower confidence, is said by its value
        said = " ".join(found.problems + found.notes)
        for value in re.findall(r"Mimikatz|Helminth|36cd00b2\w+|b9ed2503\w+|198\.51\.100\.201", text):
            assert f"{value!r}" in said, value


def test_a_table_row_that_says_not_observed_is_denied(sources_kb: KnowledgeBase, tmp_path: Path) -> None:
    rows = [("T1566.001", "observed"), ("T1485", "was not observed"), ("T1059.001", "observed")]
    markdown = tmp_path / "a.md"
    markdown.write_text(
        "# Advisory\n\n| ID | Note |\n|---|---|\n" + "".join(f"| {t} | {n} |\n" for t, n in rows),
        encoding="utf-8",
    )
    html = tmp_path / "a.html"
    html.write_text(
        "<table>" + "".join(f"<tr><td>{t}</td><td>{n}</td></tr>" for t, n in rows) + "</table>",
        encoding="utf-8",
    )
    extractor = TextExtractor(sources_kb)
    for path in (markdown, html):
        found = extractor.extract_file(path)
        assert [o.value for o in found.observations] == ["T1566.001", "T1059.001"], path
        assert any("'T1485' is denied" in p for p in found.problems)
    assert extractor.extract_file(html).title is None  # a table's row is no title


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # The rest of a list a denial opens.
        ("We did not see Mimikatz, Helminth or ZeroCleare on any host.", []),
        # ... with a name the KB does not know among them
        ("We found no evidence of Mimikatz, Brute Ratel or Helminth in this intrusion.", []),
        # what an actor does, said to set it apart from this intrusion
        ("APT28 uses Mimikatz and Helminth; we have found no technical overlap with this cluster.", []),
        ("APT28 uses Mimikatz, which is not linked to this intrusion.", []),
        ("Unlike APT28, which relies on Mimikatz, this cluster used Helminth.", ["S0170"]),
        ("We are not attributing this activity to APT28, whose attacks used Mimikatz.", []),
        ("APT28 typically deploys Mimikatz and Helminth.", []),
        ("In contrast to APT28, the actor used Mimikatz.", ["S0002"]),
        ("The intrusion is attributed to APT28, which deployed Mimikatz on the servers.", ["S0002"]),
        ("We cannot confirm whether the actors exploited CVE-2023-20269.", []),
        ("The loader, a successor to Helminth, dropped Mimikatz.", ["S0002"]),
        # the family the one seen, named right after it, descends from
        ("The actors deployed a new variant of Helminth (ZeroCleare) on the servers.", ["S1151"]),
        ("The actors deployed a variant of Helminth on the servers.", ["S0170"]),
        ("The actors deployed Mimikatz and Helminth.", ["S0002", "S0170"]),
        # A possessive and a few words before the relative clause; a denial of attribution
        # that names several actors.
        ("It does not resemble APT28's intrusions into grids, which used Mimikatz.", []),
        ("We do not attribute it to the Cleaver group or to APT28, which mainly run Helminth.", []),
        ("APT28, another Russia-linked actor, uses Mimikatz; we saw nothing of that kind.", []),
        ("APT28 deployed Mimikatz on the servers.", ["S0002"]),
        # What an actor has, by the possessive: its toolkit, its earlier campaigns.
        ("APT28's toolkit includes Mimikatz and Helminth.", []),
        ("APT28's previous campaigns relied on Helminth, but this time the actor used Mimikatz.", ["S0002"]),
        ("APT28's operators deployed Mimikatz on the servers.", ["S0002"]),
        # Other events and other victims: earlier campaigns, earlier reporting, other organizations.
        ("In its 2022 campaign against Albanian portals, the actor deployed Helminth.", []),
        ("The affiliate has in the past deployed Mimikatz and Helminth against other victims.", []),
        ("Earlier reporting linked a similar toolset to a cluster that used Helminth.", []),
        ("The actor ran Mimikatz, which is outside the scope of this advisory.", []),
        ("Attacks on banks in Kenya used Mimikatz, which is outside the scope of this advisory.", []),
        ("Having previously gained access, the actor ran Mimikatz.", ["S0002"]),
        ("In the past the group used Helminth, but in this intrusion it deployed Mimikatz.", ["S0002"]),
    ],
)
def test_mentions_said_of_another_actor_unconfirmed_or_denied_in_a_list_are_not_taken(
    sources_kb: KnowledgeBase, text: str, taken: list[str]
) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations if o.kind is not ObservationKind.TIMING] == taken
    assert not [o for o in found.observations if o.kind is ObservationKind.VICTIM]
    # Every mention left out is said so, with why.
    left_out = [p for p in found.problems if "not taken as evidence" in p]
    assert len(left_out) == text.count("Mimikatz") + text.count("Helminth") + text.count(
        "ZeroCleare"
    ) + text.count("CVE-") - len(taken)


def test_a_denied_technique_is_noted_not_extracted(kb: KnowledgeBase) -> None:
    text = "Data destruction (T1302) was not observed. The intruders ran T1301."
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    assert {o.value for o in result.observations if o.kind is ObservationKind.TECHNIQUE} == {"T1301"}
    assert any("'T1302' is denied in its sentence" in p for p in result.problems)


def test_utf16_reports_and_events_are_read(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_bytes("The intruders ran T1301 from 185.220.101.7.".encode("utf-16"))
    event = tmp_path / "e.json"
    event.write_bytes(
        json.dumps({"Event": {"Attribute": [{"type": "domain", "value": "evil.example"}]}}).encode("utf-16")
    )
    result = extract_inputs([report, event], kb)
    assert {o.value for o in result.case.observations} >= {"T1301", "185.220.101.7", "evil.example"}
    assert not result.failed


def test_markdown_emphasis_is_removed_but_not_underscores_inside_names(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    from unmask.extract.documents import read_document

    report = tmp_path / "r.md"
    report.write_text(
        "The loader hxxp://evil-cdn[.]example/dl/stage_one_loader.bin wrote to john_smith_ops@evil-mail.example.org; "
        "it is *important* and _emphasised_.\n"
    )
    text = read_document(report).text
    assert "stage_one_loader.bin" in text and "john_smith_ops@" in text
    assert "*important*" not in text and "_emphasised_" not in text


def test_the_tail_of_an_internationalised_name_is_not_a_domain(kb: KnowledgeBase) -> None:
    result = TextExtractor(kb, BENIGN).extract_text(
        "Der Server war böse-domain.example.de und evil.example.com.", "r.txt"
    )
    domains = {o.value for o in result.observations if o.subtype == "domain"}
    assert domains == {"evil.example.com"} and any(
        "böse" not in p and "se-domain" in p for p in result.problems
    )


def test_a_name_with_an_invisible_character_inside_is_not_read_as_its_tail(kb: KnowledgeBase) -> None:
    result = TextExtractor(kb, BENIGN).extract_text(
        "The C2 was evil\u200bzero[.]com and bad-site[.]com.", "r.txt"
    )
    domains = {o.value for o in result.observations if o.subtype == "domain"}
    assert "zero.com" not in domains and "bad-site.com" in domains
    assert any("zero.com" in p and "invisible" in p for p in result.problems)
    ip = TextExtractor(kb, BENIGN).extract_text(
        "It beaconed to 1\u200b85.220.101.77 and 185.220.101.9.", "r.txt"
    )
    assert {o.value for o in ip.observations if o.subtype == "ip"} == {"185.220.101.9"}
    mark = TextExtractor(kb, BENIGN).extract_text("The C2 was evil\u034fzero[.]com.", "r.txt")
    assert "zero.com" not in {o.value for o in mark.observations}


def test_a_name_several_entries_carry_is_read_as_the_kb_resolves_it(sources_kb: KnowledgeBase) -> None:
    found = TextExtractor(sources_kb).extract_text("The wiper was NotPetya.", "r.txt")
    assert [o.value for o in found.observations] == ["S0368"]


def test_indicators_are_taken_as_the_report_wrote_them(kb: KnowledgeBase) -> None:
    text = (
        "The lure sat at hxxps://v2-dot-docs-viewer-prod[.]appspot[.]com/View and tools on ma1ware-dot-cdn[.]xyz. "
        "They dropped libpam_backdoor.so, libcrypt.so, README.md, backdoor.pl and config.json, "
        "then beaconed to evil[.]so and c2-server[.]pl."
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    found = {(o.subtype, o.value) for o in result.observations if o.kind is ObservationKind.INFRASTRUCTURE}
    assert found == {
        ("url", "https://v2-dot-docs-viewer-prod.appspot.com/View"),  # App Engine names hold "-dot-"
        ("domain", "v2-dot-docs-viewer-prod.appspot.com"),
        ("domain", "ma1ware-dot-cdn.xyz"),
        ("domain", "evil.so"),  # defanged: a domain, though .so is also a file extension
        ("domain", "c2-server.pl"),
    }


def test_ids_against_cjk_text_dates_that_are_none_and_the_surest_mention(kb: KnowledgeBase) -> None:
    text = "攻击者利用CVE-2021-44228漏洞，随后使用T1301执行命令。 On 2023-13-45, 30 February 2023 and 12 March 2023."
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    values = {(o.kind, o.value) for o in result.observations}
    assert (ObservationKind.VULNERABILITY, "CVE-2021-44228") in values
    assert (ObservationKind.TECHNIQUE, "T1301") in values
    assert {v for k, v in values if k is ObservationKind.TIMING} == {"2023-03-12"}
    long = "x " * 300 + "then CVE-2022-1388 was exploited."
    [cve] = TextExtractor(kb, BENIGN).extract_text(long, "r.txt", "abc").observations
    assert cve.provenance is not None and "CVE-2022-1388" in (cve.provenance.text or "")


def test_archives_are_not_reports_and_markdown_offsets_are_the_files(tmp_path: Path) -> None:
    import zipfile

    inner = tmp_path / "r.txt"
    inner.write_text("The actors used Mimikatz.\n")
    with zipfile.ZipFile(tmp_path / "stored.zip", "w", zipfile.ZIP_STORED) as archive:
        archive.write(inner, "r.txt")
    with pytest.raises(IngestError, match="a zip archive, not a text report"):
        read_document(tmp_path / "stored.zip")
    md = tmp_path / "r.md"
    md.write_text("# Report\n\nThe **actors** used `Mimikatz`.\n")
    document = read_document(md)
    assert document.text.index("Mimikatz") == md.read_text().index("Mimikatz")
    assert "**" not in document.text and "`" not in document.text


def test_program_file_names_possessives_and_slashes_name_software(kb: KnowledgeBase) -> None:
    text = "They ran Ware S0101.exe, then Ware S0201's loader and Ware S0301/Ware S0302 implants."
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    found = {o.value for o in result.observations if o.kind is ObservationKind.SOFTWARE}
    assert found == {"S0101", "S0201", "S0301", "S0302"}


def test_known_benign_values_of_a_misp_event_are_listed_not_kept(kb: KnowledgeBase, tmp_path: Path) -> None:
    event = {
        "Event": {
            "info": "partner",
            "Attribute": [
                {"type": "ip-dst", "value": "8.8.8.8", "uuid": "a1"},
                {"type": "ip-dst", "value": "185.220.101.7", "uuid": "a2"},
            ],
        }
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = extract_inputs([path], kb, None, BENIGN)
    assert [o.value for o in result.case.observations] == ["185.220.101.7"]
    assert [s["value"] for s in result.suppressed] == ["8.8.8.8"]


def test_a_state_named_like_a_country_is_not_that_country(kb: KnowledgeBase) -> None:
    text = "Victims were in New Mexico and New Jersey, and later in Mexico and Papua New Guinea."
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    assert {o.value for o in result.observations if o.kind is ObservationKind.VICTIM} == {"MX", "PG"}


def _stix(marking: str | None) -> dict[str, object]:
    indicator: dict[str, object] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--a1b2c3d4-0000-4000-8000-000000000001",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '185.220.101.7']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    if marking:
        indicator["object_marking_refs"] = [marking]
    return {"type": "bundle", "id": "bundle--6f1b2c3d-1111-4222-8333-944455556666", "objects": [indicator]}


RED_2_0 = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
GREEN_1_0 = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"


def test_the_case_takes_the_most_restrictive_label_of_its_inputs(kb: KnowledgeBase, tmp_path: Path) -> None:
    red, green, text = tmp_path / "red.json", tmp_path / "green.json", tmp_path / "r.txt"
    red.write_text(json.dumps(_stix(RED_2_0)))
    green.write_text(json.dumps(_stix(GREEN_1_0)))
    text.write_text("TLP: AMBER+STRICT\n\nThe intruders used 185.220.101[.]8 for control.\n")
    assert extract_inputs([green], kb).case.tlp is Tlp.GREEN
    assert extract_inputs([green, red], kb).case.tlp is Tlp.RED
    assert extract_inputs([red, green], kb).case.tlp is Tlp.RED
    assert extract_inputs([green, text], kb).case.tlp is Tlp.AMBER_STRICT
    # The analyst's own label is the floor: inputs raise it, never lower it.
    assert extract_inputs([green], kb, tlp=Tlp.AMBER).case.tlp is Tlp.AMBER
    assert extract_inputs([red], kb, tlp=Tlp.CLEAR).case.tlp is Tlp.RED


def test_extract_tlp_option(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("The intruders used 185.220.101[.]8 for control.\n")
    result = runner.invoke(app, ["extract", str(report), "--case", str(tmp_path / "c"), "--tlp", "TLP:GREEN"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "c" / "case.json").read_text())["tlp"] == "green"
    result = runner.invoke(app, ["extract", str(report), "--tlp", "pink"])
    assert result.exit_code == 2 and "not a known TLP label" in result.output


def test_a_long_extraction_table_shows_its_first_rows_and_says_so(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    addresses = [f"185.220.{n // 250}.{n % 250 + 1}" for n in range(12)]
    report.write_text("The intruders used these addresses for control:\n" + "\n".join(addresses) + "\n")
    result = runner.invoke(app, ["extract", str(report), "--limit", "5"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "12 observations (12 infrastructure); the first 5" in result.stdout
    assert result.stdout.count("infrastructure:ip") == 5
    every = runner.invoke(app, ["extract", str(report), "--json"])
    assert len(json.loads(every.stdout)["case"]["observations"]) == 12


def test_stix_revoked_and_benign_indicators_are_not_evidence_and_expired_ones_are_noted() -> None:
    from unmask.extract.stix import case_from_stix

    def indicator(n: int, ip: str, **extra: object) -> dict[str, object]:
        body = _stix(None)["objects"][0]  # type: ignore[index]
        return {
            **body,
            "id": f"indicator--a1b2c3d4-0000-4000-8000-00000000000{n}",
            "pattern": f"[ipv4-addr:value = '{ip}']",
            **extra,
        }

    bundle = {
        "type": "bundle",
        "id": "bundle--6f1b2c3d-1111-4222-8333-944455556666",
        "objects": [
            indicator(1, "45.77.20.1"),
            indicator(2, "45.77.20.2", revoked=True),
            indicator(3, "45.77.20.3", indicator_types=["benign"]),
            indicator(4, "45.77.20.4", valid_until="2020-01-01T00:00:00Z"),
        ],
    }
    case = case_from_stix(bundle, "b.json")
    assert sorted(o.value for o in case.observations) == ["45.77.20.1", "45.77.20.4"]
    notes = " ".join(case.notes)
    assert "revoked indicator" in notes and "indicator of benign activity" in notes
    assert "1 indicator(s) past their valid_until" in notes


def test_a_software_name_that_is_an_english_word_is_read_only_as_a_name() -> None:
    from unmask.extract.lexicon import Lexicon

    lexicon = Lexicon(software={"beacon": {"S0154"}, "mimikatz": {"S0002"}}, everyday=frozenset({"beacon"}))
    found = lambda text: [(c, i) for c, i, _, _ in lexicon.find(text)]  # noqa: E731
    assert found("The beacon talked to the server every minute.") == []
    assert found("Beacon talked to the server; so did BEACON.") == [("software", "S0154")] * 2
    assert found("They ran mimikatz and Mimikatz.") == [("software", "S0002")] * 2
    from unmask.extract.lexicon import english_words

    assert {"proton", "responder", "beacon"} <= english_words() and "mimikatz" not in english_words()
    # A Malpedia family named by an English word, in capitals inside a sentence that is not.
    weak = Lexicon(software={"dustman": {"malpedia:DUSTMAN"}}, everyday=frozenset({"dustman"}))
    weak.weak = frozenset({"dustman"})
    assert [i for _, i, _, _ in weak.find("Later they ran DUSTMAN on the servers.")] == ["malpedia:DUSTMAN"]
    for text in ("The dustman came.", "Dustman came.", "THE ACTORS RAN DUSTMAN.", "NOTE: DUSTMAN: a word."):
        assert weak.find(text) == [], text


def test_benign_values_are_noted_in_the_case_and_notes_are_not_repeated(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    report = tmp_path / "r.txt"
    report.write_text("The implant resolved names through 8.8.8.8 and beaconed to 185.220.101[.]7.\n")
    bundle = tmp_path / "b.json"
    body = _stix(None)
    body["objects"][0]["pattern"] = "[ipv4-addr:value = '8.8.8.8']"  # type: ignore[index]
    body["objects"].append(
        {
            **body["objects"][0],
            "id": "indicator--a1b2c3d4-0000-4000-8000-000000000002",
            "pattern": "[ipv4-addr:value = '185.220.101.9']",
        }
    )  # type: ignore[attr-defined,index]
    bundle.write_text(json.dumps(body))
    case = extract_inputs([report, bundle], kb, None, BENIGN).case
    again = extract_inputs([report, bundle], kb, case, BENIGN).case
    benign = [n for n in again.notes if "known-benign" in n]
    assert len(benign) == 2 and all("8.8.8.8" in n for n in benign)
    assert len(again.notes) == len(set(again.notes))


def test_an_unmarked_bundle_does_not_raise_the_analysts_label(kb: KnowledgeBase, tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(_stix(None)))
    assert extract_inputs([plain], kb, tlp=Tlp.GREEN).case.tlp is Tlp.GREEN
    assert extract_inputs([plain], kb).case.tlp is Tlp.AMBER  # a new case without any label


def test_actors_a_bundle_names_are_listed_apart(kb: KnowledgeBase, tmp_path: Path) -> None:
    actor = next(a for a in kb.actors.values() if a.attack_id)
    body = _stix(None)
    body["objects"].append(  # type: ignore[attr-defined]
        {
            "type": "intrusion-set",
            "id": "intrusion-set--00000000-0000-4000-8000-000000000009",
            "name": actor.name,
        }
    )
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(body))
    result = extract_inputs([bundle], kb)
    assert [(a["id"], a["name"]) for a in result.actors] == [(actor.id, actor.name)]
    assert all(o.kind is not ObservationKind.SIMILARITY for o in result.case.observations)


def test_a_long_report_is_cut_with_one_message_the_case_keeps(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = tmp_path / "long.txt"
    report.write_text("word " * 1_000)
    document = read_document(report, max_chars=1_000)
    assert len(document.text) == 1_000 and not document.problems
    assert document.cut == (
        f"{report}: 5,000 bytes; only the first 1,000 characters of its text were read "
        "(unmask extract --max-chars N reads more)"
    )
    assert read_document(report).cut is None  # the default reads it whole
    result = extract_inputs([report], kb, max_chars=1_000)
    assert document.cut in result.case.notes and document.cut in result.problems


def test_an_actors_sponsor_and_earlier_victims_are_not_this_incidents_victims(kb: KnowledgeBase) -> None:
    text = (
        "The intruders act for Iran's Ministry of Intelligence and attacked the government. "
        "The group has previously targeted Israel, Saudi Arabia, the UAE, Jordan, Kuwait and Cyprus. "
        "In July 2022 the attackers targeted Albania and the UAE."
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    victims = {
        o.value for o in result.observations if o.kind is ObservationKind.VICTIM and o.subtype == "country"
    }
    assert victims == {"AL", "AE"}
    assert any("earlier targets (IL, SA, AE, JO, KW, CY)" in note for note in result.notes)


@pytest.mark.parametrize(
    ("text", "victims", "noted"),
    [
        (
            "In July 2022, actors acting for Iran's Ministry of Intelligence and Security (MOIS) "
            "compromised government networks in Albania.",
            {"AL", "government"},
            "side (sponsor, origin) or the reporting side (IR)",
        ),
        (
            "The attackers targeted ministries in Albania, in an operation sponsored by Iran.",
            {"AL", "government"},
            "(IR)",
        ),
        (
            "MuddyWater, a group acting for Iran's MOIS, targeted telecommunications in Jordan.",
            {"JO", "telecommunications"},
            "(IR)",
        ),
        ("A group based in China targeted Taiwan.", {"TW"}, "reporting side (CN)"),
        (
            "The actor has previously targeted Israel and now targeted Albania.",
            {"AL"},
            "earlier targets (IL)",
        ),
        (
            "In this campaign the actor targeted Albania; it has previously targeted Israel, Saudi Arabia and Kuwait.",
            {"AL"},
            "earlier targets (IL, SA, KW)",
        ),
    ],
)
def test_this_incidents_victim_is_kept_beside_a_sponsor_or_an_earlier_victim(
    kb: KnowledgeBase, text: str, victims: set[str], noted: str
) -> None:
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    assert {o.value for o in result.observations if o.kind is ObservationKind.VICTIM} == victims
    assert any(noted in note for note in result.notes), result.notes


@pytest.mark.parametrize(
    ("text", "taken", "noted"),
    [
        # Earlier events, across the commas of the sentence they open, up to its turn.
        (
            "Earlier, in 2021, the infrastructure at 192.0.2.230 was used against a university in Hong Kong, "
            "but that address has not been active since 2022.",
            [],
            "(HK, education)",
        ),
        # Campaigns the activity is compared with.
        (
            "The activity have many similarity with campaigns which CERT-UA was describing earlier against Ukraine.",
            [],
            "(UA)",
        ),
        # The same group elsewhere, and attacks the report did not observe.
        (
            "In 2024 the same group was attacking also the energy sector of Poland, but CERT-LT did not "
            "observe the attacks against energy enterprises in Lithuania.",
            [],
            "(LT, energy)",
        ),
        # ... not this intrusion's own past, nor the same actor in the narrative.
        (
            "Earlier that day, the actor had used Mimikatz against the domain controller in Germany.",
            ["S0002", "DE"],
            None,
        ),
        (
            "The same actor also deployed Mimikatz against a hospital in Spain.",
            ["S0002", "ES", "healthcare"],
            None,
        ),
        (
            "The attack against the ministry in Lithuania was similar to attacks we saw in 2023, and the actor "
            "used Mimikatz.",
            ["S0002", "LT", "government"],
            None,
        ),
    ],
)
def test_earlier_events_compared_or_unobserved_attacks_name_no_victims(
    sources_kb: KnowledgeBase, text: str, taken: list[str], noted: str | None
) -> None:
    result = TextExtractor(sources_kb, BENIGN).extract_text(text, "r.txt")
    assert [o.value for o in result.observations if o.kind is not ObservationKind.TIMING] == taken
    if noted:
        assert any("are not taken as victims of this incident" in n and noted in n for n in result.notes)


def test_a_new_case_is_titled_by_its_reports_title_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    from unmask.extract.run import extract_inputs

    report = tmp_path / "advisory.txt"
    report.write_text(
        "TLP:AMBER\n\n# Iranian State Actors Conduct Cyber Operations Against Albania\n\nBody text.\n"
    )
    assert extract_inputs([report], kb, None, BENIGN).case.title == (
        "Iranian State Actors Conduct Cyber Operations Against Albania"
    )
    prose = tmp_path / "notes.txt"
    prose.write_text("The actor used T1301 against the ministry.\n")
    assert extract_inputs([prose], kb, None, BENIGN).case.title == "Extracted: notes.txt"


def test_a_misp_search_export_is_titled_by_its_first_events_info(kb: KnowledgeBase, tmp_path: Path) -> None:
    from unmask.extract.run import extract_inputs

    attribute = {"type": "ip-dst", "value": "185.220.101.7", "category": "Network activity"}
    single = {"Event": {"info": "Wiper at the ministry", "Attribute": [attribute]}}
    response = {
        "response": [
            {"Event": {"info": " ", "Attribute": []}},  # an event without a title gives none
            {"Event": {"info": "Wiper at the ministry", "Attribute": [attribute]}},
            {"Event": {"info": "Second event", "Attribute": []}},
        ]
    }
    for name, data in (("event.json", single), ("resp.json", response)):
        path = tmp_path / name
        path.write_text(json.dumps(data))
        assert extract_inputs([path], kb, None, BENIGN).case.title == "Wiper at the ministry", name


def test_an_account_named_like_a_tool_is_an_account(kb: KnowledgeBase) -> None:
    result = TextExtractor(kb, BENIGN).extract_text(
        "The intruders created a local account named Ware S0301 and later ran Ware S0301 again.",
        "r.txt",
        "abc",
    )
    software = [o for o in result.observations if o.kind is ObservationKind.SOFTWARE]
    assert [o.value for o in software] == ["S0301"] and "ran Ware S0301" in software[0].provenance.text
    assert any("names an account here" in note for note in result.notes)


@pytest.mark.parametrize(
    ("text", "victims"),
    [
        ("Russia's Sandworm targeted Ukraine.", {"UA"}),
        ("North Korea's Lazarus Group targeted banks in Bangladesh.", {"BD", "financial"}),
        ("Iran-linked actors targeted Israel.", {"IL"}),
        ("China-based actors targeted Taiwan's semiconductor industry.", {"TW", "technology"}),
        # Victims by what was taken from them, and sectors by the words reports use for them.
        (
            "The actors stole USD 38 million from two exchanges in Japan and Singapore.",
            {"JP", "SG", "financial"},
        ),
        ("The group targeted mobile network operators in Kenya.", {"KE", "telecommunications"}),
        # A country as a subject of study or policy is no victim's place.
        ("The actors targeted North Korea specialists covering North Korea's nuclear policy.", set()),
        ("The actors attacked a bank in Germany.", {"DE", "financial"}),
        # Other actors' victims, and the examples that follow them, are not this intrusion's.
        ("Several affiliates exploited the flaw at the time, including against a bank in the US.", set()),
        ("Other groups targeted hospitals in France, but this actor hit a school in Spain.", {"ES"}),
        ("Law firms and insurers in the United States were hit.", {"US", "legal", "insurance"}),
        # A sector's word as an adjective of quality: a ransom note's boilerplate names no victim.
        ("Your files has encrypted with new military-grade encryption algorithm.", set()),
        ("The actors targeted military contractors with bank-level lures.", {"defense"}),
        (
            "APT28 (military unit 26165 of Russia's GRU) targeted the German Bundestag and the French TV5Monde.",
            {"DE", "FR"},
        ),
        (
            "Microsoft attributed the attacks against Albania's government to Iran's Ministry of Intelligence.",
            {"AL", "government"},
        ),
        ("Operating from China, the actor compromised networks in Vietnam.", {"VN"}),
        ("The UK's NCSC and the US's CISA assess that APT29 targeted vaccine research in Canada.", {"CA"}),
        (
            "HEXANE, which historically targeted Kuwait and Saudi Arabia, compromised telecoms in Tunisia.",
            {"TN", "telecommunications"},
        ),
        ("Known for its attacks on Ukraine, Sandworm targeted Poland in this incident.", {"PL"}),
        ("Historically the actor focused on Israel, and in this incident it compromised Albania.", {"AL"}),
        ("Russian actors attacked Ukraine.", {"UA"}),
        (
            "Iranian actors compromised Israeli water utilities and Albanian government networks.",
            {"IL", "AL", "utilities", "government"},
        ),
        ("Albania's government networks were attacked by Iranian actors.", {"AL", "government"}),
        ("The actors targeted the U.A.E. and the U.K.", {"AE", "GB"}),
        # The victim as the subject of what it underwent
        (
            "In February 2024 a hospital in the United States suffered a ransomware attack.",
            {"US", "healthcare"},
        ),
        ("A German hospital fell victim to a ransomware attack by Russian actors.", {"DE", "healthcare"}),
        # ... and not an adjective: the actor's side stays the actor's
        ("An experienced Iranian actor compromised networks in Israel.", {"IL"}),
        # Georgia beside other US states is the state; alone, the country
        ("A municipal government in Georgia and a utility in Ohio were compromised.", {"US", "government"}),
        ("Government networks in Georgia were attacked by Russian actors.", {"GE", "government"}),
        ("Russian operators conducted a sustained campaign against Ukraine.", {"UA"}),
    ],
)
def test_sentence_shapes_of_real_advisories(kb: KnowledgeBase, text: str, victims: set[str]) -> None:
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt", "abc")
    assert {o.value for o in result.observations if o.kind is ObservationKind.VICTIM} == victims


def test_a_passive_with_an_adverb(kb: KnowledgeBase) -> None:
    result = TextExtractor(kb, BENIGN).extract_text(
        "Israeli companies were also attacked by the group.", "r.txt", "a"
    )
    assert {o.value for o in result.observations if o.kind is ObservationKind.VICTIM} == {"IL"}


def test_version_numbers_are_no_addresses_and_quoted_urls_end_at_their_quote(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)
    found = extractor.extract_text(
        'The script held "version 2.10.4.1"; the loader ran on firmware 7.2.5.1.', "r.txt"
    )
    assert found.observations == [] and len([n for n in found.notes if "version number" in n]) == 2
    found = extractor.extract_text("It beaconed to 203.0.113.7 every minute.", "r.txt")
    assert [o.value for o in found.observations] == ["203.0.113.7"]
    code = "python -c \"import urllib; urllib.urlopen('hxxps://upd.evil-trading[.]org/update').read()\""
    urls = [o.value for o in extractor.extract_text(code, "r.txt").observations if o.subtype == "url"]
    assert urls == ["https://upd.evil-trading.org/update"]
    # A file named like a reversed domain is no domain.
    agent = extractor.extract_text(
        "It created com.apple.sysupdate.plist and beaconed to upd.evil-trading.org.", "r.txt"
    )
    assert [o.value for o in agent.observations] == ["upd.evil-trading.org"]
    assert any("'com.apple' is the start of a file name" in p for p in agent.problems)


def test_a_pages_tag_line_is_not_read(sources_kb: KnowledgeBase) -> None:
    text = "The actors deployed Helminth.\n\nTags: Iran, wiper, Mimikatz, newsletter archive."
    found = TextExtractor(sources_kb).extract_text(text, "r.html")
    assert [o.value for o in found.observations] == ["S0170"] and "'Tags' line" in found.notes[0]


def test_a_technique_name_several_techniques_share_is_read_by_the_words_around_it() -> None:
    lexicon = Lexicon(
        techniques={"domain account": {"T1087.002"}}, choices={"domain account": ("T1087.002", "T1136.002")}
    )
    read = {
        "The actors created a new domain account.": "T1136.002",
        "They enumerated every domain account with net.": "T1087.002",
        # No word says which: the one more actors use.
        "A domain account was involved.": "T1087.002",
    }
    for text, expected in read.items():
        assert [i for c, i, _, _ in lexicon.find(text) if c == "technique"] == [expected], text


def test_a_short_technique_name_that_is_an_everyday_noun_needs_a_word_of_its_technique() -> None:
    lexicon = Lexicon(
        techniques={
            "ip addresses": {"T1590.005"},
            "ssh": {"T1021.004"},
            "dll": {"T1574.001"},
            "web services": {"T1584.006"},
        }
    )
    read = {
        "They compromised web services to host the payloads.": ["T1584.006"],
        "Web Services were compromised to host the payloads.": ["T1584.006"],
        # the end of a product's name, not the technique
        "The actors abused Exchange Web Services to read mail.": [],
        "They compromised Amazon Web Services accounts.": [],
        "The following IP addresses were used by the actors.": [],
        "The actors gathered the IP addresses of the victim's hosts.": ["T1590.005"],
        "They searched the file system for SSH keys.": [],
        "They used SSH to move laterally.": ["T1021.004"],
        "The script was pushed over SSH to every host.": ["T1021.004"],
        "Rundll32 ran the loader DLL.": [],
        "A malicious DLL was planted beside the signed binary.": ["T1574.001"],
    }
    for text, expected in read.items():
        assert [i for c, i, _, _ in lexicon.find(text) if c == "technique"] == expected, text


def test_a_program_named_like_a_place_where_a_place_is_named_is_not_the_program(
    sources_kb: KnowledgeBase,
) -> None:
    from unmask.extract.text import _place

    extractor = TextExtractor(sources_kb)
    for text in (
        "The victims included a hospital in Helminth Oak, Michigan.",
        "The operators, based in Helminth, used the same servers.",
        "Staff in the city of Helminth reported the outage.",
    ):
        read = extractor.extract_text(text, "r.txt")
        assert "S0170" not in [o.value for o in read.observations], text
        assert "'Helminth' names a place here" in " ".join(read.notes), text
    for text in (
        "The actors deployed Helminth in the finance department.",
        "The loader ran in Helminth, then in PowerShell.",
        "They ran the backdoor in Helminth Implant mode.",
        "The actors staged data in Helminth ransomware folders in Ohio, Michigan.",
    ):
        assert "S0170" in [o.value for o in extractor.extract_text(text, "r.txt").observations], text
    # A country's or a region's name after "in" is the place; with a kind of program after it,
    # the program.
    sentence = "A second team in Cuba staged the data, and in Cuba ransomware attacks."
    first, second = (sentence.index("Cuba"), sentence.rindex("Cuba"))
    assert _place(sentence, first, first + 4, "Cuba")
    assert not _place(sentence, second, second + 4, "Cuba")
    assert not _place("They deployed Cuba.", 14, 18, "Cuba")


def test_a_program_name_that_begins_a_longer_name_is_not_the_program(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)
    person = extractor.extract_text("The handler on duty, Helminth Levi, briefed the board.", "r.txt")
    assert (
        person.observations == []
        and "'Helminth' is part of a longer name ('Helminth Levi')" in person.notes[0]
    )
    # A given name before it, and a byline or a thanks in a line of capitalised words.
    for text in (
        "The victim's CISO, Daniela Helminth, briefed the board.",
        "Posted by Milan Horvat and Daniela Helminth",
        "Thanks to Tomas Helminth of our SOC for the triage.",
    ):
        read = extractor.extract_text(text, "r.txt")
        assert read.observations == [] and "is part of a longer name" in " ".join(read.notes), text
    # A vendor before it is no given name, nor a "by" far before it a byline.
    for text in (
        "The actor then ran Microsoft Helminth on two hosts.",
        "Credentials were collected by the intruders with Helminth Lite.",
    ):
        assert "S0170" in [o.value for o in extractor.extract_text(text, "r.txt").observations], text
    # A kind, a part or a name the KB knows after it is no surname; a heading capitalises every word.
    for text in (
        "The actors ran the Helminth Implant on the server.",
        "The actors ran Helminth Mimikatz on the server.",
        "Helminth Deployment On The Mail Server",
        "They deployed Helminth.",
        "Sophos Helminth ransomware report",
        "The Helminth Ransomware Attack On The City",
    ):
        assert "S0170" in [o.value for o in extractor.extract_text(text, "r.txt").observations], text


def test_advice_and_a_programs_module_are_not_taken(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)
    advice = extractor.extract_text("Monitor for Mimikatz and PowerShell execution.", "r.txt")
    assert advice.observations == [] and all("recommendation" in n for n in advice.notes)
    module = extractor.extract_text("They ran Helminth mimikatz on the DC, then Mimikatz again.", "r.txt")
    # A module written as its file is right after a program's name is part of it; the same name
    # alone is a tool of its own, and so is a name written as a name ("an IcedID Cobalt Strike beacon").
    assert [o.value for o in module.observations] == ["S0170", "S0002"]
    assert "'mimikatz' right after 'Helminth'" in module.notes[0]
    both = extractor.extract_text("The actors ran a Helminth Mimikatz build.", "r.txt")
    assert [o.value for o in both.observations] == ["S0170", "S0002"]
    # Advice given to someone is advice; a sentence that tells what happened is not.
    for text in ("Organizations should monitor for Mimikatz.", "To detect Mimikatz, enable LSA protection."):
        assert extractor.extract_text(text, "r.txt").observations == [], text
    told = extractor.extract_text("Patch management was lacking, and the actors used Mimikatz.", "r.txt")
    assert [o.value for o in told.observations] == ["S0002"]
    # A recommendation's CVE was seen only when it says it was exploited; a table row is no advice.
    patch = extractor.extract_text(
        "Apply the vendor's patches for CVE-2024-21893 and CVE-2024-22024.", "r.txt"
    )
    assert patch.observations == []
    seen = extractor.extract_text(
        "Patch CVE-2023-4966, which the actors exploited for initial access.", "r.txt"
    )
    assert [o.value for o in seen.observations] == ["CVE-2023-4966"]
    # Advice under a label is advice too.
    for text in (
        "Recommendations: patch CVE-2023-46805 and monitor for Mimikatz.",
        "Mitigation - Apply the fix for CVE-2024-21887.",
    ):
        assert extractor.extract_text(text, "r.txt").observations == [], text
    row = extractor.extract_text("| Disable or Modify Tools | Mimikatz |", "r.md")
    assert [o.value for o in row.observations] == ["S0002"]
    # A toolkit's script that no source lists is its toolkit (knowledge/programs.py).
    script = extractor.extract_text("The actors then ran Invoke-Mimikatz on the DC.", "r.txt")
    assert [o.value for o in script.observations] == ["S0002"]
    assert [(c, i, t) for c, i, _, t in extractor.lexicon.find("ran Invoke-Mimikatz")] == [
        ("software", "S0002", "Invoke-Mimikatz")
    ]


def test_victims_another_actor_is_said_to_have_attacked_are_not_this_intrusions(
    sources_kb: KnowledgeBase,
) -> None:
    text = "Unlike APT28, which attacked energy companies in Georgia, this cluster targeted banks in Kenya."
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert {o.value for o in found.observations if o.kind is ObservationKind.VICTIM} == {"KE", "financial"}


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        # A habit ends where the sentence turns back to this intrusion, or with its clause.
        (
            "APT28 typically deploys Helminth, but in this intrusion the actor used Mimikatz instead.",
            ["S0002"],
        ),
        ("APT28, known for Helminth, deployed Mimikatz on the servers.", ["S0002"]),
        ("APT28, which has previously targeted NATO members, deployed Mimikatz.", ["S0002"]),
        # The present tense of an advisory's own actor is what it does.
        ("APT28 uses Mimikatz and Helminth to maintain access.", ["S0002", "S0170"]),
        # A cue of absence stays in its clause, and a verb of detection ends it.
        ("Due to a lack of logging, the attacker's use of Mimikatz went unnoticed.", ["S0002"]),
        ("With no MFA enforced, the actors ran Helminth.", ["S0170"]),
        ("The antivirus neither blocked nor flagged Mimikatz.", ["S0002"]),
        ("Within an hour, with no further user interaction, Helminth dropped Mimikatz.", ["S0170", "S0002"]),
        ("The actor no longer uses Helminth, now deploying Mimikatz.", ["S0002"]),
        # A denial after the mention is about it only with the mention its subject.
        ("Mimikatz, which was not observed in prior incidents, was used to dump memory.", ["S0002"]),
        ("The Mimikatz binary was not found on disk because it was loaded into memory.", ["S0002"]),
        (
            "The actors used Helminth and Mimikatz, neither of which was identified by antivirus.",
            ["S0170", "S0002"],
        ),
        ("Helminth was observed, and Mimikatz was not.", ["S0170"]),
        # Unconfirmed: the clause after "whether" only.
        ("It is unknown if the actor had access before they deployed Mimikatz.", ["S0002"]),
        ("We could not determine whether data was exfiltrated, though Mimikatz was found.", ["S0002"]),
        # Lineage, and what only looks like it.
        ("The loader, built on the leaked Helminth code, dropped Mimikatz.", ["S0002"]),
        ("The incident evolved from the Helminth infection.", ["S0170"]),
        ("The dropper, not unlike Helminth, delivered Mimikatz.", ["S0002"]),
        (
            "The samples, not attributed in earlier reports, were linked to APT28, which deployed Mimikatz.",
            ["S0002"],
        ),
        # Hedges and hearsay, before or after the mention; "likely" is an assessment, not a hedge.
        ("We cannot exclude that Mimikatz was present.", []),
        ("It is possible that data left, perhaps using Helminth.", []),
        ("One source told reporters that the attackers used Mimikatz.", []),
        ("Helminth may have been used on the file server.", []),
        ("The actors likely used Mimikatz.", ["S0002"]),
        # What the sentence says another actor does, after an interjection.
        ("APT28, by contrast, commonly deploys Helminth.", []),
        ("APT28 has used Helminth and Mimikatz; neither played any role here.", []),
        ("Alert on the use of Mimikatz or Helminth.", []),
        ("It is unrelated to the Helminth loader or to Mimikatz.", []),
    ],
)
def test_what_a_sentence_says_of_a_mention_stays_in_its_clause(
    sources_kb: KnowledgeBase, text: str, taken: list[str]
) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations if o.kind is ObservationKind.SOFTWARE] == taken


def test_a_table_cell_no_says_what_its_column_means(sources_kb: KnowledgeBase, tmp_path: Path) -> None:
    table = tmp_path / "t.md"
    table.write_text(
        "| Tool | Used | Blocked by EDR |\n|---|---|---|\n| Mimikatz | Yes | No |\n", encoding="utf-8"
    )
    assert [o.value for o in TextExtractor(sources_kb).extract_file(table).observations] == ["S0002"]


def test_names_as_reports_write_them_plural_run_together_or_without_their_kind(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)
    found = extractor.extract_text("They sent spearphishing attachments, then ran MultiLayer.", "r")
    assert [o.value for o in found.observations] == ["T1566.001", "S1135"]
    assert [o.value for o in extractor.extract_text("The MultiLayerWiper sample ran.", "r").observations] == [
        "S1135"
    ]
    # Without its kind only where that is no English word: "multi layer" in prose is no wiper.
    assert extractor.extract_text("The defences were multi layer.", "r").observations == []


def test_techniques_as_intrusion_reports_commonly_write_them(
    sources_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unmask.extract.lexicon as lexicon_module
    from unmask.extract.vocabulary import PHRASES

    assert PHRASES["deleted shadow copies"] == "T1490" and PHRASES["mfa fatigue"] == "T1621"
    # How a ransomware advisory writes encryption, staging and exfiltration with named tools.
    assert PHRASES["encrypted file servers"] == "T1486" and PHRASES["staged with 7-zip"] == "T1560.001"
    assert PHRASES["exfiltrated with rclone"] == "T1567.002"
    assert all(
        phrase == phrase.lower() and re.fullmatch(r"T1\d{3}(\.\d{3})?", t) for phrase, t in PHRASES.items()
    )
    # The fixture KB lacks T1490; "T1485" stands in for a technique it holds.
    assert PHRASES["container escape"] == "T1611" and PHRASES["ld.so.preload"] == "T1574.006"
    assert PHRASES["cleared the bash history"] == "T1070.003" and PHRASES["over rdp"] == "T1021.001"
    vocabulary = {"wiped the disks": "T1485", "deleted shadow copies": "T1490", "ld.so.preload": "T1485"}
    monkeypatch.setattr(lexicon_module, "VOCABULARY", vocabulary)
    lexicon = Lexicon.from_kb(sources_kb, phrases={"wiped the disks": "T1003"})
    assert lexicon.phrases["wiped the disks"] == {"T1485"}  # over a learned phrase of the same words
    assert "deleted shadow copies" not in lexicon.phrases  # a technique the KB does not hold
    assert [i for c, i, _, _ in lexicon.find("The actors wiped the disks.") if c == "phrase"] == ["T1485"]
    # A system's own program names are names only when written as names ("the systemd unit").
    monkeypatch.setattr(lexicon_module, "SYSTEM_PROGRAMS", frozenset({"helminth"}))
    system = Lexicon.from_kb(sources_kb)
    assert system.find("They edited the helminth unit.") == []
    assert [i for c, i, _, _ in system.find("They ran Helminth on the host.") if c == "software"] == ["S0170"]
    # A file name in a phrase is read as the lexicon reads words (dots and all).
    assert [i for c, i, _, _ in lexicon.find("They wrote to /etc/ld.so.preload.") if c == "phrase"] == [
        "T1485"
    ]


def test_a_url_given_as_a_value_is_kept_whole() -> None:
    from unmask.detect.indicators import normalise

    # Only a URL found in prose or code loses the quote it was written in; a value is a value.
    assert normalise("url", "http://evil.example/x?q='a')") == "http://evil.example/x?q='a')"
    assert normalise("url", "http://evil.example/x?q=' OR 1=1]") is None  # a space: no URL at all


def test_long_lists_and_old_mac_line_ends_are_read_sentence_by_sentence(sources_kb: KnowledgeBase) -> None:
    from unmask.extract.text import LONG_SENTENCE, sentences

    # An appendix of one indicator per line, and a list on one line: pieces of about a sentence,
    # their offsets the text's.
    listed = "Indicators\n" + "\n".join(f"203.0.113.{i}" for i in range(1, 250))
    pieces = list(sentences(listed))
    assert len(pieces) > 200 and all(listed[at : at + len(text)] == text for at, text in pieces[1:])
    one_line = "They used " + ", ".join(f"198.51.100.{i % 250}" for i in range(600)) + "."
    assert all(len(text) <= LONG_SENTENCE for _, text in sentences(one_line))
    found = TextExtractor(sources_kb).extract_text(one_line, "r.txt")
    assert len([o for o in found.observations if o.subtype == "ip"]) == 250
    # Carriage returns alone end lines too: a table row's denial stays in its row.
    table = "| Tool | Note |\r|---|---|\r| Mimikatz | not observed |\r| Helminth | used |\r"
    assert [o.value for o in TextExtractor(sources_kb).extract_text(table, "r.md").observations] == ["S0170"]


def test_full_width_ids_are_read_as_ids(sources_kb: KnowledgeBase) -> None:
    found = TextExtractor(sources_kb).extract_text(
        "They exploited CVE-２０２３-２３３９７ and used Ｔ１００３.００１.", "r"
    )
    assert [o.value for o in found.observations] == ["CVE-2023-23397", "T1003.001"]


def test_a_crew_named_without_the_words_that_say_group_is_an_actor_named(sources_kb: KnowledgeBase) -> None:
    # "Ransom Crew" (tests/sources.py): "Ransom" names the crew; "Ransom 2.0", its payload, is software.
    extractor = TextExtractor(sources_kb)
    found = extractor.extract_text("The report names APT28 and Ransom as active groups.", "r")
    assert found.observations == [] and {a["id"] for a in found.actors} == {"G0007", "tidal:ransom-crew"}
    assert [o.value for o in extractor.extract_text("Ransom 2.0 was deployed.", "r").observations] == [
        "tidal:Ransom 2.0"
    ]


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("The address 104.168.165.173 was used by APT28 in an unrelated 2022 operation.", []),
        ("The actors beaconed to 104.168.165.173, which is not linked to this intrusion.", []),
        ("Defenders should block 104.168.165.173, an address used in a separate 2021 campaign.", []),
        ("In a separate incident at another customer, the actors beaconed to evil-cdn[.]com.", []),
        ("In a separate 2021 incident, the actors beaconed to 5.252.178.12.", []),
        # This intrusion's, whatever else the sentence denies or recalls.
        (
            "In the past 48 hours, the compromised host beaconed to 45.77.12.66 every five minutes.",
            ["45.77.12.66"],
        ),
        ("The attacker logged in without MFA from 45.77.12.75.", ["45.77.12.75"]),
        ("No MFA prompt was shown when the attacker logged in from 45.77.12.74.", ["45.77.12.74"]),
        ("The C2 at 45.77.12.71 was not found in any threat intelligence feed at the time.", ["45.77.12.71"]),
        (
            "The sign-in from 45.77.12.73 was not linked to this user's devices and came from the attacker.",
            ["45.77.12.73"],
        ),
        (
            "We previously observed the staging server at 45.77.12.64 earlier in this intrusion.",
            ["45.77.12.64"],
        ),
        (
            "The attacker exfiltrated data to 45.77.12.70, although an analysis of that server was outside the scope.",
            ["45.77.12.70"],
        ),
        # Each indicator judged where it is, as a whole value.
        (
            "Although 198.51.100.10 is not linked to this intrusion, the actors used 198.51.100.1 for C2.",
            ["198.51.100.1"],
        ),
        ("We found no traffic to 5.252.178.12 on any host.", []),
        # This intrusion's infrastructure, with its history: kept.
        ("The same server, 23.95.97.59, hosted APT28 phishing pages in 2021.", ["23.95.97.59"]),
        ("Defenders should block 104.168.165.173, which the actors used for C2.", ["104.168.165.173"]),
        ("The web shell it had previously installed called 45.77.65.211.", ["45.77.65.211"]),
    ],
)
def test_indicators_of_other_events_are_not_taken(
    sources_kb: KnowledgeBase, text: str, taken: list[str]
) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert [o.value for o in found.observations if o.kind is ObservationKind.INFRASTRUCTURE] == taken
    if not taken:
        assert any("not taken as evidence" in p for p in found.problems)


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("The attackers exploited a public-facing application to gain access.", {"T1190"}),
        ("The actors exploited CVE-2023-22515 in an internet-facing Confluence server.", {"T1190"}),
        ("The actors exploited CVE-2023-22515 on a file server they had reached.", set()),
        ("The actor exploited CVE-2023-23397 in Outlook; the victim had no internet-facing servers.", set()),
        ("The wiper overwrote the MBR of every workstation.", {"T1561.002"}),
        # A hand-written phrase is read beside a technique name of the same words.
        ("The actors sent emails with malicious links.", {"T1204.001", "T1566.002"}),
        # Linux and cloud intrusions, as reports write them.
        ("The actor queried the instance metadata service at 169.254.169.254.", {"T1552.005"}),
        ("They tried to disable CloudTrail logging with StopLogging.", {"T1562.008"}),
    ],
)
def test_how_reports_write_common_techniques(sources_kb: KnowledgeBase, text: str, taken: set[str]) -> None:
    found = TextExtractor(sources_kb).extract_text(text, "r.txt")
    assert {o.value for o in found.observations if o.kind is ObservationKind.TECHNIQUE} == taken


def test_a_name_several_actors_answer_to_is_reported_once_as_the_kb_reads_it(
    sources_kb: KnowledgeBase,
) -> None:
    found = TextExtractor(sources_kb).extract_text("Newscaster deployed Helminth.", "r.txt")
    expected = sources_kb.actor("Newscaster").id
    assert [a["id"] for a in found.actors] == [expected]


def test_a_name_that_is_a_folder_of_a_path_is_no_domain(kb: KnowledgeBase) -> None:
    text = (
        "Tokens were read from /var/run/secrets/kubernetes.io/serviceaccount/token and "
        "C:\\Users\\a\\update.microsoft.com\\x.exe; the payload came from https://evil-cdn.com/x "
        "and evil2.com."
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt")
    domains = {o.value for o in result.observations if o.subtype == "domain"}
    assert domains == {"evil-cdn.com", "evil2.com"}
    assert any("'kubernetes.io' is a folder of a file path" in p for p in result.problems)


def test_the_date_a_report_came_out_is_not_a_date_of_the_activity(kb: KnowledgeBase) -> None:
    text = (
        "# Report\nPublished 2025-03-20\nIn February 2025 the actors updated the implant on March 3, 2025.\n"
        "Last updated: March 22, 2025\n"
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.md")
    dates = [o.value for o in result.observations if o.kind is ObservationKind.TIMING]
    assert dates == ["2025-02", "2025-03-03"]
    assert any("2025-03-20 dates the report itself" in n for n in result.notes)
    labelled = "Date of publication: 15 December 2023. Report date: 2023-12-16. Seen in May 2023.\n"
    result = TextExtractor(kb, BENIGN).extract_text(labelled, "r.txt")
    assert [o.value for o in result.observations if o.kind is ObservationKind.TIMING] == ["2023-05"]
    # A range of months gives its first month too.
    ranged = "Between January and April 2024 they worked; from October to November 2023 they scanned.\n"
    result = TextExtractor(kb, BENIGN).extract_text(ranged, "r.txt")
    dates = [o.value for o in result.observations if o.kind is ObservationKind.TIMING]
    assert dates == ["2024-01", "2024-04", "2023-10", "2023-11"]
    # A date on the title line of a document that calls itself one dates the document.
    titled = "Partner advisory (TLP:AMBER) - March 2024\nIn February 2019 the actor used T1059.001.\n"
    result = TextExtractor(kb, BENIGN).extract_text(titled, "a.txt")
    assert [o.value for o in result.observations if o.kind is ObservationKind.TIMING] == ["2019-02"]
    # ... not a title that only names the activity, nor a document of one line.
    for text, dates in (
        ("Attacks on ministries in July 2022\nThe actor used T1059.001.\n", ["2022-07"]),
        (
            # (the advisory's own date is no activity's: "the advisory of March 2024", below)
            "In February 2019 the actor used T1059.001. The advisory says they came back in March 2024.",
            ["2019-02", "2024-03"],
        ),
        # a first line that is a sentence ("memory" and "noticed" are no memo or notice)
        ("In March 2024 the actor dumped LSASS memory.\nLater they left.\n", ["2024-03"]),
        ("The group was first noticed in March 2024\nand it went on.\n", ["2024-03"]),
        # a heading run on into the next line: the line's own date is still the activity's
        ("Partner advisory - March 2024\nIn March 2024 the actor used T1059.001.\n", ["2024-03"]),
        # a heading padded with spaces: the next line's date is still read
        ("INCIDENT REPORT          2024-03-01\nOn 2024-02-10 the actor used T1078.\n", ["2024-02-10"]),
        # a wrapped first sentence goes on in lower case: no heading
        (
            "This report covers the intrusion first seen on 2024-02-10 when the\nactor used T1078.\n",
            ["2024-02-10"],
        ),
    ):
        result = TextExtractor(kb, BENIGN).extract_text(text, "b.txt")
        assert [o.value for o in result.observations if o.kind is ObservationKind.TIMING] == dates


def test_a_range_of_days_gives_its_first_day_too(kb: KnowledgeBase) -> None:
    text = (
        "Between 2 and 9 March 2026 the actors moved laterally. The intrusion ran from 28 February "
        "to 3 March 2025. Version 2 of the tool ran on 9 April 2024. The wiper ran on "
        "July 14-16, 2023.\n"
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt")
    dates = [o.value for o in result.observations if o.kind is ObservationKind.TIMING]
    assert dates == [
        "2026-03-02",
        "2026-03-09",
        "2025-02-28",
        "2025-03-03",
        "2024-04-09",
        "2023-07-14",
        "2023-07-16",
    ]


def test_a_section_on_earlier_activity_is_not_read_and_one_of_advice_is_advice(kb: KnowledgeBase) -> None:
    technique = kb.techniques["T1301"].name
    software = kb.software["S0301"].name
    text = (
        "# Incident report\n\n"
        f"In March 2024 the intruders used {technique}.\n\n"
        "## Earlier activity\n\n"
        f"In 2019 the actor deployed {software} against banks in Norway and exploited CVE-2019-0604.\n\n"
        "## Indicators\n\n"
        "The actors used 185.220.101[.]7 for control.\n\n"
        "## Mitigations\n\n"
        "Patch CVE-2023-23397, which other actors have exploited, and hunt for logins since 1 February 2024.\n"
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt")
    values = [o.value for o in result.observations]
    assert values == ["T1301", "2024-03", "185.220.101.7"]
    assert any(
        "in the section 'Earlier activity', about earlier activity; not read" in n for n in result.notes
    )
    assert any("'CVE-2023-23397' is in a recommendation" in n for n in result.notes)
    # A heading that says more than "earlier activity", and a hard-wrapped line, begin no history.
    for heading in (
        "## Previous activity observed in this intrusion",
        "Unlike previous campaigns, the actors",
    ):
        kept = text.replace("## Earlier activity", heading)
        assert "S0301" in [
            o.value for o in TextExtractor(kb, BENIGN).extract_text(kept, "r.txt").observations
        ]
    # A comparison with other intrusions is no history: it may come back to this one.
    compared = text.replace("## Earlier activity", "## How this compares with other intrusions")
    assert "S0301" in [
        o.value for o in TextExtractor(kb, BENIGN).extract_text(compared, "r.txt").observations
    ]


def test_an_indicator_the_report_says_is_not_linked_to_this_intrusion_is_not_taken(kb: KnowledgeBase) -> None:
    text = (
        "The address 104.168.175[.]84 was used by another group in 2021; it is not linked to this intrusion.\n\n"
        "| Indicator | Description |\n|---|---|\n| 104.168.175[.]85 | Used by another group in 2021; not linked to this intrusion |\n"
        "| 104.168.175[.]87 | C2 of the loader |\n\n"
        "The actors used 185.220.101[.]8, but 185.220.101[.]9 is not linked to this intrusion.\n"
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt")
    assert [o.value for o in result.observations] == ["104.168.175.87", "185.220.101.8"]
    other = "The actor sent data to 185.220.101.4, while 45.137.22.9 is not linked to this intrusion.\n"
    assert [o.value for o in TextExtractor(kb, BENIGN).extract_text(other, "r.txt").observations] == [
        "185.220.101.4"
    ]


def test_the_parts_of_an_email_address_are_no_domains(kb: KnowledgeBase) -> None:
    text = "Contact akira.support@onionmail[.]org for keys. The C2 was onionmail[.]org, mail a@onionmail[.]org.\n"
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt")
    # the mail domain stays one (an actor's own is worth blocking); the name before "@" is none
    assert {(o.subtype, o.value) for o in result.observations} == {
        ("email", "akira.support@onionmail.org"),
        ("domain", "onionmail.org"),
        ("email", "a@onionmail.org"),
    }


def test_version_numbers_written_like_addresses_are_not_addresses(kb: KnowledgeBase) -> None:
    for text, addresses in (
        ("The appliance ran FortiOS 6.1.12.4 when compromised.", []),
        ("Affected: PAN-OS 10.2.3.1 and earlier.", []),
        ("Versions 6.0.1 and 6.1.12.4 are affected.", []),
        ("Upgrade builds prior to 7.2.5.1 now.", []),
        ("Cisco IOS XE 17.3.1.2 was exploited.", []),
        ("The traffic was proxied through 45.77.12.75 before 45.77.12.76.", ["45.77.12.75", "45.77.12.76"]),
        ("C2 at 45.77.12.75 and 45.77.12.76 was used.", ["45.77.12.75", "45.77.12.76"]),
        ("They used 6.1.12.4 for C2.", ["6.1.12.4"]),
        ("The actor connected from 45.77.12.75 and later from 45.77.12.76.", ["45.77.12.75", "45.77.12.76"]),
        ("Traffic over TLS 1.2 to 45.77.12.75 was seen.", ["45.77.12.75"]),
        ("At 14.32 and 45.77.12.75 was contacted.", ["45.77.12.75"]),
    ):
        result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt")
        assert [
            o.value for o in result.observations if o.kind is ObservationKind.INFRASTRUCTURE
        ] == addresses, text


def test_ranges_written_month_first_and_ordinal_days(kb: KnowledgeBase) -> None:
    text = (
        "Between October 3 and October 17, 2023 the actors moved laterally. They staged data from "
        "September 28th to October 3rd, 2023. The wiper ran on the 5th of May 2024 and on 1st June "
        "2024. Item 2 of March 2022 lists no day. The logs of Sat 17 Feb 2024 and of Sept. 2023 survived, "
        "and the actors returned on Oct. 9, 2024. The beacon listened on port Dec 8080 and SEP 14 2023 was "
        "installed.\n"
    )
    result = TextExtractor(kb, BENIGN).extract_text(text, "r.txt")
    dates = [o.value for o in result.observations if o.kind is ObservationKind.TIMING]
    assert dates == [
        "2023-10-03",
        "2023-10-17",
        "2023-09-28",
        "2024-05-05",
        "2024-06-01",
        "2022-03",
        "2024-02-17",
        "2023-09",
        "2024-10-09",
    ]


def test_a_month_dates_the_activity_span(kb: KnowledgeBase) -> None:
    from unmask.export.resolved import activity_span

    case = Case(
        "c",
        "c",
        observations=[
            Observation(ObservationKind.TIMING, "2025-02"),
            Observation(ObservationKind.TIMING, "2025-03-03"),
        ],
    )
    assert activity_span(case) == "2025-02-01 to 2025-03-03"
    # A month that ends the span ends it on its last day, as last_seen does.
    case.observations.append(Observation(ObservationKind.TIMING, "2025-09"))
    assert activity_span(case) == "2025-02-01 to 2025-09-30"


def test_reading_a_report_says_how_far_it_is(kb: KnowledgeBase) -> None:
    text = "The intruders ran T1301. " * 5_000
    seen: list[tuple[str, int, int]] = []
    TextExtractor(kb, BENIGN).extract_text(text, "folder/r.txt", progress=lambda *a: seen.append(a))
    assert seen[0] == ("reading r.txt (characters)", 0, len(text)) and seen[-1][1:] == (len(text), len(text))
    assert len(seen) > 2 and [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)


def test_extracting_into_a_case_lists_what_it_added(kb: KnowledgeBase, tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("The intruders used 185.220.101[.]8 for control.\n")
    second.write_text("They later used 185.220.101[.]9 and 185.220.101[.]10 for control.\n")
    assert runner.invoke(app, ["extract", str(first), "--case", str(tmp_path / "c")]).exit_code == 0
    added = runner.invoke(app, ["extract", str(second), "--case", str(tmp_path / "c")], terminal_width=200)
    assert added.exit_code == 0, added.output
    assert "2 new observations (3 in the case)" in added.stdout
    assert "185.220.101.9" in added.stdout and "185.220.101.8" not in added.stdout


def test_a_report_writing_a_dashed_sub_technique_means_the_sub_technique(sources_kb: KnowledgeBase) -> None:
    found = TextExtractor(sources_kb).extract_text("The actor used T1003-001 to read credentials.", "r.txt")
    assert [o.value for o in found.observations if o.kind is ObservationKind.TECHNIQUE] == ["T1003.001"]


def test_an_id_written_after_a_name_says_which_technique_it_is(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb, BENIGN)
    text = "The first lure was a Spearphishing Attachment (T1566.002) that pointed to a site."
    cited = extractor.extract_text(text, "a.txt")
    techniques = [o.value for o in cited.observations if o.kind is ObservationKind.TECHNIQUE]
    assert "T1566.001" not in techniques and "T1566.002" in techniques
    assert any("but the id written after it is T1566.002; not taken" in n for n in cited.notes)
    # A name without an id of its own is read as it is, beside another one's id.
    both = extractor.extract_text(
        "They sent a Spearphishing Attachment (T1566.001) and a Spearphishing Link.", "c.txt"
    )
    assert [o.value for o in both.observations if o.kind is ObservationKind.TECHNIQUE] == [
        "T1566.001",
        "T1566.002",
    ]
    # An id after "and a ..." is the later object's, not the earlier name's.
    two = extractor.extract_text("They sent a Spearphishing Attachment and a link (T1566.002).", "e.txt")
    assert [o.value for o in two.observations if o.kind is ObservationKind.TECHNIQUE] == [
        "T1566.001",
        "T1566.002",
    ]
    denied = extractor.extract_text("They used a Spearphishing Link, not T1566.001.", "d.txt")
    assert [o.value for o in denied.observations if o.kind is ObservationKind.TECHNIQUE] == ["T1566.002"]
    # A parent cited alone is refined by the name, not contradicted.
    parent = extractor.extract_text("They dumped LSASS Memory (T1003) on the server.", "b.txt")
    assert "T1003.001" in [o.value for o in parent.observations if o.kind is ObservationKind.TECHNIQUE]


def test_stix_and_misp_inputs_with_lone_surrogates_are_read_as_replacement_text(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    stix = tmp_path / "s.json"
    stix.write_text(
        '{"type":"bundle","id":"bundle--1","objects":[{"type":"malware","id":"malware--1","name":"Mimi\\ud800katz"},'
        '{"type":"indicator","id":"indicator--1","pattern":"[domain-name:value = \'ev\\udfffil.com\']",'
        '"pattern_type":"stix"}]}'
    )
    misp = tmp_path / "m.json"
    misp.write_text(
        '{"Event":{"info":"x \\ud800","Attribute":[{"type":"ip-dst","value":"45.77.12.75","comment":"\\udfff"}]}}'
    )
    result = extract_inputs([stix, misp], kb)
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    text.encode("utf-8")  # what `extract --case` writes and the terminal prints
    assert "\ufffd" in text and not result.failed


def test_extract_into_a_case_another_run_holds_exits_2_and_writes_nothing(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unmask.cases import directory

    report = tmp_path / "r.txt"
    report.write_text("The actors contacted 203.0.113.77 and used T1059.001.\n")
    case = tmp_path / "c"
    monkeypatch.setattr(directory, "LOCK_WAIT_SECONDS", 0.2)
    with directory.case_lock(case):
        result = runner.invoke(app, ["extract", str(report), "--case", str(case)])
        assert result.exit_code == 2 and "in use by another unmask run" in result.output
        assert not (case / "case.json").exists()
    assert runner.invoke(app, ["extract", str(report), "--case", str(case)]).exit_code == 0


def test_a_misp_galaxy_cluster_without_a_value_is_skipped_with_a_note() -> None:
    from unmask.extract.misp import case_from_misp, misp_actor_names

    event = {
        "Event": {
            "info": "x",
            "Attribute": [{"type": "ip-dst", "value": "45.77.12.75"}],
            "Galaxy": [
                {
                    "type": "mitre-attack-pattern",
                    "GalaxyCluster": [{"value": None}, {"value": "Phishing - T1566"}],
                },
                {"type": "threat-actor", "GalaxyCluster": [{"value": None}]},
            ],
        }
    }
    case = case_from_misp(event, "e.json", "e")
    assert [o.value for o in case.observations if o.kind is ObservationKind.TECHNIQUE] == ["T1566"]
    assert any("a cluster without a value; skipped" in note for note in case.notes)
    assert misp_actor_names(event) == []


def test_terminal_escapes_in_a_report_are_not_read_into_values(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = tmp_path / "console.txt"
    # A pasted console log: colour codes around a domain, and a reset code just before ".com".
    report.write_text("The beacon reached \x1b[31mevil-c2.example.org\x1b[0m and then\x1b[0m.com again.\n")
    result = extract_inputs([report], kb)
    values = {o.value for o in result.case.observations}
    assert "evil-c2.example.org" in values
    assert not any("0m" in v or "\x1b" in v for v in values)
    found = next(o for o in result.case.observations if o.value == "evil-c2.example.org")
    assert found.provenance is not None and found.provenance.text is not None
    assert "\x1b" not in found.provenance.text
    # A window title cut off (no BEL) blanks its ESC ] only, not the rest of the report.
    report.write_text("Console: \x1b]0;title\nThe beacon reached evil-c2.example.org.\n")
    assert "evil-c2.example.org" in {o.value for o in extract_inputs([report], kb).case.observations}
    # A character set chosen (ESC ( B, as tput sgr0 writes it) is no part of the name after it.
    report.write_text("Beacons went to \x1b(Bupdate-cdn.net and \x1b#8x.example.org.\n")
    values = {o.value for o in extract_inputs([report], kb).case.observations}
    assert {"update-cdn.net", "x.example.org"} <= values and "bupdate-cdn.net" not in values


def test_phishing_and_credential_dumping_as_reports_write_them(sources_kb: KnowledgeBase) -> None:
    from unmask.extract.vocabulary import PHRASES

    # The fixture KB lacks T1566 (Phishing): its phrases are checked here, read below where it can.
    assert {PHRASES[p] for p in ("spear-phishing emails", "spearphishing", "phishing campaign")} == {"T1566"}
    extractor = TextExtractor(sources_kb)
    said = "In May 2024 the operators sent spear-phishing emails and used Mimikatz for credential dumping."
    assert [
        o.value for o in extractor.extract_text(said, "r").observations if o.kind.value == "technique"
    ] == ["T1003"]
    found = extractor.extract_text("They sent emails with malicious attachments.", "r").observations
    assert [o.value for o in found] == ["T1566.001"]


def test_a_program_named_like_a_person_beside_a_role_is_the_person(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)  # the fixture's S0170 is Helminth
    for said in (
        "Helminth from the SOC isolated the host.",
        "Helminth, our network administrator, noticed the alert.",
        "It was escalated by Helminth (incident responder).",
    ):
        found = extractor.extract_text(said, "r")
        assert found.observations == [] and "names a person here" in found.notes[-1], said
    for said in (
        "The attackers loaded Helminth from the staging server.",
        "They used Helminth, the tool of the operators, to persist.",
    ):
        assert [o.value for o in extractor.extract_text(said, "r").observations] == ["S0170"], said


def test_a_day_without_its_year_takes_the_year_of_the_date_before_it(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)

    def timing(text: str) -> list[tuple[str, float]]:
        found = extractor.extract_text(text, "r").observations
        return [(o.value, o.confidence) for o in found if o.kind.value == "timing"]

    said = (
        "On 12 March 2024 the SOC found a web shell. On March 14 the actors left. By the 20th of March, gone."
    )
    assert timing(said) == [("2024-03-12", 0.5), ("2024-03-14", 0.4), ("2024-03-20", 0.4)]
    # Over the turn of a year; a range whose last end names its year is read once, with it.
    assert timing("It began on December 30, 2023. On January 2 the actors returned.") == [
        ("2023-12-30", 0.5),
        ("2024-01-02", 0.4),
    ]
    assert [v for v, _ in timing("From 28 February to 3 March 2026 the actor scanned.")] == [
        "2026-02-28",
        "2026-03-03",
    ]
    # With no date before it there is no year to take: a note says so.
    alone = extractor.extract_text("On March 14 the attackers exfiltrated data.", "r")
    assert alone.observations == [] and "no date before it" in alone.notes[-1]
    # Not a verb, not a product in capitals, not a deadline in advice.
    assert timing("In March 2024 users may 5 times retry. The SEP 14 agent failed. Patch by March 31.") == [
        ("2024-03", 0.5)
    ]


def test_sections_not_about_the_intrusion_are_not_read(sources_kb: KnowledgeBase, tmp_path: Path) -> None:
    extractor = TextExtractor(sources_kb)
    text = (
        "The actor ran Mimikatz on 2 May 2024.\n\n## References\n\n"
        "1. Vendor, Helminth report. https://zorbax-research.net/helminth (on CVE-2023-20269)\n"
        "2. Another vendor: https://qwert-labs.org/blog\n\n"
        "## Revision history\n\n12 March 2025: Initial version.\n\n"
        "## Contact information\n\nE-mail soc@qwert-agency.org.\n\n"
        "## Persistence\n\nThey added a Run key.\n"
    )
    found = extractor.extract_text(text, "r")
    assert [o.value for o in found.observations] == ["S0002", "2024-05-02"]
    for heading in ("References", "Revision history", "Contact information"):
        assert any(f"section {heading!r}, not about the intrusion" in n for n in found.notes), heading
    # A report in HTML has its headings read as headings.
    page = tmp_path / "r.html"
    page.write_text(
        "<p>The actor ran Mimikatz.</p><h2>References</h2><ol><li>https://zorbax-research.net/x</li></ol>",
        encoding="utf-8",
    )
    assert [o.value for o in extractor.extract_file(page).observations] == ["S0002"]


def test_a_table_header_names_columns_not_actors(sources_kb: KnowledgeBase, tmp_path: Path) -> None:
    extractor = TextExtractor(sources_kb)
    table = "| Type | Value | Newscaster |\n|---|---|---|\n| IP | 203.0.113.9 | C2 |\n"
    found = extractor.extract_text(table, "r")
    assert found.actors == [] and [o.value for o in found.observations] == ["203.0.113.9"]
    assert "heads a table's column" in found.notes[-1]
    page = tmp_path / "t.html"
    page.write_text(
        "<table><tr><th>Type</th><th>Newscaster</th></tr><tr><td>IP</td><td>203.0.113.9</td></tr></table>",
        encoding="utf-8",
    )
    assert extractor.extract_file(page).actors == []
    # Without the rule under it a row is a row: the actor is named.
    assert [a["name"] for a in extractor.extract_text("| Actor | Newscaster |\n", "r").actors] == [
        "Newscaster"
    ]


def test_where_to_report_is_no_indicator(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)
    said = (
        "For questions, contact the Operations Center at report@qwert-agency.org or report incidents to "
        "the NCSC at https://report.qwert-agency.org/. Please inform CERT-XX by email cert@qwert-cert.org."
    )
    found = extractor.extract_text(said, "r")
    assert found.observations == [] and any("where to report" in n for n in found.notes)
    # What the implant contacted, or what the actor used to write, is the actor's.
    said = "The implant contacted hxxps://zorbax-cdn[.]net/c2; the actor used hr@qwertmail.org to contact victims."
    values = {o.value for o in extractor.extract_text(said, "r").observations}
    assert {"https://zorbax-cdn.net/c2", "hr@qwertmail.org"} <= values
    # A ransom note's "write to" an address at a mail service that hides who writes: the actors'.
    said = "Or write to email: medusa.support.team@onionmail.org or medusa.help@cock.li"
    values = {o.value for o in extractor.extract_text(said, "r").observations}
    assert {"medusa.support.team@onionmail.org", "medusa.help@cock.li"} <= values


def test_dates_as_reports_write_them_and_dates_that_are_not_the_activity(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)

    def timing(text: str) -> list[str]:
        return [o.value for o in extractor.extract_text(text, "r").observations if o.kind.value == "timing"]

    # Day first with dots (most of Europe), year first with slashes; not a version.
    assert timing("From 03.02.2025 to 14.02.2025 phishing; on 2025/02/12 a wiper; build 1.03.02.2025.") == [
        "2025-02-03",
        "2025-02-14",
        "2025-02-12",
    ]
    assert timing("On 31.13.2024 nothing, which is no date.") == []
    # A numbered day of a report's narrative is no range's first day.
    assert timing("## Day 1 - 15 April 2024\n\nThe actor logged in.") == ["2024-04-15"]
    # A byline's date is the report's; a program's or group's age is not the intrusion's.
    found = extractor.extract_text(
        "Posted by the DFIR team, 3 June 2024\n\nOn 1 June 2024 they ran Mimikatz.", "r"
    )
    assert [o.value for o in found.observations if o.kind.value == "timing"] == ["2024-06-01"]
    assert timing("Helminth has been active since March 2023. In March 2025 it hit a firm.") == ["2025-03"]


def test_a_lead_in_line_keeps_its_section_and_a_date_of_issue_is_the_reports(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)
    text = (
        "Date of issue: 21.02.2025\n\nOn 03.02.2025 the actor ran Mimikatz.\n\n4. Recommendations\n\n"
        "CERT-XX is recommending to the institutions:\n\n- to search the logs from 01.01.2025;\n"
        "- to patch CVE-2023-38831, which was exploited by this group in 2023.\n"
    )
    found = extractor.extract_text(text, "r")
    assert [o.value for o in found.observations] == ["S0002", "2025-02-03"]


def test_an_account_technique_in_the_singular(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)

    def techniques(said: str) -> list[str]:
        return [o.value for o in extractor.extract_text(said, "r").observations]

    # Valid Accounts: Domain Accounts is written in the singular too; the words around it choose.
    assert techniques("The actors moved laterally using a valid domain account.") == ["T1078.002"]
    assert techniques("They enumerated domain accounts with net group.") == ["T1087.002"]


def test_a_date_in_a_short_quotation_is_the_lures_not_the_intrusions(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)
    said = 'On 03.02.2025 staff received e-mails with the subject "Kvietimas į pasitarimą 17.02.2025".'
    found = extractor.extract_text(said, "r")
    assert [o.value for o in found.observations] == ["2025-02-03"]
    assert "2025-02-17 in a quotation" in found.notes[-1]
    # A long quotation is someone's account, read as any sentence.
    quoted = '"We saw the actor move to the file servers on 4 May 2024, two days after the phishing," the CISO said.'
    assert [o.value for o in extractor.extract_text(quoted, "r").observations] == ["2024-05-04"]


def test_what_the_review_of_the_new_rules_found(sources_kb: KnowledgeBase) -> None:
    from unmask.extract.dates import in_year_of

    extractor = TextExtractor(sources_kb)

    def values(said: str) -> list[str]:
        return [o.value for o in extractor.extract_text(said, "r").observations]

    # The victim's own IT staff: what the cue is said of, not what comes after it in the sentence.
    assert values("Although Helminth is installed by the IT department, the actors ran Mimikatz.") == [
        "S0002"
    ]
    assert values("Mimikatz was found on the server used by the IT team.") == ["S0002"]
    assert values("The laptop used by the IT staff beaconed to 203.0.113.9 every minute.") == ["203.0.113.9"]
    assert values("Helminth, used by the IT team for patching, was seen.") == []
    # ... and a line of addresses after such a cue is read (its pattern backtracked without end on
    # ten of them): those the cue's list holds are the staff's, the rest and Mimikatz the actor's.
    line = "Hosts used by the IT staff: " + " ".join(f"5.6.7.{i}" for i in range(40)) + " then Mimikatz ran."
    found = values(line)
    assert "S0002" in found and "5.6.7.0" not in found and "5.6.7.39" in found
    # "Not malicious" said of another thing in a clause of its own leaves the address the actor's.
    said = "The script fetched a tool from 198.51.100.23; the tool itself is not malicious, and the actors used it."
    assert "198.51.100.23" in values(said)
    assert "203.0.113.5" in values(
        "The loader beacons to 203.0.113.5 and the traffic was mostly benign looking."
    )
    # A day without its year, the nearer way round the turn of a year; a day after "since" is a date.
    assert in_year_of(12, 28, (2024, 1)) == "2023-12-28" and in_year_of(1, 2, (2023, 12)) == "2024-01-02"
    assert values("The actors remained active since 3 March 2024 on the file server.") == ["2024-03-03"]
    # A quoted account keeps its date; a lure's subject does not.
    assert values('The victim said the breach "began on 12 March 2024" after a phishing e-mail.') == [
        "2024-03-12"
    ]
    # What a lure said is no address of the report's, and other events end where this one's clause begins.
    lure = (
        "The phishing e-mail said employees should contact the IT help desk at it-support-portal[.]net, "
        "a domain the actors registered."
    )
    assert "it-support-portal.net" in values(lure)
    assert values("This activity shares similarities with earlier campaigns and deployed Mimikatz.") == [
        "S0002"
    ]
    assert "S0002" in values("Some actors in the intrusion ran Mimikatz, while others watched.")


def test_lines_of_blanks_and_long_capitalised_words_are_read_in_one_pass(sources_kb: KnowledgeBase) -> None:
    from unmask.detect.indicators import valid_pattern
    from unmask.extract.victims import _TOPIC_AFTER

    extractor = TextExtractor(sources_kb)
    # A table's row above a line of blanks (PDF and HTML conversion leave them): no rule under it,
    # so a row; the blanks once backtracked in the square of their number for every such row.
    found = extractor.extract_text("| Tool | Newscaster |\n" + " " * 50_000 + "\nMimikatz was used.\n", "r")
    assert [a["name"] for a in found.actors] == ["Newscaster"] and [o.value for o in found.observations] == [
        "S0002"
    ]
    # A country before a long word of capitals is no topic of study (it split that word every way).
    assert _TOPIC_AFTER.match("Iran " + "Ab" * 10_000) is None
    assert _TOPIC_AFTER.match("North Korea specialists") and _TOPIC_AFTER.match("Iran's nuclear policy")
    # A STIX pattern's long run without a colon is no comparison, found in one pass.
    assert not valid_pattern("[file:name = 'a'] AND " + "a-" * 20_000)
    # A long run of words after a cue of attribution, and many dates after it, are read in one pass.
    from unmask.extract.dates import _STATED, sentence_dates

    assert _STATED.search("attributed" + " it" * 25_000 + " in") is None  # six words at most
    assert sentence_dates("attributed it in March 2024, " * 2_000)[2] == ["2024-03"] * 2_000


def test_credential_theft_injection_and_exfiltration_as_reports_narrate_them(
    sources_kb: KnowledgeBase,
) -> None:
    from unmask.extract.vocabulary import PHRASES

    extractor = TextExtractor(sources_kb)
    found = extractor.extract_text("They ran sekurlsa::logonpasswords on the server.", "r").observations
    assert "T1003.001" in {o.value for o in found}
    # (techniques the fixture KB lacks: their phrases)
    assert PHRASES["injected shellcode"] == PHRASES["injects itself into"] == "T1055"
    assert PHRASES["browser credentials"] == "T1555.003" and PHRASES["exfiltrated over sftp"] == "T1048"


def test_discovery_commands_and_an_attachment_by_its_kind_of_file(sources_kb: KnowledgeBase) -> None:
    from unmask.extract.vocabulary import PHRASES

    extractor = TextExtractor(sources_kb)

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    assert "T1566.001" in techniques("A user opened a ZIP attachment named Invoice_0415.zip.")
    assert "T1087.002" in techniques("They ran `net user /domain` on the host.")
    # a switch after the command makes it change what it lists: "/add" creates the account
    assert "T1087.002" not in techniques("They ran net user /domain svc_backup P@ss1 /add.")
    # (techniques the fixture KB lacks: the commands' table)
    assert PHRASES["net view"] == "T1018" and PHRASES["net share"] == "T1135"
    assert PHRASES['net group "domain admins"'] == "T1069.002"
    assert PHRASES["net localgroup administrators"] == "T1069.001" and PHRASES["arp -a"] == "T1018"
    assert PHRASES["ipconfig /all"] == "T1016" and PHRASES["systeminfo"] == "T1082"
    assert PHRASES["tasklist"] == "T1057" and PHRASES["quser"] == PHRASES["query user"] == "T1033"


def test_padding_with_junk_data_is_binary_padding_not_c2_junk_data(sources_kb: KnowledgeBase) -> None:
    from dataclasses import replace

    # (techniques the fixture KB lacks)
    for tid, name in (("T1027.001", "Binary Padding"), ("T1001.001", "Junk Data")):
        sources_kb.techniques[tid] = replace(sources_kb.techniques["T1003"], id=tid, name=name)
    extractor = TextExtractor(sources_kb)
    found = extractor.extract_text("The LNK files were padded with junk data to evade scanners.", "r")
    assert [o.value for o in found.observations] == ["T1027.001"]
    assert [
        o.value
        for o in extractor.extract_text("The beacon adds junk data to its C2 traffic.", "r").observations
    ] == ["T1001.001"]


def test_net_view_of_a_host_lists_its_shares_and_alone_the_networks_computers(
    sources_kb: KnowledgeBase,
) -> None:
    from dataclasses import replace

    # (techniques the fixture KB lacks)
    for tid, name in (("T1018", "Remote System Discovery"), ("T1135", "Network Share Discovery")):
        sources_kb.techniques[tid] = replace(sources_kb.techniques["T1003"], id=tid, name=name)
    extractor = TextExtractor(sources_kb)

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    assert techniques("The operator ran net view to list the domain's computers.") == {"T1018"}
    assert techniques("Then `net view \\\\FS01 /all` listed the file server's shares.") == {"T1135"}
    assert techniques("net share") == {"T1135"}


def test_a_learned_phrase_of_masquerading_needs_a_word_of_passing_for_something(
    sources_kb: KnowledgeBase,
) -> None:
    from dataclasses import replace

    # (a technique the fixture KB lacks, and the phrase the installed KB learns for it)
    sources_kb.techniques["T1036.004"] = replace(
        sources_kb.techniques["T1003.001"], id="T1036.004", name="Masquerade Task or Service", parent=None
    )
    extractor = TextExtractor(sources_kb, phrases={"legitimate service": "T1036.004"})

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    assert techniques("Data was exfiltrated to the legitimate service webhook[.]site.") == set()
    assert techniques("The implant was named srvdll.dll to appear as a legitimate service.") == {"T1036.004"}
    assert techniques("It registered itself to masquerade as a legitimate service.") == {"T1036.004"}


def test_a_learned_phrase_of_removing_indicators_that_names_only_the_logs_needs_a_word_of_erasing(
    sources_kb: KnowledgeBase,
) -> None:
    from dataclasses import replace

    sources_kb.techniques["T1070.001"] = replace(
        sources_kb.techniques["T1003.001"], id="T1070.001", name="Clear Windows Event Logs", parent=None
    )
    extractor = TextExtractor(sources_kb, phrases={"windows event logs": "T1070.001"})

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    assert techniques("We analysed Windows event logs from 41 servers and EDR telemetry.") == set()
    assert techniques("The actor cleared the Windows event logs before leaving.") == {"T1070.001"}
    assert techniques("Windows event logs were wiped on both servers.") == {"T1070.001"}


def test_multi_factor_authentication_the_victim_lacked_is_no_modification_of_it(
    sources_kb: KnowledgeBase,
) -> None:
    from dataclasses import replace

    sources_kb.techniques["T1556.006"] = replace(
        sources_kb.techniques["T1003.001"], id="T1556.006", name="Multi-Factor Authentication", parent=None
    )
    extractor = TextExtractor(sources_kb)

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    lacked = "The account had never been disabled and was not protected by multi-factor authentication."
    assert techniques(lacked) == set()
    assert (
        techniques("The account had been disabled, yet worked without multi-factor authentication.") == set()
    )
    assert techniques("The actors disabled multi-factor authentication for the account.") == {"T1556.006"}


def test_an_actors_name_that_is_english_and_begins_a_products_name_names_no_actor(
    sources_kb: KnowledgeBase,
) -> None:
    # ("Cleaver", G0003 in tests/sources.py, as "Equation" is G0020 beside Office's Equation Editor)
    extractor = TextExtractor(sources_kb)

    def actors(text: str) -> list[str]:
        return [a["id"] for a in extractor.extract_text(text, "r").actors]

    assert actors("The RTF document exploits the Office Cleaver Editor vulnerability CVE-2017-11882.") == []
    assert actors("Cleaver used the same implant, as did the Cleaver Group.") == ["G0003"]
    assert actors("The report attributes it to Cleaver. Later samples differ.") == ["G0003"]


def test_a_shared_program_name_in_a_heading_in_capitals_is_read_by_the_kind_after_it_or_not_at_all(
    sources_kb: KnowledgeBase,
) -> None:
    from unmask.knowledge.records import SoftwareRecord

    # (as ATT&CK's Medusa bot, S1220, and Medusa Ransomware, S1244)
    sources_kb.software["S9911"] = SoftwareRecord("S9911", "Quokka", "malware")
    sources_kb.software["S9912"] = SoftwareRecord("S9912", "Quokka Ransomware", "malware")
    lexicon = Lexicon.from_kb(sources_kb)

    def software(text: str) -> list[str]:
        return [i for kind, i, _, _ in lexicon.find(text) if kind == "software"]

    assert software("LEAK-SITE ANALYSIS: QUOKKA EXTORTION OF A REGIONAL HOSPITAL GROUP") == ["S9912"]
    assert software("AN ANALYSIS OF QUOKKA AND ITS OPERATORS") == []
    assert software("The QUOKKA ransomware encrypted the servers.") == ["S9912"]
    assert software("Then Quokka ran again.") == ["S9911"]


def test_a_flaw_or_tool_abused_widely_since_a_month_is_background_not_this_intrusions_date(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)

    def timing(text: str) -> list[str]:
        return [o.value for o in extractor.extract_text(text, "r").observations if o.kind.value == "timing"]

    background = "They exploited CVE-2024-40766, a flaw in SonicOS that affiliates have abused widely since August 2024."
    assert timing(background) == []
    assert timing("The flaw has been exploited by many threat actors since August 2024.") == []
    # what was done in this intrusion since then is its date
    assert timing("The actor has had access to the network since August 2024.") == ["2024-08"]


def test_an_incident_reports_client_and_what_was_stolen_from_it_name_the_victim(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)

    def victims(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.VICTIM}

    assert victims("Client: Harbor & Lane Health, a private hospital group in Australia.") == {
        "AU",
        "healthcare",
    }
    assert victims("**Client:** a private bank in Norway.") == {"NO", "financial"}
    assert victims("The client is a hospital group in Australia.") == {"AU", "healthcare"}
    # what was stolen may take many words before "from"
    assert victims("The actor stole about 40 GB of patient billing data from the hospital group.") == {
        "healthcare"
    }
    assert victims("The VPN client: FortiClient, installed in Germany.") == set()
    # in an apposition, and whose machine or where an infection was found
    assert victims(
        "The client, a logistics company headquartered in Norway, engaged our team after its servers were encrypted."
    ) == {"NO", "transportation"}
    assert victims(
        "An mshta.exe child process ran on the laptop of a researcher at a South Korean think tank."
    ) == {
        "KR",
        "ngo",
    }
    assert victims("We tracked the infection chain at two think tanks and a university.") == {
        "ngo",
        "education",
    }
    assert victims("The VPN client, version 4.2, is used in Norway.") == set()


def test_cryptocurrency_addresses_are_indicators_when_their_checksum_holds(sources_kb: KnowledgeBase) -> None:
    from unmask.detect.wallets import keccak256, wallet_kind

    extractor = TextExtractor(sources_kb)

    def indicators(text: str) -> set[tuple[str | None, str]]:
        found = extractor.extract_text(text, "r").observations
        return {
            (o.subtype, o.value)
            for o in found
            if o.kind in (ObservationKind.INFRASTRUCTURE, ObservationKind.FILE)
        }

    btc, legacy = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    assert indicators(f"The victim was asked to pay 2.5 BTC to {btc}, later to {legacy}.") == {
        ("btc", btc),
        ("btc", legacy),
    }
    xmr = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
    assert indicators(f"The miner paid out to {xmr}.") == {("xmr", xmr)}
    # A checksum that fails is no address (one character changed; a run of ones; a bech32 typo).
    assert (
        indicators("Pay to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3 or 1111111111111111111111111111111111.")
        == set()
    )
    assert wallet_kind("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlj") is None
    assert wallet_kind(xmr[:-1] + "B") is None
    assert wallet_kind("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297") == "btc"  # bech32m
    # Forty hex digits after 0x: an Ethereum address beside a word of money or wallets (then no
    # SHA-1 too), a SHA-1 otherwise; mixed case must check (EIP-55).
    eth = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert indicators(f"The note asked for 2 ETH sent to the wallet {eth}.") == {("eth", eth.lower())}
    assert indicators(f"The loader's hash is {eth}.") == {("sha1", eth[2:].lower())}
    assert wallet_kind(eth[:-1] + "D") is None
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    # Said to be harmless, it is not taken.
    assert indicators(f"The donation address {legacy} in the README is not malicious.") == set()


def test_scheduled_tasks_and_reboots_as_reports_narrate_them(sources_kb: KnowledgeBase) -> None:
    from dataclasses import replace

    # (techniques the fixture KB lacks)
    for tid, name in (
        ("T1053.005", "Scheduled Task"),
        ("T1529", "System Shutdown/Reboot"),
        ("T1562.009", "Safe Mode Boot"),
    ):
        sources_kb.techniques[tid] = replace(sources_kb.techniques["T1003"], id=tid, name=name)
    extractor = TextExtractor(sources_kb)

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    assert techniques("It scheduled a task to reboot the machine.") == {"T1053.005", "T1529"}
    assert techniques("The operators ran schtasks /create /tn Updater.") == {"T1053.005"}
    assert techniques("The malware forced a reboot of the hosts.") == {"T1529"}
    assert techniques("Finally it executes shutdown.exe /r /t 0.") == {"T1529"}
    # a reboot into safe mode gets past the security tools: Safe Mode Boot
    assert techniques("The actors rebooted the infected hosts into Safe Mode with Networking.") == {
        "T1562.009"
    }
    # surviving a reboot is no reboot, and the victim's containment none of the actor's
    assert techniques("The backdoor persists after a system reboot.") == set()
    assert techniques("The IT team shut down the systems to contain the attack.") == set()
    assert techniques("After containment, the IT team rebooted the systems and restored them.") == set()


def test_encryption_of_files_data_and_disk_structures_is_data_encrypted_for_impact(
    sources_kb: KnowledgeBase,
) -> None:
    from dataclasses import replace

    # (a technique the fixture KB lacks; it holds T1561.002 Disk Structure Wipe)
    sources_kb.techniques["T1486"] = replace(
        sources_kb.techniques["T1485"], id="T1486", name="Data Encrypted for Impact"
    )
    extractor = TextExtractor(sources_kb)

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    assert techniques("It cleared the logs and encrypted the Master File Table.") == {"T1486"}
    assert techniques("The ransomware encrypts the MFT and the MBR.") == {"T1486"}
    assert techniques("They encrypted the victim's data and demanded a ransom.") == {"T1486"}
    assert techniques("The payload encrypts files with AES-256.") == {"T1486"}
    # overwriting the table is wiping a disk's structure, as ATT&CK reads HermeticWiper's
    assert techniques("The wiper overwrote the MFT of every drive.") == {"T1561.002"}
    # what a program encrypts of its own is no impact
    assert techniques("The loader encrypts its configuration with RC4.") == set()


def test_an_actor_named_by_several_of_its_names_is_listed_once_by_its_own_name_with_each(
    sources_kb: KnowledgeBase, tmp_path: Path
) -> None:
    from unmask.extract.run import actors_shown

    text = (
        "Researchers linked the activity to the Fancy Bear group; the governments attributed it to the "
        "military intelligence service, the group commonly known as STRONTIUM."
    )
    found = TextExtractor(sources_kb).extract_text(text, "r").actors
    assert [(a["id"], a["name"], a["actor"], a["names"]) for a in found] == [
        ("G0007", "Fancy Bear", "APT28", ["Fancy Bear", "STRONTIUM"])
    ]
    assert actors_shown(found) == ["APT28 (G0007; as Fancy Bear, STRONTIUM)"]
    report = tmp_path / "report.txt"
    report.write_text(text + "\nAPT28 used Mimikatz.\n")
    result = runner.invoke(app, ["extract", str(report)])
    assert "Actors named (reported, never evidence): APT28 (G0007; as Fancy Bear, STRONTIUM)" in " ".join(
        result.output.split()
    )


def test_the_date_of_an_attribution_publication_or_indictment_is_no_activity_date(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)

    def timing(text: str) -> list[str]:
        return [o.value for o in extractor.extract_text(text, "r").observations if o.kind.value == "timing"]

    attributed = "The US and UK governments attributed it in February 2018 to the Russian military."
    assert timing(attributed) == []
    assert "2018-02 dates a statement about the activity" in " ".join(
        extractor.extract_text(attributed, "r").notes
    )
    assert (
        timing("Six officers were indicted in October 2020; the EU sanctioned the unit in July 2020.") == []
    )
    assert timing("The flaw was first disclosed on 12 March 2024 and exploited from 14 March 2024.") == [
        "2024-03-14"
    ]
    assert timing("Microsoft reported in March 2024 that the actor used OAuth apps.") == []
    assert timing("In the advisory of May 2022 the agency described the tooling.") == []
    # what was done then is the intrusion's date
    assert timing("The attack began in June 2017.") == ["2017-06"]
    assert timing("The gang published the stolen data on its leak site on 3 March 2024.") == ["2024-03-03"]
    assert timing("The intrusions, attributed to APT28 and which began in June 2017, hit Kyiv.") == [
        "2017-06"
    ]
    # nor is the date of what the attributed activity did
    assert timing("Activity attributed to APT29 was first observed on 3 March 2024.") == ["2024-03-03"]
    assert timing("Malware attributed to Sandworm was deployed on 3 March 2024.") == ["2024-03-03"]


def test_denials_of_another_actors_tool_a_link_and_a_flaw_the_victim_was_not_open_to(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)

    def taken(text: str) -> set[str]:
        return {o.value for o in extractor.extract_text(text, "r").observations}

    # another actor's tool, denied
    assert taken("We did not see APT28's Mimikatz in any of these intrusions.") == set()
    assert taken("APT28's Mimikatz was seen on the server.") == {"S0002"}
    # "do not link ... to"
    assert taken("We do not link this incident to Helminth or to NotPetya.") == set()
    assert taken("There is no link to Helminth.") == set()
    # a flaw the victim was not open to, or whose exploitation the report rules out
    assert taken("The ASA was not vulnerable to CVE-2023-20269 at the time of the attack.") == set()
    assert taken("CVE-2023-20269 was fixed in 2023, so we rule out exploitation of that flaw.") == set()
    assert taken("CVE-2023-20269 had been patched before the attack.") == set()
    assert taken("The actors exploited CVE-2023-20269 on the ASA.") == {"CVE-2023-20269"}


def test_what_another_actor_uses_is_its_habit_when_the_report_then_denies_it(
    sources_kb: KnowledgeBase,
) -> None:
    extractor = TextExtractor(sources_kb)

    def taken(text: str) -> set[str]:
        return {o.value for o in extractor.extract_text(text, "r").observations}

    assert (
        taken(
            "APT28 likes to use Mimikatz and the OilRig organization uses Helminth. "
            "In this activity we did not see any of these tools."
        )
        == set()
    )
    assert taken("OilRig uses Helminth; we did not see it in this activity.") == set()
    # said plainly and not denied, it is what the report tells (an advisory on its own actor)
    assert taken("OilRig uses Helminth. The backdoor beacons every minute.") == {"S0170"}
    # the denial covers what was said of the actor, not what the next clause tells
    assert taken("OilRig uses Helminth. We did not see it here, but Mimikatz was used.") == {"S0002"}


def test_related_reading_and_protection_suggestions_are_no_part_of_the_intrusion(
    sources_kb: KnowledgeBase, tmp_path: Path
) -> None:
    extractor = TextExtractor(sources_kb)

    def taken(text: str) -> set[str]:
        return {o.value for o in extractor.extract_text(text, "r").observations}

    told = "# Blog\n\nOn 3 May 2024 the actor deployed Mimikatz.\n\n"
    for heading in ("Related reading", "Related articles", "Related posts", "Read more", "See also"):
        text = f"{told}## {heading}\n\n- APT28 returns with Helminth against hospitals\n"
        assert taken(text) == {"S0002", "2024-05-03"}, heading
    # in HTML, its heading made a Markdown one
    page = (
        "<html><body><p>On 3 May 2024 the actor deployed Mimikatz.</p><h2>Related reading</h2>"
        "<ul><li>APT28 returns with Helminth</li></ul></body></html>"
    )
    (tmp_path / "r.html").write_text(page)
    assert taken(read_document(tmp_path / "r.html").text) == {"S0002", "2024-05-03"}
    # a section of suggestions, a Chinese report's numbering before it, is advice
    for heading in ("五、Protection suggestion", "Protection suggestions", "Suggestions"):
        text = f"{told}## {heading}\n\n1. Install the patch for CVE-2017-0199.\n"
        assert taken(text) == {"S0002", "2024-05-03"}, heading
    # and "Install the patch for ..." is advice wherever it stands
    assert taken("Install the patch for CVE-2017-11882 and CVE-2017-0199.") == set()


def test_user_agents_permissions_package_ids_and_a_vendors_address_are_no_indicators(
    sources_kb: KnowledgeBase,
) -> None:
    from dataclasses import replace

    # (a technique the fixture KB lacks)
    sources_kb.techniques["T1059.006"] = replace(
        sources_kb.techniques["T1059.001"], id="T1059.006", name="Python"
    )
    extractor = TextExtractor(sources_kb)

    def taken(text: str) -> set[str]:
        return {o.value for o in extractor.extract_text(text, "r").observations}

    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0.0.0 Safari/537.36"
    assert taken(f"It signed in from 172.98.33[.]194 with the user agent {agent}.") == {"172.98.33.194"}
    assert taken("It ran with user agent aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-35-generic.") == set()
    assert taken("The loader is written in Python.") == {"T1059.006"}
    # Microsoft Graph permissions (.read is a top-level domain)
    assert taken("The app requested Mail.Read, Files.Read.All and Directory.ReadWrite.All.") == set()
    assert taken("It beaconed to update.read and mail.read.") == {"update.read", "mail.read"}
    # an app's package id beside "APK"
    assert taken('We captured one Android APK named "Kashmir Voice" (com.kashmirvoice.news).') == set()
    # a vendor's address for the reader, not a ransom note's
    assert taken("For the threat intelligence please contact ti-service@nebula-sec.example.cn.") == set()
    assert taken("For the decryption key contact helper@evil-mail[.]com.") == {
        "helper@evil-mail.com",
        "evil-mail.com",
    }


def test_a_note_said_again_by_a_repeated_text_is_given_once_and_counted(
    sources_kb: KnowledgeBase, tmp_path: Path
) -> None:
    report = tmp_path / "huge.txt"
    report.write_text("We did not see Mimikatz in this intrusion. The actor deployed Helminth.\n\n" * 50)
    result = extract_inputs([report], sources_kb, None, BENIGN)
    denied = [p for p in result.problems if "'Mimikatz' is denied" in p]
    assert len(denied) == 1 and denied[0].endswith("(×50)") and ": offset 0: " in denied[0]
    assert len([n for n in result.case.notes if "'Mimikatz' is denied" in n]) <= 1
    assert [o.value for o in result.case.observations] == ["S0170"]


def test_cloud_control_plane_events_and_what_reviews_found_missed(sources_kb: KnowledgeBase) -> None:
    from dataclasses import replace

    # (techniques the fixture KB lacks)
    for tid, name in (
        ("T1136.003", "Cloud Account"),
        ("T1098.003", "Additional Cloud Roles"),
        ("T1098.001", "Additional Cloud Credentials"),
        ("T1087.004", "Cloud Account"),
        ("T1619", "Cloud Storage Object Discovery"),
        ("T1555.006", "Cloud Secrets Management Stores"),
        ("T1537", "Transfer Data to Cloud Account"),
        ("T1496.001", "Compute Hijacking"),
        ("T1564.008", "Email Hiding Rules"),
        ("T1114.003", "Email Forwarding Rule"),
        ("T1528", "Steal Application Access Token"),
        ("T1656", "Impersonation"),
        ("T1621", "Multi-Factor Authentication Request Generation"),
        ("T1021.001", "Remote Desktop Protocol"),
        ("T1056.001", "Keylogging"),
        ("T1555.003", "Credentials from Web Browsers"),
    ):
        sources_kb.techniques[tid] = replace(sources_kb.techniques["T1003"], id=tid, name=name)
    extractor = TextExtractor(sources_kb)

    def techniques(text: str) -> set[str]:
        found = extractor.extract_text(text, "r").observations
        return {o.value for o in found if o.kind is ObservationKind.TECHNIQUE}

    assert techniques(
        "CloudTrail recorded CreateUser, AttachUserPolicy, CreateAccessKey and CreateLoginProfile, "
        "then ListUsers, ListRoles, ListBuckets, GetSecretValue and PutBucketPolicy."
    ) == {"T1136.003", "T1098.003", "T1098.001", "T1087.004", "T1619", "T1555.006", "T1537"}
    assert techniques("It ran New-InboxRule and Set-Mailbox -ForwardingSmtpAddress.") == {
        "T1564.008",
        "T1114.003",
    }
    assert techniques("They copied the data to a bucket in an external AWS account.") == {"T1537"}
    assert techniques("GuardDuty flagged the instances for cryptocurrency mining.") == {"T1496.001"}
    assert techniques("The log shows Consent to application and Add service principal credentials.") == {
        "T1528",
        "T1098.001",
    }
    assert techniques("The actor called the IT service desk and claimed to be a manager.") == {"T1656"}
    assert techniques("One approved a push notification after receiving twenty in a row.") == {"T1621"}
    # an API's name whole and as written; a call to the help desk or a push without their cue
    assert techniques("Run createuser for the role; ListUsersInGroup is unrelated.") == set()
    assert techniques("The user called the help desk to report the e-mail.") == set()
    assert techniques("Users approve a push notification to sign in.") == set()
    # RDP used, not exposed
    assert techniques("Lateral movement was performed with RDP from JMP01 to DC01.") == {"T1021.001"}
    assert techniques("We observed RDP sessions from the VPN pool.") == {"T1021.001"}
    assert techniques("The actors then used RDP to reach a file server.") == {"T1021.001"}
    assert techniques("RDP was exposed to the internet; a server with RDP exposed was found.") == set()
    # a keylogger included, browsers' saved credentials
    assert techniques("This build includes a keylogger that writes to log.dat.") == {"T1056.001"}
    assert techniques("| Keylogger | mscheck.exe | record the keyboard and the window title |") == {
        "T1056.001"
    }
    assert techniques("It also steals saved credentials from Chrome and Edge.") == {"T1555.003"}


def test_iso_slashed_chinese_and_comma_dates_and_a_fix_dates_no_activity(sources_kb: KnowledgeBase) -> None:
    extractor = TextExtractor(sources_kb)

    def timing(text: str) -> list[tuple[str, float]]:
        found = extractor.extract_text(text, "r").observations
        return [(o.value, o.confidence) for o in found if o.kind is ObservationKind.TIMING]

    assert timing("| 2024-07-29T01:17:44Z | DC01 | logon from JMP01 |") == [("2024-07-29", 0.5)]
    assert timing("The latest attack happened at March, 15th, 2024.") == [("2024-03-15", 0.5)]
    assert timing("After the 2024年3月8日, the C2 server began to send plugins.") == [("2024-03-08", 0.5)]
    # Slashed, the year last: a number above 12 says the order, for the report's other dates too.
    assert timing("Additionally, on 18/03/2024 we captured one APK.") == [("2024-03-18", 0.5)]
    assert timing("| 27/07/2024 03:12 | VPN login |\n| 04/08/2024 00:14 | encryptor run |") == [
        ("2024-07-27", 0.5),
        ("2024-08-04", 0.5),
    ]
    assert timing("| 07/27/2024 03:12 | VPN login |\n| 04/08/2024 00:14 | encryptor run |") == [
        ("2024-07-27", 0.5),
        ("2024-04-08", 0.5),
    ]
    # ... or nothing does: read day first, at a lower confidence, with a note
    found = extractor.extract_text("The encryptor ran on 04/08/2024.", "r")
    assert [(o.value, o.confidence) for o in found.observations] == [("2024-08-04", 0.4)]
    assert any("day or month first" in note for note in found.notes)
    # A fix's date is no activity's, nor does it give a day without its year its year.
    assert timing(
        "## Timeline\n\n| 2024-07-27 03:12 | VPN login |\n\n## Access\n\nThe client had patched the ASA in "
        "October 2023.\n\nEDR recorded a dump of LSASS at 00:58 on 29 July."
    ) == [("2024-07-27", 0.5), ("2024-07-29", 0.4)]
    assert timing("The vendor fixed the flaw on 3 May 2024; the actor struck on 9 May 2024.") == [
        ("2024-05-09", 0.5)
    ]


def test_what_the_defenders_did_and_what_an_actor_owns_is_no_evidence_of_the_intrusion(
    sources_kb: KnowledgeBase,
) -> None:
    from dataclasses import replace

    # (techniques the fixture KB lacks)
    for tid, name in (("T1656", "Impersonation"), ("T1021.001", "Remote Desktop Protocol")):
        sources_kb.techniques[tid] = replace(sources_kb.techniques["T1003"], id=tid, name=name)
    extractor = TextExtractor(sources_kb)

    def found(text: str) -> set[tuple[str, str]]:
        return {(o.kind.value, o.value) for o in extractor.extract_text(text, "r").observations}

    # the defenders' RDP and the staff's own help-desk calls
    assert found("The firewall blocked all inbound RDP connections from the internet.") == set()
    assert (
        found("After containment, the IT team terminated all RDP sessions and disabled RDP logons.") == set()
    )
    assert ("technique", "T1021.001") in found("We observed RDP sessions from the jump host to the DC.")
    assert found("The user called the help desk because the password had expired.") == set()
    assert found("An employee called the help desk to report a possible phishing e-mail.") == set()
    assert found("The caller called the help desk posing as an employee.") == {("technique", "T1656")}
    # a flaw whose exploitation the report cannot rule out is still evidence
    assert found(
        "The VPN was vulnerable to CVE-2023-20269, and we cannot rule out exploitation of that flaw."
    ) == {("vulnerability", "CVE-2023-20269")}
    # an address after a word and a slash is an address unless a user agent is spoken of
    assert found("Beacons went to TCP/45.77.10.2 and Vultr/159.89.1.2 over port 443.") == {
        ("infrastructure", "45.77.10.2"),
        ("infrastructure", "159.89.1.2"),
    }
    # a mobile implant's C2 host is no package id
    assert found("The malicious Android app sent the contacts to app.kashmir-news.com.") == {
        ("infrastructure", "app.kashmir-news.com")
    }
    # the operators' own machines are not a victim's
    assert found("Leaked screenshots show the workstations of the operators in Tehran, Iran.") == set()
    assert ("victim", "KR") in found(
        "It was found on the laptop of a researcher at a South Korean think tank."
    )
