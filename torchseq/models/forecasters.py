"""The seeds' forecasting model: a recurrent layer read at its last step, then Dense(1)."""
from __future__ import annotations

import torch
from torch import nn


class SeriesForecaster(nn.Module):
    """recurrent layer -> Dense(k): ``LSTM(1, 32) -> Linear(32, 1)`` has 4,352 + 33 parameters.

    ``layer`` is any torchseq recurrent layer without ``return_sequences`` (its output (N, H) is the
    last step's); the head maps it to ``outputs`` values, (N, outputs).
    """

    def __init__(self, layer: nn.Module, outputs: int = 1):
        super().__init__()
        self.layer = layer
        self.dense = nn.Linear(layer.output_size, outputs, dtype=layer.dtype)

    def forward(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        return self.dense(self.layer(x, lengths=lengths))                            # (N, outputs)
