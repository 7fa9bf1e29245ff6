"""Look inside recurrent layers: every step's gate activations and states, from the cells' own math.

The cells write their internals into a dict when the runner hands them one; nothing is computed twice.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Dict, Iterator

import torch
from torch import nn

from ..layers.rnn import RNN

Internals = Dict[str, torch.Tensor]


@contextmanager
def record_internals(model: nn.Module) -> Iterator[Dict[str, Internals]]:
    """Record the internals of every torchseq recurrent layer inside ``model`` while in the block.

    Yields a dict filled as the layers run: ``{layer name: {entry: (N, L, H) tensor}}``. Names are those
    of ``model.named_modules()`` ("" for ``model`` itself, "forward_layer"/"backward_layer" inside a
    Bidirectional). Entries are the cell's (LSTM family: i, f, g, o, c, h; GRU: r, z, n, h;
    SimpleRNN: a, h), in the order of the layer's outputs (processing order for go_backwards), zero at
    padded steps. A layer run twice keeps its last run. Tensors stay on the autograd graph.

    Example::

        with record_internals(model) as internals:
            model(x)
        forget = internals["lstm"]["f"]          # (N, L, H)
    """
    layers = {m: name for name, m in model.named_modules() if isinstance(m, RNN)}
    if not layers:
        raise ValueError(f"model ({type(model).__name__}) holds no torchseq recurrent layer to record")
    recording: Dict[str, Internals] = {}
    previous = {m: m._trace_sink for m in layers}

    def sink(name: str):
        return lambda layer, internals: recording.__setitem__(name, internals)

    for m, name in layers.items():
        m._trace_sink = sink(name)
    try:
        yield recording
    finally:
        for m, prev in previous.items():
            m._trace_sink = prev


def trace(layer: nn.Module, x: torch.Tensor, initial_state=None, lengths=None):
    """Run ``layer(x, initial_state, lengths)`` and return ``(output, internals)``.

    For a single recurrent layer, internals is its dict of (N, L, H) tensors; for a wrapper
    (Bidirectional, Stacked, a model) it is the dict of those dicts by layer name, as
    :func:`record_internals` gives.
    """
    if not isinstance(layer, nn.Module):
        raise TypeError(f"layer must be a torch.nn.Module (a torchseq layer or a model of them), got "
                        f"{type(layer).__name__}")
    with record_internals(layer) as recording:
        output = layer(x, initial_state=initial_state, lengths=lengths)
    return output, (recording[""] if isinstance(layer, RNN) else recording)
