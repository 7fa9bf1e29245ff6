r"""The layer-normalised LSTM's fast path (Ba, Kiros & Hinton 2016 as haste has it;
:class:`~torchseq.LayerNormLSTMCell`).

Forward, per step t, with xp_t = LN_x(W_x x_t) + b for all t before the loop (the caller's autograd):

.. math::
    r_t &= W_h (m \odot h_{t-1}), \qquad a_t = xp_t + \gamma_h \odot \hat r_t          \quad\text{(N, 4H)} \\
    i, f, o &= \sigma(a_{i,f,o}), \quad g = \tanh(a_g), \qquad c_t = f \odot c_{t-1} + i \odot g \\
    \hat c_t &= \mathrm{LN}_c(c_t) = \gamma_c \odot \widehat{c_t} + \beta_c, \qquad h_t = o \odot \tanh(\hat c_t)

Backward, t = L-1 .. 0 (LN's input gradient from :mod:`torchseq.fast.layer_norm`):

.. math::
    dh_t &= \partial L/\partial y_t + m \odot W_h^\top dr_{t+1}, \qquad
    da_o = dh_t \odot \tanh(\hat c_t)\, o (1 - o), \qquad d\hat c_t = dh_t \odot o (1 - \tanh^2 \hat c_t) \\
    dc_t &= \mathrm{LN}_c'(d\hat c_t) + dc_{t+1} \odot f_{t+1}, \qquad
    da_{i,f,g} = dc_t \odot (g\, i(1-i),\ c_{t-1} f(1-f),\ i (1-g^2)) \\
    dr_t &= \mathrm{LN}_h'(da_t)

The factors that do not depend on the incoming gradient are computed for all t before the loop; after
it, dW_h = sum_t dr_t^T (m h_{t-1}) is one product, and the gains and shift of both norms one reduction
each over all timesteps. dxp = da.

Buffers (L steps each; "over" = the same memory under a new name):

============  ============================================  ===================================================
buffer        forward                                       backward
============  ============================================  ===================================================
acts          xp_t; then a_t; then i, f, o (g's slot a_g)    ``da``: the factors; then dL/da_t = dL/dxp
rec           r_t = W_h (m h_{t-1}), before its norm        read by LN_h's input gradient and its gain's
g_all         g_t                                           ``to_dc_hat``: o (1 - tanh^2 c-hat_t)
cs            c_t                                           read (c_{t-1}, LN_c's gradients)
tanh_c_hats   tanh(LN_c(c_t))                               ``f``: the forget gate f_t
hs            h_t, the output                               read: h_{t-1} for dW_h
(new)                                                       ``dh_all`` dL/dy_t accumulating dL/dh_t; ``d_c_hat``
============  ============================================  ===================================================
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.layer_norm_lstm import LayerNormLSTMCell
from .kernel import Kernel, projection
from .layer_norm import layer_norm, layer_norm_input_grad, layer_norm_param_grads
from .layout import fresh
from .lstm import dh_step, gate_factors_
from .product import MaskedProduct, recurrent_weight_grad
from .subnormal import flush_subnormals
from .workspace import working


class LayerNormLSTMFunction(torch.autograd.Function):
    """(xp (L, N, 4H), h0, c0 (N, H), W_h (4H, H), gamma_h (4H,), gamma_c, beta_c (H,), eps,
    mask (1|4, N, H) or None, last (N,) or None) -> (h_t for every t (L, N, H), c at step ``last`` (N, H))."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, gain_h, gain_c, bias_c, eps, mask, last):
        ctx.set_materialize_grads(False)                                               # an unused output: None, no zeros
        L, N, H4 = xp.shape
        H = H4 // 4
        product = MaskedProduct(weight, mask)
        acts = fresh(xp)                                                               # (L, N, 4H): xp_t, then gates
        rec = torch.empty_like(acts)                                                   # (L, N, 4H): r_t = W_h (m h)
        g_all, cs, tanh_c_hats, hs = (xp.new_empty(L, N, H) for _ in range(4))         # (L, N, H) each
        a_steps, r_steps = acts.unbind(0), rec.unbind(0)
        ag_steps = acts[..., 2 * H:3 * H].unbind(0)
        i_steps, f_steps, o_steps = (acts[..., k * H:(k + 1) * H].unbind(0) for k in (0, 1, 3))  # L x (N, H) each
        g_steps, c_steps, h_steps = g_all.unbind(0), cs.unbind(0), hs.unbind(0)
        tanh_c_hat_steps = tanh_c_hats.unbind(0)
        stats_h, stats_c = [], []                                                      # L x (mean, rstd), (N, 1) each
        h, c = h0, c0
        for t in range(L):
            product.write(r_steps[t], h)                                               # r_t = W_h (m h)
            r_norm, *stats = layer_norm(r_steps[t], gain_h, None, eps)                 # gamma_h r-hat
            stats_h.append(stats)
            a_steps[t].add_(r_norm)                                                    # a_t = xp_t + LN_h(r_t)
            torch.tanh(ag_steps[t], out=g_steps[t])                                    # g, kept apart
            a_steps[t].sigmoid_()                                                      # i, f, o (g's slot unused)
            torch.mul(f_steps[t], c, out=c_steps[t]).addcmul_(i_steps[t], g_steps[t])  # c_t = f c + i g
            c_norm, *stats = layer_norm(c_steps[t], gain_c, bias_c, eps)               # LN_c(c_t)
            stats_c.append(stats)
            torch.tanh(c_norm, out=tanh_c_hat_steps[t])                                # kept for the backward
            torch.mul(o_steps[t], tanh_c_hat_steps[t], out=h_steps[t])                 # h_t = o tanh(LN_c(c_t))
            h, c = h_steps[t], c_steps[t]
        mean_h, rstd_h = (torch.stack(s) for s in zip(*stats_h))                       # (L, N, 1) each
        mean_c, rstd_c = (torch.stack(s) for s in zip(*stats_c))
        c_last = (cs[-1] if last is None else cs[last, torch.arange(N, device=xp.device)]).clone()
        ctx.save_for_backward(acts, rec, g_all, cs, tanh_c_hats, hs, mean_h, rstd_h, mean_c, rstd_c, h0, c0, weight,
                              gain_h, gain_c, bias_c, mask, last)
        return hs, c_last

    @staticmethod
    @once_differentiable
    @flush_subnormals
    def backward(ctx, d_hs, d_c_last):
        (acts, rec, g, cs, tanh_c_hat, hs, mean_h, rstd_h, mean_c, rstd_c, h0, c0, weight,
         gain_h, gain_c, bias_c, mask, last) = ctx.saved_tensors
        L, N, H4 = acts.shape
        H = H4 // 4
        product = MaskedProduct(weight, mask)
        acts, g, tanh_c_hat = working(acts, g, tanh_c_hat)                             # overwritten below
        da, to_dc_hat, f = gate_factors_(acts, g, tanh_c_hat, c0, cs)                  # (L, N, 4H), becomes dL/da
        da_o = da[..., 3 * H:]
        dh_all = None if d_hs is None else torch.empty_like(cs).copy_(d_hs)            # dL/dy_t, to become dL/dh_t
        dh_steps = [None] * L if dh_all is None else dh_all.unbind(0)                  # L x (N, H)
        d_c_steps = None
        if last is not None and d_c_last is not None:                                  # dL/dc_last, at each one's step
            d_c_steps = torch.zeros_like(cs)
            d_c_steps[last, torch.arange(N, device=cs.device)] = d_c_last
        d_c_hat = torch.empty_like(cs)                                                 # dL/dLN_c(c_t)
        dr_steps = [None] * L                                                          # dL/dr_t, (N, 4H) each
        da_steps, dc_hat_steps = da.unbind(0), d_c_hat.unbind(0)
        da_cell_steps = da.view(L, N, 4, H)[:, :, :3].unbind(0)                        # L x (N, 3, H): i, f, g
        da_o_steps, to_dc_hat_steps, f_steps = da_o.unbind(0), to_dc_hat.unbind(0), f.unbind(0)
        carry = None                                                                   # dL/dc_{t+1}
        for t in range(L - 1, -1, -1):
            dh = dh_step(product, dh_steps[t], dr_steps[t + 1] if t < L - 1 else None, cs[0])  # dL/dh_t, in place
            torch.mul(dh, to_dc_hat_steps[t], out=dc_hat_steps[t])                     # dL/dc-hat_t
            dc = layer_norm_input_grad(dc_hat_steps[t], cs[t], mean_c[t], rstd_c[t], gain_c)  # dL/dc_t through h_t
            if carry is not None:
                dc.addcmul_(carry, f_steps[t + 1])                                     # + through c_{t+1}
            elif last is None and d_c_last is not None:
                dc.add_(d_c_last)                                                      # enters at the final step
            if d_c_steps is not None:
                dc.add_(d_c_steps[t])
            da_cell_steps[t].mul_(dc.unsqueeze(1))                                     # da_i, da_f, da_g
            da_o_steps[t].mul_(dh)                                                     # da_o
            dr_steps[t] = layer_norm_input_grad(da_steps[t], rec[t], mean_h[t], rstd_h[t], gain_h)  # dL/dr_t
            carry = dc
        d_h0 = product.back(dr_steps[0])                                               # (N, H)
        d_c0 = carry * f_steps[0]
        d_weight = recurrent_weight_grad(product, torch.stack(dr_steps), h0, hs)       # (4H, H)
        d_gain_h, _ = layer_norm_param_grads(da, rec, mean_h, rstd_h, gain_h, None)
        d_gain_c, d_bias_c = layer_norm_param_grads(d_c_hat, cs, mean_c, rstd_c, gain_c, bias_c)
        return da, d_h0, d_c0, d_weight, d_gain_h, d_gain_c, d_bias_c, None, None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    norms = params("ln_hh_weight", "ln_c_weight", "ln_c_bias")
    return LayerNormLSTMFunction.apply(xp, h0, state[1], weight, *norms, cells[0].layer_norm_eps, mask, last)


def _project(cell, x, masks):
    """LN_x(W_x x) + b for every step: the norm over the fast input product."""
    return cell.normalise_input(projection(cell, x, masks))


KERNEL = Kernel(LayerNormLSTMCell, LayerNormLSTMFunction, _launch, project=_project)
