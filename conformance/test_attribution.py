"""The attribution engine on the real KB: the example case and a quick benchmark run."""

from __future__ import annotations

from unmask.attribute.engine import attribute_case
from unmask.attribute.params import DEFAULT_PARAMS
from unmask.bench.attribution import run_benchmark
from unmask.cases import load_case
from unmask.cli import DEMO_HOLDOUT, example_case_path
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Case, Observation, ObservationKind


def test_example_case_attributes_to_iran_with_the_incident_held_out(real_kb: KnowledgeBase) -> None:
    view = real_kb.view(without_campaigns=[DEMO_HOLDOUT])
    assessment = attribute_case(load_case(example_case_path()), view)
    assert abs(sum(h.probability for h in assessment.groups) - 1) < 1e-3
    assert assessment.sponsors[0].id == "IR", assessment.sponsors[:3]
    assert assessment.phases, "the example's phases should be attributed separately"


def test_quick_benchmark_runs_and_beats_a_floor(real_kb: KnowledgeBase) -> None:
    result = run_benchmark(real_kb, quick=True)
    for protocol in ("campaign", "citation_dev", "citation_test"):
        for level in ("group", "sponsor"):
            metrics = result[protocol][level]
            assert 0.0 <= metrics["top1"] <= metrics["top5"] <= metrics["top10"] <= 1.0
    # A floor far below the targets: it catches a broken engine, not a missed target.
    assert result["citation_test"]["group"]["top5"] >= 0.5
    assert result["open_set"]["group"]["auroc"] >= 0.6


def _lone(kind: str, value: str, subtype: str | None = None) -> Case:
    return Case("lone", "lone", observations=[Observation(ObservationKind(kind), value, subtype)])


def test_a_lone_common_item_leaves_the_answer_open(real_kb: KnowledgeBase) -> None:
    # A technique, a tool many groups use: the unknown hypothesis first, nobody above "unlikely".
    for kind, value in (("technique", "T1059.001"), ("software", "Mimikatz")):
        assessment = attribute_case(_lone(kind, value), real_kb)
        assert assessment.groups[0].id == "unknown", (value, assessment.groups[:3])
        assert max(h.probability for h in assessment.groups if h.kind == "actor") < 0.2
        assert all(h.confidence.value == "low" for h in assessment.groups)


def test_a_lone_weak_item_leaves_the_answer_open(real_kb: KnowledgeBase) -> None:
    # A victim, a CVE (far more actors have them on record than behaviour: they share the known
    # actors' prior instead of crowding the unknown hypothesis out), an address the KB cannot
    # compare, a claimed code similarity: none of them alone is an answer.
    for kind, value, subtype in (
        ("victim", "Albania", "country"),
        ("victim", "Government", "sector"),
        ("vulnerability", "CVE-2021-44228", None),
        ("infrastructure", "203.0.113.9", "ip"),  # nothing the KB can compare: the prior
        ("similarity", "APT28", None),  # a cheap claim: a lead at most
    ):
        assessment = attribute_case(_lone(kind, value, subtype), real_kb)
        assert assessment.groups[0].probability < 0.2, (value, assessment.groups[:3])
        assert max((h.probability for h in assessment.groups if h.kind == "actor"), default=0) < 0.2
        assert all(h.confidence.value == "low" for h in assessment.groups)
        if kind != "similarity":
            assert assessment.groups[0].id == "unknown", (value, assessment.groups[:3])


def test_one_actors_own_tool_still_points_to_it(real_kb: KnowledgeBase) -> None:
    # Lazarus first among the known actors, but no likelier than a group the KB does not know
    # (the thin-case rule). At the state level North Korea is at least as likely as its groups
    # together (if Lazarus did it, North Korea did), a little over an unnamed sponsor.
    assessment = attribute_case(_lone("software", "WannaCry"), real_kb)
    assert [h.id for h in assessment.groups[:2]] == ["unknown", "G0032"]
    assert assessment.groups[1].label == "Lazarus Group"
    assert assessment.groups[0].probability == assessment.groups[1].probability > 0.3
    assert {h.id for h in assessment.sponsors[:2]} == {"unknown", "KP"}
    korea = next(h for h in assessment.sponsors if h.id == "KP")
    assert assessment.groups[1].probability <= korea.probability < 0.55  # an even chance, no more
    assert all(h.confidence.value == "low" for h in assessment.groups)
    assert any(w.startswith("thin evidence") for w in assessment.warnings)


def test_a_user_studying_a_campaign_gets_what_the_benchmark_measured(
    real_kb: KnowledgeBase, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`unmask attribute CASE --kb-without C...` on a campaign's own evidence = the benchmark's unit."""
    import json

    from typer.testing import CliRunner

    from unmask.bench.attribution import evaluate
    from unmask.bench.units import build_units
    from unmask.cli import app

    units = {u.id: u for u in build_units(real_kb) if u.protocol == "campaign"}
    for cid in ("C0011", "C0024", "C0038"):
        unit = units[cid]
        path = tmp_path / f"{cid}.yml"
        path.write_text(
            "observations:\n"
            + "".join(
                f"  - {{{'technique' if i.startswith('T') else 'software'}: {i}}}\n" for i in unit.items
            )
        )
        result = CliRunner().invoke(app, ["attribute", str(path), "--kb-without", cid, "--format", "json"])
        assert result.exit_code == 0, result.output
        groups = [g for g in json.loads(result.stdout)["groups"] if g["kind"] in ("actor", "unknown")]
        lead = max(groups, key=lambda g: g["probability"])
        [outcome] = evaluate(real_kb, [unit], DEFAULT_PARAMS)
        assert (lead["id"] if lead["kind"] == "actor" else "unknown") == outcome.measures["top"], cid
        assert abs(lead["probability"] - outcome.measures["p_top"]) < 1e-3, cid


def test_held_out_reports_leave_no_trace_in_the_view(real_kb: KnowledgeBase) -> None:
    # A campaign's reports are struck from what other reports keep (the report index reads citations).
    view = real_kb.view(without_campaigns=["C0024"])
    held_out = set(real_kb.campaigns["C0024"].citations)
    assert held_out and not any(held_out & set(r.citations) for r in view.relations)
    # One report under two names (one URL): holding out either name holds out both.
    names = real_kb.report_names("Mandiant APT43 March 2024")
    assert set(names) == {"Mandiant APT43 Full PDF Report", "Mandiant APT43 March 2024"}
    view = real_kb.view(without_citations=["Mandiant APT43 March 2024"])
    assert not any(set(names) & set(r.citations) for r in view.relations)
