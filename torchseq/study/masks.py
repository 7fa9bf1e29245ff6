"""The dropout noise a recurrent layer used, over time: variational (Gal & Ghahramani 2016) masks repeat
at every step, naive ones are drawn afresh at each step (Zaremba et al. 2014)."""
from __future__ import annotations

import torch

from .._validate import check_choice, check_count
from ..layers.rnn import RNN
from .traces import trace


def masks_over_time(layer: RNN, x: torch.Tensor, which: str = "recurrent", gate: int = 0, sample: int = 0
                    ) -> torch.Tensor:
    """Run ``layer`` in training mode on x (N, L, F) and return the keep-mask it applied to one gate's
    input (``which="input"``, (L, F)) or to h_{t-1} (``which="recurrent"``, (L, H)) for one sample,
    scaled as applied (0 or 1/(1-p)). Row t is the mask at step t. The layer's mode is restored."""
    which = check_choice("which", which, ("input", "recurrent"))
    gate, sample = check_count("gate", gate), check_count("sample", sample)
    if not isinstance(layer, RNN):
        raise TypeError(f"layer must be one torchseq recurrent layer (RNN, LSTM, GRU, ...), got {type(layer).__name__}")
    was_training = layer.training
    layer.train()
    try:
        with torch.no_grad():
            _, internals = trace(layer, x)
    finally:
        layer.train(was_training)
    key = f"{which}_mask"
    if key not in internals:
        rate = layer.dropout if which == "input" else layer.recurrent_dropout
        raise ValueError(f"the layer draws no {which} mask ({'dropout' if which == 'input' else 'recurrent_dropout'}"
                         f"={rate:g})")
    masks = internals[key]                                                              # (G, N, L, D)
    if not 0 <= gate < masks.shape[0] or not 0 <= sample < masks.shape[1]:
        raise ValueError(f"gate must be in [0, {masks.shape[0]}) and sample in [0, {masks.shape[1]}), "
                         f"got gate={gate}, sample={sample}")
    return masks[gate, sample]                                                          # (L, D)
