"""Recurrent states are nested: a tensor (N, H), a tuple (h, c), a (forward, backward) pair, a list
per stacked layer. These helpers walk that nesting without knowing which layer made it."""
from __future__ import annotations

from typing import Callable, Iterator

import torch


def map_state(fn: Callable[[torch.Tensor], torch.Tensor], state):
    """Apply fn to every tensor of a nested state, keeping the nesting (tuples stay tuples, lists lists)."""
    if isinstance(state, torch.Tensor):
        return fn(state)
    return type(state)(map_state(fn, s) for s in state)


def select_state(keep_new: torch.Tensor, new, old):
    """Elementwise where(keep_new, new, old) over two states of the same nesting; keep_new (N, 1)."""
    if isinstance(new, torch.Tensor):
        return torch.where(keep_new, new, old)
    return type(new)(select_state(keep_new, n, o) for n, o in zip(new, old))


def state_tensors(state) -> Iterator[torch.Tensor]:
    """Every tensor of a nested state, depth first."""
    if isinstance(state, torch.Tensor):
        yield state
    else:
        for s in state:
            yield from state_tensors(s)
