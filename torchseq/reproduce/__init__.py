"""``torchseq reproduce NAME``: the books' result tables rerun with torchseq (see docs/RESULTS.md).

geron15 (Hands-On ML ch. 15, synthetic series), chollet-imdb and chollet-jena (Deep Learning with Python ch. 6),
stocks (the RNN lecture's daily prices). Each module has a settings dataclass whose defaults are the book's, a
``quick_run`` for smoke runs, and ``run`` returning :class:`~torchseq.reproduce.report.Result` rows.
"""
from .report import Result, markdown

NAMES = ("geron15", "chollet-imdb", "chollet-jena", "stocks")

__all__ = ["NAMES", "Result", "markdown"]
