"""Combine evidence into a posterior over actors and the unknown / new-cluster hypothesis.

Each evidence item i contributes to actor a

    c(i, a) = w_s * ln( r_i * LR(i, a) + (1 - r_i) )

where LR is the smoothed likelihood ratio of the item's features (table.py;
1, so c = 0, for an actor the KB knows nothing about on the item's signal),
w_s the weight of its signal and r_i its reliability: the chance that the item
really reflects the actor rather than noise or a plant.  A cheap-to-fake item
(a hash, a code-similarity claim) has a low r_i, so no single one of it can
decide the answer; r_i also bounds how hard one odd item can count against an
actor.  An incident shows a handful of an actor's ways, so each signal present
also costs the actor ``absence_rate`` per unit of its profile the incident did
not show.  That is the actor's evidence score, score(a).

The posterior is a conditional logit over the candidate actors and the unknown
hypothesis (see :func:`design` for the features and :class:`Params` for the
weights, which are fitted by maximum likelihood on the development split):

    logit(a)       = n / (n + 1.5) * w . [score_other(a) / n^0.75, score_software(a) / n^0.75,
                                         similarities(a)]
                     + 2 ln coverage(a) + indicators(a) - field
    logit(unknown) = v . [1, ln n, share of items no known actor has]

where n is the number of distinct items (each counted at the analyst's confidence in
it, at most 1, as are the items no known actor has), score_software(a) is the part of
score(a) from software items and score_other(a) the rest, the similarities
(profile, closest report, two closest, techniques-only and software-only
profile) come from reports.py (each times n / (n + 5): a case of one technique
is "identical" to every report that names only that technique, which says
little) and coverage(a) is the share of the evidence weight a's profile speaks
to (an actor known only by its victims cannot be told apart on behaviour).
Dividing the scores by n^0.75 keeps the features on one scale from a five-item
report to a sixty-item campaign: items of one incident are not independent, so
evidence grows slower than their count.  indicators(a) is the sum of the
contributions of the case's indicators that the user's intelligence ties to
actors (signals/indicator.py): fixed, judged likelihood ratios, added as they
are, and not counted in n.  The factor n / (n + 1.5) tempers
the whole of a one- or two-item case: a lone technique or tool is shared by
many actors, known and unknown, and should leave the answer open.  The unknown
hypothesis is an actor the KB does not know: it wins when no known actor's
score and similarity beat what an incident of that size usually reaches.
field is ln of the candidates' prior mass (the sum of coverage(a)^2) over
that of the candidates ATT&CK knows by techniques or software, the field
the unknown's weights were fitted against: 0 for a case of behaviour alone on
ATT&CK's actors, while a case of victims or CVEs, which many more actors can
speak to, or one that also reaches actors another source knows by software
alone (Tidal's ransomware crews), shares the same prior among more of them
rather than crowding the unknown hypothesis out (a lone victim country had
left it at 3 %, a lone technique 7 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.index import ScoringIndex
from unmask.attribute.params import Params
from unmask.attribute.reports import SIMILARITIES, ReportIndex
from unmask.attribute.signals import SIGNALS

__all__ = [
    "EVIDENCE_SIZE_POWER",
    "RANK_FEATURES",
    "RELIABILITY",
    "THIN_HALF_ITEMS",
    "THIN_ITEMS",
    "UNKNOWN_FEATURES",
    "Design",
    "Posterior",
    "Scores",
    "cheap_software",
    "comparable_items",
    "design",
    "held_level",
    "is_thin",
    "posterior",
    "public_tool",
    "rank_weights",
    "reliability",
    "rests_on_public_tools",
    "score_items",
    "weighs_nothing",
    "within_bounds",
]

MIN_COVERAGE = 0.01
# The signals whose items the report similarities compare (reports.py).
PROFILE_SIGNALS = ("technique", "software")
# The ranking's features, in the order of design(); their weights are Params.rank_<name>.
RANK_FEATURES = ("evidence", "evidence_software", *SIMILARITIES)
# The evidence scores are divided by n ** EVIDENCE_SIZE_POWER in a case of n items: the items of
# one incident are not independent, so evidence grows slower than their count (0.75 was chosen on
# the development units, where it calibrates cases of twenty items and more better than 0.5).
EVIDENCE_SIZE_POWER = 0.75
# An actor's prior shrinks as coverage(a) ** COVERAGE_POWER: a fixed offset of its logit, not fitted
# (the benchmark's cases are all behaviour, so the fit cannot see what victims-only actors need).
COVERAGE_POWER = 2.0
# The similarities count for n / (n + SIMILARITY_HALF_ITEMS) of themselves in a case of n items.
SIMILARITY_HALF_ITEMS = 5.0
# The actors' logits count for n / (n + THIN_HALF_ITEMS) of themselves in a case of n items.  Chosen
# on the development units, thin ones included (bench/units.py: thin_units), by the one-standard-error
# rule: the strongest tempering whose held-out log-likelihood is within one standard error of the best
# (docs/benchmarks/attribution-tuning.md, round 6).
THIN_HALF_ITEMS = 1.5
# A case (or part) of fewer comparable items than this is thin: one or two artifacts can be shared,
# reused or planted, so no known actor is held likelier than a new cluster (see thin_case()).
THIN_ITEMS = 5
# An item that half or more of the actors whose records speak of its signal list (T1059.001
# PowerShell, "Government" as the victim's sector) cannot tell a known actor from a new cluster: it
# does not count among the THIN_ITEMS.  A policy like THIN_ITEMS; a third was tried and costs the
# separation of new groups from known ones (development open-set AUROC 0.823 -> 0.766;
# docs/benchmarks/attribution-tuning.md, round 18).
COMMON_SHARE = 0.5
# The unknown hypothesis's features; their weights are Params.unknown_<name>.
UNKNOWN_FEATURES = ("bias", "log_items", "novel")

# Chance that an item of each cost-to-fake class reflects the actor (not noise, not a plant).
RELIABILITY = {"low": 0.5, "moderate": 0.85, "high": 0.95}


@dataclass
class Scores:
    """Per-item contributions (items x actors), and what the combination needs besides."""

    items: list[EvidenceItem]
    contributions: NDArray[np.float64]
    weights: NDArray[np.float64]
    candidates: NDArray[np.bool_]
    # known[i, a]: the KB has a profile of actor a for item i's signal.
    known: NDArray[np.bool_]
    # matched[i, a]: actor a's profile mass on item i's features; novel[i]: no actor has item i.
    matched: NDArray[np.float64]
    novel: NDArray[np.bool_]
    profile_mass: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    reports: ReportIndex | None = None
    # The actors ATT&CK knows by behaviour (a technique or software profile): the field the unknown
    # hypothesis's prior was fitted against (see design()).
    behaviour: NDArray[np.bool_] | None = None
    # common[i]: COMMON_SHARE or more of the actors whose records speak of item i's signal list it.
    common: NDArray[np.bool_] | None = None
    # The contributions before the case's indicators were weighed together (_correlated_indicators):
    # a subset (a part, the case without an item) weighs its own indicators together again.
    raw: NDArray[np.float64] | None = None

    def subset(self, keep: list[int]) -> Scores:
        """The scores of some of the items (a phase, a host) with the same candidates."""
        items = [self.items[i] for i in keep]
        contributions = self.contributions[keep]
        if self.raw is not None:
            # Without the strongest of three addresses the next one counts in full, not half.
            contributions = self.raw[keep].copy()
            _correlated_indicators(items, contributions)
        return Scores(
            items,
            contributions,
            self.weights[keep],
            self.candidates,
            self.known[keep],
            self.matched[keep],
            self.novel[keep],
            self.profile_mass,
            self.reports,
            self.behaviour,
            None if self.common is None else self.common[keep],
            None if self.raw is None else self.raw[keep],
        )

    def distinct(self) -> Scores:
        """One entry per distinct piece of evidence (signal and key).

        A hunt reports a technique once per host; seen on ten hosts it is still one thing the
        actor does, so its copies are merged before the group level is judged: the copy held
        with the most confidence stands for them (a sighting the analyst is sure of is not made
        doubtful by a doubtful one elsewhere).  The parts of an incident (hosts, phases) are
        judged on their own.
        """
        groups: dict[tuple[str, str], list[int]] = {}
        for position, item in enumerate(self.items):
            groups.setdefault((item.signal, item.key), []).append(position)
        merged = self._one_chain(groups)
        if len(groups) == len(self.items) and merged is self:
            return self
        # The first of the most trusted copies (order kept: the first copy's place).
        best = [max(m, key=lambda i: (reliability(merged.items[i]), -i)) for m in groups.values()]
        return merged.subset(best)

    def _one_chain(self, groups: dict[tuple[str, str], list[int]]) -> Scores:
        """Vulnerabilities of one year that exactly the same actors' reports name (ProxyShell's
        CVE-2021-34473 and CVE-2021-34523) are one exploit chain, one piece of evidence: the most
        trusted of them stands for the others, its label naming them (``groups`` is changed to
        match); the others' copies are dropped.  CVEs of different years the same actor lists
        (APT28's CVE-2014-4076 and CVE-2022-38028) stay apart."""
        chains: dict[tuple[str, tuple[int, ...]], list[tuple[str, str]]] = {}
        for key, positions in groups.items():
            if key[0] == "cve":
                listed = tuple(np.flatnonzero(self.matched[positions[0]] > 0).tolist())
                if listed:
                    chains.setdefault((key[1].split("-")[1], listed), []).append(key)
        chains = {listed: keys for listed, keys in chains.items() if len(keys) > 1}
        if not chains:
            return self
        items = list(self.items)

        def trust(key: tuple[str, str]) -> tuple[float, int]:
            best = max(groups[key], key=lambda i: (reliability(self.items[i]), -i))
            return reliability(self.items[best]), -best

        for keys in chains.values():
            first = max(keys, key=trust)
            others = ", ".join(key[1] for key in keys if key != first)
            for position in groups[first]:
                item = items[position]
                items[position] = replace(
                    item, label=f"{item.label} (with {others}: one chain, the same actors')"
                )
            for key in keys:
                if key != first:
                    del groups[key]
        return replace(self, items=items)

    def coverage(self) -> NDArray[np.float64]:
        """Per actor, the share of the evidence weight its profile can speak to (each item's weight
        times the analyst's confidence in it: an item held at 0.001 barely widens the field)."""
        weights = self.weights * np.array([_believed(item) for item in self.items])
        total = float(weights.sum())
        if total <= 0:
            return np.ones(self.known.shape[1])
        return np.asarray((weights[:, None] * self.known).sum(axis=0) / total, dtype=np.float64)

    def signal_totals(self, params: Params) -> dict[str, NDArray[np.float64]]:
        """Per signal present, each actor's score from its items: contributions less the absence cost.

        The absence cost is the profile the incident did not show: ``absence_rate`` per unit of
        the actor's profile mass on the signal that no item matched.
        """
        result: dict[str, NDArray[np.float64]] = {}
        for signal in sorted({item.signal for item in self.items}):
            rows = [i for i, item in enumerate(self.items) if item.signal == signal]
            total = self.contributions[rows].sum(axis=0)
            if params.absence_rate > 0 and signal in self.profile_mass:
                unseen = self.profile_mass[signal] - self.matched[rows].sum(axis=0)
                total = total - params.absence_rate * float(self.weights[rows[0]]) * np.maximum(unseen, 0.0)
            result[signal] = np.asarray(total, dtype=np.float64)
        return result

    def totals(self, params: Params) -> NDArray[np.float64]:
        """Each actor's score: the sum of its per-signal scores."""
        return sum(self.signal_totals(params).values(), np.zeros(self.contributions.shape[1]))


@dataclass
class Posterior:
    """Probabilities of the candidate actors (0 for the others) and of the unknown hypothesis."""

    actors: NDArray[np.float64]
    unknown: float
    totals: NDArray[np.float64]  # score(a): the evidence score the explanations are made of
    logits: NDArray[np.float64]  # -inf for actors that are not candidates
    unknown_logit: float

    def ranking(self) -> list[int]:
        """Actor rows by probability, best first (candidates only)."""
        order = np.argsort(-self.actors, kind="stable")
        return [int(i) for i in order if self.actors[i] > 0]


def comparable_items(scores: Scores) -> float:
    """How much of the case can tell actors apart: its distinct items, each counted at the analyst's
    confidence in it (at most 1), leaving out the ones that COMMON_SHARE or more of the actors whose
    records speak of their signal list, and the indicators no intelligence file holds (they are
    compared with nothing)."""
    distinct = scores.distinct()
    common = distinct.common if distinct.common is not None else np.zeros(len(distinct.items), dtype=bool)
    return math.fsum(  # exact: 0.6 + 0.7 + 0.7 is 2, and the order of a case's items changes nothing
        _believed(item)
        for position, (item, shared) in enumerate(zip(distinct.items, common, strict=True))
        if not shared and not weighs_nothing(distinct, position)
    )


def cheap_software(item: EvidenceItem) -> bool:
    """A program that is cheap evidence: a public tool, or one read through an ambiguous name."""
    return item.signal == "software" and item.cost == "low"


def public_tool(item: EvidenceItem) -> bool:
    """A tool anyone can pick up (AnyDesk, ngrok, PsExec): software of the cheapest class."""
    return item.signal == "software" and item.cost == "low" and not item.ambiguous


def weighs_nothing(scores: Scores, position: int) -> bool:
    """Whether the item at ``position`` is an indicator no intelligence file holds: compared with
    nothing, it moves no actor and counts in no size of the case."""
    return SIGNALS[scores.items[position].signal].indicator and not scores.contributions[position].any()


def _believed(item: EvidenceItem) -> float:
    """The analyst's confidence in the item, within [0, 1]: how much of an item it counts for."""
    return max(0.0, min(1.0, item.observation.confidence))


def is_thin(scores: Scores) -> bool:
    """Whether the case (or part) has fewer than THIN_ITEMS comparable items (comparable_items)."""
    return comparable_items(scores) < THIN_ITEMS


def reliability(item: EvidenceItem) -> float:
    """The item's reliability: its cost-to-fake class times the analyst's confidence in it."""
    return RELIABILITY[item.cost] * max(0.0, min(1.0, item.observation.confidence))


def score_items(index: ScoringIndex, items: list[EvidenceItem]) -> Scores:
    """Score the items against every actor of the index."""
    scored = [item for item in items if item.signal in SIGNALS]
    n_actors = len(index.actors)
    contributions = np.zeros((len(scored), n_actors))
    matched = np.zeros((len(scored), n_actors))
    weights = np.zeros(len(scored))
    known = np.zeros((len(scored), n_actors), dtype=bool)
    novel = np.zeros(len(scored), dtype=bool)
    candidates = np.zeros(n_actors, dtype=bool)
    common = np.zeros(len(scored), dtype=bool)
    for position, item in enumerate(scored):
        share = index.share(item)
        common[position] = share is not None and share >= COMMON_SHARE
        signal = SIGNALS[item.signal]
        table = index.tables[item.signal]
        features = signal.item_features(item, index.context)
        log_ratio = np.zeros(n_actors)
        for feature, share in features.items():
            log_ratio += share * table.column(feature)
            matched[position] += share * table.mass(feature)
        # A sparse signal's item no actor has is no sign of someone new: few actors have any (the
        # KB records EternalBlue for none, though Lazarus, Sandworm and APT28 used it).
        novel[position] = not signal.indicator and not signal.sparse and not table.known(next(iter(features)))
        if not signal.indicator and not any(table.known(f) for f in features):
            # No actor of the KB has it (a family the sources tie to no group): it says nothing
            # about which known actor, and says "someone new" through the unknown hypothesis's
            # novelty feature.  The smoothed ratio would count it against big profiles most (a
            # group's own signature malware, missing from the KB, lowered that group).
            log_ratio[:] = 0.0
        r = reliability(item)
        weight = signal.weight(index.params)
        contributions[position] = weight * np.log(r * np.exp(log_ratio) + (1.0 - r))
        weights[position] = weight
        if signal.sparse:
            # An actor with no profile for a sparse signal is not thereby ruled out.
            candidates[:] = True
            known[position] = True
        else:
            candidates |= table.has_profile
            known[position] = table.has_profile
    profile_mass = {
        name: table.totals
        for name, table in index.tables.items()
        if name != "similarity" and not SIGNALS[name].indicator
    }
    raw = contributions.copy()
    _correlated_indicators(scored, contributions)
    behaviour = np.zeros(n_actors, dtype=bool)
    for name in PROFILE_SIGNALS:
        if name in index.tables:
            behaviour |= index.tables[name].has_profile
    if not scored:
        # Nothing comparable: the evidence leaves every actor known by behaviour where the prior put it.
        candidates[:] = behaviour if behaviour.any() else True
    # The field: actors a second source alone knows by its software links share the prior of those
    # ATT&CK knows rather than crowd the unknown hypothesis out (the same ones, for ATT&CK alone).
    fitted = behaviour & index.in_attack if len(index.in_attack) == n_actors else behaviour
    return Scores(
        scored,
        contributions,
        weights,
        candidates,
        known,
        matched,
        novel,
        profile_mass,
        index.reports,
        fitted if fitted.any() else behaviour,
        common,
        raw,
    )


def _correlated_indicators(items: list[EvidenceItem], contributions: NDArray[np.float64]) -> None:
    """An incident's indicators are one choice of infrastructure, not independent draws: of the
    indicators that point to one actor, the k-th strongest counts 1/k of its weight (three
    addresses from one intelligence file say more than one, not three times as much)."""
    rows = [p for p, item in enumerate(items) if SIGNALS[item.signal].indicator]
    if len(rows) < 2:
        return
    block = contributions[rows]
    for column in range(block.shape[1]):
        positive = np.flatnonzero(block[:, column] > 0)
        if len(positive) < 2:
            continue
        order = positive[np.argsort(-block[positive, column], kind="stable")]
        block[order, column] /= np.arange(1, len(order) + 1)
    contributions[rows] = block


@dataclass
class Design:
    """The features of one case: candidate actors' rows, their features, the unknown's features."""

    rows: NDArray[np.intp]
    actors: NDArray[np.float64]
    offsets: NDArray[np.float64]
    unknown: NDArray[np.float64]
    totals: NDArray[np.float64]


def design(scores: Scores, params: Params) -> Design:
    """The case's feature vectors for the ranking (see the module docstring)."""
    parts = scores.signal_totals(params)
    totals: NDArray[np.float64] = sum(parts.values(), np.zeros(len(scores.candidates)))
    software = parts.get("software", np.zeros_like(totals))
    exact = sum((v for k, v in parts.items() if SIGNALS[k].indicator), np.zeros_like(totals))
    rows = np.flatnonzero(scores.candidates)
    # The case's size: its items, each at the analyst's confidence in it (ten items held at one in a
    # million are not ten items' worth of evidence, for an actor or for a new group).
    n = max(1.0, sum(_believed(item) for item in scores.items if not SIGNALS[item.signal].indicator))
    keys: dict[str, float] = {}  # each id at the most the analyst believes any of its items
    for item in scores.items:
        if item.signal in PROFILE_SIGNALS:
            keys[item.key] = max(keys.get(item.key, 0.0), _believed(item))
    if scores.reports is not None and keys:
        similar = scores.reports.similarities(keys)
    else:
        similar = np.zeros((len(totals), len(SIMILARITIES)))
    coverage = np.log(np.maximum(scores.coverage(), MIN_COVERAGE))
    # A one-item case is "identical" to every one-item report: similarity needs items to mean much.
    similar = similar * (n / (n + SIMILARITY_HALF_ITEMS))
    scale = n**EVIDENCE_SIZE_POWER
    actors = np.column_stack([(totals - software - exact) / scale, software / scale, similar])[rows]
    actors *= n / (n + THIN_HALF_ITEMS)
    novel = sum(_believed(item) for item, new in zip(scores.items, scores.novel, strict=True) if new)
    unknown = np.array([1.0, math.log(n), novel / n])
    offsets = (COVERAGE_POWER * coverage)[rows]
    offsets -= _field(np.exp(offsets), scores.behaviour, rows)
    return Design(rows, actors, offsets + exact[rows], unknown, totals)


def _field(prior: NDArray[np.float64], behaviour: NDArray[np.bool_] | None, rows: NDArray[np.intp]) -> float:
    """ln(the candidates' prior mass / that of the candidates known by behaviour).

    The unknown hypothesis's weights were fitted on cases of techniques and software, against the
    actors known by them.  A case whose signals reach actors the KB knows only otherwise (a victim
    country, a CVE) shares the known actors' prior among more of them instead of crowding the
    unknown hypothesis out; 0 for a case of behaviour alone.
    """
    if behaviour is None:
        return 0.0
    known = float(prior[behaviour[rows]].sum())
    return math.log(float(prior.sum()) / known) if known > 0 else 0.0


def rank_weights(params: Params) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The weights of the actor features and of the unknown hypothesis's features."""
    actor = np.array([getattr(params, f"rank_{name}") for name in RANK_FEATURES])
    unknown = np.array([getattr(params, f"unknown_{name}") for name in UNKNOWN_FEATURES])
    return actor, unknown


def posterior(scores: Scores, params: Params) -> Posterior:
    """The posterior over candidate actors and the unknown hypothesis (of a case, or of a part of
    one: a phase or a host, held to the thin-case rule on its own evidence)."""
    features = design(scores, params)
    totals = features.totals
    logits = np.full_like(totals, -np.inf)
    actor_weights, unknown_weights = rank_weights(params)
    unknown_logit = float(features.unknown @ unknown_weights)
    if len(features.rows) == 0:
        return Posterior(np.zeros_like(totals), 1.0, totals, logits, unknown_logit)
    logits[features.rows] = features.actors @ actor_weights + features.offsets
    top = max(float(logits.max()), unknown_logit)
    exp_actors = np.exp(logits - top)
    exp_unknown = float(np.exp(unknown_logit - top))
    norm = float(exp_actors.sum()) + exp_unknown
    actors, unknown = exp_actors / norm, exp_unknown / norm
    capped = cap_by_reliability(scores, actors, unknown)
    if capped is not None:
        actors, unknown = capped
    thin = thin_case(held_level(scores, actors), actors, unknown)
    if thin is not None:
        actors, unknown = thin
    if capped is None and thin is None:
        return Posterior(actors, unknown, totals, logits, unknown_logit)
    with np.errstate(divide="ignore"):
        return Posterior(actors, unknown, totals, np.log(actors), math.log(unknown))


def held_level(scores: Scores, actors: NDArray[np.float64]) -> bool:
    """Whether no actor may be likelier than a new group: a thin case, or a lead that rests on
    public tools alone (``actors``: the group level's probabilities, before or after the hold)."""
    return is_thin(scores) or rests_on_public_tools(scores, actors)


def rests_on_public_tools(scores: Scores, actors: NDArray[np.float64]) -> bool:
    """Whether everything in the case that favours the leading actor is a public tool (AnyDesk,
    ngrok, Nmap) or a program read through an ambiguous name: a toolkit anyone can assemble, as thin as a handful of items however many tools
    it holds (six of Fox Kitten's said "almost certain" before).  A policy like THIN_ITEMS; on the
    development units it holds one case of 269 (AUROC 0.831 -> 0.830, ECE 0.065 -> 0.066), where
    counting every public tool for half an item toward THIN_ITEMS cost more (0.826, 0.067)."""
    if not len(actors) or not len(scores.items):
        return False
    leader = int(np.argmax(actors))
    # Items half the actors list (T1059.001 PowerShell) tell no one apart: they hold nothing up.
    common = scores.common if scores.common is not None else np.zeros(len(scores.items), dtype=bool)
    favouring = [p for p in range(len(scores.items)) if scores.contributions[p, leader] > 0 and not common[p]]
    return bool(favouring) and all(cheap_software(scores.items[p]) for p in favouring)


def thin_case(
    thin: bool, actors: NDArray[np.float64], unknown: float
) -> tuple[NDArray[np.float64], float] | None:
    """In a thin case no actor is likelier than the unknown hypothesis.

    A few items cannot tell a known actor from a new cluster that does (or planted, or bought) the
    same: even rare ones, which are rare precisely because the sources describe few intrusions.
    So with fewer than THIN_ITEMS comparable items (:func:`comparable_items`: the analyst's
    confidence in each, none that half the actors share), when the leading actor is over the unknown
    hypothesis, every actor is scaled by the same factor until the leader equals it: their order
    and ratios stay, the rest goes to the unknown hypothesis.  A policy (the issue's "unknown
    dominant, never false certainty"), not a fitted value: every development unit has a known
    group, so a fit could only learn to drop it.

    A part of a case (a phase, a host) is held to it on its own evidence: three items of an
    "impact" phase are as thin as a case of three items.  ``None`` when the case is not ``thin``
    or the unknown hypothesis already leads.
    """
    if not thin or not len(actors):
        return None
    leader, total = float(actors.max()), float(actors.sum())
    if leader <= unknown:
        return None
    scaled = actors * (1.0 / (leader + total))
    # Level exactly (1 - the others' sum is within rounding of it): ties are read as ties.
    return scaled, float(scaled.max())


def cap_by_reliability(
    scores: Scores, actors: NDArray[np.float64], unknown: float
) -> tuple[NDArray[np.float64], float] | None:
    """No actor more likely than the chance that one of the items for it is really its own.

    An item reflects its actor with probability r (its reliability: a planted, shared, sold or
    leaked artifact does not); the actor is behind the case only if at least one of the items
    that favour it does, so P(actor) <= 1 - prod(1 - r).  A lone malware family (r = 0.85)
    leaves at least 15 % to the others; a handful of items makes the bound 1 in effect.  The
    excess goes to the other hypotheses, unknown included, in proportion.  ``None`` when no
    bound binds.
    """
    if not len(scores.items):
        return None
    favour = scores.contributions > 0
    unreliable = np.array([1.0 - reliability(item) for item in scores.items])
    bound = 1.0 - np.prod(np.where(favour, unreliable[:, None], 1.0), axis=0)
    # Only what the items favour is bounded by them (an actor no item favours is not ruled out).
    bounds = np.append(np.where(favour.any(axis=0), bound, np.inf), np.inf)
    capped = within_bounds(np.append(actors, unknown), bounds)
    return None if capped is None else (capped[:-1], float(capped[-1]))


def within_bounds(
    probabilities: NDArray[np.float64], bounds: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """The probabilities with each one over its bound cut to it, the excess shared by the others
    in proportion; ``None`` when none is over (or nothing could take the excess)."""
    over = probabilities > bounds + 1e-12
    if not over.any():
        return None
    rest = float(probabilities[~over].sum())
    if rest <= 0:
        return None
    excess = float((probabilities[over] - bounds[over]).sum())
    return np.where(over, bounds, probabilities * (1.0 + excess / rest))
