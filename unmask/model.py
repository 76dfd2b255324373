"""The core types of unmask (see DESIGN.md, "Core types").

Each is a dataclass with ``to_dict`` / ``from_dict`` so it can travel as JSON
between the stages, the CLI (``--json``) and the case store.  The knowledge
base's :class:`Actor` profile lives here too because attribution, reports and
the CLI all read it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from unmask.errors import CaseError

_R = TypeVar("_R")

__all__ = [
    "TLP_MARKINGS",
    "Actor",
    "Assessment",
    "Case",
    "ConfidenceLevel",
    "Finding",
    "Hypothesis",
    "Observation",
    "ObservationKind",
    "Provenance",
    "SponsorClaim",
    "Tlp",
    "view_text",
]


class ObservationKind(StrEnum):
    """What an :class:`Observation` is evidence of (the diamond model's facets)."""

    TECHNIQUE = "technique"
    SOFTWARE = "software"
    INFRASTRUCTURE = "infrastructure"
    FILE = "file"
    VULNERABILITY = "vulnerability"
    VICTIM = "victim"
    TIMING = "timing"
    SIMILARITY = "similarity"


class ConfidenceLevel(StrEnum):
    """The analytic confidence of a judgement, separate from its likelihood."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Tlp(StrEnum):
    """Traffic Light Protocol 2.0 labels."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        """How restrictive the label is (CLEAR 0 ... RED 4): where sources disagree, the highest wins."""
        return list(Tlp).index(self)

    @classmethod
    def parse(cls, text: str) -> Tlp:
        """A label as people write it ("TLP:RED", "amber+strict", TLP 1.0's "white" is clear);
        :class:`CaseError` listing the labels if it is none."""
        key = str(text).strip().lower().removeprefix("tlp:").strip().replace(" ", "")
        try:
            label: Tlp = _member(cls, "clear" if key == "white" else key, "TLP label")
        except CaseError:  # named as it was written, not as it was read
            known = ", ".join(m.value for m in cls)
            raise CaseError(f"{str(text)!r} is not a known TLP label ({known})") from None
        return label


# The STIX 2.1 marking definitions of the TLP labels: TLP 2.0 (the extension) and TLP 1.0 (white
# is TLP 2.0's clear).  A bundle marked with any of them is read at that label.
TLP_MARKINGS: dict[str, Tlp] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": Tlp.CLEAR,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": Tlp.GREEN,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": Tlp.AMBER,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": Tlp.AMBER_STRICT,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": Tlp.RED,
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}


def _member(enum: type[Any], value: Any, what: str) -> Any:
    """The member of a text enum that ``value`` names, or a :class:`CaseError` listing them."""
    try:
        return enum(str(value).lower())
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise CaseError(f"{value!r} is not a known {what} ({known})") from None


@dataclass(frozen=True)
class Provenance:
    """Where a finding or observation came from: an evidence record or a report sentence."""

    source: str
    sha256: str | None = None
    record: str | None = None
    offset: int | None = None
    text: str | None = None
    # How the observation was derived when it is not what the source says outright:
    # "rule-tag" (a detection rule's ATT&CK tag), "flagged-event" (a value found in an event a rule
    # flagged: context, not a vetted indicator).
    method: str | None = None

    def __post_init__(self) -> None:
        # A partner's MISP comment or a damaged case can put a number or a list here: it is text.
        for key in ("source", "sha256", "record", "text", "method"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                object.__setattr__(self, key, str(value))

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        return cls(
            source=str(data["source"]),
            sha256=data.get("sha256"),
            record=None if data.get("record") is None else str(data["record"]),
            offset=data.get("offset"),
            text=data.get("text"),
            method=data.get("method"),
        )


def view_text(view: dict[str, Any] | None) -> str:
    """A KB view as words: ``full knowledge base`` or ``without campaign C0038; report ...``."""
    view = view or {}
    parts = [
        f"{label} {', '.join(map(str, view.get(key) or []))}"
        for key, label in (
            ("without_campaigns", "campaign"),
            ("without_citations", "report"),
            ("without_actors", "actor"),
            ("without_sources", "the links of"),
        )
        if view.get(key)
    ]
    return "without " + "; ".join(parts) if parts else "the full knowledge base"


@dataclass(frozen=True)
class Finding:
    """One detection hit pointing back at the event that caused it."""

    rule_id: str
    title: str
    level: str
    techniques: tuple[str, ...]
    time: str | None
    host: str | None
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["techniques"] = list(self.techniques)
        data["provenance"] = self.provenance.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule_id=str(data["rule_id"]),
            title=str(data["title"]),
            level=str(data.get("level", "informational")),
            techniques=tuple(data.get("techniques", ())),
            time=data.get("time"),
            host=data.get("host"),
            provenance=Provenance.from_dict(data["provenance"]),
        )


@dataclass(frozen=True)
class Observation:
    """One piece of attribution evidence with its provenance."""

    kind: ObservationKind
    value: str
    subtype: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    phase: str | None = None
    host: str | None = None
    confidence: float = 1.0
    provenance: Provenance | None = None

    def __post_init__(self) -> None:
        """What a library caller can get wrong is refused here, as a case file's loader refuses it."""
        if not isinstance(self.kind, ObservationKind):  # "technique": the enum's own text is fine
            object.__setattr__(self, "kind", _member(ObservationKind, self.kind, "observation kind"))
        if isinstance(self.value, int | float) and not isinstance(self.value, bool):
            object.__setattr__(self, "value", str(self.value))
        if not isinstance(self.value, str):
            raise CaseError(f"an observation's value is text, not {self.value!r}")
        for key in ("subtype", "first_seen", "last_seen", "phase", "host"):
            # A number is its text (host 10, phase 2); a list or a mapping is no label.
            field_value = getattr(self, key)
            if isinstance(field_value, int | float) and not isinstance(field_value, bool):
                object.__setattr__(self, key, str(field_value))
            elif field_value is not None and not isinstance(field_value, str):
                raise CaseError(
                    f"an observation's {key} is text, not {type(field_value).__name__} {field_value!r:.60}"
                )
        c = self.confidence
        if isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c) or not 0 <= c <= 1:
            raise CaseError(f"an observation's confidence is a number from 0 to 1, not {c!r}")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value, "value": self.value}
        for key in ("subtype", "first_seen", "last_seen", "phase", "host"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data["confidence"] = self.confidence
        if self.provenance is not None:
            data["provenance"] = self.provenance.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Observation:
        prov = data.get("provenance")
        return cls(
            kind=data["kind"],
            value=data["value"],
            subtype=data.get("subtype"),
            first_seen=data.get("first_seen"),
            last_seen=data.get("last_seen"),
            phase=data.get("phase"),
            host=data.get("host"),
            confidence=data.get("confidence", 1.0),
            provenance=Provenance.from_dict(prov) if prov else None,
        )


@dataclass
class Case:
    """An investigation: its evidence manifest, findings, observations and notes."""

    id: str
    title: str
    tlp: Tlp = Tlp.AMBER
    evidence: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.tlp, Tlp):  # "red": the label's own text is fine
            self.tlp = Tlp.parse(self.tlp)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "tlp": self.tlp.value,
            "evidence": dict(self.evidence),
            "findings": [f.to_dict() for f in self.findings],
            "observations": [o.to_dict() for o in self.observations],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        notes = data.get("notes") or []
        return cls(
            id=str(data["id"]),
            title=str(data.get("title", data["id"])),
            tlp=data.get("tlp", Tlp.AMBER.value),
            evidence=dict(data.get("evidence", {})),
            findings=_records(Finding.from_dict, data.get("findings", []), "findings"),
            observations=_records(Observation.from_dict, data.get("observations", []), "observations"),
            notes=[notes] if isinstance(notes, str) else list(notes),  # one note is not its letters
        )


def _records(read: Callable[[dict[str, Any]], _R], records: Any, where: str) -> list[_R]:
    """Each record read, or an error that says which one ("observations[3]: ...")."""
    if not isinstance(records, list):
        raise CaseError(f"{where} is a list of records, not {type(records).__name__}")
    out = []
    for number, record in enumerate(records):
        if not isinstance(record, dict):
            raise CaseError(f"{where}[{number}] is a record (a mapping), not {type(record).__name__}")
        try:
            out.append(read(record))
        except KeyError as exc:
            raise CaseError(f"{where}[{number}] has no {exc} field") from None
        except CaseError as exc:
            raise CaseError(f"{where}[{number}]: {exc.message}") from None
    return out


@dataclass(frozen=True)
class SponsorClaim:
    """One source's claim about the state behind (or the country of origin of) an actor."""

    state: str
    source: str
    basis: str
    confidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SponsorClaim:
        return cls(
            state=str(data["state"]),
            source=str(data["source"]),
            basis=str(data["basis"]),
            confidence=data.get("confidence"),
        )


@dataclass
class Actor:
    """One canonical threat group, merged across sources, as the KB profiles it.

    ``techniques``, ``software`` and ``cves`` map an ATT&CK id (or CVE id) to the
    number of independent reports (distinct citations) that support the link in
    the current KB view.
    """

    id: str
    name: str
    names: dict[str, list[str]]
    attack_id: str | None = None
    sponsor: str | None = None
    sponsor_confidence: str | None = None
    sponsor_claims: list[SponsorClaim] = field(default_factory=list)
    motivations: list[str] = field(default_factory=list)
    techniques: dict[str, int] = field(default_factory=dict)
    software: dict[str, int] = field(default_factory=dict)
    campaigns: list[str] = field(default_factory=list)
    infrastructure: list[str] = field(default_factory=list)
    cves: dict[str, int] = field(default_factory=dict)
    victim_countries: dict[str, list[str]] = field(default_factory=dict)
    victim_sectors: dict[str, list[str]] = field(default_factory=dict)
    active_years: tuple[int, int] | None = None
    related: list[tuple[str, str]] = field(default_factory=list)
    merge_reasons: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def all_names(self) -> list[str]:
        """Every name of the actor, canonical first, without duplicates."""
        seen: dict[str, None] = {self.name: None}
        for names in self.names.values():
            for name in names:
                seen.setdefault(name, None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sponsor_claims"] = [c.to_dict() for c in self.sponsor_claims]
        data["active_years"] = list(self.active_years) if self.active_years else None
        data["related"] = [{"actor": a, "relation": r} for a, r in self.related]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        years = data.get("active_years")
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            names={k: list(v) for k, v in data.get("names", {}).items()},
            attack_id=data.get("attack_id"),
            sponsor=data.get("sponsor"),
            sponsor_confidence=data.get("sponsor_confidence"),
            sponsor_claims=[SponsorClaim.from_dict(c) for c in data.get("sponsor_claims", [])],
            motivations=list(data.get("motivations", [])),
            techniques=dict(data.get("techniques", {})),
            software=dict(data.get("software", {})),
            campaigns=list(data.get("campaigns", [])),
            infrastructure=list(data.get("infrastructure", [])),
            cves=dict(data.get("cves", {})),
            victim_countries={k: list(v) for k, v in data.get("victim_countries", {}).items()},
            victim_sectors={k: list(v) for k, v in data.get("victim_sectors", {}).items()},
            active_years=(int(years[0]), int(years[1])) if years else None,
            related=[(r["actor"], r["relation"]) for r in data.get("related", [])],
            merge_reasons=list(data.get("merge_reasons", [])),
            description=str(data.get("description", "")),
        )


def _weaker(data: dict[str, Any], side: str) -> tuple[int, float]:
    found = data.get("weaker_evidence", {}).get(side, {})
    return int(found.get("items", 0)), float(found.get("weight", 0.0))


@dataclass(frozen=True)
class Hypothesis:
    """One candidate answer: an actor, a state, a new cluster, or unknown.

    ``kind`` is ``actor``, ``unknown`` (a group the KB does not know: a new
    activity cluster), ``other`` (the remaining known actors, summed), ``state``,
    ``none`` (no state: criminal) or ``unknown-state``.
    """

    id: str
    label: str
    probability: float
    likelihood: str
    confidence: ConfidenceLevel
    evidence_for: tuple[tuple[str, float], ...] = ()
    evidence_against: tuple[tuple[str, float], ...] = ()
    kind: str = "actor"
    names: tuple[str, ...] = ()
    # Items that lean only a little (or beyond the ten listed): (how many, summed weight).
    weaker_for: tuple[int, float] = (0, 0.0)
    weaker_against: tuple[int, float] = (0, 0.0)
    # Of the whole incident taken as one actor's work when its parts point to different actors (or,
    # for a state, to groups of different states): a reading the parts deny, given no likelihood
    # word in the views (``likelihood`` keeps the term of the probability).
    denied: bool = False

    @property
    def supported(self) -> bool:
        """Whether any item of the evidence speaks for this hypothesis."""
        return bool(self.evidence_for) or self.weaker_for[0] > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "names": list(self.names),
            "probability": self.probability,
            "likelihood": self.likelihood,
            "denied": self.denied,
            "confidence": self.confidence.value,
            "evidence_for": [{"evidence": e, "weight": w} for e, w in self.evidence_for],
            "evidence_against": [{"evidence": e, "weight": w} for e, w in self.evidence_against],
            "weaker_evidence": {
                "for": {"items": self.weaker_for[0], "weight": self.weaker_for[1]},
                "against": {"items": self.weaker_against[0], "weight": self.weaker_against[1]},
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hypothesis:
        return cls(
            id=str(data["id"]),
            label=str(data["label"]),
            probability=float(data["probability"]),
            likelihood=str(data["likelihood"]),
            confidence=ConfidenceLevel(data["confidence"]),
            evidence_for=tuple((e["evidence"], float(e["weight"])) for e in data.get("evidence_for", [])),
            evidence_against=tuple(
                (e["evidence"], float(e["weight"])) for e in data.get("evidence_against", [])
            ),
            kind=str(data.get("kind", "actor")),
            names=tuple(data.get("names", ())),
            weaker_for=_weaker(data, "for"),
            weaker_against=_weaker(data, "against"),
            denied=bool(data.get("denied", False)),
        )


@dataclass
class Assessment:
    """The answer of the attribution engine for one case."""

    case_id: str
    groups: list[Hypothesis] = field(default_factory=list)
    sponsors: list[Hypothesis] = field(default_factory=list)
    phases: dict[str, list[Hypothesis]] = field(default_factory=dict)
    ach: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    tlp: Tlp = Tlp.AMBER  # the case's label: an assessment is shared no wider than its evidence
    # The parts point to different actors: groups and sponsors are the whole incident taken as one
    # actor's work, a reading the parts deny.
    split: bool = False
    # The actors a false-flag warning says an item points to (id -> name): columns of the ACH
    # matrix that a view showing only the leading ones must show too.
    flagged: dict[str, str] = field(default_factory=dict)
    # The actors the case compares its artifacts with (``similarity:``; id -> name): columns of the
    # ACH matrix too, whatever their rank.
    compared: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "tlp": self.tlp.value,
            "summary": self.summary,
            "split": self.split,
            "groups": [h.to_dict() for h in self.groups],
            # "state" names the sponsor the way the JSON shape does; "id" is the same value.
            "sponsors": [{"state": h.id, **h.to_dict()} for h in self.sponsors],
            "phases": {p: [h.to_dict() for h in hs] for p, hs in self.phases.items()},
            "ach": list(self.ach),
            "flagged": dict(self.flagged),
            "compared": dict(self.compared),
            "warnings": list(self.warnings),
            "unresolved": list(self.unresolved),
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Assessment:
        return cls(
            case_id=str(data["case_id"]),
            groups=[Hypothesis.from_dict(h) for h in data.get("groups", [])],
            sponsors=[Hypothesis.from_dict(h) for h in data.get("sponsors", [])],
            phases={p: [Hypothesis.from_dict(h) for h in hs] for p, hs in data.get("phases", {}).items()},
            ach=list(data.get("ach", [])),
            warnings=list(data.get("warnings", [])),
            provenance=dict(data.get("provenance", {})),
            unresolved=list(data.get("unresolved", [])),
            split=bool(data.get("split", False)),
            flagged={str(k): str(v) for k, v in data.get("flagged", {}).items()},
            compared={str(k): str(v) for k, v in data.get("compared", {}).items()},
            summary=str(data.get("summary", "")),
            tlp=Tlp.parse(str(data.get("tlp", Tlp.AMBER.value))),
        )
