r"""The GRU's one-step kernels in Triton, reset-after form (torch.nn's and cuDNN's), for layers whose W_h does not
fit on chip: one launch per time step forward and one per step backward, tiled over samples and units as in
:mod:`torchseq.fast.triton_kernels.lstm_step_kernels`. Gate order r, z, n; phi = tanh, or relu with ``RELU``.

Forward, step t, for the tile's units j (the equations of
:mod:`torchseq.fast.triton_kernels.gru_kernels`):

.. math::
    R_g = (m_g \odot h_{t-1}) W_g^\top + b_{hg}, \quad r = \sigma(xp_r + R_r), \quad z = \sigma(xp_z + R_z), \quad
    n = \phi(xp_n + r \odot R_n), \quad h_t = n + z \odot (h_{t-1} - n)

Backward, step t, with dR_{t+1} written by the previous launch and the carry dh_{t+1} z_{t+1} kept per tile:

.. math::
    dh_t = dL/dy_t + dh_{t+1} z_{t+1} + \sum_g m_g \odot (dR_{t+1,g} W_g), \quad
    dn = dh_t (1-z) \phi'(n), \quad dz = dh_t (h_{t-1} - n) z (1-z), \quad dR_n = dn\, r, \quad
    dr = dn\, R_n\, r (1-r)

dxp = (dr, dz, dn), dR = (dr, dz, dR_n). dL/dh_0 = carry + \sum_g m_g (dR_0 W_g), dW_h, db_h and dL/dx are
products after the last launch.

Buffers of one launch (rows b = d*N + n; ``*_t`` are step t's slices):

===========  ===============================================  ============================================
buffer       forward                                          backward
===========  ===============================================  ============================================
xp_t         (D*N, 3H) read                                   --
h            (D*N, H) read: h_{t-1}                           read: h_{t-1}
acts_t       (D*N, 3H) written: r, z, n                       read
rec_n_t      (D*N, H) written: R_n                            read
hs_t         (D*N, H) written: h_t                            --
d_hs_t       --                                               (D*N, H) read: dL/dy_t
d_rec_next   --                                               (D*N, 3H) read: dR_{t+1}
carry        --                                               (D*N, H) read and written: dh_{t+1} z_{t+1}
d_xp_t       --                                               (D*N, 3H) written: dL/dxp_t
d_rec_t      --                                               (D*N, 3H) written: dR_t
===========  ===============================================  ============================================
"""
from __future__ import annotations

import triton
import triton.language as tl

from .gru_kernels import _bias, _phi, _phi_grad
from .lstm_kernels import _mask_of, _read
from .lstm_step_kernels import _gate_product, _gate_product_back, _unit_tile


@triton.jit
def gru_step_forward(xp_ptr, h_ptr, w_ptr, b_ptr, mask_ptr, acts_ptr, rec_n_ptr, hs_ptr, N, H, D,
                     RELU: tl.constexpr, BIAS_ROWS: tl.constexpr, MASK: tl.constexpr, BLOCK_N: tl.constexpr,
                     BLOCK_H: tl.constexpr, BLOCK_K: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """One forward step for a tile of samples and units."""
    d, n, rows, cols, ok = _unit_tile(N, H, BLOCK_N, BLOCK_H)
    DN = D * N
    gate = rows[:, None] * 3 * H + cols[None, :]                              # block r of the step; + g*H for g
    rec_r = _bias(b_ptr, 0, H, rows, cols, ok, BIAS_ROWS, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 0, 3, d, n, rows, cols, N, H, DN, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    rec_z = _bias(b_ptr, 1, H, rows, cols, ok, BIAS_ROWS, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 1, 3, d, n, rows, cols, N, H, DN, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    rec_n = _bias(b_ptr, 2, H, rows, cols, ok, BIAS_ROWS, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 2, 3, d, n, rows, cols, N, H, DN, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    r = tl.sigmoid(_read(xp_ptr + gate, ok, ACC) + rec_r)
    z = tl.sigmoid(_read(xp_ptr + gate + H, ok, ACC) + rec_z)
    cand = _phi(_read(xp_ptr + gate + 2 * H, ok, ACC) + r * rec_n, RELU)     # n, reset after W_hn
    state = rows[:, None] * H + cols[None, :]
    h_prev = _read(h_ptr + state, ok, ACC)
    tl.store(acts_ptr + gate, r, mask=ok)
    tl.store(acts_ptr + gate + H, z, mask=ok)
    tl.store(acts_ptr + gate + 2 * H, cand, mask=ok)
    tl.store(rec_n_ptr + state, rec_n, mask=ok)
    tl.store(hs_ptr + state, cand + z * (h_prev - cand), mask=ok)            # h_t = z h_{t-1} + (1 - z) n


@triton.jit
def gru_step_backward(acts_ptr, rec_n_ptr, h_ptr, w_ptr, mask_ptr, d_hs_ptr, d_rec_next_ptr, carry_ptr, d_xp_ptr,
                      d_rec_ptr, N, H, D, RELU: tl.constexpr, MASK: tl.constexpr, HAS_NEXT: tl.constexpr,
                      BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_K: tl.constexpr, PRECISION: tl.constexpr,
                      ACC: tl.constexpr):
    """One reverse step for a tile of samples and units: writes dxp_t and dR_t, carries dh_t z_t to step t-1."""
    d, n, rows, cols, ok = _unit_tile(N, H, BLOCK_N, BLOCK_H)
    DN = D * N
    state = rows[:, None] * H + cols[None, :]
    dh = _read(d_hs_ptr + state, ok, ACC) + _read(carry_ptr + state, ok, ACC)  # dL/dy_t + dh_{t+1} z_{t+1}
    if HAS_NEXT:                                                              # + sum_g m_g (dR_{t+1,g} W_g)
        for g in tl.static_range(3):
            dh += _mask_of(mask_ptr, g, DN, H, rows, cols, ok, MASK, ACC) * _gate_product_back(
                d_rec_next_ptr, w_ptr, g, 3, d, n, rows, cols, N, H, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    gate = rows[:, None] * 3 * H + cols[None, :]
    r = _read(acts_ptr + gate, ok, ACC)
    z = _read(acts_ptr + gate + H, ok, ACC)
    cand = _read(acts_ptr + gate + 2 * H, ok, ACC)
    rec_n = _read(rec_n_ptr + state, ok, ACC)
    h_prev = _read(h_ptr + state, ok, ACC)
    dn = dh * (1.0 - z) * _phi_grad(cand, RELU)                              # dL/d(n's argument)
    dz = dh * (h_prev - cand) * z * (1.0 - z)
    dr = dn * rec_n * r * (1.0 - r)
    tl.store(d_xp_ptr + gate, dr, mask=ok)
    tl.store(d_xp_ptr + gate + H, dz, mask=ok)
    tl.store(d_xp_ptr + gate + 2 * H, dn, mask=ok)
    tl.store(d_rec_ptr + gate, dr, mask=ok)
    tl.store(d_rec_ptr + gate + H, dz, mask=ok)
    tl.store(d_rec_ptr + gate + 2 * H, dn * r, mask=ok)                      # dR_n
    tl.store(carry_ptr + state, dh * z, mask=ok)                              # carried to step t-1
