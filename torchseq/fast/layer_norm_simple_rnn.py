r"""The layer-normalised simple RNN's fast path (Hands-On ML's LNSimpleRNNCell; ``SimpleRNN(layer_norm=True)``).

Forward, xp_t = W_x x_t + b for all t before the loop:

.. math::
    a_t = xp_t + W_h (m \odot h_{t-1}), \qquad h_t = \phi(\mathrm{LN}(a_t)) = \phi(\gamma \odot \hat a_t + \beta)

Backward, t = L-1 .. 0: dy_t = dh_t phi'(h_t) (read off h_t), da_t = LN's input gradient of dy_t
(:mod:`torchseq.fast.layer_norm`), dh_{t-1} = dL/dy_{t-1} + m W_h^T da_t. After the loop, dW_h, d gamma and
d beta each as one reduction over all timesteps.
d beta each as one reduction over all timesteps.

Buffers (L steps each):

==========  ==================================  ===========================================
buffer      forward                             backward
==========  ==================================  ===========================================
pre         xp_t; then a_t                      read by LN's input and parameter gradients
hs          h_t, the output                     read: phi' from h_t, h_{t-1} for dW_h
(new) dy                                        dL/dLN(a_t)
(new) da                                        dL/da_t = dL/dxp, returned
(new)                                           ``dh_all``: dL/dy_t, accumulating dL/dh_t
==========  ==================================  ===========================================
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.simple_rnn import SimpleRNNCell
from .kernel import Kernel
from .layer_norm import layer_norm, layer_norm_input_grad, layer_norm_param_grads
from .layout import fresh
from .product import MaskedProduct, activation_backward, recurrent_weight_grad
from .subnormal import flush_subnormals


class LayerNormSimpleRNNFunction(torch.autograd.Function):
    """(xp (L, N, H), h0 (N, H), W_h (H, H), gamma, beta (H,), mask (1, N, H) or None, relu: bool, eps)
    -> h_t for every t (L, N, H)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, gain, bias, mask, relu, eps):
        product = MaskedProduct(weight, mask)
        pre = fresh(xp)                                                                # (L, N, H): xp_t, then a_t
        hs = torch.empty_like(xp)                                                      # (L, N, H)
        a_steps, h_steps = pre.unbind(0), hs.unbind(0)
        means, rstds = [], []
        h = h0
        for t in range(xp.shape[0]):
            product.accumulate(a_steps[t], h)                                          # a_t = xp_t + W_h (m h)
            y, mean, rstd = layer_norm(a_steps[t], gain, bias, eps)                    # LN(a_t), (N, 1) stats
            h = torch.clamp(y, min=0, out=h_steps[t]) if relu else torch.tanh(y, out=h_steps[t])  # h_t = phi(LN(a_t))
            means.append(mean)
            rstds.append(rstd)
        ctx.relu = relu
        ctx.save_for_backward(pre, hs, torch.stack(means), torch.stack(rstds), h0, weight, gain, bias, mask)
        return hs

    @staticmethod
    @once_differentiable
    @flush_subnormals
    def backward(ctx, d_hs):
        pre, hs, means, rstds, h0, weight, gain, bias, mask = ctx.saved_tensors
        product = MaskedProduct(weight, mask)
        dy = torch.empty_like(hs)                                                      # dL/dLN(a_t)
        da = torch.empty_like(hs)                                                      # dL/da_t
        dh_all = fresh(d_hs)                                                           # dL/dy_t, then dL/dh_t
        dy_steps, da_steps, dh_steps = dy.unbind(0), da.unbind(0), dh_all.unbind(0)          # L x (N, H) each
        h_steps, a_steps = hs.unbind(0), pre.unbind(0)
        L = hs.shape[0]
        dh = dh_steps[L - 1]
        for t in range(L - 1, -1, -1):
            activation_backward(dh, h_steps[t], ctx.relu, out=dy_steps[t])             # dh phi'(a_t)
            da_steps[t].copy_(layer_norm_input_grad(dy_steps[t], a_steps[t], means[t], rstds[t], gain))
            dh = product.accumulate_back(dh_steps[t - 1], da_steps[t]) if t else product.back(da_steps[t])  # dL/dh_{t-1}
        d_gain, d_bias = layer_norm_param_grads(dy, pre, means, rstds, gain, bias)
        return da, dh, recurrent_weight_grad(product, da, h0, hs), d_gain, d_bias, None, None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    cell = cells[0]
    return LayerNormSimpleRNNFunction.apply(xp, h0, weight, *params("ln_weight", "ln_bias"), mask,
                                            cell.activation == "relu", cell.layer_norm_eps), None


KERNEL = Kernel(SimpleRNNCell, LayerNormSimpleRNNFunction, _launch, applies=lambda cell: cell.layer_norm)
