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
_PLACE = r"((?:North |South )?[A-Z][^\W\d_]+(?: [A-Z][^\W\d_]+)?)"
_ACRONYM = r"(?: \([A-Z]{2,5}\))?"
_DASH = r"[-\u2010-\u2013 ]"
# "a North Korean state-sponsored group"; "People's Republic of China (PRC) state-sponsored".
_SPONSORED = re.compile(
    _PLACE + _ACRONYM + r"(?:" + _DASH + r"(?:[Ss]tate|[Gg]overnment))?" + _DASH + r"(?:sponsored|backed)"
)
_ATTRIBUTED = re.compile(r"attributed to (?:the )?" + _PLACE + r"(?:'s|\u2019s| government| state)")
# "a subordinate element within Iran's Ministry of Intelligence", "conducted by the Iranian
# Ministry ...", "attributed to the Chinese People's Liberation Army", "a suspected nexus to the
# Iranian government": a state body named as the one behind the group.
_STATE_BODY = re.compile(
    r"(?:attributed to|associated with|association with|conducted by|operated by|on behalf of|"
    r"sponsored by|working for|element (?:within|of)|nexus to) (?:the )?" + _PLACE + r"(?:'s|\u2019s)? "
    r"(?:[Gg]overnment|[Mm]inistry|[Mm]ilitary|[Aa]rmed [Ff]orces|[Ii]ntelligence|People['\u2019]s "
    r"Liberation|General Directorate|Federal Security|Main Intelligence|Foreign Intelligence|"
    r"Islamic Revolutionary)"
)
_BASED = re.compile(_PLACE + _DASH + r"based")
_LINKED = re.compile(_PLACE + _ACRONYM + r"[-\u2010-\u2013](?:linked|nexus|aligned|related)\b")
_OUT_OF = re.compile(
    r"(?:operat\w* (?:out of|from)|originating (?:in|from)) (?:the )?"
    r"(?:[A-Z]\w+ Province of )?" + _PLACE
)
_ORIGINS = re.compile(_PLACE + r" origins?\b")
_NATIONAL_GROUP = re.compile(
    _PLACE + r" (?:cyber ?espionage |espionage |APT |threat |hacking |hacker |cyber )*(?:group|actor|team)"
)
# Money as the motive: said outright, or (for a group no state or country is named for; Agrius's
# ransomware is a state's cover) ransomware, mining or access brokering.
_FINANCIAL = re.compile(r"cyber ?crim|financially[- ]motivated", re.IGNORECASE)
_FINANCIAL_TRADE = re.compile(
    r"(?<!use of )(?<!without )ransomware|cryptojacking|cryptocurrency[- ]mining|initial access broker",
    re.IGNORECASE,
)
# Another group described in passing: "..., a suspected Indian threat group" right after a name.
_APPOSITIVE = re.compile(r"[A-Z][\w-]*, (?:an?|the) (?:suspected |likely |possible )?$")
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
            if _APPOSITIVE.search(text, 0, match.start()):
                continue  # "mimics Sidewinder, a suspected Indian threat group": another group's
            code = _country(match.group(1))
            if code and (code, basis) not in seen:
                seen.add((code, basis))
                words = match.group(0).strip()
                facts.claims.append(SponsorClaim(code, "ATT&CK description", f"{basis}: '{words}'"))

    claim(_SPONSORED, "state sponsor")
    claim(_ATTRIBUTED, "state sponsor")
    claim(_STATE_BODY, "state sponsor")
    for origin in (_BASED, _LINKED, _OUT_OF, _ORIGINS, _NATIONAL_GROUP):
        claim(origin, "country of origin")
    low = text.lower()
    if _FINANCIAL.search(text) or (not facts.claims and _FINANCIAL_TRADE.search(text)):
        facts.motivations.append("financial")
    if "espionage" in low:
        facts.motivations.append("espionage")
    if "destructive" in low or "wiper" in low:
        facts.motivations.append("destruction")
    since = _SINCE.search(text)
    facts.since = int(since.group(1)) if since else None
    return facts
