from unmask.attribute.calibrate import confidence_level, likelihood_band, likelihood_term, percent
from unmask.model import ConfidenceLevel

HIGH, MODERATE, LOW = ConfidenceLevel.HIGH, ConfidenceLevel.MODERATE, ConfidenceLevel.LOW


def test_confidence_grows_with_amount_diversity_and_cost_to_fake() -> None:
    assert confidence_level(0.9, 8, 2, True, False) is HIGH
    assert confidence_level(0.9, 8, 1, True, False) is MODERATE  # one signal only
    assert confidence_level(0.9, 8, 2, False, False) is MODERATE  # nothing costly to fake
    assert confidence_level(0.4, 5, 1, True, False) is LOW  # neither diverse nor a clear lead
    assert confidence_level(0.4, 5, 2, True, False) is MODERATE


def test_a_few_costly_items_that_single_one_actor_out_are_moderate() -> None:
    assert confidence_level(0.95, 3, 1, True, False) is MODERATE  # e.g. three of its own tools
    assert confidence_level(0.95, 2, 1, True, False) is MODERATE
    assert confidence_level(0.95, 1, 1, True, False) is LOW  # one item is never enough
    assert confidence_level(0.7, 3, 1, True, False) is LOW  # not singled out
    assert confidence_level(0.95, 3, 1, False, False) is LOW  # only cheap items


def test_a_doubt_always_means_low_confidence() -> None:
    assert confidence_level(0.99, 20, 3, True, True) is LOW


def test_icd203_words() -> None:
    assert likelihood_term(0.5) == "roughly even chance" and likelihood_band(0.5) == "45–55 %"
    assert likelihood_term(0.97) == "almost certain" and likelihood_term(0.01) == "almost no chance"


def test_percent_never_rounds_to_certainty_or_to_nothing() -> None:
    assert [percent(p) for p in (0.9996, 1.0, 0.5, 0.0004, 0.0)] == [
        "> 99.9%",
        "> 99.9%",
        "50.0%",
        "< 0.1%",
        "0.0%",
    ]
    assert (percent(0.996, 0), percent(0.004, 0), percent(0.42, 0)) == ("> 99%", "< 1%", "42%")


def test_bands_beyond_the_icd_scale_do_not_contradict_the_number() -> None:
    from unmask.attribute.calibrate import likelihood_band, likelihood_term

    assert (likelihood_term(0.999), likelihood_band(0.999)) == ("almost certain", "above 99 %")
    assert (likelihood_term(0.97), likelihood_band(0.97)) == ("almost certain", "95–99 %")
    assert (likelihood_term(0.002), likelihood_band(0.002)) == ("almost no chance", "below 1 %")


def test_percentages_do_not_round_across_a_band() -> None:
    # 54.78 % is "roughly even chance"; "55%" next to it would read as "likely".
    assert percent(0.5478, 0) == "54.8%" and percent(0.33, 0) == "33%" and percent(0.55, 0) == "55%"
    # 0.954 % is "below 1 %" (ICD 203's scale stops at 1 %): "1.0%" would sit in the next band.
    assert percent(0.009542) == "0.95%" and percent(0.0099999) == "< 1%" and percent(0.9904) == "99.04%"
    assert percent(0.04999) == "< 5%" and percent(0.01) == "1.0%"
