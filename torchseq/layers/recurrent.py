"""Convenience layers: ``LSTM(F, H, ...)`` is ``RNN(LSTMCell(F, H, ...), ...)``, and so on."""
from __future__ import annotations

from ..cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, SimpleRNNCell
from .rnn import RNN, RUNNER_OPTIONS


class _CellLayer(RNN):
    """RNN over a freshly made ``cell_class(input_size, hidden_size, **cell_options)``: the keywords
    named in ``RUNNER_OPTIONS`` go to :class:`RNN`, every other one to the cell."""

    cell_class = None

    def __init__(self, input_size: int, hidden_size: int, **options):
        runner = {k: options.pop(k) for k in RUNNER_OPTIONS if k in options}
        super().__init__(self.cell_class(input_size, hidden_size, **options), **runner)


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
    (default False, Hands-On ML eq. 15-4), ``activation`` of the candidate ("tanh" or "relu"), ``init``,
    ``device``, ``dtype``."""

    cell_class = GRUCell


class LayerNormLSTM(_CellLayer):
    """:class:`RNN` over a :class:`~torchseq.cells.LayerNormLSTMCell`. Cell options as :class:`LSTM`
    plus ``layer_norm_eps``."""

    cell_class = LayerNormLSTMCell
