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
not show.  Then, with a temperature T that grows with the amount of evidence
(items are not independent),

    logit(a)       = score(a) / T + ln prior(a)
    logit(unknown) = (u0 + u1 * sum_i w_s + u2 * sum_novel w_s) / T + ln prior(unknown)

and the posterior is their softmax.  The unknown hypothesis is an actor the KB
does not know, credited with a fixed allowance per item, and more for items no
known actor has ever shown (a new tool): it wins when no known actor explains
the evidence better than that.  The actors share the prior in proportion to
coverage(a)^2, the share of the evidence weight their profile speaks to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.index import ScoringIndex
from unmask.attribute.params import Params
from unmask.attribute.signals import SIGNALS

__all__ = ["RELIABILITY", "Posterior", "Scores", "posterior", "reliability", "score_items"]

COVERAGE_POWER = 2.0
MIN_COVERAGE = 0.01
# Evidence weight at which the temperature starts to grow.
REFERENCE_WEIGHT = 10.0

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

    def subset(self, keep: list[int]) -> Scores:
        """The scores of some of the items (a phase, a host) with the same candidates."""
        return Scores(
            [self.items[i] for i in keep],
            self.contributions[keep],
            self.weights[keep],
            self.candidates,
            self.known[keep],
            self.matched[keep],
            self.novel[keep],
            self.profile_mass,
        )

    def distinct(self) -> Scores:
        """One entry per distinct piece of evidence (signal and key).

        A hunt reports a technique once per host; seen on ten hosts it is still one thing the
        actor does, so its copies are merged (their contributions averaged) before the group
        level is judged.  The parts of an incident (hosts, phases) are judged on their own.
        """
        groups: dict[tuple[str, str], list[int]] = {}
        for position, item in enumerate(self.items):
            groups.setdefault((item.signal, item.key), []).append(position)
        if len(groups) == len(self.items):
            return self
        members = list(groups.values())
        firsts = [m[0] for m in members]
        return Scores(
            [self.items[m[0]] for m in members],
            np.vstack([self.contributions[m].mean(axis=0) for m in members]),
            np.array([self.weights[m].mean() for m in members]),
            self.candidates,
            self.known[firsts],
            np.vstack([self.matched[m].mean(axis=0) for m in members]),
            self.novel[firsts],
            self.profile_mass,
        )

    def coverage(self) -> NDArray[np.float64]:
        """Per actor, the share of the evidence weight its profile can speak to."""
        total = float(self.weights.sum())
        if total <= 0:
            return np.ones(self.known.shape[1])
        return np.asarray((self.weights[:, None] * self.known).sum(axis=0) / total, dtype=np.float64)

    def absence(self, params: Params) -> NDArray[np.float64]:
        """Per actor, the cost of the profile the incident did not show (signals present only)."""
        penalty = np.zeros(self.contributions.shape[1])
        if params.absence_rate <= 0:
            return penalty
        for signal in {item.signal for item in self.items}:
            if signal not in self.profile_mass:
                continue
            rows = [i for i, item in enumerate(self.items) if item.signal == signal]
            unseen = self.profile_mass[signal] - self.matched[rows].sum(axis=0)
            penalty += params.absence_rate * float(self.weights[rows[0]]) * np.maximum(unseen, 0.0)
        return penalty

    def totals(self, params: Params) -> NDArray[np.float64]:
        """Each actor's score: the items' contributions less the absence cost."""
        return np.asarray(self.contributions.sum(axis=0) - self.absence(params), dtype=np.float64)


@dataclass
class Posterior:
    """Probabilities of the candidate actors (0 for the others) and of the unknown hypothesis."""

    actors: NDArray[np.float64]
    unknown: float
    totals: NDArray[np.float64]
    temperature: float

    def ranking(self) -> list[int]:
        """Actor rows by probability, best first (candidates only)."""
        order = np.argsort(-self.actors, kind="stable")
        return [int(i) for i in order if self.actors[i] > 0]


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
    rows = index.actor_position()
    for position, item in enumerate(scored):
        signal = SIGNALS[item.signal]
        table = index.tables[item.signal]
        features = signal.item_features(item, index.context)
        log_ratio = np.zeros(n_actors)
        for feature, share in features.items():
            log_ratio += share * table.column(feature)
            matched[position] += share * table.mass(feature)
        novel[position] = not table.known(next(iter(features)))
        r = reliability(item)
        weight = signal.weight(index.params)
        contributions[position] = weight * np.log(r * np.exp(log_ratio) + (1.0 - r))
        weights[position] = weight
        if item.signal == "similarity":
            if item.key in rows:
                candidates[rows[item.key]] = True
                known[position, rows[item.key]] = True
        else:
            candidates |= table.has_profile
            known[position] = table.has_profile
    profile_mass = {name: table.totals for name, table in index.tables.items() if name != "similarity"}
    return Scores(scored, contributions, weights, candidates, known, matched, novel, profile_mass)


def posterior(scores: Scores, params: Params, sharpness: float = 1.0) -> Posterior:
    """The posterior over candidate actors and the unknown hypothesis.

    ``sharpness`` multiplies the temperature (the sponsor roll-up uses its own).
    """
    totals = scores.totals(params)
    weight = float(scores.weights.sum())
    temperature = (
        sharpness * params.temperature * max(1.0, weight / REFERENCE_WEIGHT) ** params.temperature_growth
    )
    n_candidates = int(scores.candidates.sum())
    actors = np.zeros_like(totals)
    if n_candidates == 0:
        return Posterior(actors, 1.0, totals, temperature)
    # An actor the KB describes only in part of what the case shows (say, only its victims when
    # the evidence is mostly behaviour) cannot be told apart on the rest: its prior shrinks with
    # the share of the evidence its profile covers.
    coverage = np.maximum(scores.coverage(), MIN_COVERAGE) ** COVERAGE_POWER
    share = np.where(scores.candidates, coverage, 0.0)
    prior_actor = np.full_like(share, -np.inf)
    np.log((1.0 - params.unknown_prior) * share / share.sum(), where=share > 0, out=prior_actor)
    logits = np.where(scores.candidates, totals / temperature + prior_actor, -np.inf)
    novel_weight = float(scores.weights[scores.novel].sum())
    unknown_score = (
        params.unknown_base + params.unknown_per_item * weight + params.unknown_per_novel * novel_weight
    )
    unknown_logit = unknown_score / temperature + np.log(params.unknown_prior)
    top = max(float(logits.max()), unknown_logit)
    exp_actors = np.exp(logits - top)
    exp_unknown = float(np.exp(unknown_logit - top))
    norm = float(exp_actors.sum()) + exp_unknown
    return Posterior(exp_actors / norm, exp_unknown / norm, totals, temperature)
