"""The unit of name merging: one group as one source describes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from unmask.model import SponsorClaim

__all__ = ["SOURCE_LABELS", "NameEntry"]

# Sources whose entries are each one group: two entries of the same such source
# are never merged into one actor (that would be a conflict, reported instead).
SOURCE_LABELS = {
    "attack": "ATT&CK",
    "attack-revoked": "ATT&CK (revoked)",
    "misp": "MISP threat-actor",
    "microsoft": "Microsoft",
    "tidal": "Tidal",
    "namesake": "Namesake",  # a family named after one group (knowledge/compile.py)
}


@dataclass
class NameEntry:
    """A group as one source names and describes it.

    ``attack_links`` are ATT&CK group ids the source itself names for this entry;
    ``peer_links`` are ids (UUIDs or STIX UUIDs) of entries the source calls similar.
    """

    source: str
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    attack_links: tuple[str, ...] = ()
    peer_links: tuple[str, ...] = ()
    related: tuple[tuple[str, str], ...] = ()
    sponsor_claims: list[SponsorClaim] = field(default_factory=list)
    motivations: list[str] = field(default_factory=list)
    victim_countries: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    since: int | None = None
    description: str = ""
    cves: tuple[str, ...] = ()  # the vulnerabilities the source's description says it exploited

    @property
    def label(self) -> str:
        """How a person reads this entry: source and name (and id for ATT&CK)."""
        where = SOURCE_LABELS.get(self.source, self.source)
        if self.source.startswith("attack"):
            return f"{where} {self.key} '{self.name}'"
        return f"{where} '{self.name}'"
