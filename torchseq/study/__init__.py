"""Instruments for studying how the networks work."""
from .traces import record_internals, trace

__all__ = ["record_internals", "trace"]
