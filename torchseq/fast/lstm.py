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
organisation of cuDNN's and haste's LSTM backward. The factors are written over the forward's own buffers
(the gates become dL/da, g becomes dh/dc, tanh c_t keeps f, and c_t's buffer, once read, takes dL/dy_t and
accumulates dL/dh_t in place, one in-place product per step) when this backward is their last use
(:mod:`torchseq.fast.workspace`), so the backward allocates nothing the size of the sequence.

Buffers (L steps each; "over" = the same memory under a new name):

==========  ============================================  =====================================================
buffer      forward                                       backward
==========  ============================================  =====================================================
acts        xp_t; then a_t; then i, f, o (g's slot a_g)   ``da``: the factors d a / d c_t (i, f, g), d a_o / d h_t;
            (L, N, 4H), or (L, 4, N, H) gate-major        then dL/da_t = dL/dxp, returned
g_all       g_t                                           ``to_dc``: o (1 - tanh^2 c_t) = dh_t / dc_t
cs          c_t                                           read (c_{t-1}); then ``dh_all``: dL/dy_t, accumulating dL/dh_t
tanh_cs     tanh c_t                                      ``f``: the forget gate f_t = dc_t / dc_{t-1}
hs          h_t, the output                               read: h_{t-1} for dW_h
==========  ============================================  =====================================================

Per-step views are named ``<symbol>_steps`` (``i_steps[t]`` is i at step t).
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.lstm import LSTMCell
from .kernel import Kernel
from .layout import arrange, gate_blocks, gate_first, like_xp, per_gate, product_for, sizes
from .product import GateMajorProduct, MaskedProduct, recurrent_weight_grad
from .product import sigmoid_backward as _sigmoid_backward, tanh_backward as _tanh_backward
from .subnormal import flush_subnormals
from .workspace import scratch, working


class LSTMFunction(torch.autograd.Function):
    """(xp (L, N, 4H), h0, c0 (N, H), W_h (4H, H), mask (1|4, N, H) or None, last (N,) or None)
    -> (h_t for every t (L, N, H), the cell state at step ``last`` (N, H); the final step when None).

    With one mask per gate the step's pre-activations are kept gate-major, (4, N, H) instead of (N, 4H)
    (:mod:`torchseq.fast.layout`): the four masked products are one in-place batched product and every gate
    block is contiguous; xp may then come gate-first, (4, L, N, H), and the gradient is handed back in xp's
    layout."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, mask, last):
        ctx.set_materialize_grads(False)                                               # an unused output: None, no zeros
        L, N, H = sizes(xp, 4)
        gate_major = per_gate(mask)
        product = product_for(weight, mask)
        acts = arrange(xp, 4, gate_major)                                              # xp_t, then gates
        g_all, cs, tanh_cs, hs = (xp.new_empty(L, N, H) for _ in range(4))             # (L, N, H) each
        a_steps = acts.unbind(0)                                                       # L x (N, 4H) or (4, N, H)
        i_steps, f_steps, ag_steps, o_steps = (block.unbind(0)                          # L x (N, H) each
                                               for block in gate_blocks(acts, 4, gate_major))
        g_steps, c_steps, tanh_c_steps, h_steps = g_all.unbind(0), cs.unbind(0), tanh_cs.unbind(0), hs.unbind(0)
        h, c = h0, c0
        for t in range(L):
            product.accumulate(a_steps[t], h)                                          # a_t = xp_t + W_h (m h)
            torch.tanh(ag_steps[t], out=g_steps[t])                                    # g, kept apart
            a_steps[t].sigmoid_()                                                      # i, f, o (g's slot unused)
            torch.mul(f_steps[t], c, out=c_steps[t]).addcmul_(i_steps[t], g_steps[t])  # c_t = f c + i g
            torch.mul(o_steps[t], torch.tanh(c_steps[t], out=tanh_c_steps[t]), out=h_steps[t])  # h_t = o tanh(c_t)
            h, c = h_steps[t], c_steps[t]
        c_last = (cs[-1] if last is None else cs[last, torch.arange(N, device=xp.device)]).clone()
        ctx.save_for_backward(acts, g_all, cs, tanh_cs, hs, h0, c0, weight, mask, last)
        ctx.xp_gate_first = xp.dim() == 4
        return hs, c_last

    @staticmethod
    @once_differentiable
    @flush_subnormals
    def backward(ctx, d_hs, d_c_last):
        acts, g, cs, tanh_cs, hs, h0, c0, weight, mask, last = ctx.saved_tensors
        gate_major = per_gate(mask)
        product = product_for(weight, mask)
        acts, g, tanh_cs = working(acts, g, tanh_cs)                                   # overwritten below
        da, to_dc, f = gate_factors_(acts, g, tanh_cs, c0, cs, gate_major)             # da in acts' layout; cs read
        dh_all = None if d_hs is None else scratch(cs).copy_(d_hs)                     # dL/dy_t, to become dL/dh_t
        carry = backward_through_time(product, da, dh_all, to_dc, f, d_c_last, last, gate_major)   # dL/dc_0
        d_h0 = product.back(da[0])                                                     # (N, H)
        d_c0 = carry * f[0]
        d_xp = gate_first(da) if gate_major else da                                    # (4, L, N, H) or (L, N, 4H)
        d_weight = recurrent_weight_grad(product, d_xp, h0, hs)                        # (4H, H)
        return like_xp(d_xp, ctx.xp_gate_first) if gate_major else d_xp, d_h0, d_c0, d_weight, None, None


def gate_factors_(acts: torch.Tensor, g: torch.Tensor, tanh_out: torch.Tensor, c0: torch.Tensor, cs: torch.Tensor,
                  gate_major: bool = False):
    """The LSTM family's gradient-independent factors for all t at once, written over the forward's buffers
    (pass copies to keep them, :func:`torchseq.fast.workspace.working`). In: ``acts`` the gates i, f, o
    ((L, N, 4H), or gate-major (L, 4, N, H); g's block unused), ``g`` (L, N, H), ``tanh_out`` the tanh that o
    multiplies, c0 (N, H), cs (L, N, H) the cell states (read only). Out, as (da, to_dc, f):

        da      in acts: g i(1-i), c_{t-1} f(1-f), i (1-g^2) (each d a / d c_t) and tanh(.) o(1-o) (d a_o / d h_t)
        to_dc   in g: o (1 - tanh^2), d h_t / d tanh's argument
        f       in tanh_out: the forget gate, d c_t / d c_{t-1}

    ATen's one-pass derivative kernels: sigmoid_backward(x, s) = x s(1-s), tanh_backward(x, y) = x (1-y^2).
    Each is elementwise, so writing a result over one of its own inputs is exact; the order keeps every input
    until its last read."""
    i, f, g_slot, o = gate_blocks(acts, 4, gate_major)                                 # (L, N, H) each
    _tanh_backward(i, g, out=g_slot)                                                   # i (1-g^2), into g's unused slot
    _sigmoid_backward(g, i, out=i)                                                     # g i(1-i)
    to_dc = _tanh_backward(o, tanh_out, out=g)                                         # o (1 - tanh^2)
    _sigmoid_backward(tanh_out, o, out=o)                                              # tanh(.) o(1-o)
    f_kept = tanh_out.copy_(f)                                                         # f_t, before f's slot changes
    _sigmoid_backward(cs[:-1], f[1:], out=f[1:])                                       # c_{t-1} f(1-f), t >= 1
    _sigmoid_backward(c0, f[0], out=f[0])                                              # t = 0: c_{-1} = c0
    return acts, to_dc, f_kept


def backward_through_time(product: MaskedProduct | GateMajorProduct, da: torch.Tensor, d_hs, to_dc: torch.Tensor,
                          carry_factor: torch.Tensor, d_c_last, last, gate_major: bool = False) -> torch.Tensor:
    r"""The reverse loop shared by the LSTM family; returns dL/dc_0 and leaves dL/da_t in ``da``.

    On entry ``da`` (L, N, 4H), or (L, 4, N, H) with ``gate_major``, holds the gradient-independent
    factors: for the blocks i, f, g the factor d a / d c_t, for o the factor d a_o / d h_t. ``to_dc``
    (L, N, H) is dh_t/dc_t and ``carry_factor`` (L, N, H) is dc_t/dc_{t-1}, both total derivatives (through the peepholes where there are any;
    o (1 - tanh^2 c_t) and f_t for the plain LSTM). Per step t = L-1 .. 0:

    .. math::
        dh_t &= \partial L/\partial y_t + m \odot W_h^\top da_{t+1}, \qquad
        dc_t = dh_t \odot \text{to\_dc}_t + dc_{t+1} \odot \text{carry\_factor}_{t+1} \\
        da_{i,f,g} &\mathrel{*}= dc_t, \qquad da_o \mathrel{*}= dh_t

    d_hs (L, N, H) or None is dL/dy_t in a contiguous buffer of the caller's own, into which each step's
    dL/dh_t is accumulated (:func:`dh_step`). d_c_last (N, H) or None enters at step ``last`` (each sample's
    final step, (N,)) or at L-1 when ``last`` is None.
    """
    L, N, H = to_dc.shape
    da_steps, to_dc_steps, carry_steps = da.unbind(0), to_dc.unbind(0), carry_factor.unbind(0)
    dh_steps = [None] * L if d_hs is None else d_hs.unbind(0)                          # L x (N, H): dL/dy_t
    if gate_major:
        da_cell_steps, gate_axis = da[:, :3].unbind(0), 0                              # L x (3, N, H): i, f, g
    else:
        da_cell_steps, gate_axis = da.view(L, N, 4, H)[:, :, :3].unbind(0), 1          # L x (N, 3, H): i, f, g
    da_o_steps = gate_blocks(da, 4, gate_major)[3].unbind(0)                           # L x (N, H)
    d_c_steps = None
    if last is not None and d_c_last is not None:                                      # dL/dc_last enters at its step
        d_c_steps = torch.zeros_like(to_dc)
        d_c_steps[last, torch.arange(N, device=da.device)] = d_c_last
    carry = None                                                                       # dL/dc_{t+1}
    for t in range(L - 1, -1, -1):
        dh = dh_step(product, dh_steps[t], da_steps[t + 1] if t < L - 1 else None, to_dc[0])  # dL/dh_t
        dc = dh * to_dc_steps[t]                                                       # dL/dc_t
        if t < L - 1:
            dc.addcmul_(carry, carry_steps[t + 1])
        elif last is None and d_c_last is not None:
            dc.add_(d_c_last)
        if d_c_steps is not None:
            dc.add_(d_c_steps[t])
        da_cell_steps[t].mul_(dc.unsqueeze(gate_axis))                                 # da_i, da_f, da_g
        da_o_steps[t].mul_(dh)                                                         # da_o
        carry = dc
    return carry


def dh_step(product, dh, da_next, like: torch.Tensor) -> torch.Tensor:
    """dL/dh_t = dL/dy_t + m W_h^T da_{t+1} (N, H): ``dh`` is step t's (N, H) of the caller's buffer holding
    dL/dy_t, and the product is accumulated into it in place (one in-place product per step, no new (N, H)); it
    is None where the outputs have no gradient (a new tensor then), da_next None at the last step; ``like``
    gives the zeros' shape and dtype."""
    if da_next is None:
        return torch.zeros_like(like) if dh is None else dh
    return product.back(da_next) if dh is None else product.accumulate_back(dh, da_next)


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return LSTMFunction.apply(xp, h0, state[1], weight, mask, last)


KERNEL = Kernel(LSTMCell, LSTMFunction, _launch, joins_directions=True, gate_first=True)
