r"""The peephole LSTM's fast path (Gers & Schmidhuber 2000; :class:`~torchseq.PeepholeLSTMCell`).

Forward, per step t, with xp_t = W_x x_t + b for all t before the loop:

.. math::
    a_t &= xp_t + W_h (m \odot h_{t-1})                                  \quad\text{one product, (N, 4H)} \\
    i &= \sigma(a_i + w_{ci} \odot c_{t-1}), \quad f = \sigma(a_f + w_{cf} \odot c_{t-1}), \quad g = \tanh(a_g) \\
    c_t &= f \odot c_{t-1} + i \odot g, \quad o = \sigma(a_o + w_{co} \odot c_t), \quad h_t = o \odot \tanh(c_t)

Backward: the plain LSTM's reverse loop (:func:`~torchseq.fast.lstm.backward_through_time`) with two
factors changed by the peepholes, both independent of the incoming gradient and so computed for all t
at once:

.. math::
    \frac{dh_t}{dc_t} &= o (1 - \tanh^2 c_t) + w_{co} \odot \tanh(c_t)\, o (1 - o)
        \quad\text{(c_t also reaches h_t through o)} \\
    \frac{dc_t}{dc_{t-1}} &= f + w_{ci} \odot g\, i (1 - i) + w_{cf} \odot c_{t-1} f (1 - f)
        \quad\text{(c_{t-1} also reaches c_t through i and f)}

and the peephole weights' gradients after the loop: dw_ci = sum da_i c_{t-1}, dw_cf = sum da_f c_{t-1},
dw_co = sum da_o c_t over t and the batch.

Buffers (L steps each; "over" = the same memory under a new name):

==========  ============================================  =====================================================
buffer      forward                                       backward
==========  ============================================  =====================================================
acts        xp_t; then a_t; then i, f, o (g's slot a_g)   ``da``: the LSTM's factors; then dL/da_t = dL/dxp
g_all       g_t                                           ``to_dc`` o (1 - tanh^2 c_t), then ``dh_dc``: + w_co da_o/dh
cs          c_t                                           read (c_{t-1}, c_t)
tanh_cs     tanh c_t                                      ``f``, then ``dc_dc``: f + w_ci da_i + w_cf da_f factors
hs          h_t, the output                               read: h_{t-1} for dW_h
(new)                                                     ``dh_all``: dL/dy_t, accumulating dL/dh_t
==========  ============================================  =====================================================
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.peephole_lstm import PeepholeLSTMCell
from .kernel import Kernel
from .layout import fresh
from .lstm import backward_through_time, gate_factors_
from .product import MaskedProduct, recurrent_weight_grad
from .subnormal import flush_subnormals
from .workspace import working


class PeepholeLSTMFunction(torch.autograd.Function):
    """(xp (L, N, 4H), h0, c0 (N, H), W_h (4H, H), w_ci, w_cf, w_co (H,), mask (1|4, N, H) or None,
    last (N,) or None) -> (h_t for every t (L, N, H), the cell state at step ``last`` (N, H))."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, w_ci, w_cf, w_co, mask, last):
        ctx.set_materialize_grads(False)                                               # an unused output: None, no zeros
        L, N, H4 = xp.shape
        H = H4 // 4
        product = MaskedProduct(weight, mask)
        w_if = torch.stack([w_ci, w_cf]).unsqueeze(0)                                  # (1, 2, H)
        acts = fresh(xp)                                                               # (L, N, 4H): xp_t, then gates
        g_all, cs, tanh_cs, hs = (xp.new_empty(L, N, H) for _ in range(4))             # (L, N, H) each
        a_steps = acts.unbind(0)                                                       # L x (N, 4H)
        aif_steps = acts[..., :2 * H].unflatten(-1, (2, H)).unbind(0)                  # L x (N, 2, H): i, f
        ag_steps = acts[..., 2 * H:3 * H].unbind(0)
        i_steps, f_steps, o_steps = (acts[..., k * H:(k + 1) * H].unbind(0) for k in (0, 1, 3))  # L x (N, H) each
        g_steps, c_steps, tanh_c_steps, h_steps = g_all.unbind(0), cs.unbind(0), tanh_cs.unbind(0), hs.unbind(0)
        h, c = h0, c0
        for t in range(L):
            product.accumulate(a_steps[t], h)                                          # a_t = xp_t + W_h (m h)
            torch.tanh(ag_steps[t], out=g_steps[t])                                    # g
            aif_steps[t].addcmul_(w_if, c.unsqueeze(1)).sigmoid_()                     # i, f see c_{t-1}
            torch.mul(f_steps[t], c, out=c_steps[t]).addcmul_(i_steps[t], g_steps[t])  # c_t = f c + i g
            o_steps[t].addcmul_(w_co, c_steps[t]).sigmoid_()                           # o sees c_t
            torch.mul(o_steps[t], torch.tanh(c_steps[t], out=tanh_c_steps[t]), out=h_steps[t])  # h_t = o tanh(c_t)
            h, c = h_steps[t], c_steps[t]
        c_last = (cs[-1] if last is None else cs[last, torch.arange(N, device=xp.device)]).clone()
        ctx.save_for_backward(acts, g_all, cs, tanh_cs, hs, h0, c0, weight, w_ci, w_cf, w_co, mask, last)
        return hs, c_last

    @staticmethod
    @once_differentiable
    @flush_subnormals
    def backward(ctx, d_hs, d_c_last):
        acts, g, cs, tanh_cs, hs, h0, c0, weight, w_ci, w_cf, w_co, mask, last = ctx.saved_tensors
        H = acts.shape[-1] // 4
        product = MaskedProduct(weight, mask)
        acts, g, tanh_cs = working(acts, g, tanh_cs)                                   # overwritten below
        da, to_dc, f = gate_factors_(acts, g, tanh_cs, c0, cs)                         # (L, N, 4H), becomes dL/da
        da_i, da_f, _, da_o = da.split(H, dim=-1)                                      # (L, N, H) each, factors yet
        dh_dc = to_dc.addcmul_(w_co, da_o)                                             # dh_t/dc_t, through o too
        dc_dc = f.addcmul_(w_ci, da_i).addcmul_(w_cf, da_f)                            # dc_t/dc_{t-1}, through i, f
        dh_all = None if d_hs is None else torch.empty_like(cs).copy_(d_hs)            # dL/dy_t, to become dL/dh_t
        carry = backward_through_time(product, da, dh_all, dh_dc, dc_dc, d_c_last, last)   # dL/dc_0
        d_h0 = product.back(da[0])                                                     # (N, H)
        d_c0 = carry * dc_dc[0]
        d_weight = recurrent_weight_grad(product, da, h0, hs)                          # (4H, H)
        d_w_ci = _sum_with_previous(da_i, c0, cs)                                      # (H,)
        d_w_cf = _sum_with_previous(da_f, c0, cs)
        d_w_co = (da_o * cs).sum((0, 1))
        return da, d_h0, d_c0, d_weight, d_w_ci, d_w_cf, d_w_co, None, None


def _sum_with_previous(d: torch.Tensor, c0: torch.Tensor, cs: torch.Tensor) -> torch.Tensor:
    """sum over t and the batch of d_t * c_{t-1}, c_{-1} = c0: d, cs (L, N, H), c0 (N, H) -> (H,)."""
    return (d[1:] * cs[:-1]).sum((0, 1)) + (d[0] * c0).sum(0)


def _launch(cells, xp, h0, state, weight, mask, last, params):
    peepholes = params("weight_ci", "weight_cf", "weight_co")
    return PeepholeLSTMFunction.apply(xp, h0, state[1], weight, *peepholes, mask, last)


KERNEL = Kernel(PeepholeLSTMCell, PeepholeLSTMFunction, _launch)
