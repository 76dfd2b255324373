from unmask.knowledge.aliases import merge_entries, normalize_name
from unmask.knowledge.entries import NameEntry
from unmask.model import SponsorClaim


def _groups(entries: list[NameEntry], links: dict[str, str] | None = None) -> tuple[list, list]:
    groups, conflicts = merge_entries(entries, links or {})
    return sorted(sorted(e.key for e in g.entries) for g in groups), conflicts


def test_normalize_ignores_case_spaces_and_punctuation() -> None:
    assert normalize_name("APT 34") == normalize_name("apt-34") == "apt34"
    assert normalize_name("Threat Group-4127") == "threatgroup4127"


def test_same_group_across_sources_is_merged_with_reasons() -> None:
    entries = [
        NameEntry("attack", "G0049", "OilRig", ("APT34", "Helix Kitten")),
        NameEntry("misp", "m1", "OilRig", ("Twisted Kitten",)),
        NameEntry("microsoft", "ms1", "EUROPIUM", ("APT 34",)),
        NameEntry("tidal", "t1", "Something Else", attack_links=("G0049",)),
    ]
    groups, conflicts = merge_entries(entries, {})
    assert len(groups) == 1 and not conflicts
    reasons = groups[0].reasons
    assert any("names ATT&CK id G0049" in r for r in reasons)
    assert any("MISP threat-actor 'OilRig': its name is one ATT&CK gives to" in r for r in reasons)
    assert any("'APT34' / 'APT 34'" in r for r in reasons)
    assert groups[0].primary.key == "G0049"


def test_an_entry_named_as_attack_names_a_group_joins_it_before_links_elsewhere() -> None:
    # Microsoft's Hazel Sandstorm is OilRig's (ATT&CK lists the name), though MISP marks it similar
    # to Cleaver; a source's renamed entry (STRONTIUM, then Forest Blizzard) joins its group too.
    entries = [
        NameEntry("attack", "G0049", "OilRig", ("Hazel Sandstorm", "EUROPIUM")),
        NameEntry("attack", "G0003", "Cleaver"),
        NameEntry("misp", "m-cleaver", "Cleaver", attack_links=("G0003",)),
        NameEntry(
            "microsoft", "ms1", "Hazel Sandstorm", ("EUROPIUM", "Cobalt Gypsy"), peer_links=("m-cleaver",)
        ),
        NameEntry("microsoft", "ms2", "EUROPIUM", ("OilRig",)),
    ]
    groups, conflicts = _groups(entries)
    assert ["G0049", "ms1", "ms2"] in groups and ["G0003", "m-cleaver"] in groups
    # The two Microsoft entries ended in one actor: no refusal between them is left standing, only
    # the note that Microsoft describes the group twice.
    assert [
        c.kind for c in conflicts if set(c.parties) == {"Microsoft 'Hazel Sandstorm'", "Microsoft 'EUROPIUM'"}
    ] == ["described-twice"]


def test_alias_claimed_by_two_attack_groups_is_a_conflict_not_a_merge() -> None:
    entries = [
        NameEntry("attack", "G0059", "Magic Hound", ("Newscaster",)),
        NameEntry("attack", "G0003", "Cleaver", ("Newscaster",)),
        NameEntry("misp", "m1", "Newscaster"),
    ]
    groups, conflicts = _groups(entries)
    assert ["G0003"] in groups and any("G0059" in g for g in groups)
    kinds = {c.kind for c in conflicts}
    assert kinds == {"alias-collision", "merge-refused"}
    collision = next(c for c in conflicts if c.kind == "alias-collision")
    assert collision.subject == "Newscaster"
    assert set(collision.parties) == {"ATT&CK G0059 'Magic Hound'", "ATT&CK G0003 'Cleaver'"}


def test_two_misp_clusters_for_one_attack_group_stay_apart() -> None:
    entries = [
        NameEntry("attack", "G0049", "OilRig", ("Helix Kitten",)),
        NameEntry("misp", "m1", "OilRig", attack_links=("G0049",)),
        NameEntry("misp", "m2", "Crambus", ("Helix Kitten",)),
    ]
    groups, conflicts = _groups(entries)
    assert groups == [["G0049", "m1"], ["m2"]]
    assert [c.kind for c in conflicts] == ["merge-refused"]
    assert "different groups in MISP threat-actor" in conflicts[0].detail


def test_a_second_cluster_named_as_attack_names_the_group_joins_unless_it_disagrees() -> None:
    entries = [
        NameEntry("attack", "G0034", "Sandworm Team", ("IRIDIUM", "Voodoo Bear", "Telebots")),
        NameEntry(
            "misp",
            "m1",
            "Sandworm",
            attack_links=("G0034",),
            sponsor_claims=[SponsorClaim("RU", "MISP", "x")],
        ),
        NameEntry("misp", "m2", "Voodoo Bear"),  # MISP's second cluster for the group: joins it
        NameEntry(
            "misp", "m3", "IRIDIUM", sponsor_claims=[SponsorClaim("IR", "MISP", "x")]
        ),  # another state's
        NameEntry("misp", "m4", "Telebots", ("Unrelated Name",)),  # its other names are not the group's
    ]
    groups, _ = _groups(entries)
    assert ["G0034", "m1", "m2"] in groups and ["m3"] in groups and ["m4"] in groups


def test_explicit_links_whose_names_agree_win() -> None:
    # A MISP cluster marked similar to two ATT&CK groups joins the one it shares a name with.
    entries = [
        NameEntry("attack", "G0013", "APT30"),
        NameEntry("attack", "G0019", "Naikon"),
        NameEntry("misp", "m1", "Naikon", peer_links=("uuid-apt30", "uuid-naikon")),
    ]
    groups, _ = _groups(entries, {"uuid-apt30": "G0013", "uuid-naikon": "G0019"})
    assert ["G0019", "m1"] in groups


def test_revoked_attack_group_joins_its_successor() -> None:
    entries = [
        NameEntry("attack", "G0049", "OilRig"),
        NameEntry("attack-revoked", "G0057", "APT34", attack_links=("G0049",)),
        NameEntry("misp", "m1", "APT34"),
    ]
    groups, conflicts = _groups(entries)
    assert groups == [["G0049", "G0057", "m1"]] and not conflicts


def test_short_names_do_not_merge() -> None:
    entries = [NameEntry("attack", "G1", "X1"), NameEntry("misp", "m1", "x-1")]
    groups, _ = _groups(entries)
    assert len(groups) == 2


def test_names_that_differ_only_by_words_saying_a_group_join() -> None:
    entries = [
        NameEntry("attack", "G1051", "Medusa Group"),
        NameEntry("tidal", "t1", "Medusa Ransomware Actors"),
        NameEntry("tidal", "t2", "MedusaLocker Ransomware Actors"),
        NameEntry("misp", "m1", "RansomHub"),
        NameEntry("tidal", "t3", "RansomHub Ransomware Actors & Affiliates"),
        # Too short a core to say anything: "Ace Group" and "Ace Team" stay apart.
        NameEntry("misp", "m2", "Ace Group"),
        NameEntry("tidal", "t4", "Ace Team"),
        # A criminal crew and a group a country is given for: two groups of one name.
        NameEntry(
            "misp", "m3", "DragonForce", sponsor_claims=[SponsorClaim("MY", "MISP", "country of origin")]
        ),
        NameEntry("tidal", "t6", "DragonForce Ransomware Group", motivations=["financial"]),
        # The core is an alias ATT&CK gives to one group.
        NameEntry("attack", "G0034", "Sandworm Team", ("Seashell Blizzard",)),
        NameEntry("tidal", "t5", "Seashell Blizzard Subgroup"),
    ]
    groups, conflicts = _groups(entries)
    assert groups == [["G0034", "t5"], ["G1051", "t1"], ["m1", "t3"], ["m2"], ["m3"], ["t2"], ["t4"], ["t6"]]
    assert not conflicts
    reasons = next(g.reasons for g in merge_entries(entries, {})[0] if g.primary.key == "G1051")
    assert reasons == [
        "ATT&CK G1051 'Medusa Group' = Tidal 'Medusa Ransomware Actors': the same name but for words "
        "that say it is a group"
    ]


def test_a_source_describing_one_group_twice_is_reported_not_silent() -> None:
    entries = [
        NameEntry("attack", "G0007", "APT28", ("STRONTIUM", "Forest Blizzard")),
        NameEntry("microsoft", "ms1", "STRONTIUM"),
        NameEntry("microsoft", "ms2", "Forest Blizzard"),
    ]
    groups, conflicts = _groups(entries)
    assert groups == [["G0007", "ms1", "ms2"]]
    (twice,) = [c for c in conflicts if c.kind == "described-twice"]
    assert twice.subject == "APT28"
    assert set(twice.parties) == {"Microsoft 'STRONTIUM'", "Microsoft 'Forest Blizzard'"}
    assert "Microsoft 'STRONTIUM', 'Forest Blizzard'" in twice.detail
    # One entry per source: nothing to report.
    _, single = _groups(entries[:2])
    assert not [c for c in single if c.kind == "described-twice"]
