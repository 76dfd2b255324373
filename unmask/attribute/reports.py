"""How close a case is to what each actor was seen doing, report by report.

The likelihood model (table.py) pools each actor's reports into one profile.
An incident often resembles one earlier report of its actor (the same toolset,
the same playbook) far more than the actor's whole, diluted profile, so the
ranking also reads three similarities, all cosine similarities of the case's
techniques and software weighted by rarity (idf across the actors of the view):

- ``profile``: the case against the actor's whole profile;
- ``closest``: the case against the actor's closest single report (or campaign
  citation), the nearest-neighbour view;
- ``closest_two``: the mean of the two closest reports (an actor seen doing
  this twice is more likely than one seen once);
- ``profile_techniques`` and ``profile_software``: the profile cosine of the
  case's techniques alone and of its software alone (a toolset match and a
  playbook match are different evidence, and a case may have many of one and
  few of the other).

Documents are the KB view's ``uses`` relations, grouped by (actor, citation):
a held-out report is absent from the view, so it cannot be its own neighbour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from unmask.knowledge.store import KnowledgeBase
from unmask.model import Actor

__all__ = ["SIMILARITIES", "ReportIndex"]

SIMILARITIES = ("profile", "closest", "closest_two", "profile_techniques", "profile_software")


def _is_technique(key: str) -> bool:
    return key.startswith("T")


@dataclass
class ReportIndex:
    """Per actor row: its profile and its reports as sets of technique/software ids."""

    profiles: list[frozenset[str]]
    documents: list[tuple[int, frozenset[str]]]
    idf: dict[str, float]
    unseen_idf: float
    profile_norms: list[float] = field(default_factory=list)
    document_norms: list[float] = field(default_factory=list)
    # Per actor row: the norms of its profile's techniques and of its software.
    kind_norms: list[tuple[float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.profile_norms = [self._norm(p) for p in self.profiles]
        self.document_norms = [self._norm(d) for _, d in self.documents]
        self.kind_norms = [
            (
                self._norm(frozenset(k for k in p if _is_technique(k))),
                self._norm(frozenset(k for k in p if not _is_technique(k))),
            )
            for p in self.profiles
        ]

    @classmethod
    def build(cls, kb: KnowledgeBase, actors: list[Actor]) -> ReportIndex:
        """The documents of one KB view (the actors are the scoring index's rows)."""
        row_of = {gid: row for row, actor in enumerate(actors) for gid in kb.group_ids(actor)}
        grouped: dict[tuple[int, str], set[str]] = {}
        for owner, rel, citations in kb.owned_uses():
            if owner in row_of:
                for citation in citations:
                    grouped.setdefault((row_of[owner], citation), set()).add(rel.target)
        profiles = [frozenset(actor.techniques) | frozenset(actor.software) for actor in actors]
        frequency: dict[str, int] = {}
        for profile in profiles:
            for key in profile:
                frequency[key] = frequency.get(key, 0) + 1
        n = len(actors)
        idf = {key: math.log((n + 1) / (count + 1)) for key, count in frequency.items()}
        documents = [(row, frozenset(items)) for (row, _), items in sorted(grouped.items())]
        return cls(profiles, documents, idf, math.log(n + 1))

    def _weight(self, key: str) -> float:
        return self.idf.get(key, self.unseen_idf)

    def _norm(self, items: frozenset[str]) -> float:
        return math.sqrt(sum(self._weight(k) ** 2 for k in items))

    def similarities(self, keys: set[str] | dict[str, float]) -> NDArray[np.float64]:
        """Actors x SIMILARITIES for a case's technique and software ids (or ids with the analyst's
        confidence in each, which weighs its place in the case's vector: an id held at 0.001 is
        next to absent)."""
        result = np.zeros((len(self.profiles), len(SIMILARITIES)))
        belief = keys if isinstance(keys, dict) else dict.fromkeys(keys, 1.0)
        query = frozenset(k for k, b in belief.items() if b > 0)

        def weighed_norm(items: Iterable[str]) -> float:
            return math.sqrt(sum((self._weight(k) * belief[k]) ** 2 for k in items))

        query_norm = weighed_norm(query)
        if not query or query_norm == 0:
            return result
        squared = {k: self._weight(k) ** 2 * belief[k] for k in query}
        kind_query_norms = (
            weighed_norm(k for k in query if _is_technique(k)),
            weighed_norm(k for k in query if not _is_technique(k)),
        )
        for row, profile in enumerate(self.profiles):
            shared = query & profile
            if not shared:
                continue
            if self.profile_norms[row] > 0:
                result[row, 0] = sum(squared[k] for k in shared) / (query_norm * self.profile_norms[row])
            for kind, (case_norm, actor_norm) in enumerate(
                zip(kind_query_norms, self.kind_norms[row], strict=True)
            ):
                if case_norm > 0 and actor_norm > 0:
                    same = sum(squared[k] for k in shared if _is_technique(k) == (kind == 0))
                    result[row, 3 + kind] = same / (case_norm * actor_norm)
        nearest: dict[int, list[float]] = {}
        for (row, document), norm in zip(self.documents, self.document_norms, strict=True):
            shared = query & document
            if shared and norm > 0:
                nearest.setdefault(row, []).append(sum(squared[k] for k in shared) / (query_norm * norm))
        for row, values in nearest.items():
            values.sort(reverse=True)
            result[row, 1] = values[0]
            result[row, 2] = (values[0] + (values[1] if len(values) > 1 else 0.0)) / 2
        return result
