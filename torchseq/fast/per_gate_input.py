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
input gradient three more of that size. Two ways around that, the same sums:

- :class:`PerGateInputProduct`, gate by gate: one (..., N, F) buffer reused for each m_g * x in both
  directions, only x and the masks kept -- G-fold less memory traffic, G products of (..., N, F) by W_g^T;
- :class:`PerSampleInputProduct`, the masks folded into the weights: m_g scales the columns of W_g, and
  m_g is constant over time, so for each sample n, xp[:, n] = x[:, n] (diag(m[n]) W^T) -- one batched
  product over the samples with a weight copy per sample, U_n = diag(m[n]) W^T (F, G*H), no masked copy of
  x at all. The copies hold N*F*G*H numbers: :func:`per_gate_input_product` takes this way over a sequence
  (x (L, N, F)) when that is no more than x itself, G*H <= L (long sequences, where the G passes over x cost
  most).
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
        xm = x.new_empty(x.shape)                                                      # m_g * x, gate by gate
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
        work = x.new_empty(x.shape)                                                    # (..., N, F), reused
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
            d_bias = delta.sum(1).view(G * H)                                          # (G, H) -> (G*H,)
        return d_x, d_masks, d_weight, d_bias


class PerSampleInputProduct(torch.autograd.Function):
    """(x (L, N, F), masks (G, N, F), weight (G*H, F), bias (G*H,) or None) -> xp gate-first (G, L, N, H), a
    view of a batch-first (N, L, G*H) result: xp[:, n] = x[:, n] U_n + b with U_n = diag(m[n]) W^T (F, G*H),
    [f, g*H + h] = m_g[n, f] W_g[h, f]. Backward, gate by gate on the gradient as it comes (gate-first, so
    no permuted copy of it): dx[:, n] = sum_g delta_g[:, n] U_{n,g}^T, dU_{n,g} = x[:, n]^T delta_g[:, n],
    dW_g[h, f] = sum_n m_g[n, f] dU_{n,g}[f, h], dm_g[n, f] = sum_h W_g[h, f] dU_{n,g}[f, h]."""

    @staticmethod
    def forward(ctx, x, masks, weight, bias):
        L, N, F = x.shape
        G = masks.shape[0]
        H = weight.shape[0] // G
        m = masks.permute(1, 2, 0).unsqueeze(-1)                                      # (N, F, G, 1)
        w_t = weight.view(G, H, F).permute(2, 0, 1)                                    # (F, G, H), [f, g, h] = W_g[h, f]
        u = (m * w_t).reshape(N, F, G * H)                                             # (N, F, G, H) -> (N, F, G*H)
        xb = x.transpose(0, 1)                                                         # (N, L, F), a view
        out = torch.bmm(xb, u) if bias is None else torch.baddbmm(bias, xb, u)        # (N, L, G*H)
        ctx.save_for_backward(x, masks, weight, u)
        ctx.has_bias = bias is not None
        return out.view(N, L, G, H).permute(2, 1, 0, 3)                                # (G, L, N, H), a view

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out):
        x, masks, weight, u = ctx.saved_tensors
        L, N, F = x.shape
        G = masks.shape[0]
        H = weight.shape[0] // G
        delta = [d_out[g].transpose(0, 1) for g in range(G)]                           # G x (N, L, H): delta_g per sample
        u_gates = u.view(N, F, G, H).unbind(2)                                         # G x (N, F, H): U_n's gate blocks
        need_x, need_masks, need_weight, need_bias = ctx.needs_input_grad
        d_x = d_masks = d_weight = d_bias = None
        if need_x:
            d_xb = x.new_empty(N, L, F)                                                # sum_g delta_g U_{n,g}^T
            for g in range(G):
                if g == 0:
                    torch.bmm(delta[0], u_gates[0].transpose(1, 2), out=d_xb)
                else:
                    d_xb.baddbmm_(delta[g], u_gates[g].transpose(1, 2))
            d_x = d_xb.transpose(0, 1)                                                 # (N, L, F) -> (L, N, F)
        if need_masks or need_weight:
            x_t = x.transpose(0, 1).transpose(1, 2)                                    # (N, F, L)
            d_u = x.new_empty(G, N, F, H)
            for g in range(G):
                torch.bmm(x_t, delta[g], out=d_u[g])                                   # x_n^T delta_{g,n}
            if need_weight:
                d_weight = (d_u * masks.unsqueeze(-1)).sum(1).transpose(1, 2).reshape(G * H, F)   # (G, F, H) -> (G*H, F)
            if need_masks:
                w_t = weight.view(G, H, F).transpose(1, 2)                             # (G, F, H)
                d_masks = (d_u * w_t.unsqueeze(1)).sum(-1)                             # (G, N, F)
        if need_bias and ctx.has_bias:
            d_bias = d_out.sum((1, 2)).reshape(G * H)                                  # (G, H) -> (G*H,)
        return d_x, d_masks, d_weight, d_bias


def per_gate_input_product(x: torch.Tensor, masks: torch.Tensor, weight: torch.Tensor,
                           bias: Optional[torch.Tensor] = None, per_sample: Optional[bool] = None) -> torch.Tensor:
    """xp_g = W_g (m_g * x) + b_g for every gate: x (..., N, F), masks (G, N, F), weight (G*H, F) ->
    (G, ..., N, H), gate-first. ``per_sample``: True for :class:`PerSampleInputProduct` (x (L, N, F) only),
    False for :class:`PerGateInputProduct`, None to choose (per sample when G*H <= L)."""
    if per_sample is None:
        per_sample = x.dim() == 3 and weight.shape[0] <= x.shape[0]
    if per_sample and x.dim() != 3:
        raise ValueError(f"the per-sample product takes x (L, N, F); got x of shape {tuple(x.shape)}")
    return (PerSampleInputProduct if per_sample else PerGateInputProduct).apply(x, masks, weight, bias)
