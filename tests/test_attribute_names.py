"""How the attribution reads a case's names: what it resolves silently, what it says, what it offers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sources import attack_bundle, galaxies, group, relation, software, technique
from unmask.attribute.engine import attribute_case
from unmask.attribute.evidence import resolve_case
from unmask.cli.attribute import kb_without
from unmask.errors import ConfigError
from unmask.knowledge.install import install_kb
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Case, Observation, ObservationKind

T, S = ObservationKind.TECHNIQUE, ObservationKind.SOFTWARE


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    """The fixture sources, with two names that two sub-techniques each share, as ATT&CK's do."""
    bundle = attack_bundle()
    objects = bundle["objects"]
    by_id = {
        o["external_references"][0]["external_id"]: o
        for o in objects
        if o["type"] != "relationship" and o.get("external_references")
    }
    # Listed first, so that the bundle's order alone would read the names as these.
    info = technique("T1598", "Phishing for Information", "reconnaissance")
    info_link = technique("T1598.003", "Spearphishing Link", "reconnaissance")
    phishing = technique("T1566", "Phishing", "initial-access")
    compromise = technique("T1586.002", "Email Accounts", "resource-development")
    establish = technique("T1585.002", "Email Accounts", "resource-development")
    proxy = technique("T1090.001", "Internal Proxy", "command-and-control")
    # ATT&CK names a group after a program another group uses (G1049 "AppleJeus" beside S0584).
    applejeus = software("malware", "S0584", "AppleJeus", [])
    namesake = group("G1049", "AppleJeus", ["Citrine Sleet"])
    objects[1:1] = [info, info_link, compromise, establish, phishing, proxy, applejeus, namesake]
    objects += [
        relation(info_link, "subtechnique-of", info),
        relation(by_id["T1566.002"], "subtechnique-of", phishing),
        relation(by_id["T1566.001"], "subtechnique-of", phishing),
        relation(by_id["G0007"], "uses", by_id["T1566.002"], "Report D"),
        relation(by_id["G0059"], "uses", by_id["T1566.002"], "Report F"),
        relation(by_id["G0059"], "uses", info_link, "Report F"),
        relation(by_id["G0059"], "uses", establish, "Report F"),
        relation(by_id["G0059"], "uses", proxy, "Industroyer2 ESET April 2022"),
        relation(by_id["G0007"], "uses", applejeus, "Report D"),
        relation(namesake, "uses", by_id["T1566.001"], "Report H"),
    ]
    path = tmp_path / "src" / "enterprise-attack.json"
    path.parent.mkdir()
    path.write_text(json.dumps(bundle))
    clusters = tmp_path / "src" / "clusters"
    clusters.mkdir()
    for name, cluster in galaxies().items():
        (clusters / f"{name}.json").write_text(json.dumps(cluster))
    result = install_kb(str(path), galaxies_dir=clusters)
    assert result.kb is not None
    return result.kb


def _case(*observations: tuple[ObservationKind, str]) -> Case:
    return Case("c", "c", observations=[Observation(kind, value) for kind, value in observations])


def test_a_name_two_sub_techniques_share_is_read_as_the_more_used_and_said(kb: KnowledgeBase) -> None:
    case = _case((T, "Spearphishing Link"), (T, "email accounts"), (S, "Helminth"), (T, "T1003.001"))
    items, unresolved = resolve_case(case, kb)
    assert not unresolved
    # The one more of the KB's actors are known to use, whatever the bundle's order.
    assert [i.key for i in items[:2]] == ["T1566.002", "T1585.002"]
    warnings = attribute_case(case, kb).warnings
    assert (
        "ambiguous name: technique 'Spearphishing Link' was read as T1566.002 Phishing: Spearphishing "
        "Link, the one more of the knowledge base's actors are known to use; T1598.003 Phishing for "
        "Information: Spearphishing Link shares the name: give the id to choose"
    ) in warnings
    assert any(
        w.startswith(
            "ambiguous name: technique 'email accounts' was read as T1585.002 Email Accounts, the one"
        )
        and "; T1586.002 Email Accounts shares the name" in w
        for w in warnings
    )
    # By id, or by ATT&CK's full name, the technique is said exactly: no warning.
    assert kb.technique("Phishing for Information: Spearphishing Link").id == "T1598.003"
    for exact in ("T1598.003", "Phishing for Information: Spearphishing Link"):
        case = _case((T, exact), (S, "Helminth"), (T, "T1003.001"))
        assert not any(w.startswith("ambiguous name") for w in attribute_case(case, kb).warnings)


def test_no_observation_is_folded_into_another_or_renamed_without_a_word(kb: KnowledgeBase) -> None:
    victim = ObservationKind.VICTIM
    case = Case(
        "c",
        "c",
        observations=[
            Observation(T, "T1003.001"),
            Observation(S, "comsvcs.dll"),  # a system program: T1003.001, which the case also gives
            Observation(victim, "Government", subtype="sector"),
            Observation(victim, "Diplomatic", subtype="sector"),  # no finer sector in the KB
            Observation(T, "T1086"),  # retired: PowerShell is T1059.001 now
            Observation(S, "Helminth"),
        ],
    )
    items, unresolved = resolve_case(case, kb)
    assert not unresolved and [i.key for i in items] == [
        "T1003.001",
        "sector:government",
        "T1059.001",
        "S0170",
    ]
    warnings = attribute_case(case, kb).warnings
    [read] = [w for w in warnings if w.startswith("read otherwise than by name or id: ")]
    assert (
        "observations[1] software 'comsvcs.dll' as T1003.001 LSASS Memory, one item with observations[0]"
        in read
    )
    assert (
        "observations[4] technique 'T1086' as T1059.001 PowerShell (retired; ATT&CK replaced T1086 with it)"
        in read
    )
    [sector] = [w for w in warnings if w.startswith("victim sector compared as the knowledge base's: ")]
    assert "observations[3] 'Diplomatic' as Government, one item with observations[2]" in sector
    # Whatever the order: the copy by id counts, and the other is still said.
    case.observations[:2] = case.observations[1::-1]
    [read] = [w for w in attribute_case(case, kb).warnings if w.startswith("read otherwise")]
    assert (
        "observations[0] software 'comsvcs.dll' as T1003.001 LSASS Memory, one item with observations[1]"
        in read
    )
    # Said exactly, nothing is read otherwise.
    plain = _case((T, "T1003.001"), (T, "T1059.001"), (S, "Helminth"))
    assert not [
        w for w in attribute_case(plain, kb).warnings if w.startswith(("read otherwise", "victim sector"))
    ]


def test_a_misspelt_sub_technique_of_a_full_name_is_offered_not_read_as_its_parent(kb: KnowledgeBase) -> None:
    case = _case((T, "OS Credential Dumping: LSASS Memroy"), (S, "Helminth"))
    items, [miss] = resolve_case(case, kb)
    assert [i.key for i in items] == ["S0170"]
    assert miss.suggestions == (
        "T1003.001 OS Credential Dumping: LSASS Memory",
        "T1003 OS Credential Dumping",
    )
    assert "T1003 OS Credential Dumping has no sub-technique named 'LSASS Memroy'" in miss.reason
    # A sub-technique's name like none of the parent's is still read from the words, and said.
    items, unresolved = resolve_case(_case((T, "OS Credential Dumping: from the registry hives")), kb)
    assert not unresolved and items[0].key == "T1003" and items[0].read_from


def test_unknown_names_get_suggestions_that_help(kb: KnowledgeBase) -> None:
    case = _case((S, "Fancy Bear"), (S, "Hilminthe"), (S, "Helmimth"), (T, "netsh portproxy"))
    items, unresolved = resolve_case(case, kb)
    # An actor's name given as software: the actor, and how to say what was likely meant.
    assert unresolved[0].suggestions == ("similarity: APT28",)
    assert "'Fancy Bear' is the name of the actor APT28 (G0007), not of a program" in unresolved[0].reason
    # Two typos in a name of fewer than ten letters make another name; one is a typo.
    assert [(u.observation.value, u.suggestions) for u in unresolved[1:]] == [
        ("Hilminthe", ()),
        ("Helmimth", ("Helminth (S0170)",)),
    ]
    # Windows' own port forwarding, as analysts write it, is an internal proxy.
    assert [(i.key, i.read_from) for i in items] == [("T1090.001", "netsh portproxy")]
    # A report's name written from memory for --kb-without: the reports of names close to it.
    with pytest.raises(ConfigError, match="did you mean: 'Industroyer2 ESET April 2022'"):
        kb_without(kb, ["Industroyer2 ESET Apr 2022"])


def test_a_sector_under_the_kbs_label_is_no_broader_reading_and_portproxy_is_read_only_in_a_case() -> None:
    from unmask.attribute.caveats import _same_sector

    assert _same_sector("Hospitality", "sector:hospitality-leisure") and _same_sector(
        "Water", "infrastructure-water"
    )
    assert not _same_sector("Diplomatic", "sector:government") and not _same_sector("", "government")
    # A report's "netsh interface portproxy show all" only looks, "portproxy add" sets one up; a
    # case's "netsh portproxy" says it was set up.
    from unmask.extract.vocabulary import CASE_TERMS, PHRASES

    assert "portproxy" not in PHRASES and PHRASES["netsh interface portproxy add"] == "T1090.001"
    assert CASE_TERMS["netsh portproxy"] == CASE_TERMS["portproxy"] == "T1090.001"


def test_a_programs_own_attack_name_is_the_program_though_a_group_is_named_after_it(
    kb: KnowledgeBase,
) -> None:
    # Written by name or by id, the program is the same evidence: not an uncertain reading.
    by_name = attribute_case(
        Case(id="c", title="c", observations=[Observation(S, "AppleJeus"), Observation(T, "T1003.001")]), kb
    )
    by_id = attribute_case(
        Case(id="c", title="c", observations=[Observation(S, "S0584"), Observation(T, "T1003.001")]), kb
    )
    assert [(h.id, round(h.probability, 6)) for h in by_name.groups] == [
        (h.id, round(h.probability, 6)) for h in by_id.groups
    ]
    assert not any(
        w.startswith(("ambiguous name", "actor's name as software", "weak lead")) for w in by_name.warnings
    )
    # The namesake group is named, as a note.
    assert any(
        w.startswith("name shared: 'AppleJeus' is also the name of the group AppleJeus (G1049)")
        for w in by_name.warnings
    )
    assert not any(w.startswith("name shared") for w in by_id.warnings)
