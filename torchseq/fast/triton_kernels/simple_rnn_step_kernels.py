r"""The simple recurrent neuron's one-step kernels in Triton (tanh or relu, no layer norm), for layers whose W_h
does not fit on chip: one launch per time step forward and one per step backward, tiled over samples and units
as in :mod:`torchseq.fast.triton_kernels.lstm_step_kernels`.

.. math::
    h_t = \phi(xp_t + (m \odot h_{t-1}) W_h^\top), \qquad
    dh_t = dL/dy_t + m \odot (da_{t+1} W_h), \quad da_t = dh_t\, \phi'(h_t)

with da_{t+1} written by the previous launch; phi' is read off h_t. dL/dh_0 = m (da_0 W_h), dW_h and dL/dx are
products after the last launch.

Buffers of one launch (rows b = d*N + n; ``*_t`` are step t's slices): xp_t (D*N, H) read and hs_t written
forward, h (D*N, H) h_{t-1} read; backward hs_t and d_hs_t read, da_next (D*N, H) da_{t+1} read, da_t written.
"""
from __future__ import annotations

import triton
import triton.language as tl

from .gru_kernels import _phi, _phi_grad
from .lstm_kernels import _mask_of, _read
from .lstm_step_kernels import _gate_product, _gate_product_back, _unit_tile


@triton.jit
def simple_rnn_step_forward(xp_ptr, h_ptr, w_ptr, mask_ptr, hs_ptr, N, H, D, RELU: tl.constexpr, MASK: tl.constexpr,
                            BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_K: tl.constexpr,
                            PRECISION: tl.constexpr, ACC: tl.constexpr):
    """One forward step for a tile of samples and units."""
    d, n, rows, cols, ok = _unit_tile(N, H, BLOCK_N, BLOCK_H)
    state = rows[:, None] * H + cols[None, :]
    a = _read(xp_ptr + state, ok, ACC) + _gate_product(
        h_ptr, w_ptr, mask_ptr, 0, 1, d, n, rows, cols, N, H, D * N, MASK, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    tl.store(hs_ptr + state, _phi(a, RELU), mask=ok)                          # h_t = phi(a_t)


@triton.jit
def simple_rnn_step_backward(hs_ptr, w_ptr, mask_ptr, d_hs_ptr, da_next_ptr, da_ptr, N, H, D, RELU: tl.constexpr,
                             MASK: tl.constexpr, HAS_NEXT: tl.constexpr, BLOCK_N: tl.constexpr,
                             BLOCK_H: tl.constexpr, BLOCK_K: tl.constexpr, PRECISION: tl.constexpr,
                             ACC: tl.constexpr):
    """One reverse step for a tile of samples and units: writes da_t = dL/dxp_t."""
    d, n, rows, cols, ok = _unit_tile(N, H, BLOCK_N, BLOCK_H)
    state = rows[:, None] * H + cols[None, :]
    dh = _read(d_hs_ptr + state, ok, ACC)                                     # dL/dy_t
    if HAS_NEXT:                                                              # + m (da_{t+1} W_h)
        dh += _mask_of(mask_ptr, 0, D * N, H, rows, cols, ok, MASK, ACC) * _gate_product_back(
            da_next_ptr, w_ptr, 0, 1, d, n, rows, cols, N, H, BLOCK_N, BLOCK_H, BLOCK_K, PRECISION, ACC)
    tl.store(da_ptr + state, dh * _phi_grad(_read(hs_ptr + state, ok, ACC), RELU), mask=ok)
