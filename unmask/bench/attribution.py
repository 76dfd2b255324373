"""The attribution benchmark: leave-one-campaign-out, leave-one-citation-out, open set, sponsors.

See unmask/bench/units.py for the units and docs/benchmarks/attribution.md for
the results.  Every profile is built from a KB view with the held-out unit
removed; parameters are chosen on the development half of the citation units
only (``bench/tuning.py``), the report is written by ``bench/report.py``, and the campaign units, the test half and the open set are
what is reported.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from unmask.attribute.caveats import SHARED_TOOLING, false_flags
from unmask.attribute.combine import Posterior, Scores, posterior
from unmask.attribute.engine import analyse, attribute_case
from unmask.attribute.index import ScoringIndex
from unmask.attribute.params import DEFAULT_PARAMS, Params
from unmask.attribute.reports import SIMILARITIES
from unmask.attribute.sponsor import UNKNOWN_STATE, sponsor_label, sponsor_posterior
from unmask.bench.metrics import auroc, auroc_interval, brier, calibrated_ece, ece, interval, mrr, top_k
from unmask.bench.units import Unit, attack_only, build_units, fold_of, thin_units
from unmask.knowledge.store import KnowledgeBase
from unmask.model import Actor

__all__ = ["Outcome", "Progress", "evaluate", "run_benchmark", "summarise", "unit_records"]

Progress = Callable[[str, int, int], None]


@dataclass
class Outcome:
    """One unit attributed in one mode (``closed``: its group is in the KB; ``open``: it is not)."""

    unit: Unit
    mode: str
    actors: list[Actor]
    scores: Scores
    truth_rows: list[int]
    truth_sponsor: str
    seconds: float = 0.0
    measures: dict[str, Any] = field(default_factory=dict)

    def recompute(self, params: Params) -> tuple[Posterior, dict[str, float]]:
        """The posterior and sponsor distribution under other ranking or sponsor weights."""
        post = posterior(self.scores, params)
        return post, sponsor_posterior(self.actors, self.scores, post, params)


CONFIDENCE_LEVELS = ("low", "moderate", "high")
# What a unit's record names as its top answer when the unknown hypothesis leads.
UNKNOWN_ID = "unknown"


def _measure(outcome: Outcome, post: Posterior, sponsors: dict[str, float]) -> dict[str, Any]:
    ranking = post.ranking()
    truth = set(outcome.truth_rows)
    rank = next((i + 1 for i, row in enumerate(ranking) if row in truth), None)
    best_actor = float(post.actors[ranking[0]]) if ranking else 0.0
    top_is_unknown = post.unknown >= best_actor
    p_truth = float(sum(post.actors[r] for r in truth))
    states = list(sponsors)
    sponsor_rank = states.index(outcome.truth_sponsor) + 1 if outcome.truth_sponsor in states else None
    return {
        "top": UNKNOWN_ID if top_is_unknown or not ranking else outcome.actors[ranking[0]].id,
        "rank": rank,
        "p_truth": p_truth,
        "p_unknown": post.unknown,
        "p_top": max(best_actor, post.unknown),
        "top_correct": (not top_is_unknown and ranking[0] in truth)
        if outcome.mode == "closed"
        else top_is_unknown,
        "sponsor_top": states[0] if states else UNKNOWN_STATE,
        "sponsor_rank": sponsor_rank,
        "sponsor_p_top": sponsors[states[0]] if states else 0.0,
        "sponsor_correct": bool(states) and states[0] == outcome.truth_sponsor,
        "p_truth_sponsor": sponsors.get(outcome.truth_sponsor, 0.0),
    }


def evaluate(
    kb: KnowledgeBase,
    units: list[Unit],
    params: Params,
    mode: str = "closed",
    progress: Progress | None = None,
    time_engine: bool = False,
) -> list[Outcome]:
    """Attribute every unit against a KB view with the unit (and, open set, its fold of groups) removed."""
    truth_sponsor = {a.id: sponsor_label(a) for a in kb.actors.values()}
    folds: dict[int, tuple[str, ...]] = {}
    if mode == "open":
        for actor in kb.actors.values():
            if actor.attack_id:
                folds.setdefault(fold_of(actor.id), ())
                folds[fold_of(actor.id)] += (actor.id,)
    outcomes = []
    for number, unit in enumerate(units):
        # Open set: every right group's fold goes (a campaign of two groups is new only if both are).
        removed = tuple(a for t in unit.truth for a in folds.get(fold_of(t), ())) if mode == "open" else ()
        view = unit.view(kb, removed)
        index = ScoringIndex.build(view, params)
        case = unit.case()
        seconds, lead = 0.0, None
        if time_engine:
            start = time.perf_counter()
            lead = attribute_case(case, index=index, params=params).groups[0]
            seconds = time.perf_counter() - start
        analysis = analyse(case, index)
        rows = index.actor_position()
        outcome = Outcome(
            unit=unit,
            mode=mode,
            actors=index.actors,
            scores=analysis.scores,
            truth_rows=[rows[t] for t in unit.truth if t in rows and mode == "closed"],
            truth_sponsor=truth_sponsor.get(unit.truth[0], UNKNOWN_STATE),
            seconds=seconds,
        )
        outcome.measures = _measure(outcome, analysis.posterior, analysis.sponsors)
        if lead is not None:
            # The analytic confidence the full assessment gives its leading hypothesis.
            outcome.measures["lead_confidence"] = lead.confidence.value
            outcome.measures["lead_right"] = lead.id in unit.truth and mode == "closed"
        flags = false_flags(analysis.scores, analysis.posterior, index.actors, params)
        outcome.measures["shared_tooling"] = any(f.message.startswith(SHARED_TOOLING) for f in flags)
        outcome.measures["truth_overlap"] = _truth_overlap(view, unit)
        if mode == "closed":
            outcome.measures.update(_baseline(index, unit, outcome))
        outcomes.append(outcome)
        if progress:
            progress(f"{mode} {unit.protocol}", number + 1, len(units))
    return outcomes


def _baseline(index: ScoringIndex, unit: Unit, outcome: Outcome) -> dict[str, Any]:
    """The issue's baseline in the same view: rank by the idf-weighted cosine to each actor's profile.

    ``baseline_rank`` over techniques and software, ``baseline_software_rank`` over
    software alone; ties share their middle rank.  At the sponsor level, the state of
    the actor ranked first.
    """
    if index.reports is None:
        return {}
    similar = index.reports.similarities(set(unit.items))
    result: dict[str, Any] = {}
    for name, column in (("baseline_rank", SIMILARITIES.index("profile")),
                         ("baseline_software_rank", SIMILARITIES.index("profile_software"))):  # fmt: skip
        values = similar[:, column]
        best = max((float(values[r]) for r in outcome.truth_rows), default=None)
        if best is None:
            result[name] = None
        else:
            ties = int((values == best).sum())
            result[name] = int((values > best).sum()) + (ties + 1) // 2
    # The count of shared software with ties resolved in the right group's favour: how the issue's
    # quoted software-only campaign baseline (0.46) is reproduced in these views.
    software = {item for item in unit.items if not item.startswith("T")}
    counts = np.array([len(software & profile) for profile in index.reports.profiles], dtype=float)
    best = max((float(counts[r]) for r in outcome.truth_rows), default=0.0)
    result["baseline_software_count_rank"] = int((counts > best).sum()) + 1 if best > 0 else None
    leader = int(np.argmax(similar[:, SIMILARITIES.index("profile")]))
    result["baseline_sponsor_correct"] = sponsor_label(index.actors[leader]) == outcome.truth_sponsor
    return result


def _truth_overlap(view: KnowledgeBase, unit: Unit) -> float:
    """Share of the unit's items still in its group's profile once the unit is held out (model-free)."""
    best = 0.0
    for actor_id in unit.truth:
        actor = view.actors.get(actor_id)
        if actor is not None:
            profile = set(actor.techniques) | set(actor.software)
            best = max(best, len(profile.intersection(unit.items)) / max(1, len(unit.items)))
    return best


def _level_metrics(outcomes: list[Outcome], level: str) -> dict[str, float]:
    if level == "group":
        chosen = outcomes
        ranks = [o.measures["rank"] for o in chosen]
        conf = [o.measures["p_top"] for o in chosen]
        hits = [o.measures["top_correct"] for o in chosen]
    else:
        chosen = [o for o in outcomes if o.truth_sponsor != UNKNOWN_STATE]
        ranks = [o.measures["sponsor_rank"] for o in chosen]
        conf = [o.measures["sponsor_p_top"] for o in chosen]
        hits = [o.measures["sponsor_correct"] for o in chosen]
    result = {"units": float(len(chosen))}
    for k in (1, 3, 5, 10):
        result[f"top{k}"] = top_k(ranks, k)
    result["mrr"] = mrr(ranks)
    result["top1_strict"] = sum(hits) / len(hits) if hits else float("nan")
    result["ece"] = ece(conf, hits)
    result["brier"] = brier(conf, hits)
    result["mean_confidence"] = statistics.fmean(conf) if conf else float("nan")
    for k in (1, 5):
        low, high = interval([r is not None and r <= k for r in ranks])
        result[f"top{k}_low"], result[f"top{k}_high"] = low, high
    result["ece_calibrated"], result["ece_calibrated_p95"] = calibrated_ece(conf)
    if level == "sponsor" and chosen and "baseline_sponsor_correct" in chosen[0].measures:
        result["baseline_top1"] = statistics.fmean(o.measures["baseline_sponsor_correct"] for o in chosen)
    if level == "group" and chosen and "baseline_rank" in chosen[0].measures:
        for key, name in (
            ("baseline_rank", "baseline"),
            ("baseline_software_rank", "baseline_software"),
            ("baseline_software_count_rank", "baseline_software_count"),
        ):
            for k in (1, 5):
                result[f"{name}_top{k}"] = top_k([o.measures[key] for o in chosen], k)
    if level == "group" and chosen:
        overlap = [o.measures.get("truth_overlap", float("nan")) for o in chosen]
        result["share_nothing_left"] = sum(1 for v in overlap if v == 0) / len(chosen)
        result["share_under_30pct_left"] = sum(1 for v in overlap if v < 0.3) / len(chosen)
        kept = [r for r, v in zip(ranks, overlap, strict=True) if v >= 0.5]
        result["share_half_left"] = len(kept) / len(chosen)
        result["top5_half_left"] = top_k(kept, 5)
    if level == "group" and chosen and "lead_confidence" in chosen[0].measures:
        for name in CONFIDENCE_LEVELS:
            at = [o.measures["lead_right"] for o in chosen if o.measures["lead_confidence"] == name]
            result[f"share_{name}_confidence"] = len(at) / len(chosen)
            result[f"right_{name}_confidence"] = sum(at) / len(at) if at else float("nan")
    if level == "group" and chosen and "shared_tooling" in chosen[0].measures:
        flagged = [o.measures["shared_tooling"] for o in chosen]
        result["share_shared_tooling"] = sum(flagged) / len(chosen)
        result["top1_shared_tooling"] = top_k([r for r, f in zip(ranks, flagged, strict=True) if f], 1)
        result["top1_no_shared_tooling"] = top_k([r for r, f in zip(ranks, flagged, strict=True) if not f], 1)
    return result


def summarise(closed: list[Outcome], opened: list[Outcome]) -> dict[str, Any]:
    """Every metric, keyed by protocol and level."""
    by = {
        "campaign": [o for o in closed if o.unit.protocol == "campaign"],
        "citation_dev": [o for o in closed if o.unit.protocol == "citation" and o.unit.split == "dev"],
        "citation_test": [o for o in closed if o.unit.protocol == "citation" and o.unit.split == "test"],
        "thin_test": [o for o in closed if o.unit.protocol == "thin" and o.unit.split == "test"],
    }
    result: dict[str, Any] = {}
    for name, chosen in by.items():
        if chosen:
            result[name] = {
                "group": _level_metrics(chosen, "group"),
                "sponsor": _level_metrics(chosen, "sponsor"),
            }
    if by["thin_test"]:
        result["thin_test"]["group"].update(_thin_metrics(by["thin_test"], opened))
    if opened:
        closed_p = {(o.unit.protocol, o.unit.id): o.measures["p_unknown"] for o in closed}
        for split in ("dev", "test"):
            pos = [o for o in opened if o.unit.split == split and o.unit.protocol != "thin"]
            if not pos:
                continue
            pairs = [
                (o.measures["p_unknown"], closed_p[key])
                for o in pos
                if (key := (o.unit.protocol, o.unit.id)) in closed_p
            ]
            negatives = [known for _, known in pairs]
            low, high = auroc_interval([held for held, _ in pairs], negatives)
            result["open_set" if split == "test" else "open_set_dev"] = {
                "group": {
                    "units": float(len(pos)),
                    "auroc": auroc([o.measures["p_unknown"] for o in pos], negatives),
                    "auroc_low": low,
                    "auroc_high": high,
                    "unknown_top1": sum(o.measures["top_correct"] for o in pos) / len(pos),
                    "mean_p_unknown_held_out": statistics.fmean(o.measures["p_unknown"] for o in pos),
                    "mean_p_unknown_known": statistics.fmean(negatives) if negatives else float("nan"),
                }
            }
    seconds = [o.seconds for o in closed if o.seconds > 0]
    if seconds:
        result["time"] = {
            "median_ms": 1000 * statistics.median(seconds),
            "p95_ms": 1000 * float(np.percentile(seconds, 95)),
        }
    return result


def _thin_metrics(closed: list[Outcome], opened: list[Outcome]) -> dict[str, float]:
    """How a case of one to four items comes out: how often the unknown hypothesis leads, and its AUROC."""
    result = {
        "unknown_first": statistics.fmean(o.measures["top"] == UNKNOWN_ID for o in closed),
        "mean_p_unknown_known": statistics.fmean(o.measures["p_unknown"] for o in closed),
        "max_p_top": max(o.measures["p_top"] for o in closed),
    }
    for size in (1, 2):
        chosen = [o for o in closed if len(o.unit.items) == size]
        if chosen:
            result[f"unknown_first_{size}_items"] = statistics.fmean(
                o.measures["top"] == UNKNOWN_ID for o in chosen
            )
    held = [o.measures["p_unknown"] for o in opened if o.unit.protocol == "thin"]
    if held:
        result["auroc"] = auroc(held, [o.measures["p_unknown"] for o in closed])
        result["mean_p_unknown_held_out"] = statistics.fmean(held)
    return result


def unit_records(outcomes: Iterable[Outcome]) -> list[dict[str, Any]]:
    """One record per unit and mode: the right answer, what came first, and the measures."""
    return [
        {
            "protocol": o.unit.protocol,
            "split": o.unit.split,
            "id": o.unit.id,
            "mode": o.mode,
            "truth": list(o.unit.truth),
            "truth_sponsor": o.truth_sponsor,
            "items": len(o.unit.items),
            **o.measures,
        }
        for o in outcomes
    ]


def run_benchmark(
    kb: KnowledgeBase,
    params: Params = DEFAULT_PARAMS,
    progress: Progress | None = None,
    quick: bool = False,
    per_unit: bool = False,
) -> dict[str, Any]:
    """Run every protocol; return the metrics (with the run's duration and parameters).

    With ``per_unit`` the result also holds ``units``: every unit's record (:func:`unit_records`).
    """
    start = time.perf_counter()
    kb = attack_only(kb)
    units = build_units(kb)
    if quick:
        units = units[::5]
    closed = evaluate(kb, units, params, "closed", progress, time_engine=True)
    reported = [u for u in units if u.split == "test"]
    opened = evaluate(kb, reported, params, "open", progress)
    thin = thin_units(units, "test")
    closed += evaluate(kb, thin, params, "closed", progress)
    opened += evaluate(kb, thin, params, "open", progress)
    result = summarise(closed, opened)
    result["meta"] = {
        "seconds": time.perf_counter() - start,
        "units": {
            "campaign": sum(1 for u in units if u.protocol == "campaign"),
            "citation_dev": sum(1 for u in units if u.protocol == "citation" and u.split == "dev"),
            "citation_test": sum(1 for u in units if u.protocol == "citation" and u.split == "test"),
            "thin_test": len(thin),
        },
        "quick": quick,
        "parameters": params.to_dict(),
        "kb_sha256": kb.sha256,
        "attack_version": kb.document.get("attack_version"),
    }
    if per_unit:
        result["units"] = unit_records(closed + opened)
    return result
