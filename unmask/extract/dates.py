"""Dates as reports write them: what a sentence says happened when, and what only dates the report.

"2022-07-15", "2022-07-15T01:17:44Z", "15 July 2022", "July 15, 2022", "March, 15th, 2024", "Feb. 17,
2024", "03.02.2025" (day first), "2025/02/03", "2024年3月8日", "27/07/2024" and "07/27/2024" (the order
as the numbers or the report's other such dates say); a range's both ends ("between 2 and 9 March 2026", "September 28 to October 3,
2023"); a day without its year ("On March 14"), which takes the year of the date read before it.
Not activity: a report's own date ("Published ...", a byline's), how long a program has been about
("active since March 2023") or a flaw abused by all ("abused widely since August 2024"), and the
date of what was said of the activity: an attribution, a publication, a disclosure, charges or
sanctions ("the governments attributed it in February 2018", "first reported in May 2023"), or of a
fix ("the client had patched it in October 2023"), which gives no day without its year its year.
"""

from __future__ import annotations

import datetime
import re

__all__ = [
    "YEARLESS_CONFIDENCE",
    "byline",
    "in_year_of",
    "month_name",
    "sentence_dates",
    "slash_order",
    "undecided_dates",
    "unquoted",
    "yearless_dates",
]

# A day without its year is read at this confidence (a full date at 0.5).
YEARLESS_CONFIDENCE = 0.4

# A report's own date: "Published 2025-03-20", "Last updated: March 3, 2024", "Posted on ...".
# Capitalised, as a page's date line is: "the actors updated the implant on March 3" is activity.
_PUBLISHED = re.compile(
    r"\b(?:Published|Posted|Updated|Last [Uu]pdated|Last [Mm]odified|Revised|Release [Dd]ate"
    r"|Publication [Dd]ate|Date of [Pp]ublication|Report [Dd]ate|Date of [Rr]eport|Issue [Dd]ate|Date of [Ii]ssue"
    r"|PUBLISHED|UPDATED)(?:\s+on)?\s*[:\-–]?\s*$"
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"  # "17 Feb 2024", "Feb. 17, 2024"
)
# What joins a range's ends: a dash, "to", "until", "through" ("between 2 and 9").
_RANGE_TO = r"\s*(?:-|\u2013|\u2014|to|and|until|through)\s*"
# Each month's name and abbreviation, lower case, to its number.
_MONTH_NUMBERS = {
    name: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].index(name[:3])
    + 1
    for name in _MONTHS.split("|")
}
# The first day of a range written before a day-month-year date ("between 2 and", "28 February to").
_RANGE_START = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+({_MONTHS})\.?)?{_RANGE_TO}$", re.IGNORECASE)
# The first month of a range of months written before a month and year ("January and", "February to").
_MONTH_RANGE_START = re.compile(rf"\b({_MONTHS})\.?{_RANGE_TO}$", re.IGNORECASE)
# The first day of a range written month first before a month-day-year date ("between October 3
# and", "September 28th to"; "October 3, 2023 to" names its year and is a date of its own).
_US_RANGE_START = re.compile(rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?{_RANGE_TO}$", re.IGNORECASE)
# A range within one month as US advisories write it: "March 2-9, 2026", "March 2 to 9, 2026".
_MONTH_RANGE = re.compile(
    rf"\b({_MONTHS})\.?\s+(\d{{1,2}}){_RANGE_TO}(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE
)
# ISO 8601 with or without its time ("2024-07-29T01:17:44Z"), and a month's name with its day and
# year in either order, a comma after the month too ("March, 15th, 2024", as translations write it).
_DATE = re.compile(
    rf"\b(?:(\d{{4}})-(\d{{2}})-(\d{{2}})(?:(?=T\d{{2}}:\d{{2}})|\b)|(?:(\d{{1,2}})(?:(?:st|nd|rd|th)(?:\s+of)?)?\s+)?"
    rf"({_MONTHS})\.?,?\s+(?:(\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(\d{{4}})\b)",
    re.IGNORECASE,
)
# A date written with dots, day first ("03.02.2025", as in most of Europe), or year first with
# slashes ("2025/02/03"); not a part of a longer number or version ("1.03.02.2025").
_DOTTED_DATE = re.compile(
    r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d]|\.\d)|(?<![\d/])(\d{4})/(\d{2})/(\d{2})(?![\d/])"
    r"|(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"  # "2024年3月8日"
)
# A date written with slashes, the year last: day first in most of the world ("27/07/2024"), month
# first in the US ("07/27/2024"). Which is plain when a number is above 12; when both are 12 or less
# ("04/08/2024"), the report's other such dates say (``slash_order``), or none does.
_SLASHED_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
# What a numbered part of a report is ("Day 1 - 15 April 2024", "Phase 2 - 3 May"): no range's end.
_NUMBERED_PART = re.compile(
    r"\b(?:day|week|phase|part|step|stage|chapter|section|wave|no\.?)\s*$", re.IGNORECASE
)
# A date since when a program or group has been about, not this intrusion's ("active since March
# 2023", "in the wild since", "operating since"), or a flaw or tool used by all and sundry ("that
# affiliates have abused widely since August 2024", "exploited by many actors since"); not what was
# done here ("the actor has had access since August 2024").
_BACKGROUND_SINCE = re.compile(
    r"\b(?:active|operating|operational|in\s+operation|around|existed|in\s+the\s+wild|in\s+use|known"
    r"|widely|broadly|commonly|(?:many|several|multiple|numerous|various)\s+(?:threat\s+)?(?:actors|groups"
    r"|affiliates|operators|gangs))"
    r"(?:\s+\w+){0,2}?\s+since\s+$",
    re.IGNORECASE,
)
# The date of a statement about the activity, not of the activity: an attribution, a publication or
# a disclosure, charges or sanctions ("the US and UK governments attributed it in February 2018",
# "first disclosed on 12 March 2024", "indicted in October 2020", "the advisory of May 2022"), or
# the victim's fix ("had patched it in October 2023": a timeline's day without its year after it is
# not of that year). A
# publication's object, when it has one, is a report or a flaw: "published the stolen data on 3
# March" and "the victim reported the intrusion on 3 March" are the intrusion's, and so is "the attack
# began in June 2017". No cue reaches past a comma or a semicolon (words only between), nor past a
# clause of its own ("attributed to APT44 and which began in June 2017"), nor past a verb of the
# activity's ("activity attributed to APT29 was first observed on 3 March 2024" is its date).
_STATED = re.compile(
    r"(?:(?<![\w-])(?:attributed|indicted|sanctioned|charged|unsealed)"
    r"(?:\s+(?!(?:and|but|or|which|that|who|when|while|after|before|began|started|since|was|were|is|are"
    r"|been|being|has|have|had|ran|run|runs|occurred|happened|observed|seen|deployed|detected|used"
    r"|executed|launched|active)\b)[\w'’-]+){0,6}?"
    r"|(?<![\w-])(?:patched|remediated|fixed)(?:\s+(?!(?:and|but|or|which|that|when)\b)[\w'’-]+){0,4}?"
    r"|(?<![\w-])(?:published|disclosed|reported|announced)"
    r"(?:\s+(?:it|this|these|them|publicly|first|initially|later|its|their|the|an?|report|advisory"
    r"|analysis|findings|details|research|attribution|flaw|vulnerability|bug)){0,3}?"
    r")\s+(?:in|on)\s+(?:the\s+)?$"
    r"|\b(?:advisory|advisories|bulletin|indictment|statement|press\s+release|announcement)"
    r"\s+(?:of|dated|(?:issued|released|published)\s+(?:in|on))\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_STATED_WINDOW = 80  # characters before a date where its cue is looked for


def _stated(sentence: str, start: int) -> bool:
    """Whether the date at ``start`` is that of a statement about the activity (``_STATED``)."""
    return _STATED.search(sentence[max(0, start - _STATED_WINDOW) : start]) is not None


# A byline: who wrote the report, then when ("Posted by the DFIR team, 3 June 2024").
_BYLINE = re.compile(
    r"^\W{0,3}(?:posted|written|published|authored)\s+by\b|^\W{0,3}by\s+[A-Z]", re.IGNORECASE
)
# A day of a month without its year, after a word that dates an event ("On March 14 the actors",
# "since 3 April", "by the 5th of May"): read in the year of the report's last date before it.
_YEARLESS = re.compile(
    rf"\b(?:on|at|since|until|till|by|from|between|and|to|through|before|after)\s+(?:the\s+)?"
    rf"(?:(?P<month>{_MONTHS})\.?,?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<month2>{_MONTHS}))\b(?![.,]?\s*\d)",
    re.IGNORECASE,
)
# A range's first end whose last end names the year: that date is read with its year elsewhere.
_RANGE_WITH_YEAR = re.compile(rf"{_RANGE_TO}[^.;]{{0,25}}?\b\d{{4}}\b", re.IGNORECASE)


def yearless_dates(sentence: str) -> list[tuple[int, int]]:
    """The (month, day) pairs a sentence gives without a year ("On March 14", "since 3 April"); not
    a month written in capitals ("SEP 14": Symantec Endpoint Protection), nor the first end of a
    range whose last end names the year ("from 28 February to 3 March 2026")."""
    found: list[tuple[int, int]] = []
    for match in _YEARLESS.finditer(sentence):
        name = match.group("month") or match.group("month2")
        if not name[:1].isupper() or (len(name) == 3 and name.isupper()):
            continue  # "may 5 hosts", "SEP 14"
        if _RANGE_WITH_YEAR.match(sentence[match.end() :]):
            continue
        if _stated(sentence, match.start("month") if match.group("month") else match.start("day2")):
            continue  # "disclosed on March 14": when it was said
        month, day = _MONTH_NUMBERS[name.lower()], int(match.group("day") or match.group("day2"))
        if 1 <= day <= 31:
            found.append((month, day))
    return found


def slash_order(text: str) -> bool | None:
    """Whether a report writes its slashed dates day first (True: "27/07/2024"), month first
    (False: "07/27/2024"), or does not say (None: none above 12, or both ways)."""
    day_first = month_first = False
    for match in _SLASHED_DATE.finditer(text):
        first, second = int(match.group(1)), int(match.group(2))
        day_first |= first > 12 >= second
        month_first |= second > 12 >= first
    return None if day_first == month_first else day_first


def undecided_dates(sentence: str, day_first: bool | None) -> list[tuple[str, str]]:
    """The slashed dates of a sentence whose order neither they nor the report say (``slash_order``
    None, both numbers 12 or less): each as written, and read day first."""
    if day_first is not None:
        return []
    found = []
    for match in _SLASHED_DATE.finditer(sentence):
        day, month, year = (int(match.group(n)) for n in (1, 2, 3))
        own = _PUBLISHED.search(sentence[max(0, match.start() - 30) : match.start()])
        if 1 <= day <= 12 and 1 <= month <= 12 and 1970 <= year <= 2100 and not own:
            found.append((match.group(0), datetime.date(year, month, day).isoformat()))
    return found


def sentence_dates(sentence: str, day_first: bool | None = None) -> tuple[list[str], list[str], list[str]]:
    """The dates the sentence gives, and apart those that date the report itself and those of a
    statement about the activity (an attribution, a publication, charges, a fix: ``_STATED``).
    A slashed date is read in the report's order (``day_first``: :func:`slash_order`) unless a number
    above 12 says; when neither does, not here (:func:`undecided_dates`)."""
    months = _MONTH_NUMBERS
    out: list[str] = []
    published: list[str] = []
    stated: list[str] = []
    for match in _DATE.finditer(sentence):
        if match.group(1):
            year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
        else:
            if len(match.group(5)) == 3 and match.group(5).isupper():
                continue  # "SEP 14 2023": Symantec Endpoint Protection, not September
            year, month = int(match.group(7)), months[match.group(5).lower()]
            day = match.group(4) or match.group(6)
            if not 1970 <= year <= 2100:
                continue  # "port Dec 8080"
        try:  # 2023-13-45 and 30 February are no dates
            datetime.date(year, month, int(day) if day else 1)
        except ValueError:
            continue
        date = f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")
        own = _PUBLISHED.search(sentence[max(0, match.start() - 30) : match.start()])
        if not day and _BACKGROUND_SINCE.search(sentence[max(0, match.start() - 60) : match.start()]):
            # "Akira is a ransomware operation active since March 2023": a program's age, in months
            # (a day is the intrusion's: "the actors remained active since 3 March 2024")
            continue
        found = [date]
        # "between 2 and 9 March 2026", "2-9 March 2026", "28 February to 3 March 2026": the
        # range's first day too (the match holds only its last); not "Day 1 - 15 April 2024".
        window = max(0, match.start() - 40)
        opening = _RANGE_START.search(sentence[window : match.start()])
        if opening and _NUMBERED_PART.search(
            sentence[max(0, window + opening.start() - 20) : window + opening.start()]
        ):
            opening = None
        if opening and match.group(4):
            first_month = months[opening.group(2).lower()] if opening.group(2) else month
            try:
                start = datetime.date(year, first_month, int(opening.group(1)))
                if start < datetime.date(year, month, int(day)):
                    found.insert(0, start.isoformat())
            except ValueError:
                pass
        # "between October 3 and October 17, 2023", "September 28 to October 3, 2023".
        us_opening = _US_RANGE_START.search(sentence[max(0, match.start() - 40) : match.start()])
        if us_opening and match.group(6):
            try:
                start = datetime.date(year, months[us_opening.group(1).lower()], int(us_opening.group(2)))
                if start < datetime.date(year, month, int(day)):
                    found.insert(0, start.isoformat())
            except ValueError:
                pass
        # "between January and April 2024", "February to March 2024": the first month too.
        first = _MONTH_RANGE_START.search(sentence[max(0, match.start() - 20) : match.start()])
        if first and not match.group(1) and not day and months[first.group(1).lower()] < month:
            found.insert(0, f"{year}-{months[first.group(1).lower()]:02d}")
        (published if own else stated if _stated(sentence, match.start()) else out).extend(found)
    for match in [*_DOTTED_DATE.finditer(sentence), *_SLASHED_DATE.finditer(sentence)]:
        if match.re is _SLASHED_DATE:
            before, after, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
            if before > 12 or (after <= 12 and day_first):
                day_number, month = before, after
            elif after > 12 or (before <= 12 and day_first is False):
                day_number, month = after, before
            else:
                continue  # "04/08/2024" in a report that does not say: undecided_dates
        elif match.group(1):
            year, month, day_number = int(match.group(3)), int(match.group(2)), int(match.group(1))
        elif match.group(4):
            year, month, day_number = int(match.group(4)), int(match.group(5)), int(match.group(6))
        else:
            year, month, day_number = int(match.group(7)), int(match.group(8)), int(match.group(9))
        if not 1970 <= year <= 2100:
            continue
        try:
            date = datetime.date(year, month, day_number).isoformat()
        except ValueError:  # "13.31.2024": no date (nor a US one: dots are written day first)
            continue
        own = _PUBLISHED.search(sentence[max(0, match.start() - 30) : match.start()])
        (published if own else stated if _stated(sentence, match.start()) else out).append(date)
    for match in _MONTH_RANGE.finditer(sentence):
        month, year = months[match.group(1).lower()], int(match.group(4))
        try:
            ends = [datetime.date(year, month, int(match.group(n))) for n in (2, 3)]
        except ValueError:
            continue
        if ends[0] < ends[1]:
            own = _PUBLISHED.search(sentence[max(0, match.start() - 30) : match.start()])
            said = stated if _stated(sentence, match.start()) else out
            (published if own else said).extend(end.isoformat() for end in ends)
    return out, published, stated


def byline(sentence: str) -> bool:
    """Whether the sentence opens as a byline does ("Posted by the DFIR team, 3 June 2024")."""
    return _BYLINE.match(sentence) is not None


def month_name(month: int) -> str:
    """A month's name from its number ("March" for 3)."""
    return _MONTHS.split("|")[month - 1].capitalize()


def in_year_of(month: int, day: int, last: tuple[int, int]) -> str | None:
    """The ISO date of a day given without its year, in the year of the last date read before it
    (``last``: its year and month), the nearer way round the turn of a year: the next year when its
    month comes more than six months before that date's ("December 30, 2023 ... On January 2" is
    2024-01-02), the year before when more than six after ("On 2 January 2024 ..., having gained
    access on December 28" is 2023-12-28). ``None`` for no such day."""
    year = last[0] + (1 if month + 6 < last[1] else -1 if month > last[1] + 6 else 0)
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


# A short quotation that names something: an e-mail's subject, a document's or a file's name
# ("the subject "Kvietimas į pasitarimą 17.02.2025"", "a document titled "Invitation to the 12 March
# meeting""), whose date is the lure's, not the intrusion's; not a quoted account ('the breach
# "began on 12 March 2024"'), nor a bare quotation in a list of subjects (no cue: read as it is).
_SHORT_QUOTE = re.compile(
    r"(?i:\b(?:subjects?(?:\s+lines?)?|titled|entitled|named|called|file(?:name)?|documents?|attachments?|lures?)"
    r'\b[^"“„«.;]{0,20})(?:"[^"\n]{1,60}"|“[^”\n]{1,60}”|„[^“”\n]{1,60}[“”]|«[^»\n]{1,60}»)'
)


_ANY_QUOTE = re.compile(r'"[^"\n]{1,80}"|“[^”\n]{1,80}”|„[^“”\n]{1,80}[“”]|«[^»\n]{1,80}»')
_ONLY_QUOTES = re.compile(rf"\s*(?:[-*•]\s*)?(?:(?:{_ANY_QUOTE.pattern})[\s,;]*)+")


def unquoted(sentence: str) -> tuple[str, list[str]]:
    """The sentence with its short quotations blanked (the same length, so offsets hold), and the
    dates those quotations held."""
    quoted: list[str] = []

    def blank(match: re.Match[str]) -> str:
        found, published, stated = sentence_dates(match.group(0))
        quoted.extend(found + published + stated)
        return " " * len(match.group(0))

    if _ONLY_QUOTES.fullmatch(sentence):  # a line of a list of subjects or names, quoted
        return _ANY_QUOTE.sub(blank, sentence), quoted
    return _SHORT_QUOTE.sub(blank, sentence), quoted
