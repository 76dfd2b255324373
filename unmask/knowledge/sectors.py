"""Victim sectors: one vocabulary for what cases, reports, partners' STIX and the KB's sources say.

STIX 2.1's industry-sector vocabulary is the reference (a partner's identity says
``government-national``); the KB's sources write "Government", "Financial Services", "Banks",
"Telecoms".  :func:`stix_sector` gives the STIX term (for exports) and :func:`sector_key` the key
two sectors are compared under (every ``government-*`` is government).
"""

from __future__ import annotations

import difflib
import functools
import json
import re

__all__ = ["STIX_SECTORS", "misp_sector", "sector_key", "stix_sector"]

STIX_SECTORS = frozenset(
    [
        "agriculture",
        "aerospace",
        "automotive",
        "chemical",
        "commercial",
        "communications",
        "construction",
        "defense",
        "education",
        "energy",
        "entertainment",
        "financial-services",
        "government",
        "government-emergency-services",
        "government-local",
        "government-national",
        "government-public-services",
        "government-regional",
        "healthcare",
        "hospitality-leisure",
        "infrastructure",
        "infrastructure-dams",
        "infrastructure-nuclear",
        "infrastructure-water",
        "insurance",
        "manufacturing",
        "mining",
        "non-profit",
        "pharmaceuticals",
        "retail",
        "technology",
        "telecommunications",
        "transportation",
        "utilities",
    ]
)

# Other names for the vocabulary's entries (hyphenated lower case).
_SYNONYMS = {
    "media": "entertainment", "media-entertainment": "entertainment",
    "media-and-entertainment": "entertainment", "news-media": "entertainment",
    "journalist": "entertainment", "journalists": "entertainment",
    "finance": "financial-services", "financial": "financial-services", "banking": "financial-services",
    "banks": "financial-services", "bank": "financial-services", "fintech": "financial-services",
    "health": "healthcare", "hospital": "healthcare", "hospitals": "healthcare",
    "information-technology": "technology", "it": "technology", "high-tech": "technology",
    "tech": "technology", "telecom": "telecommunications", "telecoms": "telecommunications",
    "telecomms": "telecommunications", "telecommunication": "telecommunications",
    "communications": "telecommunications", "defence": "defense", "military": "defense",
    "defense-industrial-base": "defense", "oil-and-gas": "energy", "oil-gas": "energy",
    "electric": "energy", "electricity": "energy", "water": "infrastructure-water",
    "nuclear": "infrastructure-nuclear", "dams": "infrastructure-dams",
    "critical-infrastructure": "infrastructure", "transport": "transportation",
    "transportation-systems": "transportation", "academia": "education",
    "academia-university": "education", "university": "education", "universities": "education",
    "ngo": "non-profit", "ngos": "non-profit", "nonprofit": "non-profit",
    "non-governmental": "non-profit", "think-tanks": "non-profit", "hospitality": "hospitality-leisure",
    "pharmaceutical": "pharmaceuticals", "pharma": "pharmaceuticals", "chemicals": "chemical",
    "government-administration": "government", "public-administration": "government",
    "ministry": "government", "ministries": "government", "diplomatic": "government",
    "diplomacy": "government", "embassies": "government", "private-sector": "commercial",
    # as incident write-ups name their victims
    "managed-service-providers": "technology", "managed-service-provider": "technology",
    "msp": "technology", "msps": "technology", "it-services": "technology",
    "managed-services": "technology", "software": "technology", "cloud": "technology",
    "semiconductors": "technology", "cryptocurrency": "financial-services",
    "crypto": "financial-services", "cryptocurrency-exchanges": "financial-services",
    "cryptocurrency-exchange": "financial-services", "sports": "entertainment",
    "sport": "entertainment", "casinos": "hospitality-leisure",
    "hotels": "hospitality-leisure", "logistics": "transportation", "shipping": "transportation",
    "maritime": "transportation", "aviation": "transportation", "airlines": "transportation",
    "think-tank": "non-profit", "oil": "energy", "gas": "energy",
}  # fmt: skip


def _hyphenated(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# Every known form without its hyphens: "health-care" and "tele-communications" are found too.
_COMPACT = {term.replace("-", ""): term for term in STIX_SECTORS} | {
    alias.replace("-", ""): term for alias, term in _SYNONYMS.items()
}


def stix_sector(name: str) -> str:
    """A sector in STIX's vocabulary when it has it ("Banks" is financial-services), else hyphenated."""
    key = _hyphenated(name)
    if key in STIX_SECTORS:
        return key
    return _SYNONYMS.get(key) or _COMPACT.get(key.replace("-", ""), key)


def sector_key(name: str) -> str:
    """The key two sectors are compared under: the STIX term, every government level as one, and
    STIX's "communications" as "telecommunications" (CISA's Communications sector is the telecoms)."""
    term = stix_sector(name)
    if term == "communications":
        return "telecommunications"
    return "government" if term.startswith("government-") else term


@functools.cache
def _misp_sectors() -> dict[str, str]:
    """MISP's sector galaxy: each of its sectors by its key, the first of a key winning."""
    from unmask.knowledge.misp import default_galaxy_dir

    try:
        data = json.loads((default_galaxy_dir() / "sector.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    values = [
        e["value"] for e in data.get("values", []) if isinstance(e, dict) and isinstance(e.get("value"), str)
    ]
    found = {value.lower(): value for value in values}
    by_key: dict[str, list[str]] = {}
    for value in values:
        by_key.setdefault(sector_key(value), []).append(value)
    for key, named in by_key.items():  # "Government, Administration" rather than "Diplomacy"
        best = max(named, key=lambda v: difflib.SequenceMatcher(None, key, v.lower()).ratio())
        found.setdefault(key, best)
    return found


def misp_sector(name: str) -> str:
    """The name MISP's sector galaxy gives a sector ("government" is "Government, Administration";
    the name as given when MISP has none of its kind)."""
    sectors = _misp_sectors()
    return sectors.get(name.strip().lower()) or sectors.get(sector_key(name)) or name.strip()
