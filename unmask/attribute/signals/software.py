"""Software: malware and tools observed against those an actor is known to use."""

from __future__ import annotations

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.signals.base import Signal, SignalContext, register, reports_mass
from unmask.model import Actor

__all__ = ["SoftwareSignal"]


@register
class SoftwareSignal(Signal):
    name = "software"
    weight_param = "software_weight"
    smoothing_param = "software_smoothing"

    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        return {f"S:{s}": reports_mass(n, context.params) for s, n in actor.software.items()}

    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        return {f"S:{item.key}": 1.0}
