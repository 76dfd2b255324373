"""Signal tables: every actor's profile for one signal, as smoothed log-likelihood ratios.

For a feature f and actor a, with profile mass m(a, f), total mass M(a), the
background share b(f) of f across all actors and the smoothing pseudo-count mu
(``smoothing`` times the median profile mass of the signal):

    L(a, f) = ln (m(a, f) + mu b(f)) - ln (mu b(f)) - g [ln (M(a) + mu) - ln mu]

With g = 1 this is the log-ratio of the Dirichlet-smoothed profile
p(f | a) = (m + mu b) / (M + mu) against the background, relative to an actor
with an empty profile; with g = 0 the profile's size is ignored and each match
counts by the rarity of the feature (an incident shows a handful of an actor's
ways, not a draw from all of them).  ``length_power`` g is chosen on the
development split.  An actor without f gets -g [ln (M(a) + mu) - ln mu]; an
item no actor has at all is scored 0 for every actor instead (combine.score_items:
it tells no known actor from another, and argues for the unknown hypothesis through
its novelty feature).  An actor with nothing known for a signal scores 0 on
it: neutral, not against.  Columns are kept sparse and computed when a case
asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["FixedRatioTable", "MatchTable", "SignalTable", "Table"]

_EPSILON = 0.5


@dataclass
class SignalTable:
    """One signal's profiles as sparse columns, with what the ratios need."""

    columns: dict[str, tuple[NDArray[np.intp], NDArray[np.float64]]]
    totals: NDArray[np.float64]
    background: dict[str, float]
    smoothing: float
    length_power: float = 1.0
    unseen: NDArray[np.float64] = field(init=False)
    has_profile: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        mu, power = self.smoothing, self.length_power
        # The length term, relative to an empty profile so that "nothing known" scores 0.
        self._length = power * (np.log(self.totals + mu) - np.log(mu))
        self.unseen = -self._length
        self.has_profile = self.totals > 0

    def mass(self, feature: str) -> NDArray[np.float64]:
        """m(a, feature) for every actor (0 where the profile lacks it)."""
        result = np.zeros(len(self.totals))
        entry = self.columns.get(feature)
        if entry is not None:
            result[entry[0]] = entry[1]
        return result

    def known(self, feature: str) -> bool:
        """Whether any actor's profile has the feature."""
        return feature in self.columns

    def column(self, feature: str) -> NDArray[np.float64]:
        """L(a, feature) for every actor."""
        entry = self.columns.get(feature)
        if entry is None:
            return self.unseen
        rows, values = entry
        result = self.unseen.copy()
        background = self.background[feature]
        mu = self.smoothing
        result[rows] = np.log(values + mu * background) - np.log(mu * background) - self._length[rows]
        return result

    @classmethod
    def build(
        cls, profiles: list[dict[str, float]], smoothing: float, length_power: float = 1.0
    ) -> SignalTable:
        """Build the table from one profile (feature -> mass) per actor row."""
        rows: dict[str, list[int]] = {}
        values: dict[str, list[float]] = {}
        totals = np.zeros(len(profiles))
        for row, profile in enumerate(profiles):
            for feature, mass in profile.items():
                if mass > 0:
                    rows.setdefault(feature, []).append(row)
                    values.setdefault(feature, []).append(mass)
                    totals[row] += mass
        denominator = float(totals.sum()) + _EPSILON * (len(rows) + 1)
        columns = {
            f: (np.asarray(rows[f], dtype=np.intp), np.asarray(values[f], dtype=np.float64)) for f in rows
        }
        background = {f: (float(v.sum()) + _EPSILON) / denominator for f, (_, v) in columns.items()}
        nonempty = totals[totals > 0]
        mu = smoothing * (float(np.median(nonempty)) if len(nonempty) else 1.0)
        return cls(columns, totals, background, mu, length_power)


@dataclass
class FixedRatioTable:
    """A signal whose items name an actor outright (a similarity claim): a fixed likelihood ratio.

    The named actor gets ln(ratio); every other actor 0 (the claim says nothing about them).
    """

    rows: dict[str, int]
    log_ratio: float
    size: int
    has_profile: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        self.has_profile = np.ones(self.size, dtype=bool)
        self.unseen = np.zeros(self.size)
        self.totals = np.zeros(self.size)

    def mass(self, feature: str) -> NDArray[np.float64]:
        return np.zeros(self.size)

    def known(self, feature: str) -> bool:
        return feature in self.rows

    def column(self, feature: str) -> NDArray[np.float64]:
        result = np.zeros(self.size)
        if feature in self.rows:
            result[self.rows[feature]] = self.log_ratio
        return result


@dataclass
class MatchTable:
    """A signal of exact matches (indicators): each actor whose profile has the feature gets ln(ratio).

    The smoothed ratios of :class:`SignalTable` suit features many actors share; an address or a
    hash is either one of an actor's or not, and only the few actors the user's intelligence covers
    have any, so the background of the others would be meaningless.  Other actors score 0.
    """

    columns: dict[str, NDArray[np.intp]]
    log_ratio: float
    totals: NDArray[np.float64]
    has_profile: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        self.has_profile = self.totals > 0
        self.unseen = np.zeros(len(self.totals))

    def mass(self, feature: str) -> NDArray[np.float64]:
        result = np.zeros(len(self.totals))
        if feature in self.columns:
            result[self.columns[feature]] = 1.0
        return result

    def known(self, feature: str) -> bool:
        return feature in self.columns

    def column(self, feature: str) -> NDArray[np.float64]:
        return self.mass(feature) * self.log_ratio

    @classmethod
    def build(cls, profiles: list[dict[str, float]], log_ratio: float) -> MatchTable:
        rows: dict[str, list[int]] = {}
        totals = np.zeros(len(profiles))
        for row, profile in enumerate(profiles):
            for feature, mass in profile.items():
                if mass > 0:
                    rows.setdefault(feature, []).append(row)
                    totals[row] += 1
        return cls({f: np.asarray(r, dtype=np.intp) for f, r in rows.items()}, log_ratio, totals)


Table = SignalTable | FixedRatioTable | MatchTable
