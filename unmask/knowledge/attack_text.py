"""Facts ATT&CK states in the opening of a group's description.

ATT&CK writes the essentials of a group in its first sentences: "a North
Korean state-sponsored threat group", "attributed to Russia's Foreign
Intelligence Service", "a China-based threat group", "a financially motivated
threat group", "active since at least 2014".  These are read with a few
patterns, each claim keeping the words it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unmask.knowledge.countries import country_code
from unmask.model import SponsorClaim

__all__ = ["DescriptionFacts", "read_description"]

_DEMONYMS = {
    "american": "US", "belarusian": "BY", "brazilian": "BR", "chinese": "CN", "emirati": "AE",
    "indian": "IN", "iranian": "IR", "israeli": "IL", "lebanese": "LB", "nigerian": "NG",
    "north korean": "KP", "pakistani": "PK", "palestinian": "PS", "romanian": "RO",
    "russian": "RU", "south korean": "KR", "spanish": "ES", "syrian": "SY", "turkish": "TR",
    "ukrainian": "UA", "vietnamese": "VN", "korean": "KP", "gazan": "PS",
}  # fmt: skip
_PLACE = r"((?:North |South )?[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
# "a North Korean state-sponsored group"; "People's Republic of China (PRC) state-sponsored".
_SPONSORED = re.compile(
    _PLACE + r"(?: \([A-Z]{2,5}\))?(?:[- ](?:[Ss]tate|[Gg]overnment))?[- ](?:sponsored|backed)"
)
_ATTRIBUTED = re.compile(r"attributed to (?:the )?" + _PLACE + r"(?:'s|’s| government| state)")
_BASED = re.compile(_PLACE + r"[- ]based")
_NATIONAL_GROUP = re.compile(
    _PLACE + r" (?:cyber ?espionage |espionage |APT |threat |hacking |hacker |cyber )*(?:group|actor|team)"
)
_SINCE = re.compile(r"since at least (?:\w+ )?((?:19|20)\d\d)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_CITATION = re.compile(r"\(Citation:[^)]*\)")


@dataclass
class DescriptionFacts:
    """Sponsor and origin claims, motivations and first year read from a description."""

    claims: list[SponsorClaim] = field(default_factory=list)
    motivations: list[str] = field(default_factory=list)
    since: int | None = None


def _country(text: str) -> str | None:
    key = text.strip().lower()
    if key in _DEMONYMS:
        return _DEMONYMS[key]
    return country_code(text.strip())


def _opening(description: str, sentences: int = 3) -> str:
    text = _CITATION.sub("", _LINK.sub(r"\1", description)).replace("\n", " ")
    return " ".join(re.split(r"(?<=[.!?])\s+", text)[:sentences])


def read_description(description: str) -> DescriptionFacts:
    """Read the opening sentences of an ATT&CK group description."""
    text = _opening(description)
    facts = DescriptionFacts()
    seen: set[tuple[str, str]] = set()

    def claim(pattern: re.Pattern[str], basis: str) -> None:
        for match in pattern.finditer(text):
            code = _country(match.group(1))
            if code and (code, basis) not in seen:
                seen.add((code, basis))
                words = match.group(0).strip()
                facts.claims.append(SponsorClaim(code, "ATT&CK description", f"{basis}: '{words}'"))

    claim(_SPONSORED, "state sponsor")
    claim(_ATTRIBUTED, "state sponsor")
    claim(_BASED, "country of origin")
    claim(_NATIONAL_GROUP, "country of origin")
    low = text.lower()
    if "cybercriminal" in low or "financially motivated" in low or "financially-motivated" in low:
        facts.motivations.append("financial")
    if "espionage" in low:
        facts.motivations.append("espionage")
    if "destructive" in low or "wiper" in low:
        facts.motivations.append("destruction")
    since = _SINCE.search(text)
    facts.since = int(since.group(1)) if since else None
    return facts
