"""The attribution signals, one module each, registered by name in :data:`SIGNALS`."""

from unmask.attribute.signals import cve, indicator, similarity, software, technique, victim
from unmask.attribute.signals.base import SIGNALS, Signal, SignalContext, register

__all__ = [
    "SIGNALS",
    "Signal",
    "SignalContext",
    "cve",
    "indicator",
    "register",
    "similarity",
    "software",
    "technique",
    "victim",
]
