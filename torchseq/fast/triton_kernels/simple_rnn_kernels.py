r"""The simple recurrent neuron's persistent kernels in Triton (Hands-On ML eq. 15-2, tanh or relu, no layer
norm): one launch runs the whole forward loop, one the whole backward. Layout, tiles and masks as in
:mod:`torchseq.fast.triton_kernels.lstm_kernels`.

.. math::
    h_t = \phi(xp_t + (m \odot h_{t-1}) W_h^\top), \qquad
    da_t = dh_t\, \phi'(a_t), \quad dh_{t-1} = dL/dy_{t-1} + m \odot (da_t W_h)

phi' is read off h_t: 1 - h_t^2 for tanh, [h_t > 0] for relu.

Buffers (rows b = d*N + n):

==========  ======================================  ======================================
buffer      forward                                 backward
==========  ======================================  ======================================
xp          (L, D*N, H) the input projection, read  --
hs          (L, D*N, H) written: h_t, the output    read: phi'(a_t)
d_hs        --                                      (L, D*N, H) read: dL/dy_t
da          --                                      (L, D*N, H) written: dL/da_t = dL/dxp
==========  ======================================  ======================================
"""
from __future__ import annotations

import triton
import triton.language as tl

from .gru_kernels import _phi, _phi_grad
from .lstm_kernels import _mask_of, _read, _tile, _weight, _weight_t


@triton.jit
def simple_rnn_forward(xp_ptr, h0_ptr, w_ptr, mask_ptr, hs_ptr, L, N, H, D, RELU: tl.constexpr, MASK: tl.constexpr,
                       BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The forward loop of one tile of samples: grid (cdiv(N, BLOCK_N), D)."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    k = tl.arange(0, BLOCK_H)[:, None]
    j = tl.arange(0, BLOCK_H)[None, :]
    w_t = _weight_t(w_ptr, d, 0, 1, H, k, j, ACC)                             # W_h^T, resident
    m = _mask_of(mask_ptr, 0, DN, H, rows, cols, ok, MASK, ACC)
    state = rows[:, None] * H + cols[None, :]
    h = _read(h0_ptr + state, ok, ACC)
    for t in range(0, L):
        step = t * DN * H + state
        h = _phi(_read(xp_ptr + step, ok, ACC) + tl.dot(h * m, w_t, input_precision=PRECISION), RELU)
        tl.store(hs_ptr + step, h, mask=ok)                                   # h_t = phi(a_t)


@triton.jit
def simple_rnn_backward(hs_ptr, w_ptr, mask_ptr, d_hs_ptr, da_ptr, d_h0_ptr, L, N, H, D, RELU: tl.constexpr,
                        MASK: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, PRECISION: tl.constexpr,
                        ACC: tl.constexpr):
    """The reverse loop of one tile of samples: grid (cdiv(N, BLOCK_N), D). Writes dL/da (= dL/dxp), dL/dh_0."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    j = tl.arange(0, BLOCK_H)[:, None]
    k = tl.arange(0, BLOCK_H)[None, :]
    w = _weight(w_ptr, d, 0, 1, H, j, k, ACC)                                 # W_h, resident
    m = _mask_of(mask_ptr, 0, DN, H, rows, cols, ok, MASK, ACC)
    state = rows[:, None] * H + cols[None, :]
    dh_rec = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)                          # m (da_{t+1} W_h)
    for s in range(0, L):
        t = L - 1 - s
        step = t * DN * H + state
        dh = dh_rec + _read(d_hs_ptr + step, ok, ACC)                         # dL/dh_t
        da = dh * _phi_grad(_read(hs_ptr + step, ok, ACC), RELU)
        tl.store(da_ptr + step, da, mask=ok)
        dh_rec = m * tl.dot(da, w, input_precision=PRECISION)
    tl.store(d_h0_ptr + state, dh_rec, mask=ok)
