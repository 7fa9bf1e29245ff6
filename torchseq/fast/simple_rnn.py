r"""The simple recurrent neuron's fast path (Hands-On ML eq. 15-2, tanh or relu, without layer norm).

Forward h_t = phi(xp_t + W_h (m h_{t-1})), xp_t = W_x x_t + b for all t before the loop. Backward,
t = L-1 .. 0: da_t = dh_t phi'(a_t) -- 1 - h_t^2 for tanh, [h_t > 0] for relu, both read off h_t (ATen's
one-pass tanh_backward / threshold_backward) -- and dh_{t-1} = dL/dy_{t-1} + m W_h^T da_t;
dW_h = sum_t da_t^T (m h_{t-1}) in one product.

Buffers (L steps each):

==========  ==================================  ===========================================
buffer      forward                             backward
==========  ==================================  ===========================================
hs          xp_t; then a_t; then h_t (output)   read: phi'(a_t) from h_t, h_{t-1} for dW_h
(new) da                                        dL/da_t = dL/dxp, returned
(new)                                           ``dh_all``: dL/dy_t, accumulating dL/dh_t
==========  ==================================  ===========================================
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.simple_rnn import SimpleRNNCell
from .kernel import Kernel
from .layout import fresh, product_for
from .product import activation_backward, recurrent_weight_grad
from .subnormal import flush_subnormals


class SimpleRNNFunction(torch.autograd.Function):
    """(xp (L, N, H), h0 (N, H), W_h (H, H), mask (1, N, H) or None, relu: bool) -> h_t for every t (L, N, H)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, mask, relu):
        product = product_for(weight, mask)
        hs = fresh(xp)                                                                 # (L, N, H): xp_t, then h_t
        h_steps = hs.unbind(0)
        h = h0
        for t in range(xp.shape[0]):
            a = product.accumulate(h_steps[t], h)                                      # a_t = xp_t + W_h (m h)
            h = a.relu_() if relu else a.tanh_()                                       # h_t = phi(a_t)
        ctx.relu = relu
        ctx.save_for_backward(hs, h0, weight, mask)
        return hs

    @staticmethod
    @once_differentiable
    @flush_subnormals
    def backward(ctx, d_hs):
        hs, h0, weight, mask = ctx.saved_tensors
        product = product_for(weight, mask)
        da = torch.empty_like(hs)                                                      # dL/da_t
        dh_all = fresh(d_hs)                                                           # dL/dy_t, then dL/dh_t
        da_steps, dh_steps, h_steps = da.unbind(0), dh_all.unbind(0), hs.unbind(0)
        L = hs.shape[0]
        dh = dh_steps[L - 1]
        for t in range(L - 1, -1, -1):
            activation_backward(dh, h_steps[t], ctx.relu, out=da_steps[t])             # dh phi'(a_t)
            dh = product.accumulate_back(dh_steps[t - 1], da_steps[t]) if t else product.back(da_steps[t])  # dL/dh_{t-1}
        return da, dh, recurrent_weight_grad(product, da, h0, hs), None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return SimpleRNNFunction.apply(xp, h0, weight, mask, cells[0].activation == "relu"), None


KERNEL = Kernel(SimpleRNNCell, SimpleRNNFunction, _launch, applies=lambda cell: not cell.layer_norm,
                joins_directions=True)
