"""Errors raised by unmask.

Every error a user can cause derives from :class:`UnmaskError`; the CLI turns it
into a one-line message and exit code 2, never a traceback.  Errors about a
specific input carry a :class:`Location` so the message says where::

    UnmaskError
     ├── ConfigError            bad settings, unknown names given on the command line
     ├── KnowledgeBaseError     the knowledge base: sources, compile, store
     │    ├── SourceError       an input bundle or galaxy file is missing, corrupt or has the wrong hash
     │    ├── DownloadError     a transport could not fetch a source
     │    ├── NotInstalledError no knowledge base has been installed yet
     │    └── UnknownNameError  an actor, software or technique name that does not resolve
     ├── CaseError              a case file that is malformed, empty or unusable
     ├── IngestError            evidence files (later issues)
     └── RuleError              detection rules (later issues)

Third-party exceptions (json, zipfile, pymispgalaxies, urllib) are translated
into these at the boundary of the module that calls the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CaseError",
    "ConfigError",
    "DownloadError",
    "IngestError",
    "KnowledgeBaseError",
    "Location",
    "NotInstalledError",
    "OutputError",
    "RuleError",
    "SourceError",
    "UnknownNameError",
    "UnmaskError",
]


@dataclass(frozen=True)
class Location:
    """Where in an input something went wrong: a file and optionally a line or record."""

    path: str | Path
    line: int | str | None = None

    def __str__(self) -> str:
        name = str(self.path)
        return name if self.line is None else f"{name}:{self.line}"


class UnmaskError(Exception):
    """Base of every error unmask raises on purpose."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class ConfigError(UnmaskError):
    """Bad settings or command-line values."""


class KnowledgeBaseError(UnmaskError):
    """Anything about building, storing or reading the knowledge base."""


class SourceError(KnowledgeBaseError):
    """A source file (ATT&CK bundle, galaxy) is missing, corrupt, or fails its hash check."""


class DownloadError(KnowledgeBaseError):
    """A transport could not fetch a source."""


class NotInstalledError(KnowledgeBaseError):
    """No knowledge base is installed where unmask looks for it."""


class UnknownNameError(KnowledgeBaseError):
    """A name that does not resolve; carries the closest known names."""

    def __init__(self, kind: str, name: str, suggestions: list[str], why: str | None = None) -> None:
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        shown = name if len(name) <= 120 else f"{name[:100]}… ({len(name)} characters)"
        super().__init__(f"unknown {kind} {shown!r}{': ' + why if why else ''}{hint}")
        self.kind = kind
        self.name = name
        self.suggestions = suggestions
        self.why = why


class CaseError(UnmaskError):
    """A case file that cannot be used: malformed, invalid against the schema, or empty."""


class IngestError(UnmaskError):
    """An evidence file that cannot be read."""


class RuleError(UnmaskError):
    """A detection rule that cannot be loaded or compiled."""


class OutputError(UnmaskError):
    """An output (report, export, case folder) that cannot be written where it was asked for."""
