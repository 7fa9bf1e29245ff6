"""1D convolution over time, channels last, written out (no F.conv1d)."""
from __future__ import annotations

import math
from typing import Optional, Tuple

import torch
from torch import nn

from .._validate import check_bool, check_choice, check_sequence, check_size
from ..cells.init import INIT_SCHEMES
from .conv_taps import tap_convolution

PADDINGS = ("valid", "same", "causal")
ACTIVATIONS = {None: None, "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


class Conv1D(nn.Module):
    r"""1D convolution (cross-correlation, as Keras and torch.nn) over x (N, L, C) -> (N, L', O).

    Computed as a sum over the K kernel taps with a written-out backward
    (:mod:`torchseq.layers.conv_taps`), never through F.conv1d.

    .. math::
        y[n, t, o] = b_o + \sum_{j=0}^{K-1} \sum_{c \in \mathrm{group}(o)} W[o, c, j]\; \tilde x[n,\ t s + j d,\ c]

    with K = ``kernel_size``, s = ``strides``, d = ``dilation_rate``, x̃ the input padded with zeros in time,
    and each of the ``groups`` groups of O/groups filters reading its own C/groups input channels.
    The filter spans d(K-1)+1 steps. Padding and output length L':

    ===========  =====================================================  ==============================
    padding      zeros added (before, after)                            L'
    ===========  =====================================================  ==============================
    ``valid``    none; needs L >= d(K-1)+1                              floor((L - d(K-1) - 1) / s) + 1
    ``same``     P = max((L'-1)s + d(K-1) + 1 - L, 0): (P//2, P-P//2)   ceil(L / s)
    ``causal``   (d(K-1), 0): y[t] sees x[<= t] only; K = 1 adds none     L  (strides must be 1)
    ===========  =====================================================  ==============================

    ``same`` puts the odd zero after (TensorFlow's and torch.nn's convention), so an even kernel is
    defined; like Keras, strides > 1 together with dilation_rate > 1 is refused.

    ========  =========  ==========================
    symbol    parameter  shape
    ========  =========  ==========================
    W         weight     (O, C/groups, K), torch.nn's layout
    b         bias       (O,), with ``bias=True``
    ========  =========  ==========================

    Args:
        in_channels: C. filters: O. kernel_size: K.
        strides, padding, dilation_rate, groups, bias: as above.
        activation: None, "relu", "tanh" or "sigmoid", applied after the bias (Keras' argument).
        init: "keras" (glorot-uniform kernel with Keras' fans K·C/groups and K·O, zero bias) or "torch"
            (torch.nn.Conv1d's U(±1/sqrt(K·C/groups)) for weight and bias).
    """

    def __init__(self, in_channels: int, filters: int, kernel_size: int, strides: int = 1, padding: str = "valid",
                 dilation_rate: int = 1, groups: int = 1, bias: bool = True, activation: Optional[str] = None,
                 init: str = "keras", device=None, dtype=None):
        super().__init__()
        self.in_channels = check_size("in_channels", in_channels)
        self.filters = check_size("filters", filters)
        self.kernel_size = check_size("kernel_size", kernel_size)
        self.strides = check_size("strides", strides)
        self.padding = check_choice("padding", padding, PADDINGS)
        self.dilation_rate = check_size("dilation_rate", dilation_rate)
        self.groups = check_size("groups", groups)
        self.activation = check_choice("activation", activation, tuple(ACTIVATIONS))
        self.init = check_choice("init", init, INIT_SCHEMES)
        check_bool("bias", bias)
        if self.in_channels % self.groups or self.filters % self.groups:
            raise ValueError(f"in_channels ({self.in_channels}) and filters ({self.filters}) must both be divisible "
                             f"by groups ({self.groups})")
        if self.strides > 1 and self.dilation_rate > 1:
            raise ValueError(f"strides={self.strides} with dilation_rate={self.dilation_rate} is not supported "
                             f"(as in Keras): use one of them > 1")
        if self.padding == "causal" and self.strides > 1:
            raise ValueError(f"padding='causal' needs strides=1, got strides={self.strides}")
        shape = (self.filters, self.in_channels // self.groups, self.kernel_size)
        self.weight = nn.Parameter(torch.empty(shape, device=device, dtype=dtype))    # (O, C/groups, K)
        self.bias = nn.Parameter(torch.empty(self.filters, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        fan_in = self.kernel_size * self.in_channels // self.groups
        with torch.no_grad():
            if self.init == "keras":
                bound = math.sqrt(6.0 / (fan_in + self.kernel_size * self.filters // self.groups))
                nn.init.uniform_(self.weight, -bound, bound)
                if self.bias is not None:
                    nn.init.zeros_(self.bias)
            else:
                bound = 1.0 / math.sqrt(fan_in)
                nn.init.uniform_(self.weight, -bound, bound)
                if self.bias is not None:
                    nn.init.uniform_(self.bias, -bound, bound)

    @property
    def span(self) -> int:
        """Steps one filter covers: d(K-1) + 1."""
        return self.dilation_rate * (self.kernel_size - 1) + 1

    @property
    def dtype(self) -> torch.dtype:
        return self.weight.dtype

    def padding_amounts(self, length: int) -> Tuple[int, int]:
        """Zeros added (before, after) the L = ``length`` input steps."""
        if self.padding == "causal":
            return self.span - 1, 0
        if self.padding == "same":
            total = max((self.output_length(length) - 1) * self.strides + self.span - length, 0)
            return total // 2, total - total // 2
        return 0, 0

    def output_length(self, length: int) -> int:
        """L' for an input of L = ``length`` steps (see the class docstring)."""
        if self.padding == "same":
            return -(-length // self.strides)                                        # ceil(L / s)
        if self.padding == "causal":
            return length
        return (length - self.span) // self.strides + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (N, L, C) -> (N, L', O)."""
        x = check_sequence(x, self.in_channels, self.dtype)
        if self.padding == "valid" and x.shape[1] < self.span:
            raise ValueError(f"x has {x.shape[1]} steps but a 'valid' convolution with kernel_size "
                             f"{self.kernel_size} and dilation_rate {self.dilation_rate} needs at least {self.span}")
        before, after = self.padding_amounts(x.shape[1])
        y = tap_convolution(x, self.weight, self.bias, self.strides, self.dilation_rate, self.groups, before, after)
        return self._activate(y)

    def step(self, taps: torch.Tensor) -> torch.Tensor:
        """One output step from its K input taps, oldest first: (N, K, C) -> (N, O).

        The taps are x̃[t s + j d] for j = 0 .. K-1, already gathered (WaveNet's fast generation keeps
        them in queues), so this is the same tap sum over K consecutive positions."""
        y = tap_convolution(taps, self.weight, self.bias, 1, 1, self.groups, 0, 0)   # (N, 1, O)
        return self._activate(y[:, 0])

    def _activate(self, y: torch.Tensor) -> torch.Tensor:
        act = ACTIVATIONS[self.activation]
        return y if act is None else act(y)

    def extra_repr(self) -> str:
        parts = [f"{self.in_channels}, {self.filters}, kernel_size={self.kernel_size}"]
        for name, default in (("strides", 1), ("padding", "valid"), ("dilation_rate", 1), ("groups", 1),
                              ("activation", None)):
            if getattr(self, name) != default:
                parts.append(f"{name}={getattr(self, name)!r}")
        if self.bias is None:
            parts.append("bias=False")
        return ", ".join(parts)
