"""Which positions of a convolutional stack feed one output: the receptive field drawn level by level
(the dilation diagram of WaveNet, van den Oord et al. 2016, fig. 3; Hands-On ML fig. 15-11).

The map is measured, not derived: a float64 copy of the stack with every weight positive runs on a
positive input, and a position counts as seen when the chosen output's gradient with respect to it is
non-zero. With positive weights and inputs no two paths can cancel, so the non-zero pattern is the
structural dependence. Max pools route their gradient to one window position only, so the copy
averages instead (same windows, same strides, same padding). The count at the input level equals
:func:`torchseq.receptive_field` for a causal stack (tested).
"""
from __future__ import annotations

import copy
import numbers
from typing import List, Sequence, Union

import torch
from torch import nn

from .._validate import check_size
from ..layers.pooling import AvgPool1D, MaxPool1D


def receptive_field_map(layers: Union[nn.Sequential, Sequence[nn.Module]], length: int, in_channels: int,
                        position: int = -1) -> List[torch.Tensor]:
    """For the output at ``position`` of the last layer: a bool vector per level -- the input (length,),
    then each layer's output (its own length) -- True where that level feeds the output.

    ``layers`` run one after the other on (1, length, in_channels), batch-first as everywhere in torchseq
    (Conv1D, pools, activations, an ``nn.Sequential`` such as :class:`~torchseq.models.SimpleWaveNet`).
    The last level is True only at ``position``.
    """
    if isinstance(layers, nn.Sequential):
        modules = list(layers.children())
    elif isinstance(layers, (list, tuple, nn.ModuleList)):
        modules = list(layers)
    else:
        modules = []
    if not modules or not all(isinstance(m, nn.Module) for m in modules):
        raise TypeError(f"layers must be an nn.Sequential or a non-empty sequence of modules, got {type(layers).__name__}")
    length, in_channels = check_size("length", length), check_size("in_channels", in_channels)
    probe = nn.Sequential(*(_positive_copy(m) for m in modules))
    x = torch.rand(1, length, in_channels, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) + 0.5
    levels = [x.requires_grad_()]
    if isinstance(position, bool) or not isinstance(position, numbers.Integral):
        raise TypeError(f"position must be an int step of the last layer's output, got {type(position).__name__} "
                        f"{position!r}")
    for module in probe:
        try:
            levels.append(module(levels[-1]))                                           # (1, L_k, C_k) each
        except ValueError as error:
            raise ValueError(f"the layers cannot run on (1, length, in_channels) = {tuple(x.shape)}: {error}") from None
    out = levels[-1]
    if not -out.shape[1] <= position < out.shape[1]:
        raise ValueError(f"position must index the last layer's {out.shape[1]} steps, got {position}")
    grads = torch.autograd.grad(out[0, position].sum(), levels[:-1], allow_unused=True)
    seen = [torch.zeros(level.shape[1], dtype=torch.bool) if g is None else (g[0] != 0).any(dim=-1)
            for level, g in zip(levels, grads)]                                         # (L_k,) each
    last = torch.zeros(out.shape[1], dtype=torch.bool)
    last[position] = True
    return seen + [last]


def _positive_copy(module: nn.Module) -> nn.Module:
    """float64 copy with every parameter in [0.5, 1.5); max pools become average pools."""
    if isinstance(module, MaxPool1D):
        return AvgPool1D(module.pool_size, module.strides, module.padding)
    clone = copy.deepcopy(module).double()
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in clone.parameters():
            p.copy_(torch.rand(p.shape, generator=generator, dtype=p.dtype) + 0.5)
    return clone
