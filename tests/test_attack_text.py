import pytest

from unmask.knowledge.attack_text import read_description


@pytest.mark.parametrize(
    ("text", "state", "basis"),
    [
        ("[APT38](https://x/G0082) is a North Korean state-sponsored threat group.", "KP", "state sponsor"),
        ("X is an Iranian-sponsored threat group that conducts espionage.", "IR", "state sponsor"),
        (
            "X is a threat group that has been attributed to Russia's Foreign Intelligence Service.",
            "RU",
            "state sponsor",
        ),
        ("X is a China-based threat group.(Citation: Some Report)", "CN", "country of origin"),
        ("X is a Chinese threat group that has been attributed to a PLA unit.", "CN", "country of origin"),
    ],
)
def test_reads_state_and_origin_claims(text: str, state: str, basis: str) -> None:
    facts = read_description(text)
    assert (state, basis) in {(c.state, c.basis.split(":")[0]) for c in facts.claims}
    assert all(c.source == "ATT&CK description" for c in facts.claims)


def test_reads_motivation_and_first_year() -> None:
    facts = read_description(
        "X is a Russia-based cybercriminal group that has been active since at least May 2014. "
        "Later sentences mention espionage."
    )
    assert facts.motivations == ["financial", "espionage"]
    assert facts.since == 2014


def test_languages_and_unknown_places_are_not_origins() -> None:
    facts = read_description("X is a Portuguese-speaking threat group. Y is an unaffiliated threat group.")
    assert facts.claims == []
    assert facts.since is None


def test_a_state_named_with_its_acronym_still_sponsors() -> None:
    facts = read_description("Volt Typhoon is a People's Republic of China (PRC) state-sponsored actor.")
    assert [(c.state, c.basis.split(":")[0]) for c in facts.claims] == [("CN", "state sponsor")]
