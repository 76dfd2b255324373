"""Where unmask keeps its data: ``$UNMASK_HOME`` or the platform's user data directory."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import platformdirs

from unmask.errors import Location, OutputError

__all__ = ["atomic_write", "atomic_writer", "check_writable", "kb_path", "sources_dir", "unmask_home"]


def unmask_home() -> Path:
    """The data directory (``UNMASK_HOME`` overrides the platform default)."""
    configured = os.environ.get("UNMASK_HOME")
    return Path(configured).expanduser() if configured else Path(platformdirs.user_data_dir("unmask"))


def kb_path() -> Path:
    """The compiled knowledge-base file."""
    return unmask_home() / "kb" / "kb.json.gz"


def sources_dir() -> Path:
    """Where verified copies of downloaded sources are cached for offline reinstalls."""
    return unmask_home() / "sources"


def _refuse_non_file(path: Path) -> None:
    if path.is_dir():
        raise OutputError("is a folder; give a file name", Location(path))
    if path.exists() and not path.is_file():
        # A device, FIFO or socket: renaming a file over it would replace it (as root, /dev/null).
        raise OutputError(
            "is not a regular file (a device, FIFO or socket); give a file name", Location(path)
        )


def check_writable(path: Path) -> None:
    """:class:`OutputError` now if ``path`` could not be written later (before a long run)."""
    _refuse_non_file(path)
    folder = path.resolve().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise OutputError("cannot write here: the folder does not exist or is not writable", Location(path))


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one.

    :class:`OutputError` (where and why) when it cannot: a folder in the way, no permission, a full disk.
    """
    with atomic_writer(path) as handle:
        handle.write(data)


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, put in place whole when the block ends.

    For outputs too large to hold in memory (a hunt's findings); as :func:`atomic_write` otherwise.
    """
    if path.is_symlink():
        path = path.resolve()  # write what the link points to, keep the link
    _refuse_non_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", Location(path)) from None
    try:
        Path(tmp).chmod(0o666 & ~_umask())  # as any file the user writes (mkstemp's would be 0600)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write here: {exc.strerror}", Location(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
