from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.synthetic import build_kb, three_groups
from unmask.attribute.engine import analyse, attribute_case
from unmask.attribute.evidence import resolve_case
from unmask.attribute.index import ScoringIndex
from unmask.attribute.params import DEFAULT_PARAMS
from unmask.errors import CaseError
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Case, ConfidenceLevel, Observation, ObservationKind, Provenance


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    return three_groups(tmp_path / "kb")


def _case(*items: str | tuple[str, str], **extra: str) -> Case:
    observations = []
    for entry in items:
        value, phase = entry if isinstance(entry, tuple) else (entry, None)
        if value.startswith("T"):
            kind = ObservationKind.TECHNIQUE
        elif value.startswith("S"):
            kind = ObservationKind.SOFTWARE
        else:
            kind = ObservationKind.SIMILARITY
        observations.append(
            Observation(kind, value, phase=phase, confidence=float(extra.get("confidence", 1.0)))
        )
    return Case("test", "test", observations=observations)


def _observed(*observations: Observation) -> Case:
    return Case("t", "t", observations=list(observations))


def _probability(groups: list, hid: str) -> float:
    return next(h.probability for h in groups if h.id == hid)


def test_distinctive_evidence_ranks_its_group_first(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1101", "T1102", "T1103", "S0101", "S0102", "T1001"), kb)
    actors = [h for h in a.groups if h.kind == "actor"]
    assert actors[0].id == "G0001"
    assert a.groups[0].id == "G0001"
    assert abs(sum(h.probability for h in a.groups) - 1.0) < 1e-3
    lead = actors[0]
    assert [e for e, _ in lead.evidence_for][:1] == ["software Ware S0101 (S0101)"] or lead.evidence_for
    assert all(w > 0 for _, w in lead.evidence_for)


def test_shared_evidence_favours_the_group_that_has_it(kb: KnowledgeBase) -> None:
    # T1101 is Alpha's (two reports) and Beta's (one); with Beta's own items Beta must lead.
    a = attribute_case(_case("T1201", "T1202", "T1203", "S0201", "T1101"), kb)
    assert next(h for h in a.groups if h.kind == "actor").id == "G0002"


def test_common_only_evidence_leaves_the_answer_open(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1001", "T1002", "T1003"), kb)
    unknown = _probability(a.groups, "unknown")
    best_actor = max(h.probability for h in a.groups if h.kind == "actor")
    assert unknown > best_actor
    assert all(h.confidence is ConfidenceLevel.LOW for h in a.groups if h.kind == "actor")


def test_thin_evidence_keeps_unknown_dominant_and_warns(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1301"), kb)
    # One technique never singles anyone out: no hypothesis is even "roughly even", all low confidence.
    assert a.groups[0].probability < 0.45
    assert a.groups[0].id == "unknown"
    assert all(h.confidence is ConfidenceLevel.LOW for h in a.groups)
    assert a.summary.startswith("The evidence does not single out an actor")
    assert any(w.startswith("thin evidence") for w in a.warnings)


def test_a_few_telling_items_still_mean_low_confidence(kb: KnowledgeBase) -> None:
    # Gamma's own two tools and a technique single Gamma out, but three items are too few to be
    # more than a lead (no likelier than a new group that uses the same); with five of its items
    # the same evidence can be trusted further.
    thin = attribute_case(_case("S0301", "S0302", "T1301"), kb)
    assert [h.id for h in thin.groups[:2]] == ["unknown", "G0003"]
    assert thin.groups[0].probability == thin.groups[1].probability  # level exactly: a tie is a tie
    assert "Gamma is as likely" in thin.summary
    # So is the state level: Iran is a lead, no likelier than a sponsor the evidence cannot name.
    assert [h.id for h in thin.sponsors[:2]] == ["unknown", "IR"]
    assert thin.sponsors[0].probability == thin.sponsors[1].probability
    assert "Iran is as likely" in thin.summary
    assert all(h.confidence is ConfidenceLevel.LOW for h in thin.groups)
    assert any(w.startswith("thin evidence") for w in thin.warnings)
    fuller = attribute_case(_case("S0301", "S0302", "T1301", "T1302", "T1303"), kb)
    assert fuller.groups[0].id == "G0003"
    assert fuller.groups[0].confidence is not ConfidenceLevel.LOW


def test_evidence_no_actor_has_points_to_unknown(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1999", "S0999", "T1999.001"), kb)
    assert a.groups[0].id == "unknown"


def test_ids_of_a_later_attack_release_are_one_warning(kb: KnowledgeBase) -> None:
    # Rules written for a later ATT&CK release than the KB's: said once, with what to do.
    a = attribute_case(_case("T1301", "S0301", "T2001", "T2002.001", "T2002.001", "T1301.777"), kb)
    newer = [w for w in a.warnings if "newer than" in w]
    assert newer == [
        "unresolved: 2 ATT&CK id(s) newer than v1.0, the knowledge base's release (T2001, T2002.001; "
        "3 observation(s)): install a newer one: unmask kb install --from enterprise-attack.json"
    ]
    # An id inside the release's range is still an ordinary unresolved name, with suggestions.
    assert any(w.startswith("unresolved: observations[5] 'T1301.777'") for w in a.warnings)
    # Hunted, the warning names the rules whose findings are weighed without them.
    from unmask.model import Provenance

    hunted = _case("T1301", "S0301", "T1302", "T1303")
    hunted.observations.append(
        Observation(
            ObservationKind.TECHNIQUE,
            "T2001",
            provenance=Provenance("s.evtx", text="90 finding(s) of: Eventlog Cleared; first: EventID=1102"),
        )
    )
    [said] = [w for w in attribute_case(hunted, kb).warnings if "newer than" in w]
    assert "1 observation(s); the findings of Eventlog Cleared are weighed without them)" in said


def test_sponsor_rolls_up_groups_of_the_same_state(kb: KnowledgeBase) -> None:
    # Evidence split between Alpha and Beta: both Russian.
    a = attribute_case(_case("T1101", "T1102", "S0101", "T1201", "T1202", "S0201"), kb)
    sponsors = {h.id: h.probability for h in a.sponsors}
    assert max(sponsors, key=lambda k: sponsors[k]) == "RU"
    russian = _probability(a.groups, "G0001") + _probability(a.groups, "G0002")
    assert sponsors["RU"] >= russian - 1e-3
    assert abs(sum(sponsors.values()) - 1.0) < 1e-3
    # The state is surer than either of its groups.
    assert sponsors["RU"] > max(_probability(a.groups, "G0001"), _probability(a.groups, "G0002"))
    assert "that the sponsor is Russia" in a.summary


def test_criminal_group_rolls_up_to_no_state(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1401", "T1402", "T1403", "S0401", "S0402"), kb)
    assert a.groups[0].id == "G0004"
    assert a.sponsors[0].id == "none"


def test_phases_pointing_to_different_actors_are_split(kb: KnowledgeBase) -> None:
    items = [(i, "access") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    items += [(i, "destruction") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    a = attribute_case(_case(*items), kb)
    assert set(a.phases) == {"phase:access", "phase:destruction"}
    assert a.phases["phase:access"][0].id == "G0003"
    assert a.phases["phase:destruction"][0].id == "G0001"
    assert a.warnings[0].startswith("The evidence splits into parts")
    assert "access points to Gamma" in a.summary and "destruction points to Alpha" in a.summary
    assert "confidence; Iran)" in a.summary and "confidence; Russia)" in a.summary  # each part's state
    # The split leads the summary; the whole taken as one actor's work is a reading the parts deny,
    # and parts of different states leave no state for the whole.
    assert a.summary.startswith("The evidence splits into parts")
    assert "Taken as the work of one actor, the likeliest would be " in a.summary
    assert "no single actor is assessed for the whole" in a.summary and "We assess" not in a.summary
    assert "different states or none (Iran and Russia): no single state is assessed" in a.summary
    # The tables of the whole say what they are.
    from unmask.report.markdown import assessment_markdown

    text = assessment_markdown(a)
    assert "## Groups (the whole incident taken as one actor's work: a reading the parts deny)" in text
    # So do the terminal's tables, and the JSON says it in a field of its own.
    from rich.console import Console

    from unmask.cli.assessment_view import assessment_view
    from unmask.model import Assessment

    console = Console(width=200, record=True)
    console.print(assessment_view(a))
    shown = console.export_text()
    assert "Sponsor states (the whole incident taken as one actor's work" in shown
    assert a.to_dict()["split"] is True and Assessment.from_dict(a.to_dict()).split
    # No likelihood word for the whole in the tables (the summary gives none): the parts deny it.
    # The JSON keeps the term of each probability and says so in a field of its own.
    from unmask.attribute.calibrate import DENIED_LIKELIHOOD

    whole = next(h for h in a.to_dict()["groups"] if h["id"] == "G0003")
    assert whole["denied"] is True and whole["likelihood"] == a.groups[0].likelihood
    assert all(h.denied for h in Assessment.from_dict(a.to_dict()).groups + a.sponsors)
    assert all(h.denied is False for h in a.phases["phase:access"])
    assert f"| {DENIED_LIKELIHOOD} |" in text
    for h in a.groups:
        assert f"{h.likelihood} (" not in text.split("## Part")[0].split("## Groups")[1]
    assert DENIED_LIKELIHOOD in shown
    # Parts of groups of one state: the state is assessed for the whole, its table says so.
    same = replace(a, sponsors=[replace(h, denied=False) for h in a.sponsors])
    assert "## Sponsor states\n" in assessment_markdown(same) and "## Groups (the whole" in text
    # The whole incident taken as one actor's is then a judgement held at low confidence.
    assert a.groups[0].confidence is ConfidenceLevel.LOW


def test_a_parts_lead_resting_on_a_cheap_item_is_flagged_as_the_wholes_would_be(kb: KnowledgeBase) -> None:
    items = [(i, "access") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    # Two of Alpha's techniques and two of Beta's (T1101 is both's): only the claimed likeness to
    # Alpha's artifacts tips the part.
    items += [(i, "destruction") for i in ("T1101", "T1102", "T1201", "T1202", "Alpha")]
    a = attribute_case(_case(*items), kb)
    assert a.phases["phase:destruction"][0].id == "G0001"
    assert "phase destruction points to Alpha" in a.summary
    flagged = [
        w for w in a.warnings if w.startswith("in phase destruction: possible false flag: Alpha leads")
    ]
    assert len(flagged) == 1 and "without it Beta leads" in flagged[0]
    assert not any(w.startswith("in phase access") for w in a.warnings)


def test_a_phase_written_three_ways_is_one_phase_and_parts_count_distinct_items(kb: KnowledgeBase) -> None:
    from unmask.attribute.phases import phase_key

    assert (
        phase_key("Initial Access") == phase_key("initial-access") == phase_key("TA0001") == "initial-access"
    )
    labels = ("Initial Access", "initial-access", "TA0001", "Initial Access", "TA0001")
    items = list(zip(("T1301", "T1302", "T1303", "S0301", "S0302"), labels, strict=True))
    items += [(i, "impact") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    a = attribute_case(_case(*items), kb)
    assert set(a.phases) == {"phase:Initial Access", "phase:impact"}
    # One tool seen on three hosts is one item: no part of its own, no second actor.
    case = _case(*[(i, "access") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")])
    for host in ("ot1", "ot2", "ot3"):
        case.observations.append(Observation(ObservationKind.SOFTWARE, "S0301", phase="impact", host=host))
    assert attribute_case(case, kb).phases == {}


def test_a_parts_label_is_the_cases_text_in_every_view(kb: KnowledgeBase) -> None:
    from rich.console import Console

    from unmask.cli.assessment_view import assessment_view
    from unmask.report.markdown import assessment_markdown

    items = [(i, "[bold red]exfil[/wipe]") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    items += [(i, "<b>wipe</b> | x") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    a = attribute_case(_case(*items), kb)
    console = Console(width=200, record=True)
    console.print(assessment_view(a))  # rich markup in a label is printed, not read (nor a crash)
    assert "Part: phase [bold red]exfil[/wipe]" in console.export_text()
    text = assessment_markdown(a)
    assert "<b>" not in text and "## Part: phase \\<b\\>wipe" in text


def test_parts_are_told_in_the_incidents_order_not_the_cases(kb: KnowledgeBase) -> None:
    # Listed destruction first: ATT&CK's kill chain puts initial access before impact.
    items = [(i, "impact") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    items += [(i, "TA0001") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    assert list(attribute_case(_case(*items), kb).phases) == ["phase:TA0001", "phase:impact"]
    # Free labels keep the case's order unless their evidence is dated: then the first seen first.
    items = [(i, "wipe") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    items += [(i, "entry") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    # A tactic among free labels does not jump the queue.
    mixed = [(i, "access") for i in ("T1101", "T1102", "T1103")]
    mixed += [(i, "exfiltration") for i in ("T1301", "T1302", "T1303")]
    assert list(attribute_case(_case(*mixed), kb).phases) == ["phase:access", "phase:exfiltration"]
    case = _case(*items)
    assert list(attribute_case(case, kb).phases) == ["phase:wipe", "phase:entry"]
    case.observations = [
        replace(o, first_seen="2022-07-15" if o.phase == "wipe" else "2021-05-20") for o in case.observations
    ]
    assert list(attribute_case(case, kb).phases) == ["phase:entry", "phase:wipe"]
    # One dated part among undated ones says nothing of the order: the kill chain's stands.
    items = [(i, "impact") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    items += [(i, "TA0001") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    case = _case(*items)
    case.observations = [
        replace(o, first_seen="2020-01-01") if o.phase == "impact" else o for o in case.observations
    ]
    assert list(attribute_case(case, kb).phases) == ["phase:TA0001", "phase:impact"]


def test_one_phase_is_not_a_split(kb: KnowledgeBase) -> None:
    a = attribute_case(_case(*[(i, "access") for i in ("T1301", "T1302", "S0301")]), kb)
    assert a.phases == {} and not a.split and a.to_dict()["split"] is False


def test_cheap_artifact_against_the_rest_is_a_possible_false_flag(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1301", "T1302", "T1303", "S0301", "S0302", "Alpha"), kb)
    assert next(h for h in a.groups if h.kind == "actor").id == "G0003"
    flag = next(w for w in a.warnings if w.startswith("possible false flag"))
    assert "Alpha" in flag and "Gamma" in flag
    # The doubt lowers the confidence in the lead.
    assert a.groups[0].confidence is ConfidenceLevel.LOW


def test_the_actor_a_false_flag_points_to_is_a_column_of_the_matrix(kb: KnowledgeBase) -> None:
    # With one hypothesis listed, the planted artifact's actor is still compared: not "neutral", 0.00.
    a = attribute_case(_case("T1301", "T1302", "T1303", "S0301", "S0302", "Alpha"), kb, top=1)
    assert any(w.startswith("possible false flag") and "Alpha" in w for w in a.warnings)
    assert "G0001" in a.ach[0]["cells"] and [h.id for h in a.groups if h.kind == "actor"] == ["G0003"]
    planted = next(row for row in a.ach if "Alpha" in row["evidence"])
    assert planted["cells"]["G0001"] == "consistent" and planted["diagnosticity"] > 0.5


def test_one_tool_of_another_group_against_the_rest_is_flagged(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1301", "T1302", "T1303", "S0301", "S0302", "S0101"), kb)
    assert next(h for h in a.groups if h.kind == "actor").id == "G0003"
    flag = next(
        w for w in a.warnings if w.startswith("possible false flag, shared tooling or a second actor")
    )
    assert "S0101" in flag and "Alpha" in flag and "favours Gamma" in flag
    # Gamma's own tools are not flagged, nor is a case without a stray tool.
    assert "S0301" not in flag
    clean = attribute_case(_case("T1301", "T1302", "T1303", "S0301", "S0302"), kb)
    assert not any("shared tooling" in w for w in clean.warnings)


def test_lead_resting_on_a_cheap_artifact_is_flagged(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1001", "T1002", "Gamma"), kb)
    assert next(h for h in a.groups if h.kind == "actor").id == "G0003"
    # A group the KB does not know leads this thin case: Gamma "leads" only among the known actors.
    assert a.groups[0].kind == "unknown"
    assert any(
        "Gamma (first of the known actors; a group the knowledge base does not know leads) leads only because of"
        in w
        for w in a.warnings
    )
    assert a.groups[0].confidence is ConfidenceLevel.LOW


def test_unresolved_names_are_listed_with_suggestions(kb: KnowledgeBase) -> None:
    case = _case("T1101", "T1102")
    case.observations.append(Observation(ObservationKind.SOFTWARE, "Ware S010"))
    case.observations.append(Observation(ObservationKind.TECHNIQUE, "T1102.999"))
    a = attribute_case(case, kb)
    assert [u["value"] for u in a.unresolved] == ["Ware S010", "T1102.999"]
    assert "Ware S0101 (S0101)" in a.unresolved[0]["suggestions"]
    assert any("unresolved: observations[2]" in w for w in a.warnings)
    assert a.unresolved[0]["where"] == "observations[2]"
    # Read from a file's record (a STIX bundle's object), it says that file and record.
    read = Provenance(source="/in/bundle.json", record="objects[6] malware--1")
    case.observations[2] = Observation(ObservationKind.SOFTWARE, "Ware S010", provenance=read)
    assert attribute_case(case, kb).unresolved[0]["where"] == "bundle.json objects[6] malware--1"


def test_only_unresolvable_names_is_an_error(kb: KnowledgeBase) -> None:
    case = Case("x", "x", observations=[Observation(ObservationKind.TECHNIQUE, "Nothing Like It")])
    with pytest.raises(CaseError, match="none of the 1 observations"):
        attribute_case(case, kb)
    with pytest.raises(CaseError, match="no observations"):
        attribute_case(Case("y", "y"), kb)


def test_ach_matrix_marks_consistency_and_orders_by_diagnosticity(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1101", "T1102", "S0101", "T1001"), kb)
    rows = {r["evidence"]: r for r in a.ach}
    assert rows["software Ware S0101 (S0101)"]["cells"]["G0001"] == "consistent"
    assert rows["software Ware S0101 (S0101)"]["cells"]["unknown"] == "neutral"
    diagnosticity = [r["diagnosticity"] for r in a.ach]
    assert diagnosticity == sorted(diagnosticity, reverse=True)
    # The common technique separates nobody.
    assert (
        rows["T1001 Technique T1001"]["diagnosticity"] < rows["software Ware S0101 (S0101)"]["diagnosticity"]
    )


def test_provenance_records_kb_engine_and_parameters(kb: KnowledgeBase) -> None:
    view = kb.view(without_citations=["a2"])
    a = attribute_case(_case("T1101", "T1102"), view)
    prov = a.provenance
    assert prov["kb_sha256"] == kb.sha256
    assert prov["kb_view"]["without_citations"] == ["a2"]
    assert prov["parameters"] == DEFAULT_PARAMS.to_dict()
    assert prov["engine"] and prov["unmask_version"]


def test_low_confidence_observations_count_for_less(kb: KnowledgeBase) -> None:
    sure = attribute_case(_case("T1101", "T1102", "S0101"), kb)
    unsure = attribute_case(_case("T1101", "T1102", "S0101", confidence="0.3"), kb)
    assert _probability(unsure.groups, "G0001") < _probability(sure.groups, "G0001")


def test_without_phases_or_hosts_parts_are_taken_by_time(kb: KnowledgeBase) -> None:
    observations = [
        Observation(ObservationKind.TECHNIQUE if v.startswith("T") else ObservationKind.SOFTWARE, v, first_seen=d)
        for v, d in [
            ("T1301", "2021-05-01"), ("T1302", "2021-05-03"), ("S0301", "2021-05-04"), ("T1303", "2021-05-10"),
            ("S0302", "2021-05-10"),
            ("T1101", "2022-07-10"), ("T1102", "2022-07-12"), ("S0101", "2022-07-15"), ("T1103", "2022-07-15"),
            ("S0102", "2022-07-15"),
        ]
    ]  # fmt: skip
    a = attribute_case(Case("t", "t", observations=observations), kb)
    assert set(a.phases) == {"time:2021-05-01..2021-05-10", "time:2022-07-10..2022-07-15"}
    assert a.phases["time:2021-05-01..2021-05-10"][0].id == "G0003"
    assert a.phases["time:2022-07-10..2022-07-15"][0].id == "G0001"


def test_the_same_technique_on_many_hosts_counts_once_at_group_level(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.synthetic import three_groups
    from unmask.attribute.engine import attribute_case
    from unmask.knowledge.store import load_kb
    from unmask.model import Case, Observation, ObservationKind

    three_groups(tmp_path / "kb")
    kb = load_kb()
    base = [Observation(ObservationKind.TECHNIQUE, t) for t in ("T1301", "T1302")]
    once = Case(
        id="a", title="a", observations=[*base, Observation(ObservationKind.TECHNIQUE, "T1201", host="h0")]
    )
    many = Case(
        id="b",
        title="b",
        observations=[
            *base,
            *(Observation(ObservationKind.TECHNIQUE, "T1201", host=f"h{i}") for i in range(8)),
        ],
    )
    first, second = attribute_case(once, kb), attribute_case(many, kb)
    assert [(h.id, round(h.probability, 6)) for h in first.groups] == [
        (h.id, round(h.probability, 6)) for h in second.groups
    ]


def test_a_lone_cve_does_not_narrow_the_field_to_the_actors_with_cve_data(tmp_path: Path) -> None:
    # The KB records CVEs for few actors; an actor without any is not thereby ruled out.
    common = {"T1001": ["r0"], "T1002": ["r0"]}
    groups = {
        "G0001": ("Alpha", {**common, "T1190|CVE-2019-0604": ["a1"], "T1101": ["a1"]}),
        "G0002": ("Beta", {**common, "T1201": ["b1"], "T1202": ["b1"]}),
        "G0003": ("Gamma", {**common, "T1301": ["c1"], "T1302": ["c1"]}),
    }
    kb = build_kb(tmp_path / "kb", groups)
    assert kb.actor("Alpha").cves == {"CVE-2019-0604": 1}
    case = Case("c", "c", observations=[Observation(ObservationKind.VULNERABILITY, "CVE-2019-0604")])
    a = attribute_case(case, kb)
    probabilities = {h.id: h.probability for h in a.groups}
    # Beta and Gamma keep their share (in "other known actors": no item favours them by name).
    assert "G0002" not in probabilities and probabilities["other"] > 0
    assert probabilities["G0001"] > probabilities["other"] / 2  # the CVE still counts for Alpha
    assert a.groups[0].id == "unknown"  # one item: the answer stays open
    # A CVE no actor has is no sign of someone new either: the KB records exploits for few actors.
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex

    eternal = _observed(Observation(ObservationKind.VULNERABILITY, "CVE-2017-0144"))
    scores = analyse(eternal, ScoringIndex.build(kb, DEFAULT_PARAMS)).scores
    assert [i.signal for i in scores.items] == ["cve"] and not scores.novel[0]


def test_an_exploit_chain_is_one_piece_of_evidence_and_exploits_are_cheap(tmp_path: Path) -> None:
    # Alpha's report names three CVEs of one chain and a fourth; Beta's names the fourth too.
    common = {"T1001": ["r0"], "T1002": ["r0"]}
    chain = "CVE-2021-34473|CVE-2021-34523|CVE-2021-31207"
    groups = {
        "G0001": (
            "Alpha",
            {
                **common,
                f"T1190|{chain}": ["a1"],
                "T1203|CVE-2021-44228": ["a2"],
                "T1204|CVE-2014-4076": ["a1"],
            },
        ),
        "G0002": ("Beta", {**common, "T1203|CVE-2021-44228": ["b1"], "T1202": ["b1"]}),
        "G0003": ("Gamma", {**common, "T1301": ["c1"], "T1302": ["c1"]}),
    }
    kb = build_kb(tmp_path / "kb", groups)
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex

    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    cves = [Observation(ObservationKind.VULNERABILITY, c) for c in chain.split("|")]
    one = analyse(_observed(cves[0]), index)
    three = analyse(_observed(*cves), index)
    assert [i.label for i in three.scores.items] == [
        "CVE-2021-34473 (with CVE-2021-34523, CVE-2021-31207: one chain, the same actors')"
    ]
    assert three.posterior.actors == pytest.approx(one.posterior.actors)
    # A CVE is cheap evidence: one that only Alpha's report names does not make Alpha near certain.
    assert all(i.cost == "low" for i in three.scores.items)
    with_log4j = analyse(
        _observed(*cves, Observation(ObservationKind.VULNERABILITY, "CVE-2021-44228")), index
    )
    assert len(with_log4j.scores.items) == 2 and with_log4j.posterior.unknown >= max(
        with_log4j.posterior.actors
    )
    # The copy held with the most confidence stands for the chain, whatever the order.
    doubted = Observation(ObservationKind.VULNERABILITY, cves[0].value, confidence=0.3)
    for order in ([doubted, cves[1]], [cves[1], doubted]):
        [item] = analyse(_observed(*order), index).scores.items
        assert item.key == "CVE-2021-34523" and item.observation.confidence == 1.0
    # A CVE of another year the same actor lists is no part of the chain.
    older = Observation(ObservationKind.VULNERABILITY, "CVE-2014-4076")
    assert len(analyse(_observed(cves[0], older), index).scores.items) == 2


def test_conflicting_aliases_are_reported_for_the_hypotheses_that_matter(
    sources_kb: KnowledgeBase,
) -> None:
    # OilRig leads; the sources disagree about one of its names ('Helix Kitten').  Magic Hound is
    # listed too, at a few per cent, and its name quarrel ('Newscaster') is not worth a warning.
    case = _observed(
        Observation(ObservationKind.SOFTWARE, "Helminth"),
        Observation(ObservationKind.SOFTWARE, "ZeroCleare"),
        Observation(ObservationKind.TECHNIQUE, "T1485"),
        Observation(ObservationKind.TECHNIQUE, "T1003.001"),
        Observation(ObservationKind.TECHNIQUE, "T1059.001"),
        Observation(ObservationKind.SOFTWARE, "Mimikatz"),
    )
    a = attribute_case(case, sources_kb)
    assert a.groups[0].label == "OilRig"
    assert all(h.probability < 0.05 for h in a.groups if h.label == "Magic Hound")
    aliases = [w for w in a.warnings if w.startswith("conflicting aliases")]
    assert len(aliases) == 1 and "OilRig" in aliases[0] and "Helix Kitten" in aliases[0]


def test_the_naming_disputes_of_an_actor_a_part_points_to_are_said(sources_kb: KnowledgeBase) -> None:
    from unmask.attribute.caveats import caveats
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex

    # APT28's evidence: OilRig is far below the whole's thresholds, but a part may point to it.
    index = ScoringIndex.build(sources_kb, DEFAULT_PARAMS)
    analysis = analyse(_observed(Observation(ObservationKind.TECHNIQUE, "T1566.001")), index)
    oilrig = index.actor_position()["G0049"]
    assert analysis.posterior.actors[oilrig] < 0.05
    assert not any(w.startswith("conflicting aliases for OilRig") for w in caveats(analysis, [], [oilrig]))
    said = caveats(analysis, [], [], part_leads=[oilrig])
    assert any(w.startswith("conflicting aliases for OilRig") and "Helix Kitten" in w for w in said)


def test_nothing_comparable_leaves_the_prior_not_certainty(kb: KnowledgeBase) -> None:
    # An address and a hash the KB holds nothing on: no actor is singled out, and the unknown
    # hypothesis keeps its prior share instead of taking everything.
    case = _observed(
        Observation(ObservationKind.INFRASTRUCTURE, "203.0.113.9", subtype="ip"),
        Observation(ObservationKind.FILE, "ab" * 32, subtype="sha256"),
    )
    a = attribute_case(case, kb)
    assert [h.kind for h in a.groups] == ["unknown", "other"]
    assert 0.05 < a.groups[0].probability < 0.5
    assert a.groups[1].label == "one of the 24 known actors"
    assert abs(sum(h.probability for h in a.groups) - 1) < 1e-3
    assert all(h.confidence is ConfidenceLevel.LOW for h in a.groups + a.sponsors)
    assert a.sponsors[0].probability < 0.5
    # The summary says so rather than reading the base rates as a lead.
    assert a.summary.startswith("Nothing in the case can be compared") and "no state" in a.summary
    assert a.sponsors[0].label not in a.summary


def test_a_lone_similarity_claim_is_a_lead_not_an_answer(kb: KnowledgeBase) -> None:
    # "Resembles Gamma's code" is cheap to plant: Gamma comes first, the other actors stay in.
    a = attribute_case(_case("Gamma"), kb)
    actors = [h for h in a.groups if h.kind == "actor"]
    assert actors[0].label == "Gamma" and actors[0].probability < 0.5
    other = next(h for h in a.groups if h.kind == "other")
    assert other.probability > 0.1 and all(h.confidence is ConfidenceLevel.LOW for h in a.groups)


def test_a_victim_without_subtype_is_a_country_or_else_a_sector(kb: KnowledgeBase) -> None:
    case = _observed(
        Observation(ObservationKind.TECHNIQUE, "T1301"),
        Observation(ObservationKind.VICTIM, "Albania"),
        Observation(ObservationKind.VICTIM, "Energy"),
        Observation(ObservationKind.VICTIM, "Energy", subtype="country"),
    )
    a = attribute_case(case, kb)
    rows = [row["evidence"] for row in a.to_dict()["ach"]]
    assert "victim in Albania" in rows and "victim sector Energy" in rows
    assert [u["value"] for u in a.unresolved] == ["Energy"]  # said to be a country, and is not one


def test_a_public_tool_is_cheaper_to_fake_than_malware(sources_kb: KnowledgeBase) -> None:
    case = _observed(
        Observation(ObservationKind.SOFTWARE, "Mimikatz"),  # an ATT&CK "tool": anyone has it
        Observation(ObservationKind.SOFTWARE, "Helminth"),  # malware of one group
    )
    items, _ = resolve_case(case, sources_kb)
    assert [(item.key, item.cost) for item in items] == [("S0002", "low"), ("S0170", "moderate")]


def test_phase_labels_are_compared_without_case_or_spacing(kb: KnowledgeBase) -> None:
    items = [("T1101", "access"), ("T1102", "Access "), ("S0101", "ACCESS")]
    items += [("T1301", "Destruction"), ("T1302", "destruction"), ("S0301", " DESTRUCTION")]
    a = attribute_case(_case(*items), kb)
    assert sorted(a.phases) == ["phase:Destruction", "phase:access"]


def test_no_actor_is_likelier_than_one_of_its_items_being_genuine(kb: KnowledgeBase) -> None:
    # One malware family (reliability 0.85) can be planted, shared or leaked: the actor it favours
    # gets at most 85 %, whatever the rest of the model says; the excess goes to the others in
    # proportion; an actor no item favours is not bounded; more items lift the bound.
    import numpy as np

    from unmask.attribute.combine import cap_by_reliability
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex
    from unmask.attribute.params import DEFAULT_PARAMS

    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    scores = analyse(_case("S0301"), index).scores
    favoured = scores.contributions[0] > 0
    lead = int(np.flatnonzero(favoured & (np.array([a.id for a in index.actors]) == "G0003"))[0])
    actors = np.full(len(index.actors), 0.0)
    actors[lead], actors[~favoured] = 0.97, 0.02 / max(1, int((~favoured).sum()))
    capped = cap_by_reliability(scores, actors, 0.01)
    assert capped is not None
    result, unknown = capped
    assert abs(result[lead] - 0.85) < 1e-9 and abs(result.sum() + unknown - 1) < 1e-9
    assert unknown > 0.01 and np.all(result[~favoured] >= actors[~favoured])
    doubtful = Case("c", "c", observations=[Observation(ObservationKind.SOFTWARE, "S0301", confidence=0.5)])
    result, _ = cap_by_reliability(analyse(doubtful, index).scores, actors, 0.01) or (actors, 0.0)
    assert abs(result[lead] - 0.425) < 1e-9
    more = analyse(_case("S0301", "S0302", "T1301", "T1302"), index).scores
    assert cap_by_reliability(more, actors, 0.01) is None  # 1 - 0.15 * 0.15 * 0.05 * 0.05 > 0.97


def test_no_state_is_likelier_than_its_items_allow(kb: KnowledgeBase) -> None:
    # If the lone malware family is not genuinely its actor's (15 %), the sponsor is as likely as
    # states usually are: P(state) <= 1 - 0.15 * (1 - its base rate).
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex
    from unmask.attribute.params import DEFAULT_PARAMS
    from unmask.attribute.sponsor import _bound_by_items, base_rates, sponsor_label

    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    scores = analyse(_case("S0301"), index).scores
    state = sponsor_label(next(a for a in index.actors if a.id == "G0003"))
    rates = base_rates(index.actors)
    others = [label for label in {*rates, "unknown"} if label != state]
    result = {state: 0.99, **{label: 0.01 / len(others) for label in others}}
    bounded = _bound_by_items(index.actors, scores, result, rates)
    assert abs(bounded[state] - (1 - 0.15 * (1 - rates.get(state, 0.0)))) < 1e-9
    assert abs(sum(bounded.values()) - 1) < 1e-9 and all(bounded[k] >= result[k] for k in others)


def test_summary_explains_a_state_lead_that_is_not_the_group_leads_state() -> None:
    from unmask.attribute.summary import summary as _summary
    from unmask.model import Hypothesis

    low = ConfidenceLevel.LOW
    groups = [
        Hypothesis("G0007", "APT28", 0.3, "unlikely", low),
        Hypothesis("unknown", "unknown / new activity cluster", 0.2, "unlikely", low, kind="unknown"),
    ]
    sponsors = [
        Hypothesis("CN", "China", 0.4, "unlikely", low, kind="state"),
        Hypothesis("RU", "Russia", 0.3, "unlikely", low, kind="state"),
    ]
    text = _summary(groups, sponsors, 3, 10, ("APT28", "RU"))
    assert "not that of APT28, the likeliest known group whose allegiance the sources give (Russia)" in text
    assert "those of China hold more" in text
    # When they agree, nothing to explain.
    assert "not that of" not in _summary(groups, sponsors[::-1], 3, 10, ("APT28", "RU"))
    criminal = _summary(groups, sponsors, 3, 10, ("Carbanak", "none"))
    assert "(a criminal group of no state)" in criminal


def test_the_likeliest_of_one_open_part_is_not_said_of_the_parts_listed_before_it() -> None:
    from unmask.attribute.summary import by_part
    from unmask.model import Hypothesis

    low = ConfidenceLevel.LOW
    lead = Hypothesis("G0045", "menuPass", 0.6, "likely", low)
    new = Hypothesis("unknown", "unknown / new activity cluster", 0.13, "very unlikely", low, kind="unknown")
    parts = {
        "host:jump": [new, Hypothesis("G0045", "menuPass", 0.06, "very unlikely", low)],
        "host:srv2": [Hypothesis("G0045", "menuPass", 0.445, "unlikely", low), new],
        "host:srv3": [lead],
    }
    text = by_part(parts, lead, weak={"host:srv2"})
    assert (
        "host jump names no actor on its own; host srv2 (the likeliest there: menuPass, 44%) names no actor"
        in text
    )
    # Parts alike are still said together.
    both = by_part({"host:jump": [new], "host:db": [new], "host:srv3": [lead]}, lead)
    assert "host jump and host db name no actor on their own" in both


def test_summary_names_a_runner_up_that_is_nearly_as_likely() -> None:
    from unmask.attribute.summary import summary as _summary
    from unmask.model import Hypothesis

    low = ConfidenceLevel.LOW

    def groups(second: float) -> list[Hypothesis]:
        return [
            Hypothesis("G0115", "GOLD SOUTHFIELD", 0.47, "roughly even chance", low),
            Hypothesis("G0069", "MuddyWater", second, "roughly even chance", low),
        ]

    assert "MuddyWater is nearly as likely (44.9%)" in _summary(groups(0.449), [], 8, 10)
    assert "nearly as likely" not in _summary(groups(0.2), [], 8, 10)


def test_evidence_for_and_against_agree_with_the_matrix(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1101", "T1102", "T1103", "S0101", "S0102", "T1301"), kb)
    lead = a.groups[0]
    assert lead.evidence_for and all(w >= 0.5 for _, w in lead.evidence_for)
    assert all(w <= -0.5 for _, w in lead.evidence_against)
    column = {row["evidence"]: row["cells"].get(lead.id) for row in a.ach}
    assert all(column[e] == "consistent" for e, _ in lead.evidence_for)
    assert all(column[e] == "inconsistent" for e, _ in lead.evidence_against)
    # Nothing is lost: the listed items and the weaker ones add up to every item that leans.
    listed = len(lead.evidence_for) + len(lead.evidence_against)
    assert listed + lead.weaker_for[0] + lead.weaker_against[0] <= len(a.ach)
    assert a.to_dict()["groups"][0]["weaker_evidence"]["for"]["items"] == lead.weaker_for[0]


def test_tools_of_one_other_group_are_flagged_together(kb: KnowledgeBase) -> None:
    case = _case("T1301", "T1302", "T1303", "S0301", "S0302", "S0101", "S0102")
    a = attribute_case(case, kb)
    flag = next(w for w in a.warnings if w.startswith("possible false flag, shared tooling"))
    assert "S0101" in flag and "S0102" in flag and " point to Alpha (" in flag
    assert "nats more than for" in flag  # the weight, to check a warning about an actor not shown


def test_no_hypothesis_is_held_with_more_confidence_than_the_lead(kb: KnowledgeBase) -> None:
    from unmask.attribute.engine import _cap_confidence
    from unmask.model import Hypothesis

    hypotheses = [
        Hypothesis("G0001", "Alpha", 0.4, "unlikely", ConfidenceLevel.LOW),
        Hypothesis("G0002", "Beta", 0.06, "very unlikely", ConfidenceLevel.MODERATE),
    ]
    _cap_confidence(hypotheses)
    assert [h.confidence for h in hypotheses] == [ConfidenceLevel.LOW, ConfidenceLevel.LOW]
    a = attribute_case(_case("T1101", "T1102", "T1103", "S0101", "S0102", "T1301", "T1302", "S0301"), kb)
    levels = list(ConfidenceLevel)
    for hypotheses in (a.groups, a.sponsors):
        assert all(levels.index(h.confidence) <= levels.index(hypotheses[0].confidence) for h in hypotheses)


def test_an_item_no_actor_has_is_neutral_among_known_actors(kb: KnowledgeBase) -> None:
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex

    analysis = analyse(_case("T1101", "T1102", "S0999"), ScoringIndex.build(kb, DEFAULT_PARAMS))
    novel = [i for i, item in enumerate(analysis.scores.items) if item.key == "S0999"]
    assert novel and analysis.scores.novel[novel[0]]
    assert not analysis.scores.contributions[novel[0]].any()


@pytest.mark.parametrize(
    "items", [("T1001",), ("S0101", "T1500"), ("T1101", "S0201"), ("T1001", "T1002", "T1003", "T1101")]
)
def test_listed_probabilities_add_up_to_one_however_many_are_listed(kb: KnowledgeBase, items: tuple) -> None:
    for top in (1, 2, 50):
        try:
            a = attribute_case(_case(*items), kb, top=top)
        except CaseError:
            continue
        # Each shown probability is rounded to six digits: the sum is 1 to that precision.
        assert abs(sum(h.probability for h in a.groups) - 1.0) < 1e-5, (items, top)


def test_top_must_be_a_positive_whole_number(kb: KnowledgeBase) -> None:
    for bad in (0, -1, "3", 2.5, True):
        with pytest.raises(ValueError, match="top must be"):
            attribute_case(_case("T1101"), kb, top=bad)  # type: ignore[arg-type]


def test_malformed_indicators_are_unresolved_with_the_reason(kb: KnowledgeBase) -> None:
    bad = [
        ("ip", ObservationKind.INFRASTRUCTURE, "999.1.1.1", "not an IPv4 or IPv6 address"),
        ("sha256", ObservationKind.FILE, "xyz", "not a SHA-256"),
        ("md5", ObservationKind.FILE, "not-a-hash", "not an MD5"),
        ("email", ObservationKind.INFRASTRUCTURE, "no-at-sign", "not an email address"),
        ("asn", ObservationKind.INFRASTRUCTURE, "-5", "not an AS number"),
    ]
    good = [
        Observation(ObservationKind.INFRASTRUCTURE, "45.77.1[.]1", subtype="ip"),
        Observation(ObservationKind.INFRASTRUCTURE, "AS13335", subtype="asn"),
    ]
    case = _observed(*(Observation(kind, value, subtype=sub) for sub, kind, value, _ in bad), *good)
    items, unresolved = resolve_case(case, kb)
    assert [i.key for i in items] == ["45.77.1.1", "as13335"]
    for (_, _, value, reason), found in zip(bad, unresolved, strict=True):
        assert found.observation.value == value and reason in found.reason


def test_a_criminal_lead_gives_no_state_its_confidence(tmp_path: Path) -> None:
    # Delta's items each from two reports: no one report holds its lead a level lower.
    groups = {
        f"G01{n:02d}": (f"Filler {n}", {"T1001": ["r0"], f"T15{n:02d}": [f"f{n}"], f"S05{n:02d}": [f"f{n}"]})
        for n in range(20)
    }
    groups["G0004"] = (
        "Delta",
        {i: ["d1", "d2"] for i in ("T1001", "T1401", "T1402", "T1403", "S0401", "S0402")},
    )
    kb = build_kb(tmp_path / "kb", groups, criminal=("G0004",))
    a = attribute_case(_case("T1401", "T1402", "T1403", "S0401", "S0402"), kb)
    lead = a.groups[0]
    assert lead.id == "G0004" and lead.confidence is not ConfidenceLevel.LOW
    none = next(s for s in a.sponsors if s.id == "none")
    assert none.confidence == lead.confidence


@pytest.mark.parametrize(
    "items",
    [
        ("T1101", "S0101"),
        ("T1101", "T1201"),
        ("T1001",),
        ("S0301", "S0201", "T1102"),
        ("T1401", "S0401", "T1501"),
    ],
)
def test_no_state_is_likelier_or_less_likely_than_its_groups_allow(kb: KnowledgeBase, items: tuple) -> None:
    from unmask.attribute.combine import is_thin
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex
    from unmask.attribute.sponsor import UNKNOWN_STATE, sponsor_label

    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    analysis = analyse(_case(*items), index)
    post, mass = analysis.posterior, {}
    for actor, p in zip(index.actors, post.actors, strict=True):
        mass[sponsor_label(actor)] = mass.get(sponsor_label(actor), 0.0) + float(p)
    free = post.unknown + mass.get(UNKNOWN_STATE, 0.0)
    for state, p in analysis.sponsors.items():
        if state != UNKNOWN_STATE:
            assert p <= mass.get(state, 0.0) + free + 1e-9, (state, p)
            assert p >= mass.get(state, 0.0) - 1e-9, (state, p)  # if one of its groups did it, so did it
            if is_thin(analysis.scores):  # no state above an unknown sponsor beyond its own groups
                assert p <= max(analysis.sponsors[UNKNOWN_STATE], mass.get(state, 0.0)) + 1e-9, (state, p)
    assert sum(analysis.sponsors.values()) == pytest.approx(1.0)


def test_a_state_held_under_its_groups_is_raised_to_them_from_the_others_excess() -> None:
    from unmask.attribute.sponsor import _no_less_than_its_groups

    # Three criminal groups at 62 % together, each under a new group; the thin rule held "no state" at 49 %.
    raised = _no_less_than_its_groups({"none": 0.62, "RU": 0.1}, {"none": 0.49, "unknown": 0.49, "RU": 0.02})
    assert raised == pytest.approx({"none": 0.62, "unknown": 0.28, "RU": 0.1})


def test_a_misspelt_country_gets_a_suggestion(kb: KnowledgeBase) -> None:
    case = _observed(Observation(ObservationKind.VICTIM, "Ukrain", subtype="country"))
    _, [miss] = resolve_case(case, kb)
    assert miss.suggestions == ("Ukraine",)


def test_a_country_name_several_countries_answer_to_is_flagged(kb: KnowledgeBase) -> None:
    victims = [Observation(ObservationKind.VICTIM, name, subtype="country") for name in ("Korea", "Ukraine")]
    techniques = [Observation(ObservationKind.TECHNIQUE, t) for t in ("T1301", "T1302")]
    a = attribute_case(_observed(*victims, *techniques), kb)
    [warning] = [w for w in a.warnings if w.startswith("ambiguous name")]
    assert "'Korea' was read as South Korea (KR); it is also the name of North Korea (KP)" in warning


def test_a_state_named_for_a_financially_motivated_group_is_qualified() -> None:
    from unmask.attribute.summary import financial_sponsor_note as _financial_sponsor_note
    from unmask.model import Actor, Hypothesis

    crew = Actor("G9", "Crew", {}, sponsor="RU", motivations=["financial"])
    spies = Actor("G8", "Spies", {}, sponsor="RU", motivations=["espionage"])
    russia = Hypothesis("RU", "Russia", 0.9, "very likely", ConfidenceLevel.LOW, kind="state")
    assert "financially motivated" in _financial_sponsor_note([crew], [russia])
    assert _financial_sponsor_note([spies], [russia]) == ""
    china = Hypothesis("CN", "China", 0.9, "very likely", ConfidenceLevel.LOW, kind="state")
    assert _financial_sponsor_note([crew], [china]) == ""


def test_a_time_part_is_labelled_by_the_span_its_items_were_seen_over(kb: KnowledgeBase) -> None:
    T, S = ObservationKind.TECHNIQUE, ObservationKind.SOFTWARE
    observations = [
        Observation(T, "T1301", first_seen="2021-05-01"),
        Observation(S, "S0301", first_seen="2021-05-03", last_seen="2021-09-30"),  # seen for months
        Observation(T, "T1302", first_seen="2021-05-04"),
        Observation(T, "T1101", first_seen="2022-07-10"),
        Observation(S, "S0101", first_seen="2022-07-12"),
        Observation(T, "T1102", first_seen="2022-07-15"),
    ]
    a = attribute_case(Case("t", "t", observations=observations), kb)
    assert set(a.phases) == {"time:2021-05-01..2021-09-30", "time:2022-07-10..2022-07-15"}
    # Epoch seconds and other zones, as the loader accepts them, date the same UTC days.
    moved = [
        replace(observations[0], first_seen="1619827200"),
        replace(observations[3], first_seen="2022-07-09T23:30:00-02:00"),
    ]
    a = attribute_case(Case("t", "t", observations=moved + observations[1:3] + observations[4:]), kb)
    assert set(a.phases) == {"time:2021-05-01..2021-09-30", "time:2022-07-10..2022-07-15"}


def test_a_split_says_how_much_evidence_is_in_no_part(kb: KnowledgeBase) -> None:
    items = [(i, "access") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    items += [(i, "destruction") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    items += [("T1201", "recon"), "T1202"]  # a part too thin to attribute, and an unlabelled item
    a = attribute_case(_case(*items), kb)
    assert a.warnings[0].startswith("The evidence splits into parts")
    assert "2 item(s) are in no part attributed here" in a.warnings[0]


def test_a_tool_of_a_group_of_the_same_state_doubts_the_group_not_the_state(kb: KnowledgeBase) -> None:
    alpha = ("T1101", "T1102", "T1103", "T1104.001", "S0101", "S0102")
    clean = attribute_case(_case(*alpha), kb)
    mixed = attribute_case(_case(*alpha, "S0201"), kb)  # Beta's tool; Beta is Russian too
    assert clean.groups[0].id == mixed.groups[0].id == "G0001"
    flag = next(w for w in mixed.warnings if w.startswith("possible false flag, shared tooling"))
    assert "Beta (also Russia)" in flag
    assert mixed.groups[0].confidence is ConfidenceLevel.LOW
    assert mixed.sponsors[0].id == "RU"
    assert mixed.sponsors[0].confidence is clean.sponsors[0].confidence is not ConfidenceLevel.LOW
    # A tool of another state's group still doubts the state too.
    other = attribute_case(_case(*alpha, "S0301"), kb)  # Gamma's tool; Gamma is Iranian
    assert any("Gamma (" in w and "also" not in w.split("Gamma")[1][:8] for w in other.warnings)
    assert other.sponsors[0].confidence is ConfidenceLevel.LOW


def test_items_the_kb_ties_to_no_actor_are_named_in_a_warning(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1301", "T1302", "T1303", "S0301", "S0999"), kb)  # S0999: no actor has it
    warning = next(w for w in a.warnings if "no actor of the knowledge base is known for" in w)
    assert warning.startswith("1 item(s)") and "S0999" in warning
    plain = attribute_case(_case("T1301", "S0301"), kb).warnings
    assert not any("no actor of the knowledge base is known for" in w for w in plain)
    # Only software no actor has: no advice to give a sub-technique.
    assert "sub-technique" not in warning


def test_the_advice_to_give_a_sub_technique_comes_with_a_parent_technique(tmp_path: Path) -> None:
    groups = {
        f"G00{n:02d}": (f"Group {n}", {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}"], f"S02{n:02d}": [f"g{n}"]})
        for n in range(8)
    }
    kb = build_kb(tmp_path / "kb", groups, extra_items=("T1777", "T1777.001", "T1888", "S0999"))
    case = _case("T1201", "S0201", "T1202", "T1777", "T1888", "S0999")
    [warning] = [w for w in attribute_case(case, kb).warnings if "no actor of the knowledge base" in w]
    assert warning.startswith("3 item(s)")
    assert warning.endswith("for a parent technique, give the sub-technique)")
    # A technique without sub-techniques is no parent: nothing finer to give.
    [warning] = [
        w
        for w in attribute_case(_case("T1201", "S0201", "T1202", "T1888", "S0999"), kb).warnings
        if "no actor of the knowledge base" in w
    ]
    assert "sub-technique" not in warning


def test_victim_sectors_are_compared_in_one_vocabulary_and_unknown_ones_listed(kb: KnowledgeBase) -> None:
    from unmask.knowledge.sectors import sector_key, stix_sector

    assert sector_key("government-national") == sector_key("Government") == "government"
    assert sector_key("Banks") == sector_key("financial-services") == sector_key("Finance")
    assert stix_sector("Government, Administration") == "government"
    assert stix_sector("Telecoms") == "telecommunications"
    assert stix_sector("health-care") == stix_sector("Health Care") == "healthcare"
    assert stix_sector("government-national") == "government-national"  # kept for exports
    from unmask.knowledge.sectors import misp_sector

    assert misp_sector("government-national") == misp_sector("government") == "Government, Administration"
    assert (
        misp_sector("Telecommunications") == "Telecoms"
        and misp_sector("water utilities") == "water utilities"
    )

    def case(*sectors: str) -> Case:
        c = _case("T1301", "T1302")
        c.observations += [Observation(ObservationKind.VICTIM, s, "sector") for s in sectors]
        return c

    known = attribute_case(case("energy"), kb)
    again = attribute_case(case("Energy", "energy"), kb)
    assert not known.unresolved and not again.unresolved
    typo = attribute_case(case("Enrgy"), kb)
    assert [u["value"] for u in typo.unresolved] == ["Enrgy"]
    assert any("Enrgy" in w and "closest: energy" in w for w in typo.warnings)
    # STIX has "communications" beside "telecommunications": one sector (CISA's Communications).
    assert sector_key("Communications") == sector_key("Telecoms") == "telecommunications"
    # as incident write-ups name their victims (a review's "Sports" came out as transportation)
    assert sector_key("Managed Service Providers") == sector_key("MSPs") == "technology"
    assert sector_key("Cryptocurrency") == "financial-services" and sector_key("Sports") == "entertainment"
    # A sector in the singular or the plural is the KB's: "Governments" is its "government".
    assert not attribute_case(case("Governments"), kb).unresolved


def test_public_tools_do_not_make_the_evidence_diverse() -> None:
    from types import SimpleNamespace

    import numpy as np

    from unmask.attribute.calibrate import confidence_level
    from unmask.attribute.engine import _support
    from unmask.attribute.evidence import PUBLIC_TOOL_COST, EvidenceItem

    def item(n: int, signal: str, cost: str | None = None) -> EvidenceItem:
        obs = Observation(ObservationKind.TECHNIQUE, f"T1{n:03d}")
        return EvidenceItem(n, obs, signal, f"k{n}", f"item {n}", cost)

    commodity = [
        item(1, "technique"),
        item(2, "technique"),
        item(3, "technique"),
        item(4, "software", PUBLIC_TOOL_COST),
    ]
    scores = SimpleNamespace(items=commodity, contributions=np.ones((4, 1)))
    assert _support(scores, 0) == (4, 1, True)  # type: ignore[arg-type]
    own = [*commodity[:3], item(4, "software")]  # the actor's own malware is a second line of evidence
    assert _support(SimpleNamespace(items=own, contributions=np.ones((4, 1))), 0) == (4, 2, True)  # type: ignore[arg-type]
    assert confidence_level(0.23, 4, 1, True, False) is ConfidenceLevel.LOW
    # Software many actors use is commodity too, whatever ATT&CK calls it (Cobalt Strike: malware).
    framework = [*commodity[:3], item(4, "software")]
    shared = SimpleNamespace(items=framework, contributions=np.ones((4, 1)))
    assert _support(shared, 0, {"k4": 29}) == (4, 1, True)  # type: ignore[arg-type]
    assert _support(shared, 0, {"k4": 2}) == (4, 2, True)  # type: ignore[arg-type]


def test_parts_that_point_to_groups_of_one_state_keep_the_state_confident(kb: KnowledgeBase) -> None:
    alpha = [(i, "access") for i in ("T1101", "T1102", "T1103", "T1104.001", "S0101", "S0102")]
    beta = [(i, "impact") for i in ("T1201", "T1202", "T1203", "S0201", "T1101")]
    gamma = [(i, "impact") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")]
    same = attribute_case(_case(*alpha, *beta), kb)  # Alpha and Beta are both Russian
    assert "phase access points to Alpha" in same.warnings[0] and "points to Beta" in same.warnings[0]
    assert same.sponsors[0].id == "RU" and same.sponsors[0].confidence is not ConfidenceLevel.LOW
    mixed = attribute_case(_case(*alpha, *gamma), kb)  # Gamma is Iranian: the state is in doubt
    assert "points to Gamma" in mixed.warnings[0]
    assert mixed.sponsors[0].confidence is ConfidenceLevel.LOW


def test_a_tool_of_a_group_the_sources_relate_to_the_leader_is_no_doubt(kb: KnowledgeBase) -> None:
    alpha = ("T1101", "T1102", "T1103", "T1104.001", "S0101", "S0102")
    kb.actors["G0002"].related = [("G0001", "similar")]  # Beta "similar" to Alpha, as APT41 and Winnti Group
    mixed = attribute_case(_case(*alpha, "S0201"), kb)
    flag = next(w for w in mixed.warnings if w.startswith("tooling of a related group"))
    assert "Beta (also Russia; a group the sources relate to Alpha)" in flag
    assert flag.endswith("the sources relate the two groups: this lowers no confidence")
    assert not any(w.startswith("possible false flag") for w in mixed.warnings)
    assert mixed.groups[0].id == "G0001" and mixed.groups[0].confidence is not ConfidenceLevel.LOW


def test_evidence_known_only_from_a_campaign_of_the_kb_is_said(tmp_path: Path) -> None:
    # Gamma's wiper and ransomware are Gamma's only through campaign C0042's report: a case of
    # them may be that campaign, whose attribution the KB already holds (Albania 2022, C0038).
    groups = {
        f"G00{n:02d}": (f"Group {n}", {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}"], f"S02{n:02d}": [f"g{n}"]})
        for n in range(8)
    }
    # A tool the group's own links give, cited only by the campaign's report, is the campaign's too.
    groups["G0003"][1]["S0779"] = ["camp"]
    campaign = {"S0777": ["camp"], "S0778": ["camp"], "T1485": ["camp"]}
    kb = build_kb(tmp_path / "kb", groups, campaigns={"C0042": ("G0003", campaign)})
    assessment = attribute_case(_case("S0777", "S0779", "T1485", "T1201", "T1203"), kb)
    assert assessment.groups[0].id == "G0003"
    [warning] = [w for w in assessment.warnings if w.startswith("known campaign")]
    assert "C0042 (Campaign C0042)" in warning and "campaign C0042's reports held out" in warning
    assert "Ware S0777" in warning and "Ware S0779" in warning
    assert assessment.groups[0].probability >= 0.45  # a named lead: the summary says it too
    assert "only through campaign C0042: if this is that campaign" in assessment.summary
    # The most likely hypothesis though under a roughly even chance: the summary names it, and
    # says the same.
    weaker = attribute_case(_case("S0777", "S0779", "T1485", "T1201", "T1202", "T1204", "T1205"), kb)
    assert weaker.groups[0].id == "G0003" and weaker.groups[0].probability < 0.45
    assert weaker.summary.startswith(
        "The evidence does not single out an actor: even the most likely hypothesis"
    )
    assert [w for w in weaker.warnings if w.startswith("known campaign")]
    assert "only through campaign C0042: if this is that campaign" in weaker.summary
    # Held out, the campaign no longer speaks for the group: no such warning.
    held_out = attribute_case(_case("S0777", "S0779", "T1485", "T1201", "T1203"), kb.view(["C0042"]))
    assert not [w for w in held_out.warnings if w.startswith("known campaign")]
    # The group's own reports are not a campaign's: its own tools raise no such warning.
    own = attribute_case(_case("S0203", "T1203", "T1001", "T1485"), kb)
    assert next(h for h in own.groups if h.kind == "actor").id == "G0003"
    assert not [w for w in own.warnings if w.startswith("known campaign")]


def test_evidence_known_only_from_one_report_of_the_kb_is_said(tmp_path: Path) -> None:
    # Group 3 is known from one advisory alone; the others each from several reports.
    groups = {
        f"G00{n:02d}": (f"Group {n}", {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}", f"h{n}"]}) for n in range(8)
    }
    groups["G0003"] = (
        "Group 3",
        {"T1001": ["r0"], **{i: ["adv"] for i in ("T1301", "T1302", "T1303", "S0301")}},
    )
    kb = build_kb(tmp_path / "kb", groups)
    items = ("T1301", "T1302", "T1303", "S0301", "T1001")
    a = attribute_case(_case(*items), kb)
    assert a.groups[0].id == "G0003"
    [said] = [w for w in a.warnings if w.startswith("one report: ")]
    assert 'is Group 3\'s in the knowledge base through one report alone, "adv"' in said
    assert "unmask" not in said  # shared with partners: no command (the CLI's view adds it)
    from unmask.cli.assessment_view import _hold_out

    assert _hold_out(said) == " (unmask attribute … --kb-without adv)"
    assert _hold_out(said.replace('"adv"', '"it\'s $HOME \\"x\\""')) == (
        " (unmask attribute … --kb-without 'it'\"'\"'s $HOME \"x\"')"
    )
    # Held out, the report no longer speaks for the group; a group of several reports is not said.
    assert not [
        w
        for w in attribute_case(_case(*items), kb.view(without_citations=("adv",))).warnings
        if w.startswith("one report")
    ]
    several = attribute_case(_case("T1202", "T1001", "T1203", "T1204", "T1205"), kb)
    assert not [w for w in several.warnings if w.startswith("one report")]


def test_a_lead_known_from_one_report_alone_is_held_one_confidence_level_lower(tmp_path: Path) -> None:
    own = ("T1301", "T1302", "T1303", "T1304", "T1305", "T1306", "T1307", "T1308", "S0301", "S0302", "S0303")
    held = {}
    for reports in (["adv"], ["adv", "blog"]):
        groups = {
            f"G00{n:02d}": (
                f"Group {n}",
                {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}", f"h{n}"], f"S02{n:02d}": [f"g{n}"]},
            )
            for n in range(20)
        }
        groups["G0003"] = ("Group 3", {"T1001": ["r0"], **dict.fromkeys(own, reports)})
        a = attribute_case(_case(*own), build_kb(tmp_path / "-".join(reports), groups))
        assert a.groups[0].id == "G0003" and a.groups[0].probability > 0.95
        said = [w for w in a.warnings if w.startswith("one report: ")]
        assert len(said) == (reports == ["adv"])
        # (the advice last: the terminal follows it with the command that holds the report out)
        assert all(
            "; the judgement is held one confidence level lower; for an independent judgement" in w
            and w.endswith("held out of the knowledge base")
            for w in said
        )
        held[len(reports)] = a.groups[0].confidence
    # The same evidence from two reports is held with high confidence; from one, a level lower.
    assert (held[2], held[1]) == (ConfidenceLevel.HIGH, ConfidenceLevel.MODERATE)


def test_a_lead_known_from_one_campaign_of_the_kb_is_held_one_confidence_level_lower(tmp_path: Path) -> None:
    own = ("T1301", "T1302", "T1303", "T1304", "T1305", "T1306", "T1307", "T1308", "S0301", "S0302", "S0303")
    held = {}
    for through in ("reports", "campaign"):
        groups = {
            f"G00{n:02d}": (
                f"Group {n}",
                {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}", f"h{n}"], f"S02{n:02d}": [f"g{n}"]},
            )
            for n in range(20)
        }
        campaigns = {}
        if through == "reports":
            groups["G0003"] = ("Group 3", {"T1001": ["r0"], **{key: ["adv", "blog"] for key in own}})
        else:
            campaigns = {"C0042": ("G0003", {key: ["camp"] for key in own})}
        a = attribute_case(_case(*own), build_kb(tmp_path / through, groups, campaigns=campaigns))
        assert a.groups[0].id == "G0003" and a.groups[0].probability > 0.95
        said = [w for w in a.warnings if w.startswith("known campaign: ")]
        assert len(said) == (through == "campaign")
        assert all(
            "; the judgement is held one confidence level lower; for an independent" in w for w in said
        )
        held[through] = a.groups[0].confidence
    # What the KB knows of the group only through the campaign may be this very case: a level lower.
    assert (held["reports"], held["campaign"]) == (ConfidenceLevel.HIGH, ConfidenceLevel.MODERATE)


def test_no_false_flag_warning_against_a_split_or_a_lead_the_unknown_group_holds(kb: KnowledgeBase) -> None:
    # Gamma's tools in the impact phase are that part's lead, not a plant against Alpha's access.
    split = attribute_case(
        _case(
            *[(i, "access") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")],
            *[(i, "impact") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")],
        ),
        kb,
    )
    assert split.warnings[0].startswith("The evidence splits into parts")
    assert not any("false flag" in w for w in split.warnings)
    # A group the KB does not know leads: a cheap item against the first known actor contradicts no lead.
    unknown = attribute_case(_case("T1101", "T1102", "T1999", "S0999", "Gamma"), kb)
    assert unknown.groups[0].kind == "unknown"
    assert not any("false flag" in w for w in unknown.warnings)


def test_a_part_pointing_to_another_actor_than_the_whole_is_a_warning(kb: KnowledgeBase) -> None:
    # Alpha's ways in the access phase; Gamma's across two phases too thin to name it on their own.
    parts = (
        *[(i, "access") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")],
        *[(i, "impact") for i in ("T1301", "T1302", "S0301")],
        *[(i, "collection") for i in ("T1303", "S0302")],
    )
    a = attribute_case(_case(*parts), kb)
    assert not a.split and a.groups[0].id == "G0003" and a.groups[0].probability >= 0.45
    [said] = [w for w in a.warnings if w.startswith("a part points to another actor: ")]
    assert "phase access points to Alpha (almost certain" in said and "not to Gamma" in said
    # The same items without phases: no part, no such warning.
    whole = attribute_case(_case(*[i for i, _ in parts]), kb)
    assert not [w for w in whole.warnings if w.startswith("a part points to another actor")]
    # A group the sources relate to the lead (APT41's Winnti) is no second actor.
    kb.actors["G0001"].related = [("G0003", "similar")]
    related = attribute_case(_case(*parts), kb)
    assert related.groups[0].id == "G0003"
    assert not [w for w in related.warnings if w.startswith("a part points to another actor")]


def test_parts_that_do_not_point_to_the_whole_incidents_lead_are_said(kb: KnowledgeBase) -> None:
    # Gamma's tools in the impact phase; the access phase shows only what everyone does.
    case = _case(
        *[(i, "access") for i in ("T1001", "T1002", "T1003")],
        *[(i, "impact") for i in ("T1301", "T1302", "T1303", "S0301", "S0302")],
    )
    assessment = attribute_case(case, kb)
    assert assessment.groups[0].id == "G0003"
    assert "By part: phase access (the likeliest there: " in assessment.summary
    assert "names no actor on its own; the judgement on the whole rests on the evidence of phase impact." in (
        assessment.summary
    )
    # Every part pointing to the lead: nothing to add.
    agreeing = _case(*[(i, p) for p in ("access", "impact") for i in ("T1301", "T1302", "S0301", "S0302")])
    assert "By part" not in attribute_case(agreeing, kb).summary


def test_a_planted_artifact_lowers_confidence_by_one_level(kb: KnowledgeBase) -> None:
    items = ("T1301", "T1302", "T1303", "S0301", "S0302", "T1001", "T1002", "T1003")
    clean = attribute_case(_case(*items), kb).groups[0]
    planted = attribute_case(_case(*items, "Alpha"), kb)
    assert clean.id == planted.groups[0].id == "G0003"
    assert any("possible false flag" in w for w in planted.warnings)
    order = list(ConfidenceLevel)
    assert clean.confidence is not ConfidenceLevel.LOW
    assert order.index(planted.groups[0].confidence) == order.index(clean.confidence) - 1


def test_a_weak_leads_summary_gives_the_unknown_groups_share_once() -> None:
    from unmask.attribute.summary import summary as _summary
    from unmask.model import Hypothesis

    low = ConfidenceLevel.LOW
    groups = [
        Hypothesis("G0049", "OilRig", 0.07, "very unlikely", low),
        Hypothesis("unknown", "unknown", 0.06, "very unlikely", low, kind="unknown"),
        Hypothesis("other", "others", 0.87, "very likely", low, kind="other"),
    ]
    text = _summary(groups, [], 12, 375)
    assert text.count("a group the knowledge base does not know") == 1 and "nearly as likely" not in text


def test_a_part_that_names_an_actor_is_said_when_the_whole_names_none() -> None:
    from unmask.attribute.summary import parts_named
    from unmask.model import Hypothesis

    low, moderate = ConfidenceLevel.LOW, ConfidenceLevel.MODERATE
    phases = {
        "phase:access": [Hypothesis("G0100", "Inception", 0.956, "almost certain", moderate)],
        "phase:impact": [Hypothesis("G0049", "OilRig", 0.2, "unlikely", low)],
    }
    assert parts_named(phases) == " On its own, phase access points to Inception (almost certain, 95–99 %)."
    assert parts_named({"phase:impact": phases["phase:impact"]}) == ""


def test_a_lead_that_stands_only_on_public_tools_is_flagged(tmp_path: Path) -> None:
    # Group 1 is known only for remote-access tools anyone can use; Group 2 for a technique.
    groups = {
        f"G00{n:02d}": (f"Group {n}", {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}"], f"S02{n:02d}": [f"g{n}"]})
        for n in range(8)
    }
    groups["G0001"] = ("Group 1", {"S0900": ["g1"], "S0901": ["g1"], "S0902": ["g1"]})
    groups["G0002"][1]["T1566"] = ["g2"]
    kb = build_kb(tmp_path / "kb", groups, tools=("S0900", "S0901", "S0902"))
    assessment = attribute_case(_case("S0900", "S0901", "S0902", "T1566", "T1202", "T1001"), kb)
    # All that favours Group 1 is public tools: it is held level with a new group, as in a thin case.
    assert assessment.groups[0].id == "unknown" and _probability(assessment.groups, "G0001") == pytest.approx(
        assessment.groups[0].probability
    )
    assert any(
        w.startswith("weak lead: Group 1 (first of the known actors")
        and "leads only because of software Ware S0900" in w
        and "public tools anyone can use; without them Group 2 leads" in w
        for w in assessment.warnings
    )
    assert not any(w.startswith("thin evidence") for w in assessment.warnings)  # five comparable items
    # "Without them" is what the same case without them gives: the first of the known actors.
    rest = attribute_case(_case("T1566", "T1202", "T1001"), kb)
    assert next(h for h in rest.groups if h.kind == "actor").id == "G0002"
    # A case of public tools alone: the lead has nothing else, and is said to have nothing else.
    tools = attribute_case(_case("S0900", "S0901", "S0902"), kb)
    assert next(h for h in tools.groups if h.kind == "actor").id == "G0001"
    assert tools.groups[0].confidence is ConfidenceLevel.LOW
    assert any(
        w.startswith("weak lead: Group 1") and w.endswith("nothing else in the case points to it")
        for w in tools.warnings
    )


def test_a_part_whose_lead_stands_only_on_public_tools_points_to_no_one(tmp_path: Path) -> None:
    groups = {
        f"G00{n:02d}": (f"Group {n}", {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}"], f"S02{n:02d}": [f"g{n}"]})
        for n in range(8)
    }
    # Group 1: three public tools and a technique Group 2 has too; Group 3 a few more techniques.
    groups["G0001"] = ("Group 1", {"S0900": ["g1"], "S0901": ["g1"], "S0902": ["g1"], "T1566": ["g1"]})
    groups["G0002"][1]["T1566"] = ["g2"]
    for technique in ("T1301", "T1302", "T1303", "T1304"):
        groups["G0003"][1][technique] = ["g3"]
    kb = build_kb(tmp_path / "kb", groups, tools=("S0900", "S0901", "S0902"))
    impact = [Observation(ObservationKind.SOFTWARE, v, phase="impact") for v in ("S0900", "S0901", "S0902")]
    impact += [Observation(ObservationKind.TECHNIQUE, v, phase="impact") for v in ("T1566", "T1202", "T1001")]
    access = [
        Observation(ObservationKind.TECHNIQUE, v, phase="access")
        for v in ("T1203", "T1001", "T1301", "T1302", "T1303", "T1304")
    ]
    access.append(Observation(ObservationKind.SOFTWARE, "S0203", phase="access"))
    a = attribute_case(_observed(*impact, *access), kb)
    assert any(
        w.startswith("in phase impact: weak lead: Group 1 leads only because of")
        and w.endswith("Group 2 leads")
        for w in a.warnings
    )
    # The tools' phase does not split the incident: the whole is Group 3's, phase impact names no one.
    assert not a.split and a.groups[0].id == "G0003"
    assert "phase impact (the likeliest there: Group 1, 86%) names no actor on its own" in a.summary


def test_a_public_tool_of_another_crew_is_said_but_lowers_no_confidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unmask.attribute.caveats as caveats_module

    # Alpha's S0101 and S0102 as public tools; the margins low enough that this small KB's tools
    # are flagged at all (the real KB's SimpleHelp beside MuddyWater's own tools is 3.1 nats).
    monkeypatch.setattr(caveats_module, "PLANTED_TOOL_MARGIN", 0.1)
    monkeypatch.setattr(caveats_module, "STRONG_CONTRARY", 0.1)
    kb = three_groups(tmp_path / "kb", tools=("S0101", "S0102"))
    own = ("T1301", "T1302", "T1303", "S0301", "S0302")
    alone = attribute_case(_case(*own), kb)
    a = attribute_case(_case(*own, "S0101", "S0102"), kb)
    assert a.groups[0].id == alone.groups[0].id == "G0003"
    said = [w for w in a.warnings if w.startswith("shared public tool: software Ware S0101")]
    assert said and said[0].endswith("public tools are anyone's: this lowers no confidence")
    assert not any(w.startswith("possible false flag") for w in a.warnings)
    assert a.groups[0].confidence is alone.groups[0].confidence
    # The same programs as malware are a doubt, as before.
    malware = attribute_case(_case(*own, "S0101", "S0102"), three_groups(tmp_path / "kb2"))
    assert any(w.startswith("possible false flag, shared tooling") for w in malware.warnings)


def test_actors_known_only_by_a_second_sources_software_do_not_crowd_the_unknown_out(
    sources_kb: KnowledgeBase,
) -> None:
    from unmask.attribute.combine import score_items
    from unmask.attribute.index import ScoringIndex

    # Tidal's "Ransom Crew" (tests/sources.py) is known by software links alone: a candidate, but
    # not of the field the unknown hypothesis's weights were fitted against (ATT&CK's actors).
    index = ScoringIndex.build(sources_kb, DEFAULT_PARAMS)
    case = _observed(Observation(ObservationKind.SOFTWARE, "Mimikatz"))
    scores = score_items(index, resolve_case(case, sources_kb)[0])
    row = index.actor_position()[sources_kb.actor("Ransom Crew").id]
    assert scores.candidates[row] and scores.behaviour is not None and not scores.behaviour[row]
    assert scores.behaviour[index.actor_position()["G0049"]]


def test_a_second_sources_family_named_after_its_group_is_that_groups_own(sources_kb: KnowledgeBase) -> None:
    from unmask.attribute.signals.base import SignalContext
    from unmask.attribute.signals.software import SoftwareSignal

    # Tidal ties "Ransom 2.0" to the Ransom Crew and to OilRig (tests/sources.py): the crew's payload.
    context = SignalContext.build(sources_kb, DEFAULT_PARAMS)
    signal = SoftwareSignal()
    crew = signal.actor_features(sources_kb.actor("Ransom Crew"), context)
    oilrig = signal.actor_features(sources_kb.actor("OilRig"), context)
    assert crew["S:tidal:Ransom 2.0"] > oilrig["S:tidal:Ransom 2.0"] == crew["S:tidal:AnyDesk"]
    # The view without Tidal's links (the benchmark's) has no such rule to apply.
    bare = SignalContext.build(sources_kb.view(without_sources=["tidal"]), DEFAULT_PARAMS)
    assert "S:tidal:Ransom 2.0" not in signal.actor_features(bare.kb.actor("OilRig"), bare)
    # ATT&CK's own links count their reports and are left as they are.
    assert oilrig["S:S0170"] == signal.actor_features(sources_kb.actor("OilRig"), context)["S:S0170"]


def test_software_of_other_sources_is_shown_by_its_name(sources_kb: KnowledgeBase) -> None:
    items, _ = resolve_case(
        _observed(
            Observation(ObservationKind.SOFTWARE, "AnyDesk"),
            Observation(ObservationKind.SOFTWARE, "Mimikatz"),
        ),
        sources_kb,
    )
    assert [i.label for i in items] == ["software AnyDesk", "software Mimikatz (S0002)"]


def test_a_software_name_several_families_answer_to_is_flagged(sources_kb: KnowledgeBase) -> None:
    # "Terminator": Tidal's EDR killer and Malpedia's Terminator RAT (tests/sources.py); DarkSide's
    # platforms are one family, and a name that gives the kind says which.
    assert [r.id for r in sources_kb.software_sharing_name("Terminator", "tidal:Terminator")] == [
        "malpedia:Terminator RAT"
    ]
    assert sources_kb.software_sharing_name("Terminator RAT", "malpedia:Terminator RAT") == []
    assert sources_kb.software_sharing_name("DarkSide", "malpedia:DarkSide (Windows)") == []
    # "NotPetya" is NotPetya's own name; Bad Rabbit only lists it among its others.
    assert sources_kb.software_record("NotPetya").id == "S0368"
    assert sources_kb.software_sharing_name("NotPetya", "S0368") == []
    assert [r.id for r in sources_kb.software_sharing_name("NotPetya", "S0606")] == [
        "S0368",
        "malpedia:NotPetya (Windows)",
    ]
    case = _observed(
        Observation(ObservationKind.SOFTWARE, "Terminator"), Observation(ObservationKind.TECHNIQUE, "T1485")
    )
    warnings = attribute_case(case, sources_kb).warnings
    assert any(w.startswith("ambiguous name: software 'Terminator' was read as Terminator") for w in warnings)
    plain = _observed(Observation(ObservationKind.SOFTWARE, "Mimikatz"))
    assert not any(w.startswith("ambiguous name") for w in attribute_case(plain, sources_kb).warnings)


def test_an_actors_name_given_as_software_is_flagged(sources_kb: KnowledgeBase) -> None:
    # "EUROPIUM" is OilRig's name and, in tests/sources.py, another name of ZeroCleare.
    case = _observed(Observation(ObservationKind.SOFTWARE, "EUROPIUM"))
    warnings = attribute_case(case, sources_kb).warnings
    assert any(
        w.startswith("actor's name as software: 'EUROPIUM' is the name of OilRig (G0049)") for w in warnings
    )
    plain = _observed(Observation(ObservationKind.SOFTWARE, "Helminth"))
    assert not any(w.startswith("actor's name") for w in attribute_case(plain, sources_kb).warnings)
    # Both readings point to OilRig, which uses ZeroCleare: the reading is not in doubt.
    from unmask.attribute.engine import analyse
    from unmask.attribute.index import ScoringIndex

    index = ScoringIndex.build(sources_kb, DEFAULT_PARAMS)
    (item,) = analyse(case, index).items
    assert item.key == "S1151" and not item.ambiguous and item.cost == "moderate"
    # An actor's name read as a program that actor is not known to use is: cheap evidence, and
    # not a public tool ("Newscaster", Magic Hound's and Cleaver's name, given as Helminth's).
    from unmask.attribute.caveats import ambiguous_reading

    doubtful = replace(item, observation=replace(item.observation, value="Newscaster"), key="S0170")
    assert ambiguous_reading(sources_kb, doubtful)
    # ... however the part that ran or the kind is written after it.
    beacon = replace(doubtful, observation=replace(item.observation, value="Newscaster beacon"))
    assert ambiguous_reading(sources_kb, beacon)
    # A program's own name that a source also lists among a group's other names is the program.
    assert sources_kb.actor_candidates("ZeroCleare")
    wiper = _observed(Observation(ObservationKind.SOFTWARE, "ZeroCleare"))
    assert not any(w.startswith("actor's name") for w in attribute_case(wiper, sources_kb).warnings)


def test_countries_are_read_by_misps_names_too_but_not_words_that_are_other_things() -> None:
    from unmask.knowledge.countries import country_code, misp_country

    assert country_code("Ivory Coast") == "CI" and country_code("Swaziland") == "SZ"
    assert country_code("Shqipëri") == "AL" and country_code("Holland") == "NL"
    assert country_code("Macedonia") == "MK" and country_code("KSA") == "SA"
    assert country_code("Great Britain") == country_code("England") == "GB"
    assert country_code("car") is None and country_code("America") is None  # "Latin America"
    assert misp_country("AL") == "Albania" and misp_country("IR") == "Iran"


def test_many_unknown_names_are_listed_quickly_and_summarised(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unmask.attribute.caveats as caveats_module
    import unmask.attribute.evidence as evidence_module

    monkeypatch.setattr(evidence_module, "SUGGESTED_MISSES", 2)
    monkeypatch.setattr(caveats_module, "UNRESOLVED_SHOWN", 3)
    case = _case("T1301", "T1302")
    case.observations += [Observation(ObservationKind.SOFTWARE, f"Ware S030{n}x") for n in range(5)]
    case.observations.append(Observation(ObservationKind.TECHNIQUE, "A" * 5_000))  # no name is that long
    a = attribute_case(case, kb)
    # Close names for the first unknown ones only; every one is still listed.
    assert [bool(u["suggestions"]) for u in a.unresolved] == [True, True, False, False, False, False]
    assert kb.suggest is True  # restored for the next case
    shown = [w for w in a.warnings if w.startswith("unresolved:")]
    assert len(shown) == 4 and "3 more value(s) not shown here" in shown[-1]
    assert all(len(w) < 1_000 for w in a.warnings)  # a 5,000-character value is clipped


def test_a_second_sources_links_to_a_campaigns_malware_are_that_campaigns_too(tmp_path: Path) -> None:
    # ATT&CK attributes campaign C0043 to no group; another source links its malware to Group 3
    # (Tidal's ZIPLINE and WARPWIRE for UTA0178, Cutting Edge): a case of them may be C0043.
    from unmask.knowledge.records import SourceLink
    from unmask.knowledge.store import KnowledgeBase

    groups = {
        f"G00{n:02d}": (f"Group {n}", {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}"], f"S02{n:02d}": [f"g{n}"]})
        for n in range(8)
    }
    campaign = {"S0777": ["camp"], "S0778": ["camp"], "T1485": ["camp"]}
    base = build_kb(tmp_path / "kb", groups, campaigns={"C0043": ("", campaign)})
    links = [SourceLink("G0003", item, "tidal", "Tidal Group 3") for item in ("S0777", "S0778")]
    kb = KnowledgeBase(base.document, base.sha256, base.path, _static=base._static, _links=links)
    case = _case("S0777", "S0778", "T1203", "T1201", "T1485")
    assessment = attribute_case(case, kb)
    assert assessment.groups[0].id == "G0003"
    [warning] = [w for w in assessment.warnings if w.startswith("known campaign")]
    assert "only through campaign C0043" in warning and "Ware S0777" in warning
    held_out = attribute_case(case, kb.view(["C0043"]))
    assert held_out.groups[0].id != "G0003"


def test_a_technique_seen_at_its_parents_level_agrees_with_its_sub_techniques(tmp_path: Path) -> None:
    # A Sigma rule tags T1496; the KB knows Group 3 for T1496.001 (and no actor for T1496 itself).
    groups = {
        f"G00{n:02d}": (f"Group {n}", {"T1001": ["r0"], f"T12{n:02d}": [f"g{n}"], f"S02{n:02d}": [f"g{n}"]})
        for n in range(8)
    }
    groups["G0003"][1]["T1496.001"] = ["g3"]
    kb = build_kb(tmp_path / "kb", groups, extra_items=("T1496",))
    with_parent = attribute_case(_case("T1496", "T1203", "T1001"), kb)
    with_sub = attribute_case(_case("T1496.001", "T1203", "T1001"), kb)
    assert next(h for h in with_parent.groups if h.kind == "actor").id == "G0003"
    # The parent counts for Group 3 as its sub-technique does, and is no item "no actor has".
    weight = {row["evidence"].split()[0]: row["contributions"]["G0003"] for row in with_parent.ach}
    sub = {row["evidence"].split()[0]: row["contributions"]["G0003"] for row in with_sub.ach}
    assert weight["T1496"] == pytest.approx(sub["T1496.001"]) and weight["T1496"] > 0
    assert not [w for w in with_parent.warnings if "no actor of the knowledge base is known for" in w]


def test_a_thin_case_holds_no_actor_above_a_new_group() -> None:
    from unmask.attribute.combine import thin_case

    actors = np.array([0.9, 0.06, 0.0])
    held = thin_case(True, actors, 0.04)
    assert held is not None
    scaled, unknown = held
    assert scaled[0] == unknown and unknown > scaled[1]
    assert scaled.sum() + unknown == pytest.approx(1.0)
    assert scaled[1] / scaled[0] == pytest.approx(0.06 / 0.9) and scaled[2] == 0
    # Enough items, or the unknown hypothesis already ahead: nothing to do.
    assert thin_case(False, actors, 0.04) is None
    assert thin_case(True, np.array([0.3, 0.2]), 0.5) is None


def test_items_most_actors_share_or_few_believe_do_not_make_a_case_more_than_thin(kb: KnowledgeBase) -> None:
    from unmask.attribute.combine import THIN_ITEMS, comparable_items

    # T1001-T1003 are every group's: with them, Gamma's two own items are still two.
    padded = analyse(
        _case("T1301", "S0301", "T1001", "T1002", "T1003"), ScoringIndex.build(kb, DEFAULT_PARAMS)
    )
    assert comparable_items(padded.scores) == 2 < THIN_ITEMS
    a = attribute_case(_case("T1301", "S0301", "T1001", "T1002", "T1003"), kb)
    assert a.groups[0].id == "unknown" and _probability(a.groups, "G0003") == pytest.approx(
        a.groups[0].probability
    )
    assert any(w.startswith("thin evidence: 5 item(s), worth 2 in telling actors apart") for w in a.warnings)
    # An item held at a confidence below 1 counts for that much.
    doubtful = _case("T1301", "T1302", "T1303", "S0301", "S0302", confidence="0.5")
    assert comparable_items(analyse(doubtful, ScoringIndex.build(kb, DEFAULT_PARAMS)).scores) == 2.5


def test_a_three_item_phase_is_as_thin_as_a_three_item_case_and_points_to_no_one(kb: KnowledgeBase) -> None:
    items = [(i, "access") for i in ("T1301", "T1302", "S0301")]
    items += [(i, "impact") for i in ("T1101", "T1102", "T1103", "S0101", "S0102")]
    a = attribute_case(_case(*items), kb)
    access = a.phases["phase:access"]
    assert access[0].id == "unknown" and _probability(access, "G0003") == pytest.approx(access[0].probability)
    assert all(h.confidence is ConfidenceLevel.LOW for h in access)
    # Three planted tools are no second actor: no split, and the summary says the part names no one.
    assert not a.split and not any(w.startswith("The evidence splits") for w in a.warnings)
    # Level with Gamma there: both are named, neither as "the likeliest" alone.
    assert (
        "phase access (the likeliest there: a group the knowledge base does not know and Gamma, " in a.summary
    )
    assert "% each)" in a.summary
    # The same three items as a whole case are thin: a new group is as likely.
    alone = attribute_case(_case("T1301", "T1302", "S0301"), kb)
    assert alone.groups[0].id == "unknown" and _probability(alone.groups, "G0003") == pytest.approx(
        alone.groups[0].probability
    )


def test_a_technique_in_words_is_read_as_a_report_is_and_said(kb: KnowledgeBase) -> None:
    case = _case("T1102", "S0101")
    case.observations.append(Observation(ObservationKind.TECHNIQUE, "then the operators used T1101"))
    case.observations.append(Observation(ObservationKind.TECHNIQUE, "they used T1101 and T1103"))
    a = attribute_case(case, kb)
    items, unresolved = resolve_case(case, kb)
    read = [i for i in items if i.read_from]
    assert [(i.key, i.read_from) for i in read] == [("T1101", "then the operators used T1101")]
    # Two techniques in the words: neither is guessed; both are offered.
    assert [u.observation.value for u in unresolved] == ["they used T1101 and T1103"]
    assert unresolved[0].suggestions[:2] == ("T1101 (Technique T1101)", "T1103 (Technique T1103)")
    said = next(w for w in a.warnings if w.startswith("read otherwise than by name or id: "))
    assert "observations[2] technique 'then the operators used T1101' as T1101 Technique T1101" in said
    # A value from a bundle is placed by its file and object, as an unresolved one is.
    from dataclasses import replace

    from unmask.model import Provenance

    case.observations[2] = replace(
        case.observations[2], provenance=Provenance("in/bundle.json", record="objects[3] attack-pattern--1")
    )
    said = next(w for w in attribute_case(case, kb).warnings if w.startswith("read otherwise"))
    assert "bundle.json objects[3] attack-pattern--1 technique 'then the operators used T1101'" in said
    # A copy held at confidence 0 is not weighed, and not listed as unweighed when another copy is.
    doubted = Observation(ObservationKind.TECHNIQUE, "T1101", confidence=0.0)
    for order in (
        [doubted, Observation(ObservationKind.TECHNIQUE, "T1101")],
        [doubted, Observation(ObservationKind.TECHNIQUE, "T1101", host="ws11")],
        [doubted],
    ):
        items, unresolved = resolve_case(Case("c", "c", observations=order), kb)
        assert len(items) + len(unresolved) == 1
    # The same technique also written by its id, before or after: the copy by id is the item,
    # whatever the order, and nothing was read otherwise.
    words = Observation(ObservationKind.TECHNIQUE, "then the operators used T1101")
    exact = Observation(ObservationKind.TECHNIQUE, "T1101")
    for order in ([words, exact], [exact, words]):
        items, _ = resolve_case(Case("c", "c", observations=order), kb)
        assert [(i.key, i.read_from) for i in items] == [("T1101", None)]


def test_analysts_words_for_techniques_resolve_and_prose_words_stay_apart(tmp_path: Path) -> None:
    kb = build_kb(
        tmp_path / "kb",
        {
            "G0001": ("Alpha", {"T1486": ["a1"], "T1606.002": ["a1"], "T1021.001": ["a1"], "T1219": ["a1"]}),
            "G0002": ("Beta", {"T1486": ["b1"], "T1001": ["b1"]}),
        },
    )
    values = ["ransomware", "Golden SAML", "RDP", "the ransomware group", "-", "not RDP", "x"]
    case = _observed(*(Observation(ObservationKind.TECHNIQUE, v) for v in values))
    items, unresolved = resolve_case(case, kb)
    assert [(i.read_from, i.key) for i in items] == [
        ("ransomware", "T1486"),  # a case's whole value (CASE_TERMS)
        ("Golden SAML", "T1606.002"),  # a report's phrase too (vocabulary.PHRASES)
        ("RDP", "T1021.001"),
    ]
    # In a sentence, "ransomware" is no technique: the loose words are read only as a whole value;
    # a denial is no sighting, and punctuation or a letter is no name of anything.
    assert [u.observation.value for u in unresolved] == ["the ransomware group", "-", "not RDP", "x"]
    assert (
        "not a name" in resolve_case(_observed(Observation(ObservationKind.SOFTWARE, "-")), kb)[1][0].reason
    )


def test_a_state_lead_that_one_item_decides_is_said_and_held_at_low_confidence(kb: KnowledgeBase) -> None:
    # Gamma's (Iran) techniques, two items no actor has, and Alpha's (Russia) malware: no Russian group
    # leads the group level (a new group does), yet one of the malware puts Russia first among the states.
    a = attribute_case(_case("T1301", "T1302", "S0101", "S0102", "T1999", "S0999"), kb)
    assert a.groups[0].id == "unknown"
    assert a.sponsors[0].id == "RU"
    hinge = [w for w in a.warnings if w.startswith("the state lead rests on one item")]
    assert hinge == [
        "the state lead rests on one item: Russia leads the states only because of software Ware S0101 "
        "(S0101); without it Iran leads (one tool or artifact can be shared, sold or planted: treat "
        "Russia as a lead to test, not a finding)"
    ]
    assert (
        "Russia leads the states only because of software Ware S0101 (S0101); without it Iran leads."
        in a.summary
    )
    assert {h.confidence for h in a.sponsors} == {ConfidenceLevel.LOW}


def test_a_groups_own_malware_deciding_its_state_is_no_hinge(kb: KnowledgeBase) -> None:
    # Alpha leads the group level with its own malware: the state rests on that group's attribution.
    a = attribute_case(_case("T1101", "T1102", "T1103", "T1104.001", "S0101"), kb)
    assert a.groups[0].id == "G0001" and a.sponsors[0].id == "RU"
    assert not any(w.startswith("the state lead rests on one item") for w in a.warnings)


def test_the_row_of_other_actors_has_no_likelihood_word(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1101", "T1001"), kb)
    other = next(h for h in a.groups if h.kind == "other")
    assert other.likelihood == "— (many actors together)"
    assert other.probability > 0.2  # large enough that a word would have been "unlikely" or more
    for part in a.phases.values():
        assert all(h.likelihood == "— (many actors together)" for h in part if h.kind == "other")


def test_exploit_names_tools_given_as_techniques_and_former_names_resolve(tmp_path: Path) -> None:
    kb = build_kb(
        tmp_path / "kb",
        {
            "G0001": ("Alpha", {"T1219": ["a1"], "T1047": ["a1"], "S0101": ["a1"]}),
            "G0002": ("Beta", {"T1001": ["b1"]}),
        },
    )
    given = [
        (ObservationKind.VULNERABILITY, "Log4Shell"),
        (ObservationKind.SOFTWARE, "EternalBlue"),  # an exploit listed as software
        (ObservationKind.TECHNIQUE, "Ware S0101"),  # a tool listed as a technique
        (ObservationKind.SOFTWARE, "wmic"),  # a system program: the technique it is
        (ObservationKind.TECHNIQUE, "Remote Access Software"),  # T1219's name before ATT&CK v17
        (ObservationKind.SOFTWARE, "Nothing Of The Sort"),
    ]
    items, unresolved = resolve_case(_observed(*(Observation(k, v) for k, v in given)), kb)
    assert [(i.signal, i.key, i.read_from) for i in items] == [
        ("cve", "CVE-2021-44228", "Log4Shell"),
        ("cve", "CVE-2017-0144", "EternalBlue"),
        ("software", "S0101", "Ware S0101"),
        ("technique", "T1047", "wmic"),
        ("technique", "T1219", None),  # a name of the technique, as its revoked ids are
    ]
    assert [u.observation.value for u in unresolved] == ["Nothing Of The Sort"]


def test_hosts_with_the_same_evidence_are_one_part(kb: KnowledgeBase) -> None:
    observations = [
        Observation(ObservationKind.TECHNIQUE if v.startswith("T") else ObservationKind.SOFTWARE, v, host=h)
        for h in [f"ws{n:03d}" for n in range(40)]
        for v in ("T1101", "T1102", "S0101")
    ] + [
        Observation(
            ObservationKind.TECHNIQUE if v.startswith("T") else ObservationKind.SOFTWARE, v, host="dc01"
        )
        for v in ("T1301", "T1302", "S0301")
    ]
    a = attribute_case(_observed(*observations), kb)
    assert set(a.phases) == {"host:ws000, ws001, ws002 and 37 more hosts alike", "host:dc01"}


def test_many_parts_are_capped_with_a_note(kb: KnowledgeBase) -> None:
    # Twenty hosts, each with its own three items: the twelve richest parts, and a note.
    observations = [
        Observation(ObservationKind.TECHNIQUE, t, host=f"h{n:02d}")
        for n in range(20)
        for t in (f"T15{n:02d}", f"T16{n:02d}", "T1001" if n % 2 else "T1002") + (("T1003",) if n < 5 else ())
    ]
    # Forty workstations alike, with three items: seen most, so kept among parts of three items.
    observations += [
        Observation(ObservationKind.TECHNIQUE, t, host=f"ws{n:02d}")
        for n in range(40)
        for t in ("T1301", "T1302", "T1303")
    ]
    a = attribute_case(_observed(*observations), kb)
    assert len(a.phases) == 12
    assert {f"host:h{n:02d}" for n in range(5)} <= set(a.phases)  # the five with four items
    assert "host:ws00, ws01, ws02 and 37 more hosts alike" in a.phases
    note = next(w for w in a.warnings if w.startswith("9 more parts (host h"))
    assert note.endswith(
        "and 4 more) are not attributed one by one: the 12 with the most evidence are; every item is "
        "weighed in the whole incident's assessment"
    )


def test_an_item_given_twice_counts_once_as_its_most_confident_copy_whatever_the_order(
    kb: KnowledgeBase,
) -> None:
    def case(*confidences: str) -> Case:
        base = _case("T1301", "T1302", "T1303", "S0302")
        for confidence in confidences:
            base.observations.append(
                Observation(ObservationKind.SOFTWARE, "S0301", confidence=float(confidence))
            )
        return base

    doubtful_first, sure_first = attribute_case(case("0.05", "1"), kb), attribute_case(case("1", "0.05"), kb)
    assert _probability(doubtful_first.groups, "G0003") == _probability(sure_first.groups, "G0003")
    items, _ = resolve_case(case("0.05", "1"), kb)
    assert [i.observation.confidence for i in items if i.key == "S0301"] == [1.0]
    # On two hosts, the sure sighting stands for both at the group level.
    on_hosts = case()
    on_hosts.observations += [
        Observation(ObservationKind.SOFTWARE, "S0301", host="a", confidence=0.05),
        Observation(ObservationKind.SOFTWARE, "S0301", host="b"),
    ]
    assert _probability(attribute_case(on_hosts, kb).groups, "G0003") == _probability(
        sure_first.groups, "G0003"
    )


def test_the_summary_does_not_depend_on_how_many_hypotheses_are_listed(kb: KnowledgeBase) -> None:
    case = _case("T1101", "T1102", "T1201", "T1202", "T1103")
    summaries = {attribute_case(case, kb, top=top).summary for top in (1, 2, 5, 10)}
    assert len(summaries) == 1
    assert "none above" in summaries.pop()  # the largest other actor, named even when --top 1 lists none


def test_an_item_hardly_believed_hardly_moves_the_assessment(kb: KnowledgeBase) -> None:
    base = _case("T1301", "T1302", "S0301", "T1101", "T1201")
    doubtful = _case("T1301", "T1302", "S0301", "T1101", "T1201")
    doubtful.observations.append(Observation(ObservationKind.SOFTWARE, "S0101", confidence=0.001))
    before, after = attribute_case(base, kb, top=10), attribute_case(doubtful, kb, top=10)
    for hypothesis in before.groups:
        if hypothesis.kind != "other":
            assert _probability(after.groups, hypothesis.id) == pytest.approx(
                hypothesis.probability, abs=0.005
            )


def test_techniques_in_words_that_name_several_are_each_suggested_once(sources_kb: KnowledgeBase) -> None:
    from unmask.attribute.evidence import resolve_case

    case = _observed(Observation(ObservationKind.TECHNIQUE, "LSASS Memory, PowerShell"))
    _, unresolved = resolve_case(case, sources_kb)
    ids = [s.split()[0].strip("()") for s in unresolved[0].suggestions]
    assert sorted(ids) == ["T1003.001", "T1059.001"], unresolved[0].suggestions


def test_a_state_says_what_favours_its_groups(kb: KnowledgeBase) -> None:
    a = attribute_case(_case("T1101", "T1102", "S0101", "T1201", "T1202", "S0201"), kb)
    russia = next(h for h in a.sponsors if h.id == "RU")
    said = " ".join(label for label, _ in russia.evidence_for)
    assert all(item in said for item in ("T1201", "T1202", "S0201")), said
    assert all(weight > 0 for _, weight in russia.evidence_for)
    assert russia.to_dict()["evidence_for"]  # in the JSON too
    # Six items, each of another Chinese group: a new group leads, China by pooling, and the
    # summary says on what.
    pooled = attribute_case(_case("T1500", "T1502", "T1504", "T1506", "T1508", "T1510"), kb)
    assert pooled.groups[0].kind == "unknown" and pooled.sponsors[0].id == "CN"
    assert "the sponsor is China (5 item(s) favour its groups, each only a little" in pooled.summary
    # The terminal, the Markdown and the HTML report show what the state's lead rests on.
    from rich.console import Console

    from unmask.cli.assessment_view import assessment_view
    from unmask.report.markdown import assessment_markdown

    terminal = Console(width=200, record=True)
    terminal.print(assessment_view(pooled))
    assert "Why China (the state level" in terminal.export_text()
    assert "### China (state level: what the items say of its groups)" in assessment_markdown(pooled)
    from unmask.report.html import ReportInput, render_html

    page = render_html(ReportInput(_case("T1500", "T1502", "T1504", "T1506", "T1508", "T1510"), pooled, kb))
    assert 'China <span class="muted">(state level)</span>' in page
    # Items that favour a state's groups outright are named.
    from unmask.attribute.summary import _resting_on

    china = pooled.sponsors[0]
    state = replace(china, evidence_for=(("T1500 Technique T1500", 1.2),))
    assert (
        _resting_on(state, pooled.groups[0], None) == " (what favours its groups most: T1500 Technique T1500)"
    )
    assert _resting_on(
        replace(china, evidence_for=(), weaker_for=(0, 0.0)), pooled.groups[0], None
    ).startswith(", though no item of the case favours its groups over others")


def test_an_affiliate_and_its_programme_are_related_not_rivals(tmp_path: Path) -> None:
    groups = {
        "G0001": ("Alpha", {"T1101": ["a1"], "T1102": ["a1"], "S0101": ["a1"], "S0102": ["a1"]}),
        "G0002": (
            "Ware S0101 Ransomware Actors & Affiliates",
            {"S0101": ["p1"], "S0103": ["p1"], "T1103": ["p1"]},
        ),
        "G0003": ("Gamma", {"T1301": ["c1"], "S0301": ["c1"]}),
    }
    for n in range(8):
        groups[f"G01{n:02d}"] = (f"Filler {n}", {f"T15{n:02d}": [f"f{n}"], f"S05{n:02d}": [f"f{n}"]})
    kb = build_kb(tmp_path / "kb", groups, criminal=("G0001", "G0002"))
    # The programme's ransomware (S0101) is Alpha's too: an affiliate, both ways; Gamma is neither.
    assert ("G0002", "affiliate of") in kb.actors["G0001"].related
    assert ("G0001", "affiliate") in kb.actors["G0002"].related
    assert not any(ident == "G0003" for ident, _ in kb.actors["G0002"].related)
    a = attribute_case(_case("T1101", "S0101", "S0103", "T1103", "T1102"), kb)
    top = [h.id for h in a.groups if h.kind == "actor"][:2]
    assert set(top) == {"G0001", "G0002"}
    assert "is known to deploy the ransomware of" in a.summary and "overlap rather than compete" in a.summary
    # A relation recorded on one side only is read from either.
    for actor_id in top:
        other = kb.actors[actor_id].related
        kb.actors[actor_id].related = []
        b = attribute_case(_case("T1101", "S0101", "S0103", "T1103", "T1102"), kb)
        assert "Alpha is known to deploy the ransomware of Ware S0101" in b.summary
        kb.actors[actor_id].related = other


def test_a_resemblance_the_evidence_does_not_bear_out_is_said(kb: KnowledgeBase) -> None:
    # Gamma's own tools and techniques, and a partner's word that they look like Beta's.
    gamma = ("T1301", "T1302", "T1303", "S0301", "S0302")
    claim = Observation(ObservationKind.SIMILARITY, "Beta", provenance=Provenance("partner liaison"))
    case = _observed(*_case(*gamma).observations, claim)
    a = attribute_case(case, kb)
    assert a.groups[0].id == "G0003" and _probability(a.groups, "G0002") < 0.05
    [said] = [w for w in a.warnings if w.startswith("resemblance not borne out")]
    assert said.startswith(
        "resemblance not borne out: observations[5] likens the case's artifacts to Beta's, as 'partner "
        "liaison' has it; weighed with the rest of the evidence, Beta holds"
    )
    # A resemblance the evidence bears out is not said.
    borne = attribute_case(_observed(*_case(*gamma).observations, replace(claim, value="Gamma")), kb)
    assert not any(w.startswith("resemblance") for w in borne.warnings)
