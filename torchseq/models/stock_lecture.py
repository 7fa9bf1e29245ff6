"""The RNN lecture's stock-price forecasters: windows of ``look_back = 7`` scaled prices -> the price six steps
after the window. ``torchseq reproduce stocks`` trains them with the lecture's settings."""
from __future__ import annotations

from torch import nn

from ..layers import GRU, LSTM, Conv1D, Dense, MaxPool1D


def stock_lstm(look_back: int = 7) -> nn.Module:
    """LSTM(32, dropout 0.1, recurrent_dropout 0.1) -> Dense(1)."""
    return nn.Sequential(LSTM(1, 32, dropout=0.1, recurrent_dropout=0.1), Dense(32, 1))


def stock_gru(look_back: int = 7) -> nn.Module:
    """GRU(32, dropout 0.1, recurrent_dropout 0.1) -> Dense(1)."""
    return nn.Sequential(GRU(1, 32, dropout=0.1, recurrent_dropout=0.1), Dense(32, 1))


def stock_conv1d(look_back: int = 7) -> nn.Module:
    """Conv1D(64, 5, relu) -> MaxPooling1D(2) -> Dense(1), then Flatten: on (7, 1) the convolution gives (3, 64)
    (384 parameters), the pooling (1, 64), the Dense (1, 1) -> (N, 1)."""
    return nn.Sequential(Conv1D(1, 64, 5, activation="relu"), MaxPool1D(2), Dense(64, 1), nn.Flatten())
