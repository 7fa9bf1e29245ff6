r"""The LSTM's (and the peephole LSTM's) one-step kernels in Triton, for layers whose W_h does not fit on chip:
one launch per time step forward and one per step backward, each the recurrent product with the whole gate
update fused after it.

The equations are those of :mod:`torchseq.fast.triton_kernels.lstm_kernels` (Hands-On ML eq. 15-3; with
``PEEPHOLE``, Gers & Schmidhuber 2000). Where the persistent kernels give a program a tile of samples and all
H units, and loop over time inside, here a program owns a tile of samples *and* of units, BLOCK_N x BLOCK_H,
for one step: grid (cdiv(N, BLOCK_N), cdiv(H, BLOCK_H), D). It reads h_{t-1} over all H units in chunks of
BLOCK_K and the matching columns of W_h from memory (no program holds all of W_h), so any H runs; the step's
launch ends when all its programs have, which is the synchronisation the next step needs.

Forward, step t, for the tile's units j:

.. math::
    a_{g,j} = xp_{t,g,j} + \sum_k (m_g \odot h_{t-1})_k W_{g,jk}, \quad
    c_t = f \odot c_{t-1} + i \odot g, \quad h_t = o \odot \tanh(c_t)

Backward, step t, for the tile's units j, with da_{t+1} written by the previous launch:

.. math::
    dh_{t,j} = dL/dy_{t,j} + \sum_g m_{g,j} \sum_k da_{t+1,g,k} W_{g,kj}, \qquad
    dc_t = dc_{t+1} f_{t+1} + dh_t\, o (1 - \tanh^2 c_t) \;(+\, w_{co}\, da_o)

and da_i, da_f, da_g, da_o as in the persistent kernel. dc is carried between launches in a (D*N, H) buffer
that each program reads and writes only in its own tile. dL/dh_0 = \sum_g m_g (da_0 W_g), dW_h and dL/dx are
products after the last launch.

Buffers of one launch (rows b = d*N + n; ``*_t`` are step t's slices):

===========  =============================================  ===============================================
buffer       forward                                        backward
===========  =============================================  ===============================================
xp_t         (D*N, 4H) read                                 --
h, c         (D*N, H) read: h_{t-1}, c_{t-1}                c: c_{t-1}, read
acts_t       (D*N, 4H) written: i, f, g, o                  read
cs_t, hs_t   (D*N, H) written: c_t, h_t                     cs_t read
d_hs_t       --                                             (D*N, H) read: dL/dy_t
da_next      --                                             (D*N, 4H) read: da_{t+1}
dc           --                                             (D*N, H) read and written: the carry
da_t         --                                             (D*N, 4H) written: dL/da_t = dL/dxp_t
===========  =============================================  ===============================================
"""
from __future__ import annotations

import triton
import triton.language as tl

from .lstm_kernels import _mask_of, _peepholes, _read, _tanh, _weight, _weight_t


@triton.jit
def _unit_tile(N, H, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr):
    """This program's direction d, its samples n, their rows d*N + n, its units and the tile's in-bounds mask
    (BLOCK_N, BLOCK_H): grid (cdiv(N, BLOCK_N), cdiv(H, BLOCK_H), D)."""
    d = tl.program_id(2)
    n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    cols = tl.program_id(1) * BLOCK_H + tl.arange(0, BLOCK_H)
    return d, n, d * N + n, cols, (n < N)[:, None] & (cols < H)[None, :]


@triton.jit
def _gate_product(h_ptr, w_ptr, mask_ptr, g, G, d, n, rows, cols, N, H, DN, MASK: tl.constexpr,
                  BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_K: tl.constexpr, PRECISION: tl.constexpr,
                  ACC: tl.constexpr):
    """sum_k (m_g h)_k W_{g,jk} for the tile's units j, (BLOCK_N, BLOCK_H): h (D*N, H) read in chunks of BLOCK_K
    units, with the columns of gate g's block of W_h (G gate blocks) that meet them."""
    out = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)
    for k0 in range(0, H, BLOCK_K):
        k = k0 + tl.arange(0, BLOCK_K)
        k_ok = (n < N)[:, None] & (k < H)[None, :]
        h = _read(h_ptr + rows[:, None] * H + k[None, :], k_ok, ACC)          # (BLOCK_N, BLOCK_K)
        out += tl.dot(h * _mask_of(mask_ptr, g, DN, H, rows, k, k_ok, MASK, ACC),
                      _weight_t(w_ptr, d, g, G, H, k[:, None], cols[None, :], ACC), input_precision=PRECISION)
    return out


@triton.jit
def _gate_product_back(da_ptr, w_ptr, g, G, d, n, rows, cols, N, H, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr,
                       BLOCK_K: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """sum_k da_{g,k} W_{g,kj} for the tile's units j, (BLOCK_N, BLOCK_H): da (D*N, G*H) read in chunks of
    BLOCK_K units of gate g, with the rows of gate g's block of W_h that meet them."""
    out = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)
    for k0 in range(0, H, BLOCK_K):
        k = k0 + tl.arange(0, BLOCK_K)
        k_ok = (n < N)[:, None] & (k < H)[None, :]
        da = _read(da_ptr + rows[:, None] * G * H + g * H + k[None, :], k_ok, ACC)   # (BLOCK_N, BLOCK_K)
        out += tl.dot(da, _weight(w_ptr, d, g, G, H, k[:, None], cols[None, :], ACC), input_precision=PRECISION)
    return out


@triton.jit
def lstm_step_forward(xp_ptr, h_ptr, c_ptr, w_ptr, mask_ptr, peep_ptr, acts_ptr, cs_ptr, hs_ptr, N, H, D,
                      MASK: tl.constexpr, PEEPHOLE: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr,
                      BLOCK_K: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """One forward step for a tile of samples and units."""
    d, n, rows, cols, ok = _unit_tile(N, H, BLOCK_N, BLOCK_H)
    DN = D * N
    gate = rows[:, None] * 4 * H + cols[None, :]                              # block i of the step; + g*H for g
    a_i = _read(xp_ptr + gate, ok, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 0, 4, d, n, rows, cols, N, H, DN, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    a_f = _read(xp_ptr + gate + H, ok, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 1, 4, d, n, rows, cols, N, H, DN, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    a_g = _read(xp_ptr + gate + 2 * H, ok, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 2, 4, d, n, rows, cols, N, H, DN, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    a_o = _read(xp_ptr + gate + 3 * H, ok, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 3, 4, d, n, rows, cols, N, H, DN, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    w_ci, w_cf, w_co = _peepholes(peep_ptr, H, cols, ok, PEEPHOLE, ACC)
    state = rows[:, None] * H + cols[None, :]
    c = _read(c_ptr + state, ok, ACC)                                         # c_{t-1}
    i = tl.sigmoid(a_i + w_ci * c)
    f = tl.sigmoid(a_f + w_cf * c)
    g = _tanh(a_g)
    c = f * c + i * g                                                         # c_t
    o = tl.sigmoid(a_o + w_co * c)
    tl.store(acts_ptr + gate, i, mask=ok)
    tl.store(acts_ptr + gate + H, f, mask=ok)
    tl.store(acts_ptr + gate + 2 * H, g, mask=ok)
    tl.store(acts_ptr + gate + 3 * H, o, mask=ok)
    tl.store(cs_ptr + state, c, mask=ok)
    tl.store(hs_ptr + state, o * _tanh(c), mask=ok)                          # h_t = y_t


@triton.jit
def lstm_step_backward(acts_ptr, cs_ptr, c_ptr, w_ptr, mask_ptr, peep_ptr, d_hs_ptr, da_next_ptr, dc_ptr,
                       d_c_last_ptr, last_ptr, da_ptr, t, L, N, H, D, MASK: tl.constexpr, PEEPHOLE: tl.constexpr,
                       HAS_NEXT: tl.constexpr, HAS_D_HS: tl.constexpr, HAS_D_C_LAST: tl.constexpr,
                       HAS_LAST: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_K: tl.constexpr,
                       PRECISION: tl.constexpr, ACC: tl.constexpr):
    """One reverse step t for a tile of samples and units: writes da_t and carries dc to step t-1."""
    d, n, rows, cols, ok = _unit_tile(N, H, BLOCK_N, BLOCK_H)
    DN = D * N
    state = rows[:, None] * H + cols[None, :]
    dh = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)
    if HAS_D_HS:
        dh += _read(d_hs_ptr + state, ok, ACC)                                # dL/dy_t
    if HAS_NEXT:                                                              # + sum_g m_g (da_{t+1,g} W_g)
        for g in tl.static_range(4):
            dh += _mask_of(mask_ptr, g, DN, H, rows, cols, ok, MASK, ACC) * _gate_product_back(
                da_next_ptr, w_ptr, g, 4, d, n, rows, cols, N, H, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    dc = _read(dc_ptr + state, ok, ACC)                                       # dL/dc_{t+1} f_{t+1} (+ peepholes)
    if HAS_D_C_LAST:
        final = tl.zeros((BLOCK_N,), dtype=tl.int64) + (L - 1)               # dL/dc_last enters at its step
        if HAS_LAST:
            final = tl.load(last_ptr + rows, mask=n < N, other=0).to(tl.int64)
        dc += tl.where((final == t)[:, None], _read(d_c_last_ptr + state, ok, ACC), 0.0)
    w_ci, w_cf, w_co = _peepholes(peep_ptr, H, cols, ok, PEEPHOLE, ACC)
    gate = rows[:, None] * 4 * H + cols[None, :]
    i = _read(acts_ptr + gate, ok, ACC)
    f = _read(acts_ptr + gate + H, ok, ACC)
    g = _read(acts_ptr + gate + 2 * H, ok, ACC)
    o = _read(acts_ptr + gate + 3 * H, ok, ACC)
    c = _read(cs_ptr + state, ok, ACC)
    c_prev = _read(c_ptr + state, ok, ACC)
    tanh_c = _tanh(c)
    da_o = dh * tanh_c * o * (1.0 - o)
    dc += dh * o * (1.0 - tanh_c * tanh_c) + w_co * da_o                      # dL/dc_t
    da_i = dc * g * i * (1.0 - i)
    da_f = dc * c_prev * f * (1.0 - f)
    da_g = dc * i * (1.0 - g * g)
    tl.store(da_ptr + gate, da_i, mask=ok)
    tl.store(da_ptr + gate + H, da_f, mask=ok)
    tl.store(da_ptr + gate + 2 * H, da_g, mask=ok)
    tl.store(da_ptr + gate + 3 * H, da_o, mask=ok)
    tl.store(dc_ptr + state, dc * f + w_ci * da_i + w_cf * da_f, mask=ok)    # carried to step t-1
