"""Words for probabilities (ICD 203) and the analytic confidence level.

Likelihood and confidence are separate judgements: a probability says how
likely; confidence says how much, how varied and how hard to fake the evidence
behind it is.
"""

from __future__ import annotations

from unmask.model import ConfidenceLevel

__all__ = [
    "DENIED_LIKELIHOOD",
    "ICD203_BANDS",
    "confidence_level",
    "likelihood_band",
    "likelihood_shown",
    "likelihood_term",
    "percent",
]

# Upper bound of each band (ICD 203, "expressions of likelihood").
ICD203_BANDS: tuple[tuple[float, str, str], ...] = (
    (0.05, "almost no chance", "1–5 %"),
    (0.20, "very unlikely", "5–20 %"),
    (0.45, "unlikely", "20–45 %"),
    (0.55, "roughly even chance", "45–55 %"),
    (0.80, "likely", "55–80 %"),
    (0.95, "very likely", "80–95 %"),
    (1.01, "almost certain", "95–99 %"),
)


def likelihood_term(probability: float) -> str:
    """The ICD 203 term for a probability."""
    return next(term for bound, term, _ in ICD203_BANDS if probability < bound)


def percent(probability: float, digits: int = 1) -> str:
    """A probability as a percentage that never rounds to certainty or to nothing.

    0.9996 is "> 99.9%", not "100.0%" (no assessment is certain: the unknown hypothesis always
    keeps some probability), and 0.0004 is "< 0.1%".  Nor does it round across an ICD 203 band:
    0.548 is "54.8%", not "55%" next to "roughly even chance" (55 % is "likely").
    """
    text = f"{probability:.{digits}%}"
    step = 10.0**-digits
    if float(text[:-1]) >= 100:  # the probabilities are rounded: 1.0 is 0.99996
        return f"> {100 - step:.{digits}f}%"
    if probability > 0 and float(text[:-1]) <= 0:
        return f"< {step:.{digits}f}%"
    if likelihood_band(float(text[:-1]) / 100) != likelihood_band(probability):
        if digits < 2:
            return percent(probability, digits + 1)
        # Still across the band at two decimals (4.999 %): say which side of its edge it is on.
        if probability < 0.01:
            return "< 1%"
        if probability > 0.99:
            return "> 99%"
        edge = next(bound for bound, _, _ in ICD203_BANDS if probability < bound)
        return f"< {100 * edge:.0f}%"
    return text


def likelihood_band(probability: float) -> str:
    """The ICD 203 band of a probability, e.g. ``80–95 %``.

    ICD 203's scale stops at 1 % and 99 %; a probability beyond it keeps the end term
    ("almost certain") with the band it is in, ``above 99 %`` (``below 1 %``), so that the words
    never contradict the number next to them.
    """
    if probability > 0.99:
        return "above 99 %"
    if probability < 0.01:
        return "below 1 %"
    return next(band for bound, _, band in ICD203_BANDS if probability < bound)


# A hypothesis below this probability is given low confidence whatever its evidence: "moderate
# confidence" next to "almost no chance" reads as a claim about the actor, not about the evidence.
NEGLIGIBLE = 0.05


def confidence_level(
    probability: float, supporting: int, families: int, strong: bool, doubted: bool, lowered: bool = False
) -> ConfidenceLevel:
    """Analytic confidence from the evidence behind a hypothesis.

    ``supporting`` items count for it, from ``families`` different signals;
    ``strong`` says some of them are costly to fake (a way of operating, custom
    software); ``doubted`` says the judgement cannot be held with confidence (parts that point
    to different actors, too little evidence); ``lowered`` that a false-flag warning touches it:
    one level less than the evidence would give (a planted artifact is a possibility to weigh,
    not a refutation of everything else).

    - high: at least 8 supporting items from at least 2 signals, some costly to
      fake, probability at least 0.55 (likely or more: "high confidence" in a roughly even
      chance reads as a contradiction) and no doubt raised;
    - moderate: at least 4 supporting items and either 2 signals or
      probability at least 0.5, no doubt raised; or a few (2 or 3) supporting
      items, some costly to fake, that single the actor out (probability at
      least 0.8), no doubt raised;
    - low: anything less, every hypothesis under 5 %, and every hypothesis of a case (or part)
      of fewer than five comparable items (the engine passes them as doubted).
    """
    if doubted or probability < NEGLIGIBLE:
        return ConfidenceLevel.LOW
    if supporting >= 8 and families >= 2 and strong and probability >= 0.55:
        level = ConfidenceLevel.HIGH
    elif (supporting >= 4 and (families >= 2 or probability >= 0.5)) or (
        supporting >= 2 and strong and probability >= 0.8
    ):
        level = ConfidenceLevel.MODERATE
    else:
        return ConfidenceLevel.LOW
    if lowered:
        return ConfidenceLevel.MODERATE if level is ConfidenceLevel.HIGH else ConfidenceLevel.LOW
    return level


# The likelihood shown for the whole of an incident whose parts point to different actors.
DENIED_LIKELIHOOD = "— (a reading the parts deny)"


def likelihood_shown(likelihood: str, probability: float, kind: str = "actor", denied: bool = False) -> str:
    """A hypothesis's likelihood term with its band ("likely (55–80 %)"); the row of many
    actors together has no term, so no band either, nor has a hypothesis of a reading the parts
    of a split incident deny (``denied``): a word would read as a judgement the parts contradict."""
    if denied:
        return DENIED_LIKELIHOOD
    return likelihood if kind == "other" else f"{likelihood} ({likelihood_band(probability)})"
