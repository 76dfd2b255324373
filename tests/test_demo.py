from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.synthetic import three_groups
from unmask.cli import app
from unmask.demo.incident import generate
from unmask.demo.run import run_demo
from unmask.knowledge.store import load_kb

runner = CliRunner()


def test_incident_is_reproducible_and_written_here(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", seed=5)
    second = generate(tmp_path / "b", seed=5)
    assert second.truth == first.truth
    for path in sorted(p for p in (tmp_path / "a").rglob("*") if p.is_file()):
        twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
        assert path.read_bytes() == twin.read_bytes(), path
    assert set(first.truth["phases"]) == {"access", "exfiltration", "destruction"}
    assert (first.evidence / "zeek" / "conn.log").read_text().startswith("#separator")


def test_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    three_groups(tmp_path / "kb")
    result = run_demo(tmp_path / "demo", load_kb(), jobs=1)
    summary = result.hunt_summary
    fired = {counted["title"] for counted in summary["by_rule"].values()}
    # every step of the story is found by the shipped demo rules or the indicator list
    for title in (
        "Web Server Process Spawns a Shell",
        "LSASS Dumped with comsvcs MiniDump",
        "Remote Desktop Logon",
        "Exchange Mailbox Export Requested",
        "Recovery Inhibited",
        "Raw Disk Access Driver Loaded",
        "Large Upload to One External Host",
    ):
        assert title in fired, title
    assert summary["rules"]["problems"] == []
    assert {s["value"] for s in summary["iocs"]["suppressed"]} == {"8.8.8.8", "www.microsoft.com"}
    assert set(summary["iocs"]["matched"]) >= {"update-gov-portal.com", "194.36.189.21"}
    for path in result.outputs.values():
        assert path.is_file() and path.stat().st_size > 0
    html = result.outputs["report"].read_text()
    assert 'id="assessment"' in html and "<svg" in html
    assert json.loads(result.outputs["stix"].read_text())["type"] == "bundle"
    assert result.seconds < 60
    # Run again into the same folder, with something an older run left in its case: the same
    # case and answer as the first time (the demo starts afresh).
    first = json.loads((result.case_dir / "case.json").read_text())
    stale = dict(first, observations=[*first["observations"], {"kind": "technique", "value": "T1999"}])
    (result.case_dir / "case.json").write_text(json.dumps(stale))
    again = run_demo(tmp_path / "demo", load_kb(), jobs=1)
    assert json.loads((again.case_dir / "case.json").read_text())["observations"] == first["observations"]
    assert [h.probability for h in again.assessment.groups] == [
        h.probability for h in result.assessment.groups
    ]


def test_demo_command(tmp_path: Path) -> None:
    three_groups(tmp_path / "kb")
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert Path(data["outputs"]["report"]).is_file() and data["truth"]["phases"]


def test_demo_output_that_cannot_be_written_is_an_error(tmp_path: Path) -> None:
    from unmask.demo.run import run_demo
    from unmask.errors import OutputError

    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="cannot write the demo here"):
        run_demo(tmp_path / "afile", None)  # type: ignore[arg-type]  # fails before the KB is used


@pytest.mark.parametrize(
    ("place", "said"),
    [
        ("case", "case is a file"),
        ("report.html/", "report.html is a folder"),
        ("case/notes.txt", "other files"),
    ],
)
def test_a_demo_folder_it_could_not_write_whole_is_refused_before_anything_is_written(
    tmp_path: Path, place: str, said: str
) -> None:
    from unmask.errors import OutputError

    out = tmp_path / "demo"
    (out / place).parent.mkdir(parents=True)
    if place.endswith("/"):
        (out / place).mkdir()
    else:
        (out / place).write_text("mine")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(OutputError, match=said):
        run_demo(out, None)  # type: ignore[arg-type]  # refused before the KB is used
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # no incident/ written
