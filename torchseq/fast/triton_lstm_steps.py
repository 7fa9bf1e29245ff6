r"""The LSTM's and the peephole LSTM's one-step Triton kernels behind autograd Functions, for hidden sizes whose
W_h does not fit on chip: one launch per time step forward and one per step backward, each the recurrent product
with the whole gate update fused after it (:mod:`torchseq.fast.triton_kernels.lstm_step_kernels` holds the
kernels, equations and buffers). The eager loop launches about fifteen kernels a step; these launch one.

The Functions take and return what :class:`~torchseq.fast.triton_lstm.TritonLSTMFunction` and its peephole twin
take and return; dL/dh_0, dW_h and the peepholes' gradients are products and sums after the last launch.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.lstm import LSTMCell
from ..cells.peephole_lstm import PeepholeLSTMCell
from .kernel import Kernel
from .product import recurrent_weight_grad, rows_product
from .triton_lstm import _arithmetic, _mask_mode, _precision, on_chip, runs_triton, sizes

# (BLOCK_N, BLOCK_H, BLOCK_K, num_warps): samples and units a program owns, the chunk of h_{t-1} (or da_{t+1})
# it reads at a time, and its warps. The ahead-of-time check compiles it for every input type and precision.
STEP_TILE = (16, 32, 16, 8)


def step_options(t: torch.Tensor, N: int, H: int, D: int):
    """(grid, keyword arguments): the one-step kernels' grid (cdiv(N, BLOCK_N), cdiv(H, BLOCK_H), D) and their
    tile, precision, arithmetic type and warps, for inputs like t."""
    import triton.language as tl
    block_n, block_h, block_k, warps = STEP_TILE
    acc = tl.float64 if _arithmetic(t) == torch.float64 else tl.float32
    return ((-(-N // block_n), -(-H // block_h), D),
            dict(BLOCK_N=block_n, BLOCK_H=block_h, BLOCK_K=block_k, PRECISION=_precision(t), ACC=acc,
                 num_warps=warps))


def _forward(ctx, xp, h0, c0, weight, peepholes, mask, last):
    """Launch the forward kernel once per step; save what the backward reads -> (hs, c_last)."""
    from .triton_kernels import lstm_step_kernels
    ctx.set_materialize_grads(False)
    L, DN, H, D, N = sizes(xp, weight)
    xp, weight = xp.contiguous(), weight.contiguous()
    h0, c0 = h0.contiguous(), c0.contiguous()
    mask = None if mask is None else mask.contiguous()
    acc = _arithmetic(xp)
    acts = xp.new_empty(L, DN, 4 * H, dtype=acc)                                      # (L, D*N, 4H): i, f, g, o
    cs, hs = xp.new_empty(L, DN, H, dtype=acc), xp.new_empty(L, DN, H)                # c_t, h_t
    c0_acc = c0.to(acc)                                                                # c_{-1} in the cell state's type
    grid, options = step_options(xp, N, H, D)
    for t in range(L):
        lstm_step_kernels.lstm_step_forward[grid](
            xp[t], h0 if t == 0 else hs[t - 1], c0_acc if t == 0 else cs[t - 1], weight,
            xp if mask is None else mask, xp if peepholes is None else peepholes, acts[t], cs[t], hs[t], N, H, D,
            MASK=_mask_mode(mask), PEEPHOLE=peepholes is not None, **options)
    c_last = (cs[-1] if last is None else cs[last, torch.arange(DN, device=xp.device)]).to(xp.dtype, copy=True)
    ctx.save_for_backward(acts, cs, hs, h0, c0_acc, weight, peepholes, mask, last)
    return hs, c_last


def _backward(ctx, d_hs, d_c_last):
    """Launch the backward kernel once per step, t = L-1 .. 0 -> (dL/dxp, dL/dh0, dL/dc0, dL/dW_h, and (3, H)
    dL/dpeepholes or None)."""
    from .triton_kernels import lstm_step_kernels
    acts, cs, hs, h0, c0, weight, peepholes, mask, last = ctx.saved_tensors
    L, DN, H, D, N = sizes(cs, weight)
    da = acts.new_empty(acts.shape, dtype=weight.dtype)                               # (L, D*N, 4H): dL/dxp
    dc = torch.zeros_like(cs[0])                                                       # (D*N, H): the carry
    d_hs = None if d_hs is None else d_hs.contiguous()
    d_c_last = None if d_c_last is None else d_c_last.contiguous()
    grid, options = step_options(weight, N, H, D)
    for t in reversed(range(L)):
        lstm_step_kernels.lstm_step_backward[grid](
            acts[t], cs[t], c0 if t == 0 else cs[t - 1], weight, acts if mask is None else mask,
            acts if peepholes is None else peepholes, acts if d_hs is None else d_hs[t],
            da[t + 1] if t + 1 < L else da, dc, dc if d_c_last is None else d_c_last,
            dc if last is None else last, da[t], t, L, N, H, D, MASK=_mask_mode(mask),
            PEEPHOLE=peepholes is not None, HAS_NEXT=t + 1 < L, HAS_D_HS=d_hs is not None,
            HAS_D_C_LAST=d_c_last is not None, HAS_LAST=last is not None, **options)
    product = rows_product(weight, mask)
    d_h0 = product.back(da[0]).to(h0.dtype)                                           # sum_g m_g (da_0,g W_g)
    d_weight = recurrent_weight_grad(product, da, h0, hs)                              # (4H, H) or (D, 4H, H)
    d_peepholes = None
    if peepholes is not None:
        c_prev = torch.cat([c0.unsqueeze(0), cs[:-1]])                                # c_{t-1} for every t
        da_i, da_f, _, da_o = da.split(H, dim=-1)                                      # (L, N, H) each
        d_peepholes = torch.stack([(da_i * c_prev).sum((0, 1)), (da_f * c_prev).sum((0, 1)),
                                   (da_o * cs).sum((0, 1))]).to(peepholes.dtype)
    return da, d_h0, dc.to(h0.dtype), d_weight, d_peepholes


class TritonLSTMStepsFunction(torch.autograd.Function):
    """(xp (L, D*N, 4H), h0, c0 (D*N, H), W_h (4H, H) | (D, 4H, H), mask (1|4, D*N, H) or None, last (D*N,)
    or None) -> (h_t for every t (L, D*N, H), the cell state at step ``last`` (D*N, H)), one launch a step."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, mask, last):
        return _forward(ctx, xp, h0, c0, weight, None, mask, last)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_c_last):
        return (*_backward(ctx, d_hs, d_c_last)[:4], None, None)


class TritonPeepholeLSTMStepsFunction(torch.autograd.Function):
    """(xp (L, N, 4H), h0, c0 (N, H), W_h (4H, H), w_ci, w_cf, w_co (H,), mask (1|4, N, H) or None, last (N,) or
    None) -> (h_t for every t (L, N, H), the cell state at step ``last`` (N, H)), one launch a step."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, w_ci, w_cf, w_co, mask, last):
        return _forward(ctx, xp, h0, c0, weight, torch.stack([w_ci, w_cf, w_co]).contiguous(), mask, last)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_c_last):
        d_xp, d_h0, d_c0, d_weight, d_peepholes = _backward(ctx, d_hs, d_c_last)
        return d_xp, d_h0, d_c0, d_weight, *d_peepholes.unbind(0), None, None


def _takes(cell) -> bool:
    """A cell too large for the persistent kernels that these run under the backend in force."""
    return runs_triton(cell) and not on_chip(cell)


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return TritonLSTMStepsFunction.apply(xp, h0, state[1], weight, mask, last)


def _launch_peephole(cells, xp, h0, state, weight, mask, last, params):
    return TritonPeepholeLSTMStepsFunction.apply(xp, h0, state[1], weight,
                                                 *params("weight_ci", "weight_cf", "weight_co"), mask, last)


KERNEL = Kernel(LSTMCell, TritonLSTMStepsFunction, _launch, applies=_takes, joins_directions=True)
PEEPHOLE = Kernel(PeepholeLSTMCell, TritonPeepholeLSTMStepsFunction, _launch_peephole, applies=_takes)
