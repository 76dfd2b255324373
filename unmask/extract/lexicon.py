"""Names to look for in report text: techniques, software and actors from the knowledge base.

Names are matched as whole word sequences (1 to 8 words), case-insensitively, through a
dictionary of normalised n-grams, so the cost per sentence does not depend on how many
names there are.  A name that is also an everyday word ("at", "net", "ping", "tool",
"domains") would fire on ordinary prose, so single-word names found in :data:`COMMON_WORDS`
or shorter than three letters are left out (the ATT&CK id still matches).  A software name
that is also an actor's name is left out too: reading it would be reading the actor's name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from unmask.errors import UnknownNameError
from unmask.extract.vocabulary import (
    API_NAMES,
    COMMAND_CHANGES,
    COMMANDS,
    CONTEXT_STEMS,
    DISTINCTIVE_TECHNIQUE_NAMES,
    ERASING,
    EVERYDAY_TECHNIQUE_NAMES,
    LACKING,
    LACKING_WORDS,
    NEEDS_BESIDE,
    PASSING_FOR,
    RECON_PARENTS,
    RECORDS,
    RESOURCE_PARENTS,
    SAFE_MODE_BOOT,
    SYSTEM_PROGRAMS,
    THINGS_OF,
)
from unmask.extract.vocabulary import PHRASES as VOCABULARY
from unmask.knowledge.aliases import FAMILY_KINDS, family_name, group_stem
from unmask.knowledge.programs import PROGRAM_OF
from unmask.knowledge.store import KnowledgeBase

__all__ = ["COMMON_WORDS", "Lexicon", "english_words", "opens_sentence", "words"]

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+#&'/-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
MAX_WORDS = 8

# Everyday English (and generic security) words that are also the whole name of an ATT&CK
# technique, a software entry or an actor alias.
COMMON_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "at",
        "in",
        "on",
        "of",
        "to",
        "for",
        "by",
        "with",
        "from",
        "as",
        "or",
        "is",
        "be",
        "it",
        "net",
        "ping",
        "route",
        "page",
        "find",
        "expand",
        "reg",
        "tor",
        "cmd",
        "ftp",
        "zip",
        "mail",
        "sys",
        "tool",
        "tools",
        "malware",
        "exploits",
        "exploit",
        "domains",
        "domain",
        "server",
        "servers",
        "botnet",
        "dns",
        "software",
        "hardware",
        "services",
        "service",
        "code",
        "data",
        "file",
        "files",
        "network",
        "networks",
        "email",
        "accounts",
        "account",
        "web",
        "cloud",
        "cookies",
        "token",
        "tokens",
        "credentials",
        "keylogging",
        "screensaver",
        "masquerading",
        "rootkit",
        "compression",
        "encryption",
        "obfuscation",
        "injection",
        "impact",
        "discovery",
        "execution",
        "persistence",
        "collection",
        "exfiltration",
        "reconnaissance",
        "resources",
        "vpn",
        "proxy",
        "bootkit",
        "firmware",
        "binary",
        "unix",
        "linux",
        "windows",
        "macos",
        "application",
        "applications",
        "system",
        "systems",
        "spearphishing",
        "phishing",
        "hijacking",
        "scanning",
        "replication",
        "communication",
        "process",
        "processes",
        "storage",
        "backdoor",
        "dropper",
        "loader",
        "downloader",
        "rat",
        "trojan",
        "worm",
        "ransomware",
        "wiper",
        "stealer",
        "spyware",
        "agent",
        "client",
        "shell",
        "script",
        "scripts",
        "update",
        "updater",
        "installer",
        "launcher",
        "helper",
        "monitor",
        "service",
        "host",
        "hosts",
        "group",
        "groups",
        "team",
        "teams",
        "operation",
        "campaign",
        "campaigns",
        "attack",
        "attacks",
        "target",
        "targets",
        "victim",
        "victims",
        "actor",
        "actors",
        "threat",
        "threats",
        "unknown",
        "other",
        "poison",
        "ivy",
        "cobalt",
        "gold",
        "silver",
        "iron",
        "copper",
        "bronze",
        "lead",
        "steel",
        "turbine",
        "emissary",
        "carbon",
        "sharepoint",
        "confluence",
    ]
)


# "Lazarus-linked", "Cobalt Strike-based", "Emotet-delivered": a name joined to a word that says how
# something relates to it is still the name.  Hedges ("Mimikatz-like", "-style") stay one word:
# a Mimikatz-like tool is not Mimikatz.
LINK_SUFFIXES = frozenset(
    [
        "linked",
        "related",
        "affiliated",
        "associated",
        "attributed",
        "backed",
        "sponsored",
        "aligned",
        "based",
        "operated",
        "controlled",
        "delivered",
        "dropped",
        "deployed",
        "signed",
        "infected",
        "encrypted",
        "powered",
        "built",
    ]
)


# Words that say a name right beside them is a tool, and words that say the name just before
# them is a kind of malware ("Terminator ransomware"; a "dropper" a few words away may be
# another program's).
_TOOL_WORDS = frozenset(
    [
        "tool",
        "tools",
        "utility",
        "rmm",
        "agent",
        "software",
        "client",
        "binary",
        "executable",
        "tunnel",
        "tunneling",
        "tunnelling",
        "scanner",
        "framework",
        "edr-killer",
        "killer",
        "hacktool",
        "pua",
    ]
)
_KIND_WORDS = frozenset(
    ["malware", "backdoor", "implant", "ransomware", "loader", "dropper", "rat", "stealer", "wiper"]
)
CUE_BEFORE, CUE_AFTER = 2, 3  # "the RMM tool Level", "Level, an RMM tool"
# Sigma's titles put a tool's name after these ("HackTool - Rubeus Execution").
_TOOL_TITLE = re.compile(r"\s*(?:HackTool|Hack Tool|PUA|Remote Access Tool)\s*-\s*", re.IGNORECASE)
# A title that offers alternatives ("Meterpreter or Cobalt Strike") does not say which ran.
_ALTERNATIVES = re.compile(r"\bor\b", re.IGNORECASE)
# A hedged title ("Potential CobaltStrike Service Installations") does not say the tool ran,
# unless the tool is what the hedged activity ran through ("Potential RDP Tunneling Via Plink").
_HEDGE = re.compile(r"\b(?:potential|possible|suspected|likely|probable)\b", re.IGNORECASE)
_THROUGH = re.compile(r"\b(?:via|using|with|by|through|from)\b", re.IGNORECASE)
# A rule for the exploitation of a product names the victim's software, not the attacker's
# ("CVE-2024-1709 - ScreenConnect Authentication Bypass Exploitation").
_EXPLOITATION = re.compile(r"\bCVE-\d{4}-\d+|\bexploit|\bvulnerab", re.IGNORECASE)
# A title's kind of malware names its subject: another name in it is an artefact of that
# subject ("Triple Cross eBPF Rootkit Default LockFile" is no LockFile ransomware).
_TITLE_KIND = re.compile(
    rf"\b(?:{'|'.join(FAMILY_KINDS)}|rootkit|trojan|malware|worm|botnet|implant)s?\b", re.IGNORECASE
)
# A program's file name stands for the program ("mimikatz.exe", "rclone.exe").
_PROGRAM_EXTENSIONS = r"(?:exe|dll|ps1|bat|cmd|vbs|py|sh|elf|bin)"
# A name ending in a whole version: "lockbit 3.0" (its key, lower case).
_DOT_ZERO = re.compile(r"^(.+\s\d+)\.0$")
_PROGRAM_SUFFIX = re.compile(rf"\.{_PROGRAM_EXTENSIONS}\b", re.IGNORECASE)
_PROGRAM_FILE = re.compile(rf"(.+?)\.{_PROGRAM_EXTENSIONS}", re.IGNORECASE)


@functools.cache
def english_words() -> frozenset[str]:
    """Lower-case English words: the GCIDE dictionary, and the common (not capitalised) words of
    Webster's Second ("proton", "responder"), from the english-words package."""
    from english_words import get_english_words_set

    common = {word for word in get_english_words_set(["web2"], lower=False, alpha=True) if word.islower()}
    return frozenset(get_english_words_set(["gcide"], lower=True, alpha=True) | common)


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for each word of ``text``.

    "Mimikatz's" is "Mimikatz", "mimikatz.exe" is "mimikatz", "PlugX/ShadowPad" is two words.
    """
    found = []
    for m in _WORD.finditer(text):
        start, word = m.start(), m.group(0)
        if word.lower().endswith("'s") and len(word) > 2:
            word = word[:-2]
        program = _PROGRAM_FILE.fullmatch(word)
        if program:
            word = program.group(1)
        at = start
        for part in word.split("/"):
            if part:
                found.extend(_linked(at, part))
            at += len(part) + 1
    return found


def _linked(start: int, word: str) -> list[tuple[int, int, str]]:
    """A word, or the name and the link word of "Lazarus-linked"."""
    head, dash, tail = word.rpartition("-")
    if dash and head and tail.lower() in LINK_SUFFIXES:
        return [(start, start + len(head), head), (start + len(head) + 1, start + len(word), tail)]
    return [(start, start + len(word), word)]


def _key(text: str) -> str:
    return " ".join(w for _, _, w in words(text.lower()))


@dataclass
class Lexicon:
    """Normalised name -> ids, by category."""

    techniques: dict[str, set[str]] = field(default_factory=dict)
    software: dict[str, set[str]] = field(default_factory=dict)
    actors: dict[str, set[str]] = field(default_factory=dict)
    phrases: dict[str, set[str]] = field(default_factory=dict)  # learned, see unmask.extract.phrases
    # Of those, the hand-written ones (vocabulary.py): read beside a technique name of the same
    # words ("malicious links" is Malicious Link, T1204.001, and Spearphishing Link, T1566.002).
    vocabulary: set[str] = field(default_factory=set)
    # One-word software and actor names that are also English words ("Beacon", "Empire", "Havoc"):
    # read when written as a name (capitalised), not as the word ("the beacon interval").
    everyday: frozenset[str] = frozenset()
    # Those of them only other sources than ATT&CK call software (Tidal's "Level", "Terminator"):
    # read only right beside a word that says it is a tool ("Level, an RMM tool") or just before a
    # kind of malware ("... ransomware"), and not opening a sentence ("Stop users from
    # installing RMM software"): a capitalised "Integrity Level" or "Threat Level" is no tool.  A
    # program file ("terminator.exe") or a name in mixed case is one.  Such a word that is only
    # another name of a family (Malpedia's "Catch" for Vawtrak) is not read at all.
    weak: frozenset[str] = frozenset()
    # Learned phrases that hold a tool's own name ("procdump to dump" for T1003.001): the tool it
    # names, by the word's place in the phrase (the phrase, the longer match, would hide it).
    inside: dict[str, list[tuple[int, set[str]]]] = field(default_factory=dict)
    # A technique's name several techniques share ("Domain Account" is T1087.002 and T1136.002):
    # its ids, the one more actors use first; the words around it choose (vocabulary.CONTEXT_STEMS).
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Another name of an ATT&CK program that is also an actor's name ("Sofacy", "Agrius",
    # "Snake"): the actor, unless a kind of malware follows ("the Snake malware").
    actor_or_software: dict[str, set[str]] = field(default_factory=dict)
    # A program's own ATT&CK name that is also an actor's ("Akira"): the program, but the actor
    # when a word of a group follows it ("signed by the Akira group").
    software_or_actor: dict[str, set[str]] = field(default_factory=dict)
    # ATT&CK programs by their name without the word for their kind ("MultiLayer" for MultiLayer
    # Wiper), read where the name is no other name and no English word.
    kindless: dict[str, set[str]] = field(default_factory=dict)
    # Learned phrases read only beside a word of one of their stems: of masquerading that say only
    # that something is legitimate ("legitimate service"), beside a word that says something passes
    # for it (vocabulary.PASSING_FOR); of indicator removal that name only the records ("event
    # logs"), beside a word of erasing them (vocabulary.ERASING).
    needs_word: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, phrases: dict[str, str] | None = None) -> Lexicon:
        """Names from ``kb``; technique phrases from ``phrases`` or else the KB's own."""
        lexicon = cls()
        for phrase, technique_id in (kb.technique_phrases if phrases is None else phrases).items():
            if technique_id in kb.techniques:
                lexicon.phrases.setdefault(phrase, set()).add(technique_id)
        for key, ids in lexicon.phrases.items():
            parents = {i.split(".")[0] for i in ids}
            if _LEGITIMATE & set(key.split()) and "T1036" in parents:
                lexicon.needs_word[key] = PASSING_FOR
            elif (
                "T1070" in parents
                and RECORDS & set(key.split())
                and not any(word.startswith(ERASING) for word in key.split())
            ):
                lexicon.needs_word[key] = ERASING
        for phrase, technique_id in VOCABULARY.items():  # how reports commonly write them
            if technique_id in kb.techniques:
                lexicon.phrases[_key(phrase)] = {technique_id}
                lexicon.vocabulary.add(_key(phrase))
        for technique in kb.techniques.values():
            lexicon._add(lexicon.techniques, technique.name, technique.id)
            if " " in technique.name and technique.name[-1:].isalpha() and not technique.name.endswith("s"):
                lexicon._add(lexicon.techniques, technique.name + "s", technique.id)  # "Scheduled Tasks"
            elif technique.name.endswith((" Accounts", " Groups")):
                # "a valid domain account": Valid Accounts: Domain Accounts (T1078.002) in the
                # singular, beside Account Discovery's and Create Account's "Domain Account" (not
                # other plurals: "a remote access tool" is a RAT, not Remote Access Tools)
                lexicon._add(lexicon.techniques, technique.name[:-1], technique.id)
            if technique.parent and technique.parent in kb.techniques:
                lexicon._add(
                    lexicon.techniques,
                    f"{kb.techniques[technique.parent].name}: {technique.name}",
                    technique.id,
                )
        for record in kb.software.values():
            for name in (record.name, *record.aliases):
                lexicon._add(lexicon.software, name, record.id)
                if name.endswith(")"):  # Malpedia's "LockBit (Windows)": reports say "LockBit"
                    lexicon._add(lexicon.software, family_name(name), record.id)
            if record.origin == "attack" and " " in record.name:
                # Reports write ATT&CK's "IPsec Helper" as "IPsecHelper" and "MultiLayer Wiper"
                # as "MultiLayer": the name run together, and without the word for its kind.
                lexicon._add(lexicon.software, record.name.replace(" ", ""), record.id)
                bare = family_name(record.name, kind=True)
                # a payload's kind only: "AutoIt backdoor" without its kind is the AutoIt language
                payload = record.name.split()[-1].lower() in ("wiper", "ransomware", "stealer", "locker")
                if payload and len(bare.replace(" ", "")) >= 5:
                    lexicon.kindless.setdefault(_key(bare.replace(" ", "")), set()).add(record.id)
        # "LockBit 3" is how reports often write LockBit 3.0: a version's ".0" left off, where no
        # other program has that name.
        for key, ids in list(lexicon.software.items()):
            short = _DOT_ZERO.match(key)
            if short and short.group(1) not in lexicon.software:
                lexicon.software[short.group(1)] = set(ids)
        for part, program in PROGRAM_OF.items():  # "wmiexec" is Impacket's (knowledge/programs.py)
            try:
                lexicon._add(lexicon.software, part, kb.software_record(program).id)
            except UnknownNameError:
                continue
        # A name several entries carry (NotPetya: S0368's name, an alias of Bad Rabbit) is read
        # as the knowledge base resolves it (knowledge/store.py: software_names).
        for key, ids in lexicon.software.items():
            if len(ids) > 1:
                try:
                    chosen = kb.software_record(key).id
                except UnknownNameError:
                    continue
                if chosen in ids:
                    lexicon.software[key] = {chosen}
        for actor in kb.actors.values():
            for name in actor.all_names:
                lexicon._add(lexicon.actors, name, actor.id)
                stem = group_stem(name)  # "LockBit" of "LockBit Ransomware Actors & Affiliates"
                if stem != name and len(stem) >= 4:
                    lexicon._add(lexicon.actors, stem, actor.id)
        # A software entry named like an actor (Malpedia names some families after their
        # group) would let the actor's name in a report count as evidence: it is left out,
        # unless ATT&CK itself describes it as software by that very name; then the name is read
        # as that software only, not also as an actor named (a source that lists ZeroCleare among
        # an actor's names does not make a report that mentions the wiper name its actor). An
        # actor's name that ATT&CK gives a program only as another of its names ("Sofacy" for
        # CORESHELL, "Agrius" for DEADWOOD), or that only other sources give a program ("LockBit"),
        # names the actor ("attributed to Sofacy"), unless a kind of malware follows it ("LockBit
        # ransomware was deployed").
        for key in set(lexicon.software) & set(lexicon.actors):
            kept = {i for i in lexicon.software[key] if kb.software[i].origin == "attack"}
            if any(_key(kb.software[i].name) == key for i in kept):
                lexicon.software[key] = kept
                lexicon.software_or_actor[key] = lexicon.actors.pop(key)
            else:
                lexicon.actor_or_software[key] = kept or lexicon.software[key]
                del lexicon.software[key]
        dictionary = english_words()
        for key, ids in lexicon.kindless.items():
            if key not in dictionary and key not in lexicon.software and key not in lexicon.actors:
                lexicon.software[key] = ids
        # English words, and the names of a system's own programs ("the systemd unit" is no
        # Malpedia "systemd"): names only when written as names (lexicon.find).
        lexicon.everyday = frozenset(
            key
            for key in (*lexicon.software, *lexicon.actors)
            if " " not in key and (key in dictionary or key in SYSTEM_PROGRAMS)
        )
        lexicon.weak = frozenset(
            key
            for key in lexicon.everyday
            if key in lexicon.software
            and all(kb.software[i].origin != "attack" for i in lexicon.software[key])
        )
        for key in lexicon.weak:
            if not any(_key(kb.software[i].name) == key for i in lexicon.software[key]):
                del lexicon.software[key]
        for phrase in lexicon.phrases:
            for place, word in enumerate(phrase.split()):
                ids = {
                    i
                    for i in lexicon.software.get(word, ())
                    if kb.software[i].origin in ("attack", "tidal") and _key(kb.software[i].name) == word
                }
                if ids and word not in lexicon.everyday:
                    lexicon.inside.setdefault(phrase, []).append((place, ids))
        # One name, several techniques ("Spearphishing Attachment" is T1566.001 and T1598.002):
        # the one more actors are known to use.
        usage = kb.technique_users
        for key, ids in lexicon.techniques.items():
            if len(ids) > 1:
                lexicon.choices[key] = tuple(sorted(ids, key=lambda t: (-usage.get(t, 0), t)))
                lexicon.techniques[key] = {lexicon.choices[key][0]}
        return lexicon

    @staticmethod
    def _add(table: dict[str, set[str]], name: str, ident: str) -> None:
        key = _key(name)
        if not key:
            return
        parts = key.split()
        if len(parts) > MAX_WORDS:
            return
        if len(parts) == 1 and (len(key) < 3 or key in COMMON_WORDS or key.isdigit()):
            return
        table.setdefault(key, set()).add(ident)

    def knows(self, word: str) -> bool:
        """Whether a lower-case word is a name of the lexicon (a technique's, a program's, an actor's)."""
        return any(word in table for table in (self.techniques, self.software, self.actors))

    def software_in_title(self, title: str, kb: KnowledgeBase) -> str | None:
        """The one piece of software a detection rule's title names ("HackTool - Rubeus
        Execution", "Remote Access Tool - AnyDesk ..."), or None when it names none or more than
        one ("Meterpreter or Cobalt Strike ...", "Bloodhound/Sharphound": which ran is not known),
        or hedges it ("Potential CobaltStrike ...", not "Potential Recon Activity Via Nltest.EXE"),
        or names a product exploited (a CVE, "Exploitation"): that is the victim's software.

        Titles capitalise every word, so a name that is an English word is read only where
        Sigma's titles put a tool's name ("HackTool - Empire ...", "PUA - ...", "Remote Access
        Tool - ..."), not elsewhere ("Apache Spark" is not the Spark malware, "LSASS Crash" not
        CrashOverride); a family only other sources than ATT&CK know counts by its own name, not
        by a synonym ("Autorun"). A title that gives a kind of malware ("... Rootkit ...")
        names its subject just before it ("Shamoon Wiper Activity").
        """
        if _ALTERNATIVES.search(title) or _EXPLOITATION.search(title):
            return None
        named = _TOOL_TITLE.match(title)
        kinds = [m.start() for m in _TITLE_KIND.finditer(title)]
        found: set[str] = set()
        mentioned: set[str] = set()
        for category, ident, offset, text in self.find(title, named.end() if named else None):
            if category != "software":
                continue
            mentioned.add(ident)
            hedge = next((m for m in _HEDGE.finditer(title, 0, offset)), None)
            if hedge is not None and not _THROUGH.search(title, hedge.end(), offset):
                continue  # "Potential Qakbot Registry Activity": maybe Qakbot
            key = _key(text)
            if key in self.everyday and not (named and offset == named.end()):
                continue
            record = kb.software[ident]
            if named and offset == named.end() and record.origin == "malpedia":
                continue  # a hack tool's name is no malware family's ("HackTool - Hydra ...")
            end = offset + len(text)
            if kinds and not any(start >= end and not title[end:start].strip() for start in kinds):
                continue  # the title's malware is another one
            if record.origin == "attack" or key == _key(record.name):
                found.add(ident)
        return found.pop() if len(found) == 1 and mentioned == found else None

    def find(self, text: str, name_at: int | None = None) -> list[tuple[str, str, int, str]]:
        """(category, id, offset, matched text) for the longest names found in ``text``; a word
        at offset ``name_at`` is read as a name even when it is also an English word."""
        tokens = words(text)
        lowered = [w.lower() for _, _, w in tokens]
        found: list[tuple[str, str, int, str]] = []
        capitals: dict[int, bool] = {}  # whether the line from this offset is in capitals
        i = 0
        while i < len(tokens):
            matched = 0
            for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
                key = " ".join(lowered[i : i + n])
                hits = [
                    (cat, table[key])
                    for cat, table in (
                        ("technique", self.techniques),
                        ("software", self.software),
                        ("actor", self.actors),
                        ("phrase", self.phrases),
                    )
                    if key in table
                ]
                if len(hits) > 1:  # a name beats a learned phrase, not a hand-written one
                    hits = [h for h in hits if h[0] != "phrase" or key in self.vocabulary]
                if key in _COMMAND_KEYS and _changes_what_it_lists(
                    text, tokens[i + n - 1][1], tokens[i + n : i + n + _SWITCH_WORDS]
                ):
                    hits = [h for h in hits if h[0] != "phrase"]
                if key == SHARES_OF_A_HOST[0] and _names_a_host(text, tokens[i + n - 1][1]):
                    hits = [("phrase", {SHARES_OF_A_HOST[1]}) if h[0] == "phrase" else h for h in hits]
                if any(h == ("phrase", {_REBOOT}) for h in hits) and _into_safe_mode(
                    lowered[i + n : i + n + 5]
                ):
                    hits = [("phrase", {SAFE_MODE_BOOT}) if h[0] == "phrase" else h for h in hits]
                if key in _API_KEYS and not _written_as_api(tokens[i][2], _API_KEYS[key]):
                    hits = [h for h in hits if h[0] != "phrase"]
                if key in _BESIDE and not any(
                    word.startswith(_BESIDE[key])
                    for word in lowered[max(0, i - 8) : i] + lowered[i + n : i + n + 8]
                ):
                    hits = [h for h in hits if h[0] != "phrase"]
                if key in self.needs_word and key not in self.vocabulary:
                    # the phrase's own words too: "legitimate looking" says it
                    around = lowered[max(0, i - 6) : i + n + 4]
                    if not any(word.startswith(self.needs_word[key]) for word in around):
                        hits = [h for h in hits if h[0] != "phrase"]
                if key in self.actor_or_software and set(lowered[i + n : i + n + 1]) & _KIND_WORDS:
                    hits = [("software", self.actor_or_software[key])]
                if key in self.software_or_actor and set(lowered[i + n : i + n + 1]) & _GROUP_WORDS:
                    hits = [("actor", self.software_or_actor[key])]
                if (
                    n == 1
                    and key in self.everyday
                    and tokens[i][0] != name_at
                    and not _written_as_name(text, tokens[i])
                ):
                    if tokens[i][2].islower():
                        hits = [h for h in hits if h[0] not in ("software", "actor")]
                    elif key in self.weak and (
                        opens_sentence(text, tokens[i][0])
                        or not (
                            _TOOL_WORDS
                            & set(lowered[max(0, i - CUE_BEFORE) : i] + lowered[i + 1 : i + 1 + CUE_AFTER])
                            or set(lowered[i + 1 : i + 2]) & _KIND_WORDS
                        )
                    ):
                        hits = [h for h in hits if h[0] != "software"]
                if (
                    n == 1
                    and any(h[0] == "software" for h in hits)
                    and _in_a_capitals_line(text, tokens[i], capitals)
                ):
                    # "MEDUSA EXTORTION OF A REGIONAL HOSPITAL GROUP": of the programs called
                    # Medusa, the one of the kind the next word says, else none
                    kinded = [
                        f"{key} {kind}"
                        for kind in _HEADING_KINDS.get(lowered[i + 1] if i + 1 < len(tokens) else "", ())
                    ]
                    siblings = [self.software[k] for k in kinded if k in self.software]
                    if siblings:
                        hits = [h for h in hits if h[0] != "software"] + [("software", siblings[0])]
                    elif any(f"{key} {kind}" in self.software for kind in _HEADING_KIND_NAMES):
                        hits = [h for h in hits if h[0] != "software"]
                if n == 1 and key in self.everyday and self._opens_a_product_name(text, tokens, i):
                    hits = [h for h in hits if h[0] != "actor"]
                if any(h[0] == "technique" for h in hits):
                    around = lowered[max(0, i - 6) : i] + lowered[i + n : i + n + 4]
                    # "Exchange Web Services", "Google Cloud Services": the end of a product's name.
                    in_name = (
                        i > 0
                        and tokens[i][2][:1].isupper()
                        and tokens[i - 1][2][:1].isupper()
                        and text[tokens[i - 1][1] : tokens[i][0]].isspace()
                        and not opens_sentence(text, tokens[i - 1][0])
                    )
                    hits = [
                        h
                        for h in (
                            _technique_in_context(
                                h,
                                self.choices.get(key),
                                around,
                                key,
                                lowered[i + n : i + n + 1],
                                in_name,
                                lowered[max(0, i - LACKING_WORDS) : i],
                            )
                            for h in hits
                        )
                        if h
                    ]
                if hits:
                    start, end = tokens[i][0], tokens[i + n - 1][1]
                    for category, ids in hits:
                        for ident in sorted(ids):
                            found.append((category, ident, start, text[start:end]))
                    for place, ids in self.inside.get(key, []) if any(h[0] == "phrase" for h in hits) else []:
                        at, stop, _ = tokens[i + place]
                        found.extend(("software", ident, at, text[at:stop]) for ident in sorted(ids))
                    matched = n
                    break
            i += matched or 1
        return found

    def _opens_a_product_name(self, text: str, tokens: list[tuple[int, int, str]], i: int) -> bool:
        """Whether the word at ``i``, an actor's name that is also English ("Equation"), begins a
        longer capitalised name, a product's: "the Office Equation Editor vulnerability". Not
        before a word of a group ("Equation Group") or a kind, nor before another name."""
        if i + 1 >= len(tokens) or not tokens[i][2][:1].isupper():
            return False
        following = tokens[i + 1][2]
        lowered = following.lower()
        return (
            following[:1].isupper()
            and following[1:].islower()
            and text[tokens[i][1] : tokens[i + 1][0]] == " "
            and lowered in english_words()
            and lowered not in _GROUP_WORDS | _KIND_WORDS
            and lowered not in self.actors
            and lowered not in self.software
        )


# In a heading in capitals, the word after a program's name that several programs share, and the
# kinds in their names it points to ("MEDUSA EXTORTION" is Medusa Ransomware, not the Medusa bot).
_HEADING_KINDS = {
    "ransomware": ("ransomware", "locker"),
    "extortion": ("ransomware", "locker"),
    "leak": ("ransomware", "locker"),
    "locker": ("locker", "ransomware"),
    "ransom": ("ransomware", "locker"),
}
_HEADING_KIND_NAMES = ("ransomware", "locker", "stealer", "rat", "loader", "botnet", "wiper")


def _in_a_capitals_line(text: str, token: tuple[int, int, str], capitals: dict[int, bool]) -> bool:
    """Whether a word is in capitals in a line written in capitals (a heading, a title); each
    line's answer kept in ``capitals`` by where it begins."""
    start, end, shown = token
    if not shown.isupper():
        return False
    begin = text.rfind("\n", 0, start) + 1
    if begin not in capitals:
        stop = text.find("\n", end)
        letters = [c for c in text[begin : stop if stop >= 0 else len(text)] if c.isalpha()]
        capitals[begin] = sum(c.isupper() for c in letters) >= len(letters) * 0.8
    return capitals[begin]


_LEGITIMATE = frozenset(("legitimate", "legitimately", "legit"))
# The words after a name that say it is a group's ("the Akira group", "Akira's operators").
_GROUP_WORDS = frozenset(("group", "gang", "crew", "operators", "affiliates", "actors", "actor", "team"))
# A discovery command's words (vocabulary.COMMANDS), and how many words after it a switch that
# changes what it lists may come ("net localgroup administrators svc_backup /add").
_COMMAND_KEYS = frozenset(_key(command) for command in COMMANDS)
_SWITCH_WORDS = 4


# A cloud API's or a cmdlet's name (vocabulary.API_NAMES) by its words, and a phrase that needs a
# word beside it (vocabulary.NEEDS_BESIDE), by its words.
_API_KEYS = {_key(name): name for name in API_NAMES}
_BESIDE = {_key(phrase): stems for phrase, stems in NEEDS_BESIDE.items()}


def _written_as_api(shown: str, name: str) -> bool:
    """Whether a word is written as the API's name is: a CamelCase event as written ("CreateUser",
    not PostgreSQL's ``createuser``); a cmdlet, whose case PowerShell ignores, in any case."""
    return shown == name or ("-" in name and shown.lower() == name.lower())


# "net view \\fileserver" lists that host's shares: Network Share Discovery, not the network's
# computers that "net view" alone lists (ATT&CK's Net, S0039).
SHARES_OF_A_HOST = ("net view", "T1135")
_HOST_AFTER = re.compile(r"[ \t]*+\\\\")


# A reboot (System Shutdown/Reboot) into safe mode is Safe Mode Boot (vocabulary.SAFE_MODE_BOOT).
_REBOOT = "T1529"


def _into_safe_mode(after: list[str]) -> bool:
    """Whether the words after a reboot's phrase say it was into safe mode ("into Safe Mode", "in
    safe mode with networking")."""
    return any(word == "safe" and after[at + 1 : at + 2] == ["mode"] for at, word in enumerate(after))


def _names_a_host(text: str, end: int) -> bool:
    """Whether a UNC host name (``\\\\host``) follows the command ending at ``end``."""
    return _HOST_AFTER.match(text, end) is not None


def _changes_what_it_lists(text: str, end: int, after: list[tuple[int, int, str]]) -> bool:
    """Whether a switch written after a discovery command (ending at ``end``) makes it change things
    ("/add", "/delete"), on the command's line."""
    for start, _, word in after:
        if "\n" in text[end:start]:
            break
        if word.lower() in COMMAND_CHANGES and text[start - 1 : start] == "/":
            return True
    return False


def _technique_in_context(
    hit: tuple[str, set[str]],
    choices: tuple[str, ...] | None,
    around: list[str],
    key: str,
    after: list[str],
    in_name: bool = False,
    before: list[str] | None = None,
) -> tuple[str, set[str]] | None:
    """A technique hit as the words around it read it: one of the techniques sharing its name, or
    none for a name ``key`` that is an everyday noun with no word of its technique beside it, that
    ends a longer capitalised name (``in_name``: "Exchange Web Services"), or that the words just
    ``before`` it say the victim lacked ("not protected by multi-factor authentication")."""
    if hit[0] != "technique":
        return hit
    ident = _in_context(choices, around) if choices else next(iter(hit[1]))
    parent = ident.split(".")[0]
    everyday = (
        key in EVERYDAY_TECHNIQUE_NAMES
        or (parent in RECON_PARENTS and len(key.split()) <= 2)
        or (parent in RESOURCE_PARENTS and len(key.split()) <= 3 and key not in DISTINCTIVE_TECHNIQUE_NAMES)
    )
    if everyday and (
        in_name
        or not any(word.startswith(stem) for word in around for stem in CONTEXT_STEMS[parent])
        or (key in EVERYDAY_TECHNIQUE_NAMES and after[:1] and after[0] in THINGS_OF)
        or (key in EVERYDAY_TECHNIQUE_NAMES and LACKING & set(before or ()))
    ):
        return None
    return ("technique", {ident})


def _in_context(choices: tuple[str, ...], around: list[str]) -> str:
    """Of the techniques sharing a name, the one the words around it point to (the first, the one
    more actors use, when none or several do)."""
    scores = [
        sum(any(word.startswith(stem) for word in around) for stem in CONTEXT_STEMS.get(t.split(".")[0], ()))
        for t in choices
    ]
    best = max(scores)
    return choices[scores.index(best)] if best and scores.count(best) == 1 else choices[0]


def _written_as_name(text: str, token: tuple[int, int, str]) -> bool:
    """Whether a word that is also English is written as only a name is: in mixed case ("PuTTY"),
    in capitals inside a sentence that is not ("later they used DUSTMAN"), or as a program file
    ("terminator.exe")."""
    start, end, _ = token
    shown = text[start:end]
    if any(c.isupper() for c in shown[1:]) and not shown.isupper():
        return True
    if shown.isupper() and len(shown) >= 5 and not opens_sentence(text, start):
        stop = text.find("\n", end)
        line = text[text.rfind("\n", 0, start) + 1 : stop if stop >= 0 else len(text)]
        letters = [c for c in line if c.isalpha()]
        if sum(c.isupper() for c in letters) < len(letters) / 2 and text[end : end + 1] != ":":
            return True  # a heading or a shouted line is in capitals throughout
    return _PROGRAM_SUFFIX.match(text, end) is not None


def opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence, a line, a title or a list item."""
    before = text[:start].rstrip(" \t\"'(“‘*#>")
    return not before or before[-1] in ".!?:;\n-–—•|)"
