"""Ranking and calibration metrics for the attribution benchmark."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = ["auroc", "brier", "ece", "mrr", "top_k"]


def top_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of cases whose right answer is ranked within the first k (None: not ranked at all)."""
    if len(ranks) == 0:
        return float("nan")
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank (0 for an answer not ranked)."""
    if len(ranks) == 0:
        return float("nan")
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def ece(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error of the top-1 probability, equal-width bins."""
    if len(confidences) == 0:
        return float("nan")
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (conf > low) & (conf <= high) if low > 0 else (conf >= low) & (conf <= high)
        if mask.any():
            total += mask.sum() / len(conf) * abs(conf[mask].mean() - hit[mask].mean())
    return float(total)


def brier(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """Brier score of the top-1 probability against whether the top-1 answer was right."""
    if len(confidences) == 0:
        return float("nan")
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    return float(np.mean((conf - hit) ** 2))


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Area under the ROC curve: chance a positive scores above a negative (ties count half)."""
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    pos = np.asarray(positives, dtype=float)
    neg = np.asarray(negatives, dtype=float)
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))
