"""Warnings an analyst must see before trusting an assessment.

- thin evidence: too little to tell actors apart;
- possible false flag: one cheap-to-fake item (a hash, an address, a claimed
  code similarity) points strongly to another actor than the rest of the
  evidence, or the leading hypothesis stands only because of such an item;
  or one tool or exploit (dearer to fake, but tools leak, are sold and are
  planted, as Olympic Destroyer planted another group's code; or a second
  actor took part, as in Albania 2022) points to another actor than the rest
  at least as strongly as anything points to the leader, or the tools that
  point to one other actor do so strongly together however strong the lead;
- unresolved names: observations the KB could not place;
- conflicting aliases: the sources disagree about the names of a leading actor;
- evidence the KB cannot compare (infrastructure, hashes, dates).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from unmask.attribute.combine import Posterior, Scores
from unmask.knowledge.store import NEWER_HINT, NEWER_RELEASE, KnowledgeBase
from unmask.model import Actor

if TYPE_CHECKING:
    from unmask.attribute.engine import Analysis

__all__ = [
    "ALIAS_WARNING_MIN",
    "FALSE_FLAG_MARGIN",
    "PLANTED_TOOL_MARGIN",
    "SHARED_TOOLING",
    "THIN_ITEMS",
    "caveats",
    "false_flags",
]

THIN_ITEMS = 5
# Conflicting aliases are reported for the leading actor and for the next ones above this probability.
ALIAS_WARNING_MIN = 0.05
# How much more (nats) a cheap-to-fake item must favour another actor than the leader to be flagged.
FALSE_FLAG_MARGIN = 2.0
# An item of moderate cost (a tool, an exploit) is flagged when it favours another actor over the
# leader by at least as much as the best item of the case favours the leader, and by this at least.
PLANTED_TOOL_MARGIN = 1.0
# ... or, whatever the leader's best item, when the tools and exploits that point to one other actor
# favour it over the leader by this much together (a likelihood ratio of about 20): a strong lead
# does not make another group's malware in the same case unremarkable.
STRONG_CONTRARY = 3.0
SHARED_TOOLING = "possible false flag, shared tooling or a second actor"


def false_flags(scores: Scores, post: Posterior, actors: list[Actor]) -> list[tuple[int, str]]:
    """(item position, message) for each cheap item that contradicts or carries the leading hypothesis."""
    ranking = post.ranking()
    if not ranking or len(scores.items) < 2:
        return []
    top = ranking[0]
    # When the unknown hypothesis leads, "the rest of the evidence" favours this actor only among
    # the known ones: say so rather than present a weak actor as the lead.
    rest = (
        f"{actors[top].name}"
        if post.actors[top] >= post.unknown
        else f"{actors[top].name} among the known actors (a group the knowledge base does not know leads)"
    )
    flags: list[tuple[int, str]] = []
    totals = post.totals
    leader_best = float(scores.contributions[:, top].max())
    # Tools and exploits (a public tool too) that point to another actor, by that actor.
    tools: dict[int, list[tuple[int, float]]] = {}
    for position, item in enumerate(scores.items):
        if item.cost == "high":
            continue
        row = scores.contributions[position]
        favoured = int(np.argmax(np.where(scores.candidates, row, -np.inf)))
        if item.cost == "moderate" or item.signal == "software":
            margin = float(row[favoured] - row[top])
            if favoured != top and margin >= PLANTED_TOOL_MARGIN:
                tools.setdefault(favoured, []).append((position, margin))
            continue
        if favoured != top and row[favoured] - row[top] >= FALSE_FLAG_MARGIN:
            flags.append(
                (
                    position,
                    f"possible false flag: {item.label} (cheap to fake) points to {actors[favoured].name} "
                    f"({_by(row[favoured] - row[top], actors[top].name)}), "
                    f"against the rest of the evidence, which favours {rest}",
                )
            )
            continue
        without = np.where(scores.candidates, totals - row, -np.inf)
        if int(np.argmax(without)) != top and row[top] > 0:
            flags.append(
                (
                    position,
                    f"possible false flag: {actors[top].name} leads only because of {item.label}, "
                    f"which is cheap to fake; without it {actors[int(np.argmax(without))].name} leads",
                )
            )
    for favoured, found in tools.items():
        margins = [margin for _, margin in found]
        if max(margins) >= leader_best or sum(margins) >= STRONG_CONTRARY:
            labels = [scores.items[position].label for position, _ in found]
            what = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
            flags.append(
                (
                    found[0][0],
                    f"{SHARED_TOOLING}: {what} point{'s' if len(labels) == 1 else ''} to "
                    f"{actors[favoured].name} ({_by(sum(margins), actors[top].name)}), "
                    "against the rest of the evidence, which favours "
                    f"{rest}; tools and exploits leak, are sold and are planted, and "
                    "one incident can have several actors (see the parts, if any)",
                )
            )
    return flags


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


def caveats(analysis: Analysis, flags: list[tuple[int, str]], leading: list[int]) -> list[str]:
    """All warnings for one assessment, most serious first."""
    scores, actors = analysis.scores, analysis.index.actors
    warnings = [message for _, message in flags]
    if len(scores.items) < THIN_ITEMS:
        warnings.append(
            f"thin evidence: {len(scores.items)} comparable item(s), too few to rely on (one or two "
            "artifacts can be shared, reused or planted); every hypothesis is at low confidence: treat "
            "any lead as provisional until more evidence is added"
        )
    # Ids of a later ATT&CK release than the KB's (rules written for it): one warning for all.
    newer = [m for m in analysis.unresolved if NEWER_RELEASE in m.reason]
    if newer:
        ids = list(dict.fromkeys(m.observation.value for m in newer))
        version = analysis.index.kb.document.get("attack_version", "?")
        warnings.append(
            f"unresolved: {len(ids)} ATT&CK id(s) newer than v{version}, the knowledge base's release "
            f"({', '.join(ids[:8])}{' …' if len(ids) > 8 else ''}; {len(newer)} observation(s)): {NEWER_HINT}"
        )
    # One warning per unresolved value, however many observations (hosts, phases) carry it.
    grouped: dict[str, list[Any]] = {}
    for miss in analysis.unresolved:
        if NEWER_RELEASE in miss.reason:
            continue
        grouped.setdefault(f"{miss.observation.kind.value}:{miss.observation.value}", []).append(miss)
    for misses in grouped.values():
        miss = misses[0]
        hint = (
            f" (closest: {', '.join(miss.suggestions)})"
            if miss.suggestions and "did you mean" not in miss.reason
            else ""
        )
        where = (
            f"observation {miss.index}"
            if len(misses) == 1
            else f"observations {', '.join(str(m.index) for m in misses[:3])}{' …' if len(misses) > 3 else ''} ({len(misses)} in all)"
        )
        warnings.append(f"unresolved: {where} {miss.observation.value!r}: {miss.reason}{hint}")
    for row in leading:
        # Only for hypotheses that matter: those with some probability (a negligible leader too).
        if analysis.posterior.actors[row] < ALIAS_WARNING_MIN:
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
    if analysis.unscored:
        kinds = sorted({item.signal for item in analysis.unscored})
        warnings.append(
            f"{len(analysis.unscored)} observation(s) ({', '.join(kinds)}) could not be compared: the "
            "knowledge base holds no such data for actors yet"
        )
    return warnings
