r"""The GRU's one-step Triton kernels (reset-after form, torch.nn's and cuDNN's) behind an autograd Function, for
hidden sizes whose W_h does not fit on chip: one launch per time step forward and one per step backward
(:mod:`torchseq.fast.triton_kernels.gru_step_kernels` holds the kernels, equations and buffers).

The Function takes and returns what :class:`~torchseq.fast.triton_gru.TritonGRUResetAfterFunction` takes and
returns; dL/dh_0, dW_h and db_h are products and sums after the last launch. The reset-before form (the book's)
multiplies r into h_{t-1} before the product, so a step's product needs r over all units first: above the
persistent kernels' size it runs the eager loop.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.gru import GRUCell
from .kernel import Kernel
from .product import recurrent_weight_grad, rows_product
from .triton_lstm import _arithmetic, _mask_mode, on_chip, runs_triton, sizes
from .triton_lstm_steps import step_options


class TritonGRUResetAfterStepsFunction(torch.autograd.Function):
    """(xp (L, D*N, 3H), h0 (D*N, H), W_h (3H, H) | (D, 3H, H), b_h (3H,) | (D*N, 3H), mask (1|3, D*N, H) or None,
    relu) -> h_t for every t (L, D*N, H), one launch a step."""

    @staticmethod
    def forward(ctx, xp, h0, weight, bias_hh, mask, relu):
        from .triton_kernels import gru_step_kernels
        L, DN, H, D, N = sizes(xp, weight)
        xp, h0, weight, bias_hh = xp.contiguous(), h0.contiguous(), weight.contiguous(), bias_hh.contiguous()
        mask = None if mask is None else mask.contiguous()
        acc = _arithmetic(xp)
        acts = xp.new_empty(L, DN, 3 * H, dtype=acc)                                  # (L, D*N, 3H): r, z, n
        rec_n, hs = xp.new_empty(L, DN, H, dtype=acc), xp.new_empty(L, DN, H)         # R_n, h_t
        grid, options = step_options(xp, N, H, D)
        for t in range(L):
            gru_step_kernels.gru_step_forward[grid](
                xp[t], h0 if t == 0 else hs[t - 1], weight, bias_hh, xp if mask is None else mask, acts[t], rec_n[t],
                hs[t], N, H, D, RELU=relu, BIAS_ROWS=bias_hh.dim() == 2, MASK=_mask_mode(mask), **options)
        ctx.relu, ctx.bias_rows = relu, bias_hh.dim() == 2
        ctx.save_for_backward(acts, rec_n, hs, h0, weight, mask)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs):
        from .triton_kernels import gru_step_kernels
        acts, rec_n, hs, h0, weight, mask = ctx.saved_tensors
        L, DN, H, D, N = sizes(hs, weight)
        d_hs = d_hs.contiguous()
        d_xp = acts.new_empty(acts.shape, dtype=weight.dtype)                         # (L, D*N, 3H)
        d_rec = torch.empty_like(d_xp)                                                 # dL/dR
        carry = torch.zeros_like(rec_n[0])                                             # (D*N, H): dh_{t+1} z_{t+1}
        grid, options = step_options(weight, N, H, D)
        for t in reversed(range(L)):
            gru_step_kernels.gru_step_backward[grid](
                acts[t], rec_n[t], h0 if t == 0 else hs[t - 1], weight, acts if mask is None else mask, d_hs[t],
                d_rec[t + 1] if t + 1 < L else d_rec, carry, d_xp[t], d_rec[t], N, H, D, RELU=ctx.relu,
                MASK=_mask_mode(mask), HAS_NEXT=t + 1 < L, **options)
        product = rows_product(weight, mask)
        d_h0 = (carry + product.back(d_rec[0])).to(h0.dtype)                          # dh_0 z_0 + sum_g m_g dR_0,g W_g
        d_weight = recurrent_weight_grad(product, d_rec, h0, hs)                       # dR^T (m h_{t-1})
        d_bias = d_rec.sum(0) if ctx.bias_rows else d_rec.sum((0, 1))                  # (D*N, 3H) or (3H,)
        return d_xp, d_h0, d_weight, d_bias, None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return TritonGRUResetAfterStepsFunction.apply(xp, h0, weight, *params("bias_hh"), mask,
                                                  cells[0].activation == "relu"), None


RESET_AFTER = Kernel(GRUCell, TritonGRUResetAfterStepsFunction, _launch,
                     applies=lambda cell: cell.reset_after and runs_triton(cell) and not on_chip(cell),
                     joins_directions=True)
