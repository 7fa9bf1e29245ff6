"""Convenience layers: ``LSTM(F, H, ...)`` is ``RNN(LSTMCell(F, H, ...), ...)``, and so on."""
from __future__ import annotations

from ..cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, SimpleRNNCell
from .rnn import RNN


class _CellLayer(RNN):
    """RNN over a freshly made ``cell_class(input_size, hidden_size, **cell_options)``."""

    cell_class = None

    def __init__(self, input_size: int, hidden_size: int, *, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 **cell_options):
        super().__init__(self.cell_class(input_size, hidden_size, **cell_options),
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful)


class SimpleRNN(_CellLayer):
    """:class:`RNN` over a :class:`~torchseq.cells.SimpleRNNCell`. Cell options: ``activation``,
    ``layer_norm``, ``layer_norm_eps``, ``init``, ``device``, ``dtype``."""

    cell_class = SimpleRNNCell


class LSTM(_CellLayer):
    """:class:`RNN` over an :class:`~torchseq.cells.LSTMCell`. Cell options: ``unit_forget_bias``,
    ``init``, ``device``, ``dtype``."""

    cell_class = LSTMCell


class PeepholeLSTM(_CellLayer):
    """:class:`RNN` over a :class:`~torchseq.cells.PeepholeLSTMCell`. Cell options as :class:`LSTM`."""

    cell_class = PeepholeLSTMCell


class GRU(_CellLayer):
    """:class:`RNN` over a :class:`~torchseq.cells.GRUCell`. Cell options: ``reset_after``
    (default False, Hands-On ML eq. 15-4), ``init``, ``device``, ``dtype``."""

    cell_class = GRUCell


class LayerNormLSTM(_CellLayer):
    """:class:`RNN` over a :class:`~torchseq.cells.LayerNormLSTMCell`. Cell options as :class:`LSTM`
    plus ``layer_norm_eps``."""

    cell_class = LayerNormLSTMCell
