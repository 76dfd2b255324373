import pytest

from unmask.model import (
    Actor,
    Assessment,
    Case,
    ConfidenceLevel,
    Finding,
    Hypothesis,
    Observation,
    ObservationKind,
    Provenance,
    SponsorClaim,
    Tlp,
)


def test_case_round_trips_through_dict() -> None:
    prov = Provenance(source="Security.evtx", sha256="ab" * 32, record="4242")
    case = Case(
        id="albania-2022",
        title="Government network wiped",
        tlp=Tlp.AMBER_STRICT,
        evidence={"Security.evtx": "ab" * 32},
        findings=[
            Finding("r1", "LSASS access", "high", ("T1003.001",), "2022-07-15T10:00:00Z", "dc01", prov)
        ],
        observations=[
            Observation(ObservationKind.TECHNIQUE, "T1003.001", phase="credential-access", provenance=prov),
            Observation(ObservationKind.VICTIM, "AL", subtype="country", confidence=0.9),
        ],
        notes=["first note"],
    )
    again = Case.from_dict(case.to_dict())
    assert again == case
    assert again.to_dict()["observations"][1] == {
        "kind": "victim",
        "value": "AL",
        "subtype": "country",
        "confidence": 0.9,
    }


def test_actor_round_trips_and_lists_all_names_once() -> None:
    actor = Actor(
        id="G0049",
        name="OilRig",
        names={"ATT&CK": ["OilRig", "APT34"], "MISP": ["APT34", "Helix Kitten"]},
        attack_id="G0049",
        sponsor="IR",
        sponsor_confidence="high",
        sponsor_claims=[SponsorClaim("IR", "MISP threat-actor", "suspected state sponsor (CFR)", "50")],
        techniques={"T1003.001": 2},
        active_years=(2014, 2024),
        related=[("G0003", "similar")],
    )
    assert Actor.from_dict(actor.to_dict()) == actor
    assert actor.all_names == ["OilRig", "APT34", "Helix Kitten"]


def test_assessment_round_trips() -> None:
    hypothesis = Hypothesis(
        "G0049", "OilRig", 0.7, "likely", ConfidenceLevel.MODERATE, (("software Helminth", 2.1),), ()
    )
    assessment = Assessment(
        case_id="c1",
        groups=[hypothesis],
        sponsors=[hypothesis],
        phases={"impact": [hypothesis]},
        warnings=["thin evidence"],
        provenance={"kb_sha256": "00"},
    )
    assert Assessment.from_dict(assessment.to_dict()) == assessment


def test_what_a_library_caller_gets_wrong_is_coerced_or_refused() -> None:
    import math

    from unmask.errors import CaseError
    from unmask.model import Case, Observation, ObservationKind, Tlp

    assert Observation("technique", "T1190").kind is ObservationKind.TECHNIQUE  # type: ignore[arg-type]
    assert Observation(ObservationKind.INFRASTRUCTURE, 13335, subtype="asn").value == "13335"  # type: ignore[arg-type]
    assert Case("c", "t", tlp="RED").tlp is Tlp.RED  # type: ignore[arg-type]
    for bad in (float("nan"), 2.0, -1.0, math.inf, True):
        with pytest.raises(CaseError, match="confidence is a number from 0 to 1"):
            Observation(ObservationKind.TECHNIQUE, "T1190", confidence=bad)
    with pytest.raises(CaseError, match="value is text"):
        Observation(ObservationKind.TECHNIQUE, None)  # type: ignore[arg-type]
    with pytest.raises(CaseError, match="not a known observation kind"):
        Observation("telepathy", "x")  # type: ignore[arg-type]
    with pytest.raises(CaseError, match="not a known TLP label"):
        Case.from_dict({"id": "x", "tlp": "purple"})
