"""Infrastructure and file artifacts of the events that rules flagged, as observations.

A rule hit on a network connection, a DNS query or a process start says more than its
technique: the remote address, the name looked up, the hashes of the image.  For every
finding at the chosen level, the event's artifact fields are read back and kept when they
could identify an adversary: global IP addresses (not private, loopback or reserved), domain
names with a public-looking suffix, well-formed hashes.  Each distinct value becomes one
observation with the first and last time seen and the first event as provenance.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from unmask.model import Observation, ObservationKind, Provenance

__all__ = [
    "ARTIFACT_FIELDS",
    "CONTEXT_METHODS",
    "FLAGGED_EVENT",
    "MAX_ARTIFACTS",
    "NOT_FOR_DETECTION",
    "Artifact",
    "ArtifactCount",
    "artifact_observations",
    "artifacts_of",
    "capped_note",
    "is_context",
]

MAX_ARTIFACTS = 500
# Distinct values counted at once (artifact_observations); 1.7 million findings, each event with
# its own hash, took a hunt from 400 MB to 1.7 GB.
TRACKED_ARTIFACTS = 100_000

# family -> field -> what it holds
ARTIFACT_FIELDS: dict[str, dict[str, str]] = {
    "windows": {
        "DestinationIp": "ip",
        "DestinationHostname": "domain",
        "QueryName": "domain",
        "Hashes": "hashes",
        "Hash": "hashes",
        "ImageLoadedHashes": "hashes",
    },
    # Elastic's endpoint events on Linux hosts, under Sysmon's names (ingest/ecs.py).
    "linux": {
        "DestinationIp": "ip",
        "DestinationHostname": "domain",
        "QueryName": "domain",
        "Hashes": "hashes",
    },
    # A web server's log: the client of a flagged request (the server is the victim's own); a
    # proxy's (its _log "proxy"): the server the client reached, by name and address.
    "web": {"_log": "log", "c-ip": "client-ip", "cs-host": "server", "r-ip": "server-ip"},
    # Cloud and identity audit logs: the address a flagged call came from (CloudTrail, Okta).
    "generic": {"sourceIPAddress": "ip", "client.ipAddress": "ip"},
    "zeek": {
        "id.resp_h": "ip",
        "query": "domain",
        "host": "domain",
        "server_name": "domain",
        "sha256": "sha256",
        "sha1": "sha1",
        "md5": "md5",
    },
}

_HEX = {"md5": 32, "sha1": 40, "sha256": 64, "imphash": 32}
_HASH_PART = re.compile(r"(MD5|SHA1|SHA256|IMPHASH)=([0-9A-Fa-f]+)")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$")
_LOCAL_SUFFIXES = (
    ".local",
    ".localdomain",
    ".lan",
    ".internal",
    ".arpa",
    ".home",
    ".corp",
    ".test",
    ".invalid",
)


@dataclass(frozen=True)
class Artifact:
    subtype: str  # ip, domain, sha256, sha1, md5, imphash
    value: str

    @property
    def kind(self) -> ObservationKind:
        return ObservationKind.INFRASTRUCTURE if self.subtype in ("ip", "domain") else ObservationKind.FILE


def _ip(text: str) -> Artifact | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    return Artifact("ip", str(address)) if address.is_global else None


def _domain(text: str) -> Artifact | None:
    name = text.strip().rstrip(".").lower()
    if _ip(name) is not None or not _DOMAIN.match(name) or name.endswith(_LOCAL_SUFFIXES):
        return None
    return Artifact("domain", name)


def _hash(subtype: str, text: str) -> Artifact | None:
    value = text.strip().lower()
    if len(value) != _HEX[subtype] or not re.fullmatch(r"[0-9a-f]+", value) or set(value) == {"0"}:
        return None
    return Artifact(subtype, value)


def artifacts_of(values: dict[str, str | None], fields: dict[str, str]) -> list[Artifact]:
    """The artifacts in one event's field values."""
    found: list[Artifact] = []
    proxy = values.get("_log") == "proxy"
    for name, what in fields.items():
        text = values.get(name)
        if not text or what == "log":
            continue
        if what in ("client-ip", "server", "server-ip") and (what == "client-ip") == proxy:
            continue  # a web server's client; a proxy's destination
        if what == "server":
            item = _ip(text) or _domain(text)
            found.extend([item] if item else [])
        elif what in ("ip", "client-ip", "server-ip"):
            item = _ip(text)
            found.extend([item] if item else [])
        elif what == "domain":
            item = _domain(text)
            found.extend([item] if item else [])
        elif what == "hashes":
            # One file, one observation: the strongest hash Sysmon gives (SHA256 > SHA1 > MD5 > IMPHASH).
            digests = {algorithm.lower(): digest for algorithm, digest in _HASH_PART.findall(text)}
            for algorithm in ("sha256", "sha1", "md5", "imphash"):
                item = _hash(algorithm, digests[algorithm]) if algorithm in digests else None
                if item:
                    found.append(item)
                    break
        else:
            item = _hash(what, text)
            found.extend([item] if item else [])
    return found


@dataclass
class _Seen:
    count: int = 0
    first: str | None = None
    last: str | None = None
    hosts: set[str] = field(default_factory=set)
    confidence: float = 0.0
    provenance: Provenance | None = None
    rules: set[str] = field(default_factory=set)


# The provenance method of a value found in an event a rule flagged: the hash of powershell.exe
# that a suspicious command ran in is context for the analyst, not an indicator to share.
FLAGGED_EVENT = "flagged-event"
# The provenance method of a MISP attribute its author marked not for detection (``to_ids`` off).
NOT_FOR_DETECTION = "not-for-detection"
# Values shared as context, never as indicators (exports) nor added to an actor's intelligence.
CONTEXT_METHODS = frozenset({FLAGGED_EVENT, NOT_FOR_DETECTION})


def is_context(obs: Observation) -> bool:
    """A value found in an event a rule flagged (a program's hash, an address in a log line), or
    one its source marked not for detection (MISP ``to_ids`` off): shared as context, never as an
    indicator to detect or block on, nor added to an actor's intelligence."""
    return obs.provenance is not None and obs.provenance.method in CONTEXT_METHODS


@dataclass
class ArtifactCount:
    """How many distinct values of one kind the flagged events held, and how many were kept."""

    found: int = 0
    kept: int = 0
    approximate: bool = False  # values were dropped while counting (bounded memory): about ``found``

    def to_dict(self) -> dict[str, int | bool]:
        return {"found": self.found, "kept": self.kept, "approximate": self.approximate}


def capped_note(counts: dict[str, ArtifactCount]) -> str | None:
    """What the per-kind cap left out ("500 of about 148,786 ip"), or None when nothing was."""
    capped = [
        f"{c.kept:,} of {'about ' if c.approximate else ''}{c.found:,} {kind}"
        for kind, c in counts.items()
        if c.kept < c.found
    ]
    if not capped:
        return None
    return (
        "values of flagged events kept as observations, the most often seen first: "
        + "; ".join(capped)
        + f" (at most {MAX_ARTIFACTS:,} of each kind; `unmask findings` lists every flagged event)"
    )


def artifact_observations(
    items: Iterable[tuple[Artifact, str | None, str | None, float, Provenance, str]],
    counts: dict[str, ArtifactCount] | None = None,
) -> list[Observation]:
    """Observations from (artifact, time, host, confidence, provenance, rule title) items.

    At most :data:`MAX_ARTIFACTS` of each kind (addresses, names, each hash), the most often
    seen first: a million flagged events with a hash each do not crowd out their addresses.
    ``counts`` (if given) gets, by kind, how many distinct values there were and how many were
    kept.  Memory is bounded: when more than :data:`TRACKED_ARTIFACTS` distinct values are being
    counted, the half seen least often so far is dropped; a value seen often enough to be kept is
    seen again and counted again (its count can then be low by what was dropped, and the number
    of distinct values is then approximate).
    """
    seen: dict[Artifact, _Seen] = {}
    found: dict[str, ArtifactCount] = {} if counts is None else counts
    for artifact, time, host, confidence, provenance, title in items:
        if artifact not in seen:
            count = found.setdefault(artifact.subtype, ArtifactCount())
            count.found += 1
            if len(seen) >= TRACKED_ARTIFACTS:
                kept = sorted(seen.items(), key=lambda kv: -kv[1].count)[: TRACKED_ARTIFACTS // 2]
                seen = dict(kept)
                for other in found.values():
                    other.approximate = True
        entry = seen.setdefault(artifact, _Seen())
        entry.count += 1
        entry.rules.add(title)
        entry.hosts.add(host or "")  # an event without a host could be any host's
        entry.confidence = max(entry.confidence, confidence)
        if time and (entry.first is None or time < entry.first):
            entry.first = time
            entry.provenance = provenance
        if time and (entry.last is None or time > entry.last):
            entry.last = time
        if entry.provenance is None:
            entry.provenance = provenance
    by_kind: dict[str, list[tuple[Artifact, _Seen]]] = {}
    for artifact, entry in sorted(seen.items(), key=lambda kv: (-kv[1].count, kv[0].subtype, kv[0].value)):
        kept_of_kind = by_kind.setdefault(artifact.subtype, [])
        if len(kept_of_kind) < MAX_ARTIFACTS:
            kept_of_kind.append((artifact, entry))
    for kind, kept_of_kind in by_kind.items():
        found[kind].kept = len(kept_of_kind)
    ranked = sorted(
        (pair for kept_of_kind in by_kind.values() for pair in kept_of_kind),
        key=lambda kv: (-kv[1].count, kv[0].subtype, kv[0].value),
    )
    observations = []
    for artifact, entry in ranked:
        assert entry.provenance is not None
        rules = sorted(entry.rules)
        text = (
            f"in {entry.count} flagged event(s) of: "
            + "; ".join(rules[:3])
            + (" …" if len(rules) > 3 else "")
        )
        observations.append(
            Observation(
                kind=artifact.kind,
                value=artifact.value,
                subtype=artifact.subtype,
                first_seen=entry.first,
                last_seen=entry.last,
                host=next(iter(entry.hosts)) or None if len(entry.hosts) == 1 else None,
                confidence=entry.confidence,
                provenance=Provenance(
                    source=entry.provenance.source,
                    sha256=entry.provenance.sha256,
                    record=entry.provenance.record,
                    text=text,
                    method=FLAGGED_EVENT,
                ),
            )
        )
    return observations
