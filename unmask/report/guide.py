"""How to read a report: the method in brief, the words of likelihood and confidence, the limits.

One text for the HTML, PDF and Markdown reports, so that a reader outside the team (a ministry,
a partner agency) can weigh the judgement without the documentation at hand.
"""

from __future__ import annotations

from unmask.attribute.calibrate import ICD203_BANDS

__all__ = ["CONFIDENCE", "LIMITS", "METHOD", "SCALE", "SCALE_ENDS"]

METHOD = (
    "unmask compares the observations of the case with what its knowledge base (MITRE ATT&CK and "
    "the MISP galaxies, at the version below) records of each known actor. Each item is weighed by "
    "how rare it is among actors and how hard it is to fake; the weights are combined into "
    "probabilities over the known actors and over an explicit hypothesis that a group the knowledge "
    "base does not know is behind the activity. The model was fitted on reports held out of the "
    "knowledge base; the state level pools the probabilities of each state's groups (corrected for "
    "how many groups each state has) and shares out the unknown group's. Probability (how likely) "
    "and confidence (how well founded) are separate judgements, as ICD 203 asks."
)

# (term, range) of the ICD 203 scale, from the least to the most likely.
SCALE: tuple[tuple[str, str], ...] = tuple((term, band) for _, term, band in ICD203_BANDS)
# What the report says beyond the scale's ends.
SCALE_ENDS = (
    "The scale stops at 1 % and 99 %: beyond them the end term keeps its word and says where the number "
    'is ("almost certain (above 99 %)", "almost no chance (below 1 %)"); no judgement is certainty.'
)

CONFIDENCE: tuple[tuple[str, str], ...] = (
    (
        "high",
        "many items (eight or more) of at least two kinds, some costly to fake (a way of operating, "
        "the actor's own software), pointing the same way, and no warning of a possible plant",
    ),
    (
        "moderate",
        "several items, or a few of the actor's own tools that single it out; one warning of a "
        "possible plant takes a judgement one level lower",
    ),
    (
        "low",
        "little evidence, evidence that is common or cheap to fake, parts of the incident that point "
        "to different actors, or a hypothesis of almost no chance",
    ),
)

LIMITS: tuple[str, ...] = (
    "The knowledge base knows what public reporting says: an actor's unreported tools, and a group "
    "no source has described, cannot be recognised (the unknown-group hypothesis stands for them).",
    "Public reporting covers some actors far more than others; a well-documented group is easier "
    "to recognise than a quiet one.",
    "Tools are shared, sold, leaked and planted, and one intrusion can involve several actors: "
    "the warnings say where the evidence points in more than one direction.",
    "Infrastructure and file hashes count only when intelligence loaded into the knowledge base "
    "ties them to an actor.",
    "How often leads at each confidence level proved right on held-out reports is measured in "
    "unmask's attribution benchmark (docs/benchmarks/attribution.md).",
)
