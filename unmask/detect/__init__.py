"""Detect: rules over events to findings (Sigma compiled to SQL, run by an engine)."""
