r"""The GRU's fast path in both conventions: the step loop without autograd, BPTT written out.

Reset after (torch.nn, cuDNN), gate order r, z, n; xp_t = W_x x_t + b_x for all t before the loop:

.. math::
    R_t &= W_h (m \odot h_{t-1}) + b_h                     \quad\text{one product, (N, 3H)} \\
    r &= \sigma(xp_r + R_r), \quad z = \sigma(xp_z + R_z), \quad n = \phi(xp_n + r \odot R_n) \\
    h_t &= z \odot h_{t-1} + (1 - z) \odot n                \quad(\text{computed as } n + z (h_{t-1} - n))

Reset before (Hands-On ML eq. 15-4), xp_t = W_x x_t + b:

.. math::
    r, z &= \sigma(xp_{r,z} + W_{h,rz} (m_{rz} \odot h_{t-1})), \quad
    n = \phi(xp_n + W_{hn} (m_n \odot r \odot h_{t-1})), \quad h_t = z h_{t-1} + (1 - z) n

with phi = tanh (or relu, the cell's ``activation``). Backward, t = L-1 .. 0, with dh_t = dL/dh_t:
dn = dh (1-z) phi'(.) (1-n^2 for tanh, [n > 0] for relu), dz = dh (h_{t-1} - n) z(1-z),
and for reset after dR_n = dn r, dr = dn R_n r(1-r); for reset before d(rh) = m_n W_hn^T dn,
dr = d(rh) h_{t-1} r(1-r). Then dh_{t-1} = dL/dy_{t-1} + z dh_t + m W_h^T [dr, dz, dR_n]
(reset before: + r d(rh), and W_h^T over the r, z block only). The gradient-independent factors are
computed for all t before the reverse loop; the weight gradients are one product over all timesteps.
computed for all t before the reverse loop; the weight gradients are one product over all timesteps.

Buffers of the reset-after kernel (L steps each; "over" = the same memory under a new name):

==========  ===========================================  ================================================
buffer      forward                                      backward
==========  ===========================================  ================================================
work        blocks r, z: xp + b_h, then r, z; block n:   ``to_dr``, ``to_dz``, ``to_drec_n`` (factors per
            R_n = W_hn (m h) + b_hn                      unit dh_t); then dL/dR_t, returned as dL/dxp (its
            (L, N, 3H), or (L, 3, N, H) gate-major       n block rewritten to dL/dxp_n after dW_h)
ns          n_t                                          ``diff`` h_{t-1} - n_t, ``to_r``, then ``dh_all``:
                                                         dL/dy_t accumulating dL/dh_t
hs          h_t, the output                              read: h_{t-1}
(new)                                                    ``z_kept`` z_t; ``to_dn`` (1 - z) phi'
==========  ===========================================  ================================================

Buffers of the reset-before kernel:

==========  ===========================================  ================================================
buffer      forward                                      backward
==========  ===========================================  ================================================
a_rz        xp_rz; then r, z                             ``r`` (then m_n r), ``z``: read in the loop
a_n         xp_n; then n_t                               h_{t-1} - n_t; then ``dh_all``: dL/dy_t, dL/dh_t
rh          m_n r h_{t-1}, the candidate's input         read: dW_hn
hs          h_t, the output                              read: h_{t-1}
(new) d_xp                                               dr, dz, dn (factors, then gradients), returned
(new)                                                    ``to_dr``: m_n h_{t-1} r(1-r)
==========  ===========================================  ================================================
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.gru import GRUCell
from .kernel import Kernel
from .layout import (arrange, fresh, gate_blocks, gate_first, gate_major_view, gate_span, like_xp, per_gate,
                     product_for, sizes)
from .product import activation_backward, recurrent_weight_grad, sigmoid_backward
from .workspace import working
from .subnormal import flush_subnormals


class GRUResetAfterFunction(torch.autograd.Function):
    """(xp (L, N, 3H), h0 (N, H), W_h (3H, H), b_h (3H,), mask (1|3, N, H) or None, relu) -> h_t for every t
    (L, N, H); ``relu``: the candidate's activation is relu instead of tanh. For D directions in one batch
    (:func:`torchseq.fast.dispatch.run_kernel`) W_h is (D, 3H, H) and b_h one row per sample, (N, 3H).
    With one mask per gate xp may come gate-first, (3, L, N, H) (:mod:`torchseq.fast.layout`).

    One working buffer holds the pre-activations: the r, z blocks start as xp + b_h and become r and z in
    place, the n block is R_n = W_hn (m h) + b_hn, which the candidate and the backward read; n and h_t have
    a buffer each. The backward turns these into its gradient factors on their last use
    (:mod:`torchseq.fast.workspace`)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, bias_hh, mask, relu):
        L, N, H = sizes(xp, 3)
        gate_major = per_gate(mask)                                                    # buffers (L, 3, N, H)
        product = product_for(weight, mask)
        work = _reset_after_start(xp, bias_hh, gate_major)                             # xp_rz + b_rz, b_n
        ns, hs = xp.new_empty(L, N, H), xp.new_empty(L, N, H)                          # n, h_t
        rz_steps, n_steps, h_steps = gate_span(work, 2, 3, gate_major).unbind(0), ns.unbind(0), hs.unbind(0)
        r_steps, z_steps, rec_n_steps = (block.unbind(0) for block in gate_blocks(work, 3, gate_major))
        xn_steps = (xp[2] if xp.dim() == 4 else xp[..., 2 * H:]).unbind(0)             # xp_n, L x (N, H)
        h = h0
        for t in range(L):
            product.accumulate(work[t], h)                                             # + W_h (m h)
            rz_steps[t].sigmoid_()                                                     # r, z
            _phi_(torch.addcmul(xn_steps[t], r_steps[t], rec_n_steps[t], out=n_steps[t]), relu)  # n = phi(xp_n + r R_n)
            torch.lerp(n_steps[t], h, z_steps[t], out=h_steps[t])                      # h_t = n + z (h - n)
            h = h_steps[t]
        ctx.save_for_backward(work, ns, hs, h0, weight, mask)
        ctx.relu, ctx.bias_per_row, ctx.xp_gate_first = relu, bias_hh.dim() == 2, xp.dim() == 4
        return hs

    @staticmethod
    @once_differentiable
    @flush_subnormals
    def backward(ctx, d_hs):
        saved = ctx.saved_tensors
        work, n = working(*saved[:2])                                                  # r, z, R_n and n, overwritten
        hs, h0, weight, mask = saved[2:]
        L, N, H = hs.shape
        gate_major = per_gate(mask)
        product = product_for(weight, mask)
        r, z, rec_n = gate_blocks(work, 3, gate_major)                                 # (L, N, H) each
        z_kept, to_dn = hs.new_empty(2, L, N, H).unbind(0)                             # z for the loop; dn_pre / dh_t
        z_kept.copy_(z)
        activation_backward(torch.neg(z, out=to_dn).add_(1), n, ctx.relu, to_dn)       # (1-z) phi'(.)
        diff = _previous_minus_(n, h0, hs)                                             # over n: h_{t-1} - n
        sigmoid_backward(diff, z, out=z)                                               # over z: to_dz = dz_pre / dh_t
        to_r = torch.mul(to_dn, rec_n, out=diff)                                       # dn_pre R_n / dh_t
        torch.mul(to_dn, r, out=rec_n)                                                 # over R_n: dR_n / dh_t
        sigmoid_backward(to_r, r, out=r)                                               # over r: to_dr = dr_pre / dh_t
        dh_all = to_r.copy_(d_hs)                                                      # dL/dy_t, then dL/dh_t
        d_rec_steps, dh_steps, z_steps = work.unbind(0), dh_all.unbind(0), z_kept.unbind(0)   # work: factors -> dL/dR
        if gate_major:
            d_rec3_steps, gate_axis = d_rec_steps, 0                                 # L x (3, N, H)
        else:
            d_rec3_steps, gate_axis = work.view(L, N, 3, H).unbind(0), 1              # L x (N, 3, H)
        for t in range(L - 1, -1, -1):
            dh = dh_steps[t]
            if t < L - 1:
                product.accumulate_back(dh, d_rec_steps[t + 1]).addcmul_(dh_steps[t + 1], z_steps[t + 1])
            d_rec3_steps[t].mul_(dh.unsqueeze(gate_axis))                             # dr, dz, dR_n at step t
        d_h0 = product.back(d_rec_steps[0]).addcmul_(dh_steps[0], z_steps[0])
        d_rec = gate_first(work) if gate_major else work                               # dL/dR, (3, L, N, H) | (L, N, 3H)
        if ctx.bias_per_row:
            d_bias = d_rec.sum(0)                                                      # (N, 3H)
        else:
            d_bias = d_rec.sum((1, 2)).flatten() if gate_major else d_rec.sum((0, 1))  # (3H,)
        d_weight = recurrent_weight_grad(product, d_rec, h0, hs)                       # (.., 3H, H), block n still dR_n
        d_xp_n = d_rec[2] if gate_major else d_rec[..., 2 * H:]
        torch.mul(to_dn, dh_all, out=d_xp_n)                                           # dxp_n = dn_pre; r, z as dR
        d_xp = like_xp(d_rec, ctx.xp_gate_first) if gate_major else d_rec
        return d_xp, d_h0, d_weight, d_bias, None, None


class GRUResetBeforeFunction(torch.autograd.Function):
    """(xp (L, N, 3H), h0 (N, H), W_h (3H, H), mask (1|3, N, H) or None, relu) -> h_t for every t (L, N, H).
    With one mask per gate xp may come gate-first, (3, L, N, H) (:mod:`torchseq.fast.layout`).

    Each step masks h_{t-1} once for both products, m * h (all rows), and keeps m_n * r * h_{t-1}, the
    candidate's product input, whose product then needs no mask. The backward computes its factors straight
    into the gradient it returns (xp's layout: its r, z blocks are the (r, z) product's dL/da, read by the
    weight gradient in place) and keeps dL/dh_t over the saved n, and m_n * r over r, on their last use
    (:mod:`torchseq.fast.workspace`)."""

    @staticmethod
    def forward(ctx, xp, h0, weight, mask, relu):
        L, N, H = sizes(xp, 3)
        gate_major = per_gate(mask)                                                    # r, z as (L, 2, N, H)
        p_rz, p_n = _products(weight, mask)
        first = xp.dim() == 4                                                          # gate-first (3, L, N, H)
        a_rz = arrange(xp[:2] if first else xp[..., :2 * H], 2, gate_major)            # xp_rz, then r, z
        a_n = fresh(xp[2] if first else xp[..., 2 * H:])                              # (L, N, H): xp_n, then n
        rh, hs = xp.new_empty(L, N, H), xp.new_empty(L, N, H)                          # m_n r h_{t-1}, h_t
        hm = None if mask is None else torch.empty_like(mask)                          # (3 | 1, N, H): m * h_{t-1}
        arz_steps, an_steps, rh_steps, h_steps = a_rz.unbind(0), a_n.unbind(0), rh.unbind(0), hs.unbind(0)
        r_steps, z_steps = (block.unbind(0) for block in gate_blocks(a_rz, 2, gate_major))
        h = h0
        for t in range(L):
            masked = h if mask is None else torch.mul(h, mask, out=hm)                 # m * h_{t-1}, every row
            p_rz.accumulate_masked(arz_steps[t], _rz_rows(masked, gate_major)).sigmoid_()  # r, z
            torch.mul(r_steps[t], _n_row(masked), out=rh_steps[t])                     # m_n r h_{t-1}
            _phi_(p_n.accumulate_masked(an_steps[t], rh_steps[t]), relu)               # n
            torch.lerp(an_steps[t], h, z_steps[t], out=h_steps[t])                    # h_t = n + z (h - n)
            h = h_steps[t]
        ctx.save_for_backward(a_rz, a_n, rh, hs, h0, weight, mask)
        ctx.relu, ctx.xp_gate_first = relu, first
        return hs

    @staticmethod
    @once_differentiable
    @flush_subnormals
    def backward(ctx, d_hs):
        saved = ctx.saved_tensors
        a_rz, n = working(*saved[:2])                                                  # r, z and n, overwritten
        rh, hs, h0, weight, mask = saved[2:]
        L, N, H = n.shape
        gate_major = per_gate(mask)
        p_rz, p_n = _products(weight, mask)
        r, z = gate_blocks(a_rz, 2, gate_major)                                        # (L, N, H) each
        d_xp = n.new_empty(3, L, N, H) if gate_major else n.new_empty(L, N, 3 * H)     # gate-first or torch.nn's
        dr, dz, d_n = d_xp.unbind(0) if gate_major else d_xp.split(H, dim=-1)          # (L, N, H) each
        d_rz = d_xp[:2] if gate_major else d_xp[..., :2 * H]                           # (2, L, N, H) or (L, N, 2H)
        activation_backward(torch.neg(z, out=d_n).add_(1), n, ctx.relu, d_n)           # dn_pre / dh_t = (1-z) phi'(.)
        sigmoid_backward(_previous_minus_(n, h0, hs), z, out=dz)                       # dz_pre / dh_t
        to_dr = torch.empty_like(n)                                                    # dr_pre / d(m_n r h) = m_n h r(1-r)
        sigmoid_backward(h0, r[0], out=to_dr[0])
        sigmoid_backward(hs[:-1], r[1:], out=to_dr[1:])
        if mask is not None:
            m_n = _n_row(mask)                                                         # (N, H)
            to_dr.mul_(m_n)
            r.mul_(m_n)                                                                # m_n r: d(m_n r h) / dh
        dh_all = n.copy_(d_hs)                                                         # dL/dy_t, then dL/dh_t
        dr_steps, dh_steps, to_dr_steps = dr.unbind(0), dh_all.unbind(0), to_dr.unbind(0)            # L x (N, H) each
        r_steps, z_steps = r.unbind(0), z.unbind(0)
        dn_steps, dz_steps = d_n.unbind(0), dz.unbind(0)
        dzn_steps = d_xp[1:].unbind(1) if gate_major else None                         # gate-first: L x (2, N, H), dz, dn
        drz_steps = d_rz.unbind(1 if gate_major else 0)                                # L x (2, N, H) or (N, 2H)
        dh = dh_steps[L - 1]                                                           # dL/dh_t, t = L-1
        for t in range(L - 1, -1, -1):
            if gate_major:
                dzn_steps[t].mul_(dh)                                                  # dz_pre, dn_pre in one call
            else:
                dz_steps[t].mul_(dh), dn_steps[t].mul_(dh)                             # (a strided pair is slower)
            d_rh = p_n.back(dn_steps[t])                                               # dL/d(m_n r h_{t-1})
            torch.mul(d_rh, to_dr_steps[t], out=dr_steps[t])                           # dr_pre
            back = (p_rz.accumulate_back(dh_steps[t - 1], drz_steps[t]) if t             # + m W_rz^T [dr, dz]
                    else p_rz.back(drz_steps[t]))
            dh = back.addcmul_(dh, z_steps[t]).addcmul_(d_rh, r_steps[t])              # dL/dh_{t-1}
        d_weight = torch.cat([recurrent_weight_grad(p_rz, d_rz, h0, hs),                # (.., 2H, H)
                              p_n.weight_grad(d_n, rh)], dim=-2)                       # + (.., H, H)
        d_xp = like_xp(d_xp, ctx.xp_gate_first) if gate_major else d_xp
        return d_xp, dh, d_weight, None, None


def _reset_after_start(xp: torch.Tensor, bias_hh: torch.Tensor, gate_major: bool) -> torch.Tensor:
    """The reset-after GRU's working buffer before the loop: xp_r + b_hr, xp_z + b_hz, b_hn for every step, in
    the layout of :func:`~torchseq.fast.layout.arrange` -- xp (L, N, 3H) or gate-first (3, L, N, H), b_h (3H,)
    or one row per sample (N, 3H) -> (L, N, 3H), or gate-major (L, 3, N, H)."""
    L, N, H = sizes(xp, 3)
    if not gate_major:
        work = xp.new_empty(L, N, 3 * H)
        torch.add(xp[..., :2 * H], bias_hh[..., :2 * H], out=work[..., :2 * H])
        work[..., 2 * H:] = bias_hh[..., 2 * H:]
        return work
    work = xp.new_empty(L, 3, N, H)
    b = bias_hh.view(3, 1, H)                                                          # (3, 1, H), per gate
    torch.add(gate_major_view(xp, 3)[:, :2], b[:2], out=work[:, :2])                   # (L, 2, N, H)
    work[:, 2] = b[2]
    return work


def _previous_minus_(x: torch.Tensor, h0: torch.Tensor, hs: torch.Tensor) -> torch.Tensor:
    """x_t <- h_{t-1} - x_t in place, h_{-1} = h0: x, hs (L, N, H), h0 (N, H) (no shifted copy of hs)."""
    torch.sub(h0, x[0], out=x[0])
    torch.sub(hs[:-1], x[1:], out=x[1:])
    return x


def _phi_(a: torch.Tensor, relu: bool) -> torch.Tensor:
    """The candidate's activation in place: relu or tanh."""
    return a.relu_() if relu else a.tanh_()


def _products(weight: torch.Tensor, mask):
    """The reset-before GRU's two products: (r, z) on h_{t-1} with its masks (per gate: masks 0-1 on gate-major
    r, z blocks; shared or none: the one mask) and n on m_n r h_{t-1}, which carries its mask already. W (3H, H),
    or (D, 3H, H) for D directions in one batch."""
    H = weight.shape[-1]
    w_rz, w_n = weight[..., :2 * H, :], weight[..., 2 * H:, :]                         # (.., 2H, H), (.., H, H)
    return product_for(w_rz, mask[:2] if per_gate(mask) else mask), product_for(w_n, None)


def _rz_rows(masked: torch.Tensor, gate_major: bool) -> torch.Tensor:
    """The r, z products' input from m * h (3 | 1, N, H), or h (N, H) without a mask: (2, N, H) per gate,
    else (N, H)."""
    if masked.dim() == 2:
        return masked
    return masked[:2] if gate_major else masked[0]


def _n_row(masked: torch.Tensor) -> torch.Tensor:
    """m_n * h (N, H) from m * h (3 | 1, N, H) -- the last row: the candidate's own mask, or the shared one --
    or h (N, H) itself."""
    return masked if masked.dim() == 2 else masked[-1]


def _launch_reset_after(cells, xp, h0, state, weight, mask, last, params):
    return GRUResetAfterFunction.apply(xp, h0, weight, *params("bias_hh"), mask, cells[0].activation == "relu"), None


def _launch_reset_before(cells, xp, h0, state, weight, mask, last, params):
    return GRUResetBeforeFunction.apply(xp, h0, weight, mask, cells[0].activation == "relu"), None


RESET_BEFORE = Kernel(GRUCell, GRUResetBeforeFunction, _launch_reset_before, applies=lambda cell: not cell.reset_after,
                      joins_directions=True, gate_first=True)
RESET_AFTER = Kernel(GRUCell, GRUResetAfterFunction, _launch_reset_after, applies=lambda cell: cell.reset_after,
                     joins_directions=True, gate_first=True)
