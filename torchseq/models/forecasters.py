"""The seeds' forecasting model: a recurrent layer read at its last step, then Dense(1)."""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_size
from ..layers.base import RecurrentLayer


class SeriesForecaster(nn.Module):
    """recurrent layer -> Dense(k): ``LSTM(1, 32) -> Linear(32, 1)`` has 4,352 + 33 parameters.

    ``layer`` is any torchseq recurrent layer without ``return_sequences`` (its output (N, H) is the
    last step's); the head maps it to ``outputs`` values, (N, outputs).
    """

    def __init__(self, layer: nn.Module, outputs: int = 1):
        super().__init__()
        if not isinstance(layer, RecurrentLayer):
            hint = (" (for a torch.nn layer, convert it with torchseq.interop.from_torch)"
                    if isinstance(layer, nn.RNNBase) else "")
            raise TypeError(f"layer must be a torchseq recurrent layer, got {type(layer).__name__}{hint}")
        for flag in ("return_sequences", "return_state"):
            if getattr(layer, flag):
                raise ValueError(f"layer must return its last output (N, H) alone: give it {flag}=False")
        self.layer = layer
        self.dense = nn.Linear(layer.output_size, check_size("outputs", outputs), dtype=layer.dtype)

    def forward(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        return self.dense(self.layer(x, lengths=lengths))                            # (N, outputs)
