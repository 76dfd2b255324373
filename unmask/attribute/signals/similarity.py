"""Similarity: an analyst's or a tool's finding that artifacts resemble a named actor's.

Code reuse and shared strings are the cheapest evidence to plant (Olympic
Destroyer carried Lazarus-like code), so this signal is a fixed, moderate
likelihood ratio for the named actor, weighed with the low reliability of its
cost-to-fake class and watched by the false-flag check.
"""

from __future__ import annotations

import math

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.params import Params
from unmask.attribute.signals.base import Signal, SignalContext, register
from unmask.attribute.table import FixedRatioTable, Table
from unmask.model import Actor

__all__ = ["SIMILARITY_RATIO", "SimilaritySignal"]

# How much more likely the resemblance is if the named actor did it than if anyone else did.
SIMILARITY_RATIO = 20.0


@register
class SimilaritySignal(Signal):
    name = "similarity"
    weight_param = "similarity_weight"
    # "Resembles X" is evidence for X against everyone else, not a reason to drop the others.
    sparse = True

    def table(self, profiles: list[dict[str, float]], params: Params) -> Table:
        rows = {feature: row for row, profile in enumerate(profiles) for feature in profile}
        return FixedRatioTable(rows, math.log(SIMILARITY_RATIO), len(profiles))

    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        return {f"A:{actor.id}": 1.0}

    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        return {f"A:{item.key}": 1.0}
