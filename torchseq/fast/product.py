"""The recurrent product W_h (m * h) of the fast path, with its backward, for every dropout layout.

A block of k gates has the weight W (k*H, H) and optionally a variational recurrent mask m, either one
mask shared by the k gates (1, N, H) or one per gate (k, N, H) (:class:`~torchseq.cells.masks.Masks`).
Per step the fast kernels need

    forward   a += W (m * h)                        a (N, k*H), in place
    backward  dh += sum_g m_g * (W_g^T da_g)        da (N, k*H), dh (N, H), in place or into a new (N, H)

and, once per call after the reverse loop, the weight gradient over all timesteps in one product:

    dW_g = sum_t da_{g,t}^T (m_g * h_t)             da (L, N, k*H), h (L, N, H) -> (k*H, H)

(:func:`recurrent_weight_grad` pairs step t's da with h_{t-1} without building the shifted sequence).

:class:`MaskedProduct` works on a step's pre-activations laid out as torch.nn has them, (N, k*H).
:class:`GateMajorProduct` is for one mask per gate with the pre-activations gate-major, (k, N, H): there the
k masked products are one batched product written in place, where the (N, k*H) layout needs the batched
product, then a strided add into the row-major buffer.
"""
from __future__ import annotations

from typing import Optional

import torch


class MaskedProduct:
    """W (k*H, H) and an optional mask (1 or k, N, H), with the three products above."""

    time_dim = 0                                                                       # of weight_grad's da (L, N, k*H)

    def __init__(self, weight: torch.Tensor, mask: Optional[torch.Tensor]):
        self.weight = weight
        self.mask = mask
        self.k = weight.shape[0] // weight.shape[1]
        self.per_gate = mask is not None and mask.shape[0] > 1
        H = weight.shape[1]
        self.weight_t = weight.t().contiguous()                                        # (H, k*H), laid out once
        if self.per_gate:
            self.gate_weights = weight.view(self.k, H, H)                              # (k, H, H), [g] = W_g
            self.gate_weights_t = self.gate_weights.transpose(1, 2).contiguous()       # (k, H, H), [g] = W_g^T

    def accumulate(self, out: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """out += W (m * h), in place: out (N, k*H), h (N, H). The kernels fill ``out`` with the step's
        other terms for all t beforehand, so the step is one in-place product (no copy of a base)."""
        if not self.per_gate:
            return self.accumulate_masked(out, h if self.mask is None else h * self.mask[0])
        products = torch.bmm(h * self.mask, self.gate_weights_t)                      # (k, N, H)
        N, H = h.shape
        out.view(N, self.k, H).add_(products.transpose(0, 1))                         # (N, k, H) += (N, k, H)
        return out

    def accumulate_masked(self, out: torch.Tensor, hm: torch.Tensor) -> torch.Tensor:
        """out += W hm, in place, for an input already masked, hm = m * h (N, H) (no mask or a shared one): a
        kernel that needs m * h for another product too computes it once."""
        return out.addmm_(hm, self.weight_t)

    def write(self, out: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """out = W (m * h), written over ``out`` (N, k*H) (contiguous): for a kernel that keeps the product
        apart from the step's other terms (the layer norm of W_h h)."""
        if not self.per_gate:
            return torch.mm(h if self.mask is None else h * self.mask[0], self.weight_t, out=out)
        products = torch.bmm(h * self.mask, self.gate_weights_t)                      # (k, N, H)
        N, H = h.shape
        out.view(N, self.k, H).copy_(products.transpose(0, 1))                        # (N, k, H) = (N, k, H)
        return out

    def accumulate_back(self, out: torch.Tensor, da: torch.Tensor) -> torch.Tensor:
        """out += sum_g m_g * (W_g^T da_g), in place: da (N, k*H), out (N, H) (prefilled with dL/dy_t)."""
        if self.mask is None:
            return out.addmm_(da, self.weight)
        return out.add_(self.back(da))

    def back(self, da: torch.Tensor) -> torch.Tensor:
        """sum_g m_g * (W_g^T da_g): da (N, k*H) -> (N, H)."""
        if self.mask is None:
            return torch.mm(da, self.weight)
        if not self.per_gate:
            return torch.mm(da, self.weight).mul_(self.mask[0])                        # (N, H)
        N, H = da.shape[0], self.weight.shape[1]
        per_gate = torch.bmm(da.view(N, self.k, H).transpose(0, 1), self.gate_weights)   # (k, N, H)
        return (per_gate * self.mask).sum(0)                                           # (N, H)

    def weight_grad(self, da: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """sum over t and samples of da_g^T (m_g * h): da (L, N, k*H), h (L, N, H) -> (k*H, H)."""
        H = h.shape[-1]
        if self.mask is None:
            return da.reshape(-1, da.shape[-1]).t().mm(h.reshape(-1, H))               # (k*H, L*N) @ (L*N, H)
        if not self.per_gate:
            return da.reshape(-1, da.shape[-1]).t().mm((h * self.mask[0]).reshape(-1, H))
        L, N = h.shape[:2]
        hm = (h.unsqueeze(0) * self.mask.unsqueeze(1)).reshape(self.k, L * N, H)      # (k, L*N, H)
        dg = da.reshape(L * N, self.k, H).permute(1, 2, 0)                             # (k, H, L*N)
        return torch.bmm(dg, hm).reshape(self.k * H, H)                                # (k, H, H) -> (k*H, H)


class GateMajorProduct:
    """W (k*H, H) and one mask per gate (k, N, H), on gate-major pre-activations: a step's ``out`` and ``da``
    are (k, N, H), and the weight gradient takes da gate-first, (k, L, N, H), each gate's block one contiguous
    (L*N, H) matrix. Per step, forward a_g += W_g (m_g h) is one elementwise product into a reused buffer and
    one in-place batched product (``baddbmm_``), backward sum_g m_g (W_g^T da_g) a batched product on
    contiguous blocks, the mask, a sum over the gates."""

    time_dim = 1                                                                       # of weight_grad's da (k, L, N, H)

    def __init__(self, weight: torch.Tensor, mask: torch.Tensor):
        H = weight.shape[1]
        self.k = weight.shape[0] // H
        if mask is None or mask.shape[0] != self.k:
            raise ValueError(f"mask must have one row per gate, ({self.k}, N, {H}); got "
                             f"{None if mask is None else tuple(mask.shape)}")
        self.mask = mask
        self.gate_weights = weight.view(self.k, H, H)                                  # (k, H, H), [g] = W_g
        self.gate_weights_t = self.gate_weights.transpose(1, 2).contiguous()           # (k, H, H), [g] = W_g^T
        self.masked = torch.empty_like(mask)                                           # (k, N, H): m_g h, every step
        self.per_gate = torch.empty_like(mask)                                         # (k, N, H): W_g^T da_g

    def accumulate(self, out: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """out_g += W_g (m_g * h), in place: out (k, N, H) contiguous, h (N, H)."""
        return self.accumulate_masked(out, torch.mul(h, self.mask, out=self.masked))

    def accumulate_masked(self, out: torch.Tensor, hm: torch.Tensor) -> torch.Tensor:
        """out_g += W_g hm_g, in place, for an input already masked, hm = m * h (k, N, H)."""
        return out.baddbmm_(hm, self.gate_weights_t)

    def back(self, da: torch.Tensor) -> torch.Tensor:
        """sum_g m_g * (W_g^T da_g): da (k, N, H) -> (N, H)."""
        return torch.bmm(da, self.gate_weights, out=self.per_gate).mul_(self.mask).sum(0)

    def accumulate_back(self, out: torch.Tensor, da: torch.Tensor) -> torch.Tensor:
        """out += sum_g m_g * (W_g^T da_g), in place: da (k, N, H), out (N, H)."""
        return out.add_(self.back(da))

    def weight_grad(self, da: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """dW_g = sum over t and samples of da_g^T (m_g * h): da (k, L, N, H) gate-first, h (L, N, H) -> (k*H, H)."""
        L, N, H = h.shape
        dg = da.reshape(self.k, L * N, H)                                              # (k, L, N, H) -> (k, L*N, H)
        hm = h.new_empty(L * N, H)                                                     # m_g * h, gate by gate
        d_weight = h.new_empty(self.k, H, H)
        for g in range(self.k):
            torch.mul(h, self.mask[g], out=hm.view(L, N, H))
            torch.mm(dg[g].t(), hm, out=d_weight[g])                                   # da_g^T (m_g * h)
        return d_weight.view(self.k * H, H)                                            # (k, H, H) -> (k*H, H)


class DirectionProduct:
    """The recurrent product of D directions run as one batch (a Bidirectional layer's two halves in one
    step loop): W (D, k*H, H), one weight per direction, and rows direction-major -- a step's ``h`` (D*N, H)
    holds direction d's N samples in rows d*N .. (d+1)*N - 1 -- with an optional mask (1, D*N, H) shared by
    the gates. Each product is one batched product over the directions on (D, N, .) views of contiguous
    buffers; the weight gradient comes back as (D, k*H, H)."""

    time_dim = 0                                                                       # of weight_grad's da (L, D*N, k*H)

    def __init__(self, weight: torch.Tensor, mask: Optional[torch.Tensor]):
        if weight.dim() != 3 or (mask is not None and mask.shape[0] != 1):
            raise ValueError(f"DirectionProduct takes W (D, k*H, H) and a mask shared by the gates (1, D*N, H); got "
                             f"W {tuple(weight.shape)}, mask {None if mask is None else tuple(mask.shape)}")
        self.directions = weight.shape[0]
        self.weight = weight                                                           # (D, k*H, H)
        self.weight_t = weight.transpose(1, 2).contiguous()                            # (D, H, k*H), laid out once
        self.mask = None if mask is None else mask[0]                                  # (D*N, H)

    def _split(self, t: torch.Tensor) -> torch.Tensor:
        return t.view(self.directions, -1, t.shape[-1])                                # (D*N, C) -> (D, N, C)

    def accumulate(self, out: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """out += W_d (m * h) per direction, in place: out (D*N, k*H), h (D*N, H)."""
        return self.accumulate_masked(out, h if self.mask is None else h * self.mask)

    def accumulate_masked(self, out: torch.Tensor, hm: torch.Tensor) -> torch.Tensor:
        """out += W_d hm per direction, in place, for an input already masked, hm = m * h (D*N, H)."""
        self._split(out).baddbmm_(self._split(hm), self.weight_t)                     # (D, N, k*H) += (D, N, H) @ (D, H, k*H)
        return out

    def back(self, da: torch.Tensor) -> torch.Tensor:
        """m * (W_d^T da) per direction: da (D*N, k*H) -> (D*N, H)."""
        dh = torch.bmm(self._split(da), self.weight).view(-1, self.weight.shape[-1])   # (D, N, H) -> (D*N, H)
        return dh if self.mask is None else dh.mul_(self.mask)

    def accumulate_back(self, out: torch.Tensor, da: torch.Tensor) -> torch.Tensor:
        """out += m * (W_d^T da) per direction, in place: da (D*N, k*H), out (D*N, H)."""
        if self.mask is not None:
            return out.add_(self.back(da))
        self._split(out).baddbmm_(self._split(da), self.weight)                       # (D, N, H) += (D, N, k*H) @ (D, k*H, H)
        return out

    def weight_grad(self, da: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """dW_d = sum over t and direction d's samples of da^T (m * h): da (L, D*N, k*H), h (L, D*N, H)
        -> (D, k*H, H)."""
        D, L = self.directions, da.shape[0]
        hm = h if self.mask is None else h * self.mask
        dg = da.reshape(L, D, -1, da.shape[-1]).transpose(0, 1).reshape(D, -1, da.shape[-1])   # (D, L*N, k*H)
        hg = hm.reshape(L, D, -1, hm.shape[-1]).transpose(0, 1).reshape(D, -1, hm.shape[-1])  # (D, L*N, H)
        return torch.bmm(dg.transpose(1, 2), hg)                                       # (D, k*H, H)


def rows_product(weight: torch.Tensor, mask: Optional[torch.Tensor]):
    """The product for pre-activations in torch.nn's row layout, (L, D*N, k*H): W (D, k*H, H) for D directions
    batched, else W (k*H, H) with no mask, one mask, or one per gate."""
    return DirectionProduct(weight, mask) if weight.dim() == 3 else MaskedProduct(weight, mask)


def recurrent_weight_grad(product, da: torch.Tensor, h0: torch.Tensor, hs: torch.Tensor) -> torch.Tensor:
    """dW = sum_t da_t^T (m * h_{t-1}) with h_{-1} = h0: da in the layout of the product's ``weight_grad`` (time
    along its ``time_dim``), h0 (N, H), hs (L, N, H) the states h_0 .. h_{L-1} -> the product's weight gradient.
    Steps 1 .. L-1 pair with hs[:-1] in one product and step 0 with h0 in a second, small one, so the shifted
    sequence (h0, h_0, .., h_{L-2}) is never built."""
    L = hs.shape[0]
    first = product.weight_grad(da.narrow(product.time_dim, 0, 1), h0.unsqueeze(0))    # step 0: da_0^T (m h0)
    if L == 1:
        return first
    return product.weight_grad(da.narrow(product.time_dim, 1, L - 1), hs[:-1]).add_(first)   # + steps 1 .. L-1


def sigmoid_backward(x: torch.Tensor, s: torch.Tensor, out: Optional[torch.Tensor] = None) -> torch.Tensor:
    """x * s * (1 - s) in one pass: the derivative of sigmoid at the output s, times x."""
    if out is None:
        return torch.ops.aten.sigmoid_backward(x, s)
    return torch.ops.aten.sigmoid_backward.grad_input(x, s, grad_input=out)


def tanh_backward(x: torch.Tensor, y: torch.Tensor, out: Optional[torch.Tensor] = None) -> torch.Tensor:
    """x * (1 - y^2) in one pass: the derivative of tanh at the output y, times x."""
    if out is None:
        return torch.ops.aten.tanh_backward(x, y)
    return torch.ops.aten.tanh_backward.grad_input(x, y, grad_input=out)


def activation_backward(dh: torch.Tensor, h: torch.Tensor, relu: bool, out: torch.Tensor) -> torch.Tensor:
    """dh phi'(a) read off the output h = phi(a), into ``out``: [h > 0] for relu, 1 - h^2 for tanh."""
    if relu:
        return torch.ops.aten.threshold_backward.grad_input(dh, h, 0, grad_input=out)
    return tanh_backward(dh, h, out=out)
