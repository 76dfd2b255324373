"""Plain records the knowledge base is made of.

The compiled store keeps these, not whole STIX objects: ids, names and the
``uses`` graph with the citations behind each edge, so that profiles can be
recomputed for any evaluation view (campaigns or citations removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "AttackGroup",
    "Campaign",
    "Conflict",
    "Relation",
    "SoftwareRecord",
    "SourceInfo",
    "SourceLink",
    "Technique",
]


# The compiled KB document's schema. Bump when the document changes shape or compile logic
# changes what it holds: an installed KB of another schema is refused and `make kb` reinstalls it.
SCHEMA_VERSION = 29


@dataclass(frozen=True)
class SourceInfo:
    """One input of a KB build: what it is, its version and the SHA-256 of its bytes."""

    name: str
    version: str
    sha256: str
    origin: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256, "origin": self.origin}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceInfo:
        return cls(str(data["name"]), str(data["version"]), str(data["sha256"]), str(data["origin"]))


@dataclass(frozen=True)
class Technique:
    """An ATT&CK technique or sub-technique."""

    id: str
    name: str
    tactics: tuple[str, ...] = ()
    parent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "tactics": list(self.tactics), "parent": self.parent}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Technique:
        return cls(data["id"], data["name"], tuple(data.get("tactics", ())), data.get("parent"))


@dataclass(frozen=True)
class SoftwareRecord:
    """A piece of software: ATT&CK malware or tool, or a Malpedia or Tidal family or tool."""

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        """Where the record comes from: ``attack`` (an ``S`` id) or the prefix of its id
        (``malpedia``, ``tidal``)."""
        prefix, sep, _ = self.id.partition(":")
        return prefix if sep else "attack"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "aliases": list(self.aliases)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SoftwareRecord:
        return cls(data["id"], data["name"], data["kind"], tuple(data.get("aliases", ())))


@dataclass(frozen=True)
class Campaign:
    """An ATT&CK campaign, the groups it is attributed to, and the reports that describe it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    first_seen: str | None = None
    last_seen: str | None = None
    citations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "citations": list(self.citations),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Campaign:
        return cls(
            data["id"],
            data["name"],
            tuple(data.get("aliases", ())),
            data.get("first_seen"),
            data.get("last_seen"),
            tuple(data.get("citations", ())),
        )


@dataclass(frozen=True)
class AttackGroup:
    """An ATT&CK intrusion-set as ATT&CK states it (before merging with other sources)."""

    id: str
    stix_id: str
    name: str
    aliases: tuple[str, ...]
    description: str = ""
    revoked_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "stix_id": self.stix_id,
            "name": self.name,
            "aliases": list(self.aliases),
            "description": self.description,
            "revoked_by": self.revoked_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttackGroup:
        return cls(
            data["id"],
            data["stix_id"],
            data["name"],
            tuple(data.get("aliases", ())),
            data.get("description", ""),
            data.get("revoked_by"),
        )


@dataclass(frozen=True)
class Relation:
    """One edge of the ATT&CK graph between ATT&CK ids, with its citations.

    ``kind`` is the STIX relationship type (``uses``, ``attributed-to``);
    ``cves`` are the CVE ids its procedure description names (an exploited
    vulnerability is stated there, not as an object of its own).
    """

    source: str
    kind: str
    target: str
    citations: tuple[str, ...] = ()
    cves: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceLink:
    """A second source's statement that an actor uses an item (a piece of software by its id, or
    a CVE it exploited), citing no report.

    ATT&CK's links cite the reports they come from, so a view can hold a report out; a link
    from another source (Tidal's software-to-group links, the CVEs a group's description names)
    cannot be traced to one, so a view that holds reports out drops the links to what those
    reports name, and the benchmark leaves these links out altogether
    (``KnowledgeBase.view(without_sources=...)``).
    """

    actor: str
    item: str
    source: str
    report: str

    def to_row(self) -> list[str]:
        return [self.actor, self.item, self.source, self.report]

    @classmethod
    def from_row(cls, row: list[str]) -> SourceLink:
        return cls(row[0], row[1], row[2], row[3])


@dataclass(frozen=True)
class Conflict:
    """A disagreement between (or within) sources that the merge did not resolve silently."""

    kind: str
    subject: str
    parties: tuple[str, ...]
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "parties": list(self.parties),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conflict:
        return cls(data["kind"], data["subject"], tuple(data.get("parties", ())), data.get("detail", ""))
