r"""The simple recurrent neuron's fused Triton kernels (tanh or relu, with or without layer norm) behind autograd
Functions: one launch for the forward loop, one for the backward (:mod:`torchseq.fast.triton_kernels.
simple_rnn_kernels` and ``layer_norm_simple_rnn_kernels`` hold the kernels, equations and buffers). The plain
Function takes what :class:`~torchseq.fast.simple_rnn.SimpleRNNFunction` takes: xp (L, D*N, H), h0 (D*N, H),
W_h (H, H) or (D, H, H), the recurrent mask (1, D*N, H) or None, and ``relu``; dW_h (and the norm's gain and
shift gradients) are products and sums after the backward launch.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.simple_rnn import SimpleRNNCell
from .kernel import Kernel
from .product import recurrent_weight_grad, rows_product
from .triton_lstm import _arithmetic, _mask_mode, _options, _takes, sizes


class TritonSimpleRNNFunction(torch.autograd.Function):
    """(xp (L, D*N, H), h0 (D*N, H), W_h (H, H) | (D, H, H), mask (1, D*N, H) or None, relu) -> h_t for every t
    (L, D*N, H)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, mask, relu):
        from .triton_kernels import simple_rnn_kernels
        L, DN, H, D, N = sizes(xp, weight)
        xp, h0, weight = xp.contiguous(), h0.contiguous(), weight.contiguous()
        mask = None if mask is None else mask.contiguous()
        hs = torch.empty_like(xp)                                                      # (L, D*N, H): h_t
        options = _options(xp, H)
        simple_rnn_kernels.simple_rnn_forward[(-(-N // options["BLOCK_N"]), D)](
            xp, h0, weight, xp if mask is None else mask, hs, L, N, H, D, RELU=relu, MASK=_mask_mode(mask),
            **options)
        ctx.relu = relu
        ctx.save_for_backward(hs, h0, weight, mask)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs):
        from .triton_kernels import simple_rnn_kernels
        hs, h0, weight, mask = ctx.saved_tensors
        L, DN, H, D, N = sizes(hs, weight)
        da, d_h0 = torch.empty_like(hs), torch.empty_like(h0)                         # dL/dxp, dL/dh_0
        options = _options(hs, H)
        simple_rnn_kernels.simple_rnn_backward[(-(-N // options["BLOCK_N"]), D)](
            hs, weight, hs if mask is None else mask, d_hs.contiguous(), da, d_h0, L, N, H, D, RELU=ctx.relu,
            MASK=_mask_mode(mask), **options)
        return da, d_h0, recurrent_weight_grad(rows_product(weight, mask), da, h0, hs), None, None


class TritonLayerNormSimpleRNNFunction(torch.autograd.Function):
    """(xp (L, N, H), h0 (N, H), W_h (H, H), gamma, beta (H,), mask (1, N, H) or None, relu, eps) -> h_t for every
    t (L, N, H): h_t = phi(LN(xp_t + W_h (m h_{t-1}))), as :class:`~torchseq.fast.layer_norm_simple_rnn.
    LayerNormSimpleRNNFunction`."""

    @staticmethod
    def forward(ctx, xp, h0, weight, gain, bias, mask, relu, eps):
        from .triton_kernels import layer_norm_simple_rnn_kernels as kernels
        L, N, H = xp.shape
        xp, h0, weight = xp.contiguous(), h0.contiguous(), weight.contiguous()
        mask = None if mask is None else mask.contiguous()
        acc = _arithmetic(xp)
        hats, hs = xp.new_empty(L, N, H, dtype=acc), torch.empty_like(xp)             # (L, N, H): a-hat, h_t
        rstds = xp.new_empty(L, N, dtype=acc)                                          # 1 / sqrt(var + eps)
        options = _options(xp, H)
        kernels.ln_simple_rnn_forward[(-(-N // options["BLOCK_N"]), 1)](
            xp, h0, weight, gain.contiguous(), bias.contiguous(), xp if mask is None else mask, hats, rstds, hs,
            L, N, H, 1, eps, RELU=relu, MASK=_mask_mode(mask), **options)
        ctx.relu = relu
        ctx.save_for_backward(hats, rstds, hs, h0, weight, gain, mask)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs):
        from .triton_kernels import layer_norm_simple_rnn_kernels as kernels
        hats, rstds, hs, h0, weight, gain, mask = ctx.saved_tensors
        L, N, H = hs.shape
        dys, da, d_h0 = torch.empty_like(hats), torch.empty_like(hs), torch.empty_like(h0)   # dys as hats: float32+
        options = _options(hs, H)
        kernels.ln_simple_rnn_backward[(-(-N // options["BLOCK_N"]), 1)](
            hats, rstds, hs, weight, gain.contiguous(), hs if mask is None else mask, d_hs.contiguous(), dys, da,
            d_h0, L, N, H, 1, RELU=ctx.relu, MASK=_mask_mode(mask), **options)
        d_weight = recurrent_weight_grad(rows_product(weight, mask), da, h0, hs)
        d_gain, d_shift = (dys * hats).sum((0, 1)).to(gain.dtype), dys.sum((0, 1)).to(gain.dtype)
        return da, d_h0, d_weight, d_gain, d_shift, None, None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return TritonSimpleRNNFunction.apply(xp, h0, weight, mask, cells[0].activation == "relu"), None


def _launch_layer_norm(cells, xp, h0, state, weight, mask, last, params):
    cell = cells[0]
    return TritonLayerNormSimpleRNNFunction.apply(xp, h0, weight, *params("ln_weight", "ln_bias"), mask,
                                                  cell.activation == "relu", cell.layer_norm_eps), None


KERNEL = Kernel(SimpleRNNCell, TritonSimpleRNNFunction, _launch,
                applies=lambda cell: not cell.layer_norm and _takes(cell), joins_directions=True)
LAYER_NORM = Kernel(SimpleRNNCell, TritonLayerNormSimpleRNNFunction, _launch_layer_norm,
                    applies=lambda cell: cell.layer_norm and _takes(cell))
