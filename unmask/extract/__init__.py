"""Intelligence in: STIX 2.1 bundles (and, later, text reports and MISP events) to observations."""

from unmask.extract.stix import case_from_stix

__all__ = ["case_from_stix"]
