"""Where a step's gate pre-activations live in the fast kernels' buffers.

torch.nn's layout keeps the G gate blocks of a step side by side, (L, N, G*H): one product W_h h per step
fills them all. With one dropout mask per gate the step needs G products W_g (m_g h), and in that layout
their results must be added into strided slices. Gate-major buffers, (L, G, N, H), make each block of a step
a contiguous (N, H) matrix and the G products one in-place batched product
(:class:`~torchseq.fast.product.GateMajorProduct`).

The input projection under per-gate input masks comes out gate-first, (G, L, N, H) -- one batched product,
each gate's block over all steps contiguous -- and the kernels take it so (xp 4-D): it is copied into the
gate-major buffers once before the loop, and the gradient is copied back gate-first once after the reverse
loop, a layout in which the weight gradient's per-gate products read it without another copy. A kernel
called with xp (L, N, G*H) and per-gate masks gets its gradient back in that layout.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch

from .product import DirectionProduct, GateMajorProduct, MaskedProduct


def per_gate(mask: Optional[torch.Tensor]) -> bool:
    """Whether a recurrent mask has one row per gate: the case for the gate-major layout."""
    return mask is not None and mask.shape[0] > 1


def product_for(weight: torch.Tensor, mask: Optional[torch.Tensor]):
    """The recurrent product for this weight and mask, matching :func:`arrange`'s choice of layout: W (D, k*H, H)
    is D directions in one batch (masks shared by the gates only); W (k*H, H) with one mask per gate is
    gate-major."""
    if weight.dim() == 3:
        return DirectionProduct(weight, mask)
    return GateMajorProduct(weight, mask) if per_gate(mask) else MaskedProduct(weight, mask)


def sizes(xp: torch.Tensor, gates: int) -> Tuple[int, int, int]:
    """(L, N, H) of xp (L, N, G*H) or gate-first (G, L, N, H)."""
    if xp.dim() == 4:
        return tuple(xp.shape[1:])
    L, N, GH = xp.shape
    return L, N, GH // gates


def gate_major_view(xp: torch.Tensor, gates: int) -> torch.Tensor:
    """xp (L, N, G*H) or gate-first (G, L, N, H) seen gate-major, (L, G, N, H): a view."""
    if xp.dim() == 4:
        return xp.transpose(0, 1)                                                      # (G, L, N, H) -> (L, G, N, H)
    L, N, GH = xp.shape
    return xp.view(L, N, gates, GH // gates).transpose(1, 2)                           # (L, N, G, H) -> (L, G, N, H)


def fresh(t: torch.Tensor) -> torch.Tensor:
    """A new contiguous copy of t, whatever its strides (``clone`` keeps a permuted tensor's strides; a
    kernel's working buffer must have contiguous steps and must never alias its input)."""
    return t.clone(memory_format=torch.contiguous_format)


def arrange(xp: torch.Tensor, gates: int, gate_major: bool) -> torch.Tensor:
    """A fresh working copy of xp (L, N, G*H) -- or gate-first (G, L, N, H), with ``gate_major`` only: the
    same layout, or gate-major (L, G, N, H). Contiguous whatever xp's strides."""
    return fresh(gate_major_view(xp, gates) if gate_major else xp)


def gate_first(t: torch.Tensor) -> torch.Tensor:
    """Gate-major (L, G, N, H) -> gate-first (G, L, N, H), a contiguous copy: the gradient's layout for the
    weight gradient's per-gate products and for a gate-first xp."""
    return t.transpose(0, 1).contiguous()                                              # (L, G, N, H) -> (G, L, N, H)


def like_xp(t: torch.Tensor, xp_gate_first: bool) -> torch.Tensor:
    """A gradient computed gate-first (G, L, N, H) in xp's layout: itself for a gate-first xp, else
    (L, N, G*H) (a copy)."""
    if xp_gate_first:
        return t
    G, L, N, H = t.shape
    return t.permute(1, 2, 0, 3).reshape(L, N, G * H)                                  # (L, N, G, H) -> (L, N, G*H)


def gate_blocks(t: torch.Tensor, gates: int, gate_major: bool) -> Tuple[torch.Tensor, ...]:
    """The G gate blocks of (L, N, G*H) or gate-major (L, G, N, H), in gate order, as (L, N, H) views."""
    return t.unbind(1) if gate_major else t.split(t.shape[-1] // gates, dim=-1)


def gate_span(t: torch.Tensor, count: int, gates: int, gate_major: bool) -> torch.Tensor:
    """The first ``count`` gate blocks together: (L, N, count*H), or gate-major (L, count, N, H)."""
    return t[:, :count] if gate_major else t[..., :count * (t.shape[-1] // gates)]
