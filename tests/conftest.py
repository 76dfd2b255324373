"""Shared fixtures: every test gets its own UNMASK_HOME and writes its own sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources import write_sources
from unmask.knowledge.install import install_kb
from unmask.knowledge.store import KnowledgeBase


@pytest.fixture(autouse=True)
def unmask_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("UNMASK_HOME", str(home))
    return home


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    src.mkdir()
    return write_sources(src)


@pytest.fixture
def sources_kb(sources: tuple[Path, Path]) -> KnowledgeBase:
    """The KB installed from the fixture sources (ATT&CK + MISP, whose names sometimes disagree)."""
    bundle, galaxies = sources
    result = install_kb(str(bundle), galaxies_dir=galaxies)
    assert result.kb is not None
    return result.kb


@pytest.fixture
def kb(sources_kb: KnowledgeBase) -> KnowledgeBase:
    return sources_kb
