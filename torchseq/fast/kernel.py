"""What the dispatcher knows about one fast kernel: the cell it computes, how to launch it, what it can do.

Every ``torchseq/fast/<cell>.py`` ends with one :class:`Kernel` record (two for the GRU's two forms, one
each for the SimpleRNN with and without layer norm); :data:`torchseq.fast.dispatch.KERNELS` collects them by
cell class. Nothing else in the package names a kernel.

A launch takes the arguments the dispatcher prepares for every kernel alike:

    cells    the D cells run in this loop (D = 2: a Bidirectional layer's halves, directions stacked)
    xp       the input projection, (L, D*N, G*H), or gate-first (G, L, N, H) under per-gate recurrent masks
    h0       (D*N, H); ``state`` the whole initial state (h0, or (h0, c0) for the LSTM family)
    weight   W_h (G*H, H), its DropConnect copy, or (D, G*H, H) for D directions
    mask     the recurrent dropout mask (G | 1, D*N, H) or None
    last     (D*N,) the step of each sample's final state, or None for the last step
    params   ``params("name", ...)``: the cells' further parameters in xp's dtype, one row per sample when D > 1

and returns (h_t for every t (L, D*N, H), the final cell state (D*N, H) or None).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from ..cells.masks import Masks
from .per_gate_input import per_gate_input_product


def projection(cell, x: torch.Tensor, masks: Optional[Masks]) -> torch.Tensor:
    """xp = W_x x + b for every step at once, x (L, N, F) -> (L, N, G, H): the cell's own ``input_product``,
    except that one input mask per gate goes through :func:`per_gate_input_product` (the same sums without
    G masked copies of x; outside autocast, whose casts its in-place products would skip)."""
    m = None if masks is None else masks.input
    if m is None or m.shape[0] == 1 or torch.is_autocast_enabled(x.device.type):
        return cell.input_product(x, masks, cell.input_bias)
    return per_gate_input_product(x, m, cell.weight_ih, cell.input_bias).movedim(0, -2)   # (L, N, G, H), a view


def always(cell) -> bool:
    return True


@dataclass(frozen=True)
class Kernel:
    """One fast kernel.

    Attributes:
        cell: the readable cell class whose equations it computes (exact class: subclasses run the readable loop).
        function: its ``torch.autograd.Function`` (forward loop and written-out backward).
        launch: ``launch(cells, xp, h0, state, weight, mask, last, params) -> (hs, c_last or None)``.
        applies: which configurations of the cell it takes (the GRU's two forms, layer norm or not).
        project: the input projection for all steps, ``project(cell, x, masks)`` -> (L, N, G, H).
        joins_directions: whether D directions run in one loop (weight (D, G*H, H)).
        gate_first: whether it takes xp gate-first (G, L, N, H) under one recurrent mask per gate.
    """

    cell: type
    function: type
    launch: Callable
    applies: Callable = always
    project: Callable = projection
    joins_directions: bool = False
    gate_first: bool = False

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__name__}"
