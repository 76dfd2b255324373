"""unmask: investigate a cyberattack and attribute it, with calibrated, explained confidence."""

__version__ = "0.1.0"

__all__ = ["__version__"]
