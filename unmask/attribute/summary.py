"""The judgement in words: the summary an assessment opens with.

ICD 203's terms for likelihood, the analytic confidence beside them, the state level as its own
judgement, a near tie named, what the parts of the incident say (a split that names no actor for
the whole, or the parts the whole's judgement rests on), and the cautions a reader of the summary
alone must not miss (a criminal group's "state", a lead that repeats a known campaign).
"""

from __future__ import annotations

from collections.abc import Collection

from unmask.attribute.calibrate import likelihood_band, percent
from unmask.attribute.phases import part_title
from unmask.attribute.sponsor import NO_STATE, UNKNOWN_STATE, state_words
from unmask.knowledge.countries import country_name
from unmask.model import Actor, Assessment, Hypothesis

__all__ = [
    "NEAR_TIE",
    "SPLIT_MIN_PROBABILITY",
    "SPLIT_PREFIX",
    "WEAK_LEAD",
    "WHOLE_READING",
    "by_part",
    "financial_sponsor_note",
    "is_split",
    "part_lead",
    "parts_named",
    "repeats_campaign",
    "split_summary",
    "summary",
    "whole_titles",
]

# Below this, the leading hypothesis is reported as not singling anyone out.
WEAK_LEAD = 0.45
# A part "points to" an actor when that actor holds at least this much of the part's probability.
# A part points to an actor, for the split and for the exports alike, when its lead is at least
# a roughly even chance ("HEXANE, unlikely, 39 %" is no actor of the incident to name).
SPLIT_MIN_PROBABILITY = WEAK_LEAD
# How the warning (and the summary) of a split incident begins.
SPLIT_PREFIX = "The evidence splits into parts that point to different actors"
# What the whole incident's groups and sponsors are when it splits (the titles of their tables).
WHOLE_READING = "the whole incident taken as one actor's work: a reading the parts deny"


def financial_sponsor_note(lead: list[Actor], sponsors: list[Hypothesis]) -> str:
    """A caution when the state named rests on a sponsor claim about a financially motivated group.

    Sources (CFR's "suspected state sponsor", in MISP) sometimes give such a group a state, meaning
    where it operates from as much as who directs it: a report must not read as state
    responsibility for a ransomware crew without saying so.
    """
    if not lead or not sponsors or not lead[0].sponsor or sponsors[0].id != lead[0].sponsor:
        return ""
    actor = lead[0]
    if not actor.motivations or not set(actor.motivations) <= {"financial"}:
        return ""
    return (
        f" {actor.name} is financially motivated in the sources; that it is {country_name(actor.sponsor)}'s"
        ' rests on a "suspected state sponsor" or country-of-origin claim, which for a criminal group'
        " may say where it operates from rather than that the state directs it."
    )


# The runner-up is named in the summary when it holds at least this share of the lead's probability.
NEAR_TIE = 0.8


def summary(
    groups: list[Hypothesis],
    sponsors: list[Hypothesis],
    compared: int,
    candidates: int,
    lead_state: tuple[str, str] | None = None,
) -> str:
    if not compared:
        # The probabilities are then the prior: naming the likeliest state would read as a lead.
        return (
            "Nothing in the case can be compared with what the knowledge base knows of actors "
            "(see the warnings): no actor and no state is singled out, and the probabilities of this assessment "
            "are the knowledge base's base rates, not a finding."
        )
    lead = groups[0]
    who = "a group the knowledge base does not know" if lead.kind == "unknown" else lead.label
    band = f"{_a(lead.likelihood)} ({likelihood_band(lead.probability)})"
    if lead.probability < WEAK_LEAD:
        text = (
            # "even ... is very unlikely (5–20 %)": "is only very unlikely" read as a slip.
            f"The evidence does not single out an actor: even the most likely hypothesis, that {who} "
            f"is behind this activity, is {band}.{_held(lead)}"
        )
        others = [h.probability for h in groups if h.kind == "actor" and h is not lead]
        rest = sum(others) + sum(h.probability for h in groups if h.kind == "other")
        count = candidates - (lead.kind == "actor")
        if count > 0 and rest > 0:
            largest = max(others, default=0.0)
            shown = percent(largest, 1) if largest >= 0.001 else "< 0.1%"
            # "none above 4.2%"; "each below 1%", not "none above < 1%"
            top = (
                ""
                if not others
                else f", each below {shown[2:]}"
                if shown.startswith("<")
                else f", none above {shown}"
            )
            text += (
                f" The {'other ' if lead.kind == 'actor' else ''}{count} known actors the evidence "
                f"can be compared with share {percent(rest, 0)}{top}"
            )
            unknown = next((h for h in groups if h.kind == "unknown"), None)
            if lead.kind == "actor" and unknown is not None:
                text += f"; a group the knowledge base does not know, {percent(unknown.probability, 0)}"
            text += "."
    else:
        text = f"It is {band} that {who} is behind this activity.{_held(lead, 'this')}"
    runner = next((h for h in groups[1:] if h.kind in ("actor", "unknown")), None)
    # (A weak actor lead's sentence has already given the unknown group's share.)
    said = (
        lead.probability < WEAK_LEAD
        and lead.kind == "actor"
        and runner is not None
        and runner.kind == "unknown"
    )
    if runner is not None and runner.probability >= NEAR_TIE * lead.probability and not said:
        # A near tie is the finding: a reader of the first name alone would miss it.
        other = "a group the knowledge base does not know" if runner.kind == "unknown" else runner.label
        text += _as_likely(other, runner, lead)
    state = sponsors[0] if sponsors else None
    if state is not None:
        words = f"{_a(state.likelihood)} ({likelihood_band(state.probability)})"
        claim = {
            "none": "no state is behind it (a criminal group)",
            "unknown-state": "the sponsor is a state the knowledge base does not name, or none",
        }.get(state.kind, f"the sponsor is {state.label}")
        if state.probability < WEAK_LEAD:
            # A weak state lead mostly reflects how many groups each state has: say so.
            likeliest = (
                "that the sponsor is unknown (a state the knowledge base does not name, or none)"
                if state.kind == "unknown-state"
                else state.label
            )
            text += f" No state stands out either: even the likeliest, {likeliest}, is {words}.{_held(state)}"
        else:
            text += f" At the state level, it is {words} that {claim}{_resting_on(state, lead, lead_state)}.{_held(state)}"
        second = sponsors[1] if len(sponsors) > 1 else None
        if second is not None and second.probability >= NEAR_TIE * state.probability:
            # A state level with the first (a thin case holds the leader level with an unnamed
            # sponsor) is part of the finding.
            named = {"none": "no state (a criminal group)", "unknown-state": "an unnamed sponsor"}.get(
                second.kind, second.label
            )
            text += _as_likely(named, second, state)
        if lead_state is not None and state.id not in (lead_state[1], UNKNOWN_STATE):
            own = "a criminal group of no state" if lead_state[1] == NO_STATE else state_words(lead_state[1])
            text += (
                f" The likeliest state is not that of {lead_state[0]}, the likeliest known group whose "
                f"allegiance the sources give ({own}): "
                f"the state level weighs all the groups of each state (or of none) together, and those "
                f"of {state.label} hold more of the probability."
            )
    return text


def _resting_on(state: Hypothesis, lead: Hypothesis, lead_state: tuple[str, str] | None) -> str:
    """What a state's lead rests on, when no known group of that state leads the group level (a
    new group leads, or another state's group): the state level pools many groups, and the reader
    must see by what ("(what favours its groups most: T1098.001 Additional Cloud Credentials;
    T1606.002 SAML Tokens)")."""
    if state.kind not in ("state", "none"):
        return ""
    if lead.kind == "actor" and lead_state is not None and lead_state[1] == state.id:
        return ""
    if not state.evidence_for and state.weaker_for[0]:
        return f" ({state.weaker_for[0]} item(s) favour its groups, each only a little or only some of them)"
    if not state.evidence_for:
        return (
            ", though no item of the case favours its groups over others: the state level then says how many "
            "groups each state has as much as what the case holds"
        )
    items = [label for label, _ in state.evidence_for[:3]]
    return f" (what favours its groups most: {'; '.join(items)})"


def _as_likely(name: str, runner: Hypothesis, lead: Hypothesis) -> str:
    """The sentence that names a hypothesis level or nearly level with the lead."""
    degree = "as" if runner.probability >= lead.probability else "nearly as"
    return f" {name[0].upper()}{name[1:]} is {degree} likely ({percent(runner.probability, 0)})."


def is_split(assessment: Assessment) -> bool:
    """Whether an assessment's parts point to different actors (the whole then names none); an
    assessment saved before ``split`` was recorded says so by its first warning."""
    return assessment.split or (bool(assessment.warnings) and assessment.warnings[0].startswith(SPLIT_PREFIX))


def whole_titles(assessment: Assessment) -> tuple[str, str]:
    """What the groups' and the states' tables of an assessment are, after their titles: the whole
    incident taken as one actor's work when its parts point to different actors; for the states,
    only when the parts' groups are of different states (else the state is assessed for the whole)."""
    if not is_split(assessment):
        return "", ""
    whole = f" ({WHOLE_READING})"
    # An assessment saved before hypotheses carried ``denied`` marks none: its states' table as before.
    recorded = any(h.denied for h in assessment.groups)
    return whole, whole if not recorded or any(h.denied for h in assessment.sponsors) else ""


def split_summary(split: str, groups: list[Hypothesis], sponsors: list[Hypothesis], states: list[str]) -> str:
    """The judgement of an incident whose parts point to different actors: the parts, then what the
    whole would say taken as one actor's work, as a reading the parts deny (an "almost certain"
    Turla beside a part "almost certainly" HEXANE's would contradict the split)."""
    text = split
    lead = groups[0] if groups else None
    if lead is not None and lead.kind == "actor":
        text += (
            f" Taken as the work of one actor, the likeliest would be {lead.label} "
            f"({percent(lead.probability, 0)}); the parts deny that reading, so no single actor is "
            "assessed for the whole."
        )
    if len(states) > 1:
        named = _listed(["no state" if s == NO_STATE else country_name(s) for s in states])
        text += f" The parts point to groups of different states or none ({named}): no single state is assessed for the whole either."
    elif sponsors and sponsors[0].probability >= WEAK_LEAD:
        state = sponsors[0]
        claim = (
            "no state is behind it (a criminal group)"
            if state.kind == "none"
            else f"the sponsor is {state.label}"
        )
        text += (
            f" At the state level, it is {_a(state.likelihood)} ({likelihood_band(state.probability)}) that "
            f"{claim}.{_held(state)}"
        )
    return text


def _held(h: Hypothesis, which: str = "that") -> str:
    """The confidence in a judgement, in a sentence of its own: ICD 203 does not let a confidence
    level and a degree of likelihood share one."""
    return f" We hold {which} judgement with {h.confidence.value} confidence."


def _a(term: str) -> str:
    """An ICD 203 term as a sentence says it: "it is likely", "it is a roughly even chance"."""
    return f"a {term}" if term == "roughly even chance" else term


def _who(h: Hypothesis) -> str:
    return "a group the knowledge base does not know" if h.kind == "unknown" else h.label


def _listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# A part's likeliest hypothesis is named, when the part names no actor, from this probability.
NAMED_RUNNER = 0.2


def part_lead(hypotheses: list[Hypothesis]) -> Hypothesis | None:
    """The actor a part (a phase, a host) points to: its likeliest actor, when at least
    SPLIT_MIN_PROBABILITY and likelier than a new group there (a thin part holds the two level: a
    planted WannaCry in an "impact" phase points to no one).  ``None`` otherwise."""
    first = max((h for h in hypotheses if h.kind == "actor"), key=lambda h: h.probability, default=None)
    unknown = max((h.probability for h in hypotheses if h.kind == "unknown"), default=0.0)
    if first is None or first.probability < SPLIT_MIN_PROBABILITY or first.probability <= unknown:
        return None
    return first


def parts_named(phases: dict[str, list[Hypothesis]], weak: Collection[str] = ()) -> str:
    """When the whole incident names no actor: the parts that do, each with its lead ("" if none;
    not a part in ``weak``, whose lead stands only on cheap items)."""
    named = []
    for label, hypotheses in phases.items():
        first = None if label in weak else part_lead(hypotheses)
        if first is not None:
            named.append(
                f"{part_title(label)} points to {first.label} ({first.likelihood}, "
                f"{likelihood_band(first.probability)})"
            )
    return f" On its own, {_listed(named)}." if named else ""


def repeats_campaign(campaign_id: str | None, actor: Hypothesis) -> str:
    """The summary's sentence when a named actor's evidence is the KB's record of one campaign."""
    if campaign_id is None:
        return ""
    return (
        f" Most of the evidence for {actor.label} is {actor.label}'s in the knowledge base only through "
        f"campaign {campaign_id}: if this is that campaign, the judgement repeats the sources' "
        "attribution (see the warnings)."
    )


def by_part(phases: dict[str, list[Hypothesis]], lead: Hypothesis, weak: Collection[str] = ()) -> str:
    """A sentence on the parts (phases, hosts) that do not point to the whole incident's lead: the
    judgement on the whole then rests on the others' evidence ("" when every part agrees; a part
    in ``weak``, whose lead stands only on cheap items, points to no one)."""
    agree, other = [], []
    open_parts: list[tuple[str, str]] = []  # (the part, its likeliest hypothesis in words or "")
    for label, hypotheses in phases.items():
        first = None if label in weak else part_lead(hypotheses)
        if first is not None and first.id == lead.id:
            agree.append(part_title(label))
        elif first is not None:
            other.append(f"{part_title(label)} points to {first.label} ({percent(first.probability, 0)})")
        else:
            # The likeliest hypothesis there, a group the knowledge base does not know included.
            top = max(
                (h for h in hypotheses if h.kind in ("actor", "unknown")),
                key=lambda h: h.probability,
                default=None,
            )
            # named only when it is a real runner (a 13 % criminal group in an access phase is noise);
            # those level with it too: a new group "the likeliest" at 30 % beside APT41 at 30 % misleads.
            likeliest = ""
            if top is not None and top.probability >= NAMED_RUNNER:
                shown = percent(top.probability, 0)
                level = [
                    _who(h)
                    for h in hypotheses
                    if h.kind in ("actor", "unknown") and top.probability - h.probability < 0.005
                ]
                likeliest = (
                    f" (the likeliest there: {_listed(level)}, {shown}{' each' if len(level) > 1 else ''})"
                )
            open_parts.append((part_title(label), likeliest))
    if not other and not open_parts:
        return ""
    said = []
    if other:
        said.append("; ".join(other))
    if len(open_parts) > 1 and any(likeliest for _, likeliest in open_parts):
        # Each part apart: a likeliest hypothesis after a list of parts would read as all of theirs.
        said += [f"{part}{likeliest} names no actor on its own" for part, likeliest in open_parts]
    elif open_parts:
        alone = "names no actor on its own" if len(open_parts) == 1 else "name no actor on their own"
        said.append(f"{_listed([part + likeliest for part, likeliest in open_parts])} {alone}")
    base = (
        f"the judgement on the whole rests on the evidence of {_listed(agree)}"
        if agree
        else f"no part on its own points to {lead.label}: the judgement rests on the parts' evidence together"
    )
    return f" By part: {'; '.join(said)}; {base}."
