"""Pooling over time, channels last: windowed max/average and their global forms."""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_choice, check_sequence, check_size

POOL_PADDINGS = ("valid", "same")


class _Pool1D(nn.Module):
    r"""Shared by MaxPool1D and AvgPool1D: the windows and the output length.

    Window t covers input steps t·s .. t·s + P - 1 (P = ``pool_size``, s = ``strides``, default P):

    ==========  ======================================================  ===========================
    padding     added (before, after)                                   L'
    ==========  ======================================================  ===========================
    ``valid``   none; needs L >= P                                      floor((L - P) / s) + 1
    ``same``    Q = max((L'-1)s + P - L, 0): (Q//2, Q-Q//2), ignored    ceil(L / s)
    ==========  ======================================================  ===========================

    as Keras/TensorFlow: in ``same`` mode the padded positions take no part (a max never picks them, an
    average divides by the number of real steps in its window).
    """

    def __init__(self, pool_size: int = 2, strides: Optional[int] = None, padding: str = "valid"):
        super().__init__()
        self.pool_size = check_size("pool_size", pool_size)
        self.strides = self.pool_size if strides is None else check_size("strides", strides)
        self.padding = check_choice("padding", padding, POOL_PADDINGS)

    def output_length(self, length: int) -> int:
        if self.padding == "same":
            return -(-length // self.strides)                                        # ceil(L / s)
        return (length - self.pool_size) // self.strides + 1

    def padding_amounts(self, length: int) -> Tuple[int, int]:
        if self.padding == "valid":
            return 0, 0
        total = max((self.output_length(length) - 1) * self.strides + self.pool_size - length, 0)
        return total // 2, total - total // 2

    def _windows(self, x: torch.Tensor, fill: float) -> torch.Tensor:
        """x (N, L, C) -> (N, L', C, P): window t holds x̃[t s .. t s + P - 1], padding = ``fill``."""
        check_sequence(x)
        if self.padding == "valid" and x.shape[1] < self.pool_size:
            raise ValueError(f"x has {x.shape[1]} steps but a 'valid' pool of size {self.pool_size} needs at least "
                             f"{self.pool_size}")
        before, after = self.padding_amounts(x.shape[1])
        x = F.pad(x, (0, 0, before, after), value=fill)                               # (N, Lp, C)
        return x.unfold(1, self.pool_size, self.strides)                              # (N, L', C, P), a view

    def extra_repr(self) -> str:
        return f"pool_size={self.pool_size}, strides={self.strides}, padding={self.padding!r}"


class MaxPool1D(_Pool1D):
    """y[n, t, c] = max over window t of x[n, ., c]: (N, L, C) -> (N, L', C). See :class:`_Pool1D`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._windows(x, float("-inf")).max(dim=-1).values                    # (N, L', C)


class AvgPool1D(_Pool1D):
    """y[n, t, c] = mean over the real steps of window t: (N, L, C) -> (N, L', C). See :class:`_Pool1D`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = self._windows(x, 0.0).sum(dim=-1)                                     # (N, L', C)
        if self.padding == "valid":
            return total / self.pool_size
        before, _ = self.padding_amounts(x.shape[1])
        start = torch.arange(total.shape[1], device=x.device) * self.strides - before  # window's first real step
        count = (torch.clamp(start + self.pool_size, max=x.shape[1]) - torch.clamp(start, min=0))  # (L',)
        return total / count.to(total.dtype).unsqueeze(1)


class GlobalMaxPool1D(nn.Module):
    """y[n, c] = max over t of x[n, t, c]: (N, L, C) -> (N, C) (Keras' GlobalMaxPooling1D)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return check_sequence(x).max(dim=1).values


class GlobalAvgPool1D(nn.Module):
    """y[n, c] = mean over t of x[n, t, c]: (N, L, C) -> (N, C) (Keras' GlobalAveragePooling1D)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return check_sequence(x).mean(dim=1)
