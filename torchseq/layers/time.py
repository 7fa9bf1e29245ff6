"""Time-axis helpers for ragged batches: per-sample reversal and the mask of valid steps."""
from __future__ import annotations

from typing import Optional

import torch


def reverse_time(x: torch.Tensor, lengths: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Reverse each sample's valid steps, leaving its padding in place.

    x (N, L, D); lengths (N,) or None. out[n, t] = x[n, len_n - 1 - t] for t < len_n, else x[n, t].
    Applying it twice gives x back.
    """
    if lengths is None:
        return x.flip(1)
    t = torch.arange(x.shape[1], device=x.device)                                   # (L,)
    n = lengths.unsqueeze(1)                                                         # (N, 1)
    index = torch.where(t < n, n - 1 - t, t)                                         # (N, L)
    return x.gather(1, index.unsqueeze(2).expand_as(x))                              # (N, L, D)


def step_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """valid[t, n, 0] = t < lengths[n]: (L, N, 1) booleans, indexed by step first for the time loop."""
    t = torch.arange(steps, device=lengths.device)                                   # (L,)
    return (t.unsqueeze(1) < lengths.unsqueeze(0)).unsqueeze(2)                      # (L, N, 1)


def zero_padding(x: torch.Tensor, lengths: Optional[torch.Tensor]) -> torch.Tensor:
    """x (N, L, F) with the steps past each sample's length set to 0.

    A padded step's state and output are discarded, but its arithmetic still runs; a NaN or inf
    there would reach the weight gradients as 0 * NaN = NaN (dW_x = sum_t da_t x_t^T). Zeroing the
    padding first keeps every padded value out of the forward and the backward, and the gradient
    with respect to a padded input is exactly 0 (``masked_fill``'s backward).
    """
    if lengths is None:
        return x
    padded = ~step_mask(lengths, x.shape[1]).transpose(0, 1)                         # (N, L, 1)
    return x.masked_fill(padded, 0.0)                                                # (N, L, F)
