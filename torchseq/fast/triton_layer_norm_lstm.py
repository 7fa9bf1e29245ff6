r"""The layer-normalised LSTM's fused Triton kernels behind an autograd Function: one launch for the forward loop,
one for the backward (:mod:`torchseq.fast.triton_kernels.layer_norm_lstm_kernels` holds the kernels, equations
and buffers). The Function takes what :class:`~torchseq.fast.layer_norm_lstm.LayerNormLSTMFunction` takes: xp
= LN_x(W_x x) + b (L, N, 4H), h0, c0 (N, H), W_h (4H, H), the norms' gains gamma_h (4H,), gamma_c (H,) and shift
beta_c (H,), eps, the recurrent mask (1 | 4, N, H) or None and ``last`` (N,) or None. dW_h and the norms'
parameter gradients are one product and three sums after the backward launch.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.layer_norm_lstm import LayerNormLSTMCell
from .kernel import Kernel
from .layer_norm_lstm import _project
from .product import recurrent_weight_grad, rows_product
from .triton_lstm import _arithmetic, _mask_mode, _options, _takes


class TritonLayerNormLSTMFunction(torch.autograd.Function):
    """(xp (L, N, 4H), h0, c0 (N, H), W_h (4H, H), gamma_h (4H,), gamma_c, beta_c (H,), eps, mask (1|4, N, H) or
    None, last (N,) or None) -> (h_t for every t (L, N, H), the cell state at step ``last`` (N, H))."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, gain_h, gain_c, bias_c, eps, mask, last):
        from .triton_kernels import layer_norm_lstm_kernels as kernels
        ctx.set_materialize_grads(False)
        L, N, H4 = xp.shape
        H = H4 // 4
        xp, h0, c0, weight = xp.contiguous(), h0.contiguous(), c0.contiguous(), weight.contiguous()
        gain_h, gain_c, bias_c = gain_h.contiguous(), gain_c.contiguous(), bias_c.contiguous()
        mask = None if mask is None else mask.contiguous()
        acc = _arithmetic(xp)
        acts, rhats = xp.new_empty(L, N, 4 * H, dtype=acc), xp.new_empty(L, N, 4 * H, dtype=acc)  # gates, r-hat
        chats, cs = xp.new_empty(L, N, H, dtype=acc), xp.new_empty(L, N, H, dtype=acc)          # c-hat, c_t
        rstds, hs = xp.new_empty(L, N, 2, dtype=acc), xp.new_empty(L, N, H)            # norms' 1/std; h_t
        options = _options(xp, H, layer_norm=True)
        kernels.ln_lstm_forward[(-(-N // options["BLOCK_N"]), 1)](
            xp, h0, c0, weight, gain_h, gain_c, bias_c, xp if mask is None else mask, acts, rhats, chats, cs, rstds,
            hs, L, N, H, 1, eps, MASK=_mask_mode(mask), **options)
        c_last = (cs[-1] if last is None else cs[last, torch.arange(N, device=xp.device)]).to(xp.dtype, copy=True)
        ctx.save_for_backward(acts, rhats, chats, cs, rstds, hs, h0, c0, weight, gain_h, gain_c, bias_c, mask, last)
        return hs, c_last

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_c_last):
        from .triton_kernels import layer_norm_lstm_kernels as kernels
        acts, rhats, chats, cs, rstds, hs, h0, c0, weight, gain_h, gain_c, bias_c, mask, last = ctx.saved_tensors
        L, N, H = cs.shape
        da = acts.new_empty(acts.shape, dtype=weight.dtype)                           # (L, N, 4H): dL/dxp
        dr = torch.empty_like(da)                                                      # (L, N, 4H): dL/dr
        dchecks = torch.empty_like(cs)                                                 # (L, N, H): dL/dLN_c(c_t)
        d_h0, d_c0 = torch.empty_like(h0), torch.empty_like(c0)
        options = _options(weight, H, layer_norm=True)
        kernels.ln_lstm_backward[(-(-N // options["BLOCK_N"]), 1)](
            acts, rhats, chats, cs, c0, rstds, weight, gain_h, gain_c, bias_c, acts if mask is None else mask,
            acts if d_hs is None else d_hs.contiguous(), c0 if d_c_last is None else d_c_last.contiguous(),
            acts if last is None else last, da, dr, dchecks, d_h0, d_c0, L, N, H, 1, MASK=_mask_mode(mask),
            HAS_D_HS=d_hs is not None, HAS_D_C_LAST=d_c_last is not None, HAS_LAST=last is not None, **options)
        d_weight = recurrent_weight_grad(rows_product(weight, mask), dr, h0, hs)        # (4H, H)
        d_gain_h = (da * rhats).sum((0, 1)).to(gain_h.dtype)                          # sum da r-hat
        d_gain_c = (dchecks * chats).sum((0, 1)).to(gain_c.dtype)                     # sum dL/dLN_c c-hat
        d_bias_c = dchecks.sum((0, 1)).to(bias_c.dtype)
        return da, d_h0, d_c0, d_weight, d_gain_h, d_gain_c, d_bias_c, None, None, None


def _launch(cells, xp, h0, state, weight, mask, last, params):
    norms = params("ln_hh_weight", "ln_c_weight", "ln_c_bias")
    return TritonLayerNormLSTMFunction.apply(xp, h0, state[1], weight, *norms, cells[0].layer_norm_eps, mask, last)


KERNEL = Kernel(LayerNormLSTMCell, TritonLayerNormLSTMFunction, _launch, applies=_takes, project=_project)
