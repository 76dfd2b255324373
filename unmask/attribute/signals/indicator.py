"""Indicators: a case's addresses, domains, URLs and file hashes against the actors' own.

The KB holds indicators only from the user's intelligence (``unmask kb intel``,
knowledge/intel.py); without any, these items are reported as not comparable.
An incident's indicators are many copies of one choice of infrastructure and
rotate quickly, so they do not add to the case's size, an actor is not
penalised for the indicators of its profile the case does not show, and an
indicator no actor has is not evidence of a new actor (most are new).  They are
cheap to fake (low reliability), so one of them never decides the answer.
"""

from __future__ import annotations

import math

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.params import Params
from unmask.attribute.signals.base import Signal, SignalContext, register
from unmask.attribute.table import MatchTable, Table
from unmask.model import Actor

__all__ = ["INDICATOR_RATIO", "FileSignal", "InfrastructureSignal"]


# How much likelier a case's indicator is if the actor whose intelligence names it is behind the
# case than if anyone else is: strong, not conclusive (addresses are reassigned, hosting and
# samples are shared).  A judgement, not fitted: the benchmark holds no indicators.
INDICATOR_RATIO = 50.0


class _IndicatorSignal(Signal):
    weight_param = "indicator_weight"
    indicator = True
    sparse = True

    def table(self, profiles: list[dict[str, float]], params: Params) -> Table:
        return MatchTable.build(profiles, math.log(INDICATOR_RATIO))

    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        # A match is a match: how many intelligence files name the indicator does not change it.
        prefix = f"{self.name}:"
        return {f"I:{key}": 1.0 for key in actor.infrastructure if key.startswith(prefix)}

    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        return {f"I:{self.name}:{item.key}": 1.0}


@register
class InfrastructureSignal(_IndicatorSignal):
    name = "infrastructure"


@register
class FileSignal(_IndicatorSignal):
    name = "file"
