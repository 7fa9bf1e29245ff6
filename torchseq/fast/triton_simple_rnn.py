r"""The simple recurrent neuron's fused Triton kernels (tanh or relu, no layer norm) behind an autograd Function:
one launch for the forward loop, one for the backward (:mod:`torchseq.fast.triton_kernels.simple_rnn_kernels`
holds the kernels, equations and buffers). The Function takes what
:class:`~torchseq.fast.simple_rnn.SimpleRNNFunction` takes: xp (L, D*N, H), h0 (D*N, H), W_h (H, H) or
(D, H, H), the recurrent mask (1, D*N, H) or None, and ``relu``; dW_h is one product after the backward launch.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.simple_rnn import SimpleRNNCell
from .kernel import Kernel
from .product import DirectionProduct, MaskedProduct, recurrent_weight_grad
from .triton_lstm import _mask_mode, _precision, _takes, launch_config


class TritonSimpleRNNFunction(torch.autograd.Function):
    """(xp (L, D*N, H), h0 (D*N, H), W_h (H, H) | (D, H, H), mask (1, D*N, H) or None, relu) -> h_t for every t
    (L, D*N, H)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, mask, relu):
        from .triton_kernels import simple_rnn_kernels
        L, DN, H = xp.shape
        D = 1 if weight.dim() == 2 else weight.shape[0]
        N = DN // D
        xp, h0, weight = xp.contiguous(), h0.contiguous(), weight.contiguous()
        mask = None if mask is None else mask.contiguous()
        hs = torch.empty_like(xp)                                                      # (L, D*N, H): h_t
        block_n, block_h, warps = launch_config(N, H)
        simple_rnn_kernels.simple_rnn_forward[(-(-N // block_n), D)](
            xp, h0, weight, xp if mask is None else mask, hs, L, N, H, D, RELU=relu, MASK=_mask_mode(mask),
            BLOCK_N=block_n, BLOCK_H=block_h, PRECISION=_precision(xp), num_warps=warps)
        ctx.relu = relu
        ctx.save_for_backward(hs, h0, weight, mask)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs):
        from .triton_kernels import simple_rnn_kernels
        hs, h0, weight, mask = ctx.saved_tensors
        L, DN, H = hs.shape
        D = 1 if weight.dim() == 2 else weight.shape[0]
        N = DN // D
        da, d_h0 = torch.empty_like(hs), torch.empty_like(h0)                         # dL/dxp, dL/dh_0
        block_n, block_h, warps = launch_config(N, H)
        simple_rnn_kernels.simple_rnn_backward[(-(-N // block_n), D)](
            hs, weight, hs if mask is None else mask, d_hs.contiguous(), da, d_h0, L, N, H, D, RELU=ctx.relu,
            MASK=_mask_mode(mask), BLOCK_N=block_n, BLOCK_H=block_h, PRECISION=_precision(hs), num_warps=warps)
        product = DirectionProduct(weight, mask) if weight.dim() == 3 else MaskedProduct(weight, mask)
        return da, d_h0, recurrent_weight_grad(product, da, h0, hs), None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return TritonSimpleRNNFunction.apply(xp, h0, weight, mask, cells[0].activation == "relu"), None


KERNEL = Kernel(SimpleRNNCell, TritonSimpleRNNFunction, _launch,
                applies=lambda cell: not cell.layer_norm and _takes(cell), joins_directions=True)
