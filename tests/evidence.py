"""Small evidence files the hunting tests write for themselves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def win_event(
    event_id: int,
    channel: str,
    data: dict[str, Any],
    *,
    computer: str = "ws01.example.test",
    time: str = "2024-03-01T10:00:00.000000Z",
    provider: str | None = None,
    record: int = 1,
) -> dict[str, Any]:
    """A Windows event in the shape evtx_dump (and the evtx package) writes."""
    return {
        "Event": {
            "System": {
                "Provider": {"#attributes": {"Name": provider or channel.split("/")[0]}},
                "EventID": event_id,
                "Channel": channel,
                "Computer": computer,
                "EventRecordID": record,
                "TimeCreated": {"#attributes": {"SystemTime": time}},
            },
            "EventData": data,
        }
    }


SYSMON = "Microsoft-Windows-Sysmon/Operational"


def process(
    image: str, command: str, parent: str = "C:\\Windows\\explorer.exe", **extra: Any
) -> dict[str, Any]:
    return {"Image": image, "CommandLine": command, "ParentImage": parent, **extra}


def write_jsonl(path: Path, events: list[dict[str, Any]], bad_lines: tuple[int, ...] = ()) -> Path:
    """Events as JSON lines; a malformed line is written at each position in ``bad_lines``."""
    lines = [json.dumps(e) for e in events]
    for position in bad_lines:
        lines.insert(position, '{"broken": ')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_rule(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yml"
    path.write_text(body, encoding="utf-8")
    return path


def rule(ident: str, title: str, logsource: str, detection: str, tags: str = "", level: str = "high") -> str:
    """A Sigma rule; ``logsource`` and ``detection`` are YAML bodies (indented by the caller)."""
    tag_block = "tags:\n" + "".join(f"    - {t}\n" for t in tags.split()) if tags else ""
    return (
        f"title: {title}\nid: {ident}\nstatus: test\nlevel: {level}\n{tag_block}"
        f"logsource:\n{logsource}\ndetection:\n{detection}\n"
    )
