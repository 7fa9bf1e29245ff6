r"""The GRU's fused Triton kernels (both conventions) behind autograd Functions: one launch for the forward loop,
one for the backward (:mod:`torchseq.fast.triton_kernels.gru_kernels` holds the kernels, equations and buffers).

The Functions take what :mod:`torchseq.fast.gru`'s take, in torch.nn's layout: xp (L, D*N, 3H), h0 (D*N, H),
W_h (3H, H) or (D, 3H, H), (reset after) b_h (3H,) or one row per sample (D*N, 3H), the recurrent mask
(1 | 3, D*N, H) or None, and ``relu``. dW_h (and db_h) are products over all steps after the backward launch.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.gru import GRUCell
from .kernel import Kernel
from .product import recurrent_weight_grad, rows_product
from .triton_lstm import _arithmetic, _mask_mode, _options, _takes, sizes


def _run_forward(xp, h0, weight, bias, mask, relu, reset_after):
    from .triton_kernels import gru_kernels
    L, DN, H, D, N = sizes(xp, weight)
    xp, h0, weight = xp.contiguous(), h0.contiguous(), weight.contiguous()
    mask = None if mask is None else mask.contiguous()
    acc = _arithmetic(xp)
    acts = xp.new_empty(L, DN, 3 * H, dtype=acc)                                      # (L, D*N, 3H): r, z, n
    extra, hs = xp.new_empty(L, DN, H, dtype=acc), xp.new_empty(L, DN, H)             # R_n or m_n r h_{t-1}; h_t
    options = _options(xp, H)
    gru_kernels.gru_forward[(-(-N // options["BLOCK_N"]), D)](
        xp, h0, weight, xp if bias is None else bias.contiguous(), xp if mask is None else mask, acts, extra, hs,
        L, N, H, D, RESET_AFTER=reset_after, RELU=relu, BIAS_ROWS=bias is not None and bias.dim() == 2,
        MASK=_mask_mode(mask), **options)
    return acts, extra, hs, mask


def _run_backward(ctx, d_hs, acts, extra, hs, h0, weight, mask, reset_after):
    from .triton_kernels import gru_kernels
    L, DN, H, D, N = sizes(hs, weight)
    d_xp = acts.new_empty(acts.shape, dtype=weight.dtype)                             # (L, D*N, 3H)
    d_rec = torch.empty_like(d_xp) if reset_after else d_xp                            # dL/dR (reset after)
    d_h0 = torch.empty_like(h0)
    options = _options(weight, H)
    gru_kernels.gru_backward[(-(-N // options["BLOCK_N"]), D)](
        acts, extra, hs, h0, weight, acts if mask is None else mask, d_hs.contiguous(), d_xp, d_rec, d_h0,
        L, N, H, D, RESET_AFTER=reset_after, RELU=ctx.relu, MASK=_mask_mode(mask), **options)
    return d_xp, d_rec, d_h0


class TritonGRUResetAfterFunction(torch.autograd.Function):
    """(xp (L, D*N, 3H), h0 (D*N, H), W_h (3H, H) | (D, 3H, H), b_h (3H,) | (D*N, 3H), mask (1|3, D*N, H) or None,
    relu) -> h_t for every t (L, D*N, H)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, bias_hh, mask, relu):
        acts, rec_n, hs, mask = _run_forward(xp, h0, weight, bias_hh, mask, relu, reset_after=True)
        ctx.relu, ctx.bias_rows = relu, bias_hh.dim() == 2
        ctx.save_for_backward(acts, rec_n, hs, h0, weight, mask)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs):
        acts, rec_n, hs, h0, weight, mask = ctx.saved_tensors
        d_xp, d_rec, d_h0 = _run_backward(ctx, d_hs, acts, rec_n, hs, h0, weight, mask, reset_after=True)
        d_weight = recurrent_weight_grad(rows_product(weight, mask), d_rec, h0, hs)      # dR^T (m h_{t-1})
        d_bias = d_rec.sum(0) if ctx.bias_rows else d_rec.sum((0, 1))                  # (D*N, 3H) or (3H,)
        return d_xp, d_h0, d_weight, d_bias, None, None


class TritonGRUResetBeforeFunction(torch.autograd.Function):
    """(xp (L, D*N, 3H), h0 (D*N, H), W_h (3H, H) | (D, 3H, H), mask (1|3, D*N, H) or None, relu) -> h_t for every
    t (L, D*N, H)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, mask, relu):
        acts, rh, hs, mask = _run_forward(xp, h0, weight, None, mask, relu, reset_after=False)
        ctx.relu = relu
        ctx.save_for_backward(acts, rh, hs, h0, weight, mask)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs):
        acts, rh, hs, h0, weight, mask = ctx.saved_tensors
        d_xp, _, d_h0 = _run_backward(ctx, d_hs, acts, rh, hs, h0, weight, mask, reset_after=False)
        H = hs.shape[-1]
        rz_mask = None if mask is None else mask[:2] if mask.shape[0] > 1 else mask     # the r, z gates' masks
        d_rz = recurrent_weight_grad(rows_product(weight[..., :2 * H, :], rz_mask), d_xp[..., :2 * H], h0, hs)
        d_n = rows_product(weight[..., 2 * H:, :], None).weight_grad(d_xp[..., 2 * H:], rh.to(d_xp.dtype))
        d_weight = torch.cat([d_rz, d_n], dim=-2)                                      # (.., 3H, H)
        return d_xp, d_h0, d_weight, None, None


def _launch_reset_after(cells, xp, h0, state, weight, mask, last, params):
    return TritonGRUResetAfterFunction.apply(xp, h0, weight, *params("bias_hh"), mask,
                                             cells[0].activation == "relu"), None


def _launch_reset_before(cells, xp, h0, state, weight, mask, last, params):
    return TritonGRUResetBeforeFunction.apply(xp, h0, weight, mask, cells[0].activation == "relu"), None


RESET_AFTER = Kernel(GRUCell, TritonGRUResetAfterFunction, _launch_reset_after,
                     applies=lambda cell: cell.reset_after and _takes(cell), joins_directions=True)
RESET_BEFORE = Kernel(GRUCell, TritonGRUResetBeforeFunction, _launch_reset_before,
                      applies=lambda cell: not cell.reset_after and _takes(cell), joins_directions=True)
