"""Zoneout (Krueger et al. 2016, arXiv 1606.01305): each unit of each state keeps its previous value
with probability z instead of taking the new one.

    training:   s_t = d_t * s_{t-1} + (1 - d_t) * s~_t,   d_t ~ Bernoulli(z), drawn per step and unit
    evaluation: s_t = z * s_{t-1} + (1 - z) * s~_t        (the expectation)

s~_t is the cell's proposed state; for the LSTM family z may differ for h and c (the paper's z_h, z_c).
It acts on the state update alone, so the runner applies it to any cell.
"""
from __future__ import annotations

import numbers
from typing import List, Optional, Sequence, Tuple

import torch

from .._validate import check_probability
from ..cells.masks import bernoulli


def zoneout_rates(zoneout, state_names: Sequence[str]) -> Tuple[float, ...]:
    """One rate per state: a single rate for all, or a sequence with one per state name (h, c)."""
    if isinstance(zoneout, numbers.Real) and not isinstance(zoneout, bool):
        return (check_probability("zoneout", zoneout),) * len(state_names)
    if isinstance(zoneout, (tuple, list)) and len(zoneout) == len(state_names):
        return tuple(check_probability(f"zoneout[{k}] ({n})", z) for k, (z, n) in enumerate(zip(zoneout, state_names)))
    names = ", ".join(state_names)
    raise TypeError(f"zoneout must be a rate in [0, 1) or one rate per state ({names}), got {zoneout!r}")


def draw_zoneout(rates: Tuple[float, ...], like: torch.Tensor, steps: int, hidden_size: int,
                 generator=None) -> List[Optional[torch.Tensor]]:
    """Per state, d (L, N, H) booleans (True = keep the previous value), or None where z = 0."""
    shape = (steps, like.shape[0], hidden_size)
    return [bernoulli(shape, z, like, generator) if z else None for z in rates]


def apply_zoneout(new, old, rates: Tuple[float, ...], keep_old: Optional[List], t: int):
    """The zoned state from the proposed ``new`` and the previous ``old`` (tensor or tuple of tensors).
    ``keep_old`` are the training draws (see draw_zoneout); None means evaluation (the expectation)."""
    single = isinstance(new, torch.Tensor)
    news, olds = ((new,), (old,)) if single else (new, old)
    out = []
    for k, (n, o, z) in enumerate(zip(news, olds, rates)):
        if not z:
            out.append(n)
        elif keep_old is None:
            out.append(z * o + (1 - z) * n)                                          # expectation
        else:
            out.append(torch.where(keep_old[k][t], o, n))                            # d_t o + (1 - d_t) n
    return out[0] if single else tuple(out)
