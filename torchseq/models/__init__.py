"""Reference models of the seeds, built from torchseq parts."""
from . import dlwp, handson_ml, stock_lecture
from .forecasters import SeriesForecaster
from .simple_wavenet import SimpleWaveNet
from .wavenet import ResidualBlock, WaveNet

__all__ = ["handson_ml", "dlwp", "stock_lecture", "SeriesForecaster", "SimpleWaveNet", "WaveNet", "ResidualBlock"]
