"""Bidirectional wrapper (Schuster & Paliwal 1997): one layer reads forward, a copy reads backward."""
from __future__ import annotations

import copy
from typing import Optional

import torch

from .._validate import check_choice
from ..fast.dispatch import run_directions
from .base import RecurrentLayer
from .rnn import RNN
from .time import reverse_time

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(RecurrentLayer):
    """Run ``layer`` forward and a backward copy of it over the same sequences, and merge the outputs.

    The backward layer (a fresh copy of ``layer`` with ``go_backwards=True`` and newly initialised
    weights, unless ``backward_layer`` is given) reads each sample from its last valid step to its
    first; its outputs are reversed back so that step t of both halves belongs to input step t
    (as Keras' Bidirectional and torch.nn's ``bidirectional=True``).

    ``return_sequences``, ``return_state`` and ``stateful`` are those of the wrapped layer, as in Keras.

    Args:
        layer: the forward :class:`RNN` (``go_backwards=False``).
        merge_mode: ``"concat"`` (default; (N, ..., 2H), torch.nn's layout), ``"sum"``, ``"mul"``,
            ``"ave"``, or None for the pair (forward output, backward output).
        backward_layer: an explicit backward :class:`RNN` (``go_backwards=True``, same flags).

    State: the pair (forward state, backward state). The last output (without ``return_sequences``)
    merges the forward layer's output at each sample's last valid step with the backward layer's
    output at step 0 -- both halves' final states, as torch.nn's h_n.
    """

    def __init__(self, layer: RNN, merge_mode: Optional[str] = "concat", backward_layer: Optional[RNN] = None):
        super().__init__()
        if not isinstance(layer, RNN):
            raise TypeError(f"layer must be a torchseq RNN layer (e.g. torchseq.LSTM), got {type(layer).__name__}")
        if layer.go_backwards:
            raise ValueError("layer must read forward (go_backwards=False); Bidirectional makes the backward copy")
        self.merge_mode = check_choice("merge_mode", merge_mode, MERGE_MODES)
        if backward_layer is None:
            backward_layer = copy.deepcopy(layer)
            backward_layer.go_backwards = True
            backward_layer.cell.reset_parameters()
            backward_layer.generator = layer.generator      # shared: a copy would repeat the same masks
        else:
            _check_backward_layer(layer, backward_layer)
        if merge_mode in ("sum", "mul", "ave") and layer.output_size != backward_layer.output_size:
            raise ValueError(f"merge_mode={merge_mode!r} needs equal output sizes, got "
                             f"{layer.output_size} forward and {backward_layer.output_size} backward")
        self.forward_layer = layer
        self.backward_layer = backward_layer

    return_sequences = property(lambda self: self.forward_layer.return_sequences)
    return_state = property(lambda self: self.forward_layer.return_state)
    stateful = property(lambda self: self.forward_layer.stateful)
    input_size = property(lambda self: self.forward_layer.input_size)

    @property
    def output_size(self) -> int:
        """Features of the merged output (per half when merge_mode is None)."""
        if self.merge_mode == "concat":
            return self.forward_layer.output_size + self.backward_layer.output_size
        return self.forward_layer.output_size

    def zero_state(self, x: torch.Tensor):
        return self.forward_layer.zero_state(x), self.backward_layer.zero_state(x)

    def check_state(self, state, x: torch.Tensor, name: str = "initial_state"):
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"{name} of a Bidirectional layer must be a pair (forward state, backward state), "
                            f"got {type(state).__name__}"
                            + (f" of length {len(state)}" if isinstance(state, (tuple, list)) else ""))
        return (self.forward_layer.check_state(state[0], x, f"{name}[0] (forward)"),
                self.backward_layer.check_state(state[1], x, f"{name}[1] (backward)"))

    def run(self, x: torch.Tensor, state, lengths: Optional[torch.Tensor]):
        """x (N, L, F) -> (merged outputs (N, L, D), merged last (N, D), (forward state, backward state)).

        On a GPU the two halves share one step loop where their kernel allows it
        (:func:`torchseq.fast.dispatch.run_directions`), as cuDNN runs both directions in one call."""
        (out_f, last_f, state_f), (out_b, last_b, state_b) = run_directions(
            (self.forward_layer, self.backward_layer), x, state, lengths)
        out_b = reverse_time(out_b, lengths)                            # (N, L, H), aligned with input steps
        return self._merge(out_f, out_b), self._merge(last_f, last_b), (state_f, state_b)

    def _merge(self, a: torch.Tensor, b: torch.Tensor):
        if self.merge_mode == "concat":
            return torch.cat((a, b), dim=-1)                            # (..., H_f + H_b)
        if self.merge_mode == "sum":
            return a + b
        if self.merge_mode == "mul":
            return a * b
        if self.merge_mode == "ave":
            return (a + b) / 2
        return a, b

    def extra_repr(self) -> str:
        return f"merge_mode={self.merge_mode!r}"


def _check_backward_layer(layer: RNN, backward: RNN) -> None:
    if not isinstance(backward, RNN):
        raise TypeError(f"backward_layer must be a torchseq RNN layer, got {type(backward).__name__}")
    if not backward.go_backwards:
        raise ValueError("backward_layer must have go_backwards=True")
    if backward.input_size != layer.input_size:
        raise ValueError(f"backward_layer reads {backward.input_size} features but layer reads {layer.input_size}")
    for flag in ("return_sequences", "return_state", "stateful"):
        if getattr(backward, flag) != getattr(layer, flag):
            raise ValueError(f"backward_layer.{flag}={getattr(backward, flag)} differs from "
                             f"layer.{flag}={getattr(layer, flag)}")
