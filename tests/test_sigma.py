"""Sigma semantics: each modifier SigmaHQ uses, over events the test writes itself."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.evidence import SYSMON, process, rule, win_event, write_jsonl, write_rule
from unmask.detect.engines.duckdb import DuckDBEngine
from unmask.detect.sigma.rules import load_rules
from unmask.ingest import ingest

PROC = "    product: windows\n    category: process_creation"

EVENTS = [
    # JSON lines: an event's pointer is its line (1..6; the Security event below is line 7)
    process("C:\\Windows\\System32\\cmd.exe", "cmd.exe /c whoami", User="CORP\\alice"),
    process(
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "powershell -enc " + base64.b64encode("Invoke-Mimikatz".encode("utf-16-le")).decode(),
    ),
    process(
        "C:\\Tools\\100%_sure.exe", "100%_sure.exe it's 'quoted'", User="CORP\\bob", Description="sure? yes*"
    ),
    process(
        "C:\\Windows\\System32\\net.exe", "net.exe user /domain", ParentImage="C:\\Windows\\System32\\net.exe"
    ),
    process(
        "C:\\Windows\\System32\\rundll32.exe",
        "rundll32.exe –exec payload.dll",
        DestinationIp="10.1.2.3",
        Count="12",
        User="İstanbul\\carol",
    ),
    process("C:\\Windows\\System32\\certutil.exe", "CERTUTIL -urlcache -f http://x", IntegrityLevel="High"),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    root = tmp_path_factory.mktemp("sigma")
    events = [win_event(1, SYSMON, data, record=i + 1) for i, data in enumerate(EVENTS)]
    events.append(
        win_event(
            4688,
            "Security",
            {"NewProcessName": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami"},
            record=99,
        )
    )
    write_jsonl(root / "ev" / "sysmon.jsonl", events)
    ingest([root / "ev"], root / "case" / "events", jobs=1)
    with DuckDBEngine(root / "case" / "events", threads=1) as db:
        yield db


def _matches(engine: DuckDBEngine, tmp_path: Path, detection: str, logsource: str = PROC) -> set[str]:
    write_rule(
        tmp_path / "rules", "r", rule("11111111-1111-1111-1111-111111111111", "t", logsource, detection)
    )
    rules = load_rules([tmp_path / "rules"])
    assert not rules.problems, rules.problems
    return {hit.record for hit in engine.run(rules.rules)}


CASES = {
    "plain equality is case-insensitive": (
        "    sel:\n        Image: 'c:\\windows\\system32\\CMD.EXE'\n    condition: sel",
        {"1", "7"},
    ),
    "endswith": ("    sel:\n        Image|endswith: '\\net.exe'\n    condition: sel", {"4"}),
    "startswith": ("    sel:\n        CommandLine|startswith: 'CERTutil'\n    condition: sel", {"6"}),
    "contains with all": (
        "    sel:\n        CommandLine|contains|all:\n            - 'net'\n            - '/domain'\n    condition: sel",
        {"4"},
    ),
    "contains list is any": (
        "    sel:\n        CommandLine|contains:\n            - 'whoami'\n            - 'urlcache'\n    condition: sel",
        {"1", "6", "7"},
    ),
    "wildcards in values": (
        "    sel:\n        Image: 'C:\\Windows\\\\*\\ne?.exe'\n    condition: sel",
        {"4"},
    ),
    "percent, underscore and quotes are literal": (
        '    sel:\n        CommandLine|contains: "100%_sure.exe it\'s"\n    condition: sel',
        {"3"},
    ),
    "underscore does not match any character": (
        "    sel:\n        CommandLine|contains: 'cmd_exe'\n    condition: sel",
        set(),
    ),
    "re is case-sensitive": ("    sel:\n        CommandLine|re: '^CERTUTIL\\s'\n    condition: sel", {"6"}),
    "re with i flag": ("    sel:\n        CommandLine|re|i: '^certutil\\s'\n    condition: sel", {"6"}),
    "cidr": ("    sel:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: sel", {"5"}),
    "windash matches the en dash": (
        "    sel:\n        CommandLine|windash|contains: '-exec'\n    condition: sel",
        {"5"},
    ),
    "base64offset utf16le": (
        "    sel:\n        CommandLine|wide|base64offset|contains: 'Invoke-Mimikatz'\n    condition: sel",
        {"2"},
    ),
    "utf16le is wide": (
        "    sel:\n        CommandLine|utf16le|base64offset|contains: 'Invoke-Mimikatz'\n    condition: sel",
        {"2"},
    ),
    "exists": ("    sel:\n        IntegrityLevel|exists: true\n    condition: sel", {"6"}),
    "fieldref": ("    sel:\n        ParentImage|fieldref: Image\n    condition: sel", {"4"}),
    "numeric comparison": ("    sel:\n        Count|gte: 10\n    condition: sel", {"5"}),
    "not over a missing field counts as not matching": (
        "    sel:\n        Image|endswith: '.exe'\n    filter:\n        User|endswith: '\\alice'\n    condition: sel and not filter",
        {"2", "3", "4", "5", "6", "7"},
    ),
    "cased": ("    sel:\n        CommandLine|cased|contains: 'CERTUTIL'\n    condition: sel", {"6"}),
    "lower-casing as the engine does (dotted capital I)": (
        "    sel:\n        User|contains: 'İSTANBUL'\n    condition: sel",
        {"5"},
    ),
    "a selection named not... is a name, not the operator": (
        "    sel:\n        Image|endswith: '.exe'\n    notcmd:\n        Image|endswith: '\\cmd.exe'\n    condition: sel and notcmd",
        {"1", "7"},
    ),
    "1 of not* over selections named not...": (
        "    notepad:\n        Image|endswith: '\\net.exe'\n    not_cert:\n        Image|endswith: '\\certutil.exe'\n    condition: 1 of not* and not notepad",
        {"6"},
    ),
    "patterns pick the same selections once not... is renamed": (
        "    selection_img:\n        Image|endswith: '\\cmd.exe'\n    selection_user:\n        User|endswith: '\\alice'\n"
        "    notepad:\n        Image|endswith: '\\net.exe'\n    condition: all of sel* or notepad",
        {"1", "4"},
    ),
    "1 of n* and 1 of * keep a selection named not...": (
        "    notcert:\n        Image|endswith: '\\certutil.exe'\n    net:\n        Image|endswith: '\\net.exe'\n"
        "    condition: 1 of n* and 1 of *",
        {"4", "6"},
    ),
    "1 of with keywords-free selections": (
        "    sel_a:\n        Image|endswith: '\\cmd.exe'\n    sel_b:\n        Image|endswith: '\\certutil.exe'\n    condition: 1 of sel_*",
        {"1", "6", "7"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_modifier_semantics(name: str, engine: DuckDBEngine, tmp_path: Path) -> None:
    detection, expected = CASES[name]
    assert _matches(engine, tmp_path, detection) == expected


def test_keywords_search_the_whole_event(engine: DuckDBEngine, tmp_path: Path) -> None:
    detection = "    keywords:\n        - 'payload.dll'\n    condition: keywords"
    assert _matches(engine, tmp_path, detection, "    product: windows") == {"5"}


KEYWORDS = {
    # Each value on its own: nothing matches across two of an event's values.
    "plain": ("'whoami'", {"1", "7"}),
    "across values": ("'cmd.exe | '", set()),
    "wildcard within a value": ("'rundll32*payload'", {"5"}),
    # An escaped backslash (or wildcard) is one plain character, not the escape written back.
    "escaped wildcards": ("'sure\\? yes\\*'", {"3"}),
    "escaped wildcard is no wildcard": ("'sur\\?* yes'", set()),
    "wildcard across values": ("'rundll32.exe –exec*10.1.2.3'", set()),
    "regex anchored to a value": ("'|re': '^net\\.exe user /domain$'", {"4"}),
    "regex across values": ("'|re': 'payload.*10\\.1'", set()),
}


@pytest.mark.parametrize("name", sorted(KEYWORDS))
def test_keywords_match_one_value_at_a_time(name: str, engine: DuckDBEngine, tmp_path: Path) -> None:
    value, expected = KEYWORDS[name]
    if value.startswith("'|re'"):
        detection = f"    keywords:\n        {value}\n    condition: keywords"
    else:
        detection = f"    keywords:\n        - {value}\n    condition: keywords"
    assert _matches(engine, tmp_path, detection, "    product: windows") == expected


def test_security_4688_route_maps_field_names(engine: DuckDBEngine, tmp_path: Path) -> None:
    write_rule(
        tmp_path / "rules",
        "r",
        rule(
            "22222222-2222-2222-2222-222222222222",
            "t",
            PROC,
            "    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel",
        ),
    )
    rules = load_rules([tmp_path / "rules"])
    routes = {r.route.name: r for r in rules.rules[0].routes}
    assert set(routes) == {"sysmon/process_creation", "security/process_creation", "ecs/process_creation"}
    assert '"NewProcessName"' in routes["security/process_creation"].sql.replace("__lc_", "")
    hits = list(engine.run(rules.rules))
    assert {h.record for h in hits} == {"1", "7"}


def test_bad_rules_are_reported_and_the_rest_load(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    write_rule(
        folder,
        "good",
        rule(
            "33333333-3333-3333-3333-333333333333",
            "good",
            PROC,
            "    sel:\n        Image: x\n    condition: sel",
            tags="attack.execution attack.t1059.001 attack.s0002",
        ),
    )
    write_rule(folder, "broken", "title: [unclosed\n")
    # Nested aliases: a few lines that would expand into 9^8 entries.
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)
    )
    write_rule(folder, "bomb", bomb + "title: bomb\n")
    write_rule(
        folder,
        "nocond",
        "title: no condition\nlogsource:\n    product: windows\ndetection:\n    sel:\n        a: b\n",
    )
    write_rule(
        folder,
        "lookbehind",
        rule(
            "44444444-4444-4444-4444-444444444444",
            "re2",
            PROC,
            "    sel:\n        CommandLine|re: '(?<=a)b'\n    condition: sel",
        ),
    )
    write_rule(
        folder,
        "mac",
        rule(
            "55555555-5555-5555-5555-555555555555",
            "mac",
            "    product: macos\n    category: process_creation",
            "    sel:\n        Image: x\n    condition: sel",
        ),
    )
    write_rule(folder, "empty", "")
    rules = load_rules([folder])
    assert [r.title for r in rules.rules] == ["good"]
    assert rules.rules[0].techniques == ("T1059.001",) and rules.rules[0].software == ("S0002",)
    problems = {Path(p.path).name: p.message for p in rules.problems}
    assert set(problems) == {"broken.yml", "nocond.yml", "lookbehind.yml", "bomb.yml", "empty.yml"}
    assert "no Sigma rule in this file" in problems["empty.yml"]
    assert "aliases" in problems["bomb.yml"]
    assert "not supported" in problems["lookbehind.yml"]
    assert [r.title for r in rules.unrouted] == ["mac"]


def test_compiled_rules_are_cached_by_file_hash(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    write_rule(
        folder,
        "a",
        rule(
            "66666666-6666-6666-6666-666666666666",
            "a",
            PROC,
            "    sel:\n        Image: x\n    condition: sel",
        ),
    )
    cache = tmp_path / "cache.json"
    first = load_rules([folder], cache=cache)
    assert cache.is_file()
    second = load_rules([folder], cache=cache)
    assert [r.to_dict() for r in first.rules] == [r.to_dict() for r in second.rules]
    write_rule(
        folder,
        "a",
        rule(
            "66666666-6666-6666-6666-666666666666",
            "a changed",
            PROC,
            "    sel:\n        Image: y\n    condition: sel",
        ),
    )
    assert load_rules([folder], cache=cache).rules[0].title == "a changed"


def test_parallel_compile_gives_the_same_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unmask.detect.sigma import rules as rules_module

    folder = tmp_path / "rules"
    for n in range(6):
        write_rule(
            folder,
            f"r{n}",
            rule(
                f"77777777-7777-7777-7777-00000000000{n}",
                f"r{n}",
                PROC,
                f"    sel:\n        Image|endswith: '\\\\t{n}.exe'\n    condition: sel",
            ),
        )
    serial = load_rules([folder], jobs=1)
    monkeypatch.setattr(rules_module, "PARALLEL_FROM", 2)
    parallel = load_rules([folder], jobs=2)
    assert sorted(r.id for r in serial.rules) == sorted(r.id for r in parallel.rules)
    assert {r.id: r.to_dict() for r in serial.rules} == {r.id: r.to_dict() for r in parallel.rules}


def test_a_file_that_is_not_a_rule_at_all_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    write_rule(folder, "plain", "just a line of text\n")
    write_rule(folder, "list", "- a\n- b\n")
    write_rule(
        folder,
        "ok",
        rule(
            "88888888-8888-8888-8888-888888888888",
            "ok",
            PROC,
            "    sel:\n        Image: x\n    condition: sel",
        ),
    )
    rules = load_rules([folder])
    assert [r.title for r in rules.rules] == ["ok"]
    assert {Path(p.path).name for p in rules.problems} == {"plain.yml", "list.yml"}


def test_rules_of_other_products_need_one_of_their_fields(tmp_path: Path) -> None:
    # Generic JSON events of an application: nothing says they are Okta's or a Cisco router's.
    write_jsonl(
        tmp_path / "ev" / "app.jsonl",
        [
            {"time": "2024-05-01T10:00:00Z", "msg": "show running-config", "status": "ok"},
            {"time": "2024-05-01T10:00:01Z", "eventType": "user.session.start", "Location": "FR"},
        ],
    )
    ingest([tmp_path / "ev"], tmp_path / "case" / "events", jobs=1)
    okta = "    product: okta\n    service: okta"
    write_rule(
        tmp_path / "rules",
        "keywords",
        rule(
            "22222222-2222-2222-2222-222222222222",
            "cli",
            "    product: cisco\n    service: aaa",
            "    keywords:\n        - 'show running'\n    condition: keywords",
        ),
    )
    write_rule(
        tmp_path / "rules",
        "not-only",
        rule(
            "33333333-3333-3333-3333-333333333333",
            "not",
            okta,
            "    filter:\n        Location: 'US'\n    condition: not filter",
        ),
    )
    write_rule(
        tmp_path / "rules",
        "selection",
        rule(
            "44444444-4444-4444-4444-444444444444",
            "sel",
            okta,
            "    sel:\n        eventType: 'user.session.start'\n    condition: sel",
        ),
    )
    write_rule(
        tmp_path / "rules",
        "placeholder",
        rule(
            "55555555-5555-5555-5555-555555555555",
            "placeholder",
            okta,
            "    sel:\n        eventType: 'user.session.start'\n        Location|expand: '%KNOWN%'\n    condition: sel",
        ),
    )
    rules = load_rules([tmp_path / "rules"])
    # Keywords alone cannot tell a router's log from any other: no events of that source here.
    assert [r.id for r in rules.unrouted] == ["22222222-2222-2222-2222-222222222222"]
    # A placeholder without a value: the rule is rejected, as Sigma asks, and says why.
    assert [(p.rule, "%KNOWN%" in p.message) for p in rules.problems] == [
        ("55555555-5555-5555-5555-555555555555", True)
    ]
    with DuckDBEngine(tmp_path / "case" / "events", threads=1) as db:
        hits = {(h.rule.id[:2], h.record) for h in db.run(rules.rules)}
    # "not filter" matched only the event that has the field; the selection its one event.
    assert hits == {("33", "2"), ("44", "2")}


def test_generic_network_categories_use_sigma_field_names_on_zeek_logs(tmp_path: Path) -> None:
    http = {
        "ts": 1714557600.0, "uid": "C1", "id.orig_h": "10.0.0.5", "id.orig_p": 50000,
        "id.resp_h": "203.0.113.9", "id.resp_p": 4444, "trans_depth": 1, "method": "GET",
        "host": "evil.example", "uri": "/a.ps1", "user_agent": "rclone/v1.62", "status_code": 200,
    }  # fmt: skip
    write_jsonl(tmp_path / "ev" / "http.log", [http])
    ingest([tmp_path / "ev"], tmp_path / "case" / "events", jobs=1)
    proxy = "    category: proxy"
    detections = {
        "11111111-0000-0000-0000-000000000001": "    sel:\n        c-useragent|startswith: 'rclone/v'\n        c-uri|endswith: '.ps1'\n    condition: sel",
        "11111111-0000-0000-0000-000000000002": "    sel:\n        dst_port: 4444\n        cs-host: 'evil.example'\n    condition: sel",
    }
    for number, (ident, detection) in enumerate(detections.items()):
        write_rule(tmp_path / "rules", f"r{number}", rule(ident, "proxy", proxy, detection))
    rules = load_rules([tmp_path / "rules"])
    assert not rules.problems and len(rules.rules) == 2
    with DuckDBEngine(tmp_path / "case" / "events", threads=1) as db:
        assert {h.rule.id for h in db.run(rules.rules)} == set(detections)


def test_linux_services_match_their_programs_in_any_case(tmp_path: Path) -> None:
    log = tmp_path / "ev" / "syslog"
    log.parent.mkdir(parents=True)
    log.write_text(
        "May  1 10:00:00 web01 CRON[200]: (root) REPLACE (root)\n"
        "May  1 10:00:01 web01 crontab[201]: (root) REPLACE (root)\n"
        "May  1 10:00:02 web01 sshd[202]: (root) REPLACE (root)\n"
    )
    ingest([log.parent], tmp_path / "case" / "events", jobs=1)
    detection = "    keywords:\n        - 'REPLACE'\n    condition: keywords"
    write_rule(
        tmp_path / "rules",
        "cron",
        rule(
            "66666666-6666-6666-6666-666666666666", "cron", "    product: linux\n    service: cron", detection
        ),
    )
    rules = load_rules([tmp_path / "rules"])
    with DuckDBEngine(tmp_path / "case" / "events", threads=1) as db:
        assert sorted(h.record for h in db.run(rules.rules)) == ["1", "2"]


def test_rules_of_any_linux_log_and_of_kubernetes_audit_run(tmp_path: Path) -> None:
    log = tmp_path / "ev" / "messages"
    log.parent.mkdir(parents=True)
    log.write_text(
        "May  1 10:00:00 web01 kernel: stack smashing detected\nMay  1 10:00:01 web01 kernel: ok\n"
    )
    write_jsonl(
        tmp_path / "ev" / "k8s_audit.log",
        [
            {"kind": "Event", "verb": "create", "objectRef": {"resource": "pods", "subresource": "exec"},
             "requestReceivedTimestamp": "2026-11-20T12:00:00Z"},
            {"kind": "Event", "verb": "get", "objectRef": {"resource": "pods", "subresource": "log"},
             "requestReceivedTimestamp": "2026-11-20T12:00:01Z"},
        ],
    )  # fmt: skip
    ingest([tmp_path / "ev"], tmp_path / "case" / "events", jobs=1)
    kernel = "    keywords:\n        - 'stack smashing detected'\n    condition: keywords"
    exec_ = "    sel:\n        verb: create\n        objectRef.resource: pods\n        objectRef.subresource: exec\n    condition: sel"
    write_rule(
        tmp_path / "rules",
        "lnx",
        rule("77777777-0000-0000-0000-000000000001", "lnx", "    product: linux", kernel),
    )
    source = "    category: application\n    product: kubernetes\n    service: audit"
    write_rule(tmp_path / "rules", "k8s", rule("77777777-0000-0000-0000-000000000002", "k8s", source, exec_))
    rules = load_rules([tmp_path / "rules"])
    assert not rules.problems and len(rules.rules) == 2
    with DuckDBEngine(tmp_path / "case" / "events", threads=1) as db:
        hits = sorted((h.rule.title, h.record, h.ts is not None) for h in db.run(rules.rules))
    assert hits == [("k8s", "1", True), ("lnx", "1", True)]


def test_sigma_web_fields_find_zeek_http_fields() -> None:
    from unmask.detect.sigma.routes import ZEEK_FIELDS

    for name in ("cs-user-agent", "c-useragent", "cs-uri", "c-uri", "cs-uri-query", "c-uri-query"):
        assert ZEEK_FIELDS["webserver"][name] in ("user_agent", "uri"), name


def _engine_over(tmp_path: Path, events: list[dict[str, object]]) -> DuckDBEngine:
    write_jsonl(tmp_path / "ev" / "e.jsonl", events)
    ingest([tmp_path / "ev"], tmp_path / "case" / "events", jobs=1)
    return DuckDBEngine(tmp_path / "case" / "events", threads=1)


def _hits(engine: DuckDBEngine, folder: Path, logsource: str, detection: str) -> set[str]:
    write_rule(folder, "r", rule("22222222-2222-2222-2222-222222222222", "t", logsource, detection))
    rules = load_rules([folder])
    assert not rules.problems, rules.problems
    return {hit.record for hit in engine.run(rules.rules)}


def test_cidr_is_an_ip_network_not_a_text_prefix(tmp_path: Path) -> None:
    addresses = ["10.0.0.1", "10.evil.com", "2001:db8::1", "2001:db8:5::1", "::1", "-", "::ffff:10.9.9.9"]
    events = [win_event(3, SYSMON, {"DestinationIp": ip}, record=i + 1) for i, ip in enumerate(addresses)]
    net = "    product: windows\n    category: network_connection"
    with _engine_over(tmp_path, events) as engine:
        cidr = "    sel:\n        DestinationIp|cidr: '{}'\n    condition: sel"
        assert _hits(engine, tmp_path / "r1", net, cidr.format("10.0.0.0/8")) == {"1"}
        assert _hits(engine, tmp_path / "r2", net, cidr.format("2001:db8::/48")) == {"3"}
        assert _hits(engine, tmp_path / "r3", net, cidr.format("0.0.0.0/0")) == {"1"}
        no_private = "    sel:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: not sel"
        assert _hits(engine, tmp_path / "r4", net, no_private) == {"2", "3", "4", "5", "6", "7"}


def test_timestamp_part_modifiers_compare_a_part_of_the_time(tmp_path: Path) -> None:
    events = [
        win_event(1, SYSMON, process("C:\\a.exe", "a", UtcTime="2024-01-01 10:15:00.000"), record=1),
        win_event(1, SYSMON, process("C:\\b.exe", "b", UtcTime="2024-03-01 22:15:00.000"), record=2),
        win_event(1, SYSMON, process("C:\\c.exe", "c", UtcTime="2024-01-05T12:15:00+02:00"), record=3),
    ]
    with _engine_over(tmp_path, events) as engine:
        hour = "    sel:\n        UtcTime|hour: 10\n    condition: sel"
        # A time with its offset is read in UTC (12:15+02:00 is 10:15 UTC), as findings show times.
        assert _hits(engine, tmp_path / "r1", PROC, hour) == {"1", "3"}
        month = "    sel:\n        UtcTime|month: 3\n    condition: sel"
        assert _hits(engine, tmp_path / "r2", PROC, month) == {"2"}


def test_sysmon_registry_add_and_delete_are_told_apart_by_event_type(tmp_path: Path) -> None:
    kinds = ["CreateKey", "DeleteKey", "DeleteValue", "SetValue"]
    events = [
        win_event(
            12 if kind != "SetValue" else 13,
            SYSMON,
            {"EventType": kind, "TargetObject": "HKU\\x\\RunMRU"},
            record=i + 1,
        )
        for i, kind in enumerate(kinds)
    ]
    detection = "    sel:\n        TargetObject|endswith: '\\RunMRU'\n    condition: sel"
    with _engine_over(tmp_path, events) as engine:
        source = "    product: windows\n    category: {}"
        assert _hits(engine, tmp_path / "r1", source.format("registry_delete"), detection) == {"2", "3"}
        assert _hits(engine, tmp_path / "r2", source.format("registry_add"), detection) == {"1"}
        assert _hits(engine, tmp_path / "r3", source.format("registry_event"), detection) == {
            "1",
            "2",
            "3",
            "4",
        }


def test_base64_text_is_compared_as_written(tmp_path: Path) -> None:
    commands = ["x YWJj y", "x ywjj y", "x YWJJ y"]  # base64 of "abc" is YWJj; the others are not it
    events = [win_event(1, SYSMON, process("C:\\a.exe", c), record=i + 1) for i, c in enumerate(commands)]
    with _engine_over(tmp_path, events) as engine:
        for n, detection in enumerate(
            [
                "    sel:\n        CommandLine|base64|contains: 'abc'\n    condition: sel",
                "    sel:\n        CommandLine|base64offset|contains:\n            - 'abc'\n    condition: sel",
            ]
        ):
            assert _hits(engine, tmp_path / f"r{n}", PROC, detection) == {"1"}


def test_security_4657_matches_the_operation_code_raw_evtx_keeps(tmp_path: Path) -> None:
    events = [
        win_event(
            4657,
            "Security",
            {
                "ObjectName": "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
                "OperationType": op,
                "NewValue": "C:\\Users\\Public\\evil.exe",
                "SubjectLogonId": "0x3e7",
            },
            record=i + 1,
        )
        for i, op in enumerate(["%%1905", "%%1904", "%%1906"])
    ]
    detection = "    sel:\n        TargetObject|contains: '\\CurrentVersion\\Run'\n    condition: sel"
    registry_set = "    product: windows\n    category: registry_set"
    with _engine_over(tmp_path, events) as engine:
        found = _hits(engine, tmp_path / "r", registry_set, detection)
        assert found == {"1"}  # a value modified (%%1905); not created (1904) nor deleted (1906)
        # Sysmon's Details and LogonId are 4657's NewValue and SubjectLogonId (pySigma's mapping).
        details = (
            "    sel:\n        Details|endswith: '\\evil.exe'\n        LogonId: '0x3e7'\n    condition: sel"
        )
        assert _hits(engine, tmp_path / "d", registry_set, details) == {"1"}


def test_two_rules_with_one_id_both_run_and_are_named_in_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    source = "    product: windows\n    category: process_creation"
    ident = "33333333-3333-4333-8333-333333333333"
    for name in ("first", "second"):
        body = f"    sel:\n        Image|endswith: '\\\\{name}.exe'\n    condition: sel"
        write_rule(folder, name, rule(ident, name.title(), source, body))
    rules = load_rules([folder])
    assert len(rules.rules) == 2 and len(rules.warnings) == 1
    assert rules.warnings[0].startswith(f"rule id {ident} is given by 2 rules (")
    assert "first.yml" in rules.warnings[0] and "second.yml" in rules.warnings[0]
    assert load_rules([folder / "first.yml"]).warnings == []
    # A file reached twice (given twice, or under two folders given) is one file.
    twice = load_rules([folder / "first.yml", folder, folder / "first.yml"])
    assert twice.files == 2 and len(twice.rules) == 2
    assert load_rules([folder / "first.yml", folder / "first.yml"]).warnings == []


def test_conditions_that_name_no_selection_or_misread_one_say_why(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    detections = {
        "nomatch": "    sel:\n        Image: x\n    condition: 1 of foo*",
        "undefined": "    notepad:\n        Image: x\n    condition: notepad and notexisting",
    }
    for n, (name, detection) in enumerate(detections.items()):
        write_rule(folder, name, rule(f"6666666{n}-6666-6666-6666-666666666666", name, PROC, detection))
    problems = {Path(p.path).stem: p.message for p in load_rules([folder]).problems}
    assert "'1 of foo*' names no selection of the rule" in problems["nomatch"]
    # Said as the rule writes the name, not as it was renamed for pySigma.
    assert "'notexisting' not defined" in problems["undefined"]


def test_sigma_filters_narrow_the_rules_they_name(engine: DuckDBEngine, tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    base = "    sel:\n        Image|endswith: '.exe'\n    condition: sel"
    write_rule(folder, "base", rule("77777777-7777-7777-7777-777777777777", "base", PROC, base))
    write_rule(folder, "other", rule("99999999-9999-9999-9999-999999999999", "other", PROC, base))
    tuning = (
        "title: tuning\nid: 88888888-8888-8888-8888-888888888888\nlogsource:\n    product: windows\n"
        "    category: process_creation\nfilter:\n    rules:\n        - 77777777-7777-7777-7777-777777777777\n"
        "        - 12345678-0000-0000-0000-000000000000\n    selection:\n        User|endswith: '\\bob'\n"
        "    condition: not selection\n"
    )
    write_rule(folder, "tuning", tuning)
    rules = load_rules([folder], cache=tmp_path / "cache.json")
    assert not rules.problems
    by_title = {r.title: r for r in rules.rules}
    assert (
        by_title["base"].filters == ("88888888-8888-8888-8888-888888888888",)
        and not by_title["other"].filters
    )
    assert any(
        "names rule 12345678-0000-0000-0000-000000000000, which no rule file given defines" in w
        for w in rules.warnings
    )
    hits: dict[str, set[str]] = {}
    for hit in engine.run(rules.rules):
        hits.setdefault(hit.rule.title, set()).add(hit.record)
    # Event 3 is bob's: the filter takes it from the rule it names, and from no other rule.
    assert "3" in hits["other"] and "3" not in hits["base"]
    assert hits["base"] == hits["other"] - {"3"}
    # A broken filter costs itself: it is reported against its own file, and the good one applies.
    for name, condition in (
        ("typo", "not selectoin"),
        ("regex", "not lookahead"),
        ("nothing", "not 1 of zzz*"),
    ):
        write_rule(
            folder,
            name,
            tuning.replace("88888888-8888", f"8888888{len(name)}-8888").replace("not selection", condition)
            + "    lookahead:\n        User|re: '(?!CORP).*'\n",
        )
    rules = load_rules([folder], cache=tmp_path / "cache.json")
    base_rule = next(r for r in rules.rules if r.title == "base")
    assert base_rule.filters == ("88888888-8888-8888-8888-888888888888",)
    # The rule runs (without them): warnings against the filters' files, no rule lost.
    assert not rules.problems
    said = {Path(w.split(":")[0]).stem: w for w in rules.warnings if "cannot be applied" in w}
    assert set(said) == {"typo", "regex", "nothing"}
    assert "'selectoin' not defined" in said["typo"] and "_filt_" not in said["typo"]
    assert all("the rule runs without it" in w for w in said.values())
    assert not any("log source is not its own" in w for w in rules.warnings)
    for name in ("typo", "regex", "nothing"):
        (folder / f"{name}.yml").unlink()
    # A filter of another log source than the rule's filters nothing, and says so.
    write_rule(folder, "linux", tuning.replace("88888888", "88888889").replace("windows", "linux"))
    assert any("whose log source is not its own" in w for w in load_rules([folder]).warnings)
    (folder / "linux.yml").unlink()
    # The cache keeps the unfiltered rule; the filter is applied again on every load.
    again = {r.title: r for r in load_rules([folder], cache=tmp_path / "cache.json").rules}
    assert again["base"].filters and not again["other"].filters


def test_filters_replace_the_right_rule_when_ids_repeat_or_are_missing(
    engine: DuckDBEngine, tmp_path: Path
) -> None:
    # Two rules of one file under one id, and a rule without an id in a folder that moves.
    folder = tmp_path / "rules"
    twins = "\n---\n".join(
        rule(
            "abababab-0000-0000-0000-000000000000",
            title,
            PROC,
            f"    sel:\n        Image|endswith: '{image}'\n    condition: sel",
        )
        for title, image in (("twin cmd", "\\cmd.exe"), ("twin net", "\\net.exe"))
    )
    write_rule(folder, "twins", twins)
    write_rule(
        folder,
        "anon",
        "title: anon\nlogsource:\n    product: windows\n    category: process_creation\n"
        "detection:\n    sel:\n        Image|endswith: '.exe'\n    condition: sel\nlevel: high\n",
    )
    write_rule(
        folder,
        "tuning",
        "title: tuning\nlogsource:\n    product: windows\n    category: process_creation\nfilter:\n    rules: any\n"
        "    selection:\n        User|endswith: '\\\\alice'\n    condition: not selection\n",
    )
    cache = tmp_path / "cache.json"
    for where in (folder, tmp_path / "moved"):
        if not where.exists():
            folder.rename(where)
        hits: dict[str, set[str]] = {}
        for hit in engine.run(load_rules([where], cache=cache).rules):
            hits.setdefault(hit.rule.title, set()).add(hit.record)
        # Event 1 is alice's cmd.exe: filtered out everywhere; each twin keeps its own events.
        assert hits["twin cmd"] == {"7"} and hits["twin net"] == {"4"}
        assert "1" not in hits["anon"] and "4" in hits["anon"]


def test_exists_asks_whether_the_field_is_there_whatever_its_value(tmp_path: Path) -> None:
    # Sigma: exists "only verifies the presence of a field, not its value, be it empty or null".
    commands: list[object] = [None, "MISSING", "", "whoami"]
    events = [
        win_event(
            1, SYSMON, {"Image": "C:\\a.exe"} | ({} if c == "MISSING" else {"CommandLine": c}), record=i + 1
        )
        for i, c in enumerate(commands)
    ]
    # Generic JSON: a product rule runs over the events that have one of its fields, null or not.
    events += [
        {"time": "2024-05-01T10:00:00Z", "eventType": "user.session.start", "outcome": None},
        {"time": "2024-05-01T10:00:01Z", "eventType": "user.session.start"},
    ]
    okta = "    product: okta\n    service: okta"
    with _engine_over(tmp_path, events) as engine:
        present = "    sel:\n        CommandLine|exists: true\n    condition: sel"
        absent = "    sel:\n        CommandLine|exists: false\n    condition: sel"
        null = "    sel:\n        CommandLine: null\n    condition: sel"
        assert _hits(engine, tmp_path / "r1", PROC, present) == {"1", "3", "4"}
        assert _hits(engine, tmp_path / "r2", PROC, absent) == {"2"}
        # `null` still means no value: missing, null or empty.
        assert _hits(engine, tmp_path / "r3", PROC, null) == {"1", "2", "3"}
        outcome = "    sel:\n        outcome|exists: {}\n    condition: sel"
        assert _hits(engine, tmp_path / "r4", okta, outcome.format("true")) == {"5"}
        assert _hits(engine, tmp_path / "r5", okta, outcome.format("false")) == set()


def test_a_field_given_twice_in_two_cases_keeps_its_first_value_whole(tmp_path: Path) -> None:
    # JSON can give "CommandLine" and "commandline" in one event: one column (SQL folds case).
    events = [
        {
            "EventID": 1, "Channel": SYSMON, "Computer": "h1", "TimeCreated": "2024-01-01T10:00:01Z",
            "Image": "C:\\x\\a.exe", "CommandLine": "AbC", "commandline": "zzz",
            "DestinationIp": "10.0.0.1", "destinationip": "8.8.8.8", "Count": "12", "COUNT": "x",
        }
    ]  # fmt: skip
    with _engine_over(tmp_path, events) as engine:
        detections = {
            "    sel:\n        CommandLine: 'abc'\n    condition: sel": PROC,
            "    sel:\n        CommandLine|startswith: 'ab'\n    condition: sel": PROC,
            "    sel:\n        Count|gt: 10\n    condition: sel": PROC,
            "    sel:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: sel": PROC,
            # the other spelling's value is kept: a keyword finds it
            "    keywords:\n        - 'zzz'\n    condition: keywords": "    product: windows",
        }
        for n, (detection, source) in enumerate(detections.items()):
            assert _hits(engine, tmp_path / f"r{n}", source, detection) == {"1"}, detection
        # the field's value is the first spelling's
        other = "    sel:\n        commandline: 'zzz'\n    condition: sel"
        assert _hits(engine, tmp_path / "other", PROC, other) == set()


def test_a_dotted_key_and_a_nested_object_of_one_name_keep_the_first_value_whole(tmp_path: Path) -> None:
    # {"objectRef.resource": ..., "objectRef": {"resource": ...}}: both flatten to objectRef.resource.
    events = [
        {"kind": "Event", "verb": "create", "objectRef.resource": "pods",
         "objectRef": {"resource": "secrets", "subresource": "exec"},
         "requestReceivedTimestamp": "2026-11-20T12:00:00Z"},
    ]  # fmt: skip
    source = "    category: application\n    product: kubernetes\n    service: audit"
    with _engine_over(tmp_path, events) as engine:
        first = "    sel:\n        objectRef.resource: pods\n        objectRef.subresource: exec\n    condition: sel"
        assert _hits(engine, tmp_path / "r1", source, first) == {"1"}
        # the other value is not the field's, and is kept apart, where keywords and indicators find it
        other = "    sel:\n        objectRef.resource: secrets\n    condition: sel"
        assert _hits(engine, tmp_path / "r2", source, other) == set()
        apart = "    sel:\n        objectRef.resource (2): secrets\n    condition: sel"
        assert _hits(engine, tmp_path / "r3", source, apart) == {"1"}


def test_numbers_and_addresses_are_read_as_written_not_trimmed(tmp_path: Path) -> None:
    # Like every string compare (CommandLine: 'abc' is not 'abc '), nothing is trimmed: a value
    # with a space around it is no number and no address.
    values = ["80", " 80", "80 ", "8_0", "inf", "-3", "1e2", "80.5"]
    addresses = ["10.0.0.1", "10.0.0.1 ", " 10.0.0.1", "10.0.0.1\t", "10.0.0.1", "10.0.0.1", "10.0.0.1", "x"]
    events = [
        win_event(3, SYSMON, {"DestinationPort": port, "DestinationIp": ip}, record=i + 1)
        for i, (port, ip) in enumerate(zip(values, addresses, strict=True))
    ]
    net = "    product: windows\n    category: network_connection"
    with _engine_over(tmp_path, events) as engine:
        below = "    sel:\n        DestinationPort|lte: 100\n    condition: sel"
        assert _hits(engine, tmp_path / "r1", net, below) == {"1", "6", "7", "8"}
        above = "    sel:\n        DestinationPort|gt: 50\n    condition: sel"
        assert _hits(engine, tmp_path / "r2", net, above) == {"1", "7", "8"}
        cidr = "    sel:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: sel"
        assert _hits(engine, tmp_path / "r3", net, cidr) == {"1", "5", "6", "7"}


def test_all_on_a_single_value_runs_with_a_warning(engine: DuckDBEngine, tmp_path: Path) -> None:
    # Sigma: "Single item values are not allowed to have an all modifier".
    single = "    sel:\n        CommandLine|contains|all: whoami\n    condition: sel"
    listed = "    sel:\n        CommandLine|contains|all:\n            - 'net'\n            - '/domain'\n    condition: sel"
    write_rule(
        tmp_path / "rules", "single", rule("11111111-1111-1111-1111-111111111111", "single", PROC, single)
    )
    write_rule(
        tmp_path / "rules", "listed", rule("22222222-2222-2222-2222-222222222222", "listed", PROC, listed)
    )
    for cache in (None, tmp_path / "cache.json", tmp_path / "cache.json"):  # compiled, then cached
        rules = load_rules([tmp_path / "rules"], cache=cache)
        assert not rules.problems and len(rules.rules) == 2
        assert len(rules.warnings) == 1 and "single.yml" in rules.warnings[0], rules.warnings
        assert "'CommandLine|contains|all' has a single value" in rules.warnings[0]
    assert {hit.record for hit in engine.run(rules.rules) if hit.rule.title == "single"} == {"1", "7"}


def test_a_document_that_is_not_yaml_costs_itself_only(tmp_path: Path) -> None:
    def document(n: int, detection: str) -> str:
        return rule(f"99999999-0000-0000-0000-00000000000{n}", f"doc {n}", PROC, detection)

    good = "    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel"
    broken = "    sel: {CommandLine: [unclosed\n    condition: sel"  # a bracket left open
    text = "\n---\n".join([document(1, good), document(2, broken), document(3, good)])
    write_rule(tmp_path / "rules", "three", text)
    rules = load_rules([tmp_path / "rules"])
    assert [r.title for r in rules.rules] == ["doc 1", "doc 3"]
    [problem] = rules.problems
    assert problem.rule == "99999999-0000-0000-0000-000000000002"
    assert problem.message.startswith(
        "document 2 ('doc 2', id 99999999-0000-0000-0000-000000000002): not YAML: "
    )
    # where the file has it: the second document's "condition: sel", after the open bracket
    assert text.splitlines()[23 - 1] == "    condition: sel"
    assert problem.message.endswith("(line 23, column 14)")


def test_a_key_given_twice_refuses_its_rule_naming_the_key_and_line(tmp_path: Path) -> None:
    # The last key would win: a rule of "ends with 'admin /add' and 'zzz'" would match "zzz" alone.
    twice_in_selection = (
        "    sel:\n        CommandLine|endswith: 'admin /add'\n        CommandLine|endswith: 'zzz'\n"
        "    condition: sel"
    )
    selection_twice = "    sel:\n        Image: a\n    sel:\n        Image: b\n    condition: sel"
    good = "    sel:\n        Image: c\n    condition: sel"
    write_rule(
        tmp_path / "rules",
        "two",
        rule("aaaaaaaa-1111-0000-0000-000000000001", "twice", PROC, twice_in_selection)
        + "---\n"
        + rule("aaaaaaaa-1111-0000-0000-000000000002", "good", PROC, good),
    )
    write_rule(
        tmp_path / "rules",
        "one",
        rule("aaaaaaaa-1111-0000-0000-000000000003", "selection twice", PROC, selection_twice),
    )
    rules = load_rules([tmp_path / "rules"])
    assert [r.title for r in rules.rules] == ["good"]
    assert sorted((Path(p.path).name, p.rule, p.message) for p in rules.problems) == [
        (
            "one.yml",
            "aaaaaaaa-1111-0000-0000-000000000003",
            "not YAML: the key 'sel' is given twice (line 11, column 5)",
        ),
        (
            "two.yml",
            "aaaaaaaa-1111-0000-0000-000000000001",
            "document 1 ('twice', id aaaaaaaa-1111-0000-0000-000000000001): not YAML: "
            "the key 'CommandLine|endswith' is given twice (line 11, column 9)",
        ),
    ]


def test_security_4688_gives_the_process_ids_integrity_level_and_account_of_sysmon(tmp_path: Path) -> None:
    def started(**data: str) -> dict[str, object]:
        return win_event(4688, "Security", {"NewProcessName": "C:\\Windows\\System32\\cmd.exe", **data})

    events = [
        # 1: bob's process, high integrity (4688 writes "-" and the null SID for no other account)
        started(
            NewProcessId="0x10", ProcessId="0x20", MandatoryLabel="S-1-16-12288", SubjectUserSid="S-1-5-21-1",
            SubjectUserName="bob", SubjectDomainName="CORP", TargetUserName="-", TargetUserSid="S-1-0-0",
        ),
        # 2: SYSTEM's (4688 names it by the computer's account), system integrity
        started(
            MandatoryLabel="S-1-16-16384", SubjectUserSid="S-1-5-18", SubjectUserName="WS01$",
            SubjectDomainName="CORP",
        ),
        # 3: started by bob as alice (runas): the process is alice's
        started(
            SubjectUserSid="S-1-5-21-1", SubjectUserName="bob", SubjectDomainName="CORP",
            TargetUserSid="S-1-5-21-2", TargetUserName="alice", TargetDomainName="CORP",
        ),
    ]  # fmt: skip
    with _engine_over(tmp_path, events) as engine:
        expected = {
            "    sel:\n        IntegrityLevel: High\n    condition: sel": {"1"},
            "    sel:\n        IntegrityLevel:\n            - 'System'\n            - 'S-1-16-16384'\n    condition: sel": {"2"},
            "    sel:\n        User|contains: AUTHORI\n    condition: sel": {"2"},
            "    sel:\n        User|endswith: '\\alice'\n    condition: sel": {"3"},
            "    sel:\n        User|contains: bob\n    condition: sel": {"1"},
            "    sel:\n        ProcessId: '0x10'\n        ParentProcessId: '0x20'\n    condition: sel": {"1"},
        }  # fmt: skip
        for n, (detection, records) in enumerate(expected.items()):
            assert _hits(engine, tmp_path / f"r{n}", PROC, detection) == records, detection
    # A field 4688 does not have is named, once per rule.
    write_rule(
        tmp_path / "absent",
        "r",
        rule(
            "22222222-2222-2222-2222-222222222222",
            "t",
            PROC,
            "    sel:\n        - Image|endswith: '\\cmd.exe'\n        - OriginalFileName: Cmd.Exe\n"
            "    filter:\n        Hashes|contains: 'x'\n    condition: sel and not filter",
        ),
    )
    absent = load_rules([tmp_path / "absent"])
    assert absent.absent == 1  # the last warnings, which the terminal says together
    assert [w.split(": ", 1)[1] for w in absent.warnings] == [
        "'Hashes', 'OriginalFileName': no such field in the events of route security/process_creation, "
        "where the rule reads them as missing"
    ]


def test_the_engine_reads_a_familys_columns_from_its_parts_without_a_view(tmp_path: Path) -> None:
    # Two parts of one family, a field spelt two ways (two ingest workers can write them so).
    import pyarrow as pa
    import pyarrow.parquet as pq

    from unmask.ingest.base import COMMON_COLUMNS

    folder = tmp_path / "events" / "windows"
    folder.mkdir(parents=True)
    for n, (name, image) in enumerate([("Image", "C:\\a\\cmd.exe"), ("IMAGE", "C:\\b\\cmd.exe")]):
        row = dict.fromkeys(COMMON_COLUMNS) | {"_file": "e.jsonl", "_record": str(n + 1)}
        row |= {"Channel": SYSMON, "EventID": "1", name: image}
        pq.write_table(
            pa.Table.from_pylist([row]).cast(pa.schema([(k, pa.string()) for k in row])),
            folder / f"{n}.parquet",
        )
    write_rule(
        tmp_path / "rules",
        "r",
        rule(
            "22222222-2222-2222-2222-222222222222",
            "t",
            PROC,
            "    sel:\n        Image|endswith: cmd.exe\n    condition: sel",
        ),
    )
    with DuckDBEngine(tmp_path / "events", threads=1) as engine:
        assert {hit.record for hit in engine.run(load_rules([tmp_path / "rules"]).rules)} == {"1", "2"}
        assert engine._lower["windows"]["image"] == "Image"  # the first spelling met
        # DuckDB describes a view, and binds it at each use, in time growing with the square of
        # its columns (50,000: 11 s a DESCRIBE): the parts are named in each query instead.
        assert engine.db.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone() == (0,)


def test_indicator_matching_out_of_memory_is_said_not_raised(tmp_path: Path) -> None:
    import duckdb

    events = [win_event(1, SYSMON, {"CommandLine": "curl http://198.51.100.7/x"}, record=1)]
    with _engine_over(tmp_path, events) as engine:
        real = engine.db

        class Starved:
            """The engine's connection, whose every search of the events' text runs out of memory."""

            def cursor(self) -> object:
                inner = real.cursor()

                class Cursor:
                    def __getattr__(self, name: str) -> object:
                        return getattr(inner, name)

                    def execute(self, sql: str, *args: object) -> object:
                        if "regexp_extract_all" in sql:
                            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate")
                        return inner.execute(sql, *args)

                return Cursor()

        engine.db = Starved()  # type: ignore[assignment]
        assert list(engine.match_values(["198.51.100.7"])) == []
        engine.db = real
        [said] = engine.problems
        assert said.startswith("indicator matching over 1 part(s) of the windows events could not run")
        assert "raise --memory-limit (now 512MB)" in said
        # with memory enough, the same search finds it
        assert [value for value, _, _ in engine.match_values(["198.51.100.7"])] == ["198.51.100.7"]


def test_a_broken_documents_title_and_id_are_read_from_its_lines() -> None:
    from unmask.detect.sigma.documents import _top_keys

    assert _top_keys("title: 'Broken modifier'  # a note\nid: 2222\ndetection: [\n") == {
        "title": "Broken modifier",
        "id": "2222",
    }
    assert _top_keys('title: "x"\nid:\n') == {"title": "x"}
