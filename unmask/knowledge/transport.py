"""How the knowledge base reaches the network: swappable, so tests never do.

Two kinds of fetch are needed: a URL (MITRE's release, or the user's ``--from
URL``) and a wheel from the Python package index (the fallback copy of the
ATT&CK bundle).  Each is a small protocol with a real implementation here; tests
pass fakes.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from unmask.errors import DownloadError

__all__ = ["PipWheelFetcher", "Transport", "UrllibTransport", "WheelFetcher"]

_MAX_DOWNLOAD = 512 * 1024 * 1024


class Transport(Protocol):
    """Fetches the bytes at a URL or raises :class:`DownloadError`."""

    def fetch(self, url: str, timeout: float) -> bytes: ...


class WheelFetcher(Protocol):
    """Downloads one wheel (without installing it) into ``dest``; returns its path."""

    def fetch_wheel(self, requirement: str, dest: Path, timeout: float) -> Path: ...


class UrllibTransport:
    """The standard-library HTTP(S) client, with a size cap."""

    def fetch(self, url: str, timeout: float) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise DownloadError(f"unsupported URL scheme: {url}")
        # The scheme is checked above: no file:// or custom schemes reach urlopen.
        request = urllib.request.Request(url, headers={"User-Agent": "unmask"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                data: bytes = response.read(_MAX_DOWNLOAD + 1)
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DownloadError(f"cannot download {url}: {reason}") from None
        if len(data) > _MAX_DOWNLOAD:
            raise DownloadError(f"{url} is larger than {_MAX_DOWNLOAD // 2**20} MiB; refusing it")
        return data


class PipWheelFetcher:
    """Runs ``pip download --no-deps --only-binary :all:`` for one requirement."""

    def __init__(self, python_version: str = "3.12") -> None:
        self.python_version = python_version

    def fetch_wheel(self, requirement: str, dest: Path, timeout: float) -> Path:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
            "--python-version", self.python_version, "--only-binary", ":all:",
            "--dest", str(dest), requirement,
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DownloadError(f"pip download {requirement} failed: {exc}") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise DownloadError(f"pip download {requirement} failed: {last}")
        wheels = sorted(dest.glob("*.whl"))
        if not wheels:
            raise DownloadError(f"pip download {requirement} produced no wheel")
        return wheels[0]
