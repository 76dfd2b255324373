"""Who a report says was attacked: victim countries and sectors, read from a sentence.

Only sentences that speak of targets or victims are read (``targeted``, ``against``,
``compromised``, ...), clause by clause and, within a clause, comma by comma:

- a stretch about the actor's past (``previously``, ``historically``, ``known for``) names its
  earlier victims; a stretch with no cue of its own (a list going on) is what the one before was;
- the country after an attribution cue (``acting for Iran's MOIS``, ``sponsored by Iran``,
  ``based in China``, ``attributed ... to Russia``), up to the next comma or victim cue, is the
  sponsor or origin;
- in the active voice the countries before the first victim cue are the actor's side or the
  reporting side (``Russia's Sandworm targeted Ukraine``, ``Iran-linked actors``, ``the UK's NCSC
  assesses that APT29 targeted Canada``); in the passive voice the victims come first and the
  actor after ``by`` (``Albania was attacked by Iranian actors``).

Countries are read from their names, from the initials reports use (UAE, U.K.) and from their
adjectives (``Israeli water utilities``).  What is not taken as a victim is noted, not dropped.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from unmask.extract.context import ELSEWHERE_WORDS
from unmask.knowledge.countries import country_code

__all__ = ["SECTORS", "VICTIM_CUES", "Victims", "country_mentions", "read_victims"]

# (what was stolen may take words: "stole about 40 GB of patient billing data from the hospital
# group"; an incident response report names its victim as its client, in a label or a sentence of
# its own: "Client: Harbor & Lane Health, a private hospital group in Australia", "the client is a
# hospital group in Australia"; not "the VPN client:"), or in an apposition: "The client, a logistics
# company headquartered in Norway, engaged our team"; and where an infection was found, or whose
# machine it was: "tracked the infection chain at two think tanks in Seoul", "on the laptop of a
# researcher at a South Korean think tank")
VICTIM_CUES = re.compile(
    r"\b(target(?:s|ed|ing)?|victim(?:s)?|against|attack(?:s|ed|ing)?|compromis(?:e|ed|ing)|breach(?:ed)?|"
    r"intrusion(?:s)? (?:into|at|in)|affect(?:s|ed|ing)|hit|disrupt(?:ed|ing)?|wip(?:e|ed|ing)|"
    r"(?:stole|steal(?:s|ing)?|exfiltrated|extort(?:s|ed|ing)?|ransom(?:ed)?) \w+(?: \w+){0,9} from|"
    r"(?<!\w\s)(?:client|customer)(?=[*_]{0,2}\s*:)|(?:the|our) (?:client|customer)(?: (?:is|was)|(?=,))|"
    r"infections? (?:chain )?(?:at|in|on)|(?:laptops?|workstations?|computers?|machines?|mailbox(?:es)?) of "
    r"(?:a|an|the|two|three|several)(?! (?:\w+ )?(?:operators?|attackers?|actors?|developers?|hackers?"
    r"|intruders?|affiliates?|members?)\b)|"
    r"encrypted|infected|penetrated)\b",
    re.IGNORECASE,
)
_ATTRIBUTION_CUES = re.compile(
    r"\b(attribut\w*|sponsor\w*|backed|linked to|tied to|affiliated with|nexus|state-sponsored|on behalf of|"
    r"act(?:s|ed|ing)? for|work(?:s|ed|ing)? for|based in|operat\w* (?:from|out of)|origin)\b",
    re.IGNORECASE,
)
_HISTORY_CUES = re.compile(
    r"\b(previously|historically|in the past|(?:earlier|past|prior|previous) (?:campaigns?|attacks?|operations?|"
    r"intrusions?|activity)|known for|history of|track record|at the time"
    r"|(?:other|several|many|multiple) (?:actors|groups|affiliates|crews|operators|ransomware gangs)"
    rf"|{ELSEWHERE_WORDS})\b",  # what extraction also takes for other events ("in its 2022 campaign")
    re.IGNORECASE,
)
# Said after what it is about: "Sandworm's attacks on the Ukrainian energy sector used Industroyer2,
# which is outside the scope of this advisory".
_HISTORY_AFTER = re.compile(r"\boutside\s+the\s+scope\b", re.IGNORECASE)
_EXAMPLES = re.compile(r"^\s*(?:including|such as|among them|for example|e\.g\.)\b", re.IGNORECASE)
# What marks a stretch as this incident's, after one about the past.
_PRESENT_CUES = re.compile(
    r"\b(this (?:time|incident|campaign|attack|intrusion|operation)|now)\b", re.IGNORECASE
)
# Verbs whose subject is the victim, in the active voice ("a provider in the United States
# suffered a ransomware attack"): what comes before them is the victim's, as in the passive voice.
# As verbs only: "suffered a ransomware attack", not "an experienced actor", "a sustained campaign".
_UNDERGONE = re.compile(
    r"\b(?:(?:suffer(?:s|ed)?|experienc(?:es|ed)|sustain(?:s|ed)?)\s+(?:a|an|the|its|their|two|three|several"
    r"|multiple|repeated|further|another|one|serious|major|significant)\b|fell\s+victim|falls?\s+victim"
    r"|(?:was|were|is|are|became|become)\s+(?:the\s+|a\s+)?victims?\s+of)",
    re.IGNORECASE,
)
_PASSIVE = re.compile(
    r"\b(?:was|were|been|being|is|are|got)\s+(?:\w+\s+)?(?:target|attack|compromis|breach|hit|affect|disrupt|wip)",
    re.IGNORECASE,
)
_CLAUSES = re.compile(r";|\s+and now\s+|,\s*(?:but|while|whereas|and now)\s+", re.IGNORECASE)

SECTORS = {
    "government": "government", "ministry": "government", "ministries": "government",
    "public administration": "government", "energy": "energy", "oil and gas": "energy",
    "electric": "energy", "telecommunication": "telecommunications",
    "telecommunications": "telecommunications", "telecom": "telecommunications", "telecoms": "telecommunications",
    "financial": "financial", "banking": "financial", "banks": "financial", "bank": "financial",
    "healthcare": "healthcare", "hospital": "healthcare", "hospitals": "healthcare",
    "defense": "defense", "defence": "defense", "military": "defense", "aerospace": "aerospace",
    "education": "education", "universities": "education", "university": "education",
    "manufacturing": "manufacturing", "transportation": "transportation", "aviation": "aviation",
    "maritime": "maritime", "media": "media", "journalists": "media", "non-governmental": "ngo",
    "ngos": "ngo", "diplomatic": "government", "embassies": "government",
    "critical infrastructure": "critical infrastructure", "technology": "technology",
    "retail": "retail", "hospitality": "hospitality", "legal": "legal",
    "pharmaceutical": "pharmaceutical", "chemical": "chemical", "water": "utilities",
    "utilities": "utilities", "network operators": "telecommunications",
    "mobile operators": "telecommunications", "internet service providers": "telecommunications",
    "isps": "telecommunications", "carriers": "telecommunications", "logistics": "transportation",
    "shipping": "transportation", "airlines": "aviation", "airports": "aviation", "insurance": "insurance",
    "insurers": "insurance", "law firm": "legal", "law firms": "legal", "manufacturer": "manufacturing",
    "manufacturers": "manufacturing", "exchanges": "financial", "cryptocurrency": "financial",
    "think tanks": "ngo", "think-tanks": "ngo", "think tank": "ngo", "think-tank": "ngo", "municipalities": "government", "municipality": "government",
    "semiconductor": "technology", "software companies": "technology", "it service providers": "technology",
    "managed service providers": "technology", "construction": "construction", "mining": "mining",
    "agriculture": "agriculture", "automotive": "automotive", "gaming": "entertainment",
}  # fmt: skip
_SECTOR = re.compile(
    r"\b(" + "|".join(sorted((re.escape(k) for k in SECTORS), key=len, reverse=True)) + r")\b", re.IGNORECASE
)
# A sector's word as an adjective of quality, no sector: "new military-grade encryption algorithm"
# (a ransom note's boilerplate), "bank-level security", "hospital-grade".
_QUALITY_AFTER = re.compile(r"[-\s](?:grade|level)\b", re.IGNORECASE)

# Places whose names hold a country's ("New Mexico", "New Jersey") but are not that country.
_NOT_A_COUNTRY = re.compile(
    r"\b(?:New Mexico|New Jersey|New England|New South Wales|West Virginia|Georgia State|Jordan Valley)\b"
)
# Countries reports write by their initials.
_INITIALS = {
    "UAE": "AE", "U.A.E.": "AE", "KSA": "SA", "USA": "US", "U.S.A.": "US", "US": "US", "U.S.": "US",
    "UK": "GB", "U.K.": "GB",
}  # fmt: skip
_INITIALS_RE = re.compile(r"(?<![\w.])(?:U\.A\.E\.|U\.S\.A\.|U\.S\.|U\.K\.|UAE|KSA|USA|US|UK)(?![\w])")
# Countries by their adjectives ("Israeli water utilities", "Iranian actors").
_ADJECTIVES = {
    "North Korean": "KP", "South Korean": "KR", "South African": "ZA", "Saudi Arabian": "SA",
    "Iranian": "IR", "Israeli": "IL", "Albanian": "AL", "Russian": "RU", "Chinese": "CN",
    "Ukrainian": "UA", "American": "US", "British": "GB", "German": "DE", "French": "FR",
    "Turkish": "TR", "Jordanian": "JO", "Kuwaiti": "KW", "Cypriot": "CY", "Emirati": "AE",
    "Saudi": "SA", "Qatari": "QA", "Bahraini": "BH", "Omani": "OM", "Lebanese": "LB",
    "Syrian": "SY", "Iraqi": "IQ", "Egyptian": "EG", "Indian": "IN", "Pakistani": "PK",
    "Afghan": "AF", "Japanese": "JP", "Taiwanese": "TW", "Vietnamese": "VN", "Thai": "TH",
    "Filipino": "PH", "Indonesian": "ID", "Malaysian": "MY", "Singaporean": "SG",
    "Australian": "AU", "Canadian": "CA", "Mexican": "MX", "Brazilian": "BR", "Polish": "PL",
    "Czech": "CZ", "Slovak": "SK", "Hungarian": "HU", "Romanian": "RO", "Bulgarian": "BG",
    "Serbian": "RS", "Croatian": "HR", "Greek": "GR", "Italian": "IT", "Spanish": "ES",
    "Portuguese": "PT", "Dutch": "NL", "Belgian": "BE", "Swiss": "CH", "Austrian": "AT",
    "Swedish": "SE", "Norwegian": "NO", "Danish": "DK", "Finnish": "FI", "Estonian": "EE",
    "Latvian": "LV", "Lithuanian": "LT", "Belarusian": "BY", "Georgian": "GE",
    "Armenian": "AM", "Azerbaijani": "AZ", "Kazakh": "KZ", "Uzbek": "UZ", "Mongolian": "MN",
    "Nigerian": "NG", "Kenyan": "KE", "Moroccan": "MA", "Algerian": "DZ", "Tunisian": "TN",
    "Libyan": "LY", "Yemeni": "YE", "Palestinian": "PS", "Bangladeshi": "BD",
}  # fmt: skip
_ADJECTIVE_RE = re.compile(r"\b(" + "|".join(sorted(_ADJECTIVES, key=len, reverse=True)) + r")\b")


def country_mentions(text: str) -> list[tuple[int, str]]:
    """(where, ISO code) of each country a text names, in order; one code per place in the text."""
    found: dict[int, str] = {}
    for match in _ADJECTIVE_RE.finditer(text):
        found[match.start()] = _ADJECTIVES[match.group(0)]
    for match in re.finditer(r"\b([A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+){0,3})\b", text):
        phrase = match.group(1)
        if _NOT_A_COUNTRY.search(phrase):  # New Mexico is a state, not Mexico
            continue
        parts = phrase.split()
        for n in range(len(parts), 0, -1):  # longest country name in the capitalised run
            for i in range(len(parts) - n + 1):
                name = " ".join(parts[i : i + n])
                code = country_code(name)
                if code and len(name) > 3:
                    found[match.start() + phrase.index(name)] = code
                    break
            else:
                continue
            break
    for match in _INITIALS_RE.finditer(text):
        found[match.start()] = _INITIALS[match.group(0)]
    for at, code in found.items():
        if code == "GE" and re.match(r"Georgia\b", text[at:]) and _us_state_context(text):
            found[at] = "US"  # "a municipal government in Georgia" beside Nevada and Ohio: the state
    return sorted(found.items())


@functools.cache
def _us_states() -> re.Pattern[str]:
    """The names of the US states but Georgia (pycountry), and what says Georgia is one."""
    import pycountry

    names = sorted(
        str(region.name)
        for region in pycountry.subdivisions
        if region.country_code == "US" and region.name != "Georgia"
    )
    states = "(?:" + "|".join(re.escape(name) for name in names) + ")"
    # a list of places with another state in it ("in Georgia, a school district in Nevada and ...")
    joined = (
        r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)(?:(?:a|an|the)\s+[a-z]+(?:\s+[a-z]+){0,3}\s+in\s+)?"
    )
    return re.compile(
        rf"\bGeorgia\b{joined}{states}\b|\b{states}{joined}Georgia\b|\b(?:Atlanta|Savannah),?\s+Georgia\b"
        r"|\bGeorgia\s*(?:\(\s*(?:the\s+)?U\.?S\.?(?:\s+state)?\s*\)|,\s*(?:USA|U\.S\.A?\.?|United States))"
    )


def _us_state_context(text: str) -> bool:
    """Whether ``text`` reads Georgia as the US state: another state or a Georgian city of the US
    named beside it, or "Georgia (the US state)", "Georgia, USA"."""
    return _us_states().search(text) is not None


@dataclass
class Victims:
    """What one sentence says of who was attacked."""

    countries: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # the actor's past victims
    elsewhere: list[str] = field(default_factory=list)  # the actor's side or the reporting side


# A country named as what people study or decide, not where victims are.
_TOPIC_AFTER = re.compile(
    r"(?:[A-Z][\w.\-]*+\s*){1,4}(?:'s|’s)?\s+(?:\w+\s+)?(?:specialists|experts|analysts|researchers|watchers"
    r"|scholars|observers|policy|policies|affairs|issues|relations|sanctions|studies|matters|programs?"
    r"|programmes?|strategy|diplomacy)\b"
)


def _span_end(clause: str, start: int) -> int:
    """Where the words after an attribution cue end: the next comma, parenthesis close or victim cue."""
    stop = re.search(r"[,)]", clause[start:])
    cue = VICTIM_CUES.search(clause, start)
    ends = [len(clause)] + ([start + stop.start()] if stop else []) + ([cue.start()] if cue else [])
    return min(ends)


def _spans(clause: str) -> list[tuple[int, int]]:
    """Where a clause names the actor's sponsor or origin."""
    spans = []
    for match in _ATTRIBUTION_CUES.finditer(clause):
        start = match.start()
        if match.group(0).lower().startswith("attribut"):
            # "attributed the attacks against Albania to Iran": the sponsor comes after "to".
            to = re.search(r"\bto\b", clause[match.end() :])
            if to is not None:
                start = match.end() + to.start()
                stop = re.search(r"[,.;)]", clause[start:])
                spans.append((start, start + stop.start() if stop else len(clause)))
                continue
        spans.append((start, _span_end(clause, match.end())))
    return spans


def _stretches(clause: str) -> list[tuple[int, int, bool]]:
    """(start, end, about the past) of each comma-separated stretch of a clause."""
    result: list[tuple[int, int, bool]] = []
    past = False
    start = 0
    for piece in re.split(r"(,)", clause):
        if piece == ",":
            start += 1
            continue
        end = start + len(piece)
        if _HISTORY_AFTER.search(piece):  # the stretches before were of other events too
            result = [(a, b, True) for a, b, _ in result]
            past = True
        elif _HISTORY_CUES.search(piece):
            past = True
        elif _EXAMPLES.match(piece):
            pass  # "..., including against a bank": examples of what the stretch before said
        elif VICTIM_CUES.search(piece) or _PRESENT_CUES.search(piece):
            past = False
        result.append((start, end, past))
        start = end
    return result


def read_victims(sentence: str) -> Victims:
    """The victims a sentence names, and the countries it names otherwise (see the module)."""
    found = Victims()
    for clause in _CLAUSES.split(sentence):
        spans = _spans(clause)
        stretches = _stretches(clause)

        def sponsor(position: int, spans: list[tuple[int, int]] = spans) -> bool:
            return any(start <= position < end for start, end in spans)

        def past(position: int, stretches: list[tuple[int, int, bool]] = stretches) -> bool:
            return any(start <= position < end and was for start, end, was in stretches)

        cues = [m for m in VICTIM_CUES.finditer(clause) if not past(m.start())]
        first = cues[0].start() if cues else len(clause)
        passive = _PASSIVE.search(clause)
        undergone = _UNDERGONE.search(clause)
        if (
            undergone
            and undergone.start() <= first
            and (passive is None or undergone.start() < passive.start())
        ):
            passive = undergone
        by = re.search(r"\bby\b", clause[passive.end() :]) if passive else None
        actor_after = passive.end() + by.start() if passive and by else len(clause)

        def actors_side(
            position: int, first: int = first, actor_after: int = actor_after, passive: bool = bool(passive)
        ) -> bool:
            return position >= actor_after if passive else position < first

        for position, code in country_mentions(clause):
            if _TOPIC_AFTER.match(clause, position):
                continue  # "North Korea specialists", "Iran's nuclear policy": a subject, not a place
            if sponsor(position):
                found.elsewhere.append(code)
            elif past(position):
                found.earlier.append(code)
            elif actors_side(position):
                found.elsewhere.append(code)
            else:
                found.countries.append(code)
        for match in _SECTOR.finditer(clause):
            if _QUALITY_AFTER.match(clause, match.end()):
                continue
            if not (sponsor(match.start()) or past(match.start()) or actors_side(match.start())):
                found.sectors.append(SECTORS[match.group(0).lower()])
    found.countries = list(dict.fromkeys(found.countries))
    found.sectors = list(dict.fromkeys(found.sectors))
    found.earlier = [c for c in dict.fromkeys(found.earlier) if c not in found.countries]
    found.elsewhere = [c for c in dict.fromkeys(found.elsewhere) if c not in found.countries]
    return found
