import gzip
import json
from pathlib import Path

import pytest

from unmask.errors import KnowledgeBaseError, NotInstalledError, UnknownNameError
from unmask.knowledge.store import KnowledgeBase, load_kb


def test_profile_counts_independent_reports(kb: KnowledgeBase) -> None:
    oilrig = kb.actor("OilRig")
    assert oilrig.id == "G0049"
    # T1003.001 is cited by Report A and Report B: two independent reports.
    assert oilrig.techniques["T1003.001"] == 2
    assert oilrig.techniques["T1059.001"] == 1
    # Software used in a campaign attributed to the actor counts for the actor; Tidal's link to
    # AnyDesk is one report of its own (its link to Helminth is ATT&CK's, already counted).
    assert oilrig.software == {
        "S0002": 1, "S0170": 1, "S1151": 1, "tidal:AnyDesk": 1, "tidal:Plink": 1, "tidal:Ransom 2.0": 1
    }  # fmt: skip
    assert oilrig.campaigns == ["C0001"]
    assert oilrig.active_years == (2022, 2022)


def test_names_resolve_across_sources(kb: KnowledgeBase) -> None:
    for name in ("OilRig", "APT 34", "hazel sandstorm", "EUROPIUM", "Twisted Kitten", "G0049", "G0057"):
        assert kb.actor(name).id == "G0049", name
    apt28 = kb.actor("Pawn Storm")
    assert apt28.id == "G0007"
    assert set(apt28.names) == {"ATT&CK", "MISP", "Microsoft"}
    assert apt28.sponsor == "RU" and apt28.sponsor_confidence == "high"


def test_unknown_actor_suggests_close_names(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError) as info:
        kb.actor("OilRog")
    assert "OilRig" in info.value.suggestions


def test_sponsor_rules(kb: KnowledgeBase) -> None:
    assert kb.actor("HomeLand Justice").sponsor == "IR"
    assert kb.actor("HomeLand Justice").sponsor_confidence == "low"
    # Financially motivated with a country of origin: no state sponsor.
    assert kb.actor("Money Gang").sponsor is None
    split = kb.actor("Split Group")
    assert split.sponsor == "RU" and split.sponsor_confidence == "low"
    assert any(c.kind == "sponsor" and c.subject == "Split Group" for c in kb.conflicts)


def test_victims_and_related_actors(kb: KnowledgeBase) -> None:
    oilrig = kb.actor("OilRig")
    assert oilrig.victim_countries["IL"] == ["MISP threat-actor"]
    assert oilrig.victim_countries["AE"] == ["Tidal"]
    assert "Energy" in oilrig.victim_sectors
    # Microsoft's "sector" is its category of the actor (EUROPIUM's is "Iran"), not a victim sector.
    assert "Iran" not in oilrig.victim_sectors
    assert ("G0049", "linked-to") in kb.actor("Money Gang").related


def test_view_without_campaign_removes_what_came_from_its_reports(kb: KnowledgeBase) -> None:
    view = kb.view(without_campaigns=["C0001"])
    oilrig = view.actor("OilRig")
    # The campaign's software and the group link cited only by the campaign's report are gone.
    assert "S1151" not in oilrig.software
    assert "T1485" not in oilrig.techniques
    assert oilrig.techniques["T1003.001"] == 2
    assert oilrig.campaigns == []
    assert "C0001" not in view.campaigns
    # The full KB is unchanged.
    assert "T1485" in kb.actor("OilRig").techniques
    assert view.summary()["view"]["without_campaigns"] == ["C0001"]


def test_view_accepts_campaign_names_and_rejects_unknown(kb: KnowledgeBase) -> None:
    assert kb.view(without_campaigns=["operation made up"]).without_campaigns == ("C0001",)
    with pytest.raises(UnknownNameError, match="unknown campaign"):
        kb.view(without_campaigns=["C0404"])


def test_view_without_citation_recounts_reports(kb: KnowledgeBase) -> None:
    view = kb.view(without_citations=["Report B"])
    oilrig = view.actor("OilRig")
    assert oilrig.techniques["T1003.001"] == 1
    assert "S0002" not in oilrig.software
    with pytest.raises(UnknownNameError, match="unknown citation"):
        kb.view(without_citations=["Report Z"])
    # A report named with other case or spacing is the same report.
    assert kb.citation_name("report  b") == "Report B" and kb.citation_name("Report Z") == "Report Z"
    loose = kb.view(without_citations=[kb.citation_name(" REPORT B ")]).actor("OilRig")
    assert loose.techniques == oilrig.techniques


def test_compare_common_and_unique(kb: KnowledgeBase) -> None:
    result = kb.compare(["OilRig", "APT28"])
    assert result["techniques"]["common"] == ["T1003.001"]
    assert result["techniques"]["unique"]["G0007"] == ["T1566.001"]
    assert result["software"]["common"] == ["S0002"]
    assert "S0170" in result["software"]["unique"]["G0049"]
    with pytest.raises(KnowledgeBaseError):
        kb.compare(["OilRig"])


def test_search_finds_each_kind(kb: KnowledgeBase) -> None:
    kinds = {(h.kind, h.id) for h in kb.search("helminth")}
    assert ("software", "S0170") in kinds
    assert kb.search("OilRig")[0].id == "G0049"
    assert kb.search("LSASS Memory")[0].id == "T1003.001"
    assert kb.search("Operation Made Up")[0].id == "C0001"
    # By id, as output shows them: exactly that one, no near misses.
    assert [(h.kind, h.id) for h in kb.search("S0170")] == [("software", "S0170")]
    assert [(h.kind, h.id) for h in kb.search("g0049")] == [("actor", "G0049")]
    # A name matches by the name, not by an id of unmask's own that spells it ("tidal:AnyDesk").
    assert {h.matched for h in kb.search("anydesk") if h.id == "tidal:AnyDesk"} == {"AnyDesk"}
    assert kb.search("tidal:AnyDesk")[0].matched == "tidal:AnyDesk"


def test_software_and_technique_lookup(kb: KnowledgeBase) -> None:
    assert kb.software_record("Helminth loader").id == "S0170"  # Malpedia synonym
    assert kb.software_record("Disttrack").id == "malpedia:Shamoon"
    # A family named with its kind in one source and without in another ("Maui", "Maui Ransomware").
    assert kb.software_record("Maui").name == kb.software_record("win.maui").name == "Maui Ransomware"
    assert kb.technique("t1003.001").name == "LSASS Memory"
    # Another separator than the dot is still the sub-technique, not its parent.
    for written in (
        "T1003-001",
        "t1003_001",
        "T1003/001",
        "T1003:001",
        "T1003\u2013001",
        "T1003-001 LSASS Memory",
    ):
        assert kb.technique(written).id == "T1003.001", written
    assert kb.technique("T1003 - OS Credential Dumping").id == "T1003"
    # A sub-technique written wrong is no technique, not its parent.
    for broken in ("T1003-01", "T1003-0011", "T1003.0011"):
        with pytest.raises(UnknownNameError, match="three digits"):
            kb.technique(broken)
    assert kb.technique("PowerShell").id == "T1059.001"
    with pytest.raises(UnknownNameError):
        kb.technique("T0000")
    # An id without its letter (a YAML number) is offered first, whole, and not read silently.
    for bare, wanted in (("1003", "T1003 (OS Credential Dumping)"), ("1003.001", "T1003.001 (LSASS Memory)")):
        with pytest.raises(UnknownNameError, match="begins with T") as info:
            kb.technique(bare)
        assert info.value.suggestions == [wanted]


def test_names_in_the_forms_reports_write_them(kb: KnowledgeBase) -> None:
    # ATT&CK's full sub-technique name, an id leading a name, an id in brackets, a file name, a
    # Malpedia family id.
    assert kb.technique("OS Credential Dumping: LSASS Memory").id == "T1003.001"
    assert kb.technique("T1003.001 - LSASS Memory").id == "T1003.001"
    assert kb.software_record("Mimikatz (S0002)").id == "S0002"
    assert kb.software_record("S0002 - Mimikatz").id == "S0002"
    assert kb.software_record("mimikatz.exe").id == "S0002"
    assert kb.software_record("win.mimikatz").id == "S0002"
    # A tool after its vendor's name; not malware ("Acme Helminth" is no name of Helminth's).
    assert kb.software_record("Sysinternals Mimikatz").id == "S0002"
    assert kb.software_record("Microsoft Sysinternals Mimikatz").id == "S0002"
    with pytest.raises(UnknownNameError):
        kb.software_record("Acme Helminth")
    # An id that is not in the KB does not rescue a name, and a longer id is not a prefix match.
    for name in ("S9999 foo", ".exe", "win."):
        with pytest.raises(UnknownNameError):
            kb.software_record(name)
    with pytest.raises(UnknownNameError):
        kb.technique("T1003.0012")


def test_a_galaxy_family_joins_the_record_most_of_its_names_name(kb: KnowledgeBase) -> None:
    # Malpedia's EternalPetya lists BadRabbit among NotPetya's names: it is NotPetya.
    assert kb.software_record("EternalPetya").id == kb.software_record("Petna").id == "S0368"
    assert kb.software_record("BadRabbit").id == "S0606"
    # Malpedia's Snake is EKANS; ATT&CK's Snake is Uroburos, whose name it is first; EKANS is
    # named beside it.
    assert kb.software_record("Snake").id == "S0022"
    assert [r.id for r in kb.software_sharing_name("Snake", "S0022")] == ["S0605"]
    assert kb.software_record("SNAKEHOSE").id == "S0605"
    with pytest.raises(UnknownNameError, match="'Snake' names several programs"):
        kb.software_record("Snake ransomware")
    # A platform's build of ATT&CK's Helminth is Helminth, its other names too; NotPetya's is not
    # NotPetya's, since Bad Rabbit also goes by that name.
    assert kb.software_record("Helminth (ELF)").id == kb.software_record("H3lminth").id == "S0170"
    assert kb.software_record("NotPetya (Windows)").origin == "malpedia"


def test_a_platforms_build_joins_attacks_program_of_its_name_only_when_the_sources_tie_them(
    kb: KnowledgeBase,
) -> None:
    # ATT&CK's Chaos is a Linux backdoor; Malpedia's Chaos (Windows), ransomware, and Chaos (ELF),
    # a bot, share no report with it or with each other: each stays its own, Linux or not.
    assert kb.software_record("Chaos").id == "S0220"
    for build in ("Chaos (Windows)", "Chaos (ELF)"):
        assert kb.software_record(build).id == f"malpedia:{build}"
        assert build not in kb.software["S0220"].aliases
    # A report both cite (at another address) ties Clop (Windows), and so its Linux build, to Clop.
    assert kb.software_record("Clop (Windows)").id == kb.software_record("Clop (ELF)").id == "S0611"
    # Builds that share their reports are one program, of platforms ATT&CK gives Manjusaka.
    assert kb.software_record("Manjusaka (ELF)").id == kb.software_record("Manjusaka (Windows)").id == "S1156"


def test_a_familys_own_name_beats_the_majority_of_its_other_names() -> None:
    from unmask.knowledge.compile import _most_named

    by_name = {
        "komplex": "S0162",
        "jhuhugit": "S0044",
        "seduploader": "S0044",
        "snake": "S0022",
        "ekans": "S0605",
        "snakehose": "S0605",
    }
    own = {"komplex": "S0162", "jhuhugit": "S0044", "uroburos": "S0022", "ekans": "S0605"}
    assert _most_named(["komplex", "jhuhugit", "seduploader"], by_name, own) == "S0162"
    # Another record's other name is no own name: the majority of the family's names decides.
    assert _most_named(["snake", "ekans", "snakehose"], by_name, own) == "S0605"
    assert (
        _most_named(["snake", "snake", "snake", "ekans", "snakehose"], by_name, own) == "S0605"
    )  # twice is once
    assert _most_named(["nothing"], by_name, own) is None


def test_a_kind_dropped_to_find_a_name_chooses_nothing_among_programs_of_that_name(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError) as caught:
        kb.software_record("Snake ransomware")  # EKANS or Uroburos: "ransomware" was dropped to find "Snake"
    assert sorted(caught.value.suggestions) == ["EKANS (S0605)", "Uroburos (S0022)"]
    assert kb.software_record("Maui ransomware").name == "Maui Ransomware"  # one program of that name


def test_a_version_the_kbs_names_do_not_carry(kb: KnowledgeBase) -> None:
    from unmask.knowledge.store import _version_key

    assert _version_key("3") == _version_key("3.0") == _version_key("3.0.0") == (3,)
    # A family of one record: that record, whatever the version.
    assert kb.software_record("Mimikatz 2.2").id == kb.software_record("Mimikatz v3").id == "S0002"
    assert kb.software_record("Helminth 2").id == "S0170"


def test_an_entry_of_several_technique_ids_is_none_of_them(kb: KnowledgeBase) -> None:
    for text in ("T1003.001, T1059.001", "T1003.001 T1059.001", "T1003.001/T1059.001"):
        with pytest.raises(UnknownNameError) as caught:
            kb.technique(text)
        assert "one entry names several techniques" in str(caught.value)
        assert caught.value.suggestions == ["T1003.001 (LSASS Memory)", "T1059.001 (PowerShell)"]
    # An id with its parent beside it, or said twice, is one technique.
    assert kb.technique("T1003.001 (T1003)").id == kb.technique("T1003.001 - LSASS Memory (T1003.001)").id


def test_an_entry_of_several_names_is_none_of_them_and_says_which_it_held(kb: KnowledgeBase) -> None:
    # A known program's name before a tool's is a list, not the tool's vendor.
    for name in ("Helminth and Mimikatz", "Helminth, Mimikatz", "ZeroCleare/Helminth"):
        with pytest.raises(UnknownNameError) as caught:
            kb.software_record(name)
        assert len(caught.value.suggestions) == 2, name
    assert kb.software_record("Sysinternals Mimikatz").id == "S0002"  # a vendor still is one
    assert (
        kb.software_record("Helminth Mimikatz").id == "S0002"
    )  # as a toolkit's part is (BloodHound SharpHound)
    with pytest.raises(UnknownNameError) as caught:
        kb.actor("OilRig and APT28")
    assert caught.value.suggestions == ["OilRig", "APT28"]
    with pytest.raises(UnknownNameError) as caught:
        kb.actor("OilRig Foo")  # one name and a word that names nothing: no list
    assert "APT28" not in caught.value.suggestions and len(caught.value.suggestions) <= 1


def test_retired_and_newer_attack_ids(kb: KnowledgeBase) -> None:
    # Older reports and rules use ids ATT&CK has since revoked: they stand for their successors.
    assert kb.technique("T1086").id == "T1059.001"
    assert kb.technique("T1086 - PowerShell").id == "T1059.001"
    assert kb.successors["T1086"] == "T1059.001"
    # Deprecated without a successor, and newer than the KB's release: said so, no guesses.
    with pytest.raises(
        UnknownNameError, match=r"ATT&CK deprecated T1999 \(Old Technique\) without a successor$"
    ):
        kb.technique("T1999")
    with pytest.raises(UnknownNameError, match=r"'T2685.005': newer than ATT&CK v99.0.*kb install --from"):
        kb.technique("T2685.005")
    with pytest.raises(UnknownNameError, match=r"'S2000': newer than ATT&CK v99.0"):
        kb.software_record("S2000")
    # An id inside the release's range that does not exist still gets suggestions.
    with pytest.raises(UnknownNameError, match="did you mean"):
        kb.technique("T1003.009")


def test_summary_records_sources_and_counts(kb: KnowledgeBase) -> None:
    summary = kb.summary()
    assert summary["attack_version"] == "99.0"
    assert summary["counts"]["attack_intrusion_sets"] == 6
    assert summary["counts"]["attack_groups_active"] == 4
    assert summary["counts"]["campaigns"] == 1
    assert len(summary["sources"]) == 7
    assert all(len(s["sha256"]) == 64 for s in summary["sources"])


def test_missing_kb_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(NotInstalledError, match="unmask kb install"):
        load_kb(tmp_path / "none.json.gz")


def test_corrupt_kb_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "kb.json.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(KnowledgeBaseError, match="corrupt"):
        load_kb(path)
    path.write_bytes(gzip.compress(json.dumps({"schema": 0}).encode()))
    with pytest.raises(KnowledgeBaseError, match="schema 0"):
        load_kb(path)
    from unmask.knowledge.compile import SCHEMA_VERSION

    path.write_bytes(gzip.compress(json.dumps({"schema": SCHEMA_VERSION}).encode()))
    with pytest.raises(KnowledgeBaseError, match=r"damaged \(KeyError"):
        load_kb(path)


def test_view_without_actor_removes_it_and_its_campaigns(kb: KnowledgeBase) -> None:
    view = kb.view(without_actors=["APT34"])
    assert "G0049" not in view.actors
    assert "C0001" not in view.campaigns
    assert not any(r.source in {"G0049", "C0001"} for r in view.relations)
    # Others keep their profiles; the name now resolves elsewhere or not at all.
    assert view.actor("APT28").techniques == kb.actor("APT28").techniques
    assert view.without_actors == ("G0049",)


def test_tidal_links_add_software_attack_does_not_tie_to_an_actor(kb: KnowledgeBase) -> None:
    crew = kb.actor("Ransom Crew")
    assert crew.attack_id is None
    # Tidal's old Mimikatz entry is ATT&CK's S0002; its Shamoon is Malpedia's family.
    # Tidal's "DarkSide Ransomware" is Malpedia's family, the one the name "DarkSide" finds.
    assert set(crew.software) == {
        "tidal:AnyDesk", "S0002", "S1151", "malpedia:Shamoon", "tidal:Level", "malpedia:DarkSide (Windows)",
        "tidal:Terminator", "tidal:Ransom 2.0", "tidal:Atera Agent", "S1301",
    }  # fmt: skip
    # Its techniques are those of its own payload, named after it (Ransom Locker), as one
    # report each: ATT&CK knows what the payload does; no source gives the crew techniques.
    assert crew.techniques == {"T1485": 1}
    assert kb.software_record("Atera").id == "tidal:Atera Agent"
    assert kb.software_record("DarkSide").id == "malpedia:DarkSide (Windows)"
    # Tidal's entry for a module of Mimikatz is Mimikatz: one program, not two items.
    assert kb.software_record("sekurlsa").id == "S0002" and "tidal:sekurlsa" not in kb.software
    # Names no source lists: a toolkit's script (knowledge/programs.py) and the part of a program
    # that ran ("Cobalt Strike beacon"); an entry's own name still wins ("Atera Agent").
    assert kb.software_record("Invoke-Mimikatz").id == kb.software_record("Mimikatz binary").id == "S0002"
    assert kb.software_record("AnyDesk client").id == "tidal:AnyDesk"
    # Words joined by a hyphen or an underscore, as file and rule names write them.
    assert kb.software_record("AnyDesk-client").id == "tidal:AnyDesk"
    assert kb.software_record("Mimikatz_binary").id == "S0002"
    # A crew by its name without the words that say "a group" (no actor has that very name).
    assert kb.actor("Ransom").id == crew.id and kb.actor("ransom").id == crew.id
    assert kb.actor("Ransom").techniques == crew.techniques == {"T1485": 1}  # the whole profile
    with pytest.raises(UnknownNameError):
        kb.actor("Spli")  # too short to stand for "Split Group"
    with pytest.raises(UnknownNameError):
        kb.software_record("Mimikatz beaconing")
    # A Tidal entry no group uses is not kept: it would only be a name to misread in reports.
    assert "tidal:Remote" not in kb.software
    assert kb.software_record("anydesk.exe").kind == "tool"
    links = {(link.actor, link.item) for link in kb.links}
    assert ("G0049", "S0170") not in links  # ATT&CK says so, citing its report
    assert kb.summary()["counts"]["software_links"] == len(kb.links) - 1 == 14
    # A CVE the group's description names is the group's too, once.
    assert crew.cves == {"CVE-2023-4966": 1} and kb.summary()["counts"]["cve_links"] == 1
    # Tidal's retired entry for OilRig is no actor of its own: its links are OilRig's.
    assert not any("Deprecated" in a.name for a in kb.actors.values())
    assert all(link.report.startswith(("Tidal: ", "Namesake: ")) for link in kb.links)


def test_a_family_named_after_one_group_is_linked_to_it(kb: KnowledgeBase) -> None:
    (link,) = [link for link in kb.links if link.source == "namesake"]
    assert (link.actor, link.item, link.report) == (
        "G0003",
        "malpedia:Cleaver (Windows)",
        "Namesake: Cleaver",
    )
    assert "malpedia:Cleaver (Windows)" in kb.actor("Cleaver").software
    # Not where the family's description says it is something else (a DDoS bot named like Magic
    # Hound), nor a mobile family, nor a locker of a group that does not work for money; only
    # malware no source links (Mimikatz's owners are ATT&CK's).
    assert kb.view(without_sources=["namesake"]).actor("Cleaver").software == {}


def test_views_drop_the_links_that_cannot_be_held_out(kb: KnowledgeBase) -> None:
    # By source: what the benchmark uses, and `--kb-without tidal`.
    bare = kb.view(without_sources=["tidal"])
    assert {link.source for link in bare.links} == {"namesake"} and bare.without_sources == ("tidal",)
    assert "tidal:AnyDesk" not in bare.actor("OilRig").software
    assert not bare.actor("Ransom Crew").software and not bare.actor("Ransom Crew").cves
    # Holding out campaign C0001 drops the links to what its report names (ZeroCleare), any actor's.
    held = kb.view(without_campaigns=["C0001"])
    assert "S1151" not in held.actor("Ransom Crew").software
    assert "tidal:AnyDesk" in held.actor("Ransom Crew").software
    # An actor held out takes its links with it (the open-set evaluation).
    crew = kb.actor("Ransom Crew").id
    assert not any(link.actor == crew for link in kb.view(without_actors=[crew]).links)


def test_the_command_line_starts_without_the_slow_imports() -> None:
    # jsonschema (through pymisp, pymispgalaxies or the case validator) costs most of a second to
    # import; the KB load and every command that does not read a case or a galaxy skip it.
    import subprocess
    import sys

    code = "import sys, unmask.cli, unmask.knowledge.store; print(sorted({'jsonschema', 'pymisp'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_software_names_exact_names_first_then_aliases_then_family_names(kb: KnowledgeBase) -> None:
    # NotPetya is S0368's own name, though another entry lists it as an alias.
    assert kb.software_record("NotPetya").id == "S0368" and kb.software_record("Bad Rabbit").id == "S0606"
    # An alias two entries claim goes to the one whose name is closest to it.
    assert kb.software_record("ExPetr").id == "S0368"
    # A Malpedia family named with its platform: by its bare name (Windows first) or its family id.
    assert kb.software_record("DarkSide").name == "DarkSide (Windows)"
    assert kb.software_record("elf.darkside").name == "DarkSide (ELF)"
    assert kb.software_record("RandomQuery").name == "RandomQuery (Powershell)"  # a script variant
    # ATT&CK's "Winnti for Windows" is the family's Windows form before Malpedia's "Winnti (Windows)".
    assert kb.software_record("Winnti").id == kb.software_record("win.winnti").id == "S0141"


def test_suggestions_are_close_names_with_their_ids(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError) as caught:
        kb.software_record("Mimikats")
    assert caught.value.suggestions[0] == "Mimikatz (S0002)"
    with pytest.raises(UnknownNameError) as caught:
        kb.technique("LSASS Memori")
    assert caught.value.suggestions[0] == "LSASS Memory (T1003.001)"
    with pytest.raises(UnknownNameError, match="ATT&CK for ICS"):
        kb.technique("T0855")


def test_a_report_of_two_names_is_held_out_by_either(tmp_path: Path) -> None:
    from tests.sources import attack_bundle
    from unmask.knowledge.install import install_kb

    bundle = attack_bundle()
    for obj in bundle["objects"]:
        for ref in obj.get("external_references", []):
            if ref["source_name"] in ("Report A", "Report B"):
                ref["url"] = "https://example.test/apt34"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    kb = install_kb(str(path)).kb
    assert kb is not None
    assert kb.report_names("Report B") == kb.report_names("Report A") == ("Report A", "Report B")
    for name in ("Report A", "Report B"):
        oilrig = kb.view(without_citations=[name]).actor("OilRig")
        # Everything Report A or Report B said of OilRig is gone, whichever name was given.
        assert "T1003.001" not in oilrig.techniques and "S0002" not in oilrig.software


def test_view_without_campaign_strips_its_reports_from_what_stays(tmp_path: Path) -> None:
    from tests.sources import attack_bundle
    from unmask.knowledge.install import install_kb

    bundle = attack_bundle()
    for obj in bundle["objects"]:
        refs = obj.get("external_references", [])
        if obj.get("relationship_type") == "uses" and [r["source_name"] for r in refs] == ["Report A"]:
            refs.append({"source_name": "Report C", "description": "the campaign's report"})
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    kb = install_kb(str(path)).kb
    assert kb is not None
    assert any("Report C" in r.citations and r.source == "G0049" and r.kind == "uses" for r in kb.relations)
    view = kb.view(without_campaigns=["C0001"])
    # Links Report A also gives stay, but no longer as the campaign report's: a report left out
    # of an evaluation must leave no trace for the scorer (its report documents included).
    assert view.actor("OilRig").techniques["T1059.001"] == 1
    assert not any("Report C" in r.citations for r in view.relations)


def test_one_name_given_alone_is_one_name(kb: KnowledgeBase) -> None:
    assert kb.view(without_campaigns="C0001").without_campaigns == ("C0001",)  # type: ignore[arg-type]
    assert kb.view(without_citations="Report B").without_citations == ("Report B",)  # type: ignore[arg-type]


def test_a_name_like_none_of_the_kbs_gets_no_suggestions(kb: KnowledgeBase) -> None:
    # A tool the KB does not have is not a typo of one it does (AnyDesk had suggested SeaDuke, Hades).
    for far in ("Splashtop", "Helmet"):  # Helmet is not a typo of Helminth
        with pytest.raises(UnknownNameError) as info:
            kb.software_record(far)
        assert info.value.suggestions == [], far
    with pytest.raises(UnknownNameError) as info:
        kb.software_record("Mimikats")
    assert info.value.suggestions[0].startswith("Mimikatz")


def test_part_of_a_longer_name_counts_only_when_it_is_nearly_all_there() -> None:
    from unmask.knowledge.store import SUGGESTION_CUTOFF, _name_score

    assert _name_score("lsass", "lsass memory") >= 90  # what was typed, inside a longer name
    assert _name_score("powershel", "powershell profile") >= SUGGESTION_CUTOFF
    assert _name_score("atera", "bondupdater") < SUGGESTION_CUTOFF  # "ater" in "updater" is no match


def test_a_suggestion_is_a_typo_or_two_away_not_a_name_that_shares_letters() -> None:
    from unmask.knowledge.store import SUGGESTION_CUTOFF, _name_score

    assert _name_score("orcshred", "orchard") < SUGGESTION_CUTOFF  # three edits: another name
    assert _name_score("sandwrom", "sandworm") >= SUGGESTION_CUTOFF  # two letters swapped
    assert _name_score("cobalt strke", "cobalt strike") >= SUGGESTION_CUTOFF
    assert _name_score("kazaur", "kazuar") >= SUGGESTION_CUTOFF
    assert _name_score("mimikatz 2 2", "mimikatz") >= SUGGESTION_CUTOFF  # the name and a word more
    assert _name_score("muddywater apt", "muddywater") >= SUGGESTION_CUTOFF
    assert _name_score("apt 2b", "apt") < SUGGESTION_CUTOFF  # too short a name to stand for more
    assert _name_score("dark caracal", "dark") < SUGGESTION_CUTOFF  # a word more that is another name
    # behind a typo of the whole name, by more than the spread of suggestions kept
    from unmask.knowledge.store import PREFIX_SCORE, SUGGESTION_SPREAD

    assert _name_score("cobalt kity", "cobalt kitty") - PREFIX_SCORE > SUGGESTION_SPREAD
    assert _name_score("turla apt28", "turla") < SUGGESTION_CUTOFF  # another actor's name is no qualifier


def test_a_suggestion_through_an_alias_says_whose_alias_it_is(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownNameError) as caught:
        kb.software_record("Nyetyaa")
    assert "Nyetya, an alias of NotPetya (S0368)" in str(caught.value)
    with pytest.raises(UnknownNameError) as caught:
        kb.software_record("Mimikats")
    assert "Mimikatz (S0002)" in str(caught.value) and "alias" not in str(caught.value)


def test_full_width_names_and_ids_are_found(kb: KnowledgeBase) -> None:
    assert kb.technique("\uff34\uff11\uff10\uff10\uff13.\uff10\uff10\uff11").id == "T1003.001"
    assert kb.software_record("\uff2d\uff49\uff4d\uff49\uff4b\uff41\uff54\uff5a").id == "S0002"
