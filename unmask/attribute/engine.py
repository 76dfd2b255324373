"""attribute_case: a case and a KB in, an assessment out.

The steps: resolve the observations (evidence.py), score them against every
actor (index.py, combine.py), roll the posterior up to sponsor states
(sponsor.py), attribute each phase or host on its own when the evidence splits
(phases.py), explain (ach.py) and warn (caveats.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask import __version__
from unmask.attribute.ach import ForAgainst, ach_matrix, evidence_for_against, evidence_for_pool
from unmask.attribute.calibrate import confidence_level, likelihood_band, likelihood_term, percent
from unmask.attribute.caveats import (
    Flag,
    ambiguous_reading,
    caveats,
    false_flags,
    known_campaign,
    known_report,
    place,
    related,
    same_state,
    state_hinge,
)
from unmask.attribute.combine import (
    Posterior,
    Scores,
    comparable_items,
    held_level,
    posterior,
    score_items,
    weighs_nothing,
)
from unmask.attribute.evidence import EvidenceItem, Unresolved, resolve_case
from unmask.attribute.index import ScoringIndex
from unmask.attribute.params import DEFAULT_PARAMS, Params
from unmask.attribute.phases import MAX_PARTS, part_title, split_parts
from unmask.attribute.sponsor import NO_STATE, UNKNOWN_STATE, sponsor_label, sponsor_posterior, state_words
from unmask.attribute.summary import (
    SPLIT_PREFIX,
    WEAK_LEAD,
    by_part,
    financial_sponsor_note,
    part_lead,
    parts_named,
    repeats_campaign,
    split_summary,
)
from unmask.attribute.summary import summary as summary_text
from unmask.errors import CaseError
from unmask.knowledge.countries import country_name
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Assessment, Case, ConfidenceLevel, Hypothesis
from unmask.printable import clip

__all__ = ["WEAK_LEAD", "Analysis", "analyse", "attribute_case", "unattributed"]

# A part of the incident pointing to another actor than the whole's lead.
SECOND_ACTOR = "a part points to another actor"

ENGINE = "unmask-nb"
# The summary is written from this many actor hypotheses, whatever --top lists.
SUMMARY_TOP = 5


@dataclass
class Analysis:
    """The numbers behind an assessment (what the benchmark reads)."""

    index: ScoringIndex
    items: list[EvidenceItem]
    unresolved: list[Unresolved]
    unscored: list[EvidenceItem]
    scores: Scores  # one entry per distinct piece of evidence: what the group level is judged on
    posterior: Posterior
    sponsors: dict[str, float]
    every: Scores | None = None  # every item, hosts and phases apart: what the parts are cut from


def analyse(case: Case, index: ScoringIndex) -> Analysis:
    """Resolve, score and combine; no explanation."""
    items, unresolved = resolve_case(case, index.kb)
    items = [
        replace(i, cost_class="low", ambiguous=True) if ambiguous_reading(index.kb, i) else i for i in items
    ]
    # A signal no actor of the KB has any profile for (indicators without intelligence) cannot be
    # compared: its items are listed as such instead of being scored.
    comparable = {name for name, table in index.tables.items() if table.has_profile.any()}
    scored = [i for i in items if i.signal in comparable]
    unscored = [i for i in items if i.signal not in comparable]
    every = score_items(index, scored)
    scores = every.distinct()
    post = posterior(scores, index.params)
    sponsors = sponsor_posterior(index.actors, scores, post, index.params)
    return Analysis(index, items, unresolved, unscored, scores, post, sponsors, every)


def shown_probability(p: float) -> float:
    """A probability for the assessment: six digits, never exactly 0 or 1 unless it is.

    Rounded to four digits, 0.99996 became 1.0 and 0.00004 became 0.0: certainty and
    impossibility in the JSON and STIX, which no assessment claims.
    """
    if 0.0 < p < 1.0:
        return min(max(round(p, 6), 1e-6), 1 - 1e-6)
    return p


# Software this many actors of the KB use is commodity for the confidence level, whatever ATT&CK
# calls it: Cobalt Strike (malware in ATT&CK; 29 actors), PlugX (15), gh0st RAT (11).
COMMODITY_USERS = 10


def _support(scores: Scores, row: int, users: dict[str, int] | None = None) -> tuple[int, int, bool]:
    """(items for the actor, kinds of evidence among them, whether some are costly to fake).

    A kind counts only through items that are not cheap: Rclone and Mimikatz beside a few
    techniques are not a second, independent line of evidence (any crew has them), nor is
    software that many actors use (``users``: software id -> how many)."""
    helpful = [item for i, item in enumerate(scores.items) if scores.contributions[i, row] >= 0.5]

    def cheap(item: EvidenceItem) -> bool:
        shared = item.signal == "software" and (users or {}).get(item.key, 0) >= COMMODITY_USERS
        return item.cost == "low" or shared

    # Costly to fake: a way of operating, or software of the actor's own (not a public tool).
    strong = any(item.cost == "high" or (item.signal == "software" and not cheap(item)) for item in helpful)
    return len(helpful), len({item.signal for item in helpful if not cheap(item)}), strong


def _actor_hypotheses(
    analysis: Analysis, rows: list[int], doubted: set[int], lowered: frozenset[int] = frozenset()
) -> list[Hypothesis]:
    result = []
    for row in rows:
        actor = analysis.index.actors[row]
        p = float(analysis.posterior.actors[row])
        n, families, strong = _support(analysis.scores, row, analysis.index.kb.software_users)
        found = evidence_for_against(analysis.scores, row)
        result.append(
            Hypothesis(
                id=actor.id,
                kind="actor",
                label=actor.name,
                names=tuple(actor.all_names[:10]),
                probability=shown_probability(p),
                likelihood=likelihood_term(p),
                confidence=confidence_level(p, n, families, strong, row in doubted, row in lowered),
                evidence_for=found.support,
                evidence_against=found.against,
                weaker_for=found.weaker_for,
                weaker_against=found.weaker_against,
            )
        )
    return result


def _unknown_hypothesis(analysis: Analysis) -> Hypothesis:
    p = analysis.posterior.unknown
    # Ten items or more that tell actors apart (combine.comparable_items) and an even chance at least.
    level = (
        ConfidenceLevel.MODERATE
        if comparable_items(analysis.scores) >= 10 and p >= 0.5
        else ConfidenceLevel.LOW
    )
    return Hypothesis(
        id="unknown",
        kind="unknown",
        label="unknown / new activity cluster",
        probability=shown_probability(p),
        likelihood=likelihood_term(p),
        confidence=level,
    )


# The likelihood column of the row that holds the other known actors together.
AGGREGATE_LIKELIHOOD = "— (many actors together)"


def _cap_confidence(hypotheses: list[Hypothesis]) -> None:
    """No hypothesis held with more confidence than the leading one (in place).

    The confidence of a judgement rests on the same evidence for every hypothesis; a runner-up at
    6 % "at moderate confidence" under a lead "at low confidence" reads as the stronger claim.
    """
    if not hypotheses:
        return
    order = list(ConfidenceLevel)
    ceiling = order.index(hypotheses[0].confidence)
    for position, h in enumerate(hypotheses[1:], start=1):
        if order.index(h.confidence) > ceiling:
            hypotheses[position] = replace(h, confidence=hypotheses[0].confidence)


def _group_hypotheses(
    analysis: Analysis, top: int, doubted: set[int], lowered: frozenset[int] = frozenset()
) -> tuple[list[Hypothesis], list[int]]:
    ranking = analysis.posterior.ranking()
    # With nothing comparable no actor is singled out: listing a few of the tied ones would suggest
    # otherwise, so they are all "other known actors".
    # Named are the actors some item favours: below them the order is a tie of evidence-free
    # actors (alphabetical filler), which the "other known actors" line holds.
    favoured: NDArray[np.bool_] = np.asarray((analysis.scores.contributions > 0).any(axis=0), dtype=bool)
    shown = [r for r in ranking if analysis.scores.items and favoured[r]][:top]
    if held_level(analysis.scores, analysis.posterior.actors):
        # Very little evidence (or public tools alone): whatever it points to, the confidence in it is low (the issue's
        # "never false certainty"; the thin-evidence warning says why).
        doubted = set(shown)
    hypotheses = _actor_hypotheses(analysis, shown, doubted, lowered)
    hypotheses.append(_unknown_hypothesis(analysis))
    # The unknown hypothesis first among equals (a thin case holds the leader level with it).
    hypotheses.sort(key=lambda h: (-h.probability, h.id != "unknown"))
    _cap_confidence(hypotheses)
    listed = set(shown)
    rest = float(sum(analysis.posterior.actors[r] for r in ranking if r not in listed))
    if rest > 0:
        # The remainder is listed last whatever its size: it is many hypotheses, none of them singled out.
        hypotheses.append(
            Hypothesis(
                id="other",
                kind="other",
                label=f"one of the {len(ranking) - len(shown)} {'other ' if shown else ''}known actors",
                probability=shown_probability(rest),
                # Many hypotheses together: a likelihood word would read as a judgement about one.
                likelihood=AGGREGATE_LIKELIHOOD,
                confidence=ConfidenceLevel.LOW,
            )
        )
    return hypotheses, shown


def _sponsor_hypotheses(analysis: Analysis, groups: list[Hypothesis]) -> list[Hypothesis]:
    lead = next((h for h in groups if h.kind == "actor"), None)
    lead_state = None
    if lead is not None:
        actor = analysis.index.kb.actors.get(lead.id)
        # A criminal group's "state" is none: held as surely as the group is.
        label = sponsor_label(actor) if actor else UNKNOWN_STATE
        lead_state = label if label != UNKNOWN_STATE else None
    result = []
    for state, p in analysis.sponsors.items():
        if state == UNKNOWN_STATE:
            kind, label = "unknown-state", "sponsor unknown (a state or none)"
        elif state == NO_STATE:
            kind, label = "none", "no state (criminal)"
        else:
            kind, label = "state", country_name(state)
        confidence = lead.confidence if lead is not None and state == lead_state else ConfidenceLevel.LOW
        found = _state_evidence(analysis, state) if state != UNKNOWN_STATE else None
        result.append(
            Hypothesis(
                id=state,
                kind=kind,
                label=label,
                probability=shown_probability(p),
                likelihood=likelihood_term(p),
                confidence=confidence,
                evidence_for=found.support if found else (),
                evidence_against=found.against if found else (),
                weaker_for=found.weaker_for if found else (0, 0.0),
                weaker_against=found.weaker_against if found else (0, 0.0),
            )
        )
    _cap_confidence(result)
    return result


# A second actor this likely beside the first makes a relation between them part of the finding.
RELATED_SHARE = 0.1


def _related_pair(index: ScoringIndex, groups: list[Hypothesis]) -> str:
    """The sentence that says the two likeliest actors are related in the sources, so that their
    probabilities are not rival answers: an affiliate and the programme whose ransomware it
    deploys (Scattered Spider and BlackCat Ransomware Actors & Affiliates), or groups a source
    calls similar (APT41 and Winnti Group)."""
    actors = [h for h in groups if h.kind == "actor" and h.probability >= RELATED_SHARE][:2]
    if len(actors) < 2 or actors[0].id not in index.kb.actors or actors[1].id not in index.kb.actors:
        return ""
    first, second = (index.kb.actors[h.id] for h in actors)
    kind = next((k for ident, k in first.related if ident == second.id), None)
    if kind is None:  # a relation the KB records on the other's side only
        back = next((k for ident, k in second.related if ident == first.id), None)
        kind = {"affiliate": "affiliate of", "affiliate of": "affiliate"}.get(back or "", back)
    if kind is None:
        return ""
    how = {
        "affiliate of": f"{first.name} is known to deploy the ransomware of {second.name}",
        "affiliate": f"{second.name} is known to deploy the ransomware of {first.name}",
    }.get(kind, f"the sources relate {first.name} and {second.name} ({kind})")
    together = percent(actors[0].probability + actors[1].probability, 0)
    return f" {how[0].upper()}{how[1:]}: the two readings overlap rather than compete (together {together})."


def _state_evidence(analysis: Analysis, state: str) -> ForAgainst | None:
    """What speaks for and against a state (or "no state"): the items for and against its candidate
    groups, each group weighed by its share of the state's probability at the group level; ``None``
    when none of its groups is a candidate."""
    if not analysis.scores.items:
        return None
    mine = analysis.scores.candidates & (analysis.index.sponsor_labels == state)
    weights = np.where(mine, analysis.posterior.actors, 0.0)
    if weights.sum() <= 0:
        return None
    return evidence_for_pool(analysis.scores, weights / weights.sum())


def _state_of(analysis: Analysis, lead: Hypothesis) -> str:
    """ "; China" (or "; no state") for a part's lead, so that each part says whose it is."""
    actor = analysis.index.kb.actors.get(lead.id)
    words = state_words(sponsor_label(actor)) if actor else None
    return f"; {words}" if words else ""


def _doubts(analysis: Analysis) -> list[Flag]:
    """The false-flag warnings that touch the lead of ``analysis`` (the whole incident or a part):
    an item against the first known actor contradicts no lead when a group the KB does not know
    leads (that the first known actor stands only on a cheap item is still said)."""
    ranking = analysis.posterior.ranking()
    return [
        flag
        for flag in false_flags(
            analysis.scores, analysis.posterior, analysis.index.actors, analysis.index.params
        )
        if flag.favoured is None or analysis.posterior.actors[ranking[0]] > analysis.posterior.unknown
    ]


def _parts(
    analysis: Analysis,
) -> tuple[dict[str, list[Hypothesis]], str | None, list[Hypothesis], list[tuple[str, str]], set[str]]:
    """Each phase's (or host's) hypotheses, a sentence when they point to different actors, the
    parts' leads (summary.part_lead), the false-flag warnings about those leads (lead's id, the
    warning saying its part), and the parts whose lead is a weak lead (it stands only on cheap
    items: it points to no one)."""
    phases: dict[str, list[Hypothesis]] = {}
    leads: dict[str, Hypothesis] = {}
    doubts: list[tuple[str, str]] = []
    in_parts: set[tuple[str, str]] = set()
    weak_parts: set[str] = set()
    parts = split_parts(analysis.every or analysis.scores, analysis.index.params)
    if parts.omitted:
        named = ", ".join(part_title(label) for label in parts.omitted[:5])
        more = f" and {len(parts.omitted) - 5} more" if len(parts.omitted) > 5 else ""
        doubts.append(
            (
                "",
                f"{len(parts.omitted)} more parts ({named}{more}) are not attributed one by one: the "
                f"{MAX_PARTS} with the most evidence are; every item is weighed in the whole incident's "
                "assessment",
            )
        )
    for label, (part_scores, part_post) in parts.items():
        in_parts |= {(item.signal, item.key) for item in part_scores.items}
        part = Analysis(analysis.index, part_scores.items, [], [], part_scores, part_post, {})
        flags = _doubts(part)
        # A part's lead that a warning doubts is one confidence level lower, as the whole's is.
        lowered = frozenset(part_post.ranking()[:1]) if any(f.doubts for f in flags) else frozenset()
        weak = set(part_post.ranking()[:1]) if any(f.weak for f in flags) else set()
        phases[label], _ = _group_hypotheses(part, 3, weak, lowered)
        lead = part_lead(phases[label])
        if lead is not None:
            doubts += [(lead.id, f"in {part_title(label)}: {flag.message}") for flag in flags]
            if weak:
                weak_parts.add(label)
            else:
                leads[label] = lead
    if len({h.id for h in leads.values()}) < 2:
        return phases, None, list(leads.values()), doubts, weak_parts
    split = "; ".join(
        f"{part_title(label)} points to {h.label} ({h.likelihood}, {likelihood_band(h.probability)}, "
        f"{h.confidence.value} confidence{_state_of(analysis, h)})"
        for label, h in leads.items()
    )
    outside = sum(1 for item in analysis.scores.items if (item.signal, item.key) not in in_parts)
    rest = (
        f" {outside} item(s) are in no part attributed here (without a label, in a part of fewer"
        f" than three items{', or in a part not attributed one by one' if parts.omitted else ''})."
        if outside
        else ""
    )
    sentence = f"{SPLIT_PREFIX}: {split}.{rest}"
    return phases, sentence, list(leads.values()), doubts, weak_parts


def _held_lower(warning: str) -> str:
    """A one-report or known-campaign warning that says the lead it names is held one confidence
    level lower (before its advice, which the terminal follows with the command that holds the
    report or campaign out)."""
    return warning.replace(
        "; for an independent judgement",
        "; the judgement is held one confidence level lower; for an independent judgement",
        1,
    )


def attribute_case(
    case: Case,
    kb: KnowledgeBase | None = None,
    *,
    index: ScoringIndex | None = None,
    params: Params = DEFAULT_PARAMS,
    top: int = 5,
) -> Assessment:
    """Attribute a case against a KB (or a prebuilt index of one, whose parameters then apply)."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a whole number of at least 1, not {top!r}")
    if index is None:
        if kb is None:
            raise ValueError("attribute_case needs a KB or an index")
        index = ScoringIndex.build(kb, params)
    if not case.observations:
        raise CaseError(f"case {case.id!r} has no observations: nothing to attribute")
    analysis = analyse(case, index)
    if not analysis.items:
        raise CaseError(
            f"none of the {len(case.observations)} observations of case {case.id!r} can be weighed "
            "(each is unknown to the knowledge base, malformed or given confidence 0): "
            + "; ".join(
                f"{place(u)} {clip(u.observation.value, 120)!r}: {clip(u.reason, 300)}"
                for u in analysis.unresolved[:5]
            )
        )
    ranking = analysis.posterior.ranking()
    phases, split, part_leads, part_doubts, weak_parts = _parts(analysis)
    rows = {actor.id: row for row, actor in enumerate(index.actors)}
    part_rows = [rows[lead.id] for lead in part_leads if lead.id in rows]
    # A split incident names no actor for the whole: an item against the whole's first actor
    # contradicts no judgement (its parts have their own leads, and their own warnings).
    flags = [] if split else _doubts(analysis)
    # Parts that point to different actors (the whole is then not one actor's work) leave the whole
    # incident's lead at low confidence; a false-flag warning that touches the lead, one level
    # lower than its evidence would give.
    # (A tool of a group the sources relate to the leader, APT41's Winnti for Windows, is no doubt.)
    doubting = [f for f in flags if f.doubts]
    # A lead that stands only on cheap items (public tools, exploits, indicators) is a weak lead:
    # held at low confidence, however many of them there are.
    doubted = {ranking[0]} if (split or any(f.weak for f in flags)) and ranking else set()
    # A part that points to another actor than the whole's lead (APT29's ways in the persistence
    # phase of a Scattered Spider intrusion): a second actor, or ways two groups share; said, and
    # the whole's lead one level less sure.
    elsewhere = (
        []
        if split or not ranking or analysis.posterior.actors[ranking[0]] < WEAK_LEAD
        else [
            (label, lead)
            for label, hypotheses in phases.items()
            if label not in weak_parts
            and (lead := part_lead(hypotheses)) is not None
            and lead.id != index.actors[ranking[0]].id
            # a group the sources relate to the lead (APT41's Winnti) is no second actor
            and not (lead.id in rows and related(index.actors, rows[lead.id], ranking[0]))
        ]
    )
    # The actors the assessment names: a lead of at least a roughly even chance, or the most likely
    # hypothesis however unlikely ("even the most likely hypothesis … is unlikely (20–45 %)"), and the parts' leads.
    named = [
        r
        for r in ranking[:1]
        if not split
        and (
            analysis.posterior.actors[r] >= WEAK_LEAD
            or analysis.posterior.actors[r] > analysis.posterior.unknown
        )
    ] + part_rows
    repeats = [r for r in (known_campaign(analysis, row) for row in dict.fromkeys(named)) if r is not None]
    campaign_of = {r.actor_id: r.campaign_id for r in repeats}
    # ... or through one report alone (an actor ATT&CK knows from a single advisory).
    reported = {
        row: said
        for row in dict.fromkeys(named)
        if index.actors[row].id not in campaign_of and (said := known_report(analysis, row)) is not None
    }
    # A lead whose support is in the KB through one report alone is held one confidence level
    # lower: the assessment may repeat that report rather than test it (as a possible plant lowers it).
    single_source = not split and bool(ranking) and ranking[0] in reported
    if single_source:
        reported[ranking[0]] = _held_lower(reported[ranking[0]])
    # So is a lead whose support is the KB's record of one campaign (the case may be that campaign).
    repeated = not split and bool(ranking) and index.actors[ranking[0]].id in campaign_of
    if repeated:
        repeats = [
            replace(r, message=_held_lower(r.message)) if r.actor_id == index.actors[ranking[0]].id else r
            for r in repeats
        ]
    one_report = list(reported.values())
    lowered = frozenset(ranking[:1]) if doubting or elsewhere or single_source or repeated else frozenset()
    groups, shown = _group_hypotheses(analysis, top, doubted, lowered)
    # Warnings that point only to other groups of the leader's state doubt the group, not the
    # state: the state level keeps the confidence the lead would have without them.
    # The same goes for parts that point to different groups of one state (two Chinese groups on
    # two hosts are strong evidence for China).
    state_only = (
        bool(doubting or split or elsewhere)
        and ranking
        and all(
            (other_row := f.favoured if f.favoured is not None else f.instead) is not None
            and same_state(index.actors, other_row, ranking[0])
            for f in doubting
        )
        and (not split or all(same_state(index.actors, row, ranking[0]) for row in part_rows))
        and all(
            lead.id in rows and same_state(index.actors, rows[lead.id], ranking[0]) for _, lead in elsewhere
        )
    )
    sponsors = _sponsor_hypotheses(
        analysis, _group_hypotheses(analysis, top, set())[0] if state_only else groups
    )
    # One item deciding the state: said, and no state held above low confidence.
    hinge = (
        None
        if split
        else state_hinge(analysis.scores, analysis.posterior, analysis.sponsors, index.actors, index.params)
    )
    if hinge:
        sponsors = [replace(h, confidence=ConfidenceLevel.LOW) for h in sponsors]
    # The actors a false-flag warning says an item points to are hypotheses of the matrix too: the
    # item's diagnosticity is over them (a planted Lazarus artifact is not "neutral", 0.00).
    pointed = [f.favoured for f in flags if f.favoured is not None and f.favoured not in shown[:5]]
    # So are the actors the case compares its artifacts with (``similarity:``): an analyst who
    # names one expects to see what the rest of the evidence says of it, whatever its rank.
    likened = [rows[item.key] for item in analysis.items if item.signal == "similarity" and item.key in rows]
    columns: list[tuple[str, int | None]] = [
        (index.actors[r].id, r) for r in dict.fromkeys([*shown[:5], *pointed, *likened])
    ]
    columns.append(("unknown", None))
    # A split incident's naming disputes are those of its parts' actors.
    warnings = caveats(analysis, flags, part_rows if split else shown[:3], repeats, part_rows)
    if hinge:
        warnings.insert(len(flags), hinge.message)
    # What doubts a part's lead that the summary names beside the whole's (whose own are said).
    whole = groups[0].id if not split and groups and groups[0].probability >= WEAK_LEAD else None
    warnings[len(flags) : len(flags)] = list(dict.fromkeys(d for lead, d in part_doubts if lead != whole))
    warnings[len(flags) : len(flags)] = one_report
    if elsewhere:
        said = "; ".join(
            f"{part_title(label)} points to {lead.label} ({lead.likelihood}, {likelihood_band(lead.probability)})"
            for label, lead in elsewhere
        )
        warnings.insert(
            len(flags),
            f"{SECOND_ACTOR}: {said}, not to {groups[0].label}: one incident can have several actors, "
            "or the groups share these ways of working; the lead is held one confidence level lower",
        )
    known = [index.kb.actors[h.id] for h in groups if h.kind == "actor" and h.id in index.kb.actors]
    lead_state = next(((a.name, sponsor_label(a)) for a in known if sponsor_label(a) != UNKNOWN_STATE), None)
    # An indicator no intelligence file holds moves nothing: it is not compared with anything.
    scores = analysis.scores
    compared = sum(1 for position in range(len(scores.items)) if not weighs_nothing(scores, position))
    # The words do not depend on how many hypotheses are listed (--top 1 still says "none above 4%").
    told = groups if top >= SUMMARY_TOP else _group_hypotheses(analysis, SUMMARY_TOP, doubted, lowered)[0]
    summary = summary_text(told, sponsors, compared, len(ranking), lead_state)
    summary += _related_pair(index, told)
    summary += financial_sponsor_note(known[:1], sponsors)
    if hinge:
        summary += f" {hinge.sentence[0].upper()}{hinge.sentence[1:]}."
    if split:
        # The parts lead: the whole incident's judgement assumes one actor, which the parts deny.
        warnings.insert(0, split)
        states = {sponsor_label(index.actors[row]) for row in part_rows} - {UNKNOWN_STATE}
        summary = split_summary(split, told, sponsors, sorted(states))
        # The tables give the reading the parts deny no likelihood word, as the summary does not:
        # the groups, and the states too when the parts' groups are of different states.
        groups = [replace(h, denied=True) for h in groups]
        if len(states) > 1:
            sponsors = [replace(h, denied=True) for h in sponsors]
    elif groups and groups[0].kind == "actor" and groups[0].probability >= WEAK_LEAD:
        summary += by_part(phases, groups[0], weak_parts) + repeats_campaign(
            campaign_of.get(groups[0].id), groups[0]
        )
    else:
        summary += parts_named(phases, weak_parts)
        if groups and groups[0].kind == "actor":  # the most likely hypothesis, though it singles no one out
            summary += repeats_campaign(campaign_of.get(groups[0].id), groups[0])
    for lead in part_leads if split else []:  # a part's actor resting on a known campaign, too
        summary += repeats_campaign(campaign_of.get(lead.id), lead)
    return Assessment(
        case_id=case.id,
        tlp=case.tlp,
        summary=summary,
        groups=groups,
        sponsors=sponsors,
        phases=phases,
        ach=ach_matrix(analysis.scores, columns, analysis.unscored),
        warnings=list(dict.fromkeys(warnings)),  # one warning said once, however many parts raise it
        unresolved=[u.to_dict() for u in analysis.unresolved],
        split=split is not None,
        flagged={
            index.actors[f.favoured].id: index.actors[f.favoured].name
            for f in flags
            if f.favoured is not None
        },
        compared={index.actors[r].id: index.actors[r].name for r in likened},
        provenance={
            **_provenance(case, index.kb, index.params),
            "evidence_items": len(analysis.items),
            # The same technique seen on ten hosts is one piece of evidence for the group level.
            "distinct_evidence_items": len(analysis.scores.items) + len(analysis.unscored),
        },
    )


def _provenance(case: Case, kb: KnowledgeBase, params: Params) -> dict[str, Any]:
    """What an assessment was made with: engine, KB and its view, parameters, the case's evidence."""
    return {
        "engine": ENGINE,
        "unmask_version": __version__,
        "kb_sha256": kb.sha256,
        "kb_built": kb.document.get("built"),
        "attack_version": kb.document.get("attack_version"),
        "kb_sources": [s.to_dict() for s in kb.sources],
        "kb_view": {
            "without_campaigns": list(kb.without_campaigns),
            "without_citations": list(kb.without_citations),
            "without_actors": list(kb.without_actors),
            "without_sources": list(kb.without_sources),
        },
        "parameters": params.to_dict(),
        "case_evidence": dict(case.evidence),
        "observations": len(case.observations),
    }


def unattributed(case: Case, kb: KnowledgeBase, why: str, params: Params = DEFAULT_PARAMS) -> Assessment:
    """The assessment of a case with nothing to weigh (a hunt that found nothing at the levels that
    become evidence): no hypothesis, the reason in the summary, so that a report can still record
    what was examined. A negative result is a result; it names no actor and no state."""
    return Assessment(
        case_id=case.id,
        tlp=case.tlp,
        summary=f"No attribution: {why}. The report records what was examined.",
        warnings=[f"no attribution: {why}"],
        provenance={**_provenance(case, kb, params), "evidence_items": 0, "distinct_evidence_items": 0},
    )
