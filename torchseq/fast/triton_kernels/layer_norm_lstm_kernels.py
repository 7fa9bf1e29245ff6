r"""The layer-normalised LSTM's persistent kernels in Triton (Ba, Kiros & Hinton 2016 as haste has it;
:class:`~torchseq.LayerNormLSTMCell`): one launch runs the whole forward loop, one the whole backward. Layout,
tiles and masks as in :mod:`torchseq.fast.triton_kernels.lstm_kernels`; a program holds all H units of its
samples, so both norms' statistics are sums inside it (LN_h over the 4H recurrent pre-activations, LN_c over
the H units of c_t; padded units masked out).

Forward, per step t, with xp_t = LN_x(W_x x_t) + b computed for all t before the launch:

.. math::
    r_g &= (m_g \odot h_{t-1}) W_g^\top, \quad \hat r = (r - \mu_r) / \sqrt{\sigma_r^2 + \epsilon}
    \ \text{(over all 4H)}, \quad a_g = xp_{t,g} + \gamma_{h,g} \odot \hat r_g \\
    c_t &= f \odot c_{t-1} + i \odot g, \quad \hat c = (c_t - \mu_c) / \sqrt{\sigma_c^2 + \epsilon}, \quad
    h_t = o \odot \tanh(\gamma_c \odot \hat c + \beta_c)

Backward, t = L-1 .. 0, with dh_t = dL/dy_t + \sum_g m_g \odot (dr_{t+1,g} W_g), T = tanh(LN_c(c_t)):

.. math::
    da_o &= dh_t\, T\, o (1-o), \quad d\check c = dh_t\, o (1 - T^2), \quad
    dc_t = \mathrm{LN}'(\gamma_c d\check c) + dc_{t+1} f_{t+1} \\
    da_{i,f,g} &= dc_t\, (g\, i(1-i),\ c_{t-1} f(1-f),\ i (1-g^2)), \quad
    dr = \mathrm{LN}'(\gamma_h \odot da)

with LN'(u) = (u - mean(u) - \hat x\, mean(u \hat x)) / \sqrt{\sigma^2 + \epsilon} over the norm's units. dW_h,
the gains and shift are products and sums after the launch.

Buffers (rows b = d*N + n):

=========  ==========================================  =============================================
buffer     forward                                     backward
=========  ==========================================  =============================================
xp         (L, D*N, 4H) read                           --
acts       (L, D*N, 4H) written: i, f, g, o            read
rhats      (L, D*N, 4H) written: \hat r                read
chats      (L, D*N, H) written: \hat c                 read
cs         (L, D*N, H) written: c_t                    read: c_{t-1}
rstds      (L, D*N, 2) written: 1/sqrt(var + eps) of   read
           r and of c
hs         (L, D*N, H) written: h_t, the output        --
d_hs       --                                          (L, D*N, H) read: dL/dy_t
da, dr     --                                          (L, D*N, 4H) written: dL/da_t = dL/dxp, dL/dr_t
dchecks    --                                          (L, D*N, H) written: dL/d(LN_c(c_t))
=========  ==========================================  =============================================
"""
from __future__ import annotations

import triton
import triton.language as tl

from .lstm_kernels import (_final_cell_grad, _gate_masks, _gate_weights, _gate_weights_t, _read, _tanh,
                           _through_gates, _tile)


@triton.jit
def _gain(gain_ptr, g, H, cols, ACC: tl.constexpr):
    """Gate g's block of a (4H,) gain, (1, BLOCK_H)."""
    return _read(gain_ptr + g * H + cols, cols < H, ACC)[None, :]


@triton.jit
def ln_lstm_forward(xp_ptr, h0_ptr, c0_ptr, w_ptr, gain_h_ptr, gain_c_ptr, bias_c_ptr, mask_ptr, acts_ptr, rhats_ptr,
                    chats_ptr, cs_ptr, rstds_ptr, hs_ptr, L, N, H, D, eps, MASK: tl.constexpr, BLOCK_N: tl.constexpr,
                    BLOCK_H: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The forward loop of one tile of samples: grid (cdiv(N, BLOCK_N), D)."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    w_i, w_f, w_g, w_o = _gate_weights_t(w_ptr, d, H, BLOCK_H, ACC)                # W_g^T, resident for the loop
    m_i, m_f, m_g, m_o = _gate_masks(mask_ptr, DN, H, rows, cols, ok, MASK, ACC)
    gain_c = _read(gain_c_ptr + cols, cols < H, ACC)[None, :]
    bias_c = _read(bias_c_ptr + cols, cols < H, ACC)[None, :]
    state = rows[:, None] * H + cols[None, :]
    h = _read(h0_ptr + state, ok, ACC)
    c = _read(c0_ptr + state, ok, ACC)
    for t in range(0, L):
        gate = (t * DN + rows[:, None]) * 4 * H + cols[None, :]                   # block i of step t; + g*H for g
        step = t * DN * H + state
        r_i = tl.dot(h * m_i, w_i, input_precision=PRECISION)                    # r_g = (m_g h) W_g^T
        r_f = tl.dot(h * m_f, w_f, input_precision=PRECISION)
        r_g = tl.dot(h * m_g, w_g, input_precision=PRECISION)
        r_o = tl.dot(h * m_o, w_o, input_precision=PRECISION)
        mu = (tl.sum(r_i, axis=1) + tl.sum(r_f, axis=1) + tl.sum(r_g, axis=1) + tl.sum(r_o, axis=1)) / (4 * H)
        r_i = tl.where(ok, r_i - mu[:, None], 0.0)                               # centred, zero in padded units
        r_f = tl.where(ok, r_f - mu[:, None], 0.0)
        r_g = tl.where(ok, r_g - mu[:, None], 0.0)
        r_o = tl.where(ok, r_o - mu[:, None], 0.0)
        var = (tl.sum(r_i * r_i, axis=1) + tl.sum(r_f * r_f, axis=1) + tl.sum(r_g * r_g, axis=1)
               + tl.sum(r_o * r_o, axis=1)) / (4 * H)
        rstd_r = 1.0 / tl.sqrt(var + eps)                                         # (BLOCK_N,)
        r_i = r_i * rstd_r[:, None]                                               # r-hat, gate by gate
        r_f = r_f * rstd_r[:, None]
        r_g = r_g * rstd_r[:, None]
        r_o = r_o * rstd_r[:, None]
        i = tl.sigmoid(_read(xp_ptr + gate, ok, ACC) + _gain(gain_h_ptr, 0, H, cols, ACC) * r_i)
        f = tl.sigmoid(_read(xp_ptr + gate + H, ok, ACC) + _gain(gain_h_ptr, 1, H, cols, ACC) * r_f)
        g = _tanh(_read(xp_ptr + gate + 2 * H, ok, ACC) + _gain(gain_h_ptr, 2, H, cols, ACC) * r_g)
        o = tl.sigmoid(_read(xp_ptr + gate + 3 * H, ok, ACC) + _gain(gain_h_ptr, 3, H, cols, ACC) * r_o)
        c = tl.where(ok, f * c + i * g, 0.0)                                      # c_t
        centred = tl.where(ok, c - tl.sum(c, axis=1)[:, None] / H, 0.0)
        rstd_c = 1.0 / tl.sqrt(tl.sum(centred * centred, axis=1) / H + eps)
        c_hat = centred * rstd_c[:, None]
        h = tl.where(ok, o * _tanh(gain_c * c_hat + bias_c), 0.0)                 # h_t = o tanh(LN_c(c_t))
        tl.store(acts_ptr + gate, i, mask=ok)
        tl.store(acts_ptr + gate + H, f, mask=ok)
        tl.store(acts_ptr + gate + 2 * H, g, mask=ok)
        tl.store(acts_ptr + gate + 3 * H, o, mask=ok)
        tl.store(rhats_ptr + gate, r_i, mask=ok)
        tl.store(rhats_ptr + gate + H, r_f, mask=ok)
        tl.store(rhats_ptr + gate + 2 * H, r_g, mask=ok)
        tl.store(rhats_ptr + gate + 3 * H, r_o, mask=ok)
        tl.store(chats_ptr + step, c_hat, mask=ok)
        tl.store(cs_ptr + step, c, mask=ok)
        tl.store(rstds_ptr + (t * DN + rows) * 2, rstd_r, mask=n < N)
        tl.store(rstds_ptr + (t * DN + rows) * 2 + 1, rstd_c, mask=n < N)
        tl.store(hs_ptr + step, h, mask=ok)


@triton.jit
def ln_lstm_backward(acts_ptr, rhats_ptr, chats_ptr, cs_ptr, c0_ptr, rstds_ptr, w_ptr, gain_h_ptr, gain_c_ptr,
                     bias_c_ptr, mask_ptr, d_hs_ptr, d_c_last_ptr, last_ptr, da_ptr, dr_ptr, dchecks_ptr, d_h0_ptr,
                     d_c0_ptr, L, N, H, D, MASK: tl.constexpr, HAS_D_HS: tl.constexpr, HAS_D_C_LAST: tl.constexpr,
                     HAS_LAST: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, PRECISION: tl.constexpr,
                     ACC: tl.constexpr):
    """The reverse loop of one tile of samples: grid (cdiv(N, BLOCK_N), D). Writes da (= dL/dxp), dr, dL/dLN_c(c),
    dL/dh_0 and dL/dc_0."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    w_i, w_f, w_g, w_o = _gate_weights(w_ptr, d, H, BLOCK_H, ACC)                  # W_g, resident for the loop
    m_i, m_f, m_g, m_o = _gate_masks(mask_ptr, DN, H, rows, cols, ok, MASK, ACC)
    gain_c = _read(gain_c_ptr + cols, cols < H, ACC)[None, :]
    bias_c = _read(bias_c_ptr + cols, cols < H, ACC)[None, :]
    state = rows[:, None] * H + cols[None, :]
    dh_rec = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)                              # sum_g m_g (dr_{t+1,g} W_g)
    dc = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)                                  # dL/dc_{t+1} f_{t+1}
    d_c_last, final = _final_cell_grad(d_c_last_ptr, last_ptr, state, ok, rows, n, N, L, HAS_D_C_LAST, HAS_LAST,
                                       BLOCK_N, BLOCK_H, ACC)
    for s in range(0, L):
        t = L - 1 - s
        step = t * DN * H + state
        gate = (t * DN + rows[:, None]) * 4 * H + cols[None, :]
        dh = dh_rec
        if HAS_D_HS:
            dh += _read(d_hs_ptr + step, ok, ACC)                                 # + dL/dy_t
        i = _read(acts_ptr + gate, ok, ACC)
        f = _read(acts_ptr + gate + H, ok, ACC)
        g = _read(acts_ptr + gate + 2 * H, ok, ACC)
        o = _read(acts_ptr + gate + 3 * H, ok, ACC)
        c_hat = _read(chats_ptr + step, ok, ACC)
        rstd_r = _read(rstds_ptr + (t * DN + rows) * 2, n < N, ACC)
        rstd_c = _read(rstds_ptr + (t * DN + rows) * 2 + 1, n < N, ACC)
        tanh_c = _tanh(gain_c * c_hat + bias_c)                                   # tanh(LN_c(c_t))
        da_o = tl.where(ok, dh * tanh_c * o * (1.0 - o), 0.0)
        u = tl.where(ok, gain_c * dh * o * (1.0 - tanh_c * tanh_c), 0.0)         # gamma_c dL/dLN_c(c_t)
        dc += ((u - tl.sum(u, axis=1)[:, None] / H - c_hat * (tl.sum(u * c_hat, axis=1) / H)[:, None])
               * rstd_c[:, None])                                                 # + LN_c's input gradient
        dc += tl.where((final == t)[:, None], d_c_last, 0.0)                      # dL/dc_last enters at its step
        c_prev = (_read(cs_ptr + step - DN * H, ok & (t > 0), ACC)
                  + _read(c0_ptr + state, ok & (t == 0), ACC))
        da_i = tl.where(ok, dc * g * i * (1.0 - i), 0.0)
        da_f = tl.where(ok, dc * c_prev * f * (1.0 - f), 0.0)
        da_g = tl.where(ok, dc * i * (1.0 - g * g), 0.0)
        tl.store(da_ptr + gate, da_i, mask=ok)
        tl.store(da_ptr + gate + H, da_f, mask=ok)
        tl.store(da_ptr + gate + 2 * H, da_g, mask=ok)
        tl.store(da_ptr + gate + 3 * H, da_o, mask=ok)
        tl.store(dchecks_ptr + step, tl.where(ok, dh * o * (1.0 - tanh_c * tanh_c), 0.0), mask=ok)
        u_i = _gain(gain_h_ptr, 0, H, cols, ACC) * da_i                           # gamma_h da, gate by gate
        u_f = _gain(gain_h_ptr, 1, H, cols, ACC) * da_f
        u_g = _gain(gain_h_ptr, 2, H, cols, ACC) * da_g
        u_o = _gain(gain_h_ptr, 3, H, cols, ACC) * da_o
        r_i = _read(rhats_ptr + gate, ok, ACC)
        r_f = _read(rhats_ptr + gate + H, ok, ACC)
        r_g = _read(rhats_ptr + gate + 2 * H, ok, ACC)
        r_o = _read(rhats_ptr + gate + 3 * H, ok, ACC)
        mean_u = (tl.sum(u_i, axis=1) + tl.sum(u_f, axis=1) + tl.sum(u_g, axis=1) + tl.sum(u_o, axis=1)) / (4 * H)
        mean_ur = (tl.sum(u_i * r_i, axis=1) + tl.sum(u_f * r_f, axis=1) + tl.sum(u_g * r_g, axis=1)
                   + tl.sum(u_o * r_o, axis=1)) / (4 * H)
        dr_i = tl.where(ok, (u_i - mean_u[:, None] - r_i * mean_ur[:, None]) * rstd_r[:, None], 0.0)
        dr_f = tl.where(ok, (u_f - mean_u[:, None] - r_f * mean_ur[:, None]) * rstd_r[:, None], 0.0)
        dr_g = tl.where(ok, (u_g - mean_u[:, None] - r_g * mean_ur[:, None]) * rstd_r[:, None], 0.0)
        dr_o = tl.where(ok, (u_o - mean_u[:, None] - r_o * mean_ur[:, None]) * rstd_r[:, None], 0.0)
        tl.store(dr_ptr + gate, dr_i, mask=ok)
        tl.store(dr_ptr + gate + H, dr_f, mask=ok)
        tl.store(dr_ptr + gate + 2 * H, dr_g, mask=ok)
        tl.store(dr_ptr + gate + 3 * H, dr_o, mask=ok)
        dh_rec = _through_gates(dr_i, dr_f, dr_g, dr_o, w_i, w_f, w_g, w_o, m_i, m_f, m_g, m_o, PRECISION)
        dc = dc * f                                                               # carried to step t-1
    tl.store(d_h0_ptr + state, dh_rec, mask=ok)
    tl.store(d_c0_ptr + state, dc, mask=ok)
