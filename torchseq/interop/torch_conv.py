"""nn.Conv1d and the 1D pools in and out of torchseq, with the same numbers.

torch.nn lays sequences out as (N, C, L), torchseq as (N, L, C): the converted module computes the
same numbers on the transposed input. torch.nn pads symmetrically (an int) or 'same'/'valid'; torchseq
pads 'valid', 'same' (TensorFlow's rule, which needs the input length when strides > 1) or 'causal'.
"""
from __future__ import annotations

import torch
from torch import nn

from ..layers import AvgPool1D, Conv1D, GlobalAvgPool1D, GlobalMaxPool1D, MaxPool1D

CONV_TYPES = (nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d)
OURS = (Conv1D, MaxPool1D, AvgPool1D, GlobalMaxPool1D, GlobalAvgPool1D)
TORCH_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def _conv_padding(m: nn.Conv1d) -> str:
    if isinstance(m.padding, str):
        return m.padding
    p, (k,), (d,), (s,) = m.padding[0], m.kernel_size, m.dilation, m.stride
    if p == 0:
        return "valid"
    if s == 1 and 2 * p == d * (k - 1):
        return "same"
    raise ValueError(f"nn.Conv1d(padding={p}) pads {p} zeros on both sides; torchseq's Conv1D pads 'valid', "
                     f"'same' or 'causal' -- pad the input yourself and convert a padding=0 Conv1d")


def conv_from_torch(m: nn.Module) -> nn.Module:
    """The torchseq module of an nn.Conv1d / MaxPool1d / AvgPool1d / AdaptiveMax/AvgPool1d(1)."""
    if isinstance(m, nn.Conv1d):
        if m.padding_mode != "zeros":
            raise ValueError(f"nn.Conv1d(padding_mode={m.padding_mode!r}) has no torchseq counterpart (zeros only)")
        ours = Conv1D(m.in_channels, m.out_channels, m.kernel_size[0], strides=m.stride[0],
                      padding=_conv_padding(m), dilation_rate=m.dilation[0], groups=m.groups,
                      bias=m.bias is not None, device=m.weight.device, dtype=m.weight.dtype)
        with torch.no_grad():
            ours.weight.copy_(m.weight)                                                # same (O, C/g, K) layout
            if m.bias is not None:
                ours.bias.copy_(m.bias)
        return ours
    if isinstance(m, (nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d)):
        size = m.output_size if isinstance(m.output_size, int) else m.output_size[0]
        if size != 1:
            raise ValueError(f"{type(m).__name__}(output_size={size}) has no torchseq counterpart (only 1: a global pool)")
        return GlobalMaxPool1D() if isinstance(m, nn.AdaptiveMaxPool1d) else GlobalAvgPool1D()
    k, s, p = (v if isinstance(v, int) else v[0] for v in (m.kernel_size, m.stride, m.padding))
    if p or m.ceil_mode or getattr(m, "dilation", 1) != 1 or getattr(m, "return_indices", False):
        raise ValueError(f"{type(m).__name__} with padding, ceil_mode, dilation or return_indices has no torchseq "
                         f"counterpart (pools are 'valid' or TensorFlow-'same')")
    return (MaxPool1D if isinstance(m, nn.MaxPool1d) else AvgPool1D)(k, s, "valid")


def conv_to_torch(m: nn.Module) -> nn.Module:
    """The torch.nn module of a Conv1D or pool; it takes (N, C, L) where torchseq takes (N, L, C)."""
    if isinstance(m, Conv1D):
        if m.padding == "causal":
            raise ValueError("nn.Conv1d has no causal padding: pad (dilation*(kernel_size-1), 0) zeros in front "
                             "with F.pad and convert a 'valid' Conv1D")
        if m.padding == "same" and m.strides > 1:
            raise ValueError("padding='same' with strides > 1 pads by an amount that depends on the input length; "
                             "nn.Conv1d cannot express it")
        conv = nn.Conv1d(m.in_channels, m.filters, m.kernel_size, stride=m.strides, padding=m.padding,
                         dilation=m.dilation_rate, groups=m.groups, bias=m.bias is not None,
                         device=m.weight.device, dtype=m.weight.dtype)
        with torch.no_grad():
            conv.weight.copy_(m.weight)
            if m.bias is not None:
                conv.bias.copy_(m.bias)
        return conv if m.activation is None else nn.Sequential(conv, TORCH_ACTIVATIONS[m.activation]())
    if isinstance(m, (GlobalMaxPool1D, GlobalAvgPool1D)):
        return nn.AdaptiveMaxPool1d(1) if isinstance(m, GlobalMaxPool1D) else nn.AdaptiveAvgPool1d(1)
    if m.padding == "same":
        raise ValueError("padding='same' pools pad by an amount that depends on the input length and ignore the "
                         "padding; torch.nn's pools cannot express it")
    return (nn.MaxPool1d if isinstance(m, MaxPool1D) else nn.AvgPool1d)(m.pool_size, m.strides)
