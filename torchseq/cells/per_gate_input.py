r"""The input product under one variational dropout mask per gate, with its backward written out.

Each gate block g of W_x (G*H, F) multiplies its own masked copy of the input (Gal & Ghahramani 2016, the
untied-weights form that Keras' ``implementation=1`` cells and these cells' ``input_product`` compute):

.. math::
    xp_g = W_g (m_g \odot x) + b_g, \qquad
    \frac{\partial L}{\partial x} = \sum_g m_g \odot (W_g^\top \delta_g), \qquad
    \frac{\partial L}{\partial W_g} = \sum_{\text{rows}} \delta_g^\top (m_g \odot x), \qquad
    \frac{\partial L}{\partial b_g} = \sum_{\text{rows}} \delta_g

with \delta_g = dL/dxp_g and the mask m_g (N, F) shared by every leading position (every time step).
Under autograd the G masked copies m_g * x are one (G, ..., N, F) tensor, kept for the backward, and the
input gradient three more of that size. Here one (..., N, F) buffer is reused gate by gate in both
directions and only x and the masks are kept: the same products, G-fold less memory traffic -- which on a
CPU is most of the per-gate masks' cost at long sequences.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch.autograd.function import once_differentiable


class PerGateInputProduct(torch.autograd.Function):
    """(x (..., N, F), masks (G, N, F), weight (G*H, F), bias (G*H,) or None) -> xp gate-first (G, ..., N, H),
    contiguous, [g] = W_g (m_g * x) + b_g."""

    @staticmethod
    def forward(ctx, x, masks, weight, bias):
        G, F = masks.shape[0], x.shape[-1]
        H = weight.shape[0] // G
        rows = x.numel() // F                                                          # (..., N) flattened
        out = x.new_empty(G, rows, H)                                                  # (G, ...*N, H)
        xm = torch.empty(x.shape, dtype=x.dtype, device=x.device)                      # m_g * x, gate by gate
        w = weight.view(G, H, F)                                                       # [g] = W_g
        for g in range(G):
            torch.mul(x, masks[g], out=xm)
            if bias is None:
                torch.mm(xm.view(rows, F), w[g].t(), out=out[g])
            else:
                torch.addmm(bias[g * H:(g + 1) * H], xm.view(rows, F), w[g].t(), out=out[g])
        ctx.save_for_backward(x, masks, weight)
        ctx.has_bias = bias is not None
        return out.view(G, *x.shape[:-1], H)                                           # (G, ..., N, H)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out):
        x, masks, weight = ctx.saved_tensors
        G, F = masks.shape[0], x.shape[-1]
        H = weight.shape[0] // G
        rows = x.numel() // F
        delta = d_out.reshape(G, rows, H)                                              # (G, ...*N, H), [g] = delta_g
        w = weight.view(G, H, F)
        work = torch.empty(x.shape, dtype=x.dtype, device=x.device)                    # (..., N, F), reused
        flat = work.view(rows, F)
        d_x = d_masks = d_weight = d_bias = None
        need_x, need_masks, need_weight, need_bias = ctx.needs_input_grad
        if need_x or need_masks:
            d_x = torch.empty_like(x) if need_x else None
            d_masks = torch.empty_like(masks) if need_masks else None
            for g in range(G):
                torch.mm(delta[g], w[g], out=flat)                                     # W_g^T delta_g
                if need_masks:
                    d_masks[g] = (work * x).sum_to_size(masks[g].shape)                # sum over leading positions
                if need_x and g == 0:
                    torch.mul(work, masks[0], out=d_x)
                elif need_x:
                    d_x.addcmul_(work, masks[g])                                       # sum_g m_g * W_g^T delta_g
        if need_weight:
            d_weight = weight.new_empty(G, H, F)
            for g in range(G):
                torch.mul(x, masks[g], out=work)
                torch.mm(delta[g].t(), flat, out=d_weight[g])                          # delta_g^T (m_g * x)
            d_weight = d_weight.view(G * H, F)
        if need_bias and ctx.has_bias:
            d_bias = delta.sum(1).view(G * H)                                              # (G, H) -> (G*H,)
        return d_x, d_masks, d_weight, d_bias


def per_gate_input_product(x: torch.Tensor, masks: torch.Tensor, weight: torch.Tensor,
                           bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """xp_g = W_g (m_g * x) + b_g for every gate: x (..., N, F), masks (G, N, F), weight (G*H, F) ->
    (G, ..., N, H), gate-first (see :class:`PerGateInputProduct`)."""
    return PerGateInputProduct.apply(x, masks, weight, bias)
