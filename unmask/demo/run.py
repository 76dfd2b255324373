"""The whole pipeline over the synthetic incident: hunt, extract, attribute, report, export."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from unmask.attribute.engine import attribute_case
from unmask.cases.directory import CASE_FILE, load_case_dir, save_case_dir
from unmask.demo.incident import DemoIncident, generate
from unmask.detect.hunt import hunt
from unmask.errors import Location, OutputError
from unmask.export.misp import event_for_case
from unmask.export.navigator import case_layer
from unmask.export.resolved import named_lead
from unmask.export.stix import bundle_for_case
from unmask.extract.run import extract_inputs
from unmask.knowledge.home import atomic_write
from unmask.knowledge.store import KnowledgeBase
from unmask.knowledge.warninglists import benign_index
from unmask.model import Assessment
from unmask.report.html import ReportInput, render_html, timeline_findings
from unmask.report.markdown import case_markdown

__all__ = ["DEMO_HOLDOUT", "DemoResult", "demo_rules", "run_demo"]

# The KB's own account of the July 2022 attack on Albania (campaign C0038), which the synthetic
# incident is modelled on, is held out so that the demo does not read the answer.
DEMO_HOLDOUT = "C0038"

Step = Callable[[str], None]


def demo_rules() -> Path:
    """The Sigma rules shipped for the demo."""
    return Path(str(resources.files("unmask") / "data" / "demo-rules"))


@dataclass
class DemoResult:
    incident: DemoIncident
    case_dir: Path
    assessment: Assessment
    outputs: dict[str, Path] = field(default_factory=dict)
    hunt_summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    held_out: list[str] = field(default_factory=list)


# What the demo writes under its folder: the incident and the case (folders), the report and the
# exports, and the compiled rules it keeps for the next run (files).
INCIDENT, CASE, RULE_CACHE = "incident", "case", ".rule-cache.json"
OUTPUTS = {
    "report": "report.html",
    "markdown": "report.md",
    "navigator": "navigator-layer.json",
    "stix": "stix-bundle.json",
    "misp": "misp-event.json",
}


def _check_places(out: Path) -> None:
    """Refuse, before anything is written, a folder ``out`` where the demo could not write all it
    writes: a file where it makes a folder, a folder where it writes a file, a folder of other
    files where it writes its case."""
    if not out.is_dir():
        return  # made (or refused as a file) below
    for name in (INCIDENT, CASE):
        if (out / name).exists() and not (out / name).is_dir():
            raise OutputError(
                f"cannot write the demo here: {name} is a file, and the demo writes a folder of that "
                "name; move it or choose another --out",
                Location(out),
            )
    for name in (*OUTPUTS.values(), RULE_CACHE):
        if (out / name).is_dir():
            raise OutputError(
                f"cannot write the demo here: {name} is a folder, and the demo writes a file of that "
                "name; move it or choose another --out",
                Location(out),
            )
    case_dir = out / CASE
    if case_dir.is_dir() and any(case_dir.iterdir()) and not (case_dir / CASE_FILE).is_file():
        raise OutputError(
            f"cannot write the demo here: {CASE} is a folder of other files and no {CASE_FILE}, and "
            "the demo writes its case there; move it or choose another --out",
            Location(out),
        )


def run_demo(out: Path, kb: KnowledgeBase, step: Step | None = None, jobs: int | None = None) -> DemoResult:
    """Generate the incident under ``out`` and run everything; the report is ``out/report.html``."""
    start = time.perf_counter()
    say = step or (lambda _: None)
    _check_places(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".unmask-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write the demo here: {exc.strerror}", Location(out)) from None
    say("writing the synthetic incident")
    incident = generate(out / INCIDENT)
    case_dir = out / CASE
    if (case_dir / CASE_FILE).is_file():
        # A previous demo's case: the demo starts afresh (a hunt would keep what it did not make,
        # so an older version's extraction would linger and change the answer).
        shutil.rmtree(case_dir)
    say("hunting: ingest, Sigma rules, indicators")
    hunted = hunt(
        [incident.evidence],
        [demo_rules()],
        case_dir,
        iocs=[incident.iocs],
        jobs=jobs,
        rule_cache=out / RULE_CACHE,
    )
    say("extracting the partner report")
    extraction = extract_inputs([incident.report], kb, load_case_dir(case_dir), benign_index())
    case = extraction.case
    case.id = "demo-incident"
    case.title = "Demo: destructive intrusion at a government ministry (synthetic)"
    save_case_dir(case_dir, case)
    held_out = [DEMO_HOLDOUT] if DEMO_HOLDOUT in kb.campaigns else []
    view = kb.view(without_campaigns=held_out)
    say("attributing")
    assessment = attribute_case(case, view)
    say("writing the report and the exports")
    outputs = {name: out / file_name for name, file_name in OUTPUTS.items()}
    atomic_write(
        outputs["report"],
        render_html(ReportInput(case, assessment, view, timeline_findings(case_dir))).encode(),
    )
    atomic_write(outputs["markdown"], case_markdown(case, assessment).encode())
    leading = named_lead(assessment)
    actor = view.actors.get(leading.id) if leading else None
    for name, data in (
        ("navigator", case_layer(case, view, actor)),
        ("stix", bundle_for_case(case, view, assessment, benign_index())),
        ("misp", event_for_case(case, view, assessment, benign_index())),
    ):
        atomic_write(outputs[name], json.dumps(data, indent=2, ensure_ascii=False).encode())
    return DemoResult(
        incident, case_dir, assessment, outputs, hunted.summary(), time.perf_counter() - start, held_out
    )
