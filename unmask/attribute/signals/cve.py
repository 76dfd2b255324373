"""Vulnerabilities: CVEs exploited in the case against those an actor's reports name."""

from __future__ import annotations

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.signals.base import Signal, SignalContext, register, reports_mass
from unmask.model import Actor

__all__ = ["CveSignal"]


@register
class CveSignal(Signal):
    name = "cve"
    weight_param = "cve_weight"
    sparse = True

    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        return {f"C:{c}": reports_mass(n, context.params) for c, n in actor.cves.items()}

    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        return {f"C:{item.key}": 1.0}

    def listed(self, actor: Actor, item: EvidenceItem) -> bool | None:
        return item.key in actor.cves if actor.cves else None
