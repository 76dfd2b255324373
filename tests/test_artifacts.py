"""Values found in flagged events: the most often seen kept, in bounded memory."""

from __future__ import annotations

import pytest

from unmask.detect import artifacts
from unmask.detect.artifacts import Artifact, artifact_observations
from unmask.model import Provenance


def test_the_most_often_seen_values_survive_many_distinct_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(artifacts, "TRACKED_ARTIFACTS", 100)
    prov = Provenance(source="e.evtx", record="1")
    common = Artifact("ip", "185.220.101.7")
    items = []
    for n in range(5_000):  # every event its own hash, and one address in every tenth event
        items.append((Artifact("sha256", f"{n:064x}"), "2024-01-01T00:00:00Z", "pc", 0.7, prov, "rule"))
        if n % 10 == 0:
            items.append((common, "2024-01-01T00:00:00Z", "pc", 0.7, prov, "rule"))
    observations = artifact_observations(iter(items))
    assert observations[0].value == "185.220.101.7"
    assert len(observations) <= artifacts.MAX_ARTIFACTS


def test_each_kind_keeps_its_own_share_and_what_was_dropped_is_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(artifacts, "MAX_ARTIFACTS", 10)
    prov = Provenance(source="e.evtx", record="1")
    items = []
    for n in range(300):  # many hashes seen twice each, a few addresses seen once
        digest = Artifact("sha256", f"{n:064x}")
        items += [(digest, "2024-01-01T00:00:00Z", "pc", 0.7, prov, "rule")] * 2
        if n % 20 == 0:
            items.append(
                (Artifact("ip", f"185.220.101.{n // 20}"), "2024-01-01T00:00:00Z", "pc", 0.7, prov, "r")
            )
    counts: dict[str, artifacts.ArtifactCount] = {}
    observations = artifact_observations(iter(items), counts)
    kinds = [o.subtype for o in observations]
    assert kinds.count("sha256") == 10 and kinds.count("ip") == 10  # the cap is per kind
    assert (counts["sha256"].found, counts["sha256"].kept) == (300, 10)
    assert (counts["ip"].found, counts["ip"].kept, counts["ip"].approximate) == (15, 10, False)
    note = artifacts.capped_note(counts)
    assert note is not None and "10 of 300 sha256; 10 of 15 ip" in note
    assert artifacts.capped_note({"ip": artifacts.ArtifactCount(3, 3)}) is None
