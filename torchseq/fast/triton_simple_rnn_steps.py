r"""The simple recurrent neuron's one-step Triton kernels (tanh or relu, no layer norm) behind an autograd Function,
for hidden sizes whose W_h does not fit on chip: one launch per time step forward and one per step backward
(:mod:`torchseq.fast.triton_kernels.simple_rnn_step_kernels` holds the kernels). The Function takes and returns
what :class:`~torchseq.fast.triton_simple_rnn.TritonSimpleRNNFunction` takes and returns. The layer-normalised
cell needs a step's statistics over all units before any unit's output, so above the persistent kernels' size it
runs the eager loop.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.simple_rnn import SimpleRNNCell
from .kernel import Kernel
from .product import recurrent_weight_grad, rows_product
from .triton_lstm import _mask_mode, on_chip, runs_triton, sizes
from .triton_lstm_steps import step_options


class TritonSimpleRNNStepsFunction(torch.autograd.Function):
    """(xp (L, D*N, H), h0 (D*N, H), W_h (H, H) | (D, H, H), mask (1, D*N, H) or None, relu) -> h_t for every t
    (L, D*N, H), one launch a step."""

    @staticmethod
    def forward(ctx, xp, h0, weight, mask, relu):
        from .triton_kernels import simple_rnn_step_kernels as kernels
        L, DN, H, D, N = sizes(xp, weight)
        xp, h0, weight = xp.contiguous(), h0.contiguous(), weight.contiguous()
        mask = None if mask is None else mask.contiguous()
        hs = torch.empty_like(xp)                                                      # (L, D*N, H): h_t
        grid, options = step_options(xp, N, H, D)
        for t in range(L):
            kernels.simple_rnn_step_forward[grid](xp[t], h0 if t == 0 else hs[t - 1], weight,
                                                  xp if mask is None else mask, hs[t], N, H, D, RELU=relu,
                                                  MASK=_mask_mode(mask), **options)
        ctx.relu = relu
        ctx.save_for_backward(hs, h0, weight, mask)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs):
        from .triton_kernels import simple_rnn_step_kernels as kernels
        hs, h0, weight, mask = ctx.saved_tensors
        L, DN, H, D, N = sizes(hs, weight)
        d_hs = d_hs.contiguous()
        da = torch.empty_like(hs)                                                      # (L, D*N, H): dL/dxp
        grid, options = step_options(weight, N, H, D)
        for t in reversed(range(L)):
            kernels.simple_rnn_step_backward[grid](hs[t], weight, hs if mask is None else mask, d_hs[t],
                                                   da[t + 1] if t + 1 < L else da, da[t], N, H, D, RELU=ctx.relu,
                                                   MASK=_mask_mode(mask), HAS_NEXT=t + 1 < L, **options)
        product = rows_product(weight, mask)
        return da, product.back(da[0]), recurrent_weight_grad(product, da, h0, hs), None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return TritonSimpleRNNStepsFunction.apply(xp, h0, weight, mask, cells[0].activation == "relu"), None


KERNEL = Kernel(SimpleRNNCell, TritonSimpleRNNStepsFunction, _launch,
                applies=lambda cell: not cell.layer_norm and runs_triton(cell) and not on_chip(cell),
                joins_directions=True)
