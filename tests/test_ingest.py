from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import duckdb
import pytest

from tests.evidence import SYSMON, process, win_event, write_jsonl
from unmask.errors import IngestError
from unmask.ingest import Problems, ingest, parser, sniff
from unmask.ingest.archive import ArchiveLimits, Budget, extract

ZEEK_CONN = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.resp_h\tid.resp_p\tservice\n"
    "#types\ttime\tstring\taddr\taddr\tport\tstring\n"
    "1709287200.5\tC1\t10.0.0.5\t203.0.113.9\t443\tssl\n"
    "1709287201.0\tC2\t10.0.0.6\t198.51.100.7\t53\t-\n"
    "broken line\n"
    "#close\t2024-03-01-10-00-00\n"
)
AUTH_LOG = (
    "Mar  1 10:00:00 web01 sshd[811]: Failed password for root from 203.0.113.9 port 4242 ssh2\n"
    "Mar  1 10:00:05 web01 sshd[811]: Accepted password for deploy from 203.0.113.9 port 4243 ssh2\n"
    "this is not syslog\n"
)


def _table(events: Path, family: str) -> list[dict[str, object]]:
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{events / family}/*.parquet', union_by_name=true)")
    cols = rel.columns
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]


def test_sniff_recognises_formats_by_content(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text(ZEEK_CONN)
    (tmp_path / "b.txt").write_text(AUTH_LOG)
    (tmp_path / "c.dat").write_text('{"a": 1}\n{"a": 2}\n')
    (tmp_path / "d.txt").write_text("name,value\nx,1\ny,2\n")
    (tmp_path / "e.bin").write_bytes(b"ElfFile\x00" + b"\x00" * 100)
    (tmp_path / "f.txt").write_text("just some notes\n")
    found = {p.name: sniff(p.read_bytes()[:8192], p) for p in tmp_path.iterdir()}
    assert found == {
        "a.log": "zeek",
        "b.txt": "syslog",
        "c.dat": "json",
        "d.txt": "csv",
        "e.bin": "evtx",
        "f.txt": None,
    }


def test_ingest_writes_one_dataset_per_family_with_pointers_and_manifest(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    events = [win_event(1, SYSMON, process("C:\\x\\a.exe", "a.exe -x"), record=i) for i in range(1, 4)]
    jsonl = write_jsonl(evidence / "sysmon.jsonl", events, bad_lines=(1,))
    (evidence / "net").mkdir()
    (evidence / "net" / "conn.log").write_text(ZEEK_CONN)
    (evidence / "auth.log").write_text(AUTH_LOG)
    (evidence / "notes.txt").write_text("plain notes\n")
    report = ingest([evidence], tmp_path / "case" / "events", jobs=1)

    assert report.events == {"windows": 3, "zeek": 2, "linux": 2}
    assert report.skipped == 3  # one malformed JSON line, one bad Zeek line, one non-syslog line
    by_name = {Path(f.name).name: f for f in report.files}
    assert by_name["sysmon.jsonl"].sha256 == hashlib.sha256(jsonl.read_bytes()).hexdigest()
    assert by_name["notes.txt"].format is None
    positions = {str(p) for p in report.problems}
    assert any("sysmon.jsonl:line 2" in p and "malformed JSON" in p for p in positions)
    assert any("conn.log:line 10" in p for p in positions)

    windows = _table(tmp_path / "case" / "events", "windows")
    assert {r["_record"] for r in windows} == {"1", "3", "4"}  # line numbers in the file
    assert all(r["_file"] == str(jsonl) and r["Image"] == "C:\\x\\a.exe" for r in windows)
    zeek = _table(tmp_path / "case" / "events", "zeek")
    assert {r["id.resp_h"] for r in zeek} == {"203.0.113.9", "198.51.100.7"}
    assert all(r["_log"] == "conn" for r in zeek)
    assert next(r for r in zeek if r["uid"] == "C2")["service"] is None  # unset field
    linux = _table(tmp_path / "case" / "events", "linux")
    assert {r["program"] for r in linux} == {"sshd"}


def test_ingest_in_parallel_gives_the_same_events(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    for n in range(6):
        write_jsonl(
            evidence / f"f{n}.jsonl",
            [win_event(1, SYSMON, process(f"C:\\{n}.exe", "x"), record=k) for k in range(50)],
        )
    serial = ingest([evidence], tmp_path / "a" / "events", jobs=1)
    parallel = ingest([evidence], tmp_path / "b" / "events", jobs=2)
    assert serial.events == parallel.events == {"windows": 300}
    assert serial.manifest == parallel.manifest


def test_corrupt_evtx_is_reported_not_fatal(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "bad.evtx").write_bytes(b"ElfFile\x00" + bytes(range(256)) * 40)
    write_jsonl(evidence / "ok.jsonl", [win_event(4624, "Security", {"LogonType": 3})])
    report = ingest([evidence], tmp_path / "events", jobs=1)
    assert report.events == {"windows": 1}
    bad = next(f for f in report.files if f.name.endswith("bad.evtx"))
    assert bad.format == "evtx" and bad.events == 0 and bad.problems
    assert "bad.evtx" in str(bad.problems[0])


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        ingest([tmp_path / "nope"], tmp_path / "events", jobs=1)


def test_json_shapes_winlogbeat_flat_windows_and_zeek(tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    docs = [
        {
            "@timestamp": "2024-03-01T10:00:00Z",
            "winlog": {
                "channel": "Security",
                "event_id": 4688,
                "computer_name": "h1",
                "event_data": {"NewProcessName": "C:\\a.exe"},
            },
        },
        {"EventID": 1, "Channel": SYSMON, "Image": "C:\\b.exe", "UtcTime": "2024-03-01 10:00:01.000"},
        {"_path": "dns", "ts": 1709287200.0, "uid": "C9", "query": "evil.example"},
        {"message": "hello", "host": {"name": "h2"}},
    ]
    path.write_text(json.dumps(docs))  # one JSON document holding an array
    problems = Problems(str(path))
    rows = list(parser("json").parse(path, problems))
    assert [r["_family"] for r in rows] == ["windows", "windows", "zeek", "generic"]
    assert (
        rows[0]["EventID"] == "4688" and rows[0]["_host"] == "h1" and rows[0]["NewProcessName"] == "C:\\a.exe"
    )
    assert rows[1]["_ts"] == "2024-03-01T10:00:01.000000Z"
    assert rows[2]["_log"] == "dns" and rows[2]["query"] == "evil.example"
    assert rows[3]["host.name"] == "h2" and rows[3]["_host"] == "h2"
    assert problems.skipped == 0


def test_csv_rows_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "TimeCreated,EventID,Channel,Computer\n2024-03-01 10:00:00,4625,Security,dc1\nbad,row\n2024-03-01 10:00:01,4624,Security,dc1\n"
        '2024-03-01 10:00:02,4688,"Secu\nrity",dc1\n\n"x\ny",z\n2024-03-01 10:00:03,4624,Security,dc1\n'
    )
    problems = Problems(str(path))
    rows = list(parser("csv").parse(path, problems))
    # A row is found at its first line, also when a quoted value runs over several.
    assert [r["_record"] for r in rows] == ["2", "4", "5", "10"]
    assert rows[0]["_family"] == "windows" and rows[0]["_host"] == "dc1"
    assert problems.skipped == 2 and "line 3" in str(problems.kept[0]) and "line 8" in str(problems.kept[1])


def test_winlogbeat_events_flattened_by_kibana_are_windows_events(tmp_path: Path) -> None:
    flat = {
        "@timestamp": "2024-03-05T10:00:00.000Z",
        "host.name": "ws02",
        "winlog.channel": SYSMON,
        "winlog.event_id": "1",
        "winlog.event_data.Image": "C:\\Windows\\System32\\vssadmin.exe",
        "winlog.event_data.CommandLine": "vssadmin delete shadows /all /quiet",
    }
    lines = tmp_path / "discover.jsonl"
    write_jsonl(lines, [flat])
    table = tmp_path / "discover.csv"
    table.write_text(
        ",".join(f'"{k}"' for k in flat)
        + "\n"
        + ",".join(f'"{v}"' for v in ["Mar 5, 2024 @ 10:00:00.000", *list(flat.values())[1:]])
        + "\n"
    )
    # Both forms in one document, and Kibana's number format for the event id.
    mixed = tmp_path / "mixed.jsonl"
    write_jsonl(
        mixed,
        [
            {
                "@timestamp": "2024-03-05T10:00:00.000Z",
                "host.name": "ws02",
                "winlog": {"channel": SYSMON, "event_id": "1"},
                **{k: v for k, v in flat.items() if k.startswith("winlog.event_data")},
            }
        ],
    )
    kibana = tmp_path / "kibana.csv"
    kibana.write_text('winlog.channel,winlog.event_id,winlog.computer_name\nSecurity,"4,688",ws03\n')
    assert next(iter(parser("csv").parse(kibana, Problems(str(kibana)))))["EventID"] == "4688"
    for path, name in ((lines, "json"), (table, "csv"), (mixed, "json")):
        rows = list(parser(name).parse(path, Problems(str(path))))
        assert len(rows) == 1 and rows[0]["_family"] == "windows", path
        row = rows[0]
        assert row["Channel"] == SYSMON and row["EventID"] == "1" and row["_host"] == "ws02"
        assert row["CommandLine"].startswith("vssadmin") and row["_ts"] == "2024-03-05T10:00:00.000000Z"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_members_cannot_escape_and_bombs_are_refused(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "e.zip",
        {
            "../evil.txt": b"x",
            "/abs.txt": b"x",
            "logs/ok.jsonl": b'{"a": 1}\n',
            "big.bin": b"\x00" * (8 * 1024 * 1024),
        },
    )
    problems = Problems(str(archive))
    out = tmp_path / "out"
    kept = list(extract(archive, "zip", out, problems, Budget(ArchiveLimits(max_ratio=100.0))))
    assert [name for _, name in kept] == ["logs/ok.jsonl"]
    messages = " ".join(str(p) for p in problems.kept)
    assert "../evil.txt" in messages and "/abs.txt" in messages and "compression ratio" in messages
    assert not (tmp_path / "evil.txt").exists()
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))


def test_tar_links_are_refused_and_archives_are_ingested(tmp_path: Path) -> None:
    archive = tmp_path / "e.tar.gz"
    payload = (json.dumps(win_event(1, SYSMON, process("C:\\t.exe", "t"))) + "\n").encode()
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("logs/sysmon.jsonl")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
        link = tarfile.TarInfo("logs/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    report = ingest([archive], tmp_path / "case" / "events", jobs=1)
    assert report.events == {"windows": 1}
    names = [f.name for f in report.files]
    assert f"{archive}!logs/sysmon.jsonl" in names
    archive_result = next(f for f in report.files if f.name == str(archive))
    assert archive_result.format == "archive:gz"
    assert any("link" in p.message for p in archive_result.problems)
    assert not (tmp_path / "case" / ".extract").exists()


def test_concatenated_pretty_printed_objects_are_read_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    first = json.dumps(win_event(1, SYSMON, process("C:\\a.exe", "a")), indent=2)
    second = json.dumps(win_event(1, SYSMON, process("C:\\b.exe", "b")), indent=2)
    third = json.dumps(win_event(1, SYSMON, process("C:\\c.exe", "c")), indent=2)
    path.write_text(first + "\n" + second + "\n{ broken\n" + third + "\n")
    problems = Problems(str(path))
    rows = list(parser("json").parse(path, problems))
    # A broken object costs itself: reading goes on at the next line that starts an object.
    assert [r["Image"] for r in rows] == ["C:\\a.exe", "C:\\b.exe", "C:\\c.exe"]
    assert rows[0]["_record"] == "1" and rows[1]["_record"] == str(first.count("\n") + 2)
    assert problems.skipped == 1 and "skipped to the next object" in str(problems.kept[0])


def test_json_lines_with_a_first_line_longer_than_the_sample_and_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    first = json.dumps({"EventID": 4104, "ScriptBlockText": "x" * 70_000})
    path.write_bytes(b"\xef\xbb\xbf" + (first + '\n{"EventID": 1, broken\n' + '{"msg": "a"}\n' * 6).encode())
    problems = Problems(str(path))
    rows = list(parser("json").parse(path, problems))
    assert len(rows) == 7 and problems.skipped == 1 and rows[-1]["_record"] == "8"


def test_fields_named_like_unmask_columns_cannot_move_or_forge_events(tmp_path: Path) -> None:
    # The evidence is hostile: a field named _family would pick the folder an event is written to
    # (outside the case, with ../), and _ts / _host / _record would forge its provenance.
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "conn.log").write_text(
        "#separator \\x09\n#path\tconn\n#fields\tts\t_family\tuid\n"
        "1700000000.0\t../../../../escaped\tC1\n1700000001.0\twindows\tC2\n"
    )
    (folder / "app.jsonl").write_text(
        json.dumps({"msg": "a", "_ts": "garbage", "_host": "forged", "_record": "99", "_family": "x/../y"})
        + "\n"
    )
    (folder / "t.csv").write_text("_ts,_host,msg\ngarbage,forged,a\n")
    events = tmp_path / "case" / "events"
    report = ingest([folder], events, jobs=1)
    assert sorted(p.name for p in events.iterdir()) == ["generic", "zeek"]
    assert not (tmp_path / "escaped").exists() and report.events == {"zeek": 2, "generic": 2}
    zeek = _table(events, "zeek")
    assert sorted(r["evidence_family"] for r in zeek) == ["../../../../escaped", "windows"]
    for row in _table(events, "generic"):
        assert row["_ts"] is None and row["_host"] is None and row["evidence_ts"] == "garbage"
        assert row["evidence_host"] == "forged" and row["_record"] in ("1", "2")


def test_hostile_json_shapes_are_skipped_not_fatal(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [
        json.dumps({"@timestamp": "9999-12-31T23:59:59-14:00", "msg": "late"}),
        "[" * 5000 + "]" * 5000,
        json.dumps({"Event": {"System": {"Provider": {"#attributes": ["x"]}, "EventID": 1,
                    "TimeCreated": {"#attributes": "2024"}, "Security": {"#attributes": 5}}}}),
        json.dumps({"a": "caf\u00e9", "deep": {"x": {"y": [[{"z": 1}]]}}}),
    ]  # fmt: skip
    (folder / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "latin.jsonl").write_bytes(b'{"msg": "caf\xe9"}\n{"msg": "b"}\n{broken\n{"msg": "c"}\n')
    report = ingest([folder], tmp_path / "events", jobs=1)
    by_name = {Path(f.name).name: f for f in report.files}
    assert by_name["mixed.jsonl"].events == 3 and by_name["mixed.jsonl"].skipped == 1
    assert by_name["latin.jsonl"].events == 3 and by_name["latin.jsonl"].skipped == 1
    assert any("not UTF-8" in p.message for p in by_name["latin.jsonl"].problems)
    late = [r for r in _table(tmp_path / "events", "generic") if r.get("msg") == "late"]
    assert late and late[0]["_ts"] is None


def test_a_file_named_twice_or_inside_the_case_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_jsonl(folder / "a.jsonl", [{"msg": "a"}])
    write_jsonl(folder / "case" / "old.jsonl", [{"msg": "from an earlier hunt"}])
    report = ingest(
        [folder / "a.jsonl", folder, folder / "a.jsonl"], tmp_path / "ev", jobs=1, exclude=[folder / "case"]
    )
    assert [Path(f.name).name for f in report.files] == ["a.jsonl"] and report.total_events == 1


def test_evtx_chunk_headers_say_how_many_records_a_file_holds(tmp_path: Path) -> None:
    from unmask.ingest.evtx import CHUNK_BYTES, HEADER_BYTES, declared_records

    def chunk(first: int, last: int) -> bytes:
        header = b"ElfChnk\x00" + first.to_bytes(8, "little") * 2 + first.to_bytes(8, "little")
        header += last.to_bytes(8, "little")
        return header.ljust(CHUNK_BYTES, b"\x00")

    path = tmp_path / "x.evtx"
    # Two chunks of 10 and 5 records, an unused chunk, and a last one cut short after its header.
    body = chunk(1, 10) + chunk(11, 15) + bytes(CHUNK_BYTES) + chunk(16, 40)[:1000]
    path.write_bytes(b"ElfFile\x00".ljust(HEADER_BYTES, b"\x00") + body)
    assert declared_records(path) == 40
    path.write_bytes(b"ElfFile\x00".ljust(HEADER_BYTES, b"\x00"))
    assert declared_records(path) == 0


def test_archive_members_of_one_name_and_cut_streams_lose_nothing_they_hold(tmp_path: Path) -> None:
    import gzip
    import warnings

    archive = tmp_path / "dup.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate name
        with zipfile.ZipFile(archive, "w") as handle:
            handle.writestr("log.jsonl", b'{"msg": "a"}\n')
            handle.writestr("log.jsonl", b'{"msg": "b"}\n')
            handle.writestr("x", b'{"msg": "file x"}\n')
            handle.writestr("x/y.jsonl", b'{"msg": "in folder x"}\n')
    problems = Problems(str(archive))
    kept = list(extract(archive, "zip", tmp_path / "out", problems))
    assert sorted(path.read_text() for path, _ in kept) == sorted(
        ['{"msg": "a"}\n', '{"msg": "b"}\n', '{"msg": "file x"}\n', '{"msg": "in folder x"}\n']
    )
    assert not problems.kept
    lines = b"".join(b'{"msg": "line %d"}\n' % n for n in range(5000))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(lines)[:-2000])
    problems = Problems(str(cut))
    kept = list(extract(cut, "gz", tmp_path / "out2", problems))
    assert len(kept) == 1 and 0 < len(kept[0][0].read_bytes()) < len(lines)
    assert "cut short" in problems.kept[0].message


def test_csv_bad_rows_quotes_headers_and_encodings_are_reported_not_lost(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "short.csv").write_text("msg,host\na,h1\na\na,h3\na,h4\n")
    quote = 'time,host,msg\n2024-01-01,h1,"unterminated\n' + "".join(
        f"2024-01-02,h2,row {n}\n" for n in range(150)
    )
    (folder / "quote.csv").write_text(quote)
    # ... however few lines it swallows.
    (folder / "short_quote.csv").write_text(
        'time,host,msg\n2024-01-01,h1,"open\n2024-01-02,h2,a\n2024-01-03,h3,b\n'
    )
    # A long quoted value that does close is one row, with a warning.
    (folder / "long.csv").write_text(
        'time,host,msg\n2024-01-01,h1,"' + "x\n" * 150 + '"\n2024-01-02,h2,after\n'
    )
    (folder / "dup.csv").write_text("msg,msg,host\na,b,h\n")
    (folder / "latin.csv").write_bytes(b"msg,host\ncaf\xe9,h\nb,h2\n")
    report = ingest([folder], tmp_path / "events", jobs=1)
    files = {Path(f.name).name: f for f in report.files}
    assert all(f.format == "csv" for f in files.values())
    assert files["short.csv"].events == 3 and files["short.csv"].skipped == 1
    # The quote ran to the end: that row is lost and counted, the 150 rows after it are read.
    assert (
        "unterminated quote runs to the end of the file (151 lines)" in files["quote.csv"].problems[0].message
    )
    assert files["quote.csv"].events == 150 and files["quote.csv"].skipped == 1
    assert files["short_quote.csv"].events == 2 and files["short_quote.csv"].skipped == 1
    hosts = [r for r in _table(tmp_path / "events", "generic") if r.get("msg") == "row 149"]
    assert [r["_record"] for r in hosts] == ["152"]
    assert "not UTF-8" in files["latin.csv"].problems[0].message and files["latin.csv"].events == 2
    assert files["long.csv"].events == 2 and "spans 151 lines" in files["long.csv"].problems[0].message
    dup = [r for r in _table(tmp_path / "events", "generic") if r.get("msg_2")]
    assert [(r["msg"], r["msg_2"]) for r in dup] == [("a", "b")]


def test_links_to_nothing_and_fifos_are_reported_not_read(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "in"
    write_jsonl(folder / "ok.jsonl", [{"msg": "a"}])
    (folder / "broken.jsonl").symlink_to(tmp_path / "nowhere")
    os.mkfifo(folder / "pipe")
    report = ingest([folder], tmp_path / "events", jobs=1)
    messages = sorted(p.message for f in report.files for p in f.problems)
    assert messages == ["a link to nothing (or a loop); skipped", "not a regular file; skipped"]
    assert report.total_events == 1
    # Not read at all is not "not recognised as evidence": each has its own reason.
    (folder / "notes.bin").write_bytes(b"\x00\x01 no format")
    report = ingest([folder], tmp_path / "events", jobs=1)
    assert sorted(Path(n).name for n in report.unread) == ["broken.jsonl", "pipe"]
    assert [Path(n).name for n in report.unrecognised] == ["notes.bin"]


def test_utf16_text_as_windows_powershell_writes_it_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    data = '{"msg": "a", "host": "h1"}\r\n{"msg": "b"}\r\n'.encode("utf-16")
    (folder / "ps.jsonl").write_bytes(data)
    report = ingest([folder], tmp_path / "events", jobs=1)
    (result,) = report.files
    assert result.format == "json" and result.events == 2
    assert result.sha256 == hashlib.sha256(data).hexdigest()  # the evidence as given, not the copy
    assert "UTF-16 text converted to UTF-8" in result.problems[0].message


def test_linked_folders_and_archives_nested_too_deep_are_reported(tmp_path: Path) -> None:
    import io as _io

    folder = tmp_path / "in"
    write_jsonl(tmp_path / "real" / "a.jsonl", [{"msg": "a"}])
    folder.mkdir()
    (folder / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    inner = _io.BytesIO()
    with zipfile.ZipFile(inner, "w") as handle:
        handle.writestr("x.jsonl", b'{"msg": "deep"}\n')
    middle = _io.BytesIO()
    with zipfile.ZipFile(middle, "w") as handle:
        handle.writestr("inner.zip", inner.getvalue())
    with zipfile.ZipFile(folder / "outer.zip", "w") as handle:
        handle.writestr("middle.zip", middle.getvalue())
    report = ingest([folder], tmp_path / "events", jobs=1)
    messages = {Path(f.name).name: [p.message for p in f.problems] for f in report.files}
    assert messages["linked"] == ["a link to a folder; not followed (give the folder itself)"]
    assert any("nested too deep" in m for name, ms in messages.items() if "inner.zip" in name for m in ms)


def test_windows_exports_with_float_event_ids_and_lower_case_channels_route(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_jsonl(
        folder / "e.jsonl",
        [
            {"EventID": 1.0, "Channel": "microsoft-windows-sysmon/operational ", "Image": "C:\\\\x.exe"},
            {"EventID": "4688.0", "Channel": "security"},
        ],
    )
    ingest([folder], tmp_path / "events", jobs=1)
    rows = _table(tmp_path / "events", "windows")
    assert sorted((r["EventID"], r["Channel"]) for r in rows) == [
        ("1", "Microsoft-Windows-Sysmon/Operational"),
        ("4688", "Security"),
    ]


def test_zeek_json_records_say_which_log_they_are_whatever_the_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_jsonl(
        folder / "zeek_export.json",
        [
            {
                "ts": 1709287200.5,
                "uid": "C1",
                "query": "evil.example",
                "qtype_name": "A",
                "id.orig_h": "10.0.0.5",
            },
            {"ts": 1709287201.0, "fuid": "F1", "mime_type": "application/x-dosexec", "sha256": "ab" * 32},
        ],
    )
    ingest([folder], tmp_path / "events", jobs=1)
    assert sorted(r["_log"] for r in _table(tmp_path / "events", "zeek")) == ["dns", "files"]


def test_a_file_that_changes_while_it_is_read_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unmask.ingest import run

    log = write_jsonl(tmp_path / "ev" / "live.jsonl", [win_event(1, SYSMON, process("a.exe", "a"), record=1)])
    stamps = iter([(1, 1), (2, 2)])  # the size and time before reading, then after
    monkeypatch.setattr(run, "_stamp", lambda path: next(stamps))
    report = ingest([log], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 1
    assert any("changed while it was read" in p.message for p in report.problems)


def test_names_and_values_that_are_not_unicode_text_are_kept_as_escapes(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "ev"
    folder.mkdir()
    # A file name written by another system (Latin-1 bytes), a NUL in a field name, a lone surrogate.
    name = os.fsdecode(b"caf\xe9.jsonl")
    (folder / name).write_text(
        '{"time": "2024-05-01T10:00:00Z", "msg": "bad \\ud800 value", "k\\u0000evil": "v"}\n',
        encoding="utf-8",
    )
    report = ingest([folder], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 1 and [Path(f.name).name for f in report.files] == ["caf\\xe9.jsonl"]
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path}/case/events/generic/*.parquet')").df()
    assert rows["msg"][0] == "bad \ufffd value" and rows["k\\x00evil"][0] == "v"


def test_json_lines_that_lost_their_first_line_are_still_json_lines(tmp_path: Path) -> None:
    events = [win_event(1, SYSMON, process("a.exe", f"a {n}"), record=n) for n in range(1, 4)]
    log = write_jsonl(tmp_path / "ev" / "cut.jsonl", events)
    # The first line lost its end (the head of a cut log) or its start (a rotated one).
    text = log.read_text(encoding="utf-8")
    log.write_text('{"EventID": 1, "Comm\n' + text, encoding="utf-8")
    other = tmp_path / "ev" / "rotated.jsonl"
    other.write_text('"CommandLine": "cut off"}\n' + text, encoding="utf-8")
    report = ingest([log, other], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 6 and report.skipped == 2


def test_events_without_a_readable_time_are_counted(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "ev" / "t.jsonl",
        [{"time": "2024-05-01T10:00:00Z", "m": "a"}, {"time": "soon", "m": "b"}, {"m": "c"}],
    )
    report = ingest([log], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 3 and report.undated == 2 and report.to_dict()["undated"] == 2


def test_cloud_audit_logs_are_dated_by_their_own_time_fields(tmp_path: Path) -> None:
    events = [
        {"eventTime": "2024-05-01T10:00:00Z", "eventSource": "iam.amazonaws.com", "eventName": "CreateUser"},
        {"published": "2024-05-01T10:00:01.000Z", "eventType": "user.session.start"},
    ]
    log = write_jsonl(tmp_path / "ev" / "cloud.jsonl", events)
    assert ingest([log], tmp_path / "case" / "events", jobs=1).undated == 0


def test_cloudtrail_and_azure_exports_are_their_records(tmp_path: Path) -> None:
    records = [
        {"eventTime": "2026-11-20T10:00:00Z", "eventSource": "cloudtrail.amazonaws.com", "eventName": name}
        for name in ("StopLogging", "DescribeTrails", "StartLogging")
    ]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ct_one_line.json").write_text(json.dumps({"Records": records}))  # as delivered to S3
    (folder / "ct_pretty.json").write_text(json.dumps({"Records": records}, indent=2))
    (folder / "azure.json").write_text(json.dumps({"records": records[:1]}))
    ingest([folder], tmp_path / "events", jobs=1)
    rows = _table(tmp_path / "events", "generic")
    assert len(rows) == 7 and sorted({r["eventName"] for r in rows}) == [
        "DescribeTrails",
        "StartLogging",
        "StopLogging",
    ]
    assert all(r["_ts"] for r in rows)


def test_a_zeek_http_event_belongs_to_its_client_not_the_host_header(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_jsonl(
        folder / "http.json",
        [
            {
                "_path": "http",
                "ts": 1709287200.5,
                "uid": "C1",
                "id.orig_h": "10.1.1.5",
                "host": "x.com",
                "uri": "/",
            }
        ],
    )
    ingest([folder], tmp_path / "events", jobs=1)
    [row] = _table(tmp_path / "events", "zeek")
    assert row["_host"] == "10.1.1.5" and row["host"] == "x.com"


def test_a_syslog_line_dated_after_its_file_was_written_is_from_the_year_before(tmp_path: Path) -> None:
    import os
    from datetime import UTC, datetime

    log = tmp_path / "in" / "auth.log"
    log.parent.mkdir()
    log.write_text(
        "Dec 31 23:59:00 srv sshd[1]: Corrupted MAC on input.\nJan  5 00:00:10 srv sshd[1]: Accepted key\n"
    )
    written = datetime(2026, 1, 5, 12, 0, tzinfo=UTC).timestamp()
    os.utime(log, (written, written))
    ingest([log.parent], tmp_path / "events", jobs=1)
    stamps = sorted(r["_ts"] for r in _table(tmp_path / "events", "linux"))
    assert stamps[0].startswith("2025-12-31") and stamps[1].startswith("2026-01-05")


def test_a_member_name_too_long_for_the_disk_costs_nothing_of_the_rest(tmp_path: Path) -> None:
    # An attacker's 300-character member name once stopped the archive there (ENAMETOOLONG).
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.jsonl", "{}\n")
        zf.writestr("y" * 300 + ".jsonl", "{}\n")
        zf.writestr("deep/" + "/".join(["d" * 150] * 12) + "/b.jsonl", "{}\n")
        zf.writestr("c.jsonl", "{}\n")
    problems = Problems(str(archive))
    kept = list(extract(archive, "zip", tmp_path / "out", problems))
    assert [name[:5] for _, name in kept] == ["a.jso", "yyyyy", "deep/", "c.jso"]
    assert all(path.is_file() for path, _ in kept) and not problems.kept
    tarred = tmp_path / "logs.tar.gz"
    with tarfile.open(tarred, "w:gz") as tf:
        for name in ("a.jsonl", "z" * 300, "c.jsonl"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tf.addfile(info, io.BytesIO(b"{}\n"))
    kept = list(extract(tarred, "gz", tmp_path / "out2", Problems(str(tarred))))
    assert len(kept) == 3


def test_a_gzipped_log_that_starts_with_nul_bytes_is_a_log_not_an_empty_tar(tmp_path: Path) -> None:
    import gzip

    log = tmp_path / "sysmon.jsonl.gz"
    log.write_bytes(gzip.compress(b"\0" * 1024 + b'{"a": 1}\n'))
    problems = Problems(str(log))
    [(path, name)] = list(extract(log, "gz", tmp_path / "out", problems))
    assert name == "sysmon.jsonl" and path.read_bytes().endswith(b'{"a": 1}\n')


def test_a_gzip_bomb_is_refused_in_time_proportional_to_what_comes_out(tmp_path: Path) -> None:
    import zlib

    # 256 MiB of one byte compresses about 1,000:1; the ratio limit stops it at the first check.
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = tmp_path / "bomb.gz"
    with bomb.open("wb") as out:
        block = b"A" * (1 << 20)
        for _ in range(256):
            out.write(squeeze.compress(block))
        out.write(squeeze.flush())
    problems = Problems(str(bomb))
    assert list(extract(bomb, "gz", tmp_path / "out", problems, Budget(ArchiveLimits(max_ratio=100.0)))) == []
    assert "compression ratio above 100" in problems.kept[0].message


def test_nxlog_source_name_is_the_provider_sigma_rules_name() -> None:
    from unmask.ingest.jsonlog import json_row

    row = json_row({"EventID": 7045, "SourceName": "Service Control Manager", "Channel": "System"})
    assert row is not None and row["Provider_Name"] == "Service Control Manager"


def test_a_headerless_last_cell_is_kept_as_the_message(tmp_path: Path) -> None:
    path = tmp_path / "ereignisse.csv"
    path.write_text(
        "Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\n"
        'Informationen,05.03.2024 10:00:00,Microsoft-Windows-Security-Auditing,4688,Prozesserstellung,"Ein neuer Prozess wurde erstellt."\n'
    )
    problems = Problems(str(path))
    rows = list(parser("csv").parse(path, problems))
    assert problems.skipped == 0 and rows[0]["Message"] == "Ein neuer Prozess wurde erstellt."
    assert rows[0]["Ereignis-ID"] == "4688"


def test_an_array_item_nested_too_deeply_costs_itself_only(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = json.dumps({"msg": "kept, with a comma, and ] a bracket", "host": "h1"})
    (folder / "deep.json").write_text(f'[{good}, {"[" * 5000}{"]" * 5000}, {good}, "s,t]r"]')
    report = ingest([folder], tmp_path / "events", jobs=1)
    [read] = report.files
    assert read.events == 2 and read.skipped == 2
    assert [r["msg"] for r in _table(tmp_path / "events", "generic")] == [
        "kept, with a comma, and ] a bracket"
    ] * 2


@pytest.mark.parametrize("stream_from", [10**9, 10])  # loaded whole, and read item by item
def test_big_json_documents_are_read_item_by_item_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream_from: int
) -> None:
    from unmask.ingest import jsonlog

    monkeypatch.setattr(jsonlog, "STREAM_FROM_BYTES", stream_from)
    events = [win_event(1, SYSMON, process(f"C:\\{n}.exe", str(n))) for n in range(3)]
    records = [{"eventTime": "2026-11-20T10:00:00Z", "eventName": f"Call{n}", "n": 1.5} for n in range(3)]
    files = {
        "array.json": json.dumps(events, indent=1),
        "ct_one_line.json": json.dumps({"Records": records}),
        "ct_pretty.json": "\ufeff" + json.dumps({"Records": records}, indent=2),
        "cut.json": json.dumps(events)[:-40],
        "single.json": json.dumps({"meta": 1, "Records": records}),  # one event, not a wrapper
    }
    rows = {}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        problems = Problems(name)
        rows[name] = (list(parser("json").parse(path, problems)), problems)
    assert [r["Image"] for r in rows["array.json"][0]] == ["C:\\0.exe", "C:\\1.exe", "C:\\2.exe"]
    assert [r["_record"] for r in rows["array.json"][0]] == ["0", "1", "2"]
    assert [r["_record"] for r in rows["ct_one_line.json"][0]] == ["1:0", "1:1", "1:2"]
    assert [r["_record"] for r in rows["single.json"][0]] == ["1"]  # line 1, as JSON lines
    assert [(r["eventName"], r["n"]) for r in rows["ct_pretty.json"][0]] == [
        (f"Call{n}", "1.5") for n in range(3)
    ]
    # A document cut short: what was read is kept, the loss is said.
    kept, problems = rows["cut.json"]
    assert [r["Image"] for r in kept][:2] == ["C:\\0.exe", "C:\\1.exe"] and problems.kept


def test_a_streamed_array_reads_on_past_bad_items_and_across_its_chunks() -> None:
    from unmask.ingest.jsonstream import BadItem, Leftover, array_items, array_key

    text = (
        '\ufeff [ {"Keywords": 9232379236109516800, "s": "a,]}\\"x"}, {"n": NaN}, {"broken": },'
        ' {"deep": [[1, 2], {"k": "v"}]}, 7, {"last": "é"} ]'
    )
    for chunk in (3, 7, 64, 1 << 20):  # item boundaries fall anywhere in the chunks
        items = list(array_items(io.BytesIO(text.encode()), "", chunk))
        assert items[0] == {"Keywords": 9232379236109516800, "s": 'a,]}"x'}
        # NaN is no JSON (as a whole document's loading says) and a broken item costs itself only.
        assert isinstance(items[1], BadItem) and isinstance(items[2], BadItem)
        assert items[3:] == [{"deep": [[1, 2], {"k": "v"}]}, 7, {"last": "é"}]
    wrapped = b'{"Records": [{"a": 1}, {"a": 2}], "other": 1}'
    assert array_key(io.BytesIO(wrapped), ("Records",)) == "Records"
    *events, rest = list(array_items(io.BytesIO(wrapped), "Records", 5))
    assert events == [{"a": 1}, {"a": 2}] and isinstance(rest, Leftover)  # what follows is said
    assert array_key(io.BytesIO(b'{"eventName": "x", "Records": []}'), ("Records",)) is None
    # Graph's context and Splunk's metadata before the events.
    graph = b'{"@odata.context": "https://graph/x", "@odata.nextLink": "y", "value": [{"a": 1}]}'
    assert array_key(io.BytesIO(graph), ("value",)) == "value"
    assert list(array_items(io.BytesIO(graph), "value", 4, ("value",))) == [{"a": 1}]
    splunk = b'{"preview": false, "init_offset": 0, "messages": [], "results": [{"b": 2}]}'
    skipped = frozenset({"preview", "init_offset", "messages"})
    assert array_key(io.BytesIO(splunk), ("results",), skipped) == "results"
    assert list(array_items(io.BytesIO(splunk), "results", 6, ("results",), skipped)) == [{"b": 2}]


def test_a_streamed_array_of_hostile_bytes_always_ends() -> None:
    from unmask.ingest.jsonstream import array_items

    for text in (
        "[}",
        "[:::]",
        "[{]}",
        "[{:}]",
        "[,,,",
        '["\\',
        "[" + "{" * 50,
        "[}]}{",
        '[{"a": 1}] tail {"b":',
    ):
        for chunk in (1, 2, 5, 64):
            assert len(list(array_items(io.BytesIO(text.encode()), "", chunk))) <= len(text)
    hostile = '{"Records": [}{]:'
    assert len(list(array_items(io.BytesIO(hostile.encode()), "Records", 3))) <= len(hostile)


def test_a_streamed_item_of_many_chunks_is_decoded_a_few_times_not_once_per_chunk() -> None:
    from unmask.ingest import jsonstream

    calls = 0
    decode = jsonstream._DECODER.raw_decode

    def counted(text: str, position: int = 0) -> tuple[object, int]:
        nonlocal calls
        calls += 1
        return decode(text, position)

    big = b'[{"s": "' + b"x" * 100_000 + b'"}, {"a": 1}]'
    jsonstream._DECODER.raw_decode = counted  # type: ignore[method-assign]
    try:
        items = list(jsonstream.array_items(io.BytesIO(big), "", chunk=1000))
    finally:
        jsonstream._DECODER.raw_decode = decode  # type: ignore[method-assign]
    assert len(items[0]["s"]) == 100_000 and items[1] == {"a": 1}
    assert calls < 20  # the read grows as much again each time: about log2(100), not 100


def test_archives_inside_an_archive_share_its_budget_so_their_ratios_do_not_multiply(tmp_path: Path) -> None:
    from unmask.ingest.run import IngestReport, discover

    # Zeros with a few random bytes: each level compresses under the per-member ratio limit, but the
    # inner archive's own deflate stream compresses again, so the two together far exceed it.
    chunk = bytearray(8 * 1024 * 1024)
    for offset in range(0, len(chunk), 64 * 1024):
        chunk[offset : offset + 4] = os.urandom(4)
    inner = _zip(tmp_path / "inner.zip", {"zeros.bin": bytes(chunk)})
    outer = _zip(tmp_path / "outer.zip", {"a.zip": inner.read_bytes(), "b.zip": inner.read_bytes()})
    inner.unlink()
    report = IngestReport()
    discover([outer], tmp_path / "scratch", report)
    written = sum(p.stat().st_size for p in (tmp_path / "scratch").rglob("*") if p.is_file())
    assert written <= 1000 * outer.stat().st_size + 2 * 1024 * 1024  # at most the ratio (and a chunk)
    messages = " ".join(str(p) for f in report.files for p in f.problems)
    assert "expand more than 1000 times its size" in messages


def test_a_lone_surrogate_escape_in_a_json_line_is_read_as_the_replacement_character(tmp_path: Path) -> None:
    # orjson refuses "\ud800" (half of a UTF-16 pair): the line was skipped as malformed JSON.
    good = json.dumps(win_event(1, SYSMON, process("a.exe", "a")))
    log = tmp_path / "ev" / "s.jsonl"
    log.parent.mkdir()
    log.write_text(good + '\n{"msg": "bad \\ud800 value", "time": "2024-05-01T10:00:00Z"}\n' + good + "\n")
    report = ingest([log], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 3 and report.skipped == 0
    rows = duckdb.sql(f"SELECT msg FROM read_parquet('{tmp_path}/case/events/generic/*.parquet')").fetchall()
    assert rows == [("bad \ufffd value",)]


def test_an_archive_member_whose_name_holds_a_nul_is_refused_and_the_rest_read(tmp_path: Path) -> None:
    good = json.dumps(win_event(1, SYSMON, process("a.exe", "a"))).encode() + b"\n"
    archive = tmp_path / "ev.tar"
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, pax in (("evil.jsonl", {"path": "evil\x00name.jsonl"}), ("good.jsonl", {})):
            info = tarfile.TarInfo(name)
            info.size, info.pax_headers = len(good), pax
            tar.addfile(info, io.BytesIO(good))
    report = ingest([archive], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 1
    assert [(p.position, p.message) for p in report.problems] == [
        ("evil\\x00name.jsonl", "member name holds a NUL byte; refused")
    ]


def test_a_file_removed_after_it_was_found_is_reported_and_the_rest_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unmask.ingest import run

    folder = tmp_path / "ev"
    write_jsonl(folder / "a.jsonl", [win_event(1, SYSMON, process("a.exe", "a"))])
    write_jsonl(folder / "b.jsonl", [win_event(1, SYSMON, process("b.exe", "b"))])
    found = run.discover

    def then_removed(*args: object, **kwargs: object) -> list[run.EvidenceFile]:
        files = found(*args, **kwargs)  # type: ignore[arg-type]
        (folder / "b.jsonl").unlink()  # a live system's log rotated away mid-hunt
        return files

    monkeypatch.setattr(run, "discover", then_removed)
    report = ingest([folder], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 1
    assert report.unread == [str(folder / "b.jsonl")]
    assert "cannot read" in report.problems[0].message


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (b"\0" * 512, "512 zero bytes (padding) after the compressed stream; ignored"),
        (b"garbage!", "8 bytes that are not gzip data after the compressed stream; ignored"),
    ],
)
def test_a_gzip_file_with_trailing_padding_or_garbage_keeps_its_events(
    tmp_path: Path, tail: bytes, message: str
) -> None:
    import gzip

    lines = b"".join(
        json.dumps(win_event(1, SYSMON, process("a.exe", f"a {n}"))).encode() + b"\n" for n in range(5)
    )
    log = tmp_path / "ev" / "log.jsonl.gz"
    log.parent.mkdir()
    log.write_bytes(gzip.compress(lines) + tail)
    report = ingest([log], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 5
    assert [p.message for p in report.problems] == [message]


def test_a_gzip_file_whose_second_member_is_damaged_keeps_the_first(tmp_path: Path) -> None:
    import gzip

    first = b"".join(
        json.dumps(win_event(1, SYSMON, process("a.exe", f"a {n}"))).encode() + b"\n" for n in range(3)
    )
    second = bytearray(gzip.compress(b'{"b": 1}\n' * 100))
    second[2] = 9  # a compression method gzip does not have
    log = tmp_path / "ev" / "log.jsonl.gz"
    log.parent.mkdir()
    log.write_bytes(gzip.compress(first) + bytes(second))
    report = ingest([log], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 3
    assert any("damaged or cut short" in p.message for p in report.problems)


def test_text_logs_whose_first_line_is_longer_than_the_sniffed_head_are_recognised(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    script = "A" * 9000
    rows = [
        f'7/15/2022 10:00:0{n} AM,4688,H1,Security,"A new process has been created. cmd.exe /c whoami"'
        for n in range(3)
    ]
    (folder / "export.csv").write_text(
        "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\nTimeCreated,Id,MachineName,LogName,Message\n"
        f'7/15/2022 10:00:00 AM,4104,H1,Microsoft-Windows-PowerShell/Operational,"Creating Scriptblock text (1 of 1):\n'
        f'$x = ""{script}""\nScriptBlock ID: 1"\n' + "\n".join(rows) + "\n"
    )
    request = '203.0.113.5 - - [10/Oct/2023:13:55:36 +0000] "GET /?q={q} HTTP/1.1" 200 2326 "-" "curl/8.0"\n'
    (folder / "access.log").write_text(request.format(q="B" * 9000) + request.format(q="c") * 2)
    report = ingest([folder], tmp_path / "case" / "events", jobs=1)
    assert {f.name.rsplit("/", 1)[-1]: (f.format, f.events) for f in report.files} == {
        "export.csv": ("csv", 4),
        "access.log": ("access-log", 3),
    }
    assert not report.problems


def test_a_file_not_recognised_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    (folder / "notes.txt").write_text("remember to rotate the keys\nand the other thing\n")
    (folder / "blob.bin").write_bytes(b"\x01\x00\x02" * 100)
    (folder / "empty.log").write_bytes(b"")
    report = ingest([folder], tmp_path / "case" / "events", jobs=1)
    why = {Path(name).name: text for name, text in report.unrecognised_why.items()}
    assert why["empty.log"] == "an empty file"
    assert why["blob.bin"].startswith("binary data")
    assert why["notes.txt"].startswith("text whose first lines are of no log format")
    assert "'remember to rotate the keys'" in why["notes.txt"]
    assert report.to_dict()["files"][0]["not_recognised_because"]


def test_utf16_text_with_an_odd_last_byte_is_read_and_the_replacement_said(tmp_path: Path) -> None:
    lines = "".join(json.dumps(win_event(1, SYSMON, process("a.exe", f"a {n}"))) + "\r\n" for n in range(3))
    log = tmp_path / "ev" / "cut.jsonl"
    log.parent.mkdir()
    log.write_bytes(lines.encode("utf-16") + b"\x7b")  # cut inside a character
    report = ingest([log], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 3
    assert "bytes that are not UTF-16" in report.problems[0].message


def test_a_zip_member_with_a_bad_crc_is_read_with_a_warning(tmp_path: Path) -> None:
    data = json.dumps(win_event(1, SYSMON, process("a.exe", "a"))).encode() + b"\n"
    archive = tmp_path / "ev.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("log.jsonl", data)
    raw = bytearray(archive.read_bytes())
    raw[raw.index(b"a.exe")] = ord("b")  # one byte of the member changed after it was zipped
    archive.write_bytes(bytes(raw))
    report = ingest([archive], tmp_path / "case" / "events", jobs=1)
    assert report.total_events == 1
    assert [p.message for p in report.problems] == [
        "member's CRC-32 does not match its data (damaged?); read as it is"
    ]
