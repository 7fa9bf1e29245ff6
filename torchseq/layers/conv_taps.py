"""The 1D convolution as a sum over kernel taps, with its backward written out.

    y[n, t] = b + Σ_j  x̃[n, t·s + j·d] · W_jᵀ          (W_j = W[:, :, j], one (O, C) matrix per tap)

Read the padded input x̃ (N, Lp, C) as rows of its flattened (N·Lp, C) form, and let accumulator row r
collect output (n, t) for r = n·R + t (R = Lp/s rows per sample). Tap j's input for row r is flattened
position r·s + j·d, so all taps together are one strided view of x̃'s memory,

    taps = x̃.as_strided((K, M, C), (d·C, s·C, 1)),      taps[j] = tap j's (M, C) matrix,

overlapping and copy-free. The forward is one ``addmm`` per tap into the accumulator; the rows past each
sample's L' straddle two samples and are dropped. The backward is the same loop transposed: the taps'
input gradients are added in place into one buffer through the same view of it (autograd would give
every tap its own zero tensor of the input's size), and all K weight gradients are one batched product.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable


def _taps(t: torch.Tensor, stride: int, dilation: int, kernel_size: int, rows: int) -> torch.Tensor:
    """(K, M, C) view of a contiguous (N, Lp, C) tensor: [j][r] = flattened position r·s + j·d."""
    C = t.shape[-1]
    return t.as_strided((kernel_size, rows, C), (dilation * C, stride * C, 1), t.storage_offset())


def _rows(xp: torch.Tensor, stride: int, dilation: int, kernel_size: int):
    """Rows per sample R and accumulator rows M (those every tap can read)."""
    R = xp.shape[1] // stride
    return R, xp.shape[0] * R - (kernel_size - 1) * dilation // stride


class TapConvolution(torch.autograd.Function):
    """y = tap_convolution(xp, weight, bias, stride, dilation, groups, out_len) for a padded input."""

    @staticmethod
    def forward(ctx, xp: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor], stride: int,
                dilation: int, groups: int, out_len: int) -> torch.Tensor:
        N = xp.shape[0]
        O, Cg, K = weight.shape
        R, M = _rows(xp, stride, dilation, K)
        taps = _taps(xp, stride, dilation, K, M)                                      # (K, M, C)
        out = xp.new_empty(N * R, O)                                                  # rows n*R + t
        out[M:].zero_()                                                               # never read; kept clean
        acc = out[:M]                                                                 # (M, O), contiguous
        for j in range(K):
            _tap_product(acc, taps[j], weight[:, :, j], bias if j == 0 else None, groups, first=j == 0)
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
        R, M = _rows(xp, stride, dilation, K)
        g_acc = gy.new_empty(N, R, O)
        g_acc[:, :out_len] = gy
        g_acc[:, out_len:].zero_()                                                    # straddling rows get 0
        g_acc = g_acc.view(N * R, O)[:M]                                              # (M, O)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gxp = None
        if need_x:
            # Tap 0 covers rows [0, M) of the (stride-1) buffer: write it there, zero only what it leaves out.
            direct = stride == 1 and groups == 1
            gxp = torch.empty_like(xp) if direct else torch.zeros_like(xp)
            if direct:
                gxp.view(-1, xp.shape[-1])[M:].zero_()
            g_taps = _taps(gxp, stride, dilation, K, M)                               # (K, M, C), same view
            for j in range(K):
                w_t = weight[:, :, j].unflatten(0, (groups, Og)).transpose(1, 2).flatten(0, 1)  # (C, O/groups)
                _tap_product(g_taps[j], g_acc, w_t, None, groups, first=j == 0 and direct)      # += dy · W_j
        gw = None
        if need_w:
            taps = _taps(xp, stride, dilation, K, M)                                  # (K, M, C)
            gw = torch.empty_like(weight)
            for g in range(groups):
                outs, cols = slice(g * Og, (g + 1) * Og), slice(g * Cg, (g + 1) * Cg)
                gw[outs] = torch.matmul(g_acc[:, outs].T, taps[:, :, cols]).permute(1, 2, 0)   # dW_j = dyᵀ · x̃_j
        gb = g_acc.sum(0) if has_bias and need_b else None
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
