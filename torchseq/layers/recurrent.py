"""Convenience layers: ``LSTM(F, H, ...)`` is ``RNN(LSTMCell(F, H, ...), ...)``, and so on, with every option
of the cell and of the runner spelled out, so that ``help()`` and IDEs show them all."""
from __future__ import annotations

from typing import Optional

import torch

from ..cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, SimpleRNNCell
from .._habits import refuses_other_libraries_options
from .rnn import RNN, RUNNER_ARGS, RUNNER_OPTIONS

_COMMON_CELL_ARGS = """
        init: "keras" (default: glorot-uniform W_x, orthogonal W_h, zero bias) or "torch" (torch.nn's
            uniform(-1/sqrt(H), 1/sqrt(H)) for everything).
        device, dtype: where and in which float type the parameters are made."""

_LSTM_ARGS = """
        unit_forget_bias: start the forget gate's bias at 1 (Keras' default; Jozefowicz et al. 2015)."""


def _runner(local: dict) -> dict:
    """The runner's options out of a layer's ``__init__`` arguments."""
    return {name: local[name] for name in RUNNER_OPTIONS}


class SimpleRNN(RNN):
    __doc__ = """:class:`RNN` over a :class:`~torchseq.cells.SimpleRNNCell`: h_t = φ(W_x x_t + W_h h_{t-1} + b)
    (Hands-On ML eq. 15-1).

    Args:
        input_size: F, features per step.
        hidden_size: H, units.
        activation: φ, "tanh" (default) or "relu".
        layer_norm: normalise W_x x_t + W_h h_{t-1} before φ (the book's LNSimpleRNNCell).
        layer_norm_eps: the normalisation's epsilon (Keras' 1e-3).""" + _COMMON_CELL_ARGS + RUNNER_ARGS

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, *, activation: str = "tanh", layer_norm: bool = False,
                 layer_norm_eps: float = 1e-3, init: str = "keras", return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, weight_dropout: float = 0.0, zoneout=0.0,
                 per_gate_masks: bool = True, variational: bool = True, generator=None,
                 device: Optional[torch.device] = None, dtype: Optional[torch.dtype] = None):
        cell = SimpleRNNCell(input_size, hidden_size, activation=activation, layer_norm=layer_norm,
                             layer_norm_eps=layer_norm_eps, init=init, device=device, dtype=dtype)
        super().__init__(cell, **_runner(locals()))


class _LSTMFamily(RNN):
    """The LSTM's options, shared by the layers whose cell takes exactly them (``cell_class``)."""

    cell_class = LSTMCell

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, *, unit_forget_bias: bool = True, init: str = "keras",
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 weight_dropout: float = 0.0, zoneout=0.0, per_gate_masks: bool = True, variational: bool = True,
                 generator=None, device: Optional[torch.device] = None, dtype: Optional[torch.dtype] = None):
        cell = self.cell_class(input_size, hidden_size, unit_forget_bias=unit_forget_bias, init=init, device=device,
                               dtype=dtype)
        super().__init__(cell, **_runner(locals()))


class LSTM(_LSTMFamily):
    __doc__ = """:class:`RNN` over an :class:`~torchseq.cells.LSTMCell` (Hands-On ML eq. 15-3): gates i, f, o,
    candidate g, c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).

    Args:
        input_size: F, features per step.
        hidden_size: H, units.""" + _LSTM_ARGS + _COMMON_CELL_ARGS + RUNNER_ARGS

    cell_class = LSTMCell


class PeepholeLSTM(_LSTMFamily):
    __doc__ = """:class:`RNN` over a :class:`~torchseq.cells.PeepholeLSTMCell` (Gers & Schmidhuber 2000): the
    LSTM whose gates also read the cell state through diagonal peephole weights.

    Args:
        input_size: F, features per step.
        hidden_size: H, units.""" + _LSTM_ARGS + _COMMON_CELL_ARGS + RUNNER_ARGS

    cell_class = PeepholeLSTMCell


class GRU(RNN):
    __doc__ = """:class:`RNN` over a :class:`~torchseq.cells.GRUCell`: reset gate r, update gate z, candidate n,
    h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n.

    Args:
        input_size: F, features per step.
        hidden_size: H, units.
        reset_after: False (default) applies r before W_h, Hands-On ML eq. 15-4 and Keras' default before
            TensorFlow 2; True applies it after, torch.nn's and cuDNN's form (two biases).
        activation: of the candidate n, "tanh" (default) or "relu".""" + _COMMON_CELL_ARGS + RUNNER_ARGS

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, *, reset_after: bool = False, activation: str = "tanh",
                 init: str = "keras", return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, weight_dropout: float = 0.0, zoneout=0.0,
                 per_gate_masks: bool = True, variational: bool = True, generator=None,
                 device: Optional[torch.device] = None, dtype: Optional[torch.dtype] = None):
        cell = GRUCell(input_size, hidden_size, reset_after=reset_after, activation=activation, init=init,
                       device=device, dtype=dtype)
        super().__init__(cell, **_runner(locals()))


class LayerNormLSTM(RNN):
    __doc__ = """:class:`RNN` over a :class:`~torchseq.cells.LayerNormLSTMCell` (Ba et al. 2016): the LSTM with
    layer normalisation of the gate pre-activations and of the cell state.

    Args:
        input_size: F, features per step.
        hidden_size: H, units.""" + _LSTM_ARGS + """
        layer_norm_eps: the normalisations' epsilon (1e-5).""" + _COMMON_CELL_ARGS + RUNNER_ARGS

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, *, unit_forget_bias: bool = True,
                 layer_norm_eps: float = 1e-5, init: str = "keras", return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, weight_dropout: float = 0.0, zoneout=0.0,
                 per_gate_masks: bool = True, variational: bool = True, generator=None,
                 device: Optional[torch.device] = None, dtype: Optional[torch.dtype] = None):
        cell = LayerNormLSTMCell(input_size, hidden_size, unit_forget_bias=unit_forget_bias,
                                 layer_norm_eps=layer_norm_eps, init=init, device=device, dtype=dtype)
        super().__init__(cell, **_runner(locals()))
