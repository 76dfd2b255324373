import json
from pathlib import Path

import pytest

from tests.synthetic import build_kb
from unmask.attribute.params import DEFAULT_PARAMS
from unmask.bench.attribution import run_benchmark
from unmask.bench.metrics import auroc, auroc_interval, brier, calibrated_ece, ece, interval, mrr, top_k
from unmask.bench.report import report
from unmask.bench.units import (
    MIN_ITEMS,
    THIN_UNIT_MAX_ITEMS,
    attack_only,
    build_units,
    merged_units,
    split_of,
    thin_units,
)
from unmask.knowledge.store import KnowledgeBase


def test_ranking_metrics() -> None:
    ranks = [1, 2, None, 5]
    assert top_k(ranks, 1) == 0.25
    assert top_k(ranks, 5) == 0.75
    assert mrr(ranks) == pytest.approx((1 + 0.5 + 0.2) / 4)


def test_calibration_metrics() -> None:
    # Perfectly calibrated: 80 % confident, right 4 times out of 5.
    assert ece([0.8] * 5, [True, True, True, True, False]) == pytest.approx(0.0)
    assert ece([0.9, 0.9], [False, False]) == pytest.approx(0.9)
    assert brier([1.0, 0.0], [True, False]) == 0.0
    assert brier([0.5], [True]) == 0.25


def test_auroc() -> None:
    assert auroc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auroc([0.1], [0.9]) == 0.0
    assert auroc([0.5], [0.5]) == 0.5


def test_bootstrap_intervals_bracket_the_estimate_and_shrink_with_data() -> None:
    few = [True, False] * 10
    many = [True, False] * 500
    low, high = interval(few)
    assert low < 0.5 < high
    low_many, high_many = interval(many)
    assert low_many < 0.5 < high_many and high_many - low_many < (high - low) / 3
    pos, neg = [0.9, 0.8, 0.3, 0.7], [0.1, 0.2, 0.4, 0.6]
    low, high = auroc_interval(pos, neg)
    assert low <= auroc(pos, neg) <= high


def test_calibrated_ece_is_the_noise_floor_of_small_samples() -> None:
    # Certain and always right: a perfect model's ECE is 0 whatever the sample.
    assert calibrated_ece([1.0] * 10) == (0.0, 0.0)
    # At 60 % confidence a perfect model shows a clearly positive ECE on 20 units, less on 2000.
    small, small_p95 = calibrated_ece([0.6] * 20)
    large, _ = calibrated_ece([0.6] * 2000)
    assert 0.05 < small < small_p95 and large < small / 4


def _kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    groups = {}
    for g in range(6):
        uses = {f"T1{g}0{i}": [f"g{g}-r1"] for i in range(MIN_ITEMS)}
        uses |= {f"T1{g}1{i}": [f"g{g}-r2"] for i in range(MIN_ITEMS)}
        uses |= {"T1001": [f"g{g}-r1"], f"S0{g}01": [f"g{g}-r1", f"g{g}-r2"]}
        groups[f"G000{g}"] = (f"Group {g}", uses)
    campaigns = {"C0001": ("G0001", {f"T1{1}0{i}": ["camp"] for i in range(3)} | {"S0101": ["camp"]})}
    return build_kb(tmp_path / "kb", groups, {f"G000{g}": "China" for g in range(3)}, campaigns=campaigns)


def test_units_cover_campaigns_and_citations(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    units = build_units(kb)
    campaign = [u for u in units if u.protocol == "campaign"]
    assert [u.id for u in campaign] == ["C0001"] and campaign[0].truth == ("G0001",)
    citation = [u for u in units if u.protocol == "citation"]
    assert len(citation) == 12
    assert all(u.split == split_of(u.citations[0]) for u in citation)
    unit = citation[0]
    view = unit.view(kb)
    # Held out: no relation in the view still rests on the removed report alone.
    assert all(unit.citations[0] not in r.citations for r in view.relations)


def test_merged_units_join_one_groups_reports_and_hide_them_all(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    units = build_units(kb)
    for split in ("dev", "test"):
        merged = merged_units(units, split)
        for unit in merged:
            members = [
                u for u in units if u.protocol == "citation" and u.split == split and u.truth == unit.truth
            ]
            assert 2 <= len(unit.citations) <= min(len(members), 4)
            assert set(unit.items) == {
                i for u in members if u.citations[0] in unit.citations for i in u.items
            }
            view = unit.view(kb)
            assert not any(set(r.citations) & set(unit.citations) for r in view.relations)
    assert merged_units(units, "dev") or merged_units(units, "test")


def test_thin_units_are_a_few_of_one_units_items_with_its_report_hidden(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    units = build_units(kb)
    parents = {u.id: u for u in units if u.protocol == "citation"}
    for split in ("dev", "test"):
        thin = thin_units(units, split)
        assert len(thin) == sum(1 for u in parents.values() if u.split == split)
        for unit in thin:
            parent = parents[unit.id]
            assert unit.protocol == "thin" and unit.split == split and unit.truth == parent.truth
            assert 1 <= len(unit.items) <= THIN_UNIT_MAX_ITEMS and set(unit.items) < set(parent.items)
            assert unit.citations == parent.citations
    assert thin_units(units, "dev") == thin_units(list(reversed(units)), "dev")[::-1]


def test_benchmark_runs_end_to_end_and_reports(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    result = run_benchmark(kb, DEFAULT_PARAMS, per_unit=True)
    records = result.pop("units")
    thin = [r for r in records if r["protocol"] == "thin"]
    closed = [r for r in records if r["mode"] == "closed" and r["protocol"] != "thin"]
    assert len(closed) == 13 and {r["protocol"] for r in closed} == {"campaign", "citation"}
    opened = len(records) - len(closed) - len(thin)
    assert opened == sum(1 for r in closed if r["split"] == "test")
    # One to four items of every reported citation unit, attributed with the group known and held out.
    assert len(thin) == 2 * sum(1 for r in closed if r["protocol"] == "citation" and r["split"] == "test")
    assert all(1 <= r["items"] <= 4 for r in thin)
    assert 0.0 <= result["thin_test"]["group"]["unknown_first"] <= 1.0
    for record in closed:
        assert record["top_correct"] == (record["top"] in record["truth"])
        assert record["items"] >= 1 and 0.0 <= record["p_truth"] <= 1.0
    assert result["campaign"]["group"]["units"] == 1
    assert result["citation_dev"]["group"]["units"] + result["citation_test"]["group"]["units"] == 12
    assert 0.0 <= result["citation_test"]["group"]["top1"] <= 1.0
    assert "open_set" in result
    text = report(result, "unmask bench attribution")
    assert "| campaign | group | top1 | >= 0.5 |" in text
    assert "a perfectly calibrated model:" in text and "95 % interval" in text
    # The baseline, measured in the same views: the campaign's techniques are its group's own.
    assert result["campaign"]["group"]["baseline_top1"] == 1.0
    assert result["campaign"]["group"]["baseline_software_count_top1"] == 1.0  # S0101 is G0001's alone
    assert "The baseline in the same run" in text and "A first lead" in text
    assert 0.0 <= result["citation_test"]["group"]["share_shared_tooling"] <= 1.0
    assert "The shared-tooling warning" in text and "Analytic confidence" in text
    shares = [result["citation_test"]["group"][f"share_{n}_confidence"] for n in ("low", "moderate", "high")]
    assert sum(shares) == pytest.approx(1.0)
    assert "## Parameters" in text
    # A share of no units (no unit had the warning) is no number, read back from the JSON too.
    result["campaign"]["group"]["top1_shared_tooling"] = None
    assert "| campaign | " in report(json.loads(json.dumps(result)), "unmask bench attribution")


def test_tune_uses_only_the_development_half(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import unmask.bench.tuning as bench

    seen: list[str] = []
    original = bench.evaluate

    def spy(kb, units, params, mode="closed", progress=None, time_engine=False):  # type: ignore[no-untyped-def]
        seen.extend(u.split for u in units)
        return original(kb, units, params, mode, progress, time_engine)

    monkeypatch.setattr(bench, "evaluate", spy)
    monkeypatch.setattr(bench, "STRUCTURAL_GRID", {"smoothing": (5.0,)})
    params, log = bench.tune(_kb(tmp_path))
    assert seen and set(seen) == {"dev"}
    assert log[0].startswith("start parameters:")
    assert any(line.startswith("dev NLL start") for line in log)
    assert any(line.startswith("ranking weights fitted") for line in log)
    assert params.sponsor_spread in bench.SPREAD_GRID


def test_a_report_of_several_names_is_development_if_any_name_is() -> None:
    dev = next(f"report {i}" for i in range(100) if split_of(f"report {i}") == "dev")
    test = next(f"report {i}" for i in range(100) if split_of(f"report {i}") == "test")
    assert split_of(test, dev) == split_of(dev, test) == "dev"
    assert split_of(test) == "test"


def test_open_set_holds_out_the_fold_of_every_right_group(tmp_path: Path) -> None:
    from unmask.bench.attribution import evaluate
    from unmask.bench.units import Unit, fold_of

    kb = _kb(tmp_path)
    first = next(u for u in build_units(kb) if u.protocol == "citation")
    other = next(a for a in sorted(kb.actors) if fold_of(a) != fold_of(first.truth[0]))
    unit = Unit("campaign", "two groups", (first.truth[0], other), first.items, "test")
    [outcome] = evaluate(kb, [unit], DEFAULT_PARAMS, "open")
    left = {actor.id for actor in outcome.actors}
    assert first.truth[0] not in left and other not in left


def test_the_benchmark_sees_attack_alone(kb: KnowledgeBase) -> None:
    # Tidal's links cite no report, so no held-out unit could be kept from them.
    assert kb.links and not attack_only(kb).links
    assert attack_only(kb).actor("OilRig").software == {"S0002": 1, "S0170": 1, "S1151": 1}
