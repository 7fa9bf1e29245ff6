"""How many input steps one output step of a convolutional stack can see."""
from __future__ import annotations

from typing import Iterable

from torch import nn

from .base import RecurrentLayer
from .conv import Conv1D
from .pooling import _Pool1D


def receptive_field(layers: Iterable[nn.Module]) -> int:
    r"""Receptive field of a chain of layers applied one after the other (e.g. an ``nn.Sequential``):

    .. math::
        r = 1 + \sum_l (\text{span}_l - 1) \prod_{i < l} s_i

    where a Conv1D spans d(K-1)+1 steps with stride s, a pool spans its pool size with its stride, and
    modules without parameters (activations, dropout) span 1. Géron's WaveNet stack, kernel 2 with
    dilations (1, 2, 4, 8) x 2: r = 1 + 2 (1 + 2 + 4 + 8) = 31.
    """
    field, jump = 1, 1
    for layer in (layers.children() if isinstance(layers, nn.Module) else layers):
        if isinstance(layer, Conv1D):
            span, stride = layer.span, layer.strides
        elif isinstance(layer, _Pool1D):
            span, stride = layer.pool_size, layer.strides
        elif isinstance(layer, RecurrentLayer):
            raise ValueError(f"{type(layer).__name__} reads the whole past: its receptive field is unbounded")
        elif any(True for _ in layer.parameters()):
            raise ValueError(f"receptive_field does not know how far {type(layer).__name__} looks")
        else:
            continue
        field += (span - 1) * jump
        jump *= stride
    return field
