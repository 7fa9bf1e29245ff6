r"""The GRU's persistent kernels in Triton, both conventions: one launch runs the whole forward loop, one the
whole backward. The layout, tiles and masks are those of :mod:`torchseq.fast.triton_kernels.lstm_kernels`;
gate order r, z, n; phi = tanh, or relu with ``RELU``.

Reset after (torch.nn, cuDNN), xp_t = W_x x_t + b_x:

.. math::
    R_g = (m_g \odot h_{t-1}) W_g^\top + b_{hg}, \quad r = \sigma(xp_r + R_r), \quad z = \sigma(xp_z + R_z), \quad
    n = \phi(xp_n + r \odot R_n), \quad h_t = n + z \odot (h_{t-1} - n)

Backward: dn = dh (1-z) phi'(n), dz = dh (h_{t-1} - n) z(1-z), dR_n = dn r, dr = dn R_n r(1-r);
dxp = (dr, dz, dn), dR = (dr, dz, dR_n), dh_{t-1} = dh z + \sum_g m_g \odot (dR_g W_g).

Reset before (Hands-On ML eq. 15-4), xp_t = W_x x_t + b:

.. math::
    r = \sigma(xp_r + (m_r \odot h_{t-1}) W_r^\top), \quad z = \sigma(xp_z + (m_z \odot h_{t-1}) W_z^\top), \quad
    n = \phi(xp_n + (m_n \odot r \odot h_{t-1}) W_n^\top), \quad h_t = n + z \odot (h_{t-1} - n)

Backward: dn and dz as above, d(rh) = m_n \odot (dn W_n), dr = d(rh) h_{t-1} r(1-r); dxp = (dr, dz, dn),
dh_{t-1} = dh z + r \odot d(rh) + m_r \odot (dr W_r) + m_z \odot (dz W_z).

Buffers (rows b = d*N + n):

==========  ============================================  ===========================================
buffer      forward                                       backward
==========  ============================================  ===========================================
xp          (L, D*N, 3H) the input projection, read       --
acts        (L, D*N, 3H) written: r, z, n                 read
extra       (L, D*N, H) written: R_n (reset after), or    read
            m_n r h_{t-1} (reset before)
hs          (L, D*N, H) written: h_t, the output          read: h_{t-1}
d_hs        --                                            (L, D*N, H) read: dL/dy_t
d_xp        --                                            (L, D*N, 3H) written: dL/dxp
d_rec       --                                            (L, D*N, 3H) written: dL/dR (reset after only)
==========  ============================================  ===========================================
"""
from __future__ import annotations

import triton
import triton.language as tl

from .lstm_kernels import _mask_of, _read, _tanh, _tile, _weight, _weight_t


@triton.jit
def _phi(a, RELU: tl.constexpr):
    if RELU:
        return tl.maximum(a, 0.0)
    return _tanh(a)


@triton.jit
def _phi_grad(n, RELU: tl.constexpr):
    """phi'(a) read off n = phi(a): [n > 0] for relu, 1 - n^2 for tanh."""
    if RELU:
        return tl.where(n > 0.0, 1.0, 0.0)
    return 1.0 - n * n


@triton.jit
def _bias(b_ptr, g, H, rows, cols, ok, BIAS_ROWS: tl.constexpr, ACC: tl.constexpr):
    """b_hg for these rows: one vector (3H,), or one row per sample (D*N, 3H)."""
    if BIAS_ROWS:
        return _read(b_ptr + rows[:, None] * 3 * H + g * H + cols[None, :], ok, ACC)
    return _read(b_ptr + g * H + cols[None, :] + rows[:, None] * 0, ok, ACC)


@triton.jit
def gru_forward(xp_ptr, h0_ptr, w_ptr, b_ptr, mask_ptr, acts_ptr, extra_ptr, hs_ptr, L, N, H, D,
                RESET_AFTER: tl.constexpr, RELU: tl.constexpr, BIAS_ROWS: tl.constexpr, MASK: tl.constexpr,
                BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The forward loop of one tile of samples: grid (cdiv(N, BLOCK_N), D)."""
    d, n_idx, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    k = tl.arange(0, BLOCK_H)[:, None]
    j = tl.arange(0, BLOCK_H)[None, :]
    w_r = _weight_t(w_ptr, d, 0, 3, H, k, j, ACC)                             # W_g^T, resident for the loop
    w_z = _weight_t(w_ptr, d, 1, 3, H, k, j, ACC)
    w_n = _weight_t(w_ptr, d, 2, 3, H, k, j, ACC)
    m_r = _mask_of(mask_ptr, 0, DN, H, rows, cols, ok, MASK, ACC)
    m_z = _mask_of(mask_ptr, 1, DN, H, rows, cols, ok, MASK, ACC)
    m_n = _mask_of(mask_ptr, 2, DN, H, rows, cols, ok, MASK, ACC)
    if RESET_AFTER:
        b_r = _bias(b_ptr, 0, H, rows, cols, ok, BIAS_ROWS, ACC)
        b_z = _bias(b_ptr, 1, H, rows, cols, ok, BIAS_ROWS, ACC)
        b_n = _bias(b_ptr, 2, H, rows, cols, ok, BIAS_ROWS, ACC)
    state = rows[:, None] * H + cols[None, :]
    h = _read(h0_ptr + state, ok, ACC)
    for t in range(0, L):
        gate = (t * DN + rows[:, None]) * 3 * H + cols[None, :]               # block r of step t; + g*H for g
        step = t * DN * H + state
        x_r = _read(xp_ptr + gate, ok, ACC)
        x_z = _read(xp_ptr + gate + H, ok, ACC)
        x_n = _read(xp_ptr + gate + 2 * H, ok, ACC)
        if RESET_AFTER:
            rec_n = tl.dot(h * m_n, w_n, input_precision=PRECISION) + b_n    # R_n
            r = tl.sigmoid(x_r + tl.dot(h * m_r, w_r, input_precision=PRECISION) + b_r)
            z = tl.sigmoid(x_z + tl.dot(h * m_z, w_z, input_precision=PRECISION) + b_z)
            n = _phi(x_n + r * rec_n, RELU)                                   # candidate, reset after W_hn
            tl.store(extra_ptr + step, rec_n, mask=ok)
        else:
            r = tl.sigmoid(x_r + tl.dot(h * m_r, w_r, input_precision=PRECISION))
            z = tl.sigmoid(x_z + tl.dot(h * m_z, w_z, input_precision=PRECISION))
            rh = m_n * r * h                                                  # the candidate's product input
            n = _phi(x_n + tl.dot(rh, w_n, input_precision=PRECISION), RELU)  # candidate, reset before W_hn
            tl.store(extra_ptr + step, rh, mask=ok)
        h = n + z * (h - n)                                                   # h_t = z h_{t-1} + (1 - z) n
        tl.store(acts_ptr + gate, r, mask=ok)
        tl.store(acts_ptr + gate + H, z, mask=ok)
        tl.store(acts_ptr + gate + 2 * H, n, mask=ok)
        tl.store(hs_ptr + step, h, mask=ok)


@triton.jit
def gru_backward(acts_ptr, extra_ptr, hs_ptr, h0_ptr, w_ptr, mask_ptr, d_hs_ptr, d_xp_ptr, d_rec_ptr, d_h0_ptr,
                 L, N, H, D, RESET_AFTER: tl.constexpr, RELU: tl.constexpr, MASK: tl.constexpr,
                 BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The reverse loop of one tile of samples: grid (cdiv(N, BLOCK_N), D). Writes dL/dxp, dL/dR (reset after)
    and dL/dh_0."""
    d, n_idx, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    j = tl.arange(0, BLOCK_H)[:, None]
    k = tl.arange(0, BLOCK_H)[None, :]
    w_r = _weight(w_ptr, d, 0, 3, H, j, k, ACC)                               # W_g, resident for the loop
    w_z = _weight(w_ptr, d, 1, 3, H, j, k, ACC)
    w_n = _weight(w_ptr, d, 2, 3, H, j, k, ACC)
    m_r = _mask_of(mask_ptr, 0, DN, H, rows, cols, ok, MASK, ACC)
    m_z = _mask_of(mask_ptr, 1, DN, H, rows, cols, ok, MASK, ACC)
    m_n = _mask_of(mask_ptr, 2, DN, H, rows, cols, ok, MASK, ACC)
    state = rows[:, None] * H + cols[None, :]
    dh_rec = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)                          # dL/dh_t through step t+1
    for s in range(0, L):
        t = L - 1 - s
        step = t * DN * H + state
        dh = dh_rec + _read(d_hs_ptr + step, ok, ACC)                         # dL/dh_t
        gate = (t * DN + rows[:, None]) * 3 * H + cols[None, :]
        r = _read(acts_ptr + gate, ok, ACC)
        z = _read(acts_ptr + gate + H, ok, ACC)
        n = _read(acts_ptr + gate + 2 * H, ok, ACC)
        extra = _read(extra_ptr + step, ok, ACC)
        h_prev = (_read(hs_ptr + step - DN * H, ok & (t > 0), ACC)
                  + _read(h0_ptr + state, ok & (t == 0), ACC))
        dn = dh * (1.0 - z) * _phi_grad(n, RELU)                              # dL/d(n's argument)
        dz = dh * (h_prev - n) * z * (1.0 - z)
        if RESET_AFTER:
            d_rec_n = dn * r                                                  # dL/dR_n
            dr = dn * extra * r * (1.0 - r)                                   # extra = R_n
            tl.store(d_rec_ptr + gate, dr, mask=ok)
            tl.store(d_rec_ptr + gate + H, dz, mask=ok)
            tl.store(d_rec_ptr + gate + 2 * H, d_rec_n, mask=ok)
            dh_rec = (dh * z + m_r * tl.dot(dr, w_r, input_precision=PRECISION)
                      + m_z * tl.dot(dz, w_z, input_precision=PRECISION)
                      + m_n * tl.dot(d_rec_n, w_n, input_precision=PRECISION))
        else:
            d_rh = m_n * tl.dot(dn, w_n, input_precision=PRECISION)           # dL/d(r h_{t-1}), inside the mask
            dr = d_rh * h_prev * r * (1.0 - r)
            dh_rec = (dh * z + r * d_rh + m_r * tl.dot(dr, w_r, input_precision=PRECISION)
                      + m_z * tl.dot(dz, w_z, input_precision=PRECISION))
        tl.store(d_xp_ptr + gate, dr, mask=ok)
        tl.store(d_xp_ptr + gate + H, dz, mask=ok)
        tl.store(d_xp_ptr + gate + 2 * H, dn, mask=ok)
    tl.store(d_h0_ptr + state, dh_rec, mask=ok)
