"""The scoring index: every actor's profile per signal (see table.py for the ratios)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from unmask.attribute.evidence import EvidenceItem
from unmask.attribute.params import Params
from unmask.attribute.reports import ReportIndex
from unmask.attribute.signals import SIGNALS, SignalContext
from unmask.attribute.table import Table
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Actor

__all__ = ["ScoringIndex"]


# How common an item is is judged among at least this many actors whose records speak of its signal.
MIN_SHARE_FIELD = 10


@dataclass
class ScoringIndex:
    """Everything needed to score evidence against the actors of one KB view.

    Only actors with something known (techniques, software, CVEs, victims, indicators) are
    rows: an actor that is a name and nothing else cannot be told apart from
    the unknown hypothesis.
    """

    kb: KnowledgeBase
    params: Params
    context: SignalContext
    actors: list[Actor]
    tables: dict[str, Table] = field(default_factory=dict)
    reports: ReportIndex | None = None
    # Per actor row: ATT&CK describes the group (the actors the ranking's weights were fitted on;
    # another source's actors, known by its software links alone, were not among them).
    in_attack: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _shares: dict[tuple[str, str], float | None] = field(default_factory=dict, repr=False)
    _sponsor_labels: NDArray[np.str_] | None = field(default=None, repr=False)

    @property
    def sponsor_labels(self) -> NDArray[np.str_]:
        """Per actor row: its sponsor label (attribute/sponsor.py: a state, "none" or "unknown")."""
        if self._sponsor_labels is None:
            from unmask.attribute.sponsor import sponsor_label  # sponsor.py imports this module's users

            self._sponsor_labels = np.array([sponsor_label(actor) for actor in self.actors], dtype=str)
        return self._sponsor_labels

    @classmethod
    def build(cls, kb: KnowledgeBase, params: Params) -> ScoringIndex:
        """Build the index for a KB view (the benchmark does this once per held-out unit)."""
        context = SignalContext.build(kb, params)
        actors = [
            a
            for a in kb.actors.values()
            if a.techniques
            or a.software
            or a.cves
            or a.victim_countries
            or a.victim_sectors
            or a.infrastructure
        ]
        index = cls(
            kb,
            params,
            context,
            actors,
            reports=ReportIndex.build(kb, actors),
            in_attack=np.array([a.attack_id is not None for a in actors], dtype=bool),
        )
        for name, signal in SIGNALS.items():
            profiles = [signal.actor_features(actor, context) for actor in actors]
            index.tables[name] = signal.table(profiles, params)
        return index

    def share(self, item: EvidenceItem) -> float | None:
        """The share of the actors whose own records speak of the item's signal that list it
        (T1059.001 PowerShell: half of the groups with techniques); ``None`` where that means
        nothing (indicators) or too few actors speak of the signal (MIN_SHARE_FIELD)."""
        key = (item.signal, item.key)
        if key not in self._shares:
            signal = SIGNALS[item.signal]
            # Among the actors whose own records speak of the signal (those known for it only by
            # inference, an actor's software lending it techniques, do not say how common it is).
            listed = [found for actor in self.actors if (found := signal.listed(actor, item)) is not None]
            # Among a handful of actors, that two of four list an item says nothing of how common it is.
            self._shares[key] = None if len(listed) < MIN_SHARE_FIELD else sum(listed) / len(listed)
        return self._shares[key]

    def actor_position(self) -> dict[str, int]:
        """Actor id -> row."""
        return {actor.id: row for row, actor in enumerate(self.actors)}
