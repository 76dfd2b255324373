"""Resolve a case's observations against the KB into evidence items.

Each item keeps the observation it came from, the KB id it resolved to, the
signal that scores it and how costly it would be for an attacker to fake.
Observations that do not resolve are returned with the closest known names,
never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import PurePath
from typing import Any
from weakref import WeakKeyDictionary

from rapidfuzz import process

from unmask.detect.indicators import asn_number, indicator_key, normalise
from unmask.errors import UnknownNameError
from unmask.knowledge.countries import close_countries, country_code, country_name
from unmask.knowledge.exploits import exploit_cve
from unmask.knowledge.sectors import sector_key
from unmask.knowledge.store import NO_SUCH_SUB_TECHNIQUE, SEVERAL_TECHNIQUES, KnowledgeBase
from unmask.model import Case, Observation, ObservationKind

__all__ = [
    "COST_TO_FAKE",
    "PUBLIC_TOOL_COST",
    "EvidenceItem",
    "Unresolved",
    "resolve_case",
    "resolve_observation",
    "techniques_in_words",
]

_CVE = re.compile(r"^CVE-\d{4}-\d{4,7}$", re.IGNORECASE)

# How costly an item is for an attacker to fake or plant (Pyramid of Pain, turned around):
# a hash or a copied string costs nothing; a whole way of operating costs a great deal. An exploit
# of a published vulnerability is anyone's once it is public (dozens of groups exploited ProxyShell
# and Log4Shell within weeks), and the KB records CVEs for few actors, so one that only one of them
# lists looks rarer than it is: cheap evidence, like a public tool.
COST_TO_FAKE = {
    "technique": "high",
    "software": "moderate",
    "cve": "low",
    "victim": "high",
    "similarity": "low",
    "infrastructure": "low",
    "file": "low",
    "timing": "moderate",
}
# Software ATT&CK calls a tool (commercial, open-source, built into the system or otherwise public:
# Mimikatz, PsExec, AdFind) is there for anyone to pick up: as cheap to show as a copied string.
# Chosen on the development units (docs/benchmarks/attribution-tuning.md, round 7).
PUBLIC_TOOL_COST = "low"


@dataclass(frozen=True)
class EvidenceItem:
    """One resolved observation, ready to be scored."""

    index: int
    observation: Observation
    signal: str
    key: str
    label: str
    # The cost-to-fake class when it is not the signal's (a public tool is cheaper than malware).
    cost_class: str | None = None
    # A value read otherwise than by its kind's name or id: a technique in words ("watering hole",
    # read as the text extractor reads a report), a tool given as a technique, an exploit's name
    # ("EternalBlue" is CVE-2017-0144).  The value as written; the assessment says how it was read.
    read_from: str | None = None
    # Read through a name that is also an actor's or another program's ("Cobalt" as Pay2Key): the
    # reading is uncertain, so the item is cheap evidence (engine.analyse; the warnings say which).
    ambiguous: bool = False
    # Other observations read otherwise ("ntdsutil" beside T1003.003, "Diplomatic" beside
    # "Government") that are this same item and count as it: the warnings say how each was read.
    merged: tuple[EvidenceItem, ...] = field(default=(), compare=False, repr=False)

    @property
    def cost(self) -> str:
        """The cost-to-fake class: low, moderate or high."""
        return self.cost_class or COST_TO_FAKE[self.signal]

    @property
    def phase(self) -> str | None:
        return self.observation.phase

    @property
    def host(self) -> str | None:
        return self.observation.host


@dataclass(frozen=True)
class Unresolved:
    """An observation whose name is not in the KB, with the closest names that are."""

    index: int
    observation: Observation
    reason: str
    suggestions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "observation": self.index,
            "where": where(self.observation, self.index),
            "kind": self.observation.kind.value,
            "value": self.observation.value,
            "reason": self.reason,
            "suggestions": list(self.suggestions),
        }


def where(observation: Observation, index: int) -> str:
    """Where an observation is: in the file and record it was read from (a STIX bundle's object,
    a log's event), else by its position in the case (``observations[1]``)."""
    prov = observation.provenance
    record = prov.record if prov else None
    if not prov or not record or record.startswith("observations["):
        return f"observations[{index}]"
    name = PurePath(prov.source).name if prov.source else ""
    return " ".join(part for part in (name, f"record {record}" if record.isdigit() else record) if part)


def resolve_observation(kb: KnowledgeBase, index: int, obs: Observation) -> EvidenceItem | Unresolved:
    """One observation as the engine reads it: an evidence item, or why it does not resolve."""
    kind, value = obs.kind, obs.value.strip()
    try:
        if kind is ObservationKind.TECHNIQUE:
            try:
                tech = kb.technique(value)
            except UnknownNameError as exc:
                if exc.why == SEVERAL_TECHNIQUES or NO_SUCH_SUB_TECHNIQUE in (exc.why or ""):
                    # "T1190, T1059.001": its ids, each suggested once; "Email Collection: Remote
                    # Email Colection": the sub-technique meant, not the parent the words say.
                    raise
                read, offered = techniques_in_words(kb, value)
                if len(read) > 1:
                    said = {o.split()[0] for o in offered}  # "T1558.003 Kerberoasting": each id once
                    more = [s for s in exc.suggestions if not any(i in s for i in said)]
                    raise UnknownNameError("technique", value, offered + more) from None
                if read:
                    tech = kb.techniques[read[0]]
                    return EvidenceItem(
                        index, obs, "technique", tech.id, f"{tech.id} {tech.name}", read_from=value
                    )
                # A tool or an exploit listed as a technique ("technique: AdFind", "EternalBlue").
                other = _as_software(kb, index, obs, value) or _as_exploit(index, obs, value)
                if other is None:
                    raise
                return other
            # A retired id or name ("T1086") stands for its successor: said, as a reading.
            retired = value if kb.retired_reading(value) else None
            return EvidenceItem(index, obs, "technique", tech.id, f"{tech.id} {tech.name}", read_from=retired)
        if kind is ObservationKind.SOFTWARE:
            try:
                return _software(kb, index, obs, value)
            except UnknownNameError:
                # An exploit or a system program given as software ("EternalBlue", "wmic").
                as_cve = _as_exploit(index, obs, value)
                if as_cve is not None:
                    return as_cve
                read, _ = techniques_in_words(kb, value)
                if len(read) != 1:
                    _actor_as_software(kb, value)
                    raise
                tech = kb.techniques[read[0]]
                return EvidenceItem(
                    index, obs, "technique", tech.id, f"{tech.id} {tech.name}", read_from=value
                )
        if kind is ObservationKind.SIMILARITY:
            actor = kb.actor(value)
            return EvidenceItem(index, obs, "similarity", actor.id, f"similar to {actor.name}'s artifacts")
    except UnknownNameError as exc:
        return Unresolved(index, obs, str(exc), tuple(exc.suggestions))
    if kind is ObservationKind.VULNERABILITY:
        if not _CVE.match(value):
            exploit = _as_exploit(index, obs, value)  # "Log4Shell"
            return exploit or Unresolved(index, obs, f"{value!r} is not a CVE id (CVE-YYYY-NNNN)")
        return EvidenceItem(index, obs, "cve", value.upper(), value.upper())
    if kind is ObservationKind.VICTIM:
        code = country_code(value) if obs.subtype != "sector" else None
        if obs.subtype == "sector" or (obs.subtype is None and code is None):
            # Without a subtype, what is not a country is taken as a sector ("Energy").
            key = sector_key(value)
            if key not in kb.sector_keys:  # "Video Game" for the KB's "Video Games", and the reverse
                key = next((k for k in (f"{key}s", key.removesuffix("s")) if k in kb.sector_keys), key)
            if key not in kb.sector_keys:
                near = process.extract(key, list(kb.sector_keys), limit=3, score_cutoff=75)
                named = tuple(kb.sector_keys[found] for found, _, _ in near)
                what = "a country name or ISO code, nor " if obs.subtype is None else ""
                return Unresolved(
                    index,
                    obs,
                    f"{value!r} is not {what}a victim sector the knowledge base or STIX knows",
                    named,
                )
            if _sector_words(value) == _sector_words(key):
                return EvidenceItem(index, obs, "victim", f"sector:{key}", f"victim sector {value}")
            # A sector the KB compares as another ("Diplomatic" as Government, "Banks" as financial
            # services): weighed as that one, so said as a reading.
            shown = kb.sector_keys[key].replace("-", " ")
            return EvidenceItem(
                index,
                obs,
                "victim",
                f"sector:{key}",
                f"victim sector {shown[:1].upper()}{shown[1:]}",
                read_from=value,
            )
        if code is None:
            close = tuple(close_countries(value))
            return Unresolved(index, obs, f"{value!r} is not a country name or ISO code", close)
        return EvidenceItem(index, obs, "victim", f"country:{code}", f"victim in {country_name(code)}")
    if kind in (ObservationKind.INFRASTRUCTURE, ObservationKind.FILE):
        # The form the user's intelligence is kept in (knowledge/intel.py): refanged, without a
        # trailing dot, addresses canonical, so that 45.77.1[.]1 meets 45.77.1.1.
        signal = "infrastructure" if kind is ObservationKind.INFRASTRUCTURE else "file"
        problem = _not_an_indicator(obs.subtype, value)
        if problem:
            return Unresolved(index, obs, problem)
        key = indicator_key(obs.subtype, value)
        return EvidenceItem(index, obs, signal, key, f"{obs.subtype or signal} {value}")
    return EvidenceItem(index, obs, "timing", value, f"{kind.value} {value}")


def _sector_words(name: str) -> str:
    """A sector's name as its words, without case, hyphens or a plural's s: "Video Game" and
    "video-games" say the same, "Diplomatic" and "government" do not."""
    return re.sub(r"[^a-z0-9]+", "", name.lower()).removesuffix("s")


def _software(
    kb: KnowledgeBase, index: int, obs: Observation, value: str, read: bool = False
) -> EvidenceItem:
    """The software item of a name (``read``: given as another kind); an unknown name raises."""
    soft = kb.software_record(value)
    cost = PUBLIC_TOOL_COST if soft.kind == "tool" else None
    # ATT&CK's id beside the name; another source's id is its name again ("tidal:AnyDesk").
    shown = f"software {soft.name} ({soft.id})" if soft.origin == "attack" else f"software {soft.name}"
    return EvidenceItem(index, obs, "software", soft.id, shown, cost, read_from=value if read else None)


def _actor_as_software(kb: KnowledgeBase, value: str) -> None:
    """Raise when a name no program has is an actor's ("software: Fancy Bear"): what was meant is
    most likely a resemblance to that actor's artifacts, which the case says with ``similarity:``."""
    actors = kb.actor_candidates(value)
    if actors:
        actor = actors[0]
        raise UnknownNameError(
            "software",
            value,
            [f"similarity: {actor.name}"],
            f"{value!r} is the name of the actor {actor.name} ({actor.id}), not of a program",
        ) from None


def _as_software(kb: KnowledgeBase, index: int, obs: Observation, value: str) -> EvidenceItem | None:
    """The software item of a name given as another kind, or ``None``."""
    try:
        return _software(kb, index, obs, value, read=True)
    except UnknownNameError:
        return None


def _as_exploit(index: int, obs: Observation, value: str) -> EvidenceItem | None:
    """The CVE item of a vulnerability's name ("EternalBlue" is CVE-2017-0144), or ``None``."""
    cve = exploit_cve(value)
    return None if cve is None else EvidenceItem(index, obs, "cve", cve, cve, read_from=value)


@cache
def _case_terms() -> dict[str, str]:
    """``CASE_TERMS`` with hyphens between words as spaces ("supply-chain attack" is "supply chain
    attack"), as the value looked up is written."""
    from unmask.extract.vocabulary import CASE_TERMS

    return {key.replace("-", " "): tid for key, tid in CASE_TERMS.items()}


_DENIALS = frozenset(("not", "no", "without", "never", "none", "nor", "non"))
_READERS: WeakKeyDictionary[KnowledgeBase, Any] = WeakKeyDictionary()
_WORDS_LIMIT = 200  # longer than a technique's description in a case: not read for one


def techniques_in_words(kb: KnowledgeBase, value: str) -> tuple[list[str], list[str]]:
    """The techniques a value that is no technique's name or id says in words, as the text
    extractor reads a report ("watering hole", "DLL side-loading", "lateral movement over SMB"):
    their ids, and the same as suggestions ("T1189 Drive-by Compromise")."""
    if len(value) > _WORDS_LIMIT:
        return [], []
    from unmask.extract.lexicon import words
    from unmask.extract.text import TextExtractor  # the lexicon costs a moment: only when needed

    said = [w for _, _, w in words(value.lower())]
    if said[:1] and said[0] in _DENIALS:  # "not lateral movement over SMB" says it was not seen
        return [], []
    term = _case_terms().get(" ".join(said).replace("-", " "))
    if term is not None and term in kb.techniques:
        return [term], [f"{term} {kb.techniques[term].name}"]
    reader = _READERS.get(kb)
    if reader is None:
        reader = _READERS[kb] = TextExtractor(kb)
    found = reader.extract_text(value, "case").observations
    ids = list(dict.fromkeys(o.value for o in found if o.kind is ObservationKind.TECHNIQUE))
    ids = [i for i in ids if i in kb.techniques]
    return ids, [f"{i} {kb.techniques[i].name}" for i in ids]


# Indicator types whose form is known: a value not of that form is a mistake, not evidence.
_CHECKED = {
    "ip": "an IPv4 or IPv6 address",
    "domain": "a domain name",
    "url": "a URL (scheme://host/...)",
    "email": "an email address",
    "md5": "an MD5 (32 hex digits)",
    "sha1": "a SHA-1 (40 hex digits)",
    "sha256": "a SHA-256 (64 hex digits)",
    "sha512": "a SHA-512 (128 hex digits)",
    "certificate": "a certificate fingerprint (32, 40 or 64 hex digits)",
    "imphash": "an import hash (32 hex digits)",
    "tlsh": "a TLSH (70 hex digits)",
    "btc": "a Bitcoin address (1…, 3… or bc1… with a valid checksum)",
    "eth": "an Ethereum address (0x and 40 hex digits; in mixed case, its EIP-55 capitals must check)",
    "xmr": "a Monero address (95 characters from 4 or 8, with a valid checksum)",
}


def _not_an_indicator(subtype: str | None, value: str) -> str | None:
    """Why ``value`` is not an indicator of its type, or ``None`` when it is (or the type is free)."""
    if subtype == "asn":
        return None if asn_number(value) else f"{value!r} is not an AS number (AS13335 or 13335)"
    if subtype in _CHECKED and normalise(subtype, value) is None:
        return f"{value!r} is not {_CHECKED[subtype]}"
    return None


def _merged(kept: EvidenceItem, copy: EvidenceItem) -> EvidenceItem:
    """``kept``, which counts for ``copy`` too, remembering ``copy`` when it was read otherwise than
    ``kept`` (it would otherwise vanish from the case without a word: "ntdsutil" beside T1003.003)."""
    copies = (*kept.merged, *copy.merged)
    if copy.read_from is not None and copy.read_from != kept.read_from:
        copies = (*copies, replace(copy, merged=()))
    return replace(kept, merged=copies) if copies != kept.merged else kept


SUGGESTED_MISSES = 200  # unknown names of a case that get close names suggested


def resolve_case(case: Case, kb: KnowledgeBase) -> tuple[list[EvidenceItem], list[Unresolved]]:
    """Resolve every observation; duplicates (same signal and key, phase and host) count once, as
    the copy held with the most confidence."""
    items: list[EvidenceItem] = []
    unresolved: list[Unresolved] = []
    seen: dict[tuple[str, str, str | None, str | None], int] = {}
    disbelieved: list[tuple[int, tuple[str, str, str | None, str | None]]] = []
    suggest = kb.suggest
    for index, obs in enumerate(case.observations):
        # Close names for the first unknown ones; past SUGGESTED_MISSES, the rest are only listed.
        kb.suggest = suggest and len(unresolved) < SUGGESTED_MISSES
        try:
            result = resolve_observation(kb, index, obs)
        finally:
            kb.suggest = suggest
        if isinstance(result, EvidenceItem) and obs.confidence <= 0:
            # Believed by no one: not evidence, and not part of the case's size either (nor listed
            # as unweighed when another copy of the item is weighed).
            disbelieved.append((len(unresolved), (result.signal, result.key, obs.phase, obs.host)))
            result = Unresolved(index, obs, "given confidence 0, so not weighed")
        if isinstance(result, Unresolved):
            unresolved.append(result)
            continue
        key = (result.signal, result.key, obs.phase, obs.host)
        if key not in seen:
            seen[key] = len(items)
            items.append(result)
        elif obs.confidence > items[seen[key]].observation.confidence or (
            obs.confidence == items[seen[key]].observation.confidence
            and items[seen[key]].read_from is not None
            and result.read_from is None
        ):
            # The same item again, held with more confidence, or as sure and written by its name or
            # id where the first was read from something else ("ntdsutil" as T1003.003): that copy
            # counts (in the first's place), whatever the order of the case.
            items[seen[key]] = _merged(result, items[seen[key]])
        else:
            items[seen[key]] = _merged(items[seen[key]], result)
    # ... in any part: a copy at confidence 0 without a host beside one weighed on a host.
    copies = {(signal, key) for signal, key, _, _ in seen}
    weighed = {position for position, key in disbelieved if key[:2] in copies}
    return items, [miss for position, miss in enumerate(unresolved) if position not in weighed]
