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
    # Indicators from the user's intelligence (kb intel): not fitted, the benchmark has none.
    indicator_weight: float = 1.0
    # Bernoulli view of an incident: each known item of an actor's profile that the incident
    # does not show costs absence_rate (per unit of profile mass, per signal present).
    absence_rate: float = 0.0025
    # The ranking (combine.py): each candidate actor's logit is a weighted sum of its features,
    #   rank_evidence          * (likelihood score above, all but software) / items ** 0.75
    #   rank_evidence_software * (the same, software items only) / items ** 0.75
    #   rank_profile           * rarity-weighted cosine of the case to the actor's whole profile
    #   rank_closest           * the same to the actor's closest single report (reports.py)
    #   rank_closest_two       * the mean of its two closest reports
    #   rank_profile_techniques, rank_profile_software: the profile cosine of each kind alone
    # all times n / (n + 1.5) for a case of n items (a lone item leaves the answer open),
    # plus 2 ln(share of the evidence weight the actor's profile speaks to), a fixed prior,
    # less ln(candidates' prior mass / that of those known by behaviour) (0 for behaviour alone),
    # and the unknown / new-cluster hypothesis's logit is
    #   unknown_bias + unknown_log_items * ln(items) + unknown_novel * (share of items no actor has).
    # The weights are a conditional logit fitted on the development split (maximum likelihood,
    # ``unmask bench attribution --tune``), so the posterior is calibrated there by construction.
    rank_evidence: float = 3.5844
    rank_profile: float = 2.7539
    rank_closest: float = 5.7857
    rank_closest_two: float = 4.1797
    rank_evidence_software: float = 3.9229
    rank_profile_techniques: float = 1.8468
    rank_profile_software: float = 2.2052
    unknown_bias: float = 2.4759
    unknown_log_items: float = 0.9657
    unknown_novel: float = 0.8824
    # The sponsor level pools the actors of each state: logit(state) = sponsor_sharpness *
    # ln sum exp(actor logits) + sponsor_log_groups * ln(number of its candidate actors), the
    # second correcting the pull of states with many groups.
    sponsor_sharpness: float = 2.0608
    sponsor_log_groups: float = -0.3439
    # Share of the unknown hypothesis's mass that goes to the states the evidence resembles
    # (a new cluster that behaves like Iranian groups is more likely Iranian); the rest is "unknown".
    sponsor_spread: float = 0.75
    # Share of what "unknown" then holds that goes to the states (and "none") by how many of the
    # KB's actors each has (fitted on the development units, those of groups of no known state
    # counted as answered "unknown").
    sponsor_unknown_spread: float = 0.25

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
