"""The learned combination: the conditional-logit fit, report similarities, sponsor pools."""

from pathlib import Path

import numpy as np
import pytest

from tests.synthetic import three_groups
from unmask.attribute.combine import (
    EVIDENCE_SIZE_POWER,
    RANK_FEATURES,
    THIN_HALF_ITEMS,
    design,
    posterior,
    score_items,
)
from unmask.attribute.evidence import resolve_case
from unmask.attribute.index import ScoringIndex
from unmask.attribute.params import DEFAULT_PARAMS
from unmask.attribute.reports import SIMILARITIES
from unmask.attribute.sponsor import base_rates, pool_features, sponsor_posterior
from unmask.bench.fit import Problem, fit_conditional_logit, log_likelihood
from unmask.model import Case, Observation, ObservationKind


def test_fit_recovers_the_weights_that_generated_the_choices() -> None:
    rng = np.random.default_rng(7)
    truth = np.array([2.0, -1.0])
    problems = []
    for _ in range(600):
        features = rng.normal(size=(6, 2))
        p = np.exp(features @ truth)
        problems.append(Problem(features, [int(rng.choice(6, p=p / p.sum()))]))
    fitted = fit_conditional_logit(problems, l2=0.01)
    assert np.allclose(fitted, truth, atol=0.3)
    assert log_likelihood(problems, fitted) > log_likelihood(problems, np.zeros(2))


def test_fit_honours_offsets_and_weights() -> None:
    # The right answer is always the alternative with the larger feature, but an offset already
    # favours it by 3: the fitted weight is smaller than without the offset.
    features = np.array([[1.0], [0.0]])
    plain = fit_conditional_logit([Problem(features, [0])] * 20, l2=1.0)
    offset = fit_conditional_logit([Problem(features, [0], 1.0, np.array([3.0, 0.0]))] * 20, l2=1.0)
    assert plain[0] > offset[0] > 0
    with pytest.raises(ValueError):
        fit_conditional_logit([Problem(features, [])])


def _case(*items: str) -> Case:
    kinds = {"T": ObservationKind.TECHNIQUE, "S": ObservationKind.SOFTWARE}
    return Case("t", "t", observations=[Observation(kinds[i[0]], i) for i in items])


def test_closest_report_is_read_per_citation(tmp_path: Path) -> None:
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    assert index.reports is not None
    rows = index.actor_position()
    # Exactly Alpha's report a2 (T1102, T1103, S0101, S0102).
    similar = index.reports.similarities({"T1102", "T1103", "S0101", "S0102"})
    assert similar.shape == (len(index.actors), len(SIMILARITIES))
    alpha = similar[rows["G0001"]]
    assert alpha[1] == pytest.approx(1.0)  # the closest report is the case itself
    assert alpha[0] < 1.0  # the whole profile has more than this report
    assert alpha[2] < alpha[1]  # its second-closest report (a1) shares less
    assert similar[rows["G0003"]].max() == 0.0  # Gamma has none of it
    assert np.all((similar >= 0) & (similar <= 1 + 1e-9))


def test_profile_similarity_by_kind(tmp_path: Path) -> None:
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    assert index.reports is not None
    rows = index.actor_position()
    techniques, software = SIMILARITIES.index("profile_techniques"), SIMILARITIES.index("profile_software")
    # Alpha's whole toolset and nothing else: its software cosine is 1, no technique cosine at all.
    tools = index.reports.similarities({"S0101", "S0102"})
    assert tools[rows["G0001"], software] == pytest.approx(1.0)
    assert tools[:, techniques].max() == 0.0
    # Gamma's playbook with one of Alpha's tools: each kind points to its own group.
    mixed = index.reports.similarities({"T1301", "T1302", "S0101"})
    assert 0 < mixed[rows["G0003"], techniques] < 1  # Gamma also has T1303 (the common ones weigh 0)
    assert mixed[rows["G0003"], software] == 0.0
    assert mixed[rows["G0001"], software] > 0.0 and mixed[rows["G0001"], techniques] == 0.0


def test_evidence_is_split_into_software_and_the_rest(tmp_path: Path) -> None:
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    items, _ = resolve_case(_case("T1301", "T1302", "S0301", "S0101"), kb)
    scores = score_items(index, items)
    parts = scores.signal_totals(DEFAULT_PARAMS)
    assert set(parts) == {"technique", "software"}
    assert np.allclose(parts["technique"] + parts["software"], scores.totals(DEFAULT_PARAMS))
    features = design(scores, DEFAULT_PARAMS)
    # Divided by n^0.75, and like every feature tempered by n / (n + THIN_HALF_ITEMS) in a case of n items.
    n = len(items)
    scale = n**EVIDENCE_SIZE_POWER * (n + THIN_HALF_ITEMS) / n
    other, tools = RANK_FEATURES.index("evidence"), RANK_FEATURES.index("evidence_software")
    assert np.allclose(features.actors[:, other], parts["technique"][features.rows] / scale)
    assert np.allclose(features.actors[:, tools], parts["software"][features.rows] / scale)


def test_posterior_features_and_probabilities(tmp_path: Path) -> None:
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    items, _ = resolve_case(_case("T1301", "T1302", "S0301", "T1303", "S0302"), kb)
    scores = score_items(index, items)
    features = design(scores, DEFAULT_PARAMS)
    assert features.actors.shape == (len(features.rows), len(RANK_FEATURES))
    post = posterior(scores, DEFAULT_PARAMS)
    assert post.actors.sum() + post.unknown == pytest.approx(1.0)
    assert index.actors[post.ranking()[0]].id == "G0003"
    # Thin evidence: one item, the same actor but far less sure.
    thin = posterior(score_items(index, resolve_case(_case("T1301"), kb)[0]), DEFAULT_PARAMS)
    assert thin.actors.max() < post.actors.max()


def test_sponsor_pools_correct_for_states_with_many_groups(tmp_path: Path) -> None:
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    scores = score_items(index, resolve_case(_case("T1001", "T1002"), kb)[0])
    post = posterior(scores, DEFAULT_PARAMS)
    plain = sponsor_posterior(index.actors, scores, post, DEFAULT_PARAMS.with_values(sponsor_log_groups=0.0))
    corrected = sponsor_posterior(
        index.actors, scores, post, DEFAULT_PARAMS.with_values(sponsor_log_groups=-1.0)
    )
    # Evidence every group shares: China (ten groups) pools more than Russia (two); the correction
    # shrinks that pull.
    assert plain["CN"] > plain["RU"]
    assert corrected["CN"] / corrected["RU"] < plain["CN"] / plain["RU"]
    assert corrected["CN"] < plain["CN"]
    assert sum(corrected.values()) == pytest.approx(1.0)
    assert pool_features([0.0, 0.0]) == pytest.approx((np.log(2), np.log(2)))
    kept = sponsor_posterior(index.actors, scores, post, DEFAULT_PARAMS.with_values(sponsor_spread=0.0))
    assert kept["unknown"] >= post.unknown - 1e-9


def test_a_lone_item_is_tempered_in_the_ranking(tmp_path: Path) -> None:
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    items, _ = resolve_case(_case("S0101"), kb)
    scores = score_items(index, items)
    features = design(scores, DEFAULT_PARAMS)
    tools = RANK_FEATURES.index("evidence_software")
    software = scores.signal_totals(DEFAULT_PARAMS)["software"][features.rows]
    assert np.allclose(features.actors[:, tools], software / (1 + THIN_HALF_ITEMS))
    assert features.actors[:, tools].max() > 0  # Alpha's own tool still points to Alpha


def test_unknown_prior_is_a_share_of_the_field(tmp_path: Path) -> None:
    # A lone common technique: every actor known by behaviour is a candidate, no field term.
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    items, _ = resolve_case(_case("T1001"), kb)
    scores = score_items(index, items)
    assert scores.behaviour is not None and scores.behaviour.all() and scores.candidates.sum() == 24
    plain = posterior(scores, DEFAULT_PARAMS)
    # The same evidence reaching as many actors again that the KB knows only otherwise (as a victim
    # or a CVE does): the known actors share one prior, so the unknown's odds against them double
    # rather than halve.
    scores.behaviour[12:] = False
    wide = posterior(scores, DEFAULT_PARAMS)
    odds = plain.unknown / (1 - plain.unknown), wide.unknown / (1 - wide.unknown)
    assert odds[1] == pytest.approx(2 * odds[0])
    assert np.allclose(wide.actors / wide.actors.sum(), plain.actors / plain.actors.sum())


def test_unknown_state_is_spread_by_base_rates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unmask.attribute import sponsor

    # The spread alone (the floor of each state at its groups' sum, applied last, has its own tests).
    monkeypatch.setattr(sponsor, "_no_less_than_its_groups", lambda mass, result: result)
    kb = three_groups(tmp_path / "kb")
    index = ScoringIndex.build(kb, DEFAULT_PARAMS)
    # The odd-numbered fillers have no state: evidence of two of them leaves "unknown" a large share.
    scores = score_items(index, resolve_case(_case("T1501", "T1601", "S0501", "T1503", "T1603"), kb)[0])
    post = posterior(scores, DEFAULT_PARAMS)
    kept = sponsor_posterior(
        index.actors, scores, post, DEFAULT_PARAMS.with_values(sponsor_unknown_spread=0.0)
    )
    spread = sponsor_posterior(
        index.actors, scores, post, DEFAULT_PARAMS.with_values(sponsor_unknown_spread=0.5)
    )
    assert spread["unknown"] == pytest.approx(kept["unknown"] / 2)
    rates = base_rates(index.actors)
    assert rates["CN"] == pytest.approx(10 / 14) and sum(rates.values()) == pytest.approx(1.0)
    moved = kept["unknown"] / 2
    for state in ("CN", "RU", "IR", "none"):
        assert spread[state] == pytest.approx(kept.get(state, 0.0) + moved * rates[state])
    assert sum(spread.values()) == pytest.approx(1.0)
