"""The engine's parameters: one place, with the values chosen on the development split.

How they were chosen: ``unmask bench attribution --tune`` searches them on the
development half of the leave-one-citation-out units only (docs/benchmarks/attribution.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

__all__ = ["DEFAULT_PARAMS", "Params"]


@dataclass(frozen=True)
class Params:
    """Knobs of the probabilistic model (see docs/attribution.md for each one's role)."""

    # Dirichlet smoothing of each actor's profile towards the background, as a multiple of
    # the median profile mass of the signal.
    smoothing: float = 4.0
    # The same for software, whose profiles are short and whose items are rare.
    software_smoothing: float = 50.0
    # How much a profile's size dilutes each of its features (1: multinomial, 0: not at all).
    length_power: float = 0.75
    # How report counts become mass in a profile: 1 + count_weight * ln(reports).
    count_weight: float = 1.0
    # Weight of the parent technique when a sub-technique is observed.
    parent_weight: float = 0.0
    # Mass given to techniques an actor's software is known to implement (inferred, not observed).
    software_technique_mass: float = 0.2
    # Mass given to techniques that co-occur with the actor's known ones across all actors.
    cooccurrence_mass: float = 0.2
    # Per-signal exponent on the likelihood ratio (techniques are the reference, 1.0).
    software_weight: float = 3.0
    cve_weight: float = 1.0
    victim_weight: float = 0.5
    similarity_weight: float = 1.0
    # Bernoulli view of an incident: each known item of an actor's profile that the incident
    # does not show costs absence_rate (per unit of profile mass, per signal present).
    absence_rate: float = 0.0025
    # Temperature of the posterior: > 1 softens the naive-Bayes overconfidence; it grows as
    # (evidence weight / 10) ** temperature_growth, since many items are not independent.
    temperature: float = 1.0
    temperature_growth: float = 0.5
    # The unknown / new-cluster hypothesis scores unknown_base + unknown_per_item * (evidence weight).
    unknown_base: float = 1.0
    unknown_per_item: float = 0.0
    # ... plus unknown_per_novel for each item no known actor's profile has (a new tool).
    unknown_per_novel: float = 0.25
    # Prior share of the unknown hypothesis before any evidence.
    unknown_prior: float = 0.1
    # Share of the unknown group's mass that the sponsor roll-up spreads over the
    # sponsors of the actors the evidence resembles (the rest stays "unknown").
    sponsor_spread: float = 1.0
    # Temperature of the sponsor roll-up, relative to the group level's.
    sponsor_temperature: float = 0.75

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        known = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in data.items() if k in known})

    def with_values(self, **changes: float) -> Params:
        """A copy with some values changed."""
        return replace(self, **changes)


DEFAULT_PARAMS = Params()
