"""Hands-On ML (2nd ed.) chapter 15's WaveNet: a stack of causal dilated convolutions."""
from __future__ import annotations

from typing import Sequence

from torch import nn

from ..layers import Conv1D, receptive_field


class SimpleWaveNet(nn.Sequential):
    """Causal Conv1D(filters, k=2, relu) for each dilation, then Conv1D(outputs, k=1): (N, L, C) -> (N, L, outputs).

    The book's model (``filters=20``, dilations (1, 2, 4, 8) x 2, ``outputs=10``) forecasts the next ten
    values at every step; its receptive field is 31 steps.
    """

    def __init__(self, in_channels: int = 1, filters: int = 20, dilations: Sequence[int] = (1, 2, 4, 8) * 2,
                 outputs: int = 10, kernel_size: int = 2, **conv_options):
        layers, channels = [], in_channels
        for d in dilations:
            layers.append(Conv1D(channels, filters, kernel_size, padding="causal", dilation_rate=d, activation="relu",
                                 **conv_options))
            channels = filters
        layers.append(Conv1D(channels, outputs, 1, **conv_options))
        super().__init__(*layers)

    @property
    def receptive_field(self) -> int:
        return receptive_field(self)
