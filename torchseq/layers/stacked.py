"""A stack of recurrent layers, each reading the previous one's output sequence."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .._validate import check_probability
from .base import RecurrentLayer
from .dropout import VariationalDropout


class Stacked(RecurrentLayer):
    """Deep RNN: ``Stacked(LSTM(1, 20, return_sequences=True), LSTM(20, 20))``.

    Written as one would write the Keras stack: every layer but the last returns sequences. The
    stack's output options are those of its last layer (``return_sequences``, ``return_state``);
    ``stateful`` must be the same for every layer. Unlike a plain ``nn.Sequential``, the stack passes
    ``lengths`` and per-layer states through.

    State: a list with one state per layer (each as that layer returns it), like torch.nn's h_n that
    holds one slice per layer. With ``return_state`` the stack returns that whole list.

    Args:
        layers: the recurrent layers, bottom first.
        dropout: variational dropout between layers (on every layer's output but the last): one mask
            per sample and feature per call, shared over time (:class:`VariationalDropout`) -- where
            torch.nn's ``dropout`` argument draws a fresh mask for every element.
        generator: for that dropout's masks (None, a torch.Generator or an int seed).
    """

    def __init__(self, *layers: RecurrentLayer, dropout: float = 0.0, generator=None):
        super().__init__()
        if not layers:
            raise ValueError("Stacked needs at least one layer")
        for k, layer in enumerate(layers):
            if not isinstance(layer, RecurrentLayer):
                raise TypeError(f"layer {k} must be a torchseq recurrent layer, got {type(layer).__name__}")
            if k and layer.input_size != layers[k - 1].output_size:
                raise ValueError(f"layer {k} reads {layer.input_size} features but layer {k - 1} "
                                 f"outputs {layers[k - 1].output_size}")
            if layer.stateful != layers[0].stateful:
                raise ValueError(f"layer {k} has stateful={layer.stateful} but layer 0 has "
                                 f"stateful={layers[0].stateful}; a stack is stateful as a whole")
        for k, layer in enumerate(layers[:-1]):
            if not layer.return_sequences:
                raise ValueError(f"layer {k} must have return_sequences=True: it feeds layer {k + 1}")
            if layer.return_state:
                raise ValueError(f"layer {k} has return_state=True, which a stack cannot honour: give the "
                                 f"last layer return_state=True to get every layer's state")
            if getattr(layer, "merge_mode", "concat") is None:
                raise ValueError(f"layer {k} has merge_mode=None and cannot feed layer {k + 1}")
        self.layers = nn.ModuleList(layers)
        self.layer_dropout = VariationalDropout(check_probability("dropout", dropout), generator)

    return_sequences = property(lambda self: self.layers[-1].return_sequences)
    return_state = property(lambda self: self.layers[-1].return_state)
    stateful = property(lambda self: self.layers[0].stateful)
    input_size = property(lambda self: self.layers[0].input_size)
    output_size = property(lambda self: self.layers[-1].output_size)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, k: int) -> RecurrentLayer:
        return self.layers[k]

    def zero_state(self, x: torch.Tensor):
        return [layer.zero_state(x) for layer in self.layers]

    def check_state(self, state, x: torch.Tensor, name: str = "initial_state"):
        if not isinstance(state, (tuple, list)) or len(state) != len(self.layers):
            raise TypeError(f"{name} of a Stacked of {len(self.layers)} layers must be a list of "
                            f"{len(self.layers)} states, got {type(state).__name__}"
                            + (f" of length {len(state)}" if isinstance(state, (tuple, list)) else ""))
        # The input a layer sees has the batch of x; only N matters to the state checks.
        return [layer.check_state(s, x, f"{name}[{k}]") for k, (layer, s) in enumerate(zip(self.layers, state))]

    def run(self, x: torch.Tensor, state, lengths: Optional[torch.Tensor]):
        """x (N, L, F) -> (last layer's outputs (N, L, D), its last output (N, D), list of states)."""
        states = []
        for k, (layer, s) in enumerate(zip(self.layers, state)):
            if k:
                x = self.layer_dropout(x)                                      # same mask at every step
            x, last, s = layer.run(x, s, lengths)                        # x becomes (N, L, D_k)
            states.append(s)
        return x, last, states

    @property
    def dropout(self) -> float:
        return self.layer_dropout.p
