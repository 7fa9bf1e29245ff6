"""torchseq: the sequence models of the standard courses, hand-written in PyTorch and proved equal
to torch.nn. Layout everywhere: batch first, x is (N, L, F) = (samples, time steps, features)."""
from .cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, RecurrentCell, SimpleRNNCell
from .layers import (GRU, LSTM, RNN, Bidirectional, LayerNormLSTM, PeepholeLSTM, RecurrentLayer,
                     SimpleRNN, Stacked)
from . import interop
from .study import record_internals, trace
from .summary import summary

__version__ = "0.1.0"

__all__ = [
    "RecurrentCell", "SimpleRNNCell", "LSTMCell", "PeepholeLSTMCell", "GRUCell", "LayerNormLSTMCell",
    "RecurrentLayer", "RNN", "SimpleRNN", "LSTM", "PeepholeLSTM", "GRU", "LayerNormLSTM",
    "Bidirectional", "Stacked", "record_internals", "trace", "summary", "interop",
]
