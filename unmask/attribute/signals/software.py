"""Software: malware and tools observed against those an actor is known to use.

A link from a second source (Tidal's, which cite no report: each counts as one) between a
group and a family named after it ("LockBit 3.0" and LockBit's affiliates, "Rhysida" and
Rhysida's) is the group's own payload: it counts as ``OWNER_REPORTS`` more reports.  Others
who used the family (a leaked builder) keep their links as they are, so the family points to
its namesake first rather than to whichever of its users the KB knows least about.  ATT&CK's
links count their reports, which already say how much a family is a group's: on them the rule
made the development units' calibration worse (docs/benchmarks/attribution-tuning.md, round 12)
and it does not apply; nor on a ``namesake`` link, which the shared name alone makes (the name
would count twice).
"""

from __future__ import annotations

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.signals.base import Signal, SignalContext, register, reports_mass
from unmask.knowledge.aliases import family_core, group_cores
from unmask.model import Actor

__all__ = ["OWNER_REPORTS", "SoftwareSignal"]

OWNER_REPORTS = 2


@register
class SoftwareSignal(Signal):
    name = "software"
    weight_param = "software_weight"
    smoothing_param = "software_smoothing"

    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        memo = context.cache.setdefault("second-source", {})
        if "pairs" not in memo:
            # A namesake link exists because of the name: it counts once, with no owner's bonus.
            memo["pairs"] = {
                (link.actor, link.item) for link in context.kb.links if link.source != "namesake"
            }
        linked: set[tuple[str, str]] = memo["pairs"]
        cores = group_cores((actor.name, *actor.all_names))
        families = context.cache.setdefault("family-core", {})
        features: dict[str, float] = {}
        for software, count in actor.software.items():
            owned = False
            if (actor.id, software) in linked:
                if software not in families:
                    record = context.kb.software.get(software)
                    families[software] = family_core(record.name) if record is not None else ""
                owned = families[software] in cores
            features[f"S:{software}"] = reports_mass(
                count + OWNER_REPORTS if owned else count, context.params
            )
        return features

    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        return {f"S:{item.key}": 1.0}

    def listed(self, actor: Actor, item: EvidenceItem) -> bool | None:
        return item.key in actor.software if actor.software else None
