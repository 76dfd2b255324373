"""Several actors in one incident: attribute the parts, not only the whole.

The evidence is split by its phase labels (kill-chain phase or a free label
such as access / exfiltration / destruction); without phase labels, by host.
Each part with enough evidence is attributed on its own.  When the parts point
to different actors the assessment says so: the Albania 2022 attack was one
incident and four groups.
"""

from __future__ import annotations

from unmask.attribute.combine import Posterior, Scores, posterior
from unmask.attribute.params import Params

__all__ = ["MIN_PART_ITEMS", "split_parts"]

MIN_PART_ITEMS = 3


def split_parts(scores: Scores, params: Params) -> dict[str, tuple[Scores, Posterior]]:
    """Each part's scores and posterior, keyed ``phase:<label>`` or ``host:<name>``; empty if no split."""
    for attribute in ("phase", "host"):
        groups: dict[str, list[int]] = {}
        for position, item in enumerate(scores.items):
            label = getattr(item, attribute)
            if label:
                groups.setdefault(label, []).append(position)
        if len(groups) >= 2:
            parts = {}
            for label, positions in groups.items():
                if len(positions) >= MIN_PART_ITEMS:
                    part = scores.subset(positions)
                    parts[f"{attribute}:{label}"] = (part, posterior(part, params))
            if len(parts) >= 2:
                return parts
    return {}
