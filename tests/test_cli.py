import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from unmask.cli import app

runner = CliRunner()


@pytest.fixture
def installed(sources: tuple[Path, Path]) -> None:
    bundle, folder = sources
    result = runner.invoke(app, ["kb", "install", "--from", str(bundle), "--galaxies", str(folder)])
    assert result.exit_code == 0, result.output


def test_install_prints_summary(sources: tuple[Path, Path]) -> None:
    bundle, folder = sources
    result = runner.invoke(app, ["kb", "install", "--from", str(bundle), "--galaxies", str(folder), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["origin"] == str(bundle)
    assert data["counts"]["actors_in_attack"] == 4


def test_info_json(installed: None) -> None:
    result = runner.invoke(app, ["kb", "info", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["attack_version"] == "99.0"
    table = runner.invoke(app, ["kb", "info"])
    assert "with a suspected sponsor state" in table.stdout


def test_actor_shows_names_by_source_and_sponsor(installed: None) -> None:
    result = runner.invoke(app, ["kb", "actor", "Fancy Bear"])
    assert result.exit_code == 0
    for text in ("APT28", "ATT&CK", "MISP", "Microsoft", "STRONTIUM", "Russia"):
        assert text in result.stdout
    data = json.loads(runner.invoke(app, ["kb", "actor", "apt34", "--json"]).stdout)
    assert data["id"] == "G0049" and data["techniques"]["T1003.001"] == 2


def test_an_actor_known_only_by_software_shows_whose_techniques_it_has(installed: None) -> None:
    result = runner.invoke(app, ["kb", "actor", "Ransom Crew"], terminal_width=200)
    assert result.exit_code == 0 and "T1485" in result.stdout
    assert "these are its own payload's" in " ".join(result.stdout.split())
    assert "own payload" not in runner.invoke(app, ["kb", "actor", "OilRig"]).stdout


def test_actor_view_option(installed: None) -> None:
    result = runner.invoke(app, ["kb", "actor", "OilRig", "--without-campaign", "C0001", "--json"])
    assert "S1151" not in json.loads(result.stdout)["software"]


def test_unknown_actor_is_one_line_exit_2(installed: None) -> None:
    result = runner.invoke(app, ["kb", "actor", "OilRog"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: unknown actor 'OilRog'; did you mean: OilRig")
    assert "Traceback" not in result.output


def test_missing_bundle_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["kb", "install", "--from", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'missing.json'}: file not found"


def test_no_kb_installed_says_what_to_do() -> None:
    result = runner.invoke(app, ["kb", "info"])
    assert result.exit_code == 2
    assert "unmask kb install" in result.stderr


def test_compare_search_conflicts(installed: None) -> None:
    compare = json.loads(runner.invoke(app, ["kb", "compare", "OilRig", "APT28", "--json"]).stdout)
    assert compare["software"]["common"] == ["S0002"]
    assert "common to all" in runner.invoke(app, ["kb", "compare", "OilRig", "APT28"]).stdout
    hits = json.loads(runner.invoke(app, ["kb", "search", "mimikatz", "--json"]).stdout)
    assert hits[0]["id"] == "S0002"
    conflicts = json.loads(runner.invoke(app, ["kb", "conflicts", "--json"]).stdout)
    assert {c["kind"] for c in conflicts} >= {"alias-collision", "merge-refused", "sponsor"}
    only = json.loads(runner.invoke(app, ["kb", "conflicts", "--name", "newscaster", "--json"]).stdout)
    assert only and all("Newscaster" in c["subject"] for c in only)
    # An actor's name stands for all its names: the clash over its alias Newscaster is Magic Hound's.
    hound = json.loads(runner.invoke(app, ["kb", "conflicts", "--name", "Magic Hound", "--json"]).stdout)
    assert any(c["subject"] == "Newscaster" and c["kind"] == "alias-collision" for c in hound)
    # A name no conflict and no actor has: said, with the names it may have meant.
    none = runner.invoke(app, ["kb", "conflicts", "--name", "OilRog"])
    assert none.exit_code == 0 and "no conflict names 'OilRog'" in none.stdout and "┏" not in none.stdout
    assert "'OilRog' is no actor's name in the knowledge base; did you mean: OilRig" in none.stderr
    # Arguments that cannot mean anything are errors, not empty answers.
    bogus = runner.invoke(app, ["kb", "conflicts", "--kind", "bogus"])
    assert bogus.exit_code == 2 and "choose alias-collision" in bogus.stderr
    same = runner.invoke(app, ["kb", "compare", "OilRig", "APT34"])
    assert same.exit_code == 2 and "are one actor (OilRig, G0049)" in " ".join(same.stderr.split())
    actor = json.loads(
        runner.invoke(app, ["kb", "actor", "OilRig", "--without-campaign", "c0001", "--json"]).stdout
    )
    assert "C0001" not in actor["campaigns"]


def test_markup_in_source_names_is_printed_literally(sources: tuple[Path, Path]) -> None:
    bundle, folder = sources
    data = json.loads((folder / "threat-actor.json").read_text())
    data["values"][0]["meta"]["synonyms"].append("[red]Inj[/red]")
    (folder / "threat-actor.json").write_text(json.dumps(data))
    assert (
        runner.invoke(app, ["kb", "install", "--from", str(bundle), "--galaxies", str(folder)]).exit_code == 0
    )
    result = runner.invoke(app, ["kb", "actor", "OilRig"])
    assert "[red]Inj[/red]" in result.stdout


def test_demo_attributes_the_example_case(installed: None) -> None:
    result = runner.invoke(app, ["demo", "--example"])
    assert result.exit_code == 0, result.output
    assert "The knowledge base" in result.stdout and "example-albania-2022" in result.stdout
    words = " ".join(result.stdout.replace("│", " ").split())  # the panel wraps lines anywhere
    assert "At the state level" in words or "No state stands out" in words  # the state level is judged
    data = json.loads(runner.invoke(app, ["demo", "--example", "--json"]).stdout)
    assert data["assessment"]["groups"] and data["case"]["id"] == "example-albania-2022"
    # It writes nothing: a folder given for it is refused rather than silently left empty.
    refused = runner.invoke(app, ["demo", "--example", "--out", "elsewhere"])
    assert refused.exit_code == 2 and "writes nothing" in refused.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("unmask ")


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [
        (*prefix, c.name or (c.callback.__name__ if c.callback else "")) for c in group.registered_commands
    ]
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            found += _commands(sub.typer_instance, (*prefix, sub.name or ""))
    return found


def test_every_command_takes_json() -> None:
    commands = _commands(app)
    assert len(commands) > 10
    for command in commands:
        result = runner.invoke(app, [*command, "--help"], terminal_width=200)
        assert result.exit_code == 0 and "--json" in result.stdout, command


def test_flags_show_in_the_help_without_a_type() -> None:
    for command in [("attribute",), ("hunt",), ("export",), ("kb", "info"), ("bench", "attribution")]:
        text = runner.invoke(app, [*command, "--help"], terminal_width=200).stdout
        rows = [line.strip("│ ") for line in text.splitlines() if "--json" in line or "--overlay" in line]
        assert rows and all("<bool>" not in row for row in rows), (command, rows)
    # Typer's own --help and completion flags aside, no option of any command shows "<bool>".
    for command in _commands(app):
        text = runner.invoke(app, [*command, "--help"], terminal_width=200).stdout
        typed = [line.strip("│ ") for line in text.splitlines() if "<bool>" in line]
        assert all(
            row.startswith(("--help", "--install-completion", "--show-completion")) for row in typed
        ), (
            command,
            typed,
        )


def test_writing_commands_say_what_they_wrote_in_json(installed: None, tmp_path: Path) -> None:
    case = tmp_path / "case.yml"
    case.write_text("observations:\n  - {technique: T1003.001}\n  - {software: Helminth}\n")
    target = tmp_path / "r.md"
    result = runner.invoke(app, ["report", str(case), "--format", "md", "-o", str(target), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["written"] == str(target) and data["format"] == "md"
    assert data["bytes"] == target.stat().st_size and data["summary"] in target.read_text()
    result = runner.invoke(app, ["attribute", str(case), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["case_id"] == "case"


def test_an_output_that_cannot_be_written_is_one_line_exit_2(installed: None, tmp_path: Path) -> None:
    case = tmp_path / "case.yml"
    case.write_text("observations:\n  - {technique: T1003.001}\n")
    (tmp_path / "file").write_text("x")
    inside_a_file = tmp_path / "file" / "r.md"
    for target, message in (
        (tmp_path, f"{tmp_path}: is a folder"),
        (inside_a_file, f"-o {inside_a_file}: {tmp_path / 'file'} is a file, not a folder"),
    ):
        result = runner.invoke(app, ["report", str(case), "--format", "md", "-o", str(target)])
        assert result.exit_code == 2 and f"error: {message}" in " ".join(result.stderr.split())


def test_the_terminal_never_receives_control_sequences_from_a_case(installed: None, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(
        json.dumps({"id": "x\x1b]0;PWNED\x07\x1b[2Jy", "observations": [{"technique": "T1003.001"}]})
    )
    result = runner.invoke(app, ["attribute", str(case)], terminal_width=200)
    assert result.exit_code == 0 and "\x1b" not in result.stdout and "\\x1b" in result.stdout


def test_the_report_command_prints_its_summary_escaped(
    installed: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unmask.cli.report as report_cli

    case = tmp_path / "case.yml"
    case.write_text("observations:\n  - {technique: T1003.001}\n")
    attributed = report_cli.attributed

    def quoting_a_phase(*args: object, **kwargs: object) -> object:
        # The summary of a split case quotes its parts' labels: the case's phases or a log's hosts.
        loaded, kb, assessment = attributed(*args, **kwargs)  # type: ignore[arg-type]
        assessment.summary = "phase acc\x1b]0;PWNED\x1b\\\x1b[2J\u202eexe.pdf [bold red]x[/bold red] leads"
        return loaded, kb, assessment

    monkeypatch.setattr(report_cli, "attributed", quoting_a_phase)
    result = runner.invoke(app, ["report", str(case), "-o", str(tmp_path / "r.md")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b]0;PWNED" in result.stdout and "\\u202e" in result.stdout
    assert "[bold red]x[/bold red]" in result.stdout


def test_outputs_never_replace_devices_fifos_or_the_kb(installed: None, tmp_path: Path) -> None:
    import os

    from unmask.knowledge.home import kb_path

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["kb", "layer", "OilRig", "-o", str(fifo)])
    assert result.exit_code == 2 and "not a regular file" in result.stderr and fifo.is_fifo()
    before = kb_path().read_bytes()
    result = runner.invoke(app, ["kb", "layer", "OilRig", "-o", str(kb_path())])
    assert result.exit_code == 2 and "inside unmask's own folder" in " ".join(result.stderr.split())
    assert kb_path().read_bytes() == before
    target = tmp_path / "real.json"
    (tmp_path / "link.json").symlink_to(target)
    assert runner.invoke(app, ["kb", "layer", "OilRig", "-o", str(tmp_path / "link.json")]).exit_code == 0
    assert (tmp_path / "link.json").is_symlink() and json.loads(target.read_text())[
        "domain"
    ] == "enterprise-attack"
    assert runner.invoke(app, ["kb", "search", "oil", "--limit", "-1"]).exit_code == 2


def test_a_galaxies_folder_that_is_wrong_is_an_error_not_a_smaller_kb(
    sources: tuple[Path, Path], tmp_path: Path
) -> None:
    bundle, _ = sources
    for folder in (tmp_path / "typo", tmp_path):
        result = runner.invoke(app, ["kb", "install", "--from", str(bundle), "--galaxies", str(folder)])
        assert result.exit_code == 2, result.output
    assert (
        "galaxies folder not found"
        in runner.invoke(
            app, ["kb", "install", "--from", str(bundle), "--galaxies", str(tmp_path / "typo")]
        ).stderr
    )


def test_a_report_is_written_in_the_format_its_file_name_says(installed: None, tmp_path: Path) -> None:
    case = tmp_path / "case.yml"
    case.write_text("observations:\n  - {technique: T1003.001}\n  - {software: Helminth}\n")
    target = tmp_path / "r.md"
    result = runner.invoke(app, ["report", str(case), "-o", str(target), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["format"] == "md"
    assert not target.read_text().lstrip().startswith("<")
    result = runner.invoke(app, ["report", str(case), "--format", "html", "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "give one of them" in result.stderr


def test_a_report_under_a_name_unmask_does_not_write_is_refused(installed: None, tmp_path: Path) -> None:
    case = tmp_path / "case.yml"
    case.write_text("observations:\n  - {technique: T1003.001}\n")
    result = runner.invoke(app, ["report", str(case), "-o", str(tmp_path / "r.docx")])
    assert (
        result.exit_code == 2
        and "writes html, md, pdf" in result.stderr
        and not (tmp_path / "r.docx").exists()
    )
    forced = runner.invoke(app, ["report", str(case), "--format", "md", "-o", str(tmp_path / "r.txt")])
    assert forced.exit_code == 0 and (tmp_path / "r.txt").read_text().startswith("#")


def test_dash_as_output_prints_instead_of_writing_a_file_named_dash(
    installed: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    case = tmp_path / "case.yml"
    case.write_text("observations:\n  - {technique: T1003.001}\n  - {software: Helminth}\n")
    layer = runner.invoke(app, ["kb", "layer", "OilRig", "-o", "-"])
    assert layer.exit_code == 0 and json.loads(layer.stdout)["domain"] == "enterprise-attack"
    stix = runner.invoke(app, ["export", str(case), "--format", "stix", "-o", "-"])
    assert stix.exit_code == 0 and json.loads(stix.stdout)["type"] == "bundle"
    assessed = runner.invoke(app, ["attribute", str(case), "--format", "json", "-o", "-"])
    assert assessed.exit_code == 0 and "groups" in json.loads(assessed.stdout)
    markdown = runner.invoke(app, ["report", str(case), "--format", "md", "-o", "-"])
    assert markdown.exit_code == 0 and markdown.stdout.startswith("#")
    html = runner.invoke(app, ["report", str(case), "-o", "-"])
    assert html.exit_code == 0 and "<html" in html.stdout
    pdf = runner.invoke(app, ["report", str(case), "--format", "pdf", "-o", "-"])
    assert pdf.exit_code == 2 and "needs a file" in pdf.stderr
    assert not (tmp_path / "-").exists() and not list(tmp_path.glob("report.*"))


def test_progress_without_a_terminal_is_a_few_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    from unmask.cli.common import LogProgress

    log = LogProgress(interval=3600)
    for done in range(0, 101):
        log("parsing", done, 100)
    log("parsing", 100, 100)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["parsing: 0/100", "parsing: 100/100 (done)"]


def test_a_hunt_that_found_nothing_still_gets_its_report(installed: None, tmp_path: Path) -> None:
    from unmask.cases.directory import save_case_dir
    from unmask.model import Case

    case = tmp_path / "quiet"
    save_case_dir(case, Case("quiet", "Hunt over quiet.evtx", evidence={"quiet.evtx": "ab" * 32}))
    assert runner.invoke(app, ["attribute", str(case)]).exit_code == 2  # nothing to attribute
    for fmt in ("md", "html"):
        result = runner.invoke(app, ["report", str(case), "--format", fmt, "-o", str(tmp_path / f"r.{fmt}")])
        assert result.exit_code == 0, result.output
        text = (tmp_path / f"r.{fmt}").read_text()
        assert "No attribution" in text and "quiet.evtx" in text and "Hypotheses" not in text
    assert (
        runner.invoke(
            app, ["export", str(case), "--format", "stix", "-o", str(tmp_path / "s.json")]
        ).exit_code
        == 0
    )
    # A case file whose names resolve to nothing is still a mistake to report, not a negative result.
    typo = tmp_path / "typo.yml"
    typo.write_text("observations:\n  - {technique: Nothing Like It}\n")
    assert runner.invoke(app, ["report", str(typo), "-o", str(tmp_path / "t.html")]).exit_code == 2


def test_help_paragraphs_are_not_broken_where_the_source_wraps_them() -> None:
    text = runner.invoke(app, ["export", "--help"]).stdout
    # The docstring wraps after "(if any;": the help is rewrapped by the terminal, not there.
    assert not any(line.rstrip().endswith("(if any;") for line in text.splitlines())
    assert "names (if any; docs/reporting.md says when)" in " ".join(text.split())
    assert "With -o: what was written" in " ".join(text.split())
    # A block of examples aligned by indentation keeps its lines.
    examples = runner.invoke(app, ["kb", "intel", "--help"]).stdout.splitlines()
    assert any(line.strip().startswith('unmask kb intel iocs.txt --actor "OilRig"') for line in examples)


def test_an_output_file_name_chooses_the_format_or_is_refused(installed: None, tmp_path: Path) -> None:
    case = tmp_path / "case.yml"
    case.write_text("observations:\n  - {technique: T1003.001}\n")
    assert runner.invoke(app, ["attribute", str(case), "-o", str(tmp_path / "a.md")]).exit_code == 0
    assert (tmp_path / "a.md").read_text().startswith("#")
    wrong = runner.invoke(app, ["attribute", str(case), "-o", str(tmp_path / "a.csv")])
    assert wrong.exit_code == 2 and "give --format" in wrong.stderr and not (tmp_path / "a.csv").exists()
    clash = runner.invoke(app, ["attribute", str(case), "--format", "json", "-o", str(tmp_path / "b.md")])
    assert clash.exit_code == 2 and "give one of them" in clash.stderr


def test_an_output_in_a_missing_folder_or_over_a_read_only_file_is_refused(tmp_path: Path) -> None:
    from unmask.cli.common import check_output
    from unmask.errors import ConfigError

    with pytest.raises(ConfigError, match="does not exist; create it first"):
        check_output(tmp_path / "reprots" / "r.html")
    assert not (tmp_path / "reprots").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        check_output(tmp_path / "file" / "r.html")
    kept = tmp_path / "kept.html"
    kept.write_text("the analyst's")
    kept.chmod(0o444)
    with pytest.raises(ConfigError, match="read-only"):
        check_output(kept)
    link = tmp_path / "l.json"
    link.symlink_to(tmp_path / "nowhere" / "t.json")
    with pytest.raises(ConfigError, match="does not exist"):
        check_output(link)
    check_output(tmp_path / "new.html")  # a new file in a folder that exists


def test_extract_into_a_case_that_is_a_file_is_refused(tmp_path: Path) -> None:
    report = tmp_path / "adv.txt"
    report.write_text("The actor used T1059.001.")
    result = runner.invoke(app, ["extract", str(report), "--case", str(report)])
    assert result.exit_code == 2 and "is a file, not a case folder" in " ".join(result.stderr.split())
    assert report.read_text() == "The actor used T1059.001."
