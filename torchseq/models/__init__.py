"""Reference models of the seeds, built from torchseq parts."""
from .forecasters import SeriesForecaster

__all__ = ["SeriesForecaster"]
