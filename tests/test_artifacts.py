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
