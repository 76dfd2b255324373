import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from tests.sources import attack_bundle
from unmask.errors import DownloadError, SourceError
from unmask.knowledge import install as install_module
from unmask.knowledge.home import kb_path, sources_dir
from unmask.knowledge.install import WHEEL_MEMBER, install_kb
from unmask.knowledge.store import content_sha256, load_kb, save_kb_document

BUNDLE = json.dumps(attack_bundle()).encode()
BUNDLE_SHA = hashlib.sha256(BUNDLE).hexdigest()


class FakeTransport:
    """Serves URLs from a dict; everything else fails as an offline machine would."""

    def __init__(self, pages: dict[str, bytes] | None = None) -> None:
        self.pages = pages or {}
        self.asked: list[str] = []

    def fetch(self, url: str, timeout: float) -> bytes:
        self.asked.append(url)
        if url in self.pages:
            return self.pages[url]
        raise DownloadError(f"cannot download {url}: offline")


class FakeWheels:
    def __init__(self, member: bytes | None) -> None:
        self.member = member
        self.calls = 0

    def fetch_wheel(self, requirement: str, dest: Path, timeout: float) -> Path:
        self.calls += 1
        if self.member is None:
            raise DownloadError(f"pip download {requirement} failed: offline")
        wheel = dest / "mitre_mcp_server-0.1.2-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(WHEEL_MEMBER, self.member)
            archive.writestr("../../evil.txt", b"never extracted")
        return wheel


@pytest.fixture
def pinned_to_tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the tiny bundle the 'official' pinned release for these tests."""
    monkeypatch.setattr(install_module, "ATTACK_SHA256", BUNDLE_SHA)


def test_official_release_is_tried_first(pinned_to_tiny: None, sources: tuple[Path, Path]) -> None:
    transport = FakeTransport({install_module.OFFICIAL_URL: BUNDLE})
    wheels = FakeWheels(None)
    result = install_kb(transport=transport, wheel_fetcher=wheels, galaxies_dir=sources[1])
    assert result.origin.startswith("MITRE release")
    assert wheels.calls == 0
    assert result.kb is not None and result.kb.actor("OilRig").id == "G0049"


def test_falls_back_to_the_wheel_and_caches_it(pinned_to_tiny: None, sources: tuple[Path, Path]) -> None:
    transport = FakeTransport()
    wheels = FakeWheels(BUNDLE)
    result = install_kb(transport=transport, wheel_fetcher=wheels, galaxies_dir=sources[1])
    assert result.origin.startswith("PyPI wheel")
    assert "offline" in result.attempts[0]
    assert (sources_dir() / "enterprise-attack-18.1.json").read_bytes() == BUNDLE
    # A second install needs no network at all.
    again = install_kb(transport=FakeTransport(), wheel_fetcher=FakeWheels(None), galaxies_dir=sources[1])
    assert again.attempts[0].startswith("cached copy")


def test_wrong_hash_everywhere_is_refused(pinned_to_tiny: None, sources: tuple[Path, Path]) -> None:
    tampered = BUNDLE.replace(b"OilRig", b"OilRug")
    transport = FakeTransport({install_module.OFFICIAL_URL: tampered})
    with pytest.raises(DownloadError) as info:
        install_kb(transport=transport, wheel_fetcher=FakeWheels(tampered), galaxies_dir=sources[1])
    message = str(info.value)
    assert "is not the official" in message and "--from FILE" in message
    assert not kb_path().exists()


def test_wheel_without_the_member_is_a_download_error(
    pinned_to_tiny: None, sources: tuple[Path, Path]
) -> None:
    class EmptyWheel(FakeWheels):
        def fetch_wheel(self, requirement: str, dest: Path, timeout: float) -> Path:
            wheel = dest / "w.whl"
            with zipfile.ZipFile(wheel, "w") as archive:
                archive.writestr("other.txt", b"")
            return wheel

    with pytest.raises(DownloadError, match="has no mitre_mcp_server"):
        install_kb(transport=FakeTransport(), wheel_fetcher=EmptyWheel(None), galaxies_dir=sources[1])


def test_from_url_uses_the_transport(sources: tuple[Path, Path]) -> None:
    url = "https://example.test/attack.json"
    result = install_kb(url, transport=FakeTransport({url: BUNDLE}), galaxies_dir=sources[1])
    assert result.origin == url


def test_from_file_checks_the_given_hash(sources: tuple[Path, Path]) -> None:
    bundle, folder = sources
    install_kb(str(bundle), sha256=BUNDLE_SHA.upper(), galaxies_dir=folder)
    with pytest.raises(SourceError, match="expected 00"):
        install_kb(str(bundle), sha256="00" * 32, galaxies_dir=folder)


def test_failed_install_leaves_previous_kb_usable(sources: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, folder = sources
    install_kb(str(bundle), galaxies_dir=folder)
    before = kb_path().read_bytes()
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(BUNDLE[: len(BUNDLE) // 2])
    with pytest.raises(SourceError, match="not a JSON document") as info:
        install_kb(str(truncated), galaxies_dir=folder)
    assert str(truncated) in str(info.value)
    with pytest.raises(SourceError, match="file not found"):
        install_kb(str(tmp_path / "missing.json"), galaxies_dir=folder)
    assert kb_path().read_bytes() == before
    assert load_kb().actor("OilRig").id == "G0049"
    assert not [p for p in kb_path().parent.iterdir() if p.name.endswith(".tmp")]


def test_corrupt_wheel_is_a_download_error(pinned_to_tiny: None, sources: tuple[Path, Path]) -> None:
    class BrokenWheel(FakeWheels):
        def fetch_wheel(self, requirement: str, dest: Path, timeout: float) -> Path:
            wheel = dest / "w.whl"
            wheel.write_bytes(b"PK\x03\x04 truncated")
            return wheel

    with pytest.raises(DownloadError, match="not a readable wheel"):
        install_kb(transport=FakeTransport(), wheel_fetcher=BrokenWheel(None), galaxies_dir=sources[1])


def test_unofficial_copy_of_the_pinned_version_is_noted(sources: tuple[Path, Path], tmp_path: Path) -> None:
    bundle = attack_bundle()
    bundle["objects"][0]["x_mitre_version"] = install_module.ATTACK_VERSION
    path = tmp_path / "modified.json"
    path.write_text(json.dumps(bundle))
    result = install_kb(str(path), galaxies_dir=sources[1])
    assert any("is not the official release" in a for a in result.attempts)


def test_the_kb_hash_is_of_its_content_not_its_build_time(sources: tuple[Path, Path]) -> None:
    # The hash an assessment cites must be the same for the same sources on another day or machine.
    bundle, folder = sources
    first = install_kb(str(bundle), galaxies_dir=folder).kb
    assert first is not None
    save_kb_document({**first.document, "built": "2031-01-01T00:00:00+00:00"})
    again = load_kb()
    assert again.document["built"] != first.document["built"]
    assert again.sha256 == first.sha256 == content_sha256(first.document)
    # What the KB says changes the hash.
    assert save_kb_document({**first.document, "intel": [{"actor": "G0049"}]}) != first.sha256


def test_the_kb_hash_does_not_depend_on_where_the_sources_were(
    sources: tuple[Path, Path], tmp_path: Path
) -> None:
    import shutil

    bundle, folder = sources
    copy = tmp_path / "elsewhere" / "attack.json"
    copy.parent.mkdir()
    shutil.copy(bundle, copy)
    first = install_kb(str(bundle), galaxies_dir=folder).kb
    second = install_kb(f"file://{copy}", galaxies_dir=folder).kb
    assert first is not None and second is not None and first.sha256 == second.sha256
    assert second.document["sources"][0]["origin"] == str(copy.resolve())


@pytest.mark.parametrize(
    ("source", "pin", "message"),
    [
        (None, "ab" * 32, "give --from too"),
        ("x.json", "", "64 hex digits"),
        ("x.json", "abc", "64 hex digits"),
    ],
)
def test_a_pin_that_cannot_be_applied_is_an_error(source: str | None, pin: str, message: str) -> None:
    from unmask.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        install_kb(source, sha256=pin)
