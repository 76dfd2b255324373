"""CTI text reports to observations, each with the sentence it came from.

What is extracted, sentence by sentence:

- indicators (ioc-finder, defanged forms included), known-benign ones suppressed with the
  MISP warninglists and reported; cryptocurrency addresses whose checksum holds (Bitcoin, Monero;
  Ethereum beside a word of money or wallets: :mod:`unmask.detect.wallets`);
- ATT&CK techniques by id (``T1003.001``) and by name (``LSASS Memory``,
  ``Spearphishing Attachment``; see :mod:`unmask.extract.lexicon`);
- software and malware by ATT&CK and Malpedia names and aliases;
- CVE ids; victim countries and sectors, only in sentences that speak of targets or victims
  and not of attribution; dates (``July 2022``, ``2022-07-15``).

Actor names are found and reported apart (:attr:`Extraction.actors`) and are **never**
evidence: a report that names its actor must not be attributed by reading the name.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unmask.cases.tlp import strictest
from unmask.detect.indicators import FILE_SUFFIXES, normalise, refang
from unmask.detect.wallets import WALLET_KINDS, find_wallets
from unmask.extract.context import (
    BENIGN,
    DENIED,
    ELSEWHERE,
    LINEAGE,
    UNCONFIRMED,
    continues_list,
    declares_benign,
    denies_those,
    hedged,
    negated,
    not_this_intrusion_spans,
    other_actor_spans,
    why_not,
    why_not_indicator,
)
from unmask.extract.dates import (
    YEARLESS_CONFIDENCE,
    byline,
    in_year_of,
    month_name,
    sentence_dates,
    slash_order,
    undecided_dates,
    unquoted,
    yearless_dates,
)
from unmask.extract.documents import MAX_TEXT_CHARS, read_document
from unmask.extract.lexicon import Lexicon, opens_sentence
from unmask.extract.victims import VICTIM_CUES, read_victims
from unmask.knowledge.countries import place_names
from unmask.knowledge.programs import QUALIFIER_WORDS
from unmask.knowledge.store import KnowledgeBase
from unmask.knowledge.technique_ids import technique_id_spans
from unmask.model import Observation, ObservationKind, Provenance, Tlp

__all__ = ["Extraction", "TextExtractor", "sentences"]

_SENTENCE_END = re.compile(  # and a Markdown table's rows; not after a month's abbreviation ("Feb. 17")
    r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z])"
    r"|(?<=[.!?])(?<!\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.)(?<!\bSept\.)[\"')\]]*\s+(?=[\"'(\[]?[0-9])"
    r"|\n\s*\n|\n(?=\s*[-*•#\d]+[.)]?\s)|\n(?=\s*\|)"
)
# Not \b: an id written against Chinese or Japanese text ("利用CVE-2021-44228漏洞") has no word
# boundary there, the letters on either side being word characters too.
# A sentence of advice opens with what to do ("Prioritize patching ...", "Disable ..."): the
# techniques and tools it names are what to defend against, not what the intrusion held.
_ADVICE = re.compile(
    # (after a label: "Recommendations: patch ...", "Mitigation - Apply ...")
    r"^\W{0,3}(?:(?:recommendations?|mitigations?|remediation|recommended\s+actions?|actions?\s+to\s+take"
    r"|advice|guidance)\s*[:\-\u2013\u2014]\s*)?"
    r"(?:prioriti[sz]e|patch|update|upgrade|ensure|implement|enforce|enable|disable|restrict|limit"
    r"|monitor|review|audit|apply|consider|require|block|deploy|configure|harden|segment|educate|train"
    r"|maintain|adopt|avoid|remove|rotate|reset|alert|detect|hunt|investigate|watch|baseline|inventory|install"
    r"|allowlist|whitelist|isolate)\s"
    # or advice given to someone ("Organizations should monitor for ...", "We recommend that
    # defenders hunt for ...", "To detect Mimikatz, enable ...")
    r"|\b(?:organi[sz]ations|defenders|administrators|admins|users|customers|network\s+owners|entities|you)"
    r"\s+(?:should|must|can|are\s+(?:encouraged|advised|urged))\b|\bwe\s+(?:recommend|advise|urge|encourage)\b"
    r"|^\W{0,3}to\s+(?:detect|prevent|mitigate|protect|defend|hunt|identify|block)\b",
    re.IGNORECASE,
)
# ... unless it tells what happened ("Patch management was lacking, and the actors used ...",
# "Review of the logs showed", "Update 2 March: the actors also deployed ...").
_NARRATIVE = re.compile(
    r"\b(?:was|were|had|did|showed|shows|show|revealed)\b"
    r"|\b(?:the\s+)?(?:actors?|attackers?|adversar(?:y|ies)|intruders?|operators?|they|it)\s+(?:also\s+|then\s+)?"
    r"(?:\w+ed|ran|used|had|have)\b",
    re.IGNORECASE,
)
# That a recommendation's CVE was exploited in the intrusion it is about.
_EXPLOITED = re.compile(
    r"\b(?:exploit(?:ed|ing|s)?|abused|leveraged|used\s+to\s+gain|initial\s+access)\b(?!\s+vulnerabilit)",
    re.I,
)
# How often a long report's reading says how far it is.
PROGRESS_SENTENCES = 2000
Progress = Callable[[str, int, int], None]


def _overruled(sentence: str, mentions: list[tuple[int, str, str, str, float]]) -> dict[int, str]:
    """Where a technique's name or phrase is overruled by the id written just after it (at most
    three words on, before a bracket: "an SSH reverse tunnel (T1572)"): start -> that id.  The id
    belongs to the nearest name before it; a parent id refines its sub-technique's name, and
    overrules nothing."""
    named = [(at, m, ident) for at, m, category, ident, _ in mentions if category in ("technique", "phrase")]
    found: dict[int, str] = {}
    for id_at, written, _, cited, _ in mentions:
        if not _TECHNIQUE_ID.fullmatch(written.strip()):
            continue
        before = [n for n in named if n[0] + len(n[1]) <= id_at and not _TECHNIQUE_ID.fullmatch(n[1].strip())]
        if not before:
            continue
        at, matched, ident = max(before, key=lambda n: n[0] + len(n[1]))
        if not _ATTACHED.fullmatch(sentence[at + len(matched) : id_at]):
            continue
        if ident != cited and ident.split(".")[0] != cited:  # not the id itself, nor its parent
            found[at] = cited
    return found


# Between a name and the id that says which technique it is: up to three words (none that starts
# another object or clause: "a scheduled task and a service (T1543.003)") and a bracket.
_ATTACHED = re.compile(
    r"(?:\s+(?!(?:and|or|to|with|via|using|from|for|into|through|on|in|of|by|then|as|while|which|that|"
    r"but|nor|after|before|onto)\b)[\w/-]+){0,3}\s*[(\[]\s*",
    re.IGNORECASE,
)
# A technique written as its id (T1021.001, T1003-001, Ｔ１００３), not by name or phrase.
_TECHNIQUE_ID = re.compile(r"[TＴ][\d０-９]{4}(?:[.\-][\d０-９]{3})?", re.IGNORECASE)
# What a document's title line calls it: a date on that line is the document's own.
_DOCUMENT = re.compile(
    r"\b(?:advisory|advisories|reports?|bulletins?|alerts?|flash|notices?|briefings?|brief|memo|updates?"
    r"|TLP\s*:)(?!\w)",
    re.IGNORECASE,
)
# A heading, not a sentence: a few words, no full stop at its end.
_HEADING_WORDS = 15
# What the exploited vulnerability was in: a server open to the internet (Exploit Public-Facing
# Application, T1190).
_FACING = re.compile(
    r"\b(?:internet|public)[- ]facing\b|\bexposed\s+to\s+the\s+internet\b|\binternet[- ]exposed\b", re.I
)
# Between a program's name and a module of it written as its file is ("Impacket psexec",
# "Impacket's secretsdump"): nothing but the possessive.
_PART_GAP = re.compile(r"^(?:'s|’s)?\s+$")
# A heading line: a few capitalised words on a line of their own, no full stop ("## Earlier
# activity", "4. Mitigations", "Historical Activity:").
_HEADING_LINE = re.compile(
    r"^[ \t]{0,3}(#{1,6}[ \t]*|\*\*|(?:\d+(?:\.\d+)*\.?|[IVX]+\.)[ \t]+)?"
    # (a Chinese report's numbering: "## 五、Protection suggestion")
    r"(?:[一二三四五六七八九十]+[、．.][ \t]*)?([A-Z][^\n.!|]{0,80}?)(?:\*\*)?[ \t]*:?[ \t]*$",
    re.MULTILINE,
)
# A section about the actor's past, by a heading that says only that ("Earlier activity",
# "Previous campaigns", "Historical activity", "Actor history"): nothing in it is this intrusion's.
_HISTORY_SECTION = re.compile(
    r"^(?:the\s+)?(?:(?:actor|group)(?:'s|’s)?\s+)?(?:earlier|previous|prior|past|historical|historic|older)\s+"
    r"(?:\w+\s+)?(?:activity|activities|campaigns?|operations?|attacks?|intrusions?|incidents?|targeting|reporting)"
    r"(?:\s+(?:of|by|from)\s+(?!this\b)[\w'’ -]{1,40})?$"
    r"|^(?:the\s+)?(?:(?:actor|group)(?:'s|’s)?\s+)?history(?:\s+of\s+the\s+(?:actor|group))?$",
    re.IGNORECASE,
)
# A section of what to do: what it names is advice, not what was done.
_ADVICE_SECTION = re.compile(
    r"^(?:(?:detection\s+and\s+)?(?:mitigations?|recommendations?)|recommended\s+(?:actions|mitigations)"
    r"|(?:protection|security|defen[cs]e|mitigation)\s+(?:suggestions?|recommendations?|advice)|suggestions?"
    r"|what\s+(?:to|you\s+should)\s+do)\b",
    re.IGNORECASE,
)
# A section that is not about the intrusion at all: the report's sources, its revisions, whom to
# contact, who wrote it ("References", "Revision history", "Contact information", "About the authors").
_APART_SECTION = re.compile(
    r"^(?:references?|sources|(?:further|related|recommended|more|additional|suggested)\s+reading"
    r"|related\s+(?:articles?|posts?|stories|content|research|blogs?|links|reports?)|read\s+more|see\s+also"
    r"|bibliography|(?:external\s+)?links|citations|endnotes"
    r"|acknowledge?ments?|revisions?(?:\s+history)?|revision\s+log|document\s+history|change\s*log|version\s+history"
    r"|contacts?(?:\s+(?:information|details|us))?|how\s+to\s+report\b.*|reporting(?:\s+\w+){0,3}"
    r"|about\s+(?:the\s+)?(?:authors?|us|this\s+(?:report|advisory|bulletin|document))"
    r"|disclaimer|terms\s+of\s+use)$",
    re.IGNORECASE,
)
_SECTION_WORDS = 8


def _sections(text: str) -> list[tuple[int, str, str]]:
    """(offset, kind, heading) where each section of ``text`` whose heading says what it is
    begins: ``history`` (the actor's earlier activity), ``advice`` (mitigations), ``apart`` (no
    part of the intrusion: references, revisions, contacts) or ``other``.

    A heading is a Markdown heading, a bold or numbered line, or a short line with a blank line (or
    the text's edge) before and after it (a hard-wrapped line of prose is none). A history or apart
    section runs to the next heading of its level or above (its own subheadings stay in it); in an
    apart section a numbered line is an entry of its list ("1. Sophos, Akira ransomware")."""
    found: list[tuple[int, str, str]] = []
    history_level: int | None = None
    apart = False
    for match in _HEADING_LINE.finditer(text):
        marker, title = match.group(1) or "", match.group(2).strip().rstrip("?").strip()
        if not title or len(title.split()) > _SECTION_WORDS:
            continue
        if apart and marker.strip() and not marker.lstrip().startswith(("#", "**")):
            continue  # a numbered entry of the list of references
        words = title.split()
        if (
            match.group(0).rstrip().endswith(":")
            and len(words) > 4
            and sum(w[:1].isupper() for w in words) * 2 < len(words)
        ):
            continue  # "CERT-LT is recommending to the institutions:" opens a list of its section
        if not marker:
            before = text[: match.start()].rstrip(" \t")
            after = text[match.end() :].lstrip(" \t")
            if not (
                before == ""
                or before.endswith("\n\n")
                or (before.endswith("\n") and before[:-1].rstrip(" \t").endswith("\n"))
            ):
                continue
            if not (
                after == ""
                or after.startswith("\n\n")
                or (after.startswith("\n") and after[1:].lstrip(" \t").startswith("\n"))
            ):
                continue
        level = marker.count("#") or 7  # a line not marked as a Markdown heading: below every level
        if history_level is not None and level > history_level:
            continue  # a subheading of the history section
        kind = (
            "history"
            if _HISTORY_SECTION.match(title)
            else "advice"
            if _ADVICE_SECTION.match(title)
            else "apart"
            if _APART_SECTION.match(title)
            else "other"
        )
        history_level = level if kind in ("history", "apart") else None
        apart = kind == "apart"
        found.append((match.start(), kind, title))
    return found


# Whom to write to, just before an address: "contact CISA's 24/7 Operations Center at", "report
# incidents to the NCSC at", "please inform CERT-LT by email", "e-mail us at". The verb opens
# its clause or follows "please", "should", "encouraged to", and whom to write is named between
# it and the address (the implant "contacted" its server, "used the account to contact victims",
# a ransom note's "Contact akira.support@…", "contact the operators at …" and "Email: x@…" in a
# list of indicators are the actor's).
_CONTACT_BEFORE = re.compile(
    r"(?:^|[.;:!?,]\s+|\b(?i:please|should|can|may|and|or|(?:encouraged|asked|urged|invited)\s+to)\s+)"
    r"(?i:contact|inform|notify|e-?mail\s+us|write\s+to"
    r"|reach\s+out\s+to|report\s+(?:[\w'’-]+\s+){0,5}?to)(?:\s+(?!(?i:its\b|their\b|them\b|(?:the\s+)?(?:c2|server|attacker|actor|operator|gang|group|affiliate|criminal"
    r"|ransom|threat)))[\w'’/.&-]+){1,6}?\s*(?i:at|via|on|by\s+e-?mail(?:ing)?|by\s+phone|through|using|:)?\s*[<(\[]?$"
)
# What a lure said, or an address the actors own: "the phishing e-mail said employees should contact
# the IT help desk at it-support-portal[.]net, a domain the actors registered".
_LURE_SAYS = re.compile(
    r"\b(?:e-?mails?|messages?|lures?|notes?|letters?|texts?|sms|pages?|sites?|pop-?ups?|ransom\s+notes?)\s+"
    r"(?:said|says|asked|asks|told|tells|instructed|instructs|urged|urges|claimed|claims|read|reads)\b"
    r"|\b(?:actors?|attackers?|operators?|intruders?)\s+(?:had\s+)?(?:registered|controlled|operated|owned|set\s+up)\b",
    re.IGNORECASE,
)
# The line under a Markdown table's header row ("|---|:---:|").
_TABLE_RULE = re.compile(r"[ \t]*(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*(?:\|[ \t]*)?")
# An indicator the report itself doubts ("possibly", "low confidence"), as a day without its year.
HEDGED_CONFIDENCE = 0.4
# An item of a list, or a table's row.
_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])\s|^\s*\|")
# A web page's tag and navigation lines name topics, not what the intrusion held ("Tags: Iran,
# wiper, Emotet").
_BOILERPLATE = re.compile(
    r"^\W{0,3}(?:tags?|categories|category|filed under|topics?|keywords|related (?:posts?|articles?|reading)"
    r"|read more|see also|share(?: this)?(?: on)?)\s*:",
    re.IGNORECASE,
)
# "version 2.10.4.1", "firmware 7.2.5.1", "build 10.0.19041.1": a number, not an address.
_VERSION_BEFORE = re.compile(
    r"(?:(?i:\b(?:versions?|ver|v|firmware|build|release|update|patch)\s*\.?|\b(?:prior\s+to"
    r"|up\s+to|earlier\s+than|later\s+than|older\s+than|newer\s+than))"
    # a system's name: FortiOS, PAN-OS, IOS XE, JunOS
    r"|\b[A-Za-z-]*OS(?:\s+XE)?"
    # a list of versions: "versions 6.0.1 and 6.1.12.4" (a number of two or three parts before it,
    # not an address, and a word for versions before that)
    r"|(?i:\b(?:versions?|releases?|builds?|firmware)\b)[^.;:]{0,60}?(?<![\d.])\d+(?:\.\d+){1,2}(?![\d.])"
    r"\s*(?:,|and|or|-))\s*$",
)
# A product's version in a user agent: "Chrome/124.0.0.0", "Python/3.11.8" (only in a sentence that
# speaks of one: "TCP/45.77.10.2" and "Vultr/45.77.10.2" are addresses).
_PRODUCT_BEFORE = re.compile(r"(?<![\w/.:@-])[A-Za-z][\w-]{0,40}/$")
# "6.1.12.4 and earlier", "7.0.1 or later": a version's range, not an address.
_VERSION_AFTER = re.compile(
    r"^\s*(?:and|or)\s+(?:earlier|later|above|below|prior|newer|older)\s*(?:[.,;:)]|$)", re.IGNORECASE
)
# A Microsoft Graph or API permission named like a domain ("Mail.Read", "Files.Read.All",
# "Directory.ReadWrite.All": .read is a top-level domain).
_PERMISSION = re.compile(
    r"(?<![\w.-])[A-Z][A-Za-z]+(?:\.[A-Z][A-Za-z]+){0,2}\.(?:Read|ReadWrite|ReadBasic|Write|Send|Manage|Create"
    r"|AccessAsUser|FullControl)(?:\.[A-Z][A-Za-z]+){0,2}(?![\w-]|\.\w)"
)
# An Android or iOS app's package id, a domain reversed ("com.kashmirvoice.news"): a first label
# that is a top-level domain of the ones package ids begin with, in a sentence about an app (not
# "app.", "io." or "cdn.": host names a mobile implant's C2 has).
_PACKAGE_HEAD = re.compile(r"^(?:com|org|net)\.[\w-]+\.")
_APP_CUE = re.compile(
    r"\b(?:package|apks?|app|apps|application\s+id|bundle\s+id|android|ios|play\s+store)\b", re.I
)
# A product's token in a user agent ("Python/3.11.8"): the client's name, not what ran.
_USER_AGENT_TOKEN = re.compile(r"^/\d+(?:\.\d+)+")
_USER_AGENT = re.compile(r"\buser[- ]?agents?\b|\bUA\b|Mozilla/\d", re.I)
# Whom a report's reader may write ("For the threat intelligence please contact ti@vendor.example"):
# a request about the report, not a ransom note's "for the decryption key contact us".
_FOR_CONTACT = re.compile(
    r"(?:^|[.;!?]\s+)\W{0,3}for\s+(?:(?!decrypt|key|files?\b|data\b|payment|price|negotiat|recover|restor"
    r"|proof|test)[^.;:!?@]){1,80}?,?\s+(?:please\s+)?(?:contact|e-?mail|write\s+to|reach\s+out\s+to)\s*"
    r"(?:us\s+)?(?:at\s+|via\s+|:\s*)?[<(\[]?$",
    re.IGNORECASE,
)
_CVE = re.compile(r"(?<![A-Za-z0-9])CVE-\d{4}-\d{4,7}(?![0-9])", re.IGNORECASE)
# What names an account, just before a name: the name is a user's, not software's.
_ACCOUNT_BEFORE = re.compile(
    r"\b(?:account|user(?:name)?|login|logon)\s+(?:(?:named|called)\s+)?[\"'“‘`]?$", re.IGNORECASE
)


def _place(sentence: str, at: int, end: int, matched: str) -> bool:
    """Whether the program name ``matched`` at ``at`` names a place: after "based in" or "the city
    of"; or after "in", "near" and the like when it is a country's or a region's name ("in Cuba")
    or is written with its region or country after a comma ("in Royal Oak, Michigan"). A kind of
    program after it keeps the program ("in Cuba ransomware attacks")."""
    before = sentence[:at]
    if not matched[:1].isupper() or not _LOCATIVE_BEFORE.search(before):
        return False
    after = _NEXT_WORD.match(sentence[end:])
    if after and after.group(1).lower() in QUALIFIER_WORDS:
        return False
    if _PLACE_ONLY_BEFORE.search(before) or matched.lower() in place_names():
        return True
    region = _WITH_REGION.match(sentence[end:])
    return region is not None and region.group(1).lower() in place_names()


def _english(word: str) -> bool:
    """Whether a lower-case word, or the singular of a plural, is an English word."""
    from unmask.extract.lexicon import english_words

    known = english_words()
    return word in known or (word.endswith("s") and (word[:-1] in known or word[:-2] in known))


# A capitalised word right after a one-word program name (a name that goes on).
_NAME_GOES_ON = re.compile(r"^[ \t]+([A-Z][a-z]+)\b")
_NEXT_WORD = re.compile(r"^[ \t]+([A-Za-z]+)\b")
# A capitalised word right before a program name ("Daniela Cuba").
_NAME_BEFORE = re.compile(r"\b([A-Z][a-z]+)[ \t]+$")
# What says a name in a title-like line is a person's ("Posted by ...", "the victim's CISO, ...").
_PERSON_CUE = re.compile(
    r"\b(?:(?i:by|thanks\s+to|credits?|authors?|analyst|researcher|engineer|employee|spokesperson)"
    r"|CISO|CEO|CTO|CIO|Mr|Ms|Mrs|Dr)\b"
)


def _person_cue_before(sentence: str, at: int) -> bool:
    """Whether a word that says whose names follow (a byline's "by", "Thanks to", "CISO,") comes
    right before ``at``, with only other names, commas and "and" between ("by Milan Horvat and")."""
    cues = list(_PERSON_CUE.finditer(sentence[:at]))
    if not cues:
        return False
    between = sentence[cues[-1].end() : at]
    return (
        len(between) <= 40 and re.fullmatch(r"[\s,:]*(?:(?:[A-Z][a-z]+|and|&)[\s,]*)*", between) is not None
    )


# What says a one-word name right before it is a person's: "Kevin from the SOC", "Kevin, our
# network administrator,", "Kevin (incident responder)".
_ROLE = (
    r"(?:analyst|engineer|administrator|admin|manager|lead|officer|researcher|director|consultant|"
    r"responder|investigator|technician|architect|CISO|CIO|CTO|CEO|colleague|intern)s?"
)
_PERSON_AFTER = re.compile(
    r"^(?:[ \t]+from[ \t]+(?:the|our|their)[ \t]+(?:[\w-]+[ \t]+){0,2}"
    r"(?:SOC|team|department|desk|help[ \t]?desk|CERT|CSIRT|office|unit|staff)\b"
    rf"|,[ \t]+(?:our|the|their|a|an|its)[ \t]+(?:(?!of\b)[\w-]+[ \t]+){{0,3}}{_ROLE}\b"
    rf"|[ \t]+\((?:(?!of\b)[\w-]+[ \t]+){{0,3}}{_ROLE}\))"
)


# Before a place's name: "a hospital in Royal Oak, Michigan", "a second team in Cuba".
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|near|outside|across|throughout|(?:city|town|province|region|state|capital) of)\s+$",
    re.IGNORECASE,
)
# What only a place follows: "based in Milan", "headquartered in", "the city of".
_PLACE_ONLY_BEFORE = re.compile(
    r"\b(?:(?:based|located|headquartered|residing|situated)\s+(?:in|near|outside)|(?:city|town|capital) of)\s+$",
    re.IGNORECASE,
)
# A place written with its region or country after a comma: "Royal Oak, Michigan", "Milan, Italy".
_WITH_REGION = re.compile(r"^(?:[ \t]+[A-Z][a-z]+){0,2},[ \t]+([A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)\b")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]*")
_IOC_KINDS = {
    "ipv4s": ("ip", ObservationKind.INFRASTRUCTURE),
    "ipv6s": ("ip", ObservationKind.INFRASTRUCTURE),
    "domains": ("domain", ObservationKind.INFRASTRUCTURE),
    "urls": ("url", ObservationKind.INFRASTRUCTURE),
    "email_addresses": ("email", ObservationKind.INFRASTRUCTURE),
    "md5s": ("md5", ObservationKind.FILE),
    "sha1s": ("sha1", ObservationKind.FILE),
    "sha256s": ("sha256", ObservationKind.FILE),
    "sha512s": ("sha512", ObservationKind.FILE),
    "asns": ("asn", ObservationKind.INFRASTRUCTURE),
    "btc_addresses": ("btc", ObservationKind.INFRASTRUCTURE),
    "eth_addresses": ("eth", ObservationKind.INFRASTRUCTURE),
    "xmr_addresses": ("xmr", ObservationKind.INFRASTRUCTURE),
}
# What an Ethereum address (0x and 40 hex digits, which a SHA-1 is too) is read beside: a word of
# money, wallets or the ransom ("send 2 ETH to 0x…", "the wallet 0x…").
_WALLET_CUE = re.compile(
    r"\b(?:wallets?|ethereum|eth|ether|usdt|usdc|tether|erc-?20|crypto(?:currency|currencies)?|coins?"
    r"|ransom|pay(?:s|ment|ments|ing)?|paid|address(?:es)?|send|transfer(?:red)?|deposit(?:ed)?)\b",
    re.IGNORECASE,
)


def _with_wallets(sentence: str, found: dict[str, Any]) -> dict[str, Any]:
    """ioc-finder's indicators of a sentence and its cryptocurrency addresses (``<kind>_addresses``);
    an Ethereum address only beside a word of money or wallets, and then no SHA-1 too."""
    wallets = [(kind, raw) for kind, raw, _ in find_wallets(sentence)]
    if any(kind == "eth" for kind, _ in wallets) and not _WALLET_CUE.search(sentence):
        wallets = [(kind, raw) for kind, raw in wallets if kind != "eth"]
    if not wallets:
        return found
    found = dict(found)
    for kind in WALLET_KINDS:
        found[f"{kind}_addresses"] = [raw for k, raw in wallets if k == kind]
    digits = {raw[2:].lower() for kind, raw in wallets if kind == "eth"}
    found["sha1s"] = [h for h in found.get("sha1s", []) or [] if str(h).lower() not in digits]
    return found


# File extensions that are also top-level domains (Moldova, Somalia, Poland...): such a name is a
# domain only when the report defanged it ("evil[.]so"); written plainly it is a file name
# ("libcrypt.so", "README.md", "backdoor.pl").
_FILE_OR_DOMAIN = (".md", ".so", ".pl", ".rs", ".cc", ".app", ".in", ".ms", ".py", ".sh", ".go", ".rb")
_DOT_WORD = re.compile(r"-dot-", re.IGNORECASE)
# A report's Traffic Light Protocol label ("TLP:RED", "TLP: AMBER+STRICT"; TLP 1.0's WHITE is CLEAR).
_TLP = re.compile(
    r"(?<![A-Za-z0-9])(?:TLP|Traffic Light Protocol) ?[:：_ -] ?(CLEAR|WHITE|GREEN|AMBER ?\+ ?STRICT|AMBER|RED)"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def tlp_label(text: str) -> Tlp | None:
    """The most restrictive TLP label the text carries, if any."""
    return strictest(Tlp.parse(m.group(1)) for m in _TLP.finditer(text))


_TITLE_MAX = 150


def title_line(text: str) -> str | None:
    """A report's title: its first line that holds words, when it reads as one (short, no full
    stop at its end, not the TLP marking, not a table's row)."""
    for line in text.splitlines()[:20]:
        line = line.strip().strip("#").strip()
        if not line or (tlp_label(line) is not None and len(line) < 30):
            continue
        if (
            len(line) <= _TITLE_MAX
            and not line.endswith((".", ":", ";", ","))
            and re.search(r"[A-Za-z]{3}", line)
            and not line.startswith("|")  # a table's row
        ):
            return line
        return None
    return None


def sentences(text: str) -> Iterator[tuple[int, str]]:
    """(offset, sentence) for each sentence of ``text`` (paragraph breaks and list items end one;
    an old Mac's carriage return is a line break; a "sentence" of more than ``LONG_SENTENCE``
    characters, an appendix of one indicator per line, is cut at its line breaks)."""
    text = text.replace("\r\n", " \n").replace("\r", "\n")  # same length: offsets stay the file's
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        stop = match.start() if match else len(text)
        chunk = text[start:stop]
        pieces = [(start, chunk)]
        if len(chunk) > LONG_SENTENCE and "\n" in chunk:
            pieces, at = [], start
            for line in chunk.split("\n"):
                pieces.append((at, line))
                at += len(line) + 1
        for offset, part in (cut for first, line in pieces for cut in _cut_long(first, line)):
            if part.strip():
                lead = len(part) - len(part.lstrip())
                yield offset + lead, " ".join(part.split())
        if match:
            start = match.end()


def _cut_long(at: int, piece: str) -> Iterator[tuple[int, str]]:
    """A piece of more than ``LONG_SENTENCE`` characters (a list of thousands of indicators on
    one line) in pieces of about that size, each cut after a comma, semicolon or space: what a
    sentence says stays within its words, and the work stays linear in the text."""
    while len(piece) > LONG_SENTENCE:
        cut = max(piece.rfind(sep, 0, LONG_SENTENCE) for sep in (", ", "; ", " "))
        cut = cut + 1 if cut > 0 else LONG_SENTENCE
        yield at, piece[:cut]
        at, piece = at + cut, piece[cut:]
    yield at, piece


LONG_SENTENCE = 1_000


SENTENCE_CHARS = 400  # of a sentence kept as an observation's provenance


def _excerpt(sentence: str, value: str) -> str:
    """The sentence, or in a long one the part around the value when the start does not hold it."""
    if len(sentence) <= SENTENCE_CHARS:
        return sentence
    at = sentence.lower().find(value.lower())
    if at < 0 or at + len(value) <= SENTENCE_CHARS:
        return sentence[:SENTENCE_CHARS]
    start = max(0, at - SENTENCE_CHARS // 2)
    return "…" + sentence[start : start + SENTENCE_CHARS - 1]


def _as_written(sentence: str, value: str) -> str | None:
    """``value`` as the sentence (refanged) writes it when some of its dots are "-dot-" there."""
    pattern = re.escape(value).replace(r"\.", r"(?:\.|-dot-)")
    found = re.search(pattern, refang(sentence), re.IGNORECASE)
    return found.group(0) if found else None


def _cut_short(text: str, raw: str) -> bool:
    """Whether a value found in a sentence (``text``: refanged, lower case) is the tail of a longer
    word: an internationalised name, or one with an invisible character (a zero-width space)
    inside that hides its start."""
    at = text.find(raw.lower())
    if at <= 0:
        return False
    before = text[at - 1]
    if unicodedata.category(before) in ("Cf", "Mn"):  # invisible, or a mark on the letter before
        return True
    return before.isdigit() if raw[:1].isdigit() else before.isalnum() or before in "-_"


_FILE_TAIL = re.compile(
    r"(?:\.[a-z0-9_-]+)*\.(?:plist|json|xml|ya?ml|txt|log|conf|cfg|ini|dat|bin|db|sqlite|exe|dll|sys|so|sh"
    r"|py|js|jar|apk|dylib|app|pkg|dmg|lnk|bat|ps1|vbs|hta|zip|rar|7z|tar|gz|iso|img|docx?|xlsx?|pdf)\b"
)


def _file_name_head(text: str, raw: str) -> bool:
    """Whether a domain found in a sentence (``text``: refanged, lower case) runs on into a file
    name ("com.apple" of "com.apple.sysupdate.plist", a macOS launch agent)."""
    at = text.find(raw.lower())
    return at >= 0 and _FILE_TAIL.match(text, at + len(raw)) is not None


def _in_path(text: str, raw: str) -> bool:
    """Whether every mention of a domain in a sentence (``text``: refanged, lower case) is a
    folder of a file path ("/var/run/secrets/kubernetes.io/serviceaccount/token"), not a host: a
    slash or backslash before it that does not end a URL's "//"."""
    name = raw.lower()
    found = [m.start() for m in re.finditer(re.escape(name), text)]
    return bool(found) and all(
        at > 0 and text[at - 1] in "/\\" and text[max(0, at - 2) : at] != "//" for at in found
    )


def _in_email(text: str, raw: str) -> bool:
    """Whether every mention of a domain in a sentence (``text``: refanged, lower case) is the
    name before an e-mail address's "@" ("akira.support@onionmail.org" holds no domain
    akira.support; its mail domain stays one: an actor's own is worth blocking)."""
    name = raw.lower()
    found = [m.start() for m in re.finditer(re.escape(name), text)]
    return bool(found) and all(text[at + len(name) : at + len(name) + 1] == "@" for at in found)


_WHY_NOT = {
    DENIED: 'is denied in its sentence ("not ...")',
    UNCONFIRMED: 'is not confirmed in its sentence ("cannot confirm whether ...")',
    LINEAGE: 'names a family the software descends from ("successor to ...")',
    BENIGN: 'is said to be harmless or the victim\'s own ("not malicious", "should not be blocked", "used by the IT team")',
    ELSEWHERE: (
        'is said of other events, victims or actors ("in the past", "in its 2022 campaign", "at other '
        'organizations", "another affiliate")'
    ),
}


def _not_taken_note(source: str, offset: int, mention: str, why: str) -> str:
    reason = _WHY_NOT.get(why) or (
        f"is said of {why} (a comparison, a denial of attribution or its known habits), not of this intrusion"
    )
    return f"{source}: offset {offset}: {mention!r} {reason}; not taken as evidence"


def _ioc_context(
    sentence: str, lowered: str, refanged: str, raw: str, others: list[tuple[int, int, str]]
) -> str | None:
    """Why an indicator of the sentence is not this intrusion's (denied, unconfirmed or said of
    other events, by words about it: :func:`why_not_indicator`; or said of another actor), or
    None when any mention of it is this intrusion's. Found as written, or in the refanged sentence,
    as a whole value ("198.51.100.1" is not the start of "198.51.100.10")."""
    whole = re.compile(rf"(?<![\w.@-]){re.escape(raw)}(?![\w@-]|\.\w)")
    written = [m.start() for m in whole.finditer(lowered)]
    text, found = (
        (sentence, written) if written else (refanged, [m.start() for m in whole.finditer(refanged)])
    )
    reasons = []
    for at in found:
        why = why_not_indicator(text, at, at + len(raw))
        if why is None and written:
            why = next((name for first, last, name in others if first <= at < last), None)
        if why is None:
            return None
        reasons.append(why)
    return reasons[0] if reasons else None


def _with_next(parts: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str, str]]:
    """Each (offset, sentence) with the sentence after it ("" after the last)."""
    previous: tuple[int, str] | None = None
    for part in parts:
        if previous is not None:
            yield (*previous, part[1])
        previous = part
    if previous is not None:
        yield (*previous, "")


def _table_rule_after(text: str, line_end: int) -> bool:
    """Whether the line after ``line_end`` is the rule under a Markdown table's header row (read
    alone, and at most its first 400 characters: a line of blanks is no rule, and costs nothing)."""
    end = text.find("\n", line_end + 1)
    line = text[line_end + 1 : end if end >= 0 else len(text)]
    return len(line) <= 400 and _TABLE_RULE.fullmatch(line) is not None


# Mail services that hide who writes (Tor's, cock.li's, Proton's): where a ransom note says to write
# ("Or write to email: medusa.support.team@onionmail.org"), the actors' address; no authority, no
# vendor and no victim asks to be written to there.
_HIDDEN_MAIL = (
    "onionmail.org", "onionmail.com", "cock.li", "airmail.cc", "firemail.cc", "tutanota.com", "tutanota.de",
    "tuta.io", "tuta.com", "protonmail.com", "protonmail.ch", "proton.me", "pm.me", "mail2tor.com",
    "dnmx.org", "dnmx.su", "secmail.pro", "keemail.me", "msgsafe.io", "mailfence.com", "gmx.com", "xmpp.jp",
)  # fmt: skip


def _contact_address(refanged: str, raw: str) -> bool:
    """Whether the sentence (``refanged``, lower case) gives the indicator ``raw`` as where to
    report or write (:data:`_CONTACT_BEFORE`, in the 120 characters before its first mention); an
    address at a mail service that hides who writes (``_HIDDEN_MAIL``) is the actors'."""
    at = refanged.find(raw)
    host = raw.rpartition("@")[2]
    if at < 0 or _LURE_SAYS.search(refanged) or host.endswith(_HIDDEN_MAIL):
        return False
    while at > 0 and not refanged[at - 1].isspace() and refanged[at - 1] not in "<([\"'":
        at -= 1  # to the start of what holds it: "report@cisa.gov" for cisa.gov, a URL for its host
    before = refanged[max(0, at - 120) : at]
    return _CONTACT_BEFORE.search(before) is not None or _FOR_CONTACT.search(before) is not None


def _only_in(sentence: str, raw: str, holder: re.Pattern[str]) -> bool:
    """Whether every mention of ``raw`` in the sentence is inside a match of ``holder``."""
    spans = [m.span() for m in holder.finditer(sentence)]
    found = [m.start() for m in re.finditer(re.escape(raw), sentence, re.IGNORECASE)]
    return bool(found) and all(any(a <= at < b for a, b in spans) for at in found)


def _quoted_url(raw: str) -> str:
    """A URL found in prose or code without the quote and brackets of the code it was quoted in
    ("urlopen('https://x.example/u').read()")."""
    text = re.split(r"[\"`]|'(?=[)\].,;\s]|$)", raw, maxsplit=1)[0].rstrip(".,;:!?")
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip(".,;:!?")
    return text


def _written(matched: str, at: int, sentence: str) -> str:
    """An actor's name as the sentence writes it."""
    if matched.count("(") > matched.count(")") and sentence[at + len(matched) :].startswith(")"):
        matched += ")"  # "NoName057(16)": the word ended before its bracket
    return matched


def _actor_named(actor: str, ident: str, matched: str, offset: int, sentence: str) -> dict[str, Any]:
    """An actor the report names (reported apart, never evidence): its name as first written, the
    knowledge base's name for it (``actor``) and every name the report gives it (``names``)."""
    return {
        "id": ident,
        "name": matched,
        "actor": actor,
        "names": [matched],
        "offset": offset,
        "sentence": _excerpt(sentence, matched),
    }


@dataclass
class Extraction:
    """What one or more reports yielded."""

    observations: list[Observation] = field(default_factory=list)
    actors: list[dict[str, Any]] = field(default_factory=list)  # reported, never evidence
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    tlp: Tlp | None = None  # the most restrictive label the reports carry
    title: str | None = None  # the report's own title line, when it has one
    notes: list[str] = field(default_factory=list)  # what the case should keep said (not problems)

    def extend(self, other: Extraction) -> None:
        if other.tlp is not None and (self.tlp is None or other.tlp.rank > self.tlp.rank):
            self.tlp = other.tlp
        self.observations += other.observations
        self.actors += other.actors
        self.suppressed += other.suppressed
        self.problems += other.problems
        self.notes += other.notes
        self.evidence.update(other.evidence)


class TextExtractor:
    """Extracts observations from report text against one knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        benign: Any = None,
        phrases: dict[str, str] | None = None,
        max_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        self.kb = kb
        self.lexicon = Lexicon.from_kb(kb, phrases)
        self.benign = benign
        self.max_chars = max_chars

    def extract_file(self, path: Path, progress: Progress | None = None) -> Extraction:
        document = read_document(path, self.max_chars)
        result = self.extract_text(document.text, str(path), document.sha256, progress)
        result.problems = document.problems + result.problems
        if document.cut is not None:  # the case keeps it too: what was not read was not looked at
            result.notes.insert(0, document.cut)
        result.evidence[str(path)] = document.sha256
        return result

    def extract_text(
        self, text: str, source: str, sha256: str | None = None, progress: Progress | None = None
    ) -> Extraction:
        """Observations of a report's text; ``progress(stage, characters read, all)`` is told
        every few thousand sentences."""
        from ioc_finder import find_iocs

        result = Extraction(tlp=tlp_label(text), title=title_line(text))
        seen: dict[tuple[str, str], int] = {}

        def add(
            kind: ObservationKind,
            value: str,
            subtype: str | None,
            offset: int,
            sentence: str,
            confidence: float,
        ) -> None:
            observation = Observation(
                kind=kind,
                value=value,
                subtype=subtype,
                confidence=confidence,
                provenance=Provenance(
                    source=source, sha256=sha256, offset=offset, text=_excerpt(sentence, value)
                ),
            )
            key = (kind.value + (subtype or ""), value)
            if key not in seen:
                seen[key] = len(result.observations)
                result.observations.append(observation)
            elif confidence > result.observations[seen[key]].confidence:
                # Named by its id in the mapping table after a looser phrase: the surest mention wins.
                result.observations[seen[key]] = observation

        actors_seen: dict[str, int] = {}  # an actor's id: its place in result.actors
        stage = f"reading {Path(source).name} (characters)"
        # The document's first line, when it names the document ("Partner advisory (TLP:AMBER) -
        # March 2024"), dates the report, not the activity.
        stripped = text.lstrip()
        title = stripped[: stripped.find("\n")] if "\n" in stripped else ""
        first_line = len(text) - len(stripped) + len(title)
        after = stripped[len(title) + 1 :].lstrip(" \t")
        heading = (
            len(title.split()) <= _HEADING_WORDS
            and not title.rstrip().endswith(".")
            and bool(_DOCUMENT.search(title))
            # a wrapped sentence goes on in lower case ("... first seen on 2024-02-10 when the\nactor")
            and not after[:1].islower()
        )
        sections = _sections(text)
        starts = [entry[0] for entry in sections]
        last_date: tuple[int, int] | None = None  # the year and month of the last activity date read
        day_first = slash_order(text)  # "27/07/2024": how the report orders its slashed dates
        harmless_list = False  # in a list the report says holds harmless values
        for number, (offset, sentence, following) in enumerate(_with_next(sentences(text))):
            if progress is not None and number % PROGRESS_SENTENCES == 0:
                progress(stage, offset, len(text))
            place = bisect.bisect_right(starts, offset)
            section = sections[place - 1] if place else None
            if section is not None and section[1] == "history":
                # "## Earlier activity": the actor's past campaigns, not this intrusion.
                result.notes.append(
                    f"{source}: offset {offset}: in the section {section[2]!r}, about earlier activity; not read"
                )
                continue
            if section is not None and section[1] == "apart":
                # "## References": other reports' addresses, the revisions' dates, whom to e-mail.
                result.notes.append(
                    f"{source}: offset {offset}: in the section {section[2]!r}, not about the intrusion; not read"
                )
                continue
            in_advice = section is not None and section[1] == "advice"
            line_end = text.find("\n", offset)
            # "| Type | Value | Comment |": a table's header names its columns, no actor (APT1 is
            # "Comment"); what else it holds is read (a table of two columns may start with data).
            header = sentence.count("|") >= 2 and line_end >= 0 and _table_rule_after(text, line_end)
            if _BOILERPLATE.match(sentence):
                result.notes.append(
                    f"{source}: offset {offset}: a page's {sentence.split(':')[0]!r} line; not read"
                )
                continue
            mentions = self._mentions(sentence)
            named = [
                (at, at + len(matched), matched)
                for at, matched, category, _, _ in mentions
                if category == "actor"
            ]
            # "Patchwork likes to use BADNEWS. In this activity we did not see any of these tools."
            others = other_actor_spans(sentence, named, named != [] and denies_those(following))
            chosen = self._actor_choices(mentions)
            previous: tuple[int, str, str] | None = None  # the last mention not taken: end, why, category
            # A table row is no sentence of advice, though a technique's name in its first cell
            # opens with a verb ("| Disable or Modify Tools | T1562.001 |").
            row = sentence.count("|") >= 2
            advice = in_advice or (
                not row and bool(_ADVICE.search(sentence)) and not _NARRATIVE.search(sentence)
            )
            program: tuple[int, str] | None = None  # the end and name of the last software taken
            # An id written right after a technique's name or phrase says which technique it is:
            # "an SSH reverse tunnel (T1572)" is no T1021.004 (SSH), "LSASS Memory (T1003)" stays
            # T1003.001 (the parent cited refines nothing away).  Another name of the sentence
            # without an id of its own is read as it is ("PowerShell (T1059.001) and Windows Command
            # Shell" is two techniques).
            overruled = _overruled(sentence, mentions)
            for at, matched, category, ident, confidence in mentions:
                if category in ("technique", "phrase") and at in overruled:
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} would be {ident}, but the id written after "
                        f"it is {overruled[at]}; not taken"
                    )
                    continue
                if category == "actor":
                    if header:
                        result.notes.append(
                            f"{source}: offset {offset}: {matched!r} heads a table's column; no actor named"
                        )
                    elif chosen.get(at, ident) == ident:
                        written = _written(matched, at, sentence)
                        if ident not in actors_seen:
                            actors_seen[ident] = len(result.actors)
                            actor = self.kb.actors[ident].name
                            result.actors.append(_actor_named(actor, ident, written, offset, sentence))
                        else:
                            # "the TeleBots group ..., the group commonly known as Sandworm": one
                            # actor (G0034, Sandworm Team) by two of its names, each said.
                            names = result.actors[actors_seen[ident]]["names"]
                            if written.casefold() not in {n.casefold() for n in names}:
                                names.append(written)
                    continue
                end = at + len(matched)
                if (
                    category != "cve"
                    and _USER_AGENT_TOKEN.match(sentence[end:])
                    and _USER_AGENT.search(sentence)
                ):
                    # "aws-cli/2.15.30 Python/3.11.8": the client a user agent names, not what ran.
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} is a product's name in a user agent; not taken"
                    )
                    continue
                why = why_not(sentence, at, end)
                if (
                    why is None
                    and previous
                    and previous[2] == category
                    and continues_list(sentence, previous[0], at, end)
                ):
                    why = previous[1]  # "did not see X-Agent, Zebrocy or CHOPSTICK": a list of names
                if why is None:
                    why = next((name for first, last, name in others if first <= at < last), None)
                if why is not None:
                    result.problems.append(_not_taken_note(source, offset, matched, why))
                    previous = (end, why, category)
                    continue
                previous = None
                if advice and (
                    category in ("technique", "phrase", "software")
                    or (category == "cve" and (in_advice or not _EXPLOITED.search(sentence)))
                ):
                    # "Prioritize patching of known exploited vulnerabilities": what to do, not what
                    # was done; "Apply the patches for CVE-2024-21893" names no exploitation here
                    # ("Patch CVE-2023-4966, which the actors exploited" does).
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} is in a recommendation; not taken"
                    )
                    continue
                if (
                    category == "software"
                    and program
                    and matched.islower()
                    and _PART_GAP.match(sentence[program[0] : at])
                ):
                    # "Impacket psexec", "Impacket's secretsdump": a module of the program just named.
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} right after {program[1]!r} is read as part of it"
                    )
                    continue
                if category == "software":
                    program = (end, matched)
                longer = self._longer_name(sentence, at, end, matched) if category == "software" else None
                if category == "software" and _place(sentence, at, end, matched):
                    # "a hospital in Royal Oak, Michigan", "a team based in Milan", "in Cuba": a place
                    # named like a program (Royal, HEXANE's Milan, Cuba ransomware), not the program.
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} names a place here; not taken"
                    )
                elif longer:
                    # "Kevin Levi briefed the board", "Royal Mail", "Daniela Cuba": a person's or a body's name
                    # that holds a program's (HEXANE's Kevin; Royal and Cuba ransomware), not the program.
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} is part of a longer name ({longer!r}); not taken"
                    )
                elif category == "software" and matched[:1].isupper() and _PERSON_AFTER.match(sentence[end:]):
                    # "Kevin from the SOC isolated the host": a colleague, not HEXANE's Kevin.
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} names a person here; not taken"
                    )
                elif category == "software" and _ACCOUNT_BEFORE.search(sentence[:at]):
                    # "created a local account named sysupdate": a user name, not SysUpdate.
                    result.notes.append(
                        f"{source}: offset {offset}: {matched!r} names an account here, not software; not taken"
                    )
                elif category == "software":
                    add(ObservationKind.SOFTWARE, ident, None, offset, sentence, confidence)
                elif category == "cve":
                    add(ObservationKind.VULNERABILITY, ident, None, offset, sentence, confidence)
                    facing = _FACING.search(sentence)
                    if (
                        facing
                        and _EXPLOITED.search(sentence)
                        and not negated(
                            sentence, facing.start(), facing.end()
                        )  # "no internet-facing servers"
                        and "T1190" in self.kb.techniques
                    ):
                        # "exploited CVE-2023-22515 in an internet-facing Confluence server"
                        add(ObservationKind.TECHNIQUE, "T1190", None, offset, sentence, 0.5)
                else:
                    add(ObservationKind.TECHNIQUE, ident, None, offset, sentence, confidence)
            # "These were NOT malicious and must not be blocked or shared as indicators:": the list
            # that follows (its items, or a table's rows) holds harmless values, not indicators.
            item = bool(_LIST_ITEM.match(sentence))
            harmless = harmless_list and item
            found = _with_wallets(sentence, find_iocs(sentence))
            self._iocs(found, add, offset, sentence, result, source, others, harmless)
            harmless_list = (harmless_list and item) or (
                sentence.rstrip().endswith(":") and declares_benign(sentence)
            )
            if VICTIM_CUES.search(sentence):
                # What the sentence says of another actor ("Sandworm's intrusions into energy
                # grids"), of other events ("Earlier, in 2021, ... against a university in Hong
                # Kong") or denies ("did not observe the attacks against energy enterprises in
                # Lithuania") names no victims of this intrusion.
                own = sentence
                for first, last in [(a, b) for a, b, _ in others] + not_this_intrusion_spans(sentence):
                    own = own[:first] + " " * (last - first) + own[last:]
                self._victims(sentence, add, offset, result, source, own)
            dated, quoted = unquoted(sentence)
            if quoted:
                # 'the subject "Invitation to the meeting 17.02.2025"': the lure's date, not the intrusion's.
                result.notes.append(
                    f"{source}: offset {offset}: {', '.join(quoted)} in a quotation (a subject or a name); "
                    "not taken as activity"
                )
            if heading and offset < first_line:
                # The heading's dates are the document's; the line after it (a sentence may run on
                # from a heading with no full stop) is read as any other.
                # (the sentence's text has its runs of white space made one space)
                cut = len(" ".join(text[offset:first_line].split()))
                heading_dates, heading_published, heading_stated = sentence_dates(dated[:cut], day_first)
                dates, published, stated = sentence_dates(dated[cut:], day_first)
                published = heading_dates + heading_published + heading_stated + published
            else:
                dates, published, stated = sentence_dates(dated, day_first)
            if dates and byline(sentence) and len(sentence.split()) <= _HEADING_WORDS:
                # "Posted by the Halcyon Watch DFIR team, 3 June 2024": when the report came out.
                published, dates = published + dates, []
            if published:
                # "Published 2025-03-20": when the report came out, not when the activity was.
                result.notes.append(
                    f"{source}: offset {offset}: {', '.join(published)} dates the report itself; not taken as activity"
                )
            if stated:
                # "the governments attributed it in February 2018": when it was said, not done.
                result.notes.append(
                    f"{source}: offset {offset}: {', '.join(stated)} dates a statement about the activity (an "
                    "attribution, a publication or disclosure, charges or sanctions, a fix); not taken as activity"
                )
            if advice and dates:
                # "Hunt for logins since 1 February 2024": when to look, not when it happened.
                result.notes.append(
                    f"{source}: offset {offset}: {', '.join(dates)} in a recommendation; not taken"
                )
                dates = []
            for date in dates:
                add(ObservationKind.TIMING, date, None, offset, sentence, 0.5)
            if dates:
                last_date = (int(dates[-1][:4]), int(dates[-1][5:7]))
            for written, date in undecided_dates(dated, day_first) if not advice else []:
                # "04/08/2024" in a report whose slashed dates never say their order
                result.notes.append(
                    f"{source}: offset {offset}: {written} may be day or month first (no other date of the "
                    f"report says); read day first, {date}, at a lower confidence"
                )
                add(ObservationKind.TIMING, date, None, offset, sentence, YEARLESS_CONFIDENCE)
            if not advice:
                for month, day in yearless_dates(dated if not (heading and offset < first_line) else ""):
                    self._yearless(month, day, last_date, add, offset, sentence, result, source)
        if progress is not None:
            progress(stage, len(text), len(text))
        return result

    @staticmethod
    def _yearless(
        month: int,
        day: int,
        last: tuple[int, int] | None,
        add: Any,
        offset: int,
        sentence: str,
        result: Extraction,
        source: str,
    ) -> None:
        """A day written without its year, in the year of the last date before it (``last``: year and
        month; :func:`unmask.extract.dates.in_year_of`), at a lower confidence; without a date
        before it, a note."""
        if last is None:
            result.notes.append(
                f"{source}: offset {offset}: a day without its year ({month_name(month)} {day}) "
                "and no date before it to take the year from; not taken"
            )
            return
        date = in_year_of(month, day, last)
        if date is None:  # 30 February
            return
        result.notes.append(f"{source}: offset {offset}: {date} read in the year of the date before it")
        add(ObservationKind.TIMING, date, None, offset, sentence, YEARLESS_CONFIDENCE)

    def _longer_name(self, sentence: str, at: int, end: int, matched: str) -> str | None:
        """The longer proper name a capitalised one-word program name is part of in running prose
        ("Kevin Levi", "Daniela Cuba"), or ``None``: the word after it, or the one before it (not
        opening the sentence, nor with a kind of program after the name: "Sophos Royal
        ransomware"), is capitalised and is no English word (nor its plural), no name the KB knows,
        no kind of program ("Akira Ransomware") nor part of one ("Cobalt Strike Beacon").  A title
        in Title Case capitalises every word and says nothing here, unless it says whose name it
        is ("Posted by Milan Horvat", "the CISO, Marco Aurora")."""
        if " " in matched.strip() or not matched[:1].isupper():
            return None
        letters = _WORDS.findall(sentence)
        came = _NAME_BEFORE.search(sentence[:at])
        # said to be a person's right before the name ("Posted by Milan Horvat", "the CISO, Marco
        # Aurora"), not somewhere earlier ("collected by the intruders with Mimikatz Lite")
        cue = _person_cue_before(sentence, came.start(1) if came else at)
        if sum(w[0].isupper() for w in letters) * 2 > len(letters) and not cue:
            return None
        goes_on = _NAME_GOES_ON.match(sentence[end:])
        if goes_on is not None and self._name_like(goes_on.group(1)):
            return f"{matched} {goes_on.group(1)}"
        after = _NEXT_WORD.match(sentence[end:])
        if after is not None and after.group(1).lower() in QUALIFIER_WORDS:
            return None
        if (
            came is not None
            and cue
            and not opens_sentence(sentence, came.start(1))
            and self._name_like(came.group(1), True)
        ):
            return f"{came.group(1)} {matched}"
        return None

    def _name_like(self, word: str, person: bool = False) -> bool:
        """Whether a capitalised word next to a program's name can be a person's name: no word
        for a kind of program, no name the KB knows, no English word ("AnyDesk Portable"), unless
        the sentence says a person is named (``person``: "Thanks to Tomas Royal", though "tomas"
        is in the dictionary)."""
        lowered = word.lower()
        if lowered in QUALIFIER_WORDS or self.lexicon.knows(lowered):
            return False
        return person or not _english(lowered)

    def _actor_choices(self, mentions: list[tuple[int, str, str, str, float]]) -> dict[int, str]:
        """For a name several actors answer to ("Andariel": Lazarus Group's alias in a source, and
        Andariel), the one the KB's lookups prefer (its own name, ATT&CK's), by the mention's place."""
        ids: dict[int, list[str]] = {}
        names: dict[int, str] = {}
        for at, matched, category, ident, _ in mentions:
            if category == "actor":
                ids.setdefault(at, []).append(ident)
                names[at] = matched
        chosen: dict[int, str] = {}
        for at, found in ids.items():
            if len(found) > 1:
                ranked = [a.id for a in self.kb.actor_candidates(names[at])]
                chosen[at] = next((i for i in ranked if i in found), found[0])
        return chosen

    def _mentions(self, sentence: str) -> list[tuple[int, str, str, str, float]]:
        """(start, matched text, category, id, confidence): every name the sentence holds, in order
        (technique ids, names and learned phrases, software, actors, CVE ids)."""
        mentions: list[tuple[int, str, str, str, float]] = []
        for at, written, canonical in technique_id_spans(sentence):
            # An older report's retired id (T1086) stands for the technique that replaced it; a
            # full-width "Ｔ１００３" is T1003, and "T1003-001" the sub-technique.
            technique_id = self.kb.successors.get(canonical, canonical)
            if technique_id in self.kb.techniques:
                mentions.append((at, written, "technique", technique_id, 0.9))
        for category, ident, at, matched in self.lexicon.find(sentence):
            confidence = {"technique": 0.7, "phrase": 0.5}.get(category, 0.8)
            mentions.append((at, matched, category, ident, confidence))
        for match in _CVE.finditer(sentence):
            cve = unicodedata.normalize("NFKC", match.group(0)).upper()  # "CVE-２０２３-…" too
            mentions.append((match.start(), match.group(0), "cve", cve, 0.9))
        return sorted(mentions, key=lambda m: m[0])

    @staticmethod
    def _victims(sentence: str, add: Any, offset: int, result: Extraction, source: str, own: str) -> None:
        """Victim countries and sectors of a sentence that speaks of targets (victims.py), read from
        ``own``, the sentence without what it says of another actor; what it names otherwise
        (earlier victims or other events, the actor's or the reporting side) is noted."""
        found = read_victims(own)
        whole = read_victims(sentence) if own != sentence else found
        apart = [v for v in whole.countries + whole.sectors if v not in found.countries + found.sectors]
        if apart:
            result.notes.append(
                f"{source}: offset {offset}: victims named in what the sentence says of other events or actors, "
                f"or denies ({', '.join(apart)}), are not taken as victims of this incident"
            )
        for code in found.countries:
            add(ObservationKind.VICTIM, code, "country", offset, sentence, 0.6)
        for sector in found.sectors:
            add(ObservationKind.VICTIM, sector, "sector", offset, sentence, 0.6)
        if found.earlier:
            result.notes.append(
                f"{source}: offset {offset}: countries named as an actor's earlier targets "
                f"({', '.join(found.earlier)}) are not taken as victims of this incident"
            )
        if found.elsewhere:
            result.notes.append(
                f"{source}: offset {offset}: countries named for the actor's side (sponsor, origin) or the "
                f"reporting side ({', '.join(found.elsewhere)}) are not taken as victims"
            )

    def _iocs(
        self,
        found: dict[str, Any],
        add: Any,
        offset: int,
        sentence: str,
        result: Extraction,
        source: str,
        others: list[tuple[int, int, str]],
        harmless: bool = False,
    ) -> None:
        """The indicators of a sentence (``harmless``: an item of a list the report says holds
        harmless values), each taken, suppressed as known-benign, or noted as not this intrusion's."""
        refanged, lowered = refang(sentence).lower(), sentence.lower()  # once, not per indicator
        for key, (subtype, kind) in _IOC_KINDS.items():
            for raw in found.get(key, []) or []:
                if subtype == "url":
                    raw = _quoted_url(str(raw))
                value = normalise(subtype, raw) if subtype != "asn" else str(raw).upper()
                if value is None:
                    continue
                if subtype in ("domain", "url", "email", "ip") and _cut_short(refanged, str(raw)):
                    # "böse-domain.example.de" was read as "se-domain.example.de": another domain.
                    result.problems.append(
                        f"{source}: offset {offset}: {raw!r} is the tail of a longer name (letters outside ASCII, "
                        "or an invisible character inside it); not taken"
                    )
                    continue
                if subtype == "domain" and _in_path(refanged, str(raw)):
                    result.problems.append(
                        f"{source}: offset {offset}: {raw!r} is a folder of a file path; not taken as a domain"
                    )
                    continue
                if subtype == "domain" and _in_email(refanged, str(raw)):
                    result.notes.append(
                        f"{source}: offset {offset}: {raw!r} is the name before an e-mail address's @; not a domain"
                    )
                    continue
                if subtype == "domain" and _file_name_head(refanged, str(raw)):
                    # "com.apple.sysupdate.plist": a file named like a reversed domain, not a domain.
                    result.problems.append(
                        f"{source}: offset {offset}: {raw!r} is the start of a file name; not taken as a domain"
                    )
                    continue
                if subtype == "domain" and _only_in(sentence, str(raw), _PERMISSION):
                    result.notes.append(
                        f"{source}: offset {offset}: {raw!r} is a permission's name (Mail.Read); not a domain"
                    )
                    continue
                if subtype == "domain" and _PACKAGE_HEAD.match(value) and _APP_CUE.search(sentence):
                    result.notes.append(
                        f"{source}: offset {offset}: {raw!r} is an app's package id; not taken as a domain"
                    )
                    continue
                plain_text = str(raw).lower() in lowered  # written as it is, not defanged
                if (
                    subtype == "ip"
                    and plain_text
                    and (
                        _VERSION_BEFORE.search(sentence[: sentence.find(str(raw))])
                        or _VERSION_AFTER.match(sentence[sentence.find(str(raw)) + len(str(raw)) :])
                        or (
                            _PRODUCT_BEFORE.search(sentence[: sentence.find(str(raw))])
                            and _USER_AGENT.search(sentence)
                        )
                    )
                ):
                    result.notes.append(
                        f"{source}: offset {offset}: {raw!r} is a version number here; not taken"
                    )
                    continue
                if subtype in ("domain", "url", "email") and _DOT_WORD.search(sentence):
                    # ioc-finder reads "-dot-" as a dot, but App Engine names really hold it
                    # ("v2-dot-app[.]appspot[.]com"): take the name as the report wrote it.
                    written = _as_written(sentence, value)
                    value = (normalise(subtype, written) if written else None) or value
                if subtype == "domain" and (value.endswith(FILE_SUFFIXES) or "." not in value):
                    continue
                if subtype == "domain" and plain_text and (value.endswith(_FILE_OR_DOMAIN) or "_" in value):
                    continue
                if subtype in ("domain", "url", "email") and _contact_address(refanged, str(raw).lower()):
                    # "contact CISA's Operations Center at report@cisa.gov": where to write, not the actor's.
                    result.notes.append(
                        f"{source}: offset {offset}: {raw!r} is where to report or write; not taken"
                    )
                    continue
                why = (
                    BENIGN
                    if harmless
                    else _ioc_context(sentence, lowered, refanged, str(raw).lower(), others)
                )
                if why is not None:
                    # "104.168.165.173 was used by Andariel in an unrelated 2022 operation": an
                    # indicator of another event, not one to share as this intrusion's.
                    result.problems.append(_not_taken_note(source, offset, str(raw), why))
                    continue
                lists = (
                    self.benign.lists_for(value)
                    if self.benign is not None and subtype not in ("asn", *WALLET_KINDS)
                    else []
                )
                if lists:
                    result.suppressed.append(
                        {"value": value, "kind": subtype, "lists": lists[:3], "offset": offset}
                    )
                    continue
                # "| 198.51.100.201 | Possibly used for web shell access; low confidence |": kept, as
                # doubtfully as the report holds it.
                at = lowered.find(str(raw).lower())
                text, at = (sentence, at) if at >= 0 else (refanged, refanged.find(str(raw).lower()))
                if at >= 0 and hedged(text, at, at + len(str(raw))):
                    result.notes.append(
                        f"{source}: offset {offset}: {str(raw)!r} is hedged in its sentence "
                        f'("possibly", "low confidence"); kept at confidence {HEDGED_CONFIDENCE}'
                    )
                    add(kind, value, subtype, offset, sentence, HEDGED_CONFIDENCE)
                    continue
                add(kind, value, subtype, offset, sentence, 0.8)
