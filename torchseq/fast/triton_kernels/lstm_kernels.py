r"""The LSTM's persistent kernels in Triton: one launch runs the whole forward loop, one the whole backward.

One program owns a tile of ``BLOCK_N`` samples of one direction. It loads that direction's W_h once, gate
by gate as W_g^T (H, H), keeps it on chip, and loops over the time steps inside the kernel. The equations
are those of :class:`~torchseq.LSTMCell` (Hands-On ML eq. 15-3), with xp_t = W_x x_t + b computed for all
steps before the launch:

.. math::
    a_g &= xp_{t,g} + (m_g \odot h_{t-1}) W_g^\top \quad (g = i, f, g, o) \\
    i, f, o &= \sigma(a_{i,f,o}), \quad g = \tanh(a_g), \quad c_t = f \odot c_{t-1} + i \odot g, \quad
    h_t = o \odot \tanh(c_t)

Backward, t = L-1 .. 0, with dh_t = dL/dy_t + \sum_g m_g \odot (da_{t+1,g} W_g) and dc the carry:

.. math::
    dc_t &= dc_{t+1} f_{t+1} + dh_t\, o (1 - \tanh^2 c_t) \\
    da_i &= dc_t\, g\, i (1-i), \quad da_f = dc_t\, c_{t-1} f(1-f), \quad da_g = dc_t\, i (1 - g^2), \quad
    da_o = dh_t \tanh(c_t)\, o (1-o)

With ``PEEPHOLE`` (Gers & Schmidhuber 2000, :class:`~torchseq.PeepholeLSTMCell`) i and f also see
w_{ci,cf} \odot c_{t-1} and o sees w_{co} \odot c_t; the backward then adds w_co da_o to dc_t and
w_ci da_i + w_cf da_f to the carry. dW_h, the peepholes' gradients and dL/dx are left to one large product
each after the launch.

Buffers (rows b = d*N + n, direction-major as in :mod:`torchseq.fast.dispatch`):

==========  ==========================================  =============================================
buffer      forward                                     backward
==========  ==========================================  =============================================
xp          (L, D*N, 4H) the input projection, read     --
acts        (L, D*N, 4H) written: i, f, g, o            read
cs          (L, D*N, H) written: c_t                    read: c_t and c_{t-1}
hs          (L, D*N, H) written: h_t, the output        --
d_hs        --                                          (L, D*N, H) read: dL/dy_t
da          --                                          (L, D*N, 4H) written: dL/da_t = dL/dxp
==========  ==========================================  =============================================

``MASK``: 0 no recurrent dropout, 1 one mask (1, D*N, H) shared by the gates, 2 one mask per gate
(4, D*N, H). H is padded to the power of two ``BLOCK_H`` (at least 16, ``tl.dot``'s smallest size) by
masked loads; the padded units stay zero. tanh is written 2 sigmoid(2x) - 1 so that the kernels need no
libdevice call and run under Triton's interpreter.

``ACC`` is the arithmetic type: float32, or float64 for float64 inputs. Every load is widened to it (:func:`_read`),
so 16-bit inputs compute, accumulate and keep acts and cs in float32; stores round to the buffer's own type
(the layer's type for hs and da).
"""
from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _tanh(x):
    return 2.0 * tl.sigmoid(2.0 * x) - 1.0


@triton.jit
def _read(ptr, ok, ACC: tl.constexpr):
    """tl.load of the in-bounds entries (zeros elsewhere) in the kernels' arithmetic type ACC: float32 for 16-bit
    and 32-bit buffers, float64 for float64 ones."""
    return tl.load(ptr, mask=ok, other=0.0).to(ACC)


@triton.jit
def _weight_t(w_ptr, d, g, G, H, k, j, ACC: tl.constexpr):
    """W_g^T of direction d for a cell of G gate blocks, (BLOCK_H, BLOCK_H): [k, j] = W[d, g*H + j, k]."""
    return _read(w_ptr + d * G * H * H + (g * H + j) * H + k, (k < H) & (j < H), ACC)


@triton.jit
def _weight(w_ptr, d, g, G, H, j, k, ACC: tl.constexpr):
    """W_g of direction d for a cell of G gate blocks, (BLOCK_H, BLOCK_H): [j, k] = W[d, g*H + j, k]."""
    return _read(w_ptr + d * G * H * H + (g * H + j) * H + k, (j < H) & (k < H), ACC)


@triton.jit
def _tile(N, D, H, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr):
    """This program's direction d, its samples n, their rows d*N + n (direction-major), the columns of its tile
    and the tile's in-bounds mask (BLOCK_N, BLOCK_H): grid (cdiv(N, BLOCK_N), D)."""
    d = tl.program_id(1)
    n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    cols = tl.arange(0, BLOCK_H)
    return d, n, d * N + n, cols, (n < N)[:, None] & (cols < H)[None, :]


@triton.jit
def _peepholes(peep_ptr, H, cols, ok, PEEPHOLE: tl.constexpr, ACC: tl.constexpr):
    """(w_ci, w_cf, w_co) from peep (3, H), each broadcast to the tile; zeros for the plain LSTM (no peepholes)."""
    zeros = tl.where(ok, 0.0, 0.0).to(ACC)
    if PEEPHOLE:
        return (zeros + _read(peep_ptr + cols, cols < H, ACC)[None, :],
                zeros + _read(peep_ptr + H + cols, cols < H, ACC)[None, :],
                zeros + _read(peep_ptr + 2 * H + cols, cols < H, ACC)[None, :])
    return zeros, zeros, zeros


@triton.jit
def _mask_of(mask_ptr, g, DN, H, rows, cols, ok, MASK: tl.constexpr, ACC: tl.constexpr):
    """The recurrent keep-mask of gate g for these rows, (BLOCK_N, BLOCK_H): ones without dropout (MASK 0),
    the shared mask (MASK 1) or gate g's own (MASK 2)."""
    if MASK == 0:
        return tl.where(ok, 1.0, 0.0).to(ACC)
    if MASK == 1:
        return _read(mask_ptr + rows[:, None] * H + cols[None, :], ok, ACC)
    return _read(mask_ptr + (g * DN + rows[:, None]) * H + cols[None, :], ok, ACC)


@triton.jit
def _gate_weights_t(w_ptr, d, H, BLOCK_H: tl.constexpr, ACC: tl.constexpr):
    """The four W_g^T (g = i, f, g, o) of direction d's W_h (4H, H), each (BLOCK_H, BLOCK_H): the forward's."""
    k = tl.arange(0, BLOCK_H)[:, None]
    j = tl.arange(0, BLOCK_H)[None, :]
    return (_weight_t(w_ptr, d, 0, 4, H, k, j, ACC), _weight_t(w_ptr, d, 1, 4, H, k, j, ACC),
            _weight_t(w_ptr, d, 2, 4, H, k, j, ACC), _weight_t(w_ptr, d, 3, 4, H, k, j, ACC))


@triton.jit
def _gate_weights(w_ptr, d, H, BLOCK_H: tl.constexpr, ACC: tl.constexpr):
    """The four W_g of direction d's W_h (4H, H), each (BLOCK_H, BLOCK_H): the backward's."""
    j = tl.arange(0, BLOCK_H)[:, None]
    k = tl.arange(0, BLOCK_H)[None, :]
    return (_weight(w_ptr, d, 0, 4, H, j, k, ACC), _weight(w_ptr, d, 1, 4, H, j, k, ACC),
            _weight(w_ptr, d, 2, 4, H, j, k, ACC), _weight(w_ptr, d, 3, 4, H, j, k, ACC))


@triton.jit
def _gate_masks(mask_ptr, DN, H, rows, cols, ok, MASK: tl.constexpr, ACC: tl.constexpr):
    """The four gates' recurrent keep-masks for these rows (:func:`_mask_of`), each (BLOCK_N, BLOCK_H)."""
    return (_mask_of(mask_ptr, 0, DN, H, rows, cols, ok, MASK, ACC),
            _mask_of(mask_ptr, 1, DN, H, rows, cols, ok, MASK, ACC),
            _mask_of(mask_ptr, 2, DN, H, rows, cols, ok, MASK, ACC),
            _mask_of(mask_ptr, 3, DN, H, rows, cols, ok, MASK, ACC))


@triton.jit
def _through_gates(d_i, d_f, d_g, d_o, w_i, w_f, w_g, w_o, m_i, m_f, m_g, m_o, PRECISION: tl.constexpr):
    """sum_g m_g (d_g W_g): a gradient w.r.t. the four gates' recurrent products carried to h_{t-1}."""
    return (m_i * tl.dot(d_i, w_i, input_precision=PRECISION) + m_f * tl.dot(d_f, w_f, input_precision=PRECISION)
            + m_g * tl.dot(d_g, w_g, input_precision=PRECISION) + m_o * tl.dot(d_o, w_o, input_precision=PRECISION))


@triton.jit
def _final_cell_grad(d_c_last_ptr, last_ptr, state, ok, rows, n, N, L, HAS_D_C_LAST: tl.constexpr,
                     HAS_LAST: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, ACC: tl.constexpr):
    """(dL/dc_last (BLOCK_N, BLOCK_H), zeros without it; each row's final step (BLOCK_N,), L-1 without ``last``):
    the gradient of the returned cell state and the step where it enters the reverse loop."""
    d_c_last = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)
    if HAS_D_C_LAST:
        d_c_last = _read(d_c_last_ptr + state, ok, ACC)
    final = tl.zeros((BLOCK_N,), dtype=tl.int64) + (L - 1)
    if HAS_LAST:
        final = tl.load(last_ptr + rows, mask=n < N, other=0).to(tl.int64)
    return d_c_last, final


@triton.jit
def lstm_forward(xp_ptr, h0_ptr, c0_ptr, w_ptr, mask_ptr, peep_ptr, acts_ptr, cs_ptr, hs_ptr, L, N, H, D,
                 MASK: tl.constexpr, PEEPHOLE: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr,
                 PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The forward loop of one tile of samples: grid (cdiv(N, BLOCK_N), D)."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)                 # rows of xp, h, c; ok (BLOCK_N, BLOCK_H)
    DN = D * N
    w_i, w_f, w_g, w_o = _gate_weights_t(w_ptr, d, H, BLOCK_H, ACC)                # W_g^T, resident for the loop
    m_i, m_f, m_g, m_o = _gate_masks(mask_ptr, DN, H, rows, cols, ok, MASK, ACC)
    w_ci, w_cf, w_co = _peepholes(peep_ptr, H, cols, ok, PEEPHOLE, ACC)
    state = rows[:, None] * H + cols[None, :]
    h = _read(h0_ptr + state, ok, ACC)
    c = _read(c0_ptr + state, ok, ACC)
    for t in range(0, L):
        gate = (t * DN + rows[:, None]) * 4 * H + cols[None, :]               # block i of step t; + g*H for g
        a_i = _read(xp_ptr + gate, ok, ACC) + tl.dot(h * m_i, w_i, input_precision=PRECISION)
        a_f = _read(xp_ptr + gate + H, ok, ACC) + tl.dot(h * m_f, w_f, input_precision=PRECISION)
        a_g = _read(xp_ptr + gate + 2 * H, ok, ACC) + tl.dot(h * m_g, w_g, input_precision=PRECISION)
        a_o = _read(xp_ptr + gate + 3 * H, ok, ACC) + tl.dot(h * m_o, w_o, input_precision=PRECISION)
        i = tl.sigmoid(a_i + w_ci * c)                                        # input gate (peephole on c_{t-1})
        f = tl.sigmoid(a_f + w_cf * c)                                        # forget gate (peephole on c_{t-1})
        g = _tanh(a_g)                                                        # candidate
        c = f * c + i * g                                                     # c_t
        o = tl.sigmoid(a_o + w_co * c)                                        # output gate (peephole on c_t)
        h = o * _tanh(c)                                                      # h_t = y_t
        tl.store(acts_ptr + gate, i, mask=ok)
        tl.store(acts_ptr + gate + H, f, mask=ok)
        tl.store(acts_ptr + gate + 2 * H, g, mask=ok)
        tl.store(acts_ptr + gate + 3 * H, o, mask=ok)
        step = t * DN * H + state
        tl.store(cs_ptr + step, c, mask=ok)
        tl.store(hs_ptr + step, h, mask=ok)


@triton.jit
def lstm_backward(acts_ptr, cs_ptr, c0_ptr, w_ptr, mask_ptr, peep_ptr, d_hs_ptr, d_c_last_ptr, last_ptr, da_ptr,
                  d_h0_ptr, d_c0_ptr, L, N, H, D, MASK: tl.constexpr, PEEPHOLE: tl.constexpr, HAS_D_HS: tl.constexpr,
                  HAS_D_C_LAST: tl.constexpr, HAS_LAST: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr,
                  PRECISION: tl.constexpr, ACC: tl.constexpr):
    """The reverse loop of one tile of samples: grid (cdiv(N, BLOCK_N), D). Writes da (= dL/dxp), dL/dh_0, dL/dc_0."""
    d, n, rows, cols, ok = _tile(N, D, H, BLOCK_N, BLOCK_H)
    DN = D * N
    w_i, w_f, w_g, w_o = _gate_weights(w_ptr, d, H, BLOCK_H, ACC)                  # W_g, resident for the loop
    m_i, m_f, m_g, m_o = _gate_masks(mask_ptr, DN, H, rows, cols, ok, MASK, ACC)
    w_ci, w_cf, w_co = _peepholes(peep_ptr, H, cols, ok, PEEPHOLE, ACC)
    state = rows[:, None] * H + cols[None, :]
    dh_rec = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)                          # sum_g m_g (da_{t+1,g} W_g)
    dc = tl.zeros((BLOCK_N, BLOCK_H), dtype=ACC)                              # dL/dc_{t+1} f_{t+1}
    d_c_last, final = _final_cell_grad(d_c_last_ptr, last_ptr, state, ok, rows, n, N, L, HAS_D_C_LAST, HAS_LAST,
                                       BLOCK_N, BLOCK_H, ACC)
    for s in range(0, L):
        t = L - 1 - s
        step = t * DN * H + state
        dh = dh_rec
        if HAS_D_HS:
            dh += _read(d_hs_ptr + step, ok, ACC)                             # + dL/dy_t
        dc += tl.where((final == t)[:, None], d_c_last, 0.0)                  # dL/dc_last enters at its step
        gate = (t * DN + rows[:, None]) * 4 * H + cols[None, :]
        i = _read(acts_ptr + gate, ok, ACC)
        f = _read(acts_ptr + gate + H, ok, ACC)
        g = _read(acts_ptr + gate + 2 * H, ok, ACC)
        o = _read(acts_ptr + gate + 3 * H, ok, ACC)
        c = _read(cs_ptr + step, ok, ACC)
        c_prev = (_read(cs_ptr + step - DN * H, ok & (t > 0), ACC)
                  + _read(c0_ptr + state, ok & (t == 0), ACC))
        tanh_c = _tanh(c)
        da_o = dh * tanh_c * o * (1.0 - o)
        dc += dh * o * (1.0 - tanh_c * tanh_c) + w_co * da_o                  # dL/dc_t (through o: peephole)
        da_i = dc * g * i * (1.0 - i)
        da_f = dc * c_prev * f * (1.0 - f)
        da_g = dc * i * (1.0 - g * g)
        tl.store(da_ptr + gate, da_i, mask=ok)
        tl.store(da_ptr + gate + H, da_f, mask=ok)
        tl.store(da_ptr + gate + 2 * H, da_g, mask=ok)
        tl.store(da_ptr + gate + 3 * H, da_o, mask=ok)
        dh_rec = _through_gates(da_i, da_f, da_g, da_o, w_i, w_f, w_g, w_o, m_i, m_f, m_g, m_o, PRECISION)
        dc = dc * f + w_ci * da_i + w_cf * da_f                               # carried to step t-1 (and peepholes)
    tl.store(d_h0_ptr + state, dh_rec, mask=ok)
    tl.store(d_c0_ptr + state, dc, mask=ok)
