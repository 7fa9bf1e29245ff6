"""The dropout noise a cell applies: drawn once per forward call (variational, Gal & Ghahramani 2016)
and applied by the cell's own equations. Drawing and applying are apart so that a runner decides
*when* noise is drawn (once per call, or every step for the naive variant) and the cell *how* it acts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import torch


@dataclass(frozen=True)
class Masks:
    """Dropout noise for one forward call; every entry optional, values 0 or 1/(1-p) (inverted dropout).

    input
        (G, N, F) one mask per gate (Gal's untied variant, Keras' implementation 1), or (1, N, F) one mask
        shared by the gates -- multiplies x_t before W_x.
    recurrent
        (G, N, H) or (1, N, H) -- multiplies h_{t-1} before W_h (never c_{t-1}).
    weight_hh
        (G*H, H) the call's DropConnect copy W_h * M / (1-p) (Wan et al. 2013; AWD-LSTM's WeightDrop), used
        in place of W_h at every step of the call.
    """

    input: Optional[torch.Tensor] = None
    recurrent: Optional[torch.Tensor] = None
    weight_hh: Optional[torch.Tensor] = None

    @property
    def per_gate_recurrent(self) -> bool:
        return self.recurrent is not None and self.recurrent.shape[0] > 1


def keep_mask(shape: Tuple[int, ...], p: float, like: torch.Tensor, generator=None) -> torch.Tensor:
    """Bernoulli(1 - p) keep mask scaled by 1/(1-p), with the dtype and device of ``like``.

    Drawn on the generator's device (the global generator of ``like``'s device when None), so a seeded
    CPU generator gives the same masks whatever device the model runs on.
    """
    device = like.device if generator is None else generator.device
    u = torch.rand(shape, generator=generator, device=device)                       # U[0, 1)
    return ((u >= p).to(like.dtype) / (1.0 - p)).to(like.device)


def bernoulli(shape: Tuple[int, ...], p: float, like: torch.Tensor, generator=None) -> torch.Tensor:
    """Boolean Bernoulli(p) draws on ``like``'s device (True with probability p)."""
    device = like.device if generator is None else generator.device
    return (torch.rand(shape, generator=generator, device=device) < p).to(like.device)
