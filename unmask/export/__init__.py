"""Sharing formats: ATT&CK Navigator layers, STIX 2.1 bundles, MISP events."""
