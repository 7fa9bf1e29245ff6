r"""The LSTM's fast path: the step loop without autograd, and backpropagation through time written out.

Forward, per step t (Hands-On ML eq. 15-3, torch.nn gate order i, f, g, o; xp_t = W_x x_t + b computed for
all t before the loop by the caller):

.. math::
    a_t &= xp_t + W_h (m \odot h_{t-1})                    \quad\text{one product, (N, 4H)} \\
    i, f, o &= \sigma(a_{i,f,o}), \quad g = \tanh(a_g) \\
    c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)

Backward, for t = L-1 .. 0 with dh_t = dL/dh_t (from the output and from step t+1) and the cell's carry
dc_t = dL/dc_t:

.. math::
    dc_t &= dh_t \odot o \odot (1 - \tanh^2 c_t) + dc_{t+1} \odot f_{t+1} \\
    da_i &= dc_t \odot g \odot i(1-i), \quad da_f = dc_t \odot c_{t-1} \odot f(1-f), \quad
    da_g = dc_t \odot i \odot (1-g^2), \quad da_o = dh_t \odot \tanh c_t \odot o(1-o) \\
    dh_{t-1} &= \partial L/\partial y_{t-1} + m \odot W_h^\top da_t

Every factor that does not depend on the incoming gradient (``o(1 - tanh^2 c)`` and the four
``da / dc`` or ``da / dh`` factors) is computed for all t at once before the reverse loop, which is then
five operations per step; the weight gradient is one product over all timesteps,
dW_h = sum_t da_t^T (m h_{t-1}), and dxp = da (the caller's autograd takes it to W_x, b and x) -- the
organisation of cuDNN's and haste's LSTM backward.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from .product import MaskedProduct, sigmoid_backward as _sigmoid_backward, tanh_backward as _tanh_backward


class LSTMFunction(torch.autograd.Function):
    """(xp (L, N, 4H), h0, c0 (N, H), W_h (4H, H), mask (1|4, N, H) or None, last (N,) or None)
    -> (h_t for every t (L, N, H), the cell state at step ``last`` (N, H); the final step when None)."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, mask, last):
        L, N, H4 = xp.shape
        H = H4 // 4
        product = MaskedProduct(weight, mask)
        acts = xp.clone()                                                              # (L, N, 4H): xp_t, then gates
        g_all, cs, hs = (xp.new_empty(L, N, H) for _ in range(3))                      # (L, N, H) each
        A, A_g = acts.unbind(0), acts[..., 2 * H:3 * H].unbind(0)                      # L x (N, 4H), g's pre-activation
        I, F, O = (acts[..., k * H:(k + 1) * H].unbind(0) for k in (0, 1, 3))          # L x (N, H) each
        G, C, Hs = g_all.unbind(0), cs.unbind(0), hs.unbind(0)
        h, c = h0, c0
        for t in range(L):
            product.accumulate(A[t], h)                                                # a_t = xp_t + W_h (m h)
            torch.tanh(A_g[t], out=G[t])                                               # g, kept apart
            A[t].sigmoid_()                                                            # i, f, o (g's slot unused)
            torch.mul(F[t], c, out=C[t]).addcmul_(I[t], G[t])                          # c_t = f c + i g
            torch.mul(O[t], torch.tanh(C[t]), out=Hs[t])                               # h_t = o tanh(c_t)
            h, c = Hs[t], C[t]
        c_last = (cs[-1] if last is None else cs[last, torch.arange(N, device=xp.device)]).clone()
        ctx.save_for_backward(acts, g_all, cs, hs, h0, c0, weight, mask, last)
        return hs, c_last

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_c_last):
        acts, g, cs, hs, h0, c0, weight, mask, last = ctx.saved_tensors
        L, N, H4 = acts.shape
        H = H4 // 4
        product = MaskedProduct(weight, mask)
        d_hs = torch.zeros_like(hs) if d_hs is None else d_hs.contiguous()
        d_c_last = torch.zeros_like(c0) if d_c_last is None else d_c_last
        i, f, _, o = acts.split(H, dim=-1)                                             # (L, N, H) each
        c_prev = torch.cat([c0.unsqueeze(0), cs[:-1]])                                 # (L, N, H)
        h_prev = torch.cat([h0.unsqueeze(0), hs[:-1]])                                 # (L, N, H)
        # Factors independent of the incoming gradient, for all t at once; sigmoid_backward(x, s) = x s(1-s)
        # and tanh_backward(x, y) = x (1-y^2) are ATen's one-pass derivative kernels.
        tanh_cs = torch.tanh(cs)                                                       # recomputed, not stored
        to_dc = _tanh_backward(o, tanh_cs)                                             # dc/dh: o (1 - tanh^2 c)
        da = torch.empty_like(acts)                                                    # (L, N, 4H), becomes dL/da
        da_i, da_f, da_g, da_o = da.split(H, dim=-1)
        _sigmoid_backward(g, i, out=da_i)                                              # g i(1-i)
        _sigmoid_backward(c_prev, f, out=da_f)                                         # c_{t-1} f(1-f)
        _tanh_backward(i, g, out=da_g)                                                 # i (1-g^2)
        _sigmoid_backward(tanh_cs, o, out=da_o)                                        # tanh(c) o(1-o)
        d_c_steps = None
        if last is not None:                                                           # dL/dc_last enters at its step
            d_c_steps = torch.zeros_like(cs)
            d_c_steps[last, torch.arange(N, device=cs.device)] = d_c_last
        dh_all = d_hs.clone()                                                          # dL/dy_t, then + the recurrence
        DA, DH, TO_DC, Fg = da.unbind(0), dh_all.unbind(0), to_dc.unbind(0), f.unbind(0)
        DA_cell = da.view(L, N, 4, H)[:, :, :3].unbind(0)                              # L x (N, 3, H): i, f, g
        DA_o = da_o.unbind(0)
        carry = d_c_last if last is None else None                                     # dL/dc_{t+1} f_{t+1} source
        for t in range(L - 1, -1, -1):
            dh = DH[t] if t == L - 1 else product.accumulate_back(DH[t], DA[t + 1])    # dL/dh_t
            dc = dh * TO_DC[t]                                                         # dL/dc_t
            if t < L - 1:
                dc.addcmul_(carry, Fg[t + 1])
            elif last is None:
                dc.add_(carry)
            if d_c_steps is not None:
                dc.add_(d_c_steps[t])
            DA_cell[t].mul_(dc.unsqueeze(1))                                           # da_i, da_f, da_g
            DA_o[t].mul_(dh)                                                           # da_o
            carry = dc
        d_h0 = product.back(DA[0])                                                     # (N, H)
        d_c0 = carry * Fg[0]
        d_weight = product.weight_grad(da, h_prev)                                     # (4H, H), one product
        return da, d_h0, d_c0, d_weight, None, None
