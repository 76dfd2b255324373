"""Victimology: the victim's country and sector against those an actor is known to target."""

from __future__ import annotations

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.signals.base import Signal, SignalContext, register
from unmask.knowledge.sectors import sector_key
from unmask.model import Actor

__all__ = ["VictimSignal"]


@register
class VictimSignal(Signal):
    name = "victim"
    weight_param = "victim_weight"

    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        features = {
            f"country:{code}": float(len(sources)) for code, sources in actor.victim_countries.items()
        }
        for sector, sources in actor.victim_sectors.items():
            key = f"sector:{sector_key(sector)}"
            features[key] = max(features.get(key, 0.0), float(len(sources)))
        return features

    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        return {item.key: 1.0}

    def listed(self, actor: Actor, item: EvidenceItem) -> bool | None:
        kind, _, value = item.key.partition(":")
        if kind == "country":
            return value in actor.victim_countries if actor.victim_countries else None
        if not actor.victim_sectors:
            return None
        return any(sector_key(sector) == value for sector in actor.victim_sectors)
