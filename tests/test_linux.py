"""Linux and network logs: audit.log, journald, syslog variants, Zeek http as proxy logs."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.evidence import rule, write_rule
from unmask.detect.engines.duckdb import DuckDBEngine
from unmask.detect.sigma.rules import load_rules
from unmask.errors import ConfigError
from unmask.ingest import Problems, ingest, parser, sniff
from unmask.ingest.auditd import audit_record
from unmask.ingest.fields import parse_zone

AUDIT_LOG = (
    "type=SYSCALL msg=audit(1709467200.101:2001): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 "
    'ppid=900 pid=901 auid=1000 uid=0 euid=0 comm="chmod" exe="/usr/bin/chmod" key="exec"\n'
    'type=EXECVE msg=audit(1709467200.101:2001): argc=3 a0="chmod" a1="777" a2=2F746D702F6120622E7368\n'
    'type=PATH msg=audit(1709467204.505:2006): item=0 name="/etc/ld.so.preload" inode=12 nametype=CREATE\n'
    'type=USER_CMD msg=audit(1709467205.000:2007): pid=1 uid=0 msg=\'cwd="/root" cmd=6964202D61 '
    'exe="/usr/bin/sudo" terminal=pts/0 res=success\'\n'
    'type=SYSCALL msg=audit(1709467206.000:2008): arch=c000003e syscall=319 success=yes comm="x" uid=0'
    '\x1dARCH=x86_64 SYSCALL=memfd_create UID="root"\n'
)


def _rows(events: Path, family: str) -> list[dict[str, object]]:
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{events / family}/*.parquet', union_by_name=true)")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def _hunt(tmp_path: Path, logsource: str, detection: str) -> list[str]:
    """The records one rule finds in the events under tmp_path/case/events."""
    write_rule(
        tmp_path / "rules", "r", rule("77777777-7777-7777-7777-777777777777", "r", logsource, detection)
    )
    rules = load_rules([tmp_path / "rules"])
    assert not rules.problems
    with DuckDBEngine(tmp_path / "case" / "events", threads=1) as db:
        return sorted(f"{h.file.rsplit('/', 1)[-1]}:{h.record}" for h in db.run(rules.rules))


def test_audit_records_are_decoded() -> None:
    lines = AUDIT_LOG.splitlines()
    execve = audit_record(lines[1])
    assert execve is not None
    assert execve["type"] == "EXECVE" and execve["a2"] == "/tmp/a b.sh"  # hex-encoded: it has a space
    assert execve["_ts"] == "2024-03-03T12:00:00.101000Z" and execve["serial"] == "2001"
    syscall = audit_record(lines[0])
    assert syscall is not None and syscall["SYSCALL"] == "execve"  # x86-64 number 59, named
    assert syscall["a0"] == "55d1"  # a register, not hex text
    user = audit_record(lines[3])
    assert user is not None and user["cmd"] == "id -a" and user["exe"] == "/usr/bin/sudo"
    enriched = audit_record(lines[4])
    assert enriched is not None and enriched["SYSCALL"] == "memfd_create" and enriched["uid"] == "0"
    assert "UID" not in enriched  # one column holds uid and UID: the raw number stays
    pieces = audit_record(
        'type=EXECVE msg=audit(1.0:9): argc=2 a0="sh" a1_len=8 a1[0]=2F746D70 a1[1]=2F782079'
    )
    assert pieces is not None and pieces["a1"] == "/tmp/x y" and "a1_len" not in pieces
    assert audit_record("type=EXECVE without a msg") is None


def test_auditd_rules_run_on_audit_log_and_forwarded_records(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "audit.log").write_text(AUDIT_LOG + "garbage line\n")
    (evidence / "syslog").write_text(
        'Mar  3 12:00:00 web01 audit[4101]: EXECVE argc=3 a0="chmod" a1="777" a2="/tmp/y"\n'
        "Mar  3 12:00:01 web01 sshd[5002]: chmod 777 in a message is not an audit record\n"
    )
    assert sniff((evidence / "audit.log").read_bytes()[:8192], evidence / "audit.log") == "auditd"
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.skipped == 1  # the garbage line, named
    logsource = "    product: linux\n    service: auditd"
    detection = "    sel:\n        type: EXECVE\n        a0: chmod\n        a1: '777'\n    condition: sel"
    assert _hunt(tmp_path, logsource, detection) == ["audit.log:2", "syslog:1"]


def test_auditd_syscall_names_and_keys(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "audit.log").write_text(AUDIT_LOG)
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    detection = "    sel:\n        type: SYSCALL\n        SYSCALL: memfd_create\n    condition: sel"
    assert _hunt(tmp_path, "    product: linux\n    service: auditd", detection) == ["audit.log:5"]


def test_journald_json_is_read_as_syslog(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    entries = [
        {"__REALTIME_TIMESTAMP": "1709467200101000", "SYSLOG_IDENTIFIER": "sshd", "_PID": "2310",
         "_HOSTNAME": "web03", "SYSLOG_FACILITY": "4", "MESSAGE": "error: Corrupted MAC on input."},
        {"__REALTIME_TIMESTAMP": "1709467201000000", "SYSLOG_IDENTIFIER": "CRON", "_HOSTNAME": "web03",
         "MESSAGE": "(root) REPLACE (root)"},
    ]  # fmt: skip
    (evidence / "journal.json").write_text("".join(json.dumps(e) + "\n" for e in entries))
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    rows = sorted(_rows(tmp_path / "case" / "events", "linux"), key=lambda r: str(r["_ts"]))
    assert [(r["_host"], r["program"], r["_log"]) for r in rows] == [
        ("web03", "sshd", "auth"),
        ("web03", "CRON", "syslog"),
    ]
    assert rows[0]["_ts"] == "2024-03-03T12:00:00.101000Z" and rows[0]["pid"] == "2310"
    detection = "    keywords:\n        - 'Corrupted MAC on input'\n    condition: keywords"
    assert _hunt(tmp_path, "    product: linux\n    service: sshd", detection) == ["journal.json:1"]


def test_syslog_variants(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    # journalctl's text output: a header, fractional seconds, OpenSSH 9.8's sshd-session.
    journal = evidence / "journal.txt"
    journal.write_text(
        "-- Journal begins at Sun 2024-03-03 09:00:00 UTC, ends at Sun 2024-03-03 13:00:00 UTC. --\n"
        "Mar 03 12:00:01.123456 web04 sshd-session[5002]: error: Corrupted MAC on input.\n"
        "-- Boot 3e1f0c --\n"
        "Feb 29 12:00:02 web04 /usr/sbin/cron[7]: (root) REPLACE (root)\n"
    )
    written = datetime(2025, 3, 4, tzinfo=UTC).timestamp()  # 2025 has no 29 February
    os.utime(journal, (written, written))
    # A log whose first line was cut, and RFC 5424 with its PROCID, MSGID and structured data.
    (evidence / "auth.log").write_text(
        "ssed password for root from 1.2.3.4 port 22 ssh2\n"
        '<38>1 2024-03-03T10:16:41.000+01:00 web02 sshd 2311 ID47 [exampleSDID@32473 iut="3"] '
        "Failed password for root\n"
        "Mar  3 12:00:00 web02 sshd[9]: Accepted password for deploy\n"
    )
    assert sniff(journal.read_bytes(), journal) == "syslog"
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.skipped == 1  # the cut line
    rows = {(r["_host"], r["program"]): r for r in _rows(tmp_path / "case" / "events", "linux")}
    assert rows[("web04", "sshd-session")]["_ts"] == "2025-03-03T12:00:01.123456Z"  # the year written
    assert rows[("web04", "cron")]["_ts"] == "2024-02-29T12:00:02.000000Z"
    rfc = next(r for r in _rows(tmp_path / "case" / "events", "linux") if r["pid"] == "2311")
    assert rfc["msgid"] == "ID47" and rfc["message"] == "Failed password for root"
    assert (
        rfc["structured_data"] == '[exampleSDID@32473 iut="3"]'
        and rfc["_ts"] == "2024-03-03T09:16:41.000000Z"
    )
    detection = "    keywords:\n        - 'Corrupted MAC on input'\n    condition: keywords"
    assert _hunt(tmp_path, "    product: linux\n    service: sshd", detection) == ["journal.txt:2"]


def test_a_file_mixing_syslog_and_json_lines_loses_neither(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.log"
    mixed.write_text(
        "Mar  3 12:00:01 web07 sshd[5002]: error: Corrupted MAC on input.\n"
        '{"MESSAGE": "error: Corrupted MAC on input.", "SYSLOG_IDENTIFIER": "sshd", "_HOSTNAME": "web07"}\n'
        "Mar  3 12:00:03 web07 sshd[5003]: Accepted password for deploy\n"
        "neither\n"
    )
    problems = Problems(str(mixed))
    rows = list(parser("json").parse(mixed, problems))
    assert [r["_record"] for r in rows] == ["1", "2", "3"] and {r["_family"] for r in rows} == {"linux"}
    assert problems.skipped == 1


def test_zeek_http_as_proxy_logs(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    records = [
        {"_path": "http", "ts": 1709467200.0, "uid": "C1", "id.orig_h": "10.0.0.5", "method": "GET",
         "host": "dl.evil.top", "uri": "/payload.exe?x=1", "status_code": 200},
        {"_path": "http", "ts": 1709467201.0, "uid": "C2", "id.orig_h": "10.0.0.5", "method": "GET",
         "host": "pastebin.com", "uri": "/raw/Xy12ab", "status_code": 200},
    ]  # fmt: skip
    (evidence / "http.json").write_text("".join(json.dumps(r) + "\n" for r in records))
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    detection = (
        "    sel_ext:\n        c-uri-extension: exe\n        cs-host|endswith: '.top'\n"
        "    sel_paste:\n        c-uri|contains: 'pastebin.com/raw/'\n"
        "    sel_scheme:\n        c-uri|startswith: 'http://dl.'\n"
        "    condition: 1 of sel_*"
    )
    assert _hunt(tmp_path, "    category: proxy", detection) == ["http.json:1", "http.json:2"]


def test_web_server_access_logs_meet_webserver_rules(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "access.log").write_text(
        '203.0.113.9 - - [03/Mar/2024:10:40:00 +0100] "GET /index.php?id=1%27%20UNION%20SELECT%201 HTTP/1.1" '
        '200 512 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)"\n'
        '198.51.100.7 - - [03/Mar/2024:10:41:00 +0100] "GET /index.php?id=2 HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n'
        "not a log line\n"
    )
    (evidence / "u_ex240303.log").write_text(
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-03-03 00:00:00\n"
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
        "cs(Referer) sc-status\n"
        "2024-03-03 10:42:00 10.0.0.2 GET /../../etc/passwd - 80 - 203.0.113.9 curl/8.0 - 400\n"
        "2024-03-03 10:43:00 10.0.0.2 GET /default.aspx a=1 80 - 198.51.100.7 Mozilla/5.0+(Windows+NT+10.0) - 200\n"
    )
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.skipped == 1
    rows = {r["c-ip"] + r["_log"]: r for r in _rows(tmp_path / "case" / "events", "web")}
    assert rows["203.0.113.9access"]["_ts"] in ("2024-03-03T09:40:00.000000Z", "2024-03-03T10:42:00.000000Z")
    iis = next(r for r in _rows(tmp_path / "case" / "events", "web") if r["cs-uri-stem"] == "/default.aspx")
    assert (
        iis["cs-user-agent"] == "Mozilla/5.0 (Windows NT 10.0)" and iis["cs-uri-query"] == "/default.aspx?a=1"
    )
    detection = (
        "    sel_sqli:\n        cs-uri-query|contains: 'UNION%20SELECT'\n"
        "    sel_ua:\n        cs-user-agent|startswith: 'sqlmap/'\n"
        "    sel_traversal:\n        cs-uri-query|contains: '../'\n"
        "    condition: 1 of sel_*"
    )
    assert _hunt(tmp_path, "    category: webserver", detection) == ["access.log:1", "u_ex240303.log:5"]


def test_a_csv_with_w3c_columns_is_a_web_log(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "weblog.csv").write_text(
        "time,c-ip,cs-method,cs-uri-query,cs-user-agent\n2024-03-03T10:00:00Z,203.0.113.9,GET,/x?id=1,sqlmap/1.7\n"
    )
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    detection = "    sel:\n        cs-user-agent|startswith: 'sqlmap/'\n    condition: sel"
    assert _hunt(tmp_path, "    category: webserver", detection) == ["weblog.csv:2"]


def test_proxy_logs_meet_the_proxy_rules_as_zeek_http_does(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    # A proxy's CSV export (Sigma's own column names), Squid's native log, Blue Coat's W3C log.
    (evidence / "proxy.csv").write_text(
        "date,time,c-ip,cs-method,c-uri,c-useragent,sc-status\n"
        "2024-03-05,10:00:04,10.0.0.5,GET,https://files.example/drop/a.ps1?x=1,curl/8.0,200\n"
        "2024-03-05,10:00:05,10.0.0.5,GET,https://news.example/,Mozilla/5.0,200\n"
    )
    # ... and the same as JSON lines (a SIEM's export under the W3C names).
    (evidence / "proxy.jsonl").write_text(
        '{"timestamp": "2024-03-05T10:00:06Z", "c-ip": "10.0.0.9", "cs-method": "POST", '
        '"c-uri": "http://185.220.101.47/submit.ps1", "c-useragent": "Mozilla/4.0"}\n'
    )
    (evidence / "access.log").write_text(
        "1709632801.123     45 10.0.0.6 TCP_MISS/200 1234 GET http://dl.example/b.hta - HIER_DIRECT/1.2.3.4 text/html\n"
        "1709632802.456     12 10.0.0.6 TCP_TUNNEL/200 5678 CONNECT transfer.example:443 alice HIER_DIRECT/1.2.3.5 -\n"
    )
    (evidence / "sg.log").write_text(
        "#Software: SGOS 6.7.5.1\n#Version: 1.0\n"
        "#Fields: date time c-ip s-action sc-status cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path "
        "cs-uri-query cs(User-Agent) r-ip\n"
        "2024-03-05 10:00:03 10.0.0.7 TCP_MISS 200 GET http c2.example 8080 /tasks/c.ps1 - rclone/v1.62 1.2.3.6\n"
        '2024-03-05 10:00:04 10.0.0.8 TCP_MISS 200 GET http c2.example 80 /x - "rclone/v1.62 (linux)" 1.2.3.6\n'
    )
    # A web server asked for a whole URL (an open-proxy probe): still its access log, seen by both.
    (evidence / "server.log").write_text(
        '203.0.113.9 - - [05/Mar/2024:10:00:00 +0000] "GET http://dl.example/c.hta HTTP/1.1" 404 0 "-" "x"\n'
    )
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    rows = {r["_record"] + r["c-ip"]: r for r in _rows(tmp_path / "case" / "events", "web")}
    assert rows.pop("1203.0.113.9")["_log"] == "access"
    assert {r["_log"] for r in rows.values()} == {"proxy"}
    blue = rows["410.0.0.7"]
    assert blue["c-uri"] == "http://c2.example:8080/tasks/c.ps1" and blue["c-uri-extension"] == "ps1"
    assert rows["210.0.0.6"]["cs-host"] == "transfer.example" and rows["110.0.0.6"]["_ts"].startswith(
        "2024-03-05"
    )
    assert rows["210.0.0.5"]["c-uri-query"] == "x=1" and rows["210.0.0.5"]["cs-host"] == "files.example"
    # Blue Coat quotes a value that holds spaces; a proxy's line is about its client, not cs-host.
    assert rows["510.0.0.8"]["cs-user-agent"] == "rclone/v1.62 (linux)"
    assert rows["210.0.0.5"]["_host"] == "10.0.0.5" and rows["510.0.0.8"]["_host"] == "10.0.0.8"
    detection = (
        "    sel_ext:\n        c-uri-extension:\n            - 'ps1'\n            - 'hta'\n"
        "    sel_ua:\n        c-useragent|startswith: 'rclone/'\n"
        "    condition: 1 of sel_*"
    )
    json_line = rows.pop("110.0.0.9")
    assert json_line["_ts"].startswith("2024-03-05T10:00:06") and json_line["cs-host"] == "185.220.101.47"
    assert _hunt(tmp_path, "    category: proxy", detection) == [
        "access.log:1",
        "proxy.csv:2",
        "proxy.jsonl:1",
        "server.log:1",
        "sg.log:4",
        "sg.log:5",
    ]
    server = "    sel:\n        cs-uri-query|endswith: '.hta'\n    condition: sel"
    assert _hunt(tmp_path, "    category: webserver", server) == ["server.log:1"]


def test_auditd_execve_events_are_linux_process_creations(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "audit.log").write_text(
        "type=SYSCALL msg=audit(1709467200.000:10): arch=c000003e syscall=59 success=yes ppid=1 pid=500 "
        'uid=0 ses=3 comm="bash" exe="/usr/bin/bash"\n'
        'type=EXECVE msg=audit(1709467200.000:10): argc=1 a0="bash"\n'
        "type=EOE msg=audit(1709467200.000:10):\n"
        "type=SYSCALL msg=audit(1709467201.000:11): arch=c000003e syscall=59 success=yes ppid=500 pid=501 "
        'uid=0 ses=3 comm="base64" exe="/usr/bin/base64"\n'
        'type=EXECVE msg=audit(1709467201.000:11): argc=2 a0="base64" a1="-d"\n'
        'type=CWD msg=audit(1709467201.000:11): cwd="/tmp"\n'
        "type=SYSCALL msg=audit(1709467202.000:12): arch=c000003e syscall=59 success=no ppid=500 pid=502 "
        'exe="/usr/bin/base64"\n'
        'type=EXECVE msg=audit(1709467202.000:12): argc=2 a0="base64" a1="-d"\n'
    )
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    created = [r for r in _rows(tmp_path / "case" / "events", "linux") if r["_log"] == "process_creation"]
    assert len(created) == 2  # the failed execve started nothing
    child = next(r for r in created if r["ProcessId"] == "501")
    assert child["Image"] == "/usr/bin/base64" and child["CommandLine"] == "base64 -d"
    assert child["ParentImage"] == "/usr/bin/bash" and child["CurrentDirectory"] == "/tmp"
    assert child["_record"] == "5:process" and child["LogonId"] == "3"
    detection = (
        "    sel:\n        Image|endswith: '/base64'\n        CommandLine|contains: ' -d'\n"
        "        ParentImage|endswith: '/bash'\n    condition: sel"
    )
    assert _hunt(tmp_path, "    product: linux\n    category: process_creation", detection) == [
        "audit.log:5:process"
    ]
    # A rule over any Linux log meets the execve's own record, not also the process it makes.
    keywords = "    keywords:\n        - 'base64'\n    condition: keywords"
    hits = _hunt(tmp_path, "    product: linux", keywords)
    assert "audit.log:5:process" not in hits and "audit.log:5" in hits


def test_process_creations_from_interleaved_and_split_audit_records(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    hello = b"echo hello".hex().upper()
    world = b" world".hex().upper()
    (evidence / "audit.log").write_text(
        # Two CPUs' events interleaved; the second's long argument split over two EXECVE records,
        # a piece boundary falling on a space; a claimed argc far beyond what is there.
        "type=SYSCALL msg=audit(1710000003.400:2003): arch=c000003e syscall=59 success=yes ppid=1 pid=7 "
        'uid=0 exe="/usr/bin/base64"\x1dARCH=x86_64 SYSCALL=execve UID="root"\n'
        "type=SYSCALL msg=audit(1710000003.401:2004): arch=c000003e syscall=59 success=yes ppid=1 pid=8 "
        'uid=0 exe="/usr/bin/sh"\n'
        'type=EXECVE msg=audit(1710000003.400:2003): argc=300000000 a0="base64" a1="-d"\n'
        f'type=EXECVE msg=audit(1710000003.401:2004): argc=3 a0="sh" a1="-c" a2_len=16 a2[0]={hello}\n'
        f"type=EXECVE msg=audit(1710000003.401:2004): a2[1]={world}\n"
        "type=UNKNOWN[1334] msg=audit(1710000003.402:2005): prog-id=12 op=LOAD\n"
        "type=CONFIG_CHANGE msg=audit(1710000003.403:2006): op=set audit_backlog_limit=8192 old=64 res=1\n"
    )
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.skipped == 0  # UNKNOWN[1334] is a record too
    rows = _rows(tmp_path / "case" / "events", "linux")
    created = {r["ProcessId"]: r for r in rows if r["_log"] == "process_creation"}
    assert created["7"]["CommandLine"] == "base64 -d" and created["7"]["User"] == "root"
    assert created["8"]["CommandLine"] == "sh -c echo hello world" and created["8"]["_record"] == "4:process"
    assert next(r for r in rows if r["type"] == "CONFIG_CHANGE")["old"] == "64"  # a number, not hex text


def test_kernel_audit_lines_in_syslog_are_read() -> None:
    from unmask.ingest.syslog import syslog_row

    row = syslog_row(
        "2024-03-10T13:45:04.000000+01:00 web01 kernel: audit: type=1400 audit(1710074704.120:88): "
        'apparmor="DENIED" operation="exec" profile="/usr/sbin/named" name="/bin/sh"',
        2024,
    )
    assert row is not None and row["_log"] == "auditd" and row["apparmor"] == "DENIED"
    assert row["name"] == "/bin/sh" and row["type"] == "1400"


def test_journal_messages_as_bytes_once_and_continued_lines(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    raw = list(b"fatal: bad string \x1b[0m\xff")
    (evidence / "journal.json").write_text(
        json.dumps({"SYSLOG_IDENTIFIER": "sshd", "_HOSTNAME": "h", "MESSAGE": raw}) + "\n"
        + json.dumps({"SYSLOG_IDENTIFIER": "sshd", "_HOSTNAME": "h", "MESSAGE": "Corrupted MAC on input."}) + "\n"
    )  # fmt: skip
    (evidence / "journal.txt").write_text(
        "Mar 03 12:00:00 web04 python3[4000]: Traceback (most recent call last):\n"
        '  File "/srv/app.py", line 3, in <module>\n'
        "    main()\n"
        "Mar 03 12:00:01 web04 sshd-session[5002]: error: Corrupted MAC on input.\n"
    )
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)
    assert report.skipped == 0
    rows = _rows(tmp_path / "case" / "events", "linux")
    messages = sorted(str(r["message"]) for r in rows)
    assert "Corrupted MAC on input." in messages  # not twice over (MESSAGE and message are one column)
    assert "fatal: bad string \x1b[0m\ufffd" in messages
    trace = next(r for r in rows if r["program"] == "python3")
    assert (
        trace["message"]
        == 'Traceback (most recent call last):\nFile "/srv/app.py", line 3, in <module>\nmain()'
    )


def test_an_iis_log_exported_as_csv_reads_as_the_w3c_log(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "iis.csv").write_text(
        "date,time,s-ip,cs-method,cs-uri-stem,cs-uri-query,s-port,c-ip,cs(User-Agent),sc-status\n"
        "2024-03-10,12:00:05,10.0.0.10,GET,/aspnet~1/a.aspx,,443,203.0.113.5,Mozilla/5.0,200\n"
        "2024-03-10,12:00:06,10.0.0.10,GET,/x.aspx,file=../../../etc/passwd,443,203.0.113.5,sqlmap/1.7,200\n"
    )
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    rows = sorted(_rows(tmp_path / "case" / "events", "web"), key=lambda r: str(r["_ts"]))
    assert [r["_ts"] for r in rows] == ["2024-03-10T12:00:05.000000Z", "2024-03-10T12:00:06.000000Z"]
    assert (
        rows[1]["cs-user-agent"] == "sqlmap/1.7"
        and rows[1]["cs-uri-query"] == "/x.aspx?file=../../../etc/passwd"
    )
    detection = "    sel:\n        cs-user-agent|startswith: 'sqlmap/'\n        cs-uri-query|contains: '../'\n    condition: sel"
    assert _hunt(tmp_path, "    category: webserver", detection) == ["iis.csv:3"]


def test_a_connect_tunnel_has_no_path_to_read() -> None:
    from unmask.ingest.zeek import http_fields

    row = {"method": "CONNECT", "host": "api.telegram.org:443", "uri": "api.telegram.org:443"}
    http_fields(row)
    assert row["url"] == "api.telegram.org:443" and "uri_extension" not in row


def test_a_syslog_file_in_an_archive_is_dated_by_the_archives_record_of_it(tmp_path: Path) -> None:
    import io
    import tarfile
    import zipfile

    line = b"Mar 12 09:16:30 web01 sshd[9]: Accepted password for deploy from 203.0.113.9 port 22 ssh2\n"
    evidence = tmp_path / "ev"
    evidence.mkdir()
    with tarfile.open(evidence / "triage.tar.gz", "w:gz") as tf:
        info = tarfile.TarInfo("var/log/auth.log")
        info.size, info.mtime = len(line), datetime(2024, 3, 13, tzinfo=UTC).timestamp()
        tf.addfile(info, io.BytesIO(line))
    with zipfile.ZipFile(evidence / "more.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("logs/secure", date_time=(2023, 3, 13, 0, 0, 0)), line)
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    stamps = sorted(str(r["_ts"]) for r in _rows(tmp_path / "case" / "events", "linux"))
    assert stamps == ["2023-03-12T09:16:30.000000Z", "2024-03-12T09:16:30.000000Z"]


def test_second_review_of_linux_and_web_parsing(tmp_path: Path) -> None:
    from unmask.ingest.syslog import syslog_row
    from unmask.ingest.weblog import access_row, w3c_row

    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "audit.log").write_text(
        # a parent's command line for its child; a 32-bit execve on x86-64 (arch 40000003, syscall 11)
        'type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 success=yes ppid=1 pid=20 exe="/usr/bin/bash"\n'
        'type=EXECVE msg=audit(1.0:1): argc=2 a0="bash" a1="-i"\n'
        'type=SYSCALL msg=audit(2.0:2): arch=c000003e syscall=59 success=yes ppid=20 pid=21 exe="/usr/bin/whoami"\n'
        'type=EXECVE msg=audit(2.0:2): argc=1 a0="whoami"\n'
        'type=SYSCALL msg=audit(3.0:3): arch=40000003 syscall=11 success=yes ppid=1 pid=22 exe="/tmp/x86bin"\n'
        'type=EXECVE msg=audit(3.0:3): argc=1 a0="/tmp/x86bin"\n'
    )
    ingest([evidence], tmp_path / "case" / "events", jobs=1)
    created = {
        r["ProcessId"]: r
        for r in _rows(tmp_path / "case" / "events", "linux")
        if r["_log"] == "process_creation"
    }
    assert created["21"]["ParentCommandLine"] == "bash -i" and created["22"]["Image"] == "/tmp/x86bin"
    # A kernel firewall line is not an audit record; a dmesg-stamped AppArmor denial is.
    dropped = syslog_row(
        "Mar  1 10:01:01 srv1 kernel: DROPPED IN=eth0 OUT= SRC=203.0.113.5 DST=10.0.0.5", 2024
    )
    assert dropped is not None and dropped["_log"] == "syslog" and "type" not in dropped
    denied = syslog_row(
        'Mar  1 10:01:02 srv1 kernel: [ 1234.567890] audit: type=1400 audit(1709287262.100:88): apparmor="DENIED"',
        2024,
    )
    assert denied is not None and denied["_log"] == "auditd" and denied["apparmor"] == "DENIED"
    # pkexec's lines are auth's, in any file (a journalctl export holds every program's).
    pkexec = syslog_row("Mar 01 10:00:00 srv8 pkexec[1234]: alice: suspicious XAUTHORITY", 2024)
    assert pkexec is not None and pkexec["_log"] == "auth"
    # IIS: the server's own name, not the client's Host header; Apache's \xC3\xA9 is é.
    assert w3c_row({"s-computername": "IIS01", "cs-host": "evil.attacker.tld"})["_host"] == "IIS01"
    row = access_row('1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] "GET /caf\\xC3\\xA9 HTTP/1.1" 200 1 "-" "x"')
    assert row is not None and row["cs-uri-stem"] == "/café"


def test_local_times_are_read_in_the_zone_given(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    log = evidence / "auth.log"
    # BSD syslog writes the local clock; RFC 5424 and ISO times carry their zone and keep it.
    log.write_text(
        "Jul 15 10:00:00 gw01 sshd[9]: Accepted password for deploy\n"
        "Jan 15 10:00:00 gw01 sshd[9]: Accepted password for deploy\n"
        "<38>1 2022-07-15T10:00:00.000Z gw01 sshd 2311 - - Failed password for root\n"
    )
    written = datetime(2022, 12, 1, tzinfo=UTC).timestamp()
    os.utime(log, (written, written))
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1, zone=parse_zone("Europe/Tirane"))
    times = sorted(str(r["_ts"]) for r in _rows(tmp_path / "case" / "events", "linux"))
    # Tirane is UTC+2 in summer, UTC+1 in winter.
    assert times == [
        "2022-01-15T09:00:00.000000Z",
        "2022-07-15T08:00:00.000000Z",
        "2022-07-15T10:00:00.000000Z",
    ]
    assert report.to_dict()["local_times_read_in"] == "Europe/Tirane"
    assert parse_zone("+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert parse_zone("UTC-5").utcoffset(None) == -timedelta(hours=5)
    for bad in ("Mars/Olympus", "+15:00", ""):
        with pytest.raises(ConfigError, match="time zone"):
            parse_zone(bad)


def test_the_year_of_bsd_lines_is_that_of_the_local_clock(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    log = evidence / "auth.log"
    log.write_text(
        "Dec 31 23:50:00 web01 sshd[1]: Failed password for root\n"
        "Jan  1 00:20:00 web01 sshd[2]: Failed password for root\n"
    )
    written = datetime(2024, 12, 31, 23, 30, tzinfo=UTC).timestamp()  # 00:30 on 1 January in Tirane
    os.utime(log, (written, written))
    ingest([evidence], tmp_path / "case" / "events", jobs=1, zone=parse_zone("Europe/Tirane"))
    times = sorted(str(r["_ts"]) for r in _rows(tmp_path / "case" / "events", "linux"))
    assert times == ["2024-12-31T22:50:00.000000Z", "2024-12-31T23:20:00.000000Z"]
    with pytest.raises(ConfigError, match="minutes"):
        parse_zone("+02:60")


def test_a_cloud_audit_finding_says_what_was_called_by_whom_from_where(tmp_path: Path) -> None:
    from unmask.detect.findings import read_findings
    from unmask.detect.hunt import hunt
    from unmask.model import ObservationKind

    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "trail.json").write_text(
        json.dumps(
            {
                "Records": [
                    {
                        "eventTime": "2025-03-14T09:24:30Z",
                        "eventSource": "cloudtrail.amazonaws.com",
                        "eventName": "StopLogging",
                        "sourceIPAddress": "45.9.148.35",
                        "userIdentity": {
                            "arn": "arn:aws:iam::111122223333:user/x",
                            "accountId": "111122223333",
                        },
                        "recipientAccountId": "111122223333",
                    }
                ]
            }
        )
    )
    write_rule(
        tmp_path / "rules",
        "stop",
        rule(
            "77777777-7777-4777-8777-777777777777",
            "CloudTrail stopped",
            "    product: aws\n    service: cloudtrail",
            "    sel:\n        eventName: StopLogging\n    condition: sel",
        ),
    )
    result = hunt([evidence], [tmp_path / "rules"], tmp_path / "case", jobs=1)
    [finding] = list(read_findings(tmp_path / "case" / "findings.parquet"))
    assert finding.host == "111122223333"  # the account the call was made in
    assert "eventName=StopLogging" in finding.detail and "sourceIPAddress=45.9.148.35" in finding.detail
    addresses = [o.value for o in result.case.observations if o.kind is ObservationKind.INFRASTRUCTURE]
    assert addresses == ["45.9.148.35"]
