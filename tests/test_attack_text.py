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


@pytest.mark.parametrize(
    ("text", "state", "basis"),
    [
        ("X is a cyber espionage group assessed to be a subordinate element within Iran's Ministry "
         "of Intelligence and Security (MOIS).", "IR", "state sponsor"),
        ("X is one of several names for activity conducted by the Iranian Ministry of Intelligence.",
         "IR", "state sponsor"),
        ("X is a group attributed to the Chinese People\u2019s Liberation Army\u2019s (PLA) unit.",
         "CN", "state sponsor"),
        ("X is threat actor with a suspected nexus to the Iranian government.", "IR", "state sponsor"),
        ("X is a North Korea\u2013aligned threat group active since 2023.", "KP", "country of origin"),
        ("X is a T\u00fcrkiye-linked threat actor.", "TR", "country of origin"),
        ("X is a China-nexus cyberespionage group.", "CN", "country of origin"),
        ("X is a likely state-sponsored cyber espionage group operating out of China.", "CN",
         "country of origin"),
        ("X appears to operate from the Guandong Province of China.", "CN", "country of origin"),
        ("X is a cyber espionage group with likely Chinese origins.", "CN", "country of origin"),
        ("X is a cyber espionage and influence group originating in Russia.", "RU", "country of origin"),
    ],
)  # fmt: skip
def test_reads_state_bodies_links_and_origins(text: str, state: str, basis: str) -> None:
    assert (state, basis) in {(c.state, c.basis.split(":")[0]) for c in read_description(text).claims}


@pytest.mark.parametrize(
    "text",
    [
        "X is a group that has targeted government organizations operating in Ukraine.",
        "X targets companies based in Singapore.",
        "X's motivations appear to overlap with those of the Chinese government.",
        "X is a Russian-speaking cyber espionage group.",
    ],
)
def test_victims_and_languages_are_not_origins(text: str) -> None:
    assert read_description(text).claims == []


@pytest.mark.parametrize(
    ("text", "financial"),
    [
        ("X is cyber criminal threat group active since 2021.", True),
        ("X is a ransomware deployment entity active since 2023.", True),
        ("X is an initial access broker that has distributed QakBot.", True),
        ("X specializes in extortion, including destructive attacks without the use of ransomware.", False),
        ("X is an Iranian threat actor notable for a series of ransomware and wiper operations.", False),
    ],
)
def test_money_as_the_motive(text: str, financial: bool) -> None:
    assert ("financial" in read_description(text).motivations) is financial


def test_another_group_described_in_passing_is_not_this_groups_origin() -> None:
    facts = read_description(
        "SideCopy is a Pakistani threat group. Its infection chain mimics that of Sidewinder, a suspected "
        "Indian threat group."
    )
    assert [(c.state, c.basis.split(":")[0]) for c in facts.claims] == [("PK", "country of origin")]


def test_a_suspected_state_sponsor_of_a_criminal_group_is_where_it_works_from() -> None:
    from unmask.knowledge.compile import _decide_sponsor
    from unmask.model import SponsorClaim

    cfr = SponsorClaim("RU", "MISP threat-actor", "suspected state sponsor (CFR)")
    origin = SponsorClaim("RU", "ATT&CK description", "country of origin: 'Russia-based'")
    assert _decide_sponsor([cfr, origin], ["financial"]) == (None, None)  # a ransomware crew
    assert _decide_sponsor([cfr, origin], ["espionage"]) == ("RU", "high")
    described = SponsorClaim("KP", "ATT&CK description", "state sponsor: 'North Korean state-sponsored'")
    assert _decide_sponsor([described], ["financial"]) == ("KP", "moderate")  # APT38 keeps its state
