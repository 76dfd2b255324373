"""Techniques: observed ATT&CK (sub-)techniques against the techniques an actor is known to use.

A sub-technique also shows its parent (at ``parent_weight``), so T1003.001 and
T1003.002 still agree at the level of T1003; a technique seen only at its parent's level
(T1003) agrees with any of its sub-techniques.  Two inferences complete what the
reports say (each at a small mass, chosen on the development split):

- an actor's software lends it the techniques that software is known to
  implement: behaviour the actor very likely shows even where no report says so;
- techniques that go together across all actors (item-to-item co-occurrence, in
  the spirit of MITRE CTID's Technique Inference Engine) lend an actor those it
  most likely uses but no report of it mentions.
"""

from __future__ import annotations

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.signals.base import Signal, SignalContext, register, reports_mass
from unmask.model import Actor

__all__ = ["TechniqueSignal"]


def _parent(technique: str) -> str:
    return technique.split(".")[0]


@register
class TechniqueSignal(Signal):
    name = "technique"
    weight_param = None

    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        params = context.params
        features: dict[str, float] = {}
        if params.cooccurrence_mass > 0:
            for technique, mass in context.cooccurrence(actor).items():
                features[f"T:{technique}"] = mass
                parent = f"P:{_parent(technique)}"
                features[parent] = max(features.get(parent, 0.0), mass)
        if params.software_technique_mass > 0:
            for software in actor.software:
                features.update(self._inferred(software, context))
        for technique, count in actor.techniques.items():
            mass = reports_mass(count, params)
            features[f"T:{technique}"] = mass
            parent = f"P:{_parent(technique)}"
            features[parent] = max(features.get(parent, 0.0), mass)
        return features

    @staticmethod
    def _inferred(software: str, context: SignalContext) -> dict[str, float]:
        cache = context.cache.setdefault("technique-inferred", {})
        if software not in cache:
            mass = context.params.software_technique_mass
            features: dict[str, float] = {}
            for technique in context.software_techniques.get(software, ()):
                features[f"T:{technique}"] = mass
                features[f"P:{_parent(technique)}"] = mass
            cache[software] = features
        found: dict[str, float] = cache[software]
        return found

    def listed(self, actor: Actor, item: EvidenceItem) -> bool | None:
        if not actor.techniques:
            return None
        if "." in item.key:
            return item.key in actor.techniques
        return any(_parent(technique) == item.key for technique in actor.techniques)

    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        if "." not in item.key:
            # A technique seen at its parent's level (a Sigma rule tags T1496; the report says
            # "resource hijacking") is what any of its sub-techniques is: an actor known for
            # T1496.001 is known for it.
            return {f"P:{item.key}": 1.0}
        features = {f"T:{item.key}": 1.0}
        if context.params.parent_weight > 0:
            features[f"P:{_parent(item.key)}"] = context.params.parent_weight
        return features
