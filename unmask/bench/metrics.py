"""Ranking and calibration metrics for the attribution benchmark."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Per-unit values: a list or an array.
Values = Sequence[float] | Sequence[bool] | NDArray[Any]

__all__ = ["auroc", "auroc_interval", "brier", "calibrated_ece", "ece", "interval", "mrr", "top_k"]

# Resamples for the bootstrap intervals and the calibrated-ECE simulation (fixed seed: reproducible).
DRAWS = 1000


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


def ece(confidences: Values, correct: Values, bins: int = 10) -> float:
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


def brier(confidences: Values, correct: Values) -> float:
    """Brier score of the top-1 probability against whether the top-1 answer was right."""
    if len(confidences) == 0:
        return float("nan")
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    return float(np.mean((conf - hit) ** 2))


def auroc(positives: Values, negatives: Values) -> float:
    """Area under the ROC curve: chance a positive scores above a negative (ties count half)."""
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    pos = np.asarray(positives, dtype=float)
    neg = np.asarray(negatives, dtype=float)
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def interval(values: Values, draws: int = DRAWS, seed: int = 0) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of the mean of per-unit values (hits: 0 or 1)."""
    data = np.asarray(values, dtype=float)
    if len(data) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(draws, len(data)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def auroc_interval(
    positives: Values, negatives: Values, draws: int = DRAWS, seed: int = 0
) -> tuple[float, float]:
    """95 % bootstrap interval of the AUROC of paired scores (unit i gives positives[i] and negatives[i])."""
    pos = np.asarray(positives, dtype=float)
    neg = np.asarray(negatives, dtype=float)
    if len(pos) == 0 or len(pos) != len(neg):
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(draws):
        pick = rng.integers(0, len(pos), size=len(pos))
        values.append(auroc(pos[pick], neg[pick]))
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def calibrated_ece(confidences: Values, draws: int = DRAWS, seed: int = 0) -> tuple[float, float]:
    """The ECE a perfectly calibrated model with these confidences would show: mean and 95th percentile.

    Each draw makes every answer right with exactly its stated probability.  On a few
    dozen units the ECE of even a perfect model is far from 0, so a measured ECE is
    only evidence of miscalibration when it is above this.
    """
    conf = np.asarray(confidences, dtype=float)
    if len(conf) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    values = [ece(conf, rng.random(len(conf)) < conf) for _ in range(draws)]
    return float(np.mean(values)), float(np.percentile(values, 95))
