"""The fast backward's working buffers: the forward's saved buffers themselves when this backward is their
last use.

The LSTM family's backward turns the buffers its forward saved (the gate activations, g, tanh of the cell
state) into the gradient factors and then into dL/da, one buffer into the next. When autograd frees the
saved tensors after this backward -- neither ``retain_graph`` nor ``create_graph`` -- it writes over them in
place, so the backward allocates no buffer the size of the sequence (cuDNN reuses its reserve space the same
way). Otherwise it works on copies, and a second backward over the same graph reads what the forward saved.

Fewer fresh buffers mean less memory and, on a CPU, fewer page faults: glibc hands large freed blocks back
to the system, and every page of a fresh one is faulted in again on first touch.
"""
from __future__ import annotations

from typing import Tuple

import torch


def last_use() -> bool:
    """True inside a backward after which autograd frees the saved tensors (the flag torch's own AOTAutograd
    reads for the same decision). False outside a backward, with ``retain_graph=True`` or ``create_graph=True``,
    and where this torch has no such flag."""
    keep_graph = getattr(torch._C._autograd, "_get_current_graph_task_keep_graph", None)
    return keep_graph is not None and not keep_graph()


def working(*saved: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """The saved buffers to overwrite: themselves on their last use (:func:`last_use`), else copies."""
    return saved if last_use() else tuple(t.clone() for t in saved)


def scratch(saved: torch.Tensor) -> torch.Tensor:
    """A buffer shaped like a saved one, to fill with something else: the saved buffer itself on its last use
    (:func:`last_use`; its contents are then not needed again), else a new, uninitialised one."""
    return saved if last_use() else torch.empty_like(saved)
