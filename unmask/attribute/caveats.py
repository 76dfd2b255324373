"""Warnings an analyst must see before trusting an assessment.

- thin evidence: too little to tell actors apart;
- weak lead: the leading hypothesis stands only on public tools anyone can use;
- possible false flag: one cheap-to-fake item (a hash, an address, a claimed
  code similarity) points strongly to another actor than the rest of the
  evidence, or the leading hypothesis stands only because of such an item;
  or one tool or exploit (dearer to fake, but tools leak, are sold and are
  planted, as Olympic Destroyer planted another group's code; or a second
  actor took part, as in Albania 2022) points to another actor than the rest
  at least as strongly as anything points to the leader, or the tools that
  point to one other actor do so strongly together however strong the lead;
- unresolved names: observations the KB could not place; ambiguous names: a software name
  several families answer to, read as one of them ("Medusa"), or an actor's name given as
  software ("Sofacy");
- conflicting aliases: the sources disagree about the names of a leading actor;
- a known campaign: the evidence for a leading actor comes from the knowledge base's record
  of one campaign (the case may be that campaign: the assessment would then repeat the
  sources' attribution rather than test it);
- evidence the KB cannot compare (infrastructure, hashes, dates).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from unmask.attribute.calibrate import percent
from unmask.attribute.combine import (
    THIN_ITEMS,
    Posterior,
    Scores,
    comparable_items,
    held_level,
    posterior,
    public_tool,
)
from unmask.attribute.evidence import EvidenceItem, Unresolved, where
from unmask.attribute.params import Params
from unmask.attribute.sponsor import NO_STATE, UNKNOWN_STATE, sponsor_label, sponsor_posterior, state_words
from unmask.detect.findings import rules_named
from unmask.knowledge.aliases import normalize_name
from unmask.knowledge.countries import country_name, other_countries
from unmask.knowledge.programs import QUALIFIER_WORDS
from unmask.knowledge.store import NEWER_HINT, NEWER_RELEASE, KnowledgeBase
from unmask.model import Actor
from unmask.printable import clip

if TYPE_CHECKING:
    from unmask.attribute.engine import Analysis

__all__ = [
    "ALIAS_WARNING_MIN",
    "FALSE_FLAG_MARGIN",
    "PLANTED_TOOL_MARGIN",
    "SHARED_TOOLING",
    "WEAK_LEAD_WARNING",
    "Flag",
    "KnownCampaign",
    "StateHinge",
    "ambiguous_reading",
    "caveats",
    "false_flags",
    "known_campaign",
    "known_report",
    "place",
    "related",
    "same_state",
    "state_hinge",
]

# Conflicting aliases are reported for the leading actor above the first probability and for the
# next ones above the second (a hypothesis an analyst would weigh; a 6 % third one's naming disputes
# are noise).
ALIAS_WARNING_MIN = 0.05
ALIAS_WARNING_NEXT = 0.2
# How much more (nats) a cheap-to-fake item must favour another actor than the leader to be flagged.
READ_AS = "read otherwise than by name or id"
SECTOR_AS = "victim sector compared as the knowledge base's"
UNRESOLVED_SHOWN = 20  # unresolved values given a warning each; the rest are counted
FALSE_FLAG_MARGIN = 2.0
# An item of moderate cost (a tool, an exploit) is flagged when it favours another actor over the
# leader by at least as much as the best item of the case favours the leader, and by this at least.
PLANTED_TOOL_MARGIN = 1.0
# ... or, whatever the leader's best item, when the tools and exploits that point to one other actor
# favour it over the leader by this much together (a likelihood ratio of about 20): a strong lead
# does not make another group's malware in the same case unremarkable.
STRONG_CONTRARY = 3.0
SHARED_TOOLING = "possible false flag, shared tooling or a second actor"
# A tool of a group the sources relate to the lead (an affiliate programme's, a "similar" group's).
RELATED_TOOLING = "tooling of a related group"
# A lead that stands only on public tools (ScreenConnect, WinRAR): no plant, but no lead either.
WEAK_LEAD_WARNING = "weak lead"


@dataclass(frozen=True)
class Flag:
    """A warning that touches the leading hypothesis: the item, the words, and the actor the item
    points to instead (``None`` when the leader stands only because of the item)."""

    position: int
    message: str
    favoured: int | None = None
    related: bool = False  # the actor pointed to is one the sources relate to the leader
    public: bool = False  # only public tools point elsewhere: anyone's, they are said, not a doubt
    weak: bool = False  # the lead stands only on cheap items: held at low confidence
    instead: int | None = None  # ... and who leads without them

    @property
    def doubts(self) -> bool:
        """Whether the warning lowers the confidence in the lead (a tool of a related group, or a
        public tool another crew is known for, SimpleHelp beside MuddyWater's own, does not)."""
        return not self.related and not self.public


def false_flags(scores: Scores, post: Posterior, actors: list[Actor], params: Params) -> list[Flag]:
    """The cheap items that contradict or carry the leading hypothesis, and the tools and exploits
    that point to another actor."""
    ranking = post.ranking()
    if not ranking or len(scores.items) < 2:
        return []
    top = ranking[0]
    # When the unknown hypothesis leads, "the rest of the evidence" favours this actor, and it
    # "leads", only among the known ones: say so rather than present a weak actor as the lead.
    leader = (
        actors[top].name
        if post.actors[top] > post.unknown
        else f"{actors[top].name} (first of the known actors; a group the knowledge base does not know leads)"
    )
    flags: list[Flag] = []
    totals = post.totals
    leader_best = float(scores.contributions[:, top].max())
    # Tools and exploits (a public tool too) that point to another actor, by that actor.
    tools: dict[int, list[tuple[int, float]]] = {}
    for position, item in enumerate(scores.items):
        if item.cost == "high":
            continue
        row = scores.contributions[position]
        favoured = int(np.argmax(np.where(scores.candidates, row, -np.inf)))
        if item.cost == "moderate" or item.signal in ("software", "cve"):
            margin = float(row[favoured] - row[top])
            if favoured != top and margin >= PLANTED_TOOL_MARGIN:
                tools.setdefault(favoured, []).append((position, margin))
            continue
        if favoured != top and row[favoured] - row[top] >= FALSE_FLAG_MARGIN:
            flags.append(
                Flag(
                    position,
                    f"possible false flag: {item.label} (cheap to fake) points to "
                    f"{_other(actors, favoured, top)} ({_by(row[favoured] - row[top], actors[top].name)}), "
                    f"against the rest of the evidence, which favours {leader}",
                    favoured,
                    related(actors, favoured, top),
                )
            )
            continue
        # The scores without the item first (cheap); the whole posterior without it says who leads.
        without = np.where(scores.candidates, totals - row, -np.inf)
        if int(np.argmax(without)) != top and row[top] > 0:
            other = _leader_without(scores, [position], params)
            if other is not None and other != top:
                flags.append(
                    Flag(
                        position,
                        f"possible false flag: {leader} leads only because of {item.label}, "
                        f"which is cheap to fake; without it {actors[other].name} leads",
                    )
                )
    # Cheap items (public tools anyone can pick up, exploits of published flaws, indicators): a lead
    # that stands only on them, however many, is a weak lead; each alone may not decide it (three
    # addresses from one intelligence file, ProxyShell and Log4Shell).
    public = [
        position
        for position, item in enumerate(scores.items)
        if item.cost == "low" and scores.contributions[position, top] > 0
    ]
    if public and not (len(public) == 1 and any(flag.position == public[0] for flag in flags)):
        other = _leader_without(scores, public, params)
        anyones = _cheap_items(scores, public)
        names = ", ".join(scores.items[p].label for p in public)
        if other is not None and other != top:
            flags.append(
                Flag(
                    public[0],
                    f"{WEAK_LEAD_WARNING}: {leader} leads only because of {names}, {anyones}; without "
                    f"{'it' if len(public) == 1 else 'them'} {actors[other].name} leads",
                    weak=True,
                    instead=other,
                )
            )
        elif not any(scores.contributions[p, top] > 0 for p in range(len(scores.items)) if p not in public):
            # Nothing else in the case is for it (or nothing else is in the case): the extreme case.
            flags.append(
                Flag(
                    public[0],
                    f"{WEAK_LEAD_WARNING}: {leader} leads only because of {names}, {anyones}; "
                    "nothing else in the case points to it",
                    weak=True,
                )
            )
    shared = [
        (favoured, found)
        for favoured, found in tools.items()
        if max(m for _, m in found) >= leader_best or sum(m for _, m in found) >= STRONG_CONTRARY
    ]
    # Public tools and exploits of published vulnerabilities are anyone's.
    publics = [
        all(
            public_tool(scores.items[position]) or scores.items[position].signal == "cve"
            for position, _ in found
        )
        for _, found in shared
    ]
    last_doubt = max((n for n, all_public in enumerate(publics) if not all_public), default=-1)
    for n, (favoured, found) in enumerate(shared):
        labels = [scores.items[position].label for position, _ in found]
        what = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        all_public = publics[n]
        why = (
            "; tools and exploits leak, are sold and are planted, and one incident can have several actors"
            if n == last_doubt
            else ""
        )
        # A commercial or open tool another crew is known for (SimpleHelp, AnyDesk) is anyone's:
        # said, as shared tooling, but no doubt on the lead.
        exploits = any(scores.items[position].signal == "cve" for position, _ in found)
        public_what = "public tool or exploit" if exploits else "public tool"
        kin = related(actors, favoured, top)
        head = f"shared {public_what}" if all_public else RELATED_TOOLING if kin else SHARED_TOOLING
        tail = (
            f"; {'public tools and exploits' if exploits else 'public tools'} are anyone's: this lowers no confidence"
            if all_public
            else "; the sources relate the two groups: this lowers no confidence"
            if kin
            else why
        )
        flags.append(
            Flag(
                found[0][0],
                f"{head}: {what} point{'s' if len(labels) == 1 else ''} to "
                f"{_other(actors, favoured, top)} ({_by(sum(m for _, m in found), actors[top].name)}), "
                f"against the rest of the evidence, which favours {leader}{tail}",
                favoured,
                related(actors, favoured, top),
                public=all_public,
            )
        )
    return flags


# A state lead is tested against dropping each of the items that favour its groups most.
HINGE_ITEMS = 3
STATE_HINGE = "the state lead rests on one item"


@dataclass(frozen=True)
class StateHinge:
    """A state lead that one item decides: the state, the item, and who leads without it."""

    lead: str
    item: str
    instead: str

    @property
    def sentence(self) -> str:
        return f"{self.lead} leads the states only because of {self.item}; without it {self.instead} leads"

    @property
    def message(self) -> str:
        return (
            f"{STATE_HINGE}: {self.sentence} (one tool or artifact can be shared, sold or planted: "
            f"treat {self.lead} as a lead to test, not a finding)"
        )


def state_hinge(
    scores: Scores, post: Posterior, sponsors: dict[str, float], actors: list[Actor], params: Params
) -> StateHinge | None:
    """The leading state (or "no state") when it leads only because of one item: without it, the
    same posterior run again puts another label first.  A planted or shared tool decides the state
    then, however many items the case has (one BlackEnergy among a Chinese group's tools made
    Russia "likely" while no Russian group led the group level).  ``None`` otherwise; for a
    thin case (its own rule already holds every state level with an unknown sponsor); and when a
    group of the leading state leads the group level: the item is then most often that group's own
    malware (Kazuar for Turla), the state rests on the group's attribution, and the group level's
    warnings test that.  On the development units it fires for 3 of 304 (citation and merged).
    """
    if held_level(scores, post.actors) or not sponsors:
        return None
    lead = max(sponsors, key=lambda k: sponsors[k])
    if lead == UNKNOWN_STATE:
        return None
    ranking = post.ranking()
    if ranking and post.actors[ranking[0]] > post.unknown and sponsor_label(actors[ranking[0]]) == lead:
        return None
    labels = np.array([sponsor_label(actor) for actor in actors])
    own = scores.candidates & (labels == lead)
    others = scores.candidates & (labels != lead)
    if not own.any():
        return None
    contributions = scores.contributions
    margins = contributions[:, own].max(axis=1) - (
        contributions[:, others].max(axis=1) if others.any() else np.zeros(len(scores.items))
    )
    order = [int(p) for p in np.argsort(-margins)[:HINGE_ITEMS] if margins[p] >= PLANTED_TOOL_MARGIN]
    for position in order:
        rest = scores.subset([i for i in range(len(scores.items)) if i != position])
        without = sponsor_posterior(actors, rest, posterior(rest, params), params)
        other = max(without, key=lambda k: without[k])
        if other != lead:
            return StateHinge(_state_name(lead), scores.items[position].label, _state_name(other))
    return None


def _state_name(label: str) -> str:
    if label == UNKNOWN_STATE:
        return "an unknown sponsor"
    return "no state (a criminal group)" if label == NO_STATE else state_words(label) or label


def same_state(actors: list[Actor], one: int, other: int) -> bool:
    """Whether two actors are held to be the same state's (a known state, not "unknown")."""
    label = sponsor_label(actors[one])
    return label != UNKNOWN_STATE and label == sponsor_label(actors[other])


def related(actors: list[Actor], one: int, other: int) -> bool:
    """Whether the sources relate two actors (MISP's "similar": APT41 and Winnti Group)."""
    return any(ident == actors[other].id for ident, _ in actors[one].related) or any(
        ident == actors[one].id for ident, _ in actors[other].related
    )


def _other(actors: list[Actor], favoured: int, top: int) -> str:
    """The other actor's name, whether it is the leader's state's too (then the warning doubts the
    group, not the state), and whether the sources relate the two (then it doubts neither)."""
    notes = []
    if same_state(actors, favoured, top):
        notes.append(f"also {state_words(sponsor_label(actors[top]))}")
    if related(actors, favoured, top):
        notes.append(f"a group the sources relate to {actors[top].name}")
    return f"{actors[favoured].name} ({'; '.join(notes)})" if notes else actors[favoured].name


# The share of the evidence for an actor that, coming through one campaign's reports alone, makes
# the case a possible repeat of that campaign.
CAMPAIGN_SHARE = 0.5
KNOWN_REPORT = "one report"
CAMPAIGN_SIGNALS = ("technique", "software", "cve")


@dataclass(frozen=True)
class KnownCampaign:
    """An actor whose evidence is the KB's record of one campaign: which, and the warning."""

    actor_id: str
    campaign_id: str
    message: str


def known_campaign(analysis: Analysis, row: int) -> KnownCampaign | None:
    """A warning when most of what favours an actor is the actor's only through one campaign the
    knowledge base records (Albania 2022's ROADSWEEP and CHIMNEYSWEEP are HEXANE's through
    HomeLand Justice, C0038): if the case is that campaign, the knowledge base already holds its
    attribution, and the assessment repeats it.  ``None`` otherwise.

    An item is the actor's only through the campaign when every report that ties it to the
    actor's groups is one the campaign's view removes (its own links and the group's links cited
    only by the campaign's reports), as ``--kb-without`` would remove them."""
    kb, scores = analysis.index.kb, analysis.scores
    actor = analysis.index.actors[row]
    column = scores.contributions[:, row]
    favour = {
        position: float(weight)
        for position, weight in enumerate(column)
        if weight > 0 and scores.items[position].signal in CAMPAIGN_SIGNALS
    }
    total = float(column[column > 0].sum())
    known = kb.actors.get(actor.id)
    if not favour or total <= 0 or known is None:
        return None
    groups = kb.group_ids(known)
    keys = {scores.items[position].key for position in favour}
    # The actor's own campaigns, and those whose own links name what favours it (a second
    # source may tie the campaign's malware to the actor: Tidal's ZIPLINE for UTA0178).
    using = kb.campaigns_using
    linked: dict[str, set[str]] = {}  # item -> the reports of second sources' links to the actor
    for link in kb.links:
        if link.actor in groups and link.item in keys:
            linked.setdefault(link.item, set()).add(link.report)
    candidates = list(known.campaigns) + sorted(
        set().union(*(using.get(key, set()) for key in keys)) - set(known.campaigns)
    )
    for campaign_id in candidates:
        held = kb.campaign_reports(campaign_id)
        named = kb.campaign_named(campaign_id)
        lost = {}
        for position, weight in favour.items():
            key = scores.items[position].key
            reports = set().union(*(kb.support.get(g, {}).get(key, set()) for g in groups))
            if key in named:
                # A second source's link to what the campaign's reports name may repeat them:
                # the campaign's view drops it (KnowledgeBase.view).
                reports -= linked.get(key, set())
                if not reports:
                    lost[position] = weight
                    continue
            if reports and reports <= held:
                lost[position] = weight
        weight = sum(lost.values())
        if weight < CAMPAIGN_SHARE * total:
            continue
        campaign = kb.campaigns[campaign_id]
        best = sorted(lost, key=lambda p: -lost[p])
        labels = [scores.items[p].label for p in best[:4]] + (["…"] if len(best) > 4 else [])
        span = "–".join(t[:7] for t in (campaign.first_seen, campaign.last_seen) if t)
        return KnownCampaign(
            actor.id,
            campaign.id,
            f"known campaign: what favours {actor.name} ({', '.join(labels)}: {weight:.1f} of "
            f"{total:.1f} nats) is {actor.name}'s in the knowledge base only through campaign "
            f"{campaign.id} ({campaign.name}{', ' + span if span else ''}). If this case is that "
            "activity, the assessment repeats the sources' attribution rather than testing it; "
            f"for an independent judgement, assess it again with campaign {campaign.id}'s reports held "
            "out of the knowledge base",
        )
    return None


def known_report(analysis: Analysis, row: int) -> str | None:
    """A warning when most of what favours an actor is the actor's in the knowledge base through
    one report alone (Salt Typhoon's techniques all cite one advisory): if the case is what that
    report describes, the assessment repeats it.  ``None`` otherwise (and for a known campaign,
    which :func:`known_campaign` says)."""
    kb, scores = analysis.index.kb, analysis.scores
    actor = analysis.index.actors[row]
    known = kb.actors.get(actor.id)
    column = scores.contributions[:, row]
    total = float(column[column > 0].sum())
    if known is None or total <= 0:
        return None
    groups = kb.group_ids(known)
    by_report: dict[str, dict[int, float]] = {}
    for position, weight in enumerate(column):
        if weight <= 0 or scores.items[position].signal not in CAMPAIGN_SIGNALS:
            continue
        reports = set().union(*(kb.support.get(g, {}).get(scores.items[position].key, set()) for g in groups))
        if len(reports) == 1:
            by_report.setdefault(next(iter(reports)), {})[position] = float(weight)
    for report, lost in sorted(by_report.items(), key=lambda entry: -sum(entry[1].values())):
        weight = sum(lost.values())
        if weight < CAMPAIGN_SHARE * total or report.startswith("ATT&CK "):
            return None
        best = sorted(lost, key=lambda p: -lost[p])
        labels = [scores.items[p].label for p in best[:4]] + (["…"] if len(best) > 4 else [])
        return (
            f"{KNOWN_REPORT}: what favours {actor.name} ({', '.join(labels)}: {weight:.1f} of {total:.1f} "
            f"nats) is {actor.name}'s in the knowledge base through one report alone, {json.dumps(report)}. "
            "If this case is what that report describes, the assessment repeats it rather than testing it; "
            "for an independent judgement, assess it again with that report held out of the knowledge base"
        )
    return None


def _alias_conflicts(kb: KnowledgeBase, actor: Actor) -> list[str]:
    names = {n.lower() for n in actor.all_names}
    found = []
    for conflict in kb.conflicts:
        if conflict.kind not in ("alias-collision", "merge-refused"):
            continue
        if conflict.subject.lower() in names:
            found.append(conflict.detail)
    return found


def _by(margin: float, leader: str) -> str:
    """How much more an item (or items) favours another actor than the leader, in words and nats.

    The other actor may be in neither the table nor the ACH matrix; the weight lets the reader
    check the warning (an ACH contribution is in the same nats).
    """
    return f"{margin:.1f} nats more than for {leader}"


def _ambiguous_names(analysis: Analysis) -> list[str]:
    """A software name that several programs answer to ("Medusa"), or a country name several
    countries do ("Korea"), read as one of them."""
    kb, said = analysis.index.kb, set()
    warnings = []
    for item in analysis.items:
        value = item.observation.value.strip()
        if item.key.startswith("country:") and other_countries(value):
            # "Korea": read as South Korea; North Korea answers to the name too.
            also = ", ".join(f"{country_name(c)} ({c})" for c in other_countries(value))
            warnings.append(
                f"ambiguous name: victim country {value!r} was read as {country_name(item.key[8:])} "
                f"({item.key[8:]}); it is also the name of {also}: give its full name or ISO code if "
                "that was meant"
            )
            continue
        if item.signal == "technique" and item.read_from is None:
            shared = kb.techniques_sharing_name(value)
            if shared[:1] == [item.key] and value.casefold() not in said:
                # "Email Accounts": Establish Accounts' and Compromise Accounts' (opposite tradecraft).
                said.add(value.casefold())
                also = "; ".join(_full_name(kb, other) for other in shared[1:])
                why = (
                    "the parent technique"
                    if "." not in item.key
                    else "the one more of the knowledge base's actors are known to use"
                )
                warnings.append(
                    f"ambiguous name: technique {value!r} was read as {_full_name(kb, item.key)}, {why}; {also} "
                    f"{'shares' if len(shared) == 2 else 'share'} the name: give the id to choose"
                )
            continue
        if item.signal != "software" or value.casefold() in said or value == item.key:
            continue  # an id ("S0002", "tidal:AnyDesk") says which program it is
        said.add(value.casefold())
        bare = bare_name(value)  # "Cobalt beacon" names an actor as "Cobalt" does
        named = [actor for actor in kb.actor_candidates(bare) if _named_as_actor(kb, bare, item.key, actor)]
        if named:
            # "Sofacy" is APT28 and another name of CORESHELL: the case says a program was seen.
            warnings.append(
                f"actor's name as software: {bare!r} is the name of {named[0].name} ({named[0].id}) and was "
                f"read as the program {item.label.removeprefix('software ')}, which counts as that program "
                "seen in this intrusion, not as a name: give the program's own name if that was meant, "
                "or leave the actor's name out of the evidence"
            )
        elif namesakes := _namesake_groups(kb, bare, item.key):
            warnings.append(
                f"name shared: {bare!r} is also the name of the group {namesakes[0].name} "
                f"({namesakes[0].id}); it was read as the program {item.label.removeprefix('software ')}, "
                "as the case gives it"
            )
        others = kb.software_sharing_name(value, item.key)
        if others:
            names = ", ".join(f"{o.name} ({o.id})" if o.origin == "attack" else o.name for o in others[:4])
            warnings.append(
                f"ambiguous name: software {value!r} was read as {item.label.removeprefix('software ')}; "
                f"it is also the name of {names}{' …' if len(others) > 4 else ''}: give the full name or "
                "ATT&CK id if another was meant"
            )
    return warnings


def _full_name(kb: KnowledgeBase, technique_id: str) -> str:
    """A technique's id and ATT&CK's full name ("T1586.002 Compromise Accounts: Email Accounts")."""
    technique = kb.techniques[technique_id]
    parent = kb.techniques.get(technique.parent or "")
    return f"{technique.id} {parent.name + ': ' if parent else ''}{technique.name}"


def bare_name(value: str) -> str:
    """A program's name without the part of it or the kind written after it ("Cobalt beacon",
    "Cobalt payload": the name is "Cobalt")."""
    words = value.strip().split()
    while len(words) > 1 and words[-1].casefold() in QUALIFIER_WORDS:
        words.pop()
    return " ".join(words)


def ambiguous_reading(kb: KnowledgeBase, item: EvidenceItem) -> bool:
    """Whether a software item was read through a name that is also an actor's ("Cobalt": Cobalt
    Group's, read as Pay2Key) or another program's ("Medusa"): the reading itself is uncertain, so
    the item counts as cheap evidence, as a copied string does (the warnings say which name)."""
    value = item.observation.value.strip()
    if item.signal != "software" or value == item.key:
        return False
    # An actor's name that is also its own program's ("Akira", "LockBit") says the same either way.
    bare = bare_name(value)  # "Cobalt beacon" names Cobalt Group as "Cobalt" does
    if any(
        _named_as_actor(kb, bare, item.key, actor) and item.key not in actor.software
        for actor in kb.actor_candidates(bare)
    ):
        return True
    # Another program of the name matters when actors are known to use it ("Snake": EKANS and
    # Turla's Uroburos); a namesake no actor uses ("Ryuk Stealer" beside Ryuk) points nowhere.
    users = kb.software_users
    return any(users.get(other.id, 0) for other in kb.software_sharing_name(value, item.key))


def _namesake_groups(kb: KnowledgeBase, value: str, key: str) -> list[Actor]:
    """The actors a program's own ATT&CK name also names, when they are not known to use it
    (ATT&CK's group G1049 "AppleJeus", beside its program S0584)."""
    return [
        actor
        for actor in kb.actor_candidates(value)
        if key not in actor.software and normalize_name(actor.name) == normalize_name(value)
    ]


def _named_as_actor(kb: KnowledgeBase, value: str, key: str, actor: Actor) -> bool:
    """Whether ``value``, read as software ``key``, is better known as ``actor``'s name: it is not the
    program's own name, or it is the name a source gives the actor first ("Kimsuky"). A program's
    own name that one source also lists among an actor's ("ZeroCleare", which Microsoft gives
    Pumpkin Sandstorm beside DEV-0146) is the program, and so is the name ATT&CK gives a program
    of its own: it names its programs and its groups apart ("AppleJeus" is S0584, beside the group
    G1049 it names after that malware)."""
    wanted = normalize_name(value)
    software = kb.software.get(key)
    if software is None or normalize_name(software.name) != wanted:
        return True
    if software.origin == "attack":
        return False
    return any(names and normalize_name(names[0]) == wanted for names in actor.names.values())


def caveats(
    analysis: Analysis,
    flags: list[Flag],
    leading: list[int],
    repeats: list[KnownCampaign] | None = None,
    part_leads: list[int] | None = None,
) -> list[str]:
    """All warnings for one assessment, most serious first.  ``repeats``: the named actors whose
    evidence is the KB's record of one campaign (:func:`known_campaign`); ``part_leads``: the
    actors parts of the case point to, whose naming disputes matter whatever the whole gives them."""
    scores, actors = analysis.scores, analysis.index.actors
    warnings = [flag.message for flag in flags] + [repeat.message for repeat in repeats or []]
    comparable = comparable_items(scores)
    if comparable < THIN_ITEMS:
        distinct = len(scores.distinct().items)
        counted = (
            f"{distinct} comparable item(s)"
            if comparable == distinct
            else f"{distinct} item(s), worth {_worth(comparable)} in telling actors apart (an item half "
            "the actors list counts for nothing, an indicator no intelligence holds for nothing, one "
            "held at a confidence below 1 for that much)"
        )
        warnings.append(
            f"thin evidence: {counted}, too few to rely on (one or two "
            "artifacts can be shared, reused or planted); no known actor is held likelier than a new "
            "group, nor any state than an unknown sponsor beyond what its groups together hold, and "
            "every hypothesis is at low confidence: treat any lead as provisional until more evidence "
            "is added"
        )
    warnings += _ambiguous_names(analysis)
    # Ids of a later ATT&CK release than the KB's (rules written for it): one warning for all.
    newer = [m for m in analysis.unresolved if NEWER_RELEASE in m.reason]
    if newer:
        ids = list(dict.fromkeys(m.observation.value for m in newer))
        version = analysis.index.kb.document.get("attack_version", "?")
        # What a hunt lost with them: the rules whose findings they are (an analyst reads those).
        named = [
            rules_named((m.observation.provenance.text or "") if m.observation.provenance else "")
            for m in newer
        ]
        rules = list(dict.fromkeys(r for found in named for r in found if r != "…"))
        beyond = len(rules) > 5 or any("…" in found for found in named)
        lost = (
            f"; the findings of {'; '.join(rules[:5])}{' …' if beyond else ''} are weighed without them"
            if rules
            else ""
        )
        warnings.append(
            f"unresolved: {len(ids)} ATT&CK id(s) newer than v{version}, the knowledge base's release "
            f"({', '.join(ids[:8])}{' …' if len(ids) > 8 else ''}; {len(newer)} observation(s){lost}): {NEWER_HINT}"
        )
    # One warning per unresolved value, however many observations (hosts, phases) carry it.
    grouped: dict[str, list[Any]] = {}
    for miss in analysis.unresolved:
        if NEWER_RELEASE in miss.reason:
            continue
        grouped.setdefault(f"{miss.observation.kind.value}:{miss.observation.value}", []).append(miss)
    for count, misses in enumerate(grouped.values()):
        if count == UNRESOLVED_SHOWN:  # the assessment's `unresolved` lists every one
            rest = len(grouped) - UNRESOLVED_SHOWN
            warnings.append(
                f"unresolved: {rest:,} more value(s) not shown here; the assessment's unresolved list "
                "(--format json) has every one"
            )
            break
        miss = misses[0]
        hint = (
            f" (closest: {', '.join(miss.suggestions)})"
            if miss.suggestions and "did you mean" not in miss.reason
            else ""
        )
        # Where in the case file, as its validation errors say it: observations[1] is the second;
        # in a STIX bundle or MISP event, the object or attribute the value came from.
        places = [place(m) for m in misses[:3]]
        if len(misses) == 1:
            where = places[0]
        elif all(p.startswith("observations[") for p in places):
            where = f"observations{', '.join(f'[{m.index}]' for m in misses[:3])}"
        else:
            where = ", ".join(places)
        if len(misses) > 1:
            where += f"{' …' if len(misses) > 3 else ''} ({len(misses)} in all)"
        value = clip(miss.observation.value, 120)
        warnings.append(f"unresolved: {where} {value!r}: {clip(miss.reason, 300)}{hint}")
    warnings += _readings(analysis)
    parts = set(part_leads or [])
    for n, row in enumerate(dict.fromkeys([*leading, *(part_leads or [])])):
        # Only for hypotheses that matter: the leader with some probability, the next likely ones,
        # and the actors the parts point to (OilRig leading an exfiltration phase at 99.9 %).
        if row not in parts and analysis.posterior.actors[row] < (
            ALIAS_WARNING_MIN if n == 0 else ALIAS_WARNING_NEXT
        ):
            continue
        details = _alias_conflicts(analysis.index.kb, actors[row])
        if details:
            more = (
                f" (and {len(details) - 1} more about its names; every conflict that mentions it: "
                f'unmask kb conflicts --name "{actors[row].name}")'
                if len(details) > 1
                else ""
            )
            warnings.append(f"conflicting aliases for {actors[row].name}: {details[0]}{more}")
    warnings += _likenesses(analysis)
    novel = [item for item, new in zip(scores.items, scores.novel, strict=True) if new]
    if novel:
        labels = [item.label for item in novel]
        shown = ", ".join(labels[:6]) + (f" and {len(labels) - 6} more" if len(labels) > 6 else "")
        # The advice to give the sub-technique only where it applies: a technique that has some.
        parents = {t.parent for t in analysis.index.kb.techniques.values() if t.parent}
        finer = (
            "; for a parent technique, give the sub-technique"
            if any(item.signal == "technique" and item.key in parents for item in novel)
            else ""
        )
        warnings.append(
            f"{len(novel)} item(s) no actor of the knowledge base is known for: {shown}; they weigh "
            "nothing between the known actors and make a new group a little likelier (public reporting "
            f"may tie them to a group the knowledge base's sources do not{finer})"
        )
    # (Dates never are: they order the evidence, they do not point to actors.)
    unscored = [item for item in analysis.unscored if item.signal != "timing"]
    if unscored:
        kinds = sorted({item.signal for item in unscored})
        warnings.append(
            f"{len(unscored)} observation(s) ({', '.join(kinds)}) could not be compared: the "
            "knowledge base holds no such data for actors yet"
        )
    return warnings


# Below this probability, an actor the case likens its artifacts to is one the evidence does not bear out.
NOT_BORNE_OUT = 0.05


def _likenesses(analysis: Analysis) -> list[str]:
    """A resemblance the case claims (``similarity:``, a press or partner attribution) that the
    evidence as a whole does not bear out: the question a briefing must answer ("isn't this Volt
    Typhoon?"), answered; the claim itself is weighed as evidence like any other item."""
    rows = analysis.index.actor_position()
    warnings = []
    seen: set[str] = set()
    for item in analysis.items:
        if item.signal != "similarity" or item.key not in rows or item.key in seen:
            continue
        seen.add(item.key)
        p = float(analysis.posterior.actors[rows[item.key]])
        if p >= NOT_BORNE_OUT:
            continue
        actor = analysis.index.actors[rows[item.key]]
        prov = item.observation.provenance
        said = f", as {clip(prov.source, 120)!r} has it" if prov and prov.source else ""
        warnings.append(
            f"resemblance not borne out: {place(item)} likens the case's artifacts to {actor.name}'s"
            f"{said}; weighed with the rest of the evidence, {actor.name} holds {percent(p)}"
        )
    return warnings


def _same_sector(written: str, key: str) -> bool:
    """Whether a sector as the case wrote it is the KB's sector of that key under another label
    ("Hospitality" for hospitality-leisure, "Water" for infrastructure-water), not a broader one
    ("Diplomatic" for government)."""
    said = set(re.findall(r"[a-z]+", written.lower()))
    return bool(said) and said <= set(re.findall(r"[a-z]+", key.lower()))


def _readings(analysis: Analysis) -> list[str]:
    """A value read otherwise than by its kind's name or id is weighed as read: said, so it can be
    checked, and so is a copy of an item the case also gives otherwise, which counts as that item
    ("ntdsutil" beside T1003.003 is one item, not two); a victim sector the KB compares as another
    ("Diplomatic" as Government) in a warning of its own."""
    successors = analysis.index.kb.successors
    read: dict[tuple[str | None, str, str], str] = {}  # (as written, signal, key) -> how it was read
    for item in analysis.items:
        for copy, same in ((item, None), *((m, item) for m in item.merged)):
            if copy.read_from is None or (copy.read_from, copy.signal, copy.key) in read:
                continue
            retired = (
                analysis.index.kb.retired_reading(copy.read_from) if copy.signal == "technique" else None
            )
            why = (
                ""
                if retired not in successors
                else f" (retired; ATT&CK replaced {retired} with it)"
                if copy.read_from.strip().upper().startswith(retired)
                else f" (a name ATT&CK gave the retired {retired}, which it replaced with this)"
            )
            with_ = f", one item with {place(same)}" if same is not None else ""
            value = clip(copy.read_from, 120)
            if copy.signal == "victim" and same is None and _same_sector(copy.read_from, copy.key):
                continue  # "Hospitality", compared as hospitality-leisure: the same sector, not a broader one
            if copy.signal == "victim":
                read[(copy.read_from, copy.signal, copy.key)] = (
                    f"{place(copy)} {value!r} as {item.label.removeprefix('victim sector ')}{with_}"
                )
            else:
                read[(copy.read_from, copy.signal, copy.key)] = (
                    f"{place(copy)} {copy.observation.kind.value} {value!r} as {item.label}{why}{with_}"
                )
    warnings = []
    for sectors, lines in (
        (False, [line for (_, signal, _), line in read.items() if signal != "victim"]),
        (True, [line for (_, signal, _), line in read.items() if signal == "victim"]),
    ):
        if not lines:
            continue
        said = "; ".join(lines[:UNRESOLVED_SHOWN])
        more = f" and {len(lines) - UNRESOLVED_SHOWN} more" if len(lines) > UNRESOLVED_SHOWN else ""
        warnings.append(
            f"{SECTOR_AS}: {said}{more} (the sources name no finer sector to compare it with)"
            if sectors
            else f"{READ_AS}: {said}{more} (write the id, under its own kind, to say it exactly)"
        )
    return warnings


def _worth(count: float) -> str:
    """A count of items that confidences make fractional: "2", "2.5", "0.1"."""
    count = round(count, 9)  # what adding decimals leaves (1.9999999999999998 is 2)
    if count == round(count):
        return f"{count:.0f}"
    return f"{math.floor(count * 10) / 10:.1f}"  # rounded down: 4.96 is not "5.0", which is enough


def place(miss: Unresolved | EvidenceItem) -> str:
    """Where an observation is (:func:`~unmask.attribute.evidence.where`)."""
    return where(miss.observation, miss.index)


def _cheap_items(scores: Scores, positions: list[int]) -> str:
    """What makes the items at ``positions`` cheap evidence, in words."""
    items = [scores.items[p] for p in positions]
    unsure = sum(1 for item in items if item.ambiguous)
    tools = sum(1 for item in items if item.signal == "software" and not item.ambiguous)
    if unsure == len(items):
        return "read from a name that another actor or program also has (see the warnings)"
    if tools == len(items):
        return f"{'a public tool' if tools == 1 else 'public tools'} anyone can use"
    kinds = []
    if tools:
        kinds.append("public tools anyone can use")
    if any(item.signal == "cve" for item in items):
        kinds.append("exploits of published vulnerabilities")
    if any(item.signal not in ("software", "cve") for item in items):
        kinds.append("indicators or claims cheap to fake or to share")
    if unsure:
        kinds.append("programs read from a name another actor or program also has")
    return ", ".join(kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]


def _leader_without(scores: Scores, positions: list[int], params: Params) -> int | None:
    """The actor that would lead the known ones if the items at ``positions`` were not in the
    case (the whole posterior again, as a re-run without them gives); ``None`` if nothing is left."""
    dropped = set(positions)
    keep = [i for i in range(len(scores.items)) if i not in dropped]
    if not keep:
        return None
    ranking = posterior(scores.subset(keep), params).ranking()
    return ranking[0] if ranking else None
