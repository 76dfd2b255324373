"""The installed knowledge base against the real ATT&CK v18.1 bundle and MISP galaxies."""

from __future__ import annotations

import re

import pytest

from conformance.conftest import dataset
from unmask.errors import UnknownNameError
from unmask.knowledge.install import ATTACK_SHA256
from unmask.knowledge.store import KnowledgeBase


def test_built_from_the_pinned_attack_release(real_kb: KnowledgeBase) -> None:
    attack = real_kb.sources[0]
    assert attack.name == "mitre-attack-enterprise"
    assert attack.version == "18.1"
    assert attack.sha256 == ATTACK_SHA256, "KB built from another bundle: run 'unmask kb install'"


def test_counts_match_attack_v18_1(real_kb: KnowledgeBase) -> None:
    counts = real_kb.summary()["counts"]
    assert counts["attack_intrusion_sets"] == 187
    assert counts["attack_groups_active"] == 172
    assert counts["campaigns"] == 52
    assert counts["actors_in_attack"] == 172


def test_apt28_names_across_sources_and_russia_as_sponsor(real_kb: KnowledgeBase) -> None:
    actor = real_kb.actor("APT28")
    assert actor.id == "G0007"
    assert {"ATT&CK", "MISP", "Microsoft"} <= set(actor.names)
    assert "STRONTIUM" in actor.names["Microsoft"]
    assert actor.sponsor == "RU"
    assert len(actor.techniques) > 50


@pytest.mark.parametrize(
    "name", ["OilRig", "APT34", "Helix Kitten", "EUROPIUM", "Hazel Sandstorm", "Crambus"]
)
def test_oilrig_names_are_one_actor(real_kb: KnowledgeBase, name: str) -> None:
    assert real_kb.actor(name).id == "G0049"


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Cadet Blizzard", "G1003"),
        ("BlueNoroff", "G0082"),
        ("Sapphire Sleet", "G0082"),
        ("Citrine Sleet", "G1049"),
    ],
)
def test_a_name_attack_gives_a_group_finds_that_group(real_kb: KnowledgeBase, name: str, group: str) -> None:
    assert real_kb.actor(name).attack_id == group


def test_microsoft_entries_join_the_groups_attack_names_them_for(real_kb: KnowledgeBase) -> None:
    # Hazel Sandstorm is OilRig's (not Cleaver's, which MISP marks it similar to); Forest
    # Blizzard, STRONTIUM's new name, is APT28's rather than an empty actor of its own.
    assert "Hazel Sandstorm" in real_kb.actor("G0049").names.get("Microsoft", [])
    assert "Microsoft" not in real_kb.actor("G0003").names
    assert "Forest Blizzard" in real_kb.actor("G0007").names["Microsoft"]
    for weather in ("Forest Blizzard", "Brass Typhoon", "Silk Typhoon", "Gingham Typhoon", "Violet Typhoon"):
        assert [a.id for a in real_kb.actor_candidates(weather)][:1] == [real_kb.actor(weather).id]
        assert real_kb.actor(weather).attack_id is not None


def test_real_conflicts_are_listed(real_kb: KnowledgeBase) -> None:
    kinds = {c.kind for c in real_kb.conflicts}
    assert {"merge-refused", "alias-collision", "described-twice"} <= kinds
    # Microsoft kept APT28 under its old and its new name: one actor, and said so.
    twice = [c for c in real_kb.conflicts if c.kind == "described-twice" and c.subject == "APT28"]
    assert twice and {"Microsoft 'STRONTIUM'", "Microsoft 'Forest Blizzard'"} <= set(twice[0].parties)
    # ATT&CK itself gives "UAC-0056"-style aliases to more than one group.
    assert any(c.kind == "alias-collision" and c.parties[0].startswith("ATT&CK") for c in real_kb.conflicts)


def test_holding_out_a_campaign_removes_its_evidence(real_kb: KnowledgeBase) -> None:
    campaign = real_kb.campaigns["C0038"]  # HomeLand Justice, the 2022 attack on Albania
    view = real_kb.view(without_campaigns=["C0038"])
    held_out = set(campaign.citations)
    assert "C0038" not in view.campaigns
    for rel in view.relations:
        assert not rel.citations or not set(rel.citations) <= held_out
    full = real_kb.actor("G1001")
    assert "C0038" in full.campaigns and "C0038" not in view.actor("G1001").campaigns


def _sigmahq_technique_tags() -> set[str]:
    tags: set[str] = set()
    for path in dataset("sigmahq").glob("rules*/**/*.yml"):
        text = path.read_text(encoding="utf-8", errors="replace")
        tags.update(m.upper() for m in re.findall(r"attack\.(t\d{4}(?:\.\d{3})?)", text))
    return tags


def test_sigmahq_technique_tags_resolve(real_kb: KnowledgeBase) -> None:
    tags = _sigmahq_technique_tags()
    unknown = sorted(t for t in tags if t not in real_kb.techniques)
    print(f"SigmaHQ technique tags: {len(tags)}, not in ATT&CK v18.1: {len(unknown)} {unknown}")
    assert len(tags) > 300
    assert len(unknown) / len(tags) < 0.05


def test_sigmahq_tags_outside_the_release_say_why(real_kb: KnowledgeBase) -> None:
    # Rules tag techniques of later ATT&CK releases (and sometimes revoked ones): each resolves
    # to its successor or says why it cannot, never a look-alike suggestion.
    tags = _sigmahq_technique_tags()
    for tag in sorted(t for t in tags if t not in real_kb.techniques):
        if tag in real_kb.successors:
            assert real_kb.technique(tag).id == real_kb.successors[tag]
            continue
        with pytest.raises(UnknownNameError, match=r"newer than ATT&CK v18\.1|deprecated"):
            real_kb.technique(tag)


def test_revoked_attack_ids_stand_for_their_successors(real_kb: KnowledgeBase) -> None:
    assert real_kb.technique("T1086").id == "T1059.001"
    assert real_kb.technique("Disabling Security Tools").id == "T1562.001"
    assert real_kb.software_record("S0209").id == "S0012"
    assert len(real_kb.successors) == 134
