"""What a signal is, and the registry of signals by name.

A signal turns one facet of the evidence (techniques, software, CVEs,
victimology...) into features, both for each actor's profile and for each
evidence item; the index then scores items with a smoothed likelihood ratio of
the actor's profile against the background of all actors.

To add a signal: subclass :class:`Signal`, give it a ``name`` (the evidence
item's ``signal``) and the name of its weight in :class:`Params`, implement the
two feature methods, and decorate it with :func:`register`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.params import Params
from unmask.attribute.table import SignalTable, Table
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Actor

__all__ = ["SIGNALS", "Signal", "SignalContext", "register", "reports_mass"]


@dataclass
class SignalContext:
    """What signals may read while building features: the KB view and the parameters."""

    kb: KnowledgeBase
    params: Params
    software_techniques: dict[str, set[str]] = field(default_factory=dict)
    # Per-build memo for signals (e.g. features inferred from a piece of software).
    cache: dict[str, dict[str, Any]] = field(default_factory=dict)

    def cooccurrence(self, actor: Actor) -> dict[str, float]:
        """Techniques the actor likely uses but no report of it names, with their inferred mass.

        Item-to-item collaborative filtering over the actors of this KB view: a
        technique scores by its mean cosine similarity (across actors) to the
        actor's known techniques; the best ``COOCCURRENCE_TOP`` unseen ones get
        ``cooccurrence_mass`` times their score relative to the best.
        """
        model = self.cache.get("cooccurrence")
        if model is None:
            model = self.cache["cooccurrence"] = _cooccurrence_model(self.kb)
        columns, similarity = model["columns"], model["similarity"]
        rows = [columns[t] for t in actor.techniques if t in columns]
        if not rows:
            return {}
        scores = similarity[rows].mean(axis=0)
        scores[rows] = 0.0
        top = np.argsort(-scores)[:COOCCURRENCE_TOP]
        best = float(scores[top[0]]) if len(top) else 0.0
        if best <= 0:
            return {}
        names = model["names"]
        mass = self.params.cooccurrence_mass
        return {names[i]: mass * float(scores[i]) / best for i in top if scores[i] > 0}

    @classmethod
    def build(cls, kb: KnowledgeBase, params: Params) -> SignalContext:
        mapping: dict[str, set[str]] = {}
        for rel in kb.relations:
            if rel.kind == "uses" and rel.source in kb.software and rel.target in kb.techniques:
                mapping.setdefault(rel.source, set()).add(rel.target)
        return cls(kb, params, mapping)


class Signal(ABC):
    """One facet of evidence and how it maps to profile features."""

    name: ClassVar[str]
    weight_param: ClassVar[str | None] = None
    smoothing_param: ClassVar[str] = "smoothing"
    # An indicator signal (exact matches with the user's intelligence, signals/indicator.py): its
    # items do not count in the case's size, cost no absence, are never "novel", leave every actor a
    # candidate, and their log-ratios enter the logits as they are, not through the fitted weights.
    indicator: ClassVar[bool] = False
    # A sparse signal: most actors have no profile for it, and having none says nothing about them
    # (the KB records few actors' CVEs, only the user's intelligence has indicators).  Its items
    # neither narrow the candidates to the actors with a profile nor lower the others' coverage.
    sparse: ClassVar[bool] = False

    def weight(self, params: Params) -> float:
        """The exponent applied to this signal's likelihood ratios."""
        return 1.0 if self.weight_param is None else float(getattr(params, self.weight_param))

    def table(self, profiles: list[dict[str, float]], params: Params) -> Table:
        """The table of log-likelihood ratios for these profiles (one per actor row)."""
        return SignalTable.build(profiles, float(getattr(params, self.smoothing_param)), params.length_power)

    @abstractmethod
    def actor_features(self, actor: Actor, context: SignalContext) -> dict[str, float]:
        """The actor's profile for this signal: feature -> mass (0 = not in the profile)."""

    @abstractmethod
    def item_features(self, item: EvidenceItem, context: SignalContext) -> dict[str, float]:
        """The features an evidence item shows, each with the share of the item it carries."""

    def listed(self, actor: Actor, item: EvidenceItem) -> bool | None:
        """Whether the actor's own record lists the item (no inference: what the sources say);
        ``None`` when its record says nothing of this signal (an actor known only by its software
        lists no technique), and for a signal where how common an item is means nothing (indicators)."""
        return None


SIGNALS: dict[str, Signal] = {}


def register(cls: type[Signal]) -> type[Signal]:
    """Class decorator: add a signal to the registry under its name."""
    SIGNALS[cls.name] = cls()
    return cls


COOCCURRENCE_TOP = 20


def _cooccurrence_model(kb: KnowledgeBase) -> dict[str, Any]:
    """Technique-to-technique cosine similarity over the actors' technique sets."""
    profiles = [a.techniques for a in kb.actors.values() if a.techniques]
    names = sorted({t for p in profiles for t in p})
    columns = {t: i for i, t in enumerate(names)}
    incidence = np.zeros((len(profiles), len(names)))
    for row, profile in enumerate(profiles):
        for technique in profile:
            incidence[row, columns[technique]] = 1.0
    norms = np.sqrt(incidence.sum(axis=0)) + 1e-9
    similarity = (incidence.T @ incidence) / norms[:, None] / norms[None, :]
    np.fill_diagonal(similarity, 0.0)
    return {"names": names, "columns": columns, "similarity": similarity}


def reports_mass(count: int, params: Params) -> float:
    """Profile mass of a link supported by ``count`` independent reports."""
    return 1.0 + params.count_weight * math.log(max(count, 1))
