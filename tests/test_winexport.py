"""Windows events as other tools export them: each read as the event it is."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.evidence import rule, write_rule
from unmask.detect.engines.duckdb import DuckDBEngine
from unmask.detect.sigma.rules import load_rules
from unmask.ingest import ingest

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
    from unmask.ingest.winexport import as_windows

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
