"""The 1D convolution as a sum over kernel taps, with its backward written out.

    y[n, t] = b + Σ_j  x̃[n, t·s + j·d] · W_jᵀ          (W_j = W[:, :, j], one (O, C) matrix per tap)

Read on the padded input flattened to rows, each tap is a *contiguous block of rows*: view x̃ (N, Lp, C)
as X (N·Lp/s, s, C), so that X[q, p] = x̃[q·s + p]; tap j, with (q_j, p_j) = divmod(j·d, s), contributes
X[q_j + r, p_j] · W_jᵀ to accumulator row r. One ``addmm`` per tap on a strided view -- no im2col copy.
Accumulator row r = n·R + t (R = Lp/s rows per sample) is output (n, t) for t < L'; the rows past L'
straddle two samples and are dropped. The backward is the same loop transposed: each tap's input
gradient is added in place into one buffer (autograd would give every tap its own zero tensor of the
input's size), and each W_j's gradient is one GEMM.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable


def _layout(xp: torch.Tensor, stride: int, dilation: int, kernel_size: int) -> Tuple[torch.Tensor, List, int, int]:
    """X (rows, s, C), the (row shift, phase) of each tap, rows per sample R, accumulator rows M."""
    N, Lp, C = xp.shape
    R = Lp // stride
    X = xp.reshape(N * R, stride, C)                                                  # (N*R, s, C)
    taps = [divmod(j * dilation, stride) for j in range(kernel_size)]                 # (q_j, p_j)
    M = N * R - taps[-1][0]
    return X, taps, R, M


class TapConvolution(torch.autograd.Function):
    """y = tap_convolution(xp, weight, bias, stride, dilation, groups, out_len) for a padded input."""

    @staticmethod
    def forward(ctx, xp: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor], stride: int,
                dilation: int, groups: int, out_len: int) -> torch.Tensor:
        N = xp.shape[0]
        O, Cg, K = weight.shape
        X, taps, R, M = _layout(xp, stride, dilation, K)
        out = xp.new_empty(N * R, O)                                                  # rows n*R + t
        out[M:].zero_()                                                               # never read; kept clean
        acc = out[:M]                                                                 # (M, O), contiguous
        for j, (q, p) in enumerate(taps):
            _tap_product(acc, X[q:q + M, p], weight[:, :, j], bias if j == 0 else None, groups, first=j == 0)
        ctx.save_for_backward(xp, weight)
        ctx.config = (stride, dilation, groups, out_len, bias is not None)
        return out.view(N, R, O)[:, :out_len]                                         # (N, L', O), a view

    @staticmethod
    @once_differentiable
    def backward(ctx, gy: torch.Tensor):
        xp, weight = ctx.saved_tensors
        stride, dilation, groups, out_len, has_bias = ctx.config
        N = xp.shape[0]
        O, Cg, K = weight.shape
        Og = O // groups
        X, taps, R, M = _layout(xp, stride, dilation, K)
        g_acc = gy.new_zeros(N, R, O)
        g_acc[:, :out_len] = gy                                                       # straddling rows get 0
        g_acc = g_acc.view(N * R, O)[:M]                                              # (M, O)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gX = None
        if need_x:
            # Tap 0 covers rows [0, M) of phase 0: write it there, zero only what it leaves out.
            gX = torch.empty_like(X) if stride == 1 and groups == 1 else torch.zeros_like(X)   # (N*R, s, C)
            if stride == 1 and groups == 1:
                gX[M:].zero_()
            for j, (q, p) in enumerate(taps):
                first = j == 0 and stride == 1 and groups == 1
                w_t = weight[:, :, j].unflatten(0, (groups, Og)).transpose(1, 2).flatten(0, 1)  # (C, O/groups)
                _tap_product(gX[q:q + M, p], g_acc, w_t, None, groups, first)        # += dy · W_j
        gw = None
        if need_w:
            gw = torch.empty_like(weight)
            for j, (q, p) in enumerate(taps):
                A = X[q:q + M, p]                                                     # (M, C)
                for g in range(groups):
                    outs = slice(g * Og, (g + 1) * Og)
                    gw[outs, :, j] = g_acc[:, outs].T @ A[:, g * Cg:(g + 1) * Cg]     # dW_j = dyᵀ · x̃_j
        gb = g_acc.sum(0) if has_bias and need_b else None
        gxp = gX.view_as(xp) if need_x else None
        return gxp, gw, gb, None, None, None, None


def _tap_product(out: torch.Tensor, a: torch.Tensor, w: torch.Tensor, bias: Optional[torch.Tensor], groups: int,
                 first: bool) -> None:
    """out (+)= a · wᵀ (+ bias), group by group: out (M, G·o), a (M, G·c), w (G·o, c) stacking each
    group's (o, c) block -- W_j in the forward, its per-group transposes in the backward. ``first``
    writes instead of adding (out may hold garbage)."""
    o_g, c_g = w.shape[0] // groups, w.shape[1]
    for g in range(groups):
        o, c = slice(g * o_g, (g + 1) * o_g), slice(g * c_g, (g + 1) * c_g)
        if first and groups == 1:
            if bias is None:
                torch.mm(a, w.T, out=out)
            else:
                torch.addmm(bias, a, w.T, out=out)
        elif first:
            out[:, o] = a[:, c] @ w[o].T + (0 if bias is None else bias[o])
        else:
            out[:, o].addmm_(a[:, c], w[o].T)


def tap_convolution(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor], stride: int,
                    dilation: int, groups: int, before: int, after: int) -> torch.Tensor:
    """Pad x (N, L, C) with ``before``/``after`` zeros in time and convolve: -> (N, L', O)."""
    K = weight.shape[2]
    span = dilation * (K - 1) + 1
    length = x.shape[1] + before + after
    out_len = (length - span) // stride + 1
    extra = (-length) % stride                                                        # rows need Lp % s == 0
    if before or after + extra or not x.is_contiguous():
        x = F.pad(x, (0, 0, before, after + extra)).contiguous()                       # (N, Lp, C)
    return TapConvolution.apply(x, weight, bias, stride, dilation, groups, out_len)
