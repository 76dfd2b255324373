"""The sponsor level: roll the group-level posterior up to states.

Each actor carries the KB's sponsor state, or ``none`` (no state: a
financially motivated group the sources tie to no state), or ``unknown``.  A
state's probability is the sum over its actors.  The group posterior is taken at its
own temperature (``sponsor_temperature`` times the group level's: states pool
the probability of many groups, so they can afford to be sharper or must be
softer), and the unknown-group hypothesis is split: a share (``sponsor_spread``) goes to the states of the actors the evidence
resembles, weighed by a flatter version of the posterior (a new cluster that
behaves like Iranian groups is more likely Iranian), and the rest to ``unknown``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from unmask.attribute.combine import Posterior, Scores, posterior
from unmask.attribute.params import Params
from unmask.model import Actor

__all__ = ["NO_STATE", "UNKNOWN_STATE", "sponsor_label", "sponsor_posterior"]

NO_STATE = "none"
UNKNOWN_STATE = "unknown"
_FLATTEN = 3.0


def sponsor_label(actor: Actor) -> str:
    """The actor's sponsor state (ISO code), ``none`` for criminal groups, or ``unknown``."""
    if actor.sponsor:
        return actor.sponsor
    if actor.motivations and set(actor.motivations) <= {"financial"}:
        return NO_STATE
    return UNKNOWN_STATE


def sponsor_posterior(
    actors: list[Actor], scores: Scores, post: Posterior, params: Params
) -> dict[str, float]:
    """Probability of each sponsor state, ``none`` and ``unknown``; sums to 1."""
    if params.sponsor_temperature != 1.0:
        post = posterior(scores, params, params.sponsor_temperature)
    labels = [sponsor_label(a) for a in actors]
    result: dict[str, float] = {}
    for label, p in zip(labels, post.actors, strict=True):
        if p > 0:
            result[label] = result.get(label, 0.0) + float(p)
    if post.unknown > 0:
        flat = _flat(scores, post, params)
        spread = params.sponsor_spread * post.unknown
        for label, q in zip(labels, flat, strict=True):
            if q > 0:
                result[label] = result.get(label, 0.0) + spread * float(q)
        result[UNKNOWN_STATE] = result.get(UNKNOWN_STATE, 0.0) + post.unknown - spread * float(flat.sum())
    total = sum(result.values())
    return dict(sorted(((k, v / total) for k, v in result.items()), key=lambda kv: -kv[1]))


def _flat(scores: Scores, post: Posterior, params: Params) -> NDArray[np.float64]:
    if not scores.candidates.any():
        return np.zeros_like(post.totals)
    logits = np.where(scores.candidates, post.totals / (post.temperature * _FLATTEN), -np.inf)
    weights = np.exp(logits - logits.max())
    flat: NDArray[np.float64] = weights / weights.sum()
    return flat
