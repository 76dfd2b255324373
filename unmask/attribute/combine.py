"""Combine evidence into a posterior over actors and the unknown / new-cluster hypothesis.

Each evidence item i contributes to actor a

    c(i, a) = w_s * ln( r_i * LR(i, a) + (1 - r_i) )

where LR is the smoothed likelihood ratio of the item's features (index.py;
1, so c = 0, for an actor the KB knows nothing about on the item's signal),
w_s the weight of its signal and r_i its reliability: the chance that the item
really reflects the actor rather than noise or a plant.  A cheap-to-fake item
(a hash, a code-similarity claim) has a low r_i, so no single one of it can
decide the answer; r_i also bounds how hard one odd item can count against an
actor.  Then, with temperature T,

    logit(a)       = sum_i c(i, a) / T + ln prior(a)
    logit(unknown) = (u0 + u1 * sum_i w_s) / T + ln prior(unknown)

and the posterior is their softmax.  The actors share the prior in proportion
to coverage(a)^2, the share of the evidence weight their profile speaks to.  The unknown hypothesis is an actor the KB
does not know, credited with a fixed allowance per item of evidence: it wins
when no known actor explains the evidence better than that allowance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.index import ScoringIndex
from unmask.attribute.params import Params
from unmask.attribute.signals import SIGNALS

__all__ = ["RELIABILITY", "Posterior", "Scores", "posterior", "score_items"]

COVERAGE_POWER = 2.0
MIN_COVERAGE = 0.01

# Chance that an item of each cost-to-fake class reflects the actor (not noise, not a plant).
RELIABILITY = {"low": 0.5, "moderate": 0.85, "high": 0.95}


@dataclass
class Scores:
    """Per-item contributions (items x actors) and which actors are candidates."""

    items: list[EvidenceItem]
    contributions: NDArray[np.float64]
    weights: NDArray[np.float64]
    candidates: NDArray[np.bool_]
    # known[i, a]: the KB has a profile of actor a for item i's signal.
    known: NDArray[np.bool_]

    def subset(self, keep: list[int]) -> Scores:
        """The scores of some of the items (a phase, a host) with the same candidates."""
        return Scores(
            [self.items[i] for i in keep],
            self.contributions[keep],
            self.weights[keep],
            self.candidates,
            self.known[keep],
        )

    def coverage(self) -> NDArray[np.float64]:
        """Per actor, the share of the evidence weight its profile can speak to."""
        total = float(self.weights.sum())
        if total <= 0:
            return np.ones(self.known.shape[1])
        return np.asarray((self.weights[:, None] * self.known).sum(axis=0) / total, dtype=np.float64)


@dataclass
class Posterior:
    """Probabilities of the candidate actors (0 for the others) and of the unknown hypothesis."""

    actors: NDArray[np.float64]
    unknown: float
    totals: NDArray[np.float64]

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
    weights = np.zeros(len(scored))
    known = np.zeros((len(scored), n_actors), dtype=bool)
    candidates = np.zeros(n_actors, dtype=bool)
    rows = index.actor_position()
    for position, item in enumerate(scored):
        signal = SIGNALS[item.signal]
        table = index.tables[item.signal]
        log_ratio = np.zeros(n_actors)
        for feature, share in signal.item_features(item, index.context).items():
            log_ratio += share * table.column(feature)
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
    return Scores(scored, contributions, weights, candidates, known)


def posterior(scores: Scores, params: Params) -> Posterior:
    """The posterior over candidate actors and the unknown hypothesis."""
    totals = scores.contributions.sum(axis=0)
    n_candidates = int(scores.candidates.sum())
    actors = np.zeros_like(totals)
    if n_candidates == 0:
        return Posterior(actors, 1.0, totals)
    # An actor the KB describes only in part of what the case shows (say, only its victims when
    # the evidence is mostly behaviour) cannot be told apart on the rest: its prior shrinks with
    # the share of the evidence its profile covers.
    coverage = np.maximum(scores.coverage(), MIN_COVERAGE) ** COVERAGE_POWER
    share = np.where(scores.candidates, coverage, 0.0)
    prior_actor = np.log(
        (1.0 - params.unknown_prior) * share / share.sum(), where=share > 0, out=np.full_like(share, -np.inf)
    )
    logits = np.where(scores.candidates, totals / params.temperature + prior_actor, -np.inf)
    unknown_score = params.unknown_base + params.unknown_per_item * float(scores.weights.sum())
    unknown_logit = unknown_score / params.temperature + np.log(params.unknown_prior)
    top = max(float(logits.max()), unknown_logit)
    exp_actors = np.exp(logits - top)
    exp_unknown = float(np.exp(unknown_logit - top))
    norm = float(exp_actors.sum()) + exp_unknown
    return Posterior(exp_actors / norm, exp_unknown / norm, totals)
