import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.synthetic import three_groups
from unmask.cli import app
from unmask.cli.attribute import kb_without
from unmask.knowledge.store import KnowledgeBase
from unmask.model import view_text

runner = CliRunner()


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    three_groups(tmp_path / "kb")
    path = tmp_path / "case.yml"
    path.write_text(
        "id: t1\nobservations:\n"
        + "".join(f"  - {{technique: {t}}}\n" for t in ("T1301", "T1302", "T1303"))
        + "  - {software: S0301}\n  - {technique: T0000}\n  - {ip: 203.0.113.5}\n"
        + "  - {victim_sector: '<script>alert(1)</script>'}\n"
    )
    return path


def test_attribute_json_has_the_documented_shape(case_file: Path) -> None:
    result = runner.invoke(app, ["attribute", str(case_file), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"groups", "sponsors", "phases", "ach", "warnings", "provenance", "unresolved", "summary"} <= set(
        data
    )
    group = next(g for g in data["groups"] if g["kind"] == "actor")
    assert {
        "id",
        "names",
        "probability",
        "likelihood",
        "confidence",
        "evidence_for",
        "evidence_against",
    } <= set(group)
    assert group["id"] == "G0003"
    assert abs(sum(g["probability"] for g in data["groups"]) - 1) < 1e-3
    assert {"state", "id", "probability"} <= set(data["sponsors"][0])
    assert data["sponsors"][0]["state"] == data["sponsors"][0]["id"]
    assert data["unresolved"][0]["value"] == "T0000"


def test_attribute_table_and_markdown(case_file: Path) -> None:
    table = runner.invoke(app, ["attribute", str(case_file), "--top", "2"])
    assert table.exit_code == 0 and "Gamma" in table.stdout and "At the state level" in table.stdout
    md = runner.invoke(app, ["attribute", str(case_file), "--format", "md"])
    assert md.exit_code == 0
    assert md.stdout.startswith("# Attribution of case t1")
    assert "<script>" not in md.stdout and "\\<script\\>" in md.stdout


def test_what_a_bundle_holds_besides_evidence_is_counted_on_stderr(case_file: Path) -> None:
    bundle = case_file.with_name("bundle.json")
    objects = [
        {"type": "malware", "id": "malware--1", "name": "S0301"},
        {"type": "x-odd", "id": "x-odd--1"},
        7,
        {"type": "intrusion-set", "id": "intrusion-set--1", "name": "Gamma"},
        {"type": "indicator", "id": "indicator--1", "pattern": "[file:hashes.'SHA-256' = 'zz']"},
    ]
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    result = runner.invoke(app, ["attribute", str(bundle), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["groups"]
    note = " ".join(result.stderr.split())
    assert "not used: 1 not an object (objects[2]); 1 x-odd (objects[1] x-odd--1)" in note
    # The actor the bundle names is said not to be evidence; a value that does not resolve is
    # placed by the object it came from (the bundle has no observations list).
    assert "the bundle names the actor 'Gamma'; names are not used as evidence" in note
    [unresolved] = [w for w in data["warnings"] if w.startswith("unresolved")]
    assert unresolved.startswith("unresolved: bundle.json objects[4] indicator--1 'zz'")


def test_kb_without_campaign_and_bad_names(case_file: Path) -> None:
    bad = runner.invoke(app, ["attribute", str(case_file), "--kb-without", "C9999"])
    assert bad.exit_code == 2 and "neither a campaign" in bad.stderr
    ok = runner.invoke(app, ["attribute", str(case_file), "--kb-without", "c1", "--format", "json"])
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["provenance"]["kb_view"]["without_citations"] == ["c1"]


def test_bad_inputs_exit_2_with_one_line(case_file: Path, tmp_path: Path) -> None:
    fmt = runner.invoke(app, ["attribute", str(case_file), "--format", "xml"])
    assert fmt.exit_code == 2 and "choose table, json or md" in fmt.stderr
    missing = runner.invoke(app, ["attribute", str(tmp_path / "nope.yml")])
    assert missing.exit_code == 2 and "file not found" in missing.stderr
    empty = tmp_path / "empty.yml"
    empty.write_text("observations: []\n")
    result = runner.invoke(app, ["attribute", str(empty)])
    assert result.exit_code == 2 and "no observations" in result.stderr
    nothing = tmp_path / "nothing.yml"
    nothing.write_text("observations:\n  - {technique: Not A Technique}\n")
    result = runner.invoke(app, ["attribute", str(nothing)])
    assert result.exit_code == 2 and "can be weighed" in result.stderr
    assert f"{nothing}: none of the 1 observations" in " ".join(result.stderr.split())
    assert "observations[0] 'Not A Technique'" in " ".join(result.stderr.split())  # which one
    assert "Traceback" not in result.output
    # Observations nobody believes (confidence 0) are not evidence, however well they resolve.
    doubted = tmp_path / "doubted.yml"
    doubted.write_text("observations:\n  - {software: ZeroCleare, confidence: 0}\n")
    result = runner.invoke(app, ["attribute", str(doubted)])
    assert result.exit_code == 2 and "given confidence 0" in result.stderr


def test_json_and_markdown_at_once_is_refused(case_file: Path) -> None:
    result = runner.invoke(app, ["attribute", str(case_file), "--format", "md", "--json"])
    assert result.exit_code == 2 and "give one of them" in result.stderr


def test_an_output_that_cannot_be_written_is_an_error_not_a_traceback() -> None:
    import errno

    import typer

    from unmask.cli.common import user_errors

    @user_errors
    def full_disk() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(typer.Exit) as info:
        full_disk()
    assert info.value.exit_code == 2


def test_json_output_is_strict_json(capsys: pytest.CaptureFixture[str]) -> None:
    from unmask.cli.common import emit_json

    emit_json({"ece": float("nan"), "runs": [1.0, float("inf")], "ok": 0.5})
    assert json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c)) == {
        "ece": None,
        "runs": [1.0, None],
        "ok": 0.5,
    }


def test_json_with_another_format_is_refused_by_every_command(tmp_path: Path) -> None:
    for args in (
        ["timeline", str(tmp_path), "--json", "--format", "csv"],
        ["findings", str(tmp_path), "--json", "--format", "csv"],
        ["attribute", str(tmp_path), "--json", "--format", "md"],
        ["attribute", str(tmp_path), "--json", "--format", "table"],
        ["extract", str(tmp_path), "--json", "--format", "table"],
        ["attribute", str(tmp_path), "--format", "json", "-o", str(tmp_path / "a.md")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "give one of them" in result.stderr, args


def test_attribute_writes_what_format_says_and_refuses_a_table_to_a_file(
    case_file: Path, tmp_path: Path
) -> None:
    table = runner.invoke(
        app, ["attribute", str(case_file), "--format", "table", "-o", str(tmp_path / "a.md")]
    )
    assert table.exit_code == 2 and "the table is for the terminal" in table.stderr
    assert not (tmp_path / "a.md").exists()
    text = runner.invoke(app, ["attribute", str(case_file), "--format", "md", "-o", str(tmp_path / "a.txt")])
    assert text.exit_code == 0 and (tmp_path / "a.txt").read_text().startswith("# Attribution of case t1")


def test_attribute_writes_its_markdown_or_json_to_a_file(case_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["attribute", str(case_file), "-o", str(tmp_path / "a.md")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.md").read_text().startswith("# Attribution of case t1")
    result = runner.invoke(app, ["attribute", str(case_file), "-o", str(tmp_path / "a.json"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "json"
    assert "groups" in json.loads((tmp_path / "a.json").read_text())
    refused = runner.invoke(app, ["attribute", str(case_file), "-o", str(case_file)])
    assert refused.exit_code == 2 and case_file.read_text().startswith("id: t1")


def test_kb_without_a_source_leaves_out_its_links(kb: KnowledgeBase) -> None:
    view = kb_without(kb, ["Tidal"])
    assert kb.links and {link.source for link in view.links} == {"namesake"}
    assert view_text({"without_sources": list(view.without_sources)}) == "without the links of tidal"


def test_the_terminal_matrix_says_its_diagnosticity_counts_the_columns_it_hides(case_file: Path) -> None:
    shown = runner.invoke(app, ["attribute", str(case_file)], terminal_width=200)
    data = json.loads(runner.invoke(app, ["attribute", str(case_file), "--format", "json"]).stdout)
    columns = len(data["ach"][0]["cells"])
    assert columns > 4  # more than the three actors and the unknown hypothesis the terminal shows
    assert f"diag. is over all {columns} hypotheses of the matrix; {columns - 4} not shown" in shown.stdout


def test_the_terminal_matrix_shows_the_actor_a_false_flag_points_to(tmp_path: Path) -> None:
    from rich.console import Console

    from tests.synthetic import three_groups
    from tests.test_attribute import _case
    from unmask.attribute.engine import attribute_case
    from unmask.cli.assessment_view import assessment_view
    from unmask.model import Assessment, ConfidenceLevel, Hypothesis

    kb = three_groups(tmp_path / "kb")
    planted = attribute_case(_case("T1301", "T1302", "T1303", "S0301", "S0302", "Alpha"), kb)
    assert planted.flagged == {"G0001": "Alpha"}
    assert Assessment.from_dict(planted.to_dict()).flagged == planted.flagged
    # Five actors in the matrix; the warning's is the last, beyond the three the terminal shows.
    ids = ["G0003", "G0100", "G0101", "G0110", "G0001"]
    row = {
        "evidence": "similar to Alpha's artifacts",
        "observation": 5,
        "signal": "similarity",
        "cost_to_fake": "low",
        "diagnosticity": 2.0,
        "cells": {**dict.fromkeys(ids[:4], "neutral"), "G0001": "consistent", "unknown": "neutral"},
        "contributions": {**dict.fromkeys(ids[:4], 0.0), "G0001": 2.0},
    }
    groups = [Hypothesis(i, f"Group {i}", 0.1, "very unlikely", ConfidenceLevel.LOW) for i in ids[:4]]
    assessment = replace(planted, groups=groups, ach=[row])
    console = Console(width=200, record=True)
    console.print(assessment_view(assessment))
    shown = console.export_text()
    header = next(line for line in shown.splitlines() if "evidence" in line and "diag." in line)
    assert "Alpha" in header and "G0110" not in header
    assert "Alpha: shown because a warning says an item points to it" in shown
    matrix_row = next(
        line
        for line in shown.splitlines()
        if "similar to Alpha's art" in line and "│ " in line and "•" not in line
    )
    assert " C " in matrix_row
    # At 80 characters the matrix narrows its evidence column to fit, and the note under it wraps
    # whole (a caption was as wide as its table, and cropped with it).
    narrow = Console(width=80, record=True)
    narrow.print(assessment_view(assessment))
    text = narrow.export_text()
    words = " ".join(text.split())
    assert (
        "(--format json or md shows them); Alpha: shown because a warning says an item points to it" in words
    )
    header = next(line for line in text.splitlines() if "evidence" in line and "diag." in line)
    assert header.rstrip().endswith("┃") and "unkno" in header  # the last column whole, not cropped


def test_an_actor_the_case_compares_its_artifacts_with_is_a_column_of_the_matrix(tmp_path: Path) -> None:
    from rich.console import Console

    from unmask.attribute.engine import attribute_case
    from unmask.cli.assessment_view import assessment_view
    from unmask.model import Assessment, Case, Observation, ObservationKind

    kb = three_groups(tmp_path / "kb")
    items = [
        "T1301",
        "T1302",
        "T1303",
        "S0301",
        "S0302",
        "T1101",
        "T1201",
        "T1401",
        "T1500",
        "T1501",
        "T1502",
    ]
    observations = [
        Observation(ObservationKind.TECHNIQUE if v.startswith("T") else ObservationKind.SOFTWARE, v)
        for v in items
    ]
    # A resemblance the analyst is not sure of: no warning names Filler 7, five actors outrank it.
    observations.append(Observation(ObservationKind.SIMILARITY, "Filler 7", confidence=0.5))
    assessment = attribute_case(Case("t", "t", observations=observations), kb)
    assert not assessment.flagged and "G0107" not in [h.id for h in assessment.groups[:6]]
    assert assessment.compared == {"G0107": "Filler 7"}
    assert Assessment.from_dict(assessment.to_dict()).compared == assessment.compared
    columns = list(assessment.ach[0]["cells"])
    assert len(columns) == 7 and columns[-2:] == ["G0107", "unknown"]
    row = next(r for r in assessment.ach if r["signal"] == "similarity")
    assert row["cells"]["G0107"] == "consistent" and row["diagnosticity"] > 0
    # The terminal shows it beside the three leading actors and still fits 80 characters.
    narrow = Console(width=80, record=True)
    narrow.print(assessment_view(assessment))
    text = narrow.export_text()
    header = next(line for line in text.splitlines() if "evidence" in line and "diag." in line)
    assert "Filler 7" in header and header.rstrip().endswith("┃")  # the last column whole, not cropped
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "Filler 7: shown because the case compares its artifacts with it" in " ".join(text.split())
    # With an actor a warning flags too, 80 characters have room for one of them (the flagged one
    # first), a wider terminal for both; the matrix is whole in each.
    from dataclasses import replace

    fourth = next(h.label for h in assessment.groups if h.id == columns[3])
    both = replace(assessment, flagged={columns[3]: fourth})
    for width, shown in ((80, [fourth]), (120, [fourth, "Filler 7"])):
        console = Console(width=width, record=True)
        console.print(assessment_view(both, width=width))
        lines = console.export_text().splitlines()
        top = next(n for n, line in enumerate(lines) if line.startswith("Analysis of competing")) + 1
        rule = next(n for n in range(top, len(lines)) if lines[n].startswith("┡"))
        head = " ".join(" ".join(line.split("┃")) for line in lines[top + 1 : rule])
        assert [name for name in (fourth, "Filler 7") if name in " ".join(head.split())] == shown
        assert lines[top].endswith("┓") and all(len(line) <= width for line in lines)
    # The Markdown matrix names each actor beside its id.
    from unmask.report.markdown import assessment_markdown

    assert "| Filler 7 (G0107) | unknown |" in assessment_markdown(assessment)


def test_the_terminal_shows_the_judgement_clipped_as_the_reports_do() -> None:
    from rich.console import Console

    from unmask.cli.assessment_view import assessment_view
    from unmask.model import Assessment

    # The judgement quotes part labels, a log's host names among them, of any length.
    assessment = Assessment(case_id="c", summary="host " + "B" * 100_000 + " leads")
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(assessment_view(assessment))
    shown = console.export_text()
    assert 4_990 <= shown.count("B") < 5_100 and "(100,011 characters)" in " ".join(shown.split())
