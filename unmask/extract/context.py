"""What a sentence says of a mention: whether it reports it as seen in this intrusion.

A report names far more than it observed. A mention is not evidence when its sentence

- **denies** it: "no evidence of Emotet", "T1485 was not observed", "did not use PowerShell", a
  table row with a cell "not observed",
  and the rest of a list such a denial opens ("did not see X-Agent, Zebrocy or CHOPSTICK"),
  or a list that "neither" or "none" closes ("Responder and CVE-2023-23397; neither was
  present");
- leaves it **unconfirmed**: "we cannot confirm whether the actors exploited CVE-2023-20269",
  "it is unclear whether";
- names it as another family's **lineage**: "a successor to IcedID", "evolved from",
  "based on the leaked Conti code";
- says it of **another actor**: a comparison or a denial of attribution ("Unlike Lazarus, which
  relies on AppleJeus, ...", "We are not attributing this to Sandworm, whose attacks used
  Industroyer2"), or an actor's known habits ("APT28 typically deploys X-Agent").

"Not" about something else is no denial: "was not patched against CVE-2021-26855", "Mimikatz,
which is not signed", "beacons were not detected", "no doubt".
"""

from __future__ import annotations

import re

__all__ = [
    "DENIED",
    "LINEAGE",
    "UNCONFIRMED",
    "continues_list",
    "denied_row",
    "negated",
    "other_actor_spans",
    "why_not",
]

DENIED = "denied"
UNCONFIRMED = "unconfirmed"
LINEAGE = "lineage"

# Before the mention: a cue of absence in the few words before it (with no "but", "however" or
# a verb of use such as "deployed" between), or "not"/"never" directly on it ("not the", "never
# used", "not linked to").
_NEGATION_BEFORE = re.compile(
    r"\b(?:no(?!\s+(?:doubt|question)\b)|without|nor|neither|none of|absence of|lack of|ruled out"
    r"|rather than|instead of)\b"
    r"(?:(?!\b(?:but|however|although|while|whereas|used|uses|deployed|ran|executed|leveraged|dropped"
    r"|installed|employed|exploited)\b)[^.;:])*$"
    r"|\b(?:not|never)\s+(?:(?:use|used|using|deploy|deployed|run|ran|see|seen|observe|observed|find|found"
    r"|involve|involved|employ|employed|exploit|exploited|leverage|leveraged|drop|dropped|install"
    r"|installed|execute|executed|a|an|the|any|evidence\s+of|linked\s+to|related\s+to|tied\s+to"
    r"|associated\s+with|attributable\s+to)\W+)*$",
    re.IGNORECASE,
)
_PRESENCE = (
    r"(?:observed|seen|found|used|identified|present|involved|deployed|employed|leveraged|exploited"
    r"|discovered|recovered|evident|responsible|behind|linked|related|associated|attributable"
    r"|mentioned|named|reported|among)"
)
# After it: a denial of its presence ("was not observed").
_NEGATION_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:was|were|is|are|has been|have been|could be)\s+(?:not|never)\s+"
    + _PRESENCE
    + r"\b|^\W*(?:\w+\W+){0,2}?(?:was|were)\s+(?:absent|ruled out)\b",
    re.IGNORECASE,
)
# A list closed by "neither" or "none": "relies on Responder and has exploited CVE-2023-23397;
# neither was present".
_NONE_AFTER = re.compile(
    r"^[^.;]{0,120}[;,]\s*(?:but\s+)?(?:neither|none)(?:\s+of\s+(?:them|these|those|which))?"
    r"\s+(?:was|were|is|are|has\s+been|have\s+been)\s+(?:\w+\s+)?" + _PRESENCE + r"\b",
    re.IGNORECASE,
)
_NEGATION_WINDOW = 60  # characters before a mention where a cue still applies to it

_UNCONFIRMED_BEFORE = re.compile(
    r"\b(?:(?:cannot|can\s*not|can't|could\s+not|couldn't|unable\s+to|did\s+not|have\s+not|has\s+not)\s+"
    r"(?:yet\s+)?(?:confirm|verify|determine|establish)\w*\s+(?:whether|if)"
    r"|(?:unclear|uncertain|unknown|not\s+(?:yet\s+)?(?:clear|known|confirmed))\s+(?:whether|if)"
    r"|unconfirmed)\b"
    r"(?:(?!\b(?:but|however|although)\b)[^.;:])*$",
    re.IGNORECASE,
)
_LINEAGE_BEFORE = re.compile(
    r"\b(?:successor\s+(?:to|of)|predecessor(?:\s+(?:to|of))?|evolved\s+from|(?:an\s+)?evolution\s+of"
    r"|rebrand(?:ed|ing)?\s+(?:of|from)|derived\s+from|descendant\s+of|(?:fork|offshoot)\s+of"
    r"|based\s+on\s+(?:the\s+)?(?:leaked\s+)?(?:source\s+)?code\s+(?:of|from))"
    r"\s+(?:the\s+)?(?:(?:older|earlier|former|leaked|original)\s+)?$",
    re.IGNORECASE,
)
# What continues a list from one mention to the next: ", ", " or ", ", and ", "/".
_LIST_GAP = re.compile(r"^\s*(?:,\s*(?:(?:or|and|nor)\s+)?|(?:or|and|nor)\s+|/\s*)$", re.IGNORECASE)
# ... unless the next mention is the subject of its own claim ("no Mimikatz, and PsExec was used").
_OWN_CLAIM_AFTER = re.compile(r"^\s+(?:was|were|is|are|has|had|have)\s+(?!not\b|never\b)", re.IGNORECASE)

# A comparison or a denial of attribution just before an actor's name.
_OTHER_BEFORE = re.compile(
    r"\b(?:unlike|in\s+contrast\s+(?:to|with)|compared\s+(?:to|with)|as\s+opposed\s+to|contrary\s+to"
    r"|distinct\s+from|differs?\s+from|different\s+from|rather\s+than|similar\s+to|resembl\w*"
    r"|reminiscent\s+of|no\s+(?:link|connection|overlap|ties?)s?\s+(?:to|with))"
    r"\s+(?:the\s+)?(?:(?:group|actor|cluster|threat\s+actor)\s+)?$"
    # "We do not attribute it to the People's CyberArmy or to NoName057(16)"
    r"|\bnot\s+(?:be\s+)?attribut\w*\b[^.;:]*$",
    re.IGNORECASE,
)
# An actor's known habits, said after its name ("APT28 typically deploys", "Sandworm, known for",
# "Gamaredon, another Russia-linked actor, uses"): not the past of a narrative ("APT28 deployed").
_HABIT_AFTER = re.compile(
    r"^\)?\W{0,3}(?:\([^)]{0,40}\)\s*)?(?:,[^,;:.]{1,80},)?,?\s*(?:(?:which|who|whose\s+\w+(?:\s+\w+)?)\s+)?"
    r"(?:has\s+|have\s+)?(?:typically|usually|historically|traditionally|often|commonly|frequently|previously"
    r"|mainly|mostly|is\s+known|are\s+known|known\s+(?:to|for)|relies\s+on|rely\s+on|relied\s+on|tends?\s+to"
    # the present tense of a habit ("Gamaredon, another Russia-linked actor, uses Pteranodon")
    r"|uses|employs|deploys|favou?rs|leverages|prefers|operates)\b",
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
    if cue and "," in before[cue.start() :] and _OWN_CLAIM_AFTER.match(sentence[end : end + 20]):
        cue = None  # "no Mimikatz, and PsExec was used": the mention has a claim of its own
    return bool(cue or _NEGATION_AFTER.search(sentence[end : end + 40]) or _NONE_AFTER.search(sentence[end:]))


# A table row's cell that denies the row ("| T1486 | Data Encrypted for Impact | not observed |").
_DENYING_CELL = re.compile(
    r"^\s*(?:(?:was|were)\s+)?(?:not\s+(?:observed|seen|used|found|present|identified|detected)|absent|no|none"
    r"|[✗✘❌])\s*$",
    re.IGNORECASE,
)


def denied_row(sentence: str) -> bool:
    """Whether the sentence is a table row one of whose cells denies it."""
    cells = sentence.strip().strip("|").split("|")
    return len(cells) > 1 and any(_DENYING_CELL.match(cell) for cell in cells)


def why_not(sentence: str, start: int, end: int) -> str | None:
    """Why the mention at ``start:end`` is not reported as seen (:data:`DENIED`,
    :data:`UNCONFIRMED`, :data:`LINEAGE`), or None when it is."""
    if negated(sentence, start, end) or denied_row(sentence):
        return DENIED
    before = sentence[max(0, start - 2 * _NEGATION_WINDOW) : start]
    if _UNCONFIRMED_BEFORE.search(before):
        return UNCONFIRMED
    if _LINEAGE_BEFORE.search(sentence[max(0, start - _NEGATION_WINDOW) : start]):
        return LINEAGE
    return None


def continues_list(sentence: str, previous_end: int, start: int, end: int) -> bool:
    """Whether the mention at ``start:end`` is the next item of a list whose previous item ended
    at ``previous_end`` ("X-Agent, Zebrocy or CHOPSTICK"), and not the subject of a claim of its own."""
    return bool(_LIST_GAP.match(sentence[previous_end:start])) and not _OWN_CLAIM_AFTER.match(
        sentence[end : end + 20]
    )


def _clause_end(sentence: str, at: int) -> int:
    """Where the clause that goes on at ``at`` ends: the next comma, semicolon or colon."""
    found = re.search(r"[,;:]", sentence[at:])
    return at + found.start() if found else len(sentence)


def other_actor_spans(sentence: str, actors: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """(start, end, actor name) of the parts of the sentence said of an actor it names rather than
    of this intrusion: a comparison with it or a denial of attribution to it, or its known habits.

    A comparison covers the actor's name, a relative clause on it ("Unlike Lazarus, which relies
    on AppleJeus,") and else the rest of its clause ("In contrast to APT28's use of X-Agent,");
    a habit covers the rest of the clause, relative clause included.
    """
    spans: list[tuple[int, int, str]] = []
    for start, end, name in actors:
        before = sentence[max(0, start - _NEGATION_WINDOW) : start]
        after = sentence[end:]
        compared = _OTHER_BEFORE.search(before)
        if not compared and not _HABIT_AFTER.match(after):
            continue
        relative = _RELATIVE_AFTER.match(after)
        stop = _clause_end(sentence, end + relative.end()) if relative else _clause_end(sentence, end)
        if not compared:
            found = re.search(r"[;:]", after)
            stop = max(stop, end + found.start() if found else len(sentence))
        spans.append((start - len(before) + compared.start() if compared else start, stop, name))
    return spans
