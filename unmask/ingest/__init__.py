"""Ingest: evidence files in, one Parquet dataset of events per case out.

Formats are parsers registered by name (:data:`PARSERS`); importing this package
registers them all.  See :func:`ingest`.
"""

from unmask.ingest import auditd, csvlog, evtx, jsonlog, syslog, weblog, winexport, zeek  # noqa: F401  (registration)
from unmask.ingest.base import COMMON_COLUMNS, PARSERS, Problem, Problems, parser
from unmask.ingest.run import FileResult, IngestReport, discover, ingest, sniff

__all__ = [
    "COMMON_COLUMNS",
    "PARSERS",
    "FileResult",
    "IngestReport",
    "Problem",
    "Problems",
    "discover",
    "ingest",
    "parser",
    "sniff",
]
