"""What a sentence says of a mention: whether it reports it as seen in this intrusion.

A report names far more than it observed. A mention is not evidence when its sentence

- **denies** it: "no evidence of Emotet", "T1485 was not observed", "did not use PowerShell",
  "unrelated to the Medusa banking trojan", a table row with a cell "not observed", and the rest
  of a list such a denial opens ("did not see X-Agent, Zebrocy or CHOPSTICK"; carried on by the
  extractor) or that "neither" or "none" closes ("Responder and CVE-2023-23397; neither was
  present");
- leaves it **unconfirmed**: "we cannot confirm whether the actors exploited CVE-2023-20269",
  "it is unclear whether", "we cannot exclude that", "perhaps", "may have been used", "claimed
  that", "reportedly";
- names it as another family's **lineage** or look-alike: "a successor to IcedID", "based on
  the leaked Conti code", "not unlike Emotet";
- says it of **another actor**: a comparison or a denial of attribution ("Unlike Lazarus, which
  relies on AppleJeus, ...", "We are not attributing this to Sandworm, whose attacks used
  Industroyer2"), or an actor's known habits ("APT28 typically deploys X-Agent"), up to a turn
  back to this intrusion ("..., but in this intrusion it used Zebrocy").

Each rule keeps to its clause. "Not" about something else is no denial: "was not patched
against CVE-2021-26855", "Mimikatz, which is not signed", "beacons were not detected", "no
doubt", "With no MFA enforced, the actors used RDP".
"""

from __future__ import annotations

import bisect
import re

__all__ = [
    "BENIGN",
    "DENIED",
    "ELSEWHERE",
    "ELSEWHERE_WORDS",
    "LINEAGE",
    "UNCONFIRMED",
    "continues_list",
    "declares_benign",
    "denied_row",
    "denies_those",
    "hedged",
    "negated",
    "not_this_intrusion_spans",
    "other_actor_spans",
    "own_use",
    "why_not",
    "why_not_indicator",
]

DENIED = "denied"
UNCONFIRMED = "unconfirmed"
LINEAGE = "lineage"
ELSEWHERE = "elsewhere"
BENIGN = "benign"

# Verbs of finding a thing, which "not" or "never" deny ("CERT-LT did not detect Zebrocy", "we
# never identified Mimikatz", "didn't recover X-Agent"), unless a security product is what did not
# find it (:data:`_DETECTOR`: "the EDR did not detect Mimikatz" says Mimikatz ran).
_FINDING = (
    r"detect|detected|identify|identified|recover|recovered|encounter|encountered|discover|discovered"
    r"|spot|spotted"
)
# ... and what they find of it: "did not detect the using of Zebrocy", "no traces of Emotet".
_TRACE_OF = r"(?:the\s+)?(?:using|use|usage|presence|deployment|execution|traces?|signs?)\s+of"
# What detects as a product does: its failing to find a program is no absence of it ("the EDR did
# not detect Mimikatz", "beacons were not detected by the antivirus").
_DETECTOR_WORDS = (
    r"(?:anti-?virus|AV|EDR|XDR|MDR|Defender|endpoint\s+(?:protection|security|agent)|security\s+(?:products?"
    r"|software|tools?|solutions?|controls?|stack)|sensors?|firewalls?|IDS|IPS|SIEM|engines?|scanners?|sandbox"
    r"|signatures?|rules?|monitoring|SOC|VirusTotal)"
)
_DETECTOR = re.compile(rf"\b{_DETECTOR_WORDS}\b", re.IGNORECASE)
# ... or found it later: "Mimikatz was not detected until the third day".
_LATER = re.compile(r"^[^.;:,]{0,40}?\b(?:until|before|at\s+first|initially|in\s+time)\b", re.IGNORECASE)
_DETECTING = re.compile(r"\b(?:detect|identif|spot|discover)\w*\s", re.IGNORECASE)

# Words that qualify a program between "not the" and its name: "not the Rust-based Megazord
# encryptor", "not the original open-source Stowaway" (not "not the first time Mimikatz ran").
_MODIFIER = (
    r"(?:[A-Za-z]+-[A-Za-z]+|new|newer|old|older|original|modified|custom|customi[sz]ed|usual|real|actual"
    r"|genuine|legitimate|official|standard|full|commercial|cracked|known|public|publicly\s+available|latest"
    r"|Linux|Windows|ESXi|macOS|Android|Rust|Go|Golang|Python|C\+\+|\.NET)"
)

# Before the mention: a cue of absence a few words before it, in the same clause (no comma
# between; the rest of a list it opens is carried on by :func:`continues_list`) and with no "but",
# "however", "other than" or verb of use or detection between ("no webshell other than LEMURLOOT
# was observed", "neither blocked nor flagged Mimikatz"); or "not"/"never" directly on it ("not
# the", "never used", "not linked to"); or "no longer uses".
_NEGATION_BEFORE = re.compile(
    r"\b(?:no(?![-\w])(?!\s+(?:doubt|question|longer)\b)|without|nor|neither|none of|absence of|lack of"
    r"|ruled out|rather than|instead of|unrelated to|not related to|not to be confused with|(?:should|must|is|are)\s+not\s+(?:be\s+)?confused\s+with|not\s+the\s+same\s+as|no relation to"
    # "We do not link this incident to MedusaLocker or to ...", "no link to"
    r"|(?:do|does|did|can|could)\s*(?:not|n[’']t)\s+link(?:\s+[\w'’-]+){0,4}?\s+(?:to|with)|no\s+links?\s+(?:to|with))\b"
    r"(?:(?!\b(?:but|however|although|while|whereas|other\s+than|except|apart\s+from|besides|beyond|used"
    r"|uses|deployed|ran|executed|leveraged|dropped|installed|employed|exploited|flagged|blocked|detected"
    r"|caught|stopped|prevented|noticed|alerted|launching|delivering)\b)[^.;:,]){0,60}$"
    r"|(?:\b(?:not|never)|n[’']t)\s+(?:(?:use|used|using|deploy|deployed|run|ran|see|seen|observe|observed|find"
    r"|found|involve|involved|employ|employed|exploit|exploited|leverage|leveraged|drop|dropped|install"
    r"|installed|execute|executed|a|an|the|any|evidence\s+of|linked\s+to|related\s+to|tied\s+to"
    r"|vulnerable\s+to|susceptible\s+to|affected\s+by"
    r"|associated\s+with|attributable\s+to|" + _FINDING + r"|" + _TRACE_OF + r")\W+)*"
    # (another actor's: "We did not see ScarCruft's RokRAT")
    r"(?:(?-i:[A-Z][\w.-]*)(?:'s|’s)\s+)?(?:" + _MODIFIER + r",?\s+){0,3}$"
    r"|\bno\s+longer\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
_PRESENCE = (
    r"(?:observed|seen|found|used|identified|present|involved|deployed|employed|leveraged|exploited"
    r"|discovered|recovered|evident|responsible|behind|linked|related|associated|attributable"
    r"|mentioned|named|reported|among)"
)
# After it, with the mention the subject: a denial of its presence ("T1485 was not observed",
# "and Mimikatz was not."), not in a relative clause on it ("Mimikatz, which was not observed in
# prior incidents, was used") nor one the sentence explains away ("was not found on disk because
# it was loaded into memory").
_NEGATION_AFTER = re.compile(
    r"^\W*(?:(?!(?:which|that|who|whose)\b)\w+\W+){0,3}?(?:was|were|is|are|has been|have been|could be)\s+"
    r"(?:not|never)(?:\s+(?:"
    + _PRESENCE
    + r"|(?:detected|encountered|spotted)(?!\s+(?:by\s+(?:[\w'’-]+\s+){0,3}?"
    + _DETECTOR_WORDS
    + r"|until|before|at\s+first|initially)\b))"
    r"\b(?![^.;]*\b(?:because|but|since|instead|as\s+it|though)\b)"
    r"|\s*[.;,]|\s*$)"
    r"|^\W*(?:\w+\W+){0,2}?(?:was|were)\s+(?:absent|ruled out)\b"
    # a flaw patched before, or whose exploitation the report rules out: "CVE-2023-20269 had been
    # patched before the attack", "not vulnerable to CVE-X ..., so we rule out exploitation of that flaw"
    r"|^\W*(?:\w+\W+){0,2}?(?:was|were|had\s+been|has\s+been)\s+(?:already\s+)?patched\s+(?:before|prior\s+to)\b"
    r"|^[^.;]{0,120}?(?<!\bnot\s)(?<!\bcannot\s)(?<!\bcan't\s)(?<!\bcan’t\s)(?<!\bunable\sto\s)"
    r"\b(?:rules?|ruled|ruling)\s+out\s+(?:the\s+|any\s+)?exploitation\s+of\s+(?:that|this|the|it)\b"
    # "Cobalt Strike did not appear in this intrusion", "X-Agent never showed up"
    r"|^\W*(?:(?!(?:which|that|who|whose)\b)\w+\W+){0,3}?(?:did\s+not|didn't|does\s+not|doesn't|never)\s+"
    r"(?:appear(?:ed)?|show(?:ed)?\s+up|feature[ds]?)\b"
    # "SystemBC, which did not appear here": a relative clause that denies it in this intrusion
    r"|^\s*,?\s*(?:which|that)\s+(?:(?:did\s+not|didn't|never)\s+(?:appear|show\s+up)"
    r"|(?:was|were|has\s+been|have\s+been)\s+(?:not|never)\s+" + _PRESENCE + r")\s+"
    r"(?:here|in\s+(?:this|the\s+(?:current|present))\b)",
    re.IGNORECASE,
)
# A list closed by "neither" or "none": "relies on Responder and has exploited CVE-2023-23397;
# neither was present" (not "none of which were identified by the antivirus": detection).
_NONE_AFTER = re.compile(
    r"^[^.;]{0,120}[;,]\s*(?:but\s+)?(?:neither|none)(?:\s+of\s+(?:them|these|those)(?:\s+[\w-]+){0,2}?)?"
    r"\s+(?:(?:was|were|is|are|has\s+been|have\s+been)\s+(?:\w+\s+)?"
    r"(?:observed|seen|found|used|present|deployed|involved|relevant|detected|identified|recovered)\b(?!\s+by\b)"
    # "...; none of these tools appeared in this intrusion"
    r"|(?:appeared|showed\s+up|featured)\b"
    r"|played\s+(?:any|a)\s+(?:\w+\s+)?role)",
    re.IGNORECASE,
)
_NEGATION_WINDOW = 60  # characters before a mention where a cue still applies to it
# "No evidence that ..." denies its whole clause, verbs of use included: "The agencies have no
# evidence that the actors exploited CVE-2024-21893 in these intrusions" (not past a comma or a
# turn: "no evidence that they stayed, but they ran Mimikatz").
_NO_EVIDENCE_THAT = re.compile(
    r"\b(?:no|not\s+(?:any|find\s+any|see\s+any))\s+(?:(?:further|direct|technical|forensic|other|clear)\s+)?"
    r"(?:evidence|indications?|signs?|proof|reason\s+to\s+believe)\s+(?:(?:was|has\s+been)\s+found\s+)?that\b"
    r"(?:(?!\b(?:but|however|although|though|while|whereas|instead|until|before|after|once|then)\b)[^.;:,]){0,120}$",
    re.IGNORECASE,
)

# "We cannot confirm whether the actors exploited X": the clause after "whether" only ("It is
# unknown if the actor had access before they deployed Cobalt Strike" still reports the tool).
_UNCONFIRMED_BEFORE = re.compile(
    r"\b(?:(?:cannot|can\s*not|can't|could\s+not|couldn't|unable\s+to|did\s+not|have\s+not|has\s+not)\s+"
    r"(?:yet\s+)?(?:(?:confirm|verify|determine|establish)\w*\s+(?:whether|if)"
    # "did not confirm the use of Zebrocy", "could not verify that X-Agent ran"
    r"|(?:confirm|verify)\w*\s+(?:that\b|(?:the\s+)?(?:use|usage|using|presence|deployment|execution)\s+of\b|(?=[A-Z])))"
    r"|(?:unclear|uncertain|unknown|not\s+(?:yet\s+)?(?:clear|known|confirmed))\s+(?:whether|if)"
    r"|unconfirmed|unverified|cannot\s+(?:rule\s+out|exclude)|can't\s+(?:rule\s+out|exclude)"
    r"|(?:it\s+is\s+)?possible\s+that|perhaps|possibly|(?:may|might|could)\s+have|claim(?:ed|s)\s+that"
    r"|allegedly|reportedly|rumou?red|told\s+reporters"
    # "a tool that may be a modified version of the open-source Stowaway proxy" (not "may be the
    # first time", nor a passive "may be used")
    r"|(?:may|might|could)\s+(?:well\s+|also\s+)?be(?=\s+(?!the\s+(?:first|only|last|same|case)\b)"
    r"(?:an?\b|the\b|(?-i:[A-Z]))))\b"
    r"(?:(?!\b(?:but|however|although|though|before|after|when|once|then|and\s+then)\b)[^.;:,])*$",
    re.IGNORECASE,
)
# ... or after the mention: "Dtrack may have been used".
_UNCONFIRMED_AFTER = re.compile(
    r"^\W*(?:(?!(?:which|that|who)\b)\w+\W+){0,2}?(?:may|might|could)\s+(?:also\s+)?have\s+been\b", re.I
)
# Other events and other victims, earlier in the sentence: "In its 2022 campaign against Albanian
# portals, the actor deployed ...", "The affiliate has in the past deployed ...", "Earlier reporting
# linked a similar toolset to Rocke, which used ...", "The technique recalls the 2017 CCleaner
# compromise, which delivered ...". Up to a turn back to this intrusion ("but here ..."); not a
# narrative's past perfect ("the web shell it had previously installed" is this intrusion's).
ELSEWHERE_WORDS = (
    # not "in the past 48 hours" or "in the past two days of the intrusion": recent, this one's
    r"in\s+the\s+past(?!\s+(?:\d+|few|several|couple|one|two|three|four|five|six|seven|ten|24|48|72)\b)"
    r"|(?:has|have)\s+(?:also\s+)?previously|historically"
    r"|in\s+(?:its|their|an?|the)\s+(?:(?:\d{4}|earlier|previous|prior|past|other|older|unrelated|separate)\s+)+"
    r"(?:campaigns?|operations?|intrusions?|attacks?|incidents?|investigations?|engagements?)"
    r"|earlier\s+(?:reporting|research|reports|analysis)|(?:recalls?|echoes)\s+the"
    # "In 2024 the same group was attacking also the energy sector of Poland" (not "the same actor
    # also deployed Mimikatz", a narrative)
    r"|in\s+(?:\w+\s+)?\d{4},?\s+the\s+same\s+(?:group|actor|threat\s+actor|cluster|attackers?)\b"
    r"|the\s+same\s+(?:group|actor|threat\s+actor|cluster|attackers?)\s+(?:has|have|had)\s+(?:also|previously)\b"
    r"|(?:against|at)\s+other\s+(?:victims|targets|organi[sz]ations|companies|entities|customers|clients)"
    r"|at\s+(?:another|a\s+different)\s+(?:victim|target|organi[sz]ation|company|entity|customer|client)"
    # Other actors the report does not name: "Another affiliate we observed in 2024 relied on
    # AnyDesk, and a third used SystemBC", "Several groups exploited Citrix Bleed, among them LockBit
    # 3.0 affiliates" (not "like other affiliates, the actor ...", nor "several groups of hosts").
    r"|(?<!like\s)(?<!as\s)(?<!than\s)(?:another|a\s+different|other|several|many|some|multiple|various)\s+"
    r"(?:(?:ransomware|criminal|cybercriminal|threat|espionage|state-sponsored|nation-state|(?-i:[A-Z][\w-]*))\s+)?"
    r"(?:affiliates?|groups?|actors?|clusters?|gangs?|crews?)(?!\s+of\b)"
    # ("some actors in the intrusion ran AdFind" are this intrusion's)
    r"(?!\s+(?:in|during|behind)\s+(?:this|the)\s+(?:intrusion|incident|attack|breach|campaign|case)\b)"
    r"|\ba\s+(?:second|third|fourth|fifth)(?=\s+(?:affiliate|group|actor|cluster|one|used|ran|relied|deployed"
    r"|dropped|installed|exploited|\w+ed)\b)"
)
# ... and cues that hold across commas, so that a victim named after them is no victim either
# (:func:`not_this_intrusion_spans`): "Earlier, in 2021, the infrastructure at 192.0.2.230 was used
# against a university in Hong Kong", "The activity has many similarities with campaigns CERT-UA
# described against Ukraine".
_OTHER_EVENTS = (
    r"(?:earlier|previously|formerly|back|already)\s*,?\s+(?:in|during)\s+(?:(?:early|late|mid)-?\s*)?\d{4}"
    r"|(?:similarit(?:y|ies)|resemblance|overlaps?)\s+(?:with|to)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:campaigns?|operations?|attacks?|intrusions?|incidents?|activity)"
)
_OTHER_EVENTS_CUE = re.compile(rf"\b(?:{_OTHER_EVENTS})\b", re.IGNORECASE)
_ELSEWHERE_CUE = re.compile(rf"\b(?:{ELSEWHERE_WORDS}|{_OTHER_EVENTS})\b", re.IGNORECASE)
_ELSEWHERE_BEFORE = re.compile(
    rf"\b(?:{ELSEWHERE_WORDS})\b"
    r"(?:(?!\b(?:but|however|whereas|while|here|now|this\s+time|in\s+this"
    r"|this\s+(?:actor|group|cluster|affiliate|operator|intrusion|incident|campaign))\b)[^.;:])*$"
    # other events end where this intrusion's clause begins: "shares similarities with earlier
    # campaigns and targeted a bank in Lithuania with Cobalt Strike" (the intrusion is the subject)
    rf"|\b(?:{_OTHER_EVENTS})\b"
    r"(?:(?!\b(?:but|however|whereas|while|here|now|this\s+time|in\s+this|and\s+(?:then\s+)?\w+ed"
    r"|this\s+(?:actor|group|cluster|affiliate|operator|intrusion|incident|campaign))\b)[^.;:])*$",
    re.IGNORECASE,
)
# ... or after it: "... deployed LockBit 3.0 against other victims", "... which is outside the
# scope of this advisory".
_ELSEWHERE_AFTER = re.compile(
    r"^[^.;:]{0,80}?\b(?:(?:against|at)\s+other\s+(?:victims|targets|organi[sz]ations|companies|entities"
    r"|customers|clients)"
    r"|in\s+the\s+past(?!\s+(?:\d+|few|several|couple|one|two|three|four|five|six|seven|ten)\b)"
    r"|which\s+(?:is|was|are|were)\s+outside\s+the\s+scope"
    # "... was used by Andariel in an unrelated 2022 operation": not a bare year, which may be
    # this intrusion's ("deployed Helminth in its 2022 campaign" from a report on that campaign).
    r"|in\s+(?:its|their|an?|the)\s+(?:\d{4}\s+)?(?:unrelated|separate|earlier|previous|prior|past|older)\s+"
    r"(?:\d{4}\s+)?(?:campaigns?|operations?|intrusions?|attacks?|incidents?|investigations?))\b"
    # "... and is not linked to this intrusion"
    r"|^[^.;:]{0,120}?\b(?:is|are|was|were|has\s+been|have\s+been)\s+(?:not|never)\s+"
    r"(?:\w+\s+)?(?:linked|related|connected|tied|attributed)\s+to\s+(?:this|the\s+(?:current|present))\s+"
    r"(?:intrusion|incident|attack|activity|campaign|case|investigation|compromise|breach|operation)\b",
    re.IGNORECASE,
)
# A family another descends from or resembles: "a successor to IcedID", "not unlike Emotet".
_LINEAGE_BEFORE = re.compile(
    r"\b(?:successor\s+(?:to|of)|predecessor(?:\s+(?:to|of))?|(?:an\s+)?evolution\s+of"
    r"|rebrand(?:ed|ing)?\s+(?:of|from)|descendant\s+of|(?:fork|offshoot|clone|copycat)\s+of"
    r"|(?:not\s+)?unlike|similar\s+to|resembl\w*|reminiscent\s+of|akin\s+to|mimick?\w*|imitat\w*)"
    r"\s+(?:the\s+)?(?:(?:older|earlier|former|leaked|original|infamous|notorious)\s+)?$",
    re.IGNORECASE,
)
# "a variant of Industroyer (Industroyer2)", "a new version of BlackEnergy, dubbed ...": the
# family the one seen, named right after, descends from.
_VARIANT_BEFORE = re.compile(
    r"\b(?:(?:new|updated|modified|newer|later)\s+)?(?:variant|version|iteration|strain)\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_NAMED_AFTER = re.compile(
    r"^(?:\s+(?:malware|backdoor|wiper|ransomware|family))?(?:\s*\(|,?\s+(?:dubbed|called|named|known\s+as|tracked\s+as)\b)",
    re.IGNORECASE,
)
# "based on the leaked Conti code", "reuses Babuk's source code": the family whose code it is.
_CODE_AFTER = re.compile(r"^(?:'s|’s)?\s+(?:leaked\s+)?(?:source\s+)?code\b", re.IGNORECASE)
_CODE_BEFORE = re.compile(
    r"\b(?:based\s+on|built\s+on|reus\w*|derived\s+from|leaked|fork\w*)\b[^.;,]{0,20}$", re.I
)
# What continues a list from one mention to the next: ", ", " or ", ", and ", "/".
_SEPARATOR = r"(?:,\s*(?:(?i:or|and|nor)\s+)?|(?i:or|and|nor)\s+|/\s*)"
# ... with names the KB does not know between them ("Cobalt Strike, Brute Ratel or Sliver").
_NAME_WORD = r"(?!(?i:or|and|nor)\b)[A-Z][\w.+-]*"
_LIST_GAP = re.compile(rf"^\s*{_SEPARATOR}(?:{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}\s*{_SEPARATOR})*$")
_LIST_GAP_CHARS = 80  # a gap longer than this is no list of names
# ... unless the next mention is the subject of its own claim ("no Mimikatz, and PsExec was used").
_OWN_CLAIM_AFTER = re.compile(
    r"^\s+(?:was|were|is|are|has|had|have|ran|\w+ed)\s+(?!not\b|never\b)", re.IGNORECASE
)  # ... or a verb of its own ("Qakbot dropped Cobalt Strike")

# A denial of any link to this intrusion, after what a sentence says of an actor.
_THIS_EVENT = (
    r"(?:this|the\s+(?:current|present))\s+(?:\w+\s+)?(?:intrusion|incident|activity|cluster|campaign|attack"
    r"|case|operation|breach|compromise|investigation|event)s?\b"
)
_NO_LINK_TO_THIS = re.compile(
    r"\b(?:no|not\s+(?:any|find\s+any))\s+(?:\w+\s+)?(?:overlaps?|links?|connections?|ties?|relation(?:ship)?s?)"
    rf"\s+(?:\w+\s+){{0,2}}(?:to|with)\s+{_THIS_EVENT}"
    rf"|\b(?:not|un)\s*(?:linked|connected|related)\s+to\s+{_THIS_EVENT}",
    re.IGNORECASE,
)
# A comparison or a denial of attribution just before an actor's name.
_OTHER_BEFORE = re.compile(
    r"\b(?:unlike|in\s+contrast\s+(?:to|with)|compared\s+(?:to|with)|as\s+opposed\s+to|contrary\s+to"
    r"|distinct\s+from|differs?\s+from|different\s+from|rather\s+than|similar\s+to|resembl\w*"
    r"|reminiscent\s+of|no\s+(?:link|connection|overlap|ties?)s?\s+(?:to|with))"
    r"\s+(?:the\s+)?(?:(?:group|actor|cluster|threat\s+actor)\s+)?$"
    # "We do not attribute it to the People's CyberArmy or to NoName057(16)"
    r"|\bnot\s+(?:be\s+)?attribut\w*(?:\s+\w+){0,3}?\s+to\b[^.;:,]*$",
    re.IGNORECASE,
)
# An actor's known habits, said after its name: "APT28 typically deploys", "Sandworm, known for",
# "Sandworm's toolkit includes",
# "FIN7, best known for Carbanak,", "Gamaredon, another Russia-linked actor, uses". Not the past of
# a narrative ("APT28 deployed"), nor the present tense of an advisory on its own actor ("Volt
# Typhoon uses PowerShell"): only a different actor ("another ...") gets that reading.
_HABIT_AFTER = re.compile(
    r"^\)?\W{0,3}(?:\([^)]{0,40}\)\s*)?"
    r"(?:,\s*(?:by\s+contrast|in\s+contrast|however|meanwhile|for\s+(?:its|their)\s+part)\s*,)?"
    r",?\s*(?:(?:which|who|whose\s+\w+(?:\s+\w+)?)\s+)?"
    r"(?:has\s+|have\s+)?(?:typically|usually|historically|traditionally|often|commonly|frequently"
    r"|previously|mainly|mostly|(?:(?:best|well|widely|also)\s+)?known\s+(?:to|for)|is\s+known|are\s+known"
    r"|relies\s+on|rely\s+on|tends?\s+to)\b"
    r"|^\)?,\s*another\b[^,;:.]{1,80},\s*(?:uses|employs|deploys|favou?rs|leverages|prefers|relies\s+on)\b"
    # What an actor has, not what it did here: "Sandworm's toolkit includes", "APT28's arsenal",
    # "Lazarus's previous campaigns" (not "Sandworm's operators deployed", a narrative).
    r"|^(?:'s|’s|')\s+(?:(?:long-?standing|usual|typical|known|custom|own|broader|wider|extensive)\s+)?"
    r"(?:toolkit|toolset|tool\s+set|arsenal|repertoire|playbook|tooling|malware\s+(?:arsenal|families|portfolio))\b"
    r"|^(?:'s|’s|')\s+(?:previous|past|earlier|prior|older|other|historical|known|former)\s+"
    r"(?:campaigns?|operations?|intrusions?|attacks?|activity|activities|incidents?)\b",
    re.IGNORECASE,
)
# What an actor uses, said plainly ("Patchwork likes to use BADNEWS", "the BITTER organization uses
# ArtraDownloader"): its habit only when the report then denies it here (:data:`_THOSE_DENIED`).
_USE_AFTER = re.compile(
    r"^\)?\s*(?:(?:group|organi[sz]ation|actor|team|gang|crew|cluster)\s+)?"
    r"(?:(?:typically|usually|often|also|always)\s+)?"
    r"(?:uses|use|employs|deploys|likes\s+to\s+use|prefers(?:\s+to\s+use)?|favou?rs|has\s+used|have\s+used"
    r"|is\s+known\s+to\s+use|are\s+known\s+to\s+use)\b",
    re.IGNORECASE,
)
# ... a denial of what was just said of it: "we did not see any of these tools", "we did not see
# it in this activity", "none of them was observed".
_THOSE_DENIED = re.compile(
    r"\b(?:(?:did|do|have|has|had)\s*(?:not|n[’']t)|never)\s+(?:see|seen|saw|observe|observed|find|found"
    r"|identify|identified|detect|detected)\s+(?:any\s+of\s+)?(?:these|those|them|it|this|such)\b"
    r"|\b(?:none|neither)\s+of\s+(?:these|those|them)\b[^.;]{0,40}?\b(?:was|were)\s+(?:\w+\s+)?"
    r"(?:seen|observed|found|used|present|identified)\b",
    re.IGNORECASE,
)


def denies_those(sentence: str) -> bool:
    """Whether the sentence denies what was said before it ("In this activity we did not see any of
    these tools"): what the sentence before said an actor uses is its habit, not this intrusion's."""
    return _THOSE_DENIED.search(sentence) is not None


# Where a habit stops: a turn to this intrusion ("but in this intrusion the actor used Zebrocy").
_BACK_TO_THIS = re.compile(
    r"\b(?:but|however|while|whereas|yet|although|though|instead|in\s+this|this\s+time|here|now)\b|[;:]",
    re.IGNORECASE,
)
# A relative clause on the actor's name: it runs to the comma that closes it.
# "Sandworm's intrusions into energy grids, which used ...": a few words of its own first.
_RELATIVE_AFTER = re.compile(
    r"^\)?(?:'s|’s)?[^,;:.()]{0,60}?(?:\([^)]{0,40}\)\s*)?,\s*(?:which|who|whose|known\s+for)\b",
    re.IGNORECASE,
)


def negated(sentence: str, start: int, end: int) -> bool:
    """Whether the sentence denies the mention at ``start:end`` rather than reporting it."""
    before = sentence[max(0, start - _NEGATION_WINDOW) : start]
    cue = _NEGATION_BEFORE.search(before)
    if cue and _DETECTING.search(cue.group(0)):
        # "The EDR did not detect Mimikatz", "we did not detect X-Agent until day 3": a miss, not an absence
        opened = max(before.rfind(mark, 0, cue.start()) for mark in ",;:")
        if _DETECTOR.search(before, opened + 1, cue.start()) or _LATER.match(sentence[end:]):
            cue = None
    return bool(
        cue
        or _NO_EVIDENCE_THAT.search(sentence[max(0, start - 2 * _NEGATION_WINDOW) : start])
        or _NEGATION_AFTER.search(sentence[end : end + 120])
        or _NONE_AFTER.search(sentence[end:])
    )


# A table row's cell that denies the row ("| T1486 | Data Encrypted for Impact | not observed |");
# not "no" or "none", which say what they say of their column ("Blocked by EDR: No").
_DENYING_CELL = re.compile(
    r"^\s*(?:(?:was|were)\s+)?(?:not\s+(?:observed|seen|used|found|present|identified|detected)|absent"
    r"|[✗✘❌])\s*$",
    re.IGNORECASE,
)


def denied_row(sentence: str) -> bool:
    """Whether the sentence is a table row one of whose cells denies it."""
    cells = sentence.strip().strip("|").split("|")
    return len(cells) > 1 and any(_DENYING_CELL.match(cell) for cell in cells)


def why_not(sentence: str, start: int, end: int) -> str | None:
    """Why the mention at ``start:end`` is not reported as seen (:data:`DENIED`,
    :data:`UNCONFIRMED`, :data:`LINEAGE`, :data:`ELSEWHERE`), or None when it is."""
    if negated(sentence, start, end) or denied_row(sentence):
        return DENIED
    if _unconfirmed(sentence, start, end):
        return UNCONFIRMED
    before = sentence[max(0, start - _NEGATION_WINDOW) : start]
    if (
        _LINEAGE_BEFORE.search(before)
        or (_CODE_AFTER.match(sentence[end:]) and _CODE_BEFORE.search(before))
        or (_VARIANT_BEFORE.search(before) and _NAMED_AFTER.match(sentence[end:]))
    ):
        return LINEAGE
    if _elsewhere(sentence, start, end):
        return ELSEWHERE
    return BENIGN if own_use(sentence, start, end) else None


# ... or a later clause says the sentence's claim could not be checked: "...; we have not recovered
# the binary and could not verify this".
_UNVERIFIED_LATER = re.compile(
    r"^[^.]{0,200}?[;,]\s*(?:[\w'’]+\s+){0,10}?(?:could\s*not|couldn't|cannot|can\s*not|can't|were\s+unable\s+to"
    r"|was\s+unable\s+to|have\s+not\s+been\s+able\s+to|has\s+not\s+been\s+able\s+to)\s+(?:yet\s+)?"
    r"(?:verify|confirm)\s+(?:this|it|that|these|them)\b",
    re.IGNORECASE,
)


def _unconfirmed(sentence: str, start: int, end: int) -> bool:
    return bool(
        _UNCONFIRMED_BEFORE.search(sentence[max(0, start - 2 * _NEGATION_WINDOW) : start])
        or _UNCONFIRMED_AFTER.match(sentence[end : end + 60])
        or _UNVERIFIED_LATER.match(sentence[end : end + 400])
    )


def _elsewhere(sentence: str, start: int, end: int) -> bool:
    return _elsewhere_before(sentence, start) or bool(_ELSEWHERE_AFTER.match(sentence[end:]))


# An indicator's own denial: "5.252.178.12 was not contacted", "no traffic to 5.252.178.12", "not
# 1.2.3.4"; not a denial of something else in its sentence ("logged in without MFA from 1.2.3.4")
# nor what a feed or a scanner did not know ("was not found in any threat intelligence feed").
_INDICATOR_DENIED_BEFORE = re.compile(
    r"\bno\s+(?:traffic|connections?|communications?|contact|requests?|beacons?|beaconing|lookups?"
    r"|queries|resolutions?|logins?|sign-ins?)\s+(?:to|with|from|of|for)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$"
    r"|\b(?:not|never)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_INDICATOR_DENIED_AFTER = re.compile(
    r"^\W*(?:(?!(?:which|that|who)\b)\w+\W+){0,3}?(?:was|were|is|are|has\s+been|have\s+been)\s+(?:not|never)\s+"
    r"(?:observed|seen|used|contacted|involved|present|reached|resolved)\b"
    r"(?![^.;]*\b(?:because|but|since|instead|as\s+it|though)\b)",
    re.IGNORECASE,
)


# An indicator the report places outside this intrusion: "not linked to this intrusion", and "not
# observed in this intrusion", "not part of this intrusion" (said of a value, not of an actor).
_NOT_IN_THIS = re.compile(
    rf"{_NO_LINK_TO_THIS.pattern}"
    rf"|\bnot\s+(?:been\s+)?(?:observed|seen|used|found|detected|present|involved)\s+(?:in|during)\s+{_THIS_EVENT}"
    rf"|\bnot\s+(?:a\s+)?part\s+of\s+{_THIS_EVENT}",
    re.IGNORECASE,
)
# What the report says is harmless: "These were NOT malicious and must not be blocked or shared as
# indicators:", "it is not malicious and should not be blocked: <sha256>" (not "a benign-looking
# lure", nor "legitimate, signed; abused").
_BENIGN_CUE = re.compile(
    r"\bnot\s+malicious\b|\b(?:is|are|was|were)\s+(?:\w+\s+)?benign(?![-\w]|\s+looking)|\bknown[- ]good\b"
    r"|\b(?:should|must)\s+not\s+be\s+(?:blocked|shared|flagged)\b",
    re.IGNORECASE,
)
_CONTRAST = re.compile(r"\b(?:but|however|whereas|while|unlike)\b", re.IGNORECASE)
_NEW_CLAUSE = re.compile(
    r";|\b(?:and|,)\s+(?:the|this|these|that|its|their)\s+(?!(?:hash|file|value|address|domain)\b)\w+",
    re.IGNORECASE,
)


# A program or file the victim's own staff used: "PsExec from Microsoft Sysinternals, used by the
# operators' own IT staff for patching", "7-Zip 23.01 installer used by the IT team" (not when the
# sentence says it was abused: "AnyDesk, used by the IT team, was abused by the actors").
_OWN_USE = (
    r"\b(?:used|run|installed|deployed)\s+(?:legitimately\s+|routinely\s+|regularly\s+)?by\s+(?:the\s+)?"
    r"(?:[\w'’]+\s+){0,2}?(?:own\s+)?(?:(?-i:IT)\s+(?:staff|teams?|department|personnel|admins|administrators|support)"
    r"|(?:system|network)\s+administrators|sysadmins|help\s*desk)\b"
    r"(?![^.;]*\b(?:abused|misused|hijacked|attackers?|intruders?)\b)"
    r"(?![^.;,]*\b(?:actors?|operators?|adversar\w*)\b)"
)
# The cue just after the name, in its clause and said of it, not of a place it was on ("Mimikatz was
# found on the server used by the IT team" is the intruder's).
_OWN_USE_AFTER = re.compile(rf"^(?:[^.;:]|\.(?=\d)){{0,80}}?{_OWN_USE}", re.IGNORECASE)
_ON_A_PLACE = re.compile(
    r"\b(?:on|in|at|onto|to|from|via)\s+(?:the|a|an|its|their|one)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:servers?|hosts?|machines?|laptops?|workstations?|systems?|shares?|networks?|controllers?|accounts?)\b",
    re.IGNORECASE,
)
# ... or a list the cue opens with a colon ("Tools used by the IT staff: PsExec, 7-Zip"); nothing
# after the cue in running prose is its ("installed by the IT department, the actors ran Mimikatz").
_OWN_USE_BEFORE = re.compile(
    rf"{_OWN_USE}(?:\s*:[^;:]{{0,80}}"
    # ... or its file's hash right after ("installer used by the IT team, MD5 b9ed...")
    r"|(?:\s+for\s+[\w -]{0,30}?)?\s*,?\s*(?:SHA-?256|SHA-?1|MD5|hash(?:es)?)\s*:?\s*)$",
    re.IGNORECASE,
)


def own_use(sentence: str, start: int, end: int) -> bool:
    """Whether the sentence says the victim's own IT staff used what it names at ``start:end``."""
    after = _OWN_USE_AFTER.match(sentence[end : end + 200])
    if after is not None and not _ON_A_PLACE.search(after.group(0)):
        return True
    return _OWN_USE_BEFORE.search(sentence[max(0, start - 200) : start]) is not None


# An indicator the report doubts: "| 198.51.100.201 | Possibly used for web shell access; seen once,
# low confidence |" (any cell of its row, or in prose the rest of its clause).
_HEDGE = re.compile(
    r"\b(?:possibly|possible|suspected|unconfirmed|low[- ]confidence|low\s+certainty)\b", re.IGNORECASE
)


def hedged(sentence: str, start: int, end: int) -> bool:
    """Whether the sentence hedges the indicator at ``start:end`` (kept, at a lower confidence)."""
    if sentence.count("|") >= 2:
        return bool(_HEDGE.search(sentence))
    return bool(_HEDGE.search(sentence, end, _clause_end(sentence, end)))


def declares_benign(sentence: str) -> bool:
    """Whether the sentence says what it names (or the list it opens, with a colon) is harmless."""
    return bool(_BENIGN_CUE.search(sentence))


def _benign(sentence: str, at: int) -> bool:
    """Whether the sentence says the indicator at ``at`` is harmless, with no contrast between the
    two ("the legitimate installer; it is not malicious and should not be blocked: <sha256>")."""
    cue = _BENIGN_CUE.search(sentence)
    if cue is None:
        return False
    between = sentence[min(at, cue.start()) : max(at, cue.end())]
    if cue.start() < at:  # the cue opens what follows it, with a colon ("...: <sha256>")
        return ":" in sentence[cue.end() : at] and not _CONTRAST.search(between)
    # said after it, of it: in its clause, not of another thing in a clause of its own ("from
    # 198.51.100.23; the tool itself is not malicious", "203.0.113.5 and the traffic was benign")
    return not (_CONTRAST.search(between) or _NEW_CLAUSE.search(between))


def why_not_indicator(sentence: str, start: int, end: int) -> str | None:
    """Why the indicator at ``start:end`` is not this intrusion's (:data:`DENIED`,
    :data:`UNCONFIRMED`, :data:`ELSEWHERE`), or None. Narrower than :func:`why_not`: an
    indicator is denied only by words about it, not by a "no" or "without" of its clause."""
    if denied_row(sentence) or _INDICATOR_DENIED_AFTER.match(sentence[end : end + 120]):
        return DENIED
    # "104.168.175[.]84 was used by Lazarus in 2021; it is not linked to this intrusion", and the
    # table row "| 104.168.175[.]85 | Not linked to this intrusion |".
    if _benign(sentence, end) or own_use(sentence, start, end):
        return BENIGN
    link = _NOT_IN_THIS.search(sentence, end)
    if link:
        between = sentence[end : link.start()]
        # in the indicator's own clause, or said of it by a pronoun ("...; it is not linked")
        if (
            sentence.count("|") >= 2  # a table row speaks of its own indicator
            or not re.search(r"[,;]|\b(?:but|however|yet|while|whereas)\b", between, re.IGNORECASE)
        ) or re.search(
            r"[,;]\s*(?:it|which|this\s+(?:address|domain|host|server|indicator))\s+(?:\w+\s+){0,2}$",
            between,
            re.IGNORECASE,
        ):
            return DENIED
    if _INDICATOR_DENIED_BEFORE.search(sentence[max(0, start - _NEGATION_WINDOW) : start]):
        return DENIED
    if _unconfirmed(sentence, start, end):
        return UNCONFIRMED
    return ELSEWHERE if _elsewhere(sentence, start, end) else None


def _elsewhere_before(sentence: str, start: int) -> bool:
    """Whether a cue of other events governs the mention at ``start``: in its clause, or across a
    comma when the cue opens the sentence ("In its 2022 campaign against Albania, the actor
    deployed ...") or the comma opens a relative clause on what the cue names ("recalls the 2017
    CCleaner compromise, which delivered Floxif"); not "APT28, which has previously targeted NATO
    members, deployed Mimikatz"."""
    governed = _ELSEWHERE_BEFORE.search(sentence[:start])  # a cue, and no turn after it
    if governed is None:
        return False
    cue = _ELSEWHERE_CUE.match(sentence, governed.start())
    between = sentence[cue.end() if cue else governed.start() : start]
    if "," not in between:
        return True
    opening = not sentence[: governed.start()].strip(' "“(')
    return opening or all(
        re.match(r"\s*(?:which|who|whose)\b", part, re.IGNORECASE) for part in between.split(",")[1:]
    )


# What ends a stretch about other events: a turn back to this intrusion, or the sentence's end.
_TURN = re.compile(
    r"\b(?:but|however|whereas|while|here|now|this\s+time|in\s+this)\b|[.;:](?!\S)", re.IGNORECASE
)  # (not the dots of an address: "at 192.0.2.230 was used against ...")
# A clause that denies what it tells: "CERT-LT did not observe the attacks against energy
# enterprises in Lithuania", "we have no evidence that they targeted Poland".
_DENIED_CLAUSE = re.compile(
    r"\b(?:(?:did|do|does|have|has|had|could)\s*(?:not|n[’']t)|never)\s+(?:observe|see|seen|saw|find|found|confirm)\w*\b"
    r"|\bno\s+(?:\w+\s+)?(?:evidence|indications?|signs?)\s+(?:that|of)\b",
    re.IGNORECASE,
)


def not_this_intrusion_spans(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of the stretches of a sentence that tell of other events across commas
    ("Earlier, in 2021, ... against a university in Hong Kong, but ...": up to the turn; "many
    similarities with campaigns ... against Ukraine": its clause) or that deny what they tell ("did
    not observe the attacks against energy enterprises in Lithuania": its clause). The victims they
    name are not this intrusion's."""
    # where each turn and each clause's end is, found once (a line of many cues stays linear)
    turns = [m.start() for m in _TURN.finditer(sentence)] + [len(sentence)]
    commas = sorted([m.start() for m in re.finditer(r"[,;:]", sentence)] + turns)

    def next_of(stops: list[int], at: int) -> int:
        return stops[bisect.bisect_left(stops, at)]

    spans = []
    for cue in _OTHER_EVENTS_CUE.finditer(sentence):
        opening = not sentence[: cue.start()].strip(' "“(')
        spans.append((cue.start(), next_of(turns if opening else commas, cue.end())))
    for cue in _DENIED_CLAUSE.finditer(sentence):
        spans.append((cue.start(), next_of(commas, cue.end())))
    return spans


def continues_list(sentence: str, previous_end: int, start: int, end: int) -> bool:
    """Whether the mention at ``start:end`` is the next item of a list whose previous item ended
    at ``previous_end`` ("X-Agent, Zebrocy or CHOPSTICK"), and not the subject of a claim of its own."""
    gap = sentence[previous_end:start]
    return (
        len(gap) <= _LIST_GAP_CHARS
        and bool(_LIST_GAP.match(gap))
        and not _OWN_CLAIM_AFTER.match(sentence[end : end + 20])
    )


def _clause_end(sentence: str, at: int) -> int:
    """Where the clause that goes on at ``at`` ends: the next comma, semicolon or colon."""
    found = re.search(r"[,;:]", sentence[at:])
    return at + found.start() if found else len(sentence)


def other_actor_spans(
    sentence: str, actors: list[tuple[int, int, str]], denied_next: bool = False
) -> list[tuple[int, int, str]]:
    """(start, end, actor name) of the parts of the sentence said of an actor it names rather than
    of this intrusion: a comparison with it or a denial of attribution to it, or its known habits.

    A comparison covers the actor's name, a relative clause on it ("Unlike Lazarus, which relies
    on AppleJeus,") and else the rest of its clause ("In contrast to APT28's use of X-Agent,").
    A habit in a relative clause or an apposition covers that clause ("Sandworm, known for
    Industroyer, deployed Industroyer2"); one in the main clause, the rest of it up to a turn back
    to this intrusion ("APT28 typically deploys X-Agent, but in this intrusion ...").  What an actor
    plainly uses ("Patchwork uses BADNEWS") is a habit when the report denies it, later in the
    sentence ("; we did not see it in this activity") or in the next one (``denied_next``).
    """
    spans: list[tuple[int, int, str]] = []
    denied = _NO_LINK_TO_THIS.search(sentence)
    # the last actor named before the denial is the one it sets apart ("APT29, which used WellMess;
    # an APT28 server seen nearby has no connection to this intrusion" is about APT28)
    last = max((start for start, _, _ in actors if denied and start < denied.start()), default=None)
    for start, end, name in actors:
        if denied and start == last:
            # "APT37 uses ROKRAT; we found no technical overlap with this cluster": the sentence
            # tells what the actor does only to set it apart from this intrusion.
            spans.append((start, denied.start(), name))
            continue
        before = sentence[max(0, start - _NEGATION_WINDOW) : start]
        after = sentence[end:]
        compared = _OTHER_BEFORE.search(before)
        habit = None if compared else _HABIT_AFTER.match(after)
        if not compared and not habit:
            use = _USE_AFTER.match(after)
            if use and (denied_next or _THOSE_DENIED.search(after, use.end())):
                turn = _BACK_TO_THIS.search(after, use.end())
                spans.append((start, end + turn.start() if turn else len(sentence), name))
            continue
        relative = _RELATIVE_AFTER.match(after)
        if relative or (habit and after.lstrip(")").startswith(",")):
            # the clause on the actor: to the comma that closes it (an apposition's second comma)
            opened = end + (relative.end() if relative else after.index(",") + 1)
            stop = _clause_end(sentence, opened)
            if habit and not relative and habit.group(0).count(",") > 1:
                stop = _clause_end(sentence, end + habit.end())
        elif compared:
            stop = _clause_end(sentence, end)
        else:
            turn = _BACK_TO_THIS.search(after)
            stop = end + turn.start() if turn else len(sentence)
        spans.append((start - len(before) + compared.start() if compared else start, stop, name))
    return spans
