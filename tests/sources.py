"""A tiny ATT&CK bundle and MISP galaxies that the tests write themselves.

The contents are made up for the tests; they only borrow the shape of the real
sources (and a few real group names so the cases read naturally).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

NS = uuid.UUID("6c1c1a9e-5f87-4a43-9d35-7c6f0e2b1a00")


def sid(kind: str, name: str) -> str:
    """A stable STIX id for a made-up object."""
    return f"{kind}--{uuid.uuid5(NS, kind + name)}"


def _ext(attack_id: str, *citations: str) -> list[dict[str, str]]:
    refs = [
        {"source_name": "mitre-attack", "external_id": attack_id, "url": f"https://example.test/{attack_id}"}
    ]
    refs += [{"source_name": c, "description": f"{c} (made up)"} for c in citations]
    return refs


def technique(attack_id: str, name: str, tactic: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "attack-pattern",
        "id": sid("attack-pattern", attack_id),
        "name": name,
        "external_references": _ext(attack_id),
        "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": tactic}],
        "x_mitre_is_subtechnique": "." in attack_id,
        **extra,
    }


def group(attack_id: str, name: str, aliases: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "intrusion-set",
        "id": sid("intrusion-set", attack_id),
        "name": name,
        "aliases": [name, *aliases],
        "description": f"{name} is a made-up test group.",
        "external_references": _ext(attack_id),
        **extra,
    }


def software(
    kind: str, attack_id: str, name: str, aliases: list[str], platforms: tuple[str, ...] = (), *reports: str
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": sid(kind, attack_id),
        "name": name,
        "x_mitre_aliases": [name, *aliases],
        "x_mitre_platforms": list(platforms),
        "external_references": [*_ext(attack_id), *({"source_name": url, "url": url} for url in reports)],
    }


def relation(source: dict[str, Any], kind: str, target: dict[str, Any], *citations: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "id": sid("relationship", source["id"] + kind + target["id"]),
        "relationship_type": kind,
        "source_ref": source["id"],
        "target_ref": target["id"],
        "external_references": [{"source_name": c, "description": c} for c in citations],
    }


def attack_bundle() -> dict[str, Any]:
    """ATT&CK-shaped bundle: 5 intrusion sets (3 active, 1 revoked, 1 deprecated), 1 campaign."""
    t_lsass = technique("T1003.001", "LSASS Memory", "credential-access")
    t_dump = technique("T1003", "OS Credential Dumping", "credential-access")
    t_phish = technique("T1566.001", "Spearphishing Attachment", "initial-access")
    t_ps = technique("T1059.001", "PowerShell", "execution")
    t_wipe = technique("T1485", "Data Destruction", "impact")
    t_old = technique("T1999", "Old Technique", "impact", x_mitre_deprecated=True)
    # Named by no group here: for the reading of report prose (extract/vocabulary.py).
    t_public = technique("T1190", "Exploit Public-Facing Application", "initial-access")
    t_mbr = technique("T1561.002", "Disk Structure Wipe", "impact")
    t_click = technique("T1204.001", "Malicious Link", "execution")
    t_link = technique("T1566.002", "Spearphishing Link", "initial-access")
    t_imds = technique("T1552.005", "Cloud Instance Metadata API", "credential-access")
    t_trail = technique("T1562.008", "Disable or Modify Cloud Logs", "defense-evasion")
    t_retired = technique("T1086", "PowerShell", "execution", revoked=True)
    # One name, in the singular and the plural, of three techniques ("a valid domain account").
    t_valid_domain = technique("T1078.002", "Domain Accounts", "initial-access")
    t_find_domain = technique("T1087.002", "Domain Account", "discovery")
    helminth = software("malware", "S0170", "Helminth", [])
    mimikatz = software("tool", "S0002", "Mimikatz", [])
    # As "Sofacy" for CORESHELL in the real KB: an actor's name among a program's other names.
    zerocleare = software("malware", "S1151", "ZeroCleare", ["ZeroCleare wiper", "EUROPIUM"])
    # As in the real KB, where a merged source lists NotPetya's names among Bad Rabbit's aliases.
    notpetya = software("malware", "S0368", "NotPetya", ["ExPetr", "Nyetya"])
    badrabbit = software("malware", "S0606", "Bad Rabbit", ["BadRabbit", "NotPetya", "ExPetr"])
    # ATT&CK gives Turla's Uroburos the name Snake; Malpedia gives it to EKANS, ransomware.
    uroburos = software("malware", "S0022", "Uroburos", ["Snake"])
    ekans = software("malware", "S0605", "EKANS", ["SNAKEHOSE"])
    # Reports write it "MultiLayer" and "Multi Layer": its name without its kind, run together.
    multilayer = software("malware", "S1135", "Multi Layer Wiper", [])
    # ATT&CK names the platform in words, Malpedia in brackets: one family.
    winnti = software("malware", "S0141", "Winnti for Windows", [])
    # A crew's own payload, named after it: ATT&CK knows what it does, not who uses it.
    crew_locker = software("malware", "S1301", "Ransom Locker", [])
    # Programs Malpedia has builds of, by platform: ATT&CK's Chaos is none of Malpedia's two.
    chaos = software(
        "malware",
        "S0220",
        "Chaos",
        [],
        ("Linux",),
        "http://gosecure.example/2018/chaos-stolen-backdoor-rising/",
    )
    clop = software(
        "malware", "S0611", "Clop", [], ("Windows",), "https://blog.example/clop-ransomware-deep-dive/"
    )
    manjusaka = software(
        "malware", "S1156", "Manjusaka", [], ("Linux", "Windows"), "https://talos.example/manjusaka/"
    )
    oilrig = group("G0049", "OilRig", ["APT34", "Helix Kitten", "EUROPIUM", "Hazel Sandstorm"])
    apt28 = group("G0007", "APT28", ["Sofacy", "Fancy Bear", "STRONTIUM", "Forest Blizzard"])
    hound = group("G0059", "Magic Hound", ["Charming Kitten", "Newscaster"])
    cleaver = group("G0003", "Cleaver", ["Newscaster"])
    revoked = group("G0057", "APT34", [], revoked=True)
    deprecated = group("G0999", "Gone Group", [], x_mitre_deprecated=True)
    campaign = {
        "type": "campaign",
        "id": sid("campaign", "C0001"),
        "name": "Operation Made Up",
        "aliases": ["Operation Made Up"],
        "first_seen": "2022-05-01T00:00:00.000Z",
        "last_seen": "2022-09-01T00:00:00.000Z",
        "external_references": _ext("C0001", "Report C"),
    }
    objects: list[dict[str, Any]] = [
        {"type": "x-mitre-collection", "id": sid("x-mitre-collection", "c"), "x_mitre_version": "99.0"},
        t_lsass, t_dump, t_phish, t_ps, t_wipe, t_old, t_retired, t_public, t_mbr, t_click, t_link, t_imds, t_trail,
        t_valid_domain, t_find_domain,
        helminth, mimikatz, zerocleare, notpetya, badrabbit, multilayer, crew_locker, winnti, uroburos, ekans,
        chaos, clop, manjusaka,
        oilrig, apt28, hound, cleaver, revoked, deprecated, campaign,
        relation(revoked, "revoked-by", oilrig),
        relation(crew_locker, "uses", t_wipe),
        relation(t_retired, "revoked-by", t_ps),
        relation(t_lsass, "subtechnique-of", t_dump),
        relation(oilrig, "uses", t_lsass, "Report A", "Report B"),
        relation(oilrig, "uses", t_ps, "Report A"),
        relation(oilrig, "uses", helminth, "Report A"),
        relation(oilrig, "uses", mimikatz, "Report B"),
        relation(oilrig, "uses", t_wipe, "Report C"),
        relation(campaign, "attributed-to", oilrig, "Report C"),
        relation(campaign, "uses", zerocleare, "Report C"),
        relation(campaign, "uses", t_wipe, "Report C"),
        relation(apt28, "uses", t_phish, "Report D"),
        relation(apt28, "uses", mimikatz, "Report D", "Report E"),
        relation(apt28, "uses", t_lsass, "Report E"),
        relation(hound, "uses", t_phish, "Report F"),
        relation(deprecated, "uses", t_phish, "Report G"),
    ]  # fmt: skip
    return {"type": "bundle", "id": sid("bundle", "tiny"), "objects": objects}


def _cluster(kind: str, values: list[dict[str, Any]], version: int = 1) -> dict[str, Any]:
    return {
        "authors": ["unmask tests"],
        "category": "actor",
        "description": f"test {kind}",
        "name": kind,
        "source": "unmask tests",
        "type": kind,
        "uuid": str(uuid.uuid5(NS, kind)),
        "version": version,
        "values": values,
    }


def muid(name: str) -> str:
    return str(uuid.uuid5(NS, "misp" + name))


def galaxies() -> dict[str, dict[str, Any]]:
    """Five galaxy clusters in the MISP format, keyed by file name."""
    oilrig_stix = sid("intrusion-set", "G0049").split("--")[1]
    apt28_stix = sid("intrusion-set", "G0007").split("--")[1]
    threat_actor = [
        {
            "value": "OilRig",
            "uuid": muid("OilRig"),
            "description": "MISP text about OilRig.",
            "meta": {
                "synonyms": ["APT34", "G0049", "Twisted Kitten", "Hazel Sandstorm"],
                "country": "IR",
                "cfr-suspected-state-sponsor": "Iran (Islamic Republic of)",
                "attribution-confidence": "50",
                "cfr-suspected-victims": ["Israel", "Saudi Arabia", "Kuwait", "NATO"],
                "cfr-target-category": ["Government", "Energy"],
                "cfr-type-of-incident": "Espionage",
            },
            "related": [{"dest-uuid": muid("EUROPIUM"), "type": "similar"}],
        },
        {
            "value": "Helix Kitten",
            "uuid": muid("Helix Kitten"),
            # A source that names a group after its wiper (as one does for ZeroCleare in the real KB).
            "meta": {"country": "IR", "synonyms": ["Crambus", "ZeroCleare"]},
        },
        {
            "value": "Sofacy",
            "uuid": muid("Sofacy"),
            "meta": {
                "synonyms": ["Fancy Bear", "Pawn Storm"],
                "country": "RU",
                "cfr-suspected-state-sponsor": "Russian Federation",
            },
            "related": [{"dest-uuid": apt28_stix, "type": "similar"}],
        },
        {"value": "HomeLand Justice", "uuid": muid("HomeLand Justice"), "meta": {"country": "IR"}},
        {"value": "HomeLand Justice", "uuid": muid("HomeLand Justice 2"), "meta": {"country": "AL"}},
        {
            "value": "Money Gang",
            "uuid": muid("Money Gang"),
            "meta": {"country": "RU", "cfr-type-of-incident": "Financial Theft"},
            "related": [{"dest-uuid": muid("OilRig"), "type": "linked-to"}],
        },
        {
            "value": "Split Group",
            "uuid": muid("Split Group"),
            "meta": {"country": "CN", "cfr-suspected-state-sponsor": "Russian Federation"},
        },
    ]
    microsoft = [
        {
            "value": "EUROPIUM",
            "uuid": muid("EUROPIUM"),
            "meta": {"synonyms": ["Hazel Sandstorm"], "country": "IR", "sector": "Iran"},
        },
        {"value": "STRONTIUM", "uuid": muid("STRONTIUM"), "meta": {"synonyms": ["APT28"], "country": "RU"}},
    ]
    mitre = [
        {
            "value": "OilRig - G0049",
            "uuid": oilrig_stix,
            "meta": {"external_id": "G0049", "synonyms": ["OilRig"]},
        },
    ]
    tidal = [
        {
            "value": "OilRig",
            "uuid": muid("tidal OilRig"),
            "meta": {
                "group_attack_id": "G0049",
                "country": "IR",
                "observed_countries": ["AE", "JO"],
                "target_categories": ["Energy"],
                "observed_motivations": ["Cyber Espionage"],
                "source": "MITRE",
            },
        },
        {
            "value": "Ransom Crew",
            "uuid": muid("tidal Ransom Crew"),
            "description": "The crew exploited cve-2023-4966 (Citrix Bleed); CVE-2023-4966 again.",
            # Tidal's own groups carry ids of Tidal's own range, not ATT&CK's.
            "meta": {"group_attack_id": "G3001", "observed_motivations": ["Financial Gain"]},
        },
        # Tidal's retired entry for a group it describes again: one actor, not two.
        {
            "value": "OilRig (Deprecated)",
            "uuid": muid("tidal OilRig old"),
            "meta": {"group_attack_id": "G3002"},
        },
    ]
    crew, tidal_oilrig = muid("tidal Ransom Crew"), muid("tidal OilRig")

    def used_by(*groups: str) -> list[dict[str, str]]:
        return [{"dest-uuid": g, "type": "used-by"} for g in groups]

    tidal_software = [
        # Tidal's own tool: linked to OilRig (ATT&CK does not say so) and to a group ATT&CK lacks.
        {
            "value": "AnyDesk",
            "uuid": muid("ts AnyDesk"),
            "meta": {"software_attack_id": "S3027", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(tidal_oilrig, crew, muid("tidal OilRig old")),
        },
        # An RMM product's agent, which reports call by the product's name.
        {
            "value": "Atera Agent",
            "uuid": muid("ts Atera"),
            "meta": {"software_attack_id": "S3401", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        # An RMM tool whose name is an English word.
        {
            "value": "Level",
            "uuid": muid("ts Level"),
            "meta": {"software_attack_id": "S3400", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        # Programs every Windows has, which Tidal ties to groups too: no sign of who.
        {
            "value": "Rundll32",
            "uuid": muid("ts Rundll32"),
            "description": "This object contains information sourced from the [Living Off The Land Binaries, "
            "Scripts and Libraries (LOLBAS)](https://lolbas-project.github.io/) project.",
            "meta": {"software_attack_id": "S3500", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        {
            "value": "Ntdsutil",
            "uuid": muid("ts Ntdsutil"),
            "meta": {"software_attack_id": "S3503", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        {
            "value": "PowerShell",
            "uuid": muid("ts PowerShell"),
            "meta": {"software_attack_id": "S3501", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        {
            "value": "Ransom Locker",
            "uuid": muid("ts Ransom Locker"),
            "meta": {"software_attack_id": "S1301", "type": ["malware"], "source": "MITRE"},
            "related": used_by(crew),
        },
        # Used by no group: not kept.
        {
            "value": "Remote",
            "uuid": muid("ts Remote"),
            "meta": {"software_attack_id": "S3502", "type": ["tool"], "source": "Tidal Cyber"},
        },
        {
            "value": "Plink",
            "uuid": muid("ts Plink"),
            "meta": {"software_attack_id": "S3300", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(muid("tidal OilRig old")),
        },
        # ATT&CK's own software by ATT&CK's id: OilRig's link is ATT&CK's already.
        {
            "value": "Helminth",
            "uuid": muid("ts Helminth"),
            "meta": {"software_attack_id": "S0170", "type": ["malware"], "source": "MITRE"},
            "related": used_by(tidal_oilrig),
        },
        # Tidal's old entry beside ATT&CK's: joins S0002 by its name.
        {
            "value": "Mimikatz (Deprecated)",
            "uuid": muid("ts Mimikatz old"),
            "meta": {"software_attack_id": "S3100", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        # Named by campaign C0001's report (for OilRig); Tidal ties it to the crew.
        {
            "value": "ZeroCleare",
            "uuid": muid("ts ZeroCleare"),
            "meta": {"software_attack_id": "S1151", "type": ["malware"], "source": "MITRE"},
            "related": used_by(crew),
        },
        # The crew's own payload, named after it, that another group used too.
        {
            "value": "Ransom 2.0",
            "uuid": muid("ts Ransom 2.0"),
            "meta": {"software_attack_id": "S3800", "type": ["malware"], "source": "Tidal Cyber"},
            "related": used_by(crew, tidal_oilrig),
        },
        # Malpedia's family by its name without platform or kind.
        {
            "value": "DarkSide Ransomware",
            "uuid": muid("ts DarkSide"),
            "meta": {"software_attack_id": "S3600", "type": ["malware"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        # Not Malpedia's "Terminator RAT": a family's kind is dropped from Tidal's names only.
        {
            "value": "Terminator",
            "uuid": muid("ts Terminator"),
            "meta": {"software_attack_id": "S3700", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        # A module of a program ATT&CK knows is that program.
        {
            "value": "sekurlsa",
            "uuid": muid("ts sekurlsa"),
            "description": "A credential dumper, included as a module of [Mimikatz](https://example.org/s/x).",
            "meta": {"software_attack_id": "S3900", "type": ["tool"], "source": "Tidal Cyber"},
            "related": used_by(crew),
        },
        # A Malpedia family of the same name: one record.
        {
            "value": "Shamoon",
            "uuid": muid("ts Shamoon"),
            "meta": {"software_attack_id": "S3200", "type": ["malware"], "source": "Tidal Cyber"},
            "related": used_by(crew, muid("tidal nobody")),
        },
    ]
    malpedia = [
        {
            "value": "Helminth",
            "uuid": muid("mp Helminth"),
            "meta": {"synonyms": ["Helminth loader"], "type": []},
        },
        {"value": "Shamoon", "uuid": muid("mp Shamoon"), "meta": {"synonyms": ["Disttrack"], "type": []}},
        # Malpedia's clusters lump a lookalike in: most of the names say which record it is.
        {
            "value": "EternalPetya",
            "uuid": muid("mp EternalPetya"),
            "meta": {"synonyms": ["BadRabbit", "Nyetya", "NotPetya", "Petna"], "type": []},
        },
        {
            "value": "Snake",
            "uuid": muid("mp Snake"),
            "meta": {"synonyms": ["EKANS", "SNAKEHOSE"], "type": []},
        },
        # A platform's build of a program ATT&CK has by that very name is that program, unless
        # another program goes by the name too (Bad Rabbit's other name NotPetya).
        {
            "value": "Helminth (ELF)",
            "uuid": muid("mp Helminth elf"),
            "meta": {"synonyms": ["H3lminth"], "type": []},
        },
        {"value": "NotPetya (Windows)", "uuid": muid("mp NotPetya win"), "meta": {"type": []}},
        {"value": "DarkSide (ELF)", "uuid": muid("mp DarkSide elf"), "meta": {"type": []}},
        {
            "value": "DarkSide (Windows)",
            "uuid": muid("mp DarkSide win"),
            "meta": {"synonyms": ["BlackMatter"], "type": []},
        },
        {"value": "RandomQuery (Powershell)", "uuid": muid("mp RandomQuery ps1"), "meta": {"type": []}},
        {"value": "Winnti (Windows)", "uuid": muid("mp Winnti win"), "meta": {"type": []}},
        {"value": "Maui Ransomware", "uuid": muid("mp Maui"), "meta": {"type": []}},
        {"value": "Terminator RAT", "uuid": muid("mp Terminator RAT"), "meta": {"type": []}},
        # Named after the one group it belongs to, which no source ties it to.
        {"value": "Cleaver (Windows)", "uuid": muid("mp Cleaver"), "meta": {"type": []}},
        # Named like a group, but its description says it is something else: no link.
        {
            "value": "Magic Hound (Windows)",
            "uuid": muid("mp Magic Hound"),
            "description": "A DDoS bot written in .NET 2.0.",
            "meta": {"type": []},
        },
        {"value": "Cleaver (Android)", "uuid": muid("mp Cleaver apk"), "meta": {"type": []}},
        # Builds of a name ATT&CK has: the sources tie Clop's and Manjusaka's to ATT&CK's (a report
        # both cite, moved to another address; Linux and Windows builds of one program), nothing
        # ties either Chaos to ATT&CK's (the Windows one is ransomware, the Linux one a bot of 2022).
        {
            "value": "Chaos (Windows)",
            "uuid": muid("mp Chaos win"),
            "meta": {"refs": ["https://ransom.example/chaos-ransomware-builder/"], "type": []},
        },
        {
            "value": "Chaos (ELF)",
            "uuid": muid("mp Chaos elf"),
            "meta": {"refs": ["https://bots.example/2022/chaos-go-based-swiss-army-knife/"], "type": []},
        },
        {
            "value": "Clop (Windows)",
            "uuid": muid("mp Clop win"),
            "meta": {
                "refs": ["https://www.blog.example/research/21/clop-ransomware-deep-dive.html"],
                "type": [],
            },
        },
        {
            "value": "Clop (ELF)",
            "uuid": muid("mp Clop elf"),
            "meta": {"refs": ["https://linux.example/cl0p-elf"], "type": []},
        },
        {
            "value": "Manjusaka (ELF)",
            "uuid": muid("mp Manjusaka elf"),
            "meta": {
                "refs": ["https://blog.talos.example/2022/08/manjusaka-offensive-framework.html"],
                "type": [],
            },
        },
        {
            "value": "Manjusaka (Windows)",
            "uuid": muid("mp Manjusaka win"),
            "meta": {
                "refs": ["https://blog.talos.example/2022/08/manjusaka-offensive-framework.html"],
                "type": [],
            },
        },
        {"value": "Cleaver Locker", "uuid": muid("mp Cleaver locker"), "meta": {"type": []}},
    ]
    return {
        "threat-actor": _cluster("threat-actor", threat_actor, 300),
        "microsoft-activity-group": _cluster("microsoft-activity-group", microsoft),
        "mitre-intrusion-set": _cluster("mitre-intrusion-set", mitre),
        "tidal-groups": _cluster("groups", tidal),
        "malpedia": _cluster("malpedia", malpedia),
        "tidal-software": _cluster("software", tidal_software),
    }


def write_sources(directory: Path) -> tuple[Path, Path]:
    """Write the tiny bundle and galaxies under ``directory``; return (bundle, galaxy folder)."""
    bundle = directory / "enterprise-attack.json"
    bundle.write_text(json.dumps(attack_bundle()))
    folder = directory / "clusters"
    folder.mkdir()
    for name, cluster in galaxies().items():
        (folder / f"{name}.json").write_text(json.dumps(cluster))
    return bundle, folder
