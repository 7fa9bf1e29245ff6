"""Unrolling: a recurrent layer's computation on a tiny input, step by step, as numbers.

The textbook figure of an RNN "unrolled through time" (Hands-On ML fig. 15-2) drawn as a table: for each
step t, the input half of every gate's pre-activation and then every quantity the cell's equations
produce in order (LSTM: i, f, g, o, c, h; GRU: r, z, n, h; SimpleRNN: a, h), read from the readable
path's own trace (:func:`torchseq.study.record_internals`), nothing recomputed.
"""
from __future__ import annotations

import pandas as pd
import torch

from .._validate import check_tensor
from ..layers.rnn import RNN
from ..layers.time import reverse_time
from .traces import trace


def unroll(layer: RNN, x: torch.Tensor, initial_state=None) -> pd.DataFrame:
    """One sample's run, step by step: x (L, F) or (1, L, F) -> a DataFrame indexed by (t, quantity) with
    one column per unit ``unit 0 .. unit H-1``.

    Rows per step t, in order: ``xp_<gate>`` for each gate (the input half of the pre-activation,
    ``W_x x_t + b`` per gate; ``LN_x(W_x x_t) + b`` for the layer-norm LSTM; ``W_x x_t + b_x`` for the
    reset-after GRU), then the cell's trace entries. Steps are in processing order (reversed for
    ``go_backwards``). Evaluation-mode arithmetic: no dropout noise is drawn (the layer's mode is left
    as it was).
    """
    if not isinstance(layer, RNN):
        raise TypeError(f"layer must be one torchseq recurrent layer (RNN, LSTM, GRU, ...), got {type(layer).__name__}")
    cell = layer.cell
    if isinstance(x, torch.Tensor) and x.dim() == 2:
        x = x.unsqueeze(0)                                                             # (L, F) -> (1, L, F)
    x = check_tensor("x", x, 3, "(L, F) or (1, L, F)", cell.dtype)
    if x.shape[0] != 1 or x.shape[-1] != cell.input_size:
        raise ValueError(f"x must be one sample shaped (L, {cell.input_size}) or (1, L, {cell.input_size}), "
                         f"got shape {tuple(x.shape)}")
    was_training = layer.training
    layer.eval()
    try:
        with torch.no_grad():
            _, internals = trace(layer, x, initial_state=initial_state)                 # {name: (1, L, H)}
            x_seen = reverse_time(x) if layer.go_backwards else x                       # processing order
            xp = cell.project_input(x_seen[0])                                          # (L, G, H)
    finally:
        layer.train(was_training)
    rows = {}
    for t in range(x.shape[1]):
        for g, gate in enumerate(cell.gates):
            rows[(t, f"xp_{gate}")] = xp[t, g]
        for name, values in internals.items():
            rows[(t, name)] = values[0, t]
    frame = pd.DataFrame({key: v.double().cpu().numpy() for key, v in rows.items()}).T
    frame.columns = [f"unit {j}" for j in range(cell.hidden_size)]
    frame.index.names = ["t", "quantity"]
    return frame
