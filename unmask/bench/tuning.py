"""Choosing the attribution parameters on the development half of the citation units only.

- :func:`tune_ranking`: coordinate ascent of the likelihood model's parameters
  (smoothing, signal weights...) on the development mean reciprocal rank;
- :func:`fit_combination`: the ranking and sponsor weights by maximum
  likelihood on the development units (and the merged and thin units cut from
  them, ``bench/units.py``).

The campaign units, the test half and the open set are never seen here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from unmask.attribute.combine import RANK_FEATURES, UNKNOWN_FEATURES, design, posterior
from unmask.attribute.params import DEFAULT_PARAMS, Params
from unmask.attribute.sponsor import UNKNOWN_STATE, pool_features, sponsor_pools
from unmask.bench.attribution import Outcome, Progress, evaluate
from unmask.bench.fit import Problem, fit_conditional_logit
from unmask.bench.metrics import mrr
from unmask.bench.units import Unit, attack_only, build_units, merged_units, thin_units
from unmask.knowledge.store import KnowledgeBase

__all__ = ["OPEN_WEIGHT", "STRUCTURAL_GRID", "fit_combination", "tune", "tune_ranking"]

# How much the open-set units weigh in the calibration objective against the closed ones:
# as if about one incident in eleven were by a group the KB does not know.
OPEN_WEIGHT = 0.1


def _nll(outcomes: Iterable[Outcome], params: Params) -> float:
    """Mean negative log-likelihood of the right answer, open-set units weighed by OPEN_WEIGHT."""
    total, weight = 0.0, 0.0
    for outcome in outcomes:
        post, _ = outcome.recompute(params)
        if outcome.mode == "closed":
            p, w = float(sum(post.actors[r] for r in outcome.truth_rows)), 1.0
        else:
            p, w = post.unknown, OPEN_WEIGHT
        total -= w * math.log(max(p, 1e-9))
        weight += w
    return total / max(weight, 1e-9)


def _sponsor_nll(outcomes: Iterable[Outcome], params: Params, every: bool = False) -> float:
    """Mean NLL of the right state; ``every``: also the units of groups of no known state, answer "unknown"."""
    total, n = 0.0, 0
    for outcome in outcomes:
        if outcome.truth_sponsor == UNKNOWN_STATE and not every:
            continue
        _, sponsors = outcome.recompute(params)
        total -= math.log(max(sponsors.get(outcome.truth_sponsor, 0.0), 1e-9))
        n += 1
    return total / max(n, 1)


STRUCTURAL_GRID: dict[str, tuple[float, ...]] = {
    "length_power": (0.0, 0.25, 0.5, 0.75, 1.0),
    "absence_rate": (0.0, 0.0025, 0.005, 0.01, 0.02),
    "smoothing": (1.0, 2.0, 4.0, 8.0, 16.0),
    "software_smoothing": (1.0, 4.0, 10.0, 25.0, 50.0),
    "cooccurrence_mass": (0.0, 0.2, 0.4, 0.8),
    "software_weight": (1.0, 2.0, 3.0, 4.0),
    "software_technique_mass": (0.0, 0.1, 0.2, 0.4),
    "parent_weight": (0.0, 0.25, 0.5),
    "count_weight": (0.0, 0.5, 1.0, 2.0),
}
# The L2 penalty of the ranking fit (on weights of features of order 1): a light hold.  A weaker one
# (0.1) fits the development units' likelihood better but is worse there on top-1, calibration and
# the open set, and makes large cases more overconfident (docs/benchmarks/attribution-tuning.md,
# round 7); kept at 1.
RANK_L2 = 1.0
# The sponsor fit's (two weights).
SPONSOR_L2 = 1.0
# At most three quarters of the unknown hypothesis's mass go to the states the evidence resembles:
# a new cluster's sponsor cannot be read from resemblance alone (a prior, not fitted: the
# development units are all known groups, so the fit would always choose to spread everything).
SPREAD_GRID = (0.0, 0.25, 0.5, 0.75)
# The share of the "unknown" state's probability spread over the states by their base rates: fitted
# on every development unit, those whose group has no known state answered "unknown" (so that the
# fit cannot gain by never saying "unknown").
UNKNOWN_SPREAD_GRID = (0.0, 0.1, 0.25, 0.4, 0.5)


def tune(
    kb: KnowledgeBase, start: Params = DEFAULT_PARAMS, progress: Progress | None = None
) -> tuple[Params, list[str]]:
    """Choose parameters on the development half of the citation units only.

    The likelihood model's parameters by coordinate ascent on the mean reciprocal
    rank (:func:`tune_ranking`), then the weights of the ranking and of the sponsor
    level by maximum likelihood (:func:`fit_combination`).
    """
    params, log = tune_ranking(kb, start, progress)
    params, more = fit_combination(kb, params, progress)
    return params, log + more


def _dev_units(kb: KnowledgeBase) -> list[Unit]:
    return [u for u in build_units(kb) if u.protocol == "citation" and u.split == "dev"]


def _coordinate_search(
    params: Params,
    grid: dict[str, tuple[float, ...]],
    loss: Callable[[Params], float],
    passes: int,
    label: str,
    log: list[str],
    progress: Progress | None = None,
) -> Params:
    """Change one parameter at a time to the grid value that lowers ``loss`` most; repeat."""
    best = loss(params)
    log.append(f"{label} start: {best:.4f}")
    for _ in range(passes):
        for name, values in grid.items():
            for value in values:
                if getattr(params, name) == value:
                    continue
                trial = params.with_values(**{name: value})
                score = loss(trial)
                if progress:
                    progress(f"tuning {name}={value}: {label} {score:.4f} (best {best:.4f})", 0, 0)
                if score < best - 1e-6:
                    best, params = score, trial
                    log.append(f"{name}={value}: {label} {score:.4f}")
    return params


def tune_ranking(
    kb: KnowledgeBase, start: Params = DEFAULT_PARAMS, progress: Progress | None = None
) -> tuple[Params, list[str]]:
    """Coordinate ascent of the ranking parameters on the development units' MRR."""
    kb = attack_only(kb)
    dev = _dev_units(kb)
    log: list[str] = [f"start parameters: {start.to_dict()}"]
    params = _coordinate_search(
        start, STRUCTURAL_GRID, lambda p: -_dev_mrr(kb, dev, p), 2, "negative dev MRR", log, progress
    )
    return params, log


def fit_combination(
    kb: KnowledgeBase, params: Params, progress: Progress | None = None
) -> tuple[Params, list[str]]:
    """Fit the ranking and sponsor weights on the development units (maximum likelihood).

    The ranking: a conditional logit over each unit's candidate actors and the
    unknown hypothesis, on the development citation units and the larger units
    made of several of one group's development reports (``merged_units``) and
    the one- to four-item units cut from the development units (``thin_units``),
    attributed both with their group in the KB
    (answer: the group) and with its fold of groups held out (answer: unknown,
    weighed by ``OPEN_WEIGHT``).  Then the sponsor pools' weights on the units
    with a known sponsor, and the share of the unknown hypothesis spread over
    states (``SPREAD_GRID``) on the sponsor-level log-likelihood, and the share of the
    remaining "unknown" spread by base rates (``UNKNOWN_SPREAD_GRID``).
    """
    kb = attack_only(kb)
    dev = _dev_units(kb)
    every = build_units(kb)
    dev += merged_units(every, "dev") + thin_units(every, "dev")
    closed = evaluate(kb, dev, params, "closed", progress)
    opened = evaluate(kb, dev, params, "open", progress)
    log = [f"dev NLL start: {_nll(closed + opened, params):.4f}"]
    problems = [p for p in (_rank_problem(o, params) for o in closed + opened) if p is not None]
    weights = fit_conditional_logit(problems, RANK_L2)
    names = [f"rank_{n}" for n in RANK_FEATURES] + [f"unknown_{n}" for n in UNKNOWN_FEATURES]
    params = params.with_values(**{n: round(float(v), 4) for n, v in zip(names, weights, strict=True)})
    log.append(f"ranking weights fitted: dev NLL {_nll(closed + opened, params):.4f}")
    sponsor_problems = [p for p in (_sponsor_problem(o, params) for o in closed) if p is not None]
    sharpness, log_groups = fit_conditional_logit(sponsor_problems, SPONSOR_L2, start=np.array([1.0, 0.0]))
    params = params.with_values(
        sponsor_sharpness=round(float(sharpness), 4), sponsor_log_groups=round(float(log_groups), 4)
    )
    params = refine_sharpness(closed, params)
    best = min(SPREAD_GRID, key=lambda v: _sponsor_nll(closed, params.with_values(sponsor_spread=v)))
    params = params.with_values(sponsor_spread=best)
    best = min(
        UNKNOWN_SPREAD_GRID,
        key=lambda v: _sponsor_nll(closed, params.with_values(sponsor_unknown_spread=v), every=True),
    )
    params = params.with_values(sponsor_unknown_spread=best)
    log.append(f"sponsor weights fitted: dev sponsor NLL {_sponsor_nll(closed, params):.4f}")
    log.append("fitted: " + ", ".join(f"{n} = {getattr(params, n)}" for n in (*names, *SPONSOR_NAMES)))
    return params, log


SPONSOR_NAMES = ("sponsor_sharpness", "sponsor_log_groups", "sponsor_spread", "sponsor_unknown_spread")
# The pools' fit sees the pooled logits only; the state level then holds each state between its
# groups' sum and what the group level allows (sponsor.py), which takes back some of the
# sharpening.  The sharpness is refined on the full sponsor level's likelihood over these multiples.
SHARPNESS_SCALES = (0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6)


def refine_sharpness(closed: list[Outcome], params: Params) -> Params:
    """The sponsor sharpness among SHARPNESS_SCALES times the fitted one with the best development
    sponsor-level log-likelihood of the whole state level (bounds and floors included)."""
    fitted = params.sponsor_sharpness
    best = min(
        SHARPNESS_SCALES,
        key=lambda k: _sponsor_nll(closed, params.with_values(sponsor_sharpness=round(fitted * k, 4))),
    )
    return params.with_values(sponsor_sharpness=round(fitted * best, 4))


def _rank_problem(outcome: Outcome, params: Params) -> Problem | None:
    """One unit as a choice among its candidates and the unknown hypothesis."""
    features = design(outcome.scores, params)
    n_actor = features.actors.shape[1]
    matrix = np.zeros((len(features.rows) + 1, n_actor + len(features.unknown)))
    matrix[:-1, :n_actor] = features.actors
    matrix[-1, n_actor:] = features.unknown
    offsets = np.append(features.offsets, 0.0)
    if outcome.mode == "closed":
        truth = set(outcome.truth_rows)
        chosen = [i for i, row in enumerate(features.rows) if row in truth]
        return Problem(matrix, chosen, 1.0, offsets) if chosen else None
    return Problem(matrix, [len(features.rows)], OPEN_WEIGHT, offsets)


def _sponsor_problem(outcome: Outcome, params: Params) -> Problem | None:
    """One unit as a choice among the sponsor pools of its candidates."""
    if outcome.truth_sponsor == UNKNOWN_STATE:
        return None
    post = posterior(outcome.scores, params)
    pools = sponsor_pools(outcome.actors, outcome.scores, post)
    if outcome.truth_sponsor not in pools:
        return None
    labels = list(pools)
    matrix = np.array([pool_features(pools[label]) for label in labels])
    return Problem(matrix, [labels.index(outcome.truth_sponsor)])


def _dev_mrr(kb: KnowledgeBase, dev: list[Unit], params: Params) -> float:
    outcomes = evaluate(kb, dev, params, "closed")
    return mrr([o.measures["rank"] for o in outcomes])
