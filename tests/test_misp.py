import json
from pathlib import Path

import pytest

from tests.sources import muid
from unmask.errors import SourceError
from unmask.knowledge.misp import load_galaxies


def test_reads_entries_claims_and_links(sources: tuple[Path, Path]) -> None:
    _, folder = sources
    data = load_galaxies(folder)
    oilrig = next(e for e in data.entries if e.source == "misp" and e.name == "OilRig")
    assert oilrig.attack_links == ("G0049",)
    assert "G0049" not in oilrig.aliases
    assert {(c.state, c.basis) for c in oilrig.sponsor_claims} == {
        ("IR", "suspected state sponsor (CFR)"),
        ("IR", "country of origin"),
    }
    # Countries become ISO codes; organisations such as NATO are not countries.
    assert oilrig.victim_countries == ["IL", "SA", "KW"]
    assert oilrig.motivations == ["espionage"]
    tidal = next(e for e in data.entries if e.source == "tidal")
    assert tidal.attack_links == ("G0049",)
    assert tidal.victim_countries == ["AE", "JO"]
    assert data.mitre_uuid_to_id
    assert {s.name for s in data.software if s.origin == "malpedia"} == {
        "Helminth",
        "Shamoon",
        "EternalPetya",
        "Snake",
        "Helminth (ELF)",
        "NotPetya (Windows)",
        "DarkSide (ELF)",
        "DarkSide (Windows)",
        "RandomQuery (Powershell)",
        "Winnti (Windows)",
        "Maui Ransomware",
        "Terminator RAT",
        "Cleaver (Windows)",
        "Magic Hound (Windows)",
        "Cleaver (Android)",
        "Cleaver Locker",
        "Chaos (Windows)",
        "Chaos (ELF)",
        "Clop (Windows)",
        "Clop (ELF)",
        "Manjusaka (ELF)",
        "Manjusaka (Windows)",
    }
    assert data.software_reports["malpedia:Clop (ELF)"] == ("https://linux.example/cl0p-elf",)
    assert {s.name.split(":")[1] for s in data.sources} == {
        "threat-actor",
        "microsoft-activity-group",
        "mitre-intrusion-set",
        "tidal-groups",
        "malpedia",
        "tidal-software",
    }


def test_reads_tidal_software_and_the_groups_using_it(sources: tuple[Path, Path]) -> None:
    data = load_galaxies(sources[1])
    tidal = {s.name: s for s in data.software if s.origin == "tidal"}
    # "(Deprecated)" is Tidal's mark on its own entry once ATT&CK has one: the bare name is kept.
    # Rundll32 (from LOLBAS), PowerShell (a technique) and Ntdsutil (Windows's own) are every
    # system's: left out.
    assert set(tidal) == {
        "AnyDesk",
        "Helminth",
        "Mimikatz",
        "ZeroCleare",
        "Shamoon",
        "Plink",
        "Level",
        "Remote",
        "DarkSide Ransomware",
        "Terminator",
        "Ransom 2.0",
        "sekurlsa",
        "Atera Agent",
        "Ransom Locker",
    }
    assert tidal["Atera Agent"].aliases == ("Atera",)
    assert data.software_parents == {tidal["sekurlsa"].id: "Mimikatz"}
    assert tidal["AnyDesk"].kind == "tool" and tidal["Helminth"].kind == "malware"
    assert data.software_attack_ids[tidal["Helminth"].id] == "S0170"
    users = {(g, s) for source, g, s in data.software_links if source == "tidal"}
    assert (muid("tidal Ransom Crew"), tidal["AnyDesk"].id) in users
    # A retired group's links are its successor's, and the retired entry is gone.
    assert (muid("tidal OilRig"), tidal["Plink"].id) in users
    assert not any("Deprecated" in e.name for e in data.entries)
    crew = next(e for e in data.entries if e.name == "Ransom Crew")
    assert crew.cves == ("CVE-2023-4966",)  # named twice, in any case: once
    assert len(users) == 16


def test_duplicate_cluster_names_are_kept_and_reported(sources: tuple[Path, Path]) -> None:
    data = load_galaxies(sources[1])
    justice = [e for e in data.entries if e.name == "HomeLand Justice"]
    assert len(justice) == 2
    assert any(c.kind == "duplicate-cluster" and c.subject == "HomeLand Justice" for c in data.conflicts)


def test_missing_galaxy_is_reported_not_fatal(sources: tuple[Path, Path]) -> None:
    (sources[1] / "tidal-groups.json").unlink()
    data = load_galaxies(sources[1])
    assert not any(e.source == "tidal" for e in data.entries)
    assert any(c.kind == "missing-source" and c.subject == "tidal-groups" for c in data.conflicts)


def test_corrupt_galaxy_names_file_and_line(sources: tuple[Path, Path]) -> None:
    path = sources[1] / "threat-actor.json"
    path.write_text('{\n  "name": "x",\n  "values": [ oops ]\n}')
    with pytest.raises(SourceError, match="not valid JSON") as info:
        load_galaxies(sources[1])
    assert f"{path}:3" in str(info.value)


def test_galaxy_without_required_fields_is_a_source_error(sources: tuple[Path, Path]) -> None:
    (sources[1] / "malpedia.json").write_text(json.dumps({"values": []}))
    with pytest.raises(SourceError, match="not a MISP galaxy cluster"):
        load_galaxies(sources[1])


def test_a_galaxy_tag_with_a_dashed_sub_technique_is_the_sub_technique() -> None:
    from unmask.extract.misp import case_from_misp

    tag = {"name": 'misp-galaxy:mitre-attack-pattern="LSASS Memory - T1003-001"'}
    case = case_from_misp({"Event": {"info": "e", "Tag": [tag], "Attribute": []}}, "e.json")
    assert [o.value for o in case.observations] == ["T1003.001"]
