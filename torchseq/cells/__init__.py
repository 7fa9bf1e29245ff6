"""Recurrent cells: one time step each, ``forward`` / ``step`` being the textbook equation block."""
from .base import RecurrentCell
from .gru import GRUCell
from .layer_norm_lstm import LayerNormLSTMCell
from .lstm import LSTMCell
from .peephole_lstm import PeepholeLSTMCell
from .simple_rnn import SimpleRNNCell
from . import variants

__all__ = ["RecurrentCell", "SimpleRNNCell", "LSTMCell", "PeepholeLSTMCell", "GRUCell", "LayerNormLSTMCell", "variants"]
