"""Cases: the case file format and loading a case from YAML, JSON or a STIX 2.1 bundle."""

from unmask.cases.load import load_case, parse_case

__all__ = ["load_case", "parse_case"]
