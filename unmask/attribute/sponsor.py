"""The sponsor level: roll the group-level posterior up to states.

Each actor carries the KB's sponsor state, or ``none`` (no state: a
financially motivated group the sources tie to no state), or ``unknown``.  The
candidate actors of each label form a pool; a pool's logit is

    sponsor_sharpness * ln sum_{a in pool} exp(logit(a)) + sponsor_log_groups * ln |pool|

(with sharpness 1 and no second term, a state's probability would be the sum of
its actors'; the second term corrects the pull of the states with many groups,
which otherwise pool the mass of a flat group posterior).  The unknown-group
hypothesis's probability is split: a share (``sponsor_spread``) goes to the
states in proportion to the pools (a new cluster that behaves like Iranian
groups is more likely Iranian), the rest to ``unknown``.  Last, a share
(``sponsor_unknown_spread``) of what ``unknown`` then holds goes to the states
(and ``none``) in proportion to how many of the KB's actors each has: a group
the sources tie to no state, or a new cluster, is most likely sponsored the way
groups usually are.  The weights and shares are fitted on the development split.  Finally, no
state is held likelier than its groups, the groups of unknown state and the unknown group
together allow (the pooling sharpens; it must not contradict the group level).
"""

from __future__ import annotations

import math

import numpy as np

from unmask.attribute.combine import Posterior, Scores, held_level, reliability, thin_case, within_bounds
from unmask.attribute.params import Params
from unmask.knowledge.countries import country_name
from unmask.model import Actor

__all__ = [
    "NO_STATE",
    "UNKNOWN_STATE",
    "base_rates",
    "pool_features",
    "sponsor_label",
    "sponsor_pools",
    "sponsor_posterior",
    "state_words",
]

NO_STATE = "none"
UNKNOWN_STATE = "unknown"


def sponsor_label(actor: Actor) -> str:
    """The actor's sponsor state (ISO code), ``none`` for criminal groups, or ``unknown``."""
    if actor.sponsor:
        return actor.sponsor
    if actor.motivations and set(actor.motivations) <= {"financial"}:
        return NO_STATE
    return UNKNOWN_STATE


def sponsor_pools(actors: list[Actor], scores: Scores, post: Posterior) -> dict[str, list[float]]:
    """The candidate actors' logits by sponsor label."""
    pools: dict[str, list[float]] = {}
    for actor, logit, candidate in zip(actors, post.logits, scores.candidates, strict=True):
        if candidate and np.isfinite(logit):
            pools.setdefault(sponsor_label(actor), []).append(float(logit))
    return pools


def state_words(label: str) -> str | None:
    """A sponsor label in words ("China", "no state"), or ``None`` for ``unknown``."""
    if label == UNKNOWN_STATE:
        return None
    return "no state" if label == NO_STATE else country_name(label)


def pool_features(logits: list[float]) -> tuple[float, float]:
    """(ln sum exp of the pool's logits, ln of its size): what a pool's logit weighs."""
    values = np.asarray(logits)
    top = float(values.max())
    return top + math.log(float(np.exp(values - top).sum())), math.log(len(values))


def base_rates(actors: list[Actor]) -> dict[str, float]:
    """Share of each state (and ``none``) among the actors whose sponsor label is not ``unknown``."""
    counts: dict[str, int] = {}
    for actor in actors:
        label = sponsor_label(actor)
        if label != UNKNOWN_STATE:
            counts[label] = counts.get(label, 0) + 1
    total = sum(counts.values())
    return {label: n / total for label, n in counts.items()} if total else {}


def sponsor_posterior(
    actors: list[Actor], scores: Scores, post: Posterior, params: Params
) -> dict[str, float]:
    """Probability of each sponsor state, ``none`` and ``unknown``; sums to 1."""
    pools = sponsor_pools(actors, scores, post)
    if not pools:
        return {UNKNOWN_STATE: 1.0}
    labels = list(pools)
    logits = np.array(
        [
            params.sponsor_sharpness * lse + params.sponsor_log_groups * size
            for lse, size in (pool_features(pools[label]) for label in labels)
        ]
    )
    share = np.exp(logits - logits.max())
    share /= share.sum()
    known = 1.0 - post.unknown + params.sponsor_spread * post.unknown
    result = {label: known * float(q) for label, q in zip(labels, share, strict=True)}
    result[UNKNOWN_STATE] = result.get(UNKNOWN_STATE, 0.0) + (1.0 - params.sponsor_spread) * post.unknown
    moved = params.sponsor_unknown_spread * result[UNKNOWN_STATE]
    if moved > 0:
        rates = base_rates(actors)
        result[UNKNOWN_STATE] -= moved
        for label, rate in rates.items():
            result[label] = result.get(label, 0.0) + moved * rate
    total = sum(result.values())
    result = {k: v / total for k, v in result.items()}
    result = _bound_by_items(actors, scores, result, base_rates(actors))
    result = _coherent(actors, scores, post, result)
    held = held_level(scores, post.actors)
    result = _thin(held, result)
    mass = _group_mass(actors, scores, post)
    result = _no_less_than_its_groups(mass, result)
    if held:
        result = _thin_again(mass, result)
    # The unknown label first among equals (a thin case holds the leading state level with it).
    return dict(sorted(result.items(), key=lambda kv: (-round(kv[1], 9), kv[0] != UNKNOWN_STATE)))


def _thin(held: bool, result: dict[str, float]) -> dict[str, float]:
    """In a thin case no state (nor "no state") is likelier than an unknown sponsor, as no actor
    is likelier than a new group (combine.thin_case): a lone ZeroCleare is a lead to Iran, not
    "very likely" Iran."""
    labels = [label for label in result if label != UNKNOWN_STATE]
    level = thin_case(held, np.array([result[k] for k in labels]), result.get(UNKNOWN_STATE, 0.0))
    if level is None:
        return result
    states, unknown = level
    return {**dict(zip(labels, map(float, states), strict=True)), UNKNOWN_STATE: unknown}


def _coherent(
    actors: list[Actor], scores: Scores, post: Posterior, result: dict[str, float]
) -> dict[str, float]:
    """No state likelier than the group level allows: its own groups, plus the groups whose state
    is unknown and the unknown group (either could be its).  The pooling above sharpens the state
    level; it must not claim more than the groups add up to ("almost certain Russia" over
    "very likely Sandworm" once a planted artifact has cut Sandworm).  The excess goes to the
    other labels in proportion."""
    mass = _group_mass(actors, scores, post)
    free = post.unknown + mass.get(UNKNOWN_STATE, 0.0)
    labels = list(result)
    bounds = np.array([np.inf if k == UNKNOWN_STATE else mass.get(k, 0.0) + free for k in labels])
    capped = within_bounds(np.array([result[k] for k in labels]), bounds)
    return result if capped is None else dict(zip(labels, map(float, capped), strict=True))


def _thin_again(mass: dict[str, float], result: dict[str, float]) -> dict[str, float]:
    """In a thin case, after the floor has moved mass about: no state above an unknown sponsor
    beyond its own groups together (the floor takes what a state lacks from the unknown sponsor
    too, which can leave a state it did not touch above it); the excess goes to the unknown sponsor."""
    result = dict(result)
    unknown = result.get(UNKNOWN_STATE, 0.0)
    for label in sorted(result, key=lambda k: -result[k]):
        if label == UNKNOWN_STATE:
            continue
        ceiling = max(unknown, mass.get(label, 0.0))
        if result[label] > ceiling + 1e-12:
            unknown += result[label] - ceiling
            result[label] = ceiling
    result[UNKNOWN_STATE] = unknown
    return result


def _group_mass(actors: list[Actor], scores: Scores, post: Posterior) -> dict[str, float]:
    """The group level's probability by sponsor label: each label's groups together."""
    mass: dict[str, float] = {}
    for actor, p, candidate in zip(actors, post.actors, scores.candidates, strict=True):
        if candidate:
            label = sponsor_label(actor)
            mass[label] = mass.get(label, 0.0) + float(p)
    return mass


def _no_less_than_its_groups(mass: dict[str, float], result: dict[str, float]) -> dict[str, float]:
    """No state (nor "no state") less likely than its own groups together: if one of them is
    behind the case, so is its sponsor.  The pooling, the bounds and the thin-case rule above can
    leave a state under that (three criminal groups at 62 % together, each below a new group, and
    "no state" held at 49 %); what it lacks comes from the other labels' excess over their own
    groups, in proportion.  An unknown sponsor's groups could be any state's: no floor for it."""
    floors = {k: (0.0 if k == UNKNOWN_STATE else mass.get(k, 0.0)) for k in result}
    lacking = {k: floors[k] - v for k, v in result.items() if v < floors[k] - 1e-12}
    if not lacking:
        return result
    excess = {k: v - floors[k] for k, v in result.items() if k not in lacking and v > floors[k]}
    spare = sum(excess.values())
    if spare <= 0:
        return result
    needed = min(sum(lacking.values()), spare)
    return {
        k: floors[k] if k in lacking else (v - needed * excess[k] / spare if k in excess else v)
        for k, v in result.items()
    }


def _bound_by_items(
    actors: list[Actor], scores: Scores, result: dict[str, float], rates: dict[str, float]
) -> dict[str, float]:
    """No state likelier than its items allow (as for groups, combine.cap_by_reliability).

    If none of the items that favour a state's actors is genuinely theirs (each is with
    probability r), the sponsor is as likely as states usually are: P(state) <= 1 - u(1 - rate),
    u the product of (1 - r) over those items.  A lone Olympic Destroyer (a known false flag)
    says "very likely Russia", not "almost certain".
    """
    if not scores.items:
        return result
    favour = scores.contributions > 0
    unreliable = np.array([1.0 - reliability(item) for item in scores.items])
    labels = [sponsor_label(actor) for actor in actors]
    bounds: dict[str, float] = {}
    for label in result:
        columns = [j for j, own in enumerate(labels) if own == label and scores.candidates[j]]
        rows = favour[:, columns].any(axis=1) if columns else np.zeros(len(scores.items), dtype=bool)
        if rows.any():
            bounds[label] = 1.0 - float(np.prod(unreliable[rows])) * (1.0 - rates.get(label, 0.0))
    labels_in = list(result)
    capped = within_bounds(
        np.array([result[label] for label in labels_in]),
        np.array([bounds.get(label, np.inf) for label in labels_in]),
    )
    return result if capped is None else dict(zip(labels_in, map(float, capped), strict=True))
