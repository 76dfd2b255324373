"""Analysis of competing hypotheses: each item of evidence against the leading hypotheses.

A cell is ``consistent`` when the item makes the hypothesis more likely than
the background of all actors (contribution >= +0.5 nats), ``inconsistent``
when it makes it less likely (<= -0.5), ``neutral`` otherwise.  The unknown
hypothesis predicts nothing in particular: its cells are neutral.  An item's
diagnosticity is the spread of its contributions across the hypotheses shown:
evidence consistent with every hypothesis has none, however much of it there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from unmask.attribute.combine import Scores
from unmask.attribute.evidence import EvidenceItem

__all__ = [
    "NEGLIGIBLE_WEIGHT",
    "THRESHOLD",
    "ForAgainst",
    "ach_matrix",
    "cell",
    "evidence_for_against",
    "evidence_for_pool",
]

THRESHOLD = 0.5
# Contributions smaller than this either way are no lean at all.
NEGLIGIBLE_WEIGHT = 0.05


def cell(contribution: float) -> str:
    """consistent / inconsistent / neutral for one contribution."""
    if contribution >= THRESHOLD:
        return "consistent"
    if contribution <= -THRESHOLD:
        return "inconsistent"
    return "neutral"


def ach_matrix(
    scores: Scores, columns: list[tuple[str, int | None]], unscored: list[EvidenceItem]
) -> list[dict[str, Any]]:
    """Rows of the matrix, most diagnostic first; ``columns`` are (hypothesis id, actor row or None)."""
    rows: list[dict[str, Any]] = []
    for position, item in enumerate(scores.items):
        values = {hid: float(scores.contributions[position, row]) for hid, row in columns if row is not None}
        spread = max(values.values()) - min(values.values()) if values else 0.0
        cells = {hid: cell(values[hid]) if row is not None else "neutral" for hid, row in columns}
        rows.append(
            {
                "evidence": item.label,
                "observation": item.index,
                "signal": item.signal,
                "cost_to_fake": item.cost,
                "diagnosticity": round(spread, 3),
                "cells": cells,
                "contributions": {k: round(v, 3) for k, v in values.items()},
            }
        )
    for item in unscored:
        rows.append(
            {
                "evidence": item.label,
                "observation": item.index,
                "signal": item.signal,
                "cost_to_fake": item.cost,
                "diagnosticity": 0.0,
                "cells": {hid: "neutral" for hid, _ in columns},
                "contributions": {},
                "note": "the knowledge base holds nothing to compare this with",
            }
        )
    rows.sort(key=lambda r: -r["diagnosticity"])
    return rows


@dataclass(frozen=True)
class ForAgainst:
    """The items for and against one actor, as the matrix judges them, and the weaker rest."""

    support: tuple[tuple[str, float], ...]  # consistent: weight >= THRESHOLD, strongest first
    against: tuple[tuple[str, float], ...]  # inconsistent: weight <= -THRESHOLD
    weaker_for: tuple[int, float]  # (items, summed weight) of the rest that lean for
    weaker_against: tuple[int, float]  # ... and against


def evidence_for_against(scores: Scores, row: int, limit: int = 10) -> ForAgainst:
    """The items for and against the actor in ``row``, with their weights (nats).

    For and against are what the matrix calls consistent and inconsistent (a likelihood ratio
    beyond e^0.5, about 1.6, either way), so the two never disagree; an item that is only a little
    more or less typical of the actor than of actors in general (EternalBlue for Lazarus, shared
    by many) is counted with the weaker items instead of being called evidence against it.
    """
    return _for_against(scores, scores.contributions[:, row], limit)


def evidence_for_pool(scores: Scores, weights: np.ndarray, limit: int = 10) -> ForAgainst:
    """The items for and against a pool of actors (a state's groups), each actor weighed by
    ``weights`` (summing to 1: its share of the pool's probability): what an item says of the
    pool is what it says of its actors, on average as likely as they are."""
    return _for_against(scores, scores.contributions @ weights, limit)


def _for_against(scores: Scores, column: np.ndarray, limit: int) -> ForAgainst:
    pairs = [(item.label, round(float(column[i]), 3)) for i, item in enumerate(scores.items)]
    support = sorted((p for p in pairs if p[1] >= THRESHOLD), key=lambda p: -p[1])
    against = sorted((p for p in pairs if p[1] <= -THRESHOLD), key=lambda p: p[1])
    lean_for = [w for _, w in pairs if NEGLIGIBLE_WEIGHT < w < THRESHOLD] + [w for _, w in support[limit:]]
    lean_against = [w for _, w in pairs if -THRESHOLD < w < -NEGLIGIBLE_WEIGHT] + [
        w for _, w in against[limit:]
    ]
    return ForAgainst(
        tuple(support[:limit]),
        tuple(against[:limit]),
        (len(lean_for), round(sum(lean_for), 3)),
        (len(lean_against), round(sum(lean_against), 3)),
    )
