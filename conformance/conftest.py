"""Conformance suites: the real installed KB and the public datasets in ../shared/datasets.

A suite whose data is absent is skipped with "skipped: dataset not found: PATH".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from unmask.errors import NotInstalledError
from unmask.knowledge.store import KnowledgeBase, load_kb

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("UNMASK_DATASETS", ROOT.parent / "shared" / "datasets"))


def dataset(relative: str) -> Path:
    """The path of a shared dataset, or skip the test with a clear message."""
    path = DATASETS / relative
    if not path.exists():
        pytest.skip(f"skipped: dataset not found: {path}")
    return path


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    try:
        return load_kb()
    except NotInstalledError:
        pytest.fail("no knowledge base installed: run 'make kb' (make conformance does it)")
