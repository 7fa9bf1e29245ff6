"""Reference models of the seeds, built from torchseq parts."""
from .forecasters import SeriesForecaster
from .simple_wavenet import SimpleWaveNet
from .wavenet import ResidualBlock, WaveNet

__all__ = ["SeriesForecaster", "SimpleWaveNet", "WaveNet", "ResidualBlock"]
