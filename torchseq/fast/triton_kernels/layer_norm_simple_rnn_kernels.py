r"""The layer-normalised simple RNN's persistent kernels in Triton (Hands-On ML's LNSimpleRNNCell,
``SimpleRNN(layer_norm=True)``): one launch runs the whole forward loop, one the whole backward. Layout, tiles
and masks as in :mod:`torchseq.fast.triton_kernels.lstm_kernels`; the norm's statistics are taken over the H
real units of a row (padded units are masked out).

.. math::
    a_t = xp_t + (m \odot h_{t-1}) W_h^\top, \quad \hat a_t = (a_t - \mu) / \sqrt{\sigma^2 + \epsilon}, \quad
    h_t = \phi(\gamma \odot \hat a_t + \beta)

Backward, t = L-1 .. 0: dy_t = dh_t \phi'(h_t), g = \gamma \odot dy_t,
da_t = (g - \mathrm{mean}(g) - \hat a_t\, \mathrm{mean}(g \odot \hat a_t)) / \sqrt{\sigma^2 + \epsilon},
dh_{t-1} = dL/dy_{t-1} + m \odot (da_t W_h). dW_h, d gamma = sum dy \hat a and d beta = sum dy are products and
sums after the launch.

Buffers (rows b = d*N + n):

==========  ========================================  ========================================
buffer      forward                                   backward
==========  ========================================  ========================================
xp          (L, D*N, H) the input projection, read    --
hats        (L, D*N, H) written: \hat a_t             read
rstds       (L, D*N) written: 1 / sqrt(var + eps)     read
hs          (L, D*N, H) written: h_t, the output      read: phi'
d_hs        --                                        (L, D*N, H) read: dL/dy_t
dys         --                                        (L, D*N, H) written: dL/d(LN(a_t))
da          --                                        (L, D*N, H) written: dL/da_t = dL/dxp
==========  ========================================  ========================================
"""
from __future__ import annotations

import triton
import triton.language as tl

from .gru_kernels import _phi, _phi_grad
from .lstm_kernels import _mask_of, _read, _tile, _weight, _weight_t


@triton.jit
def ln_simple_rnn_forward(xp_ptr, h0_ptr, w_ptr, gain_ptr, bias_ptr, mask_ptr, hats_ptr, rstds_ptr, hs_ptr,
                          L, N, H, D, eps, RELU: tl.constexpr, MASK: tl.constexpr, BLOCK_N: tl.constexpr,
                          BLOCK_H: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The forward loop of one tile of samples: grid (cdiv(N, BLOCK_N), D)."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    k = tl.arange(0, BLOCK_H)[:, None]
    j = tl.arange(0, BLOCK_H)[None, :]
    w_t = _weight_t(w_ptr, d, 0, 1, H, k, j, ACC)                             # W_h^T, resident
    gain = _read(gain_ptr + cols, cols < H, ACC)[None, :]
    bias = _read(bias_ptr + cols, cols < H, ACC)[None, :]
    m = _mask_of(mask_ptr, 0, DN, H, rows, cols, ok, MASK, ACC)
    state = rows[:, None] * H + cols[None, :]
    h = _read(h0_ptr + state, ok, ACC)
    for t in range(0, L):
        step = t * DN * H + state
        a = _read(xp_ptr + step, ok, ACC) + tl.dot(h * m, w_t, input_precision=PRECISION)
        centred = tl.where(ok, a - tl.sum(a, axis=1)[:, None] / H, 0.0)       # a - mu, zero in padded units
        rstd = 1.0 / tl.sqrt(tl.sum(centred * centred, axis=1) / H + eps)     # (BLOCK_N,)
        hat = centred * rstd[:, None]
        h = _phi(gain * hat + bias, RELU)                                     # h_t = phi(LN(a_t))
        h = tl.where(ok, h, 0.0)
        tl.store(hats_ptr + step, hat, mask=ok)
        tl.store(rstds_ptr + t * DN + rows, rstd, mask=n < N)
        tl.store(hs_ptr + step, h, mask=ok)


@triton.jit
def ln_simple_rnn_backward(hats_ptr, rstds_ptr, hs_ptr, w_ptr, gain_ptr, mask_ptr, d_hs_ptr, dys_ptr, da_ptr,
                           d_h0_ptr, L, N, H, D, RELU: tl.constexpr, MASK: tl.constexpr, BLOCK_N: tl.constexpr,
                           BLOCK_H: tl.constexpr, PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The reverse loop of one tile of samples: grid (cdiv(N, BLOCK_N), D). Writes dL/dLN(a), dL/da, dL/dh_0."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    j = tl.arange(0, BLOCK_H)[:, None]
    k = tl.arange(0, BLOCK_H)[None, :]
    w = _weight(w_ptr, d, 0, 1, H, j, k, ACC)                                 # W_h, resident
    gain = _read(gain_ptr + cols, cols < H, ACC)[None, :]
    m = _mask_of(mask_ptr, 0, DN, H, rows, cols, ok, MASK, ACC)
    state = rows[:, None] * H + cols[None, :]
    dh_rec = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)                          # m (da_{t+1} W_h)
    for s in range(0, L):
        t = L - 1 - s
        step = t * DN * H + state
        dh = dh_rec + _read(d_hs_ptr + step, ok, ACC)                         # dL/dh_t
        dy = dh * _phi_grad(_read(hs_ptr + step, ok, ACC), RELU)
        dy = tl.where(ok, dy, 0.0)
        hat = _read(hats_ptr + step, ok, ACC)
        rstd = _read(rstds_ptr + t * DN + rows, n < N, ACC)
        g = gain * dy
        da = (g - tl.sum(g, axis=1)[:, None] / H - hat * (tl.sum(g * hat, axis=1) / H)[:, None]) * rstd[:, None]
        da = tl.where(ok, da, 0.0)
        tl.store(dys_ptr + step, dy, mask=ok)
        tl.store(da_ptr + step, da, mask=ok)
        dh_rec = m * tl.dot(da, w, input_precision=PRECISION)
    tl.store(d_h0_ptr + state, dh_rec, mask=ok)
